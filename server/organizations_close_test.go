package server_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamgate/iamgate/store"
)

// orgCloseAccountTest drives CloseAccount (run from TestOrganizationSCP).
// botocore organizations/2016-11-28: the management account closes a
// member account of an organization with all features; the management
// account cannot be closed (ConstraintViolationException
// CANNOT_CLOSE_MANAGEMENT_ACCOUNT); a closed account is SUSPENDED and
// closing it again is AccountAlreadyClosedException. The Organizations User
// Guide, "Closing an AWS account": "After you close an AWS account, you
// can no longer use it to access AWS services or resources", and it stays
// in the organization.
func orgCloseAccountTest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	s := aws.String

	_, err := oc.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: s("111122223333")})
	wantError(t, err, "AWSOrganizationsNotInUseException", 400)
	org := *must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{})).Organization.Id
	newMember := func(name string) string {
		return *must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: s(name + "@example.com"), AccountName: s(name)})).CreateAccountStatus.AccountId
	}
	member, other := newMember("m"), newMember("o")

	// The member's administrator session, and a user of the member with a
	// key, both working before the account is closed.
	out := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: s("arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"), RoleSessionName: s("member")}))
	adminM := session(out.Credentials)
	must[*iam.CreateUserOutput](t)(e.iam(adminM).CreateUser(ctx, &iam.CreateUserInput{UserName: s("dev")}))
	must[*iam.AttachUserPolicyOutput](t)(e.iam(adminM).AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: s("dev"), PolicyArn: s("arn:aws:iam::aws:policy/AdministratorAccess")}))
	k, kerr := e.srv.Keys().CreateAccessKey(ctx, member, "dev")
	if kerr != nil {
		t.Fatal(kerr)
	}
	dev := aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret}
	must[*sts.GetCallerIdentityOutput](t)(e.sts(dev).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))

	// A member cannot close (the management account's operation), not
	// even itself.
	_, err = e.org(adminM).CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: &member})
	wantError(t, err, "AccessDeniedException", 400)
	// A management user without permission is denied before anything is
	// looked up; one allowed on one account's ARN closes only that one.
	keys := aaUsers(t, e, map[string]string{"nobody": "",
		"closer": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:CloseAccount","Resource":"arn:aws:organizations::123456789012:account/` + org + `/` + member + `"}]}`})
	_, err = e.org(keys["nobody"]).CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: &member})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = e.org(keys["nobody"]).CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: s("111122223333")})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = e.org(keys["closer"]).CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: &other})
	wantError(t, err, "AccessDeniedException", 400)

	// The management account cannot be closed; an account outside the
	// organization is not found.
	_, err = oc.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: s("123456789012")})
	wantError(t, err, "ConstraintViolationException", 400)
	var cv *orgtypes.ConstraintViolationException
	if !errors.As(err, &cv) || cv.Reason != orgtypes.ConstraintViolationExceptionReasonCannotCloseManagementAccount {
		t.Fatalf("closing the management account: %v", err)
	}
	_, err = oc.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: s("111122223333")})
	wantError(t, err, "AccountNotFoundException", 400)

	must[*organizations.CloseAccountOutput](t)(e.org(keys["closer"]).CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: &member}))
	acct := must[*organizations.DescribeAccountOutput](t)(oc.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: &member})).Account
	if acct.Status != orgtypes.AccountStatusSuspended || acct.State != orgtypes.AccountStateSuspended {
		t.Fatalf("closed account: %s %s", acct.Status, acct.State)
	}
	if o := must[*organizations.DescribeAccountOutput](t)(oc.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: &other})).Account; o.Status != orgtypes.AccountStatusActive {
		t.Fatalf("the other account: %s", o.Status)
	}
	_, err = oc.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: &member})
	wantError(t, err, "AccountAlreadyClosedException", 400)

	// Its principals can no longer call anything: its user's key and the
	// session issued before the closure are refused by IAM, STS and
	// Organizations; the other member's role still works.
	_, err = e.iam(dev).GetUser(ctx, &iam.GetUserInput{})
	wantError(t, err, "InvalidClientTokenId", 403)
	_, err = e.sts(dev).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantError(t, err, "InvalidClientTokenId", 403)
	_, err = e.iam(adminM).ListUsers(ctx, &iam.ListUsersInput{})
	wantError(t, err, "InvalidClientTokenId", 403)
	// The JSON protocol's answer to a key it does not know (jsonAuthError).
	_, err = e.org(adminM).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	wantError(t, err, "UnrecognizedClientException", 400)
	// A role of the closed account assumed now gives credentials that
	// nothing accepts.
	out = must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: s("arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"), RoleSessionName: s("after")}))
	_, err = e.sts(session(out.Credentials)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantError(t, err, "InvalidClientTokenId", 403)
	out = must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: s("arn:aws:iam::" + other + ":role/OrganizationAccountAccessRole"), RoleSessionName: s("other")}))
	must[*sts.GetCallerIdentityOutput](t)(e.sts(session(out.Credentials)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))

	// A suspended account cannot become a delegated administrator (the
	// model's reason CANNOT_REGISTER_SUSPENDED_ACCOUNT_AS_DELEGATED_ADMINISTRATOR).
	must[*organizations.EnableAWSServiceAccessOutput](t)(oc.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: s("health.amazonaws.com")}))
	_, err = oc.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: &member, ServicePrincipal: s("health.amazonaws.com")})
	wantError(t, err, "ConstraintViolationException", 400)

	// It stays in the organization: it cannot be removed.
	_, err = oc.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: &member})
	wantError(t, err, "ConstraintViolationException", 400)
	if n := len(must[*organizations.ListAccountsOutput](t)(oc.ListAccounts(ctx, &organizations.ListAccountsInput{})).Accounts); n != 3 {
		t.Fatalf("accounts after the closure: %d", n)
	}

	// An organization of consolidated billing only cannot close accounts
	// ("You can close an account when all features are enabled").
	e2 := newEnv(t)
	oc2 := e2.org(e2.admin)
	must[*organizations.CreateOrganizationOutput](t)(oc2.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetConsolidatedBilling}))
	m2 := *must[*organizations.CreateAccountOutput](t)(oc2.CreateAccount(ctx, &organizations.CreateAccountInput{Email: s("x@example.com"), AccountName: s("x")})).CreateAccountStatus.AccountId
	_, err = oc2.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: &m2})
	wantError(t, err, "ConstraintViolationException", 400)
}

// A closure outlives a restart on the same store: the account is still
// SUSPENDED and its keys still refused.
func TestCloseAccountSurvivesRestart(t *testing.T) {
	eachRestartStore(t, closeSurvives) // organizations_deleteorg_test.go
}

func closeSurvives(t *testing.T, open func() store.Store) {
	ctx := context.Background()
	st := open()
	e := startEnv(t, st)
	admin := e.admin
	oc := e.org(admin)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}))
	member := *must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("m@example.com"), AccountName: aws.String("m")})).CreateAccountStatus.AccountId
	out := must[*sts.AssumeRoleOutput](t)(e.sts(admin).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("mm")}))
	must[*organizations.CloseAccountOutput](t)(oc.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: &member}))
	e = restartOn(t, e, st, open)
	acct := must[*organizations.DescribeAccountOutput](t)(e.org(admin).DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: &member})).Account
	if acct.Status != orgtypes.AccountStatusSuspended {
		t.Fatalf("after restart: %s", acct.Status)
	}
	_, err := e.sts(session(out.Credentials)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantError(t, err, "InvalidClientTokenId", 403)
}
