package world

import (
	"fmt"
	"math/rand"
	"sort"
	"testing"
)

// TestEntitiesAgainstMap applies random sets and deletes to an Entities
// map and to a Go map, keeping every version, and checks that each
// version still holds exactly what its Go map held when it was made.
func TestEntitiesAgainstMap(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	type version struct {
		m    Entities[int]
		want map[string]int
	}
	cur, want := Entities[int]{}, map[string]int{}
	var versions []version
	for i := 0; i < 5000; i++ {
		k := fmt.Sprint("u", r.Intn(1500))
		if r.Intn(4) == 0 {
			cur = cur.Without(k)
			delete(want, k)
		} else {
			cur = cur.With(k, i)
			want[k] = i
		}
		if i%97 == 0 {
			versions = append(versions, version{cur, copyMap(want)})
		}
	}
	versions = append(versions, version{cur, want})
	for vi, v := range versions {
		if v.m.Len() != len(v.want) {
			t.Fatalf("version %d: Len %d, want %d", vi, v.m.Len(), len(v.want))
		}
		for k, x := range v.want {
			if got, ok := v.m.Lookup(k); !ok || got != x {
				t.Fatalf("version %d: %s = %d %v, want %d", vi, k, got, ok, x)
			}
		}
		if got := v.m.Map(); fmt.Sprint(sorted(got)) != fmt.Sprint(sorted(v.want)) {
			t.Fatalf("version %d: All yields %v", vi, sorted(got))
		}
		if _, ok := v.m.Lookup("absent"); ok {
			t.Fatal("absent key found")
		}
	}
	// The builder makes the same map.
	var b EntitiesBuilder[int]
	for k, x := range want {
		b.Set(k, x)
	}
	if built := b.Entities(); fmt.Sprint(sorted(built.Map())) != fmt.Sprint(sorted(want)) || built.Len() != len(want) {
		t.Fatal("the builder's map differs")
	}
	if EntitiesOf(want).Len() != len(want) {
		t.Fatal("EntitiesOf")
	}
}

// TestEntitiesCollisions: names whose hashes share every bit, or all but
// the last levels', live in buckets and are set, found and removed one by
// one.
func TestEntitiesCollisions(t *testing.T) {
	var root *enode[int]
	hashes := []uint64{7, 7, 7 | 1<<59, 7 | 1<<40, 8}
	for i, h := range hashes {
		root, _ = with(root, eentry[int]{key: fmt.Sprint("k", i), h: h, v: i}, 0, nil)
	}
	m := Entities[int]{root: root, n: len(hashes)}
	find := func(m Entities[int], k string, h uint64) (int, bool) {
		n := m.root
		for level := 0; n != nil; level++ {
			bit := uint32(1) << entIndex(h, level)
			if n.bitmap&bit == 0 {
				return 0, false
			}
			s := &n.slots[popcount(n.bitmap&(bit-1))]
			if s.child == nil {
				for _, e := range s.entries {
					if e.key == k {
						return e.v, true
					}
				}
				return 0, false
			}
			n = s.child
		}
		return 0, false
	}
	for i, h := range hashes {
		if v, ok := find(m, fmt.Sprint("k", i), h); !ok || v != i {
			t.Fatalf("k%d: %d %v", i, v, ok)
		}
	}
	got := m.Map()
	if len(got) != len(hashes) {
		t.Fatalf("All yields %v", got)
	}
	for i, h := range hashes {
		root = without(root, fmt.Sprint("k", i), h, 0)
		rest := Entities[int]{root: root, n: len(hashes) - i - 1}
		if len(rest.Map()) != rest.n {
			t.Fatalf("after removing k%d: %v", i, rest.Map())
		}
		for j := i + 1; j < len(hashes); j++ {
			if _, ok := find(rest, fmt.Sprint("k", j), hashes[j]); !ok {
				t.Fatalf("removing k%d lost k%d", i, j)
			}
		}
	}
	if root != nil {
		t.Fatal("the emptied trie is not nil")
	}
}

func popcount(x uint32) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

func copyMap(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func sorted(m map[string]int) []string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprint(k, "=", v))
	}
	sort.Strings(out)
	return out
}

func BenchmarkEntitiesWith10k(b *testing.B) {
	var bl EntitiesBuilder[*User]
	for i := 0; i < 10000; i++ {
		bl.Set(fmt.Sprint("user", i), &User{})
	}
	m := bl.Entities()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = m.With("new", &User{})
	}
}

func BenchmarkEntitiesLookup10k(b *testing.B) {
	var bl EntitiesBuilder[*User]
	for i := 0; i < 10000; i++ {
		bl.Set(fmt.Sprint("user", i), &User{})
	}
	m := bl.Entities()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, _ = m.Lookup("user4242")
	}
}
