package analysis

import (
	"errors"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/world"
)

var diffTime = time.Date(2024, 6, 3, 10, 0, 0, 0, time.UTC)

func longRun() bool { return os.Getenv("IAMGATE_LONG") == "1" }

// expected is brute force's answer for one principal.
type expected struct {
	decision string
	hops     int
	// sets are, for allowedIf, the minimal sets of conditional steps of
	// its routes (minimalSets).
	sets string
}

// bruteWhoCan decides every principal of the world directly and, with
// transitive, every sts:AssumeRole edge between every principal and every
// role, then searches forward from each principal: the least hops to a role
// (or itself) allowed at all, and the least over unconditional edges and
// accesses only. UNKNOWN anywhere makes it report unknown (ok false).
func bruteWhoCan(t *testing.T, x *Index, q WhoCanQuery, action string) (map[string]expected, bool) {
	t.Helper()
	d := &decider{w: x.w, context: q.Context, time: q.Time}
	all, _, err := x.universe(action, q.Resource, true)
	if err != nil {
		t.Fatal(err)
	}
	caller := func(n *node) *world.Caller {
		c, err := x.w.Caller(n.caller)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	const never, cond, always = 0, 1, 2
	class := func(s *Step, err error) (int, bool) {
		if errors.Is(err, ErrUnknown) {
			return never, false
		}
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case s == nil:
			return never, true
		case s.Always():
			return always, true
		}
		return cond, true
	}
	direct := map[string]int{}
	for _, n := range all {
		c, ok := class(d.decide(caller(n), n.principal, action, q.Resource))
		if !ok {
			return nil, false
		}
		direct[n.principal] = c
	}
	out := map[string]expected{}
	if !q.Transitive {
		for p, c := range direct {
			switch c {
			case always:
				out[p] = expected{DecisionAllowed, 0, ""}
			case cond:
				out[p] = expected{DecisionAllowedIf, 0, ""}
			}
		}
		return out, true
	}
	var starts, roles []*node
	for _, e := range x.entities {
		starts = append(starts, entityNode(e))
		if e.role != nil {
			roles = append(roles, entityNode(e))
		}
	}
	for _, s := range x.services {
		starts = append(starts, &node{principal: s, caller: s})
	}
	edges := map[string]map[string]int{}
	for _, from := range starts {
		edges[from.principal] = map[string]int{}
		for _, to := range roles {
			c, ok := class(d.decide(caller(from), from.principal, "sts:AssumeRole", to.principal))
			if !ok {
				return nil, false
			}
			edges[from.principal][to.principal] = c
		}
	}
	// Every simple path from a principal over edges allowed at all, of at
	// most MaxDepth hops, to a principal allowed the access, is a route; its
	// conditions are its conditional steps. The answer is the least hops of
	// an unconditional route, else the minimal sets of conditional steps.
	accessKey := func(p string) string { return p + "\x00" + action + "\x00" + q.Resource }
	paths := 0
	routes := func(p string) (alwaysHops int, sets [][]string, ok bool) {
		alwaysHops = -1
		seen := map[string]bool{p: true}
		var conds []string
		var walk func(at string, hops int) bool
		walk = func(at string, hops int) bool {
			if paths++; paths > 2000000 {
				return false
			}
			if c := direct[at]; c != never {
				cs := append([]string(nil), conds...)
				if c == cond {
					cs = append(cs, accessKey(at))
				}
				if len(cs) == 0 {
					if alwaysHops < 0 || hops < alwaysHops {
						alwaysHops = hops
					}
				} else {
					sort.Strings(cs)
					sets = append(sets, cs)
				}
			}
			if hops == q.MaxDepth {
				return true
			}
			for _, to := range roles {
				c := edges[at][to.principal]
				if seen[to.principal] || c == never {
					continue
				}
				seen[to.principal] = true
				if c == cond {
					conds = append(conds, at+"\x00sts:AssumeRole\x00"+to.principal)
				}
				if !walk(to.principal, hops+1) {
					return false
				}
				if c == cond {
					conds = conds[:len(conds)-1]
				}
				seen[to.principal] = false
			}
			return true
		}
		ok = walk(p, 0)
		return alwaysHops, sets, ok
	}
	everyone := append(append([]*node(nil), all...), starts...)
	for _, n := range everyone {
		p := n.principal
		if _, ok := out[p]; ok {
			continue
		}
		if _, ok := edges[p]; !ok {
			// roots and "*" assume nothing.
			switch direct[p] {
			case always:
				out[p] = expected{DecisionAllowed, 0, ""}
			case cond:
				out[p] = expected{DecisionAllowedIf, 0, minimalSets([][]string{{accessKey(p)}})}
			}
			continue
		}
		h, sets, ok := routes(p)
		switch {
		case !ok:
			return nil, false
		case h >= 0:
			out[p] = expected{DecisionAllowed, h, ""}
		case len(sets) > 0:
			out[p] = expected{DecisionAllowedIf, 0, minimalSets(sets)}
		}
	}
	return out, true
}

// minimalSets renders the sets that contain no other set of the list, in
// order: two answers are the same disjunction of routes exactly when
// their minimal sets are equal.
func minimalSets(sets [][]string) string {
	var keep []string
	for i, a := range sets {
		minimal := true
		for j, b := range sets {
			if i != j && implies(b, a) && (len(b) < len(a) || j < i) {
				minimal = false
				break
			}
		}
		if minimal {
			keep = append(keep, strings.ReplaceAll(strings.Join(a, " & "), "\x00", " "))
		}
	}
	sort.Strings(keep)
	return strings.Join(keep, " | ")
}

