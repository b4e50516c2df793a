package analysis_test

import (
	"fmt"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/policy"
)

// Benchmarks of the checks on policies of up to 6,144 characters (the
// inline policy quota for roles counts 10,240, managed policies 6,144, not
// counting white space; policy.Size counts as IAM does), with the catalog's
// actions as the universe. BENCHMARKS.md records the figures.

// bigIdentity is an identity policy of about 6,000 characters: the
// Maskopy statements and others on many services, with conditions.
func bigIdentity(deleteResource string) string {
	stmts := []string{
		`{"Sid":"KMSandLogs","Effect":"Allow","Action":["logs:CreateLogStream","kms:List*","kms:Get*","kms:CreateAlias","kms:Describe*","kms:CreateKey","kms:CreateGrant","logs:CreateLogGroup","logs:PutLogEvents","kms:ReEncrypt*"],"Resource":"*"}`,
		`{"Sid":"RDSSnapshotPolicy","Effect":"Allow","Action":["rds:ListTagsForResource","rds:DescribeDBSnapshots","rds:CopyDBSnapshot","rds:ModifyDBSnapshotAttribute"],"Resource":"arn:aws:rds:*:111111111111:*:*"}`,
		fmt.Sprintf(`{"Sid":"RDSDeletePolicy","Effect":"Allow","Action":["rds:DeleteDBSnapshot"],"Resource":%q}`, deleteResource),
		`{"Sid":"DenyOutsideRegions","Effect":"Deny","NotAction":["iam:*","sts:*","organizations:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}}`,
		`{"Sid":"RequireTLS","Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`,
	}
	services := []string{"s3", "dynamodb", "sqs", "sns", "lambda", "ec2", "ecs", "events", "states", "secretsmanager", "ssm", "cloudwatch", "glue", "athena"}
	for i := 0; ; i++ {
		svc := services[i%len(services)]
		s := fmt.Sprintf(`{"Sid":"App%d","Effect":"Allow","Action":["%s:Get*","%s:List*","%s:Describe*","%s:Put*"],"Resource":["arn:aws:%s:us-east-1:111111111111:app%d-*","arn:aws:%s:eu-west-1:111111111111:app%d-*"],"Condition":{"StringEquals":{"aws:ResourceTag/team":["team%d","platform"]},"IpAddress":{"aws:SourceIp":["10.%d.0.0/16","192.0.2.0/24"]}}}`, i, svc, svc, svc, svc, svc, i, svc, i, i%5, i)
		doc := `{"Version":"2012-10-17","Statement":[` + strings.Join(append(stmts, s), ",") + `]}`
		if policy.Size([]byte(doc)) > 6144 {
			return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
		}
		stmts = append(stmts, s)
	}
}

// bigBucket is a bucket policy of about 6,000 characters.
func bigBucket(public bool) string {
	stmts := []string{
		`{"Sid":"DenyInsecure","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::reports","arn:aws:s3:::reports/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}`,
		`{"Sid":"Org","Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::reports","arn:aws:s3:::reports/*"],"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}`,
	}
	if public {
		stmts = append(stmts, `{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/public/*"}`)
	}
	for i := 0; ; i++ {
		s := fmt.Sprintf(`{"Sid":"Partner%d","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::%012d:role/reader","%012d"]},"Action":["s3:GetObject","s3:GetObjectVersion","s3:ListBucket"],"Resource":["arn:aws:s3:::reports/partner%d/*","arn:aws:s3:::reports"],"Condition":{"StringLike":{"s3:prefix":["partner%d/*"]}}}`, i, 200000000000+i, 300000000000+i, i, i)
		doc := `{"Version":"2012-10-17","Statement":[` + strings.Join(append(stmts, s), ",") + `]}`
		if policy.Size([]byte(doc)) > 6144 {
			return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
		}
		stmts = append(stmts, s)
	}
}

