package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// Red-team negative tests of the wire layer: requests that try to make the
// checks before a handler read something other than what the handler acts
// on. Each must be refused, and change nothing.

// Organizations' own tag rules (no aws: key, unique keys: botocore
// organizations/2016-11-28 InvalidInputExceptionReason
// INVALID_SYSTEM_TAGS_PARAMETER and DUPLICATE_TAG_KEY) are checked on the
// members the handler reads, whose names are exact: a second member named
// "tags" or "key" in another case (which Go's JSON decoder would fold onto
// Tags or Key) does not hide the real ones from the check.
func TestRedTeamOrganizationsTagRulesSeeTheExactMembers(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	root := *must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id
	for _, tc := range []struct{ name, op, body string }{
		{"a second tags list, in lower case", "CreateOrganizationalUnit",
			`{"ParentId":"` + root + `","Name":"sneaky1","Tags":[{"Key":"aws:owner","Value":"x"}],"tags":[]}`},
		{"a second key, in lower case", "CreateOrganizationalUnit",
			`{"ParentId":"` + root + `","Name":"sneaky2","Tags":[{"Key":"aws:owner","Value":"x","key":"fine"}]}`},
		{"duplicate keys hidden by a second key", "CreateOrganizationalUnit",
			`{"ParentId":"` + root + `","Name":"sneaky3","Tags":[{"Key":"a","Value":"x"},{"Key":"a","KEY":"b","Value":"y"}]}`},
		{"TagResource: a second tags list", "TagResource",
			`{"ResourceId":"` + root + `","Tags":[{"Key":"aws:owner","Value":"x"}],"TAGS":[]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postJSONBody(t, e, tc.op, tc.body)
			if status != 400 || !strings.Contains(string(body), "InvalidInputException") {
				t.Errorf("%s: %d %s", tc.body, status, body)
			}
		})
	}
	ous := must[*organizations.ListOrganizationalUnitsForParentOutput](t)(oc.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: &root}))
	if len(ous.OrganizationalUnits) != 0 {
		t.Errorf("refused requests created OUs: %+v", ous.OrganizationalUnits)
	}
	tags := must[*organizations.ListTagsForResourceOutput](t)(oc.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: &root}))
	if len(tags.Tags) != 0 {
		t.Errorf("refused requests tagged the root: %+v", tags.Tags)
	}
}
