package server_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/postgres"
	"github.com/iamgate/iamgate/store/sqlite"
	"github.com/iamgate/iamgate/store/storetest"
)

// orgDeleteOrganizationTest drives DeleteOrganization (run from
// TestOrganizationSCP). botocore organizations/2016-11-28: only the
// management account may delete the organization, which "must be empty of
// member accounts" (OrganizationNotEmptyException); the Organizations User
// Guide, "Deleting an organization": its history is lost, and the
// management account may create another one.
func orgDeleteOrganizationTest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	s := aws.String

	_, err := oc.DeleteOrganization(ctx, &organizations.DeleteOrganizationInput{})
	wantError(t, err, "AWSOrganizationsNotInUseException", 400)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}))
	member := *must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: s("m@example.com"), AccountName: s("m")})).CreateAccountStatus.AccountId

	// A member may not delete it; nor a management user without
	// permission.
	out := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: s("arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"), RoleSessionName: s("member")}))
	_, err = e.org(session(out.Credentials)).DeleteOrganization(ctx, &organizations.DeleteOrganizationInput{})
	wantError(t, err, "AccessDeniedException", 400)
	keys := aaUsers(t, e, map[string]string{"nobody": ""})
	_, err = e.org(keys["nobody"]).DeleteOrganization(ctx, &organizations.DeleteOrganizationInput{})
	wantError(t, err, "AccessDeniedException", 400)

	// Not while it has a member, closed or not.
	_, err = oc.DeleteOrganization(ctx, &organizations.DeleteOrganizationInput{})
	wantError(t, err, "OrganizationNotEmptyException", 400)
	closed := *must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: s("c@example.com"), AccountName: s("c")})).CreateAccountStatus.AccountId
	must[*organizations.CloseAccountOutput](t)(oc.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: &closed}))
	must[*organizations.RemoveAccountFromOrganizationOutput](t)(oc.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: &member}))
	_, err = oc.DeleteOrganization(ctx, &organizations.DeleteOrganizationInput{})
	wantError(t, err, "OrganizationNotEmptyException", 400)
	if _, err := oc.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}); err != nil {
		t.Fatalf("the refused deletion changed the organization: %v", err)
	}

	// Its last member removed, an organization is deleted, and is then
	// not in use.
	e2 := newEnv(t)
	oc2 := e2.org(e2.admin)
	must[*organizations.CreateOrganizationOutput](t)(oc2.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}))
	m2 := *must[*organizations.CreateAccountOutput](t)(oc2.CreateAccount(ctx, &organizations.CreateAccountInput{Email: s("x@example.com"), AccountName: s("x")})).CreateAccountStatus.AccountId
	must[*organizations.RemoveAccountFromOrganizationOutput](t)(oc2.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: &m2}))
	must[*organizations.DeleteOrganizationOutput](t)(oc2.DeleteOrganization(ctx, &organizations.DeleteOrganizationInput{}))
	_, err = oc2.ListRoots(ctx, &organizations.ListRootsInput{})
	wantError(t, err, "AWSOrganizationsNotInUseException", 400)
	_, err = oc2.DeleteOrganization(ctx, &organizations.DeleteOrganizationInput{})
	wantError(t, err, "AWSOrganizationsNotInUseException", 400)
}

// Deleted, the organization is gone from the store, after a restart too;
// the management account creates another with nothing of the first.
func TestDeleteOrganizationDropsItFromTheStore(t *testing.T) {
	eachRestartStore(t, deleteOrganizationSurvives)
}

// eachRestartStore runs survive on SQLite and on PostgreSQL (a fresh
// schema), open opening the same store again each time it is called.
func eachRestartStore(t *testing.T, survive func(t *testing.T, open func() store.Store)) {
	t.Run("SQLite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "iamgate.db")
		survive(t, func() store.Store {
			st, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			return st
		})
	})
	t.Run("Postgres", func(t *testing.T) {
		dsn := storetest.FreshSchema(t, storetest.PostgresDSN(t))
		survive(t, func() store.Store {
			st, err := postgres.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			return st
		})
	})
}

// restartOn closes e's server and its store st, and starts a server on
// the store open opens again (closed when the test ends).
func restartOn(t *testing.T, e *env, st store.Store, open func() store.Store) *env {
	t.Helper()
	e.ts.Close()
	st.Close()
	st = open()
	t.Cleanup(func() { st.Close() })
	return startEnv(t, st)
}

func deleteOrganizationSurvives(t *testing.T, open func() store.Store) {
	ctx := context.Background()
	st := open()
	e := startEnv(t, st)
	admin := e.admin
	oc := e.org(admin)
	s := aws.String
	first := *must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{})).Organization.Id
	root := *must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id
	must[*organizations.EnablePolicyTypeOutput](t)(oc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: &root, PolicyType: orgtypes.PolicyTypeServiceControlPolicy}))
	p := must[*organizations.CreatePolicyOutput](t)(oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: s("allow-all"), Description: s(""), Type: orgtypes.PolicyTypeServiceControlPolicy,
		Content: s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)})).Policy.PolicySummary.Id
	must[*organizations.AttachPolicyOutput](t)(oc.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: p, TargetId: s("123456789012")}))
	must[*organizations.DeleteOrganizationOutput](t)(oc.DeleteOrganization(ctx, &organizations.DeleteOrganizationInput{}))
	_, err := oc.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	wantError(t, err, "AWSOrganizationsNotInUseException", 400)
	e = restartOn(t, e, st, open)
	oc = e.org(admin)
	_, err = oc.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	wantError(t, err, "AWSOrganizationsNotInUseException", 400)
	second := *must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{})).Organization.Id
	if second == first {
		t.Fatalf("the new organization has the old ID %s", first)
	}
	root = *must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id
	must[*organizations.EnablePolicyTypeOutput](t)(oc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: &root, PolicyType: orgtypes.PolicyTypeServiceControlPolicy}))
	if ps := must[*organizations.ListPoliciesOutput](t)(oc.ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: orgtypes.PolicyTypeServiceControlPolicy})).Policies; len(ps) != 1 || *ps[0].Name != "FullAWSAccess" {
		t.Fatalf("policies of the new organization: %+v", ps)
	}
	if ps := must[*organizations.ListPoliciesForTargetOutput](t)(oc.ListPoliciesForTarget(ctx, &organizations.ListPoliciesForTargetInput{TargetId: s("123456789012"), Filter: orgtypes.PolicyTypeServiceControlPolicy})).Policies; len(ps) != 1 || *ps[0].Name != "FullAWSAccess" {
		t.Fatalf("the management account's SCPs in the new organization: %+v", ps)
	}
}
