package analysis

import (
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/world"
)

// WhoCanQuery asks who may perform actions on one resource.
type WhoCanQuery struct {
	Actions  []string
	Resource string
	// Context holds request keys known for every request (the access and,
	// with Transitive, every sts:AssumeRole hop). Any other key a statement
	// for the action mentions, that the world does not derive, is unknown.
	Context map[string][]string
	Time    time.Time
	// Transitive follows sts:AssumeRole chains: principals that reach a role
	// that may perform the action.
	Transitive bool
	// MaxDepth bounds the hops of a chain (default 8).
	MaxDepth int
	// NoIndex decides every principal of the world instead of those the
	// index admits (for tests).
	NoIndex bool
}

// Decisions of an Access.
const (
	DecisionAllowed   = "allowed"
	DecisionAllowedIf = "allowedIf"
	DecisionUnknown   = "unknown"
)

// Access is one principal's access to one action on the resource.
type Access struct {
	Principal string
	Action    string
	// Decision is Allowed (whatever the unknown keys), AllowedIf (for some
	// values of them) or DecisionUnknown (the analysis cannot decide; Construct
	// says why).
	Decision string
	// Via lists the roles assumed, in order; empty for direct access.
	Via []string
	// Steps are the requests decided: one sts:AssumeRole per role of Via,
	// then the access itself (as the last role's session).
	Steps     []*Step
	Construct string
}

// ChainConjunct is a condition of one step of an Access: Step indexes
// Access.Steps.
type ChainConjunct struct {
	Step int `json:"step"`
	Conjunct
}

// MaxChainAlternatives bounds the alternatives of a chain's formula (the
// product of its steps' formulas).
const MaxChainAlternatives = 256

// Formula is the access's condition: the conjunction of its steps'
// formulas, as alternatives of conditions labelled by step, with a witness
// per alternative (one context per step). Unconditional access is one empty
// alternative.
func (a *Access) Formula() ([][]ChainConjunct, [][]map[string][]string, error) {
	alts := [][]ChainConjunct{{}}
	wits := [][]map[string][]string{make([]map[string][]string, len(a.Steps))}
	for i := range wits[0] {
		wits[0][i] = map[string][]string{}
	}
	for si, s := range a.Steps {
		if s.Always() {
			continue
		}
		var nalts [][]ChainConjunct
		var nwits [][]map[string][]string
		for ai, alt := range alts {
			for di, conj := range s.AllowedIf {
				c := append(append([]ChainConjunct(nil), alt...), label(si, conj)...)
				w := append([]map[string][]string(nil), wits[ai]...)
				w[si] = s.Witnesses[di]
				nalts, nwits = append(nalts, c), append(nwits, w)
			}
		}
		if len(nalts) > MaxChainAlternatives {
			return nil, nil, unknownf("a chain whose conditions have more than %d alternatives", MaxChainAlternatives)
		}
		alts, wits = nalts, nwits
	}
	return alts, wits, nil
}

func label(step int, conj []Conjunct) []ChainConjunct {
	out := make([]ChainConjunct, len(conj))
	for i, c := range conj {
		out[i] = ChainConjunct{Step: step, Conjunct: c}
	}
	return out
}

// node is a principal who-can considers.
type node struct {
	principal string // as reported: a user or role ARN, a root ARN, a service, "*"
	caller    string // as the world resolves it
	e         *entity
}

func (n *node) isRole() bool { return n.e != nil && n.e.role != nil }

type edgeKey struct{ from, to string }

type edge struct {
	step *Step
	err  error
}

type whoCan struct {
	x     *Index
	q     WhoCanQuery
	d     *decider
	edges map[edgeKey]edge
	// callers are resolved once per principal.
	callers map[string]*world.Caller
}

// WhoCan answers who may perform each action on the resource, deciding
// each candidate with the engine. Results are sorted by action, then
// principal.
func (x *Index) WhoCan(q WhoCanQuery) ([]*Access, error) {
	if q.MaxDepth <= 0 {
		q.MaxDepth = 8
	}
	wc := &whoCan{x: x, q: q, d: &decider{w: x.w, context: q.Context, time: q.Time}, edges: map[edgeKey]edge{}, callers: map[string]*world.Caller{}}
	var out []*Access
	actions := append([]string(nil), q.Actions...)
	sort.Strings(actions)
	for _, action := range actions {
		as, err := wc.action(action)
		if err != nil {
			return nil, err
		}
		out = append(out, as...)
	}
	return out, nil
}

