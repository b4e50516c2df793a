package analysis

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/wildcard"
	"github.com/iamgate/iamgate/world"
)

// DiffOptions bounds a whole-world diff.
type DiffOptions struct {
	// Context holds request keys known for every request, in both worlds;
	// Time fills aws:CurrentTime.
	Context map[string][]string
	Time    time.Time
	// Services limits the actions to these service prefixes (all when
	// empty); Catalog lists them (catalog.Default() when nil).
	Services []string
	Catalog  *catalog.Catalog
	// Removed also reports the access the change takes away.
	Removed bool
	// NoPrune decides every principal, action and resource of the
	// universe instead of those the change set touches (for tests).
	NoPrune bool
}

// Decisions of a DiffRow beyond those of an Access.
const (
	// BeforeNone: the row's principal had no access to the action on the
	// resource before. BeforeAllowedIf: it had, for narrower conditions.
	BeforeNone      = "none"
	BeforeAllowedIf = "allowedIf"
)

// DiffRow is one access that exists in one world and not in the other:
// for new access, a principal may perform the action on the resource
// under NEW for the values of the unknown keys AllowedIf says, and for
// none of them under OLD.
type DiffRow struct {
	Principal string
	Action    string
	Resource  string
	// Pattern is set when Resource is not an ARN of either world but an
	// instance of a Resource pattern written in their policies (exact for
	// that instance).
	Pattern string
	// Decision is DecisionAllowed (for every value of the unknown keys,
	// which OLD allowed for none), DecisionAllowedIf (AllowedIf holds) or
	// DecisionUnknown (Construct says why).
	Decision string
	// AllowedIf is exactly the part of NEW's condition that OLD does not
	// allow (new and not old); Witnesses one context per alternative, each
	// decided by the engine allowed under NEW and not under OLD.
	AllowedIf Formula
	Witnesses []map[string][]string
	// Before is BeforeNone or BeforeAllowedIf (the access existed, for the
	// conditions of BeforeIf: the row is its widening).
	Before    string
	BeforeIf  Formula
	Construct string
}

// WorldDiff is the answer of DiffWorlds.
type WorldDiff struct {
	New []*DiffRow
	// Removed holds, with DiffOptions.Removed, the access OLD allowed and
	// NEW does not (AllowedIf: old and not new; Before then describes NEW).
	Removed []*DiffRow
	// ChangedPrincipals and ChangedResources are what the change set
	// touches (what was decided again); Decided counts the requests the
	// engine was asked about, per world.
	ChangedPrincipals []string
	ChangedResources  []string
	Decided           int
}

