package server_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// rawIAM sends an IAM Query request signed for creds and returns its
// status and body as written on the wire.
func rawIAM(t *testing.T, e *env, creds aws.Credentials, action string, params url.Values) (int, string) {
	t.Helper()
	form := url.Values{"Action": {action}, "Version": {"2010-05-08"}}
	for k, v := range params {
		form[k] = v
	}
	res, err := http.DefaultClient.Do(signed(t, e.ts.URL, form.Encode(), creds, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// The typed policy, authorization details and SAML list handlers write
// the bytes the untyped ones wrote (issue 17): a list of the result is
// written as its element even when empty, an entity's tags only when it
// has some, IsTruncated always. The members are the botocore model's
// (iam/2010-05-08: ListEntitiesForPolicyResponse, ListPoliciesResponse,
// ListSAMLProvidersResponse, ListOpenIDConnectProvidersResponse,
// GetAccountAuthorizationDetailsResponse,
// UserDetail, ManagedPolicyDetail); where the model makes a list optional,
// iamgate writes it empty rather than leave it out (README, Typed shapes).
// Issue 17 also: GetPolicyVersion returns the document, CreatePolicyVersion
// and ListPolicyVersions do not (the IAM API Reference, GetPolicyVersion:
// "Retrieves information about the specified version ... including the
// policy document").
func TestTypedPolicyListsWriteTheirEmptyElements(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.iam(e.admin)
	p := must[*iam.CreatePolicyOutput](t)(admin.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("lonely"), PolicyDocument: aws.String(allowS3)}))
	must[*iam.CreateUserOutput](t)(admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bare")}))
	arn := aws.ToString(p.Policy.Arn)

	for _, c := range []struct {
		name, action string
		params       url.Values
		want         []string
		not          []string
	}{
		{"entities of a policy attached nowhere", "ListEntitiesForPolicy", url.Values{"PolicyArn": {arn}},
			[]string{"<PolicyGroups></PolicyGroups><PolicyUsers></PolicyUsers><PolicyRoles></PolicyRoles><IsTruncated>false</IsTruncated>"}, nil},
		{"no policy under a path", "ListPolicies", url.Values{"PathPrefix": {"/nothing/here/"}},
			[]string{"<ListPoliciesResult><Policies></Policies><IsTruncated>false</IsTruncated></ListPoliciesResult>"}, nil},
		{"no SAML provider", "ListSAMLProviders", nil,
			[]string{"<ListSAMLProvidersResult><SAMLProviderList></SAMLProviderList></ListSAMLProvidersResult>"}, nil},
		// The OIDC list is written empty too, as its untyped handler wrote
		// it (the typed one left it out before shape.List told nil from
		// empty).
		{"no OIDC provider", "ListOpenIDConnectProviders", nil,
			[]string{"<ListOpenIDConnectProvidersResult><OpenIDConnectProviderList></OpenIDConnectProviderList></ListOpenIDConnectProvidersResult>"}, nil},
		// A user's SSH keys and service-specific credentials: "If none
		// exists, the operation returns an empty list." (the IAM API
		// Reference, ListSSHPublicKeys and ListServiceSpecificCredentials;
		// the botocore model's documentation of both); moto's
		// test_list_ssh_public_keys reads the empty list.
		{"no SSH public key", "ListSSHPublicKeys", url.Values{"UserName": {"bare"}},
			[]string{"<ListSSHPublicKeysResult><SSHPublicKeys></SSHPublicKeys><IsTruncated>false</IsTruncated>"}, nil},
		{"no service-specific credential", "ListServiceSpecificCredentials", url.Values{"UserName": {"bare"}},
			[]string{"<ListServiceSpecificCredentialsResult><ServiceSpecificCredentials></ServiceSpecificCredentials>"}, nil},
		{"a user with nothing", "GetAccountAuthorizationDetails", url.Values{"Filter.member.1": {"User"}},
			[]string{"<UserName>bare</UserName>", "<UserPolicyList></UserPolicyList><GroupList></GroupList><AttachedManagedPolicies></AttachedManagedPolicies>",
				"<GroupDetailList></GroupDetailList><RoleDetailList></RoleDetailList><Policies></Policies><IsTruncated>false</IsTruncated>"},
			[]string{"<Tags>", "<PermissionsBoundary>"}},
		{"a local policy's versions with their documents", "GetAccountAuthorizationDetails", url.Values{"Filter.member.1": {"LocalManagedPolicy"}},
			[]string{"<PolicyName>lonely</PolicyName>", "<AttachmentCount>0</AttachmentCount>", "<IsAttachable>true</IsAttachable>",
				"<PolicyVersionList><member><Document>", "<VersionId>v1</VersionId><IsDefaultVersion>true</IsDefaultVersion>", "<UserDetailList></UserDetailList>"},
			[]string{"<Tags>"}},
		{"a policy without tags", "GetPolicy", url.Values{"PolicyArn": {arn}},
			[]string{"<Path>/</Path><DefaultVersionId>v1</DefaultVersionId><AttachmentCount>0</AttachmentCount><PermissionsBoundaryUsageCount>0</PermissionsBoundaryUsageCount><IsAttachable>true</IsAttachable>"},
			[]string{"<Tags>", "<Description>"}},
		{"a new version, no document", "CreatePolicyVersion", url.Values{"PolicyArn": {arn}, "PolicyDocument": {allowS3}},
			[]string{"<PolicyVersion><VersionId>v2</VersionId><IsDefaultVersion>false</IsDefaultVersion><CreateDate>"}, []string{"<Document>"}},
		{"the version's document", "GetPolicyVersion", url.Values{"PolicyArn": {arn}, "VersionId": {"v2"}},
			[]string{"<PolicyVersion><Document>" + url.PathEscape(allowS3)[:10]}, nil},
		{"versions listed without documents", "ListPolicyVersions", url.Values{"PolicyArn": {arn}},
			[]string{"<Versions><member><VersionId>v1</VersionId>", "<IsTruncated>false</IsTruncated>"}, []string{"<Document>"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body := rawIAM(t, e, e.admin, c.action, c.params)
			if status != 200 {
				t.Fatalf("%s: %d %s", c.action, status, body)
			}
			for _, w := range c.want {
				if !strings.Contains(body, w) {
					t.Errorf("%s: no %s in\n%s", c.action, w, body)
				}
			}
			for _, n := range c.not {
				if strings.Contains(body, n) {
					t.Errorf("%s: %s in\n%s", c.action, n, body)
				}
			}
		})
	}
}

// A caller the engine denies learns nothing from the typed policy handlers
// and changes nothing (the IAM API Reference, "Common Errors":
// AccessDenied, 403): a user without permissions reads no policy,
// version, entity list or authorization details, and creates, changes or
// deletes no version.
func TestTypedPolicyHandlersDenyAndChangeNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.iam(e.admin)
	p := must[*iam.CreatePolicyOutput](t)(admin.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("guarded"), PolicyDocument: aws.String(allowS3)}))
	must[*iam.CreatePolicyVersionOutput](t)(admin.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: p.Policy.Arn, PolicyDocument: aws.String(allowS3)}))
	arn := aws.ToString(p.Policy.Arn)
	nobody := e.newUser("nobody", "")
	for _, c := range []struct {
		action string
		params url.Values
	}{
		{"GetPolicy", url.Values{"PolicyArn": {arn}}},
		{"ListPolicies", nil},
		{"GetPolicyVersion", url.Values{"PolicyArn": {arn}, "VersionId": {"v1"}}},
		{"ListPolicyVersions", url.Values{"PolicyArn": {arn}}},
		{"ListEntitiesForPolicy", url.Values{"PolicyArn": {arn}}},
		{"GetAccountAuthorizationDetails", nil},
		{"ListSAMLProviders", nil},
		{"CreatePolicyVersion", url.Values{"PolicyArn": {arn}, "PolicyDocument": {allowS3}, "SetAsDefault": {"true"}}},
		{"SetDefaultPolicyVersion", url.Values{"PolicyArn": {arn}, "VersionId": {"v2"}}},
		{"DeletePolicyVersion", url.Values{"PolicyArn": {arn}, "VersionId": {"v2"}}},
		{"DeletePolicy", url.Values{"PolicyArn": {arn}}},
		{"CreatePolicy", url.Values{"PolicyName": {"mine"}, "PolicyDocument": {allowS3}}},
	} {
		status, body := rawIAM(t, e, nobody, c.action, c.params)
		if status != 403 || !strings.Contains(body, "<Code>AccessDenied</Code>") || strings.Contains(body, "<PolicyVersion>") || strings.Contains(body, "Result>") {
			t.Errorf("%s by a user without permissions: %d %s", c.action, status, body)
		}
	}
	vs := must[*iam.ListPolicyVersionsOutput](t)(admin.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: p.Policy.Arn}))
	if len(vs.Versions) != 2 || aws.ToString(vs.Versions[0].VersionId) != "v1" || !vs.Versions[0].IsDefaultVersion || vs.Versions[1].IsDefaultVersion {
		t.Fatalf("the denied calls changed the versions: %+v", vs.Versions)
	}
	_, err := admin.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(strings.Replace(arn, "guarded", "mine", 1))})
	wantError(t, err, "NoSuchEntity", 404)
	must[*iam.GetPolicyOutput](t)(admin.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: p.Policy.Arn}))
}

