package analyzer_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/api/accessanalyzer/analyzer"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/evaldoc"
	"github.com/iamgate/iamgate/world"
)

const testWorld = "../../../server/testdata/analyzers/world.yaml"

func load(t testing.TB) *world.World {
	t.Helper()
	w, err := world.LoadFile(testWorld)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// The model's ResourceType of each kind of ARN (botocore
// accessanalyzer/2019-11-01, ResourceType); others have none.
func TestResourceType(t *testing.T) {
	for _, c := range []struct{ arn, want string }{
		{"arn:aws:s3:::site-a", "AWS::S3::Bucket"},
		{"arn:aws:s3:::site-a/key", ""},
		{"arn:aws:iam::111111111111:role/deploy", "AWS::IAM::Role"},
		{"arn:aws:kms:eu-west-1:111111111111:key/1234", "AWS::KMS::Key"},
		{"arn:aws:sqs:eu-west-1:111111111111:q", "AWS::SQS::Queue"},
		{"arn:aws:sns:eu-west-1:111111111111:t", "AWS::SNS::Topic"},
		{"arn:aws:lambda:eu-west-1:111111111111:function:f", "AWS::Lambda::Function"},
		{"arn:aws:lambda:eu-west-1:111111111111:layer:l:1", "AWS::Lambda::LayerVersion"},
		{"arn:aws:secretsmanager:eu-west-1:111111111111:secret:s-abc", "AWS::SecretsManager::Secret"},
		{"arn:aws:ecr:eu-west-1:111111111111:repository/r", "AWS::ECR::Repository"},
		{"arn:aws:dynamodb:eu-west-1:111111111111:table/t", "AWS::DynamoDB::Table"},
		{"arn:aws:dynamodb:eu-west-1:111111111111:table/t/stream/2024", "AWS::DynamoDB::Stream"},
		{"arn:aws:elasticfilesystem:eu-west-1:111111111111:file-system/fs-1", "AWS::EFS::FileSystem"},
		{"arn:aws:s3:eu-west-1:111111111111:accesspoint/ap", ""},
		{"arn:aws:execute-api:eu-west-1:111111111111:abc/*", ""},
	} {
		got, ok := analyzer.ResourceType(c.arn)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("%s: %q %v, want %q", c.arn, got, ok, c.want)
		}
	}
}

// A formula's conjunction as the model's condition map.
func TestCondition(t *testing.T) {
	for _, c := range []struct {
		conj []analysis.Conjunct
		want map[string]string
	}{
		{nil, map[string]string{}},
		{[]analysis.Conjunct{{Key: "sts:ExternalId", Operator: "StringEquals", Values: []string{"x"}}}, map[string]string{"sts:ExternalId": "x"}},
		{[]analysis.Conjunct{{Key: "aws:SourceVpce", Operator: "StringEquals", Values: []string{"a", "b"}}}, map[string]string{"aws:SourceVpce": `StringEquals ["a","b"]`}},
		{[]analysis.Conjunct{{Key: "aws:PrincipalArn", Operator: "ArnLike", Values: []string{"arn:aws:iam::*:role/ci-*"}},
			{Key: "aws:PrincipalArn", Operator: "ArnNotEquals", Values: []string{"arn:aws:iam::1:role/ci-x"}}},
			map[string]string{"aws:PrincipalArn": `ArnLike ["arn:aws:iam::*:role/ci-*"] AND ArnNotEquals ["arn:aws:iam::1:role/ci-x"]`}},
	} {
		got, _ := json.Marshal(analyzer.Condition(c.conj))
		want, _ := json.Marshal(c.want)
		if string(got) != string(want) {
			t.Errorf("%v: %s, want %s", c.conj, got, want)
		}
	}
}

