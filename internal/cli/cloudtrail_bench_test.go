package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/iamgate/iamgate/activity/synth"
)

// cpuTime is the process's user and system CPU time so far.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchCorpus writes ctgen's corpus of n events (seed 1, files of 5,000
// gzipped records) under dir: world.json and cloudtrail/.
func benchCorpus(tb testing.TB, dir string, n int) {
	c := synth.Generate(synth.Options{Seed: 1, Events: n, Now: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)})
	wj, err := json.Marshal(c.World)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "world.json"), wj, 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "cloudtrail"), 0o700); err != nil {
		tb.Fatal(err)
	}
	for i, b := range c.Files(5000) {
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		if _, err := zw.Write(b); err != nil {
			tb.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "cloudtrail", fmt.Sprintf("synth_%05d.json.gz", i)), z.Bytes(), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkCloudTrailImportUnused imports IAMGATE_CT_EVENTS (default
// 50,000) synthetic CloudTrail events into a new SQLite store and runs
// access unused over it, as BENCHMARKS.md's CloudTrail section does with
// the binary; it reports each step's CPU time (user + system, the
// steadier figure on a shared machine) per event.
//
//	IAMGATE_CT_EVENTS=200000 go test ./internal/cli -run XXX -bench CloudTrailImportUnused -benchtime 1x
func BenchmarkCloudTrailImportUnused(b *testing.B) {
	n := 50000
	if s := os.Getenv("IAMGATE_CT_EVENTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n <= 0 {
			b.Fatalf("IAMGATE_CT_EVENTS=%q: want a positive number", s)
		}
	}
	dir := b.TempDir()
	benchCorpus(b, dir, n)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	var importCPU, reportCPU, importWall, reportWall time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := filepath.Join(b.TempDir(), "s.db")
		if code, err := runImport(ctx, importParams{store: db, worldFile: filepath.Join(dir, "world.json")}, io.Discard); code != ExitOK {
			b.Fatal(err)
		}
		b.StartTimer()
		c0, w0 := cpuTime(b), time.Now()
		if code, err := runImport(ctx, importParams{store: db, cloudtrail: []string{filepath.Join(dir, "cloudtrail")}}, io.Discard); code != ExitOK {
			b.Fatal(err)
		}
		c1, w1 := cpuTime(b), time.Now()
		src := activitySource{store: db, days: 30, now: "2026-11-30T00:00:00Z"}
		if code, err := runAccessUnused(ctx, accessUnusedParams{src: src, output: "text"}, io.Discard); code != ExitOK {
			b.Fatal(err)
		}
		importCPU += c1 - c0
		importWall += w1.Sub(w0)
		reportCPU += cpuTime(b) - c1
		reportWall += time.Since(w1)
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) / float64(n) }
	b.ReportMetric(per(importCPU), "import-cpu-ns/event")
	b.ReportMetric(per(importWall), "import-ns/event")
	b.ReportMetric(per(reportCPU), "report-cpu-ns/event")
	b.ReportMetric(per(reportWall), "report-ns/event")
}
