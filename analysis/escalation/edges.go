package escalation

import (
	"errors"
	"slices"
	"strings"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/wildcard"
	"github.com/iamgate/iamgate/world"
)

// newResourceName names the resources a technique creates.
const newResourceName = "iamgate-escalation"

// subst fills a step's placeholders for principal p and target t.
func (s *Searcher) subst(text string, tech *Technique, p string, t target) string {
	if !strings.Contains(text, "{") {
		return text
	}
	self := p
	if self == "" {
		self = "{self}"
	}
	acct := accountOf(p)
	if acct == "" {
		acct = t.account
	}
	return strings.NewReplacer("{target}", t.arn, "{role}", t.role, "{self}", self, "{account}", acct, "{region}", s.opt.Region,
		"{service}", tech.Service, "{policy}", AdministratorAccess, "{name}", newResourceName).Replace(text)
}

// targets lists a technique's targets, filtered by its requirements that
// do not depend on the principal.
func (s *Searcher) targets(t *Technique) []target {
	var out []target
	for _, id := range sortedKeys(s.w.Accounts.Map()) {
		a := s.w.Accounts.Get(id)
		switch t.Target {
		case "user", "self":
			for _, n := range sortedKeys(a.Users.Map()) {
				u := a.Users.Get(n)
				if t.Target == "self" && t.requires(ReqIsRole) {
					break
				}
				if t.requires(ReqAccessKeySlot) && len(u.AccessKeys) >= MaxAccessKeys ||
					t.requires(ReqLoginProfile) && !u.LoginProfile ||
					t.requires(ReqNoLoginProfile) && u.LoginProfile ||
					t.requires(ReqNoMFA) && len(u.MFADevices) > 0 {
					continue
				}
				out = append(out, target{arn: u.ARN(), account: id})
			}
			if t.Target == "user" || t.requires(ReqIsUser) {
				continue
			}
			fallthrough
		case "role":
			for _, n := range sortedKeys(a.Roles.Map()) {
				r := a.Roles.Get(n).ARN()
				out = append(out, target{arn: r, role: r, account: id})
			}
		case "group":
			for _, n := range sortedKeys(a.Groups.Map()) {
				out = append(out, target{arn: a.Groups.Get(n).ARN(), account: id})
			}
		case "policy", "policyVersion":
			for _, n := range sortedKeys(a.Policies.Map()) {
				mp := a.Policies.Get(n)
				if mp.ARN == "" {
					continue
				}
				if t.Target == "policy" {
					if !t.requires(ReqVersionSlot) || len(mp.Versions) < MaxPolicyVersions {
						out = append(out, target{arn: mp.ARN, account: id})
					}
					continue
				}
				def := mp.Default()
				for _, v := range mp.Versions {
					if v.Document != def || !t.requires(ReqNotDefault) {
						out = append(out, target{arn: mp.ARN, version: v.ID, account: id})
					}
				}
			}
		case "instanceProfile":
			for _, n := range sortedKeys(a.InstanceProfiles) {
				ip := a.InstanceProfiles[n]
				if r := profileRole(ip); r != "" {
					out = append(out, target{arn: ip.ARN(), role: r, account: id})
				}
			}
		case "resource":
			for _, r := range sortedKeys(a.Resources.Map()) {
				res := a.Resources.Get(r)
				if !wildcard.Match(t.ResourceType, r) {
					continue
				}
				role := res.Role
				if t.requires(ReqHasProfile) {
					role = ""
					if ip := s.w.InstanceProfileByARN(res.InstanceProfile); ip != nil {
						role = profileRole(ip)
					}
				}
				if role == "" && (t.requires(ReqHasRole) || t.requires(ReqHasProfile)) {
					continue
				}
				out = append(out, target{arn: r, role: role, account: id})
			}
		}
	}
	return out
}

// profileRole is the ARN of an instance profile's role ("" when it has
// none the world holds).
func profileRole(ip *world.InstanceProfile) string {
	for _, n := range ip.Roles {
		if r := ip.Account.Roles.Get(n); r != nil {
			return r.ARN()
		}
	}
	return ""
}

// candidates finds, per principal, the (technique, target) pairs whose
// first step the index admits it to at all; nothing else can be allowed.
func (s *Searcher) candidates() error {
	s.cands = map[string][]candidate{}
	memo := map[[2]string][]string{}
	for _, t := range s.tech {
		for _, tg := range s.targets(t) {
			first := t.Steps[0]
			res := s.subst(first.Resource, t, "", tg)
			if strings.Contains(res, "{") {
				return &TechniqueError{File: "techniques", ID: t.ID, Msg: "its first step's resource must name the target: " + first.Resource}
			}
			k := [2]string{first.Action, res}
			ps, ok := memo[k]
			if !ok {
				var err error
				if s.opt.NoIndex {
					ps = s.principals()
				} else if ps, err = s.x.Candidates(first.Action, res); err != nil {
					return err
				}
				memo[k] = ps
			}
			for _, p := range ps {
				if t.Target == "self" && p != tg.arn {
					continue
				}
				s.cands[p] = append(s.cands[p], candidate{t: t, target: tg})
			}
		}
	}
	return nil
}

