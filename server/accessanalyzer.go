package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/sigv4"
)

// The IAM Access Analyzer API (2019-11-01, REST-JSON): the operations that
// check policies without an analyzer, as the botocore model
// (accessanalyzer/2019-11-01/service-2.json) has them. Requests are POSTs to
// a path under /policy/ with a JSON body, signed for access-analyzer in a
// region with an Access Analyzer endpoint.

// accessAnalyzerPrefix is the path every operation iamgate serves is under.
const accessAnalyzerPrefix = "/policy/"

// maxAccessAnalyzerBody bounds a request body: two policy documents of a
// resource policy's largest size (20 KB for S3 bucket policies) fit many
// times over.
const maxAccessAnalyzerBody = 1 << 20

type accessAnalyzerOp struct {
	name   string
	handle func(s *Server, c *api.Call, r *http.Request, body []byte) (any, *aaError)
}

// accessAnalyzerOps are the operations by their requestUri (botocore's
// "http" of each operation; every one is a POST).
var accessAnalyzerOps = map[string]accessAnalyzerOp{
	"/policy/validation":               {"ValidatePolicy", (*Server).validatePolicy},
	"/policy/check-no-new-access":      {"CheckNoNewAccess", (*Server).checkNoNewAccess},
	"/policy/check-access-not-granted": {"CheckAccessNotGranted", (*Server).checkAccessNotGranted},
	"/policy/check-no-public-access":   {"CheckNoPublicAccess", (*Server).checkNoPublicAccess},
}

// isAccessAnalyzer reports a request for the Access Analyzer API: one under
// /policy/, or one signed for access-analyzer (which then is answered with
// Access Analyzer's errors whatever its path, as that endpoint would).
func isAccessAnalyzer(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, accessAnalyzerPrefix) {
		return true
	}
	scope := credentialScope(r)
	return len(scope) == 5 && scope[3] == "access-analyzer"
}

// aaError is an Access Analyzer error: a code with its HTTP status
// (botocore model: AccessDeniedException 403, ValidationException 400,
// InvalidParameterException 400, UnprocessableEntityException 422,
// InternalServerException 500, ThrottlingException 429), and for a
// ValidationException its reason and fields.
type aaError struct {
	*query.Error
	Reason string
	Fields []aaField
}

type aaField struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

// The reasons of ValidationException (botocore: ValidationExceptionReason).
const (
	reasonUnknownOperation = "unknownOperation"
	reasonCannotParse      = "cannotParse"
	reasonFieldValidation  = "fieldValidationFailed"
	reasonOther            = "other"
	reasonNotSupported     = "notSupported"
)

var aaStatus = map[string]int{
	"AccessDeniedException": 403, "ValidationException": 400, "InvalidParameterException": 400,
	"UnprocessableEntityException": 422, "InternalServerException": 500, "ThrottlingException": 429,
	// Authentication, answered by the endpoint before the service.
	"MissingAuthenticationTokenException": 403, "IncompleteSignatureException": 403, "InvalidSignatureException": 403,
	"UnrecognizedClientException": 403, "ExpiredTokenException": 403,
	"RequestEntityTooLarge": 413,
}

func aaErrorf(code, format string, args ...any) *aaError {
	st := aaStatus[code]
	if st == 0 {
		st = 400
	}
	return &aaError{Error: &query.Error{Code: code, Message: fmt.Sprintf(format, args...), Status: st, Sender: st < 500}}
}

func validationf(reason, format string, args ...any) *aaError {
	e := aaErrorf("ValidationException", format, args...)
	e.Reason = reason
	return e
}

// fieldViolations is a ValidationException for constraints of the model the
// request breaks, in the words of AWS's request validation ("1 validation
// error detected: Value 'X' at 'policyType' failed to satisfy constraint:
// Member must satisfy enum value set: [...]", see query.Validation), with
// each field in fieldList.
func fieldViolations(vs ...query.Violation) *aaError {
	if len(vs) == 0 {
		return nil
	}
	e := validationf(reasonFieldValidation, "%s", query.Validation(vs...).Message)
	for _, v := range vs {
		e.Fields = append(e.Fields, aaField{Name: v.Field, Message: v.Constraint})
	}
	return e
}

// fromQuery is an error of the shared machinery (authorization, the audit
// log) as Access Analyzer's.
func fromQuery(e *query.Error) *aaError {
	switch e.Code {
	case "AccessDenied":
		return aaErrorf("AccessDeniedException", "%s", e.Message)
	case "ValidationError":
		return validationf(reasonOther, "%s", e.Message)
	case "ServiceUnavailable", "InternalFailure":
		return aaErrorf("InternalServerException", "%s", e.Message)
	}
	if _, ok := aaStatus[e.Code]; ok {
		return &aaError{Error: e}
	}
	return aaErrorf("InternalServerException", "%s", e.Message)
}

