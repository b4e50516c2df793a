package world

import (
	"hash/maphash"
	"iter"
	"math/bits"
)

// Entities is an immutable map from names to an account's entities (users,
// by name), shared between the versions of an account: With and Without
// return a new map that shares all but the changed path with the old one,
// so that a write adding one user to an account of 10,000 copies a few
// small nodes instead of the whole map, while requests go on reading the
// old version without locks. The zero value is the empty map.
//
// It is a hash array mapped trie: 32-way nodes indexed by five bits of the
// name's hash at a time, each holding a bitmap of its occupied slots and a
// compact slice of them; names whose 60 bits of hash collide share a
// bucket at the bottom.
type Entities[V any] struct {
	root *enode[V]
	n    int
}

type enode[V any] struct {
	bitmap uint32
	slots  []eslot[V]
}

// eslot is a child node, or, at the bottom or when alone in its slot, a
// bucket of entries.
type eslot[V any] struct {
	child   *enode[V]
	entries []eentry[V]
}

type eentry[V any] struct {
	key string
	h   uint64
	v   V
}

const (
	entBits  = 5
	entLevel = 12 // 60 bits of hash; below, one bucket
)

var entSeed = maphash.MakeSeed()

func entHash(k string) uint64 { return maphash.String(entSeed, k) }

func entIndex(h uint64, level int) uint32 { return uint32(h>>(uint(level)*entBits)) & 31 }

// EntitiesOf returns the map holding m's entries.
func EntitiesOf[V any](m map[string]V) Entities[V] {
	var b EntitiesBuilder[V]
	for k, v := range m {
		b.Set(k, v)
	}
	return b.Entities()
}

// Len is the number of entries.
func (m Entities[V]) Len() int { return m.n }

// Get returns the entry named k, or V's zero value.
func (m Entities[V]) Get(k string) V {
	v, _ := m.Lookup(k)
	return v
}

// Lookup returns the entry named k and whether there is one.
func (m Entities[V]) Lookup(k string) (V, bool) {
	var zero V
	if m.root == nil {
		return zero, false
	}
	h := entHash(k)
	n := m.root
	for level := 0; ; level++ {
		bit := uint32(1) << entIndex(h, level)
		if n.bitmap&bit == 0 {
			return zero, false
		}
		s := &n.slots[bits.OnesCount32(n.bitmap&(bit-1))]
		if s.child == nil {
			for i := range s.entries {
				if s.entries[i].key == k {
					return s.entries[i].v, true
				}
			}
			return zero, false
		}
		n = s.child
	}
}

// All yields every entry, in no particular order.
func (m Entities[V]) All() iter.Seq2[string, V] {
	return func(yield func(string, V) bool) {
		if m.root != nil {
			m.root.each(yield)
		}
	}
}

func (n *enode[V]) each(yield func(string, V) bool) bool {
	for i := range n.slots {
		s := &n.slots[i]
		if s.child != nil {
			if !s.child.each(yield) {
				return false
			}
			continue
		}
		for _, e := range s.entries {
			if !yield(e.key, e.v) {
				return false
			}
		}
	}
	return true
}

// Keys yields every name, in no particular order.
func (m Entities[V]) Keys() iter.Seq[string] {
	return func(yield func(string) bool) {
		for k := range m.All() {
			if !yield(k) {
				return
			}
		}
	}
}

// Map returns the entries as a new Go map.
func (m Entities[V]) Map() map[string]V {
	out := make(map[string]V, m.n)
	for k, v := range m.All() {
		out[k] = v
	}
	return out
}

// With returns the map with k set to v; m is unchanged.
func (m Entities[V]) With(k string, v V) Entities[V] {
	e := eentry[V]{key: k, h: entHash(k), v: v}
	root, added := with(m.root, e, 0, nil)
	out := Entities[V]{root: root, n: m.n}
	if added {
		out.n++
	}
	return out
}

