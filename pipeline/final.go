package pipeline

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/validate"
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

// boundary checks that the document allows no request the reference
// boundary does not: analysis.CheckNoNewAccess with the boundary as the
// old policy and the document as the new one, decided exactly over
// actions, resources and every condition (IAM Access Analyzer's
// CheckNoNewAccess question, without its "might"). A FAIL names the
// statements that grant the counterexample, and the reason carries that
// request (an eval document the engine allows under the submission and
// denies under the boundary). A question the check cannot decide exactly
// rejects the document, naming the construct: the pipeline fails closed.
func (c *checker) boundary(rs *Ruleset, r *Rule) {
	arn := c.env.Guardrails.policyARN(r.Boundary)
	_, bp, err := c.managed(arn)
	if err != nil {
		c.cfgErr = &ConfigError{fmt.Errorf("ruleset %s, rule %s: reference boundary: %w", rs.Name, r.ID, err)}
		return
	}
	res, err := analysis.CheckNoNewAccess(bp, c.p, analysis.IdentityPolicy, analysis.CheckOptions{})
	var ue *analysis.UnknownError
	switch {
	case errors.As(err, &ue):
		c.add(rs, r, nil, policy.Position{}, "", fmt.Sprintf("whether the document stays within the reference boundary %s cannot be decided exactly (%s)", arn, ue.Construct),
			"simplify the document or the boundary, or ask the security team")
		return
	case err != nil:
		c.cfgErr = &ConfigError{fmt.Errorf("ruleset %s, rule %s: reference boundary %s: %w", rs.Name, r.ID, arn, err)}
		return
	case res.Result == analysis.Pass:
		return
	}
	var cx json.RawMessage
	if len(res.Counterexamples) > 0 {
		cx = res.Counterexamples[0]
	}
	req := describeRequest(cx)
	reported := false
	for _, reason := range res.Reasons {
		g := c.grantAt(reason.StatementIndex)
		if g == nil {
			continue
		}
		reported = true
		var pos policy.Position
		if g.st.Action != nil && len(g.st.Action.Values) > 0 {
			pos = g.st.Action.Values[0].Pos
		}
		c.addWith(rs, r, g, pos, g.st.Path, fmt.Sprintf("statement %s grants %s, beyond the reference boundary %s", g.name, req, arn),
			"grant only what "+arn+" allows", cx)
	}
	if !reported {
		c.addWith(rs, r, nil, policy.Position{}, "", fmt.Sprintf("the document grants %s, beyond the reference boundary %s", req, arn), "grant only what "+arn+" allows", cx)
	}
}

// grantAt is the grant of the document's statement i (0-based), nil when
// it grants nothing.
func (c *checker) grantAt(i int) *grant {
	if i < 0 || i >= len(c.p.Statements) {
		return nil
	}
	st := c.p.Statements[i]
	for _, g := range c.granted {
		if g.st == st {
			return g
		}
	}
	return nil
}

// describeRequest renders a counterexample request for a reason's message:
// the action, the resource and the context it gives.
func describeRequest(doc json.RawMessage) string {
	var d struct {
		Action   string                     `json:"action"`
		Resource string                     `json:"resource"`
		Context  map[string]json.RawMessage `json:"context"`
	}
	if json.Unmarshal(doc, &d) != nil || d.Action == "" {
		return "a request"
	}
	if d.Resource == "" {
		d.Resource = "*"
	}
	s := d.Action + " on " + d.Resource
	if len(d.Context) > 0 {
		keys := make([]string, 0, len(d.Context))
		for k := range d.Context {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + string(d.Context[k])
		}
		s += " with " + strings.Join(parts, ", ")
	} else {
		s += " (no request context)"
	}
	return s
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
