package federation

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Provider is what IAM holds of an OIDC provider: its URL (the tokens'
// iss), its client IDs (audiences) and the thumbprints of its servers'
// certificates.
type Provider struct {
	URL         string
	ClientIDs   []string
	Thumbprints []string
	// Builtin is a provider AWS trusts without an IAM OIDC provider
	// (BuiltinProvider): no client IDs are checked (the role's trust
	// policy tests PROVIDER:aud), its TLS is trusted by the roots alone,
	// and its iss may also be the URL without https:// (Google's legacy
	// issuer accounts.google.com).
	Builtin bool
}

// builtinIssuers are the OpenID Connect issuers AWS trusts with no IAM
// OIDC provider in the account, by their tokens' iss: Google and Amazon
// Cognito (the STS API Reference, AssumeRoleWithWebIdentity: "Amazon
// Cognito, Login with Amazon, Facebook, Google, or any OpenID
// Connect-compatible identity provider", the IAM User Guide, "Available
// keys for AWS web identity federation": Principal {"Federated":
// "accounts.google.com"} and "cognito-identity.amazonaws.com"). Login with
// Amazon and Facebook issue OAuth 2.0 access tokens (ProviderId), not ID
// tokens.
var builtinIssuers = map[string]string{
	"https://accounts.google.com":            "accounts.google.com",
	"accounts.google.com":                    "accounts.google.com",
	"https://cognito-identity.amazonaws.com": "cognito-identity.amazonaws.com",
}

// BuiltinProvider is the built-in provider whose tokens have iss: its
// name (the Federated principal, the condition keys' prefix and
// aws:FederatedProvider: accounts.google.com) and the Provider its keys
// are fetched for (https://NAME/.well-known/openid-configuration).
func BuiltinProvider(iss string) (name string, p Provider, ok bool) {
	name, ok = builtinIssuers[iss]
	if !ok {
		return "", Provider{}, false
	}
	return name, Provider{URL: "https://" + name, Builtin: true}, true
}

// Identity is what a verified token says.
type Identity struct {
	Issuer  string
	Subject string
	// Audience is the client ID the token was accepted for (for a built-in
	// provider, which has no client IDs, the token's first aud).
	Audience string
	// AuthorizedParty is the azp claim, when the token has one (Google's
	// hybrid apps: the IAM User Guide, "Available keys for AWS web
	// identity federation", aud and oaud).
	AuthorizedParty string
	// Email is the email claim, when the token has one.
	Email string
	// AMR is the amr claim (authentication methods), when the token has one.
	AMR    []string
	Expiry time.Time
	// Tags and TransitiveTagKeys are the session tags of the
	// https://aws.amazon.com/tags claim; SourceIdentity is the
	// https://aws.amazon.com/source_identity claim (the IAM User Guide,
	// "Passing session tags using AssumeRoleWithWebIdentity").
	Tags              map[string]string
	TransitiveTagKeys []string
	SourceIdentity    string
}

// Algorithms are the signing algorithms IAM accepts for OIDC ID tokens
// (the IAM User Guide, "Create an OpenID Connect (OIDC) identity provider
// in IAM": RS256, RS384, RS512, ES256, ES384 and ES512). none and the HMAC
// algorithms are never accepted: a provider's published key is public, so
// an HMAC "signature" keyed with it proves nothing.
var Algorithms = []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.ES512}

// Leeway is how far nbf and iat may lie in the future (clock skew).
const Leeway = time.Minute

const (
	fetchTimeout = 5 * time.Second
	maxDocument  = 1 << 20
	// KeyTTL is how long fetched keys are used before they are fetched
	// again.
	KeyTTL = 5 * time.Minute
	// MinRefetch is the least time between two fetches for a provider
	// when a token names a key ID the cached keys do not have: a key
	// rotation is picked up at once, and tokens with made-up key IDs
	// cannot make iamgate fetch more often than that.
	MinRefetch = 10 * time.Second
	maxEntries = 1024
)

