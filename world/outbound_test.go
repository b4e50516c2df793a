package world_test

import (
	"testing"

	"github.com/iamgate/iamgate/world"
)

// An account's outbound web identity federation setting (IAM
// EnableOutboundWebIdentityFederation) is read from a world file, built,
// written back and deep-copied with the account.
func TestOutboundFederationRoundTrip(t *testing.T) {
	w, err := world.Parse("w.yaml", []byte(`accounts:
  - id: "111122223333"
    outboundWebIdentityFederation:
      enabled: true
      issuer: https://iam.example.test/outbound/111122223333
`))
	if err != nil {
		t.Fatal(err)
	}
	want := world.OutboundFederation{Enabled: true, Issuer: "https://iam.example.test/outbound/111122223333"}
	if o := w.Accounts.Get("111122223333").OutboundFederation; o == nil || *o != want {
		t.Fatalf("built: %+v", o)
	}
	fa := w.ToFile().Accounts[0]
	if fa.OutboundFederation == nil || *fa.OutboundFederation != want {
		t.Fatalf("written: %+v", fa.OutboundFederation)
	}
	c := world.CloneAccount(fa)
	c.OutboundFederation.Enabled = false
	if !fa.OutboundFederation.Enabled {
		t.Fatal("the clone shares the setting")
	}
	if b, a := world.Changed(fa, c); b.OutboundFederation == nil || a.OutboundFederation.Enabled {
		t.Fatalf("changed: %+v %+v", b.OutboundFederation, a.OutboundFederation)
	}
}
