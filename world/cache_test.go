package world_test

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/iamgate/iamgate/accesstest"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/world"
)

// TestCachedDecisionsAgree is the differential test of the decision cache:
// on every example world, the decisions and explanations prepared from the
// world's cached parts (Prepare) equal those gathered afresh, for each
// example test and for random requests, asked twice (cache cold, then
// warm).
func TestCachedDecisionsAgree(t *testing.T) {
	files, err := filepath.Glob("../examples/*/tests.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, file := range files {
		t.Run(filepath.Base(filepath.Dir(file)), func(t *testing.T) {
			f, err := accesstest.LoadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			w, err := world.LoadFile(f.WorldPath())
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range accesstest.Run(w, f, accesstest.Options{Now: at}) {
				if r.Err != nil || !r.Passed {
					t.Errorf("%s: got %v, err %v", r.Test.Name, r.Got, r.Err)
				}
			}
			var callers []*world.Caller
			actions := map[string]bool{"s3:GetObject": true, "S3:PutObject": true, "sts:AssumeRole": true, "STS:TagSession": true,
				"kms:Decrypt": true, "KMS:GenerateDataKey": true, "iam:PassRole": true, "iam:CreateUser": true, "sts:GetCallerIdentity": true,
				"dynamodb:GetItem": true, "glue:GetTable": true, "secretsmanager:GetSecretValue": true, "ec2:RunInstances": true}
			resources := map[string]bool{"*": true}
			for _, ft := range f.Tests {
				actions[ft.Action] = true
				if ft.Resource != "" {
					resources[ft.Resource] = true
				}
				if c, err := w.Caller(ft.Principal); err == nil {
					callers = append(callers, c)
					for _, s := range ft.Assume {
						res, err := w.AssumeRole(c, world.AssumeRoleInput{RoleARN: s.Role, SessionName: s.SessionName, ExternalID: s.ExternalID,
							SessionTags: s.SessionTags, TransitiveTagKeys: s.TransitiveTagKeys, PolicyARNs: s.PolicyARNs, SourceIdentity: s.SourceIdentity, Time: at})
						if err != nil || res.Caller == nil {
							break
						}
						c = res.Caller
						callers = append(callers, c)
					}
				}
			}
			for _, id := range sortedKeys(w.Accounts) {
				a := w.Accounts[id]
				if c, err := w.Caller(id); err == nil {
					callers = append(callers, c)
				}
				resources["arn:aws:s3:::nowhere-"+id+"/k"] = true
				resources["arn:aws:sqs:us-east-1:"+id+":q"] = true
				for _, name := range sortedKeys(a.Users) {
					u := a.Users[name]
					resources[u.ARN()] = true
					if c, err := w.Caller(u.ARN()); err == nil {
						callers = append(callers, c)
					}
				}
				for _, name := range sortedKeys(a.Roles) {
					r := a.Roles[name]
					resources[r.ARN()] = true
					if c, err := w.Caller(r.ARN()); err == nil {
						callers = append(callers, c)
					}
				}
				for _, name := range sortedKeys(a.Groups) {
					if c, err := w.GroupCaller(a.Groups[name].ARN(), ""); err == nil {
						callers = append(callers, c)
					}
				}
				for _, arn := range sortedKeys(a.Resources) {
					resources[arn] = true
					resources[arn+"/obj/key"] = true
				}
			}
			acts, ress := sortedKeys(actions), sortedKeys(resources)
			rng := rand.New(rand.NewSource(12))
			contexts := []map[string][]string{nil,
				{"aws:SourceIp": {"10.0.0.1"}, "aws:SecureTransport": {"true"}, "aws:RequestedRegion": {"eu-central-1"}},
				{"aws:sourceip": {"203.0.113.9"}, "aws:MultiFactorAuthPresent": {"false"}, "aws:PrincipalTag/team": {"x"}},
				{"AWS:USERNAME": {"someone"}, "aws:ResourceAccount": {"999999999999"}},
				// more keys than a Prepared holds inline (engine ownInline)
				{"aws:SourceIp": {"10.0.0.1"}, "aws:SecureTransport": {"false"}, "aws:RequestedRegion": {"us-east-1"},
					"aws:TokenIssueTime": {"2026-06-01T11:00:00Z"}, "aws:MultiFactorAuthPresent": {"true"}, "aws:MultiFactorAuthAge": {"60"},
					"aws:SourceIdentity": {"someone"}, "aws:PrincipalOrgID": {"o-other"}},
			}
			for i := 0; i < 3000 && len(callers) > 0; i++ {
				r := world.Request{Caller: callers[rng.Intn(len(callers))], Action: acts[rng.Intn(len(acts))], Resource: ress[rng.Intn(len(ress))],
					Context: contexts[rng.Intn(len(contexts))]}
				if rng.Intn(2) == 0 {
					r.Time = at
				}
				for pass := 0; pass < 2; pass++ {
					agree(t, w, r)
				}
			}
		})
	}
}

// reused is one Prepared that agree prepares every request into after the
// one before (PrepareInto), so that anything left of an earlier request
// would show as a difference.
var reused engine.Prepared

