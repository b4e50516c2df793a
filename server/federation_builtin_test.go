package server_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/go-jose/go-jose/v4"

	"github.com/iamgate/iamgate/federation/oidctest"
)

// builtinEnv is a server whose providers' TLS is trusted by the loopback
// issuer's CA (standing for the public CA of the real host), with the
// issuer reached for host.
type builtinEnv struct {
	*env
	iss *oidctest.Issuer
}

func newBuiltinEnv(t *testing.T, host string) *builtinEnv {
	t.Helper()
	e := newEnv(t)
	iss := oidctest.New(t, host)
	e.srv.SetFederationDial(iss.Dial)
	roots := x509.NewCertPool()
	roots.AddCert(iss.CA)
	e.srv.SetFederationRoots(roots)
	return &builtinEnv{env: e, iss: iss}
}

func (b *builtinEnv) role(t *testing.T, name, trust, permissions string) string {
	t.Helper()
	ctx := context.Background()
	c := b.iam(b.admin)
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)}))
	if permissions != "" {
		must[*iam.PutRolePolicyOutput](t)(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(permissions)}))
	}
	return "arn:aws:iam::" + accountA + ":role/" + name
}

func (b *builtinEnv) assume(role, token string) (*sts.AssumeRoleWithWebIdentityOutput, error) {
	return b.anonSTS().AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(role), RoleSessionName: aws.String("web"), WebIdentityToken: aws.String(token)})
}

// googleTrust is the IAM User Guide's trust policy for a Google hybrid
// app ("Available keys for AWS web identity federation", aud, "azp Field
// Set"): accounts.google.com:aud is the token's azp, :oaud its aud.
const googleTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"accounts.google.com"},` +
	`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"accounts.google.com:aud":"azp-value",` +
	`"accounts.google.com:oaud":"aud-value","accounts.google.com:sub":"sub-value"}}}]}`

// googlePermissions: the session's later requests carry
// aws:FederatedProvider (the provider's name, "accounts.google.com") and
// the Google keys.
const googlePermissions = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*",` +
	`"Condition":{"StringEquals":{"aws:FederatedProvider":"accounts.google.com","accounts.google.com:oaud":"aud-value","accounts.google.com:aud":"azp-value"}}}]}`

// Google needs no IAM OIDC provider (the STS API Reference,
// AssumeRoleWithWebIdentity; the IAM User Guide's Google trust policies
// name "Federated": "accounts.google.com"): its keys are fetched from
// https://accounts.google.com/.well-known/openid-configuration over TLS
// the roots verify, no client ID is checked, and the trust policy tests
// the keys: with an azp, accounts.google.com:aud is the azp and
// accounts.google.com:oaud the aud; without, both are the aud.
func TestWebIdentityBuiltinGoogle(t *testing.T) {
	b := newBuiltinEnv(t, "accounts.google.com")
	ctx := context.Background()
	role := b.role(t, "gcp", googleTrust, googlePermissions)
	now := time.Now()
	claims := func(iss string, azp bool) map[string]any {
		c := b.iss.Claims("sub-value", "aud-value", now)
		c["iss"] = iss
		if azp {
			c["azp"] = "azp-value"
		}
		return c
	}
	// Google's issuer is https://accounts.google.com, or
	// accounts.google.com in older tokens (Google's OpenID Connect
	// reference, the discovery document's issuer).
	for _, iss := range []string{"https://accounts.google.com", "accounts.google.com"} {
		t.Run(iss, func(t *testing.T) {
			out := must[*sts.AssumeRoleWithWebIdentityOutput](t)(b.assume(role, b.iss.Sign(t, claims(iss, true))))
			if *out.Provider != "accounts.google.com" || *out.SubjectFromWebIdentityToken != "sub-value" || *out.Audience != "aud-value" ||
				*out.AssumedRoleUser.Arn != "arn:aws:sts::"+accountA+":assumed-role/gcp/web" {
				t.Fatalf("%+v %+v", out, out.AssumedRoleUser)
			}
			must[*iam.ListRolesOutput](t)(b.iam(session(out.Credentials)).ListRoles(ctx, &iam.ListRolesInput{}))
		})
	}
	// Without azp, accounts.google.com:aud is the aud, so the hybrid
	// app's trust policy does not match ("azp Field Not Set").
	_, err := b.assume(role, b.iss.Sign(t, claims("https://accounts.google.com", false)))
	if msg := wantError(t, err, "AccessDenied", 403); msg != "Not authorized to perform sts:AssumeRoleWithWebIdentity" {
		t.Fatal(msg)
	}
	plain := b.role(t, "gcp-plain", strings.Replace(googleTrust, `"accounts.google.com:aud":"azp-value"`, `"accounts.google.com:aud":"aud-value"`, 1), "")
	must[*sts.AssumeRoleWithWebIdentityOutput](t)(b.assume(plain, b.iss.Sign(t, claims("https://accounts.google.com", false))))
	_, err = b.assume(plain, b.iss.Sign(t, claims("https://accounts.google.com", true)))
	wantError(t, err, "AccessDenied", 403)
}

