package server_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	apimodel "github.com/iamgate/iamgate/api/model"
	"github.com/iamgate/iamgate/world"
)

// Every policy type of botocore organizations/2016-11-28's PolicyType is
// stored: SCPs and RCPs, and the management policy types the world knows.
func TestOrganizationPolicyTypesAreTheModels(t *testing.T) {
	var want []string
	for _, v := range apimodel.Organizations.Shape("PolicyType").Enum {
		if v != "SERVICE_CONTROL_POLICY" && v != "RESOURCE_CONTROL_POLICY" {
			want = append(want, strings.ToLower(v))
		}
	}
	got := slices.Clone(world.ManagementPolicyTypes)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("world.ManagementPolicyTypes = %v, the model's management types %v", got, want)
	}
}

// orgPolicyTypesTest drives the policy operations with the management
// policy types (run from TestOrganizationSCP). The rules: the Organizations
// User Guide, "Management policy types" (JSON content, attached to the
// root, OUs and accounts, no AWS managed policy attached by default, no
// effect on authorization, which only SCPs and RCPs have) and "Quotas for
// AWS Organizations" (the maximum size of a policy document: tag policies
// 10,000 characters, AI services opt-out policies 2,500); the error codes
// are the operations' in botocore organizations/2016-11-28, and
// organizations:PolicyType the Service Authorization Reference's.
func orgPolicyTypesTest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	s := aws.String
	tagType := orgtypes.PolicyTypeTagPolicy

	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}))
	root := *must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id
	ou := *must[*organizations.CreateOrganizationalUnitOutput](t)(oc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: &root, Name: s("W")})).OrganizationalUnit.Id
	member := *must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: s("m@example.com"), AccountName: s("m")})).CreateAccountStatus.AccountId
	must[*organizations.MoveAccountOutput](t)(oc.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: &member, SourceParentId: &root, DestinationParentId: &ou}))

	// Every management type: created, listed alone under its type,
	// described, attached once enabled, disabled, deleted.
	for _, v := range apimodel.Organizations.Shape("PolicyType").Enum {
		typ := orgtypes.PolicyType(v)
		if typ == orgtypes.PolicyTypeServiceControlPolicy || typ == orgtypes.PolicyTypeResourceControlPolicy {
			continue
		}
		content := `{"note":{"@@assign":"` + v + `"}}`
		p := must[*organizations.CreatePolicyOutput](t)(oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: s("p-" + v), Description: s(v),
			Type: typ, Content: s(content)})).Policy
		if p.PolicySummary.Type != typ || p.PolicySummary.AwsManaged || !strings.Contains(*p.PolicySummary.Arn, ":policy/") ||
			!strings.HasSuffix(*p.PolicySummary.Arn, "/"+strings.ToLower(v)+"/"+*p.PolicySummary.Id) || *p.Content != content {
			t.Fatalf("%s: created %+v %s", v, p.PolicySummary, *p.Content)
		}
		list := must[*organizations.ListPoliciesOutput](t)(oc.ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: typ})).Policies
		if len(list) != 1 || *list[0].Id != *p.PolicySummary.Id {
			t.Fatalf("%s: listed %+v", v, list)
		}
		if got := *must[*organizations.DescribePolicyOutput](t)(oc.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: p.PolicySummary.Id})).Policy.Content; got != content {
			t.Fatalf("%s: described %s", v, got)
		}
		_, err := oc.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: p.PolicySummary.Id, TargetId: &root})
		wantError(t, err, "PolicyTypeNotEnabledException", 400)
		r := must[*organizations.EnablePolicyTypeOutput](t)(oc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: &root, PolicyType: typ})).Root
		if !slices.ContainsFunc(r.PolicyTypes, func(s orgtypes.PolicyTypeSummary) bool {
			return s.Type == typ && s.Status == orgtypes.PolicyTypeStatusEnabled
		}) {
			t.Fatalf("%s: root %+v", v, r.PolicyTypes)
		}
		// No AWS managed policy of the type is attached by default.
		if got := must[*organizations.ListPoliciesForTargetOutput](t)(oc.ListPoliciesForTarget(ctx, &organizations.ListPoliciesForTargetInput{TargetId: &root, Filter: typ})).Policies; len(got) != 0 {
			t.Fatalf("%s: attached by default: %+v", v, got)
		}
		must[*organizations.AttachPolicyOutput](t)(oc.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: p.PolicySummary.Id, TargetId: &root}))
		if got := must[*organizations.ListPoliciesForTargetOutput](t)(oc.ListPoliciesForTarget(ctx, &organizations.ListPoliciesForTargetInput{TargetId: &root, Filter: typ})).Policies; len(got) != 1 {
			t.Fatalf("%s: for the root: %+v", v, got)
		}
		must[*organizations.DisablePolicyTypeOutput](t)(oc.DisablePolicyType(ctx, &organizations.DisablePolicyTypeInput{RootId: &root, PolicyType: typ}))
		if got := must[*organizations.ListTargetsForPolicyOutput](t)(oc.ListTargetsForPolicy(ctx, &organizations.ListTargetsForPolicyInput{PolicyId: p.PolicySummary.Id})).Targets; len(got) != 0 {
			t.Fatalf("%s: targets after disabling: %+v", v, got)
		}
		must[*organizations.DeletePolicyOutput](t)(oc.DeletePolicy(ctx, &organizations.DeletePolicyInput{PolicyId: p.PolicySummary.Id}))
	}

	// A tag policy in depth. 6,000 characters: more than an SCP may have,
	// within a tag policy's 10,000.
	big := `{"tags":{"costcenter":{"tag_value":{"@@assign":["` + strings.Repeat("a", 5950) + `"]}}}}`
	tp := must[*organizations.CreatePolicyOutput](t)(oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: s("cost"), Description: s(""), Type: tagType, Content: s(big)})).Policy.PolicySummary
	_, err := oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: s("scp-big"), Description: s(""), Type: orgtypes.PolicyTypeServiceControlPolicy, Content: s(big)})
	wantError(t, err, "ConstraintViolationException", 400)
	_, err = oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: s("too-big"), Description: s(""), Type: tagType, Content: s(`{"a":"` + strings.Repeat("a", 10000) + `"}`)})
	contains(t, wantError(t, err, "ConstraintViolationException", 400), "You have exceeded the maximum size of a policy (10,000 characters).")
	_, err = oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: s("opt-out"), Description: s(""), Type: orgtypes.PolicyTypeAiservicesOptOutPolicy, Content: s(`{"a":"` + strings.Repeat("a", 2500) + `"}`)})
	contains(t, wantError(t, err, "ConstraintViolationException", 400), "(2,500 characters)")
	for _, bad := range []string{`{"tags":`, `["a"]`, `"text"`, `null`, `not json`} {
		_, err = oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: s("bad"), Description: s(""), Type: tagType, Content: s(bad)})
		wantError(t, err, "MalformedPolicyDocumentException", 400)
		_, err = oc.UpdatePolicy(ctx, &organizations.UpdatePolicyInput{PolicyId: tp.Id, Content: s(bad)})
		wantError(t, err, "MalformedPolicyDocumentException", 400)
	}
	_, err = oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: s("cost"), Description: s(""), Type: tagType, Content: s(`{}`)})
	wantError(t, err, "DuplicatePolicyException", 400)
	updated := must[*organizations.UpdatePolicyOutput](t)(oc.UpdatePolicy(ctx, &organizations.UpdatePolicyInput{PolicyId: tp.Id, Name: s("costs"), Content: s(`{"tags":{}}`)})).Policy
	if *updated.Content != `{"tags":{}}` || *updated.PolicySummary.Name != "costs" || updated.PolicySummary.Type != tagType {
		t.Fatalf("updated: %+v", updated)
	}
	// Unknown types are the model's enum error.
	_, err = oc.ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: "NOT_A_POLICY"})
	wantError(t, err, "InvalidInputException", 400)

	must[*organizations.EnablePolicyTypeOutput](t)(oc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: &root, PolicyType: tagType}))
	_, err = oc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: &root, PolicyType: tagType})
	wantError(t, err, "PolicyTypeAlreadyEnabledException", 400)
	for _, target := range []string{ou, member, root} {
		must[*organizations.AttachPolicyOutput](t)(oc.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: tp.Id, TargetId: &target}))
	}
	_, err = oc.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: tp.Id, TargetId: &ou})
	wantError(t, err, "DuplicatePolicyAttachmentException", 400)
	if got := must[*organizations.ListTargetsForPolicyOutput](t)(oc.ListTargetsForPolicy(ctx, &organizations.ListTargetsForPolicyInput{PolicyId: tp.Id})).Targets; len(got) != 3 {
		t.Fatalf("targets: %+v", got)
	}
	// A tag policy is no SCP: the member's OU and account are not held to
	// it, and the SCP lists are untouched.
	if got := must[*organizations.ListPoliciesForTargetOutput](t)(oc.ListPoliciesForTarget(ctx, &organizations.ListPoliciesForTargetInput{TargetId: &ou, Filter: orgtypes.PolicyTypeServiceControlPolicy})).Policies; len(got) != 1 || *got[0].Id != "p-FullAWSAccess" {
		t.Fatalf("SCPs of the OU: %+v", got)
	}
	denyAll := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`
	must[*organizations.UpdatePolicyOutput](t)(oc.UpdatePolicy(ctx, &organizations.UpdatePolicyInput{PolicyId: tp.Id, Content: s(denyAll)}))
	out := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: s("arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"), RoleSessionName: s("member")}))
	memberAdmin := session(out.Credentials)
	must[*iam.ListRolesOutput](t)(e.iamIn(memberAdmin, "us-east-1").ListRoles(ctx, &iam.ListRolesInput{}))
	// The last policy of a management type may be detached.
	must[*organizations.DetachPolicyOutput](t)(oc.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: tp.Id, TargetId: &member}))
	_, err = oc.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: tp.Id, TargetId: &member})
	wantError(t, err, "PolicyNotAttachedException", 400)
	if got := must[*organizations.ListPoliciesForTargetOutput](t)(oc.ListPoliciesForTarget(ctx, &organizations.ListPoliciesForTargetInput{TargetId: &member, Filter: tagType})).Policies; len(got) != 0 {
		t.Fatalf("after detaching: %+v", got)
	}
	_, err = oc.DeletePolicy(ctx, &organizations.DeletePolicyInput{PolicyId: tp.Id})
	wantError(t, err, "PolicyInUseException", 400)

	// Another organization's IDs (or nothing's).
	_, err = oc.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: s("p-zzzzzzzz")})
	wantError(t, err, "PolicyNotFoundException", 400)
	_, err = oc.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: tp.Id, TargetId: s("ou-zzzz-abcdefgh")})
	wantError(t, err, "TargetNotFoundException", 400)
	_, err = oc.ListPoliciesForTarget(ctx, &organizations.ListPoliciesForTargetInput{TargetId: s("111122223333"), Filter: tagType})
	wantError(t, err, "TargetNotFoundException", 400)

	// A member account may not manage them.
	mc := e.org(memberAdmin)
	_, err = mc.ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: tagType})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = mc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: s("mine"), Description: s(""), Type: tagType, Content: s(`{}`)})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = mc.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: tp.Id})
	wantError(t, err, "AccessDeniedException", 400)

	// Users of the management account: none without permission; one
	// allowed only on tag policies (organizations:PolicyType).
	keys := aaUsers(t, e, map[string]string{"nobody": "",
		"tags-only": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:*","Resource":"*","Condition":{"StringEquals":{"organizations:PolicyType":"TAG_POLICY"}}}]}`})
	nc := e.org(keys["nobody"])
	_, err = nc.ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: tagType})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = nc.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: s("p-zzzzzzzz")})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = nc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: &root, PolicyType: orgtypes.PolicyTypeBackupPolicy})
	wantError(t, err, "AccessDeniedException", 400)
	tc := e.org(keys["tags-only"])
	must[*organizations.ListPoliciesOutput](t)(tc.ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: tagType}))
	must[*organizations.DescribePolicyOutput](t)(tc.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: tp.Id}))
	must[*organizations.ListPoliciesForTargetOutput](t)(tc.ListPoliciesForTarget(ctx, &organizations.ListPoliciesForTargetInput{TargetId: &ou, Filter: tagType}))
	must[*organizations.CreatePolicyOutput](t)(tc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: s("team"), Description: s(""), Type: tagType, Content: s(`{}`)}))
	_, err = tc.ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: orgtypes.PolicyTypeServiceControlPolicy})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = tc.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: s("p-FullAWSAccess")})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = tc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: s("backup"), Description: s(""), Type: orgtypes.PolicyTypeBackupPolicy, Content: s(`{}`)})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = tc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: &root, PolicyType: orgtypes.PolicyTypeBackupPolicy})
	wantError(t, err, "AccessDeniedException", 400)

	// Deleting an OU drops its attachments.
	empty := *must[*organizations.CreateOrganizationalUnitOutput](t)(oc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: &root, Name: s("E")})).OrganizationalUnit.Id
	must[*organizations.AttachPolicyOutput](t)(oc.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: tp.Id, TargetId: &empty}))
	must[*organizations.DeleteOrganizationalUnitOutput](t)(oc.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: &empty}))
	if got := must[*organizations.ListTargetsForPolicyOutput](t)(oc.ListTargetsForPolicy(ctx, &organizations.ListTargetsForPolicyInput{PolicyId: tp.Id})).Targets; len(got) != 2 {
		t.Fatalf("targets after deleting an OU: %+v", got)
	}
}
