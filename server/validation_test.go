package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// The edge checks every IAM and STS request against the operation's input
// shape in the model (api/model, botocore 1.43.11) before the operation
// runs, and answers AWS's exact words; each case is the request of a real
// answer, with its source.
func TestModelValidationGivesAWSExactMessages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	long := "python-sesdynamodb-contactform-development-eu-central-1-lambdaRole"
	role := aws.String("arn:aws:iam::123456789012:role/r")
	for _, tc := range []struct {
		name, code, want string
		call             func() error
	}{
		// github.com/faizanbashir/python-ses-dynamodb-contactform/issues/4
		{"a role name of 66 characters", "ValidationError",
			"1 validation error detected: Value '" + long + "' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64",
			func() error {
				_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(long), AssumeRolePolicyDocument: aws.String(trustAccount)})
				return err
			}},
		// github.com/aws-cloudformation/cfn-lint/issues/996: IAM's own words
		// for a name outside [\w+=,.@-]+.
		{"a policy name with spaces", "ValidationError",
			"The specified value for policyName is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-",
			func() error {
				_, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Deny unless VPC"), PolicyDocument: aws.String(allowS3)})
				return err
			}},
		// moto's IAM tests (create_virtual_mfa_device with Path "test").
		{"a path without slashes", "ValidationError",
			"The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.",
			func() error {
				_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u"), Path: aws.String("test")})
				return err
			}},
		// The real IAM leaves the description out (api/model hiddenValues).
		{"a role description with an em dash", "ValidationError",
			`1 validation error detected: Value at 'description' failed to satisfy constraint: Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`,
			func() error {
				_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r2"), AssumeRolePolicyDocument: aws.String(trustAccount), Description: aws.String("web — tier")})
				return err
			}},
		// github.com/ministryofjustice/cloud-platform-environments/pull/22667
		{"a tag value with &", "ValidationError",
			`1 validation error detected: Value 'MOJ D&T Cybersecurity' at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*`,
			func() error {
				_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u2"), Tags: []iamtypes.Tag{{Key: aws.String("Team"), Value: aws.String("MOJ D&T Cybersecurity")}}})
				return err
			}},
		// Real STS answers for durationSeconds (no "between": each bound
		// in its own words).
		{"a duration over 43200", "ValidationError",
			"1 validation error detected: Value '86400' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200",
			func() error {
				_, err := e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role, RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(86400)})
				return err
			}},
		{"a duration under 900", "ValidationError",
			"1 validation error detected: Value '123' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
			func() error {
				_, err := e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role, RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(123)})
				return err
			}},
		{"MaxItems 0", "ValidationError",
			"1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
			func() error {
				_, err := c.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(0)})
				return err
			}},
		// A role name is roleNameType (at most 64) in every operation, not
		// only in CreateRole (iamgate took 128 in GetRole and the others).
		{"a 65-character name in GetRole", "ValidationError",
			"1 validation error detected: Value '" + strings.Repeat("r", 65) + "' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64",
			func() error {
				_, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(strings.Repeat("r", 65))})
				return err
			}},
		{"a list of enum values", "ValidationError",
			"1 validation error detected: Value '[User, Users]' at 'filter' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]]",
			func() error {
				_, err := c.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{Filter: []iamtypes.EntityType{"User", "Users"}})
				return err
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := wantError(t, tc.call(), tc.code, 400); got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// Validation comes before authorization: a caller without any permission
// learns that the request is malformed, and nothing else, as IAM answers
// (IAM validates the request before it authorizes it; the handlers always
// did the same).
func TestValidationComesBeforeAuthorization(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("nobody")}))
	key := must[*iam.CreateAccessKeyOutput](t)(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("nobody")})).AccessKey
	nobody := aws.Credentials{AccessKeyID: *key.AccessKeyId, SecretAccessKey: *key.SecretAccessKey}
	_, err := e.iam(nobody).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(strings.Repeat("u", 65))})
	wantError(t, err, "ValidationError", 400)
	_, err = e.iam(nobody).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("fine")})
	wantError(t, err, "AccessDenied", 403)
}

// Organizations answers a broken constraint with InvalidInputException
// and the reason of the first (botocore organizations/2016-11-28:
// InvalidInputExceptionReason), with Reason in the body.
func TestOrganizationsValidationAnswersInvalidInputWithAReason(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	root := *must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id
	for _, tc := range []struct {
		op, body, reason, msg string
	}{
		{"CreateOrganizationalUnit", `{"ParentId":"` + root + `","Name":"x","Tags":[{"Key":"a*","Value":"v"}]}`, "INVALID_PATTERN",
			"You provided a value that does not match the required pattern."},
		{"CreateOrganizationalUnit", `{"ParentId":"` + root + `"}`, "INPUT_REQUIRED", "You must specify a value for all required parameters."},
		{"CreateOrganizationalUnit", `{"ParentId":"` + root + `","Name":"` + strings.Repeat("n", 129) + `"}`, "MAX_LENGTH_EXCEEDED",
			"You provided a string parameter that is longer than allowed."},
		{"ListChildren", `{"ParentId":"` + root + `","ChildType":"USER"}`, "INVALID_ENUM", "You specified an invalid value."},
		{"ListAccounts", `{"MaxResults":21}`, "MAX_VALUE_EXCEEDED", "You provided a numeric parameter that has a larger value than allowed."},
		{"CreateAccount", `{"Email":"not-an-email","AccountName":"a"}`, "INVALID_PATTERN", "You provided a value that does not match the required pattern."},
	} {
		status, body := postJSONBody(t, e, tc.op, tc.body)
		var er struct {
			Type    string `json:"__type"`
			Message string
			Reason  string
		}
		if err := json.Unmarshal(body, &er); err != nil || status != 400 || er.Type != "InvalidInputException" || er.Reason != tc.reason || er.Message != tc.msg {
			t.Errorf("%s %s: %d %s", tc.op, tc.body, status, body)
		}
	}
	status, body := postJSONBody(t, e, "CreateOrganizationalUnit", `{"ParentId":1,"Name":"x"}`)
	if status != 400 || !strings.Contains(string(body), "SerializationException") {
		t.Errorf("a number for a string: %d %s", status, body)
	}
}

// postJSONBody is postJSON returning the whole body.
func postJSONBody(t *testing.T, e *env, op, body string) (int, []byte) {
	t.Helper()
	r := signedJSON(t, e, op, []byte(body))
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}
