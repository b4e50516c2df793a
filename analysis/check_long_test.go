package analysis_test

import (
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/wildcard"
)

// The long differential run of the three checks (issue 15: "at least
// 100,000 pairs behind a flag"): IAMGATE_LONG=1 runs longPairs random
// policies or pairs, spread over no-new-access (identity and resource
// policies), access-not-granted (identity and resource policies) and
// no-public-access, each decided by the check and by brute force over the
// universes of check_diff_test.go. -check.long=N runs N instead; the
// normal run does a few of each, the short CI versions being
// TestCheckNoNewAccessDifferential and its neighbours.
//
// The brute force decides every request of the universe with the engine,
// one Prepared reused. Per action and resource it enumerates only the
// context keys of the statements that match both, which the engine
// decides on the statement alone (an Allow without Condition, Principal or
// NotPrincipal, as an identity policy): the engine reads a statement's
// conditions only after its action and resource match. A statement with a
// policy variable counts as matching everything, with every key the pair
// names.

var checkShard = flag.String("check.shard", "", "K/N: check only the pairs i with i%N == K of TestCheckDifferentialLong (the pairs are the same; N processes with K = 0..N-1 share the run)")

// inShard reports whether pair i is this process's (see -check.shard).
func inShard(t *testing.T, i int) bool {
	if *checkShard == "" {
		return true
	}
	var k, n int
	if _, err := fmt.Sscanf(*checkShard, "%d/%d", &k, &n); err != nil || n <= 0 || k < 0 || k >= n {
		t.Fatalf("-check.shard=%q: want K/N with 0 <= K < N", *checkShard)
	}
	return i%n == k
}

var checkLong = flag.Int("check.long", 0, "policies or pairs for TestCheckDifferentialLong (0: IAMGATE_LONG=1 gives longPairs, otherwise a few)")

// longPairs is the IAMGATE_LONG=1 size.
const longPairs = 100000

// longShare splits the run: no-new-access identity and resource,
// access-not-granted identity and resource, no-public-access.
var longShare = [5]int{40, 30, 10, 10, 10}

func TestCheckDifferentialLong(t *testing.T) {
	total := 25
	switch {
	case *checkLong > 0:
		total = *checkLong
	case os.Getenv("IAMGATE_LONG") == "1":
		total = longPairs
	case testing.Short():
		total = 10
	}
	var n [5]int
	sum := 0
	for i := range n {
		n[i] = total * longShare[i] / 100
		sum += n[i]
	}
	n[0] += total - sum
	start := time.Now()
	b := newBrute()
	t.Run("no-new-access/identity", func(t *testing.T) { longNoNewAccess(t, b, analysis.IdentityPolicy, n[0]) })
	t.Run("no-new-access/resource", func(t *testing.T) { longNoNewAccess(t, b, analysis.ResourcePolicy, n[1]) })
	t.Run("access-not-granted/identity", func(t *testing.T) { longAccessNotGranted(t, b, analysis.IdentityPolicy, n[2]) })
	t.Run("access-not-granted/resource", func(t *testing.T) { longAccessNotGranted(t, b, analysis.ResourcePolicy, n[3]) })
	t.Run("no-public-access", func(t *testing.T) { longNoPublicAccess(t, b, n[4]) })
	t.Logf("%d policies or pairs in %v, %d requests decided by brute force", total, time.Since(start).Round(time.Second), b.decided)
}

// tally counts a part's answers and mismatches.
type tally struct {
	t                                   *testing.T
	name                                string
	n, fails, passes, unknown, mismatch int
	start                               time.Time
}

func newTally(t *testing.T, name string, n int) *tally {
	return &tally{t: t, name: name, n: n, start: time.Now()}
}

// mismatch reports a disagreement (the first ten in full).
func (ty *tally) mismatchf(format string, args ...any) {
	ty.t.Helper()
	ty.mismatch++
	if ty.mismatch <= 10 {
		ty.t.Errorf(format, args...)
	}
}

func (ty *tally) progress(i int) {
	if (i+1)%5000 == 0 {
		ty.t.Logf("%s: %d of %d after %v", ty.name, i+1, ty.n, time.Since(ty.start).Round(time.Second))
	}
}

