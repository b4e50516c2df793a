package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
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

	e2 := startEnv(t, e.st)
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
	for _, sp := range []string{"nosuchservice.amazonaws.com", "health", "health.example.com", "Health.amazonaws.com", ".amazonaws.com", "arn:aws:iam::123456789012:root"} {
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

	// Another server on the same store, started before the changes, sees
	// the same principals.
	// It follows the store asynchronously: within the shared deadline.
	within(t, "the second server sees the principals", func() error {
		list, err := e2.org(e.admin).ListAWSServiceAccessForOrganization(ctx, &organizations.ListAWSServiceAccessForOrganizationInput{})
		if err != nil {
			return err
		}
		if len(list.EnabledServicePrincipals) != 1 || *list.EnabledServicePrincipals[0].ServicePrincipal != "tagpolicies.tag.amazonaws.com" {
			return fmt.Errorf("on the second server: %+v", list.EnabledServicePrincipals)
		}
		return nil
	})
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

// The organization's resource policy (PutResourcePolicy,
// DescribeResourcePolicy, DeleteResourcePolicy; botocore
// organizations/2016-11-28 and the Organizations User Guide, "Delegated
// administrator for AWS Organizations", whose first example grants a member
// account the Describe and List actions): the management account puts and
// deletes it, the ID stays when it is replaced, the ARN is
// arn:aws:organizations::<management>:resourcepolicy/<org>/<rp-id> (the
// Service Authorization Reference), a document that is not an IAM resource
// policy changes nothing, and members may not touch it.
func orgResourcePolicyTest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	o := must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	memberID, member := orgMember(t, e, "delegate")
	_, outsider := orgMember(t, e, "outsider")
	must[*organizations.LeaveOrganizationOutput](t)(e.org(outsider).LeaveOrganization(ctx, &organizations.LeaveOrganizationInput{}))

	_, err := oc.DescribeResourcePolicy(ctx, &organizations.DescribeResourcePolicyInput{})
	wantError(t, err, "ResourcePolicyNotFoundException", 400)
	_, err = oc.DeleteResourcePolicy(ctx, &organizations.DeleteResourcePolicyInput{})
	wantError(t, err, "ResourcePolicyNotFoundException", 400)

	content := `{"Version":"2012-10-17","Statement":[{"Sid":"DelegatingNecessaryDescribeListActions","Effect":"Allow",
 "Principal":{"AWS":"arn:aws:iam::` + memberID + `:root"},"Action":["organizations:DescribeOrganization","organizations:ListAccounts"],"Resource":"*"}]}`
	put := must[*organizations.PutResourcePolicyOutput](t)(oc.PutResourcePolicy(ctx, &organizations.PutResourcePolicyInput{Content: &content,
		Tags: []orgtypes.Tag{{Key: aws.String("team"), Value: aws.String("platform")}}}))
	id := *put.ResourcePolicy.ResourcePolicySummary.Id
	wantARN := "arn:aws:organizations::" + *o.Organization.MasterAccountId + ":resourcepolicy/" + *o.Organization.Id + "/" + id
	if len(id) < 7 || id[:3] != "rp-" || *put.ResourcePolicy.ResourcePolicySummary.Arn != wantARN || *put.ResourcePolicy.Content != content {
		t.Fatalf("put: %+v %+v", put.ResourcePolicy.ResourcePolicySummary, *put.ResourcePolicy.Content)
	}
	got := must[*organizations.DescribeResourcePolicyOutput](t)(oc.DescribeResourcePolicy(ctx, &organizations.DescribeResourcePolicyInput{}))
	if *got.ResourcePolicy.ResourcePolicySummary.Arn != wantARN || *got.ResourcePolicy.Content != content {
		t.Fatalf("describe: %+v", got.ResourcePolicy)
	}

	// Replaced: the same ID, the new content; tags only on creation.
	replaced := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + memberID + `"},"Action":"organizations:Describe*","Resource":"*"}]}`
	_, err = oc.PutResourcePolicy(ctx, &organizations.PutResourcePolicyInput{Content: &replaced, Tags: []orgtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	wantError(t, err, "InvalidInputException", 400)
	put = must[*organizations.PutResourcePolicyOutput](t)(oc.PutResourcePolicy(ctx, &organizations.PutResourcePolicyInput{Content: &replaced}))
	if *put.ResourcePolicy.ResourcePolicySummary.Id != id || *put.ResourcePolicy.Content != replaced {
		t.Fatalf("replace: %+v", put.ResourcePolicy)
	}

	// Not a resource policy: unparsable, no principal, an unknown
	// effect. Nothing changes.
	for _, bad := range []string{`{"Version":"2012-10-17","Statement":[`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:Describe*","Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Principal":"*","Action":"organizations:Describe*","Resource":"*"}]}`} {
		_, err = oc.PutResourcePolicy(ctx, &organizations.PutResourcePolicyInput{Content: aws.String(bad)})
		wantReason(t, err, "InvalidInputException", "INVALID_RESOURCE_POLICY_JSON")
	}
	_, err = oc.PutResourcePolicy(ctx, &organizations.PutResourcePolicyInput{Content: aws.String(replaced), Tags: []orgtypes.Tag{{Key: aws.String("aws:x"), Value: aws.String("v")}}})
	wantReason(t, err, "InvalidInputException", "INVALID_SYSTEM_TAGS_PARAMETER")
	if got := must[*organizations.DescribeResourcePolicyOutput](t)(oc.DescribeResourcePolicy(ctx, &organizations.DescribeResourcePolicyInput{})); *got.ResourcePolicy.Content != replaced {
		t.Fatalf("after bad puts: %s", *got.ResourcePolicy.Content)
	}

	// The member the policy names may call what it grants (the replaced
	// policy: organizations:Describe*) and nothing else: not List*, not
	// the resource policy's own Put and Delete (the management account's
	// only, whatever a policy grants); another member gets nothing.
	got = must[*organizations.DescribeResourcePolicyOutput](t)(e.org(member).DescribeResourcePolicy(ctx, &organizations.DescribeResourcePolicyInput{}))
	if *got.ResourcePolicy.ResourcePolicySummary.Id != id {
		t.Fatalf("member describe: %+v", got.ResourcePolicy)
	}
	must[*organizations.DescribeAccountOutput](t)(e.org(member).DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: &memberID}))
	_, err = e.org(member).ListAccounts(ctx, &organizations.ListAccountsInput{})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = e.org(member).PutResourcePolicy(ctx, &organizations.PutResourcePolicyInput{Content: &content})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = e.org(member).DeleteResourcePolicy(ctx, &organizations.DeleteResourcePolicyInput{})
	wantError(t, err, "AccessDeniedException", 400)
	_, other := orgMember(t, e, "other")
	_, err = e.org(other).DescribeResourcePolicy(ctx, &organizations.DescribeResourcePolicyInput{})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = e.org(other).DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: &memberID})
	wantError(t, err, "AccessDeniedException", 400)

	// The caller's own policies must allow it too: a user of the named
	// account without a policy is denied; an account outside the
	// organization is told it is in none; a user of the management
	// account without a policy is denied; one allowed only to put a
	// policy of another ARN is denied too.
	memberIAM := e.iam(member)
	must[*iam.CreateUserOutput](t)(memberIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bare")}))
	k := must[*iam.CreateAccessKeyOutput](t)(memberIAM.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bare")}))
	bare := aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}
	_, err = e.org(bare).DescribeResourcePolicy(ctx, &organizations.DescribeResourcePolicyInput{})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = e.org(outsider).DescribeResourcePolicy(ctx, &organizations.DescribeResourcePolicyInput{})
	wantError(t, err, "AWSOrganizationsNotInUseException", 400)
	nobody := e.newUser("nobody", "")
	for _, call := range []func() error{
		func() error {
			_, err := e.org(nobody).PutResourcePolicy(ctx, &organizations.PutResourcePolicyInput{Content: &content})
			return err
		},
		func() error {
			_, err := e.org(nobody).DescribeResourcePolicy(ctx, &organizations.DescribeResourcePolicyInput{})
			return err
		},
		func() error {
			_, err := e.org(nobody).DeleteResourcePolicy(ctx, &organizations.DeleteResourcePolicyInput{})
			return err
		},
	} {
		wantError(t, call(), "AccessDeniedException", 400)
	}
	otherARN := e.newUser("other-arn", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:PutResourcePolicy",
 "Resource":"arn:aws:organizations::`+*o.Organization.MasterAccountId+`:resourcepolicy/`+*o.Organization.Id+`/rp-other"}]}`)
	_, err = e.org(otherARN).PutResourcePolicy(ctx, &organizations.PutResourcePolicyInput{Content: &content})
	wantError(t, err, "AccessDeniedException", 400)
	ownARN := e.newUser("own-arn", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:PutResourcePolicy","Resource":"`+wantARN+`"}]}`)
	must[*organizations.PutResourcePolicyOutput](t)(e.org(ownARN).PutResourcePolicy(ctx, &organizations.PutResourcePolicyInput{Content: &content}))

	// Policy management delegated (the User Guide's "Create, read,
	// update, and delete policies" example, without its condition): the
	// member creates an SCP; the other member still cannot.
	manage := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + memberID + `:root"},
 "Action":["organizations:CreatePolicy","organizations:DescribePolicy"],"Resource":"*"}]}`
	must[*organizations.PutResourcePolicyOutput](t)(oc.PutResourcePolicy(ctx, &organizations.PutResourcePolicyInput{Content: &manage}))
	scp := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}`)
	p := must[*organizations.CreatePolicyOutput](t)(e.org(member).CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("by-delegate"),
		Type: orgtypes.PolicyTypeServiceControlPolicy, Description: aws.String("d"), Content: scp}))
	must[*organizations.DescribePolicyOutput](t)(oc.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: p.Policy.PolicySummary.Id}))
	_, err = e.org(other).CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("by-other"),
		Type: orgtypes.PolicyTypeServiceControlPolicy, Description: aws.String("d"), Content: scp})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = e.org(member).DeletePolicy(ctx, &organizations.DeletePolicyInput{PolicyId: p.Policy.PolicySummary.Id})
	wantError(t, err, "AccessDeniedException", 400)

	// Limited to one policy type by organizations:PolicyType (the Service
	// Authorization Reference; the User Guide's examples limit delegated
	// policy management so): the member may create and describe SCPs,
	// not RCPs.
	scpOnly := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + memberID + `:root"},
 "Action":["organizations:CreatePolicy","organizations:DescribePolicy"],"Resource":"*",
 "Condition":{"StringEquals":{"organizations:PolicyType":"SERVICE_CONTROL_POLICY"}}}]}`
	must[*organizations.PutResourcePolicyOutput](t)(oc.PutResourcePolicy(ctx, &organizations.PutResourcePolicyInput{Content: &scpOnly}))
	must[*organizations.CreatePolicyOutput](t)(e.org(member).CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("scp-by-delegate"),
		Type: orgtypes.PolicyTypeServiceControlPolicy, Description: aws.String("d"), Content: scp}))
	must[*organizations.DescribePolicyOutput](t)(e.org(member).DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: p.Policy.PolicySummary.Id}))
	rcp := aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}`)
	_, err = e.org(member).CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("rcp-by-delegate"),
		Type: orgtypes.PolicyTypeResourceControlPolicy, Description: aws.String("d"), Content: rcp})
	wantError(t, err, "AccessDeniedException", 400)
	rcpPolicy := must[*organizations.CreatePolicyOutput](t)(oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("rcp"),
		Type: orgtypes.PolicyTypeResourceControlPolicy, Description: aws.String("d"), Content: rcp}))
	_, err = e.org(member).DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: rcpPolicy.Policy.PolicySummary.Id})
	wantError(t, err, "AccessDeniedException", 400)
	// The key is in the management account's requests too.
	scpAdmin := e.org(e.newUser("scp-admin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:CreatePolicy","Resource":"*",
 "Condition":{"StringEquals":{"organizations:PolicyType":"SERVICE_CONTROL_POLICY"}}}]}`))
	must[*organizations.CreatePolicyOutput](t)(scpAdmin.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("scp-by-admin"),
		Type: orgtypes.PolicyTypeServiceControlPolicy, Description: aws.String("d"), Content: scp}))
	_, err = scpAdmin.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("rcp-by-admin"),
		Type: orgtypes.PolicyTypeResourceControlPolicy, Description: aws.String("d"), Content: rcp})
	wantError(t, err, "AccessDeniedException", 400)

	must[*organizations.DeleteResourcePolicyOutput](t)(oc.DeleteResourcePolicy(ctx, &organizations.DeleteResourcePolicyInput{}))
	_, err = oc.DescribeResourcePolicy(ctx, &organizations.DescribeResourcePolicyInput{})
	wantError(t, err, "ResourcePolicyNotFoundException", 400)
}

// Delegated administrators (RegisterDelegatedAdministrator,
// DeregisterDelegatedAdministrator, ListDelegatedAdministrators,
// ListDelegatedServicesForAccount; the errors and reasons of botocore
// organizations/2016-11-28, and the Organizations User Guide, "Delegated
// administrator for AWS services that work with Organizations"): only the
// management account registers, only members, only for a service with
// trusted access; a delegated administrator may list them and read the
// trusted services and the resource policy, but not register, nor call
// the other management operations; it cannot leave or be removed while
// registered.
func orgDelegatedAdminTest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	s := aws.String
	o := must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	mgmt := *o.Organization.MasterAccountId
	a, aCreds := orgMember(t, e, "security")
	b, bCreds := orgMember(t, e, "workload")
	guardduty, config := s("guardduty.amazonaws.com"), s("config.amazonaws.com")
	register := func(c aws.Credentials, acct string, sp *string) error {
		_, err := e.org(c).RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: &acct, ServicePrincipal: sp})
		return err
	}

	// Trusted access first (SERVICE_ACCESS_NOT_ENABLED).
	wantReason(t, register(e.admin, a, guardduty), "ConstraintViolationException", "SERVICE_ACCESS_NOT_ENABLED")
	must[*organizations.EnableAWSServiceAccessOutput](t)(oc.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: guardduty}))
	must[*organizations.EnableAWSServiceAccessOutput](t)(oc.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: config}))
	wantReason(t, register(e.admin, mgmt, guardduty), "ConstraintViolationException", "CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR")
	wantError(t, register(e.admin, "999999999999", guardduty), "AccountNotFoundException", 400)
	wantReason(t, register(e.admin, a, s("nosuchservice.amazonaws.com")), "InvalidInputException", "UNRECOGNIZED_SERVICE_PRINCIPAL")
	before := time.Now().Add(-time.Second)
	if err := register(e.admin, a, guardduty); err != nil {
		t.Fatal(err)
	}
	wantError(t, register(e.admin, a, guardduty), "AccountAlreadyRegisteredException", 400)
	if err := register(e.admin, a, config); err != nil {
		t.Fatal(err)
	}
	if err := register(e.admin, b, config); err != nil {
		t.Fatal(err)
	}

	all := must[*organizations.ListDelegatedAdministratorsOutput](t)(oc.ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{}))
	if len(all.DelegatedAdministrators) != 2 || *all.DelegatedAdministrators[0].Id != a || *all.DelegatedAdministrators[0].Name != "security" ||
		all.DelegatedAdministrators[0].DelegationEnabledDate == nil || all.DelegatedAdministrators[0].DelegationEnabledDate.Before(before) ||
		*all.DelegatedAdministrators[0].Arn != "arn:aws:organizations::"+mgmt+":account/"+*o.Organization.Id+"/"+a {
		t.Fatalf("all: %+v", all.DelegatedAdministrators)
	}
	gd := must[*organizations.ListDelegatedAdministratorsOutput](t)(oc.ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{ServicePrincipal: guardduty}))
	if len(gd.DelegatedAdministrators) != 1 || *gd.DelegatedAdministrators[0].Id != a {
		t.Fatalf("guardduty: %+v", gd.DelegatedAdministrators)
	}
	svcs := must[*organizations.ListDelegatedServicesForAccountOutput](t)(oc.ListDelegatedServicesForAccount(ctx, &organizations.ListDelegatedServicesForAccountInput{AccountId: &a}))
	if len(svcs.DelegatedServices) != 2 || *svcs.DelegatedServices[0].ServicePrincipal != *guardduty || svcs.DelegatedServices[0].DelegationEnabledDate == nil {
		t.Fatalf("services of a: %+v", svcs.DelegatedServices)
	}
	_, err := oc.ListDelegatedServicesForAccount(ctx, &organizations.ListDelegatedServicesForAccountInput{AccountId: &mgmt})
	wantError(t, err, "AccountNotRegisteredException", 400)
	_, err = oc.ListDelegatedServicesForAccount(ctx, &organizations.ListDelegatedServicesForAccountInput{AccountId: s("999999999999")})
	wantError(t, err, "AccountNotFoundException", 400)

	// A delegated administrator reads what the operations documented as
	// the management account's or a delegated administrator's list.
	must[*organizations.ListDelegatedAdministratorsOutput](t)(e.org(aCreds).ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{}))
	must[*organizations.ListDelegatedServicesForAccountOutput](t)(e.org(aCreds).ListDelegatedServicesForAccount(ctx, &organizations.ListDelegatedServicesForAccountInput{AccountId: &b}))
	must[*organizations.ListAWSServiceAccessForOrganizationOutput](t)(e.org(aCreds).ListAWSServiceAccessForOrganization(ctx, &organizations.ListAWSServiceAccessForOrganizationInput{}))
	_, err = e.org(aCreds).DescribeResourcePolicy(ctx, &organizations.DescribeResourcePolicyInput{})
	wantError(t, err, "ResourcePolicyNotFoundException", 400)
	// and Organizations' other read-only operations (Describe*, List*).
	accts := must[*organizations.ListAccountsOutput](t)(e.org(aCreds).ListAccounts(ctx, &organizations.ListAccountsInput{}))
	if len(accts.Accounts) != 3 {
		t.Fatalf("accounts the delegated administrator lists: %+v", accts.Accounts)
	}
	must[*organizations.ListRootsOutput](t)(e.org(aCreds).ListRoots(ctx, &organizations.ListRootsInput{}))
	_, err = e.org(aCreds).CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: s("p"), Type: orgtypes.PolicyTypeServiceControlPolicy,
		Description: s("d"), Content: s(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}`)})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = e.org(aCreds).CreateAccount(ctx, &organizations.CreateAccountInput{Email: s("x@example.com"), AccountName: s("x")})
	wantError(t, err, "AccessDeniedException", 400)
	// ... but registers nothing, and changes nothing.
	wantError(t, register(aCreds, b, guardduty), "AccessDeniedException", 400)
	_, err = e.org(aCreds).DeregisterDelegatedAdministrator(ctx, &organizations.DeregisterDelegatedAdministratorInput{AccountId: &b, ServicePrincipal: config})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = e.org(aCreds).PutResourcePolicy(ctx, &organizations.PutResourcePolicyInput{Content: s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"organizations:*","Resource":"*"}]}`)})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = e.org(aCreds).EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: s("health.amazonaws.com")})
	wantError(t, err, "AccessDeniedException", 400)

	// A member that is no delegated administrator lists nothing; a user of
	// the management account without a policy neither; one allowed to
	// register only for config.amazonaws.com (organizations:ServicePrincipal)
	// and only account b (the account's ARN) registers nothing else.
	b2, b2Creds := orgMember(t, e, "plain")
	_, err = e.org(b2Creds).ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = e.org(b2Creds).ListDelegatedServicesForAccount(ctx, &organizations.ListDelegatedServicesForAccountInput{AccountId: &a})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = e.org(b2Creds).ListAccounts(ctx, &organizations.ListAccountsInput{})
	wantError(t, err, "AccessDeniedException", 400)
	nobody := e.newUser("nobody", "")
	_, err = e.org(nobody).ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = e.org(nobody).ListDelegatedServicesForAccount(ctx, &organizations.ListDelegatedServicesForAccountInput{AccountId: &a})
	wantError(t, err, "AccessDeniedException", 400)
	wantError(t, register(nobody, b2, config), "AccessDeniedException", 400)
	limited := e.newUser("limited", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:RegisterDelegatedAdministrator",
 "Resource":"arn:aws:organizations::`+mgmt+`:account/`+*o.Organization.Id+`/`+b2+`","Condition":{"StringEquals":{"organizations:ServicePrincipal":"config.amazonaws.com"}}}]}`)
	wantError(t, register(limited, b2, guardduty), "AccessDeniedException", 400)
	wantError(t, register(limited, a, config), "AccessDeniedException", 400)
	// Denied before the account is looked up: nothing is learnt of it.
	wantError(t, register(limited, "999999999999", config), "AccessDeniedException", 400)
	if err := register(limited, b2, config); err != nil {
		t.Fatal(err)
	}

	// Registered, an account can neither leave nor be removed
	// (CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG).
	_, err = oc.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: &b})
	wantReason(t, err, "ConstraintViolationException", "CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG")
	_, err = e.org(bCreds).LeaveOrganization(ctx, &organizations.LeaveOrganizationInput{})
	wantReason(t, err, "ConstraintViolationException", "CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG")

	deregister := func(acct string, sp *string) error {
		_, err := oc.DeregisterDelegatedAdministrator(ctx, &organizations.DeregisterDelegatedAdministratorInput{AccountId: &acct, ServicePrincipal: sp})
		return err
	}
	wantError(t, deregister(b, guardduty), "AccountNotRegisteredException", 400)
	wantError(t, deregister("999999999999", config), "AccountNotFoundException", 400)
	if err := deregister(b, config); err != nil {
		t.Fatal(err)
	}
	must[*organizations.RemoveAccountFromOrganizationOutput](t)(oc.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: &b}))
	// Out of the organization, b is no longer found.
	_, err = oc.ListDelegatedServicesForAccount(ctx, &organizations.ListDelegatedServicesForAccountInput{AccountId: &b})
	wantError(t, err, "AccountNotFoundException", 400)
	_, err = e.org(bCreds).ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{})
	wantError(t, err, "AWSOrganizationsNotInUseException", 400)
	cfg := must[*organizations.ListDelegatedAdministratorsOutput](t)(oc.ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{ServicePrincipal: config}))
	if len(cfg.DelegatedAdministrators) != 2 || *cfg.DelegatedAdministrators[0].Id != a || *cfg.DelegatedAdministrators[1].Id != b2 {
		t.Fatalf("config after: %+v", cfg.DelegatedAdministrators)
	}
}

