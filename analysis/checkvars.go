package analysis

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/iamgate/iamgate/evaldoc"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/policy/condition"
	"github.com/iamgate/iamgate/wildcard"
)

// Policy variables in the checks.
//
// A variable ${k} makes the value of key k one more unknown of the request.
// The engine resolves it from the request: the context key's value, or for
// aws:username in identity checks, the caller's name (the caller is then
// the IAM user of that name, or a role session, which has no aws:username;
// AWS: "IAM policy elements: Variables and tags",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html,
// the key is present only for IAM users, and a variable that cannot be
// resolved, absent and without ${k, 'default'}, may make the whole
// statement invalid; the engine voids the Resource element or condition
// that holds it). The checks split the value into finitely many cases
// (absent, or one representative value per class below), fix it in each
// case (the engine decides the policies as written, with the value in the
// request; the string solver reads the patterns with the value written in)
// and run the variable-free procedure once per case: FAIL if some case
// fails, with that case's counterexample; PASS if every case passes.
//
// Why finitely many values suffice (the segment fragment). Each key k has a
// domain D_k of values: IAM user names [\w+=,.@-]{1,64} for aws:username
// (botocore iam userNameType), tag values [\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}
// for aws:PrincipalTag/, aws:RequestTag/ and aws:ResourceTag/ keys (botocore
// iam tagValueType), any string otherwise. A sort is a string a pattern is
// matched against: the resource component of the request's ARN (the part
// after the fifth colon), or the values of one condition key. Variables
// that share a sort (or whose key's own values are a sort where another one
// occurs) form a component; a character no key of the component can hold
// is a delimiter of the component. The fragment: every occurrence of a
// variable is a whole segment, bounded on each side by the start or end of
// the value (of the ARN's resource component) or by a literal delimiter;
// variables occur only in the resource component of ARNs and in String
// operators that compare case-sensitively without a set qualifier; the
// keys of the variables and the keys whose values are sorts are compared
// only by String, Arn and Null operators and are single-valued when used
// as a variable; in resource policies no sort is a key the engine derives
// from the caller (callers are enumerated there).
//
// Let the pieces be the variable-free parts of every pattern on the
// component's sorts between its variable occurrences (with each absent
// variable that has a default written as its default: one set of pieces per
// choice of such absent variables), each an automaton. Where a statement
// can apply to IAM or KMS resources, the starts of resource parts the
// engine reads itself (role/, key/, the AWS-owned prefixes of
// engine/awsrules.go) count as pieces too. The type of a delimiter-free
// string x is, for every automaton and every state q a segment can start
// in (the start, or after a delimiter), the set of states x leads to from
// q, cut to those that can read a delimiter or accept (a segment is
// followed by a delimiter or the end).
//
// Take a request whose present variables have the values v_1..v_m (equal
// values forming one block), and values r_1..r_m of the same types, in the
// same domains, equal exactly where the v_i are. Let π be a bijection of
// the delimiter-free strings that maps each v_i to r_i and keeps every
// string's type (the strings of one type can be permuted among themselves,
// so π exists). Apply π to every segment (maximal delimiter-free part) of
// every string of the component's sorts, and to the variables' values.
// Every match is kept: a pattern P matches s with the values v iff P
// matches π(s) with the values r. For P matches s means s = a_0 v a_1 v ...
// a_n with a_j in the j-th piece; each v sits between delimiters or ends
// and holds no delimiter, so it is a whole segment of s and π maps it to r;
// π(s) = π(a_0) r π(a_1) ... r π(a_n), where each piece but the first
// starts with the delimiter after a variable and each but the last ends
// with the one before the next, so π(a_j) is a_j with some of its segments
// replaced by strings of their type: it reaches the same states of the
// piece's automaton after each delimiter and at its end, and is in the
// piece iff a_j is. The converse is the same argument for π⁻¹.
// Variable-free patterns are pieces themselves, and the action, the other
// keys and the resource's other components are left alone, so every
// condition, Resource and NotResource element decides alike, and so does
// the engine. (In identity checks the keys the engine derives from the
// caller are free context keys, as in the variable-free checks: where π
// changes the caller's name, the request gives them their old values.)
//
// Hence one case per choice of absent keys, blocks of equal values and a
// type per block (with distinct representatives where blocks share a type)
// covers every request. The representatives come from a breadth-first walk
// over strings on the automata's alphabet within the domain (plus one
// character they do not name), extending at most m+1 strings of each
// state (typeReps). Components share no sort, so their permutations
// commute: the cases are the product of the components' cases.
//
// Outside the fragment the check is UNKNOWN and names the element and the
// variable: a variable inside a longer segment (home-${aws:username}, or a
// tag value, which may hold '/' and ':', inside a longer ARN), in an
// IgnoreCase, Bool or Arn operator, with ForAnyValue/ForAllValues, in the
// partition, service, region or account of an ARN; a variable key the
// engine derives (aws:userid, aws:PrincipalArn, ..., aws:username in a
// resource policy) or one compared by other operator families; in
// CheckNoPublicAccess, a variable on or in a condition on a key that
// identifies the caller (PublicKeys); more than maxVarKeys related keys,
// maxVarTypes types or maxVarCases cases.

