package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
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

// Authorize before revealing: account B, asking of account A's entities by
// ARN, gets the same answer whether the entity exists or not (only the ARN
// in the message differs), so no call of B's tells which of A's policies,
// providers or roles exist. The IAM User Guide, "How IAM works": a request
// is authorized before IAM acts on the resource it names.
func TestRedTeamNoExistenceOracleAcrossAccounts(t *testing.T) {
	e, b, adminB := twoAccounts(t)
	_ = b
	ctx := context.Background()
	ia := e.iam(e.admin)
	pa := *must[*iam.CreatePolicyOutput](t)(ia.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Exists"), PolicyDocument: aws.String(allowAll)})).Policy.Arn
	must[*iam.CreateRoleOutput](t)(ia.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("exists"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	oidc := *must[*iam.CreateOpenIDConnectProviderOutput](t)(ia.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String("https://idp.redteam.example.test"), ClientIDList: []string{"app"}, ThumbprintList: []string{strings.Repeat("a", 40)}})).OpenIDConnectProviderArn
	missingPolicy := "arn:aws:iam::" + accountA + ":policy/Missing"
	missingOIDC := "arn:aws:iam::" + accountA + ":oidc-provider/idp.nowhere.example.test"
	for _, tc := range []struct {
		op, member, exists, missing string
		more                        []string
	}{
		{"GetPolicy", "PolicyArn", pa, missingPolicy, nil},
		{"GetPolicyVersion", "PolicyArn", pa, missingPolicy, []string{"VersionId", "v1"}},
		{"DeletePolicy", "PolicyArn", pa, missingPolicy, nil},
		{"ListEntitiesForPolicy", "PolicyArn", pa, missingPolicy, nil},
		{"GetOpenIDConnectProvider", "OpenIDConnectProviderArn", oidc, missingOIDC, nil},
		{"DeleteOpenIDConnectProvider", "OpenIDConnectProviderArn", oidc, missingOIDC, nil},
		{"GenerateServiceLastAccessedDetails", "Arn", "arn:aws:iam::" + accountA + ":role/exists", "arn:aws:iam::" + accountA + ":role/missing", nil},
		{"GetContextKeysForPrincipalPolicy", "PolicySourceArn", "arn:aws:iam::" + accountA + ":role/exists", "arn:aws:iam::" + accountA + ":role/missing", nil},
	} {
		t.Run(tc.op, func(t *testing.T) {
			ask := func(arn string) (int, string, string) {
				p := url.Values{tc.member: {arn}}
				for i := 0; i+1 < len(tc.more); i += 2 {
					p.Set(tc.more[i], tc.more[i+1])
				}
				return iamQuery(t, e, adminB, tc.op, p)
			}
			s1, c1, m1 := ask(tc.exists)
			s2, c2, m2 := ask(tc.missing)
			if s1 != s2 || c1 != c2 || strings.ReplaceAll(m1, tc.exists, "ARN") != strings.ReplaceAll(m2, tc.missing, "ARN") {
				t.Errorf("exists: %d %s %q\nmissing: %d %s %q", s1, c1, m1, s2, c2, m2)
			}
			if c1 != "AccessDenied" {
				t.Errorf("%s of another account's entity: %d %s %q", tc.op, s1, c1, m1)
			}
		})
	}
	// STS: assuming a role of A that does not trust B is the same refusal
	// whether the role exists or not.
	assume := func(role string) (int, string) {
		form := url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"}, "RoleArn": {role}, "RoleSessionName": {"probe"}}
		status, er := do(t, signed(t, e.ts.URL, form.Encode(), adminB, time.Now()))
		text, _ := splitDenied(er.Error.Message)
		return status, er.Error.Code + " " + strings.ReplaceAll(text, role, "ARN")
	}
	s1, m1 := assume("arn:aws:iam::" + accountA + ":role/exists")
	s2, m2 := assume("arn:aws:iam::" + accountA + ":role/missing")
	if s1 != s2 || m1 != m2 || s1 != 403 {
		t.Errorf("AssumeRole exists: %d %q; missing: %d %q", s1, m1, s2, m2)
	}
}

// Organizations' JSON edge: bodies a JSON reader might take in more than
// one way are refused before any handler (SerializationException or
// InvalidInputException, 400), never a 5xx, and create nothing: trailing
// data after the value, a byte-order mark, nesting past any reader's
// depth, numbers past int32 and int64 for MaxResults (botocore
// organizations/2016-11-28 MaxResults: integer, 1 to 20), and the members
// in another case, a null in a list. __proto__ and other junk members are
// ignored, as AWS ignores members an operation does not have.
func TestRedTeamOrganizationsJSONEdge(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	root := *must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id
	ou := func(name string) string { return `{"ParentId":"` + root + `","Name":"` + name + `"}` }
	for _, tc := range []struct {
		name, op, body string
		want           string // the error type; "" for success
	}{
		{"trailing garbage", "CreateOrganizationalUnit", ou("t1") + `{"Name":"t2"}`, "SerializationException"},
		{"trailing text", "CreateOrganizationalUnit", ou("t1") + ` x`, "SerializationException"},
		{"byte-order mark", "CreateOrganizationalUnit", "\ufeff" + ou("t1"), "SerializationException"},
		{"deep nesting", "CreateOrganizationalUnit", `{"ParentId":"` + root + `","Name":"t1","X":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, "SerializationException"},
		{"MaxResults past int32", "ListRoots", `{"MaxResults":4294967297}`, "InvalidInputException"},
		{"MaxResults past int64", "ListRoots", `{"MaxResults":99999999999999999999}`, "SerializationException"},
		{"MaxResults a fraction", "ListRoots", `{"MaxResults":1.5}`, "SerializationException"},
		{"MaxResults an exponent", "ListRoots", `{"MaxResults":1e400}`, "SerializationException"},
		{"name in lower case only", "CreateOrganizationalUnit", `{"parentid":"` + root + `","name":"t1"}`, "InvalidInputException"},
		// No list or map of the model is sparse (aws/aws-sdk-js-v3#2771:
		// a server refuses a null in one): a null tag key would reach the
		// handler as "", past TagKey's length and pattern.
		{"a null tag key", "UntagResource", `{"ResourceId":"` + root + `","TagKeys":[null]}`, "SerializationException"},
		{"a null tag", "CreateOrganizationalUnit", `{"ParentId":"` + root + `","Name":"t1","Tags":[null]}`, "SerializationException"},
		{"__proto__ ignored", "ListRoots", `{"__proto__":{"MaxResults":0},"constructor":{"prototype":{}}}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := postJSONBody(t, e, tc.op, tc.body)
			if status >= 500 {
				t.Fatalf("%d %s", status, body)
			}
			if tc.want == "" {
				if status != 200 {
					t.Errorf("%d %s", status, body)
				}
				return
			}
			if status != 400 || !strings.Contains(string(body), `"`+tc.want+`"`) {
				t.Errorf("%d %s, want %s", status, body, tc.want)
			}
		})
	}
	ous := must[*organizations.ListOrganizationalUnitsForParentOutput](t)(oc.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: &root}))
	if len(ous.OrganizationalUnits) != 0 {
		t.Errorf("refused requests created OUs: %d", len(ous.OrganizationalUnits))
	}
}

