package federation_test

import (
	"context"
	"testing"
	"time"

	"github.com/iamgate/iamgate/federation"
	"github.com/iamgate/iamgate/federation/oidctest"
	"github.com/iamgate/iamgate/federation/samltest"
)

// BenchmarkVerify times a token's verification with the provider's keys
// cached (what every AssumeRoleWithWebIdentity after the first costs).
func BenchmarkVerify(b *testing.B) {
	iss := oidctest.New(b, "idp.example.test")
	v := federation.NewVerifier()
	v.Dial = iss.Dial
	p := federation.Provider{URL: iss.URL, ClientIDs: []string{"app"}, Thumbprints: []string{iss.Thumbprint()}}
	now := time.Now()
	for _, tc := range []struct {
		name  string
		token string
	}{{"RS256", iss.Sign(b, iss.Claims("alice", "app", now))}, {"ES256", iss.SignEC(b, iss.Claims("alice", "app", now))}} {
		if _, err := v.Verify(context.Background(), p, tc.token, now); err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(context.Background(), p, tc.token, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifySAML times an assertion's signature and claims check.
func BenchmarkVerifySAML(b *testing.B) {
	idp := samltest.New(b, "https://idp.example.test/saml")
	m, err := federation.ParseMetadata([]byte(idp.Metadata()))
	if err != nil {
		b.Fatal(err)
	}
	resp := idp.Response(b, idp.Good("alice", "arn:aws:iam::123456789012:role/r", "arn:aws:iam::123456789012:saml-provider/p"), samltest.SignAssertion)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := federation.VerifySAML(m, resp, now); err != nil {
			b.Fatal(err)
		}
	}
}
