package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/validate"
	"github.com/iamgate/iamgate/wildcard"
	"github.com/iamgate/iamgate/world"
)

// Env is what Check reads.
type Env struct {
	World      *world.World
	Guardrails *Guardrails
	// Catalog defaults to catalog.Default().
	Catalog *catalog.Catalog
}

// Reason is why a submission was rejected: the rule, the statement and its
// place in the document, and what would pass.
type Reason struct {
	// Rule is "ruleset/rule", or a pipeline check ("pipeline/syntax").
	Rule    string `json:"rule"`
	Message string `json:"message"`
	// Statement is the statement's Sid, or its path (Statement[1]).
	Statement string            `json:"statement,omitempty"`
	Location  validate.Location `json:"location"`
	Fix       string            `json:"fix,omitempty"`
	// Counterexample, when the rule proves the rejection with a request,
	// is that request as an eval document (`iamgate eval` decides it).
	Counterexample json.RawMessage `json:"counterexample,omitempty"`
}

func (r Reason) String() string {
	var b strings.Builder
	b.WriteString(r.Location.String())
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "[%s] %s", r.Rule, r.Message)
	if r.Fix != "" {
		b.WriteString(" Fix: " + r.Fix)
	}
	return b.String()
}

// Result is a submission's check.
type Result struct {
	Accepted          bool     `json:"accepted"`
	Account           string   `json:"account"`
	Team              string   `json:"team,omitempty"`
	Rulesets          []string `json:"rulesets"`
	GuardrailsVersion int      `json:"guardrailsVersion,omitempty"`
	Reasons           []Reason `json:"reasons,omitempty"`
	// Document is the policy to create: the submission with the central
	// denies appended (accepted submissions only).
	Document string `json:"document,omitempty"`
	// Appended are the Sids of the central deny statements appended, and
	// Denies the managed policies they came from.
	Appended []string `json:"appended,omitempty"`
	Denies   []string `json:"denies,omitempty"`
}

// ConfigError is a fault in the guardrails or the world (a mandatory-deny
// policy that does not exist, or is not all Deny): the pipeline cannot
// decide, and the submission fails rather than being accepted unchecked.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return "pipeline configuration: " + e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// CentralSidPrefix marks the appended deny statements; submitted statements
// may not use it.
const CentralSidPrefix = "CentralDeny"

// Check decides a submission under the guardrails, without side effects.
// sub.Account must be set. It returns a ConfigError when the guardrails
// cannot be applied.
func Check(sub *Submission, env Env) (*Result, error) {
	if env.Catalog == nil {
		env.Catalog = catalog.Default()
	}
	g := env.Guardrails
	res := &Result{Account: sub.Account, Team: sub.Team, Rulesets: []string{}, GuardrailsVersion: g.Version}
	reject := func(r Reason) (*Result, error) {
		res.Reasons = append(res.Reasons, r)
		return res, nil
	}
	file := sub.File
	if file == "" {
		file = "policy.json"
	}
	if err := sub.Metadata.Validate(); err != nil {
		return reject(Reason{Rule: "pipeline/metadata", Message: err.Error(), Location: validate.Location{File: "metadata.json"}})
	}
	acct := env.World.Accounts.Get(sub.Account)
	if acct == nil {
		return reject(Reason{Rule: "pipeline/account", Message: fmt.Sprintf("account %s is not known to iamgate", sub.Account),
			Location: validate.Location{File: "metadata.json", Path: "Account"}, Fix: "submit for one of the organization's accounts"})
	}
	var sets []*Ruleset
	for i := range g.Rulesets {
		if rs := &g.Rulesets[i]; rs.Match.Applies(acct.ID, acct.Labels, sub.Team) {
			sets = append(sets, rs)
			res.Rulesets = append(res.Rulesets, rs.Name)
		}
	}
	if len(sets) == 0 {
		return reject(Reason{Rule: "pipeline/guardrails", Message: fmt.Sprintf("no ruleset of the guardrails applies to account %s (labels %v, team %q), so the pipeline creates nothing there", acct.ID, acct.Labels, sub.Team),
			Location: validate.Location{File: "metadata.json", Path: "Account"}, Fix: "ask the security team to cover this account type in the guardrails"})
	}
	if n := policy.Size(sub.Document); n > MaxDocument {
		return reject(Reason{Rule: "pipeline/size", Message: fmt.Sprintf("the policy is %d characters without whitespace; a managed policy holds at most %d", n, MaxDocument),
			Location: validate.Location{File: file}, Fix: "split it into several policies"})
	}
	p, err := policy.Parse(file, sub.Document)
	if err != nil {
		var errs policy.Errors
		if !errors.As(err, &errs) {
			return reject(Reason{Rule: "pipeline/syntax", Message: err.Error(), Location: validate.Location{File: file}})
		}
		for _, e := range errs {
			res.Reasons = append(res.Reasons, Reason{Rule: "pipeline/syntax", Message: e.Msg,
				Location: validate.Location{File: file, Line: e.Pos.Line, Column: e.Pos.Column, Path: e.Path}})
		}
		return res, nil
	}
	for _, st := range p.Statements {
		if strings.HasPrefix(st.Sid, CentralSidPrefix) {
			res.Reasons = append(res.Reasons, Reason{Rule: "pipeline/sid", Statement: st.Sid, Location: loc(file, st.SidPos, st.Path+".Sid"),
				Message: fmt.Sprintf("Sid %q starts with %s, which marks the central deny statements", st.Sid, CentralSidPrefix), Fix: "rename the statement"})
		}
	}
	c := &checker{env: env, sub: sub, file: file, p: p, raw: sub.Document, cache: map[string][]*catalog.Action{}}
	c.grants()
	for _, rs := range sets {
		for i := range rs.Rules {
			c.rule(rs, &rs.Rules[i])
		}
	}
	if c.cfgErr != nil {
		return nil, c.cfgErr
	}
	res.Reasons = append(res.Reasons, c.reasons...)
	if len(res.Reasons) > 0 {
		return res, nil
	}
	return c.finish(res, sets)
}