// The Query edge: whatever the spelling of a request, the handler acts on
// exactly the values api/model's validation checked (the botocore model
// iam/2010-05-08: userNameType [\w+=,.@-]+, pathType, tagKeyType, the
// reserved aws: prefix of the IAM User Guide, "Tagging IAM resources").
// A parameter given twice is read once, the first, by the validation and
// the handler alike; names in another case, list indexes spelled other
// than 1, 2, ... and members past a gap are parameters no member has, and
// are ignored by both; bytes that are not text, and NUL, are refused.
func TestRedTeamQuerySmuggling(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const v = "Action=CreateUser&Version=2010-05-08&"
	for _, tc := range []struct {
		name, query, body string
		code              string // "" for success
	}{
		{"UserName twice, bad second", "", v + "UserName=dup1&UserName=bad%2Fname", ""},
		{"UserName twice, bad first", "", v + "UserName=bad%2Fname&UserName=dup2", "ValidationError"},
		{"UserName in the URL and the body", "UserName=bad%2Fname", v + "UserName=dup3", "ValidationError"},
		{"Action in the URL and the body", "Action=CreateUser&UserName=url1", "Action=DeleteUser&Version=2010-05-08&UserName=admin", ""},
		{"a username beside UserName", "", v + "UserName=case1&username=bad%2Fname&USERNAME=x", ""},
		{"Path twice, bad second", "", v + "UserName=path1&Path=%2Fok%2F&Path=nope", ""},
		{"Path with NUL", "", v + "UserName=nul1&Path=%2Fa%00%2F", "ValidationError"},
		{"UserName with NUL", "", v + "UserName=nul%00x", "ValidationError"},
		{"UserName not UTF-8", "", v + "UserName=%FFx", "ValidationError"},
		{"UserName empty", "", v + "UserName=", "ValidationError"},
		{"Path empty", "", v + "UserName=emptypath&Path=", "ValidationError"},
		{"aws: tag at index 01", "", v + "UserName=idx1&Tags.member.01.Key=aws%3Ax&Tags.member.01.Value=v", ""},
		{"aws: tag at index +1", "", v + "UserName=idx2&Tags.member.%2B1.Key=aws%3Ax&Tags.member.%2B1.Value=v", ""},
		{"aws: tag at index 0", "", v + "UserName=idx3&Tags.member.0.Key=aws%3Ax&Tags.member.0.Value=v", ""},
		{"aws: tag past a gap", "", v + "UserName=idx4&Tags.member.1.Key=k&Tags.member.1.Value=v&Tags.member.3.Key=aws%3Ax&Tags.member.3.Value=v", ""},
		{"aws: tag at a huge index", "", v + "UserName=idx5&Tags.member.99999999999.Key=aws%3Ax&Tags.member.99999999999.Value=v", ""},
		{"aws: tag key in lower case", "", v + "UserName=idx6&Tags.member.1.key=aws%3Ax&Tags.member.1.Key=ok&Tags.member.1.Value=v", ""},
		{"aws: tag key second", "", v + "UserName=idx7&Tags.member.1.Key=ok&Tags.member.1.Key=aws%3Ax&Tags.member.1.Value=v", ""},
		{"aws: tag key first", "", v + "UserName=idx8&Tags.member.1.Key=aws%3Ax&Tags.member.1.Key=ok&Tags.member.1.Value=v", "InvalidInput"},
		{"Aws: tag key", "", v + "UserName=idx9&Tags.member.1.Key=AWS%3Ax&Tags.member.1.Value=v", "InvalidInput"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := e.ts.URL + "/"
			if tc.query != "" {
				target += "?" + tc.query
			}
			status, er := do(t, signed(t, target, tc.body, e.admin, time.Now()))
			if er.Error.Code != tc.code || (tc.code == "" && status != 200) || status >= 500 {
				t.Errorf("%d %s %q, want %q", status, er.Error.Code, er.Error.Message, tc.code)
			}
		})
	}
	// What was stored is exactly what was checked.
	c := e.iam(e.admin)
	users := must[*iam.ListUsersOutput](t)(c.ListUsers(ctx, &iam.ListUsersInput{}))
	var names []string
	for _, u := range users.Users {
		names = append(names, *u.Path+*u.UserName)
		if !regexp.MustCompile(`^[\w+=,.@-]+$`).MatchString(*u.UserName) {
			t.Errorf("stored user name %q is outside the model's pattern", *u.UserName)
		}
		tags := must[*iam.ListUserTagsOutput](t)(c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: u.UserName}))
		for _, tg := range tags.Tags {
			if strings.HasPrefix(strings.ToLower(*tg.Key), "aws:") {
				t.Errorf("user %s has the reserved tag %s", *u.UserName, *tg.Key)
			}
		}
	}
	want := "/admin /case1 /dup1 /idx1 /idx2 /idx3 /idx4 /idx5 /idx6 /idx7 /ok/path1 /url1"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("users %s, want %s", got, want)
	}
}