func agree(t *testing.T, w *world.World, r world.Request) {
	t.Helper()
	fast, ferr := w.Prepare(r)
	slow, serr := w.PrepareUncached(r)
	rerr := w.PrepareInto(&reused, r)
	if (ferr == nil) != (serr == nil) || (ferr == nil) != (rerr == nil) {
		t.Fatalf("%s %s %s: errors differ: %v / %v / reused %v", r.Caller.Principal, r.Action, r.Resource, ferr, serr, rerr)
	}
	if ferr != nil {
		return
	}
	ra, _ := json.Marshal(engine.Explain(&reused))
	if fa, _ := json.Marshal(engine.Explain(fast)); string(ra) != string(fa) {
		t.Fatalf("%s %s %s: a reused Prepared explains otherwise:\nreused %s\nfresh  %s", r.Caller.Principal, r.Action, r.Resource, ra, fa)
	}
	if a, b := engine.Authorize(fast), engine.Authorize(slow); a != b {
		t.Fatalf("%s %s %s: cached %v, gathered %v", r.Caller.Principal, r.Action, r.Resource, a, b)
	}
	a, _ := json.Marshal(engine.Explain(fast))
	b, _ := json.Marshal(engine.Explain(slow))
	if string(a) != string(b) {
		t.Fatalf("%s %s %s: explanations differ:\ncached   %s\ngathered %s", r.Caller.Principal, r.Action, r.Resource, a, b)
	}
	// As analysis asks: the same request with keys unknown or replaced.
	remove := []string{"aws:PrincipalTag/team", "AWS:SecureTransport", "aws:ResourceTag/Team", "aws:PrincipalOrgID", "kms:CallerAccount"}
	set := map[string][]string{"aws:SourceIp": {"192.0.2.1"}, "AWS:RequestedRegion": {"eu-west-1"}}
	fw, sw := fast.WithContext(set, remove), slow.WithContext(set, remove)
	if a, b := engine.Authorize(fw), engine.Authorize(sw); a != b {
		t.Fatalf("%s %s %s: with context changed: cached %v, gathered %v", r.Caller.Principal, r.Action, r.Resource, a, b)
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

// TestCacheNotStale: a policy detached in a world finalized again is not
// honoured from what the earlier state cached (the IAM User Guide,
// "Changes that I make are not always immediately visible" is AWS's
// eventual consistency; iamgate publishes each state whole).
func TestCacheNotStale(t *testing.T) {
	w, err := world.Parse("w.yaml", []byte(`accounts:
  - id: "111111111111"
    users:
      - {name: alice, managedPolicies: ["arn:aws:iam::aws:policy/AdministratorAccess"]}
`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := w.Caller("arn:aws:iam::111111111111:user/alice")
	if err != nil {
		t.Fatal(err)
	}
	decide := func() engine.Decision {
		q, err := w.Prepare(world.Request{Caller: c, Action: "s3:ListAllMyBuckets", Resource: "*"})
		if err != nil {
			t.Fatal(err)
		}
		return engine.Authorize(q).Decision
	}
	if got := decide(); got != engine.Allowed {
		t.Fatalf("before: %v", got)
	}
	c.User.Managed = nil
	if err := w.Finalize(); err != nil {
		t.Fatal(err)
	}
	if got := decide(); got != engine.ImplicitDeny {
		t.Fatalf("after detaching: %v, want implicit deny", got)
	}
}

// TestCachedARNsBounded: the cache by ARN text stops growing at its bound,
// and ARNs beyond it decide as the gathered path does.
func TestCachedARNsBounded(t *testing.T) {
	defer world.SetMaxCachedARNs(world.SetMaxCachedARNs(4))
	w, err := world.Parse("w.yaml", []byte(`accounts:
  - id: "111111111111"
    users:
      - {name: alice, policies: [{name: p, document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k1*"}]}}]}
    resources:
      - {arn: "arn:aws:s3:::b", policy: {Version: "2012-10-17", Statement: [{Effect: Deny, Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k13"}]}}
`))
	if err != nil {
		t.Fatal(err)
	}
	c, err := w.Caller("arn:aws:iam::111111111111:user/alice")
	if err != nil {
		t.Fatal(err)
	}
	for pass := 0; pass < 2; pass++ {
		for i := 0; i < 20; i++ {
			agree(t, w, world.Request{Caller: c, Action: "s3:GetObject", Resource: fmt.Sprintf("arn:aws:s3:::b/k%d", i)})
		}
	}
	if n := w.CachedARNs(); n != 4 {
		t.Fatalf("%d ARNs cached, want the bound 4", n)
	}
	// Concurrent requests, filling a cache of a larger bound (for -race).
	world.SetMaxCachedARNs(100)
	if err := w.Finalize(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				r := world.Request{Caller: c, Action: "s3:GetObject", Resource: fmt.Sprintf("arn:aws:s3:::b/k%d", (i*7+g)%150)}
				fast, err := w.Prepare(r)
				if err != nil {
					t.Error(err)
					return
				}
				slow, _ := w.PrepareUncached(r)
				if a, b := engine.Authorize(fast), engine.Authorize(slow); a != b {
					t.Errorf("%s: cached %v, gathered %v", r.Resource, a, b)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := w.CachedARNs(); n != 100 {
		t.Fatalf("%d ARNs cached, want the bound 100", n)
	}
}
