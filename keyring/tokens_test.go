package keyring_test

import (
	"context"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/keyring"
)

// A session token is its session, sealed: it opens to what was issued
// under the master key that sealed it, and to nothing under another key or
// once a byte of it changes (the token need not be stored, and cannot be
// forged).
func TestSessionTokensOpenOnlyUnchangedUnderTheirKey(t *testing.T) {
	k := keyring.NewKeys(nil, keyring.MasterKey{1})
	now := time.Unix(1_700_000_000, 0).UTC()
	sc, err := k.CreateSession(context.Background(), api.Session{Account: "123456789012", RoleName: "deploy", SessionName: "ci",
		Issued: now, AuthTime: now, Expiration: now.Add(time.Hour), Tags: map[string]string{"team": "a"}})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := k.OpenSession(sc.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	if tok.KeyID != sc.AccessKeyID || tok.Secret != sc.SecretAccessKey || tok.Role != "deploy" || tok.Name != "ci" ||
		tok.Expires != now.Add(time.Hour).Unix() || tok.Tags["team"] != "a" {
		t.Fatalf("opened %+v from %+v", tok, sc)
	}
	raw, err := base64.StdEncoding.DecodeString(sc.SessionToken)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 1
	for name, bad := range map[string]string{
		"tampered":    base64.StdEncoding.EncodeToString(raw),
		"not base64":  "!" + sc.SessionToken,
		"empty":       "",
		"another key": sc.SessionToken,
	} {
		opener := k
		if name == "another key" {
			opener = keyring.NewKeys(nil, keyring.MasterKey{2})
		}
		if _, err := opener.OpenSession(bad); !errors.Is(err, keyring.ErrBadToken) {
			t.Errorf("%s: %v, want ErrBadToken", name, err)
		}
	}
}

// A sealed value opens only with the additional data it was bound to and
// under its purpose's key.
func TestSealerBindsPurposeAndData(t *testing.T) {
	m := keyring.MasterKey{3}
	s := m.Sealer("user-credentials")
	sealed := s.Seal([]byte("secret"), []byte("loginprofile\x00123456789012\x00alice"))
	if got, err := s.Open(sealed, []byte("loginprofile\x00123456789012\x00alice")); err != nil || string(got) != "secret" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := s.Open(sealed, []byte("loginprofile\x00123456789012\x00bob")); err == nil {
		t.Error("opened with another item's data")
	}
	if _, err := m.Sealer("other").Open(sealed, []byte("loginprofile\x00123456789012\x00alice")); err == nil {
		t.Error("opened under another purpose's key")
	}
	if _, err := s.Open(sealed[:5], nil); err == nil {
		t.Error("a short value opened")
	}
}

// The session cache opens a token once, keeps at most its bound, and
// never keeps a token that does not open.
func TestSessionCacheOpensOnceAndIsBounded(t *testing.T) {
	k := keyring.NewKeys(nil, keyring.MasterKey{4})
	opened := 0
	open := func(tok string) (keyring.Token, error) {
		opened++
		return k.OpenSession(tok)
	}
	c := keyring.NewSessionCache(2)
	var toks []string
	for range 3 {
		sc, err := k.CreateSession(context.Background(), api.Session{Account: "123456789012", RoleName: "r", SessionName: "s", Expiration: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		toks = append(toks, sc.SessionToken)
	}
	a, err := c.Get(toks[0], open)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := c.Get(toks[0], open); b != a || opened != 1 {
		t.Fatalf("a second Get opened again: %d openings", opened)
	}
	_, _ = c.Get(toks[1], open)
	_, _ = c.Get(toks[2], open) // evicts toks[0], the least recently used
	if _, _ = c.Get(toks[0], open); opened != 4 {
		t.Fatalf("%d openings, want 4 (the first token evicted)", opened)
	}
	for range 2 {
		if _, err := c.Get("bad", open); !errors.Is(err, keyring.ErrBadToken) {
			t.Fatalf("bad token: %v", err)
		}
	}
	if opened != 6 {
		t.Fatalf("%d openings: a bad token must not be kept", opened)
	}
}
