package model

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Violation is one failed constraint of a request member, as AWS's request
// validation reports it: "Value 'x' at 'tags.1.member.key' failed to
// satisfy constraint: Member must ...".
type Violation struct {
	Value      *string // the value shown; nil shows none ("Value at 'x'")
	Null       bool    // the member is missing ("Value null at")
	Field      string  // the member's path: 'tags.1.member.key'
	Constraint string  // "Member must ..."
	Rule       Rule    // which kind of constraint, for callers that branch on it
}

// Rule is the kind of constraint a Violation breaks.
type Rule int

// The rules of the models' constraints.
const (
	RuleOther     Rule = iota
	RuleNull           // required
	RuleMinLength      // min of a string or list
	RuleMaxLength      // max of a string or list
	RulePattern        // pattern
	RuleUTF8           // not text at all
	RuleEnum           // enum
	RuleMinValue       // min of a number
	RuleMaxValue       // max of a number
	RuleNumber         // not a number
	RuleBoolean        // not a boolean
)

// String words the violation as AWS does.
func (v Violation) String() string {
	val := "Value "
	switch {
	case v.Null && v.Value == nil:
		val += "null "
	case v.Value != nil:
		val += "'" + *v.Value + "' "
	}
	return val + "at '" + v.Field + "' failed to satisfy constraint: " + v.Constraint
}

// Message is AWS's ValidationError message for violations: "1 validation
// error detected: V" or "N validation errors detected: V1; V2" (for
// example github.com/SWO-GS/auto-tag/issues/90 and
// github.com/ministryofjustice/cloud-platform-environments/pull/22667,
// answers of the real IAM). It is "" for none.
func Message(vs []Violation) string {
	if len(vs) == 0 {
		return ""
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.String()
	}
	noun := "error"
	if len(vs) > 1 {
		noun = "errors"
	}
	return fmt.Sprintf("%d validation %s detected: %s", len(vs), noun, strings.Join(parts, "; "))
}

// The words of each constraint, as AWS's answers have them: "Member must
// not be null" (SNS's real "3 validation errors detected: Value null at
// 'aWSAccountId' ... Member must not be null; ..."); "Member must have
// length less than or equal to 64" (the real IAM's answer for a
// 66-character roleName, quoted in
// github.com/faizanbashir/python-ses-dynamodb-contactform/issues/4);
// "Member must have length greater than or equal to 1" and "Member must
// satisfy regular expression pattern: P" with the model's pattern as it is
// written (the real CloudFormation Query API's "2 validation errors
// detected" for an empty stackName, quoted in a CDK user's notes);
// "Member must have value less than or equal to 43200" and "greater than
// or equal to 900" for a number (the real STS's answers for
// durationSeconds, quoted in public client code that parses them), not
// "between"; "Member must satisfy enum value set: [A, B]" with the
// model's values in its order (Access Analyzer's, in
// server/accessanalyzer_test.go); a list of enum values answered as a
// whole, "Value '[a, b]' at 'x' failed to satisfy constraint: Member must
// satisfy constraint: [Member must satisfy enum value set: [...]]" (AWS
// Config's and Lambda's answers, quoted in moto and LocalStack).
const (
	mustNotBeNull = "Member must not be null"
)

func lengthGE(n int64) string {
	return "Member must have length greater than or equal to " + strconv.FormatInt(n, 10)
}
func lengthLE(n int64) string {
	return "Member must have length less than or equal to " + strconv.FormatInt(n, 10)
}
func valueGE(n int64) string {
	return "Member must have value greater than or equal to " + strconv.FormatInt(n, 10)
}
func valueLE(n int64) string {
	return "Member must have value less than or equal to " + strconv.FormatInt(n, 10)
}
func enumSet(vs []string) string {
	return "Member must satisfy enum value set: [" + strings.Join(vs, ", ") + "]"
}