// SigV4 games: a signed request changed after signing, or signed other
// than the endpoint takes, is refused before anything runs (the IAM User
// Guide, "Create a signed AWS API request" and "Troubleshoot Signature
// Version 4 signing for AWS API requests"; "Authenticating Requests: Using
// Query Parameters": X-Amz-Expires is at most 604800 seconds).
func TestRedTeamSigV4Games(t *testing.T) {
	e := newEnv(t)
	now := time.Now()
	const whoami = "Action=GetCallerIdentity&Version=2011-06-15"
	const createUser = "Action=CreateUser&Version=2010-05-08&UserName=smuggled"
	emptyHash := hex.EncodeToString(func() []byte { s := sha256.Sum256(nil); return s[:] }())
	presign := func(method, query string, at time.Time, service string) *http.Request {
		r, _ := http.NewRequest(method, e.ts.URL+"/?"+query, nil)
		u, _, err := v4.NewSigner().PresignHTTP(context.Background(), e.admin, r, emptyHash, service, "us-east-1", at)
		if err != nil {
			t.Fatal(err)
		}
		r, _ = http.NewRequest(method, u, nil)
		return r
	}
	withBody := func(r *http.Request, body string) *http.Request {
		r2, _ := http.NewRequest(r.Method, r.URL.String(), strings.NewReader(body))
		r2.Header = r.Header.Clone()
		r2.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return r2
	}
	header := func(r *http.Request, kv ...string) *http.Request {
		for i := 0; i+1 < len(kv); i += 2 {
			r.Header.Add(kv[i], kv[i+1])
		}
		return r
	}
	signedAs := func(body, service string) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, e.ts.URL, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(context.Background(), e.admin, r, hex.EncodeToString(sum[:]), service, "us-east-1", now); err != nil {
			t.Fatal(err)
		}
		return r
	}
	otherHost := signed(t, e.ts.URL, whoami, e.admin, now)
	otherHost.Host = "iam.amazonaws.com"
	dateOnly := signed(t, e.ts.URL, whoami, e.admin, now)
	dateOnly.Header.Del("X-Amz-Date")
	dateOnly.Header.Set("Date", now.UTC().Format(http.TimeFormat))

	for _, tc := range []struct {
		name string
		req  *http.Request
		code string
	}{
		{"presigned GET replayed as a POST with a body", withBody(presign(http.MethodPost, whoami+"&X-Amz-Expires=300", now, "sts"), createUser), "SignatureDoesNotMatch"},
		{"presigned, an hour ahead", presign(http.MethodGet, whoami+"&X-Amz-Expires=604800", now.Add(time.Hour), "sts"), "SignatureDoesNotMatch"},
		{"presigned eight days ago for seven", presign(http.MethodGet, whoami+"&X-Amz-Expires=604800", now.Add(-8*24*time.Hour), "sts"), "RequestExpired"},
		{"presigned for more than seven days", presign(http.MethodGet, whoami+"&X-Amz-Expires=604801", now, "sts"), "IncompleteSignature"},
		{"presigned for 0 seconds", presign(http.MethodGet, whoami+"&X-Amz-Expires=0", now, "sts"), "IncompleteSignature"},
		{"presigned without X-Amz-Expires", presign(http.MethodGet, whoami, now, "sts"), "IncompleteSignature"},
		{"presigned and an Authorization header", header(presign(http.MethodGet, whoami+"&X-Amz-Expires=60", now, "sts"), "Authorization", "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00"), "IncompleteSignature"},
		{"presigned for iam used on sts", presign(http.MethodGet, whoami+"&X-Amz-Expires=60", now, "iam"), "SignatureDoesNotMatch"},
		// A token is looked up before the signature is checked: one that
		// is not a token is refused as such.
		{"a security token added unsigned", header(signed(t, e.ts.URL, whoami, e.admin, now), "X-Amz-Security-Token", "x"), "InvalidClientTokenId"},
		{"a second X-Amz-Date", header(signed(t, e.ts.URL, whoami, e.admin, now), "X-Amz-Date", now.Add(time.Hour).UTC().Format("20060102T150405Z")), "IncompleteSignature"},
		{"a second Authorization", header(signed(t, e.ts.URL, whoami, e.admin, now), "Authorization", "AWS4-HMAC-SHA256 x=y"), "IncompleteSignature"},
		{"the host changed", otherHost, "SignatureDoesNotMatch"},
		{"Date instead of X-Amz-Date, not signed", dateOnly, "IncompleteSignature"},
		{"IAM signed for organizations", signedAs(createUser, "organizations"), "SignatureDoesNotMatch"},
		{"IAM signed for sts", signedAs(createUser, "sts"), "SignatureDoesNotMatch"},
		{"STS signed for iam", signedAs(whoami, "iam"), "SignatureDoesNotMatch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, er := do(t, tc.req)
			if er.Error.Code != tc.code || status >= 500 || status < 400 {
				t.Errorf("%d %s %q, want %s", status, er.Error.Code, er.Error.Message, tc.code)
			}
		})
	}
	// An X-Amz-Target added to a signed Query request routes it to
	// Organizations, whose scope it is not signed for.
	retarget := header(signed(t, e.ts.URL, whoami, e.admin, now), "X-Amz-Target", "AWSOrganizationsV20161128.CreateOrganization")
	if status, body := sendRaw(t, retarget); status != 400 || !strings.Contains(body, "InvalidSignatureException") {
		t.Errorf("X-Amz-Target added: %d %s", status, body)
	}
	// Organizations signed for iam.
	r, _ := http.NewRequest(http.MethodPost, e.ts.URL, strings.NewReader("{}"))
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "AWSOrganizationsV20161128.CreateOrganization")
	sum := sha256.Sum256([]byte("{}"))
	if err := v4.NewSigner().SignHTTP(context.Background(), e.admin, r, hex.EncodeToString(sum[:]), "iam", "us-east-1", now); err != nil {
		t.Fatal(err)
	}
	if status, body := sendRaw(t, r); status != 400 || !strings.Contains(body, "InvalidSignatureException") {
		t.Errorf("Organizations signed for iam: %d %s", status, body)
	}
	// Nothing ran.
	_, err := e.iam(e.admin).GetUser(context.Background(), &iam.GetUserInput{UserName: aws.String("smuggled")})
	wantError(t, err, "NoSuchEntity", 404)
	_, err = e.org(e.admin).DescribeOrganization(context.Background(), &organizations.DescribeOrganizationInput{})
	wantError(t, err, "AWSOrganizationsNotInUseException", 400)
}

