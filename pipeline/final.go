package pipeline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/validate"
	"github.com/iamgate/iamgate/wildcard"
)

// managed returns a managed policy's default document from the world.
func (c *checker) managed(arn string) ([]byte, *policy.Policy, error) {
	mp, ok := c.env.World.ManagedPolicy(arn)
	if !ok || mp.Default() == nil {
		return nil, nil, fmt.Errorf("managed policy %s does not exist", arn)
	}
	doc := mp.Default().JSON
	p, err := policy.Parse(arn, doc)
	if err != nil {
		return nil, nil, fmt.Errorf("managed policy %s: %v", arn, err)
	}
	return doc, p, nil
}

// boundary checks that every action a statement grants, on every resource
// it names, is allowed by the reference boundary. A resource pattern is
// taken as written: the boundary must allow it as a whole (a boundary on
// arn:aws:s3:::team-a-* allows arn:aws:s3:::team-a-logs and
// arn:aws:s3:::team-a-*, not *). A boundary statement with conditions
// allows only statements that carry the same condition, with values
// within the boundary's. Unconditional Deny statements of the boundary
// count; conditional ones are not weighed.
func (c *checker) boundary(rs *Ruleset, r *Rule) {
	arn := c.env.Guardrails.policyARN(r.Boundary)
	_, bp, err := c.managed(arn)
	if err != nil {
		c.cfgErr = &ConfigError{fmt.Errorf("ruleset %s, rule %s: reference boundary: %w", rs.Name, r.ID, err)}
		return
	}
	for _, g := range c.granted {
		resources := []policy.Value{{Text: "*"}}
		if g.st.Resource != nil {
			resources = g.st.Resource.Values
		}
		var bad []string
		var first policy.Value
		for _, a := range g.actions {
			for _, rv := range resources {
				if !boundaryAllows(bp, a.FullName(), rv.Text, g.st) {
					if len(bad) == 0 {
						first = g.via[a]
					}
					bad = append(bad, a.FullName()+" on "+rv.Text)
					break
				}
			}
		}
		for _, v := range g.unknown {
			bad = append(bad, v.Text)
		}
		if len(bad) == 0 {
			continue
		}
		c.add(rs, r, g, first.Pos, g.st.Path, fmt.Sprintf("statement %s grants %s, beyond the reference boundary %s", g.name, some(bad, "; "), arn),
			"grant only what "+arn+" allows")
	}
}

func matchesAction(b *policy.Statement, action string) bool {
	switch {
	case b.Action != nil:
		for _, v := range b.Action.Values {
			if wildcard.MatchFold(v.Text, action) {
				return true
			}
		}
		return false
	case b.NotAction != nil:
		for _, v := range b.NotAction.Values {
			if wildcard.MatchFold(v.Text, action) {
				return false
			}
		}
		return true
	}
	return false
}

func matchesResource(b *policy.Statement, res string) bool {
	switch {
	case b.Resource != nil:
		for _, v := range b.Resource.Values {
			if wildcard.Match(v.Text, res) {
				return true
			}
		}
		return false
	case b.NotResource != nil:
		for _, v := range b.NotResource.Values {
			if wildcard.Match(v.Text, res) {
				return false
			}
		}
		return true
	}
	return false
}

func boundaryAllows(bp *policy.Policy, action, res string, st *policy.Statement) bool {
	allowed := false
	for _, b := range bp.Statements {
		if !matchesAction(b, action) || !matchesResource(b, res) {
			continue
		}
		if b.Effect == policy.Deny {
			if len(b.Conditions) == 0 {
				return false
			}
			continue
		}
		if implied(b.Conditions, st.Conditions) {
			allowed = true
		}
	}
	return allowed
}