// edgesOf decides (once) every candidate technique of identity p.
func (s *Searcher) edgesOf(p string) ([]*edge, error) {
	if es, ok := s.edges[p]; ok {
		return es, nil
	}
	var out []*edge
	for _, cd := range s.cands[p] {
		e, err := s.decideEdge(p, cd.t, cd.target)
		var ue *analysis.UnknownError
		switch {
		case errors.As(err, &ue):
			s.unknown = append(s.unknown, &Unknown{Principal: p, Technique: cd.t.ID, Target: cd.target.String(), Construct: ue.Construct})
			continue
		case err != nil:
			return nil, err
		case e != nil:
			out = append(out, e)
		}
	}
	s.edges[p] = out
	return out, nil
}

// principalOK checks the requirements that depend on the principal.
func (s *Searcher) principalOK(p string, t *Technique, tg target) (bool, error) {
	u := s.userByARN(p)
	role := s.w.RoleByARN(p)
	for _, r := range t.Requires {
		switch r {
		case ReqNotSelf:
			if tg.arn == p {
				return false, nil
			}
		case ReqSameAccount:
			if tg.account != accountOf(p) {
				return false, nil
			}
		case ReqIsUser:
			if u == nil {
				return false, nil
			}
		case ReqIsRole:
			if role == nil {
				return false, nil
			}
		case ReqMember, ReqNotMember:
			in := u != nil && tg.account == accountOf(p) && slices.ContainsFunc(u.Groups, func(g string) bool {
				grp := u.Account.Groups.Get(g)
				return grp != nil && grp.ARN() == tg.arn
			})
			if in != (r == ReqMember) {
				return false, nil
			}
		case ReqAttachedToSelf:
			if !s.attached(u, role, tg.arn) {
				return false, nil
			}
		case ReqTrustsService:
			ok, err := s.trustsService(tg.role, t.Service)
			if err != nil || !ok {
				return false, err
			}
		}
	}
	return true, nil
}

// attached reports whether a managed policy is attached to the user (or
// one of its groups) or the role.
func (s *Searcher) attached(u *world.User, r *world.Role, policyARN string) bool {
	switch {
	case u != nil:
		if slices.Contains(u.Managed, policyARN) {
			return true
		}
		for _, g := range u.Groups {
			if grp := u.Account.Groups.Get(g); grp != nil && slices.Contains(grp.Managed, policyARN) {
				return true
			}
		}
	case r != nil:
		return slices.Contains(r.Managed, policyARN)
	}
	return false
}

// trustsService decides (once) whether the service may assume the role:
// its trust policy allows the service principal sts:AssumeRole (for some
// values of the request's unknown keys, such as aws:SourceAccount, which
// the service sets).
func (s *Searcher) trustsService(role, service string) (bool, error) {
	k := role + "\x00" + service
	if v, ok := s.trusts[k]; ok {
		return v, nil
	}
	c, err := s.caller(service)
	if err != nil {
		return false, err
	}
	st, err := s.d.Decide(c, service, "sts:AssumeRole", role, nil, nil)
	var ue *analysis.UnknownError
	if errors.As(err, &ue) {
		err = nil
	}
	if err != nil {
		return false, err
	}
	s.trusts[k] = st != nil
	return st != nil, nil
}

// decideEdge decides every step of technique t by p on the target: nil
// when one is allowed for no value of its unknown keys.
func (s *Searcher) decideEdge(p string, t *Technique, tg target) (*edge, error) {
	ok, err := s.principalOK(p, t, tg)
	if err != nil || !ok {
		return nil, err
	}
	c, err := s.caller(p)
	if err != nil {
		return nil, err
	}
	e := &edge{t: t, target: tg}
	for _, sp := range t.Steps {
		res := s.subst(sp.Resource, t, p, tg)
		var given map[string][]string
		for k, v := range sp.Context {
			if given == nil {
				given = map[string][]string{}
			}
			given[k] = []string{s.subst(v, t, p, tg)}
		}
		var change analysis.Change
		if sp.NewTrust {
			if change, err = s.newTrust(p, tg.arn); err != nil {
				return nil, err
			}
		}
		st, err := s.d.Decide(c, p, sp.Action, res, given, change)
		if err != nil || st == nil {
			return nil, err
		}
		e.steps = append(e.steps, &Step{Technique: t.ID, Principal: p, Action: sp.Action, Resource: res, Decided: st, Change: change, Context: given})
	}
	g, err := s.grantFor(t, tg)
	if err != nil {
		return nil, err
	}
	switch t.Gains {
	case "target":
		e.gained = identity{arn: tg.arn, grant: g}
	case "role":
		e.gained = identity{arn: tg.role, grant: g}
	case "self":
		e.gained = identity{arn: p, grant: g}
	}
	return e, nil
}

