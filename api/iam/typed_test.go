package iam

import (
	"testing"

	"github.com/iamgate/iamgate/api/model"
)

// Every typed handler takes its operation's input shape and returns its
// output shape (noInput, noOutput where the model has none), as api/model has them.
func TestTypedHandlersTakeTheirModelShapes(t *testing.T) {
	if len(typedShapes) == 0 {
		t.Fatal("no typed handlers")
	}
	for name, ts := range typedShapes {
		op := model.IAM.Operation(name)
		if op == nil {
			t.Errorf("%s: not an operation of the IAM model", name)
			continue
		}
		wantIn := op.Input
		if wantIn == "" {
			wantIn = "noInput"
		}
		if got := ts[0].Name(); got != wantIn {
			t.Errorf("%s: input %s, the model's is %s", name, got, wantIn)
		}
		want := op.Output
		if want == "" {
			want = "noOutput"
		}
		if got := ts[1].Name(); got != want {
			t.Errorf("%s: output %s, the model's is %s", name, got, want)
		}
		if Operations[name] == nil {
			t.Errorf("%s: not registered", name)
		}
	}
}
