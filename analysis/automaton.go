package analysis

import (
	"sort"
	"unicode/utf8"
)

// String values are solved as regular languages over characters (runes).
// Every atom on a string-valued key (StringEquals/Like/IgnoreCase, Bool,
// ArnEquals/Like, and the finite sets that policy variables give) becomes a
// small NFA; one breadth-first walk over the product of all of a key's NFAs
// finds every combination of atoms that some string satisfies (a region),
// with a shortest string for each. The alphabet is the characters the
// patterns mention plus one character they do not: any other character
// behaves like it.

type edgeClass uint8

const (
	eRune    edgeClass = iota // exactly r
	eFold                     // r or its ASCII case variant (r is lower case)
	eAny                      // any character ('?', '*')
	eNoColon                  // any character but ':' (ARN components)
)

type nedge struct {
	cls edgeClass
	r   rune
	to  int
}

type nfa struct {
	edges  [][]nedge
	eps    [][]int
	start  int
	accept int
}

func (n *nfa) newState() int {
	n.edges = append(n.edges, nil)
	n.eps = append(n.eps, nil)
	return len(n.edges) - 1
}

func lowerRune(r rune) rune {
	if 'A' <= r && r <= 'Z' {
		return r + 32
	}
	return r
}

func isASCIILetter(r rune) bool { return ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') }

// builder appends to an NFA from a current state.
type builder struct {
	n   *nfa
	cur int
}

func newBuilder() *builder {
	n := &nfa{}
	s := n.newState()
	n.start = s
	return &builder{n: n, cur: s}
}

func (b *builder) step(cls edgeClass, r rune) {
	if b.cur < 0 {
		return
	}
	t := b.n.newState()
	b.n.edges[b.cur] = append(b.n.edges[b.cur], nedge{cls: cls, r: r, to: t})
	b.cur = t
}

func (b *builder) lit(s string, fold bool) {
	for _, r := range s {
		if fold && isASCIILetter(r) {
			b.step(eFold, lowerRune(r))
		} else {
			b.step(eRune, r)
		}
	}
}

// glob appends units (variables resolved) with '*' and '?' as wildcards
// when wild, as literal characters otherwise.
func (b *builder) glob(units []tunit, wild, fold, noColon bool) {
	anyCls := eAny
	if noColon {
		anyCls = eNoColon
	}
	for _, u := range units {
		switch u.kind {
		case uLit:
			if noColon {
				// A literal ':' in a colon-free component can never match.
				for _, r := range u.text {
					if r == ':' {
						b.cur = -1
						return
					}
				}
			}
			b.lit(u.text, fold)
		case uQm:
			if wild {
				b.step(anyCls, 0)
			} else {
				b.step(eRune, '?')
			}
		case uStar:
			if b.cur < 0 {
				return
			}
			if wild {
				s := b.n.newState()
				b.n.eps[b.cur] = append(b.n.eps[b.cur], s)
				b.n.edges[s] = append(b.n.edges[s], nedge{cls: anyCls, to: s})
				b.cur = s
			} else {
				b.step(eRune, '*')
			}
		}
	}
}

// embed appends sub; with nonEmpty the embedded part must read at least one
// character (a second copy of sub's states tracks that one was read).
func (b *builder) embed(sub *nfa, nonEmpty bool) {
	if b.cur < 0 {
		return
	}
	layers := 1
	if nonEmpty {
		layers = 2
	}
	base := make([][]int, layers)
	for l := 0; l < layers; l++ {
		base[l] = make([]int, len(sub.edges))
		for q := range sub.edges {
			base[l][q] = b.n.newState()
		}
	}
	for l := 0; l < layers; l++ {
		for q := range sub.edges {
			for _, e := range sub.edges[q] {
				to := base[layers-1][e.to]
				b.n.edges[base[l][q]] = append(b.n.edges[base[l][q]], nedge{cls: e.cls, r: e.r, to: to})
			}
			for _, t := range sub.eps[q] {
				b.n.eps[base[l][q]] = append(b.n.eps[base[l][q]], base[l][t])
			}
		}
	}
	b.n.eps[b.cur] = append(b.n.eps[b.cur], base[0][sub.start])
	end := b.n.newState()
	if sub.accept >= 0 {
		b.n.eps[base[layers-1][sub.accept]] = append(b.n.eps[base[layers-1][sub.accept]], end)
	}
	b.cur = end
}

func (b *builder) finish() *nfa {
	b.n.accept = b.cur
	return b.n
}

// globNFA is the language of one String/Bool value.
func globNFA(units []tunit, wild, fold bool) *nfa {
	b := newBuilder()
	b.glob(units, wild, fold, false)
	return b.finish()
}

// anyNFA accepts every string.
func anyNFA() *nfa {
	return globNFA([]tunit{{kind: uStar}}, true, false)
}

// arnNFA is the language of ArnLike with one pattern: text that arn.Parse
// accepts ("arn:" and five components, the first four without ':',
// partition and service not empty) whose components match.
func arnNFA(comps [5][]tunit) *nfa {
	b := newBuilder()
	b.lit("arn:", false)
	for i := 0; i < 5; i++ {
		if i > 0 {
			b.lit(":", false)
		}
		sb := newBuilder()
		sb.glob(comps[i], true, false, i < 4)
		sub := sb.finish()
		b.embed(sub, i < 2)
	}
	return b.finish()
}

// unionNFA accepts what any of ns accepts.
func unionNFA(ns []*nfa) *nfa {
	u := &nfa{}
	u.start = u.newState()
	u.accept = u.newState()
	for _, n := range ns {
		off := len(u.edges)
		for q := range n.edges {
			u.newState()
			_ = q
		}
		for q := range n.edges {
			for _, e := range n.edges[q] {
				u.edges[off+q] = append(u.edges[off+q], nedge{cls: e.cls, r: e.r, to: off + e.to})
			}
			for _, t := range n.eps[q] {
				u.eps[off+q] = append(u.eps[off+q], off+t)
			}
		}
		u.eps[u.start] = append(u.eps[u.start], off+n.start)
		if n.accept >= 0 {
			u.eps[off+n.accept] = append(u.eps[off+n.accept], u.accept)
		}
	}
	return u
}

// runes adds the characters n's edges name to set.
func (n *nfa) runes(set map[rune]bool) {
	for _, es := range n.edges {
		for _, e := range es {
			switch e.cls {
			case eRune:
				set[e.r] = true
			case eFold:
				set[e.r] = true
				set[e.r-32] = true
			case eNoColon:
				set[':'] = true
			}
		}
	}
}

type bitset []uint64

func (s bitset) has(i int) bool { return s[i/64]&(1<<(uint(i)%64)) != 0 }
func (s bitset) set(i int)      { s[i/64] |= 1 << (uint(i) % 64) }

func (n *nfa) closure(s bitset) {
	stack := make([]int, 0, 8)
	for i := range n.edges {
		if s.has(i) {
			stack = append(stack, i)
		}
	}
	for len(stack) > 0 {
		q := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, t := range n.eps[q] {
			if !s.has(t) {
				s.set(t)
				stack = append(stack, t)
			}
		}
	}
}

func (n *nfa) words() int { return (len(n.edges) + 63) / 64 }

func (n *nfa) initial() bitset {
	s := make(bitset, n.words())
	s.set(n.start)
	n.closure(s)
	return s
}

func (n *nfa) next(s bitset, sym rune) bitset {
	t := make(bitset, n.words())
	for q := range n.edges {
		if !s.has(q) {
			continue
		}
		for _, e := range n.edges[q] {
			ok := false
			switch e.cls {
			case eRune:
				ok = sym == e.r
			case eFold:
				ok = lowerRune(sym) == e.r
			case eAny:
				ok = true
			case eNoColon:
				ok = sym != ':'
			}
			if ok {
				t.set(e.to)
			}
		}
	}
	n.closure(t)
	return t
}

func (n *nfa) accepts(s bitset) bool { return n.accept >= 0 && s.has(n.accept) }

// alphabet returns the characters the NFAs name, in both cases for folded
// letters, plus one fresh character standing for every other one.
func alphabet(ns []*nfa) []rune {
	set := map[rune]bool{}
	for _, n := range ns {
		n.runes(set)
	}
	fresh := rune(-1)
	for _, r := range "xyzqwjkvbmnlphgfdtsrcuoieaXYZ0123456789_-" {
		if !set[r] {
			fresh = r
			break
		}
	}
	for r := rune(0x100); fresh < 0; r++ {
		if !set[r] && utf8.ValidRune(r) {
			fresh = r
		}
	}
	set[fresh] = true
	out := make([]rune, 0, len(set))
	for r := range set {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// solveStrings walks the product of ns breadth first and returns, for every
// combination of accepted atoms that some string reaches, the shortest such
// string (the first in alphabet order among the shortest). It returns
// ok=false when more than maxStates product states are reachable.
func solveStrings(ns []*nfa, maxStates int) (witness map[string]string, order []string, ok bool) {
	sigma := alphabet(ns)
	type pstate struct {
		sets   []bitset
		parent int
		sym    rune
	}
	key := func(sets []bitset) string {
		b := make([]byte, 0, 16)
		for _, s := range sets {
			for _, w := range s {
				for k := 0; k < 8; k++ {
					b = append(b, byte(w>>(8*k)))
				}
			}
		}
		return string(b)
	}
	vec := func(sets []bitset) string {
		b := make([]byte, len(ns))
		for i, n := range ns {
			b[i] = '0'
			if n.accepts(sets[i]) {
				b[i] = '1'
			}
		}
		return string(b)
	}
	init := make([]bitset, len(ns))
	for i, n := range ns {
		init[i] = n.initial()
	}
	states := []pstate{{sets: init, parent: -1}}
	seen := map[string]bool{key(init): true}
	witness = map[string]string{}
	word := func(i int) string {
		var rs []rune
		for ; states[i].parent >= 0; i = states[i].parent {
			rs = append(rs, states[i].sym)
		}
		for a, b := 0, len(rs)-1; a < b; a, b = a+1, b-1 {
			rs[a], rs[b] = rs[b], rs[a]
		}
		return string(rs)
	}
	for i := 0; i < len(states); i++ {
		v := vec(states[i].sets)
		if _, done := witness[v]; !done {
			witness[v] = word(i)
			order = append(order, v)
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
