package jsonscan_test

import (
	"encoding/json"
	"testing"

	"github.com/iamgate/iamgate/internal/jsonscan"
)

var seeds = []string{
	`{}`, `[]`, `""`, `"a\"b"`, `"\u00e9\ud83d\ude00"`, `"\ud800"`, "\"\xff\"", `"\x"`, "\"a\tb\"",
	`0`, `-0`, `01`, `1.`, `1.5e+3`, `-1E-2`, `1e`, `-`, `true`, `tru`, `null`, `nul`,
	`{"a":1,"b":[true,false,null,{"c":"d"}]}`, `{"a":1,}`, `[1,]`, `{"a" 1}`, `{"a":1 "b":2}`, ` { "k\u0041" : [ ] } `,
	`{"é":"ü"}`, `[[[[[[]]]]]]`, `{"a":}`, `[1 2]`,
}

// FuzzSkip: Skip accepts a value exactly when encoding/json finds it
// valid (leading and trailing white space aside), and returns it whole.
func FuzzSkip(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		s := jsonscan.New([]byte(doc))
		raw, ok := s.Skip()
		if ok {
			s.Peek()
			ok = s.Pos() == len(doc)
		}
		if want := json.Valid([]byte(doc)); ok != want {
			t.Fatalf("%q: Skip says %v, json.Valid %v", doc, ok, want)
		}
		if ok && !json.Valid(raw) {
			t.Fatalf("%q: Skip returned %q", doc, raw)
		}
	})
}

// FuzzString: String reads a string exactly as encoding/json decodes it,
// and refuses what encoding/json refuses.
func FuzzString(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		s := jsonscan.New([]byte(doc))
		got, ok := s.String()
		if ok {
			s.Peek()
			ok = s.Pos() == len(doc)
		}
		var want string
		err := json.Unmarshal([]byte(doc), &want)
		if err != nil && ok {
			t.Fatalf("%q: String read %q, encoding/json: %v", doc, got, err)
		}
		if ok && got != want {
			t.Fatalf("%q: String read %q, encoding/json %q", doc, got, want)
		}
		if err == nil && !ok && len(doc) > 0 && doc[0] == '"' {
			t.Fatalf("%q: String refused it, encoding/json read %q", doc, want)
		}
	})
}

// TestNames: a name that folds to a decoder's name, ASCII or not
// (encoding/json folds the Kelvin sign to k), is not skippable.
func TestNames(t *testing.T) {
	n := jsonscan.NewNames("eventTime", "kind")
	for key, want := range map[string]bool{"eventTime": false, "EVENTTIME": false, "eventtime": false, "\u212aind": false,
		"eventTimes": true, "other": true, "ünknown": true} {
		if got := n.Skippable([]byte(key)); got != want {
			t.Errorf("Skippable(%q) = %v, want %v", key, got, want)
		}
	}
}

// TestIntAndBool: integers as encoding/json reads them into an int64.
func TestIntAndBool(t *testing.T) {
	for _, doc := range []string{"12", "-3", "0", "1.5", "1e2", "99999999999999999999", "-", "01"} {
		s := jsonscan.New([]byte(doc))
		n, ok := s.Int()
		ok = ok && s.Pos() == len(doc)
		var v int64
		err := json.Unmarshal([]byte(doc), &v)
		if ok != (err == nil) || n != v {
			t.Errorf("Int(%q) = %d %v, encoding/json %d %v", doc, n, ok, v, err)
		}
	}
	for doc, want := range map[string]bool{"true": true, "false": false} {
		if v, ok := jsonscan.New([]byte(doc)).Bool(); !ok || v != want {
			t.Errorf("Bool(%q) = %v %v", doc, v, ok)
		}
	}
}
