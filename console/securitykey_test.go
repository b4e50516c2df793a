package console_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/fxamacker/cbor/v2"

	"github.com/iamgate/iamgate/console"
	"github.com/iamgate/iamgate/credential"
)

// softKey is a FIDO2 authenticator in software, as the WebAuthn Level 2
// recommendation defines its answers: an ES256 key pair, attestation
// "none" (section 8.7), authenticator data with the attested credential
// data (6.1, 6.5.1), the credential public key as COSE_Key (RFC 9053,
// EC2 with P-256), assertions signed over authenticatorData ||
// SHA-256(clientDataJSON) (6.3.3).
type softKey struct {
	t     *testing.T
	priv  *ecdsa.PrivateKey
	id    []byte
	count uint32
	// origin is the origin the "browser" puts in clientDataJSON ("" for
	// the page's).
	origin string
}

func newSoftKey(t *testing.T) *softKey {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id := make([]byte, 32)
	if _, err := rand.Read(id); err != nil {
		t.Fatal(err)
	}
	return &softKey{t: t, priv: priv, id: id}
}

var b64u = base64.RawURLEncoding

// ceremony is what the pages' options carry.
type ceremony struct {
	PublicKey struct {
		Challenge string `json:"challenge"`
		RP        struct {
			ID string `json:"id"`
		} `json:"rp"`
		RPID string `json:"rpId"`
	} `json:"publicKey"`
}

var optionsAttr = regexp.MustCompile(`data-options="([^"]*)"`)

// options reads the ceremony a page began.
func options(t *testing.T, body string) ceremony {
	t.Helper()
	m := optionsAttr.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no WebAuthn options in the page: %s", body)
	}
	var c ceremony
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func (k *softKey) clientData(typ, challenge, origin string) []byte {
	if k.origin != "" {
		origin = k.origin
	}
	data, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": origin, "crossOrigin": false})
	return data
}

// authData is the authenticator data: the RP ID's hash, flags UP and UV
// (and AT with attested), the counter.
func (k *softKey) authData(rpID string, attested []byte) []byte {
	h := sha256.Sum256([]byte(rpID))
	flags := byte(0x01 | 0x04)
	if attested != nil {
		flags |= 0x40
	}
	out := append(h[:], flags)
	out = binary.BigEndian.AppendUint32(out, k.count)
	return append(out, attested...)
}

// create answers navigator.credentials.create.
func (k *softKey) create(c ceremony, origin string) string {
	x, y := make([]byte, 32), make([]byte, 32)
	pub, err := k.priv.PublicKey.ECDH()
	if err != nil {
		k.t.Fatal(err)
	}
	raw := pub.Bytes() // 0x04 || X || Y
	copy(x, raw[1:33])
	copy(y, raw[33:])
	cose, err := cbor.Marshal(map[int]any{1: 2, 3: -7, -1: 1, -2: x, -3: y})
	if err != nil {
		k.t.Fatal(err)
	}
	attested := make([]byte, 16) // AAGUID zero
	attested = binary.BigEndian.AppendUint16(attested, uint16(len(k.id)))
	attested = append(append(attested, k.id...), cose...)
	att, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": k.authData(c.PublicKey.RP.ID, attested)})
	if err != nil {
		k.t.Fatal(err)
	}
	out, _ := json.Marshal(map[string]any{"id": b64u.EncodeToString(k.id), "rawId": b64u.EncodeToString(k.id), "type": "public-key",
		"clientExtensionResults": map[string]any{},
		"response": map[string]any{"clientDataJSON": b64u.EncodeToString(k.clientData("webauthn.create", c.PublicKey.Challenge, origin)),
			"attestationObject": b64u.EncodeToString(att), "transports": []string{"usb"}}})
	return string(out)
}

