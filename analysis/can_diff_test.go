package analysis

import (
	"fmt"
	"sort"
	"testing"
)

// The can differential test: for every principal of generated worlds, the
// indexed answer equals brute force (every catalog action of a few
// services on every resource of its types), and every permission is
// re-decided with its witness.
func TestCanDifferential(t *testing.T) {
	worlds := 12
	if testing.Short() {
		worlds = 5
	}
	if longRun() {
		worlds = 120
	}
	services := [][]string{{"sqs", "kms", "sts"}, {"s3", "sqs"}}
	var principals, perms, conditional int
	for seed := int64(0); seed < int64(worlds); seed++ {
		w := smallWorld(t, 1000+seed)
		x := NewIndex(w)
		svc := services[seed%2]
		var subjects []string
		for _, e := range x.entities {
			subjects = append(subjects, e.arn)
		}
		subjects = append(subjects, "arn:aws:iam::111111111111:root", "lambda.amazonaws.com")
		for _, p := range subjects {
			q := CanQuery{Principal: p, Services: svc, Time: diffTime}
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
				t.Fatalf("seed %d %s:\n got %s\nwant %s", 1000+seed, p, g, w)
			}
			for _, pm := range got {
				if pm.Decision == DecisionUnknown {
					t.Fatalf("seed %d %s %s %s: unknown %s", 1000+seed, p, pm.Action.FullName(), pm.Resource, pm.Construct)
				}
				recheck(t, w, WhoCanQuery{Resource: pm.Resource, Time: diffTime}, &Access{Principal: p, Action: pm.Action.FullName(), Decision: pm.Decision, Via: nil, Steps: []*Step{pm.Step}})
				perms++
				if pm.Decision == DecisionAllowedIf {
					conditional++
				}
			}
			principals++
		}
	}
	t.Logf("%d principals: can equals brute force over catalog actions x resources; %d permissions re-decided (%d allowedIf)", principals, perms, conditional)
	if perms == 0 || conditional == 0 {
		t.Fatal("the generator exercises too little")
	}
}

func permText(ps []*Permission) string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s %s %s", p.Action.FullName(), p.Resource, p.Decision))
	}
	sort.Strings(out)
	return fmt.Sprint(out)
}
