package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/world"
)

// Item kinds of the console in the store: a session (Account "", Name the
// SHA-256 of its ID in hex) and a user's count of failed sign-ins
// (Account, Name the user).
const (
	KindSession        store.Kind = "consolesession"
	KindSignInFailures store.Kind = "consolesignin"
)

// Cookies. The session cookie holds the session's ID, which the store
// never sees (it keeps a hash of it); the sign-in cookie holds the token of
// the sign-in form, before there is a session.
const (
	sessionCookie = "iamgate-console"
	signinCookie  = "iamgate-console-signin"
)

// Stages of a session: signed in, or between the password and what must
// follow it.
const (
	stageActive   = "active"
	stageMFA      = "mfa"      // the password was right; a TOTP code or security key is due
	stagePassword = "password" // the password must be changed first
)

// DefaultIdleTimeout ends a session no request has used for this long.
const DefaultIdleTimeout = 15 * time.Minute

// MaxSessionDuration ends a session this long after sign-in, however busy.
// AWS documents no figure for an IAM user's console session; this is the
// default life of an IAM user's temporary credentials (the STS API
// Reference, GetSessionToken DurationSeconds: "43,200 seconds (12 hours)
// as the default"), iamgate's choice.
const MaxSessionDuration = 12 * time.Hour

// pendingTimeout bounds the steps after the password (the MFA code, a new
// password).
const pendingTimeout = 5 * time.Minute

// session is what the store keeps of a console session.
type session struct {
	Account string `json:"account"`
	User    string `json:"user"`
	// UserID is the user's unique ID: a user deleted and created again
	// under the same name is another user, without the old sessions.
	UserID string `json:"userId,omitempty"`
	Stage  string `json:"stage"`
	// MFA reports a sign-in with a TOTP code or a security key, at
	// AuthTime.
	MFA      bool      `json:"mfa,omitempty"`
	AuthTime time.Time `json:"authTime,omitzero"`
	Created  time.Time `json:"created"`
	LastSeen time.Time `json:"lastSeen"`
	// CSRF is the token every form of the session carries.
	CSRF string `json:"csrf"`
	// Ceremony is the WebAuthn ceremony begun in the session (a security
	// key's sign-in or registration), taken once (securitykey.go).
	Ceremony []byte `json:"ceremony,omitempty"`

	key      store.Key
	revision int64
}

func randomToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on the platforms Go supports
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// sessionKey is where a session ID's session is kept: the hash of the ID,
// so that whoever reads the store cannot take over a session.
func sessionKey(id string) (store.Key, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil || len(raw) != 32 {
		return store.Key{}, false
	}
	sum := sha256.Sum256(raw)
	return store.Key{Kind: KindSession, Name: hex.EncodeToString(sum[:])}, true
}

// newSession stores a new session and sets its cookie.
func (c *Console) newSession(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session) error {
	id := randomToken()
	k, _ := sessionKey(id)
	now := c.now()
	s.Created, s.LastSeen, s.CSRF = now, now, randomToken()
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	it, err := c.cfg.Store.Put(ctx, k, data, 0)
	if err != nil {
		return err
	}
	s.key, s.revision = k, it.Revision
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: Path, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	return nil
}

// save writes a changed session; a session changed or ended by another
// request in between is not overwritten (errSessionGone).
func (c *Console) save(ctx context.Context, s *session) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	it, err := c.cfg.Store.Put(ctx, s.key, data, s.revision)
	if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		return errSessionGone
	}
	if err != nil {
		return err
	}
	s.revision = it.Revision
	return nil
}

var errSessionGone = errors.New("console: the session ended or changed meanwhile")

