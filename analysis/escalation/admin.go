package escalation

import (
	"errors"
	"math/bits"
	"slices"
	"strings"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/wildcard"
	"github.com/iamgate/iamgate/world"
)

// noPermission is the action the AWS rule allows every authenticated
// caller whatever its policies say (engine/awsrules.go): it is never
// decided with a class of others, nor denied for want of an Allow.
const noPermission = "sts:getcalleridentity"

// actionSet is a set of catalog actions, by their index in s.actions.
type actionSet []uint64

func newActionSet(n int) actionSet { return make(actionSet, (n+63)/64) }

func (a actionSet) has(i int) bool { return a[i>>6]&(1<<(uint(i)&63)) != 0 }
func (a actionSet) add(i int)      { a[i>>6] |= 1 << (uint(i) & 63) }

// minus reports whether a holds an action b does not.
func (a actionSet) minus(b actionSet) bool {
	for i, w := range a {
		if w&^b[i] != 0 {
			return true
		}
	}
	return false
}

func (a actionSet) count() int {
	n := 0
	for _, w := range a {
		n += bits.OnesCount64(w)
	}
	return n
}

// applies is the set of catalog actions a statement applies to: those its
// Action list matches, or those its NotAction list does not. It depends
// on the list's text alone, so it is computed once per distinct list and
// shared by every statement (of every identity) that writes it.
func (s *Searcher) applies(st *policy.Statement) int {
	if id, ok := s.stmtSet[st]; ok {
		return id
	}
	list, not := st.Action, false
	if st.NotAction != nil {
		list, not = st.NotAction, true
	}
	var kb strings.Builder
	switch {
	case list == nil:
		kb.WriteString("-")
	case not:
		kb.WriteString("N")
	default:
		kb.WriteString("A")
	}
	if list != nil {
		for _, v := range list.Values {
			kb.WriteByte(0)
			kb.WriteString(v.Text)
		}
	}
	key := kb.String()
	id, ok := s.setByKey[key]
	if !ok {
		set := newActionSet(len(s.actions))
		if list == nil {
			for i := range s.actions {
				set.add(i)
			}
		} else {
			for _, v := range list.Values {
				s.matchInto(set, v.Text)
			}
		}
		if not {
			for i := range set {
				set[i] = ^set[i]
			}
			if r := len(s.actions) % 64; r != 0 {
				set[len(set)-1] &= 1<<uint(r) - 1
			}
		}
		id = len(s.sets)
		s.sets = append(s.sets, set)
		s.setByKey[key] = id
	}
	s.stmtSet[st] = id
	return id
}

// matchInto adds the catalog actions an Action pattern matches (ignoring
// case, as the engine matches actions) to set.
func (s *Searcher) matchInto(set actionSet, pattern string) {
	if pattern == "*" {
		for i := range s.actions {
			set.add(i)
		}
		return
	}
	svc, _, _ := strings.Cut(pattern, ":")
	if !wildcard.HasWildcard(svc) {
		for _, i := range s.svcIdx[strings.ToLower(svc)] {
			if wildcard.MatchFold(pattern, s.actions[i]) {
				set.add(int(i))
			}
		}
		return
	}
	for i, a := range s.actions {
		if wildcard.MatchFold(pattern, a) {
			set.add(i)
		}
	}
}

// partition of the catalog's actions into classes on "*": a request on
// "*" has no resource policy, and the world gathers the same policies for
// every action of one caller, so two actions that the same statements of
// those policies apply to (Action or NotAction) are decided alike, by the
// same statements with the same conditions. The one exception is the AWS
// rule for sts:GetCallerIdentity, which is a class by itself. A partition
// depends only on the statements' action lists, so identities whose
// policies write the same lists (orggen's roles from templates, say)
// share one.
type partition struct {
	class []int32 // action index -> class
	reps  []int32 // class -> its first action
}

func (s *Searcher) partitionOf(sets []int) *partition {
	sets = slices.Clone(sets)
	slices.Sort(sets)
	sets = slices.Compact(sets)
	var kb strings.Builder
	for _, id := range sets {
		kb.WriteString(itoa(id))
		kb.WriteByte(',')
	}
	key := kb.String()
	if p, ok := s.partitions[key]; ok {
		return p
	}
	n := len(s.actions)
	p := &partition{class: make([]int32, n)}
	switch {
	case s.opt.NoClasses:
		for i := range p.class {
			p.class[i] = int32(i)
		}
		p.reps = make([]int32, n)
		for i := range p.reps {
			p.reps[i] = int32(i)
		}
	default:
		classes := 1
		remap := []int32{}
		refine := func(in func(i int) bool) {
			remap = slices.Grow(remap[:0], 2*classes)[:2*classes]
			for i := range remap {
				remap[i] = -1
			}
			next := int32(0)
			for i, c := range p.class {
				k := 2 * c
				if in(i) {
					k++
				}
				if remap[k] < 0 {
					remap[k] = next
					next++
				}
				p.class[i] = remap[k]
			}
			classes = int(next)
		}
		if s.noPermission >= 0 {
			refine(func(i int) bool { return i == s.noPermission })
		}
		for _, id := range sets {
			set := s.sets[id]
			refine(set.has)
		}
		p.reps = make([]int32, classes)
		for i := range p.reps {
			p.reps[i] = -1
		}
		for i, c := range p.class {
			if p.reps[c] < 0 {
				p.reps[c] = int32(i)
			}
		}
	}
	s.partitions[key] = p
	return p
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for ; i > 0; i /= 10 {
		n--
		b[n] = byte('0' + i%10)
	}
	return string(b[n:])
}

