package analysis

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

// solveStringsNFA is the string solver as first written: a breadth-first
// walk over tuples of NFA state sets, every character of the alphabet
// followed from every tuple. solveStringsWith (lazy DFAs, sparse tuples,
// one character for those no live automaton names) must find the same
// regions, in the same order, with the same witnesses.
func solveStringsNFA(ns []*nfa, maxStates int) (map[string]string, []string, bool) {
	sigma := alphabet(ns)
	type pstate struct {
		sets   []bitset
		parent int
		sym    rune
	}
	key := func(sets []bitset) string {
		var b []byte
		for _, s := range sets {
			b = appendBits(b, s)
		}
		return string(b)
	}
	init := make([]bitset, len(ns))
	for i, n := range ns {
		init[i] = n.initial()
	}
	states := []pstate{{sets: init, parent: -1}}
	seen := map[string]bool{key(init): true}
	witness := map[string]string{}
	var order []string
	for i := 0; i < len(states); i++ {
		v := make([]byte, len(ns))
		for j, n := range ns {
			v[j] = '0'
			if n.accepts(states[i].sets[j]) {
				v[j] = '1'
			}
		}
		if _, done := witness[string(v)]; !done {
			var rs []rune
			for k := i; states[k].parent >= 0; k = states[k].parent {
				rs = append([]rune{states[k].sym}, rs...)
			}
			witness[string(v)] = string(rs)
			order = append(order, string(v))
		}
		for _, sym := range sigma {
			next := make([]bitset, len(ns))
			for j, n := range ns {
				next[j] = n.next(states[i].sets[j], sym)
			}
			k := key(next)
			if seen[k] {
				continue
			}
			if len(states) >= maxStates {
				return nil, nil, false
			}
			seen[k] = true
			states = append(states, pstate{sets: next, parent: i, sym: sym})
		}
	}
	return witness, order, true
}

func TestSolveStringsMatchesNFAWalk(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	pieces := []string{"a", "b", "A", ":", "/", "*", "?", "ab", "é", "-"}
	randomGlob := func() string {
		var b strings.Builder
		for n := r.Intn(6); n >= 0; n-- {
			b.WriteString(pieces[r.Intn(len(pieces))])
		}
		return b.String()
	}
	for trial := 0; trial < 400; trial++ {
		var ns []*nfa
		for k := 1 + r.Intn(6); k > 0; k-- {
			switch r.Intn(3) {
			case 0:
				ns = append(ns, globNFA(parseTemplate(randomGlob(), false), true, r.Intn(2) == 0))
			case 1:
				ns = append(ns, globNFA(parseTemplate(randomGlob(), false), false, false))
			default:
				var comps [5][]tunit
				for c := range comps {
					comps[c] = parseTemplate(randomGlob(), false)
				}
				ns = append(ns, arnNFA(comps))
			}
		}
		if r.Intn(4) == 0 {
			ns = append(ns, unionNFA(ns[:len(ns)/2+1]))
		}
		max := 20000
		if r.Intn(5) == 0 {
			max = 5 + r.Intn(40) // the cap must cut at the same place
		}
		w1, o1, ok1 := solveStringsNFA(ns, max)
		cache := dfaCache{}
		for round := 0; round < 2; round++ { // a second round reuses the DFAs
			w2, o2, ok2 := solveStringsWith(ns, max, cache)
			if ok1 != ok2 || !reflect.DeepEqual(o1, o2) || !reflect.DeepEqual(w1, w2) {
				t.Fatalf("trial %d round %d: NFA walk %v %q %q, solver %v %q %q", trial, round, ok1, o1, w1, ok2, o2, w2)
			}
		}
		for _, n := range ns {
			d := cache.of(n)
			for _, s := range []string{"", "a", "ab:/", "arn:a:b:c:d:e", "Aé?*"} {
				st := n.initial()
				for _, c := range s {
					st = n.next(st, c)
				}
				if d.match(s) != n.accepts(st) {
					t.Fatalf("trial %d: the DFA and the NFA disagree on %q", trial, s)
				}
			}
		}
	}
}
