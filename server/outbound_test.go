package server_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	jose "github.com/go-jose/go-jose/v4"

	"github.com/iamgate/iamgate/server"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/postgres"
	"github.com/iamgate/iamgate/store/sqlite"
	"github.com/iamgate/iamgate/store/storetest"
)

// Outbound web identity federation. Sources: the IAM API Reference,
// EnableOutboundWebIdentityFederation (FeatureEnabled, 409),
// DisableOutboundWebIdentityFederation and
// GetOutboundWebIdentityFederationInfo (FeatureDisabled, 404); the STS API
// Reference, GetWebIdentityToken (OutboundWebIdentityFederationDisabled
// and SessionDurationEscalation, 403; DurationSeconds 60 to 3,600, 300 by
// default); the IAM User Guide, "Getting started with outbound identity
// federation", "Understanding token claims" and "Controlling access with
// IAM policies"; the botocore models iam/2010-05-08 and sts/2011-06-15.

// enableOutbound enables the feature in the caller's account and returns
// the issuer.
func enableOutbound(t *testing.T, e *env, c aws.Credentials) string {
	t.Helper()
	out := must[*iam.EnableOutboundWebIdentityFederationOutput](t)(e.iam(c).EnableOutboundWebIdentityFederation(context.Background(), &iam.EnableOutboundWebIdentityFederationInput{}))
	return *out.IssuerIdentifier
}

// fetch GETs a URL without credentials and returns the status and body.
func fetch(t *testing.T, url string) (int, []byte) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, body
}

