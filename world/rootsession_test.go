package world_test

import (
	"testing"

	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/world"
)

// A root session (STS AssumeRoot) is its account's root user scoped by
// its task policy, which AWS writes as denies only (the IAM User Guide,
// "Perform a privileged task on an AWS Organizations member account");
// it is never served the root user's cached decisions, nor the root user
// the session's, and its requests carry aws:AssumedRoot. A root session
// without a task policy may do nothing.
func TestRootSessionIsNotTheRootUser(t *testing.T) {
	w, err := world.Parse("w.yaml", []byte(`accounts:
  - id: "222222222222"
`))
	if err != nil {
		t.Fatal(err)
	}
	root, err := w.Caller("arn:aws:iam::222222222222:root")
	if err != nil {
		t.Fatal(err)
	}
	task, err := world.SessionPolicy([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":"iam:GetAccountSummary","Resource":"*"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	acct := w.Accounts.Get("222222222222")
	sess := world.RootSessionCaller(acct, &world.RootSession{TaskPolicyARN: "arn:aws:iam::aws:policy/root-task/Example", Policies: []*engine.Policy{task}})
	empty := world.RootSessionCaller(acct, &world.RootSession{})
	decide := func(c *world.Caller, action string, ctx map[string][]string) engine.Decision {
		t.Helper()
		q, err := w.Prepare(world.Request{Caller: c, Action: action, Resource: "*", Context: ctx})
		if err != nil {
			t.Fatal(err)
		}
		return engine.Authorize(q).Decision
	}
	for i, tc := range []struct {
		caller *world.Caller
		action string
		want   engine.Decision
	}{
		{root, "iam:CreateUser", engine.Allowed},
		{sess, "iam:CreateUser", engine.ExplicitDeny},
		{sess, "iam:GetAccountSummary", engine.Allowed},
		{root, "iam:CreateUser", engine.Allowed},
		{empty, "iam:GetAccountSummary", engine.ExplicitDeny},
	} {
		if got := decide(tc.caller, tc.action, nil); got != tc.want {
			t.Errorf("%d: %s %s: %v, want %v", i, tc.caller.Principal, tc.action, got, tc.want)
		}
	}
	if sess.Principal != root.Principal {
		t.Fatalf("principal %s, want %s", sess.Principal, root.Principal)
	}
	req, err := w.Gather(world.Request{Caller: sess, Action: "iam:GetAccountSummary", Resource: "*"})
	if err != nil {
		t.Fatal(err)
	}
	if v := req.Context["aws:assumedroot"]; len(v) != 1 || v[0] != "true" {
		t.Fatalf("aws:AssumedRoot: %v", v)
	}
	if req, _ := w.Gather(world.Request{Caller: root, Action: "iam:GetAccountSummary", Resource: "*"}); req.Context["aws:assumedroot"] != nil {
		t.Fatal("the root user's requests carry aws:AssumedRoot")
	}
}
