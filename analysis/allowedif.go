package analysis

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/policy/condition"
	"github.com/iamgate/iamgate/policy/vars"
)

// ErrUnknown is what an UnknownError wraps: the question is outside the
// fragment the analysis decides exactly.
var ErrUnknown = errors.New("analysis: UNKNOWN")

// UnknownError names the construct that makes an answer UNKNOWN.
type UnknownError struct {
	Construct string
}

func (e *UnknownError) Error() string { return "UNKNOWN: " + e.Construct }
func (e *UnknownError) Unwrap() error { return ErrUnknown }

func unknownf(format string, args ...any) error {
	return &UnknownError{Construct: fmt.Sprintf(format, args...)}
}

// Options says which context keys are unknown and bounds the work.
type Options struct {
	// Unknown lists condition keys (any case) whose values are unknown.
	Unknown []string
	// AllUnknown makes unknown every key the policies mention (as a
	// condition key or in a policy variable) that the request does not give.
	AllUnknown bool
	// MaxRegions bounds the regions of one key (default 64; 10 for a
	// multi-valued key, whose value is a set of regions).
	MaxRegions int
	// MaxCombinations bounds the completions decided (default 4096).
	MaxCombinations int
	// MaxStates bounds the string solver's product automaton (default 20000).
	MaxStates int
}

// Result is the answer.
type Result struct {
	// Decision is the engine's decision with the unknown keys absent.
	Decision engine.Decision
	// Unknown lists the unknown keys, as first written.
	Unknown []string
	// AllowedIf holds exactly for the completions the engine allows.
	AllowedIf Formula
	// Witnesses holds, for each element of AllowedIf, values of the unknown
	// keys (a key left out is absent) that satisfy it and that the engine
	// allows.
	Witnesses []map[string][]string
	// Regions is the number of value regions per unknown key; Combinations
	// the number of completions the engine decided.
	Regions      map[string]int
	Combinations int
	// MultiValued lists the unknown keys a ForAllValues or ForAnyValue
	// operator compares: their value is a set. Every other unknown key is
	// taken to hold one value.
	MultiValued []string
}

// overlay is a context: base with key set to vals (or removed when vals is
// nil).
type overlay struct {
	base condition.Context
	key  string
	vals []string
}

func (o overlay) Lookup(k string) ([]string, bool) {
	if k == o.key {
		return o.vals, o.vals != nil
	}
	return o.base.Lookup(k)
}

// single is a context of one key.
type single struct {
	key  string
	vals []string
}

func (s single) Lookup(k string) ([]string, bool) {
	if k == s.key && s.vals != nil {
		return s.vals, true
	}
	return nil, false
}

type stmtRef struct {
	s       *policy.Statement
	useVars bool
}

func statements(p *engine.Policies) []stmtRef {
	var out []stmtRef
	add := func(ps ...*engine.Policy) {
		for _, cp := range ps {
			if cp == nil || cp.Source == nil {
				continue
			}
			for _, s := range cp.Source.Statements {
				out = append(out, stmtRef{s: s, useVars: cp.Source.VariablesEnabled()})
			}
		}
	}
	add(p.Identity...)
	add(p.Resource, p.PermissionsBoundary, p.Endpoint)
	add(p.Session...)
	for _, l := range p.SCP {
		add(l...)
	}
	for _, l := range p.RCP {
		add(l...)
	}
	return out
}

func resourceTexts(s *policy.Statement) []string {
	var out []string
	for _, l := range []*policy.List{s.Resource, s.NotResource} {
		if l == nil {
			continue
		}
		for _, v := range l.Values {
			out = append(out, v.Text)
		}
	}
	return out
}

// MentionedKeys lists (lower case, with a spelling) the condition keys the
// request's policies mention, as condition keys or in policy variables.
func MentionedKeys(q *engine.Prepared) (lower []string, spelled map[string]string) {
	spelled = map[string]string{}
	note := func(k string) {
		lk := strings.ToLower(k)
		if _, ok := spelled[lk]; !ok {
			spelled[lk] = k
			lower = append(lower, lk)
		}
	}
	for _, sr := range statements(&q.Policies) {
		for _, c := range sr.s.Conditions {
			note(c.Key)
			if sr.useVars && c.Operator.VarsAllowed {
				for _, t := range c.Texts() {
					for _, v := range vars.Variables(t) {
						note(v.Key)
					}
				}
			}
		}
		if sr.useVars {
			for _, t := range resourceTexts(sr.s) {
				for _, v := range vars.Variables(t) {
					note(v.Key)
				}
			}
		}
	}
	return lower, spelled
}

