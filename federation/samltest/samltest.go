// Package samltest is a SAML identity provider for tests: its own key and
// self-signed certificate, its metadata document, and SAML responses it
// signs (or, for attacks, does not).
package samltest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"sort"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// IdP is a test identity provider.
type IdP struct {
	EntityID string
	Key      *rsa.PrivateKey
	Cert     *x509.Certificate
}

// New makes an IdP with a fresh key and certificate.
func New(t testing.TB, entityID string) *IdP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "samltest IdP"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &IdP{EntityID: entityID, Key: key, Cert: cert}
}

// Metadata is the IdP's SAML 2.0 metadata document.
func (i *IdP) Metadata() string {
	return `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="` + i.EntityID + `">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>` +
		base64.StdEncoding.EncodeToString(i.Cert.Raw) + `</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.test/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`
}

// Assertion is what a response asserts.
type Assertion struct {
	Issuer, NameID, Format  string
	Audience, Recipient     string
	NotBefore, NotOnOrAfter time.Time
	// Roles are Role attribute values "ROLE-ARN,PROVIDER-ARN".
	Roles       []string
	SessionName string
	Tags        map[string]string
}

// Good is an assertion for nameID valid for five minutes from now,
// addressed to AWS, for one role and provider.
func (i *IdP) Good(nameID, role, provider string) Assertion {
	now := time.Now()
	return Assertion{Issuer: i.EntityID, NameID: nameID, Format: "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
		Audience: "https://signin.aws.amazon.com/saml", Recipient: "https://signin.aws.amazon.com/saml",
		NotBefore: now.Add(-time.Minute), NotOnOrAfter: now.Add(5 * time.Minute), Roles: []string{role + "," + provider}, SessionName: nameID}
}

// How a response is signed.
const (
	SignAssertion = iota
	SignResponse
	Unsigned
)

// Response builds a samlp:Response holding a, signed as how says, and
// returns it in base64 as AssumeRoleWithSAML takes it.
func (i *IdP) Response(t testing.TB, a Assertion, how int) string {
	t.Helper()
	return Encode(t, i.ResponseElement(t, a, how))
}

// ResponseElement is Response before it is encoded, for tests that tamper
// with it.
func (i *IdP) ResponseElement(t testing.TB, a Assertion, how int) *etree.Element {
	t.Helper()
	ctx, err := dsig.NewSigningContext(i.Key, [][]byte{i.Cert.Raw})
	if err != nil {
		t.Fatal(err)
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	as := assertionElement(a)
	if how == SignAssertion {
		if as, err = ctx.SignEnveloped(as); err != nil {
			t.Fatal(err)
		}
	}
	resp := etree.NewElement("samlp:Response")
	resp.CreateAttr("xmlns:samlp", "urn:oasis:names:tc:SAML:2.0:protocol")
	resp.CreateAttr("xmlns:saml", "urn:oasis:names:tc:SAML:2.0:assertion")
	resp.CreateAttr("ID", "_resp"+randomID())
	resp.CreateAttr("Version", "2.0")
	resp.CreateAttr("IssueInstant", time.Now().UTC().Format(time.RFC3339))
	resp.CreateElement("saml:Issuer").SetText(a.Issuer)
	resp.CreateElement("samlp:Status").CreateElement("samlp:StatusCode").CreateAttr("Value", "urn:oasis:names:tc:SAML:2.0:status:Success")
	resp.AddChild(as)
	if how == SignResponse {
		if resp, err = ctx.SignEnveloped(resp); err != nil {
			t.Fatal(err)
		}
	}
	return resp
}

// Encode serializes a response element in base64.
func Encode(t testing.TB, resp *etree.Element) string {
	t.Helper()
	doc := etree.NewDocument()
	doc.SetRoot(resp)
	b, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func assertionElement(a Assertion) *etree.Element {
	ts := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
	as := etree.NewElement("saml:Assertion")
	as.CreateAttr("xmlns:saml", "urn:oasis:names:tc:SAML:2.0:assertion")
	as.CreateAttr("ID", "_a"+randomID())
	as.CreateAttr("Version", "2.0")
	as.CreateAttr("IssueInstant", ts(time.Now()))
	as.CreateElement("saml:Issuer").SetText(a.Issuer)
	sub := as.CreateElement("saml:Subject")
	nid := sub.CreateElement("saml:NameID")
	nid.CreateAttr("Format", a.Format)
	nid.SetText(a.NameID)
	sc := sub.CreateElement("saml:SubjectConfirmation")
	sc.CreateAttr("Method", "urn:oasis:names:tc:SAML:2.0:cm:bearer")
	scd := sc.CreateElement("saml:SubjectConfirmationData")
	scd.CreateAttr("Recipient", a.Recipient)
	scd.CreateAttr("NotOnOrAfter", ts(a.NotOnOrAfter))
	cond := as.CreateElement("saml:Conditions")
	cond.CreateAttr("NotBefore", ts(a.NotBefore))
	cond.CreateAttr("NotOnOrAfter", ts(a.NotOnOrAfter))
	cond.CreateElement("saml:AudienceRestriction").CreateElement("saml:Audience").SetText(a.Audience)
	st := as.CreateElement("saml:AttributeStatement")
	attr := func(name string, vals ...string) {
		at := st.CreateElement("saml:Attribute")
		at.CreateAttr("Name", "https://aws.amazon.com/SAML/Attributes/"+name)
		for _, v := range vals {
			at.CreateElement("saml:AttributeValue").SetText(v)
		}
	}
	attr("Role", a.Roles...)
	attr("RoleSessionName", a.SessionName)
	keys := make([]string, 0, len(a.Tags))
	for k := range a.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		attr("PrincipalTag:"+k, a.Tags[k])
	}
	return as
}

var counter int

func randomID() string {
	counter++
	var b [8]byte
	rand.Read(b[:])
	return fmt.Sprintf("%d%x", counter, b)
}

// ReplaceNameID changes the NameID of every assertion in a response (a
// tampering after signing).
func ReplaceNameID(resp *etree.Element, nameID string) {
	for _, el := range resp.FindElements("//NameID") {
		el.SetText(nameID)
	}
}

// Wrap is the signature-wrapping attack: an unsigned assertion with
// another NameID put before the signed one.
func Wrap(resp *etree.Element, forged Assertion) {
	el := assertionElement(forged)
	resp.InsertChildAt(2, el)
}
