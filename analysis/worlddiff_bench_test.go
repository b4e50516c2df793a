package analysis_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/internal/orggen"
	"github.com/iamgate/iamgate/world"
)

// Whole-world diff benchmarks on a generated organization (the preset
// IAMGATE_BENCH_ORG names, small by default): the world, and the same world
// with one change. Both are built once; each iteration diffs them (new
// and removed access, every catalog action). BENCHMARKS.md has the
// figures.

// diffChange edits a generated world's file.
type diffChange struct {
	name string
	edit func(fw *world.FileWorld)
}

var diffChanges = []diffChange{
	// One identity policy: an application role of a workload account may
	// also tag the objects of its account's bucket.
	{"role-policy", func(fw *world.FileWorld) {
		a := &fw.Accounts[scaleAccount]
		for i := range a.Roles {
			if a.Roles[i].Name == "app-0" {
				a.Roles[i].Policies = append(a.Roles[i].Policies, world.FileInline{Name: "diff-extra", Document: world.NewPolicySource([]byte(
					fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObjectTagging","Resource":"%s/*"}]}`, orggen.Bucket(scaleAccount, 0))))})
			}
		}
	}},
	// One resource policy: a bucket's policy gains a statement granting
	// another account.
	{"bucket-policy", func(fw *world.FileWorld) {
		a := &fw.Accounts[scaleAccount]
		for i := range a.Resources {
			if a.Resources[i].ARN != orggen.Bucket(scaleAccount, 0) {
				continue
			}
			var doc struct {
				Version   string
				Statement []any
			}
			if err := json.Unmarshal(a.Resources[i].Policy.JSON(), &doc); err != nil {
				panic(err)
			}
			doc.Statement = append(doc.Statement, map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": orggen.Account(scaleAccount + 1)},
				"Action": []string{"s3:GetObject", "s3:ListBucket"}, "Resource": []string{orggen.Bucket(scaleAccount, 0), orggen.Bucket(scaleAccount, 0) + "/*"}})
			b, err := json.Marshal(doc)
			if err != nil {
				panic(err)
			}
			a.Resources[i].Policy = world.NewPolicySource(b)
		}
	}},
	// An SCP change: ProdNoDelete detached from the Workloads-Prod OU
	// (every account under it).
	{"scp-detach", func(fw *world.FileWorld) {
		var walk func(ou *world.FileOU)
		walk = func(ou *world.FileOU) {
			if ou.Name == "Workloads-Prod" {
				ou.SCPs = []string{"FullAWSAccess"}
			}
			for i := range ou.OUs {
				walk(&ou.OUs[i])
			}
		}
		walk(&fw.Organization.Root)
	}},
}

func BenchmarkWorldDiff(b *testing.B) {
	cfg := scaleConfig(b)
	old, err := world.Build("orggen", orggen.Generate(cfg))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range diffChanges {
		b.Run(c.name, func(b *testing.B) {
			fw := orggen.Generate(cfg)
			c.edit(fw)
			new, err := world.Build("orggen", fw)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			var d *analysis.WorldDiff
			for i := 0; i < b.N; i++ {
				d, err = analysis.DiffWorlds(old, new, analysis.DiffOptions{Time: scaleTime, Removed: true})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(d.New)), "new-rows")
			b.ReportMetric(float64(len(d.ChangedPrincipals)), "changed-principals")
			b.ReportMetric(float64(len(d.ChangedResources)), "changed-resources")
			b.ReportMetric(float64(d.Decided), "decided")
		})
	}
}
