package console

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/iam"
	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/credential"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/store"
)

// errSignIn is the one answer to a wrong account, user name, password or
// MFA code, and to a user whose sign-ins are held back: the console tells
// no one which part was wrong, nor whether the user exists. (The words are
// iamgate's; AWS documents none for its sign-in page.)
const errSignIn = "Your authentication information is incorrect. Please try again."

// maxForm bounds a form's body.
const maxForm = 64 << 10

// Guessing: after freeFailures failed sign-ins in a row (wrong password
// or MFA code) a user's next attempt waits 1 s, then 2 s, 4 s, ...
// doubling with each further failure up to maxHold; an attempt made
// during the wait is refused without its password being checked, with the
// same answer as a wrong password. A successful sign-in clears the count.
// Counts are kept in the store, so servers sharing it hold back together.
const (
	freeFailures = 5
	maxHold      = 15 * time.Minute
)

type failures struct {
	Count int       `json:"count"`
	Last  time.Time `json:"last"`
}

// heldUntil is when a user with f failed sign-ins may try again.
func (f failures) heldUntil() time.Time {
	if f.Count < freeFailures {
		return time.Time{}
	}
	return f.Last.Add(min(time.Second<<min(f.Count-freeFailures, 20), maxHold))
}

func failuresKey(account, user string) store.Key {
	return store.Key{Kind: KindSignInFailures, Account: account, Name: user}
}

func (c *Console) failures(ctx context.Context, account, user string) (failures, int64, error) {
	it, err := c.cfg.Store.Get(ctx, failuresKey(account, user))
	if errors.Is(err, store.ErrNotFound) {
		return failures{}, 0, nil
	}
	if err != nil {
		return failures{}, 0, err
	}
	var f failures
	err = json.Unmarshal(it.Data, &f)
	return f, it.Revision, err
}

// held reports whether the user's sign-ins are held back now.
func (c *Console) held(ctx context.Context, account, user string) (bool, error) {
	f, _, err := c.failures(ctx, account, user)
	return err == nil && c.now().Before(f.heldUntil()), err
}

