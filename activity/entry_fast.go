package activity

import (
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/internal/jsonscan"
)

// The audit log's entries are read without reflection (jsonscan) where
// they have the form audit.Entry's JSON has; whatever the fast decoder is
// not sure of (a null, a repeated member, a member named in another case,
// a syntax error or a value of another type) is decoded with
// encoding/json, so the events are those FromEntry makes of what
// encoding/json decodes, and an entry encoding/json refuses is refused.

var (
	entryNames     = jsonscan.NewNames("seq", "time", "requestId", "account", "caller", "accessKeyId", "sourceIp", "region", "service", "operation", "outcome", "decisions", "source")
	decisionNames  = jsonscan.NewNames("action", "resource", "decision", "layer", "statement", "principal", "inferred")
	statementNames = jsonscan.NewNames("policyType", "policyName", "policyIndex", "level", "statementIndex", "sid", "effect", "line", "column")
)

// seen tells each member of an object is read at most once.
type seen uint32

func (o *seen) first(bit int) bool {
	if *o&(1<<bit) != 0 {
		return false
	}
	*o |= 1 << bit
	return true
}

// loop reads an object's or array's members or elements: each calls
// next, which reads one; false when the syntax is not as expected.
func loop(s *jsonscan.Scanner, open, closing byte, next func() bool) bool {
	if !s.Consume(open) {
		return false
	}
	for first := true; ; first = false {
		more, ok := s.More(closing, first)
		if !ok {
			return false
		}
		if !more {
			return true
		}
		if !next() {
			return false
		}
	}
}

// str reads a string member into *dst.
func str(s *jsonscan.Scanner, o *seen, bit int, dst *string) bool {
	if !o.first(bit) {
		return false
	}
	v, ok := s.String()
	*dst = v
	return ok
}

// stringOnly checks a string member the event does not keep.
func stringOnly(s *jsonscan.Scanner, o *seen, bit int) bool {
	if !o.first(bit) || s.Peek() != '"' {
		return false
	}
	_, ok := s.Skip()
	return ok
}

func intOnly(s *jsonscan.Scanner, o *seen, bit int) bool {
	if !o.first(bit) {
		return false
	}
	_, ok := s.Int()
	return ok
}

// other skips a member no field is named after, case aside.
func other(s *jsonscan.Scanner, names *jsonscan.Names, key []byte) bool {
	if !names.Skippable(key) {
		return false
	}
	_, ok := s.Skip()
	return ok
}

// eventFast reads an audit entry's JSON as the event FromEntry makes of
// it; false: decode it with encoding/json.
func eventFast(data []byte, ev *Event) bool {
	s := jsonscan.New(data)
	var o seen
	ok := loop(s, '{', '}', func() bool {
		key, ok := s.Key()
		if !ok {
			return false
		}
		switch string(key) {
		case "seq":
			return intOnly(s, &o, 0)
		case "time":
			if !o.first(1) {
				return false
			}
			tok, ok := s.StringToken()
			return ok && ev.Time.UnmarshalJSON(tok) == nil
		case "requestId":
			return stringOnly(s, &o, 2)
		case "account":
			return str(s, &o, 3, &ev.Account)
		case "caller":
			return str(s, &o, 4, &ev.Caller)
		case "accessKeyId":
			return str(s, &o, 5, &ev.AccessKey)
		case "sourceIp":
			return str(s, &o, 6, &ev.SourceIP)
		case "region":
			return str(s, &o, 7, &ev.Region)
		case "service":
			return str(s, &o, 8, &ev.Service)
		case "operation":
			return str(s, &o, 9, &ev.Operation)
		case "outcome":
			return stringOnly(s, &o, 10)
		case "decisions":
			return o.first(11) && loop(s, '[', ']', func() bool { return decisionFast(s, ev) })
		case "source":
			return str(s, &o, 12, &ev.Source)
		}
		return other(s, entryNames, key)
	})
	if !ok {
		return false
	}
	s.Peek()
	return s.Pos() == len(data)
}

// decisionFast reads one of the entry's decisions: a call of the
// caller's when it names no other principal.
func decisionFast(s *jsonscan.Scanner, ev *Event) bool {
	var o seen
	var c Call
	var decision, principal string
	ok := loop(s, '{', '}', func() bool {
		key, ok := s.Key()
		if !ok {
			return false
		}
		switch string(key) {
		case "action":
			return str(s, &o, 0, &c.Action)
		case "resource":
			return str(s, &o, 1, &c.Resource)
		case "decision":
			return str(s, &o, 2, &decision)
		case "layer":
			return stringOnly(s, &o, 3)
		case "statement":
			return o.first(4) && statementFast(s)
		case "principal":
			return str(s, &o, 5, &principal)
		case "inferred":
			if !o.first(6) {
				return false
			}
			c.Inferred, ok = s.Bool()
			return ok
		}
		return other(s, decisionNames, key)
	})
	if ok && principal == "" {
		c.Allowed = decision == engine.Allowed.String()
		ev.Calls = append(ev.Calls, c)
	}
	return ok
}

// statementFast checks a decision's statement (engine.MatchedStatement).
func statementFast(s *jsonscan.Scanner) bool {
	var o seen
	return loop(s, '{', '}', func() bool {
		key, ok := s.Key()
		if !ok {
			return false
		}
		switch string(key) {
		case "policyType":
			return stringOnly(s, &o, 0)
		case "policyName":
			return stringOnly(s, &o, 1)
		case "policyIndex":
			return intOnly(s, &o, 2)
		case "level":
			return intOnly(s, &o, 3)
		case "statementIndex":
			return intOnly(s, &o, 4)
		case "sid":
			return stringOnly(s, &o, 5)
		case "effect":
			return stringOnly(s, &o, 6)
		case "line":
			return intOnly(s, &o, 7)
		case "column":
			return intOnly(s, &o, 8)
		}
		return other(s, statementNames, key)
	})
}
