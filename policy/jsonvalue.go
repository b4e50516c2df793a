package policy

// JSONValue is one value of a JSON document with where it is: the tree
// the parser reads a policy from, for tools that point into a document
// (Access Analyzer's finding locations). Offsets are in bytes.
type JSONValue struct {
	// Kind is '{' (an object), '[' (an array) or 'v' (a string, number,
	// boolean or null).
	Kind byte
	// Start is the offset of the value's first byte, End just past its
	// last.
	Start, End int
	Members    []JSONMember // of an object, in document order
	Elems      []*JSONValue // of an array
}

// JSONMember is one member of an object: its name, the offset of the name
// (its opening quote) and its value. A name given twice is two members.
type JSONMember struct {
	Key      string
	KeyStart int
	Value    *JSONValue
}

// ParseJSON reads a document into positioned values, with the JSON grammar
// and the nesting limit the policy parser uses. Its error is the parser's
// (a *SyntaxError is not promised: only that it is not nil).
func ParseJSON(data []byte) (*JSONValue, error) {
	n, err := parseTree(data)
	if err != nil {
		return nil, err
	}
	return exportNode(n), nil
}

func exportNode(n *node) *JSONValue {
	v := &JSONValue{Kind: 'v', Start: n.off, End: n.end}
	switch n.kind {
	case kObject:
		v.Kind = '{'
		v.Members = make([]JSONMember, len(n.members))
		for i, m := range n.members {
			v.Members[i] = JSONMember{Key: m.key, KeyStart: m.keyOff, Value: exportNode(m.val)}
		}
	case kArray:
		v.Kind = '['
		v.Elems = make([]*JSONValue, len(n.elems))
		for i, e := range n.elems {
			v.Elems[i] = exportNode(e)
		}
	}
	return v
}
