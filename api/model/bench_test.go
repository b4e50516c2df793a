package model_test

import (
	"net/url"
	"testing"

	"github.com/iamgate/iamgate/api/model"
)

// The edge's check of a typical write (CreateRole with a path, a
// description and two tags) and of a read with no input.
func BenchmarkValidateQuery(b *testing.B) {
	create := url.Values{"Action": {"CreateRole"}, "Version": {"2010-05-08"}, "RoleName": {"deploy-role"}, "Path": {"/ci/"},
		"AssumeRolePolicyDocument": {`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`},
		"Description":              {"the deploy role"}, "Tags.member.1.Key": {"team"}, "Tags.member.1.Value": {"platform"},
		"Tags.member.2.Key": {"env"}, "Tags.member.2.Value": {"prod"}}
	list := url.Values{"Action": {"ListUsers"}, "Version": {"2010-05-08"}}
	for _, bc := range []struct {
		name string
		op   string
		p    url.Values
	}{{"CreateRole", "CreateRole", create}, {"ListUsers", "ListUsers", list}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if vs, err := model.IAM.ValidateQuery(bc.op, bc.p); err != nil || len(vs) != 0 {
					b.Fatal(vs, err)
				}
			}
		})
	}
}
