// Package oidctest runs an OpenID Connect issuer for tests: a loopback
// TLS server with its own CA, serving the discovery document and a key set
// of its own RSA and EC keys, and signing tokens with them. Nothing leaves
// the machine: a named host (token.actions.githubusercontent.com, say) is
// reached through Dial, which connects to the loopback server.
package oidctest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/iamgate/iamgate/federation"
)

// Issuer is a running test issuer.
type Issuer struct {
	// URL is the issuer (the tokens' iss and the provider URL):
	// https://HOST, or https://127.0.0.1:PORT when no host was given.
	URL string
	// Host is URL's host name.
	Host string
	// CA signed the server's certificate; the server sends both, so CA is
	// the top certificate of its chain and its thumbprint the one IAM
	// wants.
	CA     *x509.Certificate
	Server *httptest.Server
	// RSA (kid "rsa-1") and EC (kid "ec-1", P-256) are the published keys.
	RSA *rsa.PrivateKey
	EC  *ecdsa.PrivateKey
	// Fetches counts requests for the key set.
	Fetches atomic.Int64

	mu   sync.Mutex
	keys []jose.JSONWebKey
}

// New starts an issuer for host ("" for 127.0.0.1 on its own port),
// stopped when the test ends.
func New(t testing.TB, host string) *Issuer {
	t.Helper()
	ca, caKey := newCA(t)
	i := &Issuer{CA: ca, Host: host}
	i.RSA = must(rsa.GenerateKey(rand.Reader, 2048))(t)
	i.EC = must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))(t)
	i.keys = []jose.JSONWebKey{
		{Key: i.RSA.Public(), KeyID: "rsa-1", Algorithm: string(jose.RS256), Use: "sig"},
		{Key: i.EC.Public(), KeyID: "ec-1", Algorithm: string(jose.ES256), Use: "sig"},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		// A failed write is a client gone away, as for ResponseWriter.Write.
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": i.URL, "jwks_uri": i.URL + "/keys",
			"id_token_signing_alg_values_supported": []string{"RS256", "ES256"}})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		i.Fetches.Add(1)
		i.mu.Lock()
		set := jose.JSONWebKeySet{Keys: append([]jose.JSONWebKey(nil), i.keys...)}
		i.mu.Unlock()
		_ = json.NewEncoder(w).Encode(set) // as above
	})
	i.Server = httptest.NewUnstartedServer(mux)
	leafHost := host
	if leafHost == "" {
		leafHost = "127.0.0.1"
	}
	leaf, leafKey := newLeaf(t, ca, caKey, leafHost)
	i.Server.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leaf.Raw, ca.Raw}, PrivateKey: leafKey, Leaf: leaf}}}
	i.Server.StartTLS()
	t.Cleanup(i.Server.Close)
	if host == "" {
		i.Host = "127.0.0.1"
		i.URL = i.Server.URL
	} else {
		i.URL = "https://" + host
	}
	return i
}

// Thumbprint is the thumbprint to register for the issuer (its CA's).
func (i *Issuer) Thumbprint() string { return federation.Thumbprint(i.CA) }

// Dial connects HOST:443 to the loopback server; any other address is
// dialed as given (loopback ones only, in tests).
func (i *Issuer) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if addr == i.Host+":443" {
		addr = i.Server.Listener.Addr().String()
	}
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(h); ip == nil || !ip.IsLoopback() {
		return nil, errors.New("oidctest: only loopback addresses are dialed")
	}
	return (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, network, addr)
}

// Claims are the claims of a fresh token for sub and aud, valid for an
// hour from now.
func (i *Issuer) Claims(sub, aud string, now time.Time) map[string]any {
	return map[string]any{"iss": i.URL, "sub": sub, "aud": aud, "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()}
}

// With is a copy of claims with k set to v, or without k when v is nil.
func With(claims map[string]any, k string, v any) map[string]any {
	c := make(map[string]any, len(claims)+1)
	for ck, cv := range claims {
		c[ck] = cv
	}
	if v == nil {
		delete(c, k)
	} else {
		c[k] = v
	}
	return c
}

// Sign signs claims with the RSA key (RS256, kid rsa-1).
func (i *Issuer) Sign(t testing.TB, claims map[string]any) string {
	return SignWith(t, jose.RS256, i.RSA, "rsa-1", claims)
}

// SignEC signs claims with the EC key (ES256, kid ec-1).
func (i *Issuer) SignEC(t testing.TB, claims map[string]any) string {
	return SignWith(t, jose.ES256, i.EC, "ec-1", claims)
}

// Rotate publishes a new RSA key under kid (in place of every other key)
// and returns it.
func (i *Issuer) Rotate(t testing.TB, kid string) *rsa.PrivateKey {
	k := must(rsa.GenerateKey(rand.Reader, 2048))(t)
	i.mu.Lock()
	i.keys = []jose.JSONWebKey{{Key: k.Public(), KeyID: kid, Algorithm: string(jose.RS256), Use: "sig"}}
	i.mu.Unlock()
	return k
}

// SignWith signs claims with any key and algorithm the signer takes.
func SignWith(t testing.TB, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Unsigned is a token with alg "none" and an empty signature.
func Unsigned(t testing.TB, kid string, claims map[string]any) string {
	t.Helper()
	head, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT", "kid": kid})
	body, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(head) + "." + base64.RawURLEncoding.EncodeToString(body) + "."
}

// HMACWithPublicKey is the classic key-confusion forgery: HS256 keyed with
// the PEM of the issuer's RSA public key, under the RSA key's kid.
func (i *Issuer) HMACWithPublicKey(t testing.TB, claims map[string]any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(i.RSA.Public())
	if err != nil {
		t.Fatal(err)
	}
	secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	return SignWith(t, jose.HS256, secret, "rsa-1", claims)
}

// Part returns the n-th dot-separated part of a token, decoded.
func Part(token string, n int) []byte {
	parts := strings.Split(token, ".")
	b, _ := base64.RawURLEncoding.DecodeString(parts[n])
	return b
}

func newCA(t testing.TB) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	key := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "oidctest CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der := must(x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key))(t)
	return must(x509.ParseCertificate(der))(t), key
}

func newLeaf(t testing.TB, ca *x509.Certificate, caKey crypto.Signer, host string) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	key := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	if ip := net.ParseIP(host); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{host}
	}
	der := must(x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey))(t)
	return must(x509.ParseCertificate(der))(t), key
}

func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