func (wc *whoCan) caller(n *node) (*world.Caller, error) {
	if c, ok := wc.callers[n.caller]; ok {
		return c, nil
	}
	c, err := wc.x.w.Caller(n.caller)
	if err != nil {
		return nil, err
	}
	wc.callers[n.caller] = c
	return c, nil
}

// resourceSide is what the world gathers for the resource and action: its
// policy (a resource, key or trust policy; nil when none), the account
// that owns it ("" when neither the world nor the ARN says: the engine then
// takes the caller's), and whether its policy must allow the request
// itself (a trust or key policy).
type resourceSide struct {
	policy   *policy.Policy
	account  string
	required bool
}

func (x *Index) resourceSide(action, resource string) (resourceSide, error) {
	c, err := x.w.Caller("anonymous")
	if err != nil {
		return resourceSide{}, err
	}
	req, err := x.w.Gather(world.Request{Caller: c, Action: action, Resource: resource})
	if err != nil {
		return resourceSide{}, err
	}
	var rs resourceSide
	if rp := req.Policies.Resource; rp != nil {
		rs.policy = rp.Source
	}
	rs.account = req.ResourceAccount
	if rs.account == "" {
		if a, err := arn.Parse(resource); err == nil && arn.IsAccountID(a.AccountID) {
			rs.account = a.AccountID
		}
	}
	rs.required = req.ResourcePolicyKind == engine.KindTrust || req.ResourcePolicyKind == engine.KindKey
	return rs, nil
}

// universe returns every principal of a direct query: the world's users and
// roles, the roots of the accounts and the services the resource's policy
// names, and "*" when it names anyone; and the candidates among them the
// index admits (every one with NoIndex).
func (x *Index) universe(action, resource string, noIndex bool) (all, candidates []*node, err error) {
	rs, err := x.resourceSide(action, resource)
	if err != nil {
		return nil, nil, err
	}
	rp := rs.policy
	every := principalsOf(rp, action, false)
	allow := principalsOf(rp, action, true)
	var special []*node
	for _, a := range sortedKeys(every.accounts) {
		special = append(special, &node{principal: "arn:aws:iam::" + a + ":root", caller: "arn:aws:iam::" + a + ":root"})
	}
	for _, s := range sortedKeys(every.services) {
		special = append(special, &node{principal: s, caller: s})
	}
	if every.anyone {
		special = append(special, &node{principal: "*", caller: "anonymous"})
	}
	if noIndex {
		ents := make([]*node, len(x.entities))
		for i, e := range x.entities {
			ents[i] = entityNode(e)
		}
		all = append(append(all, ents...), special...)
		return all, all, nil
	}
	// A user or role is allowed only if an identity Allow statement of its
	// own matches the action and resource, except where the resource's
	// policy names it itself (by ARN, or anyone) in its own account: across
	// accounts the engine requires both the identity side and the
	// resource's policy naming it; in the account, a policy naming only the
	// account delegates to IAM policies, and a trust or key policy must
	// allow the request itself (engine.Authorize, grants).
	pick := map[int]bool{}
	for _, i := range x.namedEntities(allow) {
		e := x.entities[i]
		same := rs.account == "" || e.account == rs.account
		if (same && allow.namesItself(e)) || e.mayAllow(action, resource) {
			pick[i] = true
		}
	}
	if !rs.required {
		for _, i := range x.identityCandidates(action) {
			if e := x.entities[i]; (rs.account == "" || e.account == rs.account) && e.mayAllow(action, resource) {
				pick[i] = true
			}
		}
	}
	idx := make([]int, 0, len(pick))
	for i := range pick {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		candidates = append(candidates, entityNode(x.entities[i]))
	}
	return nil, append(candidates, special...), nil
}

func entityNode(e *entity) *node {
	return &node{principal: e.arn, caller: e.arn, e: e}
}

// reached is a principal's best route found by a search.
type reached struct {
	n     *node
	via   []string
	steps []*Step
}