// AllowedIf computes when q is allowed, as a formula over the unknown keys.
// On an UnknownError the Result still holds Decision and Unknown.
func AllowedIf(q *engine.Prepared, opt Options) (*Result, error) {
	if opt.MaxRegions <= 0 {
		opt.MaxRegions = 64
	}
	if opt.MaxCombinations <= 0 {
		opt.MaxCombinations = 4096
	}
	if opt.MaxStates <= 0 {
		opt.MaxStates = 20000
	}
	a := &analyzer{q: q, opt: opt, keys: map[string]*keyInfo{}}
	mentioned, spelled := MentionedKeys(q)
	for _, k := range opt.Unknown {
		a.addKey(k)
	}
	if opt.AllUnknown {
		for _, lk := range mentioned {
			if _, given := q.Lookup(lk); !given {
				a.addKey(spelled[lk])
			}
		}
	}
	for _, lk := range a.order {
		if s, ok := spelled[lk]; ok && len(opt.Unknown) == 0 {
			a.keys[lk].name = s
		}
	}
	remove := append([]string(nil), a.order...)
	a.base = q.WithContext(nil, remove)
	res := &Result{Decision: engine.Authorize(a.base).Decision, Regions: map[string]int{}}
	for _, lk := range a.order {
		res.Unknown = append(res.Unknown, a.keys[lk].name)
	}
	if len(a.order) == 0 {
		if res.Decision == engine.Allowed {
			res.AllowedIf = Formula{{}}
		} else {
			res.AllowedIf = Formula{}
		}
		res.Witnesses = []map[string][]string{}
		if res.Decision == engine.Allowed {
			res.Witnesses = append(res.Witnesses, map[string][]string{})
		}
		return res, nil
	}
	if err := a.collect(); err != nil {
		return res, err
	}
	return res, a.solveAndCombine(res)
}

// solveAndCombine splits each collected key's values into regions, then
// decides every combination into res (AllowedIf and the world diff's
// allowedIfDiff share it).
func (a *analyzer) solveAndCombine(res *Result) error {
	for _, lk := range a.order {
		k := a.keys[lk]
		if err := a.solveKey(k); err != nil {
			return err
		}
		res.Regions[k.name] = len(k.regions)
		if k.multi {
			res.MultiValued = append(res.MultiValued, k.name)
		}
	}
	return a.combine(res)
}

type analyzer struct {
	q     *engine.Prepared
	base  *engine.Prepared
	opt   Options
	keys  map[string]*keyInfo
	order []string
	// sides, for a difference (allowedIfDiff): the requests of the world
	// after and before, each with its own unknown keys; nil for AllowedIf.
	// During collect, q and base are the side being read and sideUnknown
	// its unknown keys.
	sides       []*diffSide
	sideUnknown map[string]bool
}

// decide reports whether a completion (lower-case keys) is in the answer:
// allowed by the request, or, for a difference, allowed after and not
// before, each side reading only the keys unknown to it.
func (a *analyzer) decide(set map[string][]string) bool {
	if a.sides == nil {
		return engine.Authorize(a.base.WithContext(set, nil)).Decision == engine.Allowed
	}
	return a.sides[0].allows(set) && !a.sides[1].allows(set)
}

func (a *analyzer) addKey(k string) {
	lk := strings.ToLower(k)
	if _, ok := a.keys[lk]; ok {
		return
	}
	a.keys[lk] = &keyInfo{name: k, lower: lk}
	a.order = append(a.order, lk)
}

func (a *analyzer) unknown(lk string) bool {
	if _, ok := a.keys[lk]; !ok {
		return false
	}
	return a.sideUnknown == nil || a.sideUnknown[lk]
}

// keyInfo is what the analysis learns about one unknown key.
type keyInfo struct {
	name, lower string
	multi       bool // compared with ForAllValues/ForAnyValue: a set of values
	asVariable  string
	families    map[condition.Family]bool
	atoms       []*atom
	seen        map[string]bool
	kind        kind
	regions     []*region
}

type kind uint8

const (
	kString kind = iota
	kBool
	kNumeric
	kDate
	kIP
	kBinary
)

// atom is one predicate on a single value of a key; every condition of the
// request on that key (or whose policy variable names it) is a function of
// its atoms.
type atom struct {
	fam      condition.Family
	base     string // the positive operator, e.g. StringLike
	values   []string
	pos      Conjunct  // holds exactly on the atom's values
	neg      *Conjunct // holds exactly on the other values of the key's universe; nil: every value
	lang     *nfa      // string-valued kinds
	members  []string  // the atom's values when finitely many (string kinds), else nil
	fold     bool
	compiled *condition.Condition
	negC     *condition.Condition
	// likeForms are StringLike patterns whose union is the atom (nil when
	// there are none, as for Arn atoms).
	likeForms []string
}

