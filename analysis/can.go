package analysis

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/wildcard"
)

// CanQuery asks what one principal may do.
type CanQuery struct {
	// Principal is a user or role ARN of the world, an account's root
	// (arn:aws:iam::ACCT:root or the ID) or a service principal.
	Principal string
	// Services limits the actions to these service prefixes (all when
	// empty); Resource to one resource.
	Services []string
	Resource string
	Context  map[string][]string
	Time     time.Time
	// Catalog lists the actions (catalog.Default() when nil).
	Catalog *catalog.Catalog
	// NoIndex decides every action of the services on every resource of
	// its types (for tests).
	NoIndex bool
	// Ctx, when set, stops the analysis once it is done (cancelled or past
	// its deadline): Can then returns its error.
	Ctx context.Context
}

// Permission is one action the principal may perform on one resource.
type Permission struct {
	Action   *catalog.Action
	Resource string
	// Pattern is set when Resource is not a resource of the world but an
	// instance of a Resource pattern of the principal's policies: the
	// answer is exact for that instance (a witness), not for every ARN
	// the pattern matches.
	Pattern   string
	Decision  string // DecisionAllowed, DecisionAllowedIf or DecisionUnknown
	Step      *Step  // nil when unknown
	Construct string
}

// worldARNs lists every ARN the world describes as a resource: resources,
// users, groups, roles and customer managed policies, sorted.
func (x *Index) worldARNs() []string {
	if x.arns != nil {
		return x.arns
	}
	seen := map[string]string{}
	for id, a := range x.w.Accounts.All() {
		for r := range a.Resources.All() {
			seen[r] = id
		}
		for _, u := range a.Users.All() {
			seen[u.ARN()] = id
		}
		for _, g := range a.Groups.All() {
			seen[g.ARN()] = id
		}
		for _, r := range a.Roles.All() {
			seen[r.ARN()] = id
		}
		for _, p := range a.Policies.All() {
			if p.ARN != "" {
				seen[p.ARN] = id
			}
		}
	}
	x.arns = sortedKeys(seen)
	x.arnAccount = seen
	x.arnsBySvc = map[string][]string{}
	for _, r := range x.arns {
		x.arnsBySvc[arnService(r)] = append(x.arnsBySvc[arnService(r)], r)
	}
	return x.arns
}

var placeholder = regexp.MustCompile(`\$\{[^}]*\}`)

// arnFormat turns a catalog ARN format (arn:${Partition}:s3:::${BucketName})
// into a wildcard pattern.
func arnFormat(f string) string { return placeholder.ReplaceAllString(f, "*") }

// formatsOf returns the wildcard patterns of the action's resource types
// (none for an action without one).
func formatsOf(a *catalog.Action) []string {
	var pats []string
	for _, rt := range a.ResourceTypes {
		if rt.Type != nil && rt.Type.ARN != "" {
			pats = append(pats, arnFormat(rt.Type.ARN))
		}
	}
	return pats
}

// typedARNs are the world's ARNs one resource type's pattern matches,
// sorted, and the same by account.
type typedARNs struct {
	all    []string
	byAcct map[string][]string
}

// ofFormat lists (once per Index, under its lock) the world's ARNs a
// resource type's pattern matches. Only ARNs of the pattern's service are
// matched.
func (x *Index) ofFormat(p string) *typedARNs {
	x.mu.Lock()
	defer x.mu.Unlock()
	if t, ok := x.formats[p]; ok {
		return t
	}
	arns := x.worldARNs()
	if svc := arnService(p); !wildcard.HasWildcard(svc) {
		arns = x.arnsBySvc[svc]
	}
	t := &typedARNs{byAcct: map[string][]string{}}
	for _, r := range arns {
		if wildcardMatch(p, r) {
			t.all = append(t.all, r)
			a := x.arnAccount[r]
			t.byAcct[a] = append(t.byAcct[a], r)
		}
	}
	x.formats[p] = t
	return t
}