func loc(file string, pos policy.Position, path string) validate.Location {
	return validate.Location{File: file, Line: pos.Line, Column: pos.Column, Path: path}
}

// grant is what one Allow statement grants.
type grant struct {
	st   *policy.Statement
	name string
	// actions are the catalog actions granted, each with the value that
	// grants it (Action values, or the NotAction element).
	actions []*catalog.Action
	via     map[*catalog.Action]policy.Value
	// unknown are Action values that match nothing in the catalog.
	unknown []policy.Value
}

type checker struct {
	env     Env
	sub     *Submission
	file    string
	p       *policy.Policy
	raw     []byte
	cache   map[string][]*catalog.Action
	granted []*grant
	reasons []Reason
	// cfgErr is a fault in the guardrails found while checking.
	cfgErr error
}

func (c *checker) expand(pattern string) []*catalog.Action {
	k := strings.ToLower(pattern)
	if as, ok := c.cache[k]; ok {
		return as
	}
	as := c.env.Catalog.Expand(pattern)
	c.cache[k] = as
	return as
}

func stmtName(st *policy.Statement) string {
	if st.Sid != "" {
		return st.Sid
	}
	return st.Path
}

func (c *checker) grants() {
	for _, st := range c.p.Statements {
		if st.Effect != policy.Allow {
			continue
		}
		g := &grant{st: st, name: stmtName(st), via: map[*catalog.Action]policy.Value{}}
		switch {
		case st.Action != nil:
			for _, v := range st.Action.Values {
				as := c.expand(v.Text)
				if len(as) == 0 {
					g.unknown = append(g.unknown, v)
				}
				for _, a := range as {
					if _, ok := g.via[a]; !ok {
						g.via[a] = v
						g.actions = append(g.actions, a)
					}
				}
			}
		case st.NotAction != nil:
			// Everything but the listed actions.
			v := policy.Value{Text: "NotAction", Pos: st.NotAction.Pos}
			for _, a := range c.expand("*") {
				if slices.ContainsFunc(st.NotAction.Values, func(n policy.Value) bool { return wildcard.MatchFold(n.Text, a.FullName()) }) {
					continue
				}
				g.via[a] = v
				g.actions = append(g.actions, a)
			}
		}
		c.granted = append(c.granted, g)
	}
}

func (c *checker) add(rs *Ruleset, r *Rule, g *grant, pos policy.Position, path, msg, fix string) {
	c.addWith(rs, r, g, pos, path, msg, fix, nil)
}

