package escalation

import (
	"errors"
	"sort"
	"strings"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/wildcard"
	"github.com/iamgate/iamgate/world"
)

// patterns are the lower-case Action patterns of the identity's Allow
// statements, its grant's included; any is set when one is a NotAction
// statement or "*". An action no pattern matches is not allowed on "*":
// nothing else can allow it (a request on "*" has no resource policy).
func (s *Searcher) patterns(id identity) (pats []string, any bool) {
	ps, notAction, _ := s.x.AllowPatterns(id.arn)
	pats = append(pats, ps...)
	any = notAction
	if id.grant != nil {
		for _, p := range id.grant.add {
			for _, st := range p.Source.Statements {
				if st.Effect != policy.Allow {
					continue
				}
				if st.NotAction != nil {
					any = true
					continue
				}
				for _, a := range st.Action.Texts() {
					pats = append(pats, strings.ToLower(a))
				}
			}
		}
	}
	for _, p := range pats {
		if p == "*" {
			any = true
		}
	}
	return pats, any
}

func matchAny(pats []string, action string) bool {
	for _, p := range pats {
		if p == "*" || wildcard.MatchFold(p, action) {
			return true
		}
	}
	return false
}

// classes of one identity's actions on "*": a request on "*" has no
// resource policy, and the world gathers the same policies for every
// action of one caller, so two actions that the same statements of those
// policies match (Action or NotAction) are decided alike, by the same
// statements with the same conditions. The one exception is the AWS rule
// for sts:GetCallerIdentity, which is decided by itself.
type classes struct {
	stmts []*policy.Statement
	memo  map[string]bool // signature -> allowed whatever the unknown keys
}

func (s *Searcher) classesOf(id identity) (*classes, error) {
	k := id.key()
	if cl, ok := s.classes[k]; ok {
		return cl, nil
	}
	c, err := s.caller(id.arn)
	if err != nil {
		return nil, err
	}
	req, err := s.w.Gather(world.Request{Caller: c, Action: "iam:getuser", Resource: "*", Context: s.opt.Context, Time: s.opt.Time})
	if err != nil {
		return nil, err
	}
	if ch := id.grant.change(); ch != nil {
		ch(&req)
	}
	cl := &classes{memo: map[string]bool{}}
	add := func(p *engine.Policy) {
		if p != nil && p.Source != nil {
			cl.stmts = append(cl.stmts, p.Source.Statements...)
		}
	}
	ps := &req.Policies
	for _, p := range ps.Identity {
		add(p)
	}
	add(ps.Resource)
	add(ps.PermissionsBoundary)
	for _, p := range ps.Session {
		add(p)
	}
	for _, lvl := range append(append([][]*engine.Policy(nil), ps.SCP...), ps.RCP...) {
		for _, p := range lvl {
			add(p)
		}
	}
	add(ps.Endpoint)
	s.classes[k] = cl
	return cl, nil
}

// signature is which of the statements match the action.
func (cl *classes) signature(action string) string {
	b := make([]byte, (len(cl.stmts)+7)/8)
	for i, st := range cl.stmts {
		list, not := st.Action, false
		if st.NotAction != nil {
			list, not = st.NotAction, true
		}
		hit := list == nil
		if list != nil {
			// MatchFold ignores case: the patterns are read as written,
			// without a lowered copy per statement per action.
			for _, v := range list.Values {
				if v.Text == "*" || wildcard.MatchFold(v.Text, action) {
					hit = true
					break
				}
			}
		}
		if hit != not {
			b[i/8] |= 1 << (i % 8)
		}
	}
	return string(b)
}

// allowedStar decides whether the identity is allowed the action on "*"
// whatever the request's unknown keys: once per class of actions (see
// classes; NoClasses decides every action).
func (s *Searcher) allowedStar(id identity, action string) (bool, error) {
	k := id.key()
	m := s.star[k]
	if m == nil {
		m = map[string]bool{}
		s.star[k] = m
	}
	if v, ok := m[action]; ok {
		return v, nil
	}
	var cl *classes
	var sig string
	if !s.opt.NoClasses && action != "sts:getcalleridentity" {
		var err error
		if cl, err = s.classesOf(id); err != nil {
			return false, err
		}
		sig = cl.signature(action)
		if v, ok := cl.memo[sig]; ok {
			m[action] = v
			return v, nil
		}
	}
	c, err := s.caller(id.arn)
	if err != nil {
		return false, err
	}
	st, err := s.d.Decide(c, id.arn, action, "*", nil, id.grant.change())
	var ue *analysis.UnknownError
	if errors.As(err, &ue) {
		st, err = nil, nil // not decided allowed: not counted
	}
	if err != nil {
		return false, err
	}
	v := st != nil && st.Always()
	m[action] = v
	if cl != nil {
		cl.memo[sig] = v
	}
	return v, nil
}

// sentinels are decided first by isAdmin: actions an SCP or boundary
// commonly denies, so that a capped identity is told from an
// administrator early.
var sentinels = []string{"iam:createuser", "iam:attachrolepolicy", "iam:passrole", "sts:assumerole", "organizations:leaveorganization",
	"ec2:runinstances", "s3:getobject", "kms:decrypt", "lambda:createfunction", "cloudtrail:stoplogging", "account:closeaccount"}

// isAdmin decides (once) whether the identity is an administrator: allowed
// every action of the catalog on "*", whatever the unknown keys, by the
// engine with every policy the world gathers (identity, boundary, SCPs,
// session) and the identity's grant.
func (s *Searcher) isAdmin(id identity) (bool, error) {
	k := id.key()
	if v, ok := s.admin[k]; ok {
		return v, nil
	}
	v, err := s.decideAdmin(id)
	if err != nil {
		return false, err
	}
	s.admin[k] = v
	return v, nil
}

func (s *Searcher) decideAdmin(id identity) (bool, error) {
	pats, any := s.patterns(id)
	if !any {
		// Every catalog action must match an Allow pattern: service
		// wildcards for every service at least.
		for _, a := range s.actions {
			if !matchAny(pats, a) {
				return false, nil
			}
		}
	}
	for _, a := range sentinels {
		ok, err := s.allowedStar(id, a)
		if err != nil || !ok {
			return false, err
		}
	}
	for _, a := range s.actions {
		ok, err := s.allowedStar(id, a)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// stronger reports whether g is allowed on "*" some catalog action that p
// is not.
func (s *Searcher) stronger(g, p identity) (bool, error) {
	gp, gany := s.patterns(g)
	pp, pany := s.patterns(p)
	var acts []string
	if gany {
		acts = s.actions
	} else {
		seen := map[string]bool{}
		for _, pat := range gp {
			svc, _, _ := strings.Cut(pat, ":")
			list := s.svc[svc]
			if wildcard.HasWildcard(svc) {
				list = s.actions
			}
			for _, a := range list {
				if !seen[a] && wildcard.MatchFold(pat, a) {
					seen[a] = true
					acts = append(acts, a)
				}
			}
		}
		sort.Strings(acts)
	}
	for _, a := range acts {
		ok, err := s.allowedStar(g, a)
		if err != nil {
			return false, err
		}
		if !ok {
			continue
		}
		if !pany && !matchAny(pp, a) {
			return true, nil
		}
		had, err := s.allowedStar(p, a)
		if err != nil {
			return false, err
		}
		if !had {
			return true, nil
		}
	}
	return false, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
