package sqlite_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/iamgate/iamgate/activity/synth"
	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/importer"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/sqlite"
)

// cloudTrailRecords are n synthetic CloudTrail events (ctgen's corpus,
// seed 1) as the import stores them.
func cloudTrailRecords(tb testing.TB, n int) []store.AuditRecord {
	c := synth.Generate(synth.Options{Seed: 1, Events: n, Now: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)})
	recs := make([]store.AuditRecord, 0, len(c.Records))
	for _, r := range c.Records {
		b, _ := json.Marshal(r)
		var ev importer.CloudTrailEvent
		if err := json.Unmarshal(b, &ev); err != nil {
			tb.Fatal(err)
		}
		rec, err := audit.Record(ev.Entry())
		if err != nil {
			tb.Fatal(err)
		}
		recs = append(recs, rec)
	}
	return recs
}

func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkAppendCloudTrail stores IAMGATE_CT_EVENTS (default 50,000)
// CloudTrail events in a new store in one transaction, 2,000 an
// AppendAudit call, as import --cloudtrail does; it reports the CPU time
// (user + system) and the file's bytes per event.
func BenchmarkAppendCloudTrail(b *testing.B) {
	n := 50000
	if s := os.Getenv("IAMGATE_CT_EVENTS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	recs := cloudTrailRecords(b, n)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	var cpu time.Duration
	var size int64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "s.db")
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		c0 := cpuTime(b)
		if err := s.Update(ctx, func(tx store.Tx) error {
			for rs := recs; len(rs) > 0; {
				k := min(len(rs), 2000)
				if err := tx.AppendAudit(ctx, rs[:k]); err != nil {
					return err
				}
				rs = rs[k:]
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime(b) - c0
		b.StopTimer()
		fi, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		size += fi.Size()
		b.StartTimer()
	}
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/event")
	b.ReportMetric(float64(size)/float64(b.N)/float64(n), "bytes/event")
}
