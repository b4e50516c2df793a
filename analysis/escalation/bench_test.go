package escalation_test

import (
	"os"
	"testing"
	"time"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/analysis/escalation"
)

// BenchmarkEscalation searches a generated organization (IAMGATE_BENCH_ORG:
// small by default, medium, full): index, candidates, every decision.
func BenchmarkEscalation(b *testing.B) {
	preset := os.Getenv("IAMGATE_BENCH_ORG")
	if preset == "" {
		preset = "small"
	}
	w := orgWorld(b, preset)
	b.ReportAllocs()
	b.ResetTimer()
	var paths int
	for i := 0; i < b.N; i++ {
		res, err := escalation.Search(analysis.NewIndex(w), escalation.Options{})
		if err != nil {
			b.Fatal(err)
		}
		paths = len(res.Paths)
	}
	b.ReportMetric(float64(paths), "paths")
}

// The full organization's search, timed for BENCHMARKS.md against its
// target (10 minutes on the 2-core machine): IAMGATE_LONG=1.
func TestEscalationFullOrganization(t *testing.T) {
	if os.Getenv("IAMGATE_LONG") != "1" {
		t.Skip("IAMGATE_LONG=1")
	}
	start := time.Now()
	w := orgWorld(t, "full")
	built := time.Since(start)
	start = time.Now()
	res, err := escalation.Search(analysis.NewIndex(w), escalation.Options{})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	gains := map[string]int{}
	for _, p := range res.Paths {
		if p.Gains == escalation.Admin {
			gains["admin"]++
		} else {
			gains["other"]++
		}
	}
	// The time is reported, not asserted (BENCHMARKS.md records it).
	t.Logf("world built in %v; search %v: %d paths (%v), %d unknown", built, took, len(res.Paths), gains, len(res.Unknown))
}
