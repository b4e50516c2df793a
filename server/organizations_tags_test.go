package server_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamgate/iamgate/store"
)

// orgTags is a tag list of key=value pairs.
func orgTags(kv ...string) []orgtypes.Tag {
	var out []orgtypes.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, orgtypes.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

func wantOrgTags(t *testing.T, oc *organizations.Client, id string, want ...string) {
	t.Helper()
	got := must[*organizations.ListTagsForResourceOutput](t)(oc.ListTagsForResource(context.Background(), &organizations.ListTagsForResourceInput{ResourceId: &id})).Tags
	var kv []string
	for _, tg := range got {
		kv = append(kv, *tg.Key, *tg.Value)
	}
	if fmt.Sprint(kv) != fmt.Sprint(want) {
		t.Fatalf("tags of %s: %v, want %v", id, kv, want)
	}
}

// orgTagsTest drives TagResource, UntagResource and ListTagsForResource
// (run from TestOrganizationSCP, which checks that every Organizations
// operation is exercised). The rules are botocore
// organizations/2016-11-28's: the operations are the management account's
// (a member gets AccessDeniedException), a missing resource is
// TargetNotFoundException (the model's documentation of it), more than 50
// tags ConstraintViolationException MAX_TAG_LIMIT_EXCEEDED (the model has no
// TooManyTagsException for Organizations; 50 is the Organizations User
// Guide's "Quotas for AWS Organizations"), an aws: key InvalidInputException
// INVALID_SYSTEM_TAGS_PARAMETER. An AWS managed policy's ID is refused as
// breaking the pattern, as the real service answered for p-FullAWSAccess
// (cloud-custodian/cloud-custodian#8194). The resources' tags are
// aws:ResourceTag/* of every organizations action on them, and a request's
// aws:RequestTag/* and aws:TagKeys (the Service Authorization Reference for
// AWS Organizations).
func orgTagsTest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	s := aws.String

	_, err := oc.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: s("123456789012")})
	wantError(t, err, "AWSOrganizationsNotInUseException", 400)

	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}))
	root := *must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id
	red := must[*organizations.CreateOrganizationalUnitOutput](t)(oc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{
		ParentId: &root, Name: s("Red"), Tags: orgTags("team", "red", "cost", "1")})).OrganizationalUnit
	blue := must[*organizations.CreateOrganizationalUnitOutput](t)(oc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{
		ParentId: &root, Name: s("Blue"), Tags: orgTags("team", "blue")})).OrganizationalUnit
	st := must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: s("m@example.com"), AccountName: s("m"),
		Tags: orgTags("env", "prod")})).CreateAccountStatus
	member := *st.AccountId
	pol := must[*organizations.CreatePolicyOutput](t)(oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: s("deny-leave"), Description: s(""),
		Type: orgtypes.PolicyTypeServiceControlPolicy, Content: s(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}`),
		Tags: orgTags("owner", "sec")})).Policy.PolicySummary

	// Tags given at creation are stored and listed, by key.
	wantOrgTags(t, oc, *red.Id, "cost", "1", "team", "red")
	wantOrgTags(t, oc, member, "env", "prod")
	wantOrgTags(t, oc, *pol.Id, "owner", "sec")
	wantOrgTags(t, oc, root)
	wantOrgTags(t, oc, "123456789012") // the management account, untagged

	// TagResource adds and overwrites; UntagResource removes, and a key
	// the resource does not have is no error.
	must[*organizations.TagResourceOutput](t)(oc.TagResource(ctx, &organizations.TagResourceInput{ResourceId: &root, Tags: orgTags("scope", "all")}))
	must[*organizations.TagResourceOutput](t)(oc.TagResource(ctx, &organizations.TagResourceInput{ResourceId: red.Id, Tags: orgTags("team", "crimson", "a", "")}))
	wantOrgTags(t, oc, *red.Id, "a", "", "cost", "1", "team", "crimson")
	wantOrgTags(t, oc, root, "scope", "all")
	must[*organizations.UntagResourceOutput](t)(oc.UntagResource(ctx, &organizations.UntagResourceInput{ResourceId: red.Id, TagKeys: []string{"a", "nope"}}))
	must[*organizations.TagResourceOutput](t)(oc.TagResource(ctx, &organizations.TagResourceInput{ResourceId: red.Id, Tags: orgTags("team", "red")}))
	wantOrgTags(t, oc, *red.Id, "cost", "1", "team", "red")
	must[*organizations.TagResourceOutput](t)(oc.TagResource(ctx, &organizations.TagResourceInput{ResourceId: &member, Tags: orgTags("tier", "1")}))
	wantOrgTags(t, oc, member, "env", "prod", "tier", "1")
	// A renamed policy keeps its tags.
	must[*organizations.UpdatePolicyOutput](t)(oc.UpdatePolicy(ctx, &organizations.UpdatePolicyInput{PolicyId: pol.Id, Name: s("no-leave")}))
	wantOrgTags(t, oc, *pol.Id, "owner", "sec")
	// Pages.
	page := must[*organizations.ListTagsForResourceOutput](t)(oc.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: red.Id, NextToken: s("1")}))
	if len(page.Tags) != 1 || *page.Tags[0].Key != "team" {
		t.Fatalf("second page: %+v", page.Tags)
	}

	// Bad input changes nothing.
	var many []string
	for i := range 49 {
		many = append(many, fmt.Sprintf("k%02d", i), "v")
	}
	_, err = oc.TagResource(ctx, &organizations.TagResourceInput{ResourceId: red.Id, Tags: orgTags(many...)}) // 2 + 49 > 50
	contains(t, wantError(t, err, "ConstraintViolationException", 400), "You have exceeded the number of tags allowed on this resource.")
	_, err = oc.TagResource(ctx, &organizations.TagResourceInput{ResourceId: blue.Id, Tags: orgTags(append(many, "x", "1", "y", "2")...)}) // 51 given
	wantError(t, err, "ConstraintViolationException", 400)
	_, err = oc.TagResource(ctx, &organizations.TagResourceInput{ResourceId: red.Id, Tags: orgTags("aws:team", "x")})
	contains(t, wantError(t, err, "InvalidInputException", 400), "system tag")
	_, err = oc.UntagResource(ctx, &organizations.UntagResourceInput{ResourceId: red.Id, TagKeys: []string{"aws:team"}})
	wantError(t, err, "InvalidInputException", 400)
	_, err = oc.TagResource(ctx, &organizations.TagResourceInput{ResourceId: red.Id, Tags: orgTags("k", "1", "k", "2")})
	wantError(t, err, "InvalidInputException", 400)
	_, err = oc.TagResource(ctx, &organizations.TagResourceInput{ResourceId: s("not-an-id"), Tags: orgTags("k", "1")})
	wantError(t, err, "InvalidInputException", 400)
	_, err = oc.TagResource(ctx, &organizations.TagResourceInput{ResourceId: s("p-FullAWSAccess"), Tags: orgTags("k", "1")})
	contains(t, wantError(t, err, "InvalidInputException", 400), "You provided a value that does not match the required pattern.")
	wantOrgTags(t, oc, *red.Id, "cost", "1", "team", "red")
	wantOrgTags(t, oc, *blue.Id, "team", "blue")

	// IDs of another organization (or of nothing): TargetNotFoundException.
	for _, id := range []string{"r-zzzz", "ou-zzzz-abcdefgh", "111122223333", "p-zzzzzzzz", "rp-zzzzzzzz"} {
		_, err = oc.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: &id})
		contains(t, wantError(t, err, "TargetNotFoundException", 400), "We can't find a root, OU, account, or policy with the TargetId that you specified.")
		_, err = oc.TagResource(ctx, &organizations.TagResourceInput{ResourceId: &id, Tags: orgTags("k", "1")})
		wantError(t, err, "TargetNotFoundException", 400)
		_, err = oc.UntagResource(ctx, &organizations.UntagResourceInput{ResourceId: &id, TagKeys: []string{"k"}})
		wantError(t, err, "TargetNotFoundException", 400)
	}

	// A member account may not call them, even on itself.
	out := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: s("arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"), RoleSessionName: s("member")}))
	mc := e.org(session(out.Credentials))
	_, err = mc.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: &member})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = mc.TagResource(ctx, &organizations.TagResourceInput{ResourceId: &member, Tags: orgTags("env", "dev")})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = mc.UntagResource(ctx, &organizations.UntagResourceInput{ResourceId: &member, TagKeys: []string{"env"}})
	wantError(t, err, "AccessDeniedException", 400)

	// Users of the management account: one without permission is denied
	// before anything is looked up (a missing resource too); the others are
	// held to the resources' tags and the request's.
	keys := aaUsers(t, e, map[string]string{"nobody": "",
		"red-reader": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["organizations:DescribeOrganizationalUnit","organizations:ListTagsForResource","organizations:DescribeAccount"],"Resource":"*",
		  "Condition":{"StringEquals":{"aws:ResourceTag/team":"red"}}}]}`,
		"prod-reader": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:DescribeAccount","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"prod"}}}]}`,
		"sec-reader": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["organizations:DescribePolicy","organizations:EnablePolicyType"],"Resource":"*",
		  "Condition":{"StringEquals":{"aws:ResourceTag/owner":"sec"}}}]}`,
		"root-admin": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:EnablePolicyType","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/scope":"all"}}}]}`,
		"tagger": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["organizations:TagResource","organizations:CreateOrganizationalUnit"],"Resource":"*",
		  "Condition":{"StringEquals":{"aws:RequestTag/team":"green"},"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}},
		  {"Effect":"Allow","Action":"organizations:UntagResource","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["cost"]}}}]}`})
	nc := e.org(keys["nobody"])
	for _, id := range []string{*red.Id, "ou-zzzz-abcdefgh", "111122223333", *pol.Id} {
		_, err = nc.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: &id})
		wantError(t, err, "AccessDeniedException", 400)
		_, err = nc.TagResource(ctx, &organizations.TagResourceInput{ResourceId: &id, Tags: orgTags("k", "1")})
		wantError(t, err, "AccessDeniedException", 400)
		_, err = nc.UntagResource(ctx, &organizations.UntagResourceInput{ResourceId: &id, TagKeys: []string{"k"}})
		wantError(t, err, "AccessDeniedException", 400)
	}
	rc := e.org(keys["red-reader"])
	wantOrgTags(t, rc, *red.Id, "cost", "1", "team", "red")
	must[*organizations.DescribeOrganizationalUnitOutput](t)(rc.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: red.Id}))
	_, err = rc.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: blue.Id})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = rc.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: blue.Id})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = rc.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: &member})
	wantError(t, err, "AccessDeniedException", 400)
	// For an account, its tags are the account's.
	pc := e.org(keys["prod-reader"])
	must[*organizations.DescribeAccountOutput](t)(pc.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: &member}))
	_, err = pc.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: s("123456789012")})
	wantError(t, err, "AccessDeniedException", 400)

	// A policy's tags, and the root's.
	sc := e.org(keys["sec-reader"])
	must[*organizations.DescribePolicyOutput](t)(sc.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: pol.Id}))
	_, err = sc.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: s("p-FullAWSAccess")})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = sc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: &root, PolicyType: orgtypes.PolicyTypeTagPolicy})
	wantError(t, err, "AccessDeniedException", 400)
	must[*organizations.EnablePolicyTypeOutput](t)(e.org(keys["root-admin"]).EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: &root, PolicyType: orgtypes.PolicyTypeTagPolicy}))

	tc := e.org(keys["tagger"])
	must[*organizations.TagResourceOutput](t)(tc.TagResource(ctx, &organizations.TagResourceInput{ResourceId: blue.Id, Tags: orgTags("team", "green")}))
	_, err = tc.TagResource(ctx, &organizations.TagResourceInput{ResourceId: blue.Id, Tags: orgTags("team", "blue")})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = tc.TagResource(ctx, &organizations.TagResourceInput{ResourceId: blue.Id, Tags: orgTags("team", "green", "cost", "2")})
	wantError(t, err, "AccessDeniedException", 400)
	must[*organizations.UntagResourceOutput](t)(tc.UntagResource(ctx, &organizations.UntagResourceInput{ResourceId: red.Id, TagKeys: []string{"cost"}}))
	_, err = tc.UntagResource(ctx, &organizations.UntagResourceInput{ResourceId: red.Id, TagKeys: []string{"team"}})
	wantError(t, err, "AccessDeniedException", 400)
	must[*organizations.CreateOrganizationalUnitOutput](t)(tc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: &root, Name: s("Green"), Tags: orgTags("team", "green")}))
	_, err = tc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: &root, Name: s("Plain")})
	wantError(t, err, "AccessDeniedException", 400)
	wantOrgTags(t, oc, *blue.Id, "team", "green")
	wantOrgTags(t, oc, *red.Id, "team", "red")
}