func (wc *whoCan) action(action string) ([]*Access, error) {
	_, cands, err := wc.x.universe(action, wc.q.Resource, wc.q.NoIndex)
	if err != nil {
		return nil, err
	}
	direct := map[string]*reached{}
	unknown := map[string]*Access{}
	var order []string
	for _, n := range cands {
		c, err := wc.caller(n)
		if err != nil {
			return nil, err
		}
		s, err := wc.d.decide(c, n.principal, action, wc.q.Resource)
		var ue *UnknownError
		switch {
		case errors.As(err, &ue):
			unknown[n.principal] = &Access{Principal: n.principal, Action: action, Decision: DecisionUnknown, Via: []string{}, Construct: ue.Construct}
			continue
		case err != nil:
			return nil, err
		case s == nil:
			continue
		}
		direct[n.principal] = &reached{n: n, via: []string{}, steps: []*Step{s}}
		order = append(order, n.principal)
	}
	var out []*Access
	add := func(p string, n *node, via []string, steps []*Step, decision string) {
		out = append(out, &Access{Principal: p, Action: action, Decision: decision, Via: via, Steps: steps})
	}
	always := map[string]bool{}
	if !wc.q.Transitive {
		for p, r := range direct {
			d := DecisionAllowedIf
			if allAlways(r.steps) {
				d, always[p] = DecisionAllowed, true
			}
			add(p, r.n, r.via, r.steps, d)
		}
	} else {
		got, err := wc.chains(direct, order, unknown)
		if err != nil {
			return nil, err
		}
		for p, cs := range got {
			for _, c := range cs {
				d := DecisionAllowedIf
				if c.always() {
					d, always[p] = DecisionAllowed, true
				}
				add(p, c.n, c.via, c.steps, d)
			}
		}
	}
	// An access the analysis cannot decide is reported beside the
	// conditional ones of the same principal (it is one more alternative),
	// and dropped where an unconditional one exists.
	for p, u := range unknown {
		if !always[p] {
			out = append(out, u)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Principal != b.Principal {
			return a.Principal < b.Principal
		}
		if len(a.Via) != len(b.Via) {
			return len(a.Via) < len(b.Via)
		}
		if va, vb := strings.Join(a.Via, " "), strings.Join(b.Via, " "); va != vb {
			return va < vb
		}
		return a.Decision < b.Decision
	})
	return out, nil
}

func allAlways(steps []*Step) bool {
	for _, s := range steps {
		if !s.Always() {
			return false
		}
	}
	return true
}

// chain is one route by which a principal gets the access: the roles it
// assumes in order (via) and the steps decided, one per hop and the access
// last. conds identifies the steps that are conditional (not allowed
// whatever their unknown keys), as sorted request keys: a chain whose
// conditional steps are a subset of another's is implied by it.
type chain struct {
	n     *node
	via   []string
	steps []*Step
	conds []string
}

func (c *chain) always() bool { return len(c.conds) == 0 }

// through reports whether the chain starts at or passes through p.
func (c *chain) through(p string) bool {
	if c.n.principal == p {
		return true
	}
	for _, v := range c.via {
		if v == p {
			return true
		}
	}
	return false
}

func stepKey(s *Step) string { return s.Principal + "\x00" + s.Action + "\x00" + s.Resource }

// implies reports whether a's conditional steps are a subset of b's, so
// that b's conditions imply a's (both sorted).
func implies(a, b []string) bool {
	i := 0
	for _, k := range b {
		if i < len(a) && a[i] == k {
			i++
		}
	}
	return i == len(a)
}

func extend(e *Step, c *chain, n *node) *chain {
	nc := &chain{n: n, via: append([]string{c.n.principal}, c.via...), steps: append([]*Step{e}, c.steps...), conds: c.conds}
	if !e.Always() {
		k := stepKey(e)
		i := sort.SearchStrings(c.conds, k)
		if i == len(c.conds) || c.conds[i] != k {
			nc.conds = append(append(append([]string(nil), c.conds[:i]...), k), c.conds[i:]...)
		}
	}
	return nc
}

// MaxChains bounds the chains with different conditions kept for one
// principal; past it the answer for that action is UNKNOWN.
const MaxChains = 64

