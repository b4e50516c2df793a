package server_test

import (
	"context"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/iamgate/iamgate/server"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/sqlite"
	"github.com/iamgate/iamgate/world"
)

// carIDPattern is the model's CreateAccountRequestId.
var carIDPattern = regexp.MustCompile(`^car-[a-z0-9]{8,32}$`)

// listCAS lists the organization's create-account requests of the states
// given, by ID.
func listCAS(t *testing.T, oc *organizations.Client, states ...orgtypes.CreateAccountState) map[string]orgtypes.CreateAccountStatus {
	t.Helper()
	out := map[string]orgtypes.CreateAccountStatus{}
	p := organizations.NewListCreateAccountStatusPaginator(oc, &organizations.ListCreateAccountStatusInput{States: states})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range page.CreateAccountStatuses {
			out[*st.Id] = st
		}
	}
	return out
}

// describeCAS describes one create-account request.
func describeCAS(t *testing.T, oc *organizations.Client, id *string) orgtypes.CreateAccountStatus {
	t.Helper()
	return *must[*organizations.DescribeCreateAccountStatusOutput](t)(oc.DescribeCreateAccountStatus(context.Background(),
		&organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: id})).CreateAccountStatus
}

// sameCAS reports whether two answers of a request agree, times included.
func sameCAS(a, b orgtypes.CreateAccountStatus) bool {
	return *a.Id == *b.Id && *a.AccountName == *b.AccountName && a.State == b.State && a.FailureReason == b.FailureReason &&
		aws.ToString(a.AccountId) == aws.ToString(b.AccountId) &&
		a.RequestedTimestamp.Equal(*b.RequestedTimestamp) && a.CompletedTimestamp.Equal(*b.CompletedTimestamp)
}

