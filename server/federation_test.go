package server_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/go-jose/go-jose/v4"

	"github.com/iamgate/iamgate/federation/oidctest"
	"github.com/iamgate/iamgate/federation/samltest"
)

// The GitHub Actions issuer, served on loopback by oidctest.
const (
	ghHost     = "token.actions.githubusercontent.com"
	ghProvider = "arn:aws:iam::" + accountA + ":oidc-provider/" + ghHost
	ghAudience = "sts.amazonaws.com"
	ghSub      = "repo:org/repo:ref:refs/heads/main"
)

// ghTrust is the trust policy GitHub's and AWS's guides give for GitHub
// Actions: the provider, the audience, and the repository's subjects.
const ghTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + ghProvider + `"},` +
	`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + ghHost + `:aud":"` + ghAudience + `"},` +
	`"StringLike":{"` + ghHost + `:sub":"repo:org/repo:*"}}}]}`

// ghPermissions lets the role's sessions list roles only when they came
// through the provider for the repository, and never get a role: the
// session's later requests carry aws:FederatedProvider and the web
// identity keys.
const ghPermissions = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*",` +
	`"Condition":{"StringEquals":{"aws:FederatedProvider":"` + ghProvider + `","` + ghHost + `:aud":"` + ghAudience + `"},"StringLike":{"` + ghHost + `:sub":"repo:org/repo:*"}}},` +
	`{"Effect":"Allow","Action":"iam:GetRole","Resource":"*","Condition":{"StringEquals":{"` + ghHost + `:sub":"repo:other/repo:ref:refs/heads/main"}}}]}`

type fedEnv struct {
	*env
	iss *oidctest.Issuer
}

// newGitHubEnv starts a server whose account A has the GitHub provider
// (client ID sts.amazonaws.com, the issuer's thumbprint) and a role
// "deploy" that trusts it for org/repo.
func newGitHubEnv(t *testing.T) *fedEnv {
	t.Helper()
	return withGitHub(t, newEnv(t))
}

func withGitHub(t *testing.T, e *env) *fedEnv {
	t.Helper()
	iss := oidctest.New(t, ghHost)
	e.srv.SetFederationDial(iss.Dial)
	ctx := context.Background()
	c := e.iam(e.admin)
	out := must[*iam.CreateOpenIDConnectProviderOutput](t)(c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String(iss.URL), ClientIDList: []string{ghAudience}, ThumbprintList: []string{iss.Thumbprint()}}))
	if *out.OpenIDConnectProviderArn != ghProvider {
		t.Fatalf("provider ARN %s", *out.OpenIDConnectProviderArn)
	}
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("deploy"), AssumeRolePolicyDocument: aws.String(ghTrust)}))
	must[*iam.PutRolePolicyOutput](t)(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("deploy"), PolicyName: aws.String("p"), PolicyDocument: aws.String(ghPermissions)}))
	return &fedEnv{env: e, iss: iss}
}

// anonSTS is an STS client without credentials: it can only make the
// calls the model marks noAuth, which the SDK sends unsigned.
func (e *env) anonSTS() *sts.Client {
	return sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(e.ts.URL), Retryer: aws.NopRetryer{},
		HTTPClient: &http.Client{Transport: unsignedOnly{checking{e.t}}}})
}

// unsignedOnly fails a test whose request carries a signature.
type unsignedOnly struct{ next http.RoundTripper }

func (u unsignedOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Authorization") != "" || r.Header.Get("X-Amz-Security-Token") != "" {
		panic("the SDK signed a noAuth call")
	}
	return u.next.RoundTrip(r)
}

func (f *fedEnv) assume(token string, mod ...func(*sts.AssumeRoleWithWebIdentityInput)) (*sts.AssumeRoleWithWebIdentityOutput, error) {
	in := &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String("arn:aws:iam::" + accountA + ":role/deploy"), RoleSessionName: aws.String("gha"), WebIdentityToken: aws.String(token)}
	for _, m := range mod {
		m(in)
	}
	return f.anonSTS().AssumeRoleWithWebIdentity(context.Background(), in)
}

func (f *fedEnv) claims(sub string) map[string]any { return f.iss.Claims(sub, ghAudience, time.Now()) }

