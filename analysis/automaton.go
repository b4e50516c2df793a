package analysis

import (
	"math/bits"
	"slices"
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

// dfa determinizes an NFA lazily: a state is a set of the NFA's states,
// numbered as first reached, and its transitions are computed once per
// class of characters. The characters the NFA names are a class each; every
// other character behaves alike (eAny and eNoColon accept it, ':' being
// named whenever eNoColon is used), class 0. A dfa is not safe for
// concurrent use; the NFA it reads is not changed.
type dfa struct {
	n      *nfa
	ascii  [utf8.RuneSelf]int32 // class of each ASCII character
	other  map[rune]int32       // class of each non-ASCII character named
	nclass int
	words  int      // of a set of NFA states
	sets   []uint64 // words per state
	acc    []bool
	trans  []int32 // nclass per state; -1: not computed yet
	// table finds a set's state: open addressing on the set's hash, -1
	// for a free slot; len(table) is a power of two, at least twice the
	// states.
	table []int32
	// clos holds the ε-closure of each NFA state q at q*words, once
	// closed[q].
	clos   []uint64
	closed []bool
	// dead is the state of the empty set (-1: not reached yet).
	dead int32
	// scratch is next's result.
	scratch bitset
}

func newDFA(n *nfa) *dfa {
	w := n.words()
	d := &dfa{n: n, words: w, clos: make([]uint64, len(n.edges)*w), closed: make([]bool, len(n.edges)), dead: -1, scratch: make(bitset, w)}
	d.table = make([]int32, 16)
	for i := range d.table {
		d.table[i] = -1
	}
	set := map[rune]bool{}
	n.runes(set)
	rs := make([]rune, 0, len(set))
	for r := range set {
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i] < rs[j] })
	d.nclass = 1
	for _, r := range rs {
		if r >= 0 && r < utf8.RuneSelf {
			d.ascii[r] = int32(d.nclass)
		} else {
			if d.other == nil {
				d.other = map[rune]int32{}
			}
			d.other[r] = int32(d.nclass)
		}
		d.nclass++
	}
	init := make(bitset, w)
	init.or(d.closure(n.start))
	d.state(init)
	return d
}

func (s bitset) or(t bitset) {
	for i, w := range t {
		s[i] |= w
	}
}

// set is state s's set of NFA states.
func (d *dfa) set(s int32) bitset { return d.sets[int(s)*d.words : (int(s)+1)*d.words] }

// closure is the ε-closure of NFA state q.
func (d *dfa) closure(q int) bitset {
	c := bitset(d.clos[q*d.words : (q+1)*d.words])
	if !d.closed[q] {
		c.set(q)
		d.n.closure(c)
		d.closed[q] = true
	}
	return c
}

// next is the NFA's next(s, r), the union of the closures of the states
// its edges from s reach on r, in d's scratch set (valid until the next
// call).
func (d *dfa) next(s bitset, r rune) bitset {
	t := d.scratch
	clear(t)
	for wi, w := range s {
		for w != 0 {
			q := wi*64 + bits.TrailingZeros64(w)
			w &= w - 1
			for _, e := range d.n.edges[q] {
				if reads(e, r) && !t.has(e.to) {
					t.or(d.closure(e.to))
				}
			}
		}
	}
	return t
}

// reads reports whether edge e reads character r.
func reads(e nedge, r rune) bool {
	switch e.cls {
	case eRune:
		return r == e.r
	case eFold:
		return lowerRune(r) == e.r
	case eAny:
		return true
	case eNoColon:
		return r != ':'
	}
	return false
}

func (d *dfa) isDead(s int32) bool { return s == d.dead }

// class is the class of character r.
func (d *dfa) class(r rune) int32 {
	if r >= 0 && r < utf8.RuneSelf {
		return d.ascii[r]
	}
	return d.other[r] // 0 when not named
}

