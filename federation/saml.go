package federation

import (
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"
	// AttributePrefix is where AWS's SAML attributes live (the IAM User
	// Guide, "Configure SAML assertions for the authentication response").
	AttributePrefix = "https://aws.amazon.com/SAML/Attributes/"
)

// ErrUnsigned: neither the assertion nor the response carries a signature
// that references it.
var ErrUnsigned = errors.New("the SAML assertion is not signed")

// Metadata is what IAM reads of a SAML provider's metadata document: the
// IdP's entity ID, the certificates its assertions are signed with, and
// when the metadata stops being valid.
type Metadata struct {
	EntityID   string
	Certs      []*x509.Certificate
	ValidUntil time.Time
}

// ParseMetadata reads SAML 2.0 metadata (an EntityDescriptor with an
// IDPSSODescriptor): its signing certificates (KeyDescriptor use="signing"
// or without use).
func ParseMetadata(doc []byte) (*Metadata, error) {
	var ed struct {
		XMLName    xml.Name `xml:"urn:oasis:names:tc:SAML:2.0:metadata EntityDescriptor"`
		EntityID   string   `xml:"entityID,attr"`
		ValidUntil string   `xml:"validUntil,attr"`
		IDP        []struct {
			Keys []struct {
				Use   string   `xml:"use,attr"`
				Certs []string `xml:"http://www.w3.org/2000/09/xmldsig# KeyInfo>X509Data>X509Certificate"`
			} `xml:"urn:oasis:names:tc:SAML:2.0:metadata KeyDescriptor"`
		} `xml:"urn:oasis:names:tc:SAML:2.0:metadata IDPSSODescriptor"`
	}
	if err := xml.Unmarshal(doc, &ed); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	m := &Metadata{EntityID: ed.EntityID}
	if ed.EntityID == "" || len(ed.IDP) == 0 {
		return nil, fmt.Errorf("%w: no entityID or IDPSSODescriptor", ErrMalformed)
	}
	if ed.ValidUntil != "" {
		t, err := time.Parse(time.RFC3339, ed.ValidUntil)
		if err != nil {
			return nil, fmt.Errorf("%w: validUntil %q", ErrMalformed, ed.ValidUntil)
		}
		m.ValidUntil = t
	}
	for _, idp := range ed.IDP {
		for _, k := range idp.Keys {
			if k.Use != "" && k.Use != "signing" {
				continue
			}
			for _, c := range k.Certs {
				der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(c), ""))
				if err != nil {
					return nil, fmt.Errorf("%w: a certificate is not base64", ErrMalformed)
				}
				cert, err := x509.ParseCertificate(der)
				if err != nil {
					return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
				}
				m.Certs = append(m.Certs, cert)
			}
		}
	}
	if len(m.Certs) == 0 {
		return nil, fmt.Errorf("%w: the metadata has no signing certificate", ErrMalformed)
	}
	return m, nil
}

// SAMLIdentity is what a verified assertion says.
type SAMLIdentity struct {
	Issuer string
	// Subject is the NameID; SubjectType is "persistent", "transient" or
	// the whole Format URI (the saml:sub_type key).
	Subject, SubjectType string
	// Recipient is the SubjectConfirmationData's Recipient (saml:aud).
	Recipient string
	// Roles are the Role attribute's pairs: role ARN, provider ARN.
	Roles             [][2]string
	SessionName       string
	SessionDuration   int
	Tags              map[string]string
	TransitiveTagKeys []string
	SourceIdentity    string
}

// AWS's SAML endpoints: the assertion's audience (and recipient) must be
// one (the IAM User Guide, "Configure SAML assertions for the
// authentication response": Audience "https://signin.aws.amazon.com/saml"
// or urn:amazon:webservices; regional sign-in endpoints
// https://REGION.signin.aws.amazon.com/saml).
func awsSAMLEndpoint(s string) bool {
	if s == "https://signin.aws.amazon.com/saml" || s == "urn:amazon:webservices" {
		return true
	}
	region, ok := strings.CutSuffix(strings.TrimPrefix(s, "https://"), ".signin.aws.amazon.com/saml")
	return ok && strings.HasPrefix(s, "https://") && region != "" && !strings.ContainsAny(region, "/.")
}