// get answers navigator.credentials.get, the counter one higher.
func (k *softKey) get(c ceremony, origin string) string {
	k.count++
	ad := k.authData(c.PublicKey.RPID, nil)
	cd := k.clientData("webauthn.get", c.PublicKey.Challenge, origin)
	h := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, ad...), h[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, k.priv, digest[:])
	if err != nil {
		k.t.Fatal(err)
	}
	out, _ := json.Marshal(map[string]any{"id": b64u.EncodeToString(k.id), "rawId": b64u.EncodeToString(k.id), "type": "public-key",
		"clientExtensionResults": map[string]any{},
		"response": map[string]any{"clientDataJSON": b64u.EncodeToString(cd), "authenticatorData": b64u.EncodeToString(ad),
			"signature": b64u.EncodeToString(sig)}})
	return string(out)
}

// byName is a browser at http://localhost:PORT: WebAuthn takes no IP
// address as the relying party's ID.
func byName(b *browser) *browser {
	b.base = strings.Replace(b.base, "127.0.0.1", "localhost", 1)
	return b
}

// register registers k for the signed-in browser's user.
func register(t *testing.T, b *browser, k *softKey, name string) response {
	t.Helper()
	return registerFor(t, b, k, "", name)
}

// registerFor registers k for a user ("": the signed-in user), as the
// page at /console/security-keys?user=USER does.
func registerFor(t *testing.T, b *browser, k *softKey, user, name string) response {
	t.Helper()
	path := "/console/security-keys"
	if user != "" {
		path += "?user=" + url.QueryEscape(user)
	}
	p := b.get(path)
	if p.status != http.StatusOK {
		t.Fatalf("security keys page: %d %s", p.status, p.body)
	}
	m := csrfField.FindStringSubmatch(p.body)
	return b.post("/console/security-keys", url.Values{"csrf": {m[1]}, "user": {user}, "name": {name}, "credential": {k.create(options(t, p.body), b.base)}})
}

// keySignIn signs in with the password, then answers the key step with
// answer (nil: k's right answer).
func keySignIn(t *testing.T, b *browser, user, password string, answer func(c ceremony) string) response {
	t.Helper()
	r := b.signIn(account, user, password)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/console/signin/mfa") {
		t.Fatalf("after the password: %d %s", r.status, r.location)
	}
	p := b.get(r.location)
	m := csrfField.FindStringSubmatch(p.body)
	if m == nil || !strings.Contains(p.body, `data-webauthn="get"`) {
		t.Fatalf("the MFA step offers no security key: %s", p.body)
	}
	return b.post("/console/signin/security-key", url.Values{"csrf": {m[1]}, "credential": {answer(options(t, p.body))}})
}

const keyPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:EnableMFADevice","iam:ListMFADevices","iam:ListVirtualMFADevices","iam:GetUser"],"Resource":"*"},` +
	`{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`

