package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamgate/iamgate/federation/samltest"
)

const (
	samlProviderARN = "arn:aws:iam::" + accountA + ":saml-provider/corp"
	samlRoleARN     = "arn:aws:iam::" + accountA + ":role/sso"
)

// samlTrust is the console federation trust policy of the IAM User Guide
// ("Create a role for SAML 2.0 federation"): the provider, and saml:aud
// the AWS sign-in endpoint; here also the subject's NameID type.
const samlTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + samlProviderARN + `"},` +
	`"Action":"sts:AssumeRoleWithSAML","Condition":{"StringEquals":{"saml:aud":"https://signin.aws.amazon.com/saml","saml:sub_type":"persistent"}}}]}`

type samlEnv struct {
	*env
	idp *samltest.IdP
}

func withSAML(t *testing.T, e *env) *samlEnv {
	t.Helper()
	idp := samltest.New(t, "https://idp.example.test/saml")
	ctx := context.Background()
	c := e.iam(e.admin)
	out := must[*iam.CreateSAMLProviderOutput](t)(c.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("corp"), SAMLMetadataDocument: aws.String(idp.Metadata())}))
	if *out.SAMLProviderArn != samlProviderARN {
		t.Fatal(*out.SAMLProviderArn)
	}
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("sso"), AssumeRolePolicyDocument: aws.String(samlTrust)}))
	must[*iam.PutRolePolicyOutput](t)(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("sso"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*","Condition":{"StringEquals":{"aws:FederatedProvider":"` + samlProviderARN + `","saml:sub":"alice"}}}]}`)}))
	return &samlEnv{env: e, idp: idp}
}

func (s *samlEnv) assume(response string) (*sts.AssumeRoleWithSAMLOutput, error) {
	return s.anonSTS().AssumeRoleWithSAML(context.Background(), &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String(samlRoleARN),
		PrincipalArn: aws.String(samlProviderARN), SAMLAssertion: aws.String(response)})
}

// AssumeRoleWithSAML end to end, unsigned as the SDK sends it: an
// assertion the test IdP signs, the response's members, and the session's
// later requests with aws:FederatedProvider and saml:sub.
func TestSAMLEndToEnd(t *testing.T) {
	s := withSAML(t, newEnv(t))
	ctx := context.Background()
	for _, how := range []int{samltest.SignAssertion, samltest.SignResponse} {
		out, err := s.assume(s.idp.Response(t, s.idp.Good("alice", samlRoleARN, samlProviderARN), how))
		if err != nil {
			t.Fatal(err)
		}
		if *out.Subject != "alice" || *out.SubjectType != "persistent" || *out.Issuer != s.idp.EntityID || *out.Audience != "https://signin.aws.amazon.com/saml" ||
			*out.AssumedRoleUser.Arn != "arn:aws:sts::"+accountA+":assumed-role/sso/alice" || *out.NameQualifier == "" {
			t.Fatalf("%+v", out)
		}
		sess := session(out.Credentials)
		must[*iam.ListRolesOutput](t)(s.iam(sess).ListRoles(ctx, &iam.ListRolesInput{}))
		_, err = s.iam(sess).ListUsers(ctx, &iam.ListUsersInput{})
		wantError(t, err, "AccessDenied", 403)
	}
}

func TestSAMLRefusals(t *testing.T) {
	s := withSAML(t, newEnv(t))
	good := func() samltest.Assertion { return s.idp.Good("alice", samlRoleARN, samlProviderARN) }
	other := samltest.New(t, s.idp.EntityID)
	tampered := s.idp.ResponseElement(t, good(), samltest.SignAssertion)
	samltest.ReplaceNameID(tampered, "admin")
	wrapped := s.idp.ResponseElement(t, good(), samltest.SignAssertion)
	samltest.Wrap(wrapped, s.idp.Good("admin", samlRoleARN, samlProviderARN))
	mod := func(f func(*samltest.Assertion)) samltest.Assertion { a := good(); f(&a); return a }
	for _, tc := range []struct {
		name, response, code string
		status               int
	}{
		{"unsigned", s.idp.Response(t, good(), samltest.Unsigned), "InvalidIdentityToken", 400},
		{"signed by another key", other.Response(t, good(), samltest.SignAssertion), "InvalidIdentityToken", 400},
		{"changed after signing", samltest.Encode(t, tampered), "InvalidIdentityToken", 400},
		{"signature wrapping", samltest.Encode(t, wrapped), "InvalidIdentityToken", 400},
		{"expired", s.idp.Response(t, mod(func(a *samltest.Assertion) { a.NotOnOrAfter = time.Now().Add(-time.Minute) }), samltest.SignAssertion), "ExpiredTokenException", 400},
		{"another audience", s.idp.Response(t, mod(func(a *samltest.Assertion) { a.Audience = "https://evil.example.test" }), samltest.SignAssertion), "InvalidIdentityToken", 400},
		{"a Role attribute for another role", s.idp.Response(t, mod(func(a *samltest.Assertion) {
			a.Roles = []string{"arn:aws:iam::" + accountA + ":role/other," + samlProviderARN}
		}), samltest.SignAssertion), "AccessDenied", 403},
		{"a transient subject (the trust policy's saml:sub_type)", s.idp.Response(t, mod(func(a *samltest.Assertion) {
			a.Format = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
		}), samltest.SignAssertion), "AccessDenied", 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.assume(tc.response)
			wantError(t, err, tc.code, tc.status)
		})
	}
}

