package query

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Namespaces of the two services.
const (
	IAMNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"
	STSNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"
)

// Error is an AWS API error.
type Error struct {
	Code    string
	Message string
	Status  int
	Sender  bool
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// statuses: the service models' exception shapes (botocore iam/2010-05-08 and
// sts/2011-06-15: code, httpStatusCode, senderFault), and the common errors
// of the Query protocol (the AWS API reference, "Common Errors").
var statuses = map[string]int{
	// IAM exceptions.
	"ConcurrentModification": 409, "DeleteConflict": 409, "EntityAlreadyExists": 409, "EntityTemporarilyUnmodifiable": 409,
	"InvalidInput": 400, "LimitExceeded": 409, "MalformedPolicyDocument": 400, "NoSuchEntity": 404, "PolicyEvaluation": 500,
	"PolicyNotAttachable": 400, "ServiceFailure": 500, "UnmodifiableEntity": 400, "InvalidAuthenticationCode": 403,
	"PasswordPolicyViolation": 400, "ReportNotPresent": 410, "NotSupportedService": 404,
	// STS exceptions.
	"ExpiredTokenException": 400, "IDPCommunicationError": 400, "IDPRejectedClaim": 403, "InvalidAuthorizationMessageException": 400,
	"InvalidIdentityToken": 400, "PackedPolicyTooLarge": 400, "RegionDisabledException": 403,
	// Common errors.
	"AccessDenied": 403, "IncompleteSignature": 400, "InternalFailure": 500, "InvalidAction": 400, "InvalidClientTokenId": 403,
	"InvalidParameterCombination": 400, "InvalidParameterValue": 400, "InvalidQueryParameter": 400, "MalformedQueryString": 404,
	"MissingAction": 400, "MissingAuthenticationToken": 403, "MissingParameter": 400, "RequestExpired": 400,
	"SignatureDoesNotMatch": 403, "ExpiredToken": 403, "ValidationError": 400, "Throttling": 400, "ServiceUnavailable": 503,
	"RequestEntityTooLarge": 413,
}

// Errorf builds an error with the status its code has.
func Errorf(code, format string, args ...any) *Error {
	st, ok := statuses[code]
	if !ok {
		st = 400
	}
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Status: st, Sender: st < 500}
}

// Status returns the HTTP status of a code.
func Status(code string) int { return statuses[code] }

type errorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	Error     errorBody
	RequestID string `xml:"RequestId"`
}

type errorBody struct {
	Type    string
	Code    string
	Message string
}

// WriteError writes an ErrorResponse.
func WriteError(w http.ResponseWriter, ns, requestID string, e *Error) {
	typ := "Sender"
	if !e.Sender {
		typ = "Receiver"
	}
	body, _ := xml.Marshal(errorResponse{Xmlns: ns, Error: errorBody{Type: typ, Code: e.Code, Message: e.Message}, RequestID: requestID})
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.WriteHeader(e.Status)
	w.Write([]byte(xml.Header))
	w.Write(body)
}

// WriteResult writes <ActionResponse><ActionResult>result</ActionResult>
// <ResponseMetadata>. result is a struct whose fields (with xml tags) are the
// Result members, whatever its own name; nil writes an empty result.
func WriteResult(w http.ResponseWriter, ns, action, requestID string, result any) error {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	fmt.Fprintf(&b, `<%sResponse xmlns="%s">`, action, ns)
	if result != nil {
		enc := xml.NewEncoder(&b)
		if err := enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
			return err
		}
		if err := enc.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintf(&b, "<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>", requestID, action)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", requestID)
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes()) // a client that went away is not an error of the result
	return nil
}

// Params are a request's form parameters.
type Params struct{ url.Values }

// ParseParams reads the form from a POST body (application/x-www-form-urlencoded)
// and the URL query. Every parameter name and value must be UTF-8 once
// percent-decoded: anything else is a ValidationError and reaches no
// handler, so that no bytes a client cannot read back (and no store can
// keep apart) are ever stored. AWS documents no code for it; the Query
// protocol's ValidationError is the nearest.
func ParseParams(r *http.Request, body []byte) (Params, *Error) {
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return Params{}, Errorf("MalformedQueryString", "the query string is not valid: %v", err)
	}
	if r.Method == http.MethodPost && len(body) > 0 {
		ct := r.Header.Get("Content-Type")
		if ct != "" && !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			return Params{}, Errorf("InvalidParameterValue", "the Query protocol takes application/x-www-form-urlencoded bodies, not %s", ct)
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return Params{}, Errorf("MalformedQueryString", "the request body is not a valid form: %v", err)
		}
		for k, v := range form {
			vals[k] = append(vals[k], v...)
		}
	}
	if e := checkUTF8(vals); e != nil {
		return Params{}, e
	}
	return Params{vals}, nil
}

// checkUTF8 refuses a form with a name or value that is not UTF-8. The
// message shows names with Go's escapes (%q), never the raw bytes, so the
// XML answer stays text.
func checkUTF8(vals url.Values) *Error {
	names := make([]string, 0, len(vals))
	for k := range vals {
		names = append(names, k)
	}
	sort.Strings(names) // the same request always gets the same message
	for _, k := range names {
		if !utf8.ValidString(k) {
			return Validation(Violation{Field: strings.Trim(strconv.QuoteToASCII(k), `"`), Constraint: "Parameter name must be valid UTF-8", Rule: RuleUTF8})
		}
		for _, v := range vals[k] {
			if !utf8.ValidString(v) {
				return Validation(Violation{Field: k, Constraint: "Member must be valid UTF-8", Rule: RuleUTF8})
			}
		}
	}
	return nil
}

// Required returns a parameter or a MissingParameter / ValidationError.
func (p Params) Required(name string) (string, *Error) {
	v := p.Get(name)
	if v == "" {
		return "", Errorf("ValidationError", "1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", lowerFirst(name))
	}
	return v, nil
}

// List reads a list parameter in the Query form Name.member.N.
func (p Params) List(name string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := p.Values[name+".member."+strconv.Itoa(i)]
		if !ok {
			return out
		}
		out = append(out, v[0])
	}
}

// Int reads an integer parameter, with a default.
func (p Params) Int(name string, def int) (int, *Error) {
	v := p.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, Errorf("ValidationError", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must be a number", v, lowerFirst(name))
	}
	return n, nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
