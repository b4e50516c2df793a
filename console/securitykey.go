package console

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/iamgate/iamgate/api/iam"
	"github.com/iamgate/iamgate/credential"
)

// FIDO security keys (WebAuthn). A signed-in user registers a key on the
// security keys page (iam:EnableMFADevice on its own user, as AWS's
// console authorizes it); the key is then one of the user's MFA devices
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
	Serial  string
	Name    string
	Enabled time.Time
	cred    webauthn.Credential
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
		k := securityKey{Serial: d.Serial, Name: d.Name, Enabled: d.Enabled}
		if err := json.Unmarshal(d.SecurityKey, &k.cred); err != nil {
			return nil, nil, err
		}
		keys = append(keys, k)
	}
	return totp, keys, nil
}

// keyUserOf is the session's user with its keys.
func keyUserOf(s *session, keys []securityKey) keyUser {
	u := keyUser{id: s.UserID, name: s.User, display: s.User + " @ " + s.Account}
	if u.id == "" {
		u.id = s.Account + "/" + s.User
	}
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

// beginCeremony keeps a ceremony's session data in the session.
func (c *Console) beginCeremony(ctx context.Context, s *session, sd *webauthn.SessionData) error {
	data, err := json.Marshal(sd)
	if err != nil {
		return err
	}
	s.Ceremony = data
	return c.save(ctx, s)
}

// takeCeremony takes the session's ceremony, once: nil when there is none,
// or when another request took it first.
func (c *Console) takeCeremony(ctx context.Context, s *session) (*webauthn.SessionData, error) {
	if len(s.Ceremony) == 0 {
		return nil, nil
	}
	var sd webauthn.SessionData
	if err := json.Unmarshal(s.Ceremony, &sd); err != nil {
		return nil, err
	}
	s.Ceremony = nil
	if err := c.save(ctx, s); err != nil {
		if errors.Is(err, errSessionGone) {
			return nil, nil
		}
		return nil, err
	}
	return &sd, nil
}

// loginOptions begins a sign-in with the user's keys: the options
// navigator.credentials.get takes, as JSON.
func (c *Console) loginOptions(r *http.Request, s *session, keys []securityKey) (string, error) {
	wa, err := c.relyingParty(r)
	if err != nil {
		return "", err
	}
	opts, sd, err := wa.BeginLogin(keyUserOf(s, keys), webauthn.WithUserVerification(protocol.VerificationPreferred))
	if err != nil {
		return "", err
	}
	if err := c.beginCeremony(r.Context(), s, sd); err != nil {
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
	sd, err := c.takeCeremony(ctx, s)
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
	if err != nil {
		return false, err
	}
	cred, err := wa.ValidateLogin(keyUserOf(s, keys), *sd, parsed)
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
	ctx := r.Context()
	next := r.PostForm.Get("next")
	start := time.Now()
	held, err := c.held(ctx, s.Account, s.User)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	ok := false
	if !held {
		if ok, err = c.checkAssertion(r, s, r.PostForm.Get("credential")); err != nil {
			c.internal(w, r, err)
			return
		}
	}
	if !ok {
		c.mfaRefused(w, r, s, held, next, start)
		return
	}
	ns := &session{Account: s.Account, User: s.User, UserID: s.UserID, MFA: true, AuthTime: c.now()}
	c.afterFactors(w, r, ns, s, safeNext(next))
}

type securityKeysData struct {
	User, Account string
	Keys          []securityKey
	Options       string
	Name, Error   string
	// Unavailable says why no key can be registered here.
	Unavailable string
}

// securityKeysPage lists the signed-in user's security keys and offers to
// register one.
func (c *Console) securityKeysPage(w http.ResponseWriter, v *view, status int, name, msg string) {
	r := v.request
	_, keys, err := c.mfaDevices(v.ctx, v.s.Account, v.s.User)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	p := v.page
	p.Title, p.Nav, p.CSRF = "Security keys", "home", v.s.CSRF
	d := securityKeysData{User: v.s.User, Account: v.s.Account, Keys: keys, Name: name, Error: msg}
	wa, err := c.relyingParty(r)
	if errors.Is(err, errNoRelyingParty) {
		d.Unavailable = err.Error()
		p.Data = d
		c.render(w, r, status, "securitykeys", p)
		return
	}
	if err != nil {
		c.internal(w, r, err)
		return
	}
	u := keyUserOf(v.s, keys)
	var exclude []protocol.CredentialDescriptor
	for _, k := range u.creds {
		exclude = append(exclude, k.Descriptor())
	}
	opts, sd, err := wa.BeginRegistration(u, webauthn.WithExclusions(exclude))
	if err == nil {
		err = c.beginCeremony(v.ctx, v.s, sd)
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
	c.securityKeysPage(w, v, http.StatusOK, "", "")
}

// registerKey checks the key's answer to the registration challenge and
// makes the key an MFA device of the user, with iam.EnableSecurityKey as
// the user (authorized, and recorded in the audit log as EnableMFADevice).
func (c *Console) registerKey(w http.ResponseWriter, v *view) {
	r := v.request
	if !parseForm(w, r) || !sameToken(r.PostForm.Get("csrf"), v.s.CSRF) {
		c.refuse(w, r, "The form's token is missing or wrong.")
		return
	}
	name := r.PostForm.Get("name")
	sd, err := c.takeCeremony(v.ctx, v.s)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	const refused = "The security key's answer could not be verified. Try again."
	if sd == nil {
		c.securityKeysPage(w, v, http.StatusBadRequest, name, refused)
		return
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes([]byte(r.PostForm.Get("credential")))
	if err != nil {
		c.securityKeysPage(w, v, http.StatusBadRequest, name, refused)
		return
	}
	_, keys, err := c.mfaDevices(v.ctx, v.s.Account, v.s.User)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	wa, err := c.relyingParty(r)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	cred, err := wa.CreateCredential(keyUserOf(v.s, keys), *sd, parsed)
	if err != nil {
		c.securityKeysPage(w, v, http.StatusBadRequest, name, refused)
		return
	}
	record, err := json.Marshal(cred)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	call, rec := c.newCall(v.ctx, v.a, "EnableMFADevice")
	_, qe := iam.EnableSecurityKey(call, name, record)
	if f := c.record(v.ctx, v.a, call, rec, "iam", "EnableMFADevice", qe); f != nil {
		if f.AccessDenied() {
			c.fail(w, r, v.page, f)
			return
		}
		c.securityKeysPage(w, v, http.StatusBadRequest, name, f.Text())
		return
	}
	http.Redirect(w, r, Path+"security-keys", http.StatusSeeOther)
}
