package shape

import (
	"encoding"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// DecodeError is a parameter DecodeQuery could not read into its member:
// a value api/model's validation let through but the member's type does
// not take (it should not happen for a request validated first).
type DecodeError struct {
	Param string
	Err   error
}

func (e *DecodeError) Error() string { return fmt.Sprintf("parameter %s: %v", e.Param, e.Err) }

func (e *DecodeError) Unwrap() error { return e.Err }

// DecodeQuery fills v, a pointer to a generated input structure, from a
// Query request's parameters, by the members' `query` tags: a scalar is
// Name, a structure's members Name.Member, a list's members
// Name.member.N (N from 1; a present empty Name is the empty list), a
// map's entries Name.entry.N.key and Name.entry.N.value. Parameters no
// member names are ignored (the model's validation refuses them first).
func DecodeQuery(params url.Values, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("shape: DecodeQuery needs a pointer to a structure, not %T", v)
	}
	d := queryDecoder{params: params}
	return d.structure("", rv.Elem())
}

type queryDecoder struct {
	params url.Values
	// names are the parameter names, sorted, for finding the structures
	// and list members present (made on first use).
	names []string
}

// present reports whether a parameter is under prefix (prefix.x). The
// names are sorted once and searched: indexing every dotted prefix of
// every name cost a second of CPU for one name of 250,000 dots.
func (d *queryDecoder) present(prefix string) bool {
	if d.names == nil {
		d.names = make([]string, 0, len(d.params))
		for k := range d.params {
			d.names = append(d.names, k)
		}
		sort.Strings(d.names)
	}
	under := prefix + "."
	i := sort.SearchStrings(d.names, under)
	return i < len(d.names) && strings.HasPrefix(d.names[i], under)
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

func (d *queryDecoder) structure(prefix string, sv reflect.Value) error {
	st := sv.Type()
	for i := range st.NumField() {
		f := st.Field(i)
		name, ok := f.Tag.Lookup("query")
		if !ok || name == "-" {
			continue
		}
		if err := d.value(prefix+name, sv.Field(i)); err != nil {
			return err
		}
	}
	return nil
}

// value decodes the parameter (or parameters) named key into fv.
func (d *queryDecoder) value(key string, fv reflect.Value) error {
	t := fv.Type()
	if t.Kind() == reflect.Pointer {
		if !d.has(key, t.Elem()) {
			return nil
		}
		p := reflect.New(t.Elem())
		if err := d.value(key, p.Elem()); err != nil {
			return err
		}
		fv.Set(p)
		return nil
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) && t.Kind() != reflect.Slice {
		s, ok := d.params[key]
		if !ok {
			return nil
		}
		if err := fv.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s[0])); err != nil {
			return &DecodeError{key, err}
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		return d.structure(key+".", fv)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 { // Blob
			s, ok := d.params[key]
			if !ok {
				return nil
			}
			return fv.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s[0]))
		}
		return d.list(key, fv)
	case reflect.Map:
		return d.mapping(key, fv)
	}
	s, ok := d.params[key]
	if !ok {
		return nil
	}
	text := s[0]
	switch t.Kind() {
	case reflect.String:
		fv.SetString(text)
	case reflect.Bool:
		// true or false in any case, as api/model's validation admits.
		switch {
		case strings.EqualFold(text, "true"):
			fv.SetBool(true)
		case strings.EqualFold(text, "false"):
			fv.SetBool(false)
		default:
			return &DecodeError{key, fmt.Errorf("%q is not a boolean", text)}
		}
	case reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(text), 10, t.Bits())
		if err != nil {
			return &DecodeError{key, err}
		}
		fv.SetInt(n)
	case reflect.Float32, reflect.Float64:
		n, err := strconv.ParseFloat(strings.TrimSpace(text), t.Bits())
		if err != nil {
			return &DecodeError{key, err}
		}
		fv.SetFloat(n)
	default:
		return &DecodeError{key, fmt.Errorf("no Query decoding for %s", t)}
	}
	return nil
}

// has reports whether key, of type t, is in the request.
func (d *queryDecoder) has(key string, t reflect.Type) bool {
	if _, ok := d.params[key]; ok {
		return true
	}
	if t.Kind() == reflect.Struct && !reflect.PointerTo(t).Implements(textUnmarshaler) {
		return d.present(key)
	}
	return false
}

func (d *queryDecoder) list(key string, fv reflect.Value) error {
	elem := fv.Type().Elem()
	out := reflect.MakeSlice(fv.Type(), 0, 0)
	for n := 1; ; n++ {
		k := key + ".member." + strconv.Itoa(n)
		if !d.has(k, elem) {
			break
		}
		ev := reflect.New(elem).Elem()
		if err := d.value(k, ev); err != nil {
			return err
		}
		out = reflect.Append(out, ev)
	}
	if out.Len() == 0 {
		if _, ok := d.params[key]; !ok {
			return nil
		}
	}
	fv.Set(out)
	return nil
}

func (d *queryDecoder) mapping(key string, fv reflect.Value) error {
	t := fv.Type()
	out := reflect.MakeMap(t)
	for n := 1; ; n++ {
		k := key + ".entry." + strconv.Itoa(n)
		kv, ok := d.params[k+".key"]
		if !ok {
			break
		}
		ev := reflect.New(t.Elem()).Elem()
		if err := d.value(k+".value", ev); err != nil {
			return err
		}
		out.SetMapIndex(reflect.ValueOf(kv[0]).Convert(t.Key()), ev)
	}
	if out.Len() == 0 && !d.present(key) {
		if _, ok := d.params[key]; !ok {
			return nil
		}
	}
	fv.Set(out)
	return nil
}
