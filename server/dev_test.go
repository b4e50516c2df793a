package server_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamgate/iamgate/server"
	"github.com/iamgate/iamgate/store/sqlite"
)

// --dev takes any credentials as the administrator, like moto and
// LocalStack, and no key is issued.
func TestDevMode(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "dev.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv, err := server.New(ctx, server.Config{Store: st, Master: testMaster, Dev: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	boot, err := srv.Bootstrap(ctx, "", "")
	if err != nil || boot.Key != nil {
		t.Fatalf("dev bootstrap: %v %+v", err, boot)
	}
	e := &env{t: t, srv: srv, ts: httptest.NewServer(srv), st: st}
	defer e.ts.Close()
	anyone := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	id := must[*sts.GetCallerIdentityOutput](t)(e.sts(anyone).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	if *id.Arn != "arn:aws:iam::123456789012:user/admin" {
		t.Fatalf("dev identity: %s", *id.Arn)
	}
	must[*iam.CreateRoleOutput](t)(e.iam(anyone).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("dev"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	// A session token still stands for its session.
	out := must[*sts.AssumeRoleOutput](t)(e.sts(anyone).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/dev"), RoleSessionName: aws.String("dev-session")}))
	id = must[*sts.GetCallerIdentityOutput](t)(e.sts(session(out.Credentials)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	if *id.Arn != "arn:aws:sts::123456789012:assumed-role/dev/dev-session" {
		t.Fatalf("dev session identity: %s", *id.Arn)
	}
}

// An explicit deny is named as such in the message (the IAM User Guide,
// "Troubleshoot access denied error messages").
func TestExplicitDenyMessage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u := e.newUser("denied", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"},{"Effect":"Deny","Action":"iam:DeleteRole","Resource":"*"}]}`)
	must[*iam.CreateRoleOutput](t)(e.iam(u).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("keep"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	_, err := e.iam(u).DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("keep")})
	msg := wantError(t, err, "AccessDenied", 403)
	want := "User: arn:aws:iam::123456789012:user/denied is not authorized to perform: iam:DeleteRole on resource: arn:aws:iam::123456789012:role/keep with an explicit deny in an identity-based policy"
	if msg != want {
		t.Fatalf("got  %s\nwant %s", msg, want)
	}

	// The encoded message decodes, for a caller allowed to, into the
	// explanation (the STS API Reference, DecodeAuthorizationMessage).
	_, _, full := apiError(t, err)
	_, encoded := splitDenied(full)
	if len(encoded) > 4096 {
		t.Errorf("encoded message of %d bytes", len(encoded))
	}
	out := must[*sts.DecodeAuthorizationMessageOutput](t)(e.sts(e.admin).DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(encoded)}))
	var m struct {
		Allowed, ExplicitDeny bool
		Context               struct{ Action, Resource string }
		Explanation           struct {
			DecidedBy struct {
				Layer     string
				Statement struct {
					Effect       string
					Line, Column int
				}
			}
			Reason string
		}
	}
	if err := json.Unmarshal([]byte(*out.DecodedMessage), &m); err != nil {
		t.Fatal(err)
	}
	if m.Allowed || !m.ExplicitDeny || m.Context.Action != "iam:DeleteRole" || m.Explanation.DecidedBy.Layer != "identity" ||
		m.Explanation.DecidedBy.Statement.Effect != "Deny" || m.Explanation.DecidedBy.Statement.Line == 0 {
		t.Fatalf("decoded: %s", *out.DecodedMessage)
	}
	// The denied user may not decode it (no sts:DecodeAuthorizationMessage),
	// and a changed message does not decode.
	_, err = e.sts(u).DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(encoded)})
	wantError(t, err, "AccessDenied", 403)
	_, err = e.sts(e.admin).DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(map[bool]string{true: "y", false: "x"}[encoded[0] == 'x'] + encoded[1:])})
	wantError(t, err, "InvalidAuthorizationMessageException", 400)
}