// noteFailure counts a failed sign-in; of two servers counting at once,
// both counts are kept.
func (c *Console) noteFailure(ctx context.Context, account, user string) error {
	for range 5 {
		f, rev, err := c.failures(ctx, account, user)
		if err != nil {
			return err
		}
		f.Count++
		f.Last = c.now()
		data, _ := json.Marshal(f)
		_, err = c.cfg.Store.Put(ctx, failuresKey(account, user), data, rev)
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return nil
}

func (c *Console) clearFailures(ctx context.Context, account, user string) error {
	err := c.cfg.Store.Delete(ctx, failuresKey(account, user), store.Any)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// delay waits until SignInDelay after start (or the client goes away).
func (c *Console) delay(r *http.Request, start time.Time) {
	d := time.Until(start.Add(c.cfg.SignInDelay))
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

// dummyHash is checked in place of a password when there is none to check
// (no such account or user, or sign-ins held back), so that the answer
// takes as long as for a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, err := credential.HashPassword(randomToken())
	if err != nil {
		panic(err)
	}
	return h
})

// resolveAccount finds the account a sign-in names by its ID or one of its
// aliases ("" when none).
func (c *Console) resolveAccount(in string) string {
	in = strings.TrimSpace(in)
	if in == "" {
		return ""
	}
	for _, a := range c.cfg.State.File().Accounts {
		if a.ID == in || slices.Contains(a.Aliases, strings.ToLower(in)) {
			return a.ID
		}
	}
	return ""
}

type signinData struct {
	Account, User, Next string
	Error               string
}

// signinToken is the sign-in form's CSRF token, from its cookie (set
// when missing).
func (c *Console) signinToken(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(signinCookie); err == nil && len(ck.Value) == 43 {
		return ck.Value
	}
	t := randomToken()
	http.SetCookie(w, &http.Cookie{Name: signinCookie, Value: t, Path: Path, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	return t
}

func (c *Console) signinForm(w http.ResponseWriter, r *http.Request) {
	s, err := c.session(r.Context(), r)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	if s != nil && s.Stage == stageActive && c.actor(r, s) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	q := r.URL.Query()
	c.render(w, r, http.StatusOK, "signin", page{Title: "Sign in", CSRF: c.signinToken(w, r),
		Data: signinData{Account: q.Get("account"), Next: q.Get("next")}})
}

// parseForm reads a POSTed form of at most maxForm bytes.
func parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	return r.ParseForm() == nil
}

// signin checks the account, user name and password: then comes the MFA
// code or security key when the user has an enabled MFA device, a new password
// when the old one must be reset or has expired, or the console.
func (c *Console) signin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !parseForm(w, r) {
		c.refuse(w, r, "The form could not be read.")
		return
	}
	ck, err := r.Cookie(signinCookie)
	if err != nil || !sameToken(r.PostForm.Get("csrf"), ck.Value) {
		c.refuse(w, r, "The sign-in form's token is missing or wrong.")
		return
	}
	in := signinData{Account: strings.TrimSpace(r.PostForm.Get("account")), User: r.PostForm.Get("username"), Next: r.PostForm.Get("next")}
	password := r.PostForm.Get("password")
	start := time.Now()
	wrong := func() {
		c.delay(r, start)
		in.Error = errSignIn
		c.render(w, r, http.StatusUnauthorized, "signin", page{Title: "Sign in", CSRF: ck.Value, Data: in})
	}
	account := c.resolveAccount(in.Account)
	u := userOf(c.cfg.State.World(), account, in.User)
	if c.cfg.State.File().AccountClosed(account) {
		u = nil // a closed account's users cannot sign in (CloseAccount)
	}
	if u == nil {
		credential.VerifyPassword(dummyHash(), password)
		wrong()
		return
	}
	held, err := c.held(ctx, account, in.User)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	profile, ok, err := c.cfg.State.Credentials().LoginProfile(ctx, account, in.User)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	if held || !ok || profile.Hash == "" {
		credential.VerifyPassword(dummyHash(), password)
		if !held {
			if err := c.noteFailure(ctx, account, in.User); err != nil {
				c.internal(w, r, err)
				return
			}
		}
		c.logFailure(r, c.auditSignIn(ctx, r, account, u.ARN(), false, false))
		wrong()
		return
	}
	if !credential.VerifyPassword(profile.Hash, password) {
		if err := c.noteFailure(ctx, account, in.User); err != nil {
			c.internal(w, r, err)
			return
		}
		c.logFailure(r, c.auditSignIn(ctx, r, account, u.ARN(), false, false))
		wrong()
		return
	}
	s := &session{Account: account, User: in.User, UserID: u.ID}
	totp, keys, err := c.mfaDevices(ctx, account, in.User)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	clearCookie(w, r, signinCookie)
	if len(totp)+len(keys) > 0 {
		s.Stage = stageMFA
		if err := c.newSession(ctx, w, r, s); err != nil {
			c.internal(w, r, err)
			return
		}
		http.Redirect(w, r, Path+"signin/mfa?next="+url.QueryEscape(safeNext(in.Next)), http.StatusSeeOther)
		return
	}
	c.afterFactors(w, r, s, nil, safeNext(in.Next))
}

// afterFactors goes on once the password (and the code) were right: to a
// new password when one is due, else into the console. old is the pending
// session the factors were checked in (nil for none).
func (c *Console) afterFactors(w http.ResponseWriter, r *http.Request, s *session, old *session, next string) {
	ctx := r.Context()
	profile, _, err := c.cfg.State.Credentials().LoginProfile(ctx, s.Account, s.User)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	pp, hasPolicy, err := c.cfg.State.Credentials().PasswordPolicy(ctx, s.Account)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	expired := hasPolicy && pp.Expired(profile.Changed, c.now())
	if expired && pp.HardExpiry {
		// The botocore model, PasswordPolicy.HardExpiry: "The IAM user
		// cannot access the console until an administrator resets the
		// password."
		c.logFailure(r, c.endSession(ctx, w, r, old))
		c.render(w, r, http.StatusForbidden, "signin", page{Title: "Sign in", CSRF: c.signinToken(w, r),
			Data: signinData{Error: "Your password has expired. An administrator of your account must reset it before you can sign in."}})
		return
	}
	if old != nil {
		c.logFailure(r, c.endSession(ctx, w, r, old))
	}
	if profile.ResetRequired || expired {
		s.Stage = stagePassword
		if err := c.newSession(ctx, w, r, s); err != nil {
			c.internal(w, r, err)
			return
		}
		http.Redirect(w, r, Path+"signin/password?next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	c.activate(w, r, s, next)
}

// activate starts the signed-in session, under a new ID.
func (c *Console) activate(w http.ResponseWriter, r *http.Request, s *session, next string) {
	ctx := r.Context()
	if err := c.clearFailures(ctx, s.Account, s.User); err != nil {
		c.internal(w, r, err)
		return
	}
	s.Stage = stageActive
	if err := c.newSession(ctx, w, r, s); err != nil {
		c.internal(w, r, err)
		return
	}
	if u := userOf(c.cfg.State.World(), s.Account, s.User); u != nil {
		if err := c.auditSignIn(ctx, r, s.Account, u.ARN(), true, s.MFA); err != nil {
			c.logFailure(r, c.endSession(ctx, w, r, s))
			c.internal(w, r, err)
			return
		}
	}
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

// auditSignIn records a console sign-in of a user as CloudTrail does, an
// event ConsoleLogin of signin.amazonaws.com (CloudTrail User Guide, "AWS
// Management Console sign-in events"); the decision it carries is
// inferred (no policy decides a sign-in), so it is no IAM action's last
// access. A failure is recorded only for a user that exists.
func (c *Console) auditSignIn(ctx context.Context, r *http.Request, account, arn string, ok, mfa bool) error {
	if c.cfg.Audit == nil {
		return nil
	}
	e := &audit.Entry{Time: c.now(), RequestID: requestID(), Account: account, Caller: arn, SourceIP: sourceIP(r), Region: region,
		Service: "signin", Operation: "ConsoleLogin", Outcome: "OK"}
	if ok {
		e.Decisions = []audit.Decision{{Action: "signin:ConsoleLogin", Resource: arn, Decision: engine.Allowed.String(), Inferred: true}}
	} else {
		e.Outcome = "FailedAuthentication"
	}
	return c.cfg.Audit.Append(ctx, e)
}

// pending wraps a step between the password and the console.
func (c *Console) pending(stage string, fn func(w http.ResponseWriter, r *http.Request, s *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := c.session(r.Context(), r)
		if err != nil {
			c.internal(w, r, err)
			return
		}
		if s == nil || s.Stage != stage {
			http.Redirect(w, r, Path+"signin", http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			if !parseForm(w, r) || !sameToken(r.PostForm.Get("csrf"), s.CSRF) {
				c.refuse(w, r, "The form's token is missing or wrong.")
				return
			}
		}
		fn(w, r, s)
	}
}

type mfaData struct {
	User, Account, Next, Error string
	// TOTP: the user has a virtual device; Keys: security keys, whose
	// sign-in options (JSON) KeyOptions holds.
	TOTP, Keys bool
	KeyOptions string
	// KeyUnavailable says why the user's keys cannot be used here.
	KeyUnavailable string
}

func (c *Console) mfaForm(w http.ResponseWriter, r *http.Request, s *session) {
	c.mfaPage(w, r, s, http.StatusOK, r.URL.Query().Get("next"), "")
}

// mfaPage asks for the second factor: a security key (the user's first
// choice when it has one, as AWS asks for it) or a TOTP code. Each showing
// begins a new security key challenge.
func (c *Console) mfaPage(w http.ResponseWriter, r *http.Request, s *session, status int, next, msg string) {
	totp, keys, err := c.mfaDevices(r.Context(), s.Account, s.User)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	d := mfaData{User: s.User, Account: s.Account, Next: next, Error: msg, TOTP: len(totp) > 0, Keys: len(keys) > 0}
	if d.Keys {
		d.KeyOptions, err = c.loginOptions(r, s, keys)
		if errors.Is(err, errNoRelyingParty) {
			d.Keys, d.KeyUnavailable = false, err.Error()
		} else if err != nil {
			c.internal(w, r, err)
			return
		}
	}
	c.render(w, r, status, "mfa", page{Title: "Multi-factor authentication", CSRF: s.CSRF, Data: d})
}

// mfaRefused answers a wrong second factor as a wrong password is
// answered: counted, recorded, delayed, the one message.
func (c *Console) mfaRefused(w http.ResponseWriter, r *http.Request, s *session, held bool, next string, start time.Time) {
	ctx := r.Context()
	if !held {
		if err := c.noteFailure(ctx, s.Account, s.User); err != nil {
			c.internal(w, r, err)
			return
		}
	}
	if u := userOf(c.cfg.State.World(), s.Account, s.User); u != nil {
		c.logFailure(r, c.auditSignIn(ctx, r, s.Account, u.ARN(), false, false))
	}
	c.delay(r, start)
	c.mfaPage(w, r, s, http.StatusUnauthorized, next, errSignIn)
}

// mfa checks the TOTP code against each of the user's enabled virtual
// devices (a code is taken once: Credentials.UseMFACode).
func (c *Console) mfa(w http.ResponseWriter, r *http.Request, s *session) {
	code := strings.TrimSpace(r.PostForm.Get("code"))
	c.secondFactor(w, r, s, func() (bool, error) {
		ctx := r.Context()
		devices, _, err := c.mfaDevices(ctx, s.Account, s.User)
		if err != nil {
			return false, err
		}
		for _, serial := range devices {
			err := c.cfg.State.Credentials().UseMFACode(ctx, s.Account, s.User, serial, code, c.now())
			if err == nil {
				return true, nil
			}
			if !errors.Is(err, credential.ErrInvalidCode) {
				return false, err
			}
		}
		return false, nil
	})
}

// secondFactor checks a second factor with check (not while the user's
// sign-ins are held back): refused as a wrong password is, or on to what
// follows the factors, with MFA.
func (c *Console) secondFactor(w http.ResponseWriter, r *http.Request, s *session, check func() (bool, error)) {
	next := r.PostForm.Get("next")
	start := time.Now()
	held, err := c.held(r.Context(), s.Account, s.User)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	ok := false
	if !held {
		if ok, err = check(); err != nil {
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

type passwordData struct {
	User, Account, Next string
	Requirements        []string
	Error               string
	Broken              []string
}

// rulesCall is a call as the session's user, for reading the password
// rules (which IAM applies to the user's own new password).
func (c *Console) passwordRules(r *http.Request, s *session) ([]string, *api.Call, *actor) {
	a := c.actor(r, s)
	if a == nil {
		return nil, nil, nil
	}
	call := &api.Call{Ctx: r.Context(), Caller: a.caller, State: c.cfg.State, Now: c.now()}
	p, _, e := iam.PasswordRules(call)
	if e != nil {
		return nil, call, a
	}
	return credential.Requirements(p), call, a
}

func (c *Console) passwordForm(w http.ResponseWriter, r *http.Request, s *session) {
	reqs, _, a := c.passwordRules(r, s)
	if a == nil {
		c.logFailure(r, c.endSession(r.Context(), w, r, s))
		http.Redirect(w, r, Path+"signin", http.StatusSeeOther)
		return
	}
	c.render(w, r, http.StatusOK, "password", page{Title: "Change your password", CSRF: s.CSRF,
		Data: passwordData{User: s.User, Account: s.Account, Next: r.URL.Query().Get("next"), Requirements: reqs}})
}

// changePassword changes the password with IAM's ChangePassword as the
// user: the same authorization (iam:ChangePassword, or the password
// policy's AllowUsersToChangePassword), the old password checked, the
// policy and its reuse rule applied.
func (c *Console) changePassword(w http.ResponseWriter, r *http.Request, s *session) {
	reqs, call, a := c.passwordRules(r, s)
	if a == nil {
		c.logFailure(r, c.endSession(r.Context(), w, r, s))
		http.Redirect(w, r, Path+"signin", http.StatusSeeOther)
		return
	}
	f := r.PostForm
	data := passwordData{User: s.User, Account: s.Account, Next: f.Get("next"), Requirements: reqs}
	again := func(msg string, broken []string) {
		data.Error, data.Broken = msg, broken
		c.render(w, r, http.StatusBadRequest, "password", page{Title: "Change your password", CSRF: s.CSRF, Data: data})
	}
	oldPw, newPw := f.Get("old"), f.Get("new")
	if newPw != f.Get("confirm") {
		again("The new password and its confirmation differ.", nil)
		return
	}
	fail := c.iamCall(r.Context(), a, "ChangePassword", url.Values{"OldPassword": {oldPw}, "NewPassword": {newPw}}, nil)
	if fail != nil {
		var broken []string
		if fail.Code == "PasswordPolicyViolation" {
			p, def, _ := iam.PasswordRules(call)
			var v *credential.PolicyViolation
			if errors.As(credential.Check(p, def, newPw), &v) {
				broken = v.Rules
			} else {
				broken = []string{"not one of your previous passwords"}
			}
		}
		again(fail.Text(), broken)
		return
	}
	ns := &session{Account: s.Account, User: s.User, UserID: s.UserID, MFA: s.MFA, AuthTime: s.AuthTime}
	c.logFailure(r, c.endSession(r.Context(), w, r, s))
	c.activate(w, r, ns, data.Next)
}

// signout ends the session in the store, for every server sharing it.
func (c *Console) signout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	s, err := c.session(ctx, r)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	if s != nil && (!parseForm(w, r) || !sameToken(r.PostForm.Get("csrf"), s.CSRF)) {
		c.refuse(w, r, "The form's token is missing or wrong.")
		return
	}
	if err := c.endSession(ctx, w, r, s); err != nil {
		c.internal(w, r, err)
		return
	}
	http.Redirect(w, r, Path+"signin", http.StatusSeeOther)
}
