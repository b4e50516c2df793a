package server_test

import (
	"bytes"
	"context"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/iamgate/iamgate/server"
)

// The five service-specific credential operations through the real server.
// Sources: the iam model (botocore iam/2010-05-08 service-2.json:
// ServiceSpecificCredential, ServiceSpecificCredentialMetadata,
// serviceSpecificCredentialId 20 to 128 word characters, ServiceUserName
// "jane-at-123456789012", ServiceCredentialAlias/Secret and ExpirationDate
// for Bedrock and CloudWatch Logs API keys, NotSupportedService 404), the
// CreateServiceSpecificCredential API reference (two per supported service
// per user; Bedrock, CloudWatch Logs, CodeCommit, Keyspaces) and the
// Service Authorization Reference (iam:ServiceSpecificCredentialServiceName,
// iam:ServiceSpecificCredentialAgeDays).
func TestServiceSpecificCredentials(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	s := aws.String
	newUser(t, e, "dev")

	cc := must[*iam.CreateServiceSpecificCredentialOutput](t)(c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: s("dev"), ServiceName: s("codecommit.amazonaws.com")})).ServiceSpecificCredential
	if len(*cc.ServiceSpecificCredentialId) != 21 || (*cc.ServiceSpecificCredentialId)[:4] != "ACCA" || *cc.ServiceUserName != "dev-at-"+accountA ||
		len(*cc.ServicePassword) < 20 || cc.Status != iamtypes.StatusTypeActive || *cc.UserName != "dev" || cc.ServiceCredentialSecret != nil || cc.ExpirationDate != nil {
		t.Fatalf("created: %+v", cc)
	}
	key := must[*iam.CreateServiceSpecificCredentialOutput](t)(c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: s("dev"), ServiceName: s("bedrock.amazonaws.com"), CredentialAgeDays: aws.Int32(30)})).ServiceSpecificCredential
	if key.ServiceCredentialAlias == nil || key.ServiceCredentialSecret == nil || key.ServicePassword != nil || key.ExpirationDate == nil ||
		!key.ExpirationDate.Equal(key.CreateDate.AddDate(0, 0, 30)) {
		t.Fatalf("API key: %+v", key)
	}
	// Refused: an unsupported service, an age for a password credential, a
	// third credential for a service, a user that does not exist.
	wantError(t, second(c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: s("dev"), ServiceName: s("s3.amazonaws.com")})), "NotSupportedService", 404)
	wantError(t, second(c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: s("dev"), ServiceName: s("codecommit.amazonaws.com"), CredentialAgeDays: aws.Int32(1)})), "InvalidInput", 400)
	must[*iam.CreateServiceSpecificCredentialOutput](t)(c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: s("dev"), ServiceName: s("codecommit.amazonaws.com")}))
	if msg := wantError(t, second(c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: s("dev"), ServiceName: s("codecommit.amazonaws.com")})), "LimitExceeded", 409); msg != "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2" {
		t.Fatalf("quota: %q", msg)
	}
	must[*iam.CreateServiceSpecificCredentialOutput](t)(c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: s("dev"), ServiceName: s("cassandra.amazonaws.com")}))
	wantError(t, second(c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: s("ghost"), ServiceName: s("codecommit.amazonaws.com")})), "NoSuchEntity", 404)

	// Listing: never a password; by service; in pages.
	l := must[*iam.ListServiceSpecificCredentialsOutput](t)(c.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: s("dev")}))
	if len(l.ServiceSpecificCredentials) != 4 || l.IsTruncated {
		t.Fatalf("list: %+v", l)
	}
	if l = must[*iam.ListServiceSpecificCredentialsOutput](t)(c.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: s("dev"), ServiceName: s("codecommit.amazonaws.com")})); len(l.ServiceSpecificCredentials) != 2 {
		t.Fatalf("by service: %+v", l)
	}
	if l = must[*iam.ListServiceSpecificCredentialsOutput](t)(c.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: s("dev"), MaxItems: aws.Int32(3)})); len(l.ServiceSpecificCredentials) != 3 || !l.IsTruncated {
		t.Fatalf("page: %+v", l)
	}
	if l = must[*iam.ListServiceSpecificCredentialsOutput](t)(c.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: s("dev"), MaxItems: aws.Int32(3), Marker: l.Marker})); len(l.ServiceSpecificCredentials) != 1 || l.IsTruncated {
		t.Fatalf("page 2: %+v", l)
	}
	if l = must[*iam.ListServiceSpecificCredentialsOutput](t)(c.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{AllUsers: aws.Bool(true), ServiceName: s("bedrock.amazonaws.com")})); len(l.ServiceSpecificCredentials) != 1 || *l.ServiceSpecificCredentials[0].ServiceCredentialAlias != *key.ServiceCredentialAlias {
		t.Fatalf("all users: %+v", l)
	}
	wantError(t, second(c.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{AllUsers: aws.Bool(true), UserName: s("dev")})), "InvalidInput", 400)
	// The secrets are sealed in the store.
	items, _, err := e.st.List(ctx, server.KindServiceCredential, accountA, "", 0)
	if err != nil || len(items) != 4 {
		t.Fatalf("stored: %d %v", len(items), err)
	}
	for _, it := range items {
		if bytes.Contains(it.Data, []byte(*cc.ServicePassword)) || bytes.Contains(it.Data, []byte(*key.ServiceCredentialSecret)) {
			t.Fatal("a secret is stored in the clear")
		}
	}

	// Reset: a new password; update: Inactive; Expired is not settable.
	r := must[*iam.ResetServiceSpecificCredentialOutput](t)(c.ResetServiceSpecificCredential(ctx, &iam.ResetServiceSpecificCredentialInput{UserName: s("dev"), ServiceSpecificCredentialId: cc.ServiceSpecificCredentialId})).ServiceSpecificCredential
	if *r.ServicePassword == *cc.ServicePassword || *r.ServiceSpecificCredentialId != *cc.ServiceSpecificCredentialId {
		t.Fatalf("reset: %+v", r)
	}
	must[*iam.UpdateServiceSpecificCredentialOutput](t)(c.UpdateServiceSpecificCredential(ctx, &iam.UpdateServiceSpecificCredentialInput{UserName: s("dev"), ServiceSpecificCredentialId: cc.ServiceSpecificCredentialId, Status: iamtypes.StatusTypeInactive}))
	wantError(t, second(c.UpdateServiceSpecificCredential(ctx, &iam.UpdateServiceSpecificCredentialInput{UserName: s("dev"), ServiceSpecificCredentialId: cc.ServiceSpecificCredentialId, Status: iamtypes.StatusTypeExpired})), "ValidationError", 400)
	for _, m := range must[*iam.ListServiceSpecificCredentialsOutput](t)(c.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: s("dev")})).ServiceSpecificCredentials {
		if *m.ServiceSpecificCredentialId == *cc.ServiceSpecificCredentialId && m.Status != iamtypes.StatusTypeInactive {
			t.Fatalf("after update: %+v", m)
		}
	}
	missing := "ACCAAAAAAAAAAAAAAAAAA"
	if msg := wantError(t, second(c.DeleteServiceSpecificCredential(ctx, &iam.DeleteServiceSpecificCredentialInput{UserName: s("dev"), ServiceSpecificCredentialId: s(missing)})), "NoSuchEntity", 404); msg != "The Service Specific Credential with id "+missing+" cannot be found." {
		t.Fatalf("missing: %q", msg)
	}
	// Another user's credential is not this user's.
	newUser(t, e, "other")
	wantError(t, second(c.ResetServiceSpecificCredential(ctx, &iam.ResetServiceSpecificCredentialInput{UserName: s("other"), ServiceSpecificCredentialId: cc.ServiceSpecificCredentialId})), "NoSuchEntity", 404)

	// Renaming the user keeps them; deleting it waits for them.
	must[*iam.UpdateUserOutput](t)(c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: s("dev"), NewUserName: s("dev2")}))
	l = must[*iam.ListServiceSpecificCredentialsOutput](t)(c.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: s("dev2")}))
	if len(l.ServiceSpecificCredentials) != 4 {
		t.Fatalf("after rename: %+v", l)
	}
	if msg := wantError(t, second(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: s("dev2")})), "DeleteConflict", 409); msg != "Cannot delete entity, must delete service specific credentials first." {
		t.Fatalf("conflict: %q", msg)
	}
	for _, m := range l.ServiceSpecificCredentials {
		must[*iam.DeleteServiceSpecificCredentialOutput](t)(c.DeleteServiceSpecificCredential(ctx, &iam.DeleteServiceSpecificCredentialInput{UserName: s("dev2"), ServiceSpecificCredentialId: m.ServiceSpecificCredentialId}))
	}
	must[*iam.DeleteUserOutput](t)(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: s("dev2")}))
}

