package console

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/iamgate/iamgate/api/iam"
	"github.com/iamgate/iamgate/credential"
)

// FIDO security keys (WebAuthn). A signed-in user registers a key on the
// security keys page for itself, or for another user of the account with
// ?user=NAME (iam:EnableMFADevice on that user, as AWS's console
// authorizes it); the key is then one of the user's MFA devices
// (iam.EnableSecurityKey), and a sign-in after the password asks for it.
// The browser side is static/webauthn.js, which calls
// navigator.credentials.create and .get with the options the page carries
// and posts the answer with the form.
//
// Each ceremony's challenge is kept in the session it was begun in and is
// taken (cleared, with a write conditional on the session as read) before
// the answer is checked, so an answer is checked once, on whichever
// server. User verification is preferred, as AWS asks for it; attestation
// is none (AWS records no attestation: it reads certifications from the
// FIDO metadata service, which iamgate does not reach).

// errKeyReplayed: an assertion whose signature counter is not above the
// stored one (a cloned authenticator, or an answer used twice).
var errKeyReplayed = errors.New("console: the security key's signature counter did not advance")

// errNoRelyingParty: the console is reached at an origin WebAuthn cannot
// use (an IP address: browsers take only a domain name as the relying
// party's ID).
var errNoRelyingParty = errors.New("console: security keys need the console to be reached by a domain name, not an IP address")

// keyUser is the IAM user as the WebAuthn library sees it.
type keyUser struct {
	id, name, display string
	creds             []webauthn.Credential
}