// exerciseSAML runs every SAML provider operation and AssumeRoleWithSAML
// once, for TestEveryServedOperationThroughTheSDK.
func exerciseSAML(t *testing.T, e *env) {
	t.Helper()
	s := withSAML(t, e)
	ctx := context.Background()
	c := s.iam(s.admin)
	arn := aws.String(samlProviderARN)
	got := must[*iam.GetSAMLProviderOutput](t)(c.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: arn}))
	if *got.SAMLMetadataDocument != s.idp.Metadata() || len(*got.SAMLProviderUUID) < 22 {
		t.Fatalf("%+v", got)
	}
	list := must[*iam.ListSAMLProvidersOutput](t)(c.ListSAMLProviders(ctx, &iam.ListSAMLProvidersInput{}))
	if len(list.SAMLProviderList) != 1 || *list.SAMLProviderList[0].Arn != samlProviderARN {
		t.Fatalf("%+v", list)
	}
	must[*iam.UpdateSAMLProviderOutput](t)(c.UpdateSAMLProvider(ctx, &iam.UpdateSAMLProviderInput{SAMLProviderArn: arn, SAMLMetadataDocument: aws.String(s.idp.Metadata())}))
	must[*iam.TagSAMLProviderOutput](t)(c.TagSAMLProvider(ctx, &iam.TagSAMLProviderInput{SAMLProviderArn: arn, Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}))
	must[*iam.ListSAMLProviderTagsOutput](t)(c.ListSAMLProviderTags(ctx, &iam.ListSAMLProviderTagsInput{SAMLProviderArn: arn}))
	must[*iam.UntagSAMLProviderOutput](t)(c.UntagSAMLProvider(ctx, &iam.UntagSAMLProviderInput{SAMLProviderArn: arn, TagKeys: []string{"k"}}))
	must[*sts.AssumeRoleWithSAMLOutput](t)(s.assume(s.idp.Response(t, s.idp.Good("alice", samlRoleARN, samlProviderARN), samltest.SignAssertion)))
	_, err := c.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("corp"), SAMLMetadataDocument: aws.String(s.idp.Metadata())})
	wantError(t, err, "EntityAlreadyExists", 409)
	_, err = c.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("bad"), SAMLMetadataDocument: aws.String(strings.Repeat("x", 1000))})
	wantError(t, err, "InvalidInput", 400)
	must[*iam.DeleteRolePolicyOutput](t)(c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("sso"), PolicyName: aws.String("p")}))
	must[*iam.DeleteRoleOutput](t)(c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("sso")}))
	must[*iam.DeleteSAMLProviderOutput](t)(c.DeleteSAMLProvider(ctx, &iam.DeleteSAMLProviderInput{SAMLProviderArn: arn}))
	_, err = c.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: arn})
	wantError(t, err, "NoSuchEntity", 404)
}

// STS's words for a SAML response it refuses, as the IAM User Guide,
// "Troubleshooting SAML 2.0 federation with AWS", quotes them (and
// MicrosoftDocs/azure-docs#45025, cevoaustralia/aws-google-auth#270,
// dbeaver/cloudbeaver#3112 show them from the real STS); none issues
// credentials.
func TestSAMLRefusalMessages(t *testing.T) {
	s := withSAML(t, newEnv(t))
	mod := func(f func(*samltest.Assertion)) string {
		a := s.idp.Good("alice", samlRoleARN, samlProviderARN)
		f(&a)
		return s.idp.Response(t, a, samltest.SignAssertion)
	}
	other := samltest.New(t, s.idp.EntityID)
	for _, tc := range []struct {
		name, response, code string
		status               int
		msg                  string
	}{
		{"no RoleSessionName", mod(func(a *samltest.Assertion) { a.SessionName = "" }), "InvalidIdentityToken", 400, "RoleSessionName is required in AuthnResponse"},
		{"RoleSessionName with a space", mod(func(a *samltest.Assertion) { a.SessionName = "alice smith" }), "InvalidIdentityToken", 400,
			"RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"},
		{"RoleSessionName too long", mod(func(a *samltest.Assertion) { a.SessionName = strings.Repeat("a", 65) }), "InvalidIdentityToken", 400,
			"RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"},
		{"signed by another key", other.Response(t, s.idp.Good("alice", samlRoleARN, samlProviderARN), samltest.SignAssertion), "InvalidIdentityToken", 400, "Response signature invalid"},
		{"unsigned", s.idp.Response(t, s.idp.Good("alice", samlRoleARN, samlProviderARN), samltest.Unsigned), "InvalidIdentityToken", 400, "Response signature invalid"},
		{"another issuer", mod(func(a *samltest.Assertion) { a.Issuer = "https://evil.example.test/saml" }), "InvalidIdentityToken", 400, "Issuer not present in specified provider"},
		{"no NameID", mod(func(a *samltest.Assertion) { a.NameID = "" }), "AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithSAML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.assume(tc.response)
			if msg := wantError(t, err, tc.code, tc.status); msg != tc.msg {
				t.Fatalf("%q; want %q", msg, tc.msg)
			}
		})
	}
}
