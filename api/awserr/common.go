package awserr

// The errors a Query endpoint (IAM, STS) answers before or besides the
// service's own exceptions: the IAM and STS API References, "Common
// Errors" (https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html,
// https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html),
// with their HTTP statuses. RequestEntityTooLarge is the status the
// endpoint gives a body over its limit (413).
var QueryCommon = map[string]Code{
	"AccessDenied":                {"AccessDenied", 403, true, ""},
	"ExpiredToken":                {"ExpiredToken", 403, true, ""},
	"IncompleteSignature":         {"IncompleteSignature", 400, true, ""},
	"InternalFailure":             {"InternalFailure", 500, false, ""},
	"InvalidAction":               {"InvalidAction", 400, true, ""},
	"InvalidClientTokenId":        {"InvalidClientTokenId", 403, true, ""},
	"InvalidParameterCombination": {"InvalidParameterCombination", 400, true, ""},
	"InvalidParameterValue":       {"InvalidParameterValue", 400, true, ""},
	"InvalidQueryParameter":       {"InvalidQueryParameter", 400, true, ""},
	"MalformedQueryString":        {"MalformedQueryString", 404, true, ""},
	"MissingAction":               {"MissingAction", 400, true, ""},
	"MissingAuthenticationToken":  {"MissingAuthenticationToken", 403, true, ""},
	"MissingParameter":            {"MissingParameter", 400, true, ""},
	"NotAuthorized":               {"NotAuthorized", 400, true, ""},
	"OptInRequired":               {"OptInRequired", 403, true, ""},
	"RequestEntityTooLarge":       {"RequestEntityTooLarge", 413, true, ""},
	"RequestExpired":              {"RequestExpired", 400, true, ""},
	"ServiceUnavailable":          {"ServiceUnavailable", 503, false, ""},
	"SignatureDoesNotMatch":       {"SignatureDoesNotMatch", 403, true, ""},
	"Throttling":                  {"Throttling", 400, true, ""},
	"ValidationError":             {"ValidationError", 400, true, ""},
}

// JSONCommon are the errors of a JSON or REST-JSON endpoint before the
// service: an operation it does not have (UnknownOperationException), a
// body that is not JSON (SerializationException), and authentication
// (MissingAuthenticationTokenException, IncompleteSignatureException,
// InvalidSignatureException, UnrecognizedClientException,
// ExpiredTokenException; the codes botocore's JSON clients see, quoted in
// github.com/disneystreaming/smithy4s/issues/1568 and
// github.com/prowler-cloud/prowler/issues/2713). The authentication
// errors of a REST-JSON endpoint are 403 (aws/aws-sdk-go#1850).
var JSONCommon = map[string]Code{
	"UnknownOperationException":           {"UnknownOperationException", 400, true, ""},
	"SerializationException":              {"SerializationException", 400, true, ""},
	"MissingAuthenticationTokenException": {"MissingAuthenticationTokenException", 403, true, ""},
	"IncompleteSignatureException":        {"IncompleteSignatureException", 403, true, ""},
	"InvalidSignatureException":           {"InvalidSignatureException", 403, true, ""},
	"UnrecognizedClientException":         {"UnrecognizedClientException", 403, true, ""},
	"ExpiredTokenException":               {"ExpiredTokenException", 403, true, ""},
	"RequestEntityTooLarge":               {"RequestEntityTooLarge", 413, true, ""},
}

// AWSJSONCommon are JSONCommon as an endpoint of the JSON protocol
// (awsJson1.1: Organizations) answers them: the same codes with 400, as
// such endpoints answer a key they do not know
// ({"__type":"UnrecognizedClientException","message":"The security token
// included in the request is invalid."} with "400 Bad Request", real
// output quoted in aws/aws-sdk-php#2444, and "status code: 400" in
// ekristen/aws-nuke#774; a signature that does not match is
// InvalidSignatureException with "status code: 400" from ECS, quoted in
// teralytics/prometheus-ecs-discovery#7, and "400 (Bad Request)" from
// DynamoDB in aws/aws-sdk-js#284).
var AWSJSONCommon = func() map[string]Code {
	m := make(map[string]Code, len(JSONCommon))
	for k, c := range JSONCommon {
		if c.Status == 403 {
			c.Status = 400
		}
		m[k] = c
	}
	return m
}()

// AccessDenied is a Query service's denial (AccessDenied, the Common Errors of the IAM and
// STS API References).
func AccessDenied(format string, args ...any) *Error {
	return New(QueryCommon["AccessDenied"], format, args...)
}

// ExpiredToken is a request signed with temporary credentials that have expired (ExpiredToken, the Common Errors of the IAM and
// STS API References).
func ExpiredToken(format string, args ...any) *Error {
	return New(QueryCommon["ExpiredToken"], format, args...)
}

// IncompleteSignature is a request whose signature lacks a part SigV4 requires (IncompleteSignature, the Common Errors of the IAM and
// STS API References).
func IncompleteSignature(format string, args ...any) *Error {
	return New(QueryCommon["IncompleteSignature"], format, args...)
}