const (
	maxVarKeys  = 4
	maxVarTypes = 256
	maxVarCases = 512
	// maxVarStates bounds the states of the walk for representatives.
	maxVarStates = 4096
	resSort      = "\x00resource"
	// checkRoleSession is the identity checks' caller when aws:username is
	// absent: a role session has none.
	checkRoleSession = "arn:aws:sts::" + checkUserAccount + ":assumed-role/iamgate-check/iamgate-check"
)

// enginePrefixes are the starts of resource parts the engine reads beyond
// the policies' patterns.
var enginePrefixes = []string{"role/*", "key/*", "policy/*", "alias/aws/*", "role/aws-reserved/sso.amazonaws.com/*", "role/aws-service-role/*"}

// varDomain is the set of values a key can hold: strings of runes ok
// accepts, of min to max runes (max < 0: any length).
type varDomain struct {
	name     string
	ok       func(rune) bool
	min, max int
}

func isIAMNameRune(r rune) bool {
	return r < utf8.RuneSelf && (r == '_' || r == '+' || r == '=' || r == ',' || r == '.' || r == '@' || r == '-' ||
		('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9'))
}

func isTagValueRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.In(r, unicode.Z) || unicode.IsNumber(r) || strings.ContainsRune("_.:/=+-@", r)
}

var (
	usernameDomain = varDomain{name: "an IAM user name", ok: isIAMNameRune, min: 1, max: 64}
	tagDomain      = varDomain{name: "a tag value", ok: isTagValueRune, min: 0, max: 256}
	anyDomain      = varDomain{name: "any string", ok: func(rune) bool { return true }, min: 0, max: -1}
)

func domainOf(lk string, username bool) varDomain {
	switch {
	case username:
		return usernameDomain
	case strings.HasPrefix(lk, "aws:principaltag/"), strings.HasPrefix(lk, "aws:requesttag/"), strings.HasPrefix(lk, "aws:resourcetag/"):
		return tagDomain
	}
	return anyDomain
}

// meet is the intersection of domains.
func meet(ds []varDomain) varDomain {
	out := ds[0]
	for _, d := range ds[1:] {
		a, b := out.ok, d.ok
		out.ok = func(r rune) bool { return a(r) && b(r) }
		if d.min > out.min {
			out.min = d.min
		}
		if out.max < 0 || (d.max >= 0 && d.max < out.max) {
			out.max = d.max
		}
		out.name += " and " + d.name
	}
	return out
}

// varPattern is one pattern matched against a sort: the resource component
// of Resource and NotResource ARNs, or a condition value.
type varPattern struct {
	sort       string
	units      []tunit
	arn        *[5][]tunit // an Arn operator's value
	wild, fold bool
	where      string
}

// varKey is a key some variable names.
type varKey struct {
	lower, name string
	dom         varDomain
	where       string // its first occurrence
	comp        int
}

// varPlan is what a check's variables need: their keys and the cases.
type varPlan struct {
	keys     map[string]*varKey
	username bool // aws:username is one: the caller carries it
	// texts are the Resource texts read with variables.
	texts map[string]bool
	// iamOrKMS: some statement can apply to IAM or KMS resources.
	iamOrKMS bool
	cases    []*varCase
}

// varCase fixes every variable key: a value, or absent (not in vals).
type varCase struct {
	vals map[string]string
	// units are the components of the Resource texts with variables as
	// the solver reads them in this case, key what the solver's caches
	// know them by (the text and its resource part); void marks those
	// whose variable has no value: they void their statement for every
	// ARN matching their first four components.
	units map[string][5][]tunit
	key   map[string]string
	void  map[string]bool
}

