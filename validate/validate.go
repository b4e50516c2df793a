package validate

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/policy"
)

// PolicyType is the kind of policy being validated.
type PolicyType string

const (
	Identity PolicyType = "identity"
	Resource PolicyType = "resource"
	Trust    PolicyType = "trust"
	Boundary PolicyType = "boundary"
	SCP      PolicyType = "scp"
	RCP      PolicyType = "rcp"
	Session  PolicyType = "session"
	Endpoint PolicyType = "endpoint"
)

// PolicyTypes lists every type.
var PolicyTypes = []PolicyType{Identity, Resource, Trust, Boundary, SCP, RCP, Session, Endpoint}

// ParsePolicyType reads a type name.
func ParsePolicyType(s string) (PolicyType, error) {
	for _, t := range PolicyTypes {
		if strings.EqualFold(s, string(t)) {
			return t, nil
		}
	}
	return "", fmt.Errorf("unknown policy type %q (want identity, resource, trust, boundary, scp, rcp, session or endpoint)", s)
}

func (t PolicyType) identityLike() bool {
	return t == Identity || t == Boundary || t == Session || t == SCP
}

func (t PolicyType) principalRequired() bool {
	return t == Resource || t == Trust || t == RCP || t == Endpoint
}

// GuessType guesses a policy's type from its file name (trust, scp, rcp,
// boundary, session, endpoint) and then its content: statements with a
// Principal make a trust policy when every action is sts:AssumeRole*-like,
// a resource policy otherwise; without a Principal, an identity policy.
func GuessType(name string, p *policy.Policy) PolicyType {
	base := strings.ToLower(filepath.Base(name))
	for _, hint := range []struct {
		word string
		t    PolicyType
	}{{"trust", Trust}, {"scp", SCP}, {"rcp", RCP}, {"boundary", Boundary}, {"session", Session}, {"endpoint", Endpoint}} {
		if strings.Contains(base, hint.word) {
			return hint.t
		}
	}
	if p == nil {
		return Identity
	}
	withPrincipal, trustOnly := false, true
	for _, s := range p.Statements {
		if s.Principal != nil || s.NotPrincipal != nil {
			withPrincipal = true
		}
		if s.Action == nil {
			trustOnly = false
			continue
		}
		for _, a := range s.Action.Values {
			l := strings.ToLower(a.Text)
			if !strings.HasPrefix(l, "sts:assumerole") && l != "sts:tagsession" && l != "sts:setsourceidentity" && l != "sts:setcontext" {
				trustOnly = false
			}
		}
	}
	switch {
	case withPrincipal && trustOnly:
		return Trust
	case withPrincipal:
		return Resource
	}
	return Identity
}

// Options configure validation.
type Options struct {
	// Type is the policy type; guessed when empty.
	Type PolicyType
	// Catalog defaults to catalog.Default().
	Catalog *catalog.Catalog
	// Account is the account that owns the policy, when known.
	Account string
	// OrganizationAccounts are the accounts of the organization; a trust to
	// any other account without sts:ExternalId is reported.
	OrganizationAccounts []string
	// Location is copied into every finding (File is set from the policy).
	Location Location
}

// Document parses and validates one policy document. Parse errors become
// findings; data is also used for the policy size checks.
func Document(name string, data []byte, opts Options) []Finding {
	p, err := policy.Parse(name, data)
	var out []Finding
	if err != nil {
		var errs policy.Errors
		if !errors.As(err, &errs) {
			return []Finding{newFinding("JSON_SYNTAX_ERROR", err.Error(), withFile(opts.Location, name))}
		}
		for _, e := range errs {
			loc := withFile(opts.Location, name)
			loc.Line, loc.Column, loc.Path = e.Pos.Line, e.Pos.Column, e.Path
			out = append(out, newFinding(e.Code, e.Msg, loc))
		}
		// Errors from the grammar make the document invalid: checks that
		// need a sound document are skipped, but what parsed is still
		// reported on.
		if p == nil {
			return out
		}
	}
	return append(out, Policy(p, data, opts)...)
}