func benchCheck(b *testing.B, want string, f func() (*analysis.CheckResult, error)) {
	b.ReportAllocs()
	r, err := f() // the catalog loads once, outside the timing
	if err != nil {
		b.Fatal(err)
	}
	if r.Result != want {
		b.Fatalf("%s, want %s", r.Result, want)
	}
	// Besides ns/op (wall time, which other work on a shared machine
	// inflates) the benchmark reports the p95 of the wall times and the
	// process CPU time per check (GC included).
	times := make([]time.Duration, 0, b.N)
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := f(); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[(len(times)*95)/100].Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkCheckNoNewAccessPass(b *testing.B) {
	old := policy.MustParse("old", bigIdentity("arn:aws:rds:*:111111111111:*:maskopy*"))
	new := policy.MustParse("new", bigIdentity("arn:aws:rds:*:111111111111:snapshot:maskopy-*"))
	benchCheck(b, analysis.Pass, func() (*analysis.CheckResult, error) {
		return analysis.CheckNoNewAccess(old, new, analysis.IdentityPolicy, analysis.CheckOptions{})
	})
}

func BenchmarkCheckNoNewAccessFail(b *testing.B) {
	old := policy.MustParse("old", bigIdentity("arn:aws:rds:*:111111111111:*:maskopy*"))
	new := policy.MustParse("new", bigIdentity("arn:aws:rds:*:111111111111:*:*"))
	benchCheck(b, analysis.Fail, func() (*analysis.CheckResult, error) {
		return analysis.CheckNoNewAccess(old, new, analysis.IdentityPolicy, analysis.CheckOptions{})
	})
}

func BenchmarkCheckNoNewAccessResource(b *testing.B) {
	old := policy.MustParse("old", bigBucket(false))
	new := policy.MustParse("new", bigBucket(true))
	benchCheck(b, analysis.Fail, func() (*analysis.CheckResult, error) {
		return analysis.CheckNoNewAccess(old, new, analysis.ResourcePolicy, analysis.CheckOptions{})
	})
}

func BenchmarkCheckAccessNotGranted(b *testing.B) {
	p := policy.MustParse("p", bigIdentity("arn:aws:rds:*:111111111111:*:maskopy*"))
	benchCheck(b, analysis.Pass, func() (*analysis.CheckResult, error) {
		return analysis.CheckAccessNotGranted(p, analysis.IdentityPolicy, []string{"iam:*", "rds:DeleteDBInstance"}, nil, analysis.CheckOptions{})
	})
}

func BenchmarkCheckNoPublicAccess(b *testing.B) {
	p := policy.MustParse("p", bigBucket(false))
	benchCheck(b, analysis.Pass, func() (*analysis.CheckResult, error) {
		return analysis.CheckNoPublicAccess(p, "AWS::S3::Bucket", analysis.CheckOptions{})
	})
}

func policyOf(stmts []string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

// fitting is how many statements more(0), more(1), ... fit beside fixed
// within 6,144 characters as policy.Size counts them.
func fitting(fixed []string, more func(i int) string) int {
	stmts := append([]string{}, fixed...)
	n := 0
	for ; policy.Size([]byte(policyOf(append(stmts, more(n))))) <= 6144; n++ {
		stmts = append(stmts, more(n))
	}
	return n
}

func withMore(fixed []string, n int, more func(i int) string) []string {
	out := append([]string{}, fixed...)
	for i := 0; i < n; i++ {
		out = append(out, more(i))
	}
	return out
}

// bigKeyPolicy is a KMS key policy of about 6,000 characters: the
// default statement enabling IAM policies of the key's account, key
// administrators, key users, grants for AWS services, and cross-account
// users limited by kms:ViaService and kms:CallerAccount (the shapes of the
// AWS KMS Developer Guide, "Default key policy"). With decrypt, one more
// account may decrypt through S3.
func bigKeyPolicy(decrypt bool) string {
	const acct = "111111111111"
	fixed := []string{
		`{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"kms:*","Resource":"*"}`,
		`{"Sid":"Allow access for Key Administrators","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::` + acct + `:role/KeyAdmin","arn:aws:iam::` + acct + `:role/SecurityAudit"]},"Action":["kms:Create*","kms:Describe*","kms:Enable*","kms:List*","kms:Put*","kms:Update*","kms:Revoke*","kms:Disable*","kms:Get*","kms:Delete*","kms:TagResource","kms:UntagResource","kms:ScheduleKeyDeletion","kms:CancelKeyDeletion"],"Resource":"*"}`,
		`{"Sid":"Allow use of the key","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::` + acct + `:role/App","arn:aws:iam::` + acct + `:role/Batch"]},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*"}`,
		`{"Sid":"Allow attachment of persistent resources","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::` + acct + `:role/App","arn:aws:iam::` + acct + `:role/Batch"]},"Action":["kms:CreateGrant","kms:ListGrants","kms:RevokeGrant"],"Resource":"*","Condition":{"Bool":{"kms:GrantIsForAWSResource":"true"}}}`,
		`{"Sid":"DenyOutsideTLS","Effect":"Deny","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}`,
	}
	partner := `{"Sid":"PartnerDecrypt","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::555555555555:root"},"Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}`
	consumer := func(i int) string {
		a := fmt.Sprintf("%012d", 200000000000+i)
		return fmt.Sprintf(`{"Sid":"Consumer%d","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:role/consumer"},"Action":["kms:Decrypt","kms:DescribeKey"],"Resource":"*","Condition":{"StringEquals":{"kms:ViaService":["s3.us-east-1.amazonaws.com","sqs.us-east-1.amazonaws.com"],"kms:CallerAccount":"%s"}}}`, i, a, a)
	}
	stmts := withMore(fixed, fitting(append(fixed, partner), consumer), consumer)
	if decrypt {
		stmts = append(stmts, partner)
	}
	return policyOf(stmts)
}

// bigTrustPolicy is a role trust policy of about 6,000 characters: AWS
// services, a SAML provider with SAML:aud, GitHub's OIDC provider with
// its audience and a subject pattern (the IAM User Guide, "Creating a role
// for web identity or OIDC federation"), and partner accounts each with
// its sts:ExternalId. With narrow, the subject pattern names one branch.
func bigTrustPolicy(narrow bool) string {
	sub := "repo:example-org/deploy:*"
	if narrow {
		sub = "repo:example-org/deploy:ref:refs/heads/main"
	}
	fixed := func(sub string) []string {
		return []string{
			`{"Sid":"Services","Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com","lambda.amazonaws.com"]},"Action":"sts:AssumeRole"}`,
			`{"Sid":"SAML","Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111111111111:saml-provider/Corp"},"Action":["sts:AssumeRoleWithSAML","sts:TagSession"],"Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}`,
			`{"Sid":"GitHub","Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},"StringLike":{"token.actions.githubusercontent.com:sub":"` + sub + `"}}}`,
			`{"Sid":"DenyOutsideOrg","Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"},"Bool":{"aws:PrincipalIsAWSService":"false"}}}`,
		}
	}
	partner := func(i int) string {
		return fmt.Sprintf(`{"Sid":"Partner%d","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::%012d:root","arn:aws:iam::%012d:role/ops"]},"Action":["sts:AssumeRole","sts:TagSession"],"Condition":{"StringEquals":{"sts:ExternalId":"partner-%d"}}}`, i, 200000000000+i, 300000000000+i, i)
	}
	// As many partners as fit beside the longer, narrow subject.
	n := fitting(fixed("repo:example-org/deploy:ref:refs/heads/main"), partner)
	return policyOf(withMore(fixed(sub), n, partner))
}

func BenchmarkCheckNoNewAccessKeyPolicy(b *testing.B) {
	old := policy.MustParse("old", bigKeyPolicy(false))
	new := policy.MustParse("new", bigKeyPolicy(true))
	benchCheck(b, analysis.Fail, func() (*analysis.CheckResult, error) {
		return analysis.CheckNoNewAccess(old, new, analysis.ResourcePolicy, analysis.CheckOptions{})
	})
}

func BenchmarkCheckNoNewAccessTrustPolicy(b *testing.B) {
	old := policy.MustParse("old", bigTrustPolicy(false))
	new := policy.MustParse("new", bigTrustPolicy(true))
	benchCheck(b, analysis.Pass, func() (*analysis.CheckResult, error) {
		return analysis.CheckNoNewAccess(old, new, analysis.ResourcePolicy, analysis.CheckOptions{})
	})
}

func BenchmarkCheckNoPublicAccessKey(b *testing.B) {
	p := policy.MustParse("p", bigKeyPolicy(true))
	benchCheck(b, analysis.Pass, func() (*analysis.CheckResult, error) {
		return analysis.CheckNoPublicAccess(p, "AWS::KMS::Key", analysis.CheckOptions{})
	})
}

func BenchmarkCheckNoPublicAccessTrust(b *testing.B) {
	p := policy.MustParse("p", bigTrustPolicy(false))
	benchCheck(b, analysis.Pass, func() (*analysis.CheckResult, error) {
		return analysis.CheckNoPublicAccess(p, "AWS::IAM::AssumeRolePolicyDocument", analysis.CheckOptions{})
	})
}