// Create-account requests (run from TestOrganizationSCP). botocore
// organizations/2016-11-28: CreateAccount answers a CreateAccountStatus,
// which DescribeCreateAccountStatus finds by its Id (car- and 8 to 32
// lowercase letters or digits) and ListCreateAccountStatus lists, of the
// States asked for; a request that fails is FAILED with a
// CreateAccountFailureReason (EMAIL_ALREADY_EXISTS: "another Amazon Web
// Services account with that email address already exists") and creates
// nothing. Both are the management account's (or a delegated
// administrator's), authorized as organizations:<Operation>;
// CreateAccountStatusNotFoundException's message is the model's
// documentation of it. The requests are in the store: a second server
// answers them, and another organization has none of them.
func orgCreateAccountStatusTest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	s := aws.String
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}))

	ok := must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: s("a@example.com"), AccountName: s("a")})).CreateAccountStatus
	if !carIDPattern.MatchString(*ok.Id) || ok.State != orgtypes.CreateAccountStateSucceeded || ok.AccountId == nil || ok.FailureReason != "" ||
		ok.RequestedTimestamp == nil || ok.CompletedTimestamp == nil || *ok.AccountName != "a" {
		t.Fatalf("succeeded: %+v", ok)
	}
	// The same address in another case, and the address an account of a
	// world without one answers (the management account's): FAILED,
	// completed, no account; the organization is unchanged.
	var failed []orgtypes.CreateAccountStatus
	for _, email := range []string{"A@Example.com", "123456789012@example.invalid"} {
		st := *must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: &email, AccountName: s("dup")})).CreateAccountStatus
		if !carIDPattern.MatchString(*st.Id) || st.State != orgtypes.CreateAccountStateFailed || st.FailureReason != orgtypes.CreateAccountFailureReasonEmailAlreadyExists ||
			st.AccountId != nil || st.CompletedTimestamp == nil || *st.AccountName != "dup" {
			t.Fatalf("failed %s: %+v", email, st)
		}
		failed = append(failed, st)
	}
	if n := len(must[*organizations.ListAccountsOutput](t)(oc.ListAccounts(ctx, &organizations.ListAccountsInput{})).Accounts); n != 2 {
		t.Fatalf("accounts after the failed requests: %d", n)
	}

	// Described, the same record each time, on a second server too.
	e2 := startEnv(t, e.st)
	for _, st := range []orgtypes.CreateAccountStatus{*ok, failed[0], failed[1]} {
		if got := describeCAS(t, oc, st.Id); !sameCAS(got, st) {
			t.Fatalf("describe %s: %+v, created as %+v", *st.Id, got, st)
		}
		within(t, "the request on the second server", func() error {
			_, err := e2.org(e.admin).DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: st.Id})
			return err
		})
		if got := describeCAS(t, e2.org(e.admin), st.Id); !sameCAS(got, st) {
			t.Fatalf("second server %s: %+v", *st.Id, got)
		}
	}

	// Listed, by state, one by one with NextToken.
	all := listCAS(t, oc)
	if len(all) != 3 || !sameCAS(all[*ok.Id], *ok) || !sameCAS(all[*failed[0].Id], failed[0]) {
		t.Fatalf("all: %+v", all)
	}
	if got := listCAS(t, oc, orgtypes.CreateAccountStateFailed); len(got) != 2 || got[*ok.Id].Id != nil {
		t.Fatalf("FAILED: %+v", got)
	}
	if got := listCAS(t, oc, orgtypes.CreateAccountStateSucceeded); len(got) != 1 || got[*ok.Id].Id == nil {
		t.Fatalf("SUCCEEDED: %+v", got)
	}
	if got := listCAS(t, oc, orgtypes.CreateAccountStateInProgress); len(got) != 0 { // iamgate completes each at once
		t.Fatalf("IN_PROGRESS: %+v", got)
	}
	if got := listCAS(t, oc, orgtypes.CreateAccountStateSucceeded, orgtypes.CreateAccountStateFailed); len(got) != 3 {
		t.Fatalf("SUCCEEDED, FAILED: %+v", got)
	}
	page := must[*organizations.ListCreateAccountStatusOutput](t)(oc.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{MaxResults: aws.Int32(2)}))
	if len(page.CreateAccountStatuses) != 2 || page.NextToken == nil || *page.CreateAccountStatuses[0].Id != *ok.Id {
		t.Fatalf("page 1 (oldest first): %+v", page)
	}
	page = must[*organizations.ListCreateAccountStatusOutput](t)(oc.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{MaxResults: aws.Int32(2), NextToken: page.NextToken}))
	if len(page.CreateAccountStatuses) != 1 || page.NextToken != nil || *page.CreateAccountStatuses[0].Id != *failed[1].Id {
		t.Fatalf("page 2: %+v", page)
	}

	// A member account, a user without permission and a user allowed
	// only to describe are refused, before anything is looked up, and a
	// refused CreateAccount keeps no request.
	memberID, member := orgMember(t, e, "member")
	nobody := e.newUser("nobody", "")
	describer := e.newUser("describer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:DescribeCreateAccountStatus","Resource":"*"}]}`)
	for _, c := range []aws.Credentials{member, nobody, describer} {
		_, err := e.org(c).ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{})
		wantError(t, err, "AccessDeniedException", 400)
		_, err = e.org(c).CreateAccount(ctx, &organizations.CreateAccountInput{Email: s("a@example.com"), AccountName: s("refused")})
		wantError(t, err, "AccessDeniedException", 400)
	}
	for _, c := range []aws.Credentials{member, nobody} {
		for _, id := range []*string{ok.Id, failed[0].Id, s("car-00000000")} {
			_, err := e.org(c).DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: id})
			wantError(t, err, "AccessDeniedException", 400)
		}
	}
	if got := describeCAS(t, e.org(describer), failed[0].Id); !sameCAS(got, failed[0]) {
		t.Fatalf("describer: %+v", got)
	}
	if got := listCAS(t, oc); len(got) != 4 { // and the member's
		t.Fatalf("after the refused requests: %+v", got)
	}
	// A member the resource policy delegates them to lists and
	// describes them (botocore: "the management account or a member
	// account that is a delegated administrator").
	must[*organizations.PutResourcePolicyOutput](t)(oc.PutResourcePolicy(ctx, &organizations.PutResourcePolicyInput{Content: s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
 "Principal":{"AWS":"arn:aws:iam::` + memberID + `:root"},"Action":["organizations:ListCreateAccountStatus","organizations:DescribeCreateAccountStatus"],"Resource":"*"}]}`)}))
	if got := listCAS(t, e.org(member)); len(got) != 4 || !sameCAS(describeCAS(t, e.org(member), failed[1].Id), failed[1]) {
		t.Fatalf("delegated: %+v", got)
	}
	must[*organizations.DeleteResourcePolicyOutput](t)(oc.DeleteResourcePolicy(ctx, &organizations.DeleteResourcePolicyInput{}))
	_, err := e.org(member).ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{})
	wantError(t, err, "AccessDeniedException", 400)
	// Bad IDs: the model's pattern, then one no request has.
	_, err = oc.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: s("car-ABC")})
	wantError(t, err, "InvalidInputException", 400)
	_, err = oc.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: s("car-00000000")})
	contains(t, wantError(t, err, "CreateAccountStatusNotFoundException", 400), "We can't find an create account request with the CreateAccountRequestId that you specified.")

	// A request stays when its account leaves; an account outside the
	// organization is in none.
	must[*organizations.RemoveAccountFromOrganizationOutput](t)(oc.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: ok.AccountId}))
	must[*organizations.RemoveAccountFromOrganizationOutput](t)(oc.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: &memberID}))
	if got := describeCAS(t, oc, ok.Id); !sameCAS(got, *ok) {
		t.Fatalf("after the account left: %+v", got)
	}
	_, err = e.org(member).DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: ok.Id})
	wantError(t, err, "AWSOrganizationsNotInUseException", 400)

	// Another organization (the first deleted) has none of the first's
	// requests, failed or not.
	must[*organizations.DeleteOrganizationOutput](t)(oc.DeleteOrganization(ctx, &organizations.DeleteOrganizationInput{}))
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}))
	for _, id := range []*string{ok.Id, failed[0].Id, failed[1].Id} {
		_, err = oc.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: id})
		wantError(t, err, "CreateAccountStatusNotFoundException", 400)
	}
	if got := listCAS(t, oc); len(got) != 0 {
		t.Fatalf("another organization's: %+v", got)
	}
}

