package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	aatypes "github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	apimodel "github.com/iamgate/iamgate/api/model"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/world"
)

// jsonReply is one recorded JSON or REST-JSON response.
type jsonReply struct {
	status int
	header http.Header
	body   []byte
}

// jsonRecording is an http.RoundTripper that keeps every response of the
// Organizations (X-Amz-Target) and Access Analyzer (by the model's
// request URI) operations, successes and errors, in the order sent.
type jsonRecording struct {
	t    testing.TB
	mu   sync.Mutex
	seen []string
	got  map[string][]jsonReply
}

func (r *jsonRecording) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := checking{r.t}.RoundTrip(req)
	if err != nil {
		return res, err
	}
	out, err := keepBody(res)
	if err != nil {
		return nil, err
	}
	op := ""
	if target := req.Header.Get("X-Amz-Target"); target != "" {
		_, op, _ = strings.Cut(target, ".")
	} else {
		for _, o := range apimodel.AccessAnalyzer.Operations {
			if o.Method == req.Method && o.Path == req.URL.Path {
				op = o.Name
			}
		}
	}
	if op == "" {
		r.t.Errorf("%s %s: no operation of the models", req.Method, req.URL.Path)
		return res, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.got[op]; !ok {
		r.seen = append(r.seen, op)
	}
	r.got[op] = append(r.got[op], jsonReply{res.StatusCode, res.Header.Clone(), out})
	return res, nil
}

// keepBody reads a response's body and puts it back, to be read again.
func keepBody(res *http.Response) ([]byte, error) {
	out, err := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(out))
	return out, err
}

// first is an operation's first successful response.
func (r *jsonRecording) first(op string) []byte {
	for _, rep := range r.got[op] {
		if rep.status == 200 {
			return rep.body
		}
	}
	return nil
}

