package federation_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/iamgate/iamgate/federation"
	"github.com/iamgate/iamgate/federation/oidctest"
)

func verifierFor(iss *oidctest.Issuer) *federation.Verifier {
	v := federation.NewVerifier()
	v.Dial = iss.Dial
	return v
}

func TestVerifyAcceptsRSAAndEC(t *testing.T) {
	iss := oidctest.New(t, "idp.example.test")
	v := verifierFor(iss)
	p := federation.Provider{URL: iss.URL, ClientIDs: []string{"sts.amazonaws.com"}, Thumbprints: []string{strings.ToUpper(iss.Thumbprint())}}
	now := time.Now()
	c := iss.Claims("repo:org/repo:ref:refs/heads/main", "sts.amazonaws.com", now)
	c["amr"] = []string{"mfa", "pwd"}
	for name, tok := range map[string]string{"RS256": iss.Sign(t, c), "ES256": iss.SignEC(t, c)} {
		id, err := v.Verify(context.Background(), p, tok, now)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if id.Subject != "repo:org/repo:ref:refs/heads/main" || id.Audience != "sts.amazonaws.com" || id.Issuer != iss.URL || len(id.AMR) != 2 {
			t.Fatalf("%s: %+v", name, id)
		}
	}
	if n := iss.Fetches.Load(); n != 1 {
		t.Errorf("the keys were fetched %d times; the second token should use the cache", n)
	}
}

func TestVerifyRefusesForgeriesAndBadClaims(t *testing.T) {
	iss := oidctest.New(t, "idp.example.test")
	v := verifierFor(iss)
	p := federation.Provider{URL: iss.URL, ClientIDs: []string{"sts.amazonaws.com"}, Thumbprints: []string{iss.Thumbprint()}}
	now := time.Now()
	good := func() map[string]any { return iss.Claims("alice", "sts.amazonaws.com", now) }
	with := func(k string, val any) map[string]any {
		c := good()
		if val == nil {
			delete(c, k)
		} else {
			c[k] = val
		}
		return c
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	otherEC, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	var expired *federation.ExpiredError
	var missing *federation.MissingClaimError
	for _, tc := range []struct {
		name  string
		token string
		is    error
		as    any
	}{
		{"signed by another RSA key under the issuer's kid", oidctest.SignWith(t, jose.RS256, other, "rsa-1", good()), federation.ErrSignature, nil},
		{"signed by another EC key under the issuer's kid", oidctest.SignWith(t, jose.ES256, otherEC, "ec-1", good()), federation.ErrSignature, nil},
		{"a kid the issuer does not publish", oidctest.SignWith(t, jose.RS256, other, "made-up", good()), federation.ErrUnknownKey, nil},
		{"alg none", oidctest.Unsigned(t, "rsa-1", good()), federation.ErrAlgorithm, nil},
		{"HS256 keyed with the public key", iss.HMACWithPublicKey(t, good()), federation.ErrAlgorithm, nil},
		{"RS256 under the EC key's kid", oidctest.SignWith(t, jose.RS256, iss.RSA, "ec-1", good()), federation.ErrUnknownKey, nil},
		{"another issuer", iss.Sign(t, with("iss", "https://evil.example.test")), federation.ErrIssuer, nil},
		{"the issuer over http", iss.Sign(t, with("iss", strings.Replace(iss.URL, "https", "http", 1))), federation.ErrIssuer, nil},
		{"another audience", iss.Sign(t, with("aud", "someone-else")), federation.ErrAudience, nil},
		{"no audience", iss.Sign(t, with("aud", nil)), nil, &missing},
		{"expired", iss.Sign(t, with("exp", now.Add(-time.Second).Unix())), nil, &expired},
		{"no exp", iss.Sign(t, with("exp", nil)), nil, &missing},
		{"not valid yet", iss.Sign(t, with("nbf", now.Add(time.Hour).Unix())), federation.ErrNotYetValid, nil},
		{"issued in the future", iss.Sign(t, with("iat", now.Add(time.Hour).Unix())), federation.ErrNotYetValid, nil},
		{"no subject", iss.Sign(t, with("sub", nil)), nil, &missing},
		{"not a JWT", "abc.def", federation.ErrMalformed, nil},
		{"tags claim malformed", iss.Sign(t, with("https://aws.amazon.com/tags", "x")), federation.ErrClaim, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, err := v.Verify(context.Background(), p, tc.token, now)
			if err == nil {
				t.Fatalf("accepted: %+v", id)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("%v; want %v", err, tc.is)
			}
			if tc.as != nil && !errors.As(err, tc.as) {
				t.Fatalf("%v; want %T", err, tc.as)
			}
		})
	}
	// An audience among several is accepted.
	if _, err := v.Verify(context.Background(), p, iss.Sign(t, with("aud", []string{"x", "sts.amazonaws.com"})), now); err != nil {
		t.Fatal(err)
	}
}

