package world_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/world"
	"go.yaml.in/yaml/v3"
)

// The organization's trusted services, delegated administrators and
// resource policy are fields of the organization in both encodings: YAML
// (what export writes; Parse accepts it) and JSON (the store's record).
func TestOrgAdminFieldsInBothEncodings(t *testing.T) {
	doc := `organization:
  id: o-abcdefghij
  managementAccount: "111111111111"
  root: {id: r-abcd, accounts: ["111111111111", "222222222222"]}
  trustedServices: [{servicePrincipal: config.amazonaws.com, enabled: 2026-01-02T03:04:05Z}]
  delegatedAdministrators: [{account: "222222222222", servicePrincipal: config.amazonaws.com}]
  resourcePolicy: {id: rp-abcdefgh, content: '{}'}
  rootAccess: [RootCredentialsManagement, RootSessions]
accounts: [{id: "111111111111"}, {id: "222222222222"}]
`
	if _, err := world.Parse("w.yaml", []byte(doc)); err != nil {
		t.Fatal(err)
	}
	var fw world.FileWorld
	if err := yaml.Unmarshal([]byte(doc), &fw); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(fw)
	if err != nil {
		t.Fatal(err)
	}
	var back world.FileWorld
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	o := back.Organization
	if len(o.TrustedServices) != 1 || o.TrustedServices[0].Enabled.IsZero() || len(o.DelegatedAdministrators) != 1 ||
		o.DelegatedAdministrators[0].Account != "222222222222" || o.ResourcePolicy == nil || o.ResourcePolicy.ID != "rp-abcdefgh" ||
		!o.RootAccessEnabled(world.RootSessions) || !o.RootAccessEnabled(world.RootCredentialsManagement) {
		t.Fatalf("after YAML and JSON: %s", data)
	}
}

// A feature of centralized root access that is not the model's
// FeatureType (botocore iam/2010-05-08: RootCredentialsManagement,
// RootSessions) is an error of the world file.
func TestRootAccessFeatureNames(t *testing.T) {
	doc := `organization:
  id: o-abcdefghij
  managementAccount: "111111111111"
  root: {id: r-abcd, accounts: ["111111111111"]}
  rootAccess: [RootSession]
accounts: [{id: "111111111111"}]
`
	if _, err := world.Parse("w.yaml", []byte(doc)); err == nil || !strings.Contains(err.Error(), `"RootSession"`) {
		t.Fatalf("got %v", err)
	}
}
