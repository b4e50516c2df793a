package server_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// wantReason checks an Organizations error's code and its Reason (the
// model's InvalidInputExceptionReason and ConstraintViolationExceptionReason).
func wantReason(t *testing.T, err error, code, reason string) {
	t.Helper()
	wantError(t, err, code, 400)
	var got string
	var ii *orgtypes.InvalidInputException
	var cv *orgtypes.ConstraintViolationException
	switch {
	case errors.As(err, &ii):
		got = string(ii.Reason)
	case errors.As(err, &cv):
		got = string(cv.Reason)
	}
	if got != reason {
		t.Fatalf("%s: reason %q, want %q", code, got, reason)
	}
}

// orgMember creates a member account and returns its ID and the
// credentials of its OrganizationAccountAccessRole.
func orgMember(t *testing.T, e *env, name string) (string, aws.Credentials) {
	t.Helper()
	ctx := context.Background()
	st := must[*organizations.CreateAccountOutput](t)(e.org(e.admin).CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String(name + "@example.com"), AccountName: aws.String(name)}))
	id := *st.CreateAccountStatus.AccountId
	out := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + id + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("setup")}))
	return id, session(out.Credentials)
}

// Trusted access (EnableAWSServiceAccess, DisableAWSServiceAccess,
// ListAWSServiceAccessForOrganization; botocore organizations/2016-11-28
// and the Organizations User Guide, "Using AWS Organizations with other AWS
// services"): only the management account enables and disables; an
// unknown principal is InvalidInputException UNRECOGNIZED_SERVICE_PRINCIPAL
// (the model's reason; "You specified an unrecognized service principal."
// is quoted from a Terraform run in localstack/localstack#8559, the
// model's documentation words it "a service principal that isn't
// recognized"); organizations:ServicePrincipal limits the principal (the
// Service Authorization Reference); the principals are in the store, so
// another server on it lists them.
func orgServiceAccessTest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	health := aws.String("health.amazonaws.com")

	_, err := oc.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: health})
	wantError(t, err, "AWSOrganizationsNotInUseException", 400)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	_, member := orgMember(t, e, "member")

	empty := must[*organizations.ListAWSServiceAccessForOrganizationOutput](t)(oc.ListAWSServiceAccessForOrganization(ctx, &organizations.ListAWSServiceAccessForOrganizationInput{}))
	if len(empty.EnabledServicePrincipals) != 0 {
		t.Fatalf("before: %+v", empty.EnabledServicePrincipals)
	}
	before := time.Now().Add(-time.Second)
	must[*organizations.EnableAWSServiceAccessOutput](t)(oc.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: health}))
	must[*organizations.EnableAWSServiceAccessOutput](t)(oc.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("tagpolicies.tag.amazonaws.com")}))
	// Enabling again changes nothing.
	must[*organizations.EnableAWSServiceAccessOutput](t)(oc.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: health}))
	list := must[*organizations.ListAWSServiceAccessForOrganizationOutput](t)(oc.ListAWSServiceAccessForOrganization(ctx, &organizations.ListAWSServiceAccessForOrganizationInput{}))
	if len(list.EnabledServicePrincipals) != 2 || *list.EnabledServicePrincipals[0].ServicePrincipal != *health ||
		list.EnabledServicePrincipals[0].DateEnabled == nil || list.EnabledServicePrincipals[0].DateEnabled.Before(before) {
		t.Fatalf("enabled: %+v", list.EnabledServicePrincipals)
	}
	page := must[*organizations.ListAWSServiceAccessForOrganizationOutput](t)(oc.ListAWSServiceAccessForOrganization(ctx, &organizations.ListAWSServiceAccessForOrganizationInput{MaxResults: aws.Int32(1)}))
	if len(page.EnabledServicePrincipals) != 1 || page.NextToken == nil {
		t.Fatalf("page: %+v", page)
	}

	// Principals that are not an AWS service's change nothing.
	for _, sp := range []string{"nosuchservice.amazonaws.com", "health", "health.example.com", "arn:aws:iam::123456789012:root"} {
		_, err = oc.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String(sp)})
		if sp == "arn:aws:iam::123456789012:root" {
			wantReason(t, err, "InvalidInputException", "INVALID_PATTERN") // the model's ServicePrincipal pattern
			continue
		}
		wantReason(t, err, "InvalidInputException", "UNRECOGNIZED_SERVICE_PRINCIPAL")
	}

	// A member account may do none of it; neither may a user of the
	// management account without a policy. A user allowed only for
	// health.amazonaws.com (organizations:ServicePrincipal) may disable
	// only it.
	_, err = e.org(member).EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("config.amazonaws.com")})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = e.org(member).DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: health})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = e.org(member).ListAWSServiceAccessForOrganization(ctx, &organizations.ListAWSServiceAccessForOrganizationInput{})
	wantError(t, err, "AccessDeniedException", 400)
	nobody := e.newUser("nobody", "")
	_, err = e.org(nobody).ListAWSServiceAccessForOrganization(ctx, &organizations.ListAWSServiceAccessForOrganizationInput{})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = e.org(nobody).EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("config.amazonaws.com")})
	wantError(t, err, "AccessDeniedException", 400)
	healthOnly := e.newUser("health-admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:DisableAWSServiceAccess","Resource":"*",
 "Condition":{"StringEquals":{"organizations:ServicePrincipal":"health.amazonaws.com"}}}]}`)
	_, err = e.org(healthOnly).DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: aws.String("tagpolicies.tag.amazonaws.com")})
	wantError(t, err, "AccessDeniedException", 400)
	// A denied caller learns nothing of whether a principal is known.
	_, err = e.org(healthOnly).DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: aws.String("nosuchservice.amazonaws.com")})
	wantError(t, err, "AccessDeniedException", 400)
	must[*organizations.DisableAWSServiceAccessOutput](t)(e.org(healthOnly).DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: health}))
	// Disabling what is not enabled changes nothing.
	must[*organizations.DisableAWSServiceAccessOutput](t)(oc.DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: health}))

	// Another server on the same store sees the same principals.
	e2 := startEnv(t, e.st)
	list = must[*organizations.ListAWSServiceAccessForOrganizationOutput](t)(e2.org(e.admin).ListAWSServiceAccessForOrganization(ctx, &organizations.ListAWSServiceAccessForOrganizationInput{}))
	if len(list.EnabledServicePrincipals) != 1 || *list.EnabledServicePrincipals[0].ServicePrincipal != "tagpolicies.tag.amazonaws.com" {
		t.Fatalf("on the second server: %+v", list.EnabledServicePrincipals)
	}
}

// An organization with only consolidated billing cannot enable trusted
// access (the model's ConstraintViolationException reason
// ORGANIZATION_NOT_IN_ALL_FEATURES_MODE).
func TestOrganizationsServiceAccessNeedsAllFeatures(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetConsolidatedBilling}))
	_, err := oc.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("health.amazonaws.com")})
	wantReason(t, err, "ConstraintViolationException", "ORGANIZATION_NOT_IN_ALL_FEATURES_MODE")
	_, err = oc.ListAWSServiceAccessForOrganization(ctx, &organizations.ListAWSServiceAccessForOrganizationInput{})
	wantReason(t, err, "ConstraintViolationException", "ORGANIZATION_NOT_IN_ALL_FEATURES_MODE")
}