// handWrittenOrgWorld is a world written by hand: an organization with a
// member whose creation nothing recorded, and an account outside it.
const handWrittenOrgWorld = `
organization:
  managementAccount: "100000000000"
  root:
    accounts: ["100000000000", "111111111111"]
accounts:
  - id: "100000000000"
    name: management
    users:
      - name: admin
        policies:
          - name: all
            document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "*", Resource: "*"}]}
  - id: "111111111111"
    name: written
    email: written@example.com
  - id: "999999999999"
    name: outside
    users:
      - name: admin
        policies:
          - name: all
            document: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "*", Resource: "*"}]}
`

// A world written by hand (run from TestOrganizationSCP): its member
// account, whose JoinedMethod is CREATED, has no create-account request
// (iamgate's choice, README "Organizations": it answers no request it
// never made); an account that joins by invitation (JoinedMethod INVITED)
// has none either; CreateAccount keeps its requests as in any world, and
// the hand-written member's address is taken.
func orgCreateAccountHandWrittenTest(t *testing.T) {
	ctx := context.Background()
	w, err := world.Parse("hand-written", []byte(handWrittenOrgWorld))
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "iamgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := store.SaveWorld(ctx, st, w); err != nil {
		t.Fatal(err)
	}
	e := startEnvWith(t, st, func(c *server.Config) { c.Account = "100000000000" })
	key := func(acct string) aws.Credentials {
		k, err := e.srv.Keys().CreateAccessKey(ctx, acct, "admin")
		if err != nil {
			t.Fatal(err)
		}
		return aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret}
	}
	oc, outside := e.org(key("100000000000")), e.org(key("999999999999"))

	if got := listCAS(t, oc); len(got) != 0 {
		t.Fatalf("hand-written: %+v", got)
	}
	acct := must[*organizations.DescribeAccountOutput](t)(oc.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String("111111111111")})).Account
	if acct.JoinedMethod != orgtypes.AccountJoinedMethodCreated {
		t.Fatalf("hand-written member: %+v", acct)
	}

	inv := must[*organizations.InviteAccountToOrganizationOutput](t)(oc.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{
		Target: &orgtypes.HandshakeParty{Type: orgtypes.HandshakePartyTypeAccount, Id: aws.String("999999999999")}}))
	must[*organizations.AcceptHandshakeOutput](t)(outside.AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: inv.Handshake.Id}))
	acct = must[*organizations.DescribeAccountOutput](t)(oc.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String("999999999999")})).Account
	if acct.JoinedMethod != orgtypes.AccountJoinedMethodInvited {
		t.Fatalf("invited: %+v", acct)
	}
	if got := listCAS(t, oc); len(got) != 0 {
		t.Fatalf("after the invitation: %+v", got)
	}

	dup := must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("written@example.com"), AccountName: aws.String("x")})).CreateAccountStatus
	made := must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("new@example.com"), AccountName: aws.String("new")})).CreateAccountStatus
	got := listCAS(t, oc)
	if dup.State != orgtypes.CreateAccountStateFailed || made.State != orgtypes.CreateAccountStateSucceeded || len(got) != 2 ||
		!sameCAS(got[*dup.Id], *dup) || !sameCAS(got[*made.Id], *made) {
		t.Fatalf("requests: %+v %+v %+v", dup, made, got)
	}
	// The invited member may not see them.
	_, err = outside.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{})
	wantError(t, err, "AccessDeniedException", 400)
}

