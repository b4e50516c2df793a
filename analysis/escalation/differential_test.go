package escalation_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/analysis/escalation"
	"github.com/iamgate/iamgate/internal/orggen"
	"github.com/iamgate/iamgate/world"
)

func orgWorld(t testing.TB, preset string) *world.World {
	cfg, _ := orggen.Preset(preset)
	w, err := world.Build(preset, orggen.Generate(cfg))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// Brute force on a generated organization: every technique of every user
// and role on every target, and every action on "*" decided by itself,
// find what the index and the action classes find.
//
// It takes minutes on two cores (the unindexed search decides every
// technique of every principal on every target), so it runs with
// IAMGATE_LONG=1; CI checks every technique's fixtures instead
// (TestTechniqueFixtures), each path re-decided step by step.
func TestSearchAgreesWithBruteForce(t *testing.T) {
	if testing.Short() || os.Getenv("IAMGATE_LONG") != "1" {
		t.Skip("brute force: IAMGATE_LONG=1")
	}
	w := orgWorld(t, "tiny")
	fast, err := escalation.Search(analysis.NewIndex(w), escalation.Options{MaxDepth: 2})
	if err != nil {
		t.Fatal(err)
	}
	slow, err := escalation.Search(analysis.NewIndex(w), escalation.Options{MaxDepth: 2, NoIndex: true})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(fast)
	b, _ := json.Marshal(slow)
	if string(a) != string(b) {
		t.Fatalf("the index changes the answer:\nfast %s\nslow %s", a, b)
	}
	// Every action on "*" decided by itself (22,000 decisions per
	// administrator), for the first principals with paths.
	seen := map[string]bool{}
	for _, p := range fast.Paths {
		if seen[p.Principal] || len(seen) == 3 {
			continue
		}
		seen[p.Principal] = true
		one, err := escalation.Search(analysis.NewIndex(w), escalation.Options{MaxDepth: 2, Principal: p.Principal})
		if err != nil {
			t.Fatal(err)
		}
		each, err := escalation.Search(analysis.NewIndex(w), escalation.Options{MaxDepth: 2, Principal: p.Principal, NoClasses: true})
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(one)
		b, _ := json.Marshal(each)
		if string(a) != string(b) {
			t.Fatalf("%s: the action classes change the answer:\nclasses %s\neach    %s", p.Principal, a, b)
		}
	}
	for _, p := range fast.Paths {
		recheck(t, w, p)
	}
	t.Logf("%d paths, %d unknown", len(fast.Paths), len(fast.Unknown))
}