// addWith is add with the request that proves the reason.
func (c *checker) addWith(rs *Ruleset, r *Rule, g *grant, pos policy.Position, path, msg, fix string, counterexample json.RawMessage) {
	if r.Message != "" {
		msg = r.Message
	}
	reason := Reason{Rule: rs.Name + "/" + r.ID, Message: msg, Location: loc(c.file, pos, path), Fix: fix, Counterexample: counterexample}
	if g != nil {
		reason.Statement = g.name
	}
	c.reasons = append(c.reasons, reason)
}

func (c *checker) rule(rs *Ruleset, r *Rule) {
	switch {
	case r.StarStar:
		c.starStar(rs, r)
	case r.Findings != "":
		c.findings(rs, r)
	case len(r.AllowedServices) > 0:
		c.services(rs, r, r.AllowedServices, true)
	case len(r.ForbiddenServices) > 0:
		c.services(rs, r, r.ForbiddenServices, false)
	case len(r.AllowedActions) > 0:
		c.actions(rs, r, r.AllowedActions, true)
	case len(r.ForbiddenActions) > 0:
		c.actions(rs, r, r.ForbiddenActions, false)
	case len(r.RequiredConditions) > 0:
		for _, rc := range r.RequiredConditions {
			c.required(rs, r, rc)
		}
	case len(r.ForbiddenResources) > 0:
		c.forbiddenResources(rs, r)
	case len(r.MaxAccessLevel) > 0:
		c.maxAccess(rs, r)
	case r.Boundary != "":
		c.boundary(rs, r)
	}
}

// starStar is the seed's check: an Allow statement with "*" as an action
// and as a resource.
func (c *checker) starStar(rs *Ruleset, r *Rule) {
	for _, g := range c.granted {
		st := g.st
		if st.Action == nil || st.Resource == nil {
			continue
		}
		i := slices.IndexFunc(st.Action.Values, func(v policy.Value) bool { return v.Text == "*" || v.Text == "*:*" })
		if i < 0 || !slices.ContainsFunc(st.Resource.Values, func(v policy.Value) bool { return v.Text == "*" }) {
			continue
		}
		c.add(rs, r, g, st.Action.Values[i].Pos, st.Path+".Action", StarStarMessage,
			"name the actions the team needs in Action, and the resources in Resource")
	}
}

func (c *checker) findings(rs *Ruleset, r *Rule) {
	min := validate.FindingType(r.Findings).Rank()
	fs := validate.Policy(c.p, c.raw, validate.Options{Type: validate.Identity, Catalog: c.env.Catalog, Account: c.sub.Account})
	for _, f := range fs {
		if f.Type.Rank() < min {
			continue
		}
		reason := Reason{Rule: rs.Name + "/" + r.ID, Message: fmt.Sprintf("%s %s: %s", f.Type, f.Code, f.Message), Location: f.Location, Fix: f.LearnMore}
		if reason.Location.File == "" {
			reason.Location.File = c.file
		}
		if r.Message != "" {
			reason.Message = r.Message + " (" + reason.Message + ")"
		}
		c.reasons = append(c.reasons, reason)
	}
}

// some joins the first five items and counts the rest, for messages.
func some(items []string, sep string) string {
	if len(items) <= 5 {
		return strings.Join(items, sep)
	}
	return strings.Join(items[:5], sep) + fmt.Sprintf(" and %d more", len(items)-5)
}

func prefixOf(pattern string) string {
	p, _, _ := strings.Cut(pattern, ":")
	return p
}

// services checks the services a statement grants against a list: allowed
// (every granted service must be listed) or forbidden (none may be).
func (c *checker) services(rs *Ruleset, r *Rule, list []string, allowed bool) {
	inList := func(svc string) bool {
		return slices.ContainsFunc(list, func(p string) bool { return wildcard.MatchFold(p, svc) })
	}
	for _, g := range c.granted {
		bad := map[string]policy.Value{}
		var order []string
		note := func(svc string, v policy.Value) {
			svc = strings.ToLower(svc)
			if _, ok := bad[svc]; !ok {
				bad[svc] = v
				order = append(order, svc)
			}
		}
		for _, a := range g.actions {
			if inList(a.Service.Prefix) != allowed {
				note(a.Service.Prefix, g.via[a])
			}
		}
		for _, v := range g.unknown {
			svc := prefixOf(v.Text)
			if allowed && !inList(svc) || !allowed && slices.ContainsFunc(list, func(p string) bool { return validate.Overlap(strings.ToLower(p), strings.ToLower(svc)) }) {
				note(svc, v)
			}
		}
		if len(order) == 0 {
			continue
		}
		first := bad[order[0]]
		if allowed {
			c.add(rs, r, g, first.Pos, g.st.Path+".Action",
				fmt.Sprintf("statement %s grants actions of %s (from %q); this account type allows only %s", g.name, some(order, ", "), first.Text, strings.Join(list, ", ")),
				"limit Action to "+strings.Join(list, ", ")+" actions")
		} else {
			c.add(rs, r, g, first.Pos, g.st.Path+".Action",
				fmt.Sprintf("statement %s grants actions of %s (from %q), which this account type forbids", g.name, some(order, ", "), first.Text),
				"remove the "+some(order, ", ")+" actions")
		}
	}
}

