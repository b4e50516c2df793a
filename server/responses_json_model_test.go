package server_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iamgate/iamgate/api/awserr"
	apimodel "github.com/iamgate/iamgate/api/model"
)

// The spec of these checks is the botocore 1.43.11 models
// organizations/2016-11-28 (protocol json, awsJson1_1) and
// accessanalyzer/2019-11-01 (rest-json), in api/model, and botocore's JSON
// parsers (botocore/parsers.py, BaseJSONParser, JSONParser and
// RestJSONParser): an output is one JSON object holding the body members;
// timestamps are epoch seconds (a number) unless the shape's
// timestampFormat says otherwise; an error's code is __type after any '#'
// (or, for REST-JSON, the x-amzn-ErrorType header before any ':'), its
// message "message" or "Message".

// unlikeModelPattern are string shapes whose real values break the
// model's pattern: PolicyArn wants a customer policy's ID of 10 to 32
// characters after "p-", but AWS answers IDs of 8 (as its PolicyId
// pattern, p-[0-9a-zA-Z_]{8,128}, allows): real ARNs quoted in public
// issues, such as
// arn:aws:organizations::150474387062:policy/o-5exe5g5ucp/service_control_policy/p-hk4u5xlh
// and .../o-ln8pshp5lv/service_control_policy/p-hhe2a0ko.
var unlikeModelPattern = map[string]bool{"PolicyArn": true}

// checkJSONStrict checks a JSON or REST-JSON response body against the
// output shape of op in svc and returns every mismatch.
func checkJSONStrict(svc *apimodel.Service, op string, body []byte) []string {
	o, v, bad := modelBody(svc, op, body)
	if bad != nil {
		return bad
	}
	if o.Output == "" {
		// botocore reads an empty body or {} alike.
		if m, ok := v.(map[string]any); len(bytes.TrimSpace(body)) != 0 && (!ok || len(m) != 0) {
			return []string{"the operation has no output, the body must be empty or {}"}
		}
		return nil
	}
	return checkJSONValue(svc, o.Output, v, op, true)
}

// modelBody finds op in svc and decodes body; bad says why it cannot.
func modelBody(svc *apimodel.Service, op string, body []byte) (o *apimodel.Operation, v any, bad []string) {
	if o = svc.Operation(op); o == nil {
		return nil, nil, []string{"not in the model"}
	}
	v, err := decodeJSONNumbers(body)
	if err != nil {
		return nil, nil, []string{"not JSON: " + err.Error()}
	}
	return o, v, nil
}

// decodeJSONNumbers decodes one JSON document keeping numbers as written,
// and refuses anything after it. An empty body is an empty object.
func decodeJSONNumbers(body []byte) (any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return map[string]any{}, nil
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errTrailing
	}
	return v, nil
}

var errTrailing = errors.New("data after the JSON document")

