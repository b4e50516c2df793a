package server_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"flag"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	apimodel "github.com/iamgate/iamgate/api/model"
)

// The spec of these checks is the botocore 1.43.11 model iam/2010-05-08
// (api/model/iam_gen.go, generated from it) and botocore's Query protocol
// serializer: outputs in <OpResponse><OpResult>, lists as <member> unless
// flattened, maps as <entry><key><value>, timestamps ISO 8601.

// shorterThanModel are string shapes whose real values are shorter than
// the model's min: publicKeyFingerprintType says 48 characters, but an
// MD5 fingerprint in colon hex is 47, as the aws CLI's own examples show
// IAM answering ("Fingerprint": "12:34:56:78:90:ab:cd:ef:12:34:56:78:90:ab:cd:ef",
// awscli/examples/iam/get-ssh-public-key.rst and upload-ssh-public-key.rst).
var shorterThanModel = map[string]bool{"publicKeyFingerprintType": true}

var updateGolden = flag.Bool("update", false, "rewrite the golden responses in testdata/golden")

// recording is an http.RoundTripper that keeps every successful Query
// response by its Action (the first response of each action).
type recording struct {
	t    testing.TB
	mu   sync.Mutex
	seen []string
	got  map[string][]byte
}

func (r *recording) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	res, err := checking{r.t}.RoundTrip(req)
	if err != nil || res.StatusCode != 200 {
		return res, err
	}
	out, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(out))
	form, _ := url.ParseQuery(string(body))
	r.mu.Lock()
	defer r.mu.Unlock()
	if a := form.Get("Action"); a != "" {
		if _, ok := r.got[a]; !ok {
			r.seen = append(r.seen, a)
			r.got[a] = out
		}
	}
	return res, nil
}

