package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	apiorg "github.com/iamgate/iamgate/api/organizations"
)

func (e *env) org(c aws.Credentials) *organizations.Client {
	return organizations.New(organizations.Options{Region: "us-east-1", Credentials: provider(c), BaseEndpoint: aws.String(e.ts.URL),
		Retryer: aws.NopRetryer{}, HTTPClient: &http.Client{Transport: checking{e.t}}})
}

func (e *env) iamIn(c aws.Credentials, region string) *iam.Client {
	return iam.New(iam.Options{Region: region, Credentials: provider(c), BaseEndpoint: aws.String(e.ts.URL), Retryer: aws.NopRetryer{}})
}

// regionSCP is the seeds' region restriction: nothing outside eu-central-1,
// except STS (so that roles can still be assumed).
const regionSCP = `{"Version":"2012-10-17","Statement":[{"Sid":"DenyOutsideFrankfurt","Effect":"Deny","NotAction":["sts:*"],"Resource":"*",
 "Condition":{"StringNotEquals":{"aws:RequestedRegion":"eu-central-1"}}}]}`

// Building an organization with OUs and an SCP that keeps a member account
// in eu-central-1, then showing a member account's call denied and the
// denial decoded (the Organizations User Guide, "SCP evaluation"; the
// "Deny access to AWS based on the requested AWS Region" example).
func TestOrganizationSCP(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	_, err := oc.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	wantError(t, err, "AWSOrganizationsNotInUseException", 400)
	created := must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	if *created.Organization.MasterAccountId != "123456789012" {
		t.Fatalf("management account: %s", *created.Organization.MasterAccountId)
	}
	_, err = oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{})
	wantError(t, err, "AlreadyInOrganizationException", 400)
	roots := must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{}))
	root := *roots.Roots[0].Id
	workloads := must[*organizations.CreateOrganizationalUnitOutput](t)(oc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: &root, Name: aws.String("Workloads")}))
	ou := *workloads.OrganizationalUnit.Id
	_, err = oc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: &root, Name: aws.String("Workloads")})
	wantError(t, err, "DuplicateOrganizationalUnitException", 400)
	status := must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("team-a@example.com"), AccountName: aws.String("team-a")}))
	if status.CreateAccountStatus.State != orgtypes.CreateAccountStateSucceeded {
		t.Fatalf("create account: %+v", status.CreateAccountStatus)
	}
	member := *status.CreateAccountStatus.AccountId
	again := must[*organizations.DescribeCreateAccountStatusOutput](t)(oc.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: status.CreateAccountStatus.Id}))
	if *again.CreateAccountStatus.AccountId != member {
		t.Fatalf("status: %+v", again.CreateAccountStatus)
	}
	must[*organizations.MoveAccountOutput](t)(oc.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: &member, SourceParentId: &root, DestinationParentId: &ou}))
	children := must[*organizations.ListChildrenOutput](t)(oc.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: &ou, ChildType: orgtypes.ChildTypeAccount}))
	if len(children.Children) != 1 || *children.Children[0].Id != member {
		t.Fatalf("children: %+v", children.Children)
	}
	parents := must[*organizations.ListParentsOutput](t)(oc.ListParents(ctx, &organizations.ListParentsInput{ChildId: &member}))
	if *parents.Parents[0].Id != ou {
		t.Fatalf("parents: %+v", parents.Parents)
	}
	accounts := must[*organizations.ListAccountsOutput](t)(oc.ListAccounts(ctx, &organizations.ListAccountsInput{}))
	if len(accounts.Accounts) != 2 {
		t.Fatalf("accounts: %d", len(accounts.Accounts))
	}
	must[*organizations.ListAccountsForParentOutput](t)(oc.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: &ou}))
	must[*organizations.ListOrganizationalUnitsForParentOutput](t)(oc.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: &root}))

	// The management account assumes the new account's access role.
	out := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("setup")}))
	memberAdmin := session(out.Credentials)
	must[*iam.ListRolesOutput](t)(e.iamIn(memberAdmin, "us-east-1").ListRoles(ctx, &iam.ListRolesInput{}))

	// The SCP: created, attached to the OU once the type is enabled.
	pol := must[*organizations.CreatePolicyOutput](t)(oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("frankfurt-only"),
		Type: orgtypes.PolicyTypeServiceControlPolicy, Content: aws.String(regionSCP), Description: aws.String("eu-central-1 only")}))
	pid := pol.Policy.PolicySummary.Id
	_, err = oc.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: pid, TargetId: &ou})
	wantError(t, err, "PolicyTypeNotEnabledException", 400)
	must[*organizations.EnablePolicyTypeOutput](t)(oc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: &root, PolicyType: orgtypes.PolicyTypeServiceControlPolicy}))
	must[*organizations.AttachPolicyOutput](t)(oc.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: pid, TargetId: &ou}))
	_, err = oc.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: pid, TargetId: &ou})
	wantError(t, err, "DuplicatePolicyAttachmentException", 400)
	forTarget := must[*organizations.ListPoliciesForTargetOutput](t)(oc.ListPoliciesForTarget(ctx, &organizations.ListPoliciesForTargetInput{TargetId: &ou, Filter: orgtypes.PolicyTypeServiceControlPolicy}))
	if len(forTarget.Policies) != 2 { // FullAWSAccess, kept, and the new one
		t.Fatalf("policies for the OU: %+v", forTarget.Policies)
	}
	targets := must[*organizations.ListTargetsForPolicyOutput](t)(oc.ListTargetsForPolicy(ctx, &organizations.ListTargetsForPolicyInput{PolicyId: pid}))
	if len(targets.Targets) != 1 || *targets.Targets[0].TargetId != ou {
		t.Fatalf("targets: %+v", targets.Targets)
	}
	must[*organizations.ListPoliciesOutput](t)(oc.ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: orgtypes.PolicyTypeServiceControlPolicy}))
	must[*organizations.DescribePolicyOutput](t)(oc.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: pid}))

	// From now on the member account is held to eu-central-1; the
	// management account is not subject to SCPs.
	_, err = e.iamIn(memberAdmin, "us-east-1").ListRoles(ctx, &iam.ListRolesInput{})
	msg := wantError(t, err, "AccessDenied", 403)
	contains(t, msg, "with an explicit deny in a service control policy")
	// IAM is global: its calls are in us-east-1 whatever region the client
	// is set to (the IAM User Guide, aws:RequestedRegion), so the SCP denies
	// IAM everywhere; IAM signed for eu-central-1 is refused, as by AWS.
	_, scopeErr := e.iamIn(memberAdmin, "eu-central-1").ListRoles(ctx, &iam.ListRolesInput{})
	contains(t, wantError(t, scopeErr, "SignatureDoesNotMatch", 403), "Credential should be scoped to a valid region, not 'eu-central-1'.")
	must[*iam.ListRolesOutput](t)(e.iamIn(e.admin, "us-east-1").ListRoles(ctx, &iam.ListRolesInput{}))

	// The member decodes its denial: the SCP statement that denied, and why.
	_, _, full := apiError(t, err)
	_, encoded := splitDenied(full)
	dec := must[*sts.DecodeAuthorizationMessageOutput](t)(e.sts(memberAdmin).DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: &encoded}))
	var m struct {
		Explanation struct {
			DecidedBy struct {
				Layer     string
				Statement struct{ Sid string }
			}
		}
	}
	if err := json.Unmarshal([]byte(*dec.DecodedMessage), &m); err != nil {
		t.Fatal(err)
	}
	if m.Explanation.DecidedBy.Layer != "scp" || m.Explanation.DecidedBy.Statement.Sid != "DenyOutsideFrankfurt" {
		t.Fatalf("decoded: %s", *dec.DecodedMessage)
	}

	// Detach, then the call works again; the policy can then be deleted.
	_, err = oc.DeletePolicy(ctx, &organizations.DeletePolicyInput{PolicyId: pid})
	wantError(t, err, "PolicyInUseException", 400)
	must[*organizations.DetachPolicyOutput](t)(oc.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: pid, TargetId: &ou}))
	must[*iam.ListRolesOutput](t)(e.iamIn(memberAdmin, "us-east-1").ListRoles(ctx, &iam.ListRolesInput{}))
	must[*organizations.UpdatePolicyOutput](t)(oc.UpdatePolicy(ctx, &organizations.UpdatePolicyInput{PolicyId: pid, Name: aws.String("frankfurt")}))
	must[*organizations.DeletePolicyOutput](t)(oc.DeletePolicy(ctx, &organizations.DeletePolicyInput{PolicyId: pid}))

	// A member account may describe the organization but not manage it.
	must[*organizations.DescribeOrganizationOutput](t)(e.org(memberAdmin).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}))
	_, err = e.org(memberAdmin).ListAccounts(ctx, &organizations.ListAccountsInput{})
	wantError(t, err, "AccessDeniedException", 400)

	t.Run("DescribeAndOUs", orgDescribeTest) // organizations_describe_test.go
	// organizations_lifecycle_test.go
	t.Run("LeaveAndRemove", orgLeaveAndRemoveTest)
	t.Run("LeaveDeniedBySCP", orgLeaveDeniedBySCPTest)
	t.Run("DisablePolicyType", orgDisablePolicyTypeTest)
	// organizations_delegated_test.go
	t.Run("ServiceAccess", orgServiceAccessTest)
	t.Run("ResourcePolicy", orgResourcePolicyTest)
	t.Run("DelegatedAdmin", orgDelegatedAdminTest)
	// organizations_tags_test.go, organizations_policytypes_test.go
	t.Run("Tags", orgTagsTest)
	t.Run("PolicyTypes", orgPolicyTypesTest)
	// organizations_handshakes_test.go
	t.Run("Handshakes", orgHandshakesTest)
	t.Run("EnableAllFeatures", orgEnableAllFeaturesTest)
	// organizations_effective_test.go
	t.Run("EffectivePolicy", orgEffectivePolicyTest)
	// organizations_close_test.go
	t.Run("CloseAccount", orgCloseAccountTest)
	// organizations_deleteorg_test.go
	t.Run("DeleteOrganization", orgDeleteOrganizationTest)
	// organizations_createaccount_test.go
	t.Run("CreateAccountStatus", orgCreateAccountStatusTest)
	t.Run("CreateAccountHandWritten", orgCreateAccountHandWrittenTest)
	t.Run("ResourcePolicyTags", orgResourcePolicyTagsTest)

	for _, op := range keysOf(apiorg.Operations) {
		if !orgCalled(op) {
			t.Errorf("Organizations %s was not exercised", op)
		}
	}
}
