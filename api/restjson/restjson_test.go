package restjson_test

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/aaerr"
	"github.com/iamgate/iamgate/api/model"
	"github.com/iamgate/iamgate/api/restjson"
	"github.com/iamgate/iamgate/api/shape/aashape"
)

// Operations are found by the model's method and requestUri (botocore
// accessanalyzer/2019-11-01: ValidatePolicy POST /policy/validation,
// GetAnalyzer GET /analyzer/{analyzerName}, CancelPolicyGeneration PUT
// /policy/generation/{jobId}), labels included.
func TestRouterFollowsTheModel(t *testing.T) {
	all := restjson.NewRouter(model.AccessAnalyzer)
	for _, c := range []struct {
		method, path, want, label string
	}{
		{"POST", "/policy/validation", "ValidatePolicy", ""},
		{"GET", "/analyzer/my-analyzer", "GetAnalyzer", "my-analyzer"},
		{"PUT", "/policy/generation/job-1", "CancelPolicyGeneration", "job-1"},
		{"GET", "/policy/validation", "", ""},
		{"GET", "/analyzer/", "", ""},
		{"POST", "/policy/validation/x", "", ""},
	} {
		name, labels, ok := all.Match(c.method, c.path)
		if name != c.want || ok != (c.want != "") {
			t.Errorf("%s %s: %q %v", c.method, c.path, name, ok)
		}
		if c.label != "" && labels["analyzerName"] != c.label && labels["jobId"] != c.label {
			t.Errorf("%s %s: labels %v", c.method, c.path, labels)
		}
	}
	served := restjson.NewRouter(model.AccessAnalyzer, "ValidatePolicy")
	if _, _, ok := served.Match("GET", "/analyzer/a"); ok {
		t.Errorf("an operation not served is routed")
	}
}

// The body is one JSON object of UTF-8 text, with no member twice at any
// depth: Go's decoder keeps the last of two, so a proxy that reads the
// first would be shown another request than the one served.
func TestCheckBody(t *testing.T) {
	for body, want := range map[string]string{
		``:                              "",
		` `:                             "",
		`{"a":[{"b":1},{"c":{"d":2}}]}`: "",
		`{"a":1,"a":2}`:                 `The member "a" is given twice.`,
		`{"a":[{"b":1,"b":2}]}`:         `The member "b" of 'a.1.member' is given twice.`,
		`{"a":{"b":{"c":1,"c":1}}}`:     `The member "c" of 'a.b' is given twice.`,
		`[]`:                            "The request body must be a JSON object.",
		`{"a":1}{}`:                     "The request body holds more than one JSON value.",
		`{"a":}`:                        "The request body is not valid JSON.",
		"{\"a\":\"\xff\"}":              "The request body is not valid UTF-8 text.",
		`{"a":"\udc00"}`:                "The request body is not valid UTF-8 text.",
	} {
		err := restjson.CheckBody([]byte(body))
		var be *restjson.BodyError
		if (want == "" && err != nil) || (want != "" && (!errors.As(err, &be) || be.Msg != want)) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
}

// Decode reads the body by exact names, the query-string members from the
// query (ValidatePolicyRequest: maxResults and nextToken have location
// querystring), and words a value of the wrong type with the member's
// path as AWS names it.
func TestDecode(t *testing.T) {
	var in aashape.ValidatePolicyRequest
	err := restjson.Decode(model.AccessAnalyzer, "ValidatePolicy", []byte(`{"policyDocument":"{}","PolicyType":"SCP","policyType":"IDENTITY_POLICY","maxResults":"x"}`),
		url.Values{"maxResults": {"5"}, "nextToken": {"t1", "t2"}}, nil, &in)
	if err != nil || in.PolicyDocument != "{}" || in.PolicyType != "IDENTITY_POLICY" || in.MaxResults == nil || *in.MaxResults != 5 || in.NextToken != "t1" {
		t.Fatalf("%+v %v", in, err)
	}
	var qe *restjson.QueryError
	for _, q := range []url.Values{{"maxResults": {"ten"}}, {"maxResults": {"1", "2"}}, {"maxResults": {"4294967296"}}} {
		if err := restjson.Decode(model.AccessAnalyzer, "ValidatePolicy", nil, q, nil, new(aashape.ValidatePolicyRequest)); !errors.As(err, &qe) || qe.Name != "maxResults" {
			t.Errorf("%v: %v", q, err)
		}
	}
	var de *model.DecodeError
	err = restjson.Decode(model.AccessAnalyzer, "CheckAccessNotGranted", []byte(`{"access":[{"actions":["a",1]}]}`), nil, nil, new(aashape.CheckAccessNotGrantedRequest))
	if !errors.As(err, &de) || de.Field != "access.1.member.actions.2.member" {
		t.Errorf("a number among actions: %v", err)
	}
}

// Errors are written as botocore's rest-json parser reads them: the code
// in x-amzn-ErrorType, {"message"} with reason and fieldList when the
// exception has them.
func TestWriteError(t *testing.T) {
	e := aaerr.ValidationException("bad")
	e.Reason = "fieldValidationFailed"
	e.Fields = []awserr.Field{{Name: "policyType", Message: "Member must not be null"}}
	w := httptest.NewRecorder()
	restjson.WriteError(w, "rid", e)
	if w.Code != 400 || w.Header().Get("x-amzn-ErrorType") != "ValidationException" || w.Header().Get("Content-Type") != "application/json" ||
		w.Body.String() != `{"fieldList":[{"name":"policyType","message":"Member must not be null"}],"message":"bad","reason":"fieldValidationFailed"}` {
		t.Errorf("%d %v %s", w.Code, w.Header(), w.Body)
	}
	w = httptest.NewRecorder()
	restjson.WriteError(w, "rid", aaerr.ThrottlingException("slow"))
	if w.Code != 429 || w.Body.String() != `{"message":"slow"}` {
		t.Errorf("%d %s", w.Code, w.Body)
	}
	if e, ok := restjson.AuthError(awserr.Of("InvalidClientTokenId", "x", awserr.QueryCommon)); !ok || e.Code != "UnrecognizedClientException" || e.Status != 403 {
		t.Errorf("auth: %+v", e)
	}
	if _, ok := restjson.AuthError(awserr.Of("AccessDenied", "x", awserr.QueryCommon)); ok {
		t.Errorf("AccessDenied is not an authentication failure")
	}
}