// A built-in provider's token is verified as strictly as an IAM
// provider's: signature, issuer, expiry, required claims; keys that
// cannot be fetched (offline, or a certificate the roots do not verify:
// a built-in provider has no thumbprints) are InvalidIdentityToken with
// STS's words for keys it could not retrieve (awslabs/aws-sdk-rust#827).
func TestWebIdentityBuiltinRefusals(t *testing.T) {
	b := newBuiltinEnv(t, "accounts.google.com")
	role := b.role(t, "gcp", googleTrust, "")
	now := time.Now()
	good := func() map[string]any {
		c := b.iss.Claims("sub-value", "aud-value", now)
		c["iss"], c["azp"] = "https://accounts.google.com", "azp-value"
		return c
	}
	with := func(k string, v any) map[string]any { return oidctest.With(good(), k, v) }
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	for _, tc := range []struct {
		name, token, code, msg string
	}{
		{"signed by another key", oidctest.SignWith(t, jose.RS256, other, "rsa-1", good()), "InvalidIdentityToken", "The web identity token's signature could not be verified"},
		{"alg none", oidctest.Unsigned(t, "rsa-1", good()), "InvalidIdentityToken", "The web identity token's signing algorithm is not supported"},
		// aws/aws-sdk-java-v2#5709 quotes the real message.
		{"expired", b.iss.Sign(t, with("exp", now.Add(-time.Minute).Unix())), "ExpiredTokenException", "Token expired: current date/time "},
		{"no aud", b.iss.Sign(t, with("aud", nil)), "InvalidIdentityToken", "Missing a required claim: aud"},
		{"no sub", b.iss.Sign(t, with("sub", nil)), "InvalidIdentityToken", "Missing a required claim: sub"},
		{"azp not a string", b.iss.Sign(t, with("azp", 7)), "InvalidIdentityToken", "a claim of the token is malformed: azp"},
		// Another host's issuer under Google's name is not Google.
		{"http issuer", b.iss.Sign(t, with("iss", "http://accounts.google.com")), "InvalidIdentityToken", "No OpenIDConnect provider found in your account for http://accounts.google.com"},
		{"lookalike issuer", b.iss.Sign(t, with("iss", "https://accounts.google.com.evil.test")), "InvalidIdentityToken", "No OpenIDConnect provider found in your account for https://accounts.google.com.evil.test"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.assume(role, tc.token)
			if msg := wantError(t, err, tc.code, 400); !strings.HasPrefix(msg, tc.msg) {
				t.Fatalf("%q; want %q...", msg, tc.msg)
			}
		})
	}
	// On servers that have not fetched the keys yet: the system roots
	// (here: a pool without the issuer's CA) do not verify the
	// certificate, or the host cannot be reached (offline).
	for name, set := range map[string]func(*builtinEnv){
		"untrusted certificate": func(b *builtinEnv) { b.srv.SetFederationRoots(x509.NewCertPool()) },
		"offline": func(b *builtinEnv) {
			b.srv.SetFederationDial(func(context.Context, string, string) (net.Conn, error) { return nil, errors.New("offline") })
		},
	} {
		t.Run(name, func(t *testing.T) {
			b := newBuiltinEnv(t, "accounts.google.com")
			role := b.role(t, "gcp", googleTrust, "")
			set(b)
			c := b.iss.Claims("sub-value", "aud-value", now)
			c["iss"], c["azp"] = "https://accounts.google.com", "azp-value"
			_, err := b.assume(role, b.iss.Sign(t, c))
			if msg := wantError(t, err, "InvalidIdentityToken", 400); msg != "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements" {
				t.Fatal(msg)
			}
		})
	}
}

// An IAM OIDC provider of the account for a built-in provider's URL is
// used in its place: its client IDs and thumbprints apply (iamgate's
// choice: the account's own provider is looked up first).
func TestWebIdentityBuiltinIAMProviderFirst(t *testing.T) {
	b := newBuiltinEnv(t, "accounts.google.com")
	ctx := context.Background()
	prov := *must[*iam.CreateOpenIDConnectProviderOutput](t)(b.iam(b.admin).CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String("https://accounts.google.com"), ClientIDList: []string{"only-this"}, ThumbprintList: []string{b.iss.Thumbprint()}})).OpenIDConnectProviderArn
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":["accounts.google.com","` + prov + `"]},"Action":"sts:AssumeRoleWithWebIdentity"}]}`
	role := b.role(t, "gcp", trust, "")
	c := b.iss.Claims("sub-value", "aud-value", time.Now())
	c["iss"] = "https://accounts.google.com"
	_, err := b.assume(role, b.iss.Sign(t, c))
	if msg := wantError(t, err, "InvalidIdentityToken", 400); msg != "Incorrect token audience" {
		t.Fatal(msg)
	}
	c["aud"] = "only-this"
	out := must[*sts.AssumeRoleWithWebIdentityOutput](t)(b.assume(role, b.iss.Sign(t, c)))
	if *out.Provider != prov {
		t.Fatal(*out.Provider)
	}
}

