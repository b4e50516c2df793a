package sts

import (
	"testing"

	"github.com/iamgate/iamgate/api/model"
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

// The operations this package served before the typed migration are all
// typed now (issue 17).
func TestSTSOperationsAreTyped(t *testing.T) {
	for _, name := range []string{"AssumeRole", "GetSessionToken", "GetFederationToken", "GetCallerIdentity", "GetAccessKeyInfo",
		"DecodeAuthorizationMessage", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity", "AssumeRoot", "GetWebIdentityToken"} {
		if _, ok := typedShapes[name]; !ok {
			t.Errorf("%s: not served by a typed handler", name)
		}
	}
}