// planVariables finds the policies' variables and their cases, or refuses
// what is outside the fragment; without variables sp.vars stays nil.
func (sp *space) planVariables(pols []*policy.Policy, probe *policy.Policy) error {
	all := append([]*policy.Policy{}, pols...)
	if probe != nil {
		all = append(all, probe)
	}
	var pats []varPattern
	families := map[string]map[condition.Family]bool{}
	multi := map[string]bool{}
	keys := map[string]*varKey{}
	var order []string
	texts := map[string]bool{}
	plain := map[string]bool{} // Resource texts of policies without variables
	note := func(units []tunit, where string) {
		for _, u := range units {
			if u.kind == uVar && keys[u.key] == nil {
				keys[u.key] = &varKey{lower: u.key, name: u.raw, where: where}
				order = append(order, u.key)
			}
		}
	}
	iamOrKMS := false
	for _, p := range all {
		useVars := p.VariablesEnabled()
		for _, s := range p.Statements {
			at := p.File + " " + s.Path
			if s.Resource == nil || s.NotResource != nil {
				iamOrKMS = true
			}
			for _, t := range resourceTexts(s) {
				if t == "*" {
					iamOrKMS = true
					continue
				}
				comps, ok := splitARN(t)
				if !ok {
					continue // matches no ARN
				}
				if svc := comps[1]; svc == "" || wildcard.Match(svc, "iam") || wildcard.Match(svc, "kms") || strings.Contains(svc, "$") {
					iamOrKMS = true
				}
				if !useVars {
					plain[t] = true
				}
				where := fmt.Sprintf("%s: the resource %q", at, t)
				for j := 0; j < 4; j++ {
					if vs := templateVars(parseTemplate(comps[j], useVars)); len(vs) > 0 {
						return unknownf("%s: the policy variable ${%s} in the partition, service, region or account of an ARN is outside the fragment (variables are decided in the resource part)", where, rawName(comps[j], vs[0]))
					}
				}
				u := parseTemplate(comps[4], useVars)
				if len(templateVars(u)) > 0 {
					texts[t] = true
					note(u, where)
				}
				pats = append(pats, varPattern{sort: resSort, units: u, wild: true, where: where})
			}
			for _, c := range s.Conditions {
				lk := strings.ToLower(c.Key)
				op := c.Operator
				if families[lk] == nil {
					families[lk] = map[condition.Family]bool{}
				}
				families[lk][op.Family] = true
				if op.Set != condition.SetNone {
					multi[lk] = true
				}
				uv := useVars && op.VarsAllowed
				for _, t := range c.Texts() {
					where := fmt.Sprintf("%s: %s on %s", at, op.Name, c.Key)
					switch op.Family {
					case condition.String, condition.Bool:
						u := parseTemplate(t, uv)
						fold := op.Family == condition.Bool || op.Base == "StringEqualsIgnoreCase" || op.Base == "StringNotEqualsIgnoreCase"
						if vs := templateVars(u); len(vs) > 0 {
							switch {
							case fold:
								return unknownf("%s: the policy variable ${%s} in an operator that ignores case is outside the fragment", where, rawName(t, vs[0]))
							case op.Set != condition.SetNone:
								return unknownf("%s: the policy variable ${%s} under a set operator is outside the fragment", where, rawName(t, vs[0]))
							}
							note(u, where)
						}
						like := op.Base == "StringLike" || op.Base == "StringNotLike"
						pats = append(pats, varPattern{sort: lk, units: u, wild: like, fold: fold, where: where})
					case condition.ARN:
						if t == "*" {
							continue // matches every value of the key
						}
						comps, ok := splitARN(t)
						if !ok {
							continue
						}
						var rc [5][]tunit
						for j := range comps {
							rc[j] = parseTemplate(comps[j], uv)
							if vs := templateVars(rc[j]); len(vs) > 0 {
								return unknownf("%s: the policy variable ${%s} in an Arn operator is outside the fragment", where, rawName(t, vs[0]))
							}
						}
						pats = append(pats, varPattern{sort: lk, arn: &rc, where: where})
					}
				}
			}
		}
	}
	if len(order) == 0 {
		return nil
	}
	for t := range texts {
		if plain[t] {
			return unknownf("the resource %q is read with policy variables in one policy and without them in another, outside the fragment", t)
		}
	}
	plan := &varPlan{keys: keys, texts: texts, iamOrKMS: iamOrKMS}
	// The keys.
	for _, lk := range order {
		k := keys[lk]
		switch {
		case lk == "aws:username" && sp.kind == IdentityPolicy:
			plan.username = true
		case principalKeys[lk] || lk == "aws:resourceaccount":
			return unknownf("%s: the policy variable ${%s} names a key the engine derives from the caller or the resource, outside the fragment", k.where, k.name)
		}
		if multi[lk] {
			return unknownf("%s: the policy variable ${%s} names a key a set operator compares (multi-valued), outside the fragment", k.where, k.name)
		}
		for f := range families[lk] {
			if f != condition.String && f != condition.Null {
				return unknownf("%s: the policy variable ${%s} names a key compared by %s operators, outside the fragment (only String and Null)", k.where, k.name, f)
			}
		}
		if sp.public && contains(PublicKeys, lk) {
			return unknownf("%s: the policy variable ${%s} names a key that identifies the caller, outside the fragment of CheckNoPublicAccess", k.where, k.name)
		}
		k.dom = domainOf(lk, lk == "aws:username")
	}
	// Components: keys that share a sort.
	sorts := map[string][]string{} // sort -> keys
	addSort := func(s, k string) {
		if !contains(sorts[s], k) {
			sorts[s] = append(sorts[s], k)
		}
	}
	for _, lk := range order {
		addSort(lk, lk)
	}
	for _, p := range pats {
		for _, vk := range templateVars(p.units) {
			addSort(p.sort, vk)
		}
	}
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		if p, ok := parent[x]; ok && p != x {
			r := find(p)
			parent[x] = r
			return r
		}
		return x
	}
	for _, ks := range sorts {
		for _, k := range ks[1:] {
			if a, b := find(ks[0]), find(k); a != b {
				parent[a] = b
			}
		}
	}
	var comps [][]string
	compOf := map[string]int{}
	for _, lk := range order {
		r := find(lk)
		i, ok := compOf[r]
		if !ok {
			i = len(comps)
			compOf[r] = i
			comps = append(comps, nil)
		}
		comps[i] = append(comps[i], lk)
		keys[lk].comp = i
	}
	product := []map[string]string{{}}
	for _, ck := range comps {
		cases, err := sp.componentCases(plan, ck, pats, sorts, families, multi)
		if err != nil {
			return err
		}
		var next []map[string]string
		for _, base := range product {
			for _, c := range cases {
				m := map[string]string{}
				for k, v := range base {
					m[k] = v
				}
				for k, v := range c {
					m[k] = v
				}
				next = append(next, m)
				if len(next) > maxVarCases {
					return unknownf("the policy variables (${%s}, ...) have more than %d cases of values (the cap)", keys[order[0]].name, maxVarCases)
				}
			}
		}
		product = next
	}
	for _, vals := range product {
		plan.cases = append(plan.cases, &varCase{vals: vals})
	}
	sp.vars = plan
	return nil
}

