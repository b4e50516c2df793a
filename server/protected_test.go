package server_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// Roles AWS owns: IAM Identity Center's under /aws-reserved/sso.amazonaws.com/
// and service-linked roles under /aws-service-role/ cannot be changed by IAM
// principals (the issue's rule 3; IAM User Guide, "Create a service-linked
// role": "can be modified only by the service"). An administrator whose
// policies allow the change gets IAM's UnmodifiableEntity (400) with IAM's
// words, quoted in github.com/rebuy-de/aws-nuke/pull/1028 (SSO role,
// "status code: 400") and gruntwork-io/cloud-nuke#880 (service-linked
// roles, DetachRolePolicy, StatusCode: 400). A caller without permission
// is denied as for any role.
func TestProtectedRolesAreUnmodifiable(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	trust := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"support.amazonaws.com"},"Action":"sts:AssumeRole"}}`
	doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`
	pol := must[*iam.CreatePolicyOutput](t)(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}))
	for _, r := range []struct{ path, name string }{
		{"/aws-reserved/sso.amazonaws.com/", "AWSReservedSSO_AdministratorAccess_073ae2cbd6a6a546"},
		{"/aws-service-role/support.amazonaws.com/", "AWSServiceRoleForSupport"},
	} {
		if r.path == "/aws-service-role/support.amazonaws.com/" {
			// Only CreateServiceLinkedRole makes roles there.
			must[*iam.CreateServiceLinkedRoleOutput](t)(c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("support.amazonaws.com")}))
		} else {
			must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(r.name), Path: aws.String(r.path), AssumeRolePolicyDocument: aws.String(trust)}))
		}
		name := aws.String(r.name)
		want := "Cannot perform the operation on the protected role '" + r.name + "' - this role is only modifiable by AWS"
		ops := map[string]func() error{
			"AttachRolePolicy": func() error {
				_, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: name, PolicyArn: pol.Policy.Arn})
				return err
			},
			"DetachRolePolicy": func() error {
				_, err := c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: name, PolicyArn: pol.Policy.Arn})
				return err
			},
			"PutRolePolicy": func() error {
				_, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: name, PolicyName: aws.String("x"), PolicyDocument: aws.String(doc)})
				return err
			},
			"DeleteRolePolicy": func() error {
				_, err := c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: name, PolicyName: aws.String("x")})
				return err
			},
			"PutRolePermissionsBoundary": func() error {
				_, err := c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: name, PermissionsBoundary: pol.Policy.Arn})
				return err
			},
			"DeleteRolePermissionsBoundary": func() error {
				_, err := c.DeleteRolePermissionsBoundary(ctx, &iam.DeleteRolePermissionsBoundaryInput{RoleName: name})
				return err
			},
			"UpdateAssumeRolePolicy": func() error {
				_, err := c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: name, PolicyDocument: aws.String(trust)})
				return err
			},
			"UpdateRole": func() error {
				_, err := c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: name, Description: aws.String("d")})
				return err
			},
			"UpdateRoleDescription": func() error {
				_, err := c.UpdateRoleDescription(ctx, &iam.UpdateRoleDescriptionInput{RoleName: name, Description: aws.String("d")})
				return err
			},
			"DeleteRole": func() error {
				_, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: name})
				return err
			},
			"TagRole": func() error {
				_, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: name, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
				return err
			},
			"UntagRole": func() error {
				_, err := c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: name, TagKeys: []string{"k"}})
				return err
			},
		}
		for op, call := range ops {
			t.Run(r.name+"/"+op, func(t *testing.T) {
				if msg := wantError(t, call(), "UnmodifiableEntity", 400); msg != want {
					t.Fatalf("message %q, want %q", msg, want)
				}
			})
		}
		// Reading it is allowed; the role is still there.
		must[*iam.GetRoleOutput](t)(c.GetRole(ctx, &iam.GetRoleInput{RoleName: name}))
	}
	// A user with no permissions is denied, not told the role is protected.
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("nobody")}))
	k := must[*iam.CreateAccessKeyOutput](t)(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("nobody")}))
	nobody := e.iam(aws.Credentials{AccessKeyID: aws.ToString(k.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(k.AccessKey.SecretAccessKey)})
	_, err := nobody.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("AWSServiceRoleForSupport")})
	wantError(t, err, "AccessDenied", 403)
}
