package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/iamgate/iamgate/store/sqlite"
)

// The reproduction, over HTTP with SigV4: TagUser with the keys %FF
// and %FE was accepted, listed as two identical U+FFFD keys, and one of
// them vanished on restart. Invalid UTF-8 is a ValidationError, nothing is
// stored, and the store after a restart is what it was (tag keys and values
// are Unicode text of [\p{L}\p{Z}\p{N}_.:/=+\-@]: botocore iam/2010-05-08
// tagKeyType, tagValueType).
func TestTagUserWithInvalidUTF8KeysIsRefusedAndStoresNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "iamgate.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	e := startEnv(t, st)
	admin := e.admin
	c := e.iam(admin)
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u"),
		Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("red")}}}))

	for _, body := range []string{
		"Action=TagUser&Version=2010-05-08&UserName=u&Tags.member.1.Key=%FF&Tags.member.1.Value=a&Tags.member.2.Key=%FE&Tags.member.2.Value=b",
		"Action=TagUser&Version=2010-05-08&UserName=u&Tags.member.1.Key=ok&Tags.member.1.Value=%FF",
		"Action=CreateUser&Version=2010-05-08&UserName=v&Tags.member.1.Key=%FE&Tags.member.1.Value=b",
		"Action=UntagUser&Version=2010-05-08&UserName=u&TagKeys.member.1=%FF",
	} {
		status, er := do(t, signed(t, e.ts.URL, body, admin, time.Now()))
		if status != 400 || er.Error.Code != "ValidationError" || !strings.Contains(er.Error.Message, "valid UTF-8") {
			t.Fatalf("%s: %d %+v", body, status, er.Error)
		}
	}
	check := func(when string) {
		tags := must[*iam.ListUserTagsOutput](t)(e.iam(admin).ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String("u")}))
		if len(tags.Tags) != 1 || *tags.Tags[0].Key != "team" || *tags.Tags[0].Value != "red" {
			t.Fatalf("%s: tags %+v", when, tags.Tags)
		}
		_, err := e.iam(admin).GetUser(ctx, &iam.GetUserInput{UserName: aws.String("v")})
		wantError(t, err, "NoSuchEntity", 404)
	}
	check("before the restart")
	e.ts.Close()
	st.Close()

	st, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e = startEnv(t, st)
	check("after the restart")
}

// No parameter that is not UTF-8 reaches a handler, whatever the operation
// and the parameter, in the body or the URL query: each is a ValidationError
// (AWS documents no code for it; the IAM and STS API References, "Common
// Errors", make ValidationError the Query protocol's answer to input that
// fails a constraint).
func TestNoInvalidUTF8ParameterReachesAHandler(t *testing.T) {
	e := newEnv(t)
	for _, bad := range []string{"%FF", "%FE", "a%C0%80", "%ED%A0%80", "%E2%82", "%F4%90%80%80"} {
		for _, tc := range []struct{ query, body string }{
			{"", "Action=CreateUser&Version=2010-05-08&UserName=" + bad},
			{"", "Action=CreateUser&Version=2010-05-08&UserName=x&Path=/" + bad + "/"},
			{"", "Action=CreatePolicy&Version=2010-05-08&PolicyName=p&PolicyDocument=%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Sid%22%3A%22" + bad + "%22%2C%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A*%22%2C%22Resource%22%3A%22*%22%7D%5D%7D"},
			{"", "Action=CreateRole&Version=2010-05-08&RoleName=r&Description=" + bad + "&AssumeRolePolicyDocument=%7B%7D"},
			{"", "Action=ListUsers&Version=2010-05-08&Marker=" + bad},
			{"", "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr&RoleSessionName=" + bad},
			{"", "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr&RoleSessionName=s&Tags.member.1.Key=k&Tags.member.1.Value=" + bad},
			{"", "Action=GetCallerIdentity&Version=2011-06-15&Unknown" + bad + "=1"},
			{"Marker=" + bad, "Action=ListUsers&Version=2010-05-08"},
		} {
			target := e.ts.URL
			if tc.query != "" {
				target += "/?" + tc.query
			}
			status, er := do(t, signed(t, target, tc.body, e.admin, time.Now()))
			if status != 400 || er.Error.Code != "ValidationError" || !utf8.ValidString(er.Error.Message) {
				t.Errorf("%s ? %s: %d %+v", tc.query, tc.body, status, er.Error)
			}
		}
	}
	users := must[*iam.ListUsersOutput](t)(e.iam(e.admin).ListUsers(context.Background(), &iam.ListUsersInput{}))
	if len(users.Users) != 1 {
		t.Fatalf("users: %+v", users.Users)
	}
}

