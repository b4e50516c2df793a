package inherit

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// The operators (the User Guide, "Inheritance operators").
const (
	opAssign   = "@@assign"
	opAppend   = "@@append"
	opRemove   = "@@remove"
	opChildren = "@@operators_allowed_for_child_policies"
)

// ops is a set of value-setting operators.
type ops uint8

const (
	canAssign ops = 1 << iota
	canAppend
	canRemove
	all = canAssign | canAppend | canRemove
)

// Effective merges the policies that apply to an account into its
// effective policy. levels run from the root down to the account; each
// holds the policies attached at that level in the order they were
// attached. A policy that is not a JSON object adds nothing (the service
// checks policies when they are created). The result is the effective
// document without operators: each setting's value under its keys, in the
// order the keys were first seen.
//
// The rules, each from the User Guide's "Inheritance operators" and
// "Policy inheritance examples":
//   - @@assign overwrites the inherited value, scalar or array (example 1);
//   - @@append adds to an inherited array, or sets it when nothing is
//     inherited (example 2); @@remove takes values out of it (example 3);
//     both are for multi-valued settings only, so on a scalar they do
//     nothing;
//   - @@operators_allowed_for_child_policies restricts the operators of
//     the policies attached below its own level, on its setting and every
//     setting under it; a restriction once made cannot be undone below
//     (example 4), and restrictions made at the same level intersect
//     (example 5); @@all is every operator and @@none none;
//   - of the policies attached at one level, the first attached that
//     assigns a setting sets it: a later @@assign at the same level does
//     not overwrite it (example 6).
//
// iamgate's choices where the guide is silent: a value written without an
// operator is an @@assign; @@append adds a value only once; a setting
// whose last value was removed, or that holds no value (only a child
// control operator), is left out, as example 3's effective policy leaves
// out the enforced_for it removed.
func Effective(levels [][][]byte) []byte {
	root := newNode()
	for level, docs := range levels {
		for _, doc := range docs {
			v, err := parse(doc)
			if err != nil {
				continue
			}
			if obj, ok := v.(*object); ok {
				root.apply(obj, level, all)
			}
		}
	}
	var b bytes.Buffer
	root.write(&b)
	if b.Len() == 0 {
		return []byte("{}")
	}
	return b.Bytes()
}

// node is one setting of the effective policy: a value, settings under
// it, or both.
type node struct {
	value    any
	hasValue bool
	// assignedAt is the level whose policy last assigned the value (-1:
	// none).
	assignedAt int
	keys       []string
	children   map[string]*node
	// limits are the child control operators of the setting, each with
	// the level it was attached at.
	limits []limit
}

type limit struct {
	level int
	allow ops
}

func newNode() *node { return &node{assignedAt: -1, children: map[string]*node{}} }

func (n *node) child(k string) *node {
	c, ok := n.children[k]
	if !ok {
		c = newNode()
		n.children[k] = c
		n.keys = append(n.keys, k)
	}
	return c
}

// allowed narrows inherited (what the settings above allow a policy of
// level) by the setting's own limits from the levels above.
func (n *node) allowed(inherited ops, level int) ops {
	for _, l := range n.limits {
		if l.level < level {
			inherited &= l.allow
		}
	}
	return inherited
}

// apply merges one policy's object for this setting, of a policy attached
// at level; inherited are the operators the settings above allow it.
func (n *node) apply(obj *object, level int, inherited ops) {
	allow := n.allowed(inherited, level)
	if raw, ok := obj.get(opChildren); ok {
		n.limits = append(n.limits, limit{level: level, allow: parseOps(raw)})
	}
	for _, k := range obj.keys {
		v := obj.vals[k]
		switch k {
		case opAssign:
			if allow&canAssign != 0 && !(n.hasValue && n.assignedAt == level) {
				n.value, n.hasValue, n.assignedAt = v, true, level
			}
		case opAppend:
			if list, ok := v.([]any); ok && allow&canAppend != 0 {
				n.append(list)
			}
		case opRemove:
			if list, ok := v.([]any); ok && allow&canRemove != 0 {
				n.remove(list)
			}
		default:
			if strings.HasPrefix(k, "@@") {
				continue // another operator: nothing of the guide's
			}
			c := n.child(k)
			if sub, ok := v.(*object); ok {
				c.apply(sub, level, allow)
			} else {
				// A value without an operator is an @@assign of it.
				c.apply(&object{keys: []string{opAssign}, vals: map[string]any{opAssign: v}}, level, allow)
			}
		}
	}
}