// TestSecurityKey registers a key from the console, finds it in
// ListMFADevices with the serial number AWS gives FIDO keys (the AWS
// CLI's list-mfa-devices and get-mfa-device examples:
// arn:aws:iam::123456789012:u2f/user/alice/fidokeyname-EXAMPLEBN5FHTECLFG7EXAMPLE),
// not in ListVirtualMFADevices, and signs in with it.
func TestSecurityKey(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "Alice-Passw0rd", keyPolicy, false)
	b := byName(e.browser())
	b.signedIn(e, "alice", "Alice-Passw0rd", "")
	k := newSoftKey(t)
	if r := register(t, b, k, "yubikey"); r.status != http.StatusSeeOther || r.location != "/console/security-keys" {
		t.Fatalf("registration: %d %s %s", r.status, r.location, r.body)
	}
	ctx := context.Background()
	ds := must[*iam.ListMFADevicesOutput](t)(e.iam().ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String("alice")}))
	serial := regexp.MustCompile(`^arn:aws:iam::` + account + `:u2f/user/alice/yubikey-[A-Z2-7]{26}$`)
	if len(ds.MFADevices) != 1 || !serial.MatchString(*ds.MFADevices[0].SerialNumber) || ds.MFADevices[0].EnableDate == nil {
		t.Fatalf("ListMFADevices: %+v", ds.MFADevices)
	}
	if p := b.get("/console/security-keys"); !strings.Contains(p.body, *ds.MFADevices[0].SerialNumber) {
		t.Fatalf("the page does not list the key: %s", p.body)
	}
	got := must[*iam.GetMFADeviceOutput](t)(e.iam().GetMFADevice(ctx, &iam.GetMFADeviceInput{UserName: aws.String("alice"), SerialNumber: ds.MFADevices[0].SerialNumber}))
	if aws.ToString(got.UserName) != "alice" || got.EnableDate == nil {
		t.Fatalf("GetMFADevice: %+v", got)
	}
	// The virtual device operations know no key: NoSuchEntity.
	var nse *iamtypes.NoSuchEntityException
	if _, err := e.iam().DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: ds.MFADevices[0].SerialNumber}); !errors.As(err, &nse) {
		t.Fatalf("DeleteVirtualMFADevice of a key: %v", err)
	}
	if _, err := e.iam().ListMFADeviceTags(ctx, &iam.ListMFADeviceTagsInput{SerialNumber: ds.MFADevices[0].SerialNumber}); !errors.As(err, &nse) {
		t.Fatalf("ListMFADeviceTags of a key: %v", err)
	}
	vs := must[*iam.ListVirtualMFADevicesOutput](t)(e.iam().ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{}))
	if len(vs.VirtualMFADevices) != 0 {
		t.Fatalf("ListVirtualMFADevices lists the key: %+v", vs.VirtualMFADevices)
	}
	// The registration was audited as EnableMFADevice of alice.
	if entries, err := e.srv.State().AuditLog(ctx, auditFilter("arn:aws:iam::"+account+":user/alice", "EnableMFADevice")); err != nil || len(entries) != 1 {
		t.Fatalf("audited EnableMFADevice: %d %v", len(entries), err)
	}

	// Sign-in: the key after the password, and MFA is present.
	c := byName(e.browser())
	if r := keySignIn(t, c, "alice", "Alice-Passw0rd", func(cer ceremony) string { return k.get(cer, c.base) }); r.status != http.StatusSeeOther || r.location != "/console/" {
		t.Fatalf("sign-in with the key: %d %s %s", r.status, r.location, r.body)
	}
	if p := c.get("/console/iam"); p.status != http.StatusOK || !strings.Contains(p.body, "alice") {
		t.Fatalf("ListUsers with MFA: %d %s", p.status, p.body)
	}

	// A TOTP code is no way in through a key: the TOTP form is not offered
	// and a code is refused.
	d := byName(e.browser())
	r := d.signIn(account, "alice", "Alice-Passw0rd")
	p := d.get(r.location)
	if strings.Contains(p.body, `name="code"`) {
		t.Fatalf("a user with only a key is offered the code form: %s", p.body)
	}
	if w := d.post("/console/signin/mfa", url.Values{"csrf": {csrfField.FindStringSubmatch(p.body)[1]}, "code": {"123456"}}); w.status != http.StatusUnauthorized {
		t.Fatalf("a code for a key: %d %s", w.status, w.location)
	}

	// DeactivateMFADevice takes the key away (and deletes it); the
	// password alone signs in again.
	must[*iam.DeactivateMFADeviceOutput](t)(e.iam().DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{UserName: aws.String("alice"), SerialNumber: ds.MFADevices[0].SerialNumber}))
	ds = must[*iam.ListMFADevicesOutput](t)(e.iam().ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String("alice")}))
	if len(ds.MFADevices) != 0 {
		t.Fatalf("after DeactivateMFADevice: %+v", ds.MFADevices)
	}
	byName(e.browser()).signedIn(e, "alice", "Alice-Passw0rd", "")
}

