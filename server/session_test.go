package server_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// A session belongs to the role it was issued for, by the role's unique
// ID: a role deleted and created again under the same name is another role
// (its AROA... ID differs; IAM User Guide, "IAM identifiers", Unique
// identifiers, which exist to tell such a new entity from the old one), so
// its predecessor's sessions are not its. AWS states nothing about the
// sessions themselves; this is iamgate's choice (README, Security model),
// made to fail closed.
func TestSessionOfARecreatedRoleIsRefused(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.iam(e.admin)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + accountA + `:root"},"Action":"sts:AssumeRole"}]}`
	create := func() {
		must[*iam.CreateRoleOutput](t)(admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("app"), AssumeRolePolicyDocument: aws.String(trust)}))
		must[*iam.PutRolePolicyOutput](t)(admin.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("all"), PolicyDocument: aws.String(allowAll)}))
	}
	create()
	old := session(must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + accountA + ":role/app"), RoleSessionName: aws.String("sess")})).Credentials)
	must[*sts.GetCallerIdentityOutput](t)(e.sts(old).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	must[*iam.DeleteRolePolicyOutput](t)(admin.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("all")}))
	must[*iam.DeleteRoleOutput](t)(admin.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("app")}))
	create()
	if _, err := e.sts(old).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err == nil {
		t.Fatal("a session of the deleted role works for the role created again under its name")
	} else {
		wantError(t, err, "InvalidClientTokenId", 403)
	}
	if _, err := e.iam(old).ListUsers(ctx, &iam.ListUsersInput{}); err == nil {
		t.Fatal("a session of the deleted role calls IAM as the new role")
	}
	// A session of the new role works.
	fresh := session(must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + accountA + ":role/app"), RoleSessionName: aws.String("sess")})).Credentials)
	must[*iam.ListUsersOutput](t)(e.iam(fresh).ListUsers(ctx, &iam.ListUsersInput{}))
}