// sendRaw sends a request and returns the status and the body.
func sendRaw(t *testing.T, r *http.Request) (int, string) {
	t.Helper()
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// IAM names are unique ignoring case: "IAM user, group, role, and policy
// names must be unique within the account. Names are not distinguished by
// case. For example, you cannot create resources named both "MyResource"
// and "myresource"." (the IAM API Reference, CreateUser's UserName and
// UpdateUser's NewUserName). A second "Admin" beside "admin" would be a
// look-alike principal: EntityAlreadyExists, 409, and nothing stored.
func TestRedTeamNamesAreUniqueIgnoringCase(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}))
	must[*iam.CreateGroupOutput](t)(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("ops")}))
	must[*iam.CreateGroupOutput](t)(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("dev")}))
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("deployer"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	must[*iam.CreatePolicyOutput](t)(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Ops"), PolicyDocument: aws.String(allowS3)}))

	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ADMIN")})
	wantError(t, err, "EntityAlreadyExists", 409)
	_, err = c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("bob"), NewUserName: aws.String("Admin")})
	wantError(t, err, "EntityAlreadyExists", 409)
	_, err = c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("OPS")})
	wantError(t, err, "EntityAlreadyExists", 409)
	_, err = c.UpdateGroup(ctx, &iam.UpdateGroupInput{GroupName: aws.String("dev"), NewGroupName: aws.String("Ops")})
	wantError(t, err, "EntityAlreadyExists", 409)
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Deployer"), AssumeRolePolicyDocument: aws.String(trustAccount)})
	wantError(t, err, "EntityAlreadyExists", 409)
	_, err = c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("ops"), PolicyDocument: aws.String(allowS3)})
	wantError(t, err, "EntityAlreadyExists", 409)

	users := must[*iam.ListUsersOutput](t)(c.ListUsers(ctx, &iam.ListUsersInput{}))
	groups := must[*iam.ListGroupsOutput](t)(c.ListGroups(ctx, &iam.ListGroupsInput{}))
	roles := must[*iam.ListRolesOutput](t)(c.ListRoles(ctx, &iam.ListRolesInput{}))
	if len(users.Users) != 2 || len(groups.Groups) != 2 {
		t.Errorf("users %d, groups %d", len(users.Users), len(groups.Groups))
	}
	for _, r := range roles.Roles {
		if *r.RoleName == "Deployer" {
			t.Errorf("a second role Deployer was stored")
		}
	}
	// Renaming to the same name in another case is the entity's own name.
	must[*iam.UpdateUserOutput](t)(c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("bob"), NewUserName: aws.String("Bob")}))
}