// DiffWorlds reports the access NEW grants that OLD did not, over the
// universe of both worlds: every principal (IAM users and roles, the roots
// of the accounts and of those the policies name, the services the
// policies name, and anonymous),
// every catalog action (of opt.Services), and every resource of its types
// (the worlds' resources, users, groups, roles and managed policies, and
// an instance of each Resource pattern the worlds' policies write), or "*"
// for an action without resource types.
//
// A request is decided the same in both worlds unless what the world
// gathers for its principal (identity policies, groups, boundary, tags,
// SCPs along the OU path, the management account) or for its resource
// (resource, key or trust policy, tags, RCPs along the OU path, the owning
// account) differs, so only those are decided again: each changed
// principal on every action and resource (as Can selects them), each
// changed resource for every principal (as WhoCan selects them, with the
// accounts' roots). The differential test checks that this equals
// deciding the whole universe.
func DiffWorlds(old, new *world.World, opt DiffOptions) (*WorldDiff, error) {
	cat := opt.Catalog
	if cat == nil {
		cat = catalog.Default()
	}
	var actions []*catalog.Action
	if len(opt.Services) == 0 {
		for _, s := range cat.Services {
			actions = append(actions, s.Actions...)
		}
	} else {
		for _, p := range opt.Services {
			s, ok := cat.Service(p)
			if !ok {
				return nil, fmt.Errorf("no service %s in the catalog", p)
			}
			actions = append(actions, s.Actions...)
		}
	}
	sides := [2]*diffWorld{newDiffWorld(old, opt), newDiffWorld(new, opt)}
	u := &universe{actions: actions, patternOf: map[string]string{}, byFormat: map[string][]string{}}
	u.collect(sides)
	out := &WorldDiff{}
	var principals, resources []string
	var pf, rf map[string]*actionFilter
	if opt.NoPrune {
		principals, resources = u.principals, nil
	} else {
		principals, pf = changedPrincipals(sides, u.principals)
		resources, rf = changedResources(sides, u.resources)
		out.ChangedPrincipals, out.ChangedResources = principals, resources
	}
	dirs := []struct {
		after, before *diffWorld
		rows          *[]*DiffRow
	}{{sides[1], sides[0], &out.New}}
	if opt.Removed {
		dirs = append(dirs, struct {
			after, before *diffWorld
			rows          *[]*DiffRow
		}{sides[0], sides[1], &out.Removed})
	}
	for _, dir := range dirs {
		j := &joint{after: dir.after, before: dir.before, u: u, seen: map[[3]string]bool{}}
		for _, p := range principals {
			if err := j.principal(p, opt.NoPrune, pf[p]); err != nil {
				return nil, err
			}
		}
		for _, r := range resources {
			if err := j.resource(r, rf[r]); err != nil {
				return nil, err
			}
		}
		sort.Slice(j.rows, func(a, b int) bool {
			x, y := j.rows[a], j.rows[b]
			if x.Principal != y.Principal {
				return x.Principal < y.Principal
			}
			if x.Action != y.Action {
				return x.Action < y.Action
			}
			return x.Resource < y.Resource
		})
		*dir.rows = j.rows
		if j.rows == nil {
			*dir.rows = []*DiffRow{}
		}
		out.Decided += j.decided
	}
	return out, nil
}

// diffWorld is one of the two worlds with its index.
type diffWorld struct {
	w *world.World
	x *Index
	d *decider
	// callers are resolved once; a principal the world lacks is nil.
	callers map[string]*world.Caller
	// sides caches resourceSide by ARN (and trust action or not).
	sides map[string]resourceSide
}

func newDiffWorld(w *world.World, opt DiffOptions) *diffWorld {
	return &diffWorld{w: w, x: NewIndex(w), d: &decider{w: w, context: opt.Context, time: opt.Time},
		callers: map[string]*world.Caller{}, sides: map[string]resourceSide{}}
}

func callerName(principal string) string {
	if principal == "*" {
		return "anonymous"
	}
	return principal
}

func (dw *diffWorld) caller(principal string) *world.Caller {
	if c, ok := dw.callers[principal]; ok {
		return c
	}
	c, err := dw.w.Caller(callerName(principal))
	if err != nil {
		c = nil
	}
	dw.callers[principal] = c
	return c
}

func (dw *diffWorld) side(action, resource string) (resourceSide, error) {
	k := resource
	if isTrustAction(action) {
		k = "\x00" + resource
	}
	if rs, ok := dw.sides[k]; ok {
		return rs, nil
	}
	rs, err := dw.x.resourceSide(action, resource)
	if err != nil {
		return rs, err
	}
	dw.sides[k] = rs
	return rs, nil
}

func isTrustAction(action string) bool {
	switch strings.ToLower(action) {
	case "sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity", "sts:tagsession", "sts:setsourceidentity", "sts:setcontext":
		return true
	}
	return false
}

// universe is what both worlds hold: principals, resource ARNs (with the
// instances of Resource patterns), and the actions.
type universe struct {
	actions    []*catalog.Action
	principals []string
	resources  []string
	// patternOf maps an instance to the pattern it stands for.
	patternOf map[string]string
	// byFormat caches the resources a resource type's pattern matches.
	byFormat map[string][]string
	// anyone lists the roots and services among them: a policy that
	// names anyone names them too, and who-can's universe lists only "*".
	anyone []string
}