// recheck decides every step of an access again, from the world, with its
// witness: the engine must allow each one.
func recheck(t *testing.T, w *world.World, q WhoCanQuery, a *Access) {
	t.Helper()
	f, wits, err := a.Formula()
	if err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if (a.Decision == DecisionAllowed) != (len(f) == 1 && len(f[0]) == 0) {
		t.Fatalf("%s: decision and formula disagree: %v", a, f)
	}
	if len(a.Steps) != len(a.Via)+1 {
		t.Fatalf("%s: %d steps for %d hops", a, len(a.Steps), len(a.Via))
	}
	for _, wit := range wits {
		for i, s := range a.Steps {
			principal, action, resource := a.Principal, a.Action, q.Resource
			if i > 0 {
				principal = a.Via[i-1]
			}
			if i < len(a.Via) {
				action, resource = "sts:AssumeRole", a.Via[i]
			}
			if s.Principal != principal || s.Action != action || s.Resource != resource {
				t.Fatalf("%s: step %d is %s %s %s", a, i, s.Principal, s.Action, s.Resource)
			}
			caller := principal
			if principal == "*" {
				caller = "anonymous"
			}
			c, err := w.Caller(caller)
			if err != nil {
				t.Fatal(err)
			}
			pq, err := w.Prepare(world.Request{Caller: c, Action: action, Resource: resource, Context: q.Context, Time: q.Time})
			if err != nil {
				t.Fatal(err)
			}
			if d := engine.Authorize(pq.WithContext(wit[i], s.Unknown)).Decision; d != engine.Allowed {
				t.Fatalf("%s: step %d with witness %v: %s", a, i, wit[i], d)
			}
		}
	}
}

func TestWhoCanDifferential(t *testing.T) {
	worlds, queries := 40, 6
	if testing.Short() {
		worlds = 15
	}
	if longRun() {
		worlds, queries = 400, 12
	}
	resources := []string{"arn:aws:s3:::bucket-a/k", "arn:aws:s3:::bucket-b/k", "arn:aws:sqs:us-east-1:222222222222:q1", "arn:aws:kms:us-east-1:111111111111:key/k1"}
	contexts := []map[string][]string{nil, {"aws:SecureTransport": {"true"}}, {"aws:MultiFactorAuthPresent": {"true"}, "aws:SourceIp": {"10.1.2.3"}}}
	var checked, rows, chained, conditional, alternatives, skipped int
	for seed := int64(0); seed < int64(worlds); seed++ {
		w := smallWorld(t, seed)
		x := NewIndex(w)
		r := rand.New(rand.NewSource(seed))
		for i := 0; i < queries; i++ {
			action := genActions[r.Intn(len(genActions))]
			q := WhoCanQuery{Actions: []string{action}, Resource: resources[r.Intn(len(resources))], Context: contexts[r.Intn(len(contexts))],
				Time: diffTime, Transitive: r.Intn(2) == 0, MaxDepth: 2 + r.Intn(6)}
			want, ok := bruteWhoCan(t, x, q, action)
			if !ok {
				skipped++
				continue
			}
			for _, noIndex := range []bool{false, true} {
				q.NoIndex = noIndex
				got, err := x.WhoCan(q)
				if err != nil {
					t.Fatalf("seed %d %v: %v", seed, q, err)
				}
				gotM := map[string]expected{}
				sets := map[string][][]string{}
				for _, a := range got {
					if a.Decision == DecisionUnknown {
						t.Fatalf("seed %d: %s unknown (%s) where brute force decided", seed, a, a.Construct)
					}
					if prev, ok := gotM[a.Principal]; ok && (prev.decision == DecisionAllowed || a.Decision == DecisionAllowed || !q.Transitive) {
						t.Fatalf("seed %d: %s listed twice though unconditional or direct", seed, a)
					}
					gotM[a.Principal] = expected{a.Decision, len(a.Via), ""}
					if a.Decision == DecisionAllowedIf && q.Transitive {
						var cs []string
						for _, s := range a.Steps {
							if !s.Always() {
								cs = append(cs, stepKey(s))
							}
						}
						sort.Strings(cs)
						sets[a.Principal] = append(sets[a.Principal], cs)
						if len(sets[a.Principal]) > 1 {
							alternatives++
						}
						gotM[a.Principal] = expected{a.Decision, 0, minimalSets(sets[a.Principal])}
					}
					recheck(t, w, q, a)
					rows++
					if len(a.Via) > 0 {
						chained++
					}
					if a.Decision == DecisionAllowedIf {
						conditional++
					}
				}
				if fmt.Sprint(sortedMap(gotM)) != fmt.Sprint(sortedMap(want)) {
					t.Fatalf("seed %d query %+v (noIndex %v):\n got %v\nwant %v", seed, q, noIndex, sortedMap(gotM), sortedMap(want))
				}
				checked++
			}
		}
	}
	t.Logf("%d who-can queries equal to brute force (%d results re-decided, %d through chains, %d allowedIf, %d further routes of a principal); %d skipped (UNKNOWN)", checked, rows, chained, conditional, alternatives, skipped)
	if checked == 0 || chained == 0 || conditional == 0 || alternatives == 0 {
		t.Fatal("the generator exercises too little")
	}
}

func sortedMap(m map[string]expected) []string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s=%s/%d{%s}", k, v.decision, v.hops, v.sets))
	}
	sort.Strings(out)
	return out
}