// star is what one identity is allowed on "*": its partition, which
// classes an Allow statement of its identity policies applies to at all
// (the others are denied: nothing else can allow an action on "*"), and
// the engine's decision per class, made when first needed.
type star struct {
	part     *partition
	possible []bool
	dec      []int8 // per class: 0 undecided, 1 allowed whatever the unknown keys, -1 not
	allowed  actionSet
}

const (
	undecided int8 = 0
	allowed   int8 = 1
	denied    int8 = -1
)

func (s *Searcher) starOf(id identity) (*star, error) {
	if st, ok := s.stars[id]; ok {
		return st, nil
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
	var sets, allows []int
	add := func(p *engine.Policy, grants bool) {
		if p == nil || p.Source == nil {
			return
		}
		for _, st := range p.Source.Statements {
			k := s.applies(st)
			sets = append(sets, k)
			if grants && st.Effect == policy.Allow {
				allows = append(allows, k)
			}
		}
	}
	ps := &req.Policies
	for _, p := range ps.Identity {
		add(p, true)
	}
	add(ps.Resource, true)
	add(ps.PermissionsBoundary, false)
	for _, p := range ps.Session {
		add(p, false)
	}
	for _, lvl := range append(append([][]*engine.Policy(nil), ps.SCP...), ps.RCP...) {
		for _, p := range lvl {
			add(p, false)
		}
	}
	add(ps.Endpoint, false)
	part := s.partitionOf(sets)
	st := &star{part: part, possible: make([]bool, len(part.reps)), dec: make([]int8, len(part.reps))}
	for c, rep := range part.reps {
		if int(rep) == s.noPermission {
			st.possible[c] = true
			continue
		}
		for _, k := range allows {
			if s.sets[k].has(int(rep)) {
				st.possible[c] = true
				break
			}
		}
	}
	s.stars[id] = st
	return st, nil
}

// decideClass decides whether the identity is allowed class c's actions
// on "*" whatever the request's unknown keys.
func (s *Searcher) decideClass(id identity, st *star, c int32) (bool, error) {
	switch st.dec[c] {
	case allowed:
		return true, nil
	case denied:
		return false, nil
	}
	if !st.possible[c] {
		st.dec[c] = denied
		return false, nil
	}
	caller, err := s.caller(id.arn)
	if err != nil {
		return false, err
	}
	step, err := s.d.Decide(caller, id.arn, s.actions[st.part.reps[c]], "*", nil, id.grant.change())
	var ue *analysis.UnknownError
	if errors.As(err, &ue) {
		step, err = nil, nil // not decided allowed: not counted
	}
	if err != nil {
		return false, err
	}
	st.dec[c] = denied
	if step != nil && step.Always() {
		st.dec[c] = allowed
	}
	return st.dec[c] == allowed, nil
}

// allowedSet is every catalog action the identity is allowed on "*"
// whatever the unknown keys (each class decided once).
func (s *Searcher) allowedSet(id identity) (actionSet, error) {
	st, err := s.starOf(id)
	if err != nil {
		return nil, err
	}
	if st.allowed != nil {
		return st.allowed, nil
	}
	for c := range st.part.reps {
		if _, err := s.decideClass(id, st, int32(c)); err != nil {
			return nil, err
		}
	}
	set := newActionSet(len(s.actions))
	for i, c := range st.part.class {
		if st.dec[c] == allowed {
			set.add(i)
		}
	}
	st.allowed, st.dec, st.possible = set, nil, nil
	return set, nil
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
	if v, ok := s.admin[id]; ok {
		return v, nil
	}
	v, err := s.decideAdmin(id)
	if err != nil {
		return false, err
	}
	s.admin[id] = v
	return v, nil
}

func (s *Searcher) decideAdmin(id identity) (bool, error) {
	st, err := s.starOf(id)
	if err != nil {
		return false, err
	}
	if st.allowed != nil {
		return st.allowed.count() == len(s.actions), nil
	}
	// Every class must have an Allow statement at all.
	for _, ok := range st.possible {
		if !ok {
			return false, nil
		}
	}
	for _, i := range s.sentinels {
		ok, err := s.decideClass(id, st, st.part.class[i])
		if err != nil || !ok {
			return false, err
		}
	}
	for c := range st.part.reps {
		ok, err := s.decideClass(id, st, int32(c))
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// stronger reports whether g is allowed on "*" some catalog action that p
// is not.
func (s *Searcher) stronger(g, p identity) (bool, error) {
	ga, err := s.allowedSet(g)
	if err != nil {
		return false, err
	}
	pa, err := s.allowedSet(p)
	if err != nil {
		return false, err
	}
	return ga.minus(pa), nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
