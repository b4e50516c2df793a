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
	var o object
	if p.Version != "" {
		o.field("Version", p.Version)
	}
	if p.ID != "" {
		o.field("Id", p.ID)
	}
	stmts := []json.RawMessage{}
	for _, s := range p.Statements {
		stmts = append(stmts, statementJSON(s))
	}
	o.field("Statement", stmts)
	return o.close()
}

// object writes a JSON object member by member, in the order given.
type object struct {
	b bytes.Buffer
}

func (o *object) field(k string, v any) {
	if o.b.Len() == 0 {
		o.b.WriteByte('{')
	} else {
		o.b.WriteByte(',')
	}
	writeJSON(&o.b, k)
	o.b.WriteByte(':')
	writeJSON(&o.b, v)
}

func (o *object) close() json.RawMessage {
	if o.b.Len() == 0 {
		o.b.WriteByte('{')
	}
	o.b.WriteByte('}')
	return json.RawMessage(o.b.Bytes())
}

func writeJSON(b *bytes.Buffer, v any) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	b.Truncate(b.Len() - 1) // the encoder's newline
}

func statementJSON(s *policy.Statement) json.RawMessage {
	var o object
	if s.HasSid {
		o.field("Sid", s.Sid)
	}
	o.field("Effect", s.Effect.String())
	if s.Principal != nil {
		o.field("Principal", principalJSON(s.Principal))
	}
	if s.NotPrincipal != nil {
		o.field("NotPrincipal", principalJSON(s.NotPrincipal))
	}
	list := func(k string, l *policy.List) {
		if l != nil {
			o.field(k, l.Texts())
		}
	}
	list("Action", s.Action)
	list("NotAction", s.NotAction)
	list("Resource", s.Resource)
	list("NotResource", s.NotResource)
	if len(s.Conditions) > 0 {
		// Operators in the order first written, each with its keys.
		var ops []string
		byOp := map[string]*object{}
		for _, c := range s.Conditions {
			keys, ok := byOp[c.OperatorText]
			if !ok {
				ops, keys = append(ops, c.OperatorText), &object{}
				byOp[c.OperatorText] = keys
			}
			keys.field(c.Key, c.Texts())
		}
		var cond object
		for _, op := range ops {
			cond.field(op, byOp[op].close())
		}
		o.field("Condition", cond.close())
	}
	return o.close()
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
