package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// fedBroker is a user that may federate and validate policies, and check
// them for new access.
const fedBroker = `{"Version":"2012-10-17","Statement":[
{"Effect":"Allow","Action":"sts:GetFederationToken","Resource":"*"},
{"Effect":"Allow","Action":["access-analyzer:ValidatePolicy","access-analyzer:CheckNoNewAccess"],"Resource":"*"}]}`

// validateAs calls Access Analyzer's ValidatePolicy (a service that takes
// federated credentials) and returns the status.
func validateAs(t *testing.T, e *env, c aws.Credentials) int {
	t.Helper()
	return e.aaCall(t, c, "us-east-1", "/policy/validation", aaJSON(t, map[string]string{"policyDocument": allowS3, "policyType": "IDENTITY_POLICY"})).status
}

// checkNoNewAccessAs calls Access Analyzer's CheckNoNewAccess and returns
// the status.
func checkNoNewAccessAs(t *testing.T, e *env, c aws.Credentials) int {
	t.Helper()
	return e.aaCall(t, c, "us-east-1", "/policy/check-no-new-access", aaJSON(t, map[string]string{"newPolicyDocument": allowS3, "existingPolicyDocument": allowS3, "policyType": "IDENTITY_POLICY"})).status
}

// GetFederationToken as the STS API Reference describes it: the
// federated user session's permissions are the intersection of the IAM
// user's policies and the session policies; without a session policy it
// has none; it is arn:aws:sts::ACCOUNT:federated-user/NAME with user ID
// ACCOUNT:NAME; it may call no IAM operation and no STS operation but
// GetCallerIdentity. The response shape is botocore sts/2011-06-15
// GetFederationTokenResponse (Credentials, FederatedUser, PackedPolicySize).
func TestGetFederationToken(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	broker := e.newUser("broker", fedBroker)
	st := e.sts(broker)

	// A session policy allowing all of Access Analyzer: the intersection
	// with the user's policy is ValidatePolicy and CheckNoNewAccess.
	out, err := st.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("bob"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"access-analyzer:ValidatePolicy","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if *out.FederatedUser.Arn != "arn:aws:sts::123456789012:federated-user/bob" || *out.FederatedUser.FederatedUserId != "123456789012:bob" {
		t.Fatalf("federated user: %+v", out.FederatedUser)
	}
	if !strings.HasPrefix(*out.Credentials.AccessKeyId, "ASIA") || *out.Credentials.SessionToken == "" {
		t.Fatalf("credentials: %+v", out.Credentials)
	}
	// 43,200 seconds by default.
	if d := time.Until(*out.Credentials.Expiration); d < 11*time.Hour+50*time.Minute || d > 12*time.Hour+time.Minute {
		t.Fatalf("default duration: %v", d)
	}
	fed := session(out.Credentials)
	if st := validateAs(t, e, fed); st != 200 {
		t.Fatalf("ValidatePolicy, allowed by both: %d", st)
	}
	// The user may CheckNoNewAccess, the session policy does not allow it.
	if st := checkNoNewAccessAs(t, e, fed); st != 403 {
		t.Fatalf("CheckNoNewAccess, outside the session policy: %d", st)
	}
	id, err := e.sts(fed).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *id.Arn != "arn:aws:sts::123456789012:federated-user/bob" || *id.UserId != "123456789012:bob" || *id.Account != "123456789012" {
		t.Fatalf("caller identity: %s %s %s", *id.Arn, *id.UserId, *id.Account)
	}

	// A session policy wider than the user's: still only the intersection.
	wide, err := st.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("wide"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if st := checkNoNewAccessAs(t, e, session(wide.Credentials)); st != 200 {
		t.Fatalf("CheckNoNewAccess, allowed by both: %d", st)
	}
	if rep := e.aaCall(t, session(wide.Credentials), "us-east-1", "/policy/check-access-not-granted",
		aaJSON(t, map[string]any{"policyDocument": allowS3, "policyType": "IDENTITY_POLICY", "access": []map[string]any{{"actions": []string{"s3:PutObject"}}}})); rep.status != 403 {
		t.Fatalf("CheckAccessNotGranted, not the user's: %d %s", rep.status, rep.raw)
	}
	// A managed session policy works as an inline one.
	managed, err := st.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("managed"),
		PolicyArns: []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::aws:policy/IAMAccessAnalyzerReadOnlyAccess")}}})
	if err != nil {
		t.Fatal(err)
	}
	if st := validateAs(t, e, session(managed.Credentials)); st != 200 {
		t.Fatalf("ValidatePolicy under a managed session policy: %d", st)
	}

	// No session policy: no permissions at all.
	bare, err := st.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("bare")})
	if err != nil {
		t.Fatal(err)
	}
	if st := validateAs(t, e, session(bare.Credentials)); st != 403 {
		t.Fatalf("ValidatePolicy without a session policy: %d", st)
	}

	// No IAM operation (InvalidClientTokenId, as for GetSessionToken's
	// credentials), no STS operation but GetCallerIdentity.
	_, err = e.iam(fed).GetUser(ctx, &iam.GetUserInput{})
	wantError(t, err, "InvalidClientTokenId", 403)
	_, err = e.sts(fed).GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("again"), Policy: aws.String(allowS3)})
	if msg := wantError(t, err, "AccessDenied", 403); msg != "Cannot call GetFederationToken with session credentials" {
		t.Fatalf("federating again: %s", msg)
	}
	_, err = e.sts(fed).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	wantError(t, err, "AccessDenied", 403)
	_, err = e.sts(fed).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/any"), RoleSessionName: aws.String("x")})
	wantError(t, err, "AccessDenied", 403)

	// The user deleted and created again is another user: the sessions of
	// the old one stop working.
	admin := e.iam(e.admin)
	keys := must[*iam.ListAccessKeysOutput](t)(admin.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("broker")}))
	for _, k := range keys.AccessKeyMetadata {
		must[*iam.DeleteAccessKeyOutput](t)(admin.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("broker"), AccessKeyId: k.AccessKeyId}))
	}
	must[*iam.DeleteUserPolicyOutput](t)(admin.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: aws.String("broker"), PolicyName: aws.String("p")}))
	must[*iam.DeleteUserOutput](t)(admin.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("broker")}))
	e.newUser("broker", fedBroker)
	_, err = e.sts(fed).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantError(t, err, "InvalidClientTokenId", 403)
}

