package analysis

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/evaldoc"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/policy/condition"
	"github.com/iamgate/iamgate/wildcard"
)

// A check's requests are the unknowns action, resource, principal (for
// resource policies) and the context keys the policies mention. Each is
// split into regions on which every pattern or condition of the policies is
// constant; the engine decides one request per combination of regions.
//
//   - Actions: the universe (the catalog's actions, or CheckOptions.Actions,
//     plus the actions the policies name literally) is grouped into classes
//     that match the same Action and NotAction patterns; one action stands
//     for its class.
//   - Resources: the string solver (automaton.go) splits all strings into
//     regions of the Resource and NotResource patterns, read as ARN
//     patterns as the engine reads them, and of the ARN shape itself, plus
//     the resource "*". For resource policies the resource's account is
//     split too, by the accounts the policy names.
//   - Principals (resource policies): every principal the policies name
//     (with a session of each role), and for the resource's account, every
//     account named and one account named nowhere, a root, user, role,
//     role session and federated user named nowhere; anonymous; every
//     service named and one named nowhere. A principal in another account
//     than the resource's has an identity policy allowing everything, so
//     that the resource policy decides (AWS: cross-account access needs
//     both); one in the resource's account has none.
//     Callers are grouped into classes the statements decide alike
//     (distinctCallers); one caller stands for its class.
//   - Context keys: as AllowedIf splits them (regions.go), every key the
//     policies mention; a combination holds one region's witness (or
//     absence) per key the statements that match the action and resource
//     and apply to the caller mention.
//
// For identity policies the caller is one IAM user in the resource's
// account, so that only the identity policy decides.

const (
	checkUserAccount = "111122223333"
	checkUser        = "arn:aws:iam::" + checkUserAccount + ":user/iamgate-check"
)

// principalKeys are the keys the engine derives from the principal
// (engine.PrincipalContext).
var principalKeys = map[string]bool{
	"aws:principalarn": true, "aws:principalaccount": true, "aws:userid": true, "aws:username": true,
	"aws:principaltype": true, "aws:principalisawsservice": true, "aws:principalservicename": true,
}

// PublicKeys are the context keys that identify the caller, its
// organization or its network. CheckNoPublicAccess counts a request public
// only when each of them is absent or holds a value no wildcard-free policy
// value names, following the S3 User Guide, "The meaning of public"
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status):
// a policy that grants only to fixed principals, aws:SourceArn,
// aws:SourceVpc, aws:SourceVpce, aws:SourceOwner, aws:SourceAccount,
// aws:userid values or a set of aws:SourceIp CIDRs is not public; and the
// organization keys Access Analyzer treats as a zone of trust.
var PublicKeys = []string{
	"aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceowner", "aws:sourceaccount",
	"aws:sourceip", "aws:userid", "aws:principalorgid", "aws:principalorgpaths", "aws:sourceorgid",
	"aws:sourceorgpaths", "aws:principalaccount", "aws:principalarn", "aws:resourceorgid",
	"s3:x-amz-server-side-encryption-aws-kms-key-id", "kms:calleraccount", "aws:vpcsourceip",
}

type space struct {
	opt     CheckOptions
	kind    PolicyKind
	pols    []*policy.Policy
	cps     []*engine.Policy
	probe   *engine.Policy
	public  bool
	resKind engine.ResourcePolicyKind
	sample  string

	actions []string
	// stmts are the policies' statements; multi the keys a set operator
	// compares; keyCache the keys of statement sets (keysFor).
	stmts    []stmtAt
	multi    map[string]bool
	keyCache map[string][]*keyStates
	// keyStatesCache holds each key's states by the conditions on it
	// (keysFor).
	keyStatesCache map[string]*keyStates
	resNFA         map[string]*nfa
	resCache       map[string][]string
	dfas           dfaCache
	shape          *nfa
	// probeTexts are the listed resources (CheckAccessNotGranted).
	probeTexts []string
	keyName    map[string]string // as first written
	bare       map[int]*engine.Policy
	named      []string // accounts the policies name
	allowAll   *engine.Policy
	// allowAllList holds allowAll, the identity policy of a caller in
	// another account than the resource's.
	allowAllList []*engine.Policy
	// scratch is the Prepared that distinctCallers' decisions reuse.
	scratch engine.Prepared
	owners  map[string]string // owner's answers
	// prin caches mayApply's view of each statement's Principal
	// (indices into stmts).
	prin []*stmtPrincipal
	// callerRecs are the callers met; callerLists the callers of an
	// account for a principalInfo (callers). They hold the case's values
	// (withCase makes them anew).
	callerRecs  map[string]*caller
	callerLists map[listKey][]*caller
	memoIDs     map[string]int
	infos       map[string]infoRec  // callers' principalsOf, by group
	infoIDs     map[string]int      // principalInfos by content
	members     map[string][]string // callersOf's principals of an account
	// vars are the policy variables and their cases (checkvars.go); vc
	// is the case a space decides (nil: none).
	vars *varPlan
	vc   *varCase
}

func (sp *space) polType() engine.PolicyType {
	if sp.kind == ResourcePolicy {
		return engine.ResourcePolicy
	}
	return engine.IdentityPolicy
}

func newSpace(pols []*policy.Policy, kind PolicyKind, opt CheckOptions, probe *policy.Policy, public *resourceType) (*space, error) {
	if opt.MaxCombinations <= 0 {
		opt.MaxCombinations = 1 << 20
	}
	if opt.MaxStates <= 0 {
		opt.MaxStates = 20000
	}
	sp := &space{opt: opt, kind: kind, pols: pols}
	if public != nil {
		sp.public, sp.resKind, sp.sample = true, public.kind, public.sample
	}
	for i, p := range pols {
		if p == nil {
			return nil, &CheckInputError{Field: "policy", Msg: fmt.Sprintf("policy %d is nil", i+1)}
		}
		cp, err := engine.Compile(p, sp.polType(), p.File)
		if err != nil {
			return nil, &CheckInputError{Field: "policy", Msg: "the engine refuses " + p.File, Err: err}
		}
		sp.cps = append(sp.cps, cp)
	}
	all := append([]*policy.Policy{}, pols...)
	if probe != nil {
		cp, err := engine.Compile(probe, engine.IdentityPolicy, "access")
		if err != nil {
			return nil, &CheckInputError{Field: "access", Msg: "the listed access", Err: err}
		}
		sp.probe = cp
		all = append(all, probe)
	}
	ap := checkAllowAll()
	sp.allowAll = ap
	sp.allowAllList = []*engine.Policy{ap}
	if err := sp.planVariables(pols, probe); err != nil {
		return nil, err
	}
	if err := sp.principalSpace(pols); err != nil {
		return nil, err
	}
	sp.actionClasses(all)
	sp.resNFA, sp.resCache, sp.dfas = map[string]*nfa{}, map[string][]string{}, dfaCache{}
	sp.shape = arnNFA([5][]tunit{{{kind: uStar}}, {{kind: uStar}}, {{kind: uStar}}, {{kind: uStar}}, {{kind: uStar}}})
	if probe != nil {
		sp.probeTexts = resourceTexts(probe.Statements[0])
	}
	if err := sp.contextKeys(pols); err != nil {
		return nil, err
	}
	return sp, nil
}