// orgCreateAccountBeforeRestart makes create-account requests, one
// succeeded and one failed, and a tagged resource policy, through oc; the
// function it returns checks, through a client of a server started again
// on the same store, that they are as they were: they are kept in the
// organization (run from orgTagsSurvive, on SQLite and PostgreSQL).
func orgCreateAccountBeforeRestart(t *testing.T, oc *organizations.Client) func(oc *organizations.Client) {
	ctx := context.Background()
	s := aws.String
	ok := must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: s("kept@example.com"), AccountName: s("kept")})).CreateAccountStatus
	bad := must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: s("kept@example.com"), AccountName: s("again")})).CreateAccountStatus
	rp := must[*organizations.PutResourcePolicyOutput](t)(oc.PutResourcePolicy(ctx, &organizations.PutResourcePolicyInput{
		Content: s(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + *ok.AccountId + `:root"},"Action":"organizations:DescribeOrganization","Resource":"*"}]}`),
		Tags:    orgTags("team", "a")})).ResourcePolicy.ResourcePolicySummary.Id
	must[*organizations.TagResourceOutput](t)(oc.TagResource(ctx, &organizations.TagResourceInput{ResourceId: rp, Tags: orgTags("env", "prod")}))
	return func(oc *organizations.Client) {
		for _, want := range []orgtypes.CreateAccountStatus{*ok, *bad} {
			if got := describeCAS(t, oc, want.Id); !sameCAS(got, want) {
				t.Fatalf("after a restart: %+v, created as %+v", got, want)
			}
		}
		if got := listCAS(t, oc, orgtypes.CreateAccountStateFailed); len(got) != 1 || got[*bad.Id].Id == nil {
			t.Fatalf("FAILED after a restart: %+v", got)
		}
		wantOrgTags(t, oc, *rp, "env", "prod", "team", "a")
	}
}

