package analysis

import (
	"fmt"
	"math"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/iamgate/iamgate/policy/condition"
)

// The value space of an unknown key is typed by the operators that compare
// it (its universe): any string for String, Arn and variable comparisons;
// "true" or "false" for a key only Bool compares; finite decimal numbers for
// Numeric; dates ParseDate reads for Date; IPv4 and IPv6 addresses without
// zones (IPv4 written as IPv4) for IpAddress; strings without surrounding
// white space for Binary. solveKey partitions the universe into regions on
// which every atom is constant, with a witness value for each.

func kindName(k kind) string {
	return [...]string{"String", "Bool", "Numeric", "Date", "IpAddress", "Binary"}[k]
}

func (a *analyzer) solveKey(k *keyInfo) error {
	group := func(f condition.Family) kind {
		switch f {
		case condition.Numeric:
			return kNumeric
		case condition.Date:
			return kDate
		case condition.IPAddress:
			return kIP
		case condition.Binary:
			return kBinary
		}
		return kString
	}
	k.kind = kString
	first := true
	onlyBool := len(k.atoms) > 0
	for _, at := range k.atoms {
		g := group(at.fam)
		if at.fam != condition.Bool {
			onlyBool = false
		}
		if first {
			k.kind, first = g, false
		} else if g != k.kind {
			return unknownf("%s is compared by both %s and %s operators: a value space mixing them is outside the fragment", k.name, kindName(k.kind), kindName(g))
		}
	}
	if onlyBool {
		k.kind = kBool
	}
	var err error
	switch k.kind {
	case kString, kBool:
		if k.kind == kBool {
			err = a.regionsFromCandidates(k, []string{"true", "false"})
		} else {
			err = a.stringRegions(k)
		}
	case kNumeric:
		err = a.regionsFromCandidates(k, numericCandidates(k))
	case kDate:
		err = a.regionsFromCandidates(k, dateCandidates(k))
	case kIP:
		err = a.ipRegions(k)
	case kBinary:
		err = a.regionsFromCandidates(k, binaryCandidates(k))
	}
	if err != nil {
		return err
	}
	max := a.opt.MaxRegions
	if k.multi && max > 10 {
		max = 10
	}
	if len(k.regions) > max {
		return unknownf("%s has %d value regions, more than the cap of %d", k.name, len(k.regions), max)
	}
	a.negations(k)
	if err := a.checkLiterals(k); err != nil {
		return err
	}
	if k.multi && len(k.regions) > 1 {
		return a.setDescriptors(k)
	}
	return nil
}

func holds(c *condition.Condition, key, v string) bool {
	return c.Eval(single{key: key, vals: []string{v}})
}

func compileC(c *Conjunct) *condition.Condition {
	cc, err := compileConjunct(*c)
	if err != nil {
		panic("analysis: " + err.Error())
	}
	return cc
}

func (a *analyzer) vector(k *keyInfo, v string) []bool {
	vec := make([]bool, len(k.atoms))
	for i, at := range k.atoms {
		vec[i] = holds(at.compiled, k.lower, v)
	}
	return vec
}

func vecKey(v []bool) string {
	b := make([]byte, len(v))
	for i, x := range v {
		b[i] = '0'
		if x {
			b[i] = '1'
		}
	}
	return string(b)
}

// regionsFromCandidates groups candidate values (which must meet every
// region of the universe) by the atoms they satisfy.
func (a *analyzer) regionsFromCandidates(k *keyInfo, cands []string) error {
	idx := map[string]*region{}
	for _, c := range cands {
		vec := a.vector(k, c)
		kv := vecKey(vec)
		if _, ok := idx[kv]; ok {
			continue
		}
		r := &region{witness: c, vec: vec}
		idx[kv] = r
		k.regions = append(k.regions, r)
	}
	return nil
}

