package analysis_test

import (
	"testing"
	"time"

	"github.com/iamgate/iamgate/analysis"
)

// BenchmarkScaleExternal runs External over the generated organization
// (scaleWorld: the small preset by default, IAMGATE_BENCH_ORG=full for 1,000
// accounts, 20,000 roles and 5,000 resource policies); BENCHMARKS.md has
// the command and the figures.
func BenchmarkScaleExternal(b *testing.B) {
	_, x, cfg := scaleWorld(b)
	for _, bc := range []struct {
		name, zone string
		noCheck    bool
	}{
		{"organization", analysis.ZoneOrganization, false},
		{"account", analysis.ZoneAccount, false},
		{"account-no-evaldoc-check", analysis.ZoneAccount, true},
	} {
		zone := bc.zone
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var n int
			for i := 0; i < b.N; i++ {
				fs, err := x.External(analysis.ExternalQuery{Zone: zone, Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), NoEvaldocCheck: bc.noCheck})
				if err != nil {
					b.Fatal(err)
				}
				n = len(fs)
			}
			b.ReportMetric(float64(n), "findings")
			b.ReportMetric(float64(cfg.Resources), "resources")
		})
	}
}
