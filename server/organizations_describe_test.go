package server_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// orgDescribeTest drives DescribeAccount, DescribeOrganizationalUnit,
// UpdateOrganizationalUnit, DeleteOrganizationalUnit and
// ListCreateAccountStatus (run from TestOrganizationSCP, which checks that
// every Organizations operation is exercised). The error codes are the
// operations' errors in botocore organizations/2016-11-28; the messages of
// OrganizationalUnitNotFoundException and OrganizationalUnitNotEmptyException
// are the model's documentation of them, AccountNotFoundException's the
// real service's (quoted in
// github.com/aws-ia/terraform-aws-control_tower_account_factory/issues/289).
func orgDescribeTest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	s := aws.String

	// No organization yet.
	_, err := oc.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: s("123456789012")})
	wantError(t, err, "AWSOrganizationsNotInUseException", 400)

	org := must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}))
	root := *must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id

	// Create-account requests: CreateAccount, DescribeCreateAccountStatus
	// and ListCreateAccountStatus answer the same record, with the same
	// times on every call.
	first := must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: s("a@example.com"), AccountName: s("a")})).CreateAccountStatus
	second := must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: s("b@example.com"), AccountName: s("b")})).CreateAccountStatus
	member := *first.AccountId
	d1 := must[*organizations.DescribeCreateAccountStatusOutput](t)(oc.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: first.Id})).CreateAccountStatus
	d2 := must[*organizations.DescribeCreateAccountStatusOutput](t)(oc.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: first.Id})).CreateAccountStatus
	if !d1.RequestedTimestamp.Equal(*d2.RequestedTimestamp) || *d1.AccountId != member || d1.State != orgtypes.CreateAccountStateSucceeded {
		t.Fatalf("describe: %+v %+v", d1, d2)
	}
	// A request ID of the right form that CreateAccount never answered.
	_, err = oc.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: s("car-" + member + "zzzzzzzz")})
	wantError(t, err, "CreateAccountStatusNotFoundException", 400)
	all := must[*organizations.ListCreateAccountStatusOutput](t)(oc.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{}))
	if len(all.CreateAccountStatuses) != 2 || *all.CreateAccountStatuses[0].Id != *first.Id && *all.CreateAccountStatuses[1].Id != *first.Id {
		t.Fatalf("list: %+v", all.CreateAccountStatuses)
	}
	for _, st := range all.CreateAccountStatuses {
		if *st.Id == *first.Id && !st.RequestedTimestamp.Equal(*d1.RequestedTimestamp) {
			t.Fatalf("list and describe disagree: %v %v", st.RequestedTimestamp, d1.RequestedTimestamp)
		}
	}
	page := must[*organizations.ListCreateAccountStatusOutput](t)(oc.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{MaxResults: aws.Int32(1)}))
	if len(page.CreateAccountStatuses) != 1 || page.NextToken == nil {
		t.Fatalf("page 1: %+v", page)
	}
	page2 := must[*organizations.ListCreateAccountStatusOutput](t)(oc.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{MaxResults: aws.Int32(1), NextToken: page.NextToken}))
	if len(page2.CreateAccountStatuses) != 1 || page2.NextToken != nil || *page2.CreateAccountStatuses[0].Id == *page.CreateAccountStatuses[0].Id {
		t.Fatalf("page 2: %+v", page2)
	}
	failed := must[*organizations.ListCreateAccountStatusOutput](t)(oc.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{States: []orgtypes.CreateAccountState{orgtypes.CreateAccountStateFailed}}))
	if len(failed.CreateAccountStatuses) != 0 {
		t.Fatalf("failed: %+v", failed.CreateAccountStatuses)
	}
	_, err = oc.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{States: []orgtypes.CreateAccountState{"DONE"}})
	wantError(t, err, "InvalidInputException", 400)
	_ = second

	// DescribeAccount.
	acct := must[*organizations.DescribeAccountOutput](t)(oc.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: &member})).Account
	if *acct.Email != "a@example.com" || *acct.Name != "a" || acct.JoinedTimestamp == nil || acct.JoinedTimestamp.Unix() == 0 ||
		*acct.Arn != "arn:aws:organizations::123456789012:account/"+*org.Organization.Id+"/"+member {
		t.Fatalf("account: %+v", acct)
	}
	must[*organizations.DescribeAccountOutput](t)(oc.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: s("123456789012")}))
	_, err = oc.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: s("111122223333")}) // in no organization of this world
	contains(t, wantError(t, err, "AccountNotFoundException", 400), "You specified an account that doesn't exist.")
	_, err = oc.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: s("1234")})
	wantError(t, err, "InvalidInputException", 400)

	// OUs: describe with the path, rename, duplicate names, delete.
	a := must[*organizations.CreateOrganizationalUnitOutput](t)(oc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: &root, Name: s("A")})).OrganizationalUnit
	b := must[*organizations.CreateOrganizationalUnitOutput](t)(oc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: a.Id, Name: s("B")})).OrganizationalUnit
	c := must[*organizations.CreateOrganizationalUnitOutput](t)(oc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: a.Id, Name: s("C")})).OrganizationalUnit
	got := must[*organizations.DescribeOrganizationalUnitOutput](t)(oc.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: b.Id})).OrganizationalUnit
	if *got.Name != "B" || *got.Arn != *b.Arn || *got.Path != *org.Organization.Id+"/"+root+"/"+*a.Id+"/"+*b.Id+"/" {
		t.Fatalf("describe OU: %+v", got)
	}
	renamed := must[*organizations.UpdateOrganizationalUnitOutput](t)(oc.UpdateOrganizationalUnit(ctx, &organizations.UpdateOrganizationalUnitInput{OrganizationalUnitId: b.Id, Name: s("B2")})).OrganizationalUnit
	if *renamed.Name != "B2" || *renamed.Id != *b.Id {
		t.Fatalf("renamed: %+v", renamed)
	}
	if n := *must[*organizations.DescribeOrganizationalUnitOutput](t)(oc.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: b.Id})).OrganizationalUnit.Name; n != "B2" {
		t.Fatalf("name after rename: %s", n)
	}
	_, err = oc.UpdateOrganizationalUnit(ctx, &organizations.UpdateOrganizationalUnitInput{OrganizationalUnitId: c.Id, Name: s("B2")})
	wantError(t, err, "DuplicateOrganizationalUnitException", 400)
	must[*organizations.UpdateOrganizationalUnitOutput](t)(oc.UpdateOrganizationalUnit(ctx, &organizations.UpdateOrganizationalUnitInput{OrganizationalUnitId: c.Id, Name: s("C")}))
	_, err = oc.UpdateOrganizationalUnit(ctx, &organizations.UpdateOrganizationalUnitInput{OrganizationalUnitId: c.Id, Name: s("")})
	wantError(t, err, "InvalidInputException", 400)

	_, err = oc.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: a.Id}) // holds OUs
	contains(t, wantError(t, err, "OrganizationalUnitNotEmptyException", 400), "The specified OU is not empty.")
	must[*organizations.MoveAccountOutput](t)(oc.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: &member, SourceParentId: &root, DestinationParentId: c.Id}))
	_, err = oc.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: c.Id}) // holds an account
	wantError(t, err, "OrganizationalUnitNotEmptyException", 400)
	must[*organizations.DeleteOrganizationalUnitOutput](t)(oc.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: b.Id}))
	_, err = oc.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: b.Id})
	contains(t, wantError(t, err, "OrganizationalUnitNotFoundException", 400), "We can't find an OU with the OrganizationalUnitId that you specified.")
	_, err = oc.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: b.Id})
	wantError(t, err, "OrganizationalUnitNotFoundException", 400)
	// An OU ID of another organization (another root's).
	_, err = oc.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: s("ou-zzzz-abcdefgh")})
	wantError(t, err, "OrganizationalUnitNotFoundException", 400)
	_, err = oc.UpdateOrganizationalUnit(ctx, &organizations.UpdateOrganizationalUnitInput{OrganizationalUnitId: s("ou-zzzz-abcdefgh"), Name: s("x")})
	wantError(t, err, "OrganizationalUnitNotFoundException", 400)
	// A root is not an OU: its ID breaks OrganizationalUnitId's pattern.
	_, err = oc.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: &root})
	wantError(t, err, "InvalidInputException", 400)
	children := must[*organizations.ListOrganizationalUnitsForParentOutput](t)(oc.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: a.Id}))
	if len(children.OrganizationalUnits) != 1 || *children.OrganizationalUnits[0].Id != *c.Id {
		t.Fatalf("children of A: %+v", children.OrganizationalUnits)
	}

	// A member account may make none of these calls (botocore: they are
	// the management account's; AccessDeniedException).
	out := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: s("arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"), RoleSessionName: s("member")}))
	mc := e.org(session(out.Credentials))
	_, err = mc.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: &member})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = mc.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: c.Id})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = mc.UpdateOrganizationalUnit(ctx, &organizations.UpdateOrganizationalUnitInput{OrganizationalUnitId: c.Id, Name: s("mine")})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = mc.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: a.Id})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = mc.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{})
	wantError(t, err, "AccessDeniedException", 400)

	// A user of the management account without permission is denied
	// before anything is looked up: an OU or account that does not exist
	// is AccessDeniedException too, not NotFound.
	keys := aaUsers(t, e, map[string]string{"nobody": "",
		"ou-reader": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:DescribeOrganizationalUnit","Resource":"` + *c.Arn + `"}]}`})
	nc := e.org(keys["nobody"])
	_, err = nc.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: s("111122223333")})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = nc.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: s("ou-zzzz-abcdefgh")})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = nc.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: c.Id})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = nc.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{})
	wantError(t, err, "AccessDeniedException", 400)
	// Allowed on one OU's ARN only: that OU, and no other.
	rc := e.org(keys["ou-reader"])
	must[*organizations.DescribeOrganizationalUnitOutput](t)(rc.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: c.Id}))
	_, err = rc.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: a.Id})
	wantError(t, err, "AccessDeniedException", 400)
	if n := *must[*organizations.DescribeOrganizationalUnitOutput](t)(oc.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: c.Id})).OrganizationalUnit.Name; n != "C" {
		t.Fatalf("the member's rename changed the OU: %s", n)
	}
}
