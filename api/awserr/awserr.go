package awserr

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
)

// Code is an error code with the HTTP status and fault it is answered
// with, and the model's exception shape ("" for the common errors).
type Code struct {
	Code   string
	Status int
	Sender bool
	Shape  string
}

// Error is an AWS API error.
type Error struct {
	Code    string
	Message string
	Status  int
	// Sender reports the caller's fault (the Query protocol's
	// <Type>Sender</Type>); otherwise the service's (Receiver).
	Sender bool
	// Reason is the reason member some exceptions carry (Organizations'
	// InvalidInputException and ConstraintViolationException, Access
	// Analyzer's ValidationException): INPUT_REQUIRED, INVALID_PATTERN, ...
	Reason string
	// Fields are the members that broke a constraint, for an exception
	// that lists them (Access Analyzer's ValidationException fieldList).
	Fields []Field
	// ResourceID and ResourceType are the resource an exception is about,
	// for the exceptions that name it (Access Analyzer's
	// ResourceNotFoundException, ConflictException,
	// ServiceQuotaExceededException: resourceId, resourceType).
	ResourceID, ResourceType string
	// Kind is what a lower layer's failure was, when the error stands for
	// one: the edge of each service words it in its own codes (ForService).
	Kind Kind
}

// Field is a member of a request that broke a constraint: its path and
// the constraint (botocore accessanalyzer/2019-11-01,
// ValidationExceptionField).
type Field struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// New is an error of a code, with a message.
func New(c Code, format string, args ...any) *Error {
	return &Error{Code: c.Code, Message: fmt.Sprintf(format, args...), Status: c.Status, Sender: c.Sender}
}

// Of is an error of a code by name, looked up in tables (the first that
// has it); a code none has is a 400 of the caller.
func Of(code, message string, tables ...map[string]Code) *Error {
	for _, t := range tables {
		if c, ok := t[code]; ok {
			return &Error{Code: code, Message: message, Status: c.Status, Sender: c.Sender}
		}
	}
	return &Error{Code: code, Message: message, Status: http.StatusBadRequest, Sender: true}
}

type queryErrorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	Error     queryErrorBody
	RequestID string `xml:"RequestId"`
}

type queryErrorBody struct {
	Type    string
	Code    string
	Message string
}

// QueryXML is the Query protocol's error document:
// <ErrorResponse xmlns=NS><Error><Type>Sender</Type><Code/><Message/></Error>
// <RequestId/></ErrorResponse> (the IAM and STS API References, "Common
// Errors"; botocore's query error parser reads Error/Code and
// Error/Message).
func (e *Error) QueryXML(ns, requestID string) []byte {
	typ := "Sender"
	if !e.Sender {
		typ = "Receiver"
	}
	body, _ := xml.Marshal(queryErrorResponse{Xmlns: ns, Error: queryErrorBody{Type: typ, Code: e.Code, Message: e.Message}, RequestID: requestID})
	return append([]byte(xml.Header), body...)
}

// WriteQuery writes the error as the Query protocol does.
func (e *Error) WriteQuery(w http.ResponseWriter, ns, requestID string) {
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.WriteHeader(e.Status)
	w.Write(e.QueryXML(ns, requestID))
}

// JSONBody is the JSON protocol's error body: {"__type": code,
// "Message": message}, as botocore's JSON parser reads it (__type, then
// message in any case), with "Reason" for an exception that has one.
func (e *Error) JSONBody() []byte {
	body := map[string]string{"__type": e.Code, "Message": e.Message}
	if e.Reason != "" {
		body["Reason"] = e.Reason
	}
	out, _ := json.Marshal(body)
	return out
}

// WriteJSON writes the error as a JSON 1.1 protocol service does.
func (e *Error) WriteJSON(w http.ResponseWriter, requestID string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.WriteHeader(e.Status)
	w.Write(e.JSONBody())
}

// WriteRESTJSON writes the error as a REST-JSON service does: the code in
// the x-amzn-ErrorType header and {"message": message} with the extra
// members the error shape has (such as a ValidationException's reason
// and fieldList).
func (e *Error) WriteRESTJSON(w http.ResponseWriter, requestID string, extra map[string]any) {
	body := map[string]any{"message": e.Message}
	for k, v := range extra {
		body[k] = v
	}
	out, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.Header().Set("x-amzn-ErrorType", e.Code)
	w.WriteHeader(e.Status)
	w.Write(out)
}