// TestSecurityKeyAndTOTP: a user with both is offered both, and either
// signs in.
func TestSecurityKeyAndTOTP(t *testing.T) {
	e := newEnv(t)
	e.user("bob", "Bob-Passw0rd1", keyPolicy, false)
	seed := e.enableMFA("bob")
	b := byName(e.browser())
	b.signedIn(e, "bob", "Bob-Passw0rd1", seed)
	k := newSoftKey(t)
	if r := register(t, b, k, "key1"); r.status != http.StatusSeeOther {
		t.Fatalf("registration: %d %s", r.status, r.body)
	}
	c := byName(e.browser())
	r := c.signIn(account, "bob", "Bob-Passw0rd1")
	if p := c.get(r.location); !strings.Contains(p.body, `name="code"`) || !strings.Contains(p.body, `data-webauthn="get"`) {
		t.Fatalf("both factors are not offered: %s", p.body)
	}
	e.advance(3 * credential.Step) // the code of the first sign-in is taken
	byName(e.browser()).signedIn(e, "bob", "Bob-Passw0rd1", seed)
	if r := keySignIn(t, byName(e.browser()), "bob", "Bob-Passw0rd1", func(cer ceremony) string { return k.get(cer, c.base) }); r.status != http.StatusSeeOther || r.location != "/console/" {
		t.Fatalf("sign-in with the key: %d %s", r.status, r.location)
	}
}

// TestSecurityKeyRefused: answers that must not sign in. Each is refused
// as a wrong password is (401, the one message).
func TestSecurityKeyRefused(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "Alice-Passw0rd", keyPolicy, false)
	e.user("mallory", "Mallory-Passw0rd", keyPolicy, false)
	ka, km := newSoftKey(t), newSoftKey(t)
	for _, u := range []struct {
		name, pw string
		k        *softKey
	}{{"alice", "Alice-Passw0rd", ka}, {"mallory", "Mallory-Passw0rd", km}} {
		b := byName(e.browser())
		b.signedIn(e, u.name, u.pw, "")
		if r := register(t, b, u.k, "key"); r.status != http.StatusSeeOther {
			t.Fatalf("registration of %s: %d %s", u.name, r.status, r.body)
		}
	}
	refused := func(name string, r response) {
		t.Helper()
		if r.status != http.StatusUnauthorized || !strings.Contains(r.body, errSignIn) {
			t.Fatalf("%s: %d %s %s", name, r.status, r.location, r.body)
		}
	}
	// Each refusal counts as a failed sign-in; each sign-in here comes
	// after any hold they make (signin.go: at most 15 minutes).
	in := func() *browser { e.advance(16 * time.Minute); return byName(e.browser()) }
	base := byName(e.browser()).base

	// Another user's key (mallory's, for alice's sign-in).
	refused("another user's key", keySignIn(t, in(), "alice", "Alice-Passw0rd", func(c ceremony) string { return km.get(c, base) }))

	// An answer made for another origin (a phishing site's).
	evil := *ka
	evil.origin = "https://console.example.net"
	refused("another origin", keySignIn(t, in(), "alice", "Alice-Passw0rd", func(c ceremony) string { return evil.get(c, base) }))
	ka.count = evil.count

	// An answer to another challenge.
	refused("another challenge", keySignIn(t, in(), "alice", "Alice-Passw0rd", func(c ceremony) string {
		c.PublicKey.Challenge = b64u.EncodeToString([]byte("not the challenge the page was given"))
		return ka.get(c, base)
	}))

	// A challenge is taken by the first answer to it: after a wrong
	// answer, the right one to the same challenge is refused.
	b := in()
	r := b.signIn(account, "alice", "Alice-Passw0rd")
	p := b.get(r.location)
	tok, cer := csrfField.FindStringSubmatch(p.body)[1], options(t, p.body)
	refused("a wrong answer", b.post("/console/signin/security-key", url.Values{"csrf": {tok}, "credential": {km.get(cer, base)}}))
	refused("a challenge answered twice", b.post("/console/signin/security-key", url.Values{"csrf": {tok}, "credential": {ka.get(cer, base)}}))

	// A right answer, then the same answer in another sign-in (another
	// challenge).
	b = in()
	r = b.signIn(account, "alice", "Alice-Passw0rd")
	p = b.get(r.location)
	tok, cer = csrfField.FindStringSubmatch(p.body)[1], options(t, p.body)
	good := ka.get(cer, base)
	if w := b.post("/console/signin/security-key", url.Values{"csrf": {tok}, "credential": {good}}); w.status != http.StatusSeeOther || w.location != "/console/" {
		t.Fatalf("the right answer: %d %s %s", w.status, w.location, w.body)
	}
	c := in()
	r = c.signIn(account, "alice", "Alice-Passw0rd")
	p = c.get(r.location)
	refused("an answer used twice", c.post("/console/signin/security-key", url.Values{"csrf": {csrfField.FindStringSubmatch(p.body)[1]}, "credential": {good}}))

	// A cloned key: the right key and challenge, the counter not above the
	// last one seen.
	refused("a counter that did not advance", keySignIn(t, in(), "alice", "Alice-Passw0rd", func(c ceremony) string {
		ka.count--
		return ka.get(c, base)
	}))

	// Nothing, or junk.
	refused("no answer", keySignIn(t, in(), "alice", "Alice-Passw0rd", func(ceremony) string { return "" }))
	refused("junk", keySignIn(t, in(), "alice", "Alice-Passw0rd", func(ceremony) string { return `{"id":"x","type":"public-key","response":{}}` }))

	// The key still works after all that.
	if r := keySignIn(t, in(), "alice", "Alice-Passw0rd", func(c ceremony) string { return ka.get(c, base) }); r.status != http.StatusSeeOther {
		t.Fatalf("the right answer after the refusals: %d %s", r.status, r.body)
	}
}