// AssumeRoleWithWebIdentity end to end with aws-sdk-go-v2, unsigned as the
// SDK sends it (the botocore model sts/2011-06-15 marks it
// smithy.api#noAuth): the response's shape, then the session's later
// requests carry aws:FederatedProvider and the provider's keys.
func TestWebIdentityEndToEnd(t *testing.T) {
	f := newGitHubEnv(t)
	ctx := context.Background()
	for name, tok := range map[string]string{"RS256": f.iss.Sign(t, f.claims(ghSub)), "ES256": f.iss.SignEC(t, f.claims(ghSub))} {
		t.Run(name, func(t *testing.T) {
			out, err := f.assume(tok, func(in *sts.AssumeRoleWithWebIdentityInput) { in.DurationSeconds = aws.Int32(900) })
			if err != nil {
				t.Fatal(err)
			}
			if *out.SubjectFromWebIdentityToken != ghSub || *out.Provider != ghProvider || *out.Audience != ghAudience ||
				*out.AssumedRoleUser.Arn != "arn:aws:sts::"+accountA+":assumed-role/deploy/gha" || !strings.HasSuffix(*out.AssumedRoleUser.AssumedRoleId, ":gha") {
				t.Fatalf("response: %+v %+v", out, out.AssumedRoleUser)
			}
			if d := time.Until(*out.Credentials.Expiration); d < 14*time.Minute || d > 16*time.Minute {
				t.Fatalf("expiration in %s; want 900 s", d)
			}
			sess := session(out.Credentials)
			id := must[*sts.GetCallerIdentityOutput](t)(f.sts(sess).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
			if *id.Arn != "arn:aws:sts::"+accountA+":assumed-role/deploy/gha" {
				t.Fatalf("caller: %s", *id.Arn)
			}
			must[*iam.ListRolesOutput](t)(f.iam(sess).ListRoles(ctx, &iam.ListRolesInput{}))
			_, err = f.iam(sess).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("deploy")})
			wantError(t, err, "AccessDenied", 403)
		})
	}
}

