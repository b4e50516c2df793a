package world_test

import (
	"strings"
	"testing"

	"github.com/iamgate/iamgate/world"
)

// A world file may hold policies of the management policy types (tag
// policies and the others of the Organizations API's PolicyType) with their
// attachments and tags: they are kept in the file but take no part in the
// built world's evaluation, which has only SCPs and RCPs, and ToFile gives
// them back. Any other type is an error.
func TestManagementPoliciesAreKeptButNotEvaluated(t *testing.T) {
	const doc = `
organization:
  id: o-abcdefghij
  managementAccount: "111111111111"
  policies:
    guard: {type: scp, document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "*", Resource: "*"}]}, tags: {owner: sec}}
    cost: {type: tag_policy, document: {tags: {costcenter: {tag_key: {"@@assign": CostCenter}}}}}
  root:
    id: r-abcd
    scps: [guard]
    tags: {scope: all}
    accounts: ["111111111111"]
  attached:
    r-abcd: [cost]
accounts:
  - id: "111111111111"
`
	w, err := world.Parse("w.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := w.Organization.Policies["cost"]; ok || w.Organization.Policies["guard"] == nil {
		t.Fatalf("policies of the built world: %v", w.Organization.Policies)
	}
	if w.Organization.Root.Tags["scope"] != "all" || w.Organization.Policies["guard"].Tags["owner"] != "sec" {
		t.Fatalf("tags: root %v, guard %v", w.Organization.Root.Tags, w.Organization.Policies["guard"].Tags)
	}
	// Given back in the file form (export, import).
	fo := w.ToFile().Organization
	if fo.Policies["cost"].Type != "tag_policy" || string(fo.Policies["cost"].Document.JSON()) == "" || fo.Attached["r-abcd"][0] != "cost" ||
		fo.Root.Tags["scope"] != "all" || fo.Policies["guard"].Tags["owner"] != "sec" {
		t.Fatalf("ToFile: %+v", fo)
	}
	if _, err := world.Parse("w.yaml", []byte(strings.Replace(doc, "type: tag_policy", "type: nonsense", 1))); err == nil {
		t.Fatal("a policy of an unknown type was accepted")
	}
}