// Order of violations. AWS lists the violations of a request in an order
// the models do not give: members of one request appear out of the
// model's order (SWF's real "Value null at 'execution' ...; Value null at
// 'domain'" for DescribeWorkflowExecution, whose model has domain first),
// and even one member's constraints come in either order (Cognito answers
// "pattern; length" for confirmationCode but "length; pattern" for
// clientId; CloudFormation "length; pattern" for stackName). Validate
// lists members in the model's order, depth first, and a member's
// constraints as required, length, pattern, enum, range: the same request
// always gets the same message, and a one-violation message (the common
// case) is exactly AWS's.

// Path is where a value is in a request, for messages: member names with
// their first letter in lower case, list elements as N.member
// ('tags.1.member.key').
func memberPath(parent, name string) string {
	n := lowerFirst(name)
	if parent == "" {
		return n
	}
	return parent + "." + n
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r, size := utf8.DecodeRuneInString(s)
	if r >= 'A' && r <= 'Z' {
		return string(r+'a'-'A') + s[size:]
	}
	return s
}

// validator walks a request against the shapes of a service.
type validator struct {
	svc *Service
	vs  []Violation
	// names are a Query request's parameter names, sorted (queryPresent),
	// made on first use.
	names []string
	// hide reports shapes whose values are never shown.
}

func (v *validator) add(x Violation) { v.vs = append(v.vs, x) }

func (v *validator) hidden(sh *Shape) bool {
	return sh.Sensitive || hiddenValues[v.svc.Name+"."+sh.Name]
}

// scalar checks a string value of a string shape.
func (v *validator) str(sh *Shape, path, s string) {
	if !utf8.ValidString(s) {
		// Never echo bytes that are not text (the edges refuse these first).
		v.add(Violation{Field: path, Constraint: "Member must be valid UTF-8", Rule: RuleUTF8})
		return
	}
	var shown *string
	if !v.hidden(sh) {
		shown = &s
	}
	n := int64(utf8.RuneCountInString(s))
	if sh.Min != nil && n < *sh.Min {
		v.add(Violation{Value: shown, Field: path, Constraint: lengthGE(*sh.Min), Rule: RuleMinLength})
	}
	if sh.Max != nil && n > *sh.Max {
		v.add(Violation{Value: shown, Field: path, Constraint: lengthLE(*sh.Max), Rule: RuleMaxLength})
	}
	if sh.Pattern != "" && !selfChecked[v.svc.Name+"."+sh.Name] {
		if ok, known := Matches(sh.Pattern, s); known && !ok {
			v.add(Violation{Value: shown, Field: path, Constraint: "Member must satisfy regular expression pattern: " + sh.Pattern, Rule: RulePattern})
		}
	}
	if len(sh.Enum) > 0 && !contains(sh.Enum, s) {
		v.add(Violation{Value: shown, Field: path, Constraint: enumSet(sh.Enum), Rule: RuleEnum})
	}
}

// number checks an integer's text against a numeric shape.
func (v *validator) number(sh *Shape, path, text string) {
	n, ok := new(big.Int).SetString(strings.TrimSpace(text), 10)
	shown := &text
	if v.hidden(sh) {
		shown = nil
	}
	if !ok {
		v.add(Violation{Value: shown, Field: path, Constraint: "Member must be a number", Rule: RuleNumber})
		return
	}
	if sh.Min != nil && n.Cmp(big.NewInt(*sh.Min)) < 0 {
		v.add(Violation{Value: shown, Field: path, Constraint: valueGE(*sh.Min), Rule: RuleMinValue})
	}
	if sh.Max != nil && n.Cmp(big.NewInt(*sh.Max)) > 0 {
		v.add(Violation{Value: shown, Field: path, Constraint: valueLE(*sh.Max), Rule: RuleMaxValue})
	}
}