// A member account's call of a management-only operation, and an
// account outside the organization: AccessDeniedException (HTTP 400, the
// JSON protocol's {"__type", "Message"} body botocore reads) and
// AccountNotFoundException for an account of the world that is in no
// organization, as for one that does not exist.
func TestOrganizationsDelegationDeniedShapes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	must[*organizations.EnableAWSServiceAccessOutput](t)(oc.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("config.amazonaws.com")}))
	memberID, member := orgMember(t, e, "member")
	outsiderID, outsider := orgMember(t, e, "outsider")
	must[*organizations.LeaveOrganizationOutput](t)(e.org(outsider).LeaveOrganization(ctx, &organizations.LeaveOrganizationInput{}))

	for _, tc := range []struct{ op, body string }{
		{"EnableAWSServiceAccess", `{"ServicePrincipal":"health.amazonaws.com"}`},
		{"RegisterDelegatedAdministrator", `{"AccountId":"` + memberID + `","ServicePrincipal":"config.amazonaws.com"}`},
		{"PutResourcePolicy", `{"Content":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"organizations:*\",\"Resource\":\"*\"}]}"}`},
		{"ListDelegatedAdministrators", `{}`},
	} {
		r := signedJSON(t, e, tc.op, []byte(tc.body))
		sum := sha256.Sum256([]byte(tc.body))
		r.Header.Del("Authorization")
		if err := v4.NewSigner().SignHTTP(ctx, member, r, hex.EncodeToString(sum[:]), "organizations", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var er map[string]string
		if err := json.Unmarshal(body, &er); err != nil || res.StatusCode != 400 || er["__type"] != "AccessDeniedException" || er["Message"] == "" || len(er) != 2 {
			t.Errorf("%s by a member: %d %s", tc.op, res.StatusCode, body)
		}
	}
	// Nothing changed.
	if l := must[*organizations.ListDelegatedAdministratorsOutput](t)(oc.ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{})); len(l.DelegatedAdministrators) != 0 {
		t.Fatalf("registered by a member: %+v", l.DelegatedAdministrators)
	}
	_, err := oc.DescribeResourcePolicy(ctx, &organizations.DescribeResourcePolicyInput{})
	wantError(t, err, "ResourcePolicyNotFoundException", 400)

	for _, id := range []string{outsiderID, "999999999999"} {
		_, err = oc.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: aws.String(id), ServicePrincipal: aws.String("config.amazonaws.com")})
		wantError(t, err, "AccountNotFoundException", 400)
		_, err = oc.ListDelegatedServicesForAccount(ctx, &organizations.ListDelegatedServicesForAccountInput{AccountId: aws.String(id)})
		wantError(t, err, "AccountNotFoundException", 400)
	}
	_, err = e.org(outsider).ListAWSServiceAccessForOrganization(ctx, &organizations.ListAWSServiceAccessForOrganizationInput{})
	wantError(t, err, "AWSOrganizationsNotInUseException", 400)
}

