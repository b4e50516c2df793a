package arn_test

import (
	"testing"

	"github.com/iamgate/iamgate/arn"
)

func TestParse(t *testing.T) {
	a, err := arn.Parse("arn:aws:logs:us-east-1:111111111111:log-group:g:log-stream:s")
	if err != nil {
		t.Fatal(err)
	}
	if a.Service != "logs" || a.Region != "us-east-1" || a.AccountID != "111111111111" || a.Resource != "log-group:g:log-stream:s" {
		t.Fatalf("got %+v", a)
	}
	if a.String() != "arn:aws:logs:us-east-1:111111111111:log-group:g:log-stream:s" {
		t.Fatalf("String() = %q", a.String())
	}
	for _, bad := range []string{"", "arn", "arn:aws", "arn:aws:s3", "arn:aws:s3::", "aws:s3:::b", "arn::s3:::b", "arn:aws::::x"} {
		if _, err := arn.Parse(bad); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
}

// The IAM User Guide, "IAM JSON policy elements: Resource" and "Amazon Resource
// Name (ARN) condition operators": each of the six colon-delimited components
// is matched separately; the resource part keeps its own colons.
func TestMatch(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "not-an-arn", true},
		{"arn:aws:s3:::*", "arn:aws:s3:::bucket/key", true},
		{"arn:aws:s3:::bucket", "arn:aws:s3:::bucket/key", false},
		{"arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b", true},
		{"arn:aws:logs:*:*:*", "arn:aws:logs:us-east-1:111111111111:log-group:g:log-stream:s", true},
		// Maskopy RDSDeletePolicy: only maskopy* snapshots.
		{"arn:aws:rds:*:111111111111:*:maskopy*", "arn:aws:rds:us-east-1:111111111111:snapshot:maskopy-1", true},
		{"arn:aws:rds:*:111111111111:*:maskopy*", "arn:aws:rds:us-east-1:111111111111:snapshot:prod-1", false},
		{"arn:aws:rds:*:111111111111:snapshot:maskopy*", "arn:aws:rds:us-east-1:111111111111:snapshot:maskopy-1", true},
		{"arn:aws:rds:*:*:*:*maskopy*", "arn:aws:rds:us-east-1:111111111111:snapshot:maskopy-1", true},
		// A wildcard does not cross from the account into the resource.
		{"arn:aws:iam::*", "arn:aws:iam::111111111111:role/x", false},
		{"arn:aws:iam::1111*:role/*", "arn:aws:iam::111111111111:role/x", true},
		{"arn:aws:iam::111111111111:role/*MASKOPY*", "arn:aws:iam::111111111111:role/LAMBDA_MASKOPY", true},
		{"arn:aws:iam::111111111111:role/*MASKOPY*", "arn:aws:iam::111111111111:role/lambda_maskopy", false},
		{"arn:aws:sqs:*:*:*", "not-an-arn", false},
	}
	for _, c := range cases {
		if got := arn.Match(c.pattern, c.s); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("arn:aws:s3:::bucket/key")
	f.Add("arn:aws:iam::111111111111:role/x")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := arn.Parse(s)
		if err == nil && a.String() != s {
			t.Fatalf("round trip %q -> %q", s, a.String())
		}
	})
}

func BenchmarkMatch(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		arn.Match("arn:aws:s3:::example-bucket/*", "arn:aws:s3:::example-bucket/data/file.csv")
	}
}
