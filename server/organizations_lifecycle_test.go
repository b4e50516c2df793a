package server_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// denyIAM is an SCP that denies every IAM action.
const denyIAM = `{"Version":"2012-10-17","Statement":[{"Sid":"NoIAM","Effect":"Deny","Action":"iam:*","Resource":"*"}]}`

// LeaveOrganization and RemoveAccountFromOrganization: a member leaves or is
// removed and is no longer under the organization's SCPs; the management
// account can do neither; a member cannot remove another. Errors and
// messages from the botocore model (organizations 2016-11-28,
// service-2.json: MasterCannotLeaveOrganizationException,
// AccountNotFoundException; "The removed account ... is no longer subject
// to any policies", RemoveAccountFromOrganization's documentation).
func orgLeaveAndRemoveTest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	root := *must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id
	newMember := func(name string) (string, aws.Credentials) {
		st := must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String(name + "@example.com"), AccountName: aws.String(name)}))
		id := *st.CreateAccountStatus.AccountId
		out := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{
			RoleArn: aws.String("arn:aws:iam::" + id + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("setup")}))
		return id, session(out.Credentials)
	}
	a, aCreds := newMember("team-a")
	b, bCreds := newMember("team-b")

	must[*organizations.EnablePolicyTypeOutput](t)(oc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: &root, PolicyType: orgtypes.PolicyTypeServiceControlPolicy}))
	pol := must[*organizations.CreatePolicyOutput](t)(oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("no-iam"),
		Type: orgtypes.PolicyTypeServiceControlPolicy, Content: aws.String(denyIAM), Description: aws.String("no IAM")}))
	must[*organizations.AttachPolicyOutput](t)(oc.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: pol.Policy.PolicySummary.Id, TargetId: &root}))
	for _, c := range []aws.Credentials{aCreds, bCreds} {
		_, err := e.iamIn(c, "us-east-1").ListRoles(ctx, &iam.ListRolesInput{})
		wantError(t, err, "AccessDenied", 403)
	}

	// The management account can neither leave nor be removed.
	_, err := oc.LeaveOrganization(ctx, &organizations.LeaveOrganizationInput{})
	wantError(t, err, "MasterCannotLeaveOrganizationException", 400)
	_, err = oc.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: aws.String("123456789012")})
	wantError(t, err, "MasterCannotLeaveOrganizationException", 400)
	_, err = oc.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: aws.String("999999999999")})
	wantError(t, err, "AccountNotFoundException", 400)

	// A member cannot remove another member (only the management account
	// may call RemoveAccountFromOrganization), and b is still a member.
	_, err = e.org(aCreds).RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: &b})
	wantError(t, err, "AccessDeniedException", 400)
	must[*organizations.DescribeOrganizationOutput](t)(e.org(bCreds).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}))

	// a leaves: out of the organization and no longer under its SCPs.
	must[*organizations.LeaveOrganizationOutput](t)(e.org(aCreds).LeaveOrganization(ctx, &organizations.LeaveOrganizationInput{}))
	must[*iam.ListRolesOutput](t)(e.iamIn(aCreds, "us-east-1").ListRoles(ctx, &iam.ListRolesInput{}))
	_, err = e.org(aCreds).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	wantError(t, err, "AWSOrganizationsNotInUseException", 400)
	_, err = e.org(aCreds).LeaveOrganization(ctx, &organizations.LeaveOrganizationInput{})
	wantError(t, err, "AWSOrganizationsNotInUseException", 400)
	_, err = oc.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: &a})
	wantError(t, err, "AccountNotFoundException", 400)

	// b is removed by the management account, and is free of the SCP too.
	_, err = e.iamIn(bCreds, "us-east-1").ListRoles(ctx, &iam.ListRolesInput{})
	wantError(t, err, "AccessDenied", 403)
	must[*organizations.RemoveAccountFromOrganizationOutput](t)(oc.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: &b}))
	must[*iam.ListRolesOutput](t)(e.iamIn(bCreds, "us-east-1").ListRoles(ctx, &iam.ListRolesInput{}))
	accounts := must[*organizations.ListAccountsOutput](t)(oc.ListAccounts(ctx, &organizations.ListAccountsInput{}))
	if len(accounts.Accounts) != 1 {
		t.Fatalf("accounts after leave and remove: %+v", accounts.Accounts)
	}
}