// discover reads an issuer's discovery document and, through its jwks_uri,
// its keys, over HTTP and unauthenticated as an external service does.
func discover(t *testing.T, issuer string) jose.JSONWebKeySet {
	t.Helper()
	status, body := fetch(t, issuer+"/.well-known/openid-configuration")
	if status != 200 {
		t.Fatalf("openid-configuration: %d %s", status, body)
	}
	var conf struct {
		Issuer  string   `json:"issuer"`
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := json.Unmarshal(body, &conf); err != nil {
		t.Fatal(err)
	}
	if conf.Issuer != issuer || conf.JWKSURI != issuer+"/.well-known/jwks.json" || !slices.Equal(conf.Algs, []string{"RS256", "ES384"}) {
		t.Fatalf("openid-configuration: %s", body)
	}
	status, body = fetch(t, conf.JWKSURI)
	if status != 200 {
		t.Fatalf("jwks.json: %d %s", status, body)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatalf("jwks.json: %v: %s", err, body)
	}
	if len(set.Keys) != 2 {
		t.Fatalf("jwks.json: %s", body)
	}
	for _, k := range set.Keys {
		if !k.IsPublic() || !k.Valid() || k.Use != "sig" || k.KeyID == "" {
			t.Fatalf("jwks.json key %+v", k)
		}
	}
	return set
}

// verifyToken verifies a token's signature with the key set (by its kid)
// and returns its claims.
func verifyToken(t *testing.T, token string, alg jose.SignatureAlgorithm, set jose.JSONWebKeySet) (map[string]any, error) {
	t.Helper()
	jws, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{alg})
	if err != nil {
		t.Fatalf("not a JWS: %v", err)
	}
	h := jws.Signatures[0].Header
	if h.Algorithm != string(alg) || h.ExtraHeaders["typ"] != "JWT" {
		t.Fatalf("header: %+v", h)
	}
	keys := set.Key(h.KeyID)
	if len(keys) != 1 {
		return nil, errNoKey
	}
	payload, err := jws.Verify(keys[0])
	if err != nil {
		return nil, err
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims, nil
}

type keyError string

func (e keyError) Error() string { return string(e) }

const errNoKey = keyError("no key with the token's kid")

// The feature's lifecycle: off by default (FeatureDisabled from Get and
// Disable, no discovery documents), Enable answers the issuer (then
// FeatureEnabled), Disable stops tokens and the documents, and a second
// Enable keeps the issuer and the keys. The issuer is the server's URL,
// /outbound/ and the account ID (iamgate's choice, README).
func TestOutboundFederationLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	st := e.sts(e.admin)
	issuer := e.ts.URL + "/outbound/" + accountA
	disabled := func() {
		t.Helper()
		_, err := c.GetOutboundWebIdentityFederationInfo(ctx, &iam.GetOutboundWebIdentityFederationInfoInput{})
		if msg := wantError(t, err, "FeatureDisabled", 404); msg != "Outbound web identity federation is not enabled for this account." {
			t.Fatalf("message: %q", msg)
		}
		for _, doc := range []string{"/.well-known/openid-configuration", "/.well-known/jwks.json"} {
			if status, body := fetch(t, issuer+doc); status != 404 {
				t.Fatalf("%s while disabled: %d %s", doc, status, body)
			}
		}
		_, err = st.GetWebIdentityToken(ctx, &sts.GetWebIdentityTokenInput{Audience: []string{"https://api.example.test"}, SigningAlgorithm: aws.String("RS256")})
		if msg := wantError(t, err, "OutboundWebIdentityFederationDisabledException", 403); !strings.HasPrefix(msg, "The outbound web identity federation feature is not enabled for this account.") {
			t.Fatalf("message: %q", msg)
		}
	}
	disabled()
	_, err := c.DisableOutboundWebIdentityFederation(ctx, &iam.DisableOutboundWebIdentityFederationInput{})
	wantError(t, err, "FeatureDisabled", 404)

	if got := enableOutbound(t, e, e.admin); got != issuer {
		t.Fatalf("issuer %s, want %s", got, issuer)
	}
	_, err = c.EnableOutboundWebIdentityFederation(ctx, &iam.EnableOutboundWebIdentityFederationInput{})
	if msg := wantError(t, err, "FeatureEnabled", 409); msg != "Outbound web identity federation is already enabled for this account." {
		t.Fatalf("message: %q", msg)
	}
	info := must[*iam.GetOutboundWebIdentityFederationInfoOutput](t)(c.GetOutboundWebIdentityFederationInfo(ctx, &iam.GetOutboundWebIdentityFederationInfoInput{}))
	if *info.IssuerIdentifier != issuer || !info.JwtVendingEnabled {
		t.Fatalf("info: %s %v", *info.IssuerIdentifier, info.JwtVendingEnabled)
	}
	keys := discover(t, issuer)
	tok := must[*sts.GetWebIdentityTokenOutput](t)(st.GetWebIdentityToken(ctx, &sts.GetWebIdentityTokenInput{Audience: []string{"https://api.example.test"}, SigningAlgorithm: aws.String("RS256")}))

	must[*iam.DisableOutboundWebIdentityFederationOutput](t)(c.DisableOutboundWebIdentityFederation(ctx, &iam.DisableOutboundWebIdentityFederationInput{}))
	disabled()

	if got := enableOutbound(t, e, e.admin); got != issuer {
		t.Fatalf("issuer after a second Enable %s, want %s", got, issuer)
	}
	again := discover(t, issuer)
	if len(again.Keys) != len(keys.Keys) || again.Keys[0].KeyID != keys.Keys[0].KeyID || again.Keys[1].KeyID != keys.Keys[1].KeyID {
		t.Fatalf("the keys changed: %v, %v", keys, again)
	}
	// A token issued before the feature was disabled still verifies
	// (DisableOutboundWebIdentityFederation: "This operation does not
	// affect tokens that were issued before the feature was disabled").
	if _, err := verifyToken(t, *tok.WebIdentityToken, jose.RS256, again); err != nil {
		t.Fatal(err)
	}

	// The private keys are sealed in the store: what is stored in the
	// clear is the public JWK, and the sealed bytes are no PKCS #8 key.
	items, _, err := e.st.List(ctx, server.KindOutboundKey, accountA, "", 0)
	if err != nil || len(items) != 2 {
		t.Fatalf("stored keys: %d %v", len(items), err)
	}
	for _, it := range items {
		var sk struct {
			JWK    map[string]any `json:"jwk"`
			Sealed []byte         `json:"sealedKey"`
		}
		if err := json.Unmarshal(it.Data, &sk); err != nil {
			t.Fatal(err)
		}
		if _, private := sk.JWK["d"]; private || len(sk.Sealed) == 0 {
			t.Fatalf("stored key %s: %s", it.Name, it.Data)
		}
		if _, err := x509.ParsePKCS8PrivateKey(sk.Sealed); err == nil {
			t.Fatalf("stored key %s is in the clear", it.Name)
		}
	}

	// The flag, the issuer and the keys are in the store: a second server
	// on it serves the same.
	e2 := startEnv(t, e.st)
	info = must[*iam.GetOutboundWebIdentityFederationInfoOutput](t)(e2.iam(e.admin).GetOutboundWebIdentityFederationInfo(ctx, &iam.GetOutboundWebIdentityFederationInfoInput{}))
	if *info.IssuerIdentifier != issuer {
		t.Fatalf("issuer after a restart: %s", *info.IssuerIdentifier)
	}
	status, body := fetch(t, e2.ts.URL+"/outbound/"+accountA+"/.well-known/openid-configuration")
	if status != 200 || !strings.Contains(string(body), `"issuer":"`+issuer+`"`) {
		t.Fatalf("openid-configuration after a restart: %d %s", status, body)
	}
	status, body = fetch(t, e2.ts.URL+"/outbound/"+accountA+"/.well-known/jwks.json")
	var restarted jose.JSONWebKeySet
	if status != 200 || json.Unmarshal(body, &restarted) != nil {
		t.Fatalf("jwks.json after a restart: %d %s", status, body)
	}
	if _, err := verifyToken(t, *tok.WebIdentityToken, jose.RS256, restarted); err != nil {
		t.Fatalf("after a restart: %v", err)
	}
}

