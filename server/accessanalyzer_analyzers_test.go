package server_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/accessanalyzer"
	aatypes "github.com/aws/aws-sdk-go-v2/service/accessanalyzer/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	aaapi "github.com/iamgate/iamgate/api/accessanalyzer"
	apimodel "github.com/iamgate/iamgate/api/model"
	"github.com/iamgate/iamgate/server"
)

const analyzersWorld = "testdata/analyzers/world.yaml"

// analyzersEnv serves testdata/analyzers/world.yaml, with a key per user
// of it.
func analyzersEnv(t testing.TB) (*env, map[string]aws.Credentials) {
	t.Helper()
	return analyzersEnvWith(t, nil)
}

// analyzersEnvWith is analyzersEnv with the configuration configure may
// change.
func analyzersEnvWith(t testing.TB, configure func(*server.Config)) (*env, map[string]aws.Credentials) {
	t.Helper()
	return worldEnv(t, analyzersWorld, "100000000000", configure, map[string]string{"admin": "100000000000", "analyst": "111111111111",
		"nobody": "111111111111", "reader": "111111111111", "b-admin": "222222222222", "outsider": "999999999999"})
}

func (e *env) aa(c aws.Credentials, region string) *accessanalyzer.Client {
	return accessanalyzer.New(accessanalyzer.Options{Region: region, Credentials: provider(c), BaseEndpoint: aws.String(e.ts.URL),
		Retryer: aws.NopRetryer{}, HTTPClient: &http.Client{Transport: checkingAA{e.t}}})
}

// checkingAA checks every Access Analyzer answer, result or error,
// strictly against the operation's shapes in the model (the members, their
// types and enums, the required ones: checkJSONStrict, checkJSONErrorStrict).
type checkingAA struct{ t testing.TB }

func (c checkingAA) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		return res, err
	}
	op, _ := aaapi.Route(r.Method, r.URL.EscapedPath())
	if op == nil {
		c.t.Errorf("%s %s: no operation", r.Method, r.URL.Path)
		return res, nil
	}
	out, err := keepBody(res)
	if err != nil {
		return nil, err
	}
	ms := checkJSONErrorStrict(apimodel.AccessAnalyzer, op.Name, res.StatusCode, res.Header, out)
	if res.StatusCode == 200 {
		ms = checkJSONStrict(apimodel.AccessAnalyzer, op.Name, out)
	}
	for _, m := range ms {
		c.t.Errorf("%s (%d): %s", op.Name, res.StatusCode, m)
	}
	return res, nil
}

// Analyzers of type ACCOUNT and ORGANIZATION: created, read, listed,
// deleted, per account and region (the API Reference: CreateAnalyzer,
// GetAnalyzer, ListAnalyzers, DeleteAnalyzer; ARN
// arn:aws:access-analyzer:REGION:ACCOUNT:analyzer/NAME, the Service
// Authorization Reference's resource type Analyzer).
func TestAnalyzersLifecycle(t *testing.T) {
	e, keys := analyzersEnv(t)
	ctx := context.Background()
	a := e.aa(keys["analyst"], "eu-west-1")
	out, err := a.CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("ext"), Type: aatypes.TypeAccount,
		Tags: map[string]string{"team": "sec"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:access-analyzer:eu-west-1:111111111111:analyzer/ext"; aws.ToString(out.Arn) != want {
		t.Fatalf("arn %s, want %s", aws.ToString(out.Arn), want)
	}
	// A second ACCOUNT analyzer in the region: the model's quota of one.
	_, err = a.CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("ext"), Type: aatypes.TypeAccount})
	wantError(t, err, "ConflictException", 409)
	_, err = a.CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("other"), Type: aatypes.TypeAccount})
	wantError(t, err, "ServiceQuotaExceededException", 402)
	// Unused and internal access analyzers are not served.
	_, err = a.CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("unused"), Type: aatypes.TypeAccountUnusedAccess})
	wantError(t, err, "ValidationException", 400)
	// A member account that is not a delegated administrator.
	_, err = a.CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("org"), Type: aatypes.TypeOrganization})
	contains(t, wantError(t, err, "AccessDeniedException", 403), "is not a delegated administrator")
	// The delegated administrator and the management account may.
	for _, user := range []string{"b-admin", "admin"} {
		if _, err := e.aa(keys[user], "eu-west-1").CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("org"), Type: aatypes.TypeOrganization}); err != nil {
			t.Fatalf("%s: %v", user, err)
		}
	}

	got, err := a.GetAnalyzer(ctx, &accessanalyzer.GetAnalyzerInput{AnalyzerName: aws.String("ext")})
	if err != nil {
		t.Fatal(err)
	}
	if got.Analyzer.Type != aatypes.TypeAccount || got.Analyzer.Status != aatypes.AnalyzerStatusActive || got.Analyzer.Tags["team"] != "sec" || got.Analyzer.CreatedAt == nil {
		t.Fatalf("GetAnalyzer: %+v", got.Analyzer)
	}
	// Analyzers are regional: none in another region.
	_, err = e.aa(keys["analyst"], "us-east-1").GetAnalyzer(ctx, &accessanalyzer.GetAnalyzerInput{AnalyzerName: aws.String("ext")})
	wantError(t, err, "ResourceNotFoundException", 404)
	list, err := a.ListAnalyzers(ctx, &accessanalyzer.ListAnalyzersInput{})
	if err != nil || len(list.Analyzers) != 1 || aws.ToString(list.Analyzers[0].Name) != "ext" {
		t.Fatalf("ListAnalyzers: %+v %v", list, err)
	}
	// UpdateAnalyzer: "This action is not supported for external access
	// analyzers" (the API Reference, UpdateAnalyzer).
	_, err = a.UpdateAnalyzer(ctx, &accessanalyzer.UpdateAnalyzerInput{AnalyzerName: aws.String("ext")})
	wantError(t, err, "ValidationException", 400)
	_, err = a.UpdateAnalyzer(ctx, &accessanalyzer.UpdateAnalyzerInput{AnalyzerName: aws.String("none")})
	wantError(t, err, "ResourceNotFoundException", 404)

	if _, err := a.DeleteAnalyzer(ctx, &accessanalyzer.DeleteAnalyzerInput{AnalyzerName: aws.String("ext")}); err != nil {
		t.Fatal(err)
	}
	_, err = a.DeleteAnalyzer(ctx, &accessanalyzer.DeleteAnalyzerInput{AnalyzerName: aws.String("ext")})
	wantError(t, err, "ResourceNotFoundException", 404)
}