// A member account's administrator cannot act on the organization or on
// another account through Organizations: the operations are the
// management account's (or a delegated administrator's), and a member is
// answered AccessDeniedException, 400 (botocore organizations/2016-11-28:
// AccessDeniedException), with nothing changed.
func TestRedTeamOrganizationsMemberCannotReachOthers(t *testing.T) {
	e, b, adminB := twoAccounts(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	root := *must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id
	before := func() string {
		accts := must[*organizations.ListAccountsOutput](t)(oc.ListAccounts(ctx, &organizations.ListAccountsInput{}))
		tags := must[*organizations.ListTagsForResourceOutput](t)(oc.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: aws.String(accountA)}))
		roots := must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{}))
		pols := must[*organizations.ListPoliciesOutput](t)(oc.ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: orgtypes.PolicyTypeServiceControlPolicy}))
		var s []string
		for _, a := range accts.Accounts {
			s = append(s, *a.Id+string(a.State))
		}
		for _, tg := range tags.Tags {
			s = append(s, *tg.Key)
		}
		for _, pt := range roots.Roots[0].PolicyTypes {
			s = append(s, string(pt.Type)+string(pt.Status))
		}
		s = append(s, strconv.Itoa(len(pols.Policies)))
		return strings.Join(s, ",")
	}
	snap := before()
	content := strconv.Quote(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`)
	for _, tc := range []struct{ op, body string }{
		{"ListAccounts", `{}`},
		{"DescribeAccount", `{"AccountId":"` + accountA + `"}`},
		{"TagResource", `{"ResourceId":"` + accountA + `","Tags":[{"Key":"k","Value":"v"}]}`},
		{"TagResource", `{"ResourceId":"` + root + `","Tags":[{"Key":"k","Value":"v"}]}`},
		{"EnablePolicyType", `{"RootId":"` + root + `","PolicyType":"SERVICE_CONTROL_POLICY"}`},
		{"CreatePolicy", `{"Name":"x","Description":"d","Type":"SERVICE_CONTROL_POLICY","Content":` + content + `}`},
		{"CloseAccount", `{"AccountId":"` + accountA + `"}`},
		{"RemoveAccountFromOrganization", `{"AccountId":"` + accountA + `"}`},
		{"MoveAccount", `{"AccountId":"` + accountA + `","SourceParentId":"` + root + `","DestinationParentId":"` + root + `"}`},
		{"CreateAccount", `{"Email":"c@example.com","AccountName":"c"}`},
		{"DeleteOrganization", `{}`},
		{"RegisterDelegatedAdministrator", `{"AccountId":"` + b + `","ServicePrincipal":"access-analyzer.amazonaws.com"}`},
		{"PutResourcePolicy", `{"Content":` + strconv.Quote(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+b+`"},"Action":"organizations:*","Resource":"*"}]}`) + `}`},
	} {
		t.Run(tc.op, func(t *testing.T) {
			status, body := orgJSONAs(t, e, adminB, tc.op, tc.body)
			if status != 400 || !strings.Contains(body, `"AccessDeniedException"`) {
				t.Errorf("%s %s: %d %s", tc.op, tc.body, status, body)
			}
		})
	}
	if after := before(); after != snap {
		t.Errorf("a member's calls changed the organization:\nbefore %s\nafter  %s", snap, after)
	}
}

