package analysis_test

import (
	"testing"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/policy"
)

// The policy checks with policy variables over the catalog's actions: a
// home-folder policy (${aws:username} in resources and s3:prefix) tightened
// (PASS: every case of the name decided), and an ABAC policy
// (${aws:PrincipalTag/team} against aws:ResourceTag/team) tightened.
func BenchmarkCheckVariables(b *testing.B) {
	for _, c := range []struct{ name, old, new string }{
		{"home-folder",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"},{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b","Condition":{"StringLike":{"s3:prefix":["","home/","home/${aws:username}/*"]}}},{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::b/home/${aws:username}","arn:aws:s3:::b/home/${aws:username}/*"]}]}`,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"},{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b","Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*"]}}},{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::b/home/${aws:username}/*"]},{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::b/home/admin/*"}]}`},
		{"abac",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:*","s3:*"],"Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}}]}`,
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:StartInstances","ec2:StopInstances"],"Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}","aws:PrincipalTag/team":["red","blue"]}}}]}`},
	} {
		old, new := policy.MustParse("old.json", c.old), policy.MustParse("new.json", c.new)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				r, err := analysis.CheckNoNewAccess(old, new, analysis.IdentityPolicy, analysis.CheckOptions{})
				if err != nil || r.Result != analysis.Pass {
					b.Fatalf("%v %v", r, err)
				}
			}
		})
	}
}