// Analyzer operations are authorized on the analyzer's ARN before the
// analyzer is looked up (fail closed): a caller without permission is
// denied whether or not it exists; another account's analyzer is denied
// (no resource policy lets the caller in).
func TestAnalyzersAuthorization(t *testing.T) {
	e, keys := analyzersEnv(t)
	ctx := context.Background()
	arn := aws.ToString(must[*accessanalyzer.CreateAnalyzerOutput](t)(e.aa(keys["analyst"], "eu-west-1").CreateAnalyzer(ctx,
		&accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("ext"), Type: aatypes.TypeAccount})).Arn)
	for _, name := range []string{"ext", "missing"} {
		_, err := e.aa(keys["nobody"], "eu-west-1").GetAnalyzer(ctx, &accessanalyzer.GetAnalyzerInput{AnalyzerName: aws.String(name)})
		contains(t, wantError(t, err, "AccessDeniedException", 403), "access-analyzer:GetAnalyzer")
	}
	// Another account's analyzer, by callers whose own policies allow
	// access-analyzer:* on "*": the outside account's, and the
	// organization's management account's.
	for _, user := range []string{"outsider", "admin"} {
		_, err := e.aa(keys[user], "eu-west-1").ListFindings(ctx, &accessanalyzer.ListFindingsInput{AnalyzerArn: aws.String(arn)})
		contains(t, wantError(t, err, "AccessDeniedException", 403), "access-analyzer:ListFindings")
		_, err = e.aa(keys[user], "eu-west-1").UpdateFindings(ctx, &accessanalyzer.UpdateFindingsInput{AnalyzerArn: aws.String(arn),
			Status: aatypes.FindingStatusUpdateArchived, ResourceArn: aws.String("arn:aws:s3:::site-a")})
		wantError(t, err, "AccessDeniedException", 403)
	}
	// V2 is authorized as ListFindings (the API Reference, ListFindings).
	_, err := e.aa(keys["nobody"], "eu-west-1").ListFindingsV2(ctx, &accessanalyzer.ListFindingsV2Input{AnalyzerArn: aws.String(arn)})
	contains(t, wantError(t, err, "AccessDeniedException", 403), "access-analyzer:ListFindings")
	// reader may read, not delete.
	r := e.aa(keys["reader"], "eu-west-1")
	if _, err := r.GetAnalyzer(ctx, &accessanalyzer.GetAnalyzerInput{AnalyzerName: aws.String("ext")}); err != nil {
		t.Fatal(err)
	}
	_, err = r.DeleteAnalyzer(ctx, &accessanalyzer.DeleteAnalyzerInput{AnalyzerName: aws.String("ext")})
	wantError(t, err, "AccessDeniedException", 403)
}