// The resource policy's tags (run from TestOrganizationSCP). botocore
// organizations/2016-11-28: TaggableResourceId takes a resource policy's
// ID (rp-...), and ListTagsForResource, TagResource and UntagResource are
// the management account's; the Service Authorization Reference authorizes
// them on the resourcepolicy ARN, with its tags as aws:ResourceTag/*.
// PutResourcePolicy's tags are the policy's; a resource policy that is not
// the organization's (or no longer is) is TargetNotFoundException.
func orgResourcePolicyTagsTest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	s := aws.String
	o := must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{})).Organization
	memberID, member := orgMember(t, e, "member")
	content := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + memberID + `:root"},"Action":"organizations:DescribeOrganization","Resource":"*"}]}`
	rp := must[*organizations.PutResourcePolicyOutput](t)(oc.PutResourcePolicy(ctx, &organizations.PutResourcePolicyInput{Content: &content,
		Tags: orgTags("team", "platform")})).ResourcePolicy.ResourcePolicySummary
	id := rp.Id
	wantOrgTags(t, oc, *id, "team", "platform")
	must[*organizations.TagResourceOutput](t)(oc.TagResource(ctx, &organizations.TagResourceInput{ResourceId: id, Tags: orgTags("env", "prod", "team", "core")}))
	wantOrgTags(t, oc, *id, "env", "prod", "team", "core")
	must[*organizations.UntagResourceOutput](t)(oc.UntagResource(ctx, &organizations.UntagResourceInput{ResourceId: id, TagKeys: []string{"team", "absent"}}))
	wantOrgTags(t, oc, *id, "env", "prod")
	// Replacing the content keeps the tags.
	must[*organizations.PutResourcePolicyOutput](t)(oc.PutResourcePolicy(ctx, &organizations.PutResourcePolicyInput{Content: &content}))
	wantOrgTags(t, oc, *id, "env", "prod")
	// aws: keys are the system's (InvalidInputException
	// INVALID_SYSTEM_TAGS_PARAMETER), and change nothing.
	_, err := oc.TagResource(ctx, &organizations.TagResourceInput{ResourceId: id, Tags: orgTags("aws:x", "1")})
	wantReason(t, err, "InvalidInputException", "INVALID_SYSTEM_TAGS_PARAMETER")
	wantOrgTags(t, oc, *id, "env", "prod")

	// Refused: a member account (even the one the policy names), a user
	// without permission, a user allowed only another resource policy's
	// ARN; allowed: a user allowed this ARN while it has the tag its
	// condition names (aws:ResourceTag/env), and refused once it has not.
	nobody := e.newUser("nobody", "")
	other := e.newUser("other", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["organizations:TagResource","organizations:UntagResource","organizations:ListTagsForResource"],
 "Resource":"arn:aws:organizations::`+*o.MasterAccountId+`:resourcepolicy/`+*o.Id+`/rp-other"}]}`)
	prod := e.newUser("prod", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["organizations:TagResource","organizations:UntagResource","organizations:ListTagsForResource"],
 "Resource":"`+*rp.Arn+`","Condition":{"StringEquals":{"aws:ResourceTag/env":"prod"}}}]}`)
	for _, c := range []aws.Credentials{member, nobody, other} {
		_, err = e.org(c).ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: id})
		wantError(t, err, "AccessDeniedException", 400)
		_, err = e.org(c).TagResource(ctx, &organizations.TagResourceInput{ResourceId: id, Tags: orgTags("k", "v")})
		wantError(t, err, "AccessDeniedException", 400)
		_, err = e.org(c).UntagResource(ctx, &organizations.UntagResourceInput{ResourceId: id, TagKeys: []string{"env"}})
		wantError(t, err, "AccessDeniedException", 400)
	}
	wantOrgTags(t, oc, *id, "env", "prod")
	wantOrgTags(t, e.org(prod), *id, "env", "prod")
	must[*organizations.TagResourceOutput](t)(e.org(prod).TagResource(ctx, &organizations.TagResourceInput{ResourceId: id, Tags: orgTags("k", "v")}))
	must[*organizations.UntagResourceOutput](t)(e.org(prod).UntagResource(ctx, &organizations.UntagResourceInput{ResourceId: id, TagKeys: []string{"env"}}))
	_, err = e.org(prod).ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: id})
	wantError(t, err, "AccessDeniedException", 400)
	wantOrgTags(t, oc, *id, "k", "v")

	// Another ID, and the policy once deleted: TargetNotFoundException.
	_, err = oc.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: s("rp-other")})
	wantError(t, err, "TargetNotFoundException", 400)
	must[*organizations.DeleteResourcePolicyOutput](t)(oc.DeleteResourcePolicy(ctx, &organizations.DeleteResourcePolicyInput{}))
	_, err = oc.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: id})
	wantError(t, err, "TargetNotFoundException", 400)
	_, err = oc.TagResource(ctx, &organizations.TagResourceInput{ResourceId: id, Tags: orgTags("k", "v")})
	wantError(t, err, "TargetNotFoundException", 400)
}