// actionClasses groups the universe by the Action and NotAction patterns.
func (sp *space) actionClasses(pols []*policy.Policy) {
	var pats []string
	seen := map[string]bool{}
	var literal []string
	for _, p := range pols {
		for _, s := range p.Statements {
			for _, l := range []*policy.List{s.Action, s.NotAction} {
				if l == nil {
					continue
				}
				for _, v := range l.Values {
					t := strings.ToLower(v.Text)
					if !seen[t] {
						seen[t] = true
						pats = append(pats, t)
						if !strings.ContainsAny(t, "*?") && strings.Contains(t, ":") {
							literal = append(literal, v.Text)
						}
					}
				}
			}
		}
	}
	var universe []uaction
	if sp.opt.Actions == nil {
		universe = catalogUniverse()
	} else {
		universe = makeUniverse(sp.opt.Actions)
	}
	segments := [2][]uaction{makeUniverse(literal), universe}
	// Patterns by service: one whose service has no wildcard only matches
	// that service's actions.
	bySvc := map[string][]int{}
	var anySvc []int
	for i, t := range pats {
		svc, _, ok := strings.Cut(t, ":")
		if !ok || strings.ContainsAny(svc, "*?") {
			anySvc = append(anySvc, i)
			continue
		}
		bySvc[svc] = append(bySvc[svc], i)
	}
	// A service whose patterns (with those of any service) are all "*" or
	// "svc:*" gives all its actions one vector: its first action stands
	// for them all.
	constant := map[string]bool{}
	isConstant := func(svc string) bool {
		c, ok := constant[svc]
		if ok {
			return c
		}
		c = true
		for _, list := range [2][]int{bySvc[svc], anySvc} {
			for _, i := range list {
				if t := pats[i]; t != "*" && t != svc+":*" {
					c = false
				}
			}
		}
		constant[svc] = c
		return c
	}
	done := map[string]bool{} // constant services already met
	classes := map[string]bool{}
	vec := make([]byte, len(pats))
	for _, seg := range segments {
		for j := 0; j < len(seg); j++ {
			a := seg[j]
			if isConstant(a.svc) {
				if done[a.svc] {
					j = a.runEnd - 1 // the rest of the service's run
					continue
				}
				done[a.svc] = true
			}
			sp.classify(a, pats, bySvc, anySvc, vec, classes)
		}
	}
}

// classify adds action a to the classes: a new class when no action
// before it matched the same patterns.
func (sp *space) classify(a uaction, pats []string, bySvc map[string][]int, anySvc []int, vec []byte, classes map[string]bool) {
	for i := range vec {
		vec[i] = '0'
	}
	for _, list := range [2][]int{bySvc[a.svc], anySvc} {
		for _, i := range list {
			if t := pats[i]; t == "*" || t == a.lower || wildcard.Match(t, a.lower) {
				vec[i] = '1'
			}
		}
	}
	if !classes[string(vec)] {
		classes[string(vec)] = true
		sp.actions = append(sp.actions, a.name)
	}
}

// uaction is an action of the universe: as written, lower case, its
// service, and the index after the last action of the run of actions of
// its service it is in.
type uaction struct {
	name, lower, svc string
	runEnd           int
}

func makeUniverse(names []string) []uaction {
	out := make([]uaction, 0, len(names))
	for _, n := range names {
		l := strings.ToLower(n)
		svc, name, ok := strings.Cut(l, ":")
		if !ok || svc == "" || name == "" {
			continue
		}
		out = append(out, uaction{name: n, lower: l, svc: svc})
	}
	for i := len(out) - 1; i >= 0; i-- {
		out[i].runEnd = i + 1
		if i+1 < len(out) && out[i+1].svc == out[i].svc {
			out[i].runEnd = out[i+1].runEnd
		}
	}
	return out
}