// Findings of an ACCOUNT analyzer over A: the role deploy trusted by the
// outside account under sts:ExternalId, the role audit of B is not A's, the
// public bucket site-a; archived, unarchived, resolved by changing the
// trust policy through IAM (the IAM User Guide, "IAM Access Analyzer
// findings").
func TestAnalyzerFindings(t *testing.T) {
	e, keys := analyzersEnv(t)
	ctx := context.Background()
	a := e.aa(keys["analyst"], "eu-west-1")
	arn := must[*accessanalyzer.CreateAnalyzerOutput](t)(a.CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("ext"), Type: aatypes.TypeAccount})).Arn
	list := func(filter map[string]aatypes.Criterion) []aatypes.FindingSummary {
		t.Helper()
		out, err := a.ListFindings(ctx, &accessanalyzer.ListFindingsInput{AnalyzerArn: arn, Filter: filter})
		if err != nil {
			t.Fatal(err)
		}
		return out.Findings
	}
	fs := list(nil)
	byRes := map[string]aatypes.FindingSummary{}
	for _, f := range fs {
		byRes[aws.ToString(f.Resource)] = f
	}
	if len(fs) != 2 {
		t.Fatalf("%d findings, want 2 (deploy, site-a): %+v", len(fs), fs)
	}
	deploy := byRes["arn:aws:iam::111111111111:role/deploy"]
	if deploy.ResourceType != aatypes.ResourceTypeAwsIamRole || deploy.Principal["AWS"] != "999999999999" || deploy.Condition["sts:ExternalId"] != "deploy-7f3a" ||
		aws.ToBool(deploy.IsPublic) || strings.Join(deploy.Action, ",") != "sts:AssumeRole" || deploy.Status != aatypes.FindingStatusActive ||
		aws.ToString(deploy.ResourceOwnerAccount) != "111111111111" {
		t.Fatalf("deploy: %+v", deploy)
	}
	site := byRes["arn:aws:s3:::site-a"]
	if site.ResourceType != aatypes.ResourceTypeAwsS3Bucket || site.Principal["AWS"] != "*" || !aws.ToBool(site.IsPublic) ||
		aws.ToString(site.ResourceOwnerAccount) != "111111111111" || len(aws.ToString(site.Id)) != 36 {
		t.Fatalf("site-a: %+v", site)
	}
	// The same finding has the same ID when read again.
	if again := list(nil); aws.ToString(again[0].Id) != aws.ToString(fs[0].Id) {
		t.Fatalf("IDs changed: %s, %s", aws.ToString(again[0].Id), aws.ToString(fs[0].Id))
	}
	// Filters (the IAM User Guide, "IAM Access Analyzer filter keys").
	if got := list(map[string]aatypes.Criterion{"isPublic": {Eq: []string{"true"}}}); len(got) != 1 || aws.ToString(got[0].Resource) != "arn:aws:s3:::site-a" {
		t.Fatalf("isPublic eq true: %+v", got)
	}
	if got := list(map[string]aatypes.Criterion{"condition.sts:ExternalId": {Exists: aws.Bool(true)}}); len(got) != 1 {
		t.Fatalf("condition exists: %+v", got)
	}
	_, err := a.ListFindings(ctx, &accessanalyzer.ListFindingsInput{AnalyzerArn: arn, Filter: map[string]aatypes.Criterion{"colour": {Eq: []string{"x"}}}})
	wantError(t, err, "ValidationException", 400)

	g, err := a.GetFinding(ctx, &accessanalyzer.GetFindingInput{AnalyzerArn: arn, Id: deploy.Id})
	if err != nil || g.Finding.Condition["sts:ExternalId"] != "deploy-7f3a" {
		t.Fatalf("GetFinding: %+v %v", g, err)
	}
	v2, err := a.GetFindingV2(ctx, &accessanalyzer.GetFindingV2Input{AnalyzerArn: arn, Id: deploy.Id})
	if err != nil || len(v2.FindingDetails) != 1 || v2.FindingType != aatypes.FindingTypeExternalAccess {
		t.Fatalf("GetFindingV2: %+v %v", v2, err)
	}
	if ext, ok := v2.FindingDetails[0].(*aatypes.FindingDetailsMemberExternalAccessDetails); !ok || ext.Value.Principal["AWS"] != "999999999999" {
		t.Fatalf("GetFindingV2 details: %#v", v2.FindingDetails[0])
	}
	if l2, err := a.ListFindingsV2(ctx, &accessanalyzer.ListFindingsV2Input{AnalyzerArn: arn}); err != nil || len(l2.Findings) != 2 {
		t.Fatalf("ListFindingsV2: %+v %v", l2, err)
	}
	_, err = a.GetFinding(ctx, &accessanalyzer.GetFindingInput{AnalyzerArn: arn, Id: aws.String("00000000-0000-0000-0000-000000000000")})
	wantError(t, err, "ResourceNotFoundException", 404)

	// Archive by ID, unarchive by resource.
	if _, err := a.UpdateFindings(ctx, &accessanalyzer.UpdateFindingsInput{AnalyzerArn: arn, Status: aatypes.FindingStatusUpdateArchived, Ids: []string{aws.ToString(deploy.Id)}}); err != nil {
		t.Fatal(err)
	}
	if got := list(map[string]aatypes.Criterion{"status": {Eq: []string{"ARCHIVED"}}}); len(got) != 1 || aws.ToString(got[0].Id) != aws.ToString(deploy.Id) {
		t.Fatalf("archived: %+v", got)
	}
	st, err := a.GetFindingsStatistics(ctx, &accessanalyzer.GetFindingsStatisticsInput{AnalyzerArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	ext := st.FindingsStatistics[0].(*aatypes.FindingsStatisticsMemberExternalAccessFindingsStatistics).Value
	if aws.ToInt32(ext.TotalActiveFindings) != 1 || aws.ToInt32(ext.TotalArchivedFindings) != 1 || aws.ToInt32(ext.ResourceTypeStatistics["AWS::S3::Bucket"].TotalActivePublic) != 1 {
		t.Fatalf("statistics: %+v", ext)
	}
	if _, err := a.UpdateFindings(ctx, &accessanalyzer.UpdateFindingsInput{AnalyzerArn: arn, Status: aatypes.FindingStatusUpdateActive, ResourceArn: deploy.Resource}); err != nil {
		t.Fatal(err)
	}

	// Resolved: the trust policy no longer lets the outside account in.
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`
	if _, err := e.iam(keys["analyst"]).UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("deploy"), PolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	fs = list(nil)
	statuses := map[string]aatypes.FindingStatus{}
	for _, f := range fs {
		statuses[aws.ToString(f.Resource)] = f.Status
	}
	if statuses["arn:aws:iam::111111111111:role/deploy"] != aatypes.FindingStatusResolved || statuses["arn:aws:s3:::site-a"] != aatypes.FindingStatusActive {
		t.Fatalf("after the trust policy changed: %v", statuses)
	}
}

// Archive rules (the API Reference: CreateArchiveRule, ApplyArchiveRule;
// inline in CreateAnalyzer's archiveRules): a rule archives the new
// findings it matches; ApplyArchiveRule archives the existing ones.
func TestAnalyzerArchiveRules(t *testing.T) {
	e, keys := analyzersEnv(t)
	ctx := context.Background()
	a := e.aa(keys["analyst"], "eu-west-1")
	arn := must[*accessanalyzer.CreateAnalyzerOutput](t)(a.CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("ext"), Type: aatypes.TypeAccount,
		ArchiveRules: []aatypes.InlineArchiveRule{{RuleName: aws.String("public-buckets"), Filter: map[string]aatypes.Criterion{
			"resourceType": {Eq: []string{"AWS::S3::Bucket"}}, "isPublic": {Eq: []string{"true"}}}}}})).Arn
	status := func() map[string]aatypes.FindingStatus {
		t.Helper()
		out, err := a.ListFindings(ctx, &accessanalyzer.ListFindingsInput{AnalyzerArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]aatypes.FindingStatus{}
		for _, f := range out.Findings {
			m[aws.ToString(f.Resource)] = f.Status
		}
		return m
	}
	if got := status(); got["arn:aws:s3:::site-a"] != aatypes.FindingStatusArchived || got["arn:aws:iam::111111111111:role/deploy"] != aatypes.FindingStatusActive {
		t.Fatalf("with the inline rule: %v", got)
	}
	// A rule created later archives nothing existing until applied, even
	// when the world changed since the last read (the change is scanned
	// before the rule is added): the role local now trusts the outside
	// account too.
	if _, err := e.iam(keys["analyst"]).UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("local"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateArchiveRule(ctx, &accessanalyzer.CreateArchiveRuleInput{AnalyzerName: aws.String("ext"), RuleName: aws.String("outside"),
		Filter: map[string]aatypes.Criterion{"principal.AWS": {Eq: []string{"999999999999"}}}}); err != nil {
		t.Fatal(err)
	}
	_, err := a.CreateArchiveRule(ctx, &accessanalyzer.CreateArchiveRuleInput{AnalyzerName: aws.String("ext"), RuleName: aws.String("outside"),
		Filter: map[string]aatypes.Criterion{"principal.AWS": {Eq: []string{"x"}}}})
	wantError(t, err, "ConflictException", 409)
	if got := status(); got["arn:aws:iam::111111111111:role/deploy"] != aatypes.FindingStatusActive || got["arn:aws:iam::111111111111:role/local"] != aatypes.FindingStatusActive {
		t.Fatalf("before ApplyArchiveRule: %v", got)
	}
	if _, err := a.ApplyArchiveRule(ctx, &accessanalyzer.ApplyArchiveRuleInput{AnalyzerArn: arn, RuleName: aws.String("outside")}); err != nil {
		t.Fatal(err)
	}
	if got := status(); got["arn:aws:iam::111111111111:role/deploy"] != aatypes.FindingStatusArchived || got["arn:aws:iam::111111111111:role/local"] != aatypes.FindingStatusArchived {
		t.Fatalf("after ApplyArchiveRule: %v", got)
	}
	rules, err := a.ListArchiveRules(ctx, &accessanalyzer.ListArchiveRulesInput{AnalyzerName: aws.String("ext")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range rules.ArchiveRules {
		names = append(names, aws.ToString(r.RuleName))
	}
	sort.Strings(names)
	if strings.Join(names, ",") != "outside,public-buckets" {
		t.Fatalf("rules %v", names)
	}
	if _, err := a.UpdateArchiveRule(ctx, &accessanalyzer.UpdateArchiveRuleInput{AnalyzerName: aws.String("ext"), RuleName: aws.String("outside"),
		Filter: map[string]aatypes.Criterion{"resource": {Contains: []string{"deploy"}}}}); err != nil {
		t.Fatal(err)
	}
	r, err := a.GetArchiveRule(ctx, &accessanalyzer.GetArchiveRuleInput{AnalyzerName: aws.String("ext"), RuleName: aws.String("outside")})
	if err != nil || r.ArchiveRule.Filter["resource"].Contains[0] != "deploy" {
		t.Fatalf("GetArchiveRule: %+v %v", r, err)
	}
	if _, err := a.DeleteArchiveRule(ctx, &accessanalyzer.DeleteArchiveRuleInput{AnalyzerName: aws.String("ext"), RuleName: aws.String("outside")}); err != nil {
		t.Fatal(err)
	}
	_, err = a.GetArchiveRule(ctx, &accessanalyzer.GetArchiveRuleInput{AnalyzerName: aws.String("ext"), RuleName: aws.String("outside")})
	wantError(t, err, "ResourceNotFoundException", 404)
}

// Analyzed resources (the API Reference: ListAnalyzedResources,
// GetAnalyzedResource, StartResourceScan): every resource of the zone with
// a resource-based or trust policy, with what its findings grant.
func TestAnalyzedResources(t *testing.T) {
	e, keys := analyzersEnv(t)
	ctx := context.Background()
	a := e.aa(keys["analyst"], "eu-west-1")
	arn := must[*accessanalyzer.CreateAnalyzerOutput](t)(a.CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("ext"), Type: aatypes.TypeAccount})).Arn
	list, err := a.ListAnalyzedResources(ctx, &accessanalyzer.ListAnalyzedResourcesInput{AnalyzerArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range list.AnalyzedResources {
		got = append(got, aws.ToString(r.ResourceArn)+" "+string(r.ResourceType)+" "+aws.ToString(r.ResourceOwnerAccount))
	}
	want := []string{"arn:aws:iam::111111111111:role/deploy AWS::IAM::Role 111111111111", "arn:aws:iam::111111111111:role/local AWS::IAM::Role 111111111111",
		"arn:aws:s3:::site-a AWS::S3::Bucket 111111111111"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("analyzed resources:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if l, err := a.ListAnalyzedResources(ctx, &accessanalyzer.ListAnalyzedResourcesInput{AnalyzerArn: arn, ResourceType: aatypes.ResourceTypeAwsS3Bucket, MaxResults: aws.Int32(1)}); err != nil || len(l.AnalyzedResources) != 1 || l.NextToken != nil {
		t.Fatalf("by type: %+v %v", l, err)
	}
	r, err := a.GetAnalyzedResource(ctx, &accessanalyzer.GetAnalyzedResourceInput{AnalyzerArn: arn, ResourceArn: aws.String("arn:aws:s3:::site-a")})
	if err != nil || !aws.ToBool(r.Resource.IsPublic) || strings.Join(r.Resource.Actions, ",") != "s3:GetObject" || r.Resource.Status != aatypes.FindingStatusActive {
		t.Fatalf("GetAnalyzedResource: %+v %v", r, err)
	}
	_, err = a.GetAnalyzedResource(ctx, &accessanalyzer.GetAnalyzedResourceInput{AnalyzerArn: arn, ResourceArn: aws.String("arn:aws:s3:::data-x")})
	wantError(t, err, "ResourceNotFoundException", 404)
	if _, err := a.StartResourceScan(ctx, &accessanalyzer.StartResourceScanInput{AnalyzerArn: arn, ResourceArn: aws.String("arn:aws:s3:::site-a")}); err != nil {
		t.Fatal(err)
	}
	_, err = a.StartResourceScan(ctx, &accessanalyzer.StartResourceScanInput{AnalyzerArn: arn, ResourceArn: aws.String("arn:aws:iam::222222222222:role/audit")})
	wantError(t, err, "ResourceNotFoundException", 404)
}

// Tags of analyzers and archive rules (the API Reference: TagResource,
// UntagResource, ListTagsForResource; the ARN is a URI label, sent with
// its "/" escaped), authorized with aws:RequestTag and aws:TagKeys.
func TestAnalyzerTags(t *testing.T) {
	e, keys := analyzersEnv(t)
	ctx := context.Background()
	a := e.aa(keys["analyst"], "eu-west-1")
	arn := must[*accessanalyzer.CreateAnalyzerOutput](t)(a.CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("ext"), Type: aatypes.TypeAccount,
		Tags: map[string]string{"team": "sec"}, ArchiveRules: []aatypes.InlineArchiveRule{{RuleName: aws.String("r"), Filter: map[string]aatypes.Criterion{"isPublic": {Eq: []string{"false"}}}}}})).Arn
	tags := func(resource string) map[string]string {
		t.Helper()
		out, err := a.ListTagsForResource(ctx, &accessanalyzer.ListTagsForResourceInput{ResourceArn: aws.String(resource)})
		if err != nil {
			t.Fatal(err)
		}
		return out.Tags
	}
	if _, err := a.TagResource(ctx, &accessanalyzer.TagResourceInput{ResourceArn: arn, Tags: map[string]string{"env": "prod"}}); err != nil {
		t.Fatal(err)
	}
	if got := tags(aws.ToString(arn)); got["team"] != "sec" || got["env"] != "prod" || len(got) != 2 {
		t.Fatalf("tags %v", got)
	}
	if _, err := a.UntagResource(ctx, &accessanalyzer.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	if got := tags(aws.ToString(arn)); len(got) != 1 || got["env"] != "prod" {
		t.Fatalf("after untag: %v", got)
	}
	rule := aws.ToString(arn) + "/archive-rule/r"
	if _, err := a.TagResource(ctx, &accessanalyzer.TagResourceInput{ResourceArn: aws.String(rule), Tags: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	if got := tags(rule); got["k"] != "v" {
		t.Fatalf("rule tags %v", got)
	}
	_, err := a.ListTagsForResource(ctx, &accessanalyzer.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:access-analyzer:eu-west-1:111111111111:analyzer/none")})
	wantError(t, err, "ResourceNotFoundException", 404)
	// reader's policy allows Get* and List* on A's analyzers, not tagging.
	_, err = e.aa(keys["reader"], "eu-west-1").TagResource(ctx, &accessanalyzer.TagResourceInput{ResourceArn: arn, Tags: map[string]string{"x": "y"}})
	wantError(t, err, "AccessDeniedException", 403)
}

// An ORGANIZATION analyzer of the delegated administrator B: the zone of
// trust is the organization, so B's role audit, which trusts A, is no
// finding; A's deploy (trusted by the outside account) and site-a
// (public) are, owned by A. A member account cannot read it.
func TestOrganizationAnalyzerFindings(t *testing.T) {
	e, keys := analyzersEnv(t)
	ctx := context.Background()
	b := e.aa(keys["b-admin"], "eu-west-1")
	arn := must[*accessanalyzer.CreateAnalyzerOutput](t)(b.CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("org"), Type: aatypes.TypeOrganization})).Arn
	out, err := b.ListFindings(ctx, &accessanalyzer.ListFindingsInput{AnalyzerArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range out.Findings {
		got = append(got, aws.ToString(f.Resource)+" "+aws.ToString(f.ResourceOwnerAccount))
	}
	sort.Strings(got)
	if want := []string{"arn:aws:iam::111111111111:role/deploy 111111111111", "arn:aws:s3:::site-a 111111111111"}; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("organization findings:\n%s", strings.Join(got, "\n"))
	}
	_, err = e.aa(keys["analyst"], "eu-west-1").ListFindings(ctx, &accessanalyzer.ListFindingsInput{AnalyzerArn: arn})
	wantError(t, err, "AccessDeniedException", 403)
}

// testSharedAnalyzerFindings: an analyzer created on one server, its
// findings read on the other, a trust policy changed on the other and the
// finding RESOLVED when read on the first (TestShared).
func testSharedAnalyzerFindings(t *testing.T, p *pair) {
	ctx := context.Background()
	trust := func(acct string) *string {
		return aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"sts:AssumeRole"}]}`)
	}
	if _, err := p.a.iam(p.admin).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("vendor"), AssumeRolePolicyDocument: trust("999999999999")}); err != nil {
		t.Fatal(err)
	}
	arn := must[*accessanalyzer.CreateAnalyzerOutput](t)(p.a.aa(p.admin, "eu-west-1").CreateAnalyzer(ctx,
		&accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("ext"), Type: aatypes.TypeAccount})).Arn
	status := func(e *env) (string, error) {
		out, err := e.aa(p.admin, "eu-west-1").ListFindings(ctx, &accessanalyzer.ListFindingsInput{AnalyzerArn: arn})
		if err != nil {
			return "", err
		}
		var s []string
		for _, f := range out.Findings {
			s = append(s, string(f.Status))
		}
		return strings.Join(s, ","), nil
	}
	want := func(e *env, w string) func() error {
		return func() error {
			got, err := status(e)
			if err == nil && got != w {
				err = fmt.Errorf("findings %q, want %q", got, w)
			}
			return err
		}
	}
	within(t, "the finding on the other server", want(p.b, "ACTIVE"))
	if _, err := p.b.iam(p.admin).UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("vendor"), PolicyDocument: trust(server.DefaultAccount)}); err != nil {
		t.Fatal(err)
	}
	within(t, "resolved on the first server", want(p.a, "RESOLVED"))
	within(t, "resolved on the second server", want(p.b, "RESOLVED"))
}

