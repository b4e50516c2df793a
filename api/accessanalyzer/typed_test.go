package accessanalyzer

import (
	"reflect"
	"testing"

	"github.com/iamgate/iamgate/api/model"
)

// servedOps are the operations served: the four policy checks and the
// analyzer operations.
var servedOps = []string{"ValidatePolicy", "CheckNoNewAccess", "CheckAccessNotGranted", "CheckNoPublicAccess",
	"CreateAnalyzer", "GetAnalyzer", "ListAnalyzers", "DeleteAnalyzer", "UpdateAnalyzer",
	"ListFindings", "GetFinding", "ListFindingsV2", "GetFindingV2", "UpdateFindings", "GetFindingsStatistics",
	"CreateArchiveRule", "GetArchiveRule", "ListArchiveRules", "UpdateArchiveRule", "DeleteArchiveRule", "ApplyArchiveRule",
	"ListAnalyzedResources", "GetAnalyzedResource", "StartResourceScan", "TagResource", "UntagResource", "ListTagsForResource"}

// Every typed handler takes its operation's input shape and returns its
// output shape, as the botocore model accessanalyzer/2019-11-01 in
// api/model has them, and is routed by the model's method and requestUri.
func TestTypedHandlersTakeTheirModelShapes(t *testing.T) {
	if len(typedShapes) != len(servedOps) {
		t.Fatalf("%d typed handlers, want the %d operations served", len(typedShapes), len(servedOps))
	}
	for _, name := range servedOps {
		if typedShapes[name] == [2]reflect.Type{} {
			t.Errorf("%s: not served", name)
		}
	}
	for name, ts := range typedShapes {
		op := model.AccessAnalyzer.Operation(name)
		if op == nil {
			t.Errorf("%s: not an operation of the Access Analyzer model", name)
			continue
		}
		for i, want := range []string{op.Input, op.Output} {
			if want == "" && ts[i] == reflect.TypeFor[struct{}]() {
				continue // no output: an empty body
			}
			if ts[i].PkgPath() != "github.com/iamgate/iamgate/api/shape/aashape" {
				t.Errorf("%s: %s is not aashape's", name, ts[i])
			}
			if got := ts[i].Name(); got != want {
				t.Errorf("%s: %s, the model's is %s", name, got, want)
			}
		}
		if Operations[name] == nil {
			t.Errorf("%s: not registered", name)
		}
		if got, _ := Route(op.Method, op.Path); got != Operations[name] {
			t.Errorf("%s: %s %s is not routed to it", name, op.Method, op.Path)
		}
	}
	if op, _ := Route("GET", "/policy/validation"); op != nil {
		t.Errorf("GET /policy/validation routed to %s", op.Name)
	}
}

// The errors the handlers answer are the operations' own (botocore: each
// of the four checks lists InternalServerException, ValidationException,
// ThrottlingException, AccessDeniedException, and the Check operations
// InvalidParameterException and UnprocessableEntityException): the shared
// machinery's codes are worded in them, a ValidationException always has
// its reason (the model's ValidationException requires it), and a code
// none has is InternalServerException.
func TestEdgeAnswersTheModelsCodes(t *testing.T) {
	for _, c := range []struct{ in, code, reason string }{
		{"AccessDenied", "AccessDeniedException", ""},
		{"ValidationError", "ValidationException", "other"},
		{"ValidationException", "ValidationException", "other"},
		{"ServiceUnavailable", "InternalServerException", ""},
		{"ConcurrentModification", "InternalServerException", ""},
		{"ConflictException", "ConflictException", ""},
		{"ServiceQuotaExceededException", "ServiceQuotaExceededException", ""},
		{"ConcurrentModificationException", "InternalServerException", ""},
		{"ThrottlingException", "ThrottlingException", ""},
		{"InvalidSignatureException", "InvalidSignatureException", ""},
	} {
		e := Edge(validationf("", "m"))
		e.Code = c.in
		e.Reason = ""
		got := Edge(e)
		if got.Code != c.code || got.Reason != c.reason || got.Message != "m" {
			t.Errorf("%s: %+v", c.in, got)
		}
	}
}