// checkAllowAll is the identity policy of callers in another account
// than the resource's: it allows everything, so that the resource policy
// decides.
var checkAllowAll = sync.OnceValue(func() *engine.Policy {
	return engine.MustCompile(engine.IdentityPolicy, "allow-all", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
})

var (
	catalogOnce sync.Once
	catalogActs []uaction
)

// catalogUniverse is every action of the catalog.
func catalogUniverse() []uaction {
	catalogOnce.Do(func() {
		var names []string
		for _, s := range catalog.Default().Services {
			for _, a := range s.Actions {
				names = append(names, a.FullName())
			}
		}
		catalogActs = makeUniverse(names)
	})
	return catalogActs
}

// resourcesFor finds one resource per region of the resource patterns
// texts (and, for resource policies, of the accounts the policies name),
// plus "*".
func (sp *space) resourcesFor(texts []string) ([]string, error) {
	sort.Strings(texts)
	sig := strings.Join(sp.resKeys(texts), "\x00")
	if rs, ok := sp.resCache[sig]; ok {
		return rs, nil
	}
	var ns []*nfa
	var nice []string
	seen := map[string]bool{}
	add := func(t string) {
		if t == "*" || seen[t] {
			return
		}
		seen[t] = true
		comps, ok := splitARN(t)
		if !ok {
			return // never matches an ARN
		}
		rc := sp.resourceUnits(t, comps)
		n := sp.resNFA[sp.resKey(t)]
		if n == nil {
			n = arnNFA(rc)
			sp.resNFA[sp.resKey(t)] = n
		}
		ns = append(ns, n)
		// A readable member of the pattern: a whole-component '*' in the
		// region or account is a real-looking one.
		parts, plain := make([]string, 5), make([]string, 5)
		for j, c := range rc {
			plain[j] = fillUnits(c)
			switch {
			case j == 2 && isStar(c):
				parts[j] = "us-east-1"
			case j == 3 && isStar(c):
				parts[j] = "123456789012"
			default:
				parts[j] = plain[j]
			}
		}
		nice = append(nice, "arn:"+strings.Join(parts, ":"), "arn:"+strings.Join(plain, ":"))
	}
	for _, t := range texts {
		add(t)
	}
	shape := len(ns)
	ns = append(ns, sp.shape)
	w, order, ok := solveStringsWith(ns, sp.opt.MaxStates, sp.dfas)
	if !ok {
		return nil, unknownf("resources: the string solver's automaton exceeds %d states", sp.opt.MaxStates)
	}
	if sp.sample != "" {
		nice = append([]string{sp.sample}, nice...)
	}
	pretty := map[string]string{}
	for _, c := range nice {
		v := make([]byte, len(ns))
		for i, n := range ns {
			v[i] = '0'
			if sp.dfas.of(n).match(c) {
				v[i] = '1'
			}
		}
		if _, ok := pretty[string(v)]; !ok {
			pretty[string(v)] = c
		}
	}
	out := []string{"*"}
	for _, v := range order {
		if v[shape] != '1' {
			continue // not an ARN: no request names it
		}
		r := w[v]
		if c, ok := pretty[v]; ok {
			r = c
		}
		if !arn.IsARN(r) {
			return nil, fmt.Errorf("analysis: internal: resource witness %q is not an ARN", r)
		}
		out = append(out, r)
	}
	sp.resCache[sig] = out
	return out, nil
}

// principalInfo is what a set of statements names of principals: accounts,
// principal ARNs (with a session of each role) and services.
type principalInfo struct {
	named, principals, services []string
}

// principalSpace collects the principals and accounts resource policies
// name, and refuses what is outside the fragment.
func (sp *space) principalSpace(pols []*policy.Policy) error {
	if sp.kind != ResourcePolicy {
		return nil
	}
	var all []stmtAt
	for pi, p := range pols {
		for _, s := range p.Statements {
			all = append(all, stmtAt{s: s, pol: pi})
		}
	}
	info, err := sp.principalsOf(all)
	if err != nil {
		return err
	}
	sp.named = info.named
	return nil
}

// principalsOf collects what statements name of principals.
func (sp *space) principalsOf(stmts []stmtAt) (principalInfo, error) {
	var info principalInfo
	accounts := map[string]bool{}
	prin := map[string]bool{}
	svc := map[string]bool{}
	addPrincipal := func(s string) error {
		p, err := engine.ParsePrincipal(s)
		if err != nil {
			return nil // matches no caller
		}
		if p.Account != "" {
			accounts[p.Account] = true
		}
		switch p.Kind {
		case engine.AccountRoot:
			return nil // the account's principals are all candidates
		case engine.Service:
			svc[p.Service] = true
			return nil
		}
		prin[p.ARN] = true
		if p.Kind == engine.Role {
			prin["arn:"+p.Partition+":sts::"+p.Account+":assumed-role/"+p.Name+"/iamgate-session"] = true
		}
		return nil
	}
	for _, st := range stmts {
		p, s := sp.pols[st.pol], st.s
		{
			for _, pr := range []*policy.Principal{s.Principal, s.NotPrincipal} {
				if pr == nil {
					continue
				}
				if len(pr.CanonicalUser) > 0 {
					return info, unknownf("%s %s: a CanonicalUser principal is outside the fragment", p.File, s.Path)
				}
				for _, v := range pr.AWS {
					if v.Text == "*" {
						continue
					}
					if strings.ContainsAny(v.Text, "*?") {
						return info, unknownf("%s %s: the principal %q holds a wildcard, which AWS does not match as a pattern", p.File, s.Path, v.Text)
					}
					if err := addPrincipal(v.Text); err != nil {
						return info, err
					}
				}
				for _, v := range pr.Service {
					if v.Text != "*" {
						svc[strings.ToLower(v.Text)] = true
					}
				}
				for _, v := range pr.Federated {
					if _, err := engine.ParsePrincipal(v.Text); err == nil {
						prin[v.Text] = true
					}
				}
			}
			for _, c := range s.Conditions {
				lk := strings.ToLower(c.Key)
				if !principalKeys[lk] || c.Operator.Family == condition.Null {
					continue
				}
				switch lk {
				case "aws:principalarn", "aws:principalaccount":
					like := c.Operator.Base == "StringLike" || c.Operator.Base == "StringNotLike" || c.Operator.Family == condition.ARN
					for _, t := range c.Texts() {
						if like && strings.ContainsAny(t, "*?") {
							return info, unknownf("%s %s: %s on %s with the wildcard value %q: principals matching a pattern are not enumerated", p.File, s.Path, c.Operator.Name, c.Key, t)
						}
						if strings.EqualFold(c.Operator.Base, "StringEqualsIgnoreCase") || strings.EqualFold(c.Operator.Base, "StringNotEqualsIgnoreCase") {
							return info, unknownf("%s %s: %s on %s: principals are enumerated by exact ARN", p.File, s.Path, c.Operator.Name, c.Key)
						}
						if lk == "aws:principalaccount" {
							if arn.IsAccountID(t) {
								accounts[t] = true
							}
						} else if err := addPrincipal(t); err != nil {
							return info, err
						}
					}
				case "aws:principaltype", "aws:principalisawsservice":
					// every kind of principal is a candidate
				default:
					return info, unknownf("%s %s: %s on %s in a resource policy: the values the engine derives from the principal are enumerated only for aws:PrincipalArn and aws:PrincipalAccount", p.File, s.Path, c.Operator.Name, c.Key)
				}
			}
		}
	}
	for a := range accounts {
		info.named = append(info.named, a)
	}
	sort.Strings(info.named)
	for p := range prin {
		info.principals = append(info.principals, p)
	}
	sort.Strings(info.principals)
	for s := range svc {
		info.services = append(info.services, s)
	}
	sort.Strings(info.services)
	info.services = append(info.services, "iamgate-other.amazonaws.com")
	return info, nil
}

func (sp *space) freshAccount(avoid ...string) string {
	for d := 9; d >= 0; d-- {
		a := strings.Repeat(string(rune('0'+d)), 12)
		if !contains(sp.named, a) && !contains(avoid, a) {
			return a
		}
	}
	return "123456789012"
}

// owner is the account of resource r in a request.
func (sp *space) owner(r string) string {
	if sp.kind == IdentityPolicy {
		return checkUserAccount
	}
	if o, ok := sp.owners[r]; ok {
		return o
	}
	o := sp.freshAccount()
	if a, err := arn.Parse(r); err == nil && arn.IsAccountID(a.AccountID) {
		o = a.AccountID
	}
	if sp.owners == nil {
		sp.owners = map[string]string{}
	}
	sp.owners[r] = o
	return o
}

// callers lists the principals of requests on a resource in account owner
// that the statements of group (indices into sp.stmts) tell apart.
func (sp *space) callers(owner string, group []int) ([]*caller, error) {
	if sp.kind == IdentityPolicy {
		c, err := sp.callerOf(sp.identityCaller())
		return []*caller{c}, err
	}
	gsig := fmt.Sprint(group)
	in, ok := sp.infos[gsig]
	if !ok {
		var stmts []stmtAt
		for _, i := range group {
			stmts = append(stmts, sp.stmts[i])
		}
		info, err := sp.principalsOf(stmts)
		if err != nil {
			return nil, err
		}
		// Groups that name the same principals share their callers.
		sig := strings.Join(info.named, ",") + "|" + strings.Join(info.principals, ",") + "|" + strings.Join(info.services, ",")
		id, ok := sp.infoIDs[sig]
		if !ok {
			id = len(sp.infoIDs)
			if sp.infoIDs == nil {
				sp.infoIDs, sp.infos = map[string]int{}, map[string]infoRec{}
			}
			sp.infoIDs[sig] = id
		}
		in = infoRec{info, id}
		sp.infos[gsig] = in
	}
	lk := listKey{owner, in.id}
	if cs, ok := sp.callerLists[lk]; ok {
		return cs, nil
	}
	ps := sp.callersOf(owner, in.info)
	cs := make([]*caller, len(ps))
	for i, p := range ps {
		c, err := sp.callerOf(p)
		if err != nil {
			return nil, err
		}
		cs[i] = c
	}
	if sp.callerLists == nil {
		sp.callerLists = map[listKey][]*caller{}
	}
	sp.callerLists[lk] = cs
	return cs, nil
}

// infoRec is a group's principalInfo, numbered by content.
type infoRec struct {
	info principalInfo
	id   int
}

// listKey is the callers of a resource's account for a principalInfo.
type listKey struct {
	owner string
	info  int
}

func (sp *space) callersOf(owner string, info principalInfo) []string {
	members := func(a string) []string {
		if m, ok := sp.members[a]; ok {
			return m
		}
		m := []string{
			"arn:aws:iam::" + a + ":root",
			"arn:aws:iam::" + a + ":user/iamgate-user",
			"arn:aws:iam::" + a + ":role/iamgate-role",
			"arn:aws:sts::" + a + ":assumed-role/iamgate-role/iamgate-session",
			"arn:aws:sts::" + a + ":federated-user/iamgate-user",
		}
		if sp.members == nil {
			sp.members = map[string][]string{}
		}
		sp.members[a] = m
		return m
	}
	out := make([]string, 1, 16+5*len(info.named)+len(info.principals)+len(info.services))
	out[0] = "anonymous"
	fresh := sp.freshAccount(owner)
	if sp.public {
		return append(out, members(fresh)...)
	}
	out = append(out, members(owner)...)
	for _, a := range info.named {
		if a != owner {
			out = append(out, members(a)...)
		}
	}
	out = append(out, members(fresh)...)
	out = append(out, info.principals...)
	out = append(out, info.services...)
	return out
}

// contextKeys notes which keys are multi-valued (a ForAllValues or
// ForAnyValue operator compares them anywhere) and the statements of the
// policies; keysFor splits the keys of a set of statements.
func (sp *space) contextKeys(pols []*policy.Policy) error {
	sp.multi = map[string]bool{}
	sp.keyName = map[string]string{}
	sp.bare = map[int]*engine.Policy{}
	sp.keyCache = map[string][]*keyStates{}
	sp.keyStatesCache = map[string]*keyStates{}
	for pi, p := range pols {
		for _, s := range p.Statements {
			sp.stmts = append(sp.stmts, stmtAt{s: s, pol: pi})
			for _, c := range s.Conditions {
				if _, ok := sp.keyName[strings.ToLower(c.Key)]; !ok {
					sp.keyName[strings.ToLower(c.Key)] = c.Key
				}
				if c.Operator.Set != condition.SetNone {
					sp.multi[strings.ToLower(c.Key)] = true
				}
			}
		}
	}
	return nil
}

type stmtAt struct {
	s   *policy.Statement
	pol int
}

// keysFor splits the value space of every key the statements set (indices
// into sp.stmts) mention, by their conditions alone: the other statements
// do not apply to the requests they are asked for.
//
// Without policy variables a key's regions depend only on the conditions
// on it, in the order collect meets them (policy by policy, statement by
// statement): each key's states are kept by those conditions, for the
// other sets of statements that hold the same ones.
func (sp *space) keysFor(set []int) ([]*keyStates, error) {
	sig := fmt.Sprint(set)
	if ks, ok := sp.keyCache[sig]; ok {
		return ks, nil
	}
	var order []string
	name := map[string]string{}
	vars := false
	for _, i := range set {
		st := sp.stmts[i]
		for _, c := range st.s.Conditions {
			lk := strings.ToLower(c.Key)
			if _, ok := name[lk]; !ok && !sp.fixedKey(c.Key) {
				name[lk] = c.Key
				order = append(order, lk)
			}
		}
		if sp.stmtInfo(i).vars {
			vars = true
		}
	}
	if len(order) == 0 {
		sp.keyCache[sig] = nil
		return nil, nil
	}
	keySig := map[string]*strings.Builder{}
	if !vars {
		for _, lk := range order {
			keySig[lk] = &strings.Builder{}
		}
		for pi := range sp.pols {
			for _, i := range set {
				st := sp.stmts[i]
				if st.pol != pi {
					continue
				}
				for _, c := range st.s.Conditions {
					b := keySig[strings.ToLower(c.Key)]
					if b == nil {
						continue // fixed by the case
					}
					b.WriteString(c.Operator.Name)
					for _, t := range c.Texts() {
						b.WriteString("\x01" + t)
					}
					b.WriteString("\x02")
				}
			}
		}
	}
	cacheKey := func(lk string) string {
		if vars {
			return ""
		}
		return lk + "\x00" + keySig[lk].String()
	}
	a := &analyzer{opt: Options{MaxRegions: 64, MaxStates: sp.opt.MaxStates}, keys: map[string]*keyInfo{}}
	for _, lk := range order {
		if _, ok := sp.keyStatesCache[cacheKey(lk)]; vars || !ok {
			a.addKey(name[lk])
		}
	}
	byPol := make([][]*policy.Statement, len(sp.pols))
	for _, i := range set {
		st := sp.stmts[i]
		byPol[st.pol] = append(byPol[st.pol], st.s)
	}
	for pi, stmts := range byPol {
		if len(stmts) == 0 || len(a.order) == 0 {
			continue
		}
		src := &policy.Policy{File: sp.pols[pi].File, Version: sp.pols[pi].Version, Statements: stmts}
		cp := &engine.Policy{Name: src.File, Type: sp.polType(), Source: src}
		req := engine.Request{Action: "iamgate:Check", Resource: "*", Context: sp.analysisContext()}
		if sp.kind == ResourcePolicy {
			req.Policies.Resource = cp
		} else {
			req.Policies.Identity = []*engine.Policy{cp}
		}
		q, err := req.Prepare()
		if err != nil {
			return nil, err
		}
		a.q = q
		a.base = q.WithContext(nil, a.order)
		if err := a.collect(); err != nil {
			return nil, err
		}
	}
	solved := map[string]*keyStates{}
	for _, lk := range a.order {
		k := a.keys[lk]
		if sp.kind == ResourcePolicy && principalKeys[lk] {
			solved[lk] = nil // derived from the principal, which is enumerated
			continue
		}
		// The regions as AllowedIf finds them, without the descriptors it
		// needs to write sets of regions as conditions.
		k.multi = false
		if err := a.solveKey(k); err != nil {
			return nil, err
		}
		k.multi = sp.multi[lk]
		if k.multi && len(k.regions) > 12 {
			return nil, unknownf("%s is multi-valued and has %d value regions, more than the cap of 12", k.name, len(k.regions))
		}
		ks := checkStates(k)
		if sp.public && contains(PublicKeys, lk) {
			ks = outsideStates(k, ks)
		}
		solved[lk] = ks
	}
	var out []*keyStates
	for _, lk := range order {
		ks, ok := solved[lk]
		if !ok {
			ks = sp.keyStatesCache[cacheKey(lk)]
		} else if !vars {
			sp.keyStatesCache[cacheKey(lk)] = ks
		}
		if ks != nil {
			out = append(out, ks)
		}
	}
	sp.keyCache[sig] = out
	return out, nil
}

// stmtMatches reports whether statement i's Resource (NotResource) element
// admits resource r, as the engine matches it (each pattern an ARN pattern
// matched per component, "*" anything).
func (sp *space) stmtMatchesResource(s *policy.Statement, r string) bool {
	list, not := s.Resource, false
	if s.NotResource != nil {
		list, not = s.NotResource, true
	}
	if list == nil {
		return true
	}
	hit := false
	for _, v := range list.Values {
		if v.Text == "*" {
			hit = true
			break
		}
		if sp.vc != nil && sp.vc.void[v.Text] {
			// A variable without a value voids the statement for the
			// ARNs the pattern's first four components match.
			if n := sp.resNFA[sp.resKey(v.Text)]; n != nil && r != "*" && sp.dfas.of(n).match(r) {
				return false
			}
			continue
		}
		if n := sp.resNFA[sp.resKey(v.Text)]; n != nil && r != "*" && sp.dfas.of(n).match(r) {
			hit = true
			break
		}
	}
	return hit != not
}

// checkStates lists a key's states: absent, then one value per region
// (single-valued keys) or the empty set and every set of regions.
func checkStates(k *keyInfo) *keyStates {
	ks := &keyStates{k: k, states: []kstate{{}}}
	if !k.multi {
		for _, r := range k.regions {
			ks.states = append(ks.states, kstate{vals: []string{r.witness}})
		}
		return ks
	}
	for mask := 0; mask < 1<<len(k.regions); mask++ {
		vals := []string{}
		for i, r := range k.regions {
			if mask&(1<<i) != 0 {
				vals = append(vals, r.witness)
			}
		}
		ks.states = append(ks.states, kstate{vals: vals})
	}
	return ks
}

// outsideStates keeps, of a caller-identifying key, absence and the values
// no wildcard-free policy value names: for strings the regions where no
// finite atom holds, for addresses those outside every CIDR named.
func outsideStates(k *keyInfo, ks *keyStates) *keyStates {
	out := &keyStates{k: k, states: ks.states[:1]}
	if k.multi {
		return out
	}
	for ri, r := range k.regions {
		keep := true
		for i, at := range k.atoms {
			if !r.vec[i] {
				continue
			}
			switch k.kind {
			case kIP:
				keep = false
			case kString, kBinary, kBool:
				if at.members != nil {
					keep = false
				}
			}
		}
		if keep {
			out.states = append(out.states, ks.states[ri+1])
		}
	}
	return out
}

// request builds the engine request for action a on resource r by caller
// p, the policy cp deciding.
func (sp *space) request(a, r, p string, cp *engine.Policy, probe bool) engine.Request {
	req := engine.Request{Principal: p, Action: a, Resource: r, ResourceAccount: sp.owner(r), ResourcePolicyKind: sp.resKind}
	if probe || sp.kind == IdentityPolicy {
		req.Principal = sp.identityCaller()
		req.ResourceAccount = checkUserAccount
		req.ResourcePolicyKind = engine.KindAuto
		req.Policies.Identity = []*engine.Policy{cp}
		return req
	}
	req.Policies.Resource = cp
	if f, err := sp.factsOf(p); err == nil && f.Principal.Account != "" && f.Principal.Account != req.ResourceAccount {
		req.Policies.Identity = sp.allowAllList
	}
	return req
}

type finding struct {
	action, resource, principal string
	ctx                         map[string][]string
}

// run decides the requests; bad says which decisions (one per policy)
// are a counterexample; target is the policy that must allow one.
//
// Per action class, the resource regions are grouped by the statements
// that match both (and by the resource's account and kind): requests of one
// group meet the same statements, so one resource stands for the group;
// a group where no Allow statement of the target policy applies is skipped
// (nothing can be allowed there but, for resource policies, the root user
// of the resource's account). Per group, callers are split into classes
// (distinctCallers); for each class the context keys are split by the
// conditions of the group's statements that apply to its caller alone.
// The target policy is decided first: every check's counterexample is
// allowed by it.
func (sp *space) run(bad func(allowed []bool) bool, target int) (*CheckResult, error) {
	res := &CheckResult{Result: Pass, Reasons: []CheckReason{}, Counterexamples: []json.RawMessage{}}
	var found []finding
	np := len(sp.cps)
	allowed := make([]bool, np)
	reqs := make([]engine.Request, np)
	q := new(engine.Prepared) // reused by every decision
	set := map[string][]string{}
	budget := sp.opt.MaxCombinations
	for _, act := range sp.actions {
		la := strings.ToLower(act)
		var actStmts []int
		for i, st := range sp.stmts {
			if statementMatchesAction(st.s, la) {
				actStmts = append(actStmts, i)
			}
		}
		texts := append([]string{}, sp.probeTexts...)
		for _, i := range actStmts {
			texts = append(texts, resourceTexts(sp.stmts[i].s)...)
		}
		if sp.kind == ResourcePolicy && sp.accountsMatter(actStmts, texts) {
			var stmts []stmtAt
			for _, i := range actStmts {
				stmts = append(stmts, sp.stmts[i])
			}
			info, err := sp.principalsOf(stmts)
			if err != nil {
				return nil, err
			}
			for _, a := range info.named {
				texts = append(texts, "arn:*:*:*:"+a+":*")
			}
		}
		resources, err := sp.resourcesFor(dedupe(texts))
		if err != nil {
			return nil, err
		}
		groups := map[string]bool{}
		hit := false
		for _, r := range resources {
			if hit {
				break
			}
			var group []int
			allow := false
			for _, i := range actStmts {
				if sp.stmtMatchesResource(sp.stmts[i].s, r) {
					group = append(group, i)
					if sp.stmts[i].pol == target && sp.stmts[i].s.Effect == policy.Allow {
						allow = true
					}
				}
			}
			// Without an Allow of the target policy only the root user of the
			// resource's account can be allowed (it is allowed in its account
			// unless a policy denies it).
			rootOnly := !allow
			if rootOnly && (sp.kind != ResourcePolicy || sp.public || sp.probe != nil) {
				continue
			}
			if rootOnly {
				// Without a Deny in the group every policy allows the root
				// user alike: no counterexample.
				deny := false
				for _, i := range group {
					if sp.stmts[i].s.Effect == policy.Deny {
						deny = true
					}
				}
				if !deny {
					continue
				}
			}
			if sp.probe != nil {
				pq, err := sp.request(act, r, "", sp.probe, true).Prepare()
				if err != nil || engine.Authorize(pq).Decision != engine.Allowed {
					continue
				}
			}
			owner := sp.owner(r)
			gsig, shape := fmt.Sprint(group), resourceShape(r)
			sig := gsig + "|" + owner + "|" + shape + fmt.Sprint(rootOnly)
			if groups[sig] {
				continue
			}
			groups[sig] = true
			// The same statements on a resource of the same shape in
			// another account decide the requests of a caller outside
			// both accounts alike, unless a statement reads the
			// resource's account (aws:ResourceAccount, a policy
			// variable): such callers are decided once (see
			// distinctCallers).
			memo := 0
			if sp.kind == ResourcePolicy && !sp.readsOwner(group) {
				memo = sp.memoID(act + "|" + gsig + "|" + shape + "|" + fmt.Sprint(rootOnly))
			}
			callers, err := sp.callers(owner, group)
			if err != nil {
				return nil, err
			}
			if rootOnly {
				c, err := sp.callerOf("arn:aws:iam::" + owner + ":root")
				if err != nil {
					return nil, err
				}
				callers = []*caller{c}
			} else if sp.probe != nil {
				// What the root user of the resource's account may do is not
				// access the policy grants (CheckAccessNotGranted asks about
				// the policy).
				kept := callers[:0:0]
				for _, c := range callers {
					if c.p != "arn:aws:iam::"+owner+":root" {
						kept = append(kept, c)
					}
				}
				callers = kept
			}
			classes, err := sp.distinctCallers(act, r, group, callers, memo)
			if err != nil {
				return nil, err
			}
			for _, cl := range classes {
				p := cl.c.p
				if hit {
					break
				}
				if cl.outside && memo != 0 && cl.c.explored[memo] {
					continue // decided for another account, nothing found
				}
				if sp.opt.Ctx != nil {
					if err := sp.opt.Ctx.Err(); err != nil {
						return nil, err
					}
				}
				// Only the statements that may apply to the caller split
				// the context keys: the others do not apply to its
				// requests, whatever their conditions say.
				keys, err := sp.keysFor(cl.applies)
				if err != nil {
					return nil, err
				}
				combos := 1
				for _, ks := range keys {
					combos *= len(ks.states)
					if combos > sp.opt.MaxCombinations {
						return nil, unknownf("the context keys of the statements matching %s on %s have more than %d combinations of value regions (the cap)", act, r, sp.opt.MaxCombinations)
					}
				}
				budget -= combos
				if budget < 0 {
					return nil, unknownf("more than %d requests to decide (the cap)", sp.opt.MaxCombinations)
				}
				f := cl.c.f
				for i, cp := range sp.cps {
					reqs[i] = sp.request(act, r, p, cp, false)
				}
				for c := 0; c < combos; c++ {
					clear(set)
					x := c
					for _, ks := range keys {
						st := ks.states[x%len(ks.states)]
						x /= len(ks.states)
						if st.vals != nil {
							set[ks.k.lower] = st.vals
						}
					}
					// Every check's counterexample is allowed by the target
					// policy: the others are decided only then.
					for j := range reqs {
						i := (target + j) % len(reqs)
						reqs[i].Context = set
						if err := reqs[i].PrepareWithInto(q, f); err != nil {
							return nil, fmt.Errorf("analysis: internal: %v", err)
						}
						res.Requests++
						allowed[i] = engine.Authorize(q).Decision == engine.Allowed
						if i == target && !allowed[i] {
							break
						}
					}
					if allowed[target] && bad(allowed) {
						ctx := map[string][]string{}
						for k, v := range set {
							ctx[k] = v
						}
						found = append(found, finding{act, r, p, ctx})
						hit = true
						break
					}
				}
				if !hit && cl.outside && memo != 0 {
					if cl.c.explored == nil {
						cl.c.explored = map[int]bool{}
					}
					cl.c.explored[memo] = true
				}
			}
		}
		if len(found) >= 3 {
			break
		}
	}
	if len(found) == 0 {
		return res, nil
	}
	res.Result = Fail
	seenReason := map[int]bool{}
	for _, f := range found {
		doc, err := sp.document(f, target)
		if err != nil {
			return nil, err
		}
		if err := sp.recheck(f, doc, target); err != nil {
			return nil, err
		}
		res.Counterexamples = append(res.Counterexamples, doc)
		for _, rs := range sp.reasons(f, target) {
			if !seenReason[rs.StatementIndex] {
				seenReason[rs.StatementIndex] = true
				res.Reasons = append(res.Reasons, rs)
			}
		}
	}
	sort.Slice(res.Reasons, func(i, j int) bool { return res.Reasons[i].StatementIndex < res.Reasons[j].StatementIndex })
	return res, nil
}

// callerClass is a caller standing for its class, with the statements of
// the group that apply to it (indices into sp.stmts).
type callerClass struct {
	c       *caller
	applies []int
	outside bool // of no account or another than the resource's
}

// distinctCallers keeps one caller per class of callers whose requests the
// statements of group decide alike, and says which statements of the group
// apply to each: only their conditions split the context keys for it.
//
// A statement applies to a caller when, without its conditions and alone,
// it changes the decision: an Allow allows the request (for a caller in
// another account than the resource's, which holds an identity policy
// allowing everything, any principal match grants; in the resource's
// account only one naming the caller, its role or, for the root user, its
// account does), a Deny denies it explicitly. A statement that cannot match
// the caller's principal (mayApply) is not decided. An Allow that does not
// apply grants nothing to the caller whatever its conditions (in the
// resource's account a match of the account alone delegates to identity
// policies the caller does not have), and a Deny that does not apply
// denies nothing.
//
// Callers are alike when they have the same side of the account boundary,
// the same statements apply to them, the keys the engine derives from the
// principal have the same values where those statements' conditions (or,
// with policy variables, their texts) read them, and, except for IAM
// principals of another account, the same kind (the engine treats the
// root user of the resource's account, services, anonymous callers and
// service-linked roles apart). IAM principals of another account differ
// only in what statements match and in the derived keys: each holds an
// identity policy allowing everything, the root user holds every
// permission of its account, and the resource policy decides.
//
// With memo set (not 0; see run), the class and statements of each caller
// outside the resource's account are kept by memo and caller.
func (sp *space) distinctCallers(act, r string, group []int, callers []*caller, memo int) ([]callerClass, error) {
	if sp.kind != ResourcePolicy {
		out := make([]callerClass, len(callers))
		for i, c := range callers {
			out[i] = callerClass{c: c, applies: group}
		}
		return out, nil
	}
	seen := map[string]bool{}
	var out []callerClass
	var b strings.Builder
	shape, owner := resourceShape(r), sp.owner(r)
	actShape := sp.memoID(act + "|" + shape)
	wild := map[wildKey]bool{}
	var err error
	for _, c := range callers {
		p, f := c.p, c.f
		pr := f.Principal
		outside := pr.Account != owner
		if outside && memo != 0 {
			if m, ok := c.classes[memo]; ok {
				if !seen[m.key] {
					seen[m.key] = true
					out = append(out, callerClass{c, m.applies, true})
				}
				continue
			}
		}
		b.Reset()
		req := sp.request(act, r, p, nil, false)
		cross := len(req.Policies.Identity) > 0
		kind := byte(pr.Kind)
		crossIAM := false
		switch pr.Kind {
		case engine.AccountRoot, engine.User, engine.Role, engine.AssumedRole, engine.FederatedUser:
			if cross {
				kind = 255 // alike (see above)
				crossIAM = true
			}
		}
		b.WriteByte(kind)
		for _, x := range []bool{cross, pr.ServiceLinked, pr.Account == req.ResourceAccount} {
			if x {
				b.WriteByte('1')
			} else {
				b.WriteByte('0')
			}
		}
		b.WriteByte('|')
		var applies []int
		var derived []string
		vars := false
		may := sp.mayAll(c)
		// For a caller outside the resource's account (or of none) a
		// statement alone decides alike whichever account the resource
		// is in: the engine reads the account only to tell whether the
		// caller is in it (the conditions, which may read
		// aws:ResourceAccount, are left out). Its answers are kept by
		// caller, action and shape, for the groups of other accounts.
		var amemo []int8
		if outside {
			if amemo = c.applies[actShape]; amemo == nil {
				amemo = make([]int8, len(sp.stmts))
				for i := range amemo {
					amemo[i] = -1
				}
				if c.applies == nil {
					c.applies = map[int][]int8{}
				}
				c.applies[actShape] = amemo
			}
		}
		for _, i := range group {
			if !may[i] {
				b.WriteByte('0')
				continue
			}
			info := sp.stmtInfo(i)
			keep := !info.vars
			var ok bool
			switch {
			case amemo != nil && keep && amemo[i] >= 0:
				ok = amemo[i] == 1
			case crossIAM && info.wildcard && keep:
				// A Principal "*" matches every caller alike; for IAM
				// principals of another account the resource policy
				// alone decides: the statement applies to all of them
				// or to none (but service-linked roles, which AWS's
				// own rules treat apart).
				wk := wildKey{i, pr.ServiceLinked}
				var done bool
				if ok, done = wild[wk]; !done {
					if ok, err = sp.applies(i, f, &req); err != nil {
						return nil, err
					}
					wild[wk] = ok
				}
			default:
				if ok, err = sp.applies(i, f, &req); err != nil {
					return nil, err
				}
			}
			if amemo != nil && keep {
				amemo[i] = 0
				if ok {
					amemo[i] = 1
				}
			}
			if !ok {
				b.WriteByte('0')
				continue
			}
			b.WriteByte('1')
			applies = append(applies, i)
			for _, lk := range info.derived {
				if !contains(derived, lk) {
					derived = append(derived, lk)
				}
			}
			if info.vars {
				vars = true
			}
		}
		if vars {
			// A policy variable may read any key derived from the
			// principal: the callers of a class share them all.
			derived = derived[:0]
			for k := range f.PrincipalKeys {
				derived = append(derived, k)
			}
		}
		sort.Strings(derived)
		for _, k := range derived {
			b.WriteByte('|')
			b.WriteString(k)
			b.WriteByte('=')
			for _, v := range f.PrincipalKeys[k] {
				b.WriteString(strconv.Quote(v))
			}
		}
		k := b.String()
		if outside && memo != 0 {
			if c.classes == nil {
				c.classes = map[int]classOf{}
			}
			c.classes[memo] = classOf{k, applies}
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, callerClass{c, applies, outside})
		}
	}
	return out, nil
}

