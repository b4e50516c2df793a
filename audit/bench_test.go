package audit_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/postgres"
	"github.com/iamgate/iamgate/store/sqlite"
	"github.com/iamgate/iamgate/store/storetest"
)

// BenchmarkAuditQuery fills a store with storetest.AuditBenchEntries
// entries (10,000 unless IAMGATE_AUDIT_BENCH_ENTRIES says otherwise;
// BENCHMARKS.md is at 1,000,000) and times what `iamgate audit` and
// access advisor ask of it: a page of 500 for a filter that matches many
// entries, every entry for one that matches few.
func BenchmarkAuditQuery(b *testing.B) {
	n := storetest.AuditBenchEntries(b)
	b.Run("sqlite", func(b *testing.B) {
		path := filepath.Join(b.TempDir(), "audit.db")
		st, err := sqlite.Open(context.Background(), path)
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		benchAuditQueries(b, st, n, nil, func() string {
			fi, err := os.Stat(path)
			if err != nil {
				return "?"
			}
			wal, _ := os.Stat(path + "-wal")
			size := fi.Size()
			if wal != nil {
				size += wal.Size()
			}
			return fmt.Sprintf("%.0f MB (%d bytes an entry)", float64(size)/1e6, size/int64(n))
		})
	})
	b.Run("postgres", func(b *testing.B) {
		dsn := storetest.FreshSchema(b, storetest.PostgresDSN(b))
		st, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		// The planner's statistics, as autovacuum gathers them (this
		// machine's server runs without autovacuum).
		analyze := func() {
			db, err := sql.Open("pgx", dsn)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec(`ANALYZE audit_log; ANALYZE last_accessed`); err != nil {
				b.Fatal(err)
			}
		}
		benchAuditQueries(b, st, n, analyze, nil)
	})
}

func benchAuditQueries(b *testing.B, st store.Store, n int, analyze func(), size func() string) {
	ctx := context.Background()
	fill := storetest.FillAudit(b, st, n, "")
	b.Logf("%d entries stored in %v (%.0f a second)", n, fill.Took.Round(time.Millisecond), float64(n)/fill.Took.Seconds())
	if analyze != nil {
		analyze()
	}
	if size != nil {
		b.Logf("size: %s", size())
	}
	acct := fill.Accounts[7]
	head, err := audit.Head(ctx, st)
	if err != nil {
		b.Fatal(err)
	}
	queries := []struct {
		name string
		f    audit.Filter
	}{
		{"operation=common/page", audit.Filter{Operation: "iam:" + fill.Operations[0], Limit: 500}},
		{"operation=rare/all", audit.Filter{Operation: "iam:" + fill.RareOperation}},
		{"account/page", audit.Filter{Account: acct, Limit: 500}},
		{"caller=user/page", audit.Filter{Caller: "arn:aws:iam::" + acct + ":user/u3", Limit: 500}},
		{"caller=role/page", audit.Filter{Caller: "arn:aws:iam::" + acct + ":role/team/r2", Limit: 500}},
		{"caller=session/page", audit.Filter{Caller: "arn:aws:sts::" + acct + ":assumed-role/r2/s7", Limit: 500}},
		{"since=1h/all", audit.Filter{Since: fill.Last.Add(-time.Hour)}},
		{"since=7d/page", audit.Filter{Since: fill.Last.Add(-7 * 24 * time.Hour), Limit: 500}},
		{"account+operation+since=7d/all", audit.Filter{Account: acct, Operation: "iam:CreateRole", Since: fill.Last.Add(-7 * 24 * time.Hour)}},
		{"no filter/page", audit.Filter{Limit: 500}},
	}
	for _, q := range queries {
		b.Run(q.name, func(b *testing.B) {
			b.ReportAllocs()
			got := 0
			for b.Loop() {
				es, err := audit.Query(ctx, st, q.f)
				if err != nil {
					b.Fatal(err)
				}
				got = len(es)
			}
			b.ReportMetric(float64(got), "entries")
		})
	}
	b.Run("follow/last-1000", func(b *testing.B) {
		b.ReportAllocs()
		f := audit.Filter{Account: acct}
		for b.Loop() {
			if _, _, err := audit.Follow(ctx, st, f, head-1000); err != nil {
				b.Fatal(err)
			}
		}
	})
	role := "arn:aws:iam::" + acct + ":role/team/r2"
	b.Run("last-accessed/role", func(b *testing.B) {
		b.ReportAllocs()
		got := 0
		for b.Loop() {
			las, err := audit.LastAccessed(ctx, st, []string{role})
			if err != nil {
				b.Fatal(err)
			}
			got = len(las)
		}
		b.ReportMetric(float64(got), "accesses")
	})
	var own []string // one account's users and roles: a managed policy attached to all of them
	for u := 0; u < fill.Users; u++ {
		own = append(own, fmt.Sprintf("arn:aws:iam::%s:user/u%d", acct, u))
	}
	for r := 0; r < fill.Roles; r++ {
		own = append(own, fmt.Sprintf("arn:aws:iam::%s:role/r%d", acct, r))
	}
	b.Run(fmt.Sprintf("last-accessed/%d-entities", len(own)), func(b *testing.B) {
		b.ReportAllocs()
		got := 0
		for b.Loop() {
			las, err := audit.LastAccessed(ctx, st, own)
			if err != nil {
				b.Fatal(err)
			}
			got = len(las)
		}
		b.ReportMetric(float64(got), "accesses")
	})
	var every []string // every account's
	for _, a := range fill.Accounts {
		for u := 0; u < fill.Users; u++ {
			every = append(every, fmt.Sprintf("arn:aws:iam::%s:user/u%d", a, u))
		}
		for r := 0; r < fill.Roles; r++ {
			every = append(every, fmt.Sprintf("arn:aws:iam::%s:role/r%d", a, r))
		}
	}
	b.Run(fmt.Sprintf("last-accessed/%d-entities-of-100-accounts", len(every)), func(b *testing.B) {
		b.ReportAllocs()
		got := 0
		for b.Loop() {
			las, err := audit.LastAccessed(ctx, st, every)
			if err != nil {
				b.Fatal(err)
			}
			got = len(las)
		}
		b.ReportMetric(float64(got), "accesses")
	})
	log := audit.NewLog(st)
	defer log.Close()
	b.Run("append/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				e := &audit.Entry{Time: time.Now(), RequestID: "bench", Account: acct, Caller: role, Service: "iam", Operation: "GetUser", Outcome: "OK",
					Decisions: []audit.Decision{{Action: "iam:GetUser", Resource: "*", Decision: "allowed"}}}
				if err := log.Append(ctx, e); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("prune/batch-1000", func(b *testing.B) {
		b.ReportAllocs()
		before := fill.First
		for b.Loop() {
			before = before.Add(time.Hour)
			if _, err := st.PruneAudit(ctx, before, 1000); err != nil {
				b.Fatal(err)
			}
		}
	})
}
