package analyzer_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/iamgate/iamgate/api/accessanalyzer/analyzer"
	"github.com/iamgate/iamgate/internal/orggen"
	"github.com/iamgate/iamgate/world"
)

// BenchmarkAnalyzerScan is what a read costs when the world changed since
// the analyzer's last scan (Analyze, then Take): an ACCOUNT analyzer of a
// workload account and an ORGANIZATION analyzer, over the generated
// organization (orggen small by default; IAMGATE_BENCH_ORG=tiny, medium or
// full). A read with no change since the last scan scans nothing: it
// reads the analyzer's store item.
func BenchmarkAnalyzerScan(b *testing.B) {
	preset := os.Getenv("IAMGATE_BENCH_ORG")
	if preset == "" {
		preset = "small"
	}
	cfg, ok := orggen.Preset(preset)
	if !ok {
		b.Fatalf("no preset %s", preset)
	}
	w, err := world.Build("orggen", orggen.Generate(cfg))
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, a := range []*analyzer.Analyzer{
		{ARN: analyzer.ARN("us-east-1", orggen.Account(4), "account"), Type: analyzer.TypeAccount, Account: orggen.Account(4)},
		{ARN: analyzer.ARN("us-east-1", orggen.Account(0), "organization"), Type: analyzer.TypeOrganization, Account: orggen.Account(0)},
	} {
		b.Run(a.Type, func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for i := 0; i < b.N; i++ {
				s, err := a.Analyze(context.Background(), w, now)
				if err != nil {
					b.Fatal(err)
				}
				x := *a
				x.Take(s, analyzer.Version{Digest: int64(i + 1), Head: int64(i + 1)}, now)
				n = len(x.Findings)
			}
			b.ReportMetric(float64(n), "findings")
		})
	}
}