// ListEntitiesForPolicy pages with Marker and MaxItems (the IAM API
// Reference, ListEntitiesForPolicy: MaxItems "the maximum number of items
// you want in the response. If additional items exist beyond the maximum
// you specify, the IsTruncated response element is true"), over the
// groups, users and roles together: the SDK's paginator sees every entity
// once.
func TestListEntitiesForPolicyPages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.iam(e.admin)
	p := must[*iam.CreatePolicyOutput](t)(admin.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("shared"), PolicyDocument: aws.String(allowS3)}))
	for _, g := range []string{"g1", "g2"} {
		must[*iam.CreateGroupOutput](t)(admin.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String(g)}))
		must[*iam.AttachGroupPolicyOutput](t)(admin.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String(g), PolicyArn: p.Policy.Arn}))
	}
	for _, u := range []string{"u1", "u2"} {
		must[*iam.CreateUserOutput](t)(admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u)}))
		must[*iam.AttachUserPolicyOutput](t)(admin.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(u), PolicyArn: p.Policy.Arn}))
	}
	must[*iam.CreateRoleOutput](t)(admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r1"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	must[*iam.AttachRolePolicyOutput](t)(admin.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r1"), PolicyArn: p.Policy.Arn}))

	var got []string
	pages := 0
	pg := iam.NewListEntitiesForPolicyPaginator(admin, &iam.ListEntitiesForPolicyInput{PolicyArn: p.Policy.Arn, MaxItems: aws.Int32(2)})
	for pg.HasMorePages() {
		out := must[*iam.ListEntitiesForPolicyOutput](t)(pg.NextPage(ctx))
		pages++
		if n := len(out.PolicyGroups) + len(out.PolicyUsers) + len(out.PolicyRoles); n > 2 {
			t.Fatalf("page %d has %d entities, MaxItems is 2", pages, n)
		}
		for _, g := range out.PolicyGroups {
			got = append(got, "group "+aws.ToString(g.GroupName))
		}
		for _, u := range out.PolicyUsers {
			got = append(got, "user "+aws.ToString(u.UserName))
		}
		for _, r := range out.PolicyRoles {
			got = append(got, "role "+aws.ToString(r.RoleName))
		}
	}
	want := []string{"group g1", "group g2", "user u1", "user u2", "role r1"}
	if pages != 3 || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%d pages: %v, want 3 pages: %v", pages, got, want)
	}
}