func (ty *tally) done() {
	ty.t.Logf("%s: %d pairs, %d FAIL, %d PASS, %d UNKNOWN, %d mismatches, %v", ty.name, ty.fails+ty.passes+ty.unknown, ty.fails, ty.passes, ty.unknown, ty.mismatch, time.Since(ty.start).Round(time.Second))
	if ty.unknown > ty.n/4 {
		ty.t.Errorf("%d of %d answers UNKNOWN", ty.unknown, ty.n)
	}
}

// answer notes a check's answer; it reports whether there is one.
func (ty *tally) answer(res *analysis.CheckResult, err error, what string) bool {
	ty.t.Helper()
	var ue *analysis.UnknownError
	if errors.As(err, &ue) {
		ty.unknown++
		return false
	}
	if err != nil {
		ty.t.Fatalf("%s: %v", what, err)
	}
	if res.Result == analysis.Fail {
		ty.fails++
	} else {
		ty.passes++
	}
	return true
}

// brute decides requests of the universe with one reused Prepared.
type brute struct {
	q       engine.Prepared
	facts   map[string]*engine.Facts
	match   map[matchKey]bool
	ctxs    map[string][]map[string][]string
	decided int
}

type matchKey struct {
	s           *policy.Statement
	action, res string
}

func newBrute() *brute {
	return &brute{facts: map[string]*engine.Facts{}, match: map[matchKey]bool{}, ctxs: map[string][]map[string][]string{}}
}

// newPair forgets the statements of the last policies.
func (b *brute) newPair() { clear(b.match) }

func (b *brute) factsOf(t *testing.T, p string) *engine.Facts {
	if f, ok := b.facts[p]; ok {
		return f
	}
	pr, err := engine.ParsePrincipal(p)
	if err != nil {
		t.Fatal(err)
	}
	pk := engine.PrincipalContext(pr)
	f := &engine.Facts{Principal: pr, PrincipalKeys: pk, PrincipalFilter: engine.NewKeyFilter(pk)}
	b.facts[p] = f
	return f
}

// allowed decides req under ctx.
func (b *brute) allowed(t *testing.T, req engine.Request, ctx map[string][]string) bool {
	req.Context = ctx
	if err := req.PrepareWithInto(&b.q, b.factsOf(t, req.Principal)); err != nil {
		t.Fatal(err)
	}
	b.decided++
	return engine.Authorize(&b.q).Decision == engine.Allowed
}

// matches reports whether statement s's Action and Resource elements
// admit action a on resource res, as the engine decides s alone.
func (b *brute) matches(t *testing.T, s *policy.Statement, a, res string) bool {
	k := matchKey{s, a, res}
	if m, ok := b.match[k]; ok {
		return m
	}
	c := *s
	c.Effect, c.Conditions, c.Principal, c.NotPrincipal, c.Sid = policy.Allow, nil, nil, nil, ""
	cp, err := engine.Compile(&policy.Policy{File: "match", Version: policy.Version2012, Statements: []*policy.Statement{&c}, StatementIsList: true}, engine.IdentityPolicy, "match")
	if err != nil {
		t.Fatal(err)
	}
	q, err := engine.Request{Principal: "arn:aws:iam::777777777777:user/brute", Action: a, Resource: res, ResourceAccount: "777777777777", Policies: engine.Policies{Identity: []*engine.Policy{cp}}}.Prepare()
	if err != nil {
		t.Fatal(err)
	}
	m := engine.Authorize(q).Decision == engine.Allowed
	b.match[k] = m
	return m
}