// VerifySAML checks a base64 SAML Response as STS's AssumeRoleWithSAML
// does: the assertion (or the response around it) signed by a certificate
// of the metadata, the issuer the metadata's entity, the audience AWS, and
// the time within its conditions. Only what the verified signature covers
// is read: the response must hold exactly one Assertion, so that no
// unsigned assertion can be slipped in beside a signed one (XML signature
// wrapping).
func VerifySAML(m *Metadata, response string, now time.Time) (*SAMLIdentity, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(response), ""))
	if err != nil {
		return nil, fmt.Errorf("%w: the assertion is not base64", ErrMalformed)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	root := doc.Root()
	if root == nil || root.Tag != "Response" || root.NamespaceURI() != nsProtocol {
		return nil, fmt.Errorf("%w: not a samlp:Response", ErrMalformed)
	}
	assertion, err := onlyAssertion(root)
	if err != nil {
		return nil, err
	}
	v := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: m.Certs})
	v.Clock = dsig.NewFakeClockAt(now)
	var verified *etree.Element
	switch {
	case hasSignature(assertion):
		if verified, err = v.Validate(assertion); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrSignature, err)
		}
	case hasSignature(root):
		resp, err := v.Validate(root)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrSignature, err)
		}
		if verified, err = onlyAssertion(resp); err != nil {
			return nil, err
		}
	default:
		return nil, ErrUnsigned
	}
	out := etree.NewDocument()
	out.SetRoot(verified.Copy())
	b, err := out.WriteToBytes()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return assertionClaims(m, b, now)
}

func onlyAssertion(root *etree.Element) (*etree.Element, error) {
	var found *etree.Element
	for _, c := range root.ChildElements() {
		if c.Tag == "EncryptedAssertion" {
			return nil, fmt.Errorf("%w: encrypted assertions are not supported", ErrMalformed)
		}
		if c.Tag == "Assertion" && c.NamespaceURI() == nsAssertion {
			if found != nil {
				return nil, fmt.Errorf("%w: the response holds more than one assertion", ErrMalformed)
			}
			found = c
		}
	}
	if found == nil {
		return nil, fmt.Errorf("%w: the response holds no assertion", ErrMalformed)
	}
	return found, nil
}

func hasSignature(el *etree.Element) bool {
	for _, c := range el.ChildElements() {
		if c.Tag == "Signature" && c.NamespaceURI() == nsDSig {
			return true
		}
	}
	return false
}

type samlAssertion struct {
	Issuer  string `xml:"urn:oasis:names:tc:SAML:2.0:assertion Issuer"`
	Subject struct {
		NameID struct {
			Value  string `xml:",chardata"`
			Format string `xml:"Format,attr"`
		} `xml:"urn:oasis:names:tc:SAML:2.0:assertion NameID"`
		Confirmations []struct {
			Data struct {
				Recipient    string `xml:"Recipient,attr"`
				NotOnOrAfter string `xml:"NotOnOrAfter,attr"`
			} `xml:"urn:oasis:names:tc:SAML:2.0:assertion SubjectConfirmationData"`
		} `xml:"urn:oasis:names:tc:SAML:2.0:assertion SubjectConfirmation"`
	} `xml:"urn:oasis:names:tc:SAML:2.0:assertion Subject"`
	Conditions struct {
		NotBefore    string   `xml:"NotBefore,attr"`
		NotOnOrAfter string   `xml:"NotOnOrAfter,attr"`
		Audiences    []string `xml:"urn:oasis:names:tc:SAML:2.0:assertion AudienceRestriction>Audience"`
	} `xml:"urn:oasis:names:tc:SAML:2.0:assertion Conditions"`
	Attributes []struct {
		Name   string   `xml:"Name,attr"`
		Values []string `xml:"urn:oasis:names:tc:SAML:2.0:assertion AttributeValue"`
	} `xml:"urn:oasis:names:tc:SAML:2.0:assertion AttributeStatement>Attribute"`
}

func samlTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: time %q", ErrMalformed, s)
	}
	return t, nil
}