var uuid = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// A scan of the test world for A's account: the role deploy (the outside
// account, under sts:ExternalId) and the public bucket site-a; every
// analysis witness behind them is decided allowed by the engine; IDs are
// UUIDs, the same in every scan.
func TestScanFindingsAndWitnesses(t *testing.T) {
	w := load(t)
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	fs, err := analysis.NewIndex(w).External(analysis.ExternalQuery{Zone: analysis.ZoneAccount, Account: "111111111111", Time: now})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range fs {
		if f.Witness == nil {
			continue
		}
		checked++
		data, err := json.Marshal(f.Witness)
		if err != nil {
			t.Fatal(err)
		}
		req, err := evaldoc.Parse("witness", data)
		if err != nil {
			t.Fatal(err)
		}
		p, err := req.Prepare()
		if err != nil {
			t.Fatal(err)
		}
		if d := engine.Authorize(p).Decision; d != engine.Allowed {
			t.Errorf("%s %s: the witness is %v", f.Resource, f.Principal, d)
		}
	}
	if checked < 2 {
		t.Fatalf("%d witnesses checked", checked)
	}
	a := &analyzer.Analyzer{ARN: analyzer.ARN("eu-west-1", "111111111111", "ext"), Name: "ext", Type: analyzer.TypeAccount, Account: "111111111111", Region: "eu-west-1"}
	s, err := a.Analyze(context.Background(), w, now)
	if err != nil {
		t.Fatal(err)
	}
	a.Take(s, analyzer.Version{Digest: 1, Head: 1}, now)
	got := map[string]analyzer.Finding{}
	for _, f := range a.Findings {
		got[f.Resource] = f
		if !uuid.MatchString(f.ID) {
			t.Errorf("ID %s is not a version 5 UUID", f.ID)
		}
	}
	if len(a.Findings) != 2 {
		t.Fatalf("%d findings: %+v", len(a.Findings), a.Findings)
	}
	d := got["arn:aws:iam::111111111111:role/deploy"]
	if d.Principal["AWS"] != "999999999999" || d.Condition["sts:ExternalId"] != "deploy-7f3a" || d.IsPublic || d.Status != analyzer.StatusActive {
		t.Errorf("deploy: %+v", d)
	}
	p := got["arn:aws:s3:::site-a"]
	if p.Principal["AWS"] != "*" || !p.IsPublic || p.ResourceOwnerAccount != "111111111111" || p.ResourceType != "AWS::S3::Bucket" {
		t.Errorf("site-a: %+v", p)
	}
	if _, ok := a.Resources["arn:aws:iam::111111111111:role/local"]; !ok {
		t.Errorf("the role local is not among the resources analyzed: %v", a.Resources)
	}
	ids := map[string]bool{}
	for _, f := range a.Findings {
		ids[f.ID] = true
	}
	s2, err := a.Analyze(context.Background(), w, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	a.Take(s2, analyzer.Version{Digest: 2, Head: 2}, now.Add(time.Hour))
	if len(a.Findings) != len(ids) {
		t.Errorf("second scan: %d findings, the first had %d", len(a.Findings), len(ids))
	}
	for _, f := range a.Findings {
		if !ids[f.ID] || !f.CreatedAt.Equal(now) || !f.AnalyzedAt.Equal(now.Add(time.Hour)) {
			t.Errorf("second scan: %+v", f)
		}
	}
	// An ORGANIZATION analyzer: B's role audit trusts A, inside the
	// organization, so it is no finding; A's are.
	o := &analyzer.Analyzer{ARN: analyzer.ARN("eu-west-1", "100000000000", "org"), Type: analyzer.TypeOrganization, Account: "100000000000"}
	so, err := o.Analyze(context.Background(), w, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(so.Findings) == 0 {
		t.Fatal("organization zone: no finding at all (A's are outside it)")
	}
	for _, f := range so.Findings {
		if f.Resource == "arn:aws:iam::222222222222:role/audit" {
			t.Errorf("organization zone: %+v", f)
		}
	}
}

// Status across scans (the IAM User Guide, "Resolve IAM Access Analyzer
// findings"): kept, RESOLVED when no longer produced (an error finding is
// removed), ACTIVE again when produced again, new findings archived by a
// matching rule.
func TestReconcile(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	t1, t2 := t0.Add(time.Hour), t0.Add(2*time.Hour)
	const arn = "arn:aws:access-analyzer:eu-west-1:111111111111:analyzer/ext"
	role := analyzer.Finding{Resource: "arn:aws:iam::111111111111:role/r", ResourceType: "AWS::IAM::Role", Principal: map[string]string{"AWS": "999999999999"}, Actions: []string{"sts:AssumeRole"}}
	bucket := analyzer.Finding{Resource: "arn:aws:s3:::b", ResourceType: "AWS::S3::Bucket", Principal: map[string]string{"AWS": "*"}, IsPublic: true, Actions: []string{"s3:GetObject"}}
	rules := []analyzer.Rule{{Name: "buckets", Filter: analyzer.Filter{"resourceType": {Eq: []string{"AWS::S3::Bucket"}}}}}

	fs := analyzer.Reconcile(arn, nil, []analyzer.Finding{role}, rules, t0)
	if len(fs) != 1 || fs[0].Status != analyzer.StatusActive || !fs[0].CreatedAt.Equal(t0) {
		t.Fatalf("first: %+v", fs)
	}
	fs[0].Status = analyzer.StatusArchived
	fs = analyzer.Reconcile(arn, fs, []analyzer.Finding{role, bucket}, rules, t1)
	status := map[string]string{}
	for _, f := range fs {
		status[f.Resource] = f.Status
	}
	if status[role.Resource] != analyzer.StatusArchived || status[bucket.Resource] != analyzer.StatusArchived {
		t.Fatalf("second: %v", status)
	}
	roleOf := func(fs []analyzer.Finding) analyzer.Finding {
		t.Helper()
		var out []analyzer.Finding
		for _, f := range fs {
			if f.Resource == role.Resource {
				out = append(out, f)
			}
		}
		if len(out) != 1 {
			t.Fatalf("%d findings on the role, want 1: %+v", len(out), fs)
		}
		return out[0]
	}
	fs = analyzer.Reconcile(arn, fs, []analyzer.Finding{bucket}, nil, t2)
	if f := roleOf(fs); f.Status != analyzer.StatusResolved || !f.UpdatedAt.Equal(t2) {
		t.Fatalf("resolved: %+v", f)
	}
	fs = analyzer.Reconcile(arn, fs, []analyzer.Finding{role, bucket}, nil, t2.Add(time.Hour))
	if f := roleOf(fs); f.Status != analyzer.StatusActive || !f.CreatedAt.Equal(t0) {
		t.Fatalf("produced again: %+v", f)
	}
	// An error finding no longer produced is removed, not RESOLVED.
	broken := analyzer.Finding{Resource: "arn:aws:sqs:eu-west-1:111111111111:q", ResourceType: "AWS::SQS::Queue", Error: "UNKNOWN"}
	fs = analyzer.Reconcile(arn, nil, []analyzer.Finding{broken, bucket}, nil, t0)
	if fs = analyzer.Reconcile(arn, fs, []analyzer.Finding{bucket}, nil, t1); len(fs) != 1 || fs[0].Resource != bucket.Resource {
		t.Fatalf("after the error went: %+v", fs)
	}
	if analyzer.ID(arn, role) == analyzer.ID(arn+"2", role) || analyzer.ID(arn, role) == analyzer.ID(arn, bucket) {
		t.Fatal("IDs collide")
	}
}

// The filter's criteria (the IAM User Guide, "IAM Access Analyzer filter
// keys": eq, neq, contains, exists).
func TestFilter(t *testing.T) {
	f := analyzer.Finding{ID: "id-1", Resource: "arn:aws:s3:::site-a", ResourceType: "AWS::S3::Bucket", ResourceOwnerAccount: "111111111111",
		Principal: map[string]string{"AWS": "*"}, IsPublic: true, Actions: []string{"s3:GetObject", "s3:ListBucket"},
		Condition: map[string]string{"aws:SourceVpce": "vpce-1"}, Status: analyzer.StatusActive}
	yes, no := true, false
	for _, c := range []struct {
		name string
		flt  analyzer.Filter
		want bool
	}{
		{"empty", analyzer.Filter{}, true},
		{"eq", analyzer.Filter{"resourceType": {Eq: []string{"AWS::IAM::Role", "AWS::S3::Bucket"}}}, true},
		{"eq other", analyzer.Filter{"resourceType": {Eq: []string{"AWS::IAM::Role"}}}, false},
		{"neq", analyzer.Filter{"status": {Neq: []string{"ARCHIVED"}}}, true},
		{"neq same", analyzer.Filter{"status": {Neq: []string{"ACTIVE"}}}, false},
		{"contains", analyzer.Filter{"resource": {Contains: []string{"site"}}}, true},
		{"action eq one of", analyzer.Filter{"action": {Eq: []string{"s3:ListBucket"}}}, true},
		{"principal", analyzer.Filter{"principal.AWS": {Eq: []string{"*"}}}, true},
		{"no service principal", analyzer.Filter{"principal.Service": {Exists: &no}}, true},
		{"service principal exists", analyzer.Filter{"principal.Service": {Exists: &yes}}, false},
		{"condition", analyzer.Filter{"condition.aws:SourceVpce": {Eq: []string{"vpce-1"}}}, true},
		{"isPublic", analyzer.Filter{"isPublic": {Eq: []string{"false"}}}, false},
		{"all must hold", analyzer.Filter{"isPublic": {Eq: []string{"true"}}, "resourceOwnerAccount": {Eq: []string{"2"}}}, false},
	} {
		if got := c.flt.Match(f); got != c.want {
			t.Errorf("%s: %v", c.name, got)
		}
		if err := c.flt.Check(); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if err := (analyzer.Filter{"colour": {Eq: []string{"x"}}}).Check(); err == nil {
		t.Error("an unknown key is accepted")
	}
	if err := (analyzer.Filter{"status": {}}).Check(); err == nil {
		t.Error("an empty criterion is accepted")
	}
}

// FromAnalysis: an unknown finding is a finding with error set and no
// actions; a resource of no ResourceType is left out; anonymous and an
// account the policies do not name map alike and are one finding; each
// disjunct of AllowedIf is its own finding.
func TestFromAnalysis(t *testing.T) {
	always := analysis.Formula{{}}
	fs := analyzer.FromAnalysis([]*analysis.Finding{
		{Kind: analysis.FindingUnknown, Resource: "arn:aws:sqs:eu-west-1:111111111111:q", Principal: "arn:aws:iam::222222222222:root", Construct: "a condition on an unknown key"},
		{Kind: analysis.FindingExternal, Resource: "arn:aws:execute-api:eu-west-1:111111111111:abc/*", Principal: "*", Actions: []string{"execute-api:Invoke"}, AllowedIf: always},
		{Kind: analysis.FindingExternal, Resource: "arn:aws:s3:::b", Principal: "*", Represents: "anonymous (unauthenticated) callers", Actions: []string{"s3:GetObject"}, AllowedIf: always},
		{Kind: analysis.FindingExternal, Resource: "arn:aws:s3:::b", Principal: "arn:aws:iam::999888888888:root", Represents: "any account outside the zone that the policies do not name",
			Actions: []string{"s3:GetObject"}, AllowedIf: always},
		{Kind: analysis.FindingExternal, Resource: "arn:aws:kms:eu-west-1:111111111111:key/k", Principal: "arn:aws:iam::333333333333:role/r", Actions: []string{"kms:Decrypt"},
			AllowedIf: analysis.Formula{{{Key: "aws:SourceVpce", Operator: "StringEquals", Values: []string{"vpce-1"}}}, {{Key: "aws:SourceIp", Operator: "IpAddress", Values: []string{"10.0.0.0/8"}}}}},
		{Kind: analysis.FindingConfusedDeputy, Resource: "arn:aws:sns:eu-west-1:111111111111:t", Principal: "events.amazonaws.com", Actions: []string{"sns:Publish"}, AllowedIf: always},
	}, owners{"arn:aws:s3:::b": "111111111111"}.get)
	var got []string
	for _, f := range fs {
		p, _ := json.Marshal(f.Principal)
		c, _ := json.Marshal(f.Condition)
		got = append(got, f.ResourceType+" "+f.ResourceOwnerAccount+" "+string(p)+" "+string(c)+" "+strconv.FormatBool(f.IsPublic)+" "+strings.Join(f.Actions, ",")+" "+f.Error)
	}
	want := []string{
		`AWS::SQS::Queue 111111111111 {"AWS":"222222222222"} {} false  iamgate cannot analyze this resource's access (UNKNOWN): a condition on an unknown key`,
		`AWS::S3::Bucket 111111111111 {"AWS":"*"} {} true s3:GetObject `,
		`AWS::KMS::Key 111111111111 {"AWS":"arn:aws:iam::333333333333:role/r"} {"aws:SourceVpce":"vpce-1"} false kms:Decrypt `,
		`AWS::KMS::Key 111111111111 {"AWS":"arn:aws:iam::333333333333:role/r"} {"aws:SourceIp":"10.0.0.0/8"} false kms:Decrypt `,
		`AWS::SNS::Topic 111111111111 {"Service":"events.amazonaws.com"} {} false sns:Publish `,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

type owners map[string]string

func (o owners) get(r string) string { return o[r] }

// A scan whose context is done decides nothing more and answers its error.
func TestAnalyzeCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a := &analyzer.Analyzer{ARN: analyzer.ARN("eu-west-1", "111111111111", "ext"), Type: analyzer.TypeAccount, Account: "111111111111"}
	if _, err := a.Analyze(ctx, load(t), time.Now()); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// Analyzers are regional: "You must create an external access analyzer in
// each Region in which you want to monitor access to your resources" (the
// IAM User Guide, "Creating an IAM Access Analyzer external access
// analyzer"). A resource whose ARN names a region is analyzed by that
// region's analyzers only; a global one (an IAM role, an S3 bucket, whose
// ARN names none) by every region's.
func TestAnalyzersAreRegional(t *testing.T) {
	const doc = `
accounts:
  - id: "111111111111"
    resources:
      - arn: arn:aws:sqs:us-east-1:111111111111:q-use1
        policy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: "*", Action: "sqs:SendMessage", Resource: "arn:aws:sqs:us-east-1:111111111111:q-use1"}]}
      - arn: arn:aws:sqs:eu-west-1:111111111111:q-euw1
        policy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: "*", Action: "sqs:SendMessage", Resource: "arn:aws:sqs:eu-west-1:111111111111:q-euw1"}]}
      - arn: arn:aws:s3:::b-global
        policy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b-global/*"}]}
`
	w, err := world.Parse("w.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for region, want := range map[string][]string{
		"eu-west-1": {"arn:aws:s3:::b-global", "arn:aws:sqs:eu-west-1:111111111111:q-euw1"},
		"us-east-1": {"arn:aws:s3:::b-global", "arn:aws:sqs:us-east-1:111111111111:q-use1"},
	} {
		a := &analyzer.Analyzer{ARN: analyzer.ARN(region, "111111111111", "ext"), Type: analyzer.TypeAccount, Account: "111111111111", Region: region}
		s, err := a.Analyze(context.Background(), w, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]bool{}
		for _, f := range s.Findings {
			found[f.Resource] = true
		}
		var got, res []string
		for r := range found {
			got = append(got, r)
		}
		for r := range s.Resources {
			res = append(res, r)
		}
		sort.Strings(got)
		sort.Strings(res)
		if strings.Join(got, " ") != strings.Join(want, " ") || strings.Join(res, " ") != strings.Join(want, " ") {
			t.Errorf("%s: findings on %v, resources %v; want %v", region, got, res, want)
		}
	}
}
