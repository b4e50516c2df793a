package world_test

import (
	"encoding/json"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/iamgate/iamgate/world"
)

func delegationAccount() world.FileAccount {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return world.FileAccount{ID: "111122223333", DelegationRequests: []world.DelegationRequest{{
		ID: "dr-aaaaaaaaaaaaaaaaaaaaaaaa", OwnerAccount: "444455556666", Owner: "arn:aws:iam::444455556666:user/alice",
		Template: "arn:aws:iam::aws:policy/ReadOnlyAccess", Parameters: []world.DelegationParameter{{Name: "bucket", Type: "string", Values: []string{"b"}}},
		PermissionPolicy: `{"Version":"2012-10-17","Statement":[]}`, WorkflowID: "wf-1", Channel: "arn:aws:sns:us-east-1:111122223333:t",
		SessionDuration: 900, State: world.DelegationAccepted, Created: now, Updated: now, Expires: now.Add(7 * 24 * time.Hour),
		Approver: &world.DelegationApprover{ARN: "arn:aws:iam::444455556666:user/alice", Kind: "user", Name: "alice", PrincipalID: "AIDAX"},
	}}}
}

// A delegation request is one of the account's own fields: a change that
// selects them keeps it, a copy does not share it, and it round-trips
// through the stores' JSON and the world file's YAML.
func TestDelegationRequestsAreAccountFields(t *testing.T) {
	base := delegationAccount()
	sel := world.Select(base.ID, &base, []world.EntityRef{{Kind: world.EntityAccount}})
	part := sel.Copy()
	part.DelegationRequests[0].Parameters[0].Values[0] = "changed"
	part.DelegationRequests[0].Approver.Name = "changed"
	if base.DelegationRequests[0].Parameters[0].Values[0] != "b" || base.DelegationRequests[0].Approver.Name != "alice" {
		t.Fatal("the copy shares the request with the account")
	}
	part.DelegationRequests[0].State = world.DelegationFinalized
	after, changed, err := sel.Apply(&part)
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) != 1 || changed[0].Kind != world.EntityAccount || after.DelegationRequests[0].State != world.DelegationFinalized {
		t.Fatalf("changed %v, state %s", changed, after.DelegationRequests[0].State)
	}
	// A change that does not select the account's fields may not touch
	// its requests.
	other := world.Select(base.ID, &base, []world.EntityRef{{Kind: world.EntityUser, Name: "u"}})
	p := other.Copy()
	p.DelegationRequests = []world.DelegationRequest{{ID: "dr-bbbbbbbbbbbbbbbbbbbbbbbb"}}
	if _, _, err := other.Apply(&p); err == nil {
		t.Fatal("a change that did not select the account's fields added a delegation request")
	}

	data, err := json.Marshal(base)
	if err != nil {
		t.Fatal(err)
	}
	var back world.FileAccount
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	y, err := yaml.Marshal(back)
	if err != nil {
		t.Fatal(err)
	}
	var again world.FileAccount
	if err := yaml.Unmarshal(y, &again); err != nil {
		t.Fatal(err)
	}
	got, want := again.DelegationRequests[0], base.DelegationRequests[0]
	if got.ID != want.ID || got.State != want.State || !got.Expires.Equal(want.Expires) || *got.Approver != *want.Approver || got.Parameters[0].Values[0] != "b" {
		t.Fatalf("round trip: %+v, want %+v", got, want)
	}
}

// A world built from a file keeps its delegation requests when written
// back (iamgate import goes through World.ToFile).
func TestDelegationRequestsSurviveBuild(t *testing.T) {
	fa := delegationAccount()
	w, err := world.Build("test", &world.FileWorld{Accounts: []world.FileAccount{fa}})
	if err != nil {
		t.Fatal(err)
	}
	back := w.ToFile()
	if len(back.Accounts) != 1 || len(back.Accounts[0].DelegationRequests) != 1 || back.Accounts[0].DelegationRequests[0].ID != fa.DelegationRequests[0].ID {
		t.Fatalf("after Build and ToFile: %+v", back.Accounts)
	}
}

// A request past its Expires is EXPIRED whatever its stored state (the
// IAM User Guide, "Building your integration": the expiration path).
func TestDelegationRequestCurrent(t *testing.T) {
	d := delegationAccount().DelegationRequests[0]
	if got := d.Current(d.Expires.Add(-time.Second)); got != world.DelegationAccepted {
		t.Fatalf("before expiry: %s", got)
	}
	if got := d.Current(d.Expires); got != world.DelegationExpired {
		t.Fatalf("at expiry: %s", got)
	}
}
