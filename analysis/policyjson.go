package analysis

import (
	"bytes"
	"encoding/json"

	"github.com/iamgate/iamgate/policy"
)

// PolicyJSON writes a parsed policy back as a JSON policy document that
// policy.Parse reads as the same policy (element order as AWS writes it;
// positions and warnings are not kept).
func PolicyJSON(p *policy.Policy) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	field := func(k string, v any) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeJSON(&b, k)
		b.WriteByte(':')
		writeJSON(&b, v)
	}
	if p.Version != "" {
		field("Version", p.Version)
	}
	if p.ID != "" {
		field("Id", p.ID)
	}
	var stmts []json.RawMessage
	for _, s := range p.Statements {
		stmts = append(stmts, statementJSON(s))
	}
	if stmts == nil {
		stmts = []json.RawMessage{}
	}
	field("Statement", stmts)
	b.WriteByte('}')
	return json.RawMessage(b.Bytes())
}

func writeJSON(b *bytes.Buffer, v any) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	b.Truncate(b.Len() - 1) // the encoder's newline
}

func statementJSON(s *policy.Statement) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	field := func(k string, v any) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeJSON(&b, k)
		b.WriteByte(':')
		writeJSON(&b, v)
	}
	if s.HasSid {
		field("Sid", s.Sid)
	}
	field("Effect", s.Effect.String())
	if s.Principal != nil {
		field("Principal", principalJSON(s.Principal))
	}
	if s.NotPrincipal != nil {
		field("NotPrincipal", principalJSON(s.NotPrincipal))
	}
	list := func(k string, l *policy.List) {
		if l != nil {
			field(k, l.Texts())
		}
	}
	list("Action", s.Action)
	list("NotAction", s.NotAction)
	list("Resource", s.Resource)
	list("NotResource", s.NotResource)
	if len(s.Conditions) > 0 {
		var cb bytes.Buffer
		cb.WriteByte('{')
		var ops []string
		byOp := map[string][]*policy.Condition{}
		for _, c := range s.Conditions {
			if _, ok := byOp[c.OperatorText]; !ok {
				ops = append(ops, c.OperatorText)
			}
			byOp[c.OperatorText] = append(byOp[c.OperatorText], c)
		}
		for i, op := range ops {
			if i > 0 {
				cb.WriteByte(',')
			}
			writeJSON(&cb, op)
			cb.WriteString(":{")
			for j, c := range byOp[op] {
				if j > 0 {
					cb.WriteByte(',')
				}
				writeJSON(&cb, c.Key)
				cb.WriteByte(':')
				writeJSON(&cb, c.Texts())
			}
			cb.WriteByte('}')
		}
		cb.WriteByte('}')
		field("Condition", json.RawMessage(cb.Bytes()))
	}
	b.WriteByte('}')
	return json.RawMessage(b.Bytes())
}

func principalJSON(p *policy.Principal) any {
	if p.Wildcard {
		return "*"
	}
	m := map[string][]string{}
	add := func(k string, vs []policy.Value) {
		for _, v := range vs {
			m[k] = append(m[k], v.Text)
		}
	}
	add("AWS", p.AWS)
	add("Service", p.Service)
	add("Federated", p.Federated)
	add("CanonicalUser", p.CanonicalUser)
	return m
}
