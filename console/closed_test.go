package console_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// A closed account's users are signed out and cannot sign in again: "After
// you close an AWS account, you can no longer use it to access AWS
// services or resources" (the Organizations User Guide, "Closing an AWS
// account"; CloseAccount in botocore organizations/2016-11-28).
func TestClosedAccountUsersAreSignedOut(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.orgs()
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}))
	member := *must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("m@example.com"), AccountName: aws.String("m")})).CreateAccountStatus.AccountId
	st := sts.New(sts.Options{Region: "us-east-1", Credentials: provider(e.admin), BaseEndpoint: aws.String(e.ts.URL), Retryer: aws.NopRetryer{}})
	out := must[*sts.AssumeRoleOutput](t)(st.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("admin")}))
	c := out.Credentials
	mi := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.ts.URL), Retryer: aws.NopRetryer{},
		Credentials: provider(aws.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken})})
	must[*iam.CreateUserOutput](t)(mi.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dev")}))
	must[*iam.CreateLoginProfileOutput](t)(mi.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("dev"), Password: aws.String("Dev-Passw0rd-1")}))

	b := e.browser()
	if r := b.signIn(member, "dev", "Dev-Passw0rd-1"); r.status != http.StatusSeeOther || r.location != "/console/" {
		t.Fatalf("sign-in before the closure: %d %s", r.status, r.location)
	}
	if h := b.get("/console/"); h.status != http.StatusOK {
		t.Fatalf("home before the closure: %d", h.status)
	}
	must[*organizations.CloseAccountOutput](t)(oc.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: &member}))
	if h := b.get("/console/"); h.status != http.StatusSeeOther {
		t.Fatalf("home after the closure: %d, want the sign-in page", h.status)
	}
	if r := e.browser().signIn(member, "dev", "Dev-Passw0rd-1"); r.status != http.StatusUnauthorized {
		t.Fatalf("sign-in after the closure: %d %s", r.status, r.location)
	}
}