// actions checks granted actions against patterns.
func (c *checker) actions(rs *Ruleset, r *Rule, patterns []string, allowed bool) {
	matches := func(name string) bool {
		return slices.ContainsFunc(patterns, func(p string) bool { return wildcard.MatchFold(p, name) })
	}
	for _, g := range c.granted {
		var bad []string
		var first policy.Value
		for _, a := range g.actions {
			if matches(a.FullName()) != allowed {
				if len(bad) == 0 {
					first = g.via[a]
				}
				bad = append(bad, a.FullName())
			}
		}
		for _, v := range g.unknown {
			hit := slices.ContainsFunc(patterns, func(p string) bool { return validate.Overlap(strings.ToLower(p), strings.ToLower(v.Text)) })
			if allowed && !matches(v.Text) || !allowed && hit {
				if len(bad) == 0 {
					first = v
				}
				bad = append(bad, v.Text)
			}
		}
		if len(bad) == 0 {
			continue
		}
		if allowed {
			c.add(rs, r, g, first.Pos, g.st.Path+".Action",
				fmt.Sprintf("statement %s grants %s (from %q), outside the actions this account type allows", g.name, some(bad, ", "), first.Text),
				"grant only actions matching "+strings.Join(patterns, ", "))
		} else {
			c.add(rs, r, g, first.Pos, g.st.Path+".Action",
				fmt.Sprintf("statement %s grants %s (from %q), which this account type forbids (%s)", g.name, some(bad, ", "), first.Text, strings.Join(patterns, ", ")),
				"remove them from Action, or list them in a Deny statement")
		}
	}
}

// restricting reports whether an operator limits a key to its values:
// plain positive operators, not negated, set-prefixed or IfExists ones.
func restricting(op string) bool {
	l := strings.ToLower(op)
	return !strings.Contains(l, "not") && !strings.HasSuffix(l, "ifexists") && !strings.Contains(l, ":") && l != "null"
}

func (c *checker) required(rs *Ruleset, r *Rule, rc RequiredCondition) {
	needs := func(a *catalog.Action) bool {
		return slices.ContainsFunc(rc.Actions, func(p string) bool { return wildcard.MatchFold(p, a.FullName()) })
	}
	fixOp := "StringLike"
	if len(rc.Operators) > 0 {
		fixOp = rc.Operators[0]
	}
	vals, _ := json.Marshal(rc.Values)
	fix := fmt.Sprintf(`add "Condition": {"%s": {"%s": %s}} to the statement`, fixOp, rc.Key, vals)
	for _, g := range c.granted {
		var hit *catalog.Action
		for _, a := range g.actions {
			if needs(a) {
				hit = a
				break
			}
		}
		if hit == nil {
			continue
		}
		var found bool
		for _, cd := range g.st.Conditions {
			if !strings.EqualFold(cd.Key, rc.Key) {
				continue
			}
			opOK := restricting(cd.OperatorText)
			if len(rc.Operators) > 0 {
				opOK = slices.ContainsFunc(rc.Operators, func(o string) bool { return strings.EqualFold(o, cd.OperatorText) })
			}
			if !opOK {
				c.add(rs, r, g, cd.OperatorPos, cd.Path, fmt.Sprintf("statement %s limits %s with %s, which does not hold it to %s", g.name, rc.Key, cd.OperatorText, strings.Join(rc.Values, ", ")), fix)
				found = true
				continue
			}
			found = true
			for _, v := range cd.Values {
				if !slices.ContainsFunc(rc.Values, func(p string) bool { return wildcard.Match(p, v.Text) }) {
					c.add(rs, r, g, v.Pos, cd.Path, fmt.Sprintf("statement %s allows %s %q; this account type allows only %s", g.name, rc.Key, v.Text, strings.Join(rc.Values, ", ")),
						fmt.Sprintf("use only %s values matching %s", rc.Key, strings.Join(rc.Values, ", ")))
				}
			}
		}
		if !found {
			v := g.via[hit]
			c.add(rs, r, g, v.Pos, g.st.Path, fmt.Sprintf("statement %s grants %s without a condition on %s; this account type requires %s to be %s", g.name, hit.FullName(), rc.Key, rc.Key, strings.Join(rc.Values, " or ")), fix)
		}
	}
}

