package world_test

import (
	"testing"
	"time"

	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/world"
)

const federationWorld = `
accounts:
  - id: "111111111111"
    users:
      - name: broker
        tags: {team: red}
        policies:
          - name: s3
            document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "s3:*", Resource: "*"}]}
    resources:
      - arn: arn:aws:s3:::named
        policy:
          Version: "2012-10-17"
          Statement:
            - {Effect: Allow, Principal: {AWS: "arn:aws:sts::111111111111:federated-user/bob"}, Action: s3:GetObject, Resource: "arn:aws:s3:::named/*"}
      - arn: arn:aws:s3:::account
        policy:
          Version: "2012-10-17"
          Statement:
            - {Effect: Allow, Principal: {AWS: "111111111111"}, Action: s3:GetObject, Resource: "arn:aws:s3:::account/*"}
`

// A federated user session (the STS API Reference, GetFederationToken; the
// IAM User Guide, "Permissions for GetFederationToken"): without a session
// policy it has no permissions, except what a resource-based policy naming
// the federated user grants; a policy naming only the account delegates to
// the session's own (empty) permissions. With a session policy, the
// intersection with the user's policies (for the root user, the session
// policies alone). Its principal keys are
// aws:userid ACCOUNT:NAME and aws:PrincipalType FederatedUser; a session
// tag (TEAM) overrides the user's tag of the same key ignoring case (team).
func TestFederatedUserSession(t *testing.T) {
	w, err := world.Parse("federation.yaml", []byte(federationWorld))
	if err != nil {
		t.Fatal(err)
	}
	user, err := w.Caller("arn:aws:iam::111111111111:user/broker")
	if err != nil {
		t.Fatal(err)
	}
	decide := func(c *world.Caller, action, resource string) *engine.Explanation {
		t.Helper()
		e, err := w.Decide(world.Request{Caller: c, Action: action, Resource: resource, Time: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	bare, err := w.Federate(user, "bob", map[string]string{"TEAM": "blue"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	scoped, err := w.Federate(user, "carol", nil, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","ec2:*"],"Resource":"*"}]}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	root, err := w.Caller("111111111111")
	if err != nil {
		t.Fatal(err)
	}
	rootScoped, err := w.Federate(root, "ops", nil, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	rootBare, err := w.Federate(root, "ops", nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name             string
		caller           *world.Caller
		action, resource string
		want             engine.Decision
	}{
		{"no session policy: nothing of the user's", bare, "s3:GetObject", "arn:aws:s3:::other/k", engine.ImplicitDeny},
		{"no session policy: a resource policy naming the federated user grants", bare, "s3:GetObject", "arn:aws:s3:::named/k", engine.Allowed},
		{"no session policy: a resource policy naming the account does not", bare, "s3:GetObject", "arn:aws:s3:::account/k", engine.ImplicitDeny},
		{"session policy and user allow", scoped, "s3:GetObject", "arn:aws:s3:::other/k", engine.Allowed},
		{"user allows, session policy does not", scoped, "s3:PutObject", "arn:aws:s3:::other/k", engine.ImplicitDeny},
		{"session policy allows, user does not", scoped, "ec2:RunInstances", "*", engine.ImplicitDeny},
		{"another federated user, by its own policies", scoped, "s3:GetObject", "arn:aws:s3:::named/k", engine.Allowed},
		{"the root user's session: what the session policy allows", rootScoped, "ec2:RunInstances", "*", engine.Allowed},
		{"the root user's session: nothing else", rootScoped, "s3:GetObject", "arn:aws:s3:::other/k", engine.ImplicitDeny},
		{"the root user's session without a session policy: nothing", rootBare, "ec2:RunInstances", "*", engine.ImplicitDeny},
	}
	for _, c := range cases {
		if e := decide(c.caller, c.action, c.resource); e.Decision != c.want {
			t.Errorf("%s: %s, want %s\n%s", c.name, e.Decision, c.want, e.Text())
		}
	}
	e := decide(bare, "s3:GetObject", "arn:aws:s3:::named/k")
	for k, v := range map[string]string{"aws:userid": "111111111111:bob", "aws:principaltype": "FederatedUser",
		"aws:principalarn": "arn:aws:sts::111111111111:federated-user/bob", "aws:principaltag/team": "blue"} {
		if got := e.Context[k]; len(got) != 1 || got[0] != v {
			t.Errorf("%s = %v, want %s", k, got, v)
		}
	}
	if _, ok := e.Context["aws:username"]; ok {
		t.Errorf("a federated user has no aws:username")
	}
}