// A delegated administrator's calls are its principals' calls: the SCPs
// over its account limit them as any other (the Organizations User Guide,
// "SCP evaluation": SCPs restrict every principal of a member account).
func TestOrganizationsDelegatedAdministratorUnderSCP(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	root := *must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id
	id, admin := orgMember(t, e, "security")
	must[*organizations.EnableAWSServiceAccessOutput](t)(oc.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("guardduty.amazonaws.com")}))
	must[*organizations.RegisterDelegatedAdministratorOutput](t)(oc.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: &id, ServicePrincipal: aws.String("guardduty.amazonaws.com")}))
	must[*organizations.ListAccountsOutput](t)(e.org(admin).ListAccounts(ctx, &organizations.ListAccountsInput{}))

	must[*organizations.EnablePolicyTypeOutput](t)(oc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: &root, PolicyType: orgtypes.PolicyTypeServiceControlPolicy}))
	p := must[*organizations.CreatePolicyOutput](t)(oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("no-list"), Type: orgtypes.PolicyTypeServiceControlPolicy,
		Description: aws.String("d"), Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:ListAccounts","Resource":"*"}]}`)}))
	must[*organizations.AttachPolicyOutput](t)(oc.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: p.Policy.PolicySummary.Id, TargetId: &id}))
	_, err := e.org(admin).ListAccounts(ctx, &organizations.ListAccountsInput{})
	wantError(t, err, "AccessDeniedException", 400)
	must[*organizations.ListRootsOutput](t)(e.org(admin).ListRoots(ctx, &organizations.ListRootsInput{}))
}
