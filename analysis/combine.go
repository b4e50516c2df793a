package analysis

import (
	"fmt"
	"math/bits"

	"github.com/iamgate/iamgate/policy/condition"
)

// A key state is what one unknown key holds in a completion: absent, a value
// in one region (single-valued keys), or values in a set of regions
// (multi-valued keys). The engine decides every combination of key states;
// the allowed ones are then written as conditions.

type kstate struct {
	vals []string // nil: absent
	lits []int    // indices into the key's literal table
}

type literal struct {
	c     Conjunct
	cc    *condition.Condition
	rank  int    // drop order: 0 presence, 1 negative, 2 positive
	truth []bool // per key state
}

type keyStates struct {
	k      *keyInfo
	states []kstate
	lits   []*literal
	index  map[string]int
}

func (ks *keyStates) lit(c Conjunct, rank int) int {
	id := c.Operator + "\x00" + fmt.Sprint(c.Values)
	if i, ok := ks.index[id]; ok {
		return i
	}
	ks.lits = append(ks.lits, &literal{c: c, cc: compileC(&c), rank: rank})
	ks.index[id] = len(ks.lits) - 1
	return len(ks.lits) - 1
}

func buildStates(k *keyInfo) *keyStates {
	ks := &keyStates{k: k, index: map[string]int{}}
	null := func(v string) int {
		return ks.lit(Conjunct{Key: k.name, Operator: "Null", Values: []string{v}}, 0)
	}
	ks.states = append(ks.states, kstate{lits: []int{null("true")}})
	if !k.multi {
		for _, r := range k.regions {
			st := kstate{vals: []string{r.witness}, lits: []int{null("false")}}
			for i, at := range k.atoms {
				if r.vec[i] {
					st.lits = append(st.lits, ks.lit(at.pos, 2))
				} else if at.neg != nil {
					st.lits = append(st.lits, ks.lit(*at.neg, 1))
				}
			}
			ks.states = append(ks.states, st)
		}
	} else {
		n := len(k.regions)
		for mask := 1; mask < 1<<n; mask++ {
			st := kstate{lits: []int{null("false")}}
			for i, r := range k.regions {
				if mask&(1<<i) != 0 {
					st.vals = append(st.vals, r.witness)
					if n > 1 {
						st.lits = append(st.lits, ks.lit(Conjunct{Key: k.name, Operator: "ForAnyValue:" + r.p.Operator, Values: r.p.Values}, 2))
					}
				} else {
					st.lits = append(st.lits, ks.lit(Conjunct{Key: k.name, Operator: "ForAllValues:" + r.n.Operator, Values: r.n.Values}, 1))
				}
			}
			ks.states = append(ks.states, st)
		}
	}
	for _, l := range ks.lits {
		l.truth = make([]bool, len(ks.states))
		for i, st := range ks.states {
			l.truth[i] = l.cc.Eval(single{key: k.lower, vals: st.vals})
		}
	}
	return ks
}

type bits64 []uint64

func newBits(n int) bits64      { return make(bits64, (n+63)/64) }
func (b bits64) has(i int) bool { return b[i/64]&(1<<(uint(i)%64)) != 0 }
func (b bits64) set(i int)      { b[i/64] |= 1 << (uint(i) % 64) }
func (b bits64) and(o bits64) {
	for i := range b {
		b[i] &= o[i]
	}
}
func (b bits64) clone() bits64 { return append(bits64(nil), b...) }
func (b bits64) meets(o bits64) bool {
	for i := range b {
		if b[i]&o[i] != 0 {
			return true
		}
	}
	return false
}
func (b bits64) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

