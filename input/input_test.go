package input_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/input"
)

func TestDetect(t *testing.T) {
	cases := map[string]input.Kind{
		`{"Version":"2012-10-17","Statement":[]}`:                 input.KindPolicy,
		`{"Resources":{}}`:                                        input.KindCloudFormation,
		`{"format_version":"1.2","planned_values":{}}`:            input.KindTerraformPlan,
		`{"Version": "2012-10-17", "Statement": [}`:               input.KindPolicy,
		"AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n": input.KindCloudFormation,
	}
	for src, want := range cases {
		name := "x.json"
		if !strings.HasPrefix(src, "{") {
			name = "x.yaml"
		}
		if got := input.Detect(name, []byte(src)); got != want {
			t.Errorf("Detect(%q) = %s, want %s", src, got, want)
		}
	}
}

// CloudFormation intrinsic functions resolve, in long and short form
// (the CloudFormation User Guide, "Intrinsic function reference").
func TestCloudFormationIntrinsics(t *testing.T) {
	tpl := `
Parameters:
  Env: {Type: String, Default: prod}
Mappings:
  Regions: {us-east-1: {Bucket: logs-use1}}
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties: {BucketName: data-bucket}
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: p
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: s3:GetObject
                Resource:
                  - !Join ["", [!GetAtt Bucket.Arn, "/", !Ref Env, "/*"]]
                  - {"Fn::Sub": ["arn:aws:s3:::${B}/${!aws:username}/*", {B: !FindInMap [Regions, !Ref "AWS::Region", Bucket]}]}
                  - !If [IsProd, "arn:aws:s3:::prod/*", "arn:aws:s3:::dev/*"]
                  - !Ref AWS::NoValue
  Perm:
    Type: AWS::Lambda::Permission
    Properties: {FunctionName: fn, Action: lambda:InvokeFunction, Principal: s3.amazonaws.com, SourceAccount: !Ref AWS::AccountId}
`
	docs, err := input.Parse("t.yaml", []byte(tpl))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 3 {
		t.Fatalf("%d documents", len(docs))
	}
	trust, pol, perm := docs[0], docs[1], docs[2]
	if trust.Type != "trust" || trust.Resource != "Role.Properties.AssumeRolePolicyDocument" || !strings.Contains(string(trust.Data), "arn:aws:iam::123456789012:root") {
		t.Fatalf("trust: %+v %s", trust, trust.Data)
	}
	var p struct {
		Statement []struct {
			Resource []string
		}
	}
	if err := json.Unmarshal(pol.Data, &p); err != nil {
		t.Fatal(err)
	}
	want := []string{"arn:aws:s3:::data-bucket/prod/*", "arn:aws:s3:::logs-use1/${aws:username}/*", "arn:aws:s3:::prod/*"}
	if got := p.Statement[0].Resource; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("resources %v, want %v", got, want)
	}
	if pol.Type != "identity" || pol.Resource != "Role.Properties.Policies[0].PolicyDocument" {
		t.Fatalf("policy: %+v", pol)
	}
	// Element paths map back to template lines.
	if line, _, ok := pol.Locate("Statement[0].Resource[1]"); !ok || line != 28 {
		t.Fatalf("Statement[0].Resource[1] at line %d", line)
	}
	if line, _, ok := trust.Locate("Statement[0].Action"); !ok || line != 18 {
		t.Fatalf("Statement[0].Action at line %d", line)
	}
	if perm.Type != "resource" || !strings.Contains(string(perm.Data), `"Service": "s3.amazonaws.com"`) || !strings.Contains(string(perm.Data), "123456789012") {
		t.Fatalf("lambda permission: %s", perm.Data)
	}
}

func TestCloudFormationJSONAndStringPolicies(t *testing.T) {
	tpl := `{"Resources": {"Q": {"Type": "AWS::SQS::QueuePolicy", "Properties": {"PolicyDocument": "{\"Version\":\"2012-10-17\",\"Statement\":[]}"}},
  "O": {"Type": "AWS::Organizations::Policy", "Properties": {"Type": "RESOURCE_CONTROL_POLICY", "Content": {"Version": "2012-10-17", "Statement": []}}}}}`
	docs, err := input.Parse("t.json", []byte(tpl))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || docs[0].Locate != nil || string(docs[0].Data) != `{"Version":"2012-10-17","Statement":[]}` || docs[1].Type != "rcp" {
		t.Fatalf("%+v", docs)
	}
}

func TestTerraformPlan(t *testing.T) {
	docs, err := input.Load("../testdata/templates/maskopy-terraform-plan.json")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range docs {
		got = append(got, d.Resource+"="+d.Type)
		if d.Line < 2 {
			t.Errorf("%s: line %d", d.Resource, d.Line)
		}
	}
	want := "aws_iam_role.lambda_maskopy.assume_role_policy=trust aws_iam_role.lambda_maskopy.inline_policy[0].policy=identity " +
		"aws_iam_role.xacnt_maskopy.assume_role_policy=trust aws_iam_role_policy.xacnt_maskopy.policy=identity " +
		"aws_lambda_permission.events (aws_lambda_permission as a function policy statement)=resource module.app.aws_iam_policy.invoker.policy=identity"
	if strings.Join(got, " ") != want {
		t.Fatalf("got %s", strings.Join(got, " "))
	}
}

func TestLoadFolder(t *testing.T) {
	docs, err := input.Load("../testdata/policies")
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) < 15 {
		t.Fatalf("%d documents", len(docs))
	}
	for i := 1; i < len(docs); i++ {
		if docs[i-1].File > docs[i].File {
			t.Fatal("not in name order")
		}
	}
}

func TestBadTemplates(t *testing.T) {
	for _, src := range []string{"Resources: [",
		"Resources:\n  R:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyDocument: &x {Statement: [*x]}\n", // an alias cycle
		"Resources:\n  R:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyDocument: !Bogus x\n"} {
		if _, err := input.Parse("t.yaml", []byte(src)); err == nil {
			t.Errorf("%q accepted", src)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("t.yaml", []byte("Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {Statement: [{Principal: !Sub '${AWS::AccountId}'}]}\n"))
	f.Add("p.json", []byte(`{"format_version":"1.2","planned_values":{"root_module":{"resources":[{"type":"aws_iam_policy","values":{"policy":"{}"}}]}}}`))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		docs, err := input.Parse(name, data)
		if err != nil {
			return
		}
		for _, d := range docs {
			if d.Locate != nil {
				d.Locate("Statement[0].Condition.StringEquals.a.b:c")
			}
		}
	})
}