// The discovery documents are public, for GET and HEAD; anything else
// under /outbound/, or an account that is not there, is 404.
func TestOutboundDiscoveryPaths(t *testing.T) {
	e := newEnv(t)
	issuer := enableOutbound(t, e, e.admin)
	for _, p := range []string{"/outbound/", "/outbound/" + accountA, "/outbound/" + accountA + "/.well-known/", "/outbound/" + accountA + "/.well-known/other",
		"/outbound/999999999999/.well-known/jwks.json", "/outbound/../.well-known/jwks.json", "/outbound/" + accountA + "/.well-known/jwks.json/x"} {
		if status, body := fetch(t, e.ts.URL+p); status != 404 {
			t.Errorf("%s: %d %s", p, status, body)
		}
	}
	res, err := http.Post(issuer+"/.well-known/jwks.json", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 405 || res.Header.Get("Allow") != "GET, HEAD" {
		t.Fatalf("POST: %d %v", res.StatusCode, res.Header)
	}
	res, err = http.Head(issuer + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("HEAD: %d %v", res.StatusCode, res.Header)
	}
}

// A token verifies end to end with the keys the issuer publishes, for both
// algorithms, and carries the claims the User Guide lists
// ("Understanding token claims"): iss, sub (the user's ARN; for a role
// session the role's), aud (one audience as a string, several as a list),
// iat, exp (iat + DurationSeconds, the response's Expiration), jti, and
// under https://sts.amazonaws.com/ aws_account, source_region,
// principal_id, principal_tags and request_tags.
func TestGetWebIdentityTokenVerifiesWithTheIssuersKeys(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	issuer := enableOutbound(t, e, e.admin)
	keys := discover(t, issuer)
	user := e.newUser("builder", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:GetWebIdentityToken","sts:TagGetWebIdentityToken"],"Resource":"*"}]}`,
		iamtypes.Tag{Key: aws.String("team"), Value: aws.String("data")})
	for _, alg := range []jose.SignatureAlgorithm{jose.RS256, jose.ES384} {
		t.Run(string(alg), func(t *testing.T) {
			before := time.Now().Unix()
			out := must[*sts.GetWebIdentityTokenOutput](t)(e.sts(user).GetWebIdentityToken(ctx, &sts.GetWebIdentityTokenInput{
				Audience: []string{"https://api.example.test", "https://other.example.test"}, DurationSeconds: aws.Int32(600),
				SigningAlgorithm: aws.String(string(alg)), Tags: []ststypes.Tag{{Key: aws.String("job"), Value: aws.String("nightly")}}}))
			claims, err := verifyToken(t, *out.WebIdentityToken, alg, keys)
			if err != nil {
				t.Fatal(err)
			}
			iat, exp := int64(claims["iat"].(float64)), int64(claims["exp"].(float64))
			if claims["iss"] != issuer || claims["sub"] != "arn:aws:iam::"+accountA+":user/builder" || iat < before-1 || iat > time.Now().Unix()+1 ||
				exp != iat+600 || out.Expiration.Unix() != exp || claims["jti"] == "" {
				t.Fatalf("claims: %v (expiration %v)", claims, out.Expiration)
			}
			if aud, _ := claims["aud"].([]any); len(aud) != 2 || aud[0] != "https://api.example.test" || aud[1] != "https://other.example.test" {
				t.Fatalf("aud: %v", claims["aud"])
			}
			ns, _ := claims["https://sts.amazonaws.com/"].(map[string]any)
			ptags, _ := ns["principal_tags"].(map[string]any)
			rtags, _ := ns["request_tags"].(map[string]any)
			if ns["aws_account"] != accountA || ns["source_region"] != "eu-central-1" || ns["principal_id"] != "arn:aws:iam::"+accountA+":user/builder" ||
				ptags["team"] != "data" || rtags["job"] != "nightly" {
				t.Fatalf("AWS claims: %v", ns)
			}
		})
	}

	// Two tokens never share a jti; one audience is a string; a role
	// session's subject is the role; 300 seconds by default.
	must[*iam.CreateRoleOutput](t)(e.iam(e.admin).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Worker"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	must[*iam.PutRolePolicyOutput](t)(e.iam(e.admin).PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("Worker"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetWebIdentityToken","Resource":"*"}]}`)}))
	role := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + accountA + ":role/Worker"), RoleSessionName: aws.String("worker")}))
	var jtis []any
	for range 2 {
		out := must[*sts.GetWebIdentityTokenOutput](t)(e.sts(session(role.Credentials)).GetWebIdentityToken(ctx, &sts.GetWebIdentityTokenInput{
			Audience: []string{"https://api.example.test"}, SigningAlgorithm: aws.String("ES384")}))
		claims, err := verifyToken(t, *out.WebIdentityToken, jose.ES384, keys)
		if err != nil {
			t.Fatal(err)
		}
		if claims["sub"] != "arn:aws:iam::"+accountA+":role/Worker" || claims["aud"] != "https://api.example.test" ||
			int64(claims["exp"].(float64))-int64(claims["iat"].(float64)) != 300 {
			t.Fatalf("role session claims: %v", claims)
		}
		jtis = append(jtis, claims["jti"])
	}
	if jtis[0] == jtis[1] {
		t.Fatalf("two tokens with jti %v", jtis[0])
	}
}

// A token of one account does not verify with another account's keys:
// each account has its own issuer and signing keys.
func TestGetWebIdentityTokenOtherAccountsKeysDoNotVerify(t *testing.T) {
	e, b, adminB := twoAccounts(t)
	ctx := context.Background()
	issuerA := enableOutbound(t, e, e.admin)
	issuerB := enableOutbound(t, e, adminB)
	if issuerB != e.ts.URL+"/outbound/"+b || issuerA == issuerB {
		t.Fatalf("issuers %s, %s", issuerA, issuerB)
	}
	keysA, keysB := discover(t, issuerA), discover(t, issuerB)
	for _, alg := range []jose.SignatureAlgorithm{jose.RS256, jose.ES384} {
		out := must[*sts.GetWebIdentityTokenOutput](t)(e.sts(e.admin).GetWebIdentityToken(ctx, &sts.GetWebIdentityTokenInput{
			Audience: []string{"https://api.example.test"}, SigningAlgorithm: aws.String(string(alg))}))
		if _, err := verifyToken(t, *out.WebIdentityToken, alg, keysA); err != nil {
			t.Fatalf("%s with A's keys: %v", alg, err)
		}
		if _, err := verifyToken(t, *out.WebIdentityToken, alg, keysB); err == nil {
			t.Fatalf("%s: A's token verifies with B's keys", alg)
		}
		// Even forced onto B's key of the same algorithm.
		jws, _ := jose.ParseSigned(*out.WebIdentityToken, []jose.SignatureAlgorithm{alg})
		for _, k := range keysB.Keys {
			if k.Algorithm == string(alg) {
				if _, err := jws.Verify(k); err == nil {
					t.Fatalf("%s: A's token verifies with B's key %s", alg, k.KeyID)
				}
			}
		}
	}
	// B's session gets a token naming B.
	defer func() {
		// Once B is closed (Organizations CloseAccount), its issuer
		// publishes nothing.
		must[*organizations.CloseAccountOutput](t)(e.org(e.admin).CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: &b}))
		if status, body := fetch(t, issuerB+"/.well-known/jwks.json"); status != 404 {
			t.Fatalf("a closed account's keys: %d %s", status, body)
		}
		discover(t, issuerA)
	}()
	// B's administrator changes only B: A stays enabled.
	must[*iam.DisableOutboundWebIdentityFederationOutput](t)(e.iam(adminB).DisableOutboundWebIdentityFederation(ctx, &iam.DisableOutboundWebIdentityFederationInput{}))
	if status, _ := fetch(t, issuerB+"/.well-known/jwks.json"); status != 404 {
		t.Fatalf("B's keys after B's Disable: %d", status)
	}
	discover(t, issuerA)
	must[*iam.GetOutboundWebIdentityFederationInfoOutput](t)(e.iam(e.admin).GetOutboundWebIdentityFederationInfo(ctx, &iam.GetOutboundWebIdentityFederationInfoInput{}))
	if got := enableOutbound(t, e, adminB); got != issuerB {
		t.Fatalf("B's issuer after a second Enable: %s", got)
	}
	out := must[*sts.GetWebIdentityTokenOutput](t)(e.sts(adminB).GetWebIdentityToken(ctx, &sts.GetWebIdentityTokenInput{
		Audience: []string{"https://api.example.test"}, SigningAlgorithm: aws.String("RS256")}))
	claims, err := verifyToken(t, *out.WebIdentityToken, jose.RS256, keysB)
	if err != nil {
		t.Fatal(err)
	}
	if claims["iss"] != issuerB || claims["sub"] != "arn:aws:iam::"+b+":role/OrganizationAccountAccessRole" {
		t.Fatalf("B's claims: %v", claims)
	}
	if ns, _ := claims["https://sts.amazonaws.com/"].(map[string]any); ns["aws_account"] != b || ns["org_id"] == nil || !strings.HasSuffix(ns["ou_path"].(string), "/") {
		t.Fatalf("B's AWS claims: %v", ns)
	}
}

// Authorization comes first: a caller without sts:GetWebIdentityToken gets
// AccessDenied and no token, whether or not the feature is enabled; the
// condition keys sts:IdentityTokenAudience, sts:DurationSeconds and
// sts:SigningAlgorithm decide (the policy of the User Guide's "Controlling
// access with IAM policies"), and Tags need sts:TagGetWebIdentityToken.
// IAM's Enable, Disable and Get are authorized likewise, and a denied
// Enable changes nothing.
func TestGetWebIdentityTokenAuthorization(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	nobody := e.newUser("nobody", "")
	_, err := e.iam(nobody).EnableOutboundWebIdentityFederation(ctx, &iam.EnableOutboundWebIdentityFederationInput{})
	if msg := wantError(t, err, "AccessDenied", 403); msg != "User: arn:aws:iam::"+accountA+":user/nobody is not authorized to perform: iam:EnableOutboundWebIdentityFederation on resource: * because no identity-based policy allows the iam:EnableOutboundWebIdentityFederation action" {
		t.Fatalf("message: %q", msg)
	}
	_, err = e.iam(e.admin).GetOutboundWebIdentityFederationInfo(ctx, &iam.GetOutboundWebIdentityFederationInfoInput{})
	wantError(t, err, "FeatureDisabled", 404) // the denied Enable changed nothing
	req := func(aud string, d int32, alg string) *sts.GetWebIdentityTokenInput {
		return &sts.GetWebIdentityTokenInput{Audience: []string{aud}, DurationSeconds: aws.Int32(d), SigningAlgorithm: aws.String(alg)}
	}
	// Denied before the feature's state shows.
	out, err := e.sts(nobody).GetWebIdentityToken(ctx, req("https://api.example.test", 300, "RS256"))
	wantError(t, err, "AccessDenied", 403)
	if out != nil {
		t.Fatal("a token for a denied caller")
	}
	enableOutbound(t, e, e.admin)
	for _, op := range []func() error{
		func() error {
			_, err := e.iam(nobody).GetOutboundWebIdentityFederationInfo(ctx, &iam.GetOutboundWebIdentityFederationInfoInput{})
			return err
		},
		func() error {
			_, err := e.iam(nobody).DisableOutboundWebIdentityFederation(ctx, &iam.DisableOutboundWebIdentityFederationInput{})
			return err
		},
	} {
		wantError(t, op(), "AccessDenied", 403)
	}
	out, err = e.sts(nobody).GetWebIdentityToken(ctx, req("https://api.example.test", 300, "RS256"))
	if msg := wantError(t, err, "AccessDenied", 403); msg != "User: arn:aws:iam::"+accountA+":user/nobody is not authorized to perform: sts:GetWebIdentityToken on resource: * because no identity-based policy allows the sts:GetWebIdentityToken action" {
		t.Fatalf("message: %q", msg)
	}
	if out != nil {
		t.Fatal("a token for a denied caller")
	}
	must[*iam.GetOutboundWebIdentityFederationInfoOutput](t)(e.iam(e.admin).GetOutboundWebIdentityFederationInfo(ctx, &iam.GetOutboundWebIdentityFederationInfoInput{}))

	scoped := e.newUser("scoped", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetWebIdentityToken","Resource":"*",
		"Condition":{"ForAllValues:StringEquals":{"sts:IdentityTokenAudience":["https://api.example.test","https://b.example.test"]},
			"NumericLessThanEquals":{"sts:DurationSeconds":"300"},"StringEquals":{"sts:SigningAlgorithm":"ES384"}}}]}`)
	must[*sts.GetWebIdentityTokenOutput](t)(e.sts(scoped).GetWebIdentityToken(ctx, req("https://api.example.test", 300, "ES384")))
	must[*sts.GetWebIdentityTokenOutput](t)(e.sts(scoped).GetWebIdentityToken(ctx, &sts.GetWebIdentityTokenInput{
		Audience: []string{"https://api.example.test", "https://b.example.test"}, SigningAlgorithm: aws.String("ES384")})) // 300 by default
	for name, in := range map[string]*sts.GetWebIdentityTokenInput{
		"another audience":  req("https://evil.example.test", 300, "ES384"),
		"one more audience": {Audience: []string{"https://api.example.test", "https://evil.example.test"}, SigningAlgorithm: aws.String("ES384")},
		"longer":            req("https://api.example.test", 301, "ES384"),
		"RS256":             req("https://api.example.test", 300, "RS256"),
		"tags":              {Audience: []string{"https://api.example.test"}, SigningAlgorithm: aws.String("ES384"), Tags: []ststypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}},
	} {
		out, err := e.sts(scoped).GetWebIdentityToken(ctx, in)
		msg := wantError(t, err, "AccessDenied", 403)
		if out != nil {
			t.Fatalf("%s: a token", name)
		}
		if name == "tags" && !strings.Contains(msg, "sts:TagGetWebIdentityToken") {
			t.Fatalf("%s: %q", name, msg)
		}
	}
	// An explicit deny on a request tag holds.
	tagger := e.newUser("tagger", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["sts:GetWebIdentityToken","sts:TagGetWebIdentityToken"],"Resource":"*"},
		{"Effect":"Deny","Action":"sts:GetWebIdentityToken","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/env":"prod"}}}]}`)
	tagged := func(v string) *sts.GetWebIdentityTokenInput {
		return &sts.GetWebIdentityTokenInput{Audience: []string{"a"}, SigningAlgorithm: aws.String("RS256"), Tags: []ststypes.Tag{{Key: aws.String("env"), Value: aws.String(v)}}}
	}
	must[*sts.GetWebIdentityTokenOutput](t)(e.sts(tagger).GetWebIdentityToken(ctx, tagged("dev")))
	_, err = e.sts(tagger).GetWebIdentityToken(ctx, tagged("prod"))
	contains(t, wantError(t, err, "AccessDenied", 403), "with an explicit deny in an identity-based policy")

	// GetSessionToken's credentials call no STS operation but AssumeRole
	// and GetCallerIdentity (the STS API Reference, GetSessionToken).
	sess := must[*sts.GetSessionTokenOutput](t)(e.sts(e.admin).GetSessionToken(ctx, &sts.GetSessionTokenInput{}))
	out, err = e.sts(session(sess.Credentials)).GetWebIdentityToken(ctx, req("https://api.example.test", 300, "RS256"))
	if msg := wantError(t, err, "AccessDenied", 403); msg != "Cannot call GetWebIdentityToken with session credentials" || out != nil {
		t.Fatalf("message: %q", msg)
	}
}

// Bad input is refused with the model's validation messages (botocore
// sts/2011-06-15: webIdentityTokenDurationSecondsType 60 to 3,600,
// webIdentityTokenAudienceListType 1 to 10, jwtAlgorithmType 5
// characters), and a SigningAlgorithm other than RS256 and ES384 too (the
// STS API Reference: "Valid values are RS256 ... and ES384"); a session
// may not get a token that outlives it (SessionDurationEscalation).
func TestGetWebIdentityTokenInput(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	enableOutbound(t, e, e.admin)
	st := e.sts(e.admin)
	for _, tc := range []struct {
		in  *sts.GetWebIdentityTokenInput
		msg string
	}{
		{&sts.GetWebIdentityTokenInput{Audience: []string{"a"}, DurationSeconds: aws.Int32(59), SigningAlgorithm: aws.String("RS256")},
			"1 validation error detected: Value '59' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60"},
		{&sts.GetWebIdentityTokenInput{Audience: []string{"a"}, DurationSeconds: aws.Int32(3601), SigningAlgorithm: aws.String("RS256")},
			"1 validation error detected: Value '3601' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 3600"},
		{&sts.GetWebIdentityTokenInput{Audience: []string{"a"}, SigningAlgorithm: aws.String("HS256")},
			"1 validation error detected: Value 'HS256' at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RS256, ES384]"},
		{&sts.GetWebIdentityTokenInput{Audience: []string{"a"}, SigningAlgorithm: aws.String("RS2560")},
			"1 validation error detected: Value 'RS2560' at 'signingAlgorithm' failed to satisfy constraint: Member must have length less than or equal to 5"},
		{&sts.GetWebIdentityTokenInput{Audience: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"}, SigningAlgorithm: aws.String("RS256")},
			"1 validation error detected: Value at 'audience' failed to satisfy constraint: Member must have length less than or equal to 10"},
	} {
		out, err := st.GetWebIdentityToken(ctx, tc.in)
		if msg := wantError(t, err, "ValidationError", 400); msg != tc.msg {
			t.Errorf("message %q\n want %q", msg, tc.msg)
		}
		if out != nil {
			t.Fatal("a token for bad input")
		}
	}
	must[*sts.GetWebIdentityTokenOutput](t)(st.GetWebIdentityToken(ctx, &sts.GetWebIdentityTokenInput{Audience: []string{"a"}, DurationSeconds: aws.Int32(3600), SigningAlgorithm: aws.String("RS256")}))

	must[*iam.CreateRoleOutput](t)(e.iam(e.admin).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Short"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	must[*iam.AttachRolePolicyOutput](t)(e.iam(e.admin).AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("Short"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")}))
	short := must[*sts.AssumeRoleOutput](t)(st.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + accountA + ":role/Short"), RoleSessionName: aws.String("short"), DurationSeconds: aws.Int32(900)}))
	_, err := e.sts(session(short.Credentials)).GetWebIdentityToken(ctx, &sts.GetWebIdentityTokenInput{Audience: []string{"a"}, DurationSeconds: aws.Int32(3600), SigningAlgorithm: aws.String("RS256")})
	if msg := wantError(t, err, "SessionDurationEscalationException", 403); msg != "The requested token duration would extend the session beyond its original expiration time." {
		t.Fatalf("message: %q", msg)
	}
	must[*sts.GetWebIdentityTokenOutput](t)(e.sts(session(short.Credentials)).GetWebIdentityToken(ctx, &sts.GetWebIdentityTokenInput{Audience: []string{"a"}, DurationSeconds: aws.Int32(600), SigningAlgorithm: aws.String("RS256")}))
}

// With a configured public URL (serve --public-url) the issuer is under it,
// whatever Host a request names; the discovery documents name that issuer.
// A public URL that is not scheme://host[:port] is refused at start.
func TestOutboundIssuerUnderThePublicURL(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "iamgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := startEnvWith(t, st, func(c *server.Config) { c.PublicURL = "https://iam.example.test/" })
	issuer := enableOutbound(t, e, e.admin)
	if issuer != "https://iam.example.test/outbound/"+accountA {
		t.Fatalf("issuer %s", issuer)
	}
	out := must[*sts.GetWebIdentityTokenOutput](t)(e.sts(e.admin).GetWebIdentityToken(context.Background(), &sts.GetWebIdentityTokenInput{
		Audience: []string{"a"}, SigningAlgorithm: aws.String("ES384")}))
	status, body := fetch(t, e.ts.URL+"/outbound/"+accountA+"/.well-known/jwks.json")
	var set jose.JSONWebKeySet
	if status != 200 || json.Unmarshal(body, &set) != nil {
		t.Fatalf("jwks.json: %d %s", status, body)
	}
	claims, err := verifyToken(t, *out.WebIdentityToken, jose.ES384, set)
	if err != nil || claims["iss"] != issuer {
		t.Fatalf("claims %v, %v", claims, err)
	}
	if status, body := fetch(t, e.ts.URL+"/outbound/"+accountA+"/.well-known/openid-configuration"); status != 200 || !strings.Contains(string(body), `"jwks_uri":"`+issuer+`/.well-known/jwks.json"`) {
		t.Fatalf("openid-configuration: %d %s", status, body)
	}
	for _, bad := range []string{"iam.example.test", "ftp://iam.example.test", "https://iam.example.test/prefix", "https://iam.example.test/?q=1", "https://u@iam.example.test"} {
		if _, err := server.New(context.Background(), server.Config{Store: st, Master: testMaster, PublicURL: bad}); err == nil {
			t.Errorf("public URL %q accepted", bad)
		}
	}
}

// The setting, the issuer and the signing keys persist in both stores
// (SQLite and PostgreSQL): after a restart on the same store, Get answers
// the same issuer and a token issued before verifies with the JWKS served.
func TestOutboundFederationPersistsInEveryStore(t *testing.T) {
	opens := map[string]func(t *testing.T) func() store.Store{
		"sqlite": func(t *testing.T) func() store.Store {
			path := filepath.Join(t.TempDir(), "iamgate.db")
			return func() store.Store {
				st, err := sqlite.Open(context.Background(), path)
				if err != nil {
					t.Fatal(err)
				}
				return st
			}
		},
		"postgres": func(t *testing.T) func() store.Store {
			dsn := storetest.FreshSchema(t, storetest.PostgresDSN(t))
			return func() store.Store {
				st, err := postgres.Open(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				return st
			}
		},
	}
	for name, mk := range opens {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			open := mk(t)
			st := open()
			e := startEnv(t, st)
			admin := e.admin
			issuer := enableOutbound(t, e, admin)
			tok := must[*sts.GetWebIdentityTokenOutput](t)(e.sts(admin).GetWebIdentityToken(ctx, &sts.GetWebIdentityTokenInput{
				Audience: []string{"a"}, SigningAlgorithm: aws.String("ES384")}))
			e.ts.Close()
			st.Close()
			st = open()
			defer st.Close()
			e = startEnv(t, st)
			info := must[*iam.GetOutboundWebIdentityFederationInfoOutput](t)(e.iam(admin).GetOutboundWebIdentityFederationInfo(ctx, &iam.GetOutboundWebIdentityFederationInfoInput{}))
			if *info.IssuerIdentifier != issuer || !info.JwtVendingEnabled {
				t.Fatalf("after a restart: %s %v", *info.IssuerIdentifier, info.JwtVendingEnabled)
			}
			status, body := fetch(t, e.ts.URL+"/outbound/"+accountA+"/.well-known/jwks.json")
			var set jose.JSONWebKeySet
			if status != 200 || json.Unmarshal(body, &set) != nil {
				t.Fatalf("jwks.json after a restart: %d %s", status, body)
			}
			if _, err := verifyToken(t, *tok.WebIdentityToken, jose.ES384, set); err != nil {
				t.Fatalf("after a restart: %v", err)
			}
		})
	}
}
