package server_test

import (
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	apimodel "github.com/iamgate/iamgate/api/model"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/postgres"
	"github.com/iamgate/iamgate/store/sqlite"
	"github.com/iamgate/iamgate/store/storetest"
)

const (
	auditRootTask = "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"
	s3UnlockTask  = "arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy"
)

// features returns ListOrganizationsFeatures' organization and features.
func features(t *testing.T, c *iam.Client) (string, []string) {
	t.Helper()
	out := must[*iam.ListOrganizationsFeaturesOutput](t)(c.ListOrganizationsFeatures(context.Background(), &iam.ListOrganizationsFeaturesInput{}))
	var fs []string
	for _, f := range out.EnabledFeatures {
		fs = append(fs, string(f))
	}
	return aws.ToString(out.OrganizationId), fs
}

// Centralized root access for member accounts (the IAM User Guide,
// "Centrally manage root access for member accounts"; the IAM API
// Reference, EnableOrganizationsRootCredentialsManagement,
// EnableOrganizationsRootSessions, their Disable pair,
// ListOrganizationsFeatures; the errors and their HTTP 400 from the
// botocore model iam/2010-05-08): the management account enables, the
// delegated administrator for IAM disables and lists but may not enable
// (CallerIsNotManagementAccountException is listed for the Enable
// operations only), other members may do none of it; IAM needs trusted
// access and the organization all features. A denied caller changes
// nothing, and the features are in the store: another server on it lists
// them.
func TestRootAccessFeatures(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.iam(e.admin)
	oc := e.org(e.admin)

	_, err := admin.ListOrganizationsFeatures(ctx, &iam.ListOrganizationsFeaturesInput{})
	contains(t, wantError(t, err, "OrganizationNotFoundException", 400), "no organization is associated with your account")
	_, err = admin.EnableOrganizationsRootSessions(ctx, &iam.EnableOrganizationsRootSessionsInput{})
	wantError(t, err, "OrganizationNotFoundException", 400)

	org := must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	orgID := *org.Organization.Id
	memberID, member := orgMember(t, e, "member")
	_, err = admin.EnableOrganizationsRootSessions(ctx, &iam.EnableOrganizationsRootSessionsInput{})
	contains(t, wantError(t, err, "ServiceAccessNotEnabledException", 400), "trusted access is not enabled for IAM")
	_, err = admin.ListOrganizationsFeatures(ctx, &iam.ListOrganizationsFeaturesInput{})
	wantError(t, err, "ServiceAccessNotEnabledException", 400)
	must[*organizations.EnableAWSServiceAccessOutput](t)(oc.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("iam.amazonaws.com")}))

	if id, fs := features(t, admin); id != orgID || len(fs) != 0 {
		t.Fatalf("before: %s %v", id, fs)
	}
	on := must[*iam.EnableOrganizationsRootSessionsOutput](t)(admin.EnableOrganizationsRootSessions(ctx, &iam.EnableOrganizationsRootSessionsInput{}))
	if *on.OrganizationId != orgID || !slices.Equal(on.EnabledFeatures, []iamtypes.FeatureType{"RootSessions"}) {
		t.Fatalf("enable sessions: %+v", on)
	}
	cm := must[*iam.EnableOrganizationsRootCredentialsManagementOutput](t)(admin.EnableOrganizationsRootCredentialsManagement(ctx, &iam.EnableOrganizationsRootCredentialsManagementInput{}))
	both := []iamtypes.FeatureType{"RootCredentialsManagement", "RootSessions"}
	if *cm.OrganizationId != orgID || !slices.Equal(cm.EnabledFeatures, both) {
		t.Fatalf("enable credentials management: %+v", cm)
	}
	// Enabling again changes nothing.
	again := must[*iam.EnableOrganizationsRootSessionsOutput](t)(admin.EnableOrganizationsRootSessions(ctx, &iam.EnableOrganizationsRootSessionsInput{}))
	if !slices.Equal(again.EnabledFeatures, both) {
		t.Fatalf("enable again: %+v", again.EnabledFeatures)
	}

	// Denied callers change nothing: a management account user without a
	// policy (iam:<Operation> on "*", decided before anything is told) and
	// a member account that is not a delegated administrator.
	nobody := e.iam(e.newUser("nobody", ""))
	_, err = nobody.DisableOrganizationsRootSessions(ctx, &iam.DisableOrganizationsRootSessionsInput{})
	wantError(t, err, "AccessDenied", 403)
	_, err = nobody.ListOrganizationsFeatures(ctx, &iam.ListOrganizationsFeaturesInput{})
	wantError(t, err, "AccessDenied", 403)
	mc := e.iam(member)
	_, err = mc.DisableOrganizationsRootSessions(ctx, &iam.DisableOrganizationsRootSessionsInput{})
	contains(t, wantError(t, err, "AccountNotManagementOrDelegatedAdministratorException", 400), "not the management account or delegated administrator account")
	_, err = mc.ListOrganizationsFeatures(ctx, &iam.ListOrganizationsFeaturesInput{})
	wantError(t, err, "AccountNotManagementOrDelegatedAdministratorException", 400)
	_, err = mc.EnableOrganizationsRootCredentialsManagement(ctx, &iam.EnableOrganizationsRootCredentialsManagementInput{})
	wantError(t, err, "AccountNotManagementOrDelegatedAdministratorException", 400)
	if _, fs := features(t, admin); !slices.Equal(fs, []string{"RootCredentialsManagement", "RootSessions"}) {
		t.Fatalf("after the denials: %v", fs)
	}

	// Another server on the store sees them.
	e2 := startEnv(t, e.st)
	if id, fs := features(t, e2.iam(e.admin)); id != orgID || len(fs) != 2 {
		t.Fatalf("another server: %s %v", id, fs)
	}

	// The delegated administrator for IAM lists and disables, and may not
	// enable.
	must[*organizations.RegisterDelegatedAdministratorOutput](t)(oc.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: &memberID, ServicePrincipal: aws.String("iam.amazonaws.com")}))
	if id, fs := features(t, mc); id != orgID || len(fs) != 2 {
		t.Fatalf("delegated administrator: %s %v", id, fs)
	}
	off := must[*iam.DisableOrganizationsRootCredentialsManagementOutput](t)(mc.DisableOrganizationsRootCredentialsManagement(ctx, &iam.DisableOrganizationsRootCredentialsManagementInput{}))
	if *off.OrganizationId != orgID || !slices.Equal(off.EnabledFeatures, []iamtypes.FeatureType{"RootSessions"}) {
		t.Fatalf("disable credentials management: %+v", off)
	}
	_, err = mc.EnableOrganizationsRootCredentialsManagement(ctx, &iam.EnableOrganizationsRootCredentialsManagementInput{})
	contains(t, wantError(t, err, "CallerIsNotManagementAccountException", 400), "not the management account for the organization")
	if _, fs := features(t, admin); !slices.Equal(fs, []string{"RootSessions"}) {
		t.Fatalf("after the delegated administrator: %v", fs)
	}
	must[*iam.DisableOrganizationsRootSessionsOutput](t)(admin.DisableOrganizationsRootSessions(ctx, &iam.DisableOrganizationsRootSessionsInput{}))
	// Disabling what is disabled changes nothing.
	none := must[*iam.DisableOrganizationsRootSessionsOutput](t)(admin.DisableOrganizationsRootSessions(ctx, &iam.DisableOrganizationsRootSessionsInput{}))
	if len(none.EnabledFeatures) != 0 {
		t.Fatalf("disabled: %+v", none.EnabledFeatures)
	}

	// Deregistered, the member is an ordinary member again.
	must[*organizations.DeregisterDelegatedAdministratorOutput](t)(oc.DeregisterDelegatedAdministrator(ctx, &organizations.DeregisterDelegatedAdministratorInput{AccountId: &memberID, ServicePrincipal: aws.String("iam.amazonaws.com")}))
	_, err = mc.ListOrganizationsFeatures(ctx, &iam.ListOrganizationsFeaturesInput{})
	wantError(t, err, "AccountNotManagementOrDelegatedAdministratorException", 400)
}

