// Command ctgen writes a synthetic world and CloudTrail log files whose
// ground truth of used and unused access is known (activity/synth):
// DIR/world.json, DIR/cloudtrail/*.json.gz (or .json with -gzip=false)
// and DIR/truth.json. The same -seed writes the same files.
//
//	go run ./bench/ctgen -seed 1 -events 1000000 -o /tmp/ct
package main

import (
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/iamgate/iamgate/activity/synth"
)

func main() {
	seed := flag.Uint64("seed", 1, "the seed")
	events := flag.Int("events", 2000, "how many events (at least one per used action-resource pair)")
	accounts := flag.Int("accounts", 2, "accounts holding principals")
	roles := flag.Int("roles", 6, "roles per account")
	users := flag.Int("users", 4, "users per account")
	per := flag.Int("per-file", 5000, "records per log file")
	gz := flag.Bool("gzip", true, "gzip the log files, as CloudTrail delivers them")
	now := flag.String("now", "2026-11-30T00:00:00Z", "the end of the 30 days the events cover")
	out := flag.String("o", "", "the output directory")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "ctgen: give -o DIR")
		os.Exit(2)
	}
	t, err := time.Parse(time.RFC3339, *now)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ctgen: -now:", err)
		os.Exit(2)
	}
	c := synth.Generate(synth.Options{Seed: *seed, Events: *events, Accounts: *accounts, Roles: *roles, Users: *users, Now: t})
	if err := write(*out, c, *per, *gz); err != nil {
		fmt.Fprintln(os.Stderr, "ctgen:", err)
		os.Exit(1)
	}
	fmt.Printf("%s: %d events in %s/cloudtrail\n", *out, len(c.Records), *out)
}

func write(dir string, c *synth.Corpus, per int, gz bool) error {
	if err := os.MkdirAll(filepath.Join(dir, "cloudtrail"), 0o755); err != nil {
		return err
	}
	wj, err := json.MarshalIndent(c.World, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "world.json"), append(wj, '\n'), 0o644); err != nil {
		return err
	}
	tj, err := json.MarshalIndent(c.Truth, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "truth.json"), append(tj, '\n'), 0o644); err != nil {
		return err
	}
	for i, b := range c.Files(per) {
		name := filepath.Join(dir, "cloudtrail", fmt.Sprintf("synth_CloudTrail_us-east-1_%05d.json", i))
		if !gz {
			if err := os.WriteFile(name, b, 0o644); err != nil {
				return err
			}
			continue
		}
		f, err := os.Create(name + ".gz")
		if err != nil {
			return err
		}
		zw := gzip.NewWriter(f)
		if _, err := zw.Write(b); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}