func assertionClaims(m *Metadata, b []byte, now time.Time) (*SAMLIdentity, error) {
	var a samlAssertion
	if err := xml.Unmarshal(b, &a); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	a.Issuer = strings.TrimSpace(a.Issuer)
	if a.Issuer != m.EntityID {
		return nil, fmt.Errorf("%w: %s", ErrIssuer, a.Issuer)
	}
	id := &SAMLIdentity{Issuer: a.Issuer, Subject: strings.TrimSpace(a.Subject.NameID.Value)}
	if id.Subject == "" {
		return nil, &MissingClaimError{Claim: "NameID"}
	}
	switch f := a.Subject.NameID.Format; f {
	case "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent":
		id.SubjectType = "persistent"
	case "urn:oasis:names:tc:SAML:2.0:nameid-format:transient":
		id.SubjectType = "transient"
	default:
		id.SubjectType = f
	}
	aud := false
	for _, x := range a.Conditions.Audiences {
		aud = aud || awsSAMLEndpoint(strings.TrimSpace(x))
	}
	if !aud {
		return nil, ErrAudience
	}
	var deadlines []string
	if a.Conditions.NotOnOrAfter != "" {
		deadlines = append(deadlines, a.Conditions.NotOnOrAfter)
	}
	for _, c := range a.Subject.Confirmations {
		if c.Data.Recipient != "" {
			if !awsSAMLEndpoint(c.Data.Recipient) {
				return nil, fmt.Errorf("%w: recipient %s", ErrAudience, c.Data.Recipient)
			}
			id.Recipient = c.Data.Recipient
		}
		if c.Data.NotOnOrAfter != "" {
			deadlines = append(deadlines, c.Data.NotOnOrAfter)
		}
	}
	if len(deadlines) == 0 {
		return nil, &MissingClaimError{Claim: "NotOnOrAfter"}
	}
	for _, d := range deadlines {
		t, err := samlTime(d)
		if err != nil {
			return nil, err
		}
		if !now.Before(t) {
			return nil, &ExpiredError{Now: now, Expiry: t}
		}
	}
	if a.Conditions.NotBefore != "" {
		t, err := samlTime(a.Conditions.NotBefore)
		if err != nil {
			return nil, err
		}
		if t.After(now.Add(Leeway)) {
			return nil, fmt.Errorf("%w: NotBefore %s", ErrNotYetValid, a.Conditions.NotBefore)
		}
	}
	for _, at := range a.Attributes {
		name, ok := strings.CutPrefix(at.Name, AttributePrefix)
		if !ok {
			continue
		}
		vals := make([]string, len(at.Values))
		for i, v := range at.Values {
			vals[i] = strings.TrimSpace(v)
		}
		switch {
		case name == "Role":
			for _, v := range vals {
				p := strings.Split(v, ",")
				if len(p) != 2 {
					return nil, fmt.Errorf("%w: Role value %q is not ROLE-ARN,PROVIDER-ARN", ErrClaim, v)
				}
				r, pr := strings.TrimSpace(p[0]), strings.TrimSpace(p[1])
				if strings.Contains(r, ":saml-provider/") {
					r, pr = pr, r // either order, as AWS takes it
				}
				id.Roles = append(id.Roles, [2]string{r, pr})
			}
		case name == "RoleSessionName" && len(vals) > 0:
			id.SessionName = vals[0]
		case name == "SessionDuration" && len(vals) > 0:
			n, err := strconv.Atoi(vals[0])
			if err != nil {
				return nil, fmt.Errorf("%w: SessionDuration %q", ErrClaim, vals[0])
			}
			id.SessionDuration = n
		case strings.HasPrefix(name, "PrincipalTag:") && len(vals) > 0:
			if id.Tags == nil {
				id.Tags = map[string]string{}
			}
			id.Tags[strings.TrimPrefix(name, "PrincipalTag:")] = vals[0]
		case name == "TransitiveTagKeys":
			id.TransitiveTagKeys = append(id.TransitiveTagKeys, vals...)
		case name == "SourceIdentity" && len(vals) > 0:
			id.SourceIdentity = vals[0]
		}
	}
	if id.SessionName == "" {
		return nil, &MissingClaimError{Claim: AttributePrefix + "RoleSessionName"}
	}
	return id, nil
}

// NameQualifier is the saml:namequalifier key (and AssumeRoleWithSAML's
// NameQualifier): Base64(SHA1(issuer + account ID + "/" + provider name))
// (the IAM User Guide, "Available keys for SAML-based AWS STS
// federation").
func NameQualifier(issuer, account, providerName string) string {
	sum := sha1.Sum([]byte(issuer + account + "/" + providerName))
	return base64.StdEncoding.EncodeToString(sum[:])
}