// TestResponsesMatchModels runs a scenario of groups, managed and inline
// policies and account operations, and checks every successful response
// strictly against the operation's output shape in api/model: members (no
// more, no less), scalar types, enums, lists, maps, the result wrapper and
// the request id.
func TestResponsesMatchModels(t *testing.T) {
	e := newEnv(t)
	rec := &recording{t: t, got: map[string][]byte{}}
	c := iam.New(iam.Options{Region: "us-east-1", Credentials: provider(e.admin), BaseEndpoint: aws.String(e.ts.URL), Retryer: aws.NopRetryer{}, HTTPClient: &http.Client{Transport: rec}})
	ctx := context.Background()
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	doc2 := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}`
	step := func(name string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, err := c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("devs"), Path: aws.String("/team/")})
	step("CreateGroup", err)
	_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ana")})
	step("CreateUser", err)
	_, err = c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String("ana")})
	step("AddUserToGroup", err)
	_, err = c.GetGroup(ctx, &iam.GetGroupInput{GroupName: aws.String("devs")})
	step("GetGroup", err)
	_, err = c.ListGroups(ctx, &iam.ListGroupsInput{})
	step("ListGroups", err)
	_, err = c.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: aws.String("ana")})
	step("ListGroupsForUser", err)
	_, err = c.UpdateGroup(ctx, &iam.UpdateGroupInput{GroupName: aws.String("devs"), NewPath: aws.String("/eng/")})
	step("UpdateGroup", err)
	pol, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("read"), PolicyDocument: aws.String(doc), Description: aws.String("reads")})
	step("CreatePolicy", err)
	if pol == nil {
		t.FailNow()
	}
	arn := pol.Policy.Arn
	_, err = c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: arn})
	step("GetPolicy", err)
	_, err = c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: aws.String(doc2), SetAsDefault: true})
	step("CreatePolicyVersion", err)
	_, err = c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v1")})
	step("GetPolicyVersion", err)
	_, err = c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: arn})
	step("ListPolicyVersions", err)
	_, err = c.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v1")})
	step("SetDefaultPolicyVersion", err)
	_, err = c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: aws.String("v2")})
	step("DeletePolicyVersion", err)
	_, err = c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: "Local"})
	step("ListPolicies", err)
	_, err = c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("devs"), PolicyArn: arn})
	step("AttachGroupPolicy", err)
	_, err = c.ListAttachedGroupPolicies(ctx, &iam.ListAttachedGroupPoliciesInput{GroupName: aws.String("devs")})
	step("ListAttachedGroupPolicies", err)
	_, err = c.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: arn})
	step("ListEntitiesForPolicy", err)
	_, err = c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("devs"), PolicyName: aws.String("inline"), PolicyDocument: aws.String(doc)})
	step("PutGroupPolicy", err)
	_, err = c.GetGroupPolicy(ctx, &iam.GetGroupPolicyInput{GroupName: aws.String("devs"), PolicyName: aws.String("inline")})
	step("GetGroupPolicy", err)
	_, err = c.ListGroupPolicies(ctx, &iam.ListGroupPoliciesInput{GroupName: aws.String("devs")})
	step("ListGroupPolicies", err)
	_, err = c.CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: aws.String("acme-prod")})
	step("CreateAccountAlias", err)
	_, err = c.ListAccountAliases(ctx, &iam.ListAccountAliasesInput{})
	step("ListAccountAliases", err)
	_, err = c.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{})
	step("GetAccountAuthorizationDetails", err)
	_, err = c.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: aws.String("devs"), PolicyArn: arn})
	step("DetachGroupPolicy", err)
	_, err = c.DeleteGroupPolicy(ctx, &iam.DeleteGroupPolicyInput{GroupName: aws.String("devs"), PolicyName: aws.String("inline")})
	step("DeleteGroupPolicy", err)
	_, err = c.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: aws.String("devs"), UserName: aws.String("ana")})
	step("RemoveUserFromGroup", err)
	_, err = c.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: aws.String("devs")})
	step("DeleteGroup", err)
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: arn})
	step("DeletePolicy", err)
	_, err = c.DeleteAccountAlias(ctx, &iam.DeleteAccountAliasInput{AccountAlias: aws.String("acme-prod")})
	step("DeleteAccountAlias", err)

	t.Logf("checked the responses of %d operations", len(rec.seen))
	for _, action := range rec.seen {
		body := rec.got[action]
		for _, m := range checkQueryStrict(apimodel.IAM, action, body) {
			t.Errorf("%s: %s", action, m)
		}
	}
	for _, action := range []string{"GetGroup", "CreatePolicy", "ListPolicyVersions", "ListAccountAliases", "GetGroupPolicy", "DeleteGroup"} {
		golden(t, "iam-"+action+".xml", normalizeXML(rec.got[action]))
	}
}

var (
	requestIDRe = regexp.MustCompile(`<RequestId>[^<]*</RequestId>`)
	dateRe      = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`)
	idRe        = regexp.MustCompile(`<(GroupId|PolicyId|UserId)>[^<]*</`)
)

// normalizeXML replaces what differs from run to run: request ids,
// timestamps and entity ids.
func normalizeXML(b []byte) []byte {
	b = requestIDRe.ReplaceAll(b, []byte("<RequestId>REQUEST-ID</RequestId>"))
	b = dateRe.ReplaceAll(b, []byte("2026-01-01T00:00:00Z"))
	b = idRe.ReplaceAll(b, []byte("<$1>ID</"))
	return b
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *updateGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the golden file:\n got: %s\nwant: %s", name, got, want)
	}
}