// checkJSONValue checks v against shape. top is the output structure,
// whose members bound elsewhere (headers, the status code) must not be in
// the body.
func checkJSONValue(svc *apimodel.Service, shape string, v any, path string, top bool) []string {
	sh := svc.Shape(shape)
	if sh == nil {
		return []string{path + ": shape " + shape + " is not in the model"}
	}
	if v == nil {
		// AWS leaves a member out rather than answer null.
		return []string{path + ": null (AWS leaves out a member it has no value for)"}
	}
	var out []string
	kind := func(want string) []string {
		return []string{path + ": " + jsonKindOf(v) + " where the model has " + want + " (" + shape + ")"}
	}
	switch sh.Type {
	case apimodel.Structure:
		obj, ok := v.(map[string]any)
		if !ok {
			return kind("an object")
		}
		if sh.Document {
			return nil
		}
		for _, k := range sortedKeys(obj) {
			m := sh.MemberNamed(k)
			if m == nil || (top && m.Location != "") {
				out = append(out, path+"."+k+": not a member of "+shape)
				continue
			}
			out = append(out, checkJSONValue(svc, m.Shape, obj[k], path+"."+k, false)...)
		}
		set := 0
		for _, m := range sh.Members {
			if _, ok := obj[m.Name]; ok {
				set++
			} else if m.Required && m.Location == "" {
				out = append(out, path+": lacks the required member "+m.Name+" of "+shape)
			}
		}
		if sh.Union && set != 1 {
			out = append(out, path+": a union must have exactly one member set, it has "+strconv.Itoa(set))
		}
	case apimodel.List:
		arr, ok := v.([]any)
		if !ok {
			return kind("a list")
		}
		for i, item := range arr {
			out = append(out, checkJSONValue(svc, sh.Member.Shape, item, path+"["+strconv.Itoa(i)+"]", false)...)
		}
		if sh.Min != nil && int64(len(arr)) < *sh.Min {
			out = append(out, path+": fewer items than the model's min")
		}
		if sh.Max != nil && int64(len(arr)) > *sh.Max {
			out = append(out, path+": more items than the model's max")
		}
	case apimodel.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return kind("a map")
		}
		for _, k := range sortedKeys(obj) {
			out = append(out, checkJSONValue(svc, sh.Key.Shape, k, path+"{key "+strconv.Quote(k)+"}", false)...)
			out = append(out, checkJSONValue(svc, sh.Value.Shape, obj[k], path+"["+strconv.Quote(k)+"]", false)...)
		}
	case apimodel.Integer, apimodel.Long:
		n, ok := v.(json.Number)
		if !ok {
			return kind("an integer")
		}
		i, err := strconv.ParseInt(n.String(), 10, 64)
		if err != nil {
			return []string{path + ": " + n.String() + " is not an integer"}
		}
		if (sh.Min != nil && i < *sh.Min) || (sh.Max != nil && i > *sh.Max) {
			out = append(out, path+": "+n.String()+" is out of the model's range")
		}
	case apimodel.Double, apimodel.Float:
		if _, ok := v.(json.Number); !ok {
			return kind("a number")
		}
	case apimodel.Boolean:
		if _, ok := v.(bool); !ok {
			return kind("a boolean")
		}
	case apimodel.Timestamp:
		out = append(out, checkJSONTimestamp(sh, v, path)...)
	case apimodel.Blob:
		if _, ok := v.(string); !ok {
			return kind("a base64 string")
		}
	case apimodel.String:
		s, ok := v.(string)
		if !ok {
			return kind("a string")
		}
		out = append(out, checkJSONString(sh, s, path)...)
	}
	return out
}

// checkJSONTimestamp checks a timestamp: epoch seconds (botocore's JSON
// default) or, for timestampFormat iso8601, an ISO 8601 string. The epoch
// itself is an error: it is what a zero time.Time answers, never AWS.
func checkJSONTimestamp(sh *apimodel.Shape, v any, path string) []string {
	switch sh.TimestampFormat {
	case "iso8601":
		s, ok := v.(string)
		if !ok {
			return []string{path + ": " + jsonKindOf(v) + " where the model has an ISO 8601 timestamp"}
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return []string{path + ": " + strconv.Quote(s) + " is not an ISO 8601 timestamp"}
		}
		if t.Unix() <= 0 {
			return []string{path + ": the zero timestamp (1970)"}
		}
	default:
		n, ok := v.(json.Number)
		if !ok {
			return []string{path + ": " + jsonKindOf(v) + " where the model has a timestamp in epoch seconds"}
		}
		f, err := n.Float64()
		if err != nil || math.IsInf(f, 0) {
			return []string{path + ": " + n.String() + " is not epoch seconds"}
		}
		if f <= 0 {
			return []string{path + ": the zero timestamp (1970)"}
		}
		if f > 1e11 {
			return []string{path + ": " + n.String() + " looks like milliseconds, not epoch seconds"}
		}
	}
	return nil
}

// checkJSONString checks a string's enum, length and pattern.
func checkJSONString(sh *apimodel.Shape, s, path string) []string {
	var out []string
	if len(sh.Enum) > 0 {
		ok := false
		for _, e := range sh.Enum {
			ok = ok || e == s
		}
		if !ok {
			out = append(out, path+": "+strconv.Quote(s)+" is not in the enum of "+sh.Name)
		}
	}
	n := int64(len([]rune(s)))
	if sh.Min != nil && n < *sh.Min {
		out = append(out, path+": "+strconv.Quote(s)+" is shorter than the model's min of "+sh.Name)
	}
	if sh.Max != nil && n > *sh.Max {
		out = append(out, path+": longer than the model's max of "+sh.Name)
	}
	if sh.Pattern != "" && !unlikeModelPattern[sh.Name] {
		if match, ok := apimodel.Matches(sh.Pattern, s); ok && !match {
			out = append(out, path+": "+strconv.Quote(s)+" does not match the pattern of "+sh.Name)
		}
	}
	return out
}

func jsonKindOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return "something else"
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// checkJSONErrorStrict checks an error response of op: botocore's code
// (__type after '#'; for REST-JSON the x-amzn-ErrorType header before ':'
// first), a message as "message" or "Message", the code one of the
// operation's errors in the model or an endpoint's common error
// (awserr.JSONCommon), the HTTP status the model's exception shape has,
// and every other body member a member of the exception shape.
func checkJSONErrorStrict(svc *apimodel.Service, op string, status int, h http.Header, body []byte) []string {
	o, v, bad := modelBody(svc, op, body)
	if bad != nil {
		return bad
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return []string{"the error body is not an object"}
	}
	var out []string
	code := ""
	if svc.Protocol == "rest-json" {
		code, _, _ = strings.Cut(h.Get("x-amzn-ErrorType"), ":")
	}
	if t, ok := obj["__type"].(string); ok {
		if code == "" {
			code = t[strings.LastIndex(t, "#")+1:]
		}
	} else if svc.Protocol == "json" {
		out = append(out, "no __type")
	}
	if code == "" {
		return append(out, "no error code")
	}
	msg, _ := obj["message"].(string)
	if m, ok := obj["Message"].(string); ok && msg == "" {
		msg = m
	}
	if strings.TrimSpace(msg) == "" {
		out = append(out, code+": no message or Message")
	}
	var sh *apimodel.Shape
	for _, e := range o.Errors {
		if s := svc.Shape(e); s != nil && s.ErrorCode() == code {
			sh = s
		}
	}
	if sh == nil {
		commons := awserr.JSONCommon
		if svc.Protocol == "json" {
			commons = awserr.AWSJSONCommon
		}
		c, common := commons[code]
		switch {
		case common && c.Status != status:
			out = append(out, code+": HTTP "+strconv.Itoa(status)+", the common error is "+strconv.Itoa(c.Status))
		case !common:
			out = append(out, code+": not an error of "+op+" in the model")
		}
		return out
	}
	if want := sh.ErrorStatus(); want != status {
		out = append(out, code+": HTTP "+strconv.Itoa(status)+", the model says "+strconv.Itoa(want))
	}
	for _, k := range sortedKeys(obj) {
		if k == "__type" || k == "message" || k == "Message" {
			continue
		}
		m := sh.MemberNamed(k)
		if m == nil {
			out = append(out, code+"."+k+": not a member of "+sh.Name)
			continue
		}
		out = append(out, checkJSONValue(svc, m.Shape, obj[k], code+"."+k, false)...)
	}
	for _, m := range sh.Members {
		if _, ok := obj[m.Name]; !ok && m.Required && m.Name != "message" && m.Name != "Message" {
			out = append(out, code+": lacks the required member "+m.Name+" of "+sh.Name)
		}
	}
	return out
}

