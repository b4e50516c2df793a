package shape

import "reflect"

// A Query protocol list member is written as its element when the list is
// not nil, even when it is empty (<Tags></Tags>), and left out when it is
// nil: so a handler tells an optional list it has nothing in
// (GetAccountAuthorizationDetails' empty UserPolicyList, written) from
// one it leaves out (a user's Tags when it has none). A required list
// member, tagged shape:"required" by the generator, is written in any
// case: WithRequired makes each nil one empty before the result is
// written.

// listShape is implemented by List, so that WithRequired knows its lists.
type listShape interface{ isList() }

func (List[T]) isList() {}

var listType = reflect.TypeFor[listShape]()

// WithRequired returns result, to be written as the Query protocol's XML,
// with every nil List member tagged shape:"required" made empty, at any
// depth (in structures, lists and pointers; not in maps). A result that is
// not a pointer is copied first; one that is has its lists set in place.
func WithRequired(result any) any {
	if result == nil {
		return nil
	}
	v := reflect.ValueOf(result)
	if v.Kind() != reflect.Pointer {
		p := reflect.New(v.Type())
		p.Elem().Set(v)
		v, result = p, p.Interface()
	}
	fillRequired(v, 0)
	return result
}

// maxDepth bounds the walk (the models' shapes nest a few levels; a
// cyclic value must not loop).
const maxDepth = 32

func fillRequired(v reflect.Value, depth int) {
	if depth > maxDepth {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			fillRequired(v.Elem(), depth+1)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			sf, f := t.Field(i), v.Field(i)
			if !sf.IsExported() && !sf.Anonymous {
				continue
			}
			if f.Kind() == reflect.Slice && f.IsNil() && f.CanSet() && sf.Tag.Get("shape") == "required" && f.Type().Implements(listType) {
				f.Set(reflect.MakeSlice(f.Type(), 0, 0))
				continue
			}
			fillRequired(f, depth+1)
		}
	case reflect.Slice, reflect.Array:
		switch v.Type().Elem().Kind() {
		case reflect.Struct, reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Array:
		default:
			return // strings, numbers, a Blob's bytes: no lists in them
		}
		for i := 0; i < v.Len(); i++ {
			fillRequired(v.Index(i), depth+1)
		}
	}
}