func appendBits(b []byte, s bitset) []byte {
	for _, w := range s {
		for k := 0; k < 8; k++ {
			b = append(b, byte(w>>(8*k)))
		}
	}
	return b
}

func hashBits(s bitset) uint64 {
	h := uint64(14695981039346656037)
	for _, w := range s {
		h = (h ^ w) * 1099511628211
		h ^= h >> 29
	}
	return h
}

// state numbers the set of NFA states s (copied when new).
func (d *dfa) state(s bitset) int32 {
	mask := uint64(len(d.table) - 1)
	j := hashBits(s) & mask
	for ; d.table[j] >= 0; j = (j + 1) & mask {
		if id := d.table[j]; slices.Equal(d.set(id), s) {
			return id
		}
	}
	id := int32(len(d.acc))
	d.table[j] = id
	d.sets = append(d.sets, s...)
	d.acc = append(d.acc, d.n.accepts(s))
	empty := true
	for _, w := range s {
		empty = empty && w == 0
	}
	if empty {
		d.dead = id
	}
	for c := 0; c < d.nclass; c++ {
		d.trans = append(d.trans, -1)
	}
	if 2*len(d.acc) > len(d.table) {
		d.table = make([]int32, 2*len(d.table))
		for i := range d.table {
			d.table[i] = -1
		}
		mask := uint64(len(d.table) - 1)
		for k := int32(0); k < int32(len(d.acc)); k++ {
			j := hashBits(d.set(k)) & mask
			for d.table[j] >= 0 {
				j = (j + 1) & mask
			}
			d.table[j] = k
		}
	}
	return id
}

// step is the state after reading r (of class c) in state s.
func (d *dfa) step(s, c int32, r rune) int32 {
	i := int(s)*d.nclass + int(c)
	if t := d.trans[i]; t >= 0 {
		return t
	}
	var t int32
	if d.kills(s, r) {
		t = d.deadState()
	} else {
		t = d.state(d.next(d.set(s), r))
	}
	d.trans[i] = t
	return t
}

// kills reports whether no edge from state s reads r (the next set is
// empty then; the walk needs no closure).
func (d *dfa) kills(s int32, r rune) bool {
	for wi, w := range d.set(s) {
		for w != 0 {
			q := wi*64 + bits.TrailingZeros64(w)
			w &= w - 1
			for _, e := range d.n.edges[q] {
				if reads(e, r) {
					return false
				}
			}
		}
	}
	return true
}

// deadState is the state of the empty set.
func (d *dfa) deadState() int32 {
	if d.dead < 0 {
		d.state(make(bitset, d.words))
	}
	return d.dead
}

// match reports whether the NFA accepts str.
func (d *dfa) match(str string) bool {
	s := int32(0)
	for _, r := range str {
		s = d.step(s, d.class(r), r)
	}
	return d.acc[s]
}

// dfaCache keeps the determinized NFAs of a caller that solves many
// products over the same NFAs (nil: none kept).
type dfaCache map[*nfa]*dfa

func (c dfaCache) of(n *nfa) *dfa {
	if c == nil {
		return newDFA(n)
	}
	d := c[n]
	if d == nil {
		d = newDFA(n)
		c[n] = d
	}
	return d
}

// solveStrings walks the product of ns breadth first and returns, for every
// combination of accepted atoms that some string reaches, the shortest such
// string (the first in alphabet order among the shortest). It returns
// ok=false when more than maxStates product states are reachable.
func solveStrings(ns []*nfa, maxStates int) (witness map[string]string, order []string, ok bool) {
	return solveStringsWith(ns, maxStates, nil)
}

