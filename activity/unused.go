package activity

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/importer"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/world"
)

// UnusedQuery asks what access went unused.
type UnusedQuery struct {
	World    *world.World
	Activity *Activity
	// Since and Until are the period the activity covers (for the report).
	Since, Until  time.Time
	Observability Observability
	// Now is when effective permissions are decided (aws:CurrentTime).
	Now     time.Time
	Catalog *catalog.Catalog
	Ctx     context.Context
	// Account, when not empty, limits the report to that account's users
	// and roles.
	Account string
}

// Report is what went unused in a period.
type Report struct {
	Since      time.Time          `json:"since"`
	Until      time.Time          `json:"until"`
	Sources    []string           `json:"sources"`
	Events     int                `json:"events"`
	Principals []*PrincipalReport `json:"principals"`
}

// PrincipalReport is one user's or role's use.
type PrincipalReport struct {
	ARN  string `json:"arn"`
	Kind string `json:"kind"` // user or role
	// Unused: no logged call of it, nor (a role) any assumption of it.
	Unused   bool       `json:"unused"`
	LastUsed *time.Time `json:"lastUsed,omitempty"`
	// ConsoleSignIn is the last successful console sign-in (a user's
	// password in use).
	ConsoleSignIn *time.Time `json:"consoleSignIn,omitempty"`
	// Password is set for a user with a console password (the world's
	// loginProfile).
	Password      *PasswordUse `json:"password,omitempty"`
	AccessKeys    []KeyUse     `json:"accessKeys,omitempty"`
	Groups        []GroupUse   `json:"groups,omitempty"`
	Trust         []TrustUse   `json:"trust,omitempty"`
	Granted       int          `json:"granted"` // effectively granted actions
	UsedActions   []string     `json:"usedActions,omitempty"`
	UnusedActions []string     `json:"unusedActions,omitempty"`
	// UnusedServices: services some of whose granted actions can be
	// observed and none of whose actions was used.
	UnusedServices []string       `json:"unusedServices,omitempty"`
	Unobservable   []Unobservable `json:"unobservable,omitempty"`
}

// PasswordUse is a console password's use: unused when no successful
// ConsoleLogin event of the user is in the period. Console sign-ins are
// CloudTrail events of signin.amazonaws.com (CloudTrail User Guide, "AWS
// Management Console sign-in events"); without CloudTrail events the use
// cannot be seen, and Unobservable says so instead of Unused.
type PasswordUse struct {
	Unused       bool       `json:"unused"`
	Unobservable bool       `json:"unobservable,omitempty"`
	LastUsed     *time.Time `json:"lastUsed,omitempty"`
}

// KeyUse is an access key's last use.
type KeyUse struct {
	ID       string     `json:"id"`
	Status   string     `json:"status,omitempty"`
	Unused   bool       `json:"unused"`
	LastUsed *time.Time `json:"lastUsed,omitempty"`
}

// GroupUse is a group membership: used when the group's own policies
// allow one of the user's logged allowed calls.
type GroupUse struct {
	Group  string `json:"group"`
	Unused bool   `json:"unused"`
}

// TrustUse is a principal a role's trust policy allows, and whether it
// assumed the role.
type TrustUse struct {
	Principal string     `json:"principal"`
	Exercised bool       `json:"exercised"`
	LastUsed  *time.Time `json:"lastUsed,omitempty"`
}