// aaAuthError is an authentication failure as an endpoint of a JSON or
// REST-JSON service answers it, rather than IAM's Query codes:
// MissingAuthenticationTokenException, IncompleteSignatureException,
// InvalidSignatureException (also for a scope of another service or region:
// "Credential should be scoped to correct service: 'sagemaker'. ", real
// output in disneystreaming/smithy4s#1568 and JuliaCloud/AWS.jl#334; 403 for
// a REST-JSON service, aws/aws-sdk-go#1850), UnrecognizedClientException
// "The security token included in the request is invalid" (Access Analyzer's
// own answer, real output in prowler-cloud/prowler#2713) and
// ExpiredTokenException.
func aaAuthError(e *query.Error) *aaError {
	switch code := awserr.JSONAuthCode(e.Code); code {
	case "":
		return fromQuery(e)
	case "MissingAuthenticationTokenException":
		return aaErrorf(code, "Missing Authentication Token")
	case "UnrecognizedClientException":
		return aaErrorf(code, "The security token included in the request is invalid")
	case "ExpiredTokenException":
		return aaErrorf(code, "The security token included in the request is expired")
	default:
		return aaErrorf(code, "%s", e.Message)
	}
}

// writeAAError writes a REST-JSON error: the status, the code in
// x-amzn-ErrorType, and {"message"} (with "reason" and "fieldList" for a
// ValidationException), as botocore's rest-json parser reads them.
func writeAAError(w http.ResponseWriter, id string, e *aaError) {
	body := map[string]any{"message": e.Message}
	if e.Code == "ValidationException" {
		reason := e.Reason
		if reason == "" {
			reason = reasonOther
		}
		body["reason"] = reason
		if len(e.Fields) > 0 {
			body["fieldList"] = e.Fields
		}
	}
	out, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-RequestId", id)
	w.Header().Set("x-amzn-ErrorType", e.Code)
	w.WriteHeader(e.Status)
	w.Write(out)
}

