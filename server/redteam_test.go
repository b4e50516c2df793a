package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// Red-team negative tests of the wire layer: requests that try to make the
// checks before a handler read something other than what the handler acts
// on. Each must be refused, and change nothing.

// Organizations' own tag rules (no aws: key, unique keys: botocore
// organizations/2016-11-28 InvalidInputExceptionReason
// INVALID_SYSTEM_TAGS_PARAMETER and DUPLICATE_TAG_KEY) are checked on the
// members the handler reads, whose names are exact: a second member named
// "tags" or "key" in another case (which Go's JSON decoder would fold onto
// Tags or Key) does not hide the real ones from the check.
func TestRedTeamOrganizationsTagRulesSeeTheExactMembers(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	root := *must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id
	for _, tc := range []struct{ name, op, body string }{
		{"a second tags list, in lower case", "CreateOrganizationalUnit",
			`{"ParentId":"` + root + `","Name":"sneaky1","Tags":[{"Key":"aws:owner","Value":"x"}],"tags":[]}`},
		{"a second key, in lower case", "CreateOrganizationalUnit",
			`{"ParentId":"` + root + `","Name":"sneaky2","Tags":[{"Key":"aws:owner","Value":"x","key":"fine"}]}`},
		{"duplicate keys hidden by a second key", "CreateOrganizationalUnit",
			`{"ParentId":"` + root + `","Name":"sneaky3","Tags":[{"Key":"a","Value":"x"},{"Key":"a","KEY":"b","Value":"y"}]}`},
		{"TagResource: a second tags list", "TagResource",
			`{"ResourceId":"` + root + `","Tags":[{"Key":"aws:owner","Value":"x"}],"TAGS":[]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postJSONBody(t, e, tc.op, tc.body)
			if status != 400 || !strings.Contains(string(body), "InvalidInputException") {
				t.Errorf("%s: %d %s", tc.body, status, body)
			}
		})
	}
	ous := must[*organizations.ListOrganizationalUnitsForParentOutput](t)(oc.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: &root}))
	if len(ous.OrganizationalUnits) != 0 {
		t.Errorf("refused requests created OUs: %+v", ous.OrganizationalUnits)
	}
	tags := must[*organizations.ListTagsForResourceOutput](t)(oc.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: &root}))
	if len(tags.Tags) != 0 {
		t.Errorf("refused requests tagged the root: %+v", tags.Tags)
	}
}

// orgJSONAs sends an Organizations JSON request signed by c.
func orgJSONAs(t *testing.T, e *env, c aws.Credentials, op, body string) (int, string) {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, e.ts.URL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "AWSOrganizationsV20161128."+op)
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), c, r, hex.EncodeToString(sum[:]), "organizations", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(out)
}

// organizations:PolicyType (the Service Authorization Reference, "Actions
// defined by AWS Organizations": "Filters access by the specified policy
// type names") is the policy type the operation itself acts on: its own
// member (CreatePolicy's Type, EnablePolicyType's PolicyType, the policy of
// AttachPolicy's PolicyId), by its exact name. A member the operation does
// not have, or a second member in another case, which the handler ignores,
// must not choose the key a condition is decided on.
func TestRedTeamOrganizationsPolicyTypeKeyIsTheOperationsOwn(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	root := *must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id
	must[*organizations.EnablePolicyTypeOutput](t)(oc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: &root, PolicyType: orgtypes.PolicyTypeServiceControlPolicy}))
	scp := *must[*organizations.CreatePolicyOutput](t)(oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("deny-all"),
		Type: orgtypes.PolicyTypeServiceControlPolicy, Description: aws.String("d"),
		Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`)})).Policy.PolicySummary.Id
	ou := *must[*organizations.CreateOrganizationalUnitOutput](t)(oc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: &root, Name: aws.String("ou")})).OrganizationalUnit.Id

	// tagger may act on tag policies only.
	newUser(t, e, "tagger")
	must[*iam.PutUserPolicyOutput](t)(e.iam(e.admin).PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("tagger"), PolicyName: aws.String("tp"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:*","Resource":"*",
 "Condition":{"StringEquals":{"organizations:PolicyType":"TAG_POLICY"}}}]}`)}))
	tagger := userCreds(t, e, "tagger")
	time.Sleep(10 * time.Millisecond)
	content := strconv.Quote(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`)
	for _, tc := range []struct{ name, op, body string }{
		{"CreatePolicy: a second type in lower case", "CreatePolicy",
			`{"Name":"x1","Description":"d","Content":` + content + `,"Type":"SERVICE_CONTROL_POLICY","type":"TAG_POLICY"}`},
		{"EnablePolicyType: a Type member it does not have", "EnablePolicyType",
			`{"RootId":"` + root + `","PolicyType":"RESOURCE_CONTROL_POLICY","Type":"TAG_POLICY"}`},
		{"EnablePolicyType: a second policytype", "EnablePolicyType",
			`{"RootId":"` + root + `","PolicyType":"RESOURCE_CONTROL_POLICY","policytype":"TAG_POLICY"}`},
		{"AttachPolicy: a Type member it does not have", "AttachPolicy",
			`{"PolicyId":"` + scp + `","TargetId":"` + ou + `","Type":"TAG_POLICY"}`},
		{"DeletePolicy: a Filter member it does not have", "DeletePolicy",
			`{"PolicyId":"` + scp + `","Filter":"TAG_POLICY"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := orgJSONAs(t, e, tagger, tc.op, tc.body)
			if status != 400 || !strings.Contains(body, "AccessDeniedException") {
				t.Errorf("%s: %d %s", tc.body, status, body)
			}
		})
	}
	// Nothing changed: one policy (the SCP), not attached to the OU, RCPs
	// not enabled.
	pols := must[*organizations.ListPoliciesOutput](t)(oc.ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: orgtypes.PolicyTypeServiceControlPolicy}))
	if len(pols.Policies) != 2 { // FullAWSAccess and deny-all
		t.Errorf("policies: %d", len(pols.Policies))
	}
	targets := must[*organizations.ListTargetsForPolicyOutput](t)(oc.ListTargetsForPolicy(ctx, &organizations.ListTargetsForPolicyInput{PolicyId: &scp}))
	if len(targets.Targets) != 0 {
		t.Errorf("the SCP was attached: %+v", targets.Targets)
	}
	roots := must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{}))
	for _, pt := range roots.Roots[0].PolicyTypes {
		if pt.Type == orgtypes.PolicyTypeResourceControlPolicy {
			t.Errorf("RCPs were enabled")
		}
	}
}

// Renaming (or moving) a user or group is authorized on the target object
// as well as the source: the IAM API Reference, UpdateUser and
// UpdateGroup: "To change a user name, the requester must have appropriate
// permissions on both the source object and the target object. For
// example, to change Bob to Robert, the entity making the request must
// have permission on Bob and Robert, or must have permission on all (*)."
// A caller allowed to update dev-* users only must not rename one out of
// its reach (into a name or path other policies trust).
func TestRedTeamRenameIsAuthorizedOnTheTarget(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.iam(e.admin)
	must[*iam.CreateUserOutput](t)(admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dev-bob")}))
	must[*iam.CreateGroupOutput](t)(admin.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("dev-team")}))
	renamer := e.iam(e.newUser("renamer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:UpdateUser","iam:UpdateGroup"],
 "Resource":["arn:aws:iam::123456789012:user/dev-*","arn:aws:iam::123456789012:group/dev-*"]}]}`))
	_, err := renamer.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("dev-bob"), NewUserName: aws.String("admin-bob")})
	wantError(t, err, "AccessDenied", 403)
	_, err = renamer.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("dev-bob"), NewPath: aws.String("/admins/")})
	wantError(t, err, "AccessDenied", 403)
	_, err = renamer.UpdateGroup(ctx, &iam.UpdateGroupInput{GroupName: aws.String("dev-team"), NewGroupName: aws.String("admins")})
	wantError(t, err, "AccessDenied", 403)
	_, err = renamer.UpdateGroup(ctx, &iam.UpdateGroupInput{GroupName: aws.String("dev-team"), NewPath: aws.String("/admins/")})
	wantError(t, err, "AccessDenied", 403)
	u := must[*iam.GetUserOutput](t)(admin.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("dev-bob")})).User
	if *u.Path != "/" {
		t.Errorf("a refused UpdateUser moved the user to %s", *u.Path)
	}
	g := must[*iam.GetGroupOutput](t)(admin.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("dev-team")})).Group
	if *g.Path != "/" {
		t.Errorf("a refused UpdateGroup moved the group to %s", *g.Path)
	}
	// Within its reach, the rename is allowed.
	must[*iam.UpdateUserOutput](t)(renamer.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("dev-bob"), NewUserName: aws.String("dev-robert")}))
	must[*iam.UpdateGroupOutput](t)(renamer.UpdateGroup(ctx, &iam.UpdateGroupInput{GroupName: aws.String("dev-team"), NewGroupName: aws.String("dev-crew")}))
}