func (u *universe) collect(sides [2]*diffWorld) {
	ps, rs := map[string]bool{"*": true}, map[string]bool{}
	for _, dw := range sides {
		for _, e := range dw.x.entities {
			ps[e.arn] = true
		}
		for _, s := range dw.x.services {
			ps[s] = true
		}
		for id := range dw.w.Accounts.All() {
			ps["arn:aws:iam::"+id+":root"] = true
		}
		// The roots of accounts outside the world that a resource or
		// trust policy names (who-can considers them).
		for _, d := range dw.x.resourceDocs() {
			for a := range principalsOf(d.policy, "", false).accounts {
				ps["arn:aws:iam::"+a+":root"] = true
			}
		}
		for _, r := range dw.x.worldARNs() {
			rs[r] = true
		}
		note := func(d *world.Document) {
			if d == nil || d.Policy() == nil {
				return
			}
			for _, s := range d.Policy().Statements {
				for _, l := range []*policy.List{s.Resource, s.NotResource} {
					if l == nil {
						continue
					}
					for _, v := range l.Texts() {
						if v == "*" || strings.Contains(v, "${") {
							continue
						}
						if wildcard.HasWildcard(v) {
							in := instance(v)
							if _, ok := u.patternOf[in]; !ok && !rs[in] {
								u.patternOf[in] = v
							}
							rs[in] = true
							continue
						}
						rs[v] = true
					}
				}
			}
		}
		inline := func(in []world.InlinePolicy) {
			for _, p := range in {
				note(p.Document)
			}
		}
		for _, a := range dw.w.Accounts.All() {
			for _, x := range a.Users.All() {
				inline(x.Inline)
			}
			for _, x := range a.Groups.All() {
				inline(x.Inline)
			}
			for _, x := range a.Roles.All() {
				inline(x.Inline)
			}
			for _, mp := range a.Policies.All() {
				note(mp.Default())
			}
			for _, r := range a.Resources.All() {
				note(r.Policy)
			}
		}
	}
	// An ARN of a world is not an instance.
	for _, dw := range sides {
		for _, r := range dw.x.worldARNs() {
			delete(u.patternOf, r)
		}
	}
	u.principals = sortedKeys(ps)
	u.resources = sortedKeys(rs)
	for _, p := range u.principals {
		if strings.HasSuffix(p, ":root") || !strings.HasPrefix(p, "arn:") {
			u.anyone = append(u.anyone, p)
		}
	}
}

// resourcesOf lists the universe's resources of the action's types, or
// "*" for an action without one.
func (u *universe) resourcesOf(a *catalog.Action) []string {
	pats := formatsOf(a)
	if len(pats) == 0 {
		return []string{"*"}
	}
	var out []string
	for _, p := range pats {
		rs, ok := u.byFormat[p]
		if !ok {
			for _, r := range u.resources {
				if wildcardMatch(p, r) {
					rs = append(rs, r)
				}
			}
			u.byFormat[p] = rs
		}
		out = append(out, rs...)
	}
	if len(pats) > 1 {
		sort.Strings(out)
		out = compact(out)
	}
	return out
}