// memoID numbers memo strings from 1.
func (sp *space) memoID(m string) int {
	id, ok := sp.memoIDs[m]
	if !ok {
		if sp.memoIDs == nil {
			sp.memoIDs = map[string]int{}
		}
		id = len(sp.memoIDs) + 1
		sp.memoIDs[m] = id
	}
	return id
}

// classOf is a caller's class key and the statements that apply to it.
type classOf struct {
	key     string
	applies []int
}

// readsOwner reports whether a statement of group reads the resource's
// account beyond whether the caller is in it: a condition on
// aws:ResourceAccount, or a policy variable.
func (sp *space) readsOwner(group []int) bool {
	for _, i := range group {
		if info := sp.stmtInfo(i); info.vars || info.owner {
			return true
		}
	}
	return false
}

// wildKey is a statement whose Principal is "*" in a request of an IAM
// principal of another account than the resource's (see distinctCallers).
type wildKey struct {
	stmt          int
	serviceLinked bool
}

// applies reports whether statement i applies to caller p (whose facts
// are f) in request req (see distinctCallers).
func (sp *space) applies(i int, f *engine.Facts, req *engine.Request) (bool, error) {
	cp, err := sp.bareStatement(i)
	if err != nil {
		return false, err
	}
	req.Policies.Resource = cp
	if err := req.PrepareWithInto(&sp.scratch, f); err != nil {
		return false, fmt.Errorf("analysis: internal: %v", err)
	}
	d := engine.Authorize(&sp.scratch).Decision
	if sp.stmts[i].s.Effect == policy.Deny {
		return d == engine.ExplicitDeny, nil
	}
	return d == engine.Allowed, nil
}