type region struct {
	witness string
	vec     []bool
	p, n    *Conjunct // for multi-valued keys: holds exactly in / outside the region
	ipSpans []span
}

var positiveOf = map[string]string{
	"StringNotEquals":           "StringEquals",
	"StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
	"StringNotLike":             "StringLike",
	"NumericNotEquals":          "NumericEquals",
	"DateNotEquals":             "DateEquals",
	"NotIpAddress":              "IpAddress",
	"ArnNotEquals":              "ArnEquals",
	"ArnNotLike":                "ArnLike",
}

var negatedOf = func() map[string]string {
	m := map[string]string{}
	for k, v := range positiveOf {
		m[v] = k
	}
	return m
}()

func (a *analyzer) collect() error {
	resARN, resErr := arn.Parse(a.q.Resource)
	for _, sr := range statements(&a.q.Policies) {
		for _, c := range sr.s.Conditions {
			lk := strings.ToLower(c.Key)
			op := c.Operator
			texts := c.Texts()
			useVars := sr.useVars && op.VarsAllowed
			var varKeys []string // unknown keys named by variables
			var units [][]tunit
			for _, t := range texts {
				u := parseTemplate(t, useVars)
				if useVars {
					if err := crossCheck(t, u); err != nil {
						return err
					}
				}
				units = append(units, u)
				for _, vk := range templateVars(u) {
					if a.unknown(vk) && !contains(varKeys, vk) {
						varKeys = append(varKeys, vk)
					}
				}
			}
			if a.unknown(lk) {
				k := a.keys[lk]
				if op.Family == condition.Null {
					continue
				}
				if len(varKeys) > 0 {
					return unknownf("%s on %s compares it with the policy variable ${%s}, another unknown key: relations between unknown keys are outside the fragment", op.Name, c.Key, varKeys[0])
				}
				if op.Set != condition.SetNone {
					k.multi = true
				}
				if err := a.conditionAtom(k, op, c.Key, texts, units, sr.useVars); err != nil {
					return err
				}
				continue
			}
			if len(varKeys) == 0 {
				continue
			}
			if len(varKeys) > 1 {
				return unknownf("%s on %s names two unknown keys in policy variables (${%s}, ${%s})", op.Name, c.Key, varKeys[0], varKeys[1])
			}
			reqVals, present := a.base.Lookup(lk)
			if !present || len(reqVals) == 0 {
				continue // the values are not compared: the condition is constant
			}
			cc := condition.Compile(op, c.Key, texts, sr.useVars)
			vk := varKeys[0]
			fold := op.Base == "StringEqualsIgnoreCase" || op.Base == "StringNotEqualsIgnoreCase" || op.Family == condition.Bool
			f := func(v string) bool { return cc.Eval(overlay{a.base, vk, []string{v}}) }
			if err := a.variableAtom(a.keys[vk], fmt.Sprintf("%s on %s", op.Name, c.Key), reqVals, fold, f); err != nil {
				return err
			}
		}
		if !sr.useVars || resErr != nil {
			continue
		}
		for _, t := range resourceTexts(sr.s) {
			if t == "*" {
				continue
			}
			var varKeys []string
			for _, v := range vars.Variables(t) {
				if lk := strings.ToLower(v.Key); a.unknown(lk) && !contains(varKeys, lk) {
					varKeys = append(varKeys, lk)
				}
			}
			if len(varKeys) == 0 {
				continue
			}
			if len(varKeys) > 1 {
				return unknownf("resource %q names two unknown keys in policy variables", t)
			}
			pat := vars.CompileARN(t, true)
			vk := varKeys[0]
			f := func(v string) bool {
				ok, resolved := pat.Match(resARN, overlay{a.base, vk, []string{v}})
				return ok && resolved
			}
			if err := a.variableAtom(a.keys[vk], fmt.Sprintf("resource %q", t), []string{a.q.Resource}, false, f); err != nil {
				return err
			}
		}
	}
	for _, lk := range a.order {
		k := a.keys[lk]
		if k.multi && k.asVariable != "" {
			return unknownf("%s is multi-valued (a ForAllValues/ForAnyValue operator compares it) and %s uses it as a policy variable", k.name, k.asVariable)
		}
	}
	return nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// crossCheck makes sure parseTemplate found the variables vars finds.
func crossCheck(text string, units []tunit) error {
	vs := vars.Variables(text)
	got := templateVars(units)
	if len(vs) != len(got) {
		return unknownf("policy value %q: variables not recognised consistently", text)
	}
	for i := range vs {
		if strings.ToLower(vs[i].Key) != got[i] {
			return unknownf("policy value %q: variables not recognised consistently", text)
		}
	}
	return nil
}

func (k *keyInfo) addAtom(at *atom) {
	if k.seen == nil {
		k.seen = map[string]bool{}
		k.families = map[condition.Family]bool{}
	}
	id := at.pos.Operator + "\x00" + strings.Join(at.pos.Values, "\x01")
	if k.seen[id] {
		return
	}
	k.seen[id] = true
	op, _ := condition.ParseOperator(at.pos.Operator)
	at.compiled = condition.Compile(op, k.lower, at.pos.Values, true)
	k.atoms = append(k.atoms, at)
	k.families[at.fam] = true
}

// resolve substitutes known variables; unknown ones were refused before.
func (a *analyzer) resolve(units []tunit, where string) ([]tunit, error) {
	out := make([]tunit, 0, len(units))
	for _, u := range units {
		if u.kind != uVar {
			out = append(out, u)
			continue
		}
		vals, ok := a.base.Lookup(u.key)
		var text string
		switch {
		case ok && len(vals) == 1:
			text = vals[0]
		case u.hasDef:
			text = u.text
		default:
			return nil, unknownf("%s: the policy variable ${%s} has no value in the request and no default", where, u.raw)
		}
		if n := len(out); n > 0 && out[n-1].kind == uLit {
			out[n-1].text += text
		} else if text != "" {
			out = append(out, tunit{kind: uLit, text: text})
		}
	}
	return out, nil
}

func (a *analyzer) conditionAtom(k *keyInfo, op condition.Operator, key string, texts []string, units [][]tunit, useVars bool) error {
	base := op.Base
	if p, ok := positiveOf[base]; ok {
		base = p
	}
	where := op.Name + " on " + key
	at := &atom{fam: op.Family, base: base}
	switch op.Family {
	case condition.String, condition.Bool:
		like := base == "StringLike"
		fold := base == "StringEqualsIgnoreCase" || op.Family == condition.Bool
		var ns []*nfa
		var vals []string
		finite := true
		var members []string
		forms, formsOK := []string{}, true
		for _, u := range units {
			r, err := a.resolve(u, where)
			if err != nil {
				// policy/condition stops at a value whose variable cannot be
				// resolved and makes the condition false: only the values
				// before it can match.
				break
			}
			ns = append(ns, globNFA(r, like, fold))
			vals = append(vals, escapeValue(r, like))
			text, isLit := literalText(r, like)
			switch {
			case like:
				forms = append(forms, escapeValue(r, true))
			case fold:
				vs, ok := caseVariants(text, 64)
				if !ok {
					formsOK = false
				}
				for _, v := range vs {
					forms = append(forms, escapeLiteral(v, true))
				}
			default:
				forms = append(forms, escapeLiteral(text, true))
			}
			if !isLit {
				finite = false
			} else if finite {
				if fold {
					vs, ok := caseVariants(text, 64)
					if !ok {
						finite = false
					}
					members = append(members, vs...)
				} else {
					members = append(members, text)
				}
			}
		}
		at.lang, at.values, at.fold = unionNFA(ns), vals, fold
		if formsOK {
			at.likeForms = forms
		}
		if finite {
			at.members = dedupe(members)
			if at.members == nil {
				at.members = []string{}
			}
		}
		at.pos = Conjunct{Key: k.name, Operator: base, Values: vals}
		if op.Family == condition.Bool {
			at.neg = &Conjunct{Key: k.name, Operator: "StringNotEqualsIgnoreCase", Values: vals}
		} else {
			at.neg = &Conjunct{Key: k.name, Operator: negatedOf[base], Values: vals}
		}
	case condition.ARN:
		var ns []*nfa
		var vals []string
		for _, t := range texts {
			if t == "*" {
				ns = append(ns, anyNFA())
				vals = append(vals, "*")
				continue
			}
			comps, ok := splitARN(t)
			if !ok {
				continue // never matches
			}
			var rc [5][]tunit
			dead := false
			for j := range comps {
				u := parseTemplate(comps[j], useVars)
				r, err := a.resolve(u, where)
				if err != nil {
					return err
				}
				if j < 4 {
					for _, x := range r {
						if x.kind == uLit && strings.Contains(x.text, ":") {
							dead = true
						}
					}
				}
				rc[j] = r
			}
			if dead {
				continue
			}
			ns = append(ns, arnNFA(rc))
			parts := make([]string, 5)
			for j := range rc {
				parts[j] = escapeValue(rc[j], true)
			}
			vals = append(vals, "arn:"+strings.Join(parts, ":"))
		}
		at.lang, at.values = unionNFA(ns), vals
		at.pos = Conjunct{Key: k.name, Operator: base, Values: vals}
		at.neg = &Conjunct{Key: k.name, Operator: negatedOf[base], Values: vals}
	case condition.Numeric, condition.Date, condition.IPAddress, condition.Binary:
		at.values = texts
		at.pos = Conjunct{Key: k.name, Operator: base, Values: texts}
	}
	k.addAtom(at)
	return nil
}

func hasVars(units []tunit) bool {
	for _, u := range units {
		if u.kind == uVar {
			return true
		}
	}
	return false
}

// literalText returns the text units stand for when they hold no wildcard.
func literalText(units []tunit, wild bool) (string, bool) {
	var b strings.Builder
	for _, u := range units {
		switch u.kind {
		case uLit:
			b.WriteString(u.text)
		case uStar:
			if wild {
				return "", false
			}
			b.WriteByte('*')
		case uQm:
			if wild {
				return "", false
			}
			b.WriteByte('?')
		}
	}
	return b.String(), true
}

func caseVariants(s string, max int) ([]string, bool) {
	out := []string{""}
	for _, r := range s {
		var next []string
		for _, p := range out {
			if isASCIILetter(r) {
				next = append(next, p+string(lowerRune(r)), p+string(lowerRune(r)-32))
			} else {
				next = append(next, p+string(r))
			}
		}
		if len(next) > max {
			return nil, false
		}
		out = next
	}
	return out, true
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// variableAtom adds the atom "the value makes f true" on k, where f is a
// condition or resource whose policy variable names k. Such a value must be
// a substring of the request values compared (or, with fold, a case variant
// of one), so the atom is a finite set.
func (a *analyzer) variableAtom(k *keyInfo, where string, compared []string, fold bool, f func(string) bool) error {
	if k.asVariable == "" {
		k.asVariable = where
	}
	fresh := freshValue(compared)
	outside := f(fresh)
	var members []string
	seen := map[string]bool{}
	try := func(u string) {
		lu := u
		if fold {
			lu = strings.ToLower(u)
		}
		if seen[lu] {
			return
		}
		seen[lu] = true
		if f(u) != outside {
			members = append(members, lu)
		}
	}
	try("")
	for _, r := range compared {
		for i := 0; i <= len(r); i++ {
			for j := i + 1; j <= len(r); j++ {
				try(r[i:j])
			}
		}
	}
	if len(members) == 0 {
		return nil
	}
	if len(members) > 256 {
		return unknownf("%s: more than 256 values of %s matter", where, k.name)
	}
	sort.Strings(members)
	at := &atom{fam: condition.String, fold: fold}
	var ns []*nfa
	var vals []string
	var all []string
	for _, m := range members {
		u := []tunit{}
		if m != "" {
			u = []tunit{{kind: uLit, text: m}}
		}
		ns = append(ns, globNFA(u, false, fold))
		vals = append(vals, escapeLiteral(m, false))
		if fold {
			vs, ok := caseVariants(m, 64)
			if ok {
				all = append(all, vs...)
			} else {
				all = nil
			}
		} else {
			all = append(all, m)
		}
	}
	at.lang, at.values = unionNFA(ns), vals
	if all != nil {
		at.members = dedupe(all)
		for _, m := range at.members {
			at.likeForms = append(at.likeForms, escapeLiteral(m, true))
		}
	}
	at.base = "StringEquals"
	if fold {
		at.base = "StringEqualsIgnoreCase"
	}
	at.pos = Conjunct{Key: k.name, Operator: at.base, Values: vals}
	at.neg = &Conjunct{Key: k.name, Operator: negatedOf[at.base], Values: vals}
	k.addAtom(at)
	return nil
}

// freshValue returns a string that is not a substring of any of xs, in any
// case.
func freshValue(xs []string) string {
	for _, c := range "#~%^!@&xyzqw0123456789" {
		used := false
		for _, x := range xs {
			if strings.ContainsRune(strings.ToLower(x), lowerRune(c)) {
				used = true
			}
		}
		if !used {
			return string(c)
		}
	}
	return "\u2603"
}