// Attacks and mistakes, each answered as STS answers them; none issues
// credentials.
func TestWebIdentityRefusals(t *testing.T) {
	f := newGitHubEnv(t)
	now := time.Now()
	good := func() map[string]any { return f.claims(ghSub) }
	with := func(k string, v any) map[string]any {
		c := good()
		c[k] = v
		return c
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	for _, tc := range []struct {
		name, token string
		code        string
		status      int
		msg         string // a prefix of the message
	}{
		{"signed by another key", oidctest.SignWith(t, jose.RS256, other, "rsa-1", good()), "InvalidIdentityToken", 400, "The web identity token's signature could not be verified"},
		{"alg none", oidctest.Unsigned(t, "rsa-1", good()), "InvalidIdentityToken", 400, "The web identity token's signing algorithm is not supported"},
		{"HS256 keyed with the public key", f.iss.HMACWithPublicKey(t, good()), "InvalidIdentityToken", 400, "The web identity token's signing algorithm is not supported"},
		{"another issuer", f.iss.Sign(t, with("iss", "https://evil.example.test")), "InvalidIdentityToken", 400, "No OpenIDConnect provider found in your account for https://evil.example.test"},
		{"the issuer over http", f.iss.Sign(t, with("iss", "http://"+ghHost)), "InvalidIdentityToken", 400, "No OpenIDConnect provider found in your account for http://" + ghHost},
		{"another audience", f.iss.Sign(t, with("aud", "sigstore")), "InvalidIdentityToken", 400, "Incorrect token audience"},
		{"expired", f.iss.Sign(t, with("exp", now.Add(-time.Minute).Unix())), "ExpiredTokenException", 400, "Token expired: current date/time "},
		{"no aud", f.iss.Sign(t, func() map[string]any { c := good(); delete(c, "aud"); return c }()), "InvalidIdentityToken", 400, "Missing a required claim: aud"},
		{"not a JWT", "not.a.jwt", "InvalidIdentityToken", 400, "The web identity token is not a well-formed JWT."},
		{"another repository (the trust policy's sub condition)", f.iss.Sign(t, f.claims("repo:org/other:ref:refs/heads/main")), "AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity"},
		{"a prefix of the repository", f.iss.Sign(t, f.claims("repo:org/repository:ref:refs/heads/main")), "AccessDenied", 403, "Not authorized to perform sts:AssumeRoleWithWebIdentity"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.assume(tc.token)
			if msg := wantError(t, err, tc.code, tc.status); !strings.HasPrefix(msg, tc.msg) {
				t.Fatalf("%q; want %q...", msg, tc.msg)
			}
		})
	}
	// A role that does not exist is refused as one whose trust policy does
	// not let the provider in.
	_, err := f.assume(f.iss.Sign(t, good()), func(in *sts.AssumeRoleWithWebIdentityInput) {
		in.RoleArn = aws.String("arn:aws:iam::" + accountA + ":role/nope")
	})
	if msg := wantError(t, err, "AccessDenied", 403); msg != "Not authorized to perform sts:AssumeRoleWithWebIdentity" {
		t.Fatal(msg)
	}
	// Longer than the role's maximum session.
	_, err = f.assume(f.iss.Sign(t, good()), func(in *sts.AssumeRoleWithWebIdentityInput) { in.DurationSeconds = aws.Int32(7200) })
	wantError(t, err, "ValidationError", 400)
	// A thumbprint that is not the issuer's certificate's: the keys are
	// not fetched, whatever the token.
	c := f.iam(f.admin)
	ctx := context.Background()
	must[*iam.UpdateOpenIDConnectProviderThumbprintOutput](t)(c.UpdateOpenIDConnectProviderThumbprint(ctx, &iam.UpdateOpenIDConnectProviderThumbprintInput{
		OpenIDConnectProviderArn: aws.String(ghProvider), ThumbprintList: []string{strings.Repeat("0", 40)}}))
	_, err = f.assume(f.iss.Sign(t, good()))
	if msg := wantError(t, err, "InvalidIdentityToken", 400); msg != "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint" {
		t.Fatal(msg)
	}
	must[*iam.UpdateOpenIDConnectProviderThumbprintOutput](t)(c.UpdateOpenIDConnectProviderThumbprint(ctx, &iam.UpdateOpenIDConnectProviderThumbprintInput{
		OpenIDConnectProviderArn: aws.String(ghProvider), ThumbprintList: []string{f.iss.Thumbprint()}}))
	must[*sts.AssumeRoleWithWebIdentityOutput](t)(f.assume(f.iss.Sign(t, good())))
	// A provider whose keys cannot be fetched: InvalidIdentityToken with
	// STS's words (awslabs/aws-sdk-rust#827, aws/aws-sdk-php#1725).
	must[*iam.CreateOpenIDConnectProviderOutput](t)(c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String("https://down.example.test"), ClientIDList: []string{ghAudience}, ThumbprintList: []string{f.iss.Thumbprint()}}))
	_, err = f.assume(f.iss.Sign(t, with("iss", "https://down.example.test")))
	if msg := wantError(t, err, "InvalidIdentityToken", 400); msg != "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements" {
		t.Fatal(msg)
	}
	// OAuth 2.0 access tokens (ProviderId) are not verified by iamgate.
	_, err = f.assume(f.iss.Sign(t, good()), func(in *sts.AssumeRoleWithWebIdentityInput) { in.ProviderId = aws.String("graph.facebook.com") })
	wantError(t, err, "InvalidIdentityToken", 400)
	// A deleted provider opens nothing.
	must[*iam.DeleteOpenIDConnectProviderOutput](t)(c.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(ghProvider)}))
	_, err = f.assume(f.iss.Sign(t, good()))
	wantError(t, err, "InvalidIdentityToken", 400)
}

// A provider stays in its account: a role of account A whose trust policy
// names account B's provider is not opened by B's provider's tokens,
// because STS looks the issuer up in the role's account (the IAM User
// Guide, "Create an OpenID Connect (OIDC) identity provider in IAM": the
// provider is an entity of the account).
func TestWebIdentityProviderOfAnotherAccount(t *testing.T) {
	e, b, adminB := twoAccounts(t)
	iss := oidctest.New(t, "idp.b.example.test")
	e.srv.SetFederationDial(iss.Dial)
	ctx := context.Background()
	provB := *must[*iam.CreateOpenIDConnectProviderOutput](t)(e.iam(adminB).CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String(iss.URL), ClientIDList: []string{"app"}, ThumbprintList: []string{iss.Thumbprint()}})).OpenIDConnectProviderArn
	if !strings.Contains(provB, ":"+b+":") {
		t.Fatal(provB)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provB + `"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`
	must[*iam.CreateRoleOutput](t)(e.iam(e.admin).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("trusts-b"), AssumeRolePolicyDocument: aws.String(trust)}))
	tok := iss.Sign(t, iss.Claims("alice", "app", time.Now()))
	_, err := e.anonSTS().AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String("arn:aws:iam::" + accountA + ":role/trusts-b"),
		RoleSessionName: aws.String("x1"), WebIdentityToken: aws.String(tok)})
	if msg := wantError(t, err, "InvalidIdentityToken", 400); msg != "No OpenIDConnect provider found in your account for "+iss.URL {
		t.Fatal(msg)
	}
	// Account A cannot read or change B's provider either.
	_, err = e.iam(e.admin).GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: &provB})
	wantError(t, err, "AccessDenied", 403)
}