// serveAccessAnalyzer answers an Access Analyzer request. As every API of
// iamgate: the body is read whole and its hash checked by SigV4 against the
// scope access-analyzer in a region with an Access Analyzer endpoint; from
// then on the call is audited; the operation is authorized by the engine
// (access-analyzer:OPERATION on "*": the Service Authorization Reference
// lists no resource type for these actions) before its input is read.
func (s *Server) serveAccessAnalyzer(w http.ResponseWriter, r *http.Request, id string, _ *string) (string, string) {
	op, known := accessAnalyzerOps[r.URL.Path]
	known = known && r.Method == http.MethodPost
	action := "unknown"
	if known {
		action = op.name
	}
	fail := func(e *aaError) (string, string) {
		writeAAError(w, id, e)
		return action, e.Code
	}
	body, err := sigv4.ReadBody(r, maxAccessAnalyzerBody)
	if err != nil {
		return fail(aaErrorf("RequestEntityTooLarge", "Request body must be at most %d bytes.", maxAccessAnalyzerBody))
	}
	now := s.cfg.Clock().UTC()
	caller, auth, qe := s.authenticate(r, body, now, "access-analyzer")
	if qe != nil {
		return fail(aaAuthError(qe))
	}
	c := &api.Call{Ctx: r.Context(), Action: action, Caller: caller, Context: requestContext(r, auth, now), Now: now.Truncate(time.Second),
		State: s.state, Temporary: auth.session != nil, Body: body}
	// The handler's error, with the members of a ValidationException that
	// query.Error does not carry.
	var failed *aaError
	res, qe := s.run(r, id, "access-analyzer", action, auth, now, c, func(c *api.Call) (any, *query.Error) {
		fail := func(e *aaError) (any, *query.Error) {
			failed = e
			return nil, e.Error
		}
		if !known {
			return fail(validationf(reasonUnknownOperation, "No operation %s %s in the Access Analyzer API served here (ValidatePolicy, CheckNoNewAccess, CheckAccessNotGranted, CheckNoPublicAccess).",
				r.Method, r.URL.Path))
		}
		// Access Analyzer is neither IAM nor STS: the credentials of
		// GetSessionToken may call it without MFA (the STS API Reference,
		// GetSessionToken, limits only IAM and STS calls).
		if e := c.Authorize("access-analyzer:"+op.name, "*", nil); e != nil {
			return fail(fromQuery(e))
		}
		res, e := op.handle(s, c, r, body)
		if e != nil {
			return fail(e)
		}
		return res, nil
	})
	if qe != nil {
		if failed != nil && failed.Error == qe {
			return fail(failed)
		}
		return fail(fromQuery(qe))
	}
	if auth.key != nil {
		s.keys.Touch(r.Context(), *auth.key, "access-analyzer", auth.region, now)
	}
	out, err := json.Marshal(res)
	if err != nil {
		return fail(aaErrorf("InternalServerException", "the response could not be written"))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-RequestId", id)
	w.Write(out)
	return action, "OK"
}

// aaBody is a request body's members by name. As a JSON service reads a
// body, names are exact (no case folding) and members the operation does not
// have are ignored; unlike Go's decoder, a member given twice is refused, so
// that nothing in front of iamgate can be shown another request than the
// one checked.
type aaBody map[string]json.RawMessage

func decodeAABody(body []byte) (aaBody, *aaError) {
	if len(bytes.TrimSpace(body)) == 0 {
		return aaBody{}, nil
	}
	if !query.ValidJSONText(body) {
		return nil, validationf(reasonCannotParse, "The request body is not valid UTF-8 text.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, validationf(reasonCannotParse, "The request body must be a JSON object.")
	}
	m := aaBody{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, validationf(reasonCannotParse, "The request body is not valid JSON.")
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, validationf(reasonCannotParse, "The request body is not valid JSON.")
		}
		if _, dup := m[key]; dup {
			return nil, validationf(reasonCannotParse, "The member %q is given twice.", key)
		}
		m[key] = raw
	}
	if _, err := dec.Token(); err != nil {
		return nil, validationf(reasonCannotParse, "The request body is not valid JSON.")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, validationf(reasonCannotParse, "The request body holds more than one JSON value.")
	}
	return m, nil
}

// str reads a string member: absent (or null) is ok=false; another JSON
// type cannot be parsed.
func (b aaBody) str(name string) (v string, ok bool, e *aaError) {
	raw, present := b[name]
	if !present || string(raw) == "null" {
		return "", false, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", false, validationf(reasonCannotParse, "The member %s must be a string.", name)
	}
	return v, true, nil
}

// required reads the string members names, each required: the violations
// list every one missing.
func (b aaBody) required(vs *[]query.Violation, names ...string) (map[string]string, *aaError) {
	out := map[string]string{}
	for _, n := range names {
		v, ok, e := b.str(n)
		if e != nil {
			return nil, e
		}
		if !ok {
			*vs = append(*vs, query.Violation{Null: true, Field: n, Constraint: "Member must not be null", Rule: query.RuleNull})
			continue
		}
		out[n] = v
	}
	return out, nil
}

// enumViolation checks a value against an enum of the model.
func enumViolation(field, v string, values []string) *query.Violation {
	for _, x := range values {
		if v == x {
			return nil
		}
	}
	return &query.Violation{Value: &v, Field: field, Constraint: "Member must satisfy enum value set: [" + strings.Join(values, ", ") + "]"}
}

// The enums of the model.
var (
	policyTypes            = []string{"IDENTITY_POLICY", "RESOURCE_POLICY", "SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"}
	accessCheckPolicyTypes = []string{"IDENTITY_POLICY", "RESOURCE_POLICY"}
	validateResourceTypes  = []string{"AWS::S3::Bucket", "AWS::S3::AccessPoint", "AWS::S3::MultiRegionAccessPoint", "AWS::S3ObjectLambda::AccessPoint",
		"AWS::IAM::AssumeRolePolicyDocument", "AWS::DynamoDB::Table"}
	locales              = []string{"DE", "EN", "ES", "FR", "IT", "JA", "KO", "PT_BR", "ZH_CN", "ZH_TW"}
	accessCheckResources = []string{"AWS::DynamoDB::Table", "AWS::DynamoDB::Stream", "AWS::EFS::FileSystem", "AWS::OpenSearchService::Domain",
		"AWS::Kinesis::Stream", "AWS::Kinesis::StreamConsumer", "AWS::KMS::Key", "AWS::Lambda::Function", "AWS::S3::Bucket", "AWS::S3::AccessPoint",
		"AWS::S3Express::DirectoryBucket", "AWS::S3::Glacier", "AWS::S3Outposts::Bucket", "AWS::S3Outposts::AccessPoint", "AWS::SecretsManager::Secret",
		"AWS::SNS::Topic", "AWS::SQS::Queue", "AWS::IAM::AssumeRolePolicyDocument", "AWS::S3Tables::TableBucket", "AWS::ApiGateway::RestApi",
		"AWS::CodeArtifact::Domain", "AWS::Backup::BackupVault", "AWS::CloudTrail::Dashboard", "AWS::CloudTrail::EventDataStore", "AWS::S3Tables::Table",
		"AWS::S3Express::AccessPoint"}
)

var errNotObject = errors.New("not a JSON object")

// members reads a JSON object's members by exact name, refusing one given
// twice.
func members(raw json.RawMessage) (aaBody, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errNotObject
	}
	m := aaBody{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if _, dup := m[key]; dup {
			return nil, fmt.Errorf("the member %q is given twice", key)
		}
		m[key] = v
	}
	return m, nil
}
