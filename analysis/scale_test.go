package analysis_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/internal/orggen"
	"github.com/iamgate/iamgate/world"
)

// The scale benchmarks run on a generated organization (internal/orggen):
// the small preset by default, the full one (1,000 accounts, 20,000 roles,
// 5,000 users, 5,000 resource policies) with IAMGATE_LONG=1, or the preset
// IAMGATE_BENCH_ORG names (full, medium, small). BENCHMARKS.md has the commands.

func scaleConfig(tb testing.TB) orggen.Config {
	name := os.Getenv("IAMGATE_BENCH_ORG")
	if name == "" {
		name = "small"
		if os.Getenv("IAMGATE_LONG") == "1" {
			name = "full"
		}
	}
	cfg, ok := orggen.Preset(name)
	if !ok {
		tb.Fatalf("IAMGATE_BENCH_ORG=%q: want full, medium or small", name)
	}
	return cfg
}

var scale struct {
	once sync.Once
	cfg  orggen.Config
	w    *world.World
	x    *analysis.Index
	err  error
}

// scaleWorld builds the organization once per process.
func scaleWorld(tb testing.TB) (*world.World, *analysis.Index, orggen.Config) {
	cfg := scaleConfig(tb)
	scale.once.Do(func() {
		scale.cfg = cfg
		scale.w, scale.err = world.Build("orggen", orggen.Generate(cfg))
		if scale.err == nil {
			scale.x = analysis.NewIndex(scale.w)
		}
	})
	if scale.err != nil {
		tb.Fatal(scale.err)
	}
	return scale.w, scale.x, scale.cfg
}

// A workload account (in Workloads-Prod, under its SCPs and RCPs) and the
// resource and principals the queries name.
const scaleAccount = 4

var scaleTime = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func scaleObject() string { return orggen.Bucket(scaleAccount, 0) + "/reports/2026.csv" }

// The who-can questions: an object of a bucket whose policy names one
// role of another account, and a topic whose policy lets the whole
// organization publish (Principal "*" with aws:PrincipalOrgID: every
// principal of every account is a candidate).
var scaleQueries = []struct{ name, action, resource string }{
	{"object", "s3:GetObject", scaleObject()},
	{"org-topic", "sns:Publish", orggen.Topic(scaleAccount, 0)},
}

func whoCanScale(tb testing.TB, x *analysis.Index, transitive bool) []*analysis.Access {
	return whoCanScaleOn(tb, x, "s3:GetObject", scaleObject(), transitive)
}

func whoCanScaleOn(tb testing.TB, x *analysis.Index, action, resource string, transitive bool) []*analysis.Access {
	as, err := x.WhoCan(analysis.WhoCanQuery{Actions: []string{action}, Resource: resource, Time: scaleTime, Transitive: transitive})
	if err != nil {
		tb.Fatal(err)
	}
	return as
}

func canScale(tb testing.TB, x *analysis.Index, principal string) []*analysis.Permission {
	ps, err := x.Can(analysis.CanQuery{Principal: principal, Time: scaleTime})
	if err != nil {
		tb.Fatal(err)
	}
	return ps
}

// BenchmarkScaleBuild builds the world from its file form in process
// (world.Build: every document parsed and compiled) and indexes it.
func BenchmarkScaleBuild(b *testing.B) {
	cfg := scaleConfig(b)
	fw := orggen.Generate(cfg)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w, err := world.Build("orggen", fw)
		if err != nil {
			b.Fatal(err)
		}
		analysis.NewIndex(w)
	}
}

// BenchmarkScaleLoadFile reads the world file as `iamgate who-can --world`
// does (world.LoadFile of JSON).
func BenchmarkScaleLoadFile(b *testing.B) {
	cfg := scaleConfig(b)
	data, err := json.Marshal(orggen.Generate(cfg))
	if err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(b.TempDir(), "org.json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := world.LoadFile(file); err != nil {
			b.Fatal(err)
		}
	}
}

func benchWhoCan(b *testing.B, transitive bool) {
	_, x, _ := scaleWorld(b)
	for _, q := range scaleQueries {
		b.Run(q.name, func(b *testing.B) {
			b.ReportAllocs()
			var as []*analysis.Access
			for i := 0; i < b.N; i++ {
				as = whoCanScaleOn(b, x, q.action, q.resource, transitive)
			}
			distinct := map[string]bool{}
			for _, a := range as {
				distinct[a.Principal] = true
			}
			b.ReportMetric(float64(len(distinct)), "principals")
			b.ReportMetric(float64(len(as)), "rows")
		})
	}
}

func BenchmarkScaleWhoCan(b *testing.B) { benchWhoCan(b, false) }

func BenchmarkScaleWhoCanTransitive(b *testing.B) { benchWhoCan(b, true) }

// BenchmarkScaleCan asks what one application role may do; .../admin asks
// it of a role with AdministratorAccess (every action of the catalog).
func BenchmarkScaleCan(b *testing.B) {
	_, x, _ := scaleWorld(b)
	for _, c := range []struct{ name, principal string }{
		{"app", orggen.Role(scaleAccount, "app-0")},
		{"admin", orggen.Role(scaleAccount, "Admin")},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				canScale(b, x, c.principal)
			}
		})
	}
}

// TestScale runs the scale benchmarks' code paths once on the small preset
// (the full one with IAMGATE_LONG=1): no timing, only that each answers and
// finds what the organization grants.
func TestScale(t *testing.T) {
	_, x, _ := scaleWorld(t)
	direct := whoCanScale(t, x, false)
	chained := whoCanScale(t, x, true)
	if len(direct) == 0 || len(chained) <= len(direct) {
		t.Fatalf("who-can: %d direct, %d with chains", len(direct), len(chained))
	}
	for _, p := range []string{orggen.Role(scaleAccount, "app-0"), orggen.Role(scaleAccount, "Admin")} {
		if ps := canScale(t, x, p); len(ps) == 0 {
			t.Fatalf("can %s: nothing", p)
		}
	}
	t.Logf("who-can %s: %d direct, %d with chains", scaleObject(), len(direct), len(chained))
}
