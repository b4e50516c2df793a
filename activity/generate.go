package activity

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/world"
)

// ManagedPolicyMax is the most characters (whitespace not counted, as
// policy.Size counts) a managed policy holds ("IAM and AWS STS quotas",
// IAM User Guide).
const ManagedPolicyMax = 6144

// GenerateQuery asks for a least-privilege policy from a principal's
// logged allowed calls.
type GenerateQuery struct {
	World *world.World
	// Principal is an IAM user or role ARN of the world.
	Principal string
	// Activity holds the principal's events (KeepEvents).
	Activity *Activity
	// MaxSize bounds each document (ManagedPolicyMax when 0).
	MaxSize int
	Now     time.Time
	Ctx     context.Context
}

// Generated is a least-privilege policy, in documents that each fit a
// managed policy, with what proved it.
type Generated struct {
	Principal string            `json:"principal"`
	Documents []json.RawMessage `json:"documents"`
	// Pairs are the action-resource pairs granted (one per logged
	// allowed call's action and resource, iam:PassRole inferred ones
	// included).
	Pairs int `json:"pairs"`
	// Replayed is how many logged allowed calls the engine allowed with
	// the new policy in place of the principal's identity policies (all
	// of them, or Generate fails).
	Replayed int `json:"replayed"`
	// Checked is how many of the new policy's permissions (as
	// analysis.Can lists them) the current policies were found to allow.
	Checked int `json:"checked"`
}

// Errors of Generate.
var (
	ErrNoActivity = errors.New("no logged allowed call of the principal")
	// ErrReplay: a logged allowed call is not allowed with the new policy.
	ErrReplay = errors.New("the generated policy does not allow every logged call")
	// ErrNewAccess: the new policy allows what the current ones do not.
	ErrNewAccess = errors.New("the generated policy grants access the current policies do not")
)

// ReplayError lists logged calls the new policy does not allow.
type ReplayError struct {
	Total  int
	Denied []string // the first few, "time action resource: decision"
}

func (e *ReplayError) Error() string {
	return fmt.Sprintf("%v: %d of them denied, such as %s", ErrReplay, e.Total, strings.Join(e.Denied, "; "))
}
func (e *ReplayError) Unwrap() error { return ErrReplay }

// NewAccessError lists what the new policy allows and the current ones
// do not.
type NewAccessError struct{ Pairs []string }

func (e *NewAccessError) Error() string {
	return fmt.Sprintf("%v: %s", ErrNewAccess, strings.Join(e.Pairs, "; "))
}
func (e *NewAccessError) Unwrap() error { return ErrNewAccess }

// statement is one generated statement: actions on resources.
type statement struct {
	Sid      string   `json:"Sid,omitempty"`
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
}

type document struct {
	Version   string      `json:"Version"`
	Statement []statement `json:"Statement"`
}