func (a *analyzer) stringRegions(k *keyInfo) error {
	if len(k.atoms) == 0 {
		k.regions = []*region{{witness: "", vec: []bool{}}}
		return nil
	}
	ns := make([]*nfa, len(k.atoms))
	for i, at := range k.atoms {
		ns[i] = at.lang
	}
	w, order, ok := solveStrings(ns, a.opt.MaxStates)
	if !ok {
		return unknownf("%s: the string solver's automaton exceeds %d states", k.name, a.opt.MaxStates)
	}
	for _, v := range order {
		r := &region{witness: w[v], vec: a.vector(k, w[v])}
		if vecKey(r.vec) != v {
			return fmt.Errorf("analysis: internal: the string solver and policy/condition disagree on %q for %s (%s vs %s)", w[v], k.name, v, vecKey(r.vec))
		}
		k.regions = append(k.regions, r)
	}
	return nil
}

func formatNumber(x float64) string {
	if math.Abs(x) >= 1e21 || (x != 0 && math.Abs(x) < 1e-6) {
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}

func numericConstants(k *keyInfo) []float64 {
	var cs []float64
	for _, at := range k.atoms {
		for _, v := range at.values {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
				cs = append(cs, f)
			}
		}
	}
	sort.Float64s(cs)
	var out []float64
	for i, c := range cs {
		if i == 0 || c != cs[i-1] {
			out = append(out, c)
		}
	}
	return out
}

func numericCandidates(k *keyInfo) []string {
	cs := numericConstants(k)
	if len(cs) == 0 {
		return []string{"0"}
	}
	var out []float64
	below := math.Floor(cs[0]) - 1
	if !(below < cs[0]) {
		below = math.Nextafter(cs[0], math.Inf(-1))
	}
	out = append(out, below)
	for i, c := range cs {
		out = append(out, c)
		if i+1 < len(cs) {
			n := cs[i+1]
			x := math.Floor(c) + 1
			if !(x > c && x < n) {
				x = c + (n-c)/2
			}
			if !(x > c && x < n) {
				x = math.Nextafter(c, n)
			}
			if x > c && x < n {
				out = append(out, x)
			}
		}
	}
	above := math.Floor(cs[len(cs)-1]) + 1
	if !(above > cs[len(cs)-1]) {
		above = math.Nextafter(cs[len(cs)-1], math.Inf(1))
	}
	out = append(out, above)
	var s []string
	for _, x := range out {
		if !math.IsInf(x, 0) {
			s = append(s, formatNumber(x))
		}
	}
	return s
}

