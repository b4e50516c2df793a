package console

import (
	"os"
	"sort"
	"testing"
	"time"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/internal/orggen"
	"github.com/iamgate/iamgate/world"
)

// The trust graph's benchmarks build the graph of a generated organization
// (internal/orggen) as its management account's view: every account of
// the organization covered. The preset is IAMGATE_BENCH_ORG (tiny, small,
// medium, full; tiny by default). BENCHMARKS.md has the commands and the
// figures.

func benchOrg(b *testing.B) (*world.World, []string) {
	name := os.Getenv("IAMGATE_BENCH_ORG")
	if name == "" {
		name = "tiny"
	}
	cfg, ok := orggen.Preset(name)
	if !ok {
		b.Fatalf("IAMGATE_BENCH_ORG=%q: want full, medium, small or tiny", name)
	}
	w, err := world.Build("orggen", orggen.Generate(cfg))
	if err != nil {
		b.Fatal(err)
	}
	var accounts []string
	for id, a := range w.Accounts.Map() {
		if id == w.Organization.ManagementAccount || a.OU != nil {
			accounts = append(accounts, id)
		}
	}
	sort.Strings(accounts)
	return w, accounts
}

var benchTime = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// BenchmarkTrustGraph: who-can of sts:AssumeRole on every role, external
// access on the trust policies, the escalation search; the index built
// once before (the page builds it once per world too).
func BenchmarkTrustGraph(b *testing.B) {
	w, accounts := benchOrg(b)
	x := analysis.NewIndex(w)
	b.ReportAllocs()
	b.ResetTimer()
	var g *trustGraph
	for range b.N {
		var err error
		if g, err = buildTrustGraph(w, x, accounts, benchTime); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(g.Roles), "roles")
	b.ReportMetric(float64(len(g.Edges)), "edges")
	b.ReportMetric(g.WhoCan.Seconds(), "whocan-s")
	b.ReportMetric(g.External.Seconds(), "external-s")
	b.ReportMetric(g.Escalation.Seconds(), "escalation-s")
}

// BenchmarkTrustFilter: what a page of the cached graph costs, the default
// view and a filter.
func BenchmarkTrustFilter(b *testing.B) {
	w, accounts := benchOrg(b)
	g, err := buildTrustGraph(w, analysis.NewIndex(w), accounts, benchTime)
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{"", "externalid", "vendor"} {
		b.Run("q="+q, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				d := trustData{Filter: q}
				d.fill(g)
			}
		})
	}
}