// hasVariables reports whether a text of s (resources, principals,
// condition values) holds a policy variable.
func hasVariables(s *policy.Statement) bool {
	texts := resourceTexts(s)
	for _, c := range s.Conditions {
		texts = append(texts, c.Texts()...)
	}
	for _, pr := range []*policy.Principal{s.Principal, s.NotPrincipal} {
		if pr == nil {
			continue
		}
		for _, l := range [][]policy.Value{pr.AWS, pr.Service, pr.Federated} {
			for _, v := range l {
				texts = append(texts, v.Text)
			}
		}
	}
	for _, t := range texts {
		if strings.Contains(t, "${") {
			return true
		}
	}
	return false
}

// stmtPrincipal is what mayApply reads of a statement's Principal.
type stmtPrincipal struct {
	vars     bool            // a text holds a policy variable (and its policy's version reads them)
	owner    bool            // a condition reads aws:ResourceAccount
	wildcard bool            // Principal "*" (or {"AWS": "*"}), without NotPrincipal
	derived  []string        // the keys derived from the principal its conditions read
	anyone   bool            // no Principal, NotPrincipal, or a "*"
	arns     map[string]bool // the AWS values as written
	accounts map[string]bool // the accounts of the AWS values
	services map[string]bool // lower case
	fed      map[string]bool
}