// Without returns the map without k; m is unchanged.
func (m Entities[V]) Without(k string) Entities[V] {
	if _, ok := m.Lookup(k); !ok {
		return m
	}
	root := without(m.root, k, entHash(k), 0)
	return Entities[V]{root: root, n: m.n - 1}
}

// with returns n with e put in: a copy of the nodes on e's path, unless
// owner is set and owns them (a builder's), when they change in place.
func with[V any](n *enode[V], e eentry[V], level int, owner *entOwner) (*enode[V], bool) {
	if n == nil {
		n = &enode[V]{}
		if owner != nil {
			owner.nodes[n] = true
		}
	} else if owner == nil || !owner.nodes[n] {
		c := &enode[V]{bitmap: n.bitmap, slots: append([]eslot[V](nil), n.slots...)}
		if owner != nil {
			owner.nodes[c] = true
		}
		n = c
	}
	bit := uint32(1) << entIndex(e.h, level)
	i := bits.OnesCount32(n.bitmap & (bit - 1))
	if n.bitmap&bit == 0 {
		n.bitmap |= bit
		n.slots = append(n.slots, eslot[V]{})
		copy(n.slots[i+1:], n.slots[i:])
		n.slots[i] = eslot[V]{entries: []eentry[V]{e}}
		return n, true
	}
	s := &n.slots[i]
	if s.child != nil {
		child, added := with(s.child, e, level+1, owner)
		s.child = child
		return n, added
	}
	for j := range s.entries {
		if s.entries[j].key == e.key {
			entries := append([]eentry[V](nil), s.entries...)
			entries[j] = e
			s.entries = entries
			return n, false
		}
	}
	if level+1 >= entLevel || s.entries[0].h == e.h {
		// The bottom, or the same 64-bit hash: one bucket.
		s.entries = append(append([]eentry[V](nil), s.entries...), e)
		return n, true
	}
	// Push the entry down a level beside the one already here.
	var child *enode[V]
	for _, old := range s.entries {
		child, _ = with(child, old, level+1, owner)
	}
	child, added := with(child, e, level+1, owner)
	s.entries, s.child = nil, child
	return n, added
}

// without returns n without k (which it holds), copying the path; an
// emptied node is nil.
func without[V any](n *enode[V], k string, h uint64, level int) *enode[V] {
	bit := uint32(1) << entIndex(h, level)
	i := bits.OnesCount32(n.bitmap & (bit - 1))
	c := &enode[V]{bitmap: n.bitmap, slots: append([]eslot[V](nil), n.slots...)}
	s := &c.slots[i]
	if s.child != nil {
		s.child = without(s.child, k, h, level+1)
		if s.child != nil {
			return c
		}
	} else {
		var rest []eentry[V]
		for _, e := range s.entries {
			if e.key != k {
				rest = append(rest, e)
			}
		}
		if len(rest) > 0 {
			s.entries = rest
			return c
		}
	}
	c.bitmap &^= bit
	c.slots = append(c.slots[:i], c.slots[i+1:]...)
	if c.bitmap == 0 {
		return nil
	}
	return c
}

// entOwner marks the nodes a builder made, which it may change in place.
type entOwner struct{ nodes map[any]bool }

// EntitiesBuilder builds an Entities map by setting entries one after
// another without copying nodes: for building an account's map whole.
// The zero value is empty and ready.
type EntitiesBuilder[V any] struct {
	m     Entities[V]
	owner *entOwner
}

// Set sets k to v.
func (b *EntitiesBuilder[V]) Set(k string, v V) {
	if b.owner == nil {
		b.owner = &entOwner{nodes: map[any]bool{}}
	}
	root, added := with(b.m.root, eentry[V]{key: k, h: entHash(k), v: v}, 0, b.owner)
	b.m.root = root
	if added {
		b.m.n++
	}
}

// Entities returns the map built; the builder must not be used after.
func (b *EntitiesBuilder[V]) Entities() Entities[V] {
	b.owner = nil
	return b.m
}