// list checks a list's length, and a list of enum values as a whole.
func (v *validator) list(sh *Shape, path string, n int, values func() []string) {
	if sh.Min != nil && int64(n) < *sh.Min {
		v.add(Violation{Field: path, Constraint: lengthGE(*sh.Min), Rule: RuleMinLength})
	}
	if sh.Max != nil && int64(n) > *sh.Max {
		v.add(Violation{Field: path, Constraint: lengthLE(*sh.Max), Rule: RuleMaxLength})
	}
	if m := v.svc.Shape(sh.Member.Shape); m != nil && len(m.Enum) > 0 {
		vals := values()
		for _, x := range vals {
			if !contains(m.Enum, x) {
				shown := "[" + strings.Join(vals, ", ") + "]"
				v.add(Violation{Value: &shown, Field: path, Constraint: "Member must satisfy constraint: [" + enumSet(m.Enum) + "]", Rule: RuleEnum})
				break
			}
		}
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// ValidateQuery checks a Query-protocol request's parameters against an
// operation's input shape, as AWS does before the operation runs, and
// returns the violations in order (see Order of violations). A member is
// read where the Query protocol puts it: Name, Name.member.N for a list,
// Name.entry.N.key and .value for a map, Name.Sub for a structure. An
// operation without input has no violations; an unknown operation is an
// error.
func (s *Service) ValidateQuery(operation string, params url.Values) ([]Violation, error) {
	op := s.Operation(operation)
	if op == nil {
		return nil, fmt.Errorf("%s has no operation %s", s.Name, operation)
	}
	if op.Input == "" {
		return nil, nil
	}
	v := &validator{svc: s}
	v.queryStructure(s.Shape(op.Input), "", "", params)
	return v.vs, nil
}

// queryPresent reports whether params hold key or anything under it. The
// parameter names are sorted once per request and searched: scanning every
// parameter for each list member made a 256 KiB form of 10,000
// Tags.member.N.Key parameters cost a second of CPU, and indexing every
// dotted prefix of the names costs as much for one name of 250,000 dots.
func (v *validator) queryPresent(params url.Values, key string) bool {
	if _, ok := params[key]; ok {
		return true
	}
	if v.names == nil {
		v.names = make([]string, 0, len(params))
		for k := range params {
			v.names = append(v.names, k)
		}
		sort.Strings(v.names)
	}
	prefix := key + "."
	i := sort.SearchStrings(v.names, prefix)
	return i < len(v.names) && strings.HasPrefix(v.names[i], prefix)
}

func (v *validator) queryStructure(sh *Shape, prefix, path string, params url.Values) {
	for i := range sh.Members {
		m := &sh.Members[i]
		name := m.Name
		if m.LocationName != "" {
			name = m.LocationName
		}
		key := name
		if prefix != "" {
			key = prefix + "." + name
		}
		mp := memberPath(path, m.Name)
		msh := v.svc.Shape(m.Shape)
		if !v.queryPresent(params, key) {
			if m.Required {
				x := Violation{Null: true, Field: mp, Constraint: mustNotBeNull, Rule: RuleNull}
				if v.hidden(msh) {
					x.Null = false // a hidden member is "Value at", even when missing
				}
				v.add(x)
			}
			continue
		}
		v.queryValue(msh, key, mp, params)
	}
}

func (v *validator) queryValue(sh *Shape, key, path string, params url.Values) {
	switch sh.Type {
	case Structure:
		v.queryStructure(sh, key, path, params)
	case List:
		member := v.svc.Shape(sh.Member.Shape)
		var keys []string
		for i := 1; ; i++ {
			k := key + ".member." + strconv.Itoa(i)
			if !v.queryPresent(params, k) {
				break
			}
			keys = append(keys, k)
		}
		v.list(sh, path, len(keys), func() []string {
			out := make([]string, len(keys))
			for i, k := range keys {
				out[i] = params.Get(k)
			}
			return out
		})
		if len(member.Enum) > 0 {
			return // answered as a whole
		}
		for i, k := range keys {
			v.queryValue(member, k, path+"."+strconv.Itoa(i+1)+".member", params)
		}
	case Map:
		kv, vv := v.svc.Shape(sh.Key.Shape), v.svc.Shape(sh.Value.Shape)
		n := 0
		for i := 1; ; i++ {
			k := key + ".entry." + strconv.Itoa(i)
			if !v.queryPresent(params, k) {
				break
			}
			n++
			ep := path + "." + strconv.Itoa(i) + ".entry"
			if v.queryPresent(params, k+".key") {
				v.queryValue(kv, k+".key", ep+".key", params)
			} else {
				v.add(Violation{Null: true, Field: ep + ".key", Constraint: mustNotBeNull, Rule: RuleNull})
			}
			if v.queryPresent(params, k+".value") {
				v.queryValue(vv, k+".value", ep+".value", params)
			}
		}
		if sh.Min != nil && int64(n) < *sh.Min {
			v.add(Violation{Field: path, Constraint: lengthGE(*sh.Min), Rule: RuleMinLength})
		}
		if sh.Max != nil && int64(n) > *sh.Max {
			v.add(Violation{Field: path, Constraint: lengthLE(*sh.Max), Rule: RuleMaxLength})
		}
	case String:
		v.str(sh, path, params.Get(key))
	case Integer, Long:
		v.number(sh, path, params.Get(key))
	case Boolean:
		// The Query protocol writes booleans as true and false; anything
		// else is refused here, before a handler decodes the member
		// (iamgate's wording, in the form of "Member must be a number": AWS's
		// answer to a malformed boolean is not published).
		if text := params.Get(key); !strings.EqualFold(text, "true") && !strings.EqualFold(text, "false") {
			shown := &text
			if v.hidden(sh) {
				shown = nil
			}
			v.add(Violation{Value: shown, Field: path, Constraint: "Member must be a boolean", Rule: RuleBoolean})
		}
	}
	// Timestamps, blobs and doubles carry no constraints in the four
	// models' inputs.
}

// DecodeError is a JSON value of the wrong type for its shape: the JSON
// protocol's SerializationException, before any validation.
type DecodeError struct {
	Field string
	Want  Type
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("the value at '%s' is not a JSON %s", e.Field, e.Want.JSONKind())
}

// ValidateJSON checks a JSON-protocol request body (the body members of a
// REST-JSON one) against an operation's input shape, as ValidateQuery
// does. body is nil for an empty body. A value of the wrong JSON type is a
// *DecodeError.
func (s *Service) ValidateJSON(operation string, body []byte) ([]Violation, error) {
	op := s.Operation(operation)
	if op == nil {
		return nil, fmt.Errorf("%s has no operation %s", s.Name, operation)
	}
	if op.Input == "" {
		return nil, nil
	}
	var doc any = map[string]any{}
	if len(strings.TrimSpace(string(body))) > 0 {
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			return nil, &DecodeError{Field: "", Want: Structure}
		}
	}
	return s.ValidateValue(operation, doc)
}

// ValidateValue checks a decoded JSON request (maps, slices, strings,
// json.Number or float64, bools) against an operation's input shape;
// members with a REST location (uri, querystring, header) are checked too,
// under their member names, when the caller puts them in the map.
func (s *Service) ValidateValue(operation string, doc any) ([]Violation, error) {
	op := s.Operation(operation)
	if op == nil {
		return nil, fmt.Errorf("%s has no operation %s", s.Name, operation)
	}
	if op.Input == "" {
		return nil, nil
	}
	v := &validator{svc: s}
	if err := v.jsonValue(s.Shape(op.Input), "", doc); err != nil {
		return nil, err
	}
	return v.vs, nil
}

func (v *validator) jsonValue(sh *Shape, path string, val any) error {
	switch sh.Type {
	case Structure:
		obj, ok := val.(map[string]any)
		if !ok {
			return &DecodeError{Field: path, Want: sh.Type}
		}
		for i := range sh.Members {
			m := &sh.Members[i]
			mp := memberPath(path, m.Name)
			msh := v.svc.Shape(m.Shape)
			x, present := obj[m.Name]
			if !present || x == nil {
				if m.Required {
					nv := Violation{Null: true, Field: mp, Constraint: mustNotBeNull, Rule: RuleNull}
					if v.hidden(msh) {
						nv.Null = false
					}
					v.add(nv)
				}
				continue
			}
			if err := v.jsonValue(msh, mp, x); err != nil {
				return err
			}
		}
	case List:
		l, ok := val.([]any)
		if !ok {
			return &DecodeError{Field: path, Want: sh.Type}
		}
		member := v.svc.Shape(sh.Member.Shape)
		// No list of the models is sparse: a null member, which a decoder
		// would read as the zero value no constraint was checked on, is
		// refused, as a Smithy server refuses it (aws/aws-sdk-js-v3#2771).
		for i, x := range l {
			if x == nil {
				return &DecodeError{Field: path + "." + strconv.Itoa(i+1) + ".member", Want: member.Type}
			}
		}
		v.list(sh, path, len(l), func() []string {
			out := make([]string, len(l))
			for i, x := range l {
				out[i] = fmt.Sprint(x)
			}
			return out
		})
		if len(member.Enum) > 0 {
			for _, x := range l {
				if _, ok := x.(string); !ok {
					return &DecodeError{Field: path + ".member", Want: String}
				}
			}
			return nil
		}
		for i, x := range l {
			if err := v.jsonValue(member, path+"."+strconv.Itoa(i+1)+".member", x); err != nil {
				return err
			}
		}
	case Map:
		obj, ok := val.(map[string]any)
		if !ok {
			return &DecodeError{Field: path, Want: sh.Type}
		}
		kv, vv := v.svc.Shape(sh.Key.Shape), v.svc.Shape(sh.Value.Shape)
		if sh.Min != nil && int64(len(obj)) < *sh.Min {
			v.add(Violation{Field: path, Constraint: lengthGE(*sh.Min), Rule: RuleMinLength})
		}
		if sh.Max != nil && int64(len(obj)) > *sh.Max {
			v.add(Violation{Field: path, Constraint: lengthLE(*sh.Max), Rule: RuleMaxLength})
		}
		for _, k := range sortedMapKeys(obj) {
			v.str(kv, path+".key", k)
			if obj[k] == nil { // no map of the models is sparse either
				return &DecodeError{Field: path + "." + k, Want: vv.Type}
			}
			if err := v.jsonValue(vv, path+"."+k, obj[k]); err != nil {
				return err
			}
		}
	case String:
		str, ok := val.(string)
		if !ok {
			return &DecodeError{Field: path, Want: sh.Type}
		}
		v.str(sh, path, str)
	case Integer, Long:
		switch n := val.(type) {
		case json.Number:
			if _, err := n.Int64(); err != nil {
				return &DecodeError{Field: path, Want: sh.Type}
			}
			v.number(sh, path, n.String())
		case float64:
			if n != float64(int64(n)) {
				return &DecodeError{Field: path, Want: sh.Type}
			}
			v.number(sh, path, strconv.FormatInt(int64(n), 10))
		default:
			return &DecodeError{Field: path, Want: sh.Type}
		}
	case Boolean:
		if _, ok := val.(bool); !ok {
			return &DecodeError{Field: path, Want: sh.Type}
		}
	case Blob:
		if _, ok := val.(string); !ok {
			return &DecodeError{Field: path, Want: sh.Type}
		}
	case Timestamp, Double, Float:
		switch val.(type) {
		case json.Number, float64, string:
		default:
			return &DecodeError{Field: path, Want: sh.Type}
		}
	}
	return nil
}

func sortedMapKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