// BenchmarkListFindings is a ListFindings through the SDK over loopback
// (SigV4, authorization on the analyzer, the analyzer's store item read,
// JSON): unchanged, when the world did not change since the last scan;
// changed, when each read follows a trust policy update (the IAM call is
// timed too, then the scan of the test world).
func BenchmarkListFindings(b *testing.B) {
	e, keys := analyzersEnv(b)
	ctx := context.Background()
	a := accessanalyzer.New(accessanalyzer.Options{Region: "eu-west-1", Credentials: provider(keys["analyst"]), BaseEndpoint: aws.String(e.ts.URL), Retryer: aws.NopRetryer{}})
	arn := must[*accessanalyzer.CreateAnalyzerOutput](b)(a.CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("ext"), Type: aatypes.TypeAccount})).Arn
	list := func(b *testing.B) {
		out, err := a.ListFindings(ctx, &accessanalyzer.ListFindingsInput{AnalyzerArn: arn})
		if err != nil || len(out.Findings) == 0 {
			b.Fatal(out, err)
		}
	}
	b.Run("unchanged", func(b *testing.B) {
		list(b)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			list(b)
		}
	})
	b.Run("changed", func(b *testing.B) {
		c := e.iam(keys["analyst"])
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x-` + strconv.Itoa(i) + `"}}}]}`
			if _, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("deploy"), PolicyDocument: aws.String(doc)}); err != nil {
				b.Fatal(err)
			}
			list(b)
		}
	})
}

