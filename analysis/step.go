package analysis

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/policy/vars"
	"github.com/iamgate/iamgate/wildcard"
	"github.com/iamgate/iamgate/world"
)

// Step is one request of an answer, decided by the engine: a direct access
// (principal, action, resource) or one sts:AssumeRole hop of a chain.
type Step struct {
	Principal string `json:"principal"`
	Action    string `json:"action"`
	Resource  string `json:"resource"`
	// AllowedIf holds exactly for the values of the request's unknown keys
	// the engine allows; Always() for an unconditional allow.
	AllowedIf Formula `json:"allowedIf"`
	// Witnesses holds, per element of AllowedIf, values of the unknown keys
	// (a key left out is absent) that the engine was asked again and
	// allowed.
	Witnesses []map[string][]string `json:"witnesses"`
	// Unknown lists the request's unknown keys.
	Unknown []string `json:"unknown,omitempty"`
}

// Always reports whether the step is allowed whatever its unknown keys.
func (s *Step) Always() bool { return s.AllowedIf.Always() }

// decider decides steps in one world: every key of the request that the
// query does not give and the world does not derive, and that a statement
// applying to the action mentions, is unknown.
type decider struct {
	// ctx, when set, ends the analysis: decide returns its error.
	ctx     context.Context
	w       *world.World
	context map[string][]string
	time    time.Time
}

// decide returns the step of caller doing action on resource, nil when the
// engine allows it for no value of its unknown keys, or an UnknownError.
func (d *decider) decide(c *world.Caller, principal, action, resource string) (*Step, error) {
	if d.ctx != nil {
		if err := d.ctx.Err(); err != nil {
			return nil, err
		}
	}
	// The engine matches actions ignoring case; given in lower case, it
	// need not lower them through its cache of lowered names, which grows
	// by a copy per new name (17,000 for a can of every catalog action).
	q, err := d.w.Prepare(world.Request{Caller: c, Action: strings.ToLower(action), Resource: resource, Context: d.context, Time: d.time})
	if err != nil {
		return nil, err
	}
	return stepOf(q, principal, action, resource)
}

// stepOf decides a prepared request as a Step: AllowedIf over the keys
// its applying statements mention that it does not give, nil when nothing
// allows it, each alternative's witness decided again by the engine.
func stepOf(q *engine.Prepared, principal, action, resource string) (*Step, error) {
	unknown := relevantUnknown(q, action)
	res, err := AllowedIf(q, Options{Unknown: unknown})
	if err != nil {
		var ue *UnknownError
		if errors.As(err, &ue) {
			return nil, err
		}
		return nil, fmt.Errorf("%s %s %s: %w", principal, action, resource, err)
	}
	if res.AllowedIf.Never() {
		return nil, nil
	}
	// Every disjunct's witness is decided again here, so that what is
	// reported rests on the engine.
	for i, wit := range res.Witnesses {
		if engine.Authorize(q.WithContext(wit, res.Unknown)).Decision != engine.Allowed {
			return nil, fmt.Errorf("analysis: %s %s %s: the witness of alternative %d is not allowed by the engine", principal, action, resource, i+1)
		}
	}
	return &Step{Principal: principal, Action: action, Resource: resource, AllowedIf: res.AllowedIf, Witnesses: res.Witnesses, Unknown: res.Unknown}, nil
}

// relevantUnknown lists the condition keys (and keys named by policy
// variables) of the statements of q's policies that apply to action, that
// the request does not give. Statements for other actions cannot change
// the decision, so their keys are left out. It is sorted.
func relevantUnknown(q *engine.Prepared, action string) []string {
	return relevantKeys(q, action, false)
}

// relevantKeys lists the keys relevantUnknown considers; with given, also
// those the request gives.
func relevantKeys(q *engine.Prepared, action string, given bool) []string {
	seen := map[string]bool{}
	var out []string
	note := func(k string) {
		lk := strings.ToLower(k)
		if seen[lk] {
			return
		}
		seen[lk] = true
		if _, ok := q.Lookup(lk); given || !ok {
			out = append(out, k)
		}
	}
	for _, sr := range statements(&q.Policies) {
		if !statementMatchesAction(sr.s, action) {
			continue
		}
		for _, c := range sr.s.Conditions {
			note(c.Key)
			if sr.useVars && c.Operator.VarsAllowed {
				for _, t := range c.Texts() {
					for _, v := range vars.Variables(t) {
						note(v.Key)
					}
				}
			}
		}
		if sr.useVars {
			for _, t := range resourceTexts(sr.s) {
				for _, v := range vars.Variables(t) {
					note(v.Key)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// statementMatchesAction reports whether a statement's Action (NotAction)
// element admits the action, as the engine matches it.
func statementMatchesAction(s *policy.Statement, action string) bool {
	list, not := s.Action, false
	if s.NotAction != nil {
		list, not = s.NotAction, true
	}
	if list == nil {
		return true
	}
	return anyActionMatch(list.Texts(), action) != not
}

func anyActionMatch(patterns []string, action string) bool {
	for _, p := range patterns {
		if p == "*" || wildcard.MatchFold(p, action) {
			return true
		}
	}
	return false
}