func (n *node) append(list []any) {
	cur, isList := n.value.([]any)
	if n.hasValue && !isList {
		return // a scalar: @@append is for multi-valued settings only
	}
	out := append([]any{}, cur...)
	for _, v := range list {
		if !contains(out, v) {
			out = append(out, v)
		}
	}
	n.value, n.hasValue = out, true
}

func (n *node) remove(list []any) {
	cur, isList := n.value.([]any)
	if !n.hasValue || !isList {
		return
	}
	var out []any
	for _, v := range cur {
		if !contains(list, v) {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		n.value, n.hasValue = nil, false
		return
	}
	n.value = out
}

// parseOps reads a child control operator's list: @@all, @@none or
// value-setting operators; anything else in it allows nothing.
func parseOps(v any) ops {
	list, ok := v.([]any)
	if !ok {
		return 0
	}
	var o ops
	for _, e := range list {
		switch e {
		case "@@all":
			o |= all
		case opAssign:
			o |= canAssign
		case opAppend:
			o |= canAppend
		case opRemove:
			o |= canRemove
		}
	}
	for _, e := range list {
		if e == "@@none" {
			return 0
		}
	}
	return o
}

// write writes the setting's effective value: its value when it has no
// settings under it, else an object of them (and nothing when it holds
// neither).
func (n *node) write(b *bytes.Buffer) {
	var kids []string
	for _, k := range n.keys {
		if n.children[k].present() {
			kids = append(kids, k)
		}
	}
	if len(kids) == 0 {
		if n.hasValue {
			writeValue(b, n.value)
		}
		return
	}
	writeObject(b, kids, func(k string) { n.children[k].write(b) })
}

// writeObject writes an object of keys, value writing each one's value.
func writeObject(b *bytes.Buffer, keys []string, value func(k string)) {
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		writeValue(b, k)
		b.WriteByte(':')
		value(k)
	}
	b.WriteByte('}')
}

func (n *node) present() bool {
	if n.hasValue {
		return true
	}
	for _, c := range n.children {
		if c.present() {
			return true
		}
	}
	return false
}

// --- JSON with the order of keys kept ---

// object is a JSON object whose keys keep their order; a key given twice
// keeps its first place and its last value.
type object struct {
	keys []string
	vals map[string]any
}

func (o *object) get(k string) (any, bool) { v, ok := o.vals[k]; return v, ok }

var errSyntax = errors.New("inherit: not JSON")

// parse reads one JSON value; numbers stay json.Number.
func parse(doc []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	v, err := parseValue(d)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errSyntax
	}
	return v, nil
}

func parseValue(d *json.Decoder) (any, error) {
	t, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t {
	case json.Delim('{'):
		o := &object{vals: map[string]any{}}
		for d.More() {
			kt, err := d.Token()
			if err != nil {
				return nil, err
			}
			k, ok := kt.(string)
			if !ok {
				return nil, errSyntax
			}
			v, err := parseValue(d)
			if err != nil {
				return nil, err
			}
			if _, dup := o.vals[k]; !dup {
				o.keys = append(o.keys, k)
			}
			o.vals[k] = v
		}
		if _, err := d.Token(); err != nil {
			return nil, err
		}
		return o, nil
	case json.Delim('['):
		list := []any{}
		for d.More() {
			v, err := parseValue(d)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		if _, err := d.Token(); err != nil {
			return nil, err
		}
		return list, nil
	case json.Delim('}'), json.Delim(']'):
		return nil, errSyntax
	}
	return t, nil
}

func writeValue(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case *object:
		writeObject(b, x.keys, func(k string) { writeValue(b, x.vals[k]) })
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeValue(b, e)
		}
		b.WriteByte(']')
	default:
		// Strings as written (no HTML escaping), without the encoder's
		// newline.
		var e bytes.Buffer
		enc := json.NewEncoder(&e)
		enc.SetEscapeHTML(false)
		if enc.Encode(x) != nil {
			b.WriteString("null")
			return
		}
		b.Write(bytes.TrimSuffix(e.Bytes(), []byte("\n")))
	}
}

// contains reports v in list, values compared by their JSON.
func contains(list []any, v any) bool {
	var want bytes.Buffer
	writeValue(&want, v)
	for _, e := range list {
		var got bytes.Buffer
		writeValue(&got, e)
		if bytes.Equal(got.Bytes(), want.Bytes()) {
			return true
		}
	}
	return false
}
