package shape

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
)

// ErrNotJSON is a body that is not one JSON value.
var ErrNotJSON = errors.New("shape: the body is not valid JSON")

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// DecodeJSON fills in, a pointer to a generated input structure, from a
// JSON request body (of the JSON or REST-JSON protocol) that the model's
// validation has checked. It reads the members the validation read and no
// other: Go's JSON decoder matches names without regard to case, so
// {"PolicyId":"p-valid","policyid":"x"} would give PolicyId the unchecked
// "x"; a name that is not exactly a member's is left out first, at every
// depth, as AWS ignores a member it does not have, and so is a null
// member. Members tagged json:"-" (a REST-JSON member bound to the URI, the
// query string or a header) are not read from the body. An empty body
// fills nothing.
//
// The error is ErrNotJSON for a body that is not JSON, or the decoder's
// (a *json.UnmarshalTypeError, with the member's path in Field) for a
// value the member's type does not take: an integer past int32, a
// timestamp that is not one, a string where a list is.
func DecodeJSON(body []byte, in any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	d := json.NewDecoder(strings.NewReader(string(body)))
	d.UseNumber()
	var doc any
	if err := d.Decode(&doc); err != nil {
		return ErrNotJSON
	}
	b, err := json.Marshal(exactMembers(doc, reflect.TypeOf(in)))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, in)
}

// exactMembers is v, decoded JSON, with only the object members whose
// names are exactly those of t's fields (by their json tags), at every
// depth; null members are left out. A value of a type that reads itself
// (Time, json.RawMessage documents) is kept as it is.
func exactMembers(v any, t reflect.Type) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) || t == reflect.TypeFor[json.RawMessage]() {
		return v
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return v
		}
		out := map[string]any{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			if x, ok := obj[name]; ok && x != nil {
				out[name] = exactMembers(x, f.Type)
			}
		}
		return out
	case reflect.Slice:
		l, ok := v.([]any)
		if !ok {
			return v
		}
		out := make([]any, len(l))
		for i, x := range l {
			out[i] = exactMembers(x, t.Elem())
		}
		return out
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return v
		}
		out := make(map[string]any, len(obj))
		for k, x := range obj {
			out[k] = exactMembers(x, t.Elem())
		}
		return out
	}
	return v
}
