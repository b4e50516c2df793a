package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/importer"
	"github.com/iamgate/iamgate/store"
)

// cloudTrailBatch is how many records one AppendAudit call stores.
const cloudTrailBatch = 2000

// parsedFile is one log file's records, or the error that stopped it.
type parsedFile struct {
	recs []store.AuditRecord
	err  error
}

// runImportCloudTrail stores the events of CloudTrail log files in the
// audit log, in one transaction: a malformed record stores nothing.
// Files are parsed in parallel and stored in name order.
func runImportCloudTrail(ctx context.Context, p importParams, stdout io.Writer) (int, error) {
	var files []string
	var total int64
	for _, path := range p.cloudtrail {
		fs, err := importer.CloudTrailFiles(path)
		if err != nil {
			return ExitUsage, err
		}
		for _, f := range fs {
			fi, err := os.Stat(f)
			if err != nil {
				return ExitUsage, err
			}
			total += fi.Size()
		}
		files = append(files, fs...)
	}
	s, err := createStore(ctx, p.store)
	if err != nil {
		return ExitUsage, err
	}
	defer s.Close()
	var bar *progressbar.ProgressBar
	progress := func(int64) {}
	if p.progress != nil {
		bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(p.progress), progressbar.OptionSetDescription("cloudtrail"),
			progressbar.OptionShowBytes(true), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish())
		progress = func(n int64) { _ = bar.Add64(n) }
	}
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]chan parsedFile, len(files))
	for i := range results {
		results[i] = make(chan parsedFile, 1)
	}
	// Workers parse ahead of the writer by at most 2 files each.
	workers := max(1, runtime.GOMAXPROCS(0))
	sem := make(chan struct{}, 2*workers)
	next := make(chan int)
	go func() {
		defer close(next)
		for i := range files {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range workers {
		go func() {
			for i := range next {
				results[i] <- parseCloudTrailFile(files[i], progress)
			}
		}()
	}
	var events int
	err = s.Update(ctx, func(tx store.Tx) error {
		for i := range files {
			var r parsedFile
			select {
			case r = <-results[i]:
			case <-ctx.Done():
				return ctx.Err()
			}
			<-sem
			if r.err != nil {
				return r.err
			}
			for recs := r.recs; len(recs) > 0; {
				n := min(len(recs), cloudTrailBatch)
				if err := tx.AppendAudit(ctx, recs[:n]); err != nil {
					return err
				}
				recs = recs[n:]
			}
			events += len(r.recs)
		}
		return nil
	})
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return ExitUsage, fmt.Errorf("nothing of the CloudTrail logs was stored: %w", err)
	}
	fmt.Fprintf(stdout, "cloudtrail: %d event(s) from %d file(s) stored in the audit log (%s)\n", events, len(files), time.Since(start).Round(time.Millisecond))
	return ExitOK, nil
}

func parseCloudTrailFile(name string, progress func(int64)) parsedFile {
	var out parsedFile
	out.err = importer.ReadCloudTrailFile(name, progress, func(i int, ev *importer.CloudTrailEvent) error {
		r, err := audit.Record(ev.Entry())
		if err != nil {
			return &importer.CloudTrailError{File: name, Record: i, Err: err}
		}
		out.recs = append(out.recs, r)
		return nil
	})
	return out
}