// endSession deletes a session and its cookie.
func (c *Console) endSession(ctx context.Context, w http.ResponseWriter, r *http.Request, s *session) error {
	clearCookie(w, r, sessionCookie)
	if s == nil {
		return nil
	}
	err := c.cfg.Store.Delete(ctx, s.key, store.Any)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

func clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: Path, MaxAge: -1, HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

// session reads the request's session: nil when there is none, or when it
// has timed out (it is then deleted). An active session seen again is
// kept alive; its last use is written at most every touchEvery, so that
// reading pages does not write the store on every request.
func (c *Console) session(ctx context.Context, r *http.Request) (*session, error) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, nil
	}
	k, ok := sessionKey(ck.Value)
	if !ok {
		return nil, nil
	}
	it, err := c.cfg.Store.Get(ctx, k)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var s session
	if err := json.Unmarshal(it.Data, &s); err != nil {
		return nil, err
	}
	s.key, s.revision = k, it.Revision
	now := c.now()
	expired := now.Sub(s.Created) >= MaxSessionDuration
	if s.Stage == stageActive {
		expired = expired || now.Sub(s.LastSeen) >= c.idle
	} else {
		expired = expired || now.Sub(s.Created) >= pendingTimeout
	}
	if expired {
		if err := c.cfg.Store.Delete(ctx, k, it.Revision); err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrConflict) {
			return nil, err
		}
		return nil, nil
	}
	if s.Stage == stageActive && now.Sub(s.LastSeen) >= c.touchEvery() {
		s.LastSeen = now
		if err := c.save(ctx, &s); err != nil && !errors.Is(err, errSessionGone) {
			return nil, err
		}
	}
	return &s, nil
}

// touchEvery is how stale a session's last use may be in the store: a
// fifteenth of the idle timeout (a minute at the default). A session may
// so time out up to that much before its idle timeout, never after.
func (c *Console) touchEvery() time.Duration {
	return min(max(c.idle/15, time.Second), time.Minute)
}

// actor builds the session's user as a caller of the APIs, in the current
// world: nil when the user no longer exists (or is another user of the
// same name).
func (c *Console) actor(r *http.Request, s *session) *actor {
	w := c.cfg.State.World()
	acct := w.Accounts.Get(s.Account)
	if acct == nil || c.cfg.State.File().AccountClosed(s.Account) {
		return nil // a closed account's users are signed out (CloseAccount)
	}
	u := acct.Users.Get(s.User)
	if u == nil || (s.UserID != "" && u.ID != "" && u.ID != s.UserID) {
		return nil
	}
	caller, err := w.Caller(u.ARN())
	if err != nil {
		return nil
	}
	return &actor{caller: caller, context: c.requestContext(r, s), sourceIP: sourceIP(r)}
}

// requestContext is what AWS puts in the request context of a console
// session's calls. A console session is one of temporary credentials, so
// aws:MultiFactorAuthPresent is present, true or false (AWS Knowledge
// Center, "How do I use an MFA token to authenticate access to my AWS
// resources through the AWS CLI?", https://repost.aws/knowledge-center/mfa-iam-user-aws-cli:
// IAM users of the console have temporary credentials, and the key is
// absent only for long-term ones), with aws:MultiFactorAuthAge when true.
func (c *Console) requestContext(r *http.Request, s *session) map[string][]string {
	now := c.now()
	ctx := map[string][]string{
		"aws:SecureTransport":        {strconv.FormatBool(r.TLS != nil)},
		"aws:RequestedRegion":        {region},
		"aws:TokenIssueTime":         {s.Created.UTC().Format(time.RFC3339)},
		"aws:MultiFactorAuthPresent": {strconv.FormatBool(s.MFA)},
	}
	if ip := sourceIP(r); ip != "" {
		ctx["aws:SourceIp"] = []string{ip}
	}
	if s.MFA {
		ctx["aws:MultiFactorAuthAge"] = []string{strconv.FormatInt(max(0, int64(now.Sub(s.AuthTime)/time.Second)), 10)}
	}
	return ctx
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return ""
	}
	return host
}

// userOf finds a user of the world by account and name.
func userOf(w *world.World, account, name string) *world.User {
	a := w.Accounts.Get(account)
	if a == nil {
		return nil
	}
	return a.Users.Get(name)
}

// sameToken compares a form's token with the expected one in constant
// time; an empty expected token matches nothing.
func sameToken(got, want string) bool {
	return want != "" && len(got) == len(want) && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