// touches reports whether an action acts on resources that an ARN pattern
// names: the action is of the ARN's service and one of its resource types
// fits the pattern.
func touches(a *catalog.Action, pattern string) bool {
	parts := strings.SplitN(pattern, ":", 4)
	if len(parts) < 3 || !wildcard.MatchFold(parts[2], a.Service.Prefix) {
		return false
	}
	for _, rt := range a.ResourceTypes {
		if rt.Type != nil && validate.FitsTemplate(pattern, rt.Type.ARN) {
			return true
		}
	}
	return false
}

// arnOverlap reports whether two resource patterns can name the same ARN,
// matching partition, service, region and account one by one, as IAM
// matches ARNs, and the resource part as a whole.
func arnOverlap(a, b string) bool {
	if a == "*" || b == "*" {
		return true
	}
	pa, pb := strings.SplitN(a, ":", 6), strings.SplitN(b, ":", 6)
	if len(pa) != 6 || len(pb) != 6 {
		return validate.Overlap(a, b)
	}
	for i := range pa {
		if !validate.Overlap(pa[i], pb[i]) {
			return false
		}
	}
	return true
}

func (c *checker) forbiddenResources(rs *Ruleset, r *Rule) {
	for _, g := range c.granted {
		for _, f := range r.ForbiddenResources {
			var act *catalog.Action
			for _, a := range g.actions {
				if touches(a, f) {
					act = a
					break
				}
			}
			if act == nil {
				continue
			}
			st := g.st
			switch {
			case st.Resource != nil:
				for _, v := range st.Resource.Values {
					if arnOverlap(v.Text, f) {
						c.add(rs, r, g, v.Pos, st.Path+".Resource",
							fmt.Sprintf("statement %s grants %s on %q, which includes %s, reserved to the security team", g.name, act.FullName(), v.Text, f),
							"narrow Resource so that it cannot name "+f)
						break
					}
				}
			case st.NotResource != nil:
				if !slices.ContainsFunc(st.NotResource.Values, func(v policy.Value) bool { return wildcard.Match(v.Text, f) }) {
					c.add(rs, r, g, st.NotResource.Pos, st.Path+".NotResource",
						fmt.Sprintf("statement %s grants %s on everything but its NotResource, which includes %s, reserved to the security team", g.name, act.FullName(), f),
						"add "+f+" to NotResource, or name the resources in Resource")
				}
			}
		}
	}
}

func (c *checker) maxAccess(rs *Ruleset, r *Rule) {
	limit := func(svc string) (string, int, bool) {
		for k, v := range r.MaxAccessLevel {
			if strings.EqualFold(k, svc) {
				return v, accessRank[strings.ToLower(v)], true
			}
		}
		if v, ok := r.MaxAccessLevel["*"]; ok {
			return v, accessRank[strings.ToLower(v)], true
		}
		return "", 0, false
	}
	for _, g := range c.granted {
		var bad []string
		var first policy.Value
		var firstMax string
		for _, a := range g.actions {
			max, rank, ok := limit(a.Service.Prefix)
			if !ok {
				continue
			}
			level, top := "", 0
			for _, l := range a.Levels {
				if r := accessRank[strings.ToLower(l)]; r > top {
					level, top = l, r
				}
			}
			if top > rank {
				if len(bad) == 0 {
					first, firstMax = g.via[a], max
				}
				bad = append(bad, fmt.Sprintf("%s (%s)", a.FullName(), level))
			}
		}
		if len(bad) == 0 {
			continue
		}
		c.add(rs, r, g, first.Pos, g.st.Path+".Action",
			fmt.Sprintf("statement %s grants %s (from %q), above the access level this account type allows (%s for %s)", g.name, some(bad, ", "), first.Text, firstMax, strings.SplitN(bad[0], ":", 2)[0]),
			"grant only actions at or below "+firstMax)
	}
}