// Tags on organization resources, management policies with their
// attachments, and create-account requests outlive a restart on the same
// store, SQLite and PostgreSQL: they are kept in the organization and the
// accounts the store holds.
func TestOrganizationTagsSurviveRestart(t *testing.T) {
	eachRestartStore(t, orgTagsSurvive) // organizations_deleteorg_test.go
}

func orgTagsSurvive(t *testing.T, open func() store.Store) {
	ctx := context.Background()
	st := open()
	e := startEnv(t, st)
	admin := e.admin
	oc := e.org(admin)
	s := aws.String
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}))
	root := *must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id
	ou := *must[*organizations.CreateOrganizationalUnitOutput](t)(oc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{
		ParentId: &root, Name: s("A"), Tags: orgTags("team", "a")})).OrganizationalUnit.Id
	member := *must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: s("m@example.com"), AccountName: s("m"),
		Tags: orgTags("env", "prod")})).CreateAccountStatus.AccountId
	must[*organizations.TagResourceOutput](t)(oc.TagResource(ctx, &organizations.TagResourceInput{ResourceId: &root, Tags: orgTags("scope", "all")}))
	// A management policy, attached, is kept too.
	tp := must[*organizations.CreatePolicyOutput](t)(oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: s("cost"), Description: s(""),
		Type: orgtypes.PolicyTypeTagPolicy, Content: s(`{"tags":{}}`), Tags: orgTags("owner", "fin")})).Policy.PolicySummary.Id
	must[*organizations.EnablePolicyTypeOutput](t)(oc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: &root, PolicyType: orgtypes.PolicyTypeTagPolicy}))
	must[*organizations.AttachPolicyOutput](t)(oc.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: tp, TargetId: &member}))
	createAccountKept := orgCreateAccountBeforeRestart(t, oc) // organizations_createaccount_test.go
	e = restartOn(t, e, st, open)
	oc = e.org(admin)
	createAccountKept(oc)
	wantOrgTags(t, oc, ou, "team", "a")
	wantOrgTags(t, oc, member, "env", "prod")
	wantOrgTags(t, oc, root, "scope", "all")
	wantOrgTags(t, oc, *tp, "owner", "fin")
	got := must[*organizations.ListPoliciesForTargetOutput](t)(oc.ListPoliciesForTarget(ctx, &organizations.ListPoliciesForTargetInput{TargetId: &member, Filter: orgtypes.PolicyTypeTagPolicy})).Policies
	if len(got) != 1 || *got[0].Id != *tp {
		t.Fatalf("tag policies of the account after a restart: %+v", got)
	}
}