func newStmtPrincipal(s *policy.Statement) *stmtPrincipal {
	sp := &stmtPrincipal{vars: hasVariables(s), arns: map[string]bool{}, accounts: map[string]bool{}, services: map[string]bool{}, fed: map[string]bool{}}
	for _, c := range s.Conditions {
		lk := strings.ToLower(c.Key)
		if principalKeys[lk] && !contains(sp.derived, lk) {
			sp.derived = append(sp.derived, lk)
		}
		sp.owner = sp.owner || lk == "aws:resourceaccount"
	}
	pe := s.Principal
	if pe != nil && s.NotPrincipal == nil {
		sp.wildcard = pe.Wildcard
		for _, l := range [][]policy.Value{pe.AWS, pe.Service} {
			for _, v := range l {
				sp.wildcard = sp.wildcard || v.Text == "*"
			}
		}
	}
	if pe == nil || s.NotPrincipal != nil || pe.Wildcard {
		sp.anyone = true
		return sp
	}
	for _, v := range pe.AWS {
		t := v.Text
		if t == "*" {
			sp.anyone = true
		}
		sp.arns[t] = true
		if arn.IsAccountID(t) {
			sp.accounts[t] = true
		} else if a, err := arn.Parse(t); err == nil {
			sp.accounts[a.AccountID] = true
		}
	}
	for _, v := range pe.Service {
		if v.Text == "*" {
			sp.anyone = true
		}
		sp.services[strings.ToLower(v.Text)] = true
	}
	for _, v := range pe.Federated {
		sp.fed[v.Text] = true
	}
	return sp
}

