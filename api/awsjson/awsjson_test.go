package awsjson_test

import (
	"net/http/httptest"
	"testing"

	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awsjson"
)

// The JSON 1.1 protocol's wire form, as botocore reads it
// (botocore/parsers.py, JSONParser: the error code from "__type", the
// message from "message" in any case; botocore/serialize.py,
// JSONSerializer: the X-Amz-Target "<targetPrefix>.<operation>" with the
// model's metadata.targetPrefix, AWSOrganizationsV20161128 for
// organizations/2016-11-28).
func TestWireForm(t *testing.T) {
	if name, ok := awsjson.Operation("AWSOrganizationsV20161128.ListRoots", "AWSOrganizationsV20161128."); !ok || name != "ListRoots" {
		t.Errorf("target: %q %v", name, ok)
	}
	if name, ok := awsjson.Operation("Other.ListRoots", "AWSOrganizationsV20161128."); ok || name != "Other.ListRoots" {
		t.Errorf("other target: %q %v", name, ok)
	}
	w := httptest.NewRecorder()
	if err := awsjson.WriteResult(w, "rid", nil); err != nil || w.Body.String() != "{}" || w.Code != 200 ||
		w.Header().Get("Content-Type") != "application/x-amz-json-1.1" || w.Header().Get("x-amzn-RequestId") != "rid" {
		t.Errorf("no output: %d %v %q %v", w.Code, w.Header(), w.Body, err)
	}
	if err := awsjson.WriteResult(httptest.NewRecorder(), "rid", map[string]any{"f": func() {}}); err == nil {
		t.Errorf("an output that is not JSON was written")
	}
	w = httptest.NewRecorder()
	awsjson.WriteError(w, "rid", awsjson.UnknownOperation("X.Y"))
	if w.Code != 400 || w.Body.String() != `{"Message":"Unknown operation X.Y","__type":"UnknownOperationException"}` {
		t.Errorf("unknown operation: %d %s", w.Code, w.Body)
	}
	if e := awsjson.CheckBody([]byte(`{"a":`)); e == nil || e.Code != "SerializationException" || e.Status != 400 {
		t.Errorf("not JSON: %v", e)
	}
	if e := awsjson.CheckBody(nil); e != nil {
		t.Errorf("an empty body: %v", e)
	}
}

// Authentication failures are the JSON endpoint's codes with 400
// (awserr.AWSJSONCommon: {"__type":"UnrecognizedClientException",
// "message":"The security token included in the request is invalid."},
// "400 Bad Request", quoted in aws/aws-sdk-php#2444).
func TestAuthError(t *testing.T) {
	for _, c := range []struct{ in, code, msg string }{
		{"InvalidClientTokenId", "UnrecognizedClientException", "The security token included in the request is invalid."},
		{"SignatureDoesNotMatch", "InvalidSignatureException", "m"},
		{"ExpiredToken", "ExpiredTokenException", "m"},
		{"AccessDenied", "AccessDenied", "m"},
	} {
		e := awsjson.AuthError(awserr.Of(c.in, "m", awserr.QueryCommon))
		if e.Code != c.code || e.Message != c.msg || (c.code != "AccessDenied" && e.Status != 400) {
			t.Errorf("%s: %+v", c.in, e)
		}
	}
}