// rawName is the variable's key as written in text.
func rawName(text, lower string) string {
	for _, u := range parseTemplate(text, true) {
		if u.kind == uVar && u.key == lower {
			return u.raw
		}
	}
	return lower
}

// componentCases checks one component against the fragment and lists its
// cases: each key absent or holding a representative value.
func (sp *space) componentCases(plan *varPlan, ck []string, pats []varPattern, sorts map[string][]string, families map[string]map[condition.Family]bool, multi map[string]bool) ([]map[string]string, error) {
	if len(ck) > maxVarKeys {
		return nil, unknownf("the policy variables ${%s} and %d more share the values they are compared with; more than %d such keys is outside the fragment", plan.keys[ck[0]].name, len(ck)-1, maxVarKeys)
	}
	delim := func(r rune) bool {
		for _, k := range ck {
			if plan.keys[k].dom.ok(r) {
				return false
			}
		}
		return true
	}
	inComp := map[string]bool{}
	for s, ks := range sorts {
		for _, k := range ks {
			if plan.keys[k].comp == plan.keys[ck[0]].comp {
				inComp[s] = true
			}
		}
	}
	for s := range inComp {
		if s == resSort {
			continue
		}
		for f := range families[s] {
			if f != condition.String && f != condition.ARN && f != condition.Null {
				return nil, unknownf("%s is compared by %s operators and with the policy variable ${%s}: outside the fragment", s, f, plan.keys[ck[0]].name)
			}
		}
		if sp.kind == ResourcePolicy && principalKeys[s] {
			return nil, unknownf("a condition on %s compares it with the policy variable ${%s}: the engine derives %s from the caller, outside the fragment", s, plan.keys[ck[0]].name, s)
		}
		if sp.public && contains(PublicKeys, s) {
			return nil, unknownf("a condition on %s, a key that identifies the caller, compares it with the policy variable ${%s}: outside the fragment of CheckNoPublicAccess", s, plan.keys[ck[0]].name)
		}
	}
	// Whole segments, and the pieces' automata.
	var ns []*nfa
	seen := map[string]bool{}
	addNFA := func(sig string, mk func() *nfa) {
		if !seen[sig] {
			seen[sig] = true
			ns = append(ns, mk())
		}
	}
	for _, p := range pats {
		if !inComp[p.sort] {
			continue
		}
		if p.arn != nil {
			rc := *p.arn
			addNFA("arn\x00"+unitsSig(rc[:]...), func() *nfa { return arnNFA(rc) })
			continue
		}
		for i, u := range p.units {
			if u.kind != uVar {
				continue
			}
			leftOK := i == 0 || (p.units[i-1].kind == uLit && delim(lastRune(p.units[i-1].text)))
			rightOK := i == len(p.units)-1 || (p.units[i+1].kind == uLit && delim(firstRune(p.units[i+1].text)))
			if !leftOK || !rightOK {
				return nil, unknownf("%s: the policy variable ${%s} is not a whole segment of the value (alone, or between characters %s cannot hold such as '/' or ':'), outside the fragment", p.where, u.raw, domainNames(plan, ck))
			}
		}
		if nd := countDefaults(p.units); nd > 6 {
			return nil, unknownf("%s: %d policy variables with defaults in one value, more than the cap of 6", p.where, nd)
		}
		for _, pieces := range pieceVariants(p.units) {
			for _, pc := range pieces {
				pc := pc
				addNFA(fmt.Sprintf("%v%v\x00", p.wild, p.fold)+unitsSig(pc), func() *nfa { return globNFA(pc, p.wild, p.fold) })
			}
		}
	}
	if inComp[resSort] && plan.iamOrKMS {
		// The engine reads the start of an IAM or KMS resource part
		// itself: role/ and key/ (trust and key policies), and the
		// prefixes of the resources AWS owns (engine/awsrules.go).
		for _, pre := range enginePrefixes {
			u := parseTemplate(pre, false)
			addNFA("truefalse\x00"+unitsSig(u), func() *nfa { return globNFA(u, true, false) })
		}
	}
	// Representatives per domain of a block of equal values.
	type repSet struct {
		order []string
		reps  map[string][]string
	}
	repCache := map[string]*repSet{}
	repsFor := func(block []string) (*repSet, error) {
		sig := strings.Join(block, "\x00")
		if r, ok := repCache[sig]; ok {
			return r, nil
		}
		var ds []varDomain
		for _, k := range block {
			ds = append(ds, plan.keys[k].dom)
		}
		order, reps, ok := typeReps(ns, meet(ds), delim, len(ck), maxVarTypes)
		if !ok {
			return nil, unknownf("the policy variable ${%s}: its values have more than %d types (the cap)", plan.keys[block[0]].name, maxVarTypes)
		}
		r := &repSet{order: order, reps: reps}
		repCache[sig] = r
		return r, nil
	}
	// Every labelling of the keys: 0 absent, else a block (restricted
	// growth), then a type per block, then distinct representatives.
	var out []map[string]string
	labels := make([]int, len(ck))
	var rec func(i, blocks int) error
	rec = func(i, blocks int) error {
		if i == len(ck) {
			groups := make([][]string, blocks)
			for j, l := range labels {
				if l > 0 {
					groups[l-1] = append(groups[l-1], ck[j])
				}
			}
			sets := make([]*repSet, blocks)
			for b, g := range groups {
				rs, err := repsFor(g)
				if err != nil {
					return err
				}
				sets[b] = rs
			}
			// Every choice of a type per block, with distinct
			// representatives (one assignment each: the first found).
			types := make([]string, blocks)
			chosen := make([]string, blocks)
			var assign func(b int) bool
			assign = func(b int) bool {
				if b == blocks {
					return true
				}
				for _, v := range sets[b].reps[types[b]] {
					if !containsStr(chosen[:b], v) {
						chosen[b] = v
						if assign(b + 1) {
							return true
						}
					}
				}
				return false
			}
			var pick func(b int)
			pick = func(b int) {
				if b < blocks {
					for _, ty := range sets[b].order {
						types[b] = ty
						pick(b + 1)
					}
					return
				}
				if !assign(0) {
					return // no distinct values of these types
				}
				m := map[string]string{}
				for bi, g := range groups {
					for _, k := range g {
						m[k] = chosen[bi]
					}
				}
				out = append(out, m)
			}
			pick(0)
			if len(out) > maxVarCases {
				return unknownf("the policy variable ${%s} has more than %d cases of values (the cap)", plan.keys[ck[0]].name, maxVarCases)
			}
			return nil
		}
		for l := 0; l <= blocks+1; l++ {
			labels[i] = l
			nb := blocks
			if l == blocks+1 {
				nb++
			}
			if err := rec(i+1, nb); err != nil {
				return err
			}
		}
		return nil
	}
	if err := rec(0, 0); err != nil {
		return nil, err
	}
	return out, nil
}

