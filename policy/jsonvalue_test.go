package policy_test

import (
	"testing"

	"github.com/iamgate/iamgate/policy"
)

// TestParseJSONSpans: every value's span is its text in the document, a
// repeated name is kept twice, and what is not one JSON value is refused.
func TestParseJSONSpans(t *testing.T) {
	doc := []byte(`{"Version": "2012-10-17", "Statement": [ {"Effect":"Allow", "Effect" : true, "N": -1.5e3, "X": null} ] }  `)
	v, err := policy.ParseJSON(doc)
	if err != nil {
		t.Fatal(err)
	}
	text := func(x *policy.JSONValue) string { return string(doc[x.Start:x.End]) }
	if v.Kind != '{' || text(v) != string(doc[:len(doc)-2]) {
		t.Fatalf("root %c %q", v.Kind, text(v))
	}
	st := v.Members[1].Value
	if v.Members[1].Key != "Statement" || string(doc[v.Members[1].KeyStart]) != `"` || st.Kind != '[' || len(st.Elems) != 1 {
		t.Fatalf("statement member %+v", v.Members[1])
	}
	s := st.Elems[0]
	want := []struct{ key, text string }{{"Effect", `"Allow"`}, {"Effect", "true"}, {"N", "-1.5e3"}, {"X", "null"}}
	if len(s.Members) != len(want) {
		t.Fatalf("members %+v", s.Members)
	}
	for i, w := range want {
		if m := s.Members[i]; m.Key != w.key || text(m.Value) != w.text || m.Value.Kind != 'v' {
			t.Errorf("member %d: %q %q, want %q %q", i, m.Key, text(m.Value), w.key, w.text)
		}
	}
	for _, bad := range []string{``, `{`, `{} {}`, `{"a":}`, `[1,]`} {
		if _, err := policy.ParseJSON([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