// resourcesIn lists the world's ARNs of the action's resource types, or
// "*" when the action has none, limited, when account is not "", to the
// ARNs of that account and those of others (ARNs of other accounts, by
// service; namedOf caches per pattern those it matches); sorted.
func (x *Index) resourcesIn(a *catalog.Action, account string, others map[string][]string, namedOf map[string][]string) []string {
	pats := formatsOf(a)
	if len(pats) == 0 {
		return []string{"*"}
	}
	var out []string
	for _, p := range pats {
		t := x.ofFormat(p)
		if account == "" {
			out = append(out, t.all...)
			continue
		}
		out = append(out, t.byAcct[account]...)
		matched, ok := namedOf[p]
		if !ok {
			svc := arnService(p)
			for s, rs := range others {
				if s != svc && !wildcard.HasWildcard(svc) {
					continue
				}
				for _, r := range rs {
					if wildcardMatch(p, r) {
						matched = append(matched, r)
					}
				}
			}
			namedOf[p] = matched
		}
		out = append(out, matched...)
	}
	if len(pats) > 1 || account != "" {
		sort.Strings(out)
		out = slices.Compact(out)
	}
	return out
}

// arnService is the service field of an ARN (or ARN pattern).
func arnService(a string) string {
	parts := strings.SplitN(a, ":", 4)
	if len(parts) < 4 {
		return ""
	}
	return parts[2]
}

