package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/evaldoc"
)

// The simulate matrix: every engine conformance case that SimulateCustomPolicy
// can express (identity, resource and boundary policies, a caller, a
// resource owner, context) is simulated through the API and must give the
// decision the case wants, which is also what `iamgate eval` gives.
func TestSimulateMatchesEval(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	data, err := os.ReadFile("../engine/testdata/conformance.json")
	if err != nil {
		t.Fatal(err)
	}
	var suite struct {
		Cases []struct {
			Name string          `json:"name"`
			Want string          `json:"want"`
			Doc  json.RawMessage `json:"doc"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &suite); err != nil {
		t.Fatal(err)
	}
	c := e.iam(e.admin)
	n := 0
	for _, tc := range suite.Cases {
		var doc struct {
			Principal, Action, Resource, ResourceAccount, ManagementAccount, ResourcePolicyKind string
			Context                                                                             map[string]any
			Policies                                                                            map[string]json.RawMessage
		}
		if err := json.Unmarshal(tc.Doc, &doc); err != nil {
			t.Fatal(err)
		}
		in := &iam.SimulateCustomPolicyInput{ActionNames: []string{doc.Action}, CallerArn: aws.String(doc.Principal)}
		usable := doc.Principal != "" && doc.ManagementAccount == "" && doc.ResourcePolicyKind == ""
		for k, raw := range doc.Policies {
			switch k {
			case "identity":
				var ids []json.RawMessage
				if json.Unmarshal(raw, &ids) != nil {
					usable = false
				}
				for _, id := range ids {
					if len(id) == 0 || id[0] != '{' {
						usable = false
					}
					in.PolicyInputList = append(in.PolicyInputList, string(id))
				}
			case "resource":
				in.ResourcePolicy = aws.String(string(raw))
				usable = usable && raw[0] == '{'
			case "permissionsBoundary":
				in.PermissionsBoundaryPolicyInputList = []string{string(raw)}
				usable = usable && raw[0] == '{'
			default:
				usable = false
			}
		}
		if !usable || len(in.PolicyInputList) == 0 {
			continue
		}
		if doc.Resource != "" {
			in.ResourceArns = []string{doc.Resource}
		}
		if doc.ResourceAccount != "" {
			in.ResourceOwner = aws.String("arn:aws:iam::" + doc.ResourceAccount + ":root")
		}
		for k, v := range doc.Context {
			entry := iamtypes.ContextEntry{ContextKeyName: aws.String(k), ContextKeyType: iamtypes.ContextKeyTypeEnumString}
			switch x := v.(type) {
			case []any:
				entry.ContextKeyType = iamtypes.ContextKeyTypeEnumStringList
				for _, item := range x {
					entry.ContextKeyValues = append(entry.ContextKeyValues, fmt.Sprint(item))
				}
			default:
				entry.ContextKeyValues = []string{fmt.Sprint(x)}
			}
			in.ContextEntries = append(in.ContextEntries, entry)
		}
		n++
		t.Run(tc.Name, func(t *testing.T) {
			out, err := c.SimulateCustomPolicy(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			got := string(out.EvaluationResults[0].EvalDecision)
			req, err := evaldoc.Parse(tc.Name, tc.Doc)
			if err != nil {
				t.Fatal(err)
			}
			q, err := req.Prepare()
			if err != nil {
				t.Fatal(err)
			}
			eval := engine.Authorize(q).Decision.String()
			if got != tc.Want || got != eval {
				t.Fatalf("simulate %s, eval %s, want %s", got, eval, tc.Want)
			}
		})
	}
	if n < 40 {
		t.Fatalf("only %d cases could be simulated", n)
	}
}

// SimulatePrincipalPolicy uses the principal's policies in the world, the
// boundary and organization details, and reports missing context keys.
func TestSimulatePrincipalPolicy(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("sim"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	must[*iam.PutRolePolicyOutput](t)(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("sim"), PolicyName: aws.String("ip"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`)}))
	out := must[*iam.SimulatePrincipalPolicyOutput](t)(c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::123456789012:role/sim"), ActionNames: []string{"s3:GetObject", "s3:PutObject"}, ResourceArns: []string{"arn:aws:s3:::b/k"}}))
	if len(out.EvaluationResults) != 2 || out.EvaluationResults[0].EvalDecision != iamtypes.PolicyEvaluationDecisionTypeImplicitDeny {
		t.Fatalf("results: %+v", out.EvaluationResults)
	}
	if m := out.EvaluationResults[0].MissingContextValues; len(m) != 1 || m[0] != "aws:SourceIp" {
		t.Fatalf("missing context values: %v", m)
	}
	out = must[*iam.SimulatePrincipalPolicyOutput](t)(c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::123456789012:role/sim"), ActionNames: []string{"s3:GetObject"}, ResourceArns: []string{"arn:aws:s3:::b/k"},
		ContextEntries:                     []iamtypes.ContextEntry{{ContextKeyName: aws.String("aws:SourceIp"), ContextKeyType: iamtypes.ContextKeyTypeEnumIp, ContextKeyValues: []string{"10.1.2.3"}}},
		PermissionsBoundaryPolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`}}))
	r := out.EvaluationResults[0]
	if r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeAllowed || r.PermissionsBoundaryDecisionDetail == nil || !r.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary ||
		len(r.MatchedStatements) == 0 || r.MatchedStatements[0].StartPosition == nil {
		t.Fatalf("allowed result: %+v", r)
	}
	keys := must[*iam.GetContextKeysForPrincipalPolicyOutput](t)(c.GetContextKeysForPrincipalPolicy(ctx, &iam.GetContextKeysForPrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::123456789012:role/sim")}))
	if len(keys.ContextKeyNames) != 1 || keys.ContextKeyNames[0] != "aws:SourceIp" {
		t.Fatalf("context keys: %v", keys.ContextKeyNames)
	}
	custom := must[*iam.GetContextKeysForCustomPolicyOutput](t)(c.GetContextKeysForCustomPolicy(ctx, &iam.GetContextKeysForCustomPolicyInput{
		PolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"red","s3:prefix":"x"}}}]}`}}))
	if len(custom.ContextKeyNames) != 2 {
		t.Fatalf("custom context keys: %v", custom.ContextKeyNames)
	}
}

// ResourceHandlingOption: the EC2 scenario's resources are required and
// decided together (the IAM API Reference, SimulateCustomPolicy).
func TestSimulateEC2Scenario(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	const ec2 = "arn:aws:ec2:eu-central-1:123456789012:"
	resources := []string{ec2 + "instance/*", ec2 + "image/ami-1", ec2 + "security-group/sg-1", ec2 + "network-interface/*", ec2 + "subnet/subnet-1", ec2 + "volume/*"}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"},
		{"Effect":"Deny","Action":"ec2:RunInstances","Resource":"` + ec2 + `subnet/subnet-1"}]}`
	out := must[*iam.SimulateCustomPolicyOutput](t)(c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{policy},
		ActionNames: []string{"ec2:RunInstances"}, ResourceArns: resources, ResourceHandlingOption: aws.String("EC2-VPC-EBS-Subnet")}))
	r := out.EvaluationResults[0]
	if len(out.EvaluationResults) != 1 || r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeExplicitDeny || len(r.ResourceSpecificResults) != 6 {
		t.Fatalf("scenario result: %+v", r)
	}
	_, err := c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{policy},
		ActionNames: []string{"ec2:RunInstances"}, ResourceArns: resources[:3], ResourceHandlingOption: aws.String("EC2-VPC-EBS-Subnet")})
	wantError(t, err, "InvalidInput", 400)
}