// Who may call GetFederationToken: an IAM user's long-term credentials
// with sts:GetFederationToken on the federated user's ARN (the Service
// Authorization Reference, AWS STS: resource type federated-user), not a
// role session (real STS: "Cannot call GetFederationToken with session
// credentials", quoted in hashicorp/vault#4108), nor a GetSessionToken
// session.
func TestGetFederationTokenCallers(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	pol := aws.String(allowS3)

	// Without the permission.
	nobody := e.newUser("nobody", "")
	_, err := e.sts(nobody).GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("bob"), Policy: pol})
	msg := wantError(t, err, "AccessDenied", 403)
	if !strings.HasPrefix(msg, "User: arn:aws:iam::123456789012:user/nobody is not authorized to perform: sts:GetFederationToken on resource: arn:aws:sts::123456789012:federated-user/bob because no identity-based policy allows") {
		t.Fatalf("denied: %s", msg)
	}
	// Limited to names starting app-.
	limited := e.newUser("limited", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetFederationToken","Resource":"arn:aws:sts::123456789012:federated-user/app-*"}]}`)
	if _, err := e.sts(limited).GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("app-1"), Policy: pol}); err != nil {
		t.Fatal(err)
	}
	_, err = e.sts(limited).GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("other"), Policy: pol})
	wantError(t, err, "AccessDenied", 403)
	// Session tags are decided as aws:RequestTag/* on the call.
	tagged := e.newUser("tagged", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetFederationToken","Resource":"*",
		"Condition":{"StringEquals":{"aws:RequestTag/team":"blue"}}}]}`)
	if _, err := e.sts(tagged).GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("t1"), Policy: pol,
		Tags: []ststypes.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}}); err != nil {
		t.Fatal(err)
	}
	_, err = e.sts(tagged).GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("t2"), Policy: pol,
		Tags: []ststypes.Tag{{Key: aws.String("team"), Value: aws.String("red")}}})
	wantError(t, err, "AccessDenied", 403)

	// A role session is refused whatever its policies.
	admin := e.iam(e.admin)
	must[*iam.CreateRoleOutput](t)(admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	must[*iam.PutRolePolicyOutput](t)(admin.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("all"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)}))
	as := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), RoleSessionName: aws.String("sess")}))
	_, err = e.sts(session(as.Credentials)).GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("bob"), Policy: pol})
	if msg := wantError(t, err, "AccessDenied", 403); msg != "Cannot call GetFederationToken with session credentials" {
		t.Fatalf("role session: %s", msg)
	}
	// A GetSessionToken session too.
	gst := must[*sts.GetSessionTokenOutput](t)(e.sts(e.admin).GetSessionToken(ctx, &sts.GetSessionTokenInput{}))
	_, err = e.sts(session(gst.Credentials)).GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("bob"), Policy: pol})
	wantError(t, err, "AccessDenied", 403)
}

// GetFederationToken's input: DurationSeconds 900 to 129,600
// (durationSecondsType), Name 2 to 32 of [\w+=,.@-] (userNameType), and
// session policies that compile and are AWS managed or the account's
// (MalformedPolicyDocument otherwise, as for AssumeRole).
func TestGetFederationTokenInput(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	st := e.sts(e.newUser("broker", fedBroker))
	pol := aws.String(allowS3)
	for _, d := range []int32{899, 129601} {
		_, err := st.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("bob"), Policy: pol, DurationSeconds: aws.Int32(d)})
		wantError(t, err, "ValidationError", 400)
	}
	for _, d := range []int32{900, 129600} {
		out, err := st.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("bob"), Policy: pol, DurationSeconds: aws.Int32(d)})
		if err != nil {
			t.Fatal(err)
		}
		if got := time.Until(*out.Credentials.Expiration); got < time.Duration(d)*time.Second-time.Minute || got > time.Duration(d)*time.Second+time.Minute {
			t.Fatalf("duration %d: expires in %v", d, got)
		}
	}
	for _, name := range []string{"b", strings.Repeat("n", 33), "bad name", "a/b"} {
		_, err := st.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String(name), Policy: pol})
		wantError(t, err, "ValidationError", 400)
	}
	_, err := st.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("bob"), Policy: aws.String(`{"Statement":`)})
	wantError(t, err, "MalformedPolicyDocument", 400)
	// Another account's policy is answered as one that does not exist.
	_, err = st.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: aws.String("bob"),
		PolicyArns: []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::210987654321:policy/theirs")}}})
	if msg := wantError(t, err, "MalformedPolicyDocument", 400); msg != "Policy arn:aws:iam::210987654321:policy/theirs does not exist or is not attachable." {
		t.Fatalf("foreign policy: %s", msg)
	}
}