// An organization with consolidated billing only is
// OrganizationNotInAllFeaturesModeException (the model's error for the
// five operations: "your organization does not have All features
// enabled").
func TestRootAccessNeedsAllFeatures(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	must[*organizations.CreateOrganizationOutput](t)(e.org(e.admin).CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetConsolidatedBilling}))
	_, err := e.iam(e.admin).EnableOrganizationsRootSessions(ctx, &iam.EnableOrganizationsRootSessionsInput{})
	contains(t, wantError(t, err, "OrganizationNotInAllFeaturesModeException", 400), "does not have All features enabled")
	_, err = e.iam(e.admin).ListOrganizationsFeatures(ctx, &iam.ListOrganizationsFeaturesInput{})
	wantError(t, err, "OrganizationNotInAllFeaturesModeException", 400)
}

// rootAccessOrg makes an organization with a member account, IAM's
// trusted access and RootSessions enabled; it returns the member's ID and
// the credentials of its OrganizationAccountAccessRole.
func rootAccessOrg(t *testing.T, e *env) (string, aws.Credentials) {
	t.Helper()
	ctx := context.Background()
	oc := e.org(e.admin)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	id, creds := orgMember(t, e, "member")
	must[*organizations.EnableAWSServiceAccessOutput](t)(oc.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("iam.amazonaws.com")}))
	must[*iam.EnableOrganizationsRootSessionsOutput](t)(e.iam(e.admin).EnableOrganizationsRootSessions(ctx, &iam.EnableOrganizationsRootSessionsInput{}))
	return id, creds
}