// chains finds, breadth first and backwards over sts:AssumeRole edges from
// the principals allowed directly, every route of at most MaxDepth hops by
// which a principal gets the access, up to implication: a principal with
// an unconditional route keeps only its shortest such; otherwise it keeps
// every route whose conditional steps are not a superset of a route's kept
// before (cycles are never needed: a route through a principal twice is
// implied by its part from the second visit). The access is then allowed
// exactly when one of the kept routes' conditions holds. A principal one of
// whose edges the analysis cannot decide gets an unknown entry too, unless
// it has an unconditional route.
func (wc *whoCan) chains(direct map[string]*reached, order []string, unknown map[string]*Access) (map[string][]*chain, error) {
	got := map[string][]*chain{}
	var frontier []*chain
	for _, p := range order {
		r := direct[p]
		c := &chain{n: r.n, via: r.via, steps: r.steps}
		for _, s := range r.steps {
			if !s.Always() {
				c.conds = []string{stepKey(s)}
			}
		}
		got[p] = []*chain{c}
		if r.n.isRole() {
			frontier = append(frontier, c)
		}
	}
	for depth := 1; depth <= wc.q.MaxDepth && len(frontier) > 0; depth++ {
		var next []*chain
		for _, to := range frontier {
			from, err := wc.assumers(to.n)
			if err != nil {
				return nil, err
			}
			for _, n := range from {
				have := got[n.principal]
				if len(have) == 1 && have[0].always() || to.through(n.principal) {
					continue
				}
				e, err := wc.edge(n, to.n)
				if err != nil {
					return nil, err
				}
				if e.err != nil {
					if _, seen := unknown[n.principal]; !seen {
						var ue *UnknownError
						errors.As(e.err, &ue)
						unknown[n.principal] = &Access{Principal: n.principal, Action: to.steps[len(to.steps)-1].Action, Decision: DecisionUnknown,
							Via: append([]string{to.n.principal}, to.via...), Construct: ue.Construct}
					}
					continue
				}
				if e.step == nil {
					continue
				}
				nc := extend(e.step, to, n)
				if nc.always() {
					got[n.principal] = []*chain{nc}
				} else {
					implied := false
					for _, h := range have {
						if implies(h.conds, nc.conds) {
							implied = true
							break
						}
					}
					if implied {
						continue
					}
					if len(have) >= MaxChains {
						return nil, unknownf("more than %d chains with different conditions to %s", MaxChains, n.principal)
					}
					got[n.principal] = append(have, nc)
				}
				if n.isRole() {
					next = append(next, nc)
				}
			}
		}
		frontier = next
	}
	// A chain found before a shorter-conditioned one that implies it is
	// dropped: the disjunction is the same.
	for p, cs := range got {
		if len(cs) < 2 {
			continue
		}
		var keep []*chain
		for i, c := range cs {
			redundant := false
			for j, d := range cs {
				if i != j && implies(d.conds, c.conds) && (len(d.conds) < len(c.conds) || j < i) {
					redundant = true
					break
				}
			}
			if !redundant {
				keep = append(keep, c)
			}
		}
		got[p] = keep
	}
	return got, nil
}

// assumers lists the principals whose sts:AssumeRole of role the role's
// trust policy can allow at all (it names them, their account, or
// anyone), in ARN order: the world's users and roles and the services it
// names. Every trust policy must allow an AssumeRole itself, so no one else
// can.
func (wc *whoCan) assumers(role *node) ([]*node, error) {
	var out []*node
	var doc *policy.Policy
	if t := role.e.role.Trust; t != nil {
		doc = t.Policy()
	}
	n := principalsOf(doc, "sts:AssumeRole", true)
	if wc.q.NoIndex {
		n = &named{anyone: true, services: map[string]bool{}}
		for _, s := range wc.x.services {
			n.services[s] = true
		}
	}
	for _, i := range wc.x.namedEntities(n) {
		// As for a direct access (universe): an assumer the trust policy
		// does not name itself in the role's account needs an identity
		// Allow of sts:AssumeRole on the role.
		e := wc.x.entities[i]
		if !wc.q.NoIndex && !(e.account == role.e.account && n.namesItself(e)) && !e.mayAllow("sts:AssumeRole", role.principal) {
			continue
		}
		out = append(out, entityNode(e))
	}
	for _, s := range sortedKeys(n.services) {
		out = append(out, &node{principal: s, caller: s})
	}
	return out, nil
}

// edge decides (once) whether from may assume the role to.
func (wc *whoCan) edge(from, to *node) (edge, error) {
	k := edgeKey{from.principal, to.principal}
	if e, ok := wc.edges[k]; ok {
		return e, nil
	}
	c, err := wc.caller(from)
	if err != nil {
		return edge{}, err
	}
	s, err := wc.d.decide(c, from.principal, "sts:AssumeRole", to.principal)
	var ue *UnknownError
	if err != nil && !errors.As(err, &ue) {
		return edge{}, err
	}
	e := edge{step: s, err: err}
	wc.edges[k] = e
	return e, nil
}

// String renders an access for messages.
func (a *Access) String() string {
	s := a.Principal + " " + a.Decision + " " + a.Action
	if len(a.Via) > 0 {
		s += " via " + strings.Join(a.Via, " -> ")
	}
	return s
}
