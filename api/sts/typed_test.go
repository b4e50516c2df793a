package sts

import (
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/api/model"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/stsshape"
)

// Every typed handler takes its operation's input shape and returns its
// output shape, as the botocore model sts/2011-06-15 (api/model) has them:
// every STS operation has both.
func TestTypedHandlersTakeTheirModelShapes(t *testing.T) {
	if len(typedShapes) == 0 {
		t.Fatal("no typed handlers")
	}
	for name, ts := range typedShapes {
		op := model.STS.Operation(name)
		if op == nil {
			t.Errorf("%s: not an operation of the STS model", name)
			continue
		}
		if got := ts[0].Name(); got != op.Input {
			t.Errorf("%s: input %s, the model's is %s", name, got, op.Input)
		}
		if got := ts[1].Name(); got != op.Output {
			t.Errorf("%s: output %s, the model's is %s", name, got, op.Output)
		}
		if ts[0].PkgPath() != "github.com/iamgate/iamgate/api/shape/stsshape" || ts[1].PkgPath() != ts[0].PkgPath() {
			t.Errorf("%s: shapes %s and %s are not api/shape/stsshape's", name, ts[0], ts[1])
		}
		if Operations[name] == nil {
			t.Errorf("%s: not registered", name)
		}
	}
}

// Every operation of the STS model is served by a typed handler (issue 17).
func TestSTSOperationsAreTyped(t *testing.T) {
	for _, name := range model.STS.OperationNames() {
		if _, ok := typedShapes[name]; !ok {
			t.Errorf("%s: not served by a typed handler", name)
		}
	}
}

// The typed inputs read the Query form's members where the untyped
// handlers read them (the botocore model sts/2011-06-15: PolicyArns and
// Tags are lists of structures, Name.member.N.Member; TaskPolicyArn a
// structure, TaskPolicyArn.arn).
func TestTypedInputsReadTheQueryForm(t *testing.T) {
	form := url.Values{
		"RoleArn": {"arn:aws:iam::123456789012:role/r"}, "RoleSessionName": {"s1"}, "DurationSeconds": {"900"},
		"PolicyArns.member.1.arn": {"arn:aws:iam::aws:policy/ReadOnlyAccess"}, "PolicyArns.member.2.arn": {"arn:aws:iam::123456789012:policy/p"},
		"Tags.member.1.Key": {"team"}, "Tags.member.1.Value": {"blue"}, "Tags.member.2.Key": {"env"}, "Tags.member.2.Value": {""},
		"TransitiveTagKeys.member.1": {"team"}, "SerialNumber": {"arn:aws:iam::123456789012:mfa/m"}, "TokenCode": {"123456"},
	}
	var ar stsshape.AssumeRoleRequest
	if err := shape.DecodeQuery(form, &ar); err != nil {
		t.Fatal(err)
	}
	_, arns, e := sessionPolicies(ar.Policy, ar.PolicyArns)
	if e != nil || !reflect.DeepEqual(arns, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::123456789012:policy/p"}) {
		t.Errorf("PolicyArns: %v %v", arns, e)
	}
	if got := tagList(ar.Tags); !reflect.DeepEqual(got, [][2]string{{"team", "blue"}, {"env", ""}}) {
		t.Errorf("Tags: %v", got)
	}
	if durationOr(ar.DurationSeconds, 3600) != 900 || !reflect.DeepEqual([]string(ar.TransitiveTagKeys), []string{"team"}) ||
		ar.SerialNumber == "" || ar.TokenCode != "123456" {
		t.Errorf("AssumeRole input: %+v", ar)
	}

	var root stsshape.AssumeRootRequest
	if err := shape.DecodeQuery(url.Values{"TargetPrincipal": {"123456789012"},
		"TaskPolicyArn.arn": {"arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"}}, &root); err != nil {
		t.Fatal(err)
	}
	if root.TaskPolicyArn == nil || root.TaskPolicyArn.Arn != "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials" ||
		durationOr(root.DurationSeconds, maxRootSession) != maxRootSession {
		t.Errorf("AssumeRoot input: %+v", root)
	}
}

// sessionPolicies keeps the limits the STS API Reference, AssumeRole,
// gives and the model does not ("can't exceed 2,048 characters", "up to 10
// managed policy ARNs"), with the untyped handlers' messages.
func TestSessionPolicyLimits(t *testing.T) {
	many := make(shape.List[stsshape.PolicyDescriptorType], 11)
	for i := range many {
		many[i].Arn = "arn:aws:iam::aws:policy/P" + strconv.Itoa(i)
	}
	for _, tc := range []struct {
		name   string
		policy string
		arns   shape.List[stsshape.PolicyDescriptorType]
		want   string
	}{
		{"long policy", strings.Repeat("x", 2049), nil, "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048"},
		{"eleven ARNs", "", many, "1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10"},
	} {
		_, _, e := sessionPolicies(tc.policy, tc.arns)
		if e == nil || e.Code != "ValidationError" {
			t.Errorf("%s: %v", tc.name, e)
			continue
		}
		if e.Message != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, e.Message, tc.want)
		}
	}
	policy, arns, e := sessionPolicies(strings.Repeat("x", 2048), many[:10])
	if e != nil || len(policy) != 2048 || len(arns) != 10 {
		t.Errorf("at the limits: %d %d %v", len(policy), len(arns), e)
	}
	// An element without an ARN ends the list, as the untyped reader
	// stopped at the first PolicyArns.member.N.arn missing or empty.
	if _, arns, _ := sessionPolicies("", shape.List[stsshape.PolicyDescriptorType]{{Arn: "arn:aws:iam::aws:policy/A"}, {}, {Arn: "arn:aws:iam::aws:policy/B"}}); len(arns) != 1 {
		t.Errorf("after an empty ARN: %v", arns)
	}
}
