package world_test

import (
	"encoding/json"
	"testing"

	"github.com/iamgate/iamgate/world"
)

// TestRebuildAsBuild: rebuilding only the changed account gives the world
// Build gives, and refuses what Build refuses, with the same errors.
func TestRebuildAsBuild(t *testing.T) {
	base := `organization:
  managementAccount: "100000000000"
  policies:
    Deny: {type: scp, document: {Version: "2012-10-17", Statement: [{Effect: Deny, Action: "s3:*", Resource: "*"}]}}
  root:
    accounts: ["100000000000", "200000000000"]
accounts:
  - id: "100000000000"
  - id: "200000000000"
    scps: [Deny]
    policies:
      - {name: p, document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "*", Resource: "*"}]}}
    users:
      - {name: alice, managedPolicies: ["arn:aws:iam::200000000000:policy/p"]}
    resources:
      - {arn: "arn:aws:s3:::b", policy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*"}]}}
`
	prev, err := world.Parse("w.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	fw := prev.ToFile()
	for _, c := range []struct {
		name   string
		change func(a *world.FileAccount)
	}{
		{"add a user", func(a *world.FileAccount) { a.Users = append(a.Users, world.FileUser{Name: "bob", Groups: nil}) }},
		{"remove the policy still attached", func(a *world.FileAccount) { a.Policies = nil }},
		{"a group that does not exist", func(a *world.FileAccount) { a.Users[0].Groups = []string{"nope"} }},
		{"names differing in case", func(a *world.FileAccount) { a.Users = append(a.Users, world.FileUser{Name: "ALICE"}) }},
		{"an SCP not defined", func(a *world.FileAccount) { a.SCPs = []string{"Nope"} }},
		{"a bucket twice", func(a *world.FileAccount) {
			a.Resources = append(a.Resources, world.FileResource{ARN: "arn:aws:s3:::b"})
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			next := *fw
			next.Accounts = append([]world.FileAccount(nil), fw.Accounts...)
			acct := world.CloneAccount(next.Accounts[1])
			c.change(&acct)
			next.Accounts[1] = acct
			full, ferr := world.Build("api", &next)
			part, perr := world.Rebuild("api", &next, prev, []string{acct.ID})
			if (ferr == nil) != (perr == nil) || ferr != nil && ferr.Error() != perr.Error() {
				t.Fatalf("Build: %v\nRebuild: %v", ferr, perr)
			}
			if ferr != nil {
				return
			}
			a, _ := json.Marshal(full.ToFile())
			b, _ := json.Marshal(part.ToFile())
			if string(a) != string(b) {
				t.Fatalf("worlds differ:\nBuild   %s\nRebuild %s", a, b)
			}
		})
	}
}
