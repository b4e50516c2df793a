package awsjson

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/iamgate/iamgate/api/awserr"
)

// ContentType is the Content-Type of a JSON 1.1 answer.
const ContentType = "application/x-amz-json-1.1"

// Operation is the operation an X-Amz-Target header names for a service
// whose targets are prefix followed by the operation's name
// ("AWSOrganizationsV20161128.ListRoots"). ok is false for a target of
// another prefix; name is then the target as it is.
func Operation(target, prefix string) (name string, ok bool) {
	return strings.CutPrefix(target, prefix)
}

// UnknownOperation is the answer to a target the service does not have:
// UnknownOperationException (400).
func UnknownOperation(target string) *awserr.Error {
	return awserr.New(awserr.JSONCommon["UnknownOperationException"], "Unknown operation %s", target)
}

// CheckBody refuses a body that is not JSON, before any handler sees it:
// SerializationException (400). An empty body is an empty input.
func CheckBody(body []byte) *awserr.Error {
	if len(body) > 0 && !json.Valid(body) {
		return awserr.New(awserr.JSONCommon["SerializationException"], "The request body is not valid JSON.")
	}
	return nil
}

// AuthError is an authentication failure (worded in the Query protocol's
// codes) as an endpoint of the JSON protocol answers it
// (awserr.AWSJSONCommon): UnrecognizedClientException "The security token
// included in the request is invalid." for a key or token it does not
// know, ExpiredTokenException, InvalidSignatureException,
// IncompleteSignatureException and MissingAuthenticationTokenException,
// each with 400. Another error is returned as it is.
func AuthError(e *awserr.Error) *awserr.Error {
	code := awserr.JSONAuthCode(e.Code)
	if code == "" {
		return e
	}
	msg := e.Message
	if code == "UnrecognizedClientException" {
		msg = "The security token included in the request is invalid."
	}
	c := awserr.AWSJSONCommon[code]
	return &awserr.Error{Code: code, Message: msg, Status: c.Status, Sender: true}
}

// WriteResult writes an operation's output: res as JSON (nil, an
// operation without output, is {}), 200. A result that cannot be written
// as JSON is an error, and nothing is written.
func WriteResult(w http.ResponseWriter, requestID string, res any) error {
	if res == nil {
		res = struct{}{}
	}
	out, err := json.Marshal(res)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("x-amzn-RequestId", requestID)
	w.Write(out) // a client that went away is not an error of the result
	return nil
}

// WriteError writes an error: {"__type": code, "Message": message} (with
// "Reason" for an exception that has one), the error's status.
func WriteError(w http.ResponseWriter, requestID string, e *awserr.Error) {
	e.WriteJSON(w, requestID)
}