func (a *analyzer) combine(res *Result) error {
	var kss []*keyStates
	total := 1
	for _, lk := range a.order {
		ks := buildStates(a.keys[lk])
		kss = append(kss, ks)
		total *= len(ks.states)
		if total > a.opt.MaxCombinations {
			return unknownf("the unknown keys have more than %d combinations of value regions (the cap)", a.opt.MaxCombinations)
		}
	}
	res.Combinations = total
	digits := func(c int) []int {
		d := make([]int, len(kss))
		for i := len(kss) - 1; i >= 0; i-- {
			d[i] = c % len(kss[i].states)
			c /= len(kss[i].states)
		}
		return d
	}
	completion := func(d []int) map[string][]string {
		set := map[string][]string{}
		for i, ks := range kss {
			if v := ks.states[d[i]].vals; v != nil {
				set[ks.k.lower] = v
			}
		}
		return set
	}
	allowed, denied := newBits(total), newBits(total)
	for c := 0; c < total; c++ {
		if a.decide(completion(digits(c))) {
			allowed.set(c)
		} else {
			denied.set(c)
		}
	}
	// masks[key][literal]: the combinations where the literal holds.
	masks := make([][]bits64, len(kss))
	for i, ks := range kss {
		masks[i] = make([]bits64, len(ks.lits))
		for j := range ks.lits {
			masks[i][j] = newBits(total)
		}
	}
	for c := 0; c < total; c++ {
		d := digits(c)
		for i, ks := range kss {
			for j, l := range ks.lits {
				if l.truth[d[i]] {
					masks[i][j].set(c)
				}
			}
		}
	}
	type ref struct{ key, lit int }
	type cube struct {
		lits   []ref
		cover  bits64
		origin int
	}
	var cubes []cube
	covered := newBits(total)
	for c := 0; c < total; c++ {
		if !allowed.has(c) || covered.has(c) {
			continue
		}
		d := digits(c)
		var lits []ref
		for i, ks := range kss {
			for _, j := range ks.states[d[i]].lits {
				lits = append(lits, ref{i, j})
			}
		}
		cover := func(ls []ref, skip int) bits64 {
			m := newBits(total)
			for i := range m {
				m[i] = ^uint64(0)
			}
			for x, r := range ls {
				if x != skip {
					m.and(masks[r.key][r.lit])
				}
			}
			return m
		}
		for rank := 0; rank <= 2; rank++ {
			for x := 0; x < len(lits); x++ {
				if kss[lits[x].key].lits[lits[x].lit].rank != rank {
					continue
				}
				if !cover(lits, x).meets(denied) {
					lits = append(lits[:x], lits[x+1:]...)
					x--
				}
			}
		}
		cv := cover(lits, -1)
		cv.and(allowed)
		for i := range covered {
			covered[i] |= cv[i]
		}
		cubes = append(cubes, cube{lits: lits, cover: cv, origin: c})
	}
	// Drop cubes the others cover.
	for x := len(cubes) - 1; x >= 0; x-- {
		rest := newBits(total)
		for y, cb := range cubes {
			if y != x {
				for i := range rest {
					rest[i] |= cb.cover[i]
				}
			}
		}
		own := cubes[x].cover.clone()
		for i := range own {
			own[i] &^= rest[i]
		}
		if own.count() == 0 {
			cubes = append(cubes[:x], cubes[x+1:]...)
		}
	}
	res.AllowedIf = Formula{}
	res.Witnesses = []map[string][]string{}
	for _, cb := range cubes {
		conj := []Conjunct{}
		for _, r := range cb.lits {
			conj = append(conj, kss[r.key].lits[r.lit].c)
		}
		// Re-decide the witness with the engine and check the conjunction
		// holds on it before reporting.
		set := completion(digits(cb.origin))
		if !a.decide(set) {
			return fmt.Errorf("analysis: internal: the witness of %v is not allowed", conj)
		}
		for _, r := range cb.lits {
			// A literal reads only its key, which the completion sets (or
			// leaves absent).
			if !kss[r.key].lits[r.lit].cc.Eval(mapContext(set)) {
				return fmt.Errorf("analysis: internal: %s does not hold on its witness", kss[r.key].lits[r.lit].c)
			}
		}
		w := map[string][]string{}
		for _, ks := range kss {
			if v, ok := set[ks.k.lower]; ok {
				w[ks.k.name] = v
			}
		}
		res.AllowedIf = append(res.AllowedIf, conj)
		res.Witnesses = append(res.Witnesses, w)
	}
	mergeIfExists(res)
	return nil
}

// mergeIfExists rewrites "K absent and R" or "K op V and R" as
// "K opIfExists V and R": for an operator without a set qualifier,
// opIfExists holds exactly when the key is absent or op holds.
func mergeIfExists(res *Result) {
	for changed := true; changed; {
		changed = false
	search:
		for i, a := range res.AllowedIf {
			for j, b := range res.AllowedIf {
				if i == j || len(a) != len(b) {
					continue
				}
				for x, l := range a {
					if l.Operator != "Null" || len(l.Values) != 1 || l.Values[0] != "true" {
						continue
					}
					for y, m := range b {
						op, err := condition.ParseOperator(m.Operator)
						if err != nil || m.Key != l.Key || op.Family == condition.Null || op.Set != condition.SetNone || op.IfExists {
							continue
						}
						if !sameRest(a, x, b, y) {
							continue
						}
						merged := append([]Conjunct{}, b...)
						merged[y] = Conjunct{Key: m.Key, Operator: m.Operator + "IfExists", Values: m.Values}
						res.AllowedIf[j] = merged
						res.AllowedIf = append(res.AllowedIf[:i], res.AllowedIf[i+1:]...)
						res.Witnesses = append(res.Witnesses[:i], res.Witnesses[i+1:]...)
						changed = true
						break search
					}
				}
			}
		}
	}
}

// sameRest reports whether a without a[x] and b without b[y] hold the same
// conjuncts.
func sameRest(a []Conjunct, x int, b []Conjunct, y int) bool {
	count := map[string]int{}
	for i, c := range a {
		if i != x {
			count[fmt.Sprint(c)]++
		}
	}
	for i, c := range b {
		if i != y {
			count[fmt.Sprint(c)]--
		}
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}
