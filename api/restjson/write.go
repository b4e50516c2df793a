package restjson

import (
	"encoding/json"
	"net/http"

	"github.com/iamgate/iamgate/api/awserr"
)

// WriteResult writes an operation's output: res as JSON with its
// generated tags (nil, an operation without output, is {}), 200. A
// result that cannot be written as JSON is an error, and nothing is
// written.
func WriteResult(w http.ResponseWriter, requestID string, res any) error {
	if res == nil {
		res = struct{}{}
	}
	out, err := json.Marshal(res)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.Write(out) // a client that went away is not an error of the result
	return nil
}

// WriteError writes an error as botocore's rest-json parser reads it
// (botocore/parsers.py, RestJSONParser: the code from the
// x-amzn-ErrorType header, the message from "message"): the error's
// status, and {"message"} with "reason" and "fieldList" when the error
// has them (Access Analyzer's ValidationException: message, reason,
// fieldList of ValidationExceptionField).
func WriteError(w http.ResponseWriter, requestID string, e *awserr.Error) {
	extra := map[string]any{}
	if e.Reason != "" {
		extra["reason"] = e.Reason
	}
	if len(e.Fields) > 0 {
		extra["fieldList"] = e.Fields
	}
	if e.ResourceID != "" || e.ResourceType != "" {
		extra["resourceId"], extra["resourceType"] = e.ResourceID, e.ResourceType
	}
	e.WriteRESTJSON(w, requestID, extra)
}

// AuthError is an authentication failure (worded in the Query protocol's
// codes) as an endpoint of a REST-JSON service answers it, with 403
// (awserr.JSONCommon; aws/aws-sdk-go#1850):
// MissingAuthenticationTokenException "Missing Authentication Token",
// UnrecognizedClientException "The security token included in the
// request is invalid" (Access Analyzer's own answer, real output in
// prowler-cloud/prowler#2713), ExpiredTokenException,
// InvalidSignatureException (also for a scope of another service or
// region: "Credential should be scoped to correct service: 'sagemaker'. ",
// real output in disneystreaming/smithy4s#1568 and JuliaCloud/AWS.jl#334)
// and IncompleteSignatureException. ok is false for an error that is not
// an authentication failure.
func AuthError(e *awserr.Error) (out *awserr.Error, ok bool) {
	code := awserr.JSONAuthCode(e.Code)
	c := awserr.JSONCommon[code]
	switch code {
	case "":
		return nil, false
	case "MissingAuthenticationTokenException":
		return awserr.New(c, "Missing Authentication Token"), true
	case "UnrecognizedClientException":
		return awserr.New(c, "The security token included in the request is invalid"), true
	case "ExpiredTokenException":
		return awserr.New(c, "The security token included in the request is expired"), true
	}
	return awserr.New(c, "%s", e.Message), true
}