// checkQueryStrict checks a Query response body against the output shape
// of action in svc and returns every mismatch.
func checkQueryStrict(svc *apimodel.Service, action string, body []byte) []string {
	var out []string
	op := svc.Operation(action)
	if op == nil {
		return []string{"not in the model"}
	}
	var doc xnode
	if err := xml.Unmarshal(body, &doc); err != nil {
		return []string{"not XML: " + err.Error()}
	}
	if doc.XMLName.Local != action+"Response" {
		out = append(out, "root element is "+doc.XMLName.Local)
	}
	if doc.XMLName.Space != svc.XMLNamespace {
		out = append(out, "namespace is "+doc.XMLName.Space)
	}
	wrapper := op.ResultWrapper
	if wrapper == "" && op.Output != "" {
		wrapper = action + "Result"
	}
	var result, meta bool
	for _, c := range doc.Children {
		switch {
		case c.XMLName.Local == "ResponseMetadata":
			meta = true
			if len(c.Children) != 1 || c.Children[0].XMLName.Local != "RequestId" || strings.TrimSpace(c.Children[0].Text) == "" {
				out = append(out, "ResponseMetadata must hold exactly a non-empty RequestId")
			}
		case op.Output != "" && c.XMLName.Local == wrapper:
			result = true
			out = append(out, checkXMLShape(svc, op.Output, c, wrapper)...)
		default:
			out = append(out, "unexpected element "+c.XMLName.Local)
		}
	}
	if !meta {
		out = append(out, "no ResponseMetadata")
	}
	if op.Output != "" && !result {
		out = append(out, "no "+wrapper)
	}
	return out
}

func checkXMLShape(svc *apimodel.Service, shape string, n xnode, path string) []string {
	sh := svc.Shape(shape)
	if sh == nil {
		return []string{path + ": shape " + shape + " is not in the model"}
	}
	var out []string
	text := n.Text
	if len(n.Children) > 0 && sh.Type != apimodel.Structure && sh.Type != apimodel.List && sh.Type != apimodel.Map {
		out = append(out, path+": scalar "+string(sh.Type)+" has child elements")
	}
	switch sh.Type {
	case apimodel.Structure:
		seen := map[string]bool{}
		for _, c := range n.Children {
			var mem *apimodel.Member
			for i := range sh.Members {
				m := &sh.Members[i]
				name := m.Name
				if m.LocationName != "" {
					name = m.LocationName
				}
				if name == c.XMLName.Local {
					mem = m
				}
			}
			if mem == nil {
				out = append(out, path+"/"+c.XMLName.Local+": not a member of "+shape)
				continue
			}
			if seen[mem.Name] {
				if ms := svc.Shape(mem.Shape); ms == nil || !ms.Flattened {
					out = append(out, path+"/"+c.XMLName.Local+": repeated")
				}
			}
			seen[mem.Name] = true
			out = append(out, checkXMLShape(svc, mem.Shape, c, path+"/"+c.XMLName.Local)...)
		}
		for _, m := range sh.Members {
			if m.Required && !seen[m.Name] {
				out = append(out, path+": lacks the required member "+m.Name+" of "+shape)
			}
		}
	case apimodel.List:
		item := "member"
		if sh.Member.LocationName != "" {
			item = sh.Member.LocationName
		}
		if sh.Flattened {
			return checkXMLShape(svc, sh.Member.Shape, n, path)
		}
		for _, c := range n.Children {
			if c.XMLName.Local != item {
				out = append(out, path+"/"+c.XMLName.Local+": list items must be <"+item+">")
				continue
			}
			out = append(out, checkXMLShape(svc, sh.Member.Shape, c, path+"/"+item)...)
		}
		if sh.Min != nil && int64(len(n.Children)) < *sh.Min {
			out = append(out, path+": fewer items than the model's min")
		}
	case apimodel.Map:
		key, value := "key", "value"
		if sh.Key.LocationName != "" {
			key = sh.Key.LocationName
		}
		if sh.Value.LocationName != "" {
			value = sh.Value.LocationName
		}
		for _, e := range n.Children {
			if e.XMLName.Local != "entry" {
				out = append(out, path+"/"+e.XMLName.Local+": map items must be <entry>")
				continue
			}
			var k, v bool
			for _, c := range e.Children {
				switch c.XMLName.Local {
				case key:
					k = true
					out = append(out, checkXMLShape(svc, sh.Key.Shape, c, path+"/entry/"+key)...)
				case value:
					v = true
					out = append(out, checkXMLShape(svc, sh.Value.Shape, c, path+"/entry/"+value)...)
				default:
					out = append(out, path+"/entry/"+c.XMLName.Local+": not key or value")
				}
			}
			if !k || !v {
				out = append(out, path+"/entry: lacks key or value")
			}
		}
	case apimodel.Integer, apimodel.Long:
		v, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
		if err != nil {
			out = append(out, path+": "+strconv.Quote(text)+" is not an integer")
		} else if (sh.Min != nil && v < *sh.Min) || (sh.Max != nil && v > *sh.Max) {
			out = append(out, path+": "+text+" is out of the model's range")
		}
	case apimodel.Double, apimodel.Float:
		if _, err := strconv.ParseFloat(strings.TrimSpace(text), 64); err != nil {
			out = append(out, path+": "+strconv.Quote(text)+" is not a number")
		}
	case apimodel.Boolean:
		if text != "true" && text != "false" {
			out = append(out, path+": "+strconv.Quote(text)+" is not a boolean")
		}
	case apimodel.Timestamp:
		if _, err := time.Parse(time.RFC3339, text); err != nil {
			out = append(out, path+": "+strconv.Quote(text)+" is not an ISO 8601 timestamp")
		}
	case apimodel.String:
		if len(sh.Enum) > 0 {
			ok := false
			for _, e := range sh.Enum {
				ok = ok || e == text
			}
			if !ok {
				out = append(out, path+": "+strconv.Quote(text)+" is not in the enum of "+shape)
			}
		}
		if sh.Min != nil && int64(len([]rune(text))) < *sh.Min && !shorterThanModel[shape] {
			out = append(out, path+": "+strconv.Quote(text)+" is shorter than the model's min")
		}
		if sh.Max != nil && int64(len([]rune(text))) > *sh.Max {
			out = append(out, path+": longer than the model's max")
		}
	}
	return out
}

