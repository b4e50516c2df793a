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

	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/awserr/stserr"
	"github.com/iamgate/iamgate/api/model"
	"github.com/iamgate/iamgate/api/shape"
)

// Namespaces of the two services.
const (
	IAMNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"
	STSNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"
)

// Error is an AWS API error (awserr's, so that handlers and the edge share
// one type).
type Error = awserr.Error

// Status returns the HTTP status of a code (0 for a code none of the
// tables has).
func Status(code string) int {
	for _, t := range []map[string]awserr.Code{iamerr.Codes, stserr.Codes, awserr.QueryCommon} {
		if c, ok := t[code]; ok {
			return c.Status
		}
	}
	return 0
}

// WriteError writes an ErrorResponse.
func WriteError(w http.ResponseWriter, ns, requestID string, e *Error) {
	e.WriteQuery(w, ns, requestID)
}

// WriteResult writes <ActionResponse><ActionResult>result</ActionResult>
// <ResponseMetadata>. result is a struct whose fields (with xml tags) are the
// Result members, whatever its own name; nil writes an empty result. The
// required lists of api/shape's types are written even when nil
// (shape.WithRequired).
func WriteResult(w http.ResponseWriter, ns, action, requestID string, result any) error {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	fmt.Fprintf(&b, `<%sResponse xmlns="%s">`, action, ns)
	if result != nil {
		enc := xml.NewEncoder(&b)
		if err := enc.EncodeElement(shape.WithRequired(result), xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
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
		return Params{}, awserr.MalformedQueryString("the query string is not valid: %v", err)
	}
	if r.Method == http.MethodPost && len(body) > 0 {
		ct := r.Header.Get("Content-Type")
		if ct != "" && !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			return Params{}, awserr.InvalidParameterValue("the Query protocol takes application/x-www-form-urlencoded bodies, not %s", ct)
		}
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return Params{}, awserr.MalformedQueryString("the request body is not a valid form: %v", err)
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
		return 0, Validation(Violation{Value: &v, Field: lowerFirst(name), Constraint: "Member must be a number", Rule: model.RuleNumber})
	}
	return n, nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
