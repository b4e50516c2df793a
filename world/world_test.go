package world_test

import (
	"strings"
	"testing"
	"time"

	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/world"
)

func load(t *testing.T) *world.World {
	t.Helper()
	w, err := world.LoadFile("testdata/org.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func decide(t *testing.T, w *world.World, principal, action, resource string, ctx map[string][]string) *engine.Explanation {
	t.Helper()
	c, err := w.Caller(principal)
	if err != nil {
		t.Fatal(err)
	}
	e, err := w.Decide(world.Request{Caller: c, Action: action, Resource: resource, Context: ctx, Time: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestGatherAndDecide(t *testing.T) {
	w := load(t)
	eu := map[string][]string{"aws:RequestedRegion": {"eu-central-1"}}
	us := map[string][]string{"aws:RequestedRegion": {"us-east-1"}}
	cases := []struct {
		name, principal, action, resource string
		ctx                               map[string][]string
		want                              engine.Decision
		layer                             engine.Layer
	}{
		{"group policy applies to its member (path in the ARN)", "arn:aws:iam::200000000000:user/team/alice", "s3:PutObject", "arn:aws:s3:::app-data/x", eu, engine.Allowed, engine.LayerIdentity},
		{"user without policies", "arn:aws:iam::200000000000:user/bob", "s3:PutObject", "arn:aws:s3:::app-data/x", eu, engine.ImplicitDeny, engine.LayerIdentity},
		{"SCP from the OU denies outside the EU", "arn:aws:iam::200000000000:user/team/alice", "s3:PutObject", "arn:aws:s3:::app-data/x", us, engine.ExplicitDeny, engine.LayerSCP},
		{"the management account is exempt from SCPs", "arn:aws:iam::100000000000:user/admin", "s3:PutObject", "arn:aws:s3:::mgmt/x", us, engine.Allowed, engine.LayerIdentity},
		{"RCP perimeter stops a principal outside the organization", "arn:aws:sts::400000000000:assumed-role/reader/s", "s3:GetObject", "arn:aws:s3:::app-data/report.csv", nil, engine.ExplicitDeny, engine.LayerRCP},
		{"the AWS managed key cannot be used from another account", "arn:aws:sts::400000000000:assumed-role/reader/s", "kms:Decrypt", "arn:aws:kms:eu-central-1:200000000000:key/aws-s3-key", map[string][]string{"kms:ViaService": {"s3.eu-central-1.amazonaws.com"}}, engine.ImplicitDeny, engine.LayerResource},
		{"the AWS managed key works through S3 in its own account", "arn:aws:sts::200000000000:assumed-role/chain/s", "kms:Decrypt", "arn:aws:kms:eu-central-1:200000000000:key/aws-s3-key", map[string][]string{"kms:ViaService": {"s3.eu-central-1.amazonaws.com"}, "aws:RequestedRegion": {"eu-central-1"}}, engine.Allowed, engine.LayerResource},
		{"the AWS managed key is not usable directly", "arn:aws:sts::200000000000:assumed-role/chain/s", "kms:Decrypt", "arn:aws:kms:eu-central-1:200000000000:key/aws-s3-key", eu, engine.ImplicitDeny, engine.LayerResource},
		{"a KMS alias finds its key", "arn:aws:sts::200000000000:assumed-role/chain/s", "kms:Decrypt", "arn:aws:kms:eu-central-1:200000000000:alias/aws/s3", eu, engine.ImplicitDeny, engine.LayerResource},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := decide(t, w, c.principal, c.action, c.resource, c.ctx)
			if e.Decision != c.want || e.Result.Layer != c.layer {
				t.Fatalf("got %s by %s, want %s by %s\n%s", e.Decision, e.Result.Layer, c.want, c.layer, e.Text())
			}
		})
	}
}

func TestWorldContextKeys(t *testing.T) {
	w := load(t)
	e := decide(t, w, "arn:aws:iam::200000000000:user/team/alice", "s3:GetObject", "arn:aws:s3:::app-data/x", nil)
	want := map[string]string{
		"aws:principalorgid":             "o-testorg001",
		"aws:principalorgpaths":          "o-testorg001/",
		"aws:principaltag/costcenter":    "0735",
		"aws:resourcetag/classification": "internal",
		"aws:resourceorgid":              "o-testorg001",
		"aws:username":                   "alice",
		"aws:principalarn":               "arn:aws:iam::200000000000:user/team/alice",
		"aws:resourceaccount":            "200000000000",
	}
	for k, v := range want {
		got := e.Context[k]
		if len(got) != 1 || !strings.HasPrefix(got[0], v) {
			t.Errorf("%s = %v, want %s", k, got, v)
		}
	}
	if p := e.Context["aws:principalorgpaths"][0]; !strings.HasSuffix(p, "/ou-test-workload/") || strings.Count(p, "/") != 3 {
		t.Errorf("org path %s", p)
	}
	if id := e.Context["aws:userid"][0]; !strings.HasPrefix(id, "AIDA") || len(id) != 21 {
		t.Errorf("aws:userid %s", id)
	}
}

// Session tags and transitive tags along a role chain (the IAM User Guide,
// "Passing session tags in AWS STS", "Chaining roles with session tags").
func TestRoleChainWithTags(t *testing.T) {
	w := load(t)
	alice, _ := w.Caller("arn:aws:iam::200000000000:user/team/alice")
	// alice's identity policy has no sts:AssumeRole: refused.
	res, err := w.AssumeRole(alice, world.AssumeRoleInput{RoleARN: "arn:aws:iam::200000000000:role/chain"})
	if err != nil || res.Caller != nil || res.Denied == nil || res.Denied.Result.Layer != engine.LayerIdentity {
		t.Fatalf("alice: %+v %v", res, err)
	}
	admin, _ := w.Caller("arn:aws:sts::200000000000:assumed-role/chain/first")
	res, err = w.AssumeRole(admin, world.AssumeRoleInput{RoleARN: "arn:aws:iam::200000000000:role/next", SessionName: "second",
		SessionTags: map[string]string{"Project": "apollo"}, TransitiveTagKeys: []string{"Project"}})
	if err != nil || res.Caller == nil {
		t.Fatalf("chain: %+v %v", res.Reason, err)
	}
	next := res.Caller
	if next.Principal != "arn:aws:sts::200000000000:assumed-role/next/second" || next.Tags()["Project"] != "apollo" || !next.Session.Chained {
		t.Fatalf("session %+v", next.Session)
	}
	e, _ := w.Decide(world.Request{Caller: next, Action: "s3:GetObject", Resource: "arn:aws:s3:::app-data/x", Context: map[string][]string{"aws:RequestedRegion": {"eu-west-1"}}})
	if e.Decision != engine.Allowed {
		t.Fatalf("tagged session: %s", e.Text())
	}
	// A transitive tag cannot be changed further down the chain.
	again, err := w.AssumeRole(next, world.AssumeRoleInput{RoleARN: "arn:aws:iam::200000000000:role/next", SessionTags: map[string]string{"Project": "gemini"}})
	if err != nil || again.Caller != nil || !strings.Contains(again.Reason, "transitively") {
		t.Fatalf("override: %+v %v", again, err)
	}
	// Session policies limit the session.
	res, _ = w.AssumeRole(admin, world.AssumeRoleInput{RoleARN: "arn:aws:iam::200000000000:role/next", SessionTags: map[string]string{"Project": "apollo"},
		SessionPolicy: []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`)})
	e, _ = w.Decide(world.Request{Caller: res.Caller, Action: "s3:GetObject", Resource: "arn:aws:s3:::app-data/x", Context: map[string][]string{"aws:RequestedRegion": {"eu-west-1"}}})
	if e.Decision != engine.ImplicitDeny || e.Result.Layer != engine.LayerSession {
		t.Fatalf("session policy: %s", e.Text())
	}
	// The root user cannot assume roles.
	root, _ := w.Caller("200000000000")
	if r, _ := w.AssumeRole(root, world.AssumeRoleInput{RoleARN: "arn:aws:iam::200000000000:role/chain"}); r.Caller != nil || !strings.Contains(r.Reason, "root") {
		t.Fatalf("root: %+v", r)
	}
}

// Callers from accounts the world does not describe are external: their root
// user passes its own side, their roles have no policies.
func TestExternalCallers(t *testing.T) {
	w := load(t)
	e := decide(t, w, "999999999999", "kms:Decrypt", "arn:aws:kms:us-east-1:100000000000:key/k", nil)
	if e.Decision != engine.ImplicitDeny || e.Result.Layer != engine.LayerResource {
		t.Fatalf("external root: %s", e.Text())
	}
	e = decide(t, w, "arn:aws:iam::400000000000:root", "s3:GetObject", "arn:aws:s3:::app-data/x", nil)
	if e.Decision != engine.ExplicitDeny {
		t.Fatalf("root outside the organization meets the RCP perimeter: %s", e.Text())
	}
	e = decide(t, w, "arn:aws:iam::999999999999:role/x", "kms:Decrypt", "arn:aws:kms:us-east-1:100000000000:key/k", nil)
	if e.Decision != engine.ImplicitDeny || e.Result.Layer != engine.LayerIdentity {
		t.Fatalf("external role: %s", e.Text())
	}
	if _, err := w.Caller("arn:aws:iam::200000000000:user/nobody"); err == nil {
		t.Fatal("an unknown user of a known account must be an error")
	}
}

func TestBadWorlds(t *testing.T) {
	cases := map[string]string{
		"unknown group":         "accounts:\n  - id: \"111111111111\"\n    users: [{name: u, groups: [nope]}]\n",
		"case-only duplicate":   "accounts:\n  - id: \"111111111111\"\n    users: [{name: Bob}, {name: bob}]\n",
		"missing trust":         "accounts:\n  - id: \"111111111111\"\n    roles: [{name: r}]\n",
		"bad account ID":        "accounts:\n  - id: 12\n",
		"unknown managed":       "accounts:\n  - id: \"111111111111\"\n    users: [{name: u, managedPolicies: [\"arn:aws:iam::111111111111:policy/nope\"]}]\n",
		"bad policy":            "accounts:\n  - id: \"111111111111\"\n    users: [{name: u, policies: [{name: p, document: {Statement: {Effect: allow, Action: '*', Resource: '*'}}}]}]\n",
		"unknown field":         "accounts:\n  - id: \"111111111111\"\n    userz: []\n",
		"bad organization ID":   "organization: {id: o-short, root: {}}\naccounts: []\n",
		"unknown account in OU": "organization: {root: {accounts: [\"999999999999\"]}}\naccounts: []\n",
	}
	for name, src := range cases {
		if _, err := world.Parse("w.yaml", []byte(src)); err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.Contains(err.Error(), "w.yaml") && name != "bad policy" {
			t.Errorf("%s: error does not name the file: %v", name, err)
		}
	}
}

func TestConcurrentDecisions(t *testing.T) {
	w := load(t)
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func() {
			for i := 0; i < 200; i++ {
				c, _ := w.Caller("arn:aws:iam::200000000000:user/team/alice")
				if _, err := w.Decide(world.Request{Caller: c, Action: "s3:GetObject", Resource: "arn:aws:s3:::app-data/x"}); err != nil {
					t.Error(err)
				}
				w.ManagedPolicy("arn:aws:iam::aws:policy/ReadOnlyAccess")
			}
			done <- true
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}

// A group's ARN stands for a member holding only the group's policies, as
// SimulatePrincipalPolicy takes it ("If you specify a user, group, or role,
// the simulation includes all policies that are associated with that
// entity", IAM API Reference, SimulatePrincipalPolicy).
func TestGroupCaller(t *testing.T) {
	src := `accounts:
  - id: "111111111111"
    groups:
      - name: readers
        path: /teams/
        policies:
          - name: read
            document: {Statement: {Effect: Allow, Action: "s3:GetObject", Resource: "*", Condition: {StringEquals: {"aws:username": "bob"}}}}
      - name: writers
        policies:
          - name: write
            document: {Statement: {Effect: Allow, Action: "s3:PutObject", Resource: "*"}}
    users:
      - name: bob
        groups: [readers]
        policies:
          - name: own
            document: {Statement: {Effect: Allow, Action: "s3:DeleteObject", Resource: "*"}}
`
	w, err := world.Parse("w.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.GroupCaller("arn:aws:iam::111111111111:group/readers", ""); err == nil {
		t.Fatal("a group ARN without its path was accepted")
	}
	c, err := w.GroupCaller("arn:aws:iam::111111111111:group/teams/readers", "")
	if err != nil {
		t.Fatal(err)
	}
	for action, want := range map[string]engine.Decision{
		"s3:GetObject":    engine.ImplicitDeny, // the group's policy needs aws:username bob; the stand-in is member-of-readers
		"s3:PutObject":    engine.ImplicitDeny, // another group's policy
		"s3:DeleteObject": engine.ImplicitDeny, // a member's own policy
	} {
		e, err := w.Decide(world.Request{Caller: c, Action: action, Resource: "arn:aws:s3:::b/k"})
		if err != nil {
			t.Fatal(err)
		}
		if e.Decision != want {
			t.Errorf("%s: %v, want %v", action, e.Decision, want)
		}
	}
	// Simulated as bob (CallerArn), the engine derives aws:username bob.
	bob, err := w.GroupCaller("arn:aws:iam::111111111111:group/teams/readers", "arn:aws:iam::111111111111:user/bob")
	if err != nil {
		t.Fatal(err)
	}
	e, err := w.Decide(world.Request{Caller: bob, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"})
	if err != nil || e.Decision != engine.Allowed {
		t.Fatalf("as bob: %v %v", e, err)
	}
	if e, _ := w.Decide(world.Request{Caller: bob, Action: "s3:DeleteObject", Resource: "arn:aws:s3:::b/k"}); e.Decision != engine.ImplicitDeny {
		t.Fatalf("bob's own policy leaked into the group's simulation: %v", e.Decision)
	}
	if _, err := w.GroupCaller("arn:aws:iam::111111111111:group/nope", ""); err == nil {
		t.Fatal("unknown group accepted")
	}
}

// A bad policy in a world file is reported with the file and the position
// in it, iamgate's detail, and beside it the words IAM's API answers for the
// same document (IAM User Guide, "Troubleshoot IAM policies": a lower-case
// Effect fails IAM's legacy parsing; real output quoted in
// hashicorp/terraform#10057: "The policy failed legacy parsing").
func TestBadPolicyNamesTheFileAndIAMsWords(t *testing.T) {
	src := "accounts:\n  - id: \"111111111111\"\n    users:\n      - name: u\n        policies:\n          - name: p\n            document: {\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}\n"
	_, err := world.Parse("w.yaml", []byte(src))
	if err == nil {
		t.Fatal("accepted")
	}
	msg := err.Error()
	for _, want := range []string{"w.yaml:7", "user u policy p", "Statement[0].Effect", `got "allow"`, "(IAM: The policy failed legacy parsing)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error does not say %q:\n%s", want, msg)
		}
	}
}

// A session of a service-linked role is exempt from SCPs because its role
// is at /aws-service-role/ (AWS Organizations user guide, "Service control
// policies": SCPs do not affect service-linked roles), not because of its
// name: a role anyone can create at "/" and call AWSServiceRoleForX stays
// under the organization's SCPs, and so do its sessions.
func TestServiceLinkedByPathNotName(t *testing.T) {
	const doc = `
organization:
  managementAccount: "100000000000"
  policies:
    DenyS3: {type: scp, document: {Version: "2012-10-17", Statement: [{Effect: Deny, Action: "s3:*", Resource: "*"}]}}
  id: o-testorg001
  root:
    accounts: ["100000000000"]
    ous:
      - {name: W, id: ou-test-w, scps: [FullAWSAccess, DenyS3], accounts: ["200000000000"]}
accounts:
  - {id: "100000000000", name: management}
  - id: "200000000000"
    name: app
    roles:
      - name: AWSServiceRoleForSupport
        path: /aws-service-role/support.amazonaws.com/
        trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: support.amazonaws.com}, Action: sts:AssumeRole}]}
        policies: [{name: all, document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "*", Resource: "*"}]}}]
      - name: AWSServiceRoleForFake
        trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {AWS: "200000000000"}, Action: sts:AssumeRole}]}
        policies: [{name: all, document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "*", Resource: "*"}]}}]
`
	w, err := world.Parse("slr.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		principal string
		want      engine.Decision
	}{
		{"arn:aws:iam::200000000000:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport", engine.Allowed},
		{"arn:aws:sts::200000000000:assumed-role/AWSServiceRoleForSupport/s", engine.Allowed},
		{"arn:aws:iam::200000000000:role/AWSServiceRoleForFake", engine.ExplicitDeny},
		{"arn:aws:sts::200000000000:assumed-role/AWSServiceRoleForFake/s", engine.ExplicitDeny},
	} {
		if e := decide(t, w, c.principal, "s3:GetObject", "arn:aws:s3:::b/k", nil); e.Decision != c.want {
			t.Errorf("%s: %s, want %s\n%s", c.principal, e.Decision, c.want, e.Text())
		}
	}
}