// Generate writes a policy granting the actions the principal was
// allowed, on the resources the events name ("*" only for calls that
// name none), iam:PassRole on the roles its calls passed; proves that
// every logged allowed call is allowed with it (the same SCPs, RCPs,
// boundary, resource policies and context), and that it grants nothing
// the current policies do not (withinCurrentAccess).
func Generate(q GenerateQuery) (*Generated, error) {
	key := EntityKey(q.Principal)
	use := q.Activity.Entities[key]
	if use == nil || len(use.Events) == 0 {
		return nil, fmt.Errorf("%s: %w", q.Principal, ErrNoActivity)
	}
	max := q.MaxSize
	if max == 0 {
		max = ManagedPolicyMax
	}
	// Resources by action set: resources whose actions are the same share
	// a statement, so the statement grants exactly the pairs used.
	actionsOf := map[string]map[string]bool{}
	spelled := map[string]string{} // lower case action -> first spelling
	pairs := 0
	for _, ev := range use.Events {
		for _, c := range ev.Calls {
			if !c.Allowed {
				continue
			}
			l := strings.ToLower(c.Action)
			if _, ok := spelled[l]; !ok {
				spelled[l] = c.Action
			}
			m := actionsOf[c.Resource]
			if m == nil {
				m = map[string]bool{}
				actionsOf[c.Resource] = m
			}
			if !m[l] {
				m[l] = true
				pairs++
			}
		}
	}
	if pairs == 0 {
		return nil, fmt.Errorf("%s: %w", q.Principal, ErrNoActivity)
	}
	bySet := map[string][]string{}
	for r, m := range actionsOf {
		acts := make([]string, 0, len(m))
		for a := range m {
			acts = append(acts, spelled[a])
		}
		sort.Strings(acts)
		k := strings.Join(acts, ",")
		bySet[k] = append(bySet[k], r)
	}
	var stmts []statement
	for _, k := range sortedKeys(bySet) {
		rs := bySet[k]
		sort.Strings(rs)
		stmts = append(stmts, statement{Effect: "Allow", Action: strings.Split(k, ","), Resource: rs})
	}
	docs, err := pack(stmts, max)
	if err != nil {
		return nil, err
	}
	g := &Generated{Principal: q.Principal, Documents: docs, Pairs: pairs}
	w2, err := withPolicies(q.World, q.Principal, docs)
	if err != nil {
		return nil, err
	}
	if g.Replayed, err = replay(w2, use.Events); err != nil {
		return nil, err
	}
	if g.Checked, err = withinCurrentAccess(q, w2, spelled); err != nil {
		return nil, err
	}
	return g, nil
}

// pack puts statements into documents of at most max characters; a
// statement too big for one document is split by resources, then by
// actions.
func pack(stmts []statement, max int) ([]json.RawMessage, error) {
	size := func(d document) int {
		b, _ := json.Marshal(d)
		return policy.Size(b)
	}
	var split func(s statement) ([]statement, error)
	split = func(s statement) ([]statement, error) {
		if size(document{Version: "2012-10-17", Statement: []statement{s}}) <= max {
			return []statement{s}, nil
		}
		var a, b statement
		switch {
		case len(s.Resource) > 1:
			h := len(s.Resource) / 2
			a, b = statement{Effect: s.Effect, Action: s.Action, Resource: s.Resource[:h]}, statement{Effect: s.Effect, Action: s.Action, Resource: s.Resource[h:]}
		case len(s.Action) > 1:
			h := len(s.Action) / 2
			a, b = statement{Effect: s.Effect, Action: s.Action[:h], Resource: s.Resource}, statement{Effect: s.Effect, Action: s.Action[h:], Resource: s.Resource}
		default:
			return nil, fmt.Errorf("one action on one resource (%s on %s) does not fit in %d characters", s.Action[0], s.Resource[0], max)
		}
		x, err := split(a)
		if err != nil {
			return nil, err
		}
		y, err := split(b)
		return append(x, y...), err
	}
	var all []statement
	for _, s := range stmts {
		parts, err := split(s)
		if err != nil {
			return nil, err
		}
		all = append(all, parts...)
	}
	var docs []json.RawMessage
	cur := document{Version: "2012-10-17"}
	flush := func() {
		if len(cur.Statement) > 0 {
			b, _ := json.MarshalIndent(cur, "", "  ")
			docs = append(docs, b)
			cur = document{Version: "2012-10-17"}
		}
	}
	for _, s := range all {
		next := cur
		next.Statement = append(append([]statement(nil), cur.Statement...), s)
		if size(next) > max {
			flush()
			next = document{Version: "2012-10-17", Statement: []statement{s}}
		}
		cur = next
	}
	flush()
	return docs, nil
}

// GeneratedPolicyName is the name the replay gives the i-th generated
// document, as a customer managed policy of the principal's account.
func GeneratedPolicyName(i int) string { return fmt.Sprintf("iamgate-generated-%d", i+1) }

