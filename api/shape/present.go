package shape

import (
	"encoding"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"reflect"
	"strings"
)

// Present is v, a generated output structure (or a pointer to one), as
// encoding/xml writes it, but for one thing: an optional list member
// (tagged omitempty) that is empty but not nil is written as an empty
// element, <MatchedStatements></MatchedStatements>, where encoding/xml
// leaves every empty list out. IAM writes some optional lists so: the
// simulator's MatchedStatements and MissingContextValues are [] in the
// aws CLI's examples (awscli/examples/iam/simulate-custom-policy.rst). A
// nil list is left out, as before; so is every other empty optional
// member. Lists inside lists and structures are written the same way.
// A list member tagged without omitempty (the generator now tags every
// Query list so, and List writes a nil one as nothing) is written here
// even when nil, as the untyped simulator wrote them.
// In JSON, Present is v as encoding/json writes it.
func Present(v any) PresentValue { return PresentValue{v} }

// PresentValue is what Present returns.
type PresentValue struct{ v any }

// MarshalXML writes the value with its present empty lists.
func (p PresentValue) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	return writePresent(e, reflect.ValueOf(p.v), start)
}

// MarshalJSON writes the value as encoding/json does.
func (p PresentValue) MarshalJSON() ([]byte, error) { return json.Marshal(p.v) }

var (
	xmlMarshaler  = reflect.TypeFor[xml.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// custom reports whether t writes itself (Time, Map, List's own MarshalXML
// aside, which writePresent does in its place for lists).
func custom(t reflect.Type) bool {
	for _, m := range []reflect.Type{xmlMarshaler, textMarshaler} {
		if t.Implements(m) || reflect.PointerTo(t).Implements(m) {
			return true
		}
	}
	return false
}

// isList reports whether t is a model list (not a Blob).
func isList(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8
}

func writePresent(e *xml.Encoder, v reflect.Value, start xml.StartElement) error {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	t := v.Type()
	switch {
	case isList(t):
		if err := e.EncodeToken(start); err != nil {
			return err
		}
		member := xml.StartElement{Name: xml.Name{Local: "member"}}
		for i := range v.Len() {
			if err := writePresent(e, v.Index(i), member); err != nil {
				return err
			}
		}
		return e.EncodeToken(start.End())
	case t.Kind() == reflect.Struct && !custom(t):
		if err := e.EncodeToken(start); err != nil {
			return err
		}
		for i := range t.NumField() {
			f := t.Field(i)
			tag, ok := f.Tag.Lookup("xml")
			if !ok || !f.IsExported() {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if name == "" || name == "-" || strings.Contains(name, ">") || (opts != "" && opts != "omitempty") {
				return fmt.Errorf("shape: Present cannot write the member %s of %s (xml tag %q)", f.Name, t, tag)
			}
			fv := v.Field(i)
			if opts == "omitempty" && emptyValue(fv) && !(isList(fv.Type()) && !fv.IsNil()) {
				continue
			}
			if err := writePresent(e, fv, xml.StartElement{Name: xml.Name{Local: name}}); err != nil {
				return err
			}
		}
		return e.EncodeToken(start.End())
	}
	return e.EncodeElement(v.Interface(), start)
}

// emptyValue is encoding/xml's omitempty test.
func emptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}