// A member whose SCPs deny organizations:LeaveOrganization cannot leave
// (LeaveOrganization's documentation: SCPs can prevent a member from
// leaving).
func orgLeaveDeniedBySCPTest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	root := *must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id
	st := must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("stay@example.com"), AccountName: aws.String("stay")}))
	id := *st.CreateAccountStatus.AccountId
	out := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + id + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("setup")}))
	member := session(out.Credentials)
	must[*organizations.EnablePolicyTypeOutput](t)(oc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: &root, PolicyType: orgtypes.PolicyTypeServiceControlPolicy}))
	pol := must[*organizations.CreatePolicyOutput](t)(oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("stay"),
		Type: orgtypes.PolicyTypeServiceControlPolicy, Description: aws.String("no leaving"),
		Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}`)}))
	must[*organizations.AttachPolicyOutput](t)(oc.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: pol.Policy.PolicySummary.Id, TargetId: &root}))
	_, err := e.org(member).LeaveOrganization(ctx, &organizations.LeaveOrganizationInput{})
	wantError(t, err, "AccessDeniedException", 400)
	must[*organizations.DescribeOrganizationOutput](t)(e.org(member).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}))
}

// DisablePolicyType detaches the type's policies (the SCP stops applying)
// and disabling a type not enabled is PolicyTypeNotEnabledException
// (message from the botocore model); a member may not disable it.
func orgDisablePolicyTypeTest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	root := *must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id
	st := must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("m@example.com"), AccountName: aws.String("m")}))
	id := *st.CreateAccountStatus.AccountId
	out := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + id + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("setup")}))
	member := session(out.Credentials)
	scp := orgtypes.PolicyTypeServiceControlPolicy
	_, err := oc.DisablePolicyType(ctx, &organizations.DisablePolicyTypeInput{RootId: &root, PolicyType: scp})
	wantError(t, err, "PolicyTypeNotEnabledException", 400)
	must[*organizations.EnablePolicyTypeOutput](t)(oc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: &root, PolicyType: scp}))
	pol := must[*organizations.CreatePolicyOutput](t)(oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("no-iam"),
		Type: scp, Content: aws.String(denyIAM), Description: aws.String("no IAM")}))
	must[*organizations.AttachPolicyOutput](t)(oc.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: pol.Policy.PolicySummary.Id, TargetId: &id}))
	_, err = e.iamIn(member, "us-east-1").ListRoles(ctx, &iam.ListRolesInput{})
	wantError(t, err, "AccessDenied", 403)

	// A member may not disable the type.
	_, err = e.org(member).DisablePolicyType(ctx, &organizations.DisablePolicyTypeInput{RootId: &root, PolicyType: scp})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = oc.DisablePolicyType(ctx, &organizations.DisablePolicyTypeInput{RootId: aws.String("r-zzzz"), PolicyType: scp})
	wantError(t, err, "RootNotFoundException", 400)
	dis := must[*organizations.DisablePolicyTypeOutput](t)(oc.DisablePolicyType(ctx, &organizations.DisablePolicyTypeInput{RootId: &root, PolicyType: scp}))
	if len(dis.Root.PolicyTypes) != 0 {
		t.Fatalf("root policy types after disable: %+v", dis.Root.PolicyTypes)
	}
	must[*iam.ListRolesOutput](t)(e.iamIn(member, "us-east-1").ListRoles(ctx, &iam.ListRolesInput{}))
	targets := must[*organizations.ListTargetsForPolicyOutput](t)(oc.ListTargetsForPolicy(ctx, &organizations.ListTargetsForPolicyInput{PolicyId: pol.Policy.PolicySummary.Id}))
	if len(targets.Targets) != 0 {
		t.Fatalf("targets after disable: %+v", targets.Targets)
	}

}