// InternalFailure is a Query service's own failure (InternalFailure, the Common Errors of the IAM and
// STS API References).
func InternalFailure(format string, args ...any) *Error {
	return New(QueryCommon["InternalFailure"], format, args...)
}

// InvalidAction is a Query request for an operation the service does not have (InvalidAction, the Common Errors of the IAM and
// STS API References).
func InvalidAction(format string, args ...any) *Error {
	return New(QueryCommon["InvalidAction"], format, args...)
}

// InvalidClientTokenId is a request signed with an access key the service does not know (InvalidClientTokenId, the Common Errors of the IAM and
// STS API References).
func InvalidClientTokenId(format string, args ...any) *Error {
	return New(QueryCommon["InvalidClientTokenId"], format, args...)
}

// InvalidParameterCombination is parameters that cannot be used together (InvalidParameterCombination, the Common Errors of the IAM and
// STS API References).
func InvalidParameterCombination(format string, args ...any) *Error {
	return New(QueryCommon["InvalidParameterCombination"], format, args...)
}

// InvalidParameterValue is a parameter value the service does not take (InvalidParameterValue, the Common Errors of the IAM and
// STS API References).
func InvalidParameterValue(format string, args ...any) *Error {
	return New(QueryCommon["InvalidParameterValue"], format, args...)
}

// InvalidQueryParameter is a query string that breaks the protocol's rules (InvalidQueryParameter, the Common Errors of the IAM and
// STS API References).
func InvalidQueryParameter(format string, args ...any) *Error {
	return New(QueryCommon["InvalidQueryParameter"], format, args...)
}

// MalformedQueryString is a query string or form that cannot be parsed (MalformedQueryString, the Common Errors of the IAM and
// STS API References).
func MalformedQueryString(format string, args ...any) *Error {
	return New(QueryCommon["MalformedQueryString"], format, args...)
}

// MissingAction is a Query request with no Action (MissingAction, the Common Errors of the IAM and
// STS API References).
func MissingAction(format string, args ...any) *Error {
	return New(QueryCommon["MissingAction"], format, args...)
}

// MissingAuthenticationToken is a request with no credentials (MissingAuthenticationToken, the Common Errors of the IAM and
// STS API References).
func MissingAuthenticationToken(format string, args ...any) *Error {
	return New(QueryCommon["MissingAuthenticationToken"], format, args...)
}

// MissingParameter is a request without a parameter the operation needs (MissingParameter, the Common Errors of the IAM and
// STS API References).
func MissingParameter(format string, args ...any) *Error {
	return New(QueryCommon["MissingParameter"], format, args...)
}

// NotAuthorized is a caller without permission for the action (NotAuthorized, the Common Errors of the IAM and
// STS API References).
func NotAuthorized(format string, args ...any) *Error {
	return New(QueryCommon["NotAuthorized"], format, args...)
}

// OptInRequired is an account not subscribed to the service (OptInRequired, the Common Errors of the IAM and
// STS API References).
func OptInRequired(format string, args ...any) *Error {
	return New(QueryCommon["OptInRequired"], format, args...)
}

// RequestEntityTooLarge is a request body over the endpoint's limit (RequestEntityTooLarge, the Common Errors of the IAM and
// STS API References).
func RequestEntityTooLarge(format string, args ...any) *Error {
	return New(QueryCommon["RequestEntityTooLarge"], format, args...)
}

// RequestExpired is a request signed too long before (or after) it arrived (RequestExpired, the Common Errors of the IAM and
// STS API References).
func RequestExpired(format string, args ...any) *Error {
	return New(QueryCommon["RequestExpired"], format, args...)
}

// ServiceUnavailable is a Query service that cannot answer now (ServiceUnavailable, the Common Errors of the IAM and
// STS API References).
func ServiceUnavailable(format string, args ...any) *Error {
	return New(QueryCommon["ServiceUnavailable"], format, args...)
}

// SignatureDoesNotMatch is a request whose signature is not the one its key makes (SignatureDoesNotMatch, the Common Errors of the IAM and
// STS API References).
func SignatureDoesNotMatch(format string, args ...any) *Error {
	return New(QueryCommon["SignatureDoesNotMatch"], format, args...)
}

// Throttling is a request refused for the rate of requests (Throttling, the Common Errors of the IAM and
// STS API References).
func Throttling(format string, args ...any) *Error {
	return New(QueryCommon["Throttling"], format, args...)
}

// ValidationError is the Query protocol's answer to a request that breaks the model's constraints (ValidationError, the Common Errors of the IAM and
// STS API References).
func ValidationError(format string, args ...any) *Error {
	return New(QueryCommon["ValidationError"], format, args...)
}

// SerializationException is a JSON or REST-JSON request whose body is not
// the JSON its operation takes (JSONCommon).
func SerializationException(format string, args ...any) *Error {
	return New(JSONCommon["SerializationException"], format, args...)
}

// UnknownOperationException is a JSON request for an operation the service
// does not have (JSONCommon).
func UnknownOperationException(format string, args ...any) *Error {
	return New(JSONCommon["UnknownOperationException"], format, args...)
}
