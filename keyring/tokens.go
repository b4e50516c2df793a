package keyring

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"

	"github.com/iamgate/iamgate/api"
)

// Token is what a session token seals: the session (api.Session) and its
// temporary key and secret.
type Token struct {
	Version        int               `json:"v"`
	KeyID          string            `json:"k"`
	Secret         string            `json:"s"`
	Account        string            `json:"a"`
	Role           string            `json:"r,omitempty"`
	User           string            `json:"u,omitempty"`
	Name           string            `json:"n,omitempty"`
	Tags           map[string]string `json:"t,omitempty"`
	TransitiveKeys []string          `json:"tk,omitempty"`
	Policies       [][]byte          `json:"p,omitempty"`
	SourceIdentity string            `json:"si,omitempty"`
	Chained        bool              `json:"c,omitempty"`
	MFA            bool              `json:"m,omitempty"`
	AuthTime       int64             `json:"at,omitempty"`
	Issued         int64             `json:"i"`
	Expires        int64             `json:"e"`
	// PrincipalID is the role's (or user's) unique ID when the session
	// was issued; "" in tokens issued before it was recorded.
	PrincipalID string `json:"pid,omitempty"`
	// Federated are a federated session's context keys (api.Session).
	Federated map[string][]string `json:"f,omitempty"`
	// FederatedUser is a federated user session's name (api.Session).
	FederatedUser string `json:"fu,omitempty"`
	// RootTask is a privileged root session's task policy ARN
	// (api.Session).
	RootTask string `json:"rt,omitempty"`
	// Delegation is the delegation request a delegated session was issued
	// for (api.Session).
	Delegation string `json:"dr,omitempty"`
}

// CreateSession issues temporary credentials.
func (k *Keys) CreateSession(_ context.Context, s api.Session) (api.SessionCredentials, error) {
	t := Token{Version: 1, KeyID: api.NewKeyID("ASIA", s.Account), Secret: newSecret(), Account: s.Account, Role: s.RoleName, User: s.UserName,
		Name: s.SessionName, Tags: s.Tags, TransitiveKeys: s.TransitiveKeys, Policies: s.Policies, SourceIdentity: s.SourceIdentity,
		Chained: s.Chained, MFA: s.MFA, AuthTime: s.AuthTime.Unix(), Issued: s.Issued.Unix(), Expires: s.Expiration.Unix(),
		PrincipalID: s.PrincipalID, Federated: s.Federated, FederatedUser: s.FederatedUser, RootTask: s.RootTaskPolicy,
		Delegation: s.Delegation}
	plain, err := json.Marshal(t)
	if err != nil {
		return api.SessionCredentials{}, err
	}
	sealed := seal(k.tokens, plain, []byte("iamgate session token v1"))
	return api.SessionCredentials{AccessKeyID: t.KeyID, SecretAccessKey: t.Secret, SessionToken: base64.StdEncoding.EncodeToString(sealed),
		Expiration: time.Unix(t.Expires, 0).UTC()}, nil
}

// ErrBadToken: a session token (or an authorization message) that does
// not open under the master key, or is not one this package sealed.
var ErrBadToken = errors.New("the session token is invalid")

// OpenSession opens a session token.
func (k *Keys) OpenSession(tok string) (Token, error) {
	sealed, err := base64.StdEncoding.DecodeString(tok)
	if err != nil {
		return Token{}, ErrBadToken
	}
	plain, err := open(k.tokens, sealed, []byte("iamgate session token v1"))
	if err != nil {
		return Token{}, ErrBadToken
	}
	var t Token
	dec := json.NewDecoder(bytes.NewReader(plain))
	if err := dec.Decode(&t); err != nil || t.Version != 1 {
		return Token{}, ErrBadToken
	}
	return t, nil
}