// A policy document given URL-encoded (IAM's own form for documents it
// returns: the IAM API Reference, GetUserPolicy, "The policy document
// returned in this structure is URL-encoded compliant with RFC 3986") is
// checked against the model's pattern once decoded too (botocore
// iam/2010-05-08 policyDocumentType: [\u0009\u000A\u000D\u0020-\u00FF]+):
// the percent-encoding must not carry in characters the pattern forbids,
// which the same document sent plainly could not.
func TestRedTeamEncodedPolicyDocumentsKeepThePattern(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	must[*iam.CreateUserOutput](t)(e.iam(e.admin).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}))
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/日本\u2028"}]}`
	plain, _ := rawIAM(t, e, e.admin, "PutUserPolicy", url.Values{"UserName": {"u"}, "PolicyName": {"plain"}, "PolicyDocument": {doc}})
	encoded, body := rawIAM(t, e, e.admin, "PutUserPolicy", url.Values{"UserName": {"u"}, "PolicyName": {"encoded"}, "PolicyDocument": {url.QueryEscape(doc)}})
	if plain != 400 || encoded != 400 || !strings.Contains(body, "ValidationError") {
		t.Errorf("plain %d, encoded %d %s", plain, encoded, body)
	}
	for _, op := range []struct {
		action string
		params url.Values
	}{
		{"CreatePolicy", url.Values{"PolicyName": {"enc"}, "PolicyDocument": {url.QueryEscape(doc)}}},
		{"SimulateCustomPolicy", url.Values{"PolicyInputList.member.1": {url.QueryEscape(doc)}, "ActionNames.member.1": {"s3:GetObject"}}},
		{"CreateRole", url.Values{"RoleName": {"enc"}, "AssumeRolePolicyDocument": {url.QueryEscape(`{"Version":"2012-10-17","Statement":[{"Sid":"x","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalTag/t":"日本"}}}]}`)}}},
	} {
		if status, body := rawIAM(t, e, e.admin, op.action, op.params); status != 400 || !strings.Contains(body, "ValidationError") {
			t.Errorf("%s: %d %s", op.action, status, body)
		}
	}
	names := must[*iam.ListUserPoliciesOutput](t)(e.iam(e.admin).ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String("u")}))
	if len(names.PolicyNames) != 0 {
		t.Errorf("stored: %v", names.PolicyNames)
	}
}