func dateConstants(k *keyInfo) []time.Time {
	var ts []time.Time
	for _, at := range k.atoms {
		for _, v := range at.values {
			if t, ok := condition.ParseDate(v); ok {
				ts = append(ts, t)
			}
		}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	var out []time.Time
	for i, t := range ts {
		if i == 0 || !t.Equal(ts[i-1]) {
			out = append(out, t)
		}
	}
	return out
}

// formatDate writes t so that ParseDate reads it back exactly.
func formatDate(t time.Time) (string, bool) {
	for _, s := range []string{t.UTC().Format(time.RFC3339Nano), strconv.FormatInt(t.Unix(), 10)} {
		if p, ok := condition.ParseDate(s); ok && p.Equal(t) {
			return s, true
		}
	}
	return "", false
}

func dateCandidates(k *keyInfo) []string {
	ts := dateConstants(k)
	if len(ts) == 0 {
		return []string{"2024-01-01T00:00:00Z"}
	}
	var out []time.Time
	out = append(out, ts[0].Add(-24*time.Hour), ts[0].Add(-time.Nanosecond))
	for i, t := range ts {
		out = append(out, t)
		if i+1 < len(ts) {
			for _, d := range []time.Duration{time.Second, time.Nanosecond} {
				if x := t.Add(d); x.Before(ts[i+1]) {
					out = append(out, x)
					break
				}
			}
		}
	}
	out = append(out, ts[len(ts)-1].Add(24*time.Hour), ts[len(ts)-1].Add(time.Nanosecond))
	var s []string
	for _, t := range out {
		if w, ok := formatDate(t); ok {
			s = append(s, w)
		}
	}
	return s
}

func binaryCandidates(k *keyInfo) []string {
	seen := map[string]bool{}
	var out []string
	for _, at := range k.atoms {
		for _, v := range at.values {
			t := strings.TrimSpace(v)
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	for i := 0; ; i++ {
		c := "x" + strings.Repeat("x", i)
		if !seen[c] {
			return append(out, c)
		}
	}
}

// negations fills in, per atom, the condition that holds exactly on the
// other values of the key's universe.
func (a *analyzer) negations(k *keyInfo) {
	for _, at := range k.atoms {
		switch k.kind {
		case kNumeric, kDate:
			at.neg = orderNegation(k, at)
		case kIP:
			at.neg = &Conjunct{Key: k.name, Operator: "NotIpAddress", Values: at.values}
		case kBinary:
			var ts []string
			for _, v := range at.values {
				ts = append(ts, strings.TrimSpace(v))
			}
			at.neg = &Conjunct{Key: k.name, Operator: "StringNotEquals", Values: ts}
		case kBool:
			var other []string
			for _, w := range []string{"true", "false"} {
				if !holds(at.compiled, k.lower, w) {
					other = append(other, w)
				}
			}
			at.neg = nil
			if len(other) == 1 {
				at.neg = &Conjunct{Key: k.name, Operator: "Bool", Values: other}
			}
		}
	}
}

func orderNegation(k *keyInfo, at *atom) *Conjunct {
	fam := "Numeric"
	if k.kind == kDate {
		fam = "Date"
	}
	cmp := strings.TrimPrefix(at.base, fam)
	if cmp == "Equals" {
		return &Conjunct{Key: k.name, Operator: fam + "NotEquals", Values: at.values}
	}
	// The values are ORed: v < a or v < b is v < max(a, b).
	type val struct {
		text string
		f    float64
		t    time.Time
	}
	var vs []val
	for _, v := range at.values {
		if fam == "Numeric" {
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				vs = append(vs, val{text: v, f: f})
			}
		} else if t, ok := condition.ParseDate(v); ok {
			vs = append(vs, val{text: v, t: t})
		}
	}
	if len(vs) == 0 {
		return nil
	}
	less := func(x, y val) bool {
		if fam == "Numeric" {
			return x.f < y.f
		}
		return x.t.Before(y.t)
	}
	best := vs[0]
	upper := cmp == "LessThan" || cmp == "LessThanEquals"
	for _, v := range vs[1:] {
		if upper == less(best, v) {
			best = v
		}
	}
	neg := map[string]string{"LessThan": "GreaterThanEquals", "LessThanEquals": "GreaterThan", "GreaterThan": "LessThanEquals", "GreaterThanEquals": "LessThan"}[cmp]
	return &Conjunct{Key: k.name, Operator: fam + neg, Values: []string{best.text}}
}

// checkLiterals verifies, with policy/condition, that in every region each
// atom's literal (the atom or its negation) holds on the witness.
func (a *analyzer) checkLiterals(k *keyInfo) error {
	for _, at := range k.atoms {
		if at.neg != nil {
			at.negC = compileC(at.neg)
		}
	}
	for _, r := range k.regions {
		for i, at := range k.atoms {
			if r.vec[i] {
				continue
			}
			if at.neg != nil && !holds(at.negC, k.lower, r.witness) {
				return fmt.Errorf("analysis: internal: %s does not hold on %q", at.neg, r.witness)
			}
		}
	}
	return nil
}

// setDescriptors finds, for each region of a multi-valued key, one condition
// that holds exactly on it (p) and one that holds exactly outside it (n), so
// that "some value is in r" is ForAnyValue:p and "no value is in r" is
// ForAllValues:n.
func (a *analyzer) setDescriptors(k *keyInfo) error {
	for ri, r := range k.regions {
		for i, at := range k.atoms {
			count := 0
			for _, o := range k.regions {
				if o.vec[i] == r.vec[i] {
					count++
				}
			}
			if count != 1 {
				continue
			}
			if r.vec[i] && at.neg != nil {
				r.p, r.n = &at.pos, at.neg
			} else if !r.vec[i] && at.neg != nil {
				r.p, r.n = at.neg, &at.pos
			}
			if r.p != nil {
				break
			}
		}
		if r.p == nil {
			switch k.kind {
			case kIP:
				cidrs := spansToCIDRs(r.ipSpans)
				r.p = &Conjunct{Key: k.name, Operator: "IpAddress", Values: cidrs}
				r.n = &Conjunct{Key: k.name, Operator: "NotIpAddress", Values: cidrs}
			case kString, kBinary:
				if ms := a.finiteMembers(k, r); ms != nil {
					op, nop := "StringEquals", "StringNotEquals"
					if k.kind == kBinary {
						op = "BinaryEquals"
					}
					r.p = &Conjunct{Key: k.name, Operator: op, Values: ms}
					r.n = &Conjunct{Key: k.name, Operator: nop, Values: ms}
				} else {
					// The complement may be finite: every other region is.
					var all []string
					ok := true
					for _, o := range k.regions {
						if o == r {
							continue
						}
						ms := a.finiteMembers(k, o)
						if ms == nil {
							ok = false
							break
						}
						all = append(all, ms...)
					}
					if ok {
						op := "StringEquals"
						if k.kind == kBinary {
							op = "BinaryEquals"
						}
						r.p = &Conjunct{Key: k.name, Operator: "StringNotEquals", Values: all}
						r.n = &Conjunct{Key: k.name, Operator: op, Values: all}
					}
				}
			}
		}
		if r.p == nil && k.kind == kString {
			r.p, r.n = a.globUnion(k, r)
		}
		if r.p == nil {
			return unknownf("%s is multi-valued and its region %d (%s) is not one IAM operator: \"some value is in it\" cannot be written exactly as a conjunction", k.name, ri+1, describe(k, r))
		}
		pc, nc := compileC(r.p), compileC(r.n)
		for _, o := range k.regions {
			in := o == r
			if holds(pc, k.lower, o.witness) != in || holds(nc, k.lower, o.witness) == in {
				return fmt.Errorf("analysis: internal: the descriptor %s of a region of %s is not exact on %q", r.p, k.name, o.witness)
			}
		}
	}
	return nil
}

func describe(k *keyInfo, r *region) string {
	var parts []string
	for i, at := range k.atoms {
		if r.vec[i] {
			parts = append(parts, at.pos.Operator+" "+strings.Join(at.pos.Values, ","))
		} else if at.neg != nil {
			parts = append(parts, at.neg.Operator+" "+strings.Join(at.neg.Values, ","))
		}
	}
	return strings.Join(parts, " and ")
}

// finiteMembers lists the values of region r when it is finite and the
// atoms say so (a finite atom holds on it), escaped for StringEquals.
func (a *analyzer) finiteMembers(k *keyInfo, r *region) []string {
	if k.kind == kBinary {
		seen := map[string]bool{}
		var out []string
		for _, at := range k.atoms {
			for _, v := range at.values {
				t := strings.TrimSpace(v)
				if !seen[t] && vecKey(a.vector(k, t)) == vecKey(r.vec) {
					seen[t] = true
					out = append(out, t)
				}
			}
		}
		if !seen[r.witness] {
			return nil // the region of every other value
		}
		return out
	}
	for i, at := range k.atoms {
		if !r.vec[i] || at.members == nil {
			continue
		}
		var out []string
		for _, m := range at.members {
			if vecKey(a.vector(k, m)) == vecKey(r.vec) {
				out = append(out, escapeLiteral(m, false))
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return nil
}

// IP addresses: the universe is split at the first and one-past-the-last
// address of every prefix, IPv4 and IPv6 apart; IPv4-mapped IPv6 addresses
// are left out of the universe.

type span struct{ lo, hi netip.Addr }

func (a *analyzer) ipRegions(k *keyInfo) error {
	var prefixes []netip.Prefix
	for _, at := range k.atoms {
		for _, v := range at.values {
			if p, ok := condition.ParseCIDR(v); ok {
				prefixes = append(prefixes, p)
			}
		}
	}
	idx := map[string]*region{}
	for _, v6 := range []bool{false, true} {
		var bounds []netip.Addr
		if v6 {
			bounds = append(bounds, netip.IPv6Unspecified(), netip.MustParseAddr("::ffff:0.0.0.0"), netip.MustParseAddr("::1:0:0:0"))
		} else {
			bounds = append(bounds, netip.IPv4Unspecified())
		}
		for _, p := range prefixes {
			if p.Addr().Is6() != v6 {
				continue
			}
			bounds = append(bounds, p.Masked().Addr())
			if n := lastAddr(p).Next(); n.IsValid() {
				bounds = append(bounds, n)
			}
		}
		sort.Slice(bounds, func(i, j int) bool { return bounds[i].Less(bounds[j]) })
		var uniq []netip.Addr
		for i, b := range bounds {
			if i == 0 || b != bounds[i-1] {
				uniq = append(uniq, b)
			}
		}
		for i, lo := range uniq {
			var hi netip.Addr
			if i+1 < len(uniq) {
				hi = uniq[i+1].Prev()
			} else if v6 {
				hi = netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
			} else {
				hi = netip.MustParseAddr("255.255.255.255")
			}
			if lo.Is4In6() {
				continue
			}
			w := lo.String()
			vec := a.vector(k, w)
			kv := vecKey(vec)
			r, ok := idx[kv]
			if !ok {
				r = &region{witness: w, vec: vec}
				idx[kv] = r
				k.regions = append(k.regions, r)
			}
			r.ipSpans = append(r.ipSpans, span{lo, hi})
		}
	}
	return nil
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As16()
	bits := p.Bits()
	off := 0
	if p.Addr().Is4() {
		off = 96
	}
	for i := off + bits; i < 128; i++ {
		b[i/8] |= 1 << (7 - uint(i%8))
	}
	a := netip.AddrFrom16(b)
	if p.Addr().Is4() {
		return a.Unmap()
	}
	return a
}

// spansToCIDRs writes address ranges as CIDR blocks.
func spansToCIDRs(spans []span) []string {
	var out []string
	for _, s := range spans {
		lo := s.lo
		for {
			bits := lo.BitLen()
			// the largest block starting at lo that ends at or before hi
			best := bits
			for l := bits; l >= 0; l-- {
				p := netip.PrefixFrom(lo, l)
				if p.Masked().Addr() != lo {
					break
				}
				if last := lastAddr(p); last.Compare(s.hi) > 0 {
					break
				}
				best = l
			}
			p := netip.PrefixFrom(lo, best)
			out = append(out, p.String())
			last := lastAddr(p)
			if last.Compare(s.hi) >= 0 {
				break
			}
			lo = last.Next()
		}
	}
	return out
}

// globUnion writes region r, or its complement, as one StringLike whose
// patterns are the atoms' own (each Equals value and IgnoreCase variant as a
// pattern without wildcards): the patterns' own regions (finer than the
// atoms') say which patterns lie inside r, and whether they fill it.
func (a *analyzer) globUnion(k *keyInfo, r *region) (p, n *Conjunct) {
	var forms []string
	seen := map[string]bool{}
	for _, at := range k.atoms {
		if at.likeForms == nil {
			return nil, nil
		}
		for _, f := range at.likeForms {
			if !seen[f] {
				seen[f] = true
				forms = append(forms, f)
			}
		}
	}
	if len(forms) == 0 || len(forms) > 32 {
		return nil, nil
	}
	ns := make([]*nfa, len(forms))
	for i, f := range forms {
		ns[i] = globNFA(parseTemplate(f, true), true, false)
	}
	w, order, ok := solveStrings(ns, a.opt.MaxStates)
	if !ok {
		return nil, nil
	}
	rk := vecKey(r.vec)
	// fine regions inside r, and those outside
	var in, out []string
	for _, v := range order {
		if vecKey(a.vector(k, w[v])) == rk {
			in = append(in, v)
		} else {
			out = append(out, v)
		}
	}
	union := func(target, other []string) []string {
		var pick []string
		covered := map[string]bool{}
		for i, f := range forms {
			ok := true
			for _, v := range other {
				if v[i] == '1' {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			pick = append(pick, f)
			for _, v := range target {
				if v[i] == '1' {
					covered[v] = true
				}
			}
		}
		if len(covered) != len(target) || len(pick) == 0 {
			return nil
		}
		return pick
	}
	if g := union(in, out); g != nil {
		return &Conjunct{Key: k.name, Operator: "StringLike", Values: g}, &Conjunct{Key: k.name, Operator: "StringNotLike", Values: g}
	}
	if g := union(out, in); g != nil {
		return &Conjunct{Key: k.name, Operator: "StringNotLike", Values: g}, &Conjunct{Key: k.name, Operator: "StringLike", Values: g}
	}
	return nil, nil
}
