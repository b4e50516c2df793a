package analysis

import (
	"fmt"
	"testing"

	"github.com/iamgate/iamgate/internal/orggen"
	"github.com/iamgate/iamgate/world"
)

// The differential tests again, on generated organizations
// (internal/orggen, the tiny preset and other seeds): the indexed who-can
// and can, which skip principals and resources of other accounts that the
// resource's policy does not name, equal the unindexed answers (every
// principal, every assumer, every action and resource), and every result
// is re-decided with its witness.

func orgWorld(t *testing.T, seed int64) *world.World {
	t.Helper()
	cfg := orggen.Tiny()
	cfg.Seed = seed
	w, err := world.Build("orggen", orggen.Generate(cfg))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func accessText(as []*Access) []string {
	var out []string
	for _, a := range as {
		out = append(out, fmt.Sprintf("%s=%s/%d", a.Principal, a.Decision, len(a.Via)))
	}
	return out
}

func TestWhoCanDifferentialOrg(t *testing.T) {
	seeds := 2
	if longRun() {
		seeds = 8
	}
	contexts := []map[string][]string{nil, {"aws:SecureTransport": {"true"}, "aws:MultiFactorAuthPresent": {"true"}}}
	var checked, rows, chained, cross int
	for seed := int64(1); seed <= int64(seeds); seed++ {
		w := orgWorld(t, seed)
		x := NewIndex(w)
		cfg := orggen.Tiny()
		type query struct {
			action, resource string
			account          int
		}
		var qs []query
		for i := 0; i < cfg.Accounts; i++ {
			qs = append(qs,
				query{"s3:GetObject", orggen.Bucket(i, 0) + "/a/b", i},
				query{"s3:ListBucket", orggen.Bucket(i, 0), i},
				query{"kms:Decrypt", orggen.Key(i, 0), i},
				query{"sqs:SendMessage", orggen.Queue(i, 0), i},
				query{"sns:Publish", orggen.Topic(i, 0), i},
				query{"secretsmanager:GetSecretValue", orggen.Secret(i, 0), i},
				query{"sts:AssumeRole", orggen.Role(i, "app-0"), i},
				query{"iam:PassRole", orggen.Role(i, "app-1"), i},
			)
		}
		for qi, qq := range qs {
			q := WhoCanQuery{Actions: []string{qq.action}, Resource: qq.resource, Context: contexts[qi%len(contexts)], Time: diffTime,
				Transitive: qi%3 != 2, MaxDepth: 4}
			got, err := x.WhoCan(q)
			if err != nil {
				t.Fatal(err)
			}
			q.NoIndex = true
			want, err := x.WhoCan(q)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := fmt.Sprint(accessText(got)), fmt.Sprint(accessText(want)); g != w {
				t.Fatalf("seed %d %s %s (transitive %v):\n got %s\nwant %s", seed, qq.action, qq.resource, q.Transitive, g, w)
			}
			for _, a := range got {
				if a.Decision == DecisionUnknown {
					continue
				}
				recheck(t, w, q, a)
				rows++
				if len(a.Via) > 0 {
					chained++
				}
				if e := x.byARN[a.Principal]; e != nil && e.account != orggen.Account(qq.account) {
					cross++
				}
			}
			checked++
		}
	}
	t.Logf("%d who-can queries on generated organizations equal to the unindexed answers (%d results re-decided, %d through chains, %d across accounts)", checked, rows, chained, cross)
	if chained == 0 || cross == 0 {
		t.Fatal("the generator exercises too little")
	}
}

func TestCanDifferentialOrg(t *testing.T) {
	w := orgWorld(t, 3)
	x := NewIndex(w)
	subjects := []string{
		orggen.Role(3, "app-0"), orggen.Role(4, "app-1"), orggen.Role(5, "app-2"), orggen.Role(3, "Admin"),
		orggen.User(4, "user-0"), orggen.User(1, "user-2"), orggen.Role(2, "ci-runner"), orggen.Role(1, "SecurityAdmin"),
		"arn:aws:iam::" + orggen.Account(4) + ":root", "lambda.amazonaws.com",
	}
	services := [][]string{{"s3", "sts"}, {"kms", "sqs", "sns", "secretsmanager"}}
	var perms, cross int
	for i, p := range subjects {
		q := CanQuery{Principal: p, Services: services[i%2], Time: diffTime}
		got, err := x.Can(q)
		if err != nil {
			t.Fatal(err)
		}
		q.NoIndex = true
		want, err := x.Can(q)
		if err != nil {
			t.Fatal(err)
		}
		if g, w := permText(got), permText(want); g != w {
			t.Fatalf("%s:\n got %s\nwant %s", p, g, w)
		}
		for _, pm := range got {
			if pm.Decision == DecisionUnknown {
				continue
			}
			recheck(t, w, WhoCanQuery{Resource: pm.Resource, Time: diffTime}, &Access{Principal: p, Action: pm.Action.FullName(), Decision: pm.Decision, Steps: []*Step{pm.Step}})
			perms++
			if e := x.byARN[p]; e != nil && x.arnAccount[pm.Resource] != "" && x.arnAccount[pm.Resource] != e.account {
				cross++
			}
		}
	}
	t.Logf("%d principals of a generated organization: can equals the unindexed answer; %d permissions re-decided, %d on other accounts' resources", len(subjects), perms, cross)
	if perms == 0 || cross == 0 {
		t.Fatal("the generator exercises too little")
	}
}