// contexts lists the contexts of the universe over the keys of the
// statements of ps that match action a on resource res.
func (b *brute) contexts(t *testing.T, ps []*policy.Policy, texts []string, a, res string) []map[string][]string {
	all := false
	seen := map[string]bool{}
	for _, p := range ps {
		for _, s := range p.Statements {
			if stmtHasVariable(s) {
				all = true
				continue
			}
			if !b.matches(t, s, a, res) {
				continue
			}
			for _, c := range s.Conditions {
				if lk := strings.ToLower(c.Key); diffContext[lk] != nil {
					seen[lk] = true
				}
			}
		}
	}
	var keys []string
	if all {
		keys = mentionedKeys(texts...)
	} else {
		for _, k := range mentionedKeys(texts...) {
			if seen[k] {
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	sig := strings.Join(keys, ",")
	if cs, ok := b.ctxs[sig]; ok {
		return cs
	}
	cs := contexts(keys)
	b.ctxs[sig] = cs
	return cs
}

func stmtHasVariable(s *policy.Statement) bool {
	var texts []string
	for _, l := range []*policy.List{s.Resource, s.NotResource, s.Action, s.NotAction} {
		if l != nil {
			for _, v := range l.Values {
				texts = append(texts, v.Text)
			}
		}
	}
	for _, c := range s.Conditions {
		texts = append(texts, c.Texts()...)
	}
	for _, x := range texts {
		if strings.Contains(x, "${") {
			return true
		}
	}
	return false
}

func compileFor(t *testing.T, kind analysis.PolicyKind, p *policy.Policy) *engine.Policy {
	typ := engine.IdentityPolicy
	if kind == analysis.ResourcePolicy {
		typ = engine.ResourcePolicy
	}
	cp, err := engine.Compile(p, typ, p.File)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

func longNoNewAccess(t *testing.T, b *brute, kind analysis.PolicyKind, n int) {
	ty := newTally(t, "no-new-access/"+string(kind), n)
	r := rand.New(rand.NewSource(1515))
	resources := diffResources(3)
	callers := []string{""}
	if kind == analysis.ResourcePolicy {
		callers = diffCallers()
	}
	for i := 0; i < n; i++ {
		ty.progress(i)
		b.newPair()
		oldText, newText := randomPolicy(r, kind), randomPolicy(r, kind)
		if r.Intn(3) == 0 {
			newText = oldText
		}
		if !inShard(t, i) {
			continue
		}
		oldP, newP := policy.MustParse("old.json", oldText), policy.MustParse("new.json", newText)
		oldCP, newCP := compileFor(t, kind, oldP), compileFor(t, kind, newP)
		res, err := analysis.CheckNoNewAccess(oldP, newP, kind, analysis.CheckOptions{Actions: diffActions})
		if !ty.answer(res, err, "pair "+newText) {
			continue
		}
		brute := false
	search:
		for _, a := range diffActions {
			for _, rs := range resources {
				ctxs := b.contexts(t, []*policy.Policy{oldP, newP}, []string{oldText, newText}, a, rs)
				for _, p := range callers {
					rn := bruteRequest(kind, newCP, a, rs, p, nil)
					ro := bruteRequest(kind, oldCP, a, rs, p, nil)
					for _, ctx := range ctxs {
						if b.allowed(t, rn, ctx) && !b.allowed(t, ro, ctx) {
							brute = true
							break search
						}
					}
				}
			}
		}
		if i < 20 || i%500 == 0 {
			// The keys left out per action and resource change nothing:
			// the brute force over every key the pair names agrees.
			if full := bruteNoNewAccess(t, kind, oldCP, newCP, mentionedKeys(oldText, newText), resources); full != brute {
				t.Fatalf("pair %d: the brute force over every key says %v, over the matching statements' keys %v\nold %s\nnew %s", i, full, brute, oldText, newText)
			}
		}
		if brute != (res.Result == analysis.Fail) {
			ty.mismatchf("pair %d: brute force says new access %v, the check %s\nold %s\nnew %s\ncounterexamples %s", i, brute, res.Result, oldText, newText, res.Counterexamples)
		}
		for _, ce := range res.Counterexamples {
			if d := decideDoc(t, ce); d != engine.Allowed {
				ty.mismatchf("pair %d: counterexample is %s under new\n%s", i, d, ce)
			}
			if d := decideDoc(t, swapPolicy(t, kind, ce, oldText)); d == engine.Allowed {
				ty.mismatchf("pair %d: counterexample is allowed under old\n%s", i, ce)
			}
		}
	}
	ty.done()
}

// longAccessNotGranted: some listed request (the listed actions and
// resources, their wildcards standing for what they match) is allowed;
// for resource policies by a caller other than the root user of the
// resource's account (TestCheckAccessNotGrantedResourcePolicy).
func longAccessNotGranted(t *testing.T, b *brute, kind analysis.PolicyKind, n int) {
	ty := newTally(t, "access-not-granted/"+string(kind), n)
	r := rand.New(rand.NewSource(1516))
	resources := diffResources(3) // "*y" and "?y" differ on three letters
	callers := []string{""}
	if kind == analysis.ResourcePolicy {
		callers = diffCallers()
	}
	for i := 0; i < n; i++ {
		ty.progress(i)
		b.newPair()
		text := randomPolicy(r, kind)
		p := policy.MustParse("p.json", text)
		cp := compileFor(t, kind, p)
		var acts, ress []string
		if r.Intn(3) > 0 {
			acts = []string{diffActionPats[r.Intn(len(diffActionPats))]}
		}
		if len(acts) == 0 || r.Intn(2) == 0 {
			ress = []string{diffResPats[r.Intn(len(diffResPats))]}
		}
		res, err := analysis.CheckAccessNotGranted(p, kind, acts, ress, analysis.CheckOptions{Actions: diffActions})
		if !ty.answer(res, err, "policy "+text) {
			continue
		}
		listed := func(a, rs string) bool {
			okA := len(acts) == 0
			for _, x := range acts {
				if x == "*" || wildcard.MatchFold(x, a) {
					okA = true
				}
			}
			okR := len(ress) == 0
			for _, x := range ress {
				if x == "*" || (rs != "*" && arnPatternMatch(x, rs)) {
					okR = true
				}
			}
			return okA && okR
		}
		brute := false
	search:
		for _, a := range diffActions {
			for _, rs := range resources {
				if !listed(a, rs) {
					continue
				}
				ctxs := b.contexts(t, []*policy.Policy{p}, []string{text}, a, rs)
				for _, c := range callers {
					req := bruteRequest(kind, cp, a, rs, c, nil)
					if kind == analysis.ResourcePolicy && c == "arn:aws:iam::"+req.ResourceAccount+":root" {
						continue
					}
					for _, ctx := range ctxs {
						if b.allowed(t, req, ctx) {
							brute = true
							break search
						}
					}
				}
			}
		}
		if brute != (res.Result == analysis.Fail) {
			ty.mismatchf("%d: brute force %v, check %s\n%s\nactions %v resources %v\n%s", i, brute, res.Result, text, acts, ress, res.Counterexamples)
		}
		for _, ce := range res.Counterexamples {
			if d := decideDoc(t, ce); d != engine.Allowed {
				ty.mismatchf("%d: counterexample is %s\n%s", i, d, ce)
			}
		}
	}
	ty.done()
}

// longNoPublicAccess is TestCheckNoPublicAccessDifferential's comparison:
// an anonymous caller or one of an account no policy names, aws:SourceIp
// outside the CIDRs the generator names.
func longNoPublicAccess(t *testing.T, b *brute, n int) {
	ty := newTally(t, "no-public-access", n)
	r := rand.New(rand.NewSource(1517))
	resources := diffResources(3)
	callers := []string{"anonymous"}
	for _, m := range []string{":root", ":user/u9", ":role/r9", ":role/r1", ":user/u1"} {
		callers = append(callers, "arn:aws:iam::444444444444"+m)
	}
	callers = append(callers, "arn:aws:sts::444444444444:assumed-role/r1/s")
	for i := 0; i < n; i++ {
		ty.progress(i)
		b.newPair()
		text := randomPolicy(r, analysis.ResourcePolicy)
		p := policy.MustParse("p.json", text)
		cp := compileFor(t, analysis.ResourcePolicy, p)
		res, err := analysis.CheckNoPublicAccess(p, "AWS::S3::Bucket", analysis.CheckOptions{Actions: diffActions})
		if !ty.answer(res, err, "policy "+text) {
			continue
		}
		brute := false
	search:
		for _, a := range diffActions {
			for _, rs := range resources {
				for _, ctx := range b.contexts(t, []*policy.Policy{p}, []string{text}, a, rs) {
					if ip, ok := ctx["aws:sourceip"]; ok && strings.HasPrefix(ip[0], "10.") {
						continue // inside 10.0.0.0/8, the only CIDRs the generator names
					}
					for _, c := range callers {
						if b.allowed(t, bruteRequest(analysis.ResourcePolicy, cp, a, rs, c, nil), ctx) {
							brute = true
							break search
						}
					}
				}
			}
		}
		if brute != (res.Result == analysis.Fail) {
			ty.mismatchf("%d: brute force public %v, the check %s\n%s\n%s", i, brute, res.Result, text, res.Counterexamples)
		}
		for _, ce := range res.Counterexamples {
			if d := decideDoc(t, ce); d != engine.Allowed {
				ty.mismatchf("%d: counterexample is %s\n%s", i, d, ce)
			}
		}
	}
	ty.done()
}