func assumeRoot(st *sts.Client, target, task string) (*sts.AssumeRootOutput, error) {
	return st.AssumeRoot(context.Background(), &sts.AssumeRootInput{TargetPrincipal: aws.String(target), TaskPolicyArn: &ststypes.PolicyDescriptorType{Arn: aws.String(task)}})
}

// AssumeRoot (the STS API Reference, AssumeRoot; the IAM User Guide,
// "Perform a privileged task on an AWS Organizations member account"):
// the management account takes a root session in a member account, for
// at most 900 seconds; the session is the member's root user and may do
// what its task policy (an AWS managed policy of the catalog) does not
// deny, and nothing else.
func TestAssumeRootSession(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	memberID, member := rootAccessOrg(t, e)
	must[*iam.CreateUserOutput](t)(e.iam(member).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")}))

	out := must[*sts.AssumeRootOutput](t)(assumeRoot(e.sts(e.admin), memberID, auditRootTask))
	c := out.Credentials
	if c.Expiration == nil || c.Expiration.Sub(time.Now()) > 900e9 || c.Expiration.Before(time.Now()) {
		t.Fatalf("expiration: %v", c.Expiration)
	}
	root := session(c)
	id := must[*sts.GetCallerIdentityOutput](t)(e.sts(root).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	if *id.Arn != "arn:aws:iam::"+memberID+":root" || *id.Account != memberID {
		t.Fatalf("identity: %s %s", *id.Arn, *id.Account)
	}
	rc := e.iam(root)
	// IAMAuditRootUserCredentials lets it read the account summary and
	// the root user's credentials, and nothing else.
	must[*iam.GetAccountSummaryOutput](t)(rc.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{}))
	_, err := rc.ListUsers(ctx, &iam.ListUsersInput{})
	contains(t, wantError(t, err, "AccessDenied", 403), "with an explicit deny in a session policy")
	_, err = rc.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("alice")})
	wantError(t, err, "AccessDenied", 403)
	_, err = rc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("mallory")})
	wantError(t, err, "AccessDenied", 403)
	_, err = rc.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")})
	wantError(t, err, "AccessDenied", 403)
	users := must[*iam.ListUsersOutput](t)(e.iam(member).ListUsers(ctx, &iam.ListUsersInput{}))
	if len(users.Users) != 1 || *users.Users[0].UserName != "alice" {
		t.Fatalf("the member's users after the denials: %+v", users.Users)
	}
	// A root session calls no STS operation but GetCallerIdentity, and
	// root credentials may not call AssumeRoot.
	_, err = assumeRoot(e.sts(root), memberID, auditRootTask)
	wantError(t, err, "AccessDenied", 403)

	// S3UnlockBucketPolicy allows no IAM action.
	s3 := session(must[*sts.AssumeRootOutput](t)(assumeRoot(e.sts(e.admin), memberID, s3UnlockTask)).Credentials)
	_, err = e.iam(s3).GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	wantError(t, err, "AccessDenied", 403)

	// The root user's ARN names the target too; DurationSeconds runs to
	// 900 (the model's RootDurationSecondsType).
	short := must[*sts.AssumeRootOutput](t)(e.sts(e.admin).AssumeRoot(ctx, &sts.AssumeRootInput{TargetPrincipal: aws.String("arn:aws:iam::" + memberID + ":root"),
		TaskPolicyArn: &ststypes.PolicyDescriptorType{Arn: aws.String(auditRootTask)}, DurationSeconds: aws.Int32(60)}))
	if d := short.Credentials.Expiration.Sub(time.Now()); d > 61e9 {
		t.Fatalf("60-second session lasts %v", d)
	}
	_, err = e.sts(e.admin).AssumeRoot(ctx, &sts.AssumeRootInput{TargetPrincipal: aws.String(memberID),
		TaskPolicyArn: &ststypes.PolicyDescriptorType{Arn: aws.String(auditRootTask)}, DurationSeconds: aws.Int32(901)})
	wantError(t, err, "ValidationError", 400)

	// Once the member leaves the organization, its root session is no
	// longer accepted.
	must[*organizations.RemoveAccountFromOrganizationOutput](t)(e.org(e.admin).RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: &memberID}))
	_, err = rc.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	wantError(t, err, "InvalidClientTokenId", 403)
}

