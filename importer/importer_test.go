package importer_test

import (
	"os"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/importer"
	"github.com/iamgate/iamgate/world"
)

func read(t *testing.T, path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// A two-account organization imported from get-account-authorization-details
// output (CLI form for staging, raw API form with URL-encoded documents for
// production), an organization file and a bucket policy, then decided.
func TestImportMultiAccount(t *testing.T) {
	fw := &world.FileWorld{}
	for _, f := range []string{"testdata/gaad-staging.json", "testdata/gaad-production.json"} {
		fa, err := importer.ParseGAAD(f, read(t, f))
		if err != nil {
			t.Fatal(err)
		}
		importer.Merge(fw, fa)
	}
	if err := importer.MergeOrganization(fw, "testdata/org.yaml", read(t, "testdata/org.yaml")); err != nil {
		t.Fatal(err)
	}
	importer.AddResourcePolicy(fw, "111111111111", "arn:aws:s3:::prod-reports", read(t, "testdata/prod-reports-bucket-policy.json"))
	w, err := world.Build("import", fw)
	if err != nil {
		t.Fatal(err)
	}
	staging := w.Accounts.Get("222222222222")
	if staging == nil || staging.Users.Len() != 2 || staging.Groups.Len() != 1 || staging.Roles.Len() != 1 || staging.Policies.Len() != 2 {
		t.Fatalf("staging: %+v", staging)
	}
	if p := staging.Policies.Get("DeployApps"); p.DefaultVersion != "v2" || len(p.Versions) != 2 {
		t.Fatalf("DeployApps versions: %+v", p)
	}
	if u := staging.Users.Get("deployer"); u.ID != "AIDASTAGINGDEPLOYER1" || u.Tags["CostCenter"] != "0735" {
		t.Fatalf("deployer: %+v", u)
	}
	if r := staging.Roles.Get("lambda-exec"); r.ARN() != "arn:aws:iam::222222222222:role/service-role/lambda-exec" {
		t.Fatalf("role path: %s", r.ARN())
	}

	decide := func(principal string, assume string, action, resource string) engine.Decision {
		c, err := w.Caller(principal)
		if err != nil {
			t.Fatal(err)
		}
		if assume != "" {
			res, err := w.AssumeRole(c, world.AssumeRoleInput{RoleARN: assume})
			if err != nil {
				t.Fatal(err)
			}
			if res.Caller == nil {
				return res.Denied.Decision
			}
			c = res.Caller
		}
		e, err := w.Decide(world.Request{Caller: c, Action: action, Resource: resource})
		if err != nil {
			t.Fatal(err)
		}
		return e.Decision
	}
	// The deployer (tagged CostCenter 0735) assumes ProdReader and reads reports.
	if d := decide("arn:aws:iam::222222222222:user/deployer", "arn:aws:iam::111111111111:role/ProdReader", "s3:GetObject", "arn:aws:s3:::prod-reports/q1.csv"); d != engine.Allowed {
		t.Errorf("deployer via ProdReader: %s", d)
	}
	// The group's managed policy at its default version v2 (v1 allowed lambda:*).
	if d := decide("arn:aws:iam::222222222222:user/deployer", "", "lambda:DeleteFunction", "arn:aws:lambda:us-east-1:222222222222:function:app-api"); d != engine.ImplicitDeny {
		t.Errorf("v1 must not apply: %s", d)
	}
	if d := decide("arn:aws:iam::222222222222:user/deployer", "", "lambda:UpdateFunctionCode", "arn:aws:lambda:us-east-1:222222222222:function:app-api"); d != engine.Allowed {
		t.Errorf("v2: %s", d)
	}
	// The contractor's boundary narrows the AWS managed ReadOnlyAccess.
	if d := decide("arn:aws:iam::222222222222:user/contractors/temp", "", "ec2:DescribeInstances", "*"); d != engine.ImplicitDeny {
		t.Errorf("boundary: %s", d)
	}
	if d := decide("arn:aws:iam::222222222222:user/contractors/temp", "", "s3:GetObject", "arn:aws:s3:::staging-bucket/x"); d != engine.Allowed {
		t.Errorf("contractor read: %s", d)
	}
	if w.Organization == nil || w.Accounts.Get("111111111111").OU == nil || w.Accounts.Get("111111111111").OU.Name != "Production" {
		t.Fatal("organization not merged")
	}
}

func TestImportErrors(t *testing.T) {
	cases := map[string]string{
		"not JSON":      `[`,
		"truncated":     `{"IsTruncated": true, "UserDetailList": []}`,
		"empty":         `{"UserDetailList": [], "RoleDetailList": []}`,
		"mixed account": `{"UserDetailList": [{"UserName":"a","Arn":"arn:aws:iam::111111111111:user/a"},{"UserName":"b","Arn":"arn:aws:iam::222222222222:user/b"}]}`,
		"bad document":  `{"RoleDetailList": [{"RoleName":"r","Arn":"arn:aws:iam::111111111111:role/r","AssumeRolePolicyDocument":"%ZZ%7B"}]}`,
	}
	for name, src := range cases {
		if _, err := importer.ParseGAAD("x.json", []byte(src)); err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.Contains(err.Error(), "x.json") {
			t.Errorf("%s: %v does not name the file", name, err)
		}
	}
}

// A role's InstanceProfileList (GetAccountAuthorizationDetails,
// RoleDetail) becomes the account's instance profiles, one per name.
func TestImportInstanceProfiles(t *testing.T) {
	gaad := `{"RoleDetailList": [
	  {"RoleName": "web", "Path": "/", "Arn": "arn:aws:iam::333333333333:role/web",
	   "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
	   "InstanceProfileList": [{"InstanceProfileName": "web-profile", "Path": "/", "InstanceProfileId": "AIPAWEB", "Arn": "arn:aws:iam::333333333333:instance-profile/web-profile"}]}]}`
	fa, err := importer.ParseGAAD("gaad.json", []byte(gaad))
	if err != nil {
		t.Fatal(err)
	}
	if len(fa.InstanceProfiles) != 1 || fa.InstanceProfiles[0].Name != "web-profile" || fa.InstanceProfiles[0].Roles[0] != "web" {
		t.Fatalf("profiles: %+v", fa.InstanceProfiles)
	}
	w, err := world.Build("gaad", &world.FileWorld{Accounts: []world.FileAccount{fa}})
	if err != nil {
		t.Fatal(err)
	}
	if w.InstanceProfileByARN("arn:aws:iam::333333333333:instance-profile/web-profile") == nil {
		t.Fatal("the profile is not in the world")
	}
}