// withPolicies is the world with the principal's identity policies
// (inline, managed, and for a user its groups') replaced by the
// documents, attached as customer managed policies; its boundary, the
// SCPs and RCPs and every resource policy are kept.
func withPolicies(w *world.World, principal string, docs []json.RawMessage) (*world.World, error) {
	key := EntityKey(principal)
	acct, rest, _ := strings.Cut(key, "/")
	kind, name, _ := strings.Cut(rest, "/")
	fw := w.ToFile()
	var names, arns []string
	for i := range docs {
		names = append(names, GeneratedPolicyName(i))
		arns = append(arns, "arn:aws:iam::"+acct+":policy/"+GeneratedPolicyName(i))
	}
	found := false
	for i := range fw.Accounts {
		fa := &fw.Accounts[i]
		if fa.ID != acct {
			continue
		}
		for i, d := range docs {
			fa.Policies = append(fa.Policies, world.FilePolicy{Name: names[i], Document: world.NewPolicySource(d)})
		}
		switch kind {
		case "role":
			for j := range fa.Roles {
				if fa.Roles[j].Name == name {
					fa.Roles[j].Policies, fa.Roles[j].ManagedPolicies, found = nil, arns, true
				}
			}
		case "user":
			for j := range fa.Users {
				if fa.Users[j].Name == name {
					fa.Users[j].Policies, fa.Users[j].ManagedPolicies, fa.Users[j].Groups, found = nil, arns, nil, true
				}
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("%s: %w", principal, world.ErrUnknownPrincipal)
	}
	return world.Build("generated", fw)
}

// requestContext is what a logged call tells of its request context.
func requestContext(ev *Event) map[string][]string {
	ctx := map[string][]string{}
	if ev.Region != "" {
		ctx["aws:RequestedRegion"] = []string{ev.Region}
	}
	if _, err := netip.ParseAddr(ev.SourceIP); err == nil {
		ctx["aws:SourceIp"] = []string{ev.SourceIP}
	}
	return ctx
}

// replay decides every logged allowed call in w (the world with the new
// policy), as its caller (the user, or the role session), at its time,
// with its region and source IP.
func replay(w *world.World, events []Event) (int, error) {
	callers := map[string]*world.Caller{}
	n := 0
	rerr := &ReplayError{}
	for i := range events {
		ev := &events[i]
		c := callers[ev.Caller]
		if c == nil {
			var err error
			if c, err = w.Caller(ev.Caller); err != nil {
				return n, fmt.Errorf("replay: %w", err)
			}
			callers[ev.Caller] = c
		}
		ctx := requestContext(ev)
		for _, call := range ev.Calls {
			if !call.Allowed {
				continue
			}
			n++
			e, err := w.Decide(world.Request{Caller: c, Action: call.Action, Resource: call.Resource, Context: ctx, Time: ev.Time})
			if err != nil {
				return n, fmt.Errorf("replay %s on %s: %w", call.Action, call.Resource, err)
			}
			if e.Decision != engine.Allowed {
				rerr.Total++
				if len(rerr.Denied) < 5 {
					rerr.Denied = append(rerr.Denied, fmt.Sprintf("%s %s on %s: %s", ev.Time.UTC().Format(time.RFC3339), call.Action, call.Resource, e.Decision))
				}
			}
		}
	}
	if rerr.Total > 0 {
		return n, rerr
	}
	return n, nil
}

// withinCurrentAccess checks that the new policy grants nothing the
// current identity policies do not: analysis.CheckNoNewAccess of the
// principal's identity policies (its own and its groups', merged into one
// document: within one policy type the union is the same) before and with
// the generated ones, exact over actions, resources and conditions (the
// question `iamgate diff --check no-new-access` answers). Where that check
// cannot decide (UNKNOWN) or the documents cannot be merged (versions
// differ), it falls back to comparing what analysis.Can lists for the
// principal in both worlds (canWithin). It returns how many requests or
// permissions it compared.
func withinCurrentAccess(q GenerateQuery, w2 *world.World, spelled map[string]string) (int, error) {
	cur, ok, err := identityPolicy(q.World, q.Principal)
	if err != nil {
		return 0, err
	}
	gen, ok2, err := identityPolicy(w2, q.Principal)
	if err != nil {
		return 0, err
	}
	if ok && ok2 {
		res, err := analysis.CheckNoNewAccess(cur, gen, analysis.IdentityPolicy, analysis.CheckOptions{})
		var ue *analysis.UnknownError
		switch {
		case err == nil && res.Result == analysis.Pass:
			return res.Requests, nil
		case err == nil:
			var bad []string
			for _, r := range res.Reasons {
				bad = append(bad, r.Description)
			}
			if len(bad) == 0 {
				bad = []string{"a request the current policies do not allow"}
			}
			return 0, &NewAccessError{Pairs: bad}
		case !errors.As(err, &ue):
			return 0, err
		}
	}
	return canWithin(q, w2, spelled)
}

// identityPolicy is the principal's identity policies as one document;
// ok is false when they cannot be merged (their versions differ).
func identityPolicy(w *world.World, principal string) (*policy.Policy, bool, error) {
	c, err := w.Caller(principal)
	if err != nil {
		return nil, false, err
	}
	req, err := w.Gather(world.Request{Caller: c, Action: "sts:GetCallerIdentity", Resource: "*"})
	if err != nil {
		return nil, false, err
	}
	merged := &policy.Policy{Version: "2012-10-17", StatementIsList: true}
	for _, p := range req.Policies.Identity {
		if p == nil || p.Source == nil {
			continue
		}
		if p.Source.Version != merged.Version {
			return nil, false, nil
		}
		merged.Statements = append(merged.Statements, p.Source.Statements...)
	}
	return merged, true, nil
}

// canWithin compares what analysis.Can lists for the principal in the
// world with the new policy (the generated actions, on each world resource
// of their types and on the instances of the new policy's Resource
// elements, i.e. every ARN it names) with what it lists in the current
// world: each must be there, as allowed (or allowedIf with the same
// conditions). It is exact for the ARNs it names; for "*" it is as exact
// as Can's resources are.
func canWithin(q GenerateQuery, w2 *world.World, spelled map[string]string) (int, error) {
	services := map[string]bool{}
	for a := range spelled {
		svc, _, _ := strings.Cut(a, ":")
		services[svc] = true
	}
	svcs := sortedKeys(services)
	cq := analysis.CanQuery{Principal: q.Principal, Services: svcs, Time: q.Now, Ctx: q.Ctx}
	after, err := analysis.NewIndex(w2).Can(cq)
	if err != nil {
		return 0, err
	}
	before, err := analysis.NewIndex(q.World).Can(cq)
	if err != nil {
		return 0, err
	}
	type key struct{ action, resource string }
	cur := map[key]*analysis.Permission{}
	for _, p := range before {
		cur[key{p.Action.FullName(), p.Resource}] = p
	}
	// A resource that is neither the world's nor an instance of the
	// current policies' patterns is decided by itself.
	asked := map[string]bool{}
	x := analysis.NewIndex(q.World)
	var bad []string
	for _, p := range after {
		if p.Decision == analysis.DecisionUnknown {
			continue
		}
		k := key{p.Action.FullName(), p.Resource}
		if cur[k] == nil && !asked[p.Resource] {
			asked[p.Resource] = true
			one := cq
			one.Resource = p.Resource
			ps, err := x.Can(one)
			if err != nil {
				return 0, err
			}
			for _, c := range ps {
				if kc := (key{c.Action.FullName(), c.Resource}); cur[kc] == nil {
					cur[kc] = c
				}
			}
		}
		c := cur[k]
		switch {
		case c == nil || c.Decision == analysis.DecisionUnknown:
			bad = append(bad, p.Action.FullName()+" on "+p.Resource)
		case c.Decision == analysis.DecisionAllowed:
		case p.Decision == analysis.DecisionAllowed:
			bad = append(bad, p.Action.FullName()+" on "+p.Resource+" (the current policies allow it only under conditions)")
		default:
			a, _ := json.Marshal(p.Step.AllowedIf)
			b, _ := json.Marshal(c.Step.AllowedIf)
			if string(a) != string(b) {
				bad = append(bad, p.Action.FullName()+" on "+p.Resource+" (under other conditions)")
			}
		}
	}
	if len(bad) > 0 {
		if len(bad) > 10 {
			bad = append(bad[:10], fmt.Sprintf("and %d more", len(bad)-10))
		}
		return 0, &NewAccessError{Pairs: bad}
	}
	return len(after), nil
}