// implied reports whether a statement's conditions hold it within the
// boundary's: each boundary condition appears in the statement with the
// same key and operator, every statement value within the boundary's.
func implied(boundary, have []*policy.Condition) bool {
	for _, bc := range boundary {
		ok := false
		for _, sc := range have {
			if !strings.EqualFold(bc.Key, sc.Key) || !strings.EqualFold(bc.OperatorText, sc.OperatorText) || len(sc.Values) == 0 {
				continue
			}
			ok = true
			for _, v := range sc.Values {
				if !valueWithin(bc.OperatorText, bc.Values, v.Text) {
					ok = false
					break
				}
			}
			if ok {
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func valueWithin(op string, allowed []policy.Value, v string) bool {
	l := strings.ToLower(op)
	for _, a := range allowed {
		switch {
		case strings.Contains(l, "like"):
			if wildcard.Match(a.Text, v) {
				return true
			}
		case strings.Contains(l, "ignorecase"):
			if strings.EqualFold(a.Text, v) {
				return true
			}
		default:
			if a.Text == v {
				return true
			}
		}
	}
	return false
}

// finish appends the central denies and checks the result.
func (c *checker) finish(res *Result, sets []*Ruleset) (*Result, error) {
	g := c.env.Guardrails
	var denies []string // compact statement JSON
	seenPolicy := map[string]bool{}
	seenSid := map[string]bool{}
	for _, rs := range sets {
		if rs.MandatoryDenies == "" {
			continue
		}
		arn := g.policyARN(rs.MandatoryDenies)
		if seenPolicy[arn] {
			continue
		}
		seenPolicy[arn] = true
		doc, dp, err := c.managed(arn)
		if err != nil {
			return nil, &ConfigError{fmt.Errorf("ruleset %s: mandatory denies: %w", rs.Name, err)}
		}
		for _, f := range validate.Policy(dp, doc, validate.Options{Type: validate.Identity, Catalog: c.env.Catalog}) {
			if f.Type == validate.Error {
				return nil, &ConfigError{fmt.Errorf("ruleset %s: mandatory denies %s are malformed: %s", rs.Name, arn, f)}
			}
		}
		stmts, err := statements(doc)
		if err != nil || len(stmts) != len(dp.Statements) {
			return nil, &ConfigError{fmt.Errorf("ruleset %s: mandatory denies %s: cannot read its statements: %v", rs.Name, arn, err)}
		}
		for i, st := range dp.Statements {
			if st.Effect != policy.Deny {
				return nil, &ConfigError{fmt.Errorf("ruleset %s: mandatory denies %s: %s is not a Deny; the pipeline appends only Deny statements, which cannot widen a policy", rs.Name, arn, stmtName(st))}
			}
			if st.Action != nil {
				live := false
				for _, v := range st.Action.Values {
					if len(c.expand(v.Text)) > 0 {
						live = true
					}
				}
				if !live {
					return nil, &ConfigError{fmt.Errorf("ruleset %s: mandatory denies %s: %s names no known action, so it would never apply", rs.Name, arn, stmtName(st))}
				}
			}
			sid := st.Sid
			if !strings.HasPrefix(sid, CentralSidPrefix) {
				if sid == "" {
					sid = strconv.Itoa(i + 1)
				}
				sid = CentralSidPrefix + sid
			}
			for n := 2; seenSid[sid]; n++ {
				sid = fmt.Sprintf("%s%d", strings.TrimRight(sid, "0123456789"), n)
			}
			seenSid[sid] = true
			out, err := withSid(stmts[i], sid)
			if err != nil {
				return nil, &ConfigError{fmt.Errorf("mandatory denies %s: %v", arn, err)}
			}
			denies = append(denies, out)
			res.Appended = append(res.Appended, sid)
		}
		res.Denies = append(res.Denies, arn)
	}
	final, nSub, err := assemble(c.raw, denies)
	if err != nil {
		return nil, &ConfigError{err}
	}
	if n := policy.Size(final); n > MaxDocument {
		res.Reasons = append(res.Reasons, Reason{Rule: "pipeline/size", Location: validate.Location{File: c.file},
			Message: fmt.Sprintf("with the central denies appended the policy is %d characters without whitespace; a managed policy holds at most %d", n, MaxDocument),
			Fix:     fmt.Sprintf("shorten the policy by %d characters", n-MaxDocument)})
		return res, nil
	}
	// The result is no broader than the submission: its first statements
	// are the submitted ones, unchanged, and the rest are Deny.
	fp, err := policy.Parse("final", final)
	if err != nil {
		return nil, &ConfigError{fmt.Errorf("the policy with the central denies appended does not parse: %v", err)}
	}
	for i, st := range fp.Statements {
		if i >= nSub && st.Effect != policy.Deny {
			return nil, &ConfigError{fmt.Errorf("appended statement %s is not a Deny", stmtName(st))}
		}
	}
	res.Accepted, res.Document = true, string(final)
	return res, nil
}

// statements returns a policy's statements as compact JSON.
func statements(doc []byte) ([]string, error) {
	var top struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil, err
	}
	raw := bytes.TrimSpace(top.Statement)
	var list []json.RawMessage
	if len(raw) > 0 && raw[0] == '{' {
		list = []json.RawMessage{raw}
	} else if err := json.Unmarshal(raw, &list); err != nil {
		return nil, err
	}
	out := make([]string, len(list))
	for i, s := range list {
		var b bytes.Buffer
		if err := json.Compact(&b, s); err != nil {
			return nil, err
		}
		out[i] = b.String()
	}
	return out, nil
}

// withSid rewrites a statement object with its Sid first, keeping the
// other members in order.
func withSid(stmt, sid string) (string, error) {
	dec := json.NewDecoder(strings.NewReader(stmt))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", fmt.Errorf("a statement is not an object")
	}
	sidJSON, _ := json.Marshal(sid)
	var b strings.Builder
	b.WriteString(`{"Sid":`)
	b.Write(sidJSON)
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return "", err
		}
		key, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return "", err
		}
		if key == "Sid" {
			continue
		}
		k, _ := json.Marshal(key)
		b.WriteByte(',')
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.String(), nil
}

// assemble builds the final document: the submission's Version and Id,
// its statements, then the denies. It returns how many statements came
// from the submission.
func assemble(doc []byte, denies []string) ([]byte, int, error) {
	var top struct {
		Version string
		Id      string
	}
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil, 0, err
	}
	stmts, err := statements(doc)
	if err != nil {
		return nil, 0, err
	}
	if top.Version == "" {
		top.Version = "2012-10-17"
	}
	var b bytes.Buffer
	v, _ := json.Marshal(top.Version)
	b.WriteString(`{"Version":`)
	b.Write(v)
	if top.Id != "" {
		id, _ := json.Marshal(top.Id)
		b.WriteString(`,"Id":`)
		b.Write(id)
	}
	b.WriteString(`,"Statement":[`)
	for i, s := range append(stmts, denies...) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s)
	}
	b.WriteString("]}")
	return b.Bytes(), len(stmts), nil
}