// Can lists every action (of the catalog) the principal may perform, on
// each resource of the world of the action's resource types (or "*" for
// actions without one), decided by the engine. Unless NoIndex, only actions
// that an Allow statement of the principal's identity policies, or of a
// resource policy that names it, matches are decided: nothing else can
// allow them. The root user of an account is decided on every action.
func (x *Index) Can(q CanQuery) ([]*Permission, error) {
	cat := q.Catalog
	if cat == nil {
		cat = catalog.Default()
	}
	principal, caller := q.Principal, q.Principal
	if len(principal) == 12 && isDigits(principal) {
		principal = "arn:aws:iam::" + principal + ":root"
		caller = principal
	}
	c, err := x.w.Caller(caller)
	if err != nil {
		return nil, err
	}
	var services []*catalog.Service
	if len(q.Services) == 0 {
		services = cat.Services
	} else {
		for _, p := range q.Services {
			s, ok := cat.Service(p)
			if !ok {
				return nil, errors.New("no service " + p + " in the catalog")
			}
			services = append(services, s)
		}
	}
	e := x.byARN[principal]
	isRoot := strings.HasSuffix(principal, ":root")
	// Patterns that can allow: the entity's identity Allow patterns, and
	// those of the Allow statements of resource policies naming it.
	var patterns []string
	anyAction := q.NoIndex || isRoot || (e != nil && e.notAction)
	if e != nil {
		patterns = append(patterns, e.actions...)
	}
	// naming holds, by ARN, the Allow statements of the resource and trust
	// policies that name the principal.
	naming := map[string][]*policy.Statement{}
	if !q.NoIndex {
		for _, d := range x.resourceDocs() {
			for _, s := range d.policy.Statements {
				if s.Effect != policy.Allow {
					continue
				}
				n := principalsOfStatement(s)
				if !n.admitsPrincipal(principal, e) {
					continue
				}
				naming[d.arn] = append(naming[d.arn], s)
				if s.NotAction != nil {
					anyAction = true
					continue
				}
				patterns = append(patterns, s.Action.Texts()...)
			}
		}
	}
	// Patterns repeat (every bucket's policy may name the same
	// organization): keep each once, in lower case as the engine matches.
	{
		seen := map[string]bool{}
		uniq := patterns[:0:0]
		for _, p := range patterns {
			if lp := strings.ToLower(p); !seen[lp] {
				seen[lp] = true
				uniq = append(uniq, lp)
			}
		}
		patterns = uniq
	}
	// The principal's account: a resource of another account is allowed
	// only when its policy allows the principal (engine.Authorize,
	// cross-account), so only those named are decided there.
	var account string
	switch {
	case e != nil:
		account = e.account
	case isRoot:
		if a, err := arn.Parse(principal); err == nil {
			account = a.AccountID
		}
	}
	if q.NoIndex {
		account = ""
	}
	// others: the ARNs of other accounts whose policies name the principal,
	// by service.
	others := map[string][]string{}
	for r := range naming {
		if ra, ok := x.arnAccount[r]; ok && ra != account {
			others[arnService(r)] = append(others[arnService(r)], r)
		}
	}
	namedOf := map[string][]string{}
	crossDenied := func(action, r string) bool {
		if account == "" {
			return false
		}
		ra, ok := x.arnAccount[r]
		if !ok || ra == account {
			return false
		}
		for _, s := range naming[r] {
			if statementMatchesAction(s, action) {
				return false
			}
		}
		return true
	}
	// Resources the principal's own policies name beyond the world's: an
	// ARN as written, and for a pattern an instance of it.
	type extra struct{ arn, pattern string }
	var extras []extra
	if e != nil {
		inWorld := map[string]bool{}
		for _, r := range x.worldARNs() {
			inWorld[r] = true
		}
		seen := map[string]bool{}
		for _, r := range e.resources {
			if r == "*" || strings.Contains(r, "${") || seen[r] {
				continue
			}
			seen[r] = true
			ex := extra{arn: r}
			if wildcard.HasWildcard(r) {
				ex = extra{arn: instance(r), pattern: r}
			}
			if !inWorld[ex.arn] {
				extras = append(extras, ex)
			}
		}
		sort.Slice(extras, func(i, j int) bool { return extras[i].arn < extras[j].arn })
	}
	d := &decider{ctx: q.Ctx, w: x.w, context: q.Context, time: q.Time}
	var out []*Permission
	for _, s := range services {
		for _, a := range s.Actions {
			name := a.FullName()
			if !anyAction && !anyActionMatch(patterns, name) && !strings.EqualFold(name, noPermissionAction) {
				continue
			}
			var resources []string
			if q.Resource != "" {
				if x.appliesTo(a, q.Resource) {
					resources = []string{q.Resource}
				}
			} else {
				resources = x.resourcesIn(a, account, others, namedOf)
			}
			patternOf := map[string]string{}
			if q.Resource == "" && !(len(resources) == 1 && resources[0] == "*") {
				for _, ex := range extras {
					if x.appliesTo(a, ex.arn) {
						resources = append(resources, ex.arn)
						patternOf[ex.arn] = ex.pattern
					}
				}
			}
			for _, r := range resources {
				if crossDenied(name, r) {
					continue
				}
				step, err := d.decide(c, principal, name, r)
				var ue *UnknownError
				switch {
				case errors.As(err, &ue):
					out = append(out, &Permission{Action: a, Resource: r, Pattern: patternOf[r], Decision: DecisionUnknown, Construct: ue.Construct})
					continue
				case err != nil:
					return nil, err
				case step == nil:
					continue
				}
				p := &Permission{Action: a, Resource: r, Pattern: patternOf[r], Decision: DecisionAllowedIf, Step: step}
				if step.Always() {
					p.Decision = DecisionAllowed
				}
				out = append(out, p)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if a, b := out[i].Action.FullName(), out[j].Action.FullName(); a != b {
			return a < b
		}
		return out[i].Resource < out[j].Resource
	})
	return out, nil
}

// instance is an ARN a Resource pattern matches: '*' as "x", '?' as "x".
func instance(pattern string) string {
	return strings.NewReplacer("*", "x", "?", "x").Replace(pattern)
}

// appliesTo reports whether an ARN is of one of the action's resource
// types ("*" for an action without any).
func (x *Index) appliesTo(a *catalog.Action, r string) bool {
	if len(formatsOf(a)) == 0 {
		return r == "*"
	}
	for _, rt := range a.ResourceTypes {
		if rt.Type != nil && rt.Type.ARN != "" && wildcardMatch(arnFormat(rt.Type.ARN), r) {
			return true
		}
	}
	return false
}

func wildcardMatch(pattern, s string) bool { return wildcard.Match(pattern, s) }

// resourceDoc is a resource, key or trust policy with the ARN it is on.
type resourceDoc struct {
	arn    string
	policy *policy.Policy
}

// resourceDocs lists the world's resource, key and trust policies.
func (x *Index) resourceDocs() []resourceDoc {
	var out []resourceDoc
	for _, id := range sortedKeys(x.w.Accounts.Map()) {
		a := x.w.Accounts.Get(id)
		for _, r := range sortedKeys(a.Resources.Map()) {
			if d := a.Resources.Get(r).Policy; d != nil && d.Policy() != nil {
				out = append(out, resourceDoc{r, d.Policy()})
			}
		}
		for _, r := range sortedKeys(a.Roles.Map()) {
			if d := a.Roles.Get(r).Trust; d != nil && d.Policy() != nil {
				out = append(out, resourceDoc{a.Roles.Get(r).ARN(), d.Policy()})
			}
		}
	}
	return out
}
