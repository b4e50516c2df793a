package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// Golden answers of `iamgate escalation` on the seed examples: Maskopy's
// cross-account roles (the Lambda role reaches the source account's
// cross-account role by sts:AssumeRole, which can do on "*" what it cannot:
// kms:CreateKey, ...), and the delegated administrator of the boundary
// example, whose own policies it may rewrite (iam:CreatePolicyVersion on
// "*", no boundary of its own).
func TestEscalationGolden(t *testing.T) {
	for _, tc := range []struct{ name, world, principal string }{
		{"maskopy", "../../examples/maskopy/world.yaml", ""},
		{"boundary-employee", "../../examples/boundary-delegation/world.yaml", "arn:aws:iam::333333333333:role/MyEmployeeRole"},
		{"example", "../../examples/escalation/world.yaml", ""},
	} {
		for _, out := range []string{"text", "json"} {
			var stdout bytes.Buffer
			p := escalationParams{src: worldSource{world: tc.world}, principal: tc.principal, depth: 4, region: "us-east-1", output: out, now: fixedNow}
			code, err := runEscalation(context.Background(), p, &stdout)
			if code != ExitOK || err != nil {
				t.Fatalf("%s %s: code %d err %v", tc.name, out, code, err)
			}
			golden(t, "escalation-"+tc.name+"."+out, stdout.String())
		}
	}
}

func TestEscalationUsage(t *testing.T) {
	p := escalationParams{src: worldSource{world: "../../examples/maskopy/world.yaml"}, principal: "arn:aws:iam::111111111111:user/nobody", output: "text", now: fixedNow}
	if code, err := runEscalation(context.Background(), p, &bytes.Buffer{}); code != ExitUsage || err == nil || !strings.Contains(err.Error(), "not a user or role") {
		t.Fatalf("code %d err %v", code, err)
	}
	p.output = "yaml"
	if code, _ := runEscalation(context.Background(), p, &bytes.Buffer{}); code != ExitUsage {
		t.Fatalf("code %d", code)
	}
}
