package federation_test

import (
	"errors"
	"testing"
	"time"

	"github.com/iamgate/iamgate/federation"
	"github.com/iamgate/iamgate/federation/samltest"
)

const (
	samlRole     = "arn:aws:iam::123456789012:role/sso"
	samlProvider = "arn:aws:iam::123456789012:saml-provider/corp"
)

func TestVerifySAML(t *testing.T) {
	idp := samltest.New(t, "https://idp.example.test/saml")
	m, err := federation.ParseMetadata([]byte(idp.Metadata()))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, how := range []int{samltest.SignAssertion, samltest.SignResponse} {
		id, err := federation.VerifySAML(m, idp.Response(t, idp.Good("alice", samlRole, samlProvider), how), now)
		if err != nil {
			t.Fatalf("signed %d: %v", how, err)
		}
		if id.Subject != "alice" || id.SubjectType != "persistent" || id.SessionName != "alice" || len(id.Roles) != 1 ||
			id.Roles[0] != [2]string{samlRole, samlProvider} || id.Recipient != "https://signin.aws.amazon.com/saml" {
			t.Fatalf("%+v", id)
		}
	}

	other := samltest.New(t, idp.EntityID)
	tampered := idp.ResponseElement(t, idp.Good("alice", samlRole, samlProvider), samltest.SignAssertion)
	samltest.ReplaceNameID(tampered, "admin")
	wrapped := idp.ResponseElement(t, idp.Good("alice", samlRole, samlProvider), samltest.SignAssertion)
	samltest.Wrap(wrapped, idp.Good("admin", samlRole, samlProvider))
	respWrapped := idp.ResponseElement(t, idp.Good("alice", samlRole, samlProvider), samltest.SignResponse)
	samltest.ReplaceNameID(respWrapped, "admin")
	mod := func(f func(*samltest.Assertion)) samltest.Assertion {
		a := idp.Good("alice", samlRole, samlProvider)
		f(&a)
		return a
	}
	var expired *federation.ExpiredError
	for _, tc := range []struct {
		name     string
		response string
		is       error
		as       any
	}{
		{"unsigned", idp.Response(t, idp.Good("alice", samlRole, samlProvider), samltest.Unsigned), federation.ErrUnsigned, nil},
		{"signed by another key", other.Response(t, other.Good("alice", samlRole, samlProvider), samltest.SignAssertion), federation.ErrSignature, nil},
		{"changed after signing", samltest.Encode(t, tampered), federation.ErrSignature, nil},
		{"a signed response changed after signing", samltest.Encode(t, respWrapped), federation.ErrSignature, nil},
		{"an unsigned assertion beside the signed one", samltest.Encode(t, wrapped), federation.ErrMalformed, nil},
		{"expired", idp.Response(t, mod(func(a *samltest.Assertion) { a.NotOnOrAfter = now.Add(-time.Second) }), samltest.SignAssertion), nil, &expired},
		{"not valid yet", idp.Response(t, mod(func(a *samltest.Assertion) { a.NotBefore = now.Add(time.Hour) }), samltest.SignAssertion), federation.ErrNotYetValid, nil},
		{"another audience", idp.Response(t, mod(func(a *samltest.Assertion) { a.Audience = "https://evil.example.test" }), samltest.SignAssertion), federation.ErrAudience, nil},
		{"another recipient", idp.Response(t, mod(func(a *samltest.Assertion) { a.Recipient = "https://evil.example.test/saml" }), samltest.SignAssertion), federation.ErrAudience, nil},
		{"another issuer", idp.Response(t, mod(func(a *samltest.Assertion) { a.Issuer = "https://evil.example.test" }), samltest.SignAssertion), federation.ErrIssuer, nil},
		{"not base64", "%%%", federation.ErrMalformed, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id, err := federation.VerifySAML(m, tc.response, now)
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
	if got := federation.NameQualifier("https://example.com/saml", "123456789012", "MySAMLIdP"); len(got) != 28 {
		t.Fatal(got)
	}
}