// newTrust replaces the resource (trust) policy of an sts:AssumeRole of
// role by one that allows principal p, as iam:UpdateAssumeRolePolicy would
// write it.
func (s *Searcher) newTrust(p, role string) (analysis.Change, error) {
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + p + `"},"Action":"sts:AssumeRole"}]}`
	pol, err := policy.Parse("trust of "+role+" rewritten", []byte(doc))
	if err != nil {
		return nil, err
	}
	cp, err := engine.Compile(pol, engine.ResourcePolicy, "trust of "+role+" rewritten")
	if err != nil {
		return nil, err
	}
	return func(r *engine.Request) { r.Policies.Resource = cp }, nil
}

const allowAllDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// grantFor is what technique t gives the identity it gains (nil: nothing).
func (s *Searcher) grantFor(t *Technique, tg target) (*grant, error) {
	var label string
	switch t.Grant {
	case "":
		return nil, nil
	case "adminPolicy":
		label = "attached " + AdministratorAccess
	case "allowAll":
		label = "inline policy allowing * on *"
	case "group":
		label = "member of " + tg.arn
	case "version":
		label = tg.arn + " default version " + tg.version
	case "newVersion":
		label = tg.arn + " new default version allowing * on *"
	}
	if g, ok := s.grants[label]; ok {
		return g, nil
	}
	g := &grant{label: label}
	compile := func(name string, p *policy.Policy) error {
		cp, err := engine.Compile(p, engine.IdentityPolicy, name)
		if err == nil {
			g.add = append(g.add, cp)
		}
		return err
	}
	allowAll := func() error {
		p, err := policy.Parse("allow-all", []byte(allowAllDoc))
		if err != nil {
			return err
		}
		return compile("allow-all", p)
	}
	var err error
	switch t.Grant {
	case "adminPolicy":
		mp, ok := s.w.ManagedPolicy(AdministratorAccess)
		if !ok || mp.Default() == nil {
			return nil, errors.New("escalation: no " + AdministratorAccess + " in the catalog")
		}
		err = compile(AdministratorAccess, mp.Default().Policy())
	case "allowAll":
		err = allowAll()
	case "group":
		grp := s.groupByARN(tg.arn)
		if grp == nil {
			return nil, errors.New("escalation: no group " + tg.arn)
		}
		for _, in := range grp.Inline {
			if err = compile(tg.arn+" "+in.Name, in.Document.Policy()); err != nil {
				break
			}
		}
		for _, m := range grp.Managed {
			if mp, ok := s.w.ManagedPolicy(m); ok && mp.Default() != nil && err == nil {
				err = compile(m, mp.Default().Policy())
			}
		}
	case "version", "newVersion":
		mp, ok := s.w.ManagedPolicy(tg.arn)
		if !ok || mp.Default() == nil {
			return nil, errors.New("escalation: no policy " + tg.arn)
		}
		g.drop = mp.Default().Policy()
		if t.Grant == "newVersion" {
			err = allowAll()
			break
		}
		for _, v := range mp.Versions {
			if v.ID == tg.version {
				err = compile(tg.arn+" "+v.ID, v.Document.Policy())
			}
		}
	}
	if err != nil {
		return nil, err
	}
	s.grants[label] = g
	return g, nil
}

func (s *Searcher) groupByARN(a string) *world.Group {
	acct := s.w.Accounts.Get(accountOf(a))
	if acct == nil {
		return nil
	}
	g := acct.Groups.Get(a[strings.LastIndexByte(a, '/')+1:])
	if g == nil || g.ARN() != a {
		return nil
	}
	return g
}

// principals lists every user and role of the world.
func (s *Searcher) principals() []string {
	var out []string
	for _, id := range sortedKeys(s.w.Accounts.Map()) {
		a := s.w.Accounts.Get(id)
		for _, n := range sortedKeys(a.Users.Map()) {
			out = append(out, a.Users.Get(n).ARN())
		}
		for _, n := range sortedKeys(a.Roles.Map()) {
			out = append(out, a.Roles.Get(n).ARN())
		}
	}
	return out
}