// Session tags from the token's https://aws.amazon.com/tags claim need
// sts:TagSession in the trust policy, and become the session's principal
// tags (the IAM User Guide, "Passing session tags using
// AssumeRoleWithWebIdentity").
func TestWebIdentitySessionTags(t *testing.T) {
	f := newGitHubEnv(t)
	ctx := context.Background()
	c := f.claims(ghSub)
	c["https://aws.amazon.com/tags"] = map[string]any{"principal_tags": map[string][]string{"team": {"blue"}}, "transitive_tag_keys": []string{"team"}}
	tok := f.iss.Sign(t, c)
	_, err := f.assume(tok)
	if msg := wantError(t, err, "AccessDenied", 403); msg != "Not authorized to perform sts:TagSession" {
		t.Fatal(msg)
	}
	trust := strings.Replace(ghTrust, `"Action":"sts:AssumeRoleWithWebIdentity"`, `"Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession"]`, 1)
	admin := f.iam(f.admin)
	must[*iam.UpdateAssumeRolePolicyOutput](t)(admin.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("deploy"), PolicyDocument: aws.String(trust)}))
	must[*iam.PutRolePolicyOutput](t)(admin.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("deploy"), PolicyName: aws.String("tagged"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}}]}`)}))
	out := must[*sts.AssumeRoleWithWebIdentityOutput](t)(f.assume(tok))
	must[*iam.ListUsersOutput](t)(f.iam(session(out.Credentials)).ListUsers(ctx, &iam.ListUsersInput{}))
}

// The OIDC provider operations with IAM's rules (the IAM API Reference).
func TestOIDCProviderOperations(t *testing.T) {
	f := newGitHubEnv(t)
	ctx := context.Background()
	c := f.iam(f.admin)
	arn := aws.String(ghProvider)
	_, err := c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("http://insecure.example.test"), ThumbprintList: []string{f.iss.Thumbprint()}})
	wantError(t, err, "InvalidInput", 400)
	_, err = c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://x.example.test/?q=1"), ThumbprintList: []string{f.iss.Thumbprint()}})
	wantError(t, err, "InvalidInput", 400)
	_, err = c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(f.iss.URL), ThumbprintList: []string{f.iss.Thumbprint()}})
	wantError(t, err, "EntityAlreadyExists", 409)
	_, err = c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://x.example.test"), ThumbprintList: []string{"abc"}})
	wantError(t, err, "ValidationError", 400)
	six := []string{}
	for i := 0; i < 6; i++ {
		six = append(six, strings.Repeat(string(rune('a'+i)), 40))
	}
	_, err = c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://x.example.test"), ThumbprintList: six})
	wantError(t, err, "LimitExceeded", 409)

	// Without a thumbprint IAM reads the top certificate's.
	other := oidctest.New(t, "")
	out := must[*iam.CreateOpenIDConnectProviderOutput](t)(c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String(other.URL),
		Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}))
	got := must[*iam.GetOpenIDConnectProviderOutput](t)(c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: out.OpenIDConnectProviderArn}))
	if len(got.ThumbprintList) != 1 || got.ThumbprintList[0] != other.Thumbprint() || *got.Url != strings.TrimPrefix(other.URL, "https://") || len(got.Tags) != 1 {
		t.Fatalf("%+v", got)
	}

	must[*iam.AddClientIDToOpenIDConnectProviderOutput](t)(c.AddClientIDToOpenIDConnectProvider(ctx, &iam.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn, ClientID: aws.String("second")}))
	must[*iam.AddClientIDToOpenIDConnectProviderOutput](t)(c.AddClientIDToOpenIDConnectProvider(ctx, &iam.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn, ClientID: aws.String("second")}))
	must[*iam.RemoveClientIDFromOpenIDConnectProviderOutput](t)(c.RemoveClientIDFromOpenIDConnectProvider(ctx, &iam.RemoveClientIDFromOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn, ClientID: aws.String("never-added")}))
	got = must[*iam.GetOpenIDConnectProviderOutput](t)(c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn}))
	if strings.Join(got.ClientIDList, ",") != ghAudience+",second" || *got.Url != ghHost {
		t.Fatalf("%+v", got)
	}
	// The new client ID is an audience tokens may name.
	tok := f.iss.Sign(t, f.iss.Claims(ghSub, "second", time.Now()))
	trust := strings.Replace(ghTrust, `"StringEquals":{"`+ghHost+`:aud":"`+ghAudience+`"},`, "", 1)
	must[*iam.UpdateAssumeRolePolicyOutput](t)(c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("deploy"), PolicyDocument: aws.String(trust)}))
	res := must[*sts.AssumeRoleWithWebIdentityOutput](t)(f.assume(tok))
	if *res.Audience != "second" {
		t.Fatal(*res.Audience)
	}

	list := must[*iam.ListOpenIDConnectProvidersOutput](t)(c.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{}))
	var arns []string
	for _, p := range list.OpenIDConnectProviderList {
		arns = append(arns, *p.Arn)
	}
	if !sort.StringsAreSorted(arns) || len(arns) != 2 {
		t.Fatalf("%v", arns)
	}
	_, err = c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String("arn:aws:iam::" + accountA + ":oidc-provider/missing.example.test")})
	wantError(t, err, "NoSuchEntity", 404)
	_, err = c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String("arn:aws:iam::" + accountA + ":role/deploy")})
	wantError(t, err, "InvalidInput", 400)
	_, err = c.AddClientIDToOpenIDConnectProvider(ctx, &iam.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String("arn:aws:iam::" + accountA + ":oidc-provider/missing.example.test"), ClientID: aws.String("x")})
	wantError(t, err, "NoSuchEntity", 404)
	// Deleting one that is not there succeeds (IAM: idempotent).
	must[*iam.DeleteOpenIDConnectProviderOutput](t)(c.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String("arn:aws:iam::" + accountA + ":oidc-provider/missing.example.test")}))
}

// Only AssumeRoleWithWebIdentity and AssumeRoleWithSAML are served without
// a signature: every other IAM and STS operation, unsigned, is
// MissingAuthenticationToken (the botocore models: only those two are
// smithy.api#noAuth).
func TestUnsignedRequestsRefused(t *testing.T) {
	e := newEnv(t)
	for _, svc := range []struct {
		version string
		model   string
	}{{"2010-05-08", "iam/2010-05-08"}, {"2011-06-15", "sts/2011-06-15"}} {
		m := cachedModel(t, svc.model)
		ops := make([]string, 0, len(m.Operations))
		for op := range m.Operations {
			ops = append(ops, op)
		}
		sort.Strings(ops)
		for _, op := range ops {
			if op == "AssumeRoleWithWebIdentity" || op == "AssumeRoleWithSAML" {
				continue
			}
			form := url.Values{"Action": {op}, "Version": {svc.version}}
			r, _ := http.NewRequest(http.MethodPost, e.ts.URL, strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			status, er := do(t, r)
			if status != 403 || er.Error.Code != "MissingAuthenticationToken" {
				t.Errorf("unsigned %s: %d %s", op, status, er.Error.Code)
			}
		}
	}
	// Without the Version, the noAuth operation is not recognized either.
	r, _ := http.NewRequest(http.MethodPost, e.ts.URL, strings.NewReader("Action=AssumeRoleWithWebIdentity"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if status, er := do(t, r); status != 403 || er.Error.Code != "MissingAuthenticationToken" {
		t.Errorf("without Version: %d %s", status, er.Error.Code)
	}
}

// exerciseFederation runs every OIDC provider operation and
// AssumeRoleWithWebIdentity once, for
// TestEveryServedOperationThroughTheSDK.
func exerciseFederation(t *testing.T, e *env) {
	t.Helper()
	f := withGitHub(t, e)
	ctx := context.Background()
	c := f.iam(f.admin)
	arn := aws.String(ghProvider)
	must[*iam.ListOpenIDConnectProvidersOutput](t)(c.ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{}))
	must[*iam.GetOpenIDConnectProviderOutput](t)(c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn}))
	must[*iam.AddClientIDToOpenIDConnectProviderOutput](t)(c.AddClientIDToOpenIDConnectProvider(ctx, &iam.AddClientIDToOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn, ClientID: aws.String("x")}))
	must[*iam.RemoveClientIDFromOpenIDConnectProviderOutput](t)(c.RemoveClientIDFromOpenIDConnectProvider(ctx, &iam.RemoveClientIDFromOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn, ClientID: aws.String("x")}))
	must[*iam.UpdateOpenIDConnectProviderThumbprintOutput](t)(c.UpdateOpenIDConnectProviderThumbprint(ctx, &iam.UpdateOpenIDConnectProviderThumbprintInput{OpenIDConnectProviderArn: arn, ThumbprintList: []string{f.iss.Thumbprint()}}))
	must[*iam.TagOpenIDConnectProviderOutput](t)(c.TagOpenIDConnectProvider(ctx, &iam.TagOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn, Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}))
	must[*iam.ListOpenIDConnectProviderTagsOutput](t)(c.ListOpenIDConnectProviderTags(ctx, &iam.ListOpenIDConnectProviderTagsInput{OpenIDConnectProviderArn: arn}))
	must[*iam.UntagOpenIDConnectProviderOutput](t)(c.UntagOpenIDConnectProvider(ctx, &iam.UntagOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn, TagKeys: []string{"k"}}))
	must[*sts.AssumeRoleWithWebIdentityOutput](t)(f.assume(f.iss.Sign(t, f.claims(ghSub))))
	must[*iam.DeleteRolePolicyOutput](t)(c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("deploy"), PolicyName: aws.String("p")}))
	must[*iam.DeleteRoleOutput](t)(c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("deploy")}))
	must[*iam.DeleteOpenIDConnectProviderOutput](t)(c.DeleteOpenIDConnectProvider(ctx, &iam.DeleteOpenIDConnectProviderInput{OpenIDConnectProviderArn: arn}))
}

// federationScriptEnv starts a loopback OIDC issuer and a SAML IdP for a
// client script and gives it what it needs: the issuer, its thumbprint,
// tokens and SAML responses signed here.
func federationScriptEnv(t *testing.T) func(e *env) []string {
	iss := oidctest.New(t, ghHost)
	idp := samltest.New(t, "https://idp.example.test/saml")
	now := time.Now()
	expired := iss.Claims(ghSub, ghAudience, now.Add(-2*time.Hour))
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	saml := "arn:aws:iam::" + accountA + ":saml-provider/corp"
	tampered := idp.ResponseElement(t, idp.Good("alice", "arn:aws:iam::"+accountA+":role/sso", saml), samltest.SignAssertion)
	samltest.ReplaceNameID(tampered, "admin")
	return func(e *env) []string {
		e.srv.SetFederationDial(iss.Dial)
		return []string{
			"IAMGATE_OIDC_ISSUER=" + iss.URL,
			"IAMGATE_OIDC_THUMBPRINT=" + iss.Thumbprint(),
			"IAMGATE_OIDC_TOKEN=" + iss.Sign(t, iss.Claims(ghSub, ghAudience, now)),
			"IAMGATE_OIDC_TOKEN_OTHER_REPO=" + iss.Sign(t, iss.Claims("repo:org/other:ref:refs/heads/main", ghAudience, now)),
			"IAMGATE_OIDC_TOKEN_EXPIRED=" + iss.Sign(t, expired),
			"IAMGATE_OIDC_TOKEN_FORGED=" + oidctest.SignWith(t, jose.RS256, other, "rsa-1", iss.Claims(ghSub, ghAudience, now)),
			"IAMGATE_SAML_METADATA=" + idp.Metadata(),
			"IAMGATE_SAML_RESPONSE=" + idp.Response(t, idp.Good("alice", "arn:aws:iam::"+accountA+":role/sso", saml), samltest.SignAssertion),
			"IAMGATE_SAML_TAMPERED=" + samltest.Encode(t, tampered),
		}
	}
}

// TestAWSCLIFederation: OIDC and SAML federation with the aws CLI, the
// AssumeRoleWith* calls unsigned (testdata/e2e/cli-federation.sh).
func TestAWSCLIFederation(t *testing.T) {
	script, _ := filepath.Abs("testdata/e2e/cli-federation.sh")
	runClientWith(t, federationScriptEnv(t), "aws", "bash", script)
}

// TestBoto3Federation: the OIDC provider and AssumeRoleWithWebIdentity
// with boto3, unsigned as boto3 sends it, against a loopback issuer whose
// tokens this test signs (testdata/e2e/boto3_federation.py).
func TestBoto3Federation(t *testing.T) {
	script, _ := filepath.Abs("testdata/e2e/boto3_federation.py")
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		needClients(t, "boto3 is not installed: %v", err)
	}
	runClientWith(t, federationScriptEnv(t), "python3", "python3", script)
}