func withFile(l Location, file string) Location {
	if l.File == "" {
		l.File = file
	}
	return l
}

func newFinding(code, msg string, loc Location) Finding {
	r, ok := RuleFor(code)
	if !ok {
		r = Rule{Code: code, Type: Error}
	}
	return Finding{Type: r.Type, Code: code, Message: msg, LearnMore: r.Link, Location: loc}
}

// Policy validates a parsed policy. raw, when not nil, is the document text
// (for the size quotas).
func Policy(p *policy.Policy, raw []byte, opts Options) []Finding {
	if opts.Catalog == nil {
		opts.Catalog = catalog.Default()
	}
	if opts.Type == "" {
		opts.Type = GuessType(p.File, p)
	}
	c := &checker{p: p, opts: opts, cat: opts.Catalog, expansions: map[string][]*catalog.Action{}}
	c.run(raw)
	return c.out
}

type checker struct {
	p          *policy.Policy
	opts       Options
	cat        *catalog.Catalog
	out        []Finding
	expansions map[string][]*catalog.Action
}

func (c *checker) add(code string, pos policy.Position, path, format string, args ...any) {
	loc := withFile(c.opts.Location, c.p.File)
	loc.Line, loc.Column, loc.Path = pos.Line, pos.Column, path
	c.out = append(c.out, newFinding(code, fmt.Sprintf(format, args...), loc))
}

// expand returns the catalog actions an Action value matches (memoized).
func (c *checker) expand(pattern string) []*catalog.Action {
	key := strings.ToLower(pattern)
	if as, ok := c.expansions[key]; ok {
		return as
	}
	as := c.cat.Expand(pattern)
	c.expansions[key] = as
	return as
}

func (c *checker) run(raw []byte) {
	p := c.p
	for _, w := range p.Warnings {
		if w.Code == policy.CodeEmptyArrayCondition {
			continue // reported with the operator's own variant by the condition checks
		}
		code := w.Code
		if code == "" {
			code = "DUPLICATE_ELEMENT"
		}
		c.add(code, w.Pos, w.Path, "%s", w.Msg)
	}
	if p.Version == "" {
		c.add("MISSING_VERSION", p.Pos, "", "We recommend that you specify the Version element \"2012-10-17\": without it, policy variables are literal text")
	}
	c.checkSize(raw)
	sids := map[string]*policy.Statement{}
	for _, s := range p.Statements {
		c.statement(s)
		if s.HasSid && s.Sid != "" {
			if first, dup := sids[s.Sid]; dup {
				code := "UNIQUE_SIDS_RECOMMENDED"
				if c.opts.Type == Identity || c.opts.Type == Boundary {
					code = "UNIQUE_SIDS_REQUIRED"
				}
				c.add(code, s.SidPos, s.Path+".Sid", "The Sid %q is also used by %s; statement IDs must be unique within the policy", s.Sid, first.Path)
			} else {
				sids[s.Sid] = s
			}
		}
	}
	c.redundantStatements()
	c.secureTransport()
}

func (c *checker) checkSize(raw []byte) {
	if raw == nil {
		return
	}
	n := 0
	for _, b := range raw {
		if b != ' ' && b != '\n' && b != '\t' && b != '\r' {
			n++
		}
	}
	switch {
	case c.opts.Type == SCP && n > 5120:
		c.add("POLICY_SIZE_EXCEEDS_SCP_QUOTA", c.p.Pos, "", "The %d characters in the service control policy exceed the 5,120 character maximum for SCPs", n)
	case (c.opts.Type == Identity || c.opts.Type == Boundary) && n > 6144:
		c.add("POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA", c.p.Pos, "", "The %d characters in the identity policy, excluding whitespace, exceed the 6,144 character maximum for managed policies", n)
	}
}