func (u keyUser) WebAuthnID() []byte                         { return []byte(u.id) }
func (u keyUser) WebAuthnName() string                       { return u.name }
func (u keyUser) WebAuthnDisplayName() string                { return u.display }
func (u keyUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// securityKey is a user's key: its serial number and credential record.
type securityKey struct {
	Serial string
	cred   webauthn.Credential
}

// mfaDevices are the user's enabled devices: the virtual ones' serial
// numbers, and the security keys.
func (c *Console) mfaDevices(ctx context.Context, account, user string) (totp []string, keys []securityKey, err error) {
	ds, err := c.cfg.State.Credentials().MFADevices(ctx, account)
	if err != nil {
		return nil, nil, err
	}
	for _, d := range ds {
		if d.User != user || d.Enabled.IsZero() {
			continue
		}
		if !d.IsSecurityKey() {
			totp = append(totp, d.Serial)
			continue
		}
		k := securityKey{Serial: d.Serial}
		if err := json.Unmarshal(d.SecurityKey, &k.cred); err != nil {
			return nil, nil, err
		}
		keys = append(keys, k)
	}
	return totp, keys, nil
}

// keyUserOf is a user with its keys. Its user handle (WebAuthn's
// user.id, which the authenticator keeps and the page shows) is a hash of
// the account and the user's unique ID: it names the user without telling
// its ID.
func keyUserOf(account, name, userID string, keys []securityKey) keyUser {
	h := sha256.Sum256([]byte("iamgate-webauthn-user\x00" + account + "\x00" + name + "\x00" + userID))
	u := keyUser{id: string(h[:]), name: name, display: name + " @ " + account}
	for _, k := range keys {
		u.creds = append(u.creds, k.cred)
	}
	return u
}

// origin is the console's origin: Config.Origin, or the request's (its
// Host, https when it came over TLS).
func (c *Console) origin(r *http.Request) string {
	if c.cfg.Origin != "" {
		return c.cfg.Origin
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// relyingParty is the WebAuthn relying party of the console at the
// request's origin: its ID is the origin's host name, and an answer made
// for another origin is refused.
func (c *Console) relyingParty(r *http.Request) (*webauthn.WebAuthn, error) {
	o := c.origin(r)
	u, err := url.Parse(o)
	if err != nil || u.Hostname() == "" || protocol.ValidateRPID(u.Hostname()) != nil {
		return nil, errNoRelyingParty
	}
	return webauthn.New(&webauthn.Config{
		RPID:                  u.Hostname(),
		RPDisplayName:         "iamgate",
		RPOrigins:             []string{o},
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementDiscouraged,
			UserVerification: protocol.VerificationPreferred,
		},
	})
}

// ceremonyState is what a session keeps of a ceremony: the user it is
// for (the signed-in user, or the user a key is registered for) and the
// library's session data (the challenge).
type ceremonyState struct {
	User string               `json:"user"`
	Data webauthn.SessionData `json:"data"`
}

// beginCeremony keeps a ceremony for user in the session.
func (c *Console) beginCeremony(ctx context.Context, s *session, user string, sd *webauthn.SessionData) error {
	data, err := json.Marshal(ceremonyState{User: user, Data: *sd})
	if err != nil {
		return err
	}
	s.Ceremony = data
	return c.save(ctx, s)
}

// takeCeremony takes the session's ceremony for user, once: nil when
// there is none, it is for another user, or another request took it first.
func (c *Console) takeCeremony(ctx context.Context, s *session, user string) (*webauthn.SessionData, error) {
	if len(s.Ceremony) == 0 {
		return nil, nil
	}
	var cs ceremonyState
	if err := json.Unmarshal(s.Ceremony, &cs); err != nil {
		return nil, err
	}
	s.Ceremony = nil
	if err := c.save(ctx, s); err != nil {
		if errors.Is(err, errSessionGone) {
			return nil, nil
		}
		return nil, err
	}
	if cs.User != user {
		return nil, nil
	}
	return &cs.Data, nil
}

// loginOptions begins a sign-in with the user's keys: the options
// navigator.credentials.get takes, as JSON.
func (c *Console) loginOptions(r *http.Request, s *session, keys []securityKey) (string, error) {
	wa, err := c.relyingParty(r)
	if err != nil {
		return "", err
	}
	opts, sd, err := wa.BeginLogin(keyUserOf(s.Account, s.User, s.UserID, keys), webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return "", err
	}
	if err := c.beginCeremony(r.Context(), s, s.User, sd); err != nil {
		return "", err
	}
	out, err := json.Marshal(opts)
	return string(out), err
}

// checkAssertion checks a security key's answer to the session's sign-in
// challenge and records the key's new signature counter. A wrong answer
// is false with no error.
func (c *Console) checkAssertion(r *http.Request, s *session, answer string) (bool, error) {
	ctx := r.Context()
	sd, err := c.takeCeremony(ctx, s, s.User)
	if err != nil || sd == nil {
		return false, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes([]byte(answer))
	if err != nil {
		return false, nil
	}
	_, keys, err := c.mfaDevices(ctx, s.Account, s.User)
	if err != nil || len(keys) == 0 {
		return false, err
	}
	wa, err := c.relyingParty(r)
	if errors.Is(err, errNoRelyingParty) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	cred, err := wa.ValidateLogin(keyUserOf(s.Account, s.User, s.UserID, keys), *sd, parsed)
	if err != nil {
		return false, nil
	}
	if cred.Authenticator.CloneWarning {
		c.log.Warn("console: a security key's signature counter did not advance (a cloned key, or a replayed answer)", "account", s.Account, "user", s.User)
		return false, nil
	}
	var serial string
	for _, k := range keys {
		if string(k.cred.ID) == string(cred.ID) {
			serial = k.Serial
		}
	}
	err = c.cfg.State.Credentials().UseSecurityKey(ctx, s.Account, s.User, serial, func(old []byte) ([]byte, error) {
		var stored webauthn.Credential
		if err := json.Unmarshal(old, &stored); err != nil {
			return nil, err
		}
		// Against the record as stored now, which another sign-in may
		// have advanced since it was read.
		n := cred.Authenticator.SignCount
		if (n != 0 || stored.Authenticator.SignCount != 0) && n <= stored.Authenticator.SignCount {
			return nil, errKeyReplayed
		}
		stored.Authenticator.SignCount, stored.Flags = n, cred.Flags
		return json.Marshal(stored)
	})
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, errKeyReplayed), errors.Is(err, credential.ErrSecurityKeyChanged), errors.Is(err, credential.ErrInvalidCode):
		return false, nil
	default:
		return false, err
	}
}

// keySignIn checks the security key's answer after the password.
func (c *Console) keySignIn(w http.ResponseWriter, r *http.Request, s *session) {
	c.secondFactor(w, r, s, func() (bool, error) { return c.checkAssertion(r, s, r.PostForm.Get("credential")) })
}

type securityKeysData struct {
	// User is the user whose keys these are (the signed-in user, or
	// another an administrator registers a key for).
	User, Account string
	Self          bool
	Devices       []listedDevice
	Options       string
	Name, Error   string
	// Unavailable says why no key can be registered here.
	Unavailable string
}

// listedDevice is an MFA device as ListMFADevices gives it.
type listedDevice struct {
	UserName     string `xml:"UserName"`
	SerialNumber string `xml:"SerialNumber"`
	EnableDate   string `xml:"EnableDate"`
}

// SecurityKey reports a FIDO security key's serial number.
func (d listedDevice) SecurityKey() bool { return strings.Contains(d.SerialNumber, ":u2f/") }

// keysTarget is the user a security keys page is for: ?user= (or the
// form's user), else the signed-in user.
func keysTarget(v *view, form bool) string {
	u := v.request.URL.Query().Get("user")
	if form {
		u = v.request.PostForm.Get("user")
	}
	if u == "" {
		return v.s.User
	}
	return u
}

// securityKeysPage lists a user's MFA devices with ListMFADevices as the
// signed-in user (so a user it may not list is AccessDenied, and one that
// does not exist NoSuchEntity, as AWS answers) and begins the
// registration of a key for it.
func (c *Console) securityKeysPage(w http.ResponseWriter, v *view, target string, status int, name, msg string) {
	r := v.request
	p := v.page
	p.Title, p.Nav, p.CSRF = "Security keys", "home", v.s.CSRF
	var listed struct {
		Devices []listedDevice `xml:"MFADevices>member"`
	}
	if f := c.iamCall(v.ctx, v.a, "ListMFADevices", url.Values{"UserName": {target}}, &listed); f != nil {
		c.fail(w, r, p, f)
		return
	}
	d := securityKeysData{User: target, Account: v.s.Account, Self: target == v.s.User, Devices: listed.Devices, Name: name, Error: msg}
	u := userOf(c.cfg.State.World(), v.s.Account, target)
	wa, err := c.relyingParty(r)
	if errors.Is(err, errNoRelyingParty) || u == nil {
		d.Unavailable = "The user was deleted meanwhile."
		if u != nil {
			d.Unavailable = err.Error()
		}
		p.Data = d
		c.render(w, r, status, "securitykeys", p)
		return
	}
	if err != nil {
		c.internal(w, r, err)
		return
	}
	_, keys, err := c.mfaDevices(v.ctx, v.s.Account, target)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	ku := keyUserOf(v.s.Account, target, u.ID, keys)
	var exclude []protocol.CredentialDescriptor
	for _, k := range ku.creds {
		exclude = append(exclude, k.Descriptor())
	}
	opts, sd, err := wa.BeginRegistration(ku, webauthn.WithExclusions(exclude))
	if err == nil {
		err = c.beginCeremony(v.ctx, v.s, target, sd)
	}
	var data []byte
	if err == nil {
		data, err = json.Marshal(opts)
	}
	if err != nil {
		c.internal(w, r, err)
		return
	}
	d.Options = string(data)
	p.Data = d
	c.render(w, r, status, "securitykeys", p)
}

func (c *Console) securityKeys(w http.ResponseWriter, v *view) {
	c.securityKeysPage(w, v, keysTarget(v, false), http.StatusOK, "", "")
}

// registerKey checks the key's answer to the registration challenge and
// makes the key an MFA device of the user the ceremony was begun for,
// with iam.EnableSecurityKey as the signed-in user (iam:EnableMFADevice on
// that user, recorded in the audit log as EnableMFADevice).
func (c *Console) registerKey(w http.ResponseWriter, v *view) {
	r := v.request
	if !parseForm(w, r) || !sameToken(r.PostForm.Get("csrf"), v.s.CSRF) {
		c.refuse(w, r, "The form's token is missing or wrong.")
		return
	}
	target := keysTarget(v, true)
	name := r.PostForm.Get("name")
	sd, err := c.takeCeremony(v.ctx, v.s, target)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	const refused = "The security key's answer could not be verified. Try again."
	again := func(msg string) { c.securityKeysPage(w, v, target, http.StatusBadRequest, name, msg) }
	if sd == nil {
		again(refused)
		return
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes([]byte(r.PostForm.Get("credential")))
	if err != nil {
		again(refused)
		return
	}
	u := userOf(c.cfg.State.World(), v.s.Account, target)
	if u == nil {
		again(refused)
		return
	}
	_, keys, err := c.mfaDevices(v.ctx, v.s.Account, target)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	wa, err := c.relyingParty(r)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	cred, err := wa.CreateCredential(keyUserOf(v.s.Account, target, u.ID, keys), *sd, parsed)
	if err != nil {
		again(refused)
		return
	}
	record, err := json.Marshal(cred)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	call, rec := c.newCall(v.ctx, v.a, "EnableMFADevice")
	_, qe := iam.EnableSecurityKey(call, target, name, record)
	if f := c.record(v.ctx, v.a, call, rec, "iam", "EnableMFADevice", qe); f != nil {
		if f.AccessDenied() {
			c.fail(w, r, v.page, f)
			return
		}
		again(f.Text())
		return
	}
	to := Path + "security-keys"
	if target != v.s.User {
		to += "?user=" + url.QueryEscape(target)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}