// solveStringsWith is solveStrings with the NFAs determinized through
// cache. A product state is a tuple of the DFAs' states, each of which is
// one set of its NFA's states: the walk, its order and its witnesses are
// those over the tuples of sets.
//
// A tuple is kept sparse, as the components not in their DFA's dead state
// (the empty set, which every character keeps): a dead component stays
// dead. From a tuple, the characters no live component names (class 0 in
// each) all lead to one tuple, so only the first of them in alphabet
// order is followed, as the walk over every character would keep only the
// first.
func solveStringsWith(ns []*nfa, maxStates int, cache dfaCache) (witness map[string]string, order []string, ok bool) {
	sigma := alphabet(ns)
	m := len(ns)
	ds := make([]*dfa, m)
	for i, n := range ns {
		ds[i] = cache.of(n)
	}
	ns2 := len(sigma)
	// cls[j*ns2+si] is the class of sigma[si] in ds[j]; named[j] has bit
	// si set when that class is not 0.
	words := (ns2 + 63) / 64
	cls := make([]int32, m*ns2)
	named := make([]uint64, m*words)
	for j, d := range ds {
		for si, r := range sigma {
			c := d.class(r)
			cls[j*ns2+si] = c
			if c != 0 {
				named[j*words+si/64] |= 1 << (uint(si) % 64)
			}
		}
	}
	// A product state's live components are pairs (component, state) in
	// comps[start[i]:start[i+1]], in component order.
	var (
		comps  []int32
		start  = []int32{0}
		parent []int32
		syms   []rune
	)
	seen := map[string]int32{}
	var kbuf []byte
	keyOf := func(t []int32) []byte {
		kbuf = kbuf[:0]
		for _, x := range t {
			kbuf = append(kbuf, byte(x), byte(x>>8), byte(x>>16), byte(x>>24))
		}
		return kbuf
	}
	add := func(t []int32, from int32, sym rune) {
		comps = append(comps, t...)
		start = append(start, int32(len(comps)))
		parent = append(parent, from)
		syms = append(syms, sym)
	}
	var init []int32 // every DFA starts in its state 0
	for j, d := range ds {
		if !d.isDead(0) {
			init = append(init, int32(j), 0)
		}
	}
	add(init, -1, 0)
	seen[string(keyOf(init))] = 0
	witness = map[string]string{}
	word := func(i int) string {
		var rs []rune
		for ; parent[i] >= 0; i = int(parent[i]) {
			rs = append(rs, syms[i])
		}
		for a, b := 0, len(rs)-1; a < b; a, b = a+1, b-1 {
			rs[a], rs[b] = rs[b], rs[a]
		}
		return string(rs)
	}
	vb := make([]byte, m)
	mask := make([]uint64, words)
	var next []int32
	for i := 0; i < len(parent); i++ {
		cur := comps[start[i]:start[i+1]]
		for j := range vb {
			vb[j] = '0'
		}
		clear(mask)
		for x := 0; x < len(cur); x += 2 {
			j, st := cur[x], cur[x+1]
			if ds[j].acc[st] {
				vb[j] = '1'
			}
			for w := 0; w < words; w++ {
				mask[w] |= named[int(j)*words+w]
			}
		}
		if _, done := witness[string(vb)]; !done {
			v := string(vb)
			witness[v] = word(i)
			order = append(order, v)
		}
		other := false
		for si, sym := range sigma {
			if mask[si/64]&(1<<(uint(si)%64)) == 0 {
				if other {
					continue // leads where the first such character led
				}
				other = true
			}
			cur = comps[start[i]:start[i+1]] // comps may have grown
			next = next[:0]
			for x := 0; x < len(cur); x += 2 {
				j, st := cur[x], cur[x+1]
				d := ds[j]
				c := cls[int(j)*ns2+si]
				t := d.trans[int(st)*d.nclass+int(c)]
				if t < 0 {
					t = d.step(st, c, sym)
				}
				if !d.isDead(t) {
					next = append(next, j, t)
				}
			}
			k := keyOf(next)
			if _, dup := seen[string(k)]; dup {
				continue
			}
			if len(parent) >= maxStates {
				return nil, nil, false
			}
			seen[string(k)] = int32(len(parent))
			add(next, int32(i), sym)
		}
	}
	return witness, order, true
}