// Unobservable is a granted action the logs could not show in use.
type Unobservable struct {
	Action string `json:"action"`
	Why    string `json:"why"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// needsNoPermission are actions every principal may call whatever its
// policies say: no permission grants them, so none goes unused.
// sts:GetCallerIdentity: "No permissions are required to perform this
// operation" (AWS STS API Reference, GetCallerIdentity).
var needsNoPermission = map[string]bool{"sts:getcalleridentity": true}

// Unused reports, for every user and role of the world, what of its
// access the activity does not show in use.
func Unused(q UnusedQuery) (*Report, error) {
	r := &Report{Since: q.Since.UTC(), Until: q.Until.UTC(), Events: q.Activity.Events}
	for s := range q.Activity.Sources {
		if s == "" {
			s = "iamgate"
		}
		r.Sources = append(r.Sources, s)
	}
	sort.Strings(r.Sources)
	x := analysis.NewIndex(q.World)
	for _, id := range sortedKeys(q.World.Accounts.Map()) {
		if q.Account != "" && id != q.Account {
			continue
		}
		acct := q.World.Accounts.Get(id)
		for _, name := range sortedKeys(acct.Users.Map()) {
			u := acct.Users.Get(name)
			pr, err := q.principal(x, u.ARN(), "user", id+"/user/"+u.Name)
			if err != nil {
				return nil, err
			}
			use := q.Activity.Entities[id+"/user/"+u.Name]
			for _, k := range u.AccessKeys {
				ku := KeyUse{ID: k.ID, Status: k.Status, Unused: true}
				if use != nil && !use.Keys[k.ID].IsZero() {
					ku.Unused, ku.LastUsed = false, timePtr(use.Keys[k.ID])
				}
				pr.AccessKeys = append(pr.AccessKeys, ku)
			}
			if use != nil {
				pr.ConsoleSignIn = timePtr(use.ConsoleSignIn)
			}
			if u.LoginProfile {
				pw := &PasswordUse{LastUsed: pr.ConsoleSignIn}
				switch {
				case pw.LastUsed != nil:
				case q.Observability.CloudTrail:
					pw.Unused = true
				default:
					pw.Unobservable = true
				}
				pr.Password = pw
			}
			for _, g := range u.Groups {
				gu, err := q.groupUse(acct, g, u, use)
				if err != nil {
					return nil, err
				}
				pr.Groups = append(pr.Groups, gu)
			}
			r.Principals = append(r.Principals, pr)
		}
		for _, name := range sortedKeys(acct.Roles.Map()) {
			role := acct.Roles.Get(name)
			key := id + "/role/" + role.Name
			pr, err := q.principal(x, role.ARN(), "role", key)
			if err != nil {
				return nil, err
			}
			assumed := q.Activity.Assumed[key]
			var last time.Time
			for _, t := range assumed {
				if t.After(last) {
					last = t
				}
			}
			if !last.IsZero() {
				if pr.LastUsed == nil || last.After(*pr.LastUsed) {
					pr.LastUsed = timePtr(last)
				}
				pr.Unused = false
			}
			pr.Trust = trustUse(role, assumed)
			r.Principals = append(r.Principals, pr)
		}
	}
	return r, nil
}

func (q UnusedQuery) principal(x *analysis.Index, principal, kind, key string) (*PrincipalReport, error) {
	pr := &PrincipalReport{ARN: principal, Kind: kind, Unused: true}
	use := q.Activity.Entities[key]
	if use != nil {
		pr.Unused, pr.LastUsed = false, timePtr(use.Last)
	}
	perms, err := x.Can(analysis.CanQuery{Principal: principal, Time: q.Now, Catalog: q.Catalog, Ctx: q.Ctx})
	if err != nil {
		return nil, err
	}
	granted := map[string]bool{}
	for _, p := range perms {
		if needsNoPermission[strings.ToLower(p.Action.FullName())] {
			continue
		}
		if p.Decision == analysis.DecisionAllowed || p.Decision == analysis.DecisionAllowedIf {
			granted[p.Action.FullName()] = true
		}
	}
	pr.Granted = len(granted)
	usedService := map[string]bool{}
	observableService := map[string]bool{}
	if use != nil {
		for a := range use.Actions {
			svc, _, _ := strings.Cut(a, ":")
			usedService[svc] = true
		}
	}
	for _, a := range sortedKeys(granted) {
		l := strings.ToLower(a)
		svc, _, _ := strings.Cut(l, ":")
		if use != nil && !use.Actions[l].IsZero() {
			pr.UsedActions = append(pr.UsedActions, a)
			continue
		}
		if why := q.Observability.Unobservable(a); why != "" {
			pr.Unobservable = append(pr.Unobservable, Unobservable{Action: a, Why: why})
			continue
		}
		observableService[svc] = true
		pr.UnusedActions = append(pr.UnusedActions, a)
	}
	for _, s := range sortedKeys(observableService) {
		if !usedService[s] {
			pr.UnusedServices = append(pr.UnusedServices, s)
		}
	}
	return pr, nil
}

// groupUse decides the user's logged allowed calls as a stand-in member
// of the group: holding only the group's policies (with the account's
// SCPs and RCPs, and the resource policies).
func (q UnusedQuery) groupUse(acct *world.Account, group string, u *world.User, use *Use) (GroupUse, error) {
	g := acct.Groups.Get(group)
	gu := GroupUse{Group: group, Unused: true}
	if g == nil || use == nil {
		if g != nil {
			gu.Group = g.ARN()
		}
		return gu, nil
	}
	gu.Group = g.ARN()
	c, err := q.World.GroupCaller(g.ARN(), u.ARN())
	if err != nil {
		return gu, err
	}
	for _, p := range sortedPairs(use.Pairs) {
		e, err := q.World.Decide(world.Request{Caller: c, Action: p.Action, Resource: p.Resource, Time: q.Now})
		if err != nil {
			continue // an action or resource the engine cannot decide for the group is no use of it
		}
		if e.Decision == engine.Allowed {
			gu.Unused = false
			break
		}
	}
	return gu, nil
}

// trustUse lists the principals the role's trust policy allows and
// whether each assumed it: an ARN by itself (a role's sessions count), an
// account (ID or root ARN) by any of its principals, a service by
// itself, a federated provider by any federated assumption, "*" by anyone.
func trustUse(role *world.Role, assumed map[string]time.Time) []TrustUse {
	if role.Trust == nil || role.Trust.Policy() == nil {
		return nil
	}
	var out []TrustUse
	seen := map[string]bool{}
	add := func(p string, match func(k string) bool) {
		if seen[p] {
			return
		}
		seen[p] = true
		tu := TrustUse{Principal: p}
		var last time.Time
		for k, t := range assumed {
			if match(k) && t.After(last) {
				last = t
			}
		}
		if !last.IsZero() {
			tu.Exercised, tu.LastUsed = true, timePtr(last)
		}
		out = append(out, tu)
	}
	for _, s := range role.Trust.Policy().Statements {
		if s.Effect != policy.Allow || s.Principal == nil {
			continue
		}
		p := s.Principal
		if p.Wildcard {
			add("*", func(string) bool { return true })
		}
		for _, v := range p.AWS {
			t := v.Text
			switch {
			case t == "*":
				add("*", func(string) bool { return true })
			case len(t) == 12 || strings.HasSuffix(t, ":root"):
				acct := t
				if len(t) != 12 {
					acct = strings.Split(t, ":")[4]
				}
				add(t, func(k string) bool { return strings.HasPrefix(k, acct+"/") })
			default:
				want := EntityKey(t)
				add(t, func(k string) bool { return k == want })
			}
		}
		for _, v := range p.Service {
			svc := v.Text
			add(svc, func(k string) bool { return k == svc })
		}
		for _, v := range p.Federated {
			add(v.Text, func(k string) bool { return k == importer.Federated })
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedPairs(m map[Pair]bool) []Pair {
	out := make([]Pair, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Action != out[j].Action {
			return out[i].Action < out[j].Action
		}
		return out[i].Resource < out[j].Resource
	})
	return out
}