// Every IAM and STS operation that takes tags checks them against the
// models (botocore iam/2010-05-08 and sts/2011-06-15: tagKeyType,
// tagValueType, tagListType, tagKeyListType) and IAM's rules (the IAM User
// Guide, "Tagging IAM resources": aws: reserved, keys case insensitive), and
// a refused request creates nothing.
func TestEveryTaggingOperationFollowsIAMTagRules(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}))
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	tag := func(k, v string) []iamtypes.Tag { return []iamtypes.Tag{{Key: aws.String(k), Value: aws.String(v)}} }
	const pattern = `Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`
	dup := []iamtypes.Tag{{Key: aws.String("Team"), Value: aws.String("a")}, {Key: aws.String("team"), Value: aws.String("b")}}
	sessionArn := aws.String("arn:aws:iam::123456789012:role/r")
	for _, tc := range []struct {
		name, code, msg string
		call            func() error
	}{
		{"TagUser key", "ValidationError", `Value 'a*b' at 'tags.1.member.key' failed to satisfy constraint: ` + pattern, func() error {
			_, err := c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("u"), Tags: tag("a*b", "v")})
			return err
		}},
		{"TagRole value", "ValidationError", `Value 'x,y' at 'tags.1.member.value' failed to satisfy constraint`, func() error {
			_, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("r"), Tags: tag("k", "x,y")})
			return err
		}},
		{"UntagUser key", "ValidationError", `Value 'a&b' at 'tagKeys.1.member' failed to satisfy constraint: ` + pattern, func() error {
			_, err := c.UntagUser(ctx, &iam.UntagUserInput{UserName: aws.String("u"), TagKeys: []string{"a&b"}})
			return err
		}},
		{"UntagRole key too long", "ValidationError", `at 'tagKeys.1.member' failed to satisfy constraint: Member must have length less than or equal to 128`, func() error {
			_, err := c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String("r"), TagKeys: []string{strings.Repeat("k", 129)}})
			return err
		}},
		{"TagUser aws:", "InvalidInput", "reserved", func() error {
			_, err := c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("u"), Tags: tag("AWS:team", "v")})
			return err
		}},
		{"TagRole duplicate", "InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.", func() error {
			_, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("r"), Tags: dup})
			return err
		}},
		{"CreateUser", "ValidationError", `at 'tags.1.member.key' failed to satisfy constraint: ` + pattern, func() error {
			_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("new"), Tags: tag("a#", "v")})
			return err
		}},
		{"CreateRole", "ValidationError", `at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256`, func() error {
			_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("new"), AssumeRolePolicyDocument: aws.String(trustAccount), Tags: tag("k", strings.Repeat("v", 257))})
			return err
		}},
		{"CreatePolicy", "ValidationError", `at 'tags.1.member.key' failed to satisfy constraint: ` + pattern, func() error {
			_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("new"), PolicyDocument: aws.String(allowS3), Tags: tag("k?", "v")})
			return err
		}},
		{"CreateInstanceProfile", "InvalidInput", "reserved", func() error {
			_, err := c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("new"), Tags: tag("aws:x", "v")})
			return err
		}},
		{"AssumeRole session tag", "ValidationError", `at 'tags.1.member.key' failed to satisfy constraint: ` + pattern, func() error {
			_, err := e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: sessionArn, RoleSessionName: aws.String("sess"),
				Tags: []ststypes.Tag{{Key: aws.String("a!"), Value: aws.String("v")}}})
			return err
		}},
		{"AssumeRole transitive key", "ValidationError", `Value 'a,b' at 'transitiveTagKeys.1.member' failed to satisfy constraint: ` + pattern, func() error {
			_, err := e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: sessionArn, RoleSessionName: aws.String("sess"), TransitiveTagKeys: []string{"a,b"}})
			return err
		}},
		{"AssumeRole duplicate session tags", "ValidationError", "Duplicate tag keys found", func() error {
			_, err := e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: sessionArn, RoleSessionName: aws.String("sess"),
				Tags: []ststypes.Tag{{Key: aws.String("Department"), Value: aws.String("a")}, {Key: aws.String("department"), Value: aws.String("b")}}})
			return err
		}},
		{"AssumeRole aws: session tag", "ValidationError", "reserved", func() error {
			_, err := e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: sessionArn, RoleSessionName: aws.String("sess"),
				Tags: []ststypes.Tag{{Key: aws.String("aws:PrincipalTag"), Value: aws.String("a")}}})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := wantError(t, tc.call(), tc.code, 400)
			contains(t, msg, tc.msg)
		})
	}
	for _, get := range []func() error{
		func() error { _, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("new")}); return err },
		func() error { _, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("new")}); return err },
		func() error {
			_, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::123456789012:policy/new")})
			return err
		},
		func() error {
			_, err := c.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("new")})
			return err
		},
	} {
		wantError(t, get(), "NoSuchEntity", 404)
	}
	for _, list := range []func() ([]iamtypes.Tag, error){
		func() ([]iamtypes.Tag, error) {
			out, err := c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String("u")})
			return out.Tags, err
		},
		func() ([]iamtypes.Tag, error) {
			out, err := c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("r")})
			return out.Tags, err
		},
	} {
		if tags, err := list(); err != nil || len(tags) != 0 {
			t.Fatalf("tags after refused calls: %+v %v", tags, err)
		}
	}

	// Unicode letters, separators and numbers are tag text, and IAM's keys
	// are case insensitive: a key differing only in case replaces the old.
	must[*iam.TagUserOutput](t)(c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("u"), Tags: tag("Équipe Nord", "日本 ٣")}))
	must[*iam.TagUserOutput](t)(c.TagUser(ctx, &iam.TagUserInput{UserName: aws.String("u"), Tags: tag("équipe nord", "x")}))
	tags := must[*iam.ListUserTagsOutput](t)(c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String("u")}))
	if len(tags.Tags) != 1 || *tags.Tags[0].Key != "équipe nord" || *tags.Tags[0].Value != "x" {
		t.Fatalf("tags: %+v", tags.Tags)
	}
	must[*iam.UntagUserOutput](t)(c.UntagUser(ctx, &iam.UntagUserInput{UserName: aws.String("u"), TagKeys: []string{"ÉQUIPE NORD"}}))
	tags = must[*iam.ListUserTagsOutput](t)(c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String("u")}))
	if len(tags.Tags) != 0 {
		t.Fatalf("tags after untag: %+v", tags.Tags)
	}
}

