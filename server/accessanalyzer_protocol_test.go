package server_test

import "testing"

// The REST-JSON edge (api/restjson) reads a body as the operation's model
// types it, and nothing else: a member given twice is refused at any
// depth, not only at the top (Go's decoder keeps the last of two, so a
// proxy reading the first would be shown another request than the one
// served); a value of the wrong JSON type anywhere in the input shape is
// cannotParse, also in an access entry past the first; and maxResults is
// the model's Integer, 32 bits (botocore accessanalyzer/2019-11-01,
// ValidatePolicyRequest: maxResults, shape Integer, location querystring).
func TestAccessAnalyzerReadsTheBodyAsTheModelTypesIt(t *testing.T) {
	e := newEnv(t)
	pol := allow("s3:GetObject")
	for _, c := range []struct{ name, path, body, message string }{
		{"a member twice in an access entry", "/policy/check-access-not-granted",
			`{"policyDocument":"{}","policyType":"IDENTITY_POLICY","access":[{"actions":["s3:GetObject"],"actions":["s3:PutObject"]}]}`,
			`The member "actions" of 'access.1.member' is given twice.`},
		{"a member twice in a member not in the model", "/policy/validation",
			`{"policyDocument":"{}","policyType":"IDENTITY_POLICY","extra":{"a":1,"a":2}}`,
			`The member "a" of 'extra' is given twice.`},
		{"a number among actions", "/policy/check-access-not-granted",
			`{"policyDocument":"{}","policyType":"IDENTITY_POLICY","access":[{"actions":["s3:GetObject",7]}]}`,
			"access.1.member.actions must be a list of strings."},
		{"a second access entry not an object", "/policy/check-access-not-granted",
			aaJSON(t, map[string]any{"policyDocument": pol, "policyType": "IDENTITY_POLICY", "access": []any{map[string]any{"actions": []string{"s3:GetObject"}}, "x"}}),
			"access.2.member must be an Access object: not a JSON object."},
		{"maxResults past 32 bits", "/policy/validation?maxResults=4294967296",
			aaJSON(t, map[string]string{"policyDocument": pol, "policyType": "IDENTITY_POLICY"}),
			`maxResults must be one integer, not "4294967296".`},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep := e.aaCall(t, e.admin, "us-east-1", c.path, c.body)
			if rep.status != 400 || rep.errorType != "ValidationException" || rep.body["reason"] != "cannotParse" || rep.body["message"] != c.message {
				t.Fatalf("%d %s %s", rep.status, rep.errorType, rep.raw)
			}
		})
	}
}
