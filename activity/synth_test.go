package activity_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/iamgate/iamgate/activity"
	"github.com/iamgate/iamgate/activity/synth"
	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/importer"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/sqlite"
	"github.com/iamgate/iamgate/world"
)

// writeCorpus writes the corpus's events as CloudTrail log files, every
// other one gzipped, and returns the directory.
func writeCorpus(t testing.TB, c *synth.Corpus, per int) string {
	dir := t.TempDir()
	for i, b := range c.Files(per) {
		name := filepath.Join(dir, fmt.Sprintf("111111111111_CloudTrail_us-east-1_%04d.json", i))
		if i%2 == 1 {
			f, err := os.Create(name + ".gz")
			if err != nil {
				t.Fatal(err)
			}
			zw := gzip.NewWriter(f)
			if _, err := zw.Write(b); err != nil {
				t.Fatal(err)
			}
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(name, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func loadCorpus(t testing.TB, c *synth.Corpus, keep func(string) bool) (*world.World, *activity.Activity) {
	w, err := world.Build("synth", c.World)
	if err != nil {
		t.Fatal(err)
	}
	a := activity.New()
	a.KeepEvents = keep
	if err := a.ReadCloudTrail([]string{writeCorpus(t, c, 500)}, time.Time{}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	return w, a
}

// found is what the report says, in the truth's terms.
func found(r *activity.Report) synth.Truth {
	var f synth.Truth
	for _, p := range r.Principals {
		if p.Unused {
			f.UnusedPrincipals = append(f.UnusedPrincipals, p.ARN)
		}
		for _, k := range p.AccessKeys {
			if k.Unused {
				f.UnusedKeys = append(f.UnusedKeys, p.ARN+" "+k.ID)
			}
		}
		for _, g := range p.Groups {
			if g.Unused {
				f.UnusedMemberships = append(f.UnusedMemberships, p.ARN+" "+g.Group)
			}
		}
		for _, a := range p.UnusedActions {
			f.UnusedActions = append(f.UnusedActions, p.ARN+" "+a)
		}
		for _, a := range p.Unobservable {
			f.Unobservable = append(f.Unobservable, p.ARN+" "+a.Action)
		}
		for _, s := range p.UnusedServices {
			f.UnusedServices = append(f.UnusedServices, p.ARN+" "+s)
		}
		for _, tu := range p.Trust {
			if !tu.Exercised {
				f.UnexercisedTrust = append(f.UnexercisedTrust, p.ARN+" "+tu.Principal)
			}
		}
	}
	return f
}

// precisionRecall compares found with truth (case-insensitively).
func precisionRecall(truth, got []string) (p, r float64, missed, extra []string) {
	want := map[string]bool{}
	for _, s := range truth {
		want[strings.ToLower(s)] = true
	}
	have := map[string]bool{}
	for _, s := range got {
		have[strings.ToLower(s)] = true
	}
	tp := 0
	for s := range have {
		if want[s] {
			tp++
		} else {
			extra = append(extra, s)
		}
	}
	for s := range want {
		if !have[s] {
			missed = append(missed, s)
		}
	}
	sort.Strings(missed)
	sort.Strings(extra)
	p, r = 1, 1
	if len(have) > 0 {
		p = float64(tp) / float64(len(have))
	}
	if len(want) > 0 {
		r = float64(tp) / float64(len(want))
	}
	return p, r, missed, extra
}

// TestSyntheticUnusedPrecisionRecall: over seeded synthetic worlds whose
// CloudTrail events' ground truth is known, the unused-access report
// finds exactly the unused principals, keys, group memberships, actions,
// services and trust principals (precision and recall 100%), and lists
// the unobservable grants (iam:PassRole, DynamoDB item data events) as
// unobservable, never unused.
func TestSyntheticUnusedPrecisionRecall(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			c := synth.Generate(synth.Options{Seed: seed})
			w, a := loadCorpus(t, c, nil)
			now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
			r, err := activity.Unused(activity.UnusedQuery{World: w, Activity: a, Now: now, Observability: activity.Observability{CloudTrail: true}})
			if err != nil {
				t.Fatal(err)
			}
			f := found(r)
			for _, k := range []struct {
				name        string
				truth, have []string
			}{
				{"principals", c.Truth.UnusedPrincipals, f.UnusedPrincipals},
				{"access keys", c.Truth.UnusedKeys, f.UnusedKeys},
				{"group memberships", c.Truth.UnusedMemberships, f.UnusedMemberships},
				{"actions", c.Truth.UnusedActions, f.UnusedActions},
				{"unobservable", c.Truth.Unobservable, f.Unobservable},
				{"services", c.Truth.UnusedServices, f.UnusedServices},
				{"trust", c.Truth.UnexercisedTrust, f.UnexercisedTrust},
			} {
				p, rc, missed, extra := precisionRecall(k.truth, k.have)
				t.Logf("%s: %d true, precision %.0f%%, recall %.0f%%", k.name, len(k.truth), 100*p, 100*rc)
				if p != 1 || rc != 1 {
					t.Errorf("%s: precision %.3f recall %.3f\nmissed %v\nextra %v", k.name, p, rc, missed, extra)
				}
			}
		})
	}
}

// TestSyntheticGenerate: for every principal with activity, the generated
// policy grants exactly the pairs its events used (iam:PassRole inferred
// from CreateFunction's role parameter), replays all its logged calls
// allowed, and stays within the current access.
func TestSyntheticGenerate(t *testing.T) {
	for seed := uint64(1); seed <= 2; seed++ {
		c := synth.Generate(synth.Options{Seed: seed})
		w, a := loadCorpus(t, c, func(string) bool { return true })
		now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
		for _, p := range sortedKeys(c.Truth.UsedPairs) {
			g, err := activity.Generate(activity.GenerateQuery{World: w, Principal: p, Activity: a, Now: now})
			if err != nil {
				t.Errorf("seed %d %s: %v", seed, p, err)
				continue
			}
			var got []string
			for _, d := range g.Documents {
				var doc struct {
					Statement []struct{ Action, Resource []string }
				}
				if err := json.Unmarshal(d, &doc); err != nil {
					t.Fatal(err)
				}
				for _, s := range doc.Statement {
					for _, ac := range s.Action {
						for _, r := range s.Resource {
							got = append(got, ac+" "+r)
						}
					}
				}
			}
			pr, rc, missed, extra := precisionRecall(c.Truth.UsedPairs[p], got)
			if pr != 1 || rc != 1 {
				t.Errorf("seed %d %s: generated pairs: missed %v extra %v", seed, p, missed, extra)
			}
			if g.Replayed == 0 {
				t.Errorf("%s: nothing replayed", p)
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// loadCorpusStore imports the corpus's CloudTrail files into a SQLite
// store as import --cloudtrail does (importer records, one transaction,
// batches of 2,000) and reads the activity back from its audit log.
func loadCorpusStore(t testing.TB, c *synth.Corpus, keep func(string) bool) (*world.World, *activity.Activity) {
	w, err := world.Build("synth", c.World)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	files, err := importer.CloudTrailFiles(writeCorpus(t, c, 500))
	if err != nil {
		t.Fatal(err)
	}
	var recs []store.AuditRecord
	for _, f := range files {
		if err := importer.ReadCloudTrailFile(f, nil, func(_ int, ev *importer.CloudTrailEvent) error {
			r, err := audit.Record(ev.Entry())
			recs = append(recs, r)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Update(ctx, func(tx store.Tx) error {
		for rs := recs; len(rs) > 0; rs = rs[min(len(rs), 2000):] {
			if err := tx.AppendAudit(ctx, rs[:min(len(rs), 2000)]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if head, err := st.AuditHead(ctx); err != nil || head != int64(len(c.Records)) {
		t.Fatalf("%d of %d events stored (%v)", head, len(c.Records), err)
	}
	a := activity.New()
	a.KeepEvents = keep
	if err := a.ReadStore(ctx, st, "", time.Time{}, time.Time{}, "*"); err != nil {
		t.Fatal(err)
	}
	if a.Events != len(c.Records) {
		t.Fatalf("%d of %d events read back", a.Events, len(c.Records))
	}
	return w, a
}

// TestSyntheticUnusedFromStore: the same corpus imported into a store and
// read back from its audit log (every event stored and read, none lost)
// gives the report the files give: precision and recall 100%.
func TestSyntheticUnusedFromStore(t *testing.T) {
	for seed := uint64(1); seed <= 2; seed++ {
		c := synth.Generate(synth.Options{Seed: seed, Events: 5000})
		now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
		w, fromFiles := loadCorpus(t, c, nil)
		_, fromStore := loadCorpusStore(t, c, nil)
		want, err := activity.Unused(activity.UnusedQuery{World: w, Activity: fromFiles, Now: now, Observability: activity.Observability{CloudTrail: true}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := activity.Unused(activity.UnusedQuery{World: w, Activity: fromStore, Now: now, Observability: activity.Observability{CloudTrail: true}})
		if err != nil {
			t.Fatal(err)
		}
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		if string(gj) != string(wj) {
			t.Errorf("seed %d: the store's report\n%s\nthe files'\n%s", seed, gj, wj)
		}
		f := found(got)
		for _, k := range []struct {
			name        string
			truth, have []string
		}{
			{"principals", c.Truth.UnusedPrincipals, f.UnusedPrincipals},
			{"access keys", c.Truth.UnusedKeys, f.UnusedKeys},
			{"group memberships", c.Truth.UnusedMemberships, f.UnusedMemberships},
			{"actions", c.Truth.UnusedActions, f.UnusedActions},
			{"unobservable", c.Truth.Unobservable, f.Unobservable},
			{"services", c.Truth.UnusedServices, f.UnusedServices},
			{"trust", c.Truth.UnexercisedTrust, f.UnexercisedTrust},
		} {
			if p, rc, missed, extra := precisionRecall(k.truth, k.have); p != 1 || rc != 1 {
				t.Errorf("seed %d %s: precision %.3f recall %.3f\nmissed %v\nextra %v", seed, k.name, p, rc, missed, extra)
			}
		}
	}
}

// TestSyntheticGenerateFromStore: generate over the store's events grants
// exactly the pairs each principal used and replays its calls allowed.
func TestSyntheticGenerateFromStore(t *testing.T) {
	c := synth.Generate(synth.Options{Seed: 1})
	w, a := loadCorpusStore(t, c, func(string) bool { return true })
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	for _, p := range sortedKeys(c.Truth.UsedPairs) {
		g, err := activity.Generate(activity.GenerateQuery{World: w, Principal: p, Activity: a, Now: now})
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		var got []string
		for _, d := range g.Documents {
			var doc struct {
				Statement []struct{ Action, Resource []string }
			}
			if err := json.Unmarshal(d, &doc); err != nil {
				t.Fatal(err)
			}
			for _, s := range doc.Statement {
				for _, ac := range s.Action {
					for _, r := range s.Resource {
						got = append(got, ac+" "+r)
					}
				}
			}
		}
		if pr, rc, missed, extra := precisionRecall(c.Truth.UsedPairs[p], got); pr != 1 || rc != 1 {
			t.Errorf("%s: generated pairs: missed %v extra %v", p, missed, extra)
		}
		if g.Replayed == 0 {
			t.Errorf("%s: nothing replayed", p)
		}
	}
}