// postJSON sends a JSON-protocol Organizations request signed with SigV4.
func postJSON(t *testing.T, e *env, op string, body []byte) (int, string) {
	t.Helper()
	res, err := http.DefaultClient.Do(signedJSON(t, e, op, body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	var er struct {
		Type string `json:"__type"`
	}
	_ = json.Unmarshal(out, &er) // a body that is not an error has no __type
	return res.StatusCode, er.Type
}

// signedJSON is an Organizations request signed with SigV4 by the
// administrator.
func signedJSON(t *testing.T, e *env, op string, body []byte) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, e.ts.URL, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-amz-json-1.1")
	r.Header.Set("X-Amz-Target", "AWSOrganizationsV20161128."+op)
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), e.admin, r, hex.EncodeToString(sum[:]), "organizations", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	return r
}

// Organizations: a JSON body that is not UTF-8 text (raw bytes, or a lone
// surrogate escape Go's decoder would turn into U+FFFD) reaches no handler;
// tags follow the model (botocore organizations/2016-11-28: TagKey, TagValue
// patterns and lengths, InvalidInputException reasons INVALID_PATTERN,
// DUPLICATE_TAG_KEY, INVALID_SYSTEM_TAGS_PARAMETER), and nothing is created.
func TestOrganizationsRefusesNonUTF8BodiesAndBadTags(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	root := *must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id
	for _, body := range []string{
		`{"ParentId":"` + root + `","Name":"a` + "\xff" + `"}`,
		`{"ParentId":"` + root + `","Name":"a\ud800"}`,
		`{"ParentId":"` + root + `","Name":"a\udc00\ud800"}`,
		`{"ParentId":"` + root + `","Name":"ok","Tags":[{"Key":"` + "\xfe" + `","Value":"v"}]}`,
	} {
		status, code := postJSON(t, e, "CreateOrganizationalUnit", []byte(body))
		if status != 400 || code != "InvalidInputException" {
			t.Errorf("%q: %d %s", body, status, code)
		}
	}
	status, code := postJSON(t, e, "ListRoots", []byte("{\"NextToken\":\"\xff\"}"))
	if status != 400 || code != "InvalidInputException" {
		t.Errorf("ListRoots: %d %s", status, code)
	}
	otag := func(k, v string) []orgtypes.Tag { return []orgtypes.Tag{{Key: aws.String(k), Value: aws.String(v)}} }
	for name, tc := range map[string]struct {
		tags []orgtypes.Tag
		msg  string
	}{
		"pattern":   {otag("a*", "v"), "You provided a value that does not match the required pattern."},
		"value":     {otag("k", "a,b"), "You provided a value that does not match the required pattern."},
		"too long":  {otag(strings.Repeat("k", 129), "v"), "longer than allowed"},
		"aws:":      {otag("aws:x", "v"), "system tag"},
		"duplicate": {[]orgtypes.Tag{{Key: aws.String("k"), Value: aws.String("1")}, {Key: aws.String("k"), Value: aws.String("2")}}, "unique"},
	} {
		_, err := oc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: &root, Name: aws.String("ou-" + strings.ReplaceAll(name, ":", "")), Tags: tc.tags})
		contains(t, wantError(t, err, "InvalidInputException", 400), tc.msg)
		_, err = oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("x@example.com"), AccountName: aws.String("x"), Tags: tc.tags})
		contains(t, wantError(t, err, "InvalidInputException", 400), tc.msg)
	}
	ous := must[*organizations.ListOrganizationalUnitsForParentOutput](t)(oc.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: &root}))
	accounts := must[*organizations.ListAccountsOutput](t)(oc.ListAccounts(ctx, &organizations.ListAccountsInput{}))
	if len(ous.OrganizationalUnits) != 0 || len(accounts.Accounts) != 1 {
		t.Fatalf("created despite refusals: %+v %+v", ous.OrganizationalUnits, accounts.Accounts)
	}
	must[*organizations.CreateOrganizationalUnitOutput](t)(oc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: &root, Name: aws.String("good"), Tags: otag("Équipe", "")}))
}