// stmtInfo is statement i's stmtPrincipal.
func (sp *space) stmtInfo(i int) *stmtPrincipal {
	if sp.prin == nil {
		sp.prin = make([]*stmtPrincipal, len(sp.stmts))
	}
	info := sp.prin[i]
	if info == nil {
		st := sp.stmts[i]
		info = newStmtPrincipal(st.s)
		info.vars = info.vars && sp.pols[st.pol].VariablesEnabled()
		sp.prin[i] = info
	}
	return info
}

// mayApply reports whether statement i may apply to caller p as its
// Principal element goes: false only when the engine's principal match
// (principalSet.match) finds nothing for p, whose IAM kinds it matches
// only through an ARN equal to p's or one of p's account, services by
// name, web identities by provider, anonymous callers by "*" alone. A
// statement without Principal, or with NotPrincipal, may apply to anyone.
func (sp *space) mayApply(i int, p *engine.Principal) bool {
	info := sp.stmtInfo(i)
	if info.anyone {
		return true
	}
	switch p.Kind {
	case engine.Service:
		return info.services[p.Service]
	case engine.WebIdentity:
		return info.fed[p.Service] || info.fed[p.ARN]
	case engine.Anonymous, engine.CanonicalUser:
		return false
	}
	return info.arns[p.ARN] || (p.Account != "" && info.accounts[p.Account])
}

// factsOf is what the engine knows of caller p before a request.
func (sp *space) factsOf(p string) (*engine.Facts, error) {
	c, err := sp.callerOf(p)
	if err != nil {
		return nil, err
	}
	return c.f, nil
}

// caller is what a check keeps of a caller: its facts, whether each
// statement may apply to it (mayApply), and, for resource policies, the
// answers distinctCallers and run keep for callers outside the resource's
// account, by memo number.
type caller struct {
	p        string
	f        *engine.Facts
	may      []bool
	applies  map[int][]int8 // by action and shape: -1 not decided, 0, 1
	classes  map[int]classOf
	explored map[int]bool // decided without a counterexample
}

func (sp *space) callerOf(p string) (*caller, error) {
	if c, ok := sp.callerRecs[p]; ok {
		return c, nil
	}
	pr, err := engine.ParsePrincipal(p)
	if err != nil {
		return nil, fmt.Errorf("analysis: internal: caller %q: %v", p, err)
	}
	pk := engine.PrincipalContext(pr)
	for k, v := range sp.caseContext() {
		pk[k] = v
	}
	c := &caller{p: p, f: &engine.Facts{Principal: pr, PrincipalKeys: pk, PrincipalFilter: engine.NewKeyFilter(pk)}}
	if sp.callerRecs == nil {
		sp.callerRecs = map[string]*caller{}
	}
	sp.callerRecs[p] = c
	return c, nil
}

// forCase makes anew what depends on the values of a case of the
// policy variables (withCase): the callers' facts and what is kept by
// caller, and the keys' states.
func (sp *space) forCase() {
	sp.callerRecs, sp.callerLists, sp.memoIDs = nil, nil, nil
	sp.keyStatesCache = map[string]*keyStates{}
}

// mayAll is mayApply for every statement.
func (sp *space) mayAll(c *caller) []bool {
	if c.may == nil {
		c.may = make([]bool, len(sp.stmts))
		for i := range sp.stmts {
			c.may[i] = sp.mayApply(i, &c.f.Principal)
		}
	}
	return c.may
}

