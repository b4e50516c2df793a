package model_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/api/model"
)

func queryMessage(t *testing.T, s *model.Service, op string, params url.Values) string {
	t.Helper()
	vs, err := s.ValidateQuery(op, params)
	if err != nil {
		t.Fatal(err)
	}
	return model.Message(vs)
}

// Real answers of IAM and STS, with the request that got them.
func TestValidateQueryGivesAWSMessages(t *testing.T) {
	long := "python-sesdynamodb-contactform-development-eu-central-1-lambdaRole"
	for _, tc := range []struct {
		name   string
		svc    *model.Service
		op     string
		params url.Values
		want   string
	}{
		// github.com/faizanbashir/python-ses-dynamodb-contactform/issues/4.
		{"a role name too long", model.IAM, "CreateRole", url.Values{"RoleName": {long}, "AssumeRolePolicyDocument": {"{}"}},
			"1 validation error detected: Value '" + long + "' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		// github.com/ministryofjustice/cloud-platform-environments/pull/22667.
		{"a tag value with &", model.IAM, "TagUser", url.Values{"UserName": {"u"}, "Tags.member.1.Key": {"Team"}, "Tags.member.1.Value": {"MOJ D&T Cybersecurity"}},
			`1 validation error detected: Value 'MOJ D&T Cybersecurity' at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*`},
		// The real IAM leaves a description out of its answer (see hiddenValues).
		{"a description with an em dash", model.IAM, "CreateRole", url.Values{"RoleName": {"r"}, "AssumeRolePolicyDocument": {"{}"}, "Description": {"a — b"}},
			`1 validation error detected: Value at 'description' failed to satisfy constraint: Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`},
		// Real STS answers quoted in client code that parses them.
		{"a duration too long", model.STS, "AssumeRole", url.Values{"RoleArn": {"arn:aws:iam::123456789012:role/r"}, "RoleSessionName": {"s1"}, "DurationSeconds": {"86400"}},
			"1 validation error detected: Value '86400' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"},
		{"a duration too short", model.STS, "AssumeRole", url.Values{"RoleArn": {"arn:aws:iam::123456789012:role/r"}, "RoleSessionName": {"s1"}, "DurationSeconds": {"123"}},
			"1 validation error detected: Value '123' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{"nothing given", model.IAM, "PutRolePolicy", url.Values{},
			"3 validation errors detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null; Value null at 'policyName' failed to satisfy constraint: Member must not be null; Value at 'policyDocument' failed to satisfy constraint: Member must not be null"},
		{"a list of enum values", model.IAM, "GetAccountAuthorizationDetails", url.Values{"Filter.member.1": {"User"}, "Filter.member.2": {"Users"}},
			"1 validation error detected: Value '[User, Users]' at 'filter' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]]"},
		{"an empty tag key", model.IAM, "TagUser", url.Values{"UserName": {"u"}, "Tags.member.1.Key": {""}, "Tags.member.1.Value": {"v"}},
			`2 validation errors detected: Value '' at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`},
		{"a missing tag value", model.IAM, "TagUser", url.Values{"UserName": {"u"}, "Tags.member.1.Key": {"k"}},
			"1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null"},
		{"an untag key", model.IAM, "UntagUser", url.Values{"UserName": {"u"}, "TagKeys.member.1": {"a&b"}},
			`1 validation error detected: Value 'a&b' at 'tagKeys.1.member' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`},
		{"MaxItems", model.IAM, "ListUsers", url.Values{"MaxItems": {"0"}},
			"1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		// iamgate's wording (AWS's answer to a malformed Query boolean is not
		// published), in the form of the others; a boolean is true or false
		// in any case.
		{"a boolean", model.IAM, "ListServiceSpecificCredentials", url.Values{"AllUsers": {"yes"}},
			"1 validation error detected: Value 'yes' at 'allUsers' failed to satisfy constraint: Member must be a boolean"},
		{"a boolean written 1", model.IAM, "CreateLoginProfile", url.Values{"UserName": {"u"}, "Password": {"p"}, "PasswordResetRequired": {"1"}},
			"1 validation error detected: Value '1' at 'passwordResetRequired' failed to satisfy constraint: Member must be a boolean"},
		{"a password is never shown", model.IAM, "CreateLoginProfile", url.Values{"UserName": {"u"}, "Password": {"\x01"}},
			`1 validation error detected: Value at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := queryMessage(t, tc.svc, tc.op, tc.params); got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestValidateQueryAcceptsValidRequests(t *testing.T) {
	for _, tc := range []struct {
		svc    *model.Service
		op     string
		params url.Values
	}{
		{model.IAM, "CreateUser", url.Values{"UserName": {"alice"}, "Path": {"/a/"}, "Tags.member.1.Key": {"Équipe"}, "Tags.member.1.Value": {""}}},
		{model.IAM, "ListUsers", url.Values{}},
		{model.IAM, "ListServiceSpecificCredentials", url.Values{"AllUsers": {"TRUE"}}},
		{model.IAM, "UpdateAccountPasswordPolicy", url.Values{"RequireSymbols": {"False"}, "HardExpiry": {"true"}}},
		{model.IAM, "GetAccountSummary", url.Values{}},
		{model.STS, "GetCallerIdentity", url.Values{}},
		{model.STS, "AssumeRole", url.Values{"RoleArn": {"arn:aws:iam::123456789012:role/r"}, "RoleSessionName": {"s1"}, "DurationSeconds": {"3600"}}},
	} {
		if got := queryMessage(t, tc.svc, tc.op, tc.params); got != "" {
			t.Errorf("%s %v: %s", tc.op, tc.params, got)
		}
	}
	if _, err := model.IAM.ValidateQuery("NoSuchOperation", nil); err == nil {
		t.Fatal("an unknown operation validated")
	}
}

// JSON requests: Access Analyzer's real answers (server/accessanalyzer_test.go
// cites them) and Organizations' shapes.
func TestValidateJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		svc  *model.Service
		op   string
		body string
		want string
	}{
		{"nothing", model.AccessAnalyzer, "ValidatePolicy", `{}`,
			"2 validation errors detected: Value null at 'policyDocument' failed to satisfy constraint: Member must not be null; Value null at 'policyType' failed to satisfy constraint: Member must not be null"},
		{"an enum", model.AccessAnalyzer, "ValidatePolicy", `{"policyDocument":"{}","policyType":"BOUNDARY_POLICY"}`,
			"1 validation error detected: Value 'BOUNDARY_POLICY' at 'policyType' failed to satisfy constraint: Member must satisfy enum value set: [IDENTITY_POLICY, RESOURCE_POLICY, SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY]"},
		{"a nested list", model.AccessAnalyzer, "CheckAccessNotGranted", `{"policyDocument":"{}","policyType":"IDENTITY_POLICY","access":[{"resources":["` + strings.Repeat("b", 2049) + `"]}]}`,
			"1 validation error detected: Value '" + strings.Repeat("b", 2049) + "' at 'access.1.member.resources.1.member' failed to satisfy constraint: Member must have length less than or equal to 2048"},
		{"organizations tags", model.Organizations, "CreateOrganizationalUnit", `{"ParentId":"r-ab12","Name":"x","Tags":[{"Key":"a*","Value":"v"}]}`,
			`1 validation error detected: Value 'a*' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`},
		{"organizations email is sensitive", model.Organizations, "CreateAccount", `{"AccountName":"a","Email":"nope"}`,
			`2 validation errors detected: Value at 'email' failed to satisfy constraint: Member must have length greater than or equal to 6; Value at 'email' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\s@]+@[^\s@]+\.[^\s@]+`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vs, err := tc.svc.ValidateJSON(tc.op, []byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if got := model.Message(vs); !strings.HasPrefix(got, tc.want) {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	var de *model.DecodeError
	_, err := model.Organizations.ValidateJSON("CreateOrganizationalUnit", []byte(`{"ParentId":1}`))
	if err == nil || !asDecode(err, &de) || de.Field != "parentId" {
		t.Fatalf("a number for a string: %v", err)
	}
}

func asDecode(err error, de **model.DecodeError) bool {
	return errors.As(err, de)
}