// AssumeRoot refuses (the STS API Reference, AssumeRoot; its errors are
// not documented, iamgate's answers are in the README, "Centralized root
// access"): a task policy that is not one of the five root-task policies
// (MalformedPolicyDocument); the management account as the target, an
// account outside the organization (one that left it stands for another
// organization's) and an unknown account (AccessDenied, worded alike); a
// caller not allowed sts:AssumeRoot for the target and task policy
// (sts:TaskPolicyArn, the Service Authorization Reference); a member
// account that is not the delegated administrator for IAM; and every
// caller once RootSessions is disabled. None of them issues a session.
func TestAssumeRootRefused(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	memberID, member := rootAccessOrg(t, e)
	otherID, _ := orgMember(t, e, "other")
	goneID, _ := orgMember(t, e, "gone")
	must[*organizations.RemoveAccountFromOrganizationOutput](t)(e.org(e.admin).RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: &goneID}))
	st := e.sts(e.admin)

	for _, task := range []string{"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/root-task/NoSuchTask", "arn:aws:iam::123456789012:policy/root-task/IAMAuditRootUserCredentials"} {
		_, err := assumeRoot(st, memberID, task)
		contains(t, wantError(t, err, "MalformedPolicyDocument", 400), task)
	}
	for _, target := range []string{"123456789012", goneID, "999999999999"} {
		_, err := assumeRoot(st, target, auditRootTask)
		contains(t, wantError(t, err, "AccessDenied", 403), "is not a member account of your organization")
	}
	_, err := assumeRoot(st, "arn:aws:iam::"+memberID+":user/alice", auditRootTask)
	wantError(t, err, "ValidationError", 400)

	// sts:AssumeRoot is the caller's policies' to allow: none, or one
	// that allows another task policy or another account, is a denial.
	// A denied caller learns nothing of the target: the denial of a
	// member and of an account that does not exist differ only by the ID.
	nobody := e.sts(e.newUser("nobody", ""))
	_, err = assumeRoot(nobody, memberID, auditRootTask)
	deniedMember := wantError(t, err, "AccessDenied", 403)
	contains(t, deniedMember, "is not authorized to perform: sts:AssumeRoot on resource: arn:aws:iam::"+memberID+":root")
	_, err = assumeRoot(nobody, "999999999999", auditRootTask)
	if got := wantError(t, err, "AccessDenied", 403); strings.ReplaceAll(got, "999999999999", memberID) != deniedMember {
		t.Fatalf("denials differ: %q and %q", got, deniedMember)
	}
	scoped := e.sts(e.newUser("unlocker", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRoot","Resource":"arn:aws:iam::`+memberID+`:root",
		"Condition":{"StringEquals":{"sts:TaskPolicyArn":"`+s3UnlockTask+`"}}}]}`))
	must[*sts.AssumeRootOutput](t)(assumeRoot(scoped, memberID, s3UnlockTask))
	_, err = assumeRoot(scoped, memberID, auditRootTask)
	wantError(t, err, "AccessDenied", 403)
	_, err = assumeRoot(scoped, otherID, s3UnlockTask)
	wantError(t, err, "AccessDenied", 403)

	// A member account's administrator is not the management account.
	_, err = assumeRoot(e.sts(member), otherID, auditRootTask)
	contains(t, wantError(t, err, "AccessDenied", 403), "management account or a delegated administrator for IAM")

	// The delegated administrator for IAM may, but not into the
	// management account.
	must[*organizations.RegisterDelegatedAdministratorOutput](t)(e.org(e.admin).RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: &memberID, ServicePrincipal: aws.String("iam.amazonaws.com")}))
	must[*sts.AssumeRootOutput](t)(assumeRoot(e.sts(member), otherID, auditRootTask))
	_, err = assumeRoot(e.sts(member), "123456789012", auditRootTask)
	wantError(t, err, "AccessDenied", 403)

	// Without trusted access for IAM there are no root sessions, and the
	// features are not listed.
	oc := e.org(e.admin)
	must[*organizations.DisableAWSServiceAccessOutput](t)(oc.DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: aws.String("iam.amazonaws.com")}))
	_, err = assumeRoot(st, memberID, auditRootTask)
	wantError(t, err, "AccessDenied", 403)
	_, err = e.iam(e.admin).ListOrganizationsFeatures(ctx, &iam.ListOrganizationsFeaturesInput{})
	wantError(t, err, "ServiceAccessNotEnabledException", 400)
	must[*organizations.EnableAWSServiceAccessOutput](t)(oc.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("iam.amazonaws.com")}))
	// A role session of the management account may, as its policies allow
	// (the usual caller).
	must[*sts.AssumeRootOutput](t)(assumeRoot(e.sts(rootCaller(t, e)), memberID, auditRootTask))

	// Disabled, RootSessions refuses everyone.
	must[*iam.DisableOrganizationsRootSessionsOutput](t)(e.iam(e.admin).DisableOrganizationsRootSessions(ctx, &iam.DisableOrganizationsRootSessionsInput{}))
	_, err = assumeRoot(st, memberID, auditRootTask)
	contains(t, wantError(t, err, "AccessDenied", 403), "RootSessions")
	_, err = assumeRoot(e.sts(member), otherID, auditRootTask)
	wantError(t, err, "AccessDenied", 403)
}

// exerciseRootAccess calls each operation of centralized root access once,
// for TestEveryServedOperationThroughTheSDK; it makes an organization.
func exerciseRootAccess(t *testing.T, e *env) {
	ctx := context.Background()
	c := e.iam(e.admin)
	memberID, _ := rootAccessOrg(t, e)
	must[*iam.EnableOrganizationsRootCredentialsManagementOutput](t)(c.EnableOrganizationsRootCredentialsManagement(ctx, &iam.EnableOrganizationsRootCredentialsManagementInput{}))
	features(t, c)
	root := session(must[*sts.AssumeRootOutput](t)(assumeRoot(e.sts(e.admin), memberID, auditRootTask)).Credentials)
	must[*iam.GetAccountSummaryOutput](t)(e.iam(root).GetAccountSummary(ctx, &iam.GetAccountSummaryInput{}))
	must[*iam.DisableOrganizationsRootCredentialsManagementOutput](t)(c.DisableOrganizationsRootCredentialsManagement(ctx, &iam.DisableOrganizationsRootCredentialsManagementInput{}))
	must[*iam.DisableOrganizationsRootSessionsOutput](t)(c.DisableOrganizationsRootSessions(ctx, &iam.DisableOrganizationsRootSessionsInput{}))
}

// The responses of centralized root access and AssumeRoot match their
// output shapes in the botocore models iam/2010-05-08 and sts/2011-06-15
// (OrganizationId and EnabledFeatures; Credentials), as
// TestResponsesMatchModels checks the others.
func TestResponsesMatchModelsRootAccess(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	rec := &recording{t: t, got: map[string][]byte{}}
	hc := &http.Client{Transport: rec}
	c := iam.New(iam.Options{Region: "us-east-1", Credentials: provider(e.admin), BaseEndpoint: aws.String(e.ts.URL), Retryer: aws.NopRetryer{}, HTTPClient: hc})
	s := sts.New(sts.Options{Region: "eu-central-1", Credentials: provider(e.admin), BaseEndpoint: aws.String(e.ts.URL), Retryer: aws.NopRetryer{}, HTTPClient: hc})
	oc := e.org(e.admin)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	memberID, _ := orgMember(t, e, "member")
	must[*organizations.EnableAWSServiceAccessOutput](t)(oc.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("iam.amazonaws.com")}))
	must[*iam.EnableOrganizationsRootSessionsOutput](t)(c.EnableOrganizationsRootSessions(ctx, &iam.EnableOrganizationsRootSessionsInput{}))
	must[*iam.EnableOrganizationsRootCredentialsManagementOutput](t)(c.EnableOrganizationsRootCredentialsManagement(ctx, &iam.EnableOrganizationsRootCredentialsManagementInput{}))
	must[*iam.ListOrganizationsFeaturesOutput](t)(c.ListOrganizationsFeatures(ctx, &iam.ListOrganizationsFeaturesInput{}))
	must[*sts.AssumeRootOutput](t)(assumeRoot(s, memberID, auditRootTask))
	must[*iam.DisableOrganizationsRootSessionsOutput](t)(c.DisableOrganizationsRootSessions(ctx, &iam.DisableOrganizationsRootSessionsInput{}))
	must[*iam.DisableOrganizationsRootCredentialsManagementOutput](t)(c.DisableOrganizationsRootCredentialsManagement(ctx, &iam.DisableOrganizationsRootCredentialsManagementInput{}))
	if len(rec.seen) != 6 {
		t.Fatalf("recorded %v", rec.seen)
	}
	for _, action := range rec.seen {
		svc := apimodel.IAM
		if action == "AssumeRoot" {
			svc = apimodel.STS
		}
		for _, m := range checkQueryStrict(svc, action, rec.got[action]) {
			t.Errorf("%s: %s", action, m)
		}
	}
}

// rootAccessSurvives checks that the enabled features and a root session
// outlive a restart on the same store (the organization's record holds
// the features, the sealed token the session).
func rootAccessSurvives(t *testing.T, open func() store.Store) {
	ctx := context.Background()
	st := open()
	e := startEnv(t, st)
	admin := e.admin
	memberID, _ := rootAccessOrg(t, e)
	must[*iam.EnableOrganizationsRootCredentialsManagementOutput](t)(e.iam(admin).EnableOrganizationsRootCredentialsManagement(ctx, &iam.EnableOrganizationsRootCredentialsManagementInput{}))
	root := session(must[*sts.AssumeRootOutput](t)(assumeRoot(e.sts(admin), memberID, auditRootTask)).Credentials)
	e.ts.Close()
	st.Close()

	st = open()
	defer st.Close()
	e = startEnv(t, st)
	if _, fs := features(t, e.iam(admin)); !slices.Equal(fs, []string{"RootCredentialsManagement", "RootSessions"}) {
		t.Fatalf("features after a restart: %v", fs)
	}
	id := must[*sts.GetCallerIdentityOutput](t)(e.sts(root).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	if *id.Arn != "arn:aws:iam::"+memberID+":root" {
		t.Fatalf("root session after a restart: %s", *id.Arn)
	}
	_, err := e.iam(root).ListUsers(ctx, &iam.ListUsersInput{})
	wantError(t, err, "AccessDenied", 403)
}

func TestRootAccessRestartSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iamgate.db")
	rootAccessSurvives(t, func() store.Store {
		st, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}

func TestRootAccessRestartPostgres(t *testing.T) {
	dsn := storetest.FreshSchema(t, storetest.PostgresDSN(t))
	rootAccessSurvives(t, func() store.Store {
		st, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		return st
	})
}

// SCPs limit a root session as they limit the member account's root user
// (the STS API Reference, AssumeRoot: "you can use service control
// policies (SCPs) to manage and limit permissions"), and its requests
// carry aws:AssumedRoot (the IAM User Guide, "AWS global condition context
// keys"), which AWS's sample SCP "Prevent root credentials management in
// member accounts" (aws-samples/service-control-policy-examples) uses to
// tell a root session from the root user's own sign-in.
func TestAssumeRootUnderSCPs(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	memberID, _ := rootAccessOrg(t, e)
	oc := e.org(e.admin)
	rootID := must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id
	must[*organizations.EnablePolicyTypeOutput](t)(oc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: rootID, PolicyType: orgtypes.PolicyTypeServiceControlPolicy}))
	attach := func(name, doc string) {
		p := must[*organizations.CreatePolicyOutput](t)(oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String(name),
			Type: orgtypes.PolicyTypeServiceControlPolicy, Content: aws.String(doc), Description: aws.String(name)}))
		must[*organizations.AttachPolicyOutput](t)(oc.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: p.Policy.PolicySummary.Id, TargetId: &memberID}))
	}
	// Only root sessions pass the sample SCP.
	attach("no-root-sign-in", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*",
		"Condition":{"ArnLike":{"aws:PrincipalArn":["arn:aws:iam::*:root"]},"Null":{"aws:AssumedRoot":"true"}}}]}`)
	root := session(must[*sts.AssumeRootOutput](t)(assumeRoot(e.sts(e.admin), memberID, auditRootTask)).Credentials)
	must[*iam.GetAccountSummaryOutput](t)(e.iam(root).GetAccountSummary(ctx, &iam.GetAccountSummaryInput{}))
	// An SCP denying root sessions the account summary denies it.
	attach("no-root-session-summary", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:GetAccountSummary","Resource":"*",
		"Condition":{"Bool":{"aws:AssumedRoot":"true"}}}]}`)
	_, err := e.iam(root).GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	contains(t, wantError(t, err, "AccessDenied", 403), "service control policy")
}

// rootCaller is a session of a management account role allowed
// sts:AssumeRoot on every account's root user.
func rootCaller(t *testing.T, e *env) aws.Credentials {
	t.Helper()
	ctx := context.Background()
	admin := e.iam(e.admin)
	must[*iam.CreateRoleOutput](t)(admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("RootTasks"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	must[*iam.PutRolePolicyOutput](t)(admin.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("RootTasks"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRoot","Resource":"arn:aws:iam::*:root"}]}`)}))
	out := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/RootTasks"), RoleSessionName: aws.String("ops")}))
	return session(out.Credentials)
}