// The thumbprint must be the top certificate's: another one is refused;
// with no thumbprint at all only roots the verifier trusts open the
// provider.
func TestVerifyTrustsByThumbprintOrRoots(t *testing.T) {
	iss := oidctest.New(t, "idp.example.test")
	now := time.Now()
	tok := iss.Sign(t, iss.Claims("alice", "app", now))
	for _, tc := range []struct {
		name        string
		thumbprints []string
		roots       bool
		ok          bool
	}{
		{"the CA's thumbprint", []string{iss.Thumbprint()}, false, true},
		{"another thumbprint", []string{strings.Repeat("ab", 20)}, false, false},
		{"no thumbprint", nil, false, false},
		{"no thumbprint, the CA among the roots", nil, true, true},
		{"another thumbprint, the CA among the roots", []string{strings.Repeat("ab", 20)}, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := verifierFor(iss)
			if tc.roots {
				v.Roots = x509.NewCertPool()
				v.Roots.AddCert(iss.CA)
			}
			_, err := v.Verify(context.Background(), federation.Provider{URL: iss.URL, ClientIDs: []string{"app"}, Thumbprints: tc.thumbprints}, tok, now)
			switch {
			case tc.ok && err != nil:
				t.Fatal(err)
			case !tc.ok && !errors.Is(err, federation.ErrThumbprint):
				t.Fatalf("%v; want ErrThumbprint", err)
			}
		})
	}
}

// A certificate for another host is refused even with the right
// thumbprint: the chain must also be valid for the provider's host.
func TestVerifyChecksTheHost(t *testing.T) {
	iss := oidctest.New(t, "idp.example.test")
	v := federation.NewVerifier()
	v.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return iss.Dial(ctx, network, "idp.example.test:443")
	}
	now := time.Now()
	p := federation.Provider{URL: "https://other.example.test", ClientIDs: []string{"app"}, Thumbprints: []string{iss.Thumbprint()}}
	c := iss.Claims("alice", "app", now)
	c["iss"] = p.URL
	if _, err := v.Verify(context.Background(), p, iss.Sign(t, c), now); !errors.Is(err, federation.ErrThumbprint) {
		t.Fatalf("%v; want ErrThumbprint", err)
	}
}

// A token with a kid the cached keys lack makes the verifier fetch again
// (a key rotation), but at most every MinRefetch.
func TestVerifyRefetchesOnUnknownKid(t *testing.T) {
	iss := oidctest.New(t, "idp.example.test")
	v := verifierFor(iss)
	p := federation.Provider{URL: iss.URL, ClientIDs: []string{"app"}, Thumbprints: []string{iss.Thumbprint()}}
	now := time.Now()
	ctx := context.Background()
	if _, err := v.Verify(ctx, p, iss.Sign(t, iss.Claims("alice", "app", now)), now); err != nil {
		t.Fatal(err)
	}
	k2 := iss.Rotate(t, "rsa-2")
	rotated := oidctest.SignWith(t, jose.RS256, k2, "rsa-2", iss.Claims("alice", "app", now))
	if _, err := v.Verify(ctx, p, rotated, now.Add(time.Second)); !errors.Is(err, federation.ErrUnknownKey) {
		t.Fatalf("within MinRefetch: %v; want ErrUnknownKey", err)
	}
	later := now.Add(federation.MinRefetch + time.Second)
	if _, err := v.Verify(ctx, p, rotated, later); err != nil {
		t.Fatalf("after MinRefetch: %v", err)
	}
	if n := iss.Fetches.Load(); n != 2 {
		t.Errorf("%d fetches; want 2", n)
	}
	// The old key is gone from the set: its tokens no longer verify once
	// the cache is refreshed.
	if _, err := v.Verify(ctx, p, iss.Sign(t, iss.Claims("alice", "app", later)), later.Add(federation.KeyTTL)); !errors.Is(err, federation.ErrUnknownKey) {
		t.Fatalf("a retired key: %v", err)
	}
}