// bareStatement is statement i without its conditions, alone in a
// policy: whether it applies to a request, conditions aside.
func (sp *space) bareStatement(i int) (*engine.Policy, error) {
	if cp, ok := sp.bare[i]; ok {
		return cp, nil
	}
	st := sp.stmts[i]
	c := *st.s
	c.Conditions = nil
	src := &policy.Policy{File: sp.pols[st.pol].File, Version: sp.pols[st.pol].Version, Statements: []*policy.Statement{&c}}
	cp, err := engine.Compile(src, sp.polType(), src.File)
	if err != nil {
		return nil, err
	}
	sp.bare[i] = cp
	return cp, nil
}

// accountsMatter reports whether resources of one region may lie in
// different accounts the statements name: a statement without Resource, a
// NotResource, "*", or a pattern whose account is not literal. Otherwise
// every region's resources share the patterns' literal account (or have
// none, and lie in one the policies do not name).
func (sp *space) accountsMatter(stmts []int, texts []string) bool {
	for _, i := range stmts {
		if s := sp.stmts[i].s; s.Resource == nil || s.NotResource != nil {
			return true
		}
	}
	for _, t := range texts {
		if t == "*" {
			return true
		}
		if comps, ok := splitARN(t); ok && strings.ContainsAny(comps[3], "*?$") {
			return true
		}
	}
	return false
}

// resourceShape is what of a resource, besides the statements it meets and
// its account, the engine reads: whether it is an ARN, its service and the
// start of its resource part (a role's trust policy, a KMS key's policy),
// and whether one of the rules AWS applies over every policy may hold for
// it (engine/awsrules.go: AWS managed policies, roles under
// /aws-reserved/sso.amazonaws.com/ or /aws-service-role/, aliases under
// alias/aws/).
func resourceShape(r string) string {
	a, err := arn.Parse(r)
	if err != nil {
		return r
	}
	kind := ""
	for _, p := range []string{"role/", "key/", "alias/"} {
		if strings.HasPrefix(a.Resource, p) {
			kind = p
		}
	}
	switch {
	case a.Service == "iam" && a.AccountID == "aws" && strings.HasPrefix(a.Resource, "policy/"):
		kind = "aws-managed-policy"
	case a.Service == "iam" && (strings.HasPrefix(a.Resource, "role/aws-reserved/sso.amazonaws.com/") || strings.HasPrefix(a.Resource, "role/aws-service-role/")):
		kind = "aws-protected-role"
	case a.Service == "kms" && strings.HasPrefix(a.Resource, "alias/aws/"):
		kind = "aws-alias"
	}
	return a.Service + ":" + kind
}

// document writes finding f as an eval request document embedding policy
// pi.
func (sp *space) document(f finding, pi int) (json.RawMessage, error) {
	return sp.documentWith(f, sp.pols[pi])
}

func (sp *space) documentWith(f finding, p *policy.Policy) (json.RawMessage, error) {
	req := sp.request(f.action, f.resource, f.principal, sp.cps[0], false)
	doc := evaldoc.Document{Principal: req.Principal, Action: req.Action, ResourceAccount: req.ResourceAccount}
	if f.resource != "*" {
		doc.Resource = f.resource
	}
	switch req.ResourcePolicyKind {
	case engine.KindTrust:
		doc.ResourcePolicyKind = "trust"
	case engine.KindKey:
		doc.ResourcePolicyKind = "key"
	case engine.KindGeneric:
		doc.ResourcePolicyKind = "resource"
	}
	if len(f.ctx) > 0 {
		doc.Context = map[string]json.RawMessage{}
		for lk, v := range f.ctx {
			var raw []byte
			if sp.multi[lk] {
				raw, _ = json.Marshal(v)
			} else {
				raw, _ = json.Marshal(v[0])
			}
			doc.Context[sp.keyName[lk]] = raw
		}
	}
	sp.documentCase(&doc)
	pj := PolicyJSON(p)
	if sp.kind == IdentityPolicy {
		doc.Policies.Identity = []json.RawMessage{pj}
	} else {
		doc.Policies.Resource = pj
		if len(req.Policies.Identity) > 0 {
			doc.Policies.Identity = []json.RawMessage{json.RawMessage(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)}
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return json.RawMessage(bytes.TrimSpace(buf.Bytes())), nil
}

// ErrRecheck is what a failed re-decision of a counterexample wraps: the
// symbolic layer and the engine disagree (a bug, never an answer).
var ErrRecheck = errors.New("analysis: internal: a counterexample does not re-decide")

// recheck decides the counterexample again through evaldoc: allowed with
// policy pi, and (CheckNoNewAccess) not with the other.
func (sp *space) recheck(f finding, doc json.RawMessage, pi int) error {
	decide := func(d []byte) (engine.Decision, error) {
		req, err := evaldoc.Parse("counterexample", d)
		if err != nil {
			return 0, fmt.Errorf("%w: %v", ErrRecheck, err)
		}
		q, err := req.Prepare()
		if err != nil {
			return 0, fmt.Errorf("%w: %v", ErrRecheck, err)
		}
		return engine.Authorize(q).Decision, nil
	}
	d, err := decide(doc)
	if err != nil {
		return err
	}
	if d != engine.Allowed {
		return fmt.Errorf("%w: %s is %s, not allowed", ErrRecheck, f.action, d)
	}
	if len(sp.pols) == 2 {
		other, err := sp.documentWith(f, sp.pols[1-pi])
		if err != nil {
			return err
		}
		d, err := decide(other)
		if err != nil {
			return err
		}
		if d == engine.Allowed {
			return fmt.Errorf("%w: %s is allowed by the existing policy too", ErrRecheck, f.action)
		}
	}
	return nil
}

// reasons lists the Allow statements of policy pi that alone allow f; when
// none does (the root user of the resource's account), one reason with
// StatementIndex -1 says so.
func (sp *space) reasons(f finding, pi int) []CheckReason {
	p := sp.pols[pi]
	var out []CheckReason
	for _, s := range p.Statements {
		if s.Effect != policy.Allow {
			continue
		}
		one := &policy.Policy{File: p.File, Version: p.Version, Statements: []*policy.Statement{s}, StatementIsList: true}
		cp, err := engine.Compile(one, sp.polType(), p.File)
		if err != nil {
			continue
		}
		q, err := sp.request(f.action, f.resource, f.principal, cp, false).Prepare()
		if err != nil {
			continue
		}
		if engine.Authorize(q.WithContext(sp.withCaseContext(f.ctx), nil)).Decision != engine.Allowed {
			continue
		}
		name := s.Path
		if name == "" {
			name = fmt.Sprintf("Statement[%d]", s.Index)
		}
		if s.Sid != "" {
			name += fmt.Sprintf(" (%s)", s.Sid)
		}
		what := fmt.Sprintf("%s on %s", f.action, f.resource)
		if sp.kind == ResourcePolicy {
			what += " for " + f.principal
		}
		var desc string
		switch {
		case len(sp.pols) == 2:
			desc = fmt.Sprintf("%s allows %s, which the existing policy does not allow", name, what)
		case sp.public:
			desc = fmt.Sprintf("%s allows public access: %s", name, what)
		default:
			desc = fmt.Sprintf("%s allows %s, which the listed access includes", name, what)
		}
		out = append(out, CheckReason{Description: desc, StatementIndex: s.Index, StatementID: s.Sid})
	}
	if len(out) == 0 {
		// No statement allows it: the root user of the resource's account,
		// allowed there unless a policy denies it.
		out = append(out, CheckReason{StatementIndex: -1, Description: fmt.Sprintf("no statement allows %s on %s for %s: the root user of the resource's account is allowed unless a policy denies it, and the new policy does not deny it", f.action, f.resource, f.principal)})
	}
	return out
}