// TestSecurityKeyRegistrationRefused: registration is authorized as
// iam:EnableMFADevice on the caller's own user ARN, and a bad answer
// changes nothing.
func TestSecurityKeyRegistrationRefused(t *testing.T) {
	e := newEnv(t)
	e.user("carol", "Carol-Passw0rd", readOnly, false)
	onlyOthers := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListMFADevices","Resource":"*"},{"Effect":"Allow","Action":"iam:EnableMFADevice","Resource":"arn:aws:iam::` + account + `:user/someone-else"}]}`
	e.user("dave", "Dave-Passw0rd1", onlyOthers, false)
	e.user("erin", "Erin-Passw0rd1", keyPolicy, false)
	ctx := context.Background()
	for _, u := range []struct{ name, pw string }{{"carol", "Carol-Passw0rd"}, {"dave", "Dave-Passw0rd1"}} {
		b := byName(e.browser())
		b.signedIn(e, u.name, u.pw, "")
		r := register(t, b, newSoftKey(t), "key")
		if r.status != http.StatusForbidden || !strings.Contains(r.body, "iam:EnableMFADevice") || !strings.Contains(r.body, "user/"+u.name) {
			t.Fatalf("%s without iam:EnableMFADevice on itself: %d %s", u.name, r.status, r.body)
		}
		ds := must[*iam.ListMFADevicesOutput](t)(e.iam().ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String(u.name)}))
		if len(ds.MFADevices) != 0 {
			t.Fatalf("%s: a refused registration left %+v", u.name, ds.MFADevices)
		}
	}
	b := byName(e.browser())
	b.signedIn(e, "erin", "Erin-Passw0rd1", "")
	k := newSoftKey(t)
	for name, send := range map[string]func() response{
		"a bad name": func() response { return register(t, b, k, "no spaces") },
		"another origin": func() response {
			evil := *k
			evil.origin = "https://console.example.net"
			return register(t, b, &evil, "key")
		},
		"no ceremony": func() response {
			p := b.get("/console/security-keys")
			cer := options(t, p.body)
			tok := csrfField.FindStringSubmatch(p.body)[1]
			b.post("/console/security-keys", url.Values{"csrf": {tok}, "name": {"key"}, "credential": {"{}"}})
			// The ceremony was taken by the junk answer.
			return b.post("/console/security-keys", url.Values{"csrf": {tok}, "name": {"key"}, "credential": {k.create(cer, b.base)}})
		},
	} {
		if r := send(); r.status != http.StatusBadRequest {
			t.Fatalf("%s: %d %s", name, r.status, r.body)
		}
	}
	ds := must[*iam.ListMFADevicesOutput](t)(e.iam().ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String("erin")}))
	if len(ds.MFADevices) != 0 {
		t.Fatalf("refused registrations left %+v", ds.MFADevices)
	}
	// Without its CSRF token, refused.
	if r := b.post("/console/security-keys", url.Values{"name": {"key"}}); r.status != http.StatusForbidden {
		t.Fatalf("no CSRF token: %d", r.status)
	}
}

