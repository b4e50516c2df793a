package catalog_test

import (
	"os"
	"testing"

	"github.com/iamgate/iamgate/catalog"
)

// Facts checked against the Service Authorization Reference
// (docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
// and list_awsidentityandaccessmanagementiam.html).
func TestActions(t *testing.T) {
	c := catalog.Default()
	if len(c.Services) < 400 || len(c.Global) < 40 {
		t.Fatalf("%d services, %d global keys", len(c.Services), len(c.Global))
	}
	a, ok := c.Action("S3:getobject")
	if !ok || a.FullName() != "s3:GetObject" || a.AccessLevel != catalog.Read || a.Service.Name != "Amazon S3" {
		t.Fatalf("s3:GetObject: %+v", a)
	}
	var object *catalog.ResourceType
	for _, r := range a.ResourceTypes {
		if r.Name == "object" {
			object = r.Type
		}
	}
	if object == nil || object.ARN != "arn:${Partition}:s3:::${BucketName}/${ObjectName}" {
		t.Fatalf("s3:GetObject resource types: %+v", a.ResourceTypes)
	}
	for name, level := range map[string]string{
		"s3:ListBucket":        catalog.List,
		"iam:PassRole":         catalog.Write,
		"iam:PutRolePolicy":    catalog.PermissionsManagement,
		"iam:TagRole":          catalog.Tagging,
		"sts:AssumeRole":       catalog.Write,
		"kms:Decrypt":          catalog.Write,
		"rds:DeleteDBSnapshot": catalog.Write,
	} {
		a, ok := c.Action(name)
		if !ok || a.AccessLevel != level {
			t.Errorf("%s: level %q, want %q", name, a.AccessLevel, level)
		}
	}
	if a, _ := c.Action("iam:PutRolePolicy"); len(a.Levels) != 2 || a.Levels[1] != catalog.Write {
		t.Errorf("iam:PutRolePolicy levels %v", a.Levels)
	}
	if _, ok := c.Action("s3:GetObjects"); ok {
		t.Error("unknown action found")
	}
	if _, ok := c.Action("nosuchservice:Get"); ok {
		t.Error("unknown service found")
	}
}

func TestExpand(t *testing.T) {
	c := catalog.Default()
	got := c.Expand("s3:Get*")
	has := map[string]bool{}
	for _, a := range got {
		has[a.FullName()] = true
		if a.Service.Prefix != "s3" || a.Name[:3] != "Get" {
			t.Errorf("s3:Get* expanded to %s", a.FullName())
		}
	}
	if !has["s3:GetObject"] || !has["s3:GetBucketPolicy"] || has["s3:PutObject"] {
		t.Fatalf("s3:Get* = %d actions", len(got))
	}
	if n := len(c.Expand("s3:get*")); n != len(got) {
		t.Errorf("case-insensitive expansion: %d vs %d", n, len(got))
	}
	if len(c.Expand("*")) < 10000 {
		t.Error("* should expand to every action")
	}
	if got := c.Expand("kms:ReEncrypt*"); len(got) != 2 {
		t.Errorf("kms:ReEncrypt* = %d actions, want ReEncryptFrom and ReEncryptTo", len(got))
	}
	if got := c.Expand("iam:PassRole"); len(got) != 1 {
		t.Errorf("exact action: %d", len(got))
	}
	if got := c.Expand("*:DeleteDBSnapshot"); len(got) < 1 {
		t.Error("wildcard service prefix")
	}
}

func TestConditionKeys(t *testing.T) {
	c := catalog.Default()
	for name, typ := range map[string]string{
		"aws:SourceIp":                "IPAddress",
		"aws:sourceip":                "IPAddress",
		"aws:CurrentTime":             "Date",
		"aws:SecureTransport":         "Bool",
		"aws:TagKeys":                 "ArrayOfString",
		"aws:PrincipalTag/CostCenter": "String",
		"aws:RequestTag/Project":      "String",
		"aws:MultiFactorAuthAge":      "Numeric",
		"s3:prefix":                   "String",
		"iam:PermissionsBoundary":     "ARN",
		"sts:ExternalId":              "String",
		"ec2:ResourceTag/CostCenter":  "String",
	} {
		k, ok := c.ConditionKey(name)
		if !ok || k.Type != typ {
			t.Errorf("%s: %+v %v, want type %s", name, k, ok, typ)
		}
	}
	sts, _ := c.Service("sts")
	if k, ok := sts.ConditionKey(c, "accounts.google.com:aud"); !ok || k.Type != "String" {
		t.Errorf("sts key accounts.google.com:aud: %+v %v", k, ok)
	}
	if k, ok := sts.ConditionKey(c, "aws:SourceIp"); !ok || k.Type != "IPAddress" {
		t.Errorf("global key through a service: %+v %v", k, ok)
	}
	if k, ok := c.ConditionKey("s3:ExistingObjectTag/Project"); !ok || k.Type != "String" {
		t.Errorf("s3:ExistingObjectTag/<key>: %+v %v", k, ok)
	}
	if !catalog.KeyMatches("aws:RequestTag/${TagKey}", "AWS:requesttag/Project") || catalog.KeyMatches("aws:RequestTag/${TagKey}", "aws:RequestTag/") {
		t.Error("KeyMatches")
	}
	if _, ok := c.ConditionKey("aws:NoSuchKey"); ok {
		t.Error("unknown global key found")
	}
	if _, ok := c.ConditionKey("aws:PrincipalTag/"); ok {
		t.Error("an empty tag key must not match")
	}
}

func BenchmarkExpand(b *testing.B) {
	c := catalog.Default()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c.Expand("s3:Get*")
	}
}

func BenchmarkLoad(b *testing.B) {
	data, err := os.ReadFile("data/iam-data.json.gz")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := catalog.Load(data); err != nil {
			b.Fatal(err)
		}
	}
}