// ListPolicies leaves out a policy's description and tags, which GetPolicy
// returns: the botocore model iam/2010-05-08, Policy.Description ("It is
// not included in the response to the ListPolicies operation"), and the
// IAM API Reference, ListPolicies ("this operation does not return tags,
// even though they are an attribute of the returned object").
func TestListPoliciesLeavesOutDescriptionAndTags(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.iam(e.admin)
	p := must[*iam.CreatePolicyOutput](t)(admin.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("described"), PolicyDocument: aws.String(allowS3),
		Description: aws.String("what it is for"), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}}))
	got := must[*iam.GetPolicyOutput](t)(admin.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: p.Policy.Arn}))
	if aws.ToString(got.Policy.Description) != "what it is for" || len(got.Policy.Tags) != 1 {
		t.Fatalf("GetPolicy: %+v", got.Policy)
	}
	list := must[*iam.ListPoliciesOutput](t)(admin.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal}))
	if len(list.Policies) != 1 || aws.ToString(list.Policies[0].PolicyName) != "described" {
		t.Fatalf("ListPolicies: %+v", list.Policies)
	}
	if lp := list.Policies[0]; lp.Description != nil || lp.Tags != nil {
		t.Fatalf("ListPolicies returns the description %q and tags %v", aws.ToString(lp.Description), lp.Tags)
	}
}
