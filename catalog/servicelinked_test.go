package catalog_test

import (
	"strings"
	"testing"

	"github.com/iamgate/iamgate/catalog"
)

// Every service-linked role's policy is an AWS managed policy in the
// embedded data, under /aws-service-role/, and every row names its source.
func TestServiceLinkedRolePoliciesExist(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range catalog.ServiceLinkedRoles() {
		if seen[r.Service] {
			t.Errorf("%s listed twice", r.Service)
		}
		seen[r.Service] = true
		if _, ok := catalog.Managed().Lookup(r.PolicyARN()); !ok {
			t.Errorf("%s: %s is not in the managed policies", r.Service, r.PolicyARN())
		}
		if !strings.HasPrefix(r.RoleName, "AWSServiceRoleFor") || !strings.HasPrefix(r.Source, "https://docs.aws.amazon.com/") {
			t.Errorf("%s: role %q, source %q", r.Service, r.RoleName, r.Source)
		}
		if got := catalog.ServiceLinkedRoleFor(r.Service); got == nil || got.RoleName != r.RoleName {
			t.Errorf("ServiceLinkedRoleFor(%s) = %+v", r.Service, got)
		}
	}
	if catalog.ServiceLinkedRoleFor("AutoScaling.amazonaws.com") != nil || catalog.ServiceLinkedRoleFor("nope.amazonaws.com") != nil {
		t.Error("service principals are exact and case-sensitive")
	}
}