// TestSecurityKeyByIPAddress: WebAuthn takes no IP address as the
// relying party's ID, so the page says so instead of failing.
func TestSecurityKeyByIPAddress(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "Alice-Passw0rd", keyPolicy, false)
	b := e.browser()
	b.signedIn(e, "alice", "Alice-Passw0rd", "")
	if p := b.get("/console/security-keys"); p.status != http.StatusOK || !strings.Contains(p.body, "domain name") || strings.Contains(p.body, "data-options") {
		t.Fatalf("security keys page by IP address: %d %s", p.status, p.body)
	}
}

// TestSecurityKeyForAnotherUser: as in the seed's post, an administrator
// registers a key for another user of the account (iam:EnableMFADevice on
// that user's ARN), who then signs in with it. A user limited to its own
// ARN (${aws:username}) cannot; a user that does not exist is
// NoSuchEntity only for a caller allowed to ask; a ceremony begun for one
// user does not register a key for another.
func TestSecurityKeyForAnotherUser(t *testing.T) {
	e := newEnv(t)
	e.user("admin2", "Admin2-Passw0rd", keyPolicy, false)
	e.user("frank", "Frank-Passw0rd", keyPolicy, false)
	self := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:EnableMFADevice","iam:ListMFADevices"],"Resource":"arn:aws:iam::*:user/${aws:username}"}]}`
	e.user("grace", "Grace-Passw0rd", self, false)
	a := byName(e.browser())
	a.signedIn(e, "admin2", "Admin2-Passw0rd", "")
	k := newSoftKey(t)
	if r := registerFor(t, a, k, "frank", "franks-key"); r.status != http.StatusSeeOther || r.location != "/console/security-keys?user=frank" {
		t.Fatalf("registration for frank: %d %s %s", r.status, r.location, r.body)
	}
	ds := must[*iam.ListMFADevicesOutput](t)(e.iam().ListMFADevices(context.Background(), &iam.ListMFADevicesInput{UserName: aws.String("frank")}))
	if len(ds.MFADevices) != 1 || !strings.Contains(*ds.MFADevices[0].SerialNumber, ":u2f/user/frank/franks-key-") {
		t.Fatalf("frank's devices: %+v", ds.MFADevices)
	}
	f := byName(e.browser())
	if r := keySignIn(t, f, "frank", "Frank-Passw0rd", func(c ceremony) string { return k.get(c, f.base) }); r.status != http.StatusSeeOther || r.location != "/console/" {
		t.Fatalf("frank's sign-in with the key: %d %s", r.status, r.location)
	}

	// grace, for herself: yes; for frank, or a user that does not exist:
	// AccessDenied, the same answer.
	g := byName(e.browser())
	g.signedIn(e, "grace", "Grace-Passw0rd", "")
	if r := register(t, g, newSoftKey(t), "mine"); r.status != http.StatusSeeOther {
		t.Fatalf("grace for herself: %d %s", r.status, r.body)
	}
	for _, u := range []string{"frank", "nobody"} {
		if p := g.get("/console/security-keys?user=" + u); p.status != http.StatusForbidden || !strings.Contains(p.body, "iam:ListMFADevices") {
			t.Fatalf("grace, the page of %s: %d %s", u, p.status, p.body)
		}
	}
	// admin2 may ask: nobody does not exist.
	if p := a.get("/console/security-keys?user=nobody"); p.status != http.StatusNotFound && p.status != http.StatusBadRequest || !strings.Contains(p.body, "NoSuchEntity") {
		t.Fatalf("admin2, the page of nobody: %d %s", p.status, p.body)
	}
	// A ceremony begun for admin2 itself, posted for frank: refused.
	p := a.get("/console/security-keys")
	tok := csrfField.FindStringSubmatch(p.body)[1]
	r := a.post("/console/security-keys", url.Values{"csrf": {tok}, "user": {"frank"}, "name": {"other"}, "credential": {newSoftKey(t).create(options(t, p.body), a.base)}})
	if r.status != http.StatusBadRequest {
		t.Fatalf("a ceremony for another user: %d %s", r.status, r.body)
	}
	ds = must[*iam.ListMFADevicesOutput](t)(e.iam().ListMFADevices(context.Background(), &iam.ListMFADevicesInput{UserName: aws.String("frank")}))
	if len(ds.MFADevices) != 1 {
		t.Fatalf("frank's devices after the refusal: %+v", ds.MFADevices)
	}
}