// A scan that does not finish within --analysis-timeout is
// ThrottlingException (the model's; a retry may succeed), never findings
// half decided.
func TestAnalyzerScanTimeout(t *testing.T) {
	e, keys := analyzersEnvWith(t, func(c *server.Config) { c.AnalysisTimeout = time.Nanosecond })
	ctx := context.Background()
	a := e.aa(keys["analyst"], "eu-west-1")
	arn := must[*accessanalyzer.CreateAnalyzerOutput](t)(a.CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("ext"), Type: aatypes.TypeAccount})).Arn
	_, err := a.ListFindings(ctx, &accessanalyzer.ListFindingsInput{AnalyzerArn: arn})
	contains(t, wantError(t, err, "ThrottlingException", 429), "--analysis-timeout")
}

// An analyzer's tags are aws:ResourceTag/* in the decision (the Service
// Authorization Reference: resource type Analyzer, condition key
// aws:ResourceTag/${TagKey}): a policy allowing GetAnalyzer on analyzers
// tagged team=sec allows it on one so tagged only.
func TestAnalyzerResourceTags(t *testing.T) {
	e, keys := analyzersEnv(t)
	ctx := context.Background()
	a := e.aa(keys["analyst"], "eu-west-1")
	if _, err := a.CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("ext"), Type: aatypes.TypeAccount, Tags: map[string]string{"team": "ops"}}); err != nil {
		t.Fatal(err)
	}
	c := e.iam(keys["analyst"])
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"access-analyzer:GetAnalyzer","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"sec"}}}]}`
	if _, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("nobody"), PolicyName: aws.String("sec-analyzers"), PolicyDocument: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	n := e.aa(keys["nobody"], "eu-west-1")
	_, err := n.GetAnalyzer(ctx, &accessanalyzer.GetAnalyzerInput{AnalyzerName: aws.String("ext")})
	wantError(t, err, "AccessDeniedException", 403)
	arn := "arn:aws:access-analyzer:eu-west-1:111111111111:analyzer/ext"
	if _, err := a.TagResource(ctx, &accessanalyzer.TagResourceInput{ResourceArn: aws.String(arn), Tags: map[string]string{"team": "sec"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.GetAnalyzer(ctx, &accessanalyzer.GetAnalyzerInput{AnalyzerName: aws.String("ext")}); err != nil {
		t.Fatalf("tagged team=sec: %v", err)
	}
	_, err = n.GetAnalyzer(ctx, &accessanalyzer.GetAnalyzerInput{AnalyzerName: aws.String("missing")})
	wantError(t, err, "AccessDeniedException", 403)
}

// An analyzer is named by its own ARN only, byte for byte: the call is
// authorized on the ARN the caller sent, so an ARN respelled in another
// partition (or any other way) that still found the analyzer would pass a
// Deny written on the analyzer's ARN. It is ResourceNotFoundException, as
// for an analyzer that does not exist, and reveals nothing.
func TestAnalyzerARNIsExact(t *testing.T) {
	e, keys := analyzersEnv(t)
	ctx := context.Background()
	must[*accessanalyzer.CreateAnalyzerOutput](t)(e.aa(keys["analyst"], "eu-west-1").CreateAnalyzer(ctx,
		&accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("ext"), Type: aatypes.TypeAccount}))
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"access-analyzer:*","Resource":"*"},` +
		`{"Effect":"Deny","Action":"access-analyzer:*","Resource":"arn:aws:access-analyzer:*:*:analyzer/ext*"}]}`
	must[*iam.PutUserPolicyOutput](t)(e.iam(keys["analyst"]).PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("nobody"),
		PolicyName: aws.String("deny-ext"), PolicyDocument: aws.String(deny)}))
	n := e.aa(keys["nobody"], "eu-west-1")
	_, err := n.ListFindings(ctx, &accessanalyzer.ListFindingsInput{AnalyzerArn: aws.String("arn:aws:access-analyzer:eu-west-1:111111111111:analyzer/ext")})
	wantError(t, err, "AccessDeniedException", 403)
	for _, respelled := range []string{
		"arn:aws-cn:access-analyzer:eu-west-1:111111111111:analyzer/ext",
		"arn:aws-us-gov:access-analyzer:eu-west-1:111111111111:analyzer/ext",
	} {
		_, err := n.ListFindings(ctx, &accessanalyzer.ListFindingsInput{AnalyzerArn: aws.String(respelled)})
		wantError(t, err, "ResourceNotFoundException", 404)
		_, err = n.TagResource(ctx, &accessanalyzer.TagResourceInput{ResourceArn: aws.String(respelled), Tags: map[string]string{"x": "y"}})
		wantError(t, err, "ResourceNotFoundException", 404)
	}
	tags := must[*accessanalyzer.ListTagsForResourceOutput](t)(e.aa(keys["analyst"], "eu-west-1").ListTagsForResource(ctx,
		&accessanalyzer.ListTagsForResourceInput{ResourceArn: aws.String("arn:aws:access-analyzer:eu-west-1:111111111111:analyzer/ext")}))
	if len(tags.Tags) != 0 {
		t.Fatalf("the denied analyzer was tagged: %v", tags.Tags)
	}
}

// Tag keys are 1 to 128 characters and cannot be prefixed with aws:, tag
// values at most 256 characters (the botocore model accessanalyzer/2019-11-01,
// CreateAnalyzerRequest.tags; TagsMap itself has no constraint the model's
// validation could check).
func TestAnalyzerTagKeys(t *testing.T) {
	e, keys := analyzersEnv(t)
	ctx := context.Background()
	a := e.aa(keys["analyst"], "eu-west-1")
	for _, tags := range []map[string]string{{"aws:owner": "x"}, {"AWS:owner": "x"}, {strings.Repeat("k", 129): "x"}, {"k": strings.Repeat("v", 257)}} {
		_, err := a.CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("t"), Type: aatypes.TypeAccount, Tags: tags})
		wantError(t, err, "ValidationException", 400)
	}
	arn := must[*accessanalyzer.CreateAnalyzerOutput](t)(a.CreateAnalyzer(ctx, &accessanalyzer.CreateAnalyzerInput{AnalyzerName: aws.String("t"),
		Type: aatypes.TypeAccount, Tags: map[string]string{"owner": "x"}})).Arn
	_, err := a.TagResource(ctx, &accessanalyzer.TagResourceInput{ResourceArn: arn, Tags: map[string]string{"aws:cloudformation:stack": "s"}})
	wantError(t, err, "ValidationException", 400)
	tags := must[*accessanalyzer.ListTagsForResourceOutput](t)(a.ListTagsForResource(ctx, &accessanalyzer.ListTagsForResourceInput{ResourceArn: arn}))
	if len(tags.Tags) != 1 || tags.Tags["owner"] != "x" {
		t.Fatalf("tags: %v", tags.Tags)
	}
}
