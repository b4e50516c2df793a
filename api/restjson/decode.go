package restjson

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/iamgate/iamgate/api/model"
	"github.com/iamgate/iamgate/api/shape"
)

// QueryError is a query-string member whose value its type does not take
// (an integer that is not one, a scalar given more than once).
type QueryError struct {
	Name   string
	Values []string
}

func (e *QueryError) Error() string {
	return fmt.Sprintf("%s: %q is not a value of its type", e.Name, e.Values)
}

// Decode fills in, a pointer to the generated input structure of
// operation (api/shape), from a request of svc: the body members by
// their exact names (shape.DecodeJSON), the members bound to the query
// string from query, and those bound to the URI from labels (Router).
//
// The body is checked first (CheckBody: a *BodyError); then a body value
// of the wrong JSON type for its member is a *model.DecodeError naming the
// member as AWS does ('access.1.member.actions'), members being looked at
// in the model's order; a query-string value its member's type does not
// take is a *QueryError. The model's constraints (required members,
// enums, lengths) are not checked here: the caller checks them on the
// typed input.
func Decode(svc *model.Service, operation string, body []byte, query url.Values, labels map[string]string, in any) error {
	if err := CheckBody(body); err != nil {
		return err
	}
	if err := checkTypes(svc, operation, body); err != nil {
		return err
	}
	if err := shape.DecodeJSON(body, in); err != nil {
		return err
	}
	return bind(reflect.ValueOf(in).Elem(), query, labels)
}

// checkTypes checks the JSON types of the body members against the
// operation's input shape (model.Service.ValidateValue, whose violations
// of constraints are the caller's to find); members bound elsewhere than
// the body are not read from it.
func checkTypes(svc *model.Service, operation string, body []byte) error {
	op := svc.Operation(operation)
	if op == nil || op.Input == "" || len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return bodyErrorf("The request body is not valid JSON.")
	}
	for _, m := range svc.Shape(op.Input).Members {
		if m.Location != "" {
			delete(doc, m.Name)
		}
	}
	_, err := svc.ValidateValue(operation, doc)
	return err
}

// bind sets the members of v (a generated structure) bound to the query
// string or the URI.
func bind(v reflect.Value, query url.Values, labels map[string]string) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := f.Tag.Get("locationName")
		var vals []string
		switch f.Tag.Get("location") {
		case "querystring":
			vals = query[name]
		case "uri":
			if l, ok := labels[name]; ok {
				vals = []string{l}
			}
		default:
			continue
		}
		if vals == nil {
			continue
		}
		if err := set(v.Field(i), vals); err != nil {
			return &QueryError{Name: name, Values: vals}
		}
	}
	return nil
}

// set gives a member its values: a list takes them all, a string the
// first (as url.Values.Get), any other scalar exactly one.
func set(fv reflect.Value, vals []string) error {
	t := fv.Type()
	if t.Kind() == reflect.Slice {
		l := reflect.MakeSlice(t, 0, len(vals))
		for _, s := range vals {
			e := reflect.New(t.Elem()).Elem()
			if err := set(e, []string{s}); err != nil {
				return err
			}
			l = reflect.Append(l, e)
		}
		fv.Set(l)
		return nil
	}
	if t.Kind() == reflect.Pointer {
		p := reflect.New(t.Elem())
		if err := set(p.Elem(), vals); err != nil {
			return err
		}
		fv.Set(p)
		return nil
	}
	if t.Kind() == reflect.String {
		fv.SetString(vals[0])
		return nil
	}
	if len(vals) != 1 {
		return fmt.Errorf("%d values", len(vals))
	}
	switch t.Kind() {
	case reflect.Int32, reflect.Int64, reflect.Int:
		n, err := strconv.ParseInt(vals[0], 10, t.Bits())
		if err != nil {
			return err
		}
		fv.SetInt(n)
	case reflect.Bool:
		b, err := strconv.ParseBool(vals[0])
		if err != nil {
			return err
		}
		fv.SetBool(b)
	default:
		return fmt.Errorf("a member of kind %s is not bound", t.Kind())
	}
	return nil
}