// cognitoTrust is Amazon Cognito's trust policy for an identity pool's
// authenticated role (the Amazon Cognito Developer Guide, "Role trust and
// permissions"; the IAM User Guide, amr): aud is the identity pool ID, amr
// holds authenticated or unauthenticated and the login provider.
const cognitoTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},` +
	`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"us-east-2:identity-pool-id"},` +
	`"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}}]}`

// Amazon Cognito needs no IAM OIDC provider either: its ID tokens (iss
// https://cognito-identity.amazonaws.com) open roles trusting
// cognito-identity.amazonaws.com, with its aud, sub and amr keys.
func TestWebIdentityBuiltinCognito(t *testing.T) {
	b := newBuiltinEnv(t, "cognito-identity.amazonaws.com")
	ctx := context.Background()
	perms := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*",` +
		`"Condition":{"StringEquals":{"aws:FederatedProvider":"cognito-identity.amazonaws.com","cognito-identity.amazonaws.com:sub":"us-east-2:user-1"},` +
		`"ForAnyValue:StringEquals":{"cognito-identity.amazonaws.com:amr":"accounts.google.com"}}}]}`
	role := b.role(t, "auth", cognitoTrust, perms)
	token := func(amr ...string) string {
		c := b.iss.Claims("us-east-2:user-1", "us-east-2:identity-pool-id", time.Now())
		c["amr"] = amr
		return b.iss.Sign(t, c)
	}
	out := must[*sts.AssumeRoleWithWebIdentityOutput](t)(b.assume(role, token("authenticated", "accounts.google.com", "accounts.google.com:123:456")))
	if *out.Provider != "cognito-identity.amazonaws.com" || *out.Audience != "us-east-2:identity-pool-id" || *out.SubjectFromWebIdentityToken != "us-east-2:user-1" {
		t.Fatalf("%+v", out)
	}
	must[*iam.ListRolesOutput](t)(b.iam(session(out.Credentials)).ListRoles(ctx, &iam.ListRolesInput{}))
	// A guest's token does not open the authenticated role.
	_, err := b.assume(role, token("unauthenticated"))
	wantError(t, err, "AccessDenied", 403)
	// Nor does another identity pool's token.
	c := b.iss.Claims("us-east-2:user-1", "us-east-2:other-pool", time.Now())
	c["amr"] = []string{"authenticated"}
	_, err = b.assume(role, b.iss.Sign(t, c))
	wantError(t, err, "AccessDenied", 403)
	// A role that trusts Google is not opened by Cognito's tokens.
	google := b.role(t, "gcp", strings.ReplaceAll(cognitoTrust, `"Federated":"cognito-identity.amazonaws.com"`, `"Federated":"accounts.google.com"`), "")
	_, err = b.assume(google, token("authenticated"))
	wantError(t, err, "AccessDenied", 403)
}

// An IAM OIDC provider's tokens carry PROVIDER:oaud, the token's aud (the
// IAM User Guide, "Available keys for AWS web identity federation", oaud),
// beside PROVIDER:aud, and PROVIDER:email when the token has an email
// (windmill-labs/windmilldocs#635: aud, email and sub work as keys).
func TestWebIdentityOaudKey(t *testing.T) {
	f := newGitHubEnv(t)
	ctx := context.Background()
	trust := strings.Replace(ghTrust, `"`+ghHost+`:aud":"`+ghAudience+`"`, `"`+ghHost+`:oaud":"`+ghAudience+`"`, 1)
	must[*iam.UpdateAssumeRolePolicyOutput](t)(f.iam(f.admin).UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("deploy"), PolicyDocument: aws.String(trust)}))
	must[*sts.AssumeRoleWithWebIdentityOutput](t)(f.assume(f.iss.Sign(t, f.claims(ghSub))))
	wrong := strings.Replace(trust, `:oaud":"`+ghAudience+`"`, `:oaud":"sigstore"`, 1)
	must[*iam.UpdateAssumeRolePolicyOutput](t)(f.iam(f.admin).UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("deploy"), PolicyDocument: aws.String(wrong)}))
	_, err := f.assume(f.iss.Sign(t, f.claims(ghSub)))
	wantError(t, err, "AccessDenied", 403)

	email := strings.Replace(trust, `"`+ghHost+`:oaud":"`+ghAudience+`"`, `"`+ghHost+`:email":"dev@example.test"`, 1)
	must[*iam.UpdateAssumeRolePolicyOutput](t)(f.iam(f.admin).UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("deploy"), PolicyDocument: aws.String(email)}))
	_, err = f.assume(f.iss.Sign(t, f.claims(ghSub)))
	wantError(t, err, "AccessDenied", 403)
	c := f.claims(ghSub)
	c["email"] = "dev@example.test"
	must[*sts.AssumeRoleWithWebIdentityOutput](t)(f.assume(f.iss.Sign(t, c)))
	c["email"] = []string{"dev@example.test"}
	_, err = f.assume(f.iss.Sign(t, c))
	if msg := wantError(t, err, "InvalidIdentityToken", 400); msg != "a claim of the token is malformed: email" {
		t.Fatal(msg)
	}
}