// TestCheckQueryStrictCatches shows the checker finds each kind of
// mismatch: an element the shape lacks, a missing required member, a
// scalar of the wrong type, a value outside its enum, a bad wrapper.
func TestCheckQueryStrictCatches(t *testing.T) {
	ns := `xmlns="https://iam.amazonaws.com/doc/2010-05-08/"`
	meta := `<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>`
	for _, c := range []struct{ action, body, want string }{
		{"GetGroup", `<GetGroupResponse ` + ns + `><GetGroupResult><Group><Path>/</Path><GroupName>g</GroupName><GroupId>AGPAEXAMPLEEXAMPLE12</GroupId><Arn>arn:aws:iam::123456789012:group/g</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate><Color>red</Color></Group><Users/></GetGroupResult>` + meta + `</GetGroupResponse>`, "Color: not a member of Group"},
		{"GetGroup", `<GetGroupResponse ` + ns + `><GetGroupResult><Group><Path>/</Path><GroupName>g</GroupName><GroupId>AGPAEXAMPLEEXAMPLE12</GroupId><Arn>arn:aws:iam::123456789012:group/g</Arn></Group><Users/></GetGroupResult>` + meta + `</GetGroupResponse>`, "lacks the required member CreateDate"},
		{"GetGroup", `<GetGroupResponse ` + ns + `><GetGroupResult><Users/><IsTruncated>no</IsTruncated></GetGroupResult>` + meta + `</GetGroupResponse>`, `"no" is not a boolean`},
		{"GetAccessKeyLastUsed", `<GetAccessKeyLastUsedResponse ` + ns + `><GetAccessKeyLastUsedResult><AccessKeyLastUsed><ServiceName>s3</ServiceName><Region>r</Region><LastUsedDate>yesterday</LastUsedDate></AccessKeyLastUsed></GetAccessKeyLastUsedResult>` + meta + `</GetAccessKeyLastUsedResponse>`, "not an ISO 8601 timestamp"},
		{"ListPolicies", `<ListPoliciesResponse ` + ns + `><ListPoliciesResult><Policies><item/></Policies></ListPoliciesResult>` + meta + `</ListPoliciesResponse>`, "list items must be <member>"},
		{"ListAccessKeys", `<ListAccessKeysResponse ` + ns + `><ListAccessKeysResult><AccessKeyMetadata><member><Status>Paused</Status></member></AccessKeyMetadata></ListAccessKeysResult>` + meta + `</ListAccessKeysResponse>`, "not in the enum of statusType"},
		{"GetGroup", `<GetGroupResponse ` + ns + `><Result/>` + meta + `</GetGroupResponse>`, "unexpected element Result"},
		{"GetGroup", `<GetGroupResponse ` + ns + `><GetGroupResult><Users/></GetGroupResult></GetGroupResponse>`, "no ResponseMetadata"},
	} {
		got := strings.Join(checkQueryStrict(apimodel.IAM, c.action, []byte(c.body)), "; ")
		if !strings.Contains(got, c.want) {
			t.Errorf("%s: got %q, want it to mention %q", c.action, got, c.want)
		}
	}
}