func TestIssuerAndURL(t *testing.T) {
	iss := oidctest.New(t, "")
	tok := iss.Sign(t, iss.Claims("alice", "app", time.Now()))
	got, err := federation.Issuer(tok)
	if err != nil || got != iss.URL {
		t.Fatalf("%q %v", got, err)
	}
	for _, u := range []string{"http://x.example", "https://", "https://x.example/?a=b", "https://x.example/#f", "https://u@x.example", "x.example"} {
		if _, err := federation.ParseURL(u); !errors.Is(err, federation.ErrURL) {
			t.Errorf("%s: %v", u, err)
		}
	}
	if _, err := federation.ParseURL("https://x.example/path/"); err != nil {
		t.Error(err)
	}
	tp, err := federation.TopThumbprint(context.Background(), nil, iss.URL)
	if err != nil || tp != iss.Thumbprint() {
		t.Fatalf("TopThumbprint: %q %v; want %s", tp, err, iss.Thumbprint())
	}
}

// The built-in providers: Google (either issuer form) and Cognito, with no
// client IDs or thumbprints; their keys are trusted through the roots
// only, and the legacy issuer without https:// is taken for a built-in
// provider alone.
func TestBuiltinProvider(t *testing.T) {
	for iss, want := range map[string]string{"https://accounts.google.com": "accounts.google.com", "accounts.google.com": "accounts.google.com",
		"https://cognito-identity.amazonaws.com": "cognito-identity.amazonaws.com"} {
		name, p, ok := federation.BuiltinProvider(iss)
		if !ok || name != want || p.URL != "https://"+want || !p.Builtin || len(p.ClientIDs) != 0 || len(p.Thumbprints) != 0 {
			t.Errorf("%s: %q %+v %v", iss, name, p, ok)
		}
	}
	for _, iss := range []string{"https://www.amazon.com", "graph.facebook.com", "https://accounts.google.com/", "http://accounts.google.com", "cognito-identity.amazonaws.com"} {
		if _, _, ok := federation.BuiltinProvider(iss); ok {
			t.Errorf("%s is not a built-in provider", iss)
		}
	}

	idp := oidctest.New(t, "accounts.google.com")
	now := time.Now()
	c := idp.Claims("1078", "sts.amazonaws.com", now)
	c["iss"], c["azp"] = "accounts.google.com", "azp-1"
	tok := idp.Sign(t, c)
	_, p, _ := federation.BuiltinProvider("accounts.google.com")
	// The system roots do not know the test CA: the keys cannot be had,
	// and no thumbprint can stand in for the roots.
	v := verifierFor(idp)
	p.Thumbprints = []string{idp.Thumbprint()}
	if _, err := v.Verify(context.Background(), p, tok, now); !errors.Is(err, federation.ErrFetch) || errors.Is(err, federation.ErrThumbprint) {
		t.Fatalf("%v; want ErrFetch", err)
	}
	v = verifierFor(idp)
	v.Roots = x509.NewCertPool()
	v.Roots.AddCert(idp.CA)
	p.Thumbprints = nil
	id, err := v.Verify(context.Background(), p, tok, now)
	if err != nil {
		t.Fatal(err)
	}
	if id.Audience != "sts.amazonaws.com" || id.AuthorizedParty != "azp-1" || id.Subject != "1078" {
		t.Fatalf("%+v", id)
	}
	// An IAM provider of the same URL takes the https:// issuer only.
	_, err = v.Verify(context.Background(), federation.Provider{URL: "https://accounts.google.com", ClientIDs: []string{"sts.amazonaws.com"}}, tok, now)
	if !errors.Is(err, federation.ErrIssuer) {
		t.Fatalf("%v; want ErrIssuer", err)
	}
}