// The encoded authorization message of a denial is passed to
// `aws sts decode-authorization-message --encoded-message $msg` (the STS
// API Reference, DecodeAuthorizationMessage; the README): the aws CLI takes
// an argument beginning with '-' for an option, so no message may begin
// with one. This denies until a message begins with '+', the character
// where the old URL-safe encoding had '-', and decodes it with the real CLI.
func TestAWSCLIDecodesAnEncodedMessageThatOnceBeganWithDash(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		needClients(t, "aws is not installed")
	}
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("nobody")}))
	key := must[*iam.CreateAccessKeyOutput](t)(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("nobody")})).AccessKey
	nobody := aws.Credentials{AccessKeyID: *key.AccessKeyId, SecretAccessKey: *key.SecretAccessKey}
	var enc string
	for i := 0; i < 2000 && !strings.HasPrefix(enc, "+"); i++ {
		_, err := e.iam(nobody).ListUsers(ctx, &iam.ListUsersInput{})
		_, full, _ := strings.Cut(func() string { _, _, m := apiError(t, err); return m }(), ". Encoded authorization failure message: ")
		if strings.HasPrefix(full, "-") {
			t.Fatalf("an encoded message begins with '-': %s", full)
		}
		enc = full
	}
	if !strings.HasPrefix(enc, "+") {
		t.Fatal("no message began with '+' in 2000 denials")
	}
	dir := t.TempDir()
	cmd := exec.Command("aws", "--endpoint-url", e.ts.URL, "sts", "decode-authorization-message", "--encoded-message", enc,
		"--query", "DecodedMessage", "--output", "text")
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+e.admin.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+e.admin.SecretAccessKey,
		"AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE="+filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "none"),
		"AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1", "AWS_PAGER=")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"iam:ListUsers"`) {
		t.Fatalf("aws sts decode-authorization-message: %v\n%s", err, out)
	}
}

// The decision API refuses a body that is not UTF-8 text, instead of
// answering a question about the U+FFFD Go's decoder would put in its place.
func TestDecisionAPIRefusesNonUTF8Bodies(t *testing.T) {
	e := newEnv(t)
	for _, body := range []string{
		"{\"principal\":\"arn:aws:iam::123456789012:user/\xff\",\"action\":\"s3:GetObject\",\"resource\":\"*\"}",
		`{"principal":"arn:aws:iam::123456789012:user/\udfff","action":"s3:GetObject","resource":"*"}`,
	} {
		status, out := e.authorize(t, e.admin, body)
		var d decision
		if err := json.Unmarshal(out, &d); err != nil || status != 400 || d.Error == nil || d.Error.Code != "ValidationError" {
			t.Errorf("%q: %d %s", body, status, out)
		}
	}
}