// Organizations authorizes before it looks: a caller of the management
// account without permissions gets the same AccessDeniedException for a
// policy, OU, account or handshake that exists and one that does not
// (only the ID in the message differs).
func TestRedTeamOrganizationsNoExistenceOracle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	root := *must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id
	must[*organizations.EnablePolicyTypeOutput](t)(oc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: &root, PolicyType: orgtypes.PolicyTypeServiceControlPolicy}))
	scp := *must[*organizations.CreatePolicyOutput](t)(oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("p"),
		Type: orgtypes.PolicyTypeServiceControlPolicy, Description: aws.String("d"),
		Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`)})).Policy.PolicySummary.Id
	ou := *must[*organizations.CreateOrganizationalUnitOutput](t)(oc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: &root, Name: aws.String("ou")})).OrganizationalUnit.Id
	nobody := e.newUser("nobody", "")
	missingOU := ou[:len(ou)-1] + map[bool]string{true: "b", false: "a"}[ou[len(ou)-1] == 'a']
	for _, tc := range []struct{ op, exists, missing, body string }{
		{"DescribePolicy", scp, "p-0000000000", `{"PolicyId":"%s"}`},
		{"DeletePolicy", scp, "p-0000000000", `{"PolicyId":"%s"}`},
		{"ListTargetsForPolicy", scp, "p-0000000000", `{"PolicyId":"%s"}`},
		{"DescribeOrganizationalUnit", ou, missingOU, `{"OrganizationalUnitId":"%s"}`},
		{"DeleteOrganizationalUnit", ou, missingOU, `{"OrganizationalUnitId":"%s"}`},
		{"DescribeAccount", accountA, "111122223333", `{"AccountId":"%s"}`},
		{"ListTagsForResource", ou, missingOU, `{"ResourceId":"%s"}`},
		{"DescribeHandshake", "h-00000000", "h-11111111", `{"HandshakeId":"%s"}`},
	} {
		t.Run(tc.op, func(t *testing.T) {
			s1, b1 := orgJSONAs(t, e, nobody, tc.op, strings.Replace(tc.body, "%s", tc.exists, 1))
			s2, b2 := orgJSONAs(t, e, nobody, tc.op, strings.Replace(tc.body, "%s", tc.missing, 1))
			text := func(body, id string) string {
				var er struct {
					Message string
					Type    string `json:"__type"`
				}
				if err := json.Unmarshal([]byte(body), &er); err != nil {
					t.Fatalf("%s: %v", body, err)
				}
				msg, _ := splitDenied(er.Message)
				return er.Type + " " + strings.ReplaceAll(msg, "/"+id, "/ID")
			}
			b1, b2 = text(b1, tc.exists), text(b2, tc.missing)
			if s1 != s2 || b1 != b2 || !strings.HasPrefix(b1, "AccessDeniedException ") {
				t.Errorf("exists: %d %s\nmissing: %d %s", s1, b1, s2, b2)
			}
		})
	}
}

// iam:PolicyARN is the policy attached: a caller denied attaching
// AdministratorAccess (the IAM User Guide's example of limiting managed
// policies by iam:PolicyARN) cannot attach it under another spelling of
// its ARN (another partition, or a service or account field before
// ":iam::aws:policy/"), which this server's account, in the aws
// partition, does not have. IAM answers a policy ARN it does not have
// NoSuchEntity, "Policy ... does not exist or is not attachable." (real IAM
// output quoted in aws/aws-cdk#17278).
func TestRedTeamPolicyARNSpellings(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	must[*iam.CreateUserOutput](t)(e.iam(e.admin).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("target")}))
	must[*iam.CreateRoleOutput](t)(e.iam(e.admin).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("target"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	attacher := e.newUser("attacher", `{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":["iam:AttachUserPolicy","iam:AttachRolePolicy","iam:PutUserPermissionsBoundary","iam:PutRolePermissionsBoundary"],"Resource":"*"},
 {"Effect":"Deny","Action":["iam:AttachUserPolicy","iam:AttachRolePolicy"],"Resource":"*",
  "Condition":{"ArnEquals":{"iam:PolicyARN":"arn:aws:iam::aws:policy/AdministratorAccess"}}},
 {"Effect":"Deny","Action":["iam:PutUserPermissionsBoundary","iam:PutRolePermissionsBoundary"],"Resource":"*",
  "Condition":{"ArnEquals":{"iam:PermissionsBoundary":"arn:aws:iam::aws:policy/AdministratorAccess"}}}]}`)
	for _, ref := range []string{
		"arn:aws-cn:iam::aws:policy/AdministratorAccess",
		"arn:aws-us-gov:iam::aws:policy/AdministratorAccess",
		"arn:aws:s3:::bucket:iam::aws:policy/AdministratorAccess",
		"arn:x:iam::aws:policy/AdministratorAccess",
	} {
		for _, op := range []struct{ action, member, arn string }{{"AttachUserPolicy", "UserName", "PolicyArn"}, {"AttachRolePolicy", "RoleName", "PolicyArn"},
			{"PutUserPermissionsBoundary", "UserName", "PermissionsBoundary"}, {"PutRolePermissionsBoundary", "RoleName", "PermissionsBoundary"}} {
			status, code, msg := iamQuery(t, e, attacher, op.action, url.Values{op.member: {"target"}, op.arn: {ref}})
			if status != 404 || code != "NoSuchEntity" {
				t.Errorf("%s %s: %d %s %q", op.action, ref, status, code, msg)
			}
		}
	}
	users := must[*iam.ListAttachedUserPoliciesOutput](t)(e.iam(e.admin).ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: aws.String("target")}))
	roles := must[*iam.ListAttachedRolePoliciesOutput](t)(e.iam(e.admin).ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("target")}))
	if len(users.AttachedPolicies)+len(roles.AttachedPolicies) != 0 {
		t.Errorf("attached: %+v %+v", users.AttachedPolicies, roles.AttachedPolicies)
	}
	if u := must[*iam.GetUserOutput](t)(e.iam(e.admin).GetUser(ctx, &iam.GetUserInput{UserName: aws.String("target")})).User; u.PermissionsBoundary != nil {
		t.Errorf("boundary set: %s", *u.PermissionsBoundary.PermissionsBoundaryArn)
	}
	// The plain ARN is denied by the guardrail.
	status, code, _ := iamQuery(t, e, attacher, "AttachUserPolicy", url.Values{"UserName": {"target"}, "PolicyArn": {"arn:aws:iam::aws:policy/AdministratorAccess"}})
	if status != 403 || code != "AccessDenied" {
		t.Errorf("the plain ARN: %d %s", status, code)
	}
}

// A renamed user's access keys follow it (the IAM User Guide, "Renaming
// an IAM user": the user keeps its keys): a new user created under the old
// name, with more permissions, does not inherit them.
func TestRedTeamRenamedUsersKeysDoNotPassToANewUser(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	old := e.newUser("bob", "")
	// The key is verified (and cached) before the rename.
	_, err := e.iam(old).ListUsers(ctx, &iam.ListUsersInput{})
	wantError(t, err, "AccessDenied", 403)
	must[*iam.UpdateUserOutput](t)(e.iam(e.admin).UpdateUser(ctx, &iam.UpdateUserInput{UserName: aws.String("bob"), NewUserName: aws.String("robert")}))
	must[*iam.CreateUserOutput](t)(e.iam(e.admin).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}))
	must[*iam.PutUserPolicyOutput](t)(e.iam(e.admin).PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("all"), PolicyDocument: aws.String(allowAll)}))
	who := must[*sts.GetCallerIdentityOutput](t)(e.sts(old).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	if !strings.HasSuffix(*who.Arn, ":user/robert") {
		t.Errorf("the old key is %s", *who.Arn)
	}
	_, err = e.iam(old).ListUsers(ctx, &iam.ListUsersInput{})
	wantError(t, err, "AccessDenied", 403)
}