// Authorization on the user's ARN with the service's condition key;
// without permission the same AccessDenied for what exists and what does
// not; another account's user and credential are invisible.
func TestServiceSpecificCredentialsAuthorization(t *testing.T) {
	e, _, adminB := twoAccounts(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	s := aws.String
	newUser(t, e, "dev")
	cc := must[*iam.CreateServiceSpecificCredentialOutput](t)(c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: s("dev"), ServiceName: s("codecommit.amazonaws.com")})).ServiceSpecificCredential
	id := *cc.ServiceSpecificCredentialId

	nobody := e.newUser("nobody", "")
	for _, user := range []string{"dev", "ghost"} {
		for _, op := range []struct {
			action string
			params url.Values
		}{
			{"CreateServiceSpecificCredential", url.Values{"UserName": {user}, "ServiceName": {"codecommit.amazonaws.com"}}},
			{"ListServiceSpecificCredentials", url.Values{"UserName": {user}}},
			{"ResetServiceSpecificCredential", url.Values{"UserName": {user}, "ServiceSpecificCredentialId": {id}}},
			{"UpdateServiceSpecificCredential", url.Values{"UserName": {user}, "ServiceSpecificCredentialId": {id}, "Status": {"Inactive"}}},
			{"DeleteServiceSpecificCredential", url.Values{"UserName": {user}, "ServiceSpecificCredentialId": {id}}},
		} {
			if status, code, msg := iamQuery(t, e, nobody, op.action, op.params); status != 403 || code != "AccessDenied" {
				t.Fatalf("%s on %s without permission: %d %s %s", op.action, user, status, code, msg)
			}
		}
	}
	if status, code, _ := iamQuery(t, e, nobody, "ListServiceSpecificCredentials", url.Values{"AllUsers": {"true"}}); status != 403 || code != "AccessDenied" {
		t.Fatalf("AllUsers without permission: %d %s", status, code)
	}

	// Only CodeCommit credentials, only for its own user.
	own := e.newUser("own", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*ServiceSpecificCredential*","Resource":"arn:aws:iam::`+accountA+`:user/own",
		"Condition":{"StringEqualsIfExists":{"iam:ServiceSpecificCredentialServiceName":"codecommit.amazonaws.com"}}}]}`)
	o := e.iam(own)
	mine := must[*iam.CreateServiceSpecificCredentialOutput](t)(o.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: s("own"), ServiceName: s("codecommit.amazonaws.com")})).ServiceSpecificCredential
	wantError(t, second(o.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: s("own"), ServiceName: s("cassandra.amazonaws.com")})), "AccessDenied", 403)
	wantError(t, second(o.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: s("dev"), ServiceName: s("codecommit.amazonaws.com")})), "AccessDenied", 403)
	wantError(t, second(o.ResetServiceSpecificCredential(ctx, &iam.ResetServiceSpecificCredentialInput{UserName: s("dev"), ServiceSpecificCredentialId: s(id)})), "AccessDenied", 403)
	must[*iam.ListServiceSpecificCredentialsOutput](t)(o.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{}))
	wantError(t, second(o.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{AllUsers: aws.Bool(true)})), "AccessDenied", 403)
	must[*iam.DeleteServiceSpecificCredentialOutput](t)(o.DeleteServiceSpecificCredential(ctx, &iam.DeleteServiceSpecificCredentialInput{ServiceSpecificCredentialId: mine.ServiceSpecificCredentialId}))

	// Account B: A's user does not exist there, nor its credential.
	b := e.iam(adminB)
	wantError(t, second(b.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: s("dev")})), "NoSuchEntity", 404)
	wantError(t, second(b.DeleteServiceSpecificCredential(ctx, &iam.DeleteServiceSpecificCredentialInput{UserName: s("dev"), ServiceSpecificCredentialId: s(id)})), "NoSuchEntity", 404)
	must[*iam.CreateUserOutput](t)(b.CreateUser(ctx, &iam.CreateUserInput{UserName: s("dev")}))
	wantError(t, second(b.ResetServiceSpecificCredential(ctx, &iam.ResetServiceSpecificCredentialInput{UserName: s("dev"), ServiceSpecificCredentialId: s(id)})), "NoSuchEntity", 404)
	if l := must[*iam.ListServiceSpecificCredentialsOutput](t)(b.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{AllUsers: aws.Bool(true)})); len(l.ServiceSpecificCredentials) != 0 {
		t.Fatalf("B sees: %+v", l.ServiceSpecificCredentials)
	}
	if l := must[*iam.ListServiceSpecificCredentialsOutput](t)(c.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: s("dev")})); len(l.ServiceSpecificCredentials) != 1 || l.ServiceSpecificCredentials[0].Status != iamtypes.StatusTypeActive {
		t.Fatalf("A's credential after the attempts: %+v", l.ServiceSpecificCredentials)
	}
}