// TestResponsesMatchModelsWider checks, as TestResponsesMatchModels does,
// the responses of users, roles, access keys, instance profiles and STS.
func TestResponsesMatchModelsWider(t *testing.T) {
	e := newEnv(t)
	rec := &recording{t: t, got: map[string][]byte{}}
	hc := &http.Client{Transport: rec}
	c := iam.New(iam.Options{Region: "us-east-1", Credentials: provider(e.admin), BaseEndpoint: aws.String(e.ts.URL), Retryer: aws.NopRetryer{}, HTTPClient: hc})
	s := sts.New(sts.Options{Region: "eu-central-1", Credentials: provider(e.admin), BaseEndpoint: aws.String(e.ts.URL), Retryer: aws.NopRetryer{}, HTTPClient: hc})
	ctx := context.Background()
	step := func(name string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bo"), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}}})
	step("CreateUser", err)
	_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("bo")})
	step("GetUser", err)
	_, err = c.ListUsers(ctx, &iam.ListUsersInput{})
	step("ListUsers", err)
	_, err = c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String("bo")})
	step("ListUserTags", err)
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bo")})
	step("CreateAccessKey", err)
	_, err = c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("bo")})
	step("ListAccessKeys", err)
	if k != nil {
		_, err = c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: k.AccessKey.AccessKeyId})
		step("GetAccessKeyLastUsed", err)
	}
	_, err = c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("bo"), Password: aws.String("Correct-Horse-9-Battery")})
	step("CreateLoginProfile", err)
	_, err = c.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("bo")})
	step("GetLoginProfile", err)
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("app"), AssumeRolePolicyDocument: aws.String(trustAccount)})
	step("CreateRole", err)
	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("app")})
	step("GetRole", err)
	_, err = c.ListRoles(ctx, &iam.ListRolesInput{})
	step("ListRoles", err)
	_, err = c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("ip")})
	step("CreateInstanceProfile", err)
	_, err = c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("ip"), RoleName: aws.String("app")})
	step("AddRoleToInstanceProfile", err)
	_, err = c.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("ip")})
	step("GetInstanceProfile", err)
	_, err = c.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("app")})
	step("ListInstanceProfilesForRole", err)
	_, err = c.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	_ = err // NoSuchEntity until one is set
	_, err = c.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(12)})
	step("UpdateAccountPasswordPolicy", err)
	_, err = c.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	step("GetAccountPasswordPolicy", err)
	// The typed handlers (api/shape/iamshape).
	body, _ := rsaSSHKey(t, 2048)
	up, err := c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("bo"), SSHPublicKeyBody: aws.String(body)})
	step("UploadSSHPublicKey", err)
	if up != nil {
		id := up.SSHPublicKey.SSHPublicKeyId
		_, err = c.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: aws.String("bo"), SSHPublicKeyId: id, Encoding: iamtypes.EncodingTypePem})
		step("GetSSHPublicKey", err)
		_, err = c.ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{UserName: aws.String("bo")})
		step("ListSSHPublicKeys", err)
		_, err = c.UpdateSSHPublicKey(ctx, &iam.UpdateSSHPublicKeyInput{UserName: aws.String("bo"), SSHPublicKeyId: id, Status: iamtypes.StatusTypeInactive})
		step("UpdateSSHPublicKey", err)
		_, err = c.DeleteSSHPublicKey(ctx, &iam.DeleteSSHPublicKeyInput{UserName: aws.String("bo"), SSHPublicKeyId: id})
		step("DeleteSSHPublicKey", err)
	}
	_, err = c.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
	step("GenerateCredentialReport", err)
	_, err = c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	step("GetCredentialReport", err)
	sc := issue(t, "www.example.test", nil, false)
	_, err = c.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: aws.String("www"), CertificateBody: aws.String(sc.certPEM),
		PrivateKey: aws.String(sc.keyPEM), Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	step("UploadServerCertificate", err)
	_, err = c.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("www")})
	step("GetServerCertificate", err)
	_, err = c.ListServerCertificates(ctx, &iam.ListServerCertificatesInput{})
	step("ListServerCertificates", err)
	_, err = c.ListServerCertificateTags(ctx, &iam.ListServerCertificateTagsInput{ServerCertificateName: aws.String("www")})
	step("ListServerCertificateTags", err)
	ssc, err := c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: aws.String("bo"), ServiceName: aws.String("bedrock.amazonaws.com"), CredentialAgeDays: aws.Int32(7)})
	step("CreateServiceSpecificCredential", err)
	_, err = c.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: aws.String("bo")})
	step("ListServiceSpecificCredentials", err)
	if ssc != nil {
		_, err = c.ResetServiceSpecificCredential(ctx, &iam.ResetServiceSpecificCredentialInput{UserName: aws.String("bo"), ServiceSpecificCredentialId: ssc.ServiceSpecificCredential.ServiceSpecificCredentialId})
		step("ResetServiceSpecificCredential", err)
	}
	_, err = s.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	step("GetCallerIdentity", err)
	_, err = s.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	step("GetSessionToken", err)
	_, err = c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("autoscaling.amazonaws.com"), Description: aws.String("d")})
	step("CreateServiceLinkedRole", err)
	slrDel, err := c.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String("AWSServiceRoleForAutoScaling")})
	step("DeleteServiceLinkedRole", err)
	if slrDel != nil {
		_, err = c.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: slrDel.DeletionTaskId})
		step("GetServiceLinkedRoleDeletionStatus", err)
	}
	_, err = c.SetSecurityTokenServicePreferences(ctx, &iam.SetSecurityTokenServicePreferencesInput{GlobalEndpointTokenVersion: iamtypes.GlobalEndpointTokenVersionV2Token})
	step("SetSecurityTokenServicePreferences", err)
	_, err = c.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	step("GetAccountSummary", err)
	// The Organizations report, from the management account of a new
	// organization: every service listed (FullAWSAccess), those the
	// scenario used with their last access.
	oc := e.org(e.admin)
	org, err := oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll})
	step("CreateOrganization", err)
	roots, err := oc.ListRoots(ctx, &organizations.ListRootsInput{})
	step("ListRoots", err)
	if org != nil && roots != nil {
		job, err := c.GenerateOrganizationsAccessReport(ctx, &iam.GenerateOrganizationsAccessReportInput{EntityPath: aws.String(*org.Organization.Id + "/" + *roots.Roots[0].Id + "/" + accountA)})
		step("GenerateOrganizationsAccessReport", err)
		if job != nil {
			_, err = c.GetOrganizationsAccessReport(ctx, &iam.GetOrganizationsAccessReportInput{JobId: job.JobId, MaxItems: aws.Int32(400), SortKey: iamtypes.SortKeyTypeLastAuthenticatedTimeDescending})
			step("GetOrganizationsAccessReport", err)
		}
	}
	for _, op := range []string{"SetSecurityTokenServicePreferences", "GenerateOrganizationsAccessReport", "GetOrganizationsAccessReport"} {
		if rec.got[op] == nil {
			t.Errorf("%s: no response recorded", op)
		}
	}
	_, err = s.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("fed"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)})
	step("GetFederationToken", err)

	t.Logf("checked the responses of %d operations", len(rec.seen))
	for _, action := range rec.seen {
		svc := apimodel.IAM
		if apimodel.IAM.Operation(action) == nil {
			svc = apimodel.STS
		}
		for _, m := range checkQueryStrict(svc, action, rec.got[action]) {
			t.Errorf("%s: %s", action, m)
		}
	}
}