func containsStr(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func domainNames(plan *varPlan, ck []string) string {
	var names []string
	for _, k := range ck {
		n := plan.keys[k].dom.name
		if !containsStr(names, n) {
			names = append(names, n)
		}
	}
	return strings.Join(names, " or ")
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

func unitsSig(us ...[]tunit) string {
	var b strings.Builder
	for _, u := range us {
		for _, x := range u {
			fmt.Fprintf(&b, "%d%q", x.kind, x.text)
		}
		b.WriteByte('|')
	}
	return b.String()
}

// pieceVariants splits units at their variables into variable-free pieces,
// once for every choice of which variables with a default are absent (those
// are written as their default).
func pieceVariants(units []tunit) [][][]tunit {
	var withDef []int
	for i, u := range units {
		if u.kind == uVar && u.hasDef {
			withDef = append(withDef, i)
		}
	}
	var out [][][]tunit
	for mask := 0; mask < 1<<len(withDef); mask++ {
		absent := map[int]bool{}
		for j, i := range withDef {
			if mask&(1<<j) != 0 {
				absent[i] = true
			}
		}
		var pieces [][]tunit
		var cur []tunit
		for i, u := range units {
			switch {
			case u.kind == uVar && absent[i]:
				cur = appendLit(cur, u.text)
			case u.kind == uVar:
				pieces = append(pieces, cur)
				cur = nil
			default:
				cur = append(cur, u)
			}
		}
		pieces = append(pieces, cur)
		out = append(out, pieces)
	}
	return out
}

func appendLit(us []tunit, text string) []tunit {
	if text == "" {
		return us
	}
	if n := len(us); n > 0 && us[n-1].kind == uLit {
		c := append([]tunit{}, us...)
		c[n-1].text += text
		return c
	}
	return append(us, tunit{kind: uLit, text: text})
}

// typeReps walks strings of dom breadth first over the automata's alphabet
// (the characters they name that dom holds, and one more of dom that they
// do not name) and returns, per type, up to k distinct strings of dom of
// that type, shortest first; the types in the order found.
//
// A segment starts at the start of a string or after a delimiter, so the
// automaton is then in states B: the start's closure, and the closures of
// the targets of edges that read a delimiter. It is followed by a
// delimiter or the end, so of the states it leads to only E matter: those
// with an edge that reads a delimiter, and the accepting state. A string's
// state is, for every automaton and q in B, the set of states it leads to
// from q; its type is that set cut to E. A string is extended only while
// fewer than k+1 strings of its state were: the extensions of a string
// depend on its state alone, so each type with k members in dom gets k.
// ok is false past maxTypes types or maxVarStates states.
func typeReps(ns []*nfa, dom varDomain, delim func(rune) bool, k, maxTypes int) (order []string, reps map[string][]string, ok bool) {
	set := map[rune]bool{}
	for _, n := range ns {
		n.runes(set)
	}
	var sigma []rune
	for r := range set {
		if dom.ok(r) {
			sigma = append(sigma, r)
		}
	}
	fresh := rune(-1)
	for _, r := range "xyzqwjkvbmnlphgfdtsrcuoieaXYZ0123456789_-" {
		if !set[r] && dom.ok(r) {
			fresh = r
			break
		}
	}
	if fresh < 0 {
		for r := rune(0x100); r < 0x3000; r++ {
			if !set[r] && dom.ok(r) {
				fresh = r
				break
			}
		}
	}
	sort.Slice(sigma, func(i, j int) bool { return sigma[i] < sigma[j] })
	if fresh >= 0 {
		// The fresh character first: representatives read as names the
		// policies do not use.
		sigma = append([]rune{fresh}, sigma...)
	}
	// Whether an edge can read some delimiter: the delimiters the automata
	// name, and for wildcards any (one the automata do not name stands for
	// the rest).
	anyDelim, delimNotColon := false, false
	for r := range set {
		if delim(r) {
			anyDelim = true
			if r != ':' {
				delimNotColon = true
			}
		}
	}
	for _, r := range []rune{'\x00', '\x7f', '\uffff', '"', '#', '*', '!', '|'} {
		if !set[r] && delim(r) {
			anyDelim, delimNotColon = true, true
		}
	}
	readsDelim := func(e nedge) bool {
		switch e.cls {
		case eRune:
			return delim(e.r)
		case eFold:
			return delim(e.r) || delim(e.r-32)
		case eAny:
			return anyDelim
		case eNoColon:
			return delimNotColon
		}
		return false
	}
	type auto struct {
		n    *nfa
		from []int  // B
		keep bitset // E
	}
	as := make([]auto, len(ns))
	for i, n := range ns {
		b := make(bitset, n.words())
		b.set(n.start)
		keep := make(bitset, n.words())
		if n.accept >= 0 {
			keep.set(n.accept)
		}
		for q, es := range n.edges {
			for _, e := range es {
				if readsDelim(e) {
					b.set(e.to)
					keep.set(q)
				}
			}
		}
		n.closure(b)
		var from []int
		for q := range n.edges {
			if b.has(q) {
				from = append(from, q)
			}
		}
		as[i] = auto{n: n, from: from, keep: keep}
	}
	type node struct {
		fs   [][]bitset // per automaton, per state of B
		word string
		n    int // runes
	}
	keyOf := func(fs [][]bitset, cut bool) string {
		b := make([]byte, 0, 64)
		for i, f := range fs {
			for _, s := range f {
				for wi, w := range s {
					if cut {
						w &= as[i].keep[wi]
					}
					for j := 0; j < 8; j++ {
						b = append(b, byte(w>>(8*j)))
					}
				}
			}
		}
		return string(b)
	}
	init := make([][]bitset, len(as))
	for i, a := range as {
		init[i] = make([]bitset, len(a.from))
		for j, q := range a.from {
			s := make(bitset, a.n.words())
			s.set(q)
			a.n.closure(s)
			init[i][j] = s
		}
	}
	reps = map[string][]string{}
	count := map[string]int{}
	// visit counts a string of its state: expand it when it is among the
	// first k+1 of its state; overflow past the caps.
	visit := func(nd node) (expand, overflow bool) {
		sk := keyOf(nd.fs, false)
		c, known := count[sk]
		if !known && len(count) >= maxVarStates {
			return false, true
		}
		if c >= k+1 {
			return false, false
		}
		count[sk] = c + 1
		tk := keyOf(nd.fs, true)
		if nd.n >= dom.min && len(reps[tk]) < k && !containsStr(reps[tk], nd.word) {
			if len(reps[tk]) == 0 {
				if len(order) >= maxTypes {
					return false, true
				}
				order = append(order, tk)
			}
			reps[tk] = append(reps[tk], nd.word)
		}
		return true, false
	}
	queue := []node{{fs: init}}
	visit(queue[0])
	for i := 0; i < len(queue); i++ {
		nd := queue[i]
		if dom.max >= 0 && nd.n >= dom.max {
			continue
		}
		for _, r := range sigma {
			next := make([][]bitset, len(as))
			for a, au := range as {
				next[a] = make([]bitset, len(au.from))
				for j := range au.from {
					next[a][j] = au.n.next(nd.fs[a][j], r)
				}
			}
			c := node{fs: next, word: nd.word + string(r), n: nd.n + 1}
			expand, overflow := visit(c)
			if overflow {
				return nil, nil, false
			}
			if expand {
				queue = append(queue, c)
			}
		}
		queue[i].fs = nil // expanded: no longer needed
	}
	return order, reps, true
}

func countDefaults(units []tunit) int {
	n := 0
	for _, u := range units {
		if u.kind == uVar && u.hasDef {
			n++
		}
	}
	return n
}

// decide runs the check: once, or once per case of the variables' values
// (FAIL at the first case that fails, PASS when all pass). The cases share
// the bound on requests.
func (sp *space) decide(bad func(allowed []bool) bool, target int) (*CheckResult, error) {
	if sp.vars == nil {
		return sp.run(bad, target)
	}
	var res *CheckResult
	total, combos := 0, 0
	for _, c := range sp.vars.cases {
		cs := sp.withCase(c)
		cs.opt.MaxCombinations = sp.opt.MaxCombinations - combos
		if cs.opt.MaxCombinations <= 0 {
			return nil, unknownf("more than %d requests to decide (the cap)", sp.opt.MaxCombinations)
		}
		r, err := cs.run(bad, target)
		if err != nil {
			return nil, err
		}
		total += r.Requests
		combos += r.Requests / len(sp.cps)
		r.Requests = total
		res = r
		if r.Result == Fail {
			return r, nil
		}
	}
	return res, nil
}

// withCase is sp deciding case c. The resource solver's caches are shared
// by the cases (they know texts with variables by their resolved form);
// the others depend on the values and are new.
func (sp *space) withCase(c *varCase) *space {
	cs := *sp
	vc := &varCase{vals: c.vals, units: map[string][5][]tunit{}, key: map[string]string{}, void: map[string]bool{}}
	for t := range sp.vars.texts {
		comps, _ := splitARN(t)
		var rc [5][]tunit
		for j := 0; j < 4; j++ {
			rc[j] = parseTemplate(comps[j], true)
		}
		var out []tunit
		void := false
		for _, u := range parseTemplate(comps[4], true) {
			if u.kind != uVar {
				out = append(out, u)
				continue
			}
			v, ok := vc.vals[u.key]
			switch {
			case ok:
				out = appendLit(out, v)
			case u.hasDef:
				out = appendLit(out, u.text)
			default:
				void = true
			}
		}
		rc[4] = out
		if void {
			// A variable without a value (and without a default): the
			// resource part is "*" and t voids its statement.
			rc[4] = []tunit{{kind: uStar}}
		}
		vc.units[t], vc.void[t] = rc, void
		vc.key[t] = fmt.Sprintf("%s\x00%v\x00%s", t, void, unitsSig(rc[4]))
	}
	cs.vc = vc
	cs.keyCache = map[string][]*keyStates{}
	cs.forCase()
	return &cs
}

// resourceUnits are the units of Resource text t's components as the
// solver reads them: with the case's values written in (withCase).
func (sp *space) resourceUnits(t string, comps [5]string) [5][]tunit {
	if sp.vc != nil && sp.vars.texts[t] {
		return sp.vc.units[t]
	}
	var rc [5][]tunit
	for j := range comps {
		rc[j] = parseTemplate(comps[j], false)
	}
	return rc
}

// resKey is what the resource solver's caches know text t by.
func (sp *space) resKey(t string) string {
	if sp.vc != nil && sp.vars.texts[t] {
		return sp.vc.key[t]
	}
	return t
}

func (sp *space) resKeys(texts []string) []string {
	if sp.vc == nil {
		return texts
	}
	out := make([]string, len(texts))
	for i, t := range texts {
		out[i] = sp.resKey(t)
	}
	return out
}

// fillUnits writes units as a readable member: '*' as "example", '?' as
// "x".
func fillUnits(us []tunit) string {
	var b strings.Builder
	for _, u := range us {
		switch u.kind {
		case uStar:
			b.WriteString("example")
		case uQm:
			b.WriteByte('x')
		default:
			b.WriteString(u.text)
		}
	}
	return b.String()
}

func isStar(us []tunit) bool { return len(us) == 1 && us[0].kind == uStar }

// identityCaller is the caller of identity checks: the user iamgate-check,
// or when aws:username is a variable, the user the case names, or a role
// session when it is absent.
func (sp *space) identityCaller() string {
	if sp.vc == nil || !sp.vars.username {
		return checkUser
	}
	if v, ok := sp.vc.vals["aws:username"]; ok {
		return "arn:aws:iam::" + checkUserAccount + ":user/" + v
	}
	return checkRoleSession
}

// fixedKey reports whether a case fixes key k (a variable's key): it is
// then no unknown of the context.
func (sp *space) fixedKey(k string) bool {
	return sp.vars != nil && sp.vars.keys[strings.ToLower(k)] != nil
}

// analysisContext is what the string solver resolves variables with: the
// case's values, aws:username included.
func (sp *space) analysisContext() map[string][]string {
	if sp.vc == nil {
		return nil
	}
	out := map[string][]string{}
	for k, v := range sp.vc.vals {
		out[k] = []string{v}
	}
	return out
}

// caseContext is the case's values the request's context carries: all but
// aws:username, which the caller carries.
func (sp *space) caseContext() map[string][]string {
	if sp.vc == nil {
		return nil
	}
	out := map[string][]string{}
	for k, v := range sp.vc.vals {
		if k == "aws:username" && sp.vars.username {
			continue
		}
		out[k] = []string{v}
	}
	return out
}

// withCaseContext is ctx with the case's values.
func (sp *space) withCaseContext(ctx map[string][]string) map[string][]string {
	cc := sp.caseContext()
	if len(cc) == 0 {
		return ctx
	}
	for k, v := range ctx {
		cc[k] = v
	}
	return cc
}

// documentCase writes the case's values into a counterexample's context,
// under the keys' names as the policies write them.
func (sp *space) documentCase(doc *evaldoc.Document) {
	cc := sp.caseContext()
	if len(cc) == 0 {
		return
	}
	if doc.Context == nil {
		doc.Context = map[string]json.RawMessage{}
	}
	for lk, v := range cc {
		raw, _ := json.Marshal(v[0])
		doc.Context[sp.vars.keys[lk].name] = raw
	}
}