// TestConsoleOrigin: Config.Origin (serve --console-origin) must be an
// origin, and it is then the only one whose answers are taken, whatever
// the request's host.
func TestConsoleOrigin(t *testing.T) {
	e := newEnv(t)
	for _, bad := range []string{"localhost", "ftp://host", "https://host/path", "https://host?q=1"} {
		if _, err := console.New(console.Config{State: e.srv.State(), Store: e.st, Origin: bad}); err == nil {
			t.Errorf("origin %q was taken", bad)
		}
	}
	con, err := console.New(console.Config{State: e.srv.State(), Store: e.st, Origin: "https://console.example.com/", SignInDelay: signInDelay})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(con)
	t.Cleanup(ts.Close)
	e.user("alice", "Alice-Passw0rd", keyPolicy, false)
	b := byName(e.browser())
	b.base = strings.Replace(ts.URL, "127.0.0.1", "localhost", 1)
	b.signedIn(e, "alice", "Alice-Passw0rd", "")
	p := b.get("/console/security-keys")
	cer := options(t, p.body)
	if cer.PublicKey.RP.ID != "console.example.com" {
		t.Fatalf("relying party %q", cer.PublicKey.RP.ID)
	}
	// An answer for the request's own origin is refused.
	r := b.post("/console/security-keys", url.Values{"csrf": {csrfField.FindStringSubmatch(p.body)[1]}, "name": {"k"}, "credential": {newSoftKey(t).create(cer, b.base)}})
	if r.status != http.StatusBadRequest {
		t.Fatalf("an answer for the request's origin: %d %s", r.status, r.body)
	}
}

// TestSecurityKeySharedStore: two servers sharing a store behind one
// origin (the request's Host is the same): a key registered on one signs
// in on the other, and a challenge begun on one and answered on the other
// is not answered again on the first.
func TestSecurityKeySharedStore(t *testing.T) {
	a := newEnv(t)
	b := startEnv(t, a.st, a.offset)
	a.user("alice", "Alice-Passw0rd", keyPolicy, false)
	for i := 0; b.srv.State().World().Accounts.Get(account).Users.Get("alice") == nil; i++ {
		if i == 500 {
			t.Fatal("the other server never saw alice")
		}
		time.Sleep(10 * time.Millisecond)
	}
	onA := byName(a.browser())
	onA.signedIn(a, "alice", "Alice-Passw0rd", "")
	k := newSoftKey(t)
	if r := register(t, onA, k, "key"); r.status != http.StatusSeeOther {
		t.Fatalf("registration: %d %s", r.status, r.body)
	}
	s := byName(a.browser())
	r := s.signIn(account, "alice", "Alice-Passw0rd")
	p := s.get(r.location)
	form := url.Values{"csrf": {csrfField.FindStringSubmatch(p.body)[1]}, "credential": {k.get(options(t, p.body), s.base)}}
	// Both servers' requests carry the one origin's Host (and its
	// cookies, set by hand, as a browser at that origin sends them).
	post := func(base string) response {
		req, _ := http.NewRequest(http.MethodPost, base+"/console/signin/security-key", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Host = strings.TrimPrefix(s.base, "http://")
		for _, c := range s.c.Jar.Cookies(mustURL(s.base + "/console/")) {
			req.AddCookie(c)
		}
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return response{status: res.StatusCode, location: res.Header.Get("Location")}
	}
	if w := post(b.ts.URL); w.status != http.StatusSeeOther || w.location != "/console/" {
		t.Fatalf("the answer on the other server: %d %s", w.status, w.location)
	}
	if w := post(a.ts.URL); w.status == http.StatusSeeOther && w.location == "/console/" {
		t.Fatal("the same answer was taken again on the first server")
	}
}