// TestJSONResponsesMatchModels drives Organizations (awsJson1_1) and
// Access Analyzer (REST-JSON) through aws-sdk-go-v2's clients and checks
// every response strictly against the botocore models (checkJSONStrict,
// checkJSONErrorStrict): an organization with OUs, accounts, policies of
// four types, tags, trusted access, a delegated administrator and the
// resource policy, then the policy checks, and a few errors of each.
func TestJSONResponsesMatchModels(t *testing.T) {
	e := newEnv(t)
	rec := &jsonRecording{t: t, got: map[string][]jsonReply{}}
	hc := &http.Client{Transport: rec}
	oc := organizations.New(organizations.Options{Region: "us-east-1", Credentials: provider(e.admin), BaseEndpoint: aws.String(e.ts.URL), Retryer: aws.NopRetryer{}, HTTPClient: hc})
	ac := accessanalyzer.New(accessanalyzer.Options{Region: "us-east-1", Credentials: provider(e.admin), BaseEndpoint: aws.String(e.ts.URL), Retryer: aws.NopRetryer{}, HTTPClient: hc})
	ctx := context.Background()
	s := aws.String
	step := func(name string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	fails := func(name string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: want an error, got success", name)
		}
	}

	org, err := oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll})
	step("CreateOrganization", err)
	if org == nil {
		t.FailNow()
	}
	_, err = oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{})
	fails("CreateOrganization again", err)
	_, err = oc.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	step("DescribeOrganization", err)
	roots, err := oc.ListRoots(ctx, &organizations.ListRootsInput{})
	step("ListRoots", err)
	if roots == nil || len(roots.Roots) == 0 {
		t.FailNow()
	}
	root := roots.Roots[0].Id
	for _, pt := range []orgtypes.PolicyType{orgtypes.PolicyTypeServiceControlPolicy, orgtypes.PolicyTypeResourceControlPolicy, orgtypes.PolicyTypeTagPolicy, orgtypes.PolicyTypeBackupPolicy} {
		_, err = oc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: root, PolicyType: pt})
		step("EnablePolicyType "+string(pt), err)
	}
	_, err = oc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: root, PolicyType: orgtypes.PolicyTypeServiceControlPolicy})
	fails("EnablePolicyType twice", err)
	if d, err := oc.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}); err != nil || len(d.Organization.AvailablePolicyTypes) != 4 ||
		d.Organization.AvailablePolicyTypes[0] != (orgtypes.PolicyTypeSummary{Type: orgtypes.PolicyTypeServiceControlPolicy, Status: orgtypes.PolicyTypeStatusEnabled}) {
		t.Errorf("DescribeOrganization's AvailablePolicyTypes are not the root's: %v %+v", err, d)
	}
	ou, err := oc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: root, Name: s("eng"), Tags: []orgtypes.Tag{{Key: s("team"), Value: s("eng")}}})
	step("CreateOrganizationalUnit", err)
	if ou == nil {
		t.FailNow()
	}
	ouID := ou.OrganizationalUnit.Id
	_, err = oc.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: ouID})
	step("DescribeOrganizationalUnit", err)
	_, err = oc.UpdateOrganizationalUnit(ctx, &organizations.UpdateOrganizationalUnitInput{OrganizationalUnitId: ouID, Name: s("engineering")})
	step("UpdateOrganizationalUnit", err)
	_, err = oc.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: root})
	step("ListOrganizationalUnitsForParent", err)
	ca, err := oc.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: s("dev"), Email: s("dev@example.com")})
	step("CreateAccount", err)
	if ca == nil {
		t.FailNow()
	}
	acct := ca.CreateAccountStatus.AccountId
	d1, err := oc.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: ca.CreateAccountStatus.Id})
	step("DescribeCreateAccountStatus", err)
	d2, err := oc.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: ca.CreateAccountStatus.Id})
	step("DescribeCreateAccountStatus", err)
	if d1 != nil && d2 != nil && (!d1.CreateAccountStatus.RequestedTimestamp.Equal(*d2.CreateAccountStatus.RequestedTimestamp) ||
		!d1.CreateAccountStatus.RequestedTimestamp.Equal(*ca.CreateAccountStatus.RequestedTimestamp)) {
		t.Errorf("RequestedTimestamp changes: %v, %v, %v", ca.CreateAccountStatus.RequestedTimestamp, d1.CreateAccountStatus.RequestedTimestamp, d2.CreateAccountStatus.RequestedTimestamp)
	}
	_, err = oc.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: s("car-000000000000abcdefgh")})
	fails("DescribeCreateAccountStatus unknown", err)
	_, err = oc.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{})
	step("ListCreateAccountStatus", err)
	_, err = oc.ListAccounts(ctx, &organizations.ListAccountsInput{})
	step("ListAccounts", err)
	_, err = oc.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: acct})
	step("DescribeAccount", err)
	_, err = oc.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: s("999999999999")})
	fails("DescribeAccount unknown", err)
	_, err = oc.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: acct, SourceParentId: root, DestinationParentId: ouID})
	step("MoveAccount", err)
	_, err = oc.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: ouID})
	step("ListAccountsForParent", err)
	_, err = oc.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: ouID, ChildType: orgtypes.ChildTypeAccount})
	step("ListChildren", err)
	_, err = oc.ListParents(ctx, &organizations.ListParentsInput{ChildId: acct})
	step("ListParents", err)

	scp, err := oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: s("no-leave"), Description: s("keeps accounts in"), Type: orgtypes.PolicyTypeServiceControlPolicy,
		Content: s(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}`), Tags: []orgtypes.Tag{{Key: s("k"), Value: s("v")}}})
	step("CreatePolicy", err)
	_, err = oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: s("tags"), Description: s(""), Type: orgtypes.PolicyTypeTagPolicy, Content: s(`{"tags":{}}`)})
	step("CreatePolicy TAG_POLICY", err)
	_, err = oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: s("backup"), Description: s(""), Type: orgtypes.PolicyTypeBackupPolicy, Content: s(`{}`)})
	step("CreatePolicy BACKUP_POLICY", err)
	_, err = oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: s("rcp"), Description: s(""), Type: orgtypes.PolicyTypeResourceControlPolicy,
		Content: s(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`)})
	step("CreatePolicy RESOURCE_CONTROL_POLICY", err)
	_, err = oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: s("bad"), Description: s(""), Type: orgtypes.PolicyTypeServiceControlPolicy, Content: s(`{"Statement":[`)})
	fails("CreatePolicy malformed", err)
	if scp != nil {
		pid := scp.Policy.PolicySummary.Id
		_, err = oc.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: pid})
		step("DescribePolicy", err)
		_, err = oc.UpdatePolicy(ctx, &organizations.UpdatePolicyInput{PolicyId: pid, Description: s("still keeps accounts in")})
		step("UpdatePolicy", err)
		_, err = oc.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: pid, TargetId: ouID})
		step("AttachPolicy", err)
		_, err = oc.ListPoliciesForTarget(ctx, &organizations.ListPoliciesForTargetInput{TargetId: ouID, Filter: orgtypes.PolicyTypeServiceControlPolicy})
		step("ListPoliciesForTarget", err)
		_, err = oc.ListTargetsForPolicy(ctx, &organizations.ListTargetsForPolicyInput{PolicyId: pid})
		step("ListTargetsForPolicy", err)
		_, err = oc.DeletePolicy(ctx, &organizations.DeletePolicyInput{PolicyId: pid})
		fails("DeletePolicy attached", err)
		_, err = oc.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: pid, TargetId: ouID})
		step("DetachPolicy", err)
		_, err = oc.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: pid})
		step("ListTagsForResource", err)
		_, err = oc.DeletePolicy(ctx, &organizations.DeletePolicyInput{PolicyId: pid})
		step("DeletePolicy", err)
	}
	_, err = oc.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: s("p-FullAWSAccess")})
	step("DescribePolicy", err)
	_, err = oc.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: s("p-abcdefgh")})
	fails("DescribePolicy unknown", err)
	for _, f := range []orgtypes.PolicyType{orgtypes.PolicyTypeServiceControlPolicy, orgtypes.PolicyTypeResourceControlPolicy, orgtypes.PolicyTypeTagPolicy, orgtypes.PolicyTypeBackupPolicy} {
		_, err = oc.ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: f})
		step("ListPolicies "+string(f), err)
	}
	_, err = oc.TagResource(ctx, &organizations.TagResourceInput{ResourceId: acct, Tags: []orgtypes.Tag{{Key: s("env"), Value: s("dev")}}})
	step("TagResource", err)
	_, err = oc.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: acct})
	step("ListTagsForResource", err)
	_, err = oc.UntagResource(ctx, &organizations.UntagResourceInput{ResourceId: acct, TagKeys: []string{"env"}})
	step("UntagResource", err)

	_, err = oc.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: s("config.amazonaws.com")})
	step("EnableAWSServiceAccess", err)
	_, err = oc.ListAWSServiceAccessForOrganization(ctx, &organizations.ListAWSServiceAccessForOrganizationInput{})
	step("ListAWSServiceAccessForOrganization", err)
	_, err = oc.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: acct, ServicePrincipal: s("config.amazonaws.com")})
	step("RegisterDelegatedAdministrator", err)
	_, err = oc.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: acct, ServicePrincipal: s("config.amazonaws.com")})
	fails("RegisterDelegatedAdministrator twice", err)
	_, err = oc.ListDelegatedAdministrators(ctx, &organizations.ListDelegatedAdministratorsInput{})
	step("ListDelegatedAdministrators", err)
	_, err = oc.ListDelegatedServicesForAccount(ctx, &organizations.ListDelegatedServicesForAccountInput{AccountId: acct})
	step("ListDelegatedServicesForAccount", err)
	_, err = oc.DeregisterDelegatedAdministrator(ctx, &organizations.DeregisterDelegatedAdministratorInput{AccountId: acct, ServicePrincipal: s("config.amazonaws.com")})
	step("DeregisterDelegatedAdministrator", err)
	_, err = oc.DisableAWSServiceAccess(ctx, &organizations.DisableAWSServiceAccessInput{ServicePrincipal: s("config.amazonaws.com")})
	step("DisableAWSServiceAccess", err)

	mgmt := *org.Organization.MasterAccountId
	_, err = oc.PutResourcePolicy(ctx, &organizations.PutResourcePolicyInput{Content: s(`{"Version":"2012-10-17","Statement":[{"Sid":"read","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + mgmt + `:root"},"Action":"organizations:DescribeOrganization","Resource":"*"}]}`),
		Tags: []orgtypes.Tag{{Key: s("k"), Value: s("v")}}})
	step("PutResourcePolicy", err)
	_, err = oc.DescribeResourcePolicy(ctx, &organizations.DescribeResourcePolicyInput{})
	step("DescribeResourcePolicy", err)
	_, err = oc.DeleteResourcePolicy(ctx, &organizations.DeleteResourcePolicyInput{})
	step("DeleteResourcePolicy", err)
	_, err = oc.DescribeResourcePolicy(ctx, &organizations.DescribeResourcePolicyInput{})
	fails("DescribeResourcePolicy deleted", err)

	_, err = oc.DisablePolicyType(ctx, &organizations.DisablePolicyTypeInput{RootId: root, PolicyType: orgtypes.PolicyTypeBackupPolicy})
	step("DisablePolicyType", err)
	_, err = oc.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: acct, SourceParentId: ouID, DestinationParentId: root})
	step("MoveAccount", err)
	_, err = oc.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: ouID})
	step("DeleteOrganizationalUnit", err)
	_, err = oc.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: ouID})
	fails("DescribeOrganizationalUnit deleted", err)
	_, err = oc.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: acct})
	step("RemoveAccountFromOrganization", err)

	// Errors of each kind the handlers answer: each must be one of the
	// operation's errors in the model, with the model's status.
	bad := s("ou-zzzz-zzzzzzzz")
	_, err = oc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: bad, Name: s("x")})
	fails("CreateOrganizationalUnit unknown parent", err)
	_, err = oc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: root, Name: s("ops")})
	step("CreateOrganizationalUnit", err)
	_, err = oc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: root, Name: s("ops")})
	fails("CreateOrganizationalUnit twice", err)
	_, err = oc.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: bad, ChildType: orgtypes.ChildTypeAccount})
	fails("ListChildren unknown parent", err)
	_, err = oc.ListParents(ctx, &organizations.ListParentsInput{ChildId: s("999999999999")})
	fails("ListParents unknown child", err)
	_, err = oc.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: acct, SourceParentId: bad, DestinationParentId: root})
	fails("MoveAccount unknown source", err)
	_, err = oc.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: acct, SourceParentId: root, DestinationParentId: bad})
	fails("MoveAccount unknown destination", err)
	_, err = oc.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: acct, SourceParentId: ouID, DestinationParentId: ouID})
	fails("MoveAccount same parent", err)
	_, err = oc.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: ouID})
	fails("DeleteOrganizationalUnit not empty", err)
	_, err = oc.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: s("p-FullAWSAccess"), TargetId: root})
	fails("DetachPolicy the last one", err)
	_, err = oc.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: s("p-FullAWSAccess"), TargetId: root})
	fails("AttachPolicy twice", err)
	_, err = oc.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: s("p-FullAWSAccess"), TargetId: s("999999999999")})
	fails("AttachPolicy unknown target", err)
	_, err = oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: s("tags"), Description: s(""), Type: orgtypes.PolicyTypeTagPolicy, Content: s(`{"tags":{}}`)})
	fails("CreatePolicy twice", err)
	_, err = oc.UpdatePolicy(ctx, &organizations.UpdatePolicyInput{PolicyId: s("p-FullAWSAccess"), Description: s("mine")})
	fails("UpdatePolicy AWS managed", err)
	_, err = oc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: s("r-zzzz"), PolicyType: orgtypes.PolicyTypeAiservicesOptOutPolicy})
	fails("EnablePolicyType unknown root", err)
	_, err = oc.TagResource(ctx, &organizations.TagResourceInput{ResourceId: s("999999999999"), Tags: []orgtypes.Tag{{Key: s("k"), Value: s("v")}}})
	fails("TagResource unknown", err)
	_, err = oc.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: s("not a principal")})
	fails("EnableAWSServiceAccess bad principal", err)
	_, err = oc.DeregisterDelegatedAdministrator(ctx, &organizations.DeregisterDelegatedAdministratorInput{AccountId: acct, ServicePrincipal: s("config.amazonaws.com")})
	fails("DeregisterDelegatedAdministrator not registered", err)
	_, err = oc.RegisterDelegatedAdministrator(ctx, &organizations.RegisterDelegatedAdministratorInput{AccountId: &mgmt, ServicePrincipal: s("config.amazonaws.com")})
	fails("RegisterDelegatedAdministrator the management account", err)
	_, err = oc.LeaveOrganization(ctx, &organizations.LeaveOrganizationInput{})
	fails("LeaveOrganization the management account", err)
	_, err = oc.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: &mgmt})
	fails("RemoveAccountFromOrganization the management account", err)
	_, err = oc.ListAccounts(ctx, &organizations.ListAccountsInput{NextToken: s("nope")})
	fails("ListAccounts bad token", err)
	_, err = oc.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: s("dev2"), Email: s("dev@example.com")})
	step("CreateAccount of a taken email (FAILED status)", err)

	// Access Analyzer's policy checks.
	identity := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:GetObject"],"Resource":"arn:aws:s3:::b/*"}]}`
	private := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + mgmt + `:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
	_, err = ac.ValidatePolicy(ctx, &accessanalyzer.ValidatePolicyInput{PolicyDocument: s(identity), PolicyType: aatypes.PolicyTypeIdentityPolicy})
	step("ValidatePolicy", err)
	_, err = ac.ValidatePolicy(ctx, &accessanalyzer.ValidatePolicyInput{PolicyDocument: s(public), PolicyType: aatypes.PolicyTypeResourcePolicy,
		ValidatePolicyResourceType: aatypes.ValidatePolicyResourceTypeS3Bucket})
	step("ValidatePolicy", err)
	_, err = ac.ValidatePolicy(ctx, &accessanalyzer.ValidatePolicyInput{PolicyDocument: s(`{"Statement":[`), PolicyType: aatypes.PolicyTypeIdentityPolicy})
	step("ValidatePolicy syntax", err)
	_, err = ac.CheckNoNewAccess(ctx, &accessanalyzer.CheckNoNewAccessInput{NewPolicyDocument: s(public), ExistingPolicyDocument: s(private), PolicyType: aatypes.AccessCheckPolicyTypeResourcePolicy})
	step("CheckNoNewAccess", err)
	_, err = ac.CheckNoNewAccess(ctx, &accessanalyzer.CheckNoNewAccessInput{NewPolicyDocument: s(identity), ExistingPolicyDocument: s(identity), PolicyType: aatypes.AccessCheckPolicyTypeIdentityPolicy})
	step("CheckNoNewAccess", err)
	_, err = ac.CheckAccessNotGranted(ctx, &accessanalyzer.CheckAccessNotGrantedInput{PolicyDocument: s(identity), PolicyType: aatypes.AccessCheckPolicyTypeIdentityPolicy,
		Access: []aatypes.Access{{Actions: []string{"s3:GetObject"}}}})
	step("CheckAccessNotGranted", err)
	_, err = ac.CheckAccessNotGranted(ctx, &accessanalyzer.CheckAccessNotGrantedInput{PolicyDocument: s(identity), PolicyType: aatypes.AccessCheckPolicyTypeIdentityPolicy,
		Access: []aatypes.Access{{Actions: []string{"s3:PutObject"}}}})
	step("CheckAccessNotGranted", err)
	_, err = ac.CheckNoPublicAccess(ctx, &accessanalyzer.CheckNoPublicAccessInput{PolicyDocument: s(public), ResourceType: aatypes.AccessCheckResourceTypeS3Bucket})
	step("CheckNoPublicAccess", err)
	_, err = ac.CheckNoPublicAccess(ctx, &accessanalyzer.CheckNoPublicAccessInput{PolicyDocument: s(private), ResourceType: aatypes.AccessCheckResourceTypeS3Bucket})
	step("CheckNoPublicAccess", err)
	_, err = ac.CheckNoPublicAccess(ctx, &accessanalyzer.CheckNoPublicAccessInput{PolicyDocument: s(public), ResourceType: "AWS::S3::Nope"})
	fails("CheckNoPublicAccess bad type", err)
	_, err = ac.CheckAccessNotGranted(ctx, &accessanalyzer.CheckAccessNotGrantedInput{PolicyDocument: s(`{"Statement":[`), PolicyType: aatypes.AccessCheckPolicyTypeIdentityPolicy,
		Access: []aatypes.Access{{Actions: []string{"s3:PutObject"}}}})
	fails("CheckAccessNotGranted malformed", err)

	t.Logf("checked %d responses of %d operations", checkRecorded(t, rec), len(rec.seen))
	for _, op := range []string{"DescribeOrganization", "ListRoots", "CreateAccount", "DescribeAccount", "ListPolicies", "ListAWSServiceAccessForOrganization"} {
		golden(t, "org-"+op+".json", normalizeJSON(t, apimodel.Organizations, op, rec.first(op)))
	}
	for _, op := range []string{"ValidatePolicy", "CheckNoNewAccess", "CheckAccessNotGranted", "CheckNoPublicAccess"} {
		golden(t, "aa-"+op+".json", normalizeJSON(t, apimodel.AccessAnalyzer, op, rec.first(op)))
	}
}

var (
	// Organizations' IDs (the model's patterns: o-, r-, ou-, p-, car-) and
	// account IDs, which are random in every run.
	carIDRe  = regexp.MustCompile(`car-[0-9a-z]{8,32}`)
	ouIDRe   = regexp.MustCompile(`ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}`)
	orgIDRe  = regexp.MustCompile(`\bo-[0-9a-z]{10,32}\b`)
	rootIDRe = regexp.MustCompile(`\br-[0-9a-z]{4,32}\b`)
	polIDRe  = regexp.MustCompile(`\bp-[0-9a-z_]{8,128}\b`)
	acctRe   = regexp.MustCompile(`\b\d{12}\b`)
)

// normalizeJSON indents a response with its keys sorted and replaces what
// differs from run to run: timestamps (by the model: every timestamp
// member becomes 2026-01-01), Organizations' IDs and account IDs.
// Request IDs travel in a header, not the body.
func normalizeJSON(t *testing.T, svc *apimodel.Service, op string, body []byte) []byte {
	t.Helper()
	if body == nil {
		t.Errorf("%s: no successful response for the golden file", op)
		return nil
	}
	v, err := decodeJSONNumbers(body)
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	v = fixedTimes(svc, svc.Operation(op).Output, v)
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out = carIDRe.ReplaceAll(out, []byte("car-EXAMPLE"))
	out = ouIDRe.ReplaceAll(out, []byte("ou-EXAMPLE"))
	out = orgIDRe.ReplaceAll(out, []byte("o-EXAMPLE"))
	out = rootIDRe.ReplaceAll(out, []byte("r-EXAMPLE"))
	out = polIDRe.ReplaceAll(out, []byte("p-EXAMPLE"))
	out = acctRe.ReplaceAll(out, []byte("123456789012"))
	return append(out, '\n')
}

// fixedTimes replaces every timestamp of v (walked along shape) by
// 2026-01-01T00:00:00Z in the shape's format.
func fixedTimes(svc *apimodel.Service, shape string, v any) any {
	sh := svc.Shape(shape)
	if sh == nil {
		return v
	}
	switch sh.Type {
	case apimodel.Timestamp:
		if sh.TimestampFormat == "iso8601" {
			return "2026-01-01T00:00:00Z"
		}
		return json.Number("1767225600")
	case apimodel.Structure:
		if obj, ok := v.(map[string]any); ok {
			for k, x := range obj {
				if m := sh.MemberNamed(k); m != nil {
					obj[k] = fixedTimes(svc, m.Shape, x)
				}
			}
		}
	case apimodel.List:
		if arr, ok := v.([]any); ok {
			for i, x := range arr {
				arr[i] = fixedTimes(svc, sh.Member.Shape, x)
			}
		}
	case apimodel.Map:
		if obj, ok := v.(map[string]any); ok {
			for k, x := range obj {
				obj[k] = fixedTimes(svc, sh.Value.Shape, x)
			}
		}
	}
	return v
}

// checkRecorded checks every recorded response strictly and returns how
// many there were.
func checkRecorded(t *testing.T, rec *jsonRecording) int {
	t.Helper()
	n := 0
	for _, op := range rec.seen {
		svc := apimodel.Organizations
		if apimodel.Organizations.Operation(op) == nil {
			svc = apimodel.AccessAnalyzer
		}
		for _, rep := range rec.got[op] {
			n++
			ms := checkJSONErrorStrict(svc, op, rep.status, rep.header, rep.body)
			if rep.status == 200 {
				ms = checkJSONStrict(svc, op, rep.body)
			}
			// The Content-Type botocore's serializers send and AWS answers:
			// application/x-amz-json-1.1 (the model's jsonVersion), and
			// application/json for REST-JSON; the request id in
			// x-amzn-RequestId, which botocore reads for both.
			ct := "application/json"
			if svc.Protocol == "json" {
				ct = "application/x-amz-json-" + svc.JSONVersion
			}
			if got := rep.header.Get("Content-Type"); got != ct {
				ms = append(ms, "Content-Type "+got+", want "+ct)
			}
			if rep.header.Get("x-amzn-RequestId") == "" {
				ms = append(ms, "no x-amzn-RequestId")
			}
			for _, m := range ms {
				t.Errorf("%s (%d): %s\n%s", op, rep.status, m, rep.body)
			}
		}
	}
	return n
}

// TestJSONResponsesMatchModelsHandWritten checks, as
// TestJSONResponsesMatchModels does, an organization written by hand in a
// world file (examples/region-restriction: no IDs, no creation or joining
// times, no email addresses), and the errors of a caller without
// permission and of an account outside any organization.
func TestJSONResponsesMatchModelsHandWritten(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	rec := &jsonRecording{t: t, got: map[string][]jsonReply{}}
	hc := &http.Client{Transport: rec}
	clients := func(c aws.Credentials) (*organizations.Client, *accessanalyzer.Client) {
		return organizations.New(organizations.Options{Region: "us-east-1", Credentials: provider(c), BaseEndpoint: aws.String(e.ts.URL), Retryer: aws.NopRetryer{}, HTTPClient: hc}),
			accessanalyzer.New(accessanalyzer.Options{Region: "us-east-1", Credentials: provider(c), BaseEndpoint: aws.String(e.ts.URL), Retryer: aws.NopRetryer{}, HTTPClient: hc})
	}
	// Before any organization, and a caller without permission.
	oc, _ := clients(e.admin)
	_, err := oc.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	wantError(t, err, "AWSOrganizationsNotInUseException", 400)
	nobody := e.newUser("nobody", "")
	noc, nac := clients(nobody)
	_, err = noc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = nac.ValidatePolicy(ctx, &accessanalyzer.ValidatePolicyInput{PolicyDocument: aws.String(`{}`), PolicyType: aatypes.PolicyTypeIdentityPolicy})
	wantError(t, err, "AccessDeniedException", 403)
	_, ac := clients(e.admin)
	_, err = ac.ValidatePolicy(ctx, &accessanalyzer.ValidatePolicyInput{PolicyDocument: aws.String(`{}`), PolicyType: "NOPE"})
	wantError(t, err, "ValidationException", 400)
	_, err = oc.EnableAWSServiceAccess(ctx, &organizations.EnableAWSServiceAccessInput{ServicePrincipal: aws.String("not a principal")})
	if err == nil {
		t.Error("EnableAWSServiceAccess of a bad principal: want an error")
	}

	fw, err := world.LoadFile("../examples/region-restriction/world.yaml")
	if err != nil {
		t.Fatal(err)
	}
	file := fw.ToFile()
	if qe := e.srv.State().UpdateWorld(ctx, func(w *world.FileWorld) *query.Error {
		w.Accounts = append(w.Accounts, file.Accounts...)
		w.Accounts[len(w.Accounts)-len(file.Accounts)].Users = []world.FileUser{{Name: "org-admin", ManagedPolicies: []string{"arn:aws:iam::aws:policy/AdministratorAccess"}}}
		w.Organization = file.Organization
		return nil
	}); qe != nil {
		t.Fatal(qe)
	}
	k, err := e.srv.Keys().CreateAccessKey(ctx, "100000000000", "org-admin")
	if err != nil {
		t.Fatal(err)
	}
	oc, _ = clients(aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret})
	step := func(name string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	_, err = oc.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	step("DescribeOrganization", err)
	roots, err := oc.ListRoots(ctx, &organizations.ListRootsInput{})
	step("ListRoots", err)
	_, err = oc.ListAccounts(ctx, &organizations.ListAccountsInput{})
	step("ListAccounts", err)
	_, err = oc.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String("333333333333")})
	step("DescribeAccount", err)
	_, err = oc.ListCreateAccountStatus(ctx, &organizations.ListCreateAccountStatusInput{})
	step("ListCreateAccountStatus", err)
	_, err = oc.ListPolicies(ctx, &organizations.ListPoliciesInput{Filter: orgtypes.PolicyTypeServiceControlPolicy})
	step("ListPolicies", err)
	if roots != nil && len(roots.Roots) == 1 {
		ous, err := oc.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: roots.Roots[0].Id})
		step("ListOrganizationalUnitsForParent", err)
		if ous != nil && len(ous.OrganizationalUnits) == 1 {
			ou := ous.OrganizationalUnits[0].Id
			_, err = oc.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: ou})
			step("DescribeOrganizationalUnit", err)
			_, err = oc.ListPoliciesForTarget(ctx, &organizations.ListPoliciesForTargetInput{TargetId: ou, Filter: orgtypes.PolicyTypeServiceControlPolicy})
			step("ListPoliciesForTarget", err)
			_, err = oc.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: ou, ChildType: orgtypes.ChildTypeAccount})
			step("ListChildren", err)
			// SCPs are not enabled in this world: nothing is attached to
			// the root (DetachPolicy has no PolicyTypeNotEnabledException
			// in the model), but the OU's own list is detached from.
			_, err = oc.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String("p-FullAWSAccess"), TargetId: roots.Roots[0].Id})
			wantError(t, err, "PolicyNotAttachedException", 400)
			_, err = oc.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: aws.String("p-FullAWSAccess"), TargetId: ou})
			step("DetachPolicy", err)
		}
	}
	_, err = oc.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: aws.String("333333333333")})
	step("ListTagsForResource", err)
	t.Logf("checked %d responses of %d operations", checkRecorded(t, rec), len(rec.seen))
}