func compact(xs []string) []string {
	out := xs[:0]
	for i, x := range xs {
		if i == 0 || x != xs[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// joint decides requests in the world after and the world before.
type joint struct {
	after, before *diffWorld
	u             *universe
	rows          []*DiffRow
	seen          map[[3]string]bool
	decided       int
}

// principal decides a principal on every action and resource it can be
// allowed (after): the actions an Allow statement of its identity
// policies or of a resource or trust policy naming it matches (every
// action for a root), on the resources of its account and those of
// other accounts whose policy names it. With all, every action and
// resource; with a filter, only the actions it admits.
func (j *joint) principal(p string, all bool, filter *actionFilter) error {
	if j.after.caller(p) == nil {
		return nil
	}
	x := j.after.x
	e := x.byARN[p]
	isRoot := strings.HasSuffix(p, ":root")
	anyAction := all || isRoot || (e != nil && e.notAction)
	var patterns []string
	if e != nil {
		patterns = append(patterns, e.actions...)
	}
	if !anyAction {
		for _, d := range x.resourceDocs() {
			for _, s := range d.policy.Statements {
				if s.Effect != policy.Allow || !principalsOfStatement(s).admitsPrincipal(p, e) {
					continue
				}
				if s.NotAction != nil {
					anyAction = true
					continue
				}
				patterns = append(patterns, s.Action.Texts()...)
			}
		}
	}
	account := ""
	switch {
	case e != nil:
		account = e.account
	case isRoot:
		account = strings.TrimSuffix(strings.TrimPrefix(p, "arn:aws:iam::"), ":root")
	}
	// naming holds, per resource policy, its Allow statements that name
	// the principal.
	naming := map[*policy.Policy][]*policy.Statement{}
	namesFor := func(doc *policy.Policy, action string) bool {
		if doc == nil {
			return false
		}
		stmts, ok := naming[doc]
		if !ok {
			for _, s := range doc.Statements {
				if s.Effect == policy.Allow && principalsOfStatement(s).admitsPrincipal(p, e) {
					stmts = append(stmts, s)
				}
			}
			naming[doc] = stmts
		}
		for _, s := range stmts {
			if statementMatchesAction(s, action) {
				return true
			}
		}
		return false
	}
	for _, a := range j.u.actions {
		name := a.FullName()
		if !anyAction && !anyActionMatch(patterns, name) && !strings.EqualFold(name, noPermissionAction) {
			continue
		}
		if !filter.admits(name) {
			continue
		}
		for _, r := range j.u.resourcesOf(a) {
			if !all && account != "" {
				// Across accounts the resource's policy must allow the
				// principal itself (engine.Authorize): skip those whose
				// policy names it in no Allow statement for the action.
				rs, err := j.after.side(name, r)
				if err != nil {
					return err
				}
				if rs.account != "" && rs.account != account && !namesFor(rs.policy, name) {
					continue
				}
			}
			if err := j.decide(p, name, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// resource decides every principal who-can would consider for each
// action on the resource (after), and the roots: the resource account's,
// those its policy names, and, when it names anyone, every root and
// service of the universe. With a filter, only the actions it admits.
func (j *joint) resource(r string, filter *actionFilter) error {
	for _, a := range j.u.actions {
		name := a.FullName()
		if !filter.admits(name) || !j.after.x.appliesTo(a, r) {
			continue
		}
		_, cands, err := j.after.x.universe(name, r, false)
		if err != nil {
			return err
		}
		ps := map[string]bool{}
		for _, n := range cands {
			ps[n.principal] = true
		}
		rs, err := j.after.side(name, r)
		if err != nil {
			return err
		}
		if rs.account != "" {
			ps["arn:aws:iam::"+rs.account+":root"] = true
		}
		if principalsOf(rs.policy, name, false).anyone {
			for _, p := range j.u.anyone {
				ps[p] = true
			}
		}
		for _, p := range sortedKeys(ps) {
			if err := j.decide(p, name, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// decide adds the row of (p, action, r) when after allows it for some
// context before does not.
func (j *joint) decide(p, action, r string) error {
	k := [3]string{p, strings.ToLower(action), r}
	if j.seen[k] {
		return nil
	}
	j.seen[k] = true
	ca := j.after.caller(p)
	if ca == nil {
		return nil
	}
	j.decided++
	row := &DiffRow{Principal: p, Action: action, Resource: r, Pattern: j.u.patternOf[r], Before: BeforeNone}
	sa, err := j.after.d.decide(ca, p, action, r)
	var ue *UnknownError
	switch {
	case errors.As(err, &ue):
		row.Decision, row.Construct = DecisionUnknown, ue.Construct
		j.rows = append(j.rows, row)
		return nil
	case err != nil:
		return err
	case sa == nil:
		return nil
	}
	cb := j.before.caller(p)
	if cb == nil {
		// The principal is not in the world before: all of its access is new.
		row.AllowedIf, row.Witnesses = sa.AllowedIf, sa.Witnesses
		row.Decision = decisionOf(sa.AllowedIf)
		j.rows = append(j.rows, row)
		return nil
	}
	j.decided++
	sb, err := j.before.d.decide(cb, p, action, r)
	switch {
	case errors.As(err, &ue):
		row.Decision, row.Construct = DecisionUnknown, "before: "+ue.Construct
		j.rows = append(j.rows, row)
		return nil
	case err != nil:
		return err
	case sb == nil:
		row.AllowedIf, row.Witnesses = sa.AllowedIf, sa.Witnesses
		row.Decision = decisionOf(sa.AllowedIf)
		return j.recheck(row, ca, cb)
	case sb.Always():
		return nil
	}
	row.Before, row.BeforeIf = BeforeAllowedIf, sb.AllowedIf
	qa, qb, err := j.prepare(ca, cb, action, r)
	if err != nil {
		return err
	}
	res, err := allowedIfDiff(qa, qb, relevantUnknown(qa, action), relevantUnknown(qb, action), Options{})
	switch {
	case errors.As(err, &ue):
		row.Decision, row.Construct = DecisionUnknown, ue.Construct
		j.rows = append(j.rows, row)
		return nil
	case err != nil:
		return fmt.Errorf("%s %s %s: %w", p, action, r, err)
	case res.AllowedIf.Never():
		return nil
	}
	row.AllowedIf, row.Witnesses = res.AllowedIf, res.Witnesses
	row.Decision = decisionOf(res.AllowedIf)
	return j.recheck(row, ca, cb)
}

func decisionOf(f Formula) string {
	if f.Always() {
		return DecisionAllowed
	}
	return DecisionAllowedIf
}

func (j *joint) prepare(ca, cb *world.Caller, action, r string) (qa, qb *engine.Prepared, err error) {
	qa, err = j.after.w.Prepare(world.Request{Caller: ca, Action: strings.ToLower(action), Resource: r, Context: j.after.d.context, Time: j.after.d.time})
	if err != nil {
		return nil, nil, err
	}
	qb, err = j.before.w.Prepare(world.Request{Caller: cb, Action: strings.ToLower(action), Resource: r, Context: j.before.d.context, Time: j.before.d.time})
	return qa, qb, err
}

// recheck decides every witness of the row again, from both worlds: the
// engine must allow it after and not before.
func (j *joint) recheck(row *DiffRow, ca, cb *world.Caller) error {
	qa, qb, err := j.prepare(ca, cb, row.Action, row.Resource)
	if err != nil {
		return err
	}
	ua, ub := relevantUnknown(qa, row.Action), relevantUnknown(qb, row.Action)
	for i, wit := range row.Witnesses {
		if !allowsWith(qa, ua, wit) || allowsWith(qb, ub, wit) {
			return fmt.Errorf("analysis: %s %s %s: the witness of alternative %d is not allowed after and denied before", row.Principal, row.Action, row.Resource, i+1)
		}
	}
	j.rows = append(j.rows, row)
	return nil
}

// allowsWith decides q with its unknown keys set from wit (absent when
// wit lacks them); keys of wit not unknown to q keep q's values.
func allowsWith(q *engine.Prepared, unknown []string, wit map[string][]string) bool {
	set := map[string][]string{}
	for _, k := range unknown {
		for wk, v := range wit {
			if strings.EqualFold(wk, k) {
				set[strings.ToLower(k)] = v
			}
		}
	}
	return engine.Authorize(q.WithContext(set, unknown)).Decision == engine.Allowed
}