// TestCheckJSONStrictCatches shows the checker finds each kind of
// mismatch: a member the shape lacks, a missing required member, a scalar
// of the wrong type, a value outside its enum, a null, the zero or a
// millisecond timestamp, a string too short or off its pattern, and in
// errors a code, status or member the model does not have.
func TestCheckJSONStrictCatches(t *testing.T) {
	org := apimodel.Organizations
	for _, c := range []struct{ op, body, want string }{
		{"DescribeOrganization", `{"Organization":{"Id":"o-abcdefghij","Color":"red"}}`, "Organization.Color: not a member of Organization"},
		{"DescribeOrganization", `{"Color":"red"}`, "DescribeOrganization.Color: not a member of DescribeOrganizationResponse"},
		{"ListRoots", `{"Roots":[{"Id":"r-abcd","PolicyTypes":[{"Type":"SERVICE_CONTROL_POLICY"}]}]}`, ""},
		{"ListTagsForResource", `{"Tags":[{"Key":"k"}]}`, "lacks the required member Value of Tag"},
		{"DescribeAccount", `{"Account":{"JoinedTimestamp":"2026-01-01T00:00:00Z"}}`, "a string where the model has a timestamp in epoch seconds"},
		{"DescribeAccount", `{"Account":{"JoinedTimestamp":0}}`, "the zero timestamp"},
		{"DescribeAccount", `{"Account":{"JoinedTimestamp":1767225600000}}`, "looks like milliseconds"},
		{"DescribeAccount", `{"Account":{"Status":"PAUSED"}}`, `"PAUSED" is not in the enum of AccountStatus`},
		{"DescribeAccount", `{"Account":{"Name":null}}`, "Account.Name: null"},
		{"DescribeAccount", `{"Account":{"Email":""}}`, "shorter than the model's min of Email"},
		{"DescribeAccount", `{"Account":{"Id":"12345"}}`, "does not match the pattern of AccountId"},
		{"DescribePolicy", `{"Policy":{"PolicySummary":{"AwsManaged":"true"}}}`, "a string where the model has a boolean"},
		{"ListRoots", `{"Roots":{}}`, "an object where the model has a list"},
		{"AttachPolicy", `{"x":1}`, "no output"},
		{"DescribeOrganization", `{"Organization":{}} {}`, "not JSON"},
	} {
		got := strings.Join(checkJSONStrict(org, c.op, []byte(c.body)), "; ")
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("%s %s: got %q, want it to mention %q", c.op, c.body, got, c.want)
		}
	}
	aa := apimodel.AccessAnalyzer
	for _, c := range []struct{ op, body, want string }{
		{"CheckNoPublicAccess", `{"result":"MAYBE"}`, `"MAYBE" is not in the enum of CheckNoPublicAccessResult`},
		{"CheckNoPublicAccess", `{"result":"PASS","reasons":[{"statementIndex":"0"}]}`, "a string where the model has an integer"},
		{"ValidatePolicy", `{"findings":[]}`, ""},
		{"ValidatePolicy", `{}`, "lacks the required member findings"},
	} {
		got := strings.Join(checkJSONStrict(aa, c.op, []byte(c.body)), "; ")
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("%s %s: got %q, want it to mention %q", c.op, c.body, got, c.want)
		}
	}
	for _, c := range []struct {
		svc        *apimodel.Service
		op         string
		status     int
		errorType  string
		body, want string
	}{
		{org, "DescribePolicy", 400, "", `{"__type":"PolicyNotFoundException","Message":"m"}`, ""},
		{org, "DescribePolicy", 400, "", `{"__type":"com.amazonaws#PolicyNotFoundException","message":"m"}`, ""},
		{org, "DescribePolicy", 404, "", `{"__type":"PolicyNotFoundException","Message":"m"}`, "HTTP 404, the model says 400"},
		{org, "DescribePolicy", 400, "", `{"__type":"NoSuchEntity","Message":"m"}`, "not an error of DescribePolicy"},
		{org, "DescribePolicy", 400, "", `{"__type":"PolicyNotFoundException"}`, "no message or Message"},
		{org, "DescribePolicy", 400, "", `{"code":"PolicyNotFoundException","Message":"m"}`, "no __type"},
		{org, "DescribePolicy", 400, "", `{"__type":"PolicyNotFoundException","Message":"m","Reason":"X"}`, "Reason: not a member of PolicyNotFoundException"},
		{org, "CreatePolicy", 400, "", `{"__type":"ConstraintViolationException","Message":"m","Reason":"TOO_MANY"}`, `"TOO_MANY" is not in the enum`},
		{org, "DescribePolicy", 400, "", `{"__type":"UnrecognizedClientException","Message":"m"}`, ""},
		{org, "DescribePolicy", 403, "", `{"__type":"UnrecognizedClientException","Message":"m"}`, "HTTP 403, the common error is 400"},
		{aa, "ValidatePolicy", 400, "ValidationException", `{"message":"m","reason":"other"}`, ""},
		{aa, "ValidatePolicy", 400, "ValidationException", `{"message":"m"}`, "lacks the required member reason"},
		{aa, "ValidatePolicy", 400, "ValidationException:http://internal.amazon.com/coral/", `{"message":"m","reason":"nope"}`, `"nope" is not in the enum`},
		{aa, "ValidatePolicy", 500, "ValidationException", `{"message":"m","reason":"other"}`, "HTTP 500, the model says 400"},
	} {
		h := http.Header{}
		if c.errorType != "" {
			h.Set("x-amzn-ErrorType", c.errorType)
		}
		got := strings.Join(checkJSONErrorStrict(c.svc, c.op, c.status, h, []byte(c.body)), "; ")
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("%s %s: got %q, want it to mention %q", c.op, c.body, got, c.want)
		}
	}
}