// ParseURL checks a provider URL: https://, a host, no user, query or
// fragment (the botocore model iam/2010-05-08,
// CreateOpenIDConnectProviderRequest.Url: "The URL must begin with
// https:// ... path components are allowed but query parameters are
// not").
func ParseURL(s string) (*url.URL, error) {
	if !strings.HasPrefix(s, "https://") {
		return nil, ErrURL
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Hostname() == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.Contains(s, "?") || strings.Contains(s, "#") {
		return nil, ErrURL
	}
	return u, nil
}

// Issuer reads a token's iss without verifying anything, to find the
// provider whose keys will verify it. Nothing else of an unverified token
// is used.
func Issuer(token string) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", ErrMalformed
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", ErrMalformed
	}
	var c struct {
		Iss *string `json:"iss"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return "", ErrMalformed
	}
	if c.Iss == nil || *c.Iss == "" {
		return "", &MissingClaimError{Claim: "iss"}
	}
	return *c.Iss, nil
}

// Verifier verifies tokens with the keys their providers publish, kept for
// KeyTTL. The zero value is not usable; use NewVerifier.
type Verifier struct {
	// Roots are the root CAs trusted without a thumbprint (nil: the
	// system's).
	Roots *x509.CertPool
	// Dial opens connections to providers (nil: net.Dialer). Tests point
	// a provider's host at a loopback server with it.
	Dial DialFunc

	mu    sync.Mutex
	cache map[string]*keyEntry
}

type keyEntry struct {
	mu      sync.Mutex
	keys    []jose.JSONWebKey
	fetched time.Time
}

// NewVerifier returns a Verifier that trusts the system roots.
func NewVerifier() *Verifier { return &Verifier{cache: map[string]*keyEntry{}} }

// Verify checks a token against a provider, as STS's
// AssumeRoleWithWebIdentity does: the signature with the provider's keys
// (by the token's kid), then iss (the provider's URL), aud (one of its
// client IDs), exp (after now), and nbf and iat (not after now, within
// Leeway). The signature is checked before any claim, so that nothing of
// an unsigned token's claims shows in the answer.
func (v *Verifier) Verify(ctx context.Context, p Provider, token string, now time.Time) (*Identity, error) {
	tok, err := jwt.ParseSigned(token, Algorithms)
	if err != nil {
		if alg := headerAlg(token); alg != "" && !accepted(alg) {
			return nil, fmt.Errorf("%w: %s", ErrAlgorithm, alg)
		}
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(tok.Headers) != 1 {
		return nil, ErrMalformed
	}
	h := tok.Headers[0]
	keys, err := v.keys(ctx, p, now, h.KeyID)
	if err != nil {
		return nil, err
	}
	var std jwt.Claims
	var raw map[string]json.RawMessage
	verified, matched := false, false
	for _, k := range keys {
		if (h.KeyID != "" && k.KeyID != h.KeyID) || (k.Algorithm != "" && k.Algorithm != h.Algorithm) {
			continue
		}
		matched = true
		if err := tok.Claims(k.Key, &std, &raw); err == nil {
			verified = true
			break
		}
	}
	switch {
	case !matched:
		return nil, fmt.Errorf("%w: kid %q", ErrUnknownKey, h.KeyID)
	case !verified:
		return nil, ErrSignature
	}
	return claimsOf(p, std, raw, now)
}

func claimsOf(p Provider, std jwt.Claims, raw map[string]json.RawMessage, now time.Time) (*Identity, error) {
	switch {
	case std.Issuer == "":
		return nil, &MissingClaimError{Claim: "iss"}
	case std.Issuer != p.URL && !(p.Builtin && "https://"+std.Issuer == p.URL):
		return nil, fmt.Errorf("%w: %s", ErrIssuer, std.Issuer)
	case len(std.Audience) == 0:
		return nil, &MissingClaimError{Claim: "aud"}
	case std.Expiry == nil:
		return nil, &MissingClaimError{Claim: "exp"}
	case std.Subject == "":
		return nil, &MissingClaimError{Claim: "sub"}
	}
	id := &Identity{Issuer: std.Issuer, Subject: std.Subject, Expiry: std.Expiry.Time()}
	for _, a := range std.Audience {
		for _, c := range p.ClientIDs {
			if a == c && id.Audience == "" {
				id.Audience = a
			}
		}
	}
	if p.Builtin {
		id.Audience = std.Audience[0]
	}
	if id.Audience == "" {
		return nil, ErrAudience
	}
	if !now.Before(id.Expiry) {
		return nil, &ExpiredError{Now: now, Expiry: id.Expiry}
	}
	if std.NotBefore != nil && std.NotBefore.Time().After(now.Add(Leeway)) {
		return nil, fmt.Errorf("%w: nbf %s", ErrNotYetValid, std.NotBefore.Time().UTC().Format(time.RFC3339))
	}
	if std.IssuedAt != nil && std.IssuedAt.Time().After(now.Add(Leeway)) {
		return nil, fmt.Errorf("%w: iat %s", ErrNotYetValid, std.IssuedAt.Time().UTC().Format(time.RFC3339))
	}
	if m, ok := raw["amr"]; ok {
		var one string
		if json.Unmarshal(m, &id.AMR) != nil {
			if json.Unmarshal(m, &one) != nil {
				return nil, fmt.Errorf("%w: amr", ErrClaim)
			}
			id.AMR = []string{one}
		}
	}
	if m, ok := raw["azp"]; ok && json.Unmarshal(m, &id.AuthorizedParty) != nil {
		return nil, fmt.Errorf("%w: azp", ErrClaim)
	}
	if m, ok := raw["email"]; ok && json.Unmarshal(m, &id.Email) != nil {
		return nil, fmt.Errorf("%w: email", ErrClaim)
	}
	if t, ok := raw["https://aws.amazon.com/tags"]; ok {
		var tags struct {
			Principal  map[string][]string `json:"principal_tags"`
			Transitive []string            `json:"transitive_tag_keys"`
		}
		if err := json.Unmarshal(t, &tags); err != nil {
			return nil, fmt.Errorf("%w: https://aws.amazon.com/tags: %v", ErrClaim, err)
		}
		id.Tags = map[string]string{}
		for k, vs := range tags.Principal {
			if len(vs) != 1 {
				return nil, fmt.Errorf("%w: https://aws.amazon.com/tags: the tag %s must have one value", ErrClaim, k)
			}
			id.Tags[k] = vs[0]
		}
		id.TransitiveTagKeys = tags.Transitive
	}
	if s, ok := raw["https://aws.amazon.com/source_identity"]; ok {
		if json.Unmarshal(s, &id.SourceIdentity) != nil {
			return nil, fmt.Errorf("%w: https://aws.amazon.com/source_identity", ErrClaim)
		}
	}
	return id, nil
}

func accepted(alg string) bool {
	for _, a := range Algorithms {
		if string(a) == alg {
			return true
		}
	}
	return false
}

// headerAlg reads the alg of a token's protected header, to name a
// refused algorithm.
func headerAlg(token string) string {
	head, _, ok := strings.Cut(token, ".")
	if !ok {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return ""
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(b, &h) != nil {
		return ""
	}
	return h.Alg
}

// cacheKey names a provider's keys: the same URL with other thumbprints
// is fetched again, under the trust those thumbprints give, and a
// built-in provider's apart from any IAM provider's.
func cacheKey(p Provider) string {
	if p.Builtin {
		// Never keys fetched under an IAM provider's thumbprints.
		return p.URL + "\x00builtin"
	}
	tps := lowerAll(p.Thumbprints)
	sort.Strings(tps)
	return p.URL + "\x00" + strings.Join(tps, ",")
}

// keys returns a provider's signing keys, fetching them when the cache
// has none fresh, or has none with kid (at most every MinRefetch).
func (v *Verifier) keys(ctx context.Context, p Provider, now time.Time, kid string) ([]jose.JSONWebKey, error) {
	key := cacheKey(p)
	v.mu.Lock()
	e := v.cache[key]
	if e == nil {
		if len(v.cache) >= maxEntries {
			for k := range v.cache {
				delete(v.cache, k)
				break
			}
		}
		e = &keyEntry{}
		v.cache[key] = e
	}
	v.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	age := now.Sub(e.fetched)
	fresh := !e.fetched.IsZero() && age >= 0 && age < KeyTTL
	if fresh && (kid == "" || hasKey(e.keys, kid) || age < MinRefetch) {
		return e.keys, nil
	}
	keys, err := v.fetch(ctx, p, now)
	if err != nil {
		return nil, err
	}
	e.keys, e.fetched = keys, now
	return keys, nil
}

func hasKey(keys []jose.JSONWebKey, kid string) bool {
	for _, k := range keys {
		if k.KeyID == kid {
			return true
		}
	}
	return false
}

// fetch reads URL/.well-known/openid-configuration and the key set its
// jwks_uri names (OpenID Connect Discovery 1.0, section 4), over TLS
// trusted as trust describes. Only public signing keys are kept.
func (v *Verifier) fetch(ctx context.Context, p Provider, now time.Time) ([]jose.JSONWebKey, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	dial := v.Dial
	if dial == nil {
		dial = (&net.Dialer{Timeout: fetchTimeout}).DialContext
	}
	t := trust{roots: v.Roots, thumbprints: lowerAll(p.Thumbprints), now: func() time.Time { return now }}
	if p.Builtin {
		t.thumbprints = nil // the roots alone vouch for a built-in provider
	}
	client := &http.Client{
		Transport: &http.Transport{
			DialTLSContext: func(ctx context.Context, _, addr string) (net.Conn, error) { return dialTLS(ctx, dial, addr, t) },
			// Plain http:// is never used: a redirect to it has no TLS
			// dialer and fails.
			DialContext:       func(context.Context, string, string) (net.Conn, error) { return nil, errors.New("only https is used") },
			DisableKeepAlives: true,
			Proxy:             nil,
		},
		CheckRedirect: func(r *http.Request, via []*http.Request) error {
			if r.URL.Scheme != "https" || len(via) > 3 {
				return errors.New("redirect refused")
			}
			return nil
		},
	}
	var disc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	get := func(u string, into any) error {
		err := getJSON(ctx, client, u, into)
		if p.Builtin && errors.Is(err, ErrThumbprint) {
			// A built-in provider has no thumbprints: a certificate the
			// roots do not verify is a provider that cannot be reached.
			return fmt.Errorf("%w: %v", ErrFetch, err)
		}
		return err
	}
	if err := get(strings.TrimSuffix(p.URL, "/")+"/.well-known/openid-configuration", &disc); err != nil {
		return nil, err
	}
	if _, err := ParseURL(disc.JWKSURI); err != nil {
		return nil, fmt.Errorf("%w: jwks_uri %q is not an https URL", ErrFetch, disc.JWKSURI)
	}
	var set jose.JSONWebKeySet
	if err := get(disc.JWKSURI, &set); err != nil {
		return nil, err
	}
	var keys []jose.JSONWebKey
	for _, k := range set.Keys {
		if k.Valid() && k.IsPublic() && (k.Use == "" || k.Use == "sig") {
			keys = append(keys, k)
		}
	}
	return keys, nil
}

func getJSON(ctx context.Context, client *http.Client, u string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrFetch, err)
	}
	req.Header.Set("Accept", "application/json")
	res, err := client.Do(req)
	if err != nil {
		if errors.Is(err, ErrThumbprint) {
			return err
		}
		return fmt.Errorf("%w: %v", ErrFetch, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: %s answered %s", ErrFetch, u, res.Status)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxDocument+1))
	if err != nil || len(body) > maxDocument {
		return fmt.Errorf("%w: %s: the document could not be read", ErrFetch, u)
	}
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrFetch, u, err)
	}
	return nil
}
