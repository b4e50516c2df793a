package server

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/store"
)

// KindAccessKey holds long-term access keys: Account "" and Name the key
// ID, so that replacing an account's IAM entities leaves keys alone. The
// secret is sealed with AES-GCM under a key derived from the master key.
const KindAccessKey store.Kind = "accesskey"

// MasterKey is the 32-byte key that seals secrets at rest and session
// tokens.
type MasterKey [32]byte

// LoadMasterKey reads a master key: from env (base64 or hex), else from
// the file, which is created (mode 0600) when it does not exist.
func LoadMasterKey(env, file string) (MasterKey, bool, error) {
	var k MasterKey
	if env != "" {
		b, err := base64.StdEncoding.DecodeString(env)
		if err != nil || len(b) != 32 {
			b, err = hex.DecodeString(env)
		}
		if err != nil || len(b) != 32 {
			return k, false, errors.New("the master key must be 32 bytes, in base64 or hex")
		}
		copy(k[:], b)
		return k, false, nil
	}
	data, err := os.ReadFile(file)
	if err == nil {
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
		if err != nil || len(b) != 32 {
			return k, false, fmt.Errorf("%s: not a base64 32-byte master key", file)
		}
		copy(k[:], b)
		return k, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return k, false, err
	}
	if _, err := rand.Read(k[:]); err != nil {
		return k, false, err
	}
	if err := os.WriteFile(file, []byte(base64.StdEncoding.EncodeToString(k[:])+"\n"), 0o600); err != nil {
		return k, false, fmt.Errorf("writing the master key: %w", err)
	}
	return k, true, nil
}

func (k MasterKey) derive(purpose string) cipher.AEAD {
	m := hmac.New(sha256.New, k[:])
	m.Write([]byte("iamgate/" + purpose))
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		panic(err) // a 32-byte key is always valid
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}

func seal(aead cipher.AEAD, plain, aad []byte) []byte {
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	return aead.Seal(nonce, nonce, plain, aad)
}

func open(aead cipher.AEAD, sealed, aad []byte) ([]byte, error) {
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, errors.New("too short")
	}
	return aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], aad)
}

func newSecret() string {
	var b [30]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(b[:])[:40]
}

// storedKey is an access key as stored.
type storedKey struct {
	Account     string    `json:"account"`
	User        string    `json:"user"`
	Status      string    `json:"status"`
	Sealed      []byte    `json:"sealedSecret"`
	Created     time.Time `json:"created"`
	LastUsed    time.Time `json:"lastUsed,omitzero"`
	LastService string    `json:"lastService,omitempty"`
	LastRegion  string    `json:"lastRegion,omitempty"`
}

// Keys keeps access keys in the store and issues session tokens that need
// no storage: a token is the session sealed under the master key, so it
// cannot be forged or changed, and it outlives restarts.
type Keys struct {
	st       store.Store
	secrets  cipher.AEAD
	tokens   cipher.AEAD
	messages cipher.AEAD

	mu    sync.Mutex
	cache map[string]cachedKey // key ID -> key with its secret
	// gen counts invalidations: a key read from the store is cached only
	// if none happened while it was read, so a read that raced a change
	// never caches what the change replaced.
	gen uint64
}

// cachedKey is a key with its secret. Entries stay until the key changes:
// this server's own writes and the store's change feed (State.Follow, for
// every other writer) remove them.
type cachedKey struct {
	key    api.AccessKey
	secret string
}

// invalidate drops a key from the cache.
func (k *Keys) invalidate(id string) {
	k.mu.Lock()
	delete(k.cache, id)
	k.gen++
	k.mu.Unlock()
}

// invalidateAll empties the cache.
func (k *Keys) invalidateAll() {
	k.mu.Lock()
	k.cache = map[string]cachedKey{}
	k.gen++
	k.mu.Unlock()
}

// NewKeys returns the credential keeper.
func NewKeys(st store.Store, master MasterKey) *Keys {
	return &Keys{st: st, secrets: master.derive("access-key-secrets"), tokens: master.derive("session-tokens"),
		messages: master.derive("authorization-messages"), cache: map[string]cachedKey{}}
}

func keyKey(id string) store.Key { return store.Key{Kind: KindAccessKey, Name: id} }

func (k *Keys) put(ctx context.Context, id string, sk storedKey, expect int64) (int64, error) {
	data, err := json.Marshal(sk)
	if err != nil {
		return 0, err
	}
	it, err := k.st.Put(ctx, keyKey(id), data, expect)
	k.invalidate(id)
	return it.Revision, err
}

func (k *Keys) get(ctx context.Context, id string) (storedKey, int64, error) {
	it, err := k.st.Get(ctx, keyKey(id))
	if err != nil {
		return storedKey{}, 0, err
	}
	var sk storedKey
	if err := json.Unmarshal(it.Data, &sk); err != nil {
		return storedKey{}, 0, fmt.Errorf("access key %s: %w", id, err)
	}
	return sk, it.Revision, nil
}

func (sk storedKey) public(id string) api.AccessKey {
	return api.AccessKey{ID: id, Account: sk.Account, User: sk.User, Status: sk.Status, Created: sk.Created,
		LastUsed: sk.LastUsed, LastService: sk.LastService, LastRegion: sk.LastRegion}
}

// CreateAccessKey makes an Active key for a user and returns its secret.
func (k *Keys) CreateAccessKey(ctx context.Context, account, user string) (api.AccessKey, error) {
	id := api.NewKeyID("AKIA", account)
	secret := newSecret()
	sk := storedKey{Account: account, User: user, Status: "Active", Created: time.Now().UTC().Truncate(time.Second),
		Sealed: seal(k.secrets, []byte(secret), []byte(id))}
	if _, err := k.put(ctx, id, sk, 0); err != nil {
		return api.AccessKey{}, err
	}
	out := sk.public(id)
	out.Secret = secret
	return out, nil
}

// ImportAccessKey stores a key with a given ID and secret (the first
// administrator's key when it comes from the environment).
func (k *Keys) ImportAccessKey(ctx context.Context, account, user, id, secret string) error {
	sk := storedKey{Account: account, User: user, Status: "Active", Created: time.Now().UTC().Truncate(time.Second),
		Sealed: seal(k.secrets, []byte(secret), []byte(id))}
	_, err := k.put(ctx, id, sk, store.Any)
	return err
}

// ListAccessKeys lists an account's keys, or one user's.
func (k *Keys) ListAccessKeys(ctx context.Context, account, user string) ([]api.AccessKey, error) {
	var out []api.AccessKey
	after := ""
	for {
		items, next, err := k.st.List(ctx, KindAccessKey, "", after, 500)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			var sk storedKey
			if err := json.Unmarshal(it.Data, &sk); err != nil {
				return nil, fmt.Errorf("access key %s: %w", it.Name, err)
			}
			if sk.Account == account && (user == "" || sk.User == user) {
				out = append(out, sk.public(it.Name))
			}
		}
		if next == "" {
			return out, nil
		}
		after = next
	}
}

// any reports whether the store holds any access key.
func (k *Keys) any(ctx context.Context) (bool, error) {
	items, _, err := k.st.List(ctx, KindAccessKey, "", "", 1)
	return len(items) > 0, err
}

// AccessKey returns a key without its secret.
func (k *Keys) AccessKey(ctx context.Context, id string) (api.AccessKey, bool, error) {
	sk, _, err := k.get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return api.AccessKey{}, false, nil
	}
	if err != nil {
		return api.AccessKey{}, false, err
	}
	return sk.public(id), true, nil
}

// UpdateAccessKey sets a key's status.
func (k *Keys) UpdateAccessKey(ctx context.Context, id, status string) error {
	sk, rev, err := k.get(ctx, id)
	if err != nil {
		return err
	}
	sk.Status = status
	_, err = k.put(ctx, id, sk, rev)
	return err
}

// DeleteAccessKey deletes a key.
func (k *Keys) DeleteAccessKey(ctx context.Context, id string) error {
	err := k.st.Delete(ctx, keyKey(id), store.Any)
	k.invalidate(id)
	return err
}

// RenameUser moves a user's keys to its new name.
func (k *Keys) RenameUser(ctx context.Context, account, from, to string) error {
	keys, err := k.ListAccessKeys(ctx, account, from)
	if err != nil {
		return err
	}
	for _, ak := range keys {
		sk, rev, err := k.get(ctx, ak.ID)
		if err != nil {
			return err
		}
		sk.User = to
		if _, err := k.put(ctx, ak.ID, sk, rev); err != nil {
			return err
		}
	}
	return nil
}

// secret returns a key and its secret, from the cache.
func (k *Keys) secret(ctx context.Context, id string) (api.AccessKey, string, bool, error) {
	k.mu.Lock()
	c, ok := k.cache[id]
	gen := k.gen
	k.mu.Unlock()
	if ok {
		return c.key, c.secret, true, nil
	}
	sk, _, err := k.get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return api.AccessKey{}, "", false, nil
	}
	if err != nil {
		return api.AccessKey{}, "", false, err
	}
	plain, err := open(k.secrets, sk.Sealed, []byte(id))
	if err != nil {
		return api.AccessKey{}, "", false, fmt.Errorf("access key %s: the secret cannot be unsealed (wrong master key?)", id)
	}
	c = cachedKey{key: sk.public(id), secret: string(plain)}
	k.mu.Lock()
	if k.gen == gen {
		k.cache[id] = c
	}
	k.mu.Unlock()
	return c.key, c.secret, true, nil
}

// lastUsedEvery is how often a key's last use is written: IAM itself
// reports it at coarse granularity, and a write per request would make the
// store the bottleneck.
const lastUsedEvery = time.Minute

func (k *Keys) touch(ctx context.Context, key api.AccessKey, service, region string, now time.Time) {
	if now.Sub(key.LastUsed) < lastUsedEvery && key.LastService == service && key.LastRegion == region {
		return
	}
	sk, rev, err := k.get(ctx, key.ID)
	if err != nil {
		return
	}
	sk.LastUsed, sk.LastService, sk.LastRegion = now.UTC().Truncate(time.Second), service, region
	k.put(ctx, key.ID, sk, rev) // best effort: losing a last-used time loses no access
}

// token is what a session token seals.
type token struct {
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
}

// CreateSession issues temporary credentials.
func (k *Keys) CreateSession(_ context.Context, s api.Session) (api.SessionCredentials, error) {
	t := token{Version: 1, KeyID: api.NewKeyID("ASIA", s.Account), Secret: newSecret(), Account: s.Account, Role: s.RoleName, User: s.UserName,
		Name: s.SessionName, Tags: s.Tags, TransitiveKeys: s.TransitiveKeys, Policies: s.Policies, SourceIdentity: s.SourceIdentity,
		Chained: s.Chained, MFA: s.MFA, AuthTime: s.AuthTime.Unix(), Issued: s.Issued.Unix(), Expires: s.Expiration.Unix()}
	plain, err := json.Marshal(t)
	if err != nil {
		return api.SessionCredentials{}, err
	}
	sealed := seal(k.tokens, plain, []byte("iamgate session token v1"))
	return api.SessionCredentials{AccessKeyID: t.KeyID, SecretAccessKey: t.Secret, SessionToken: base64.StdEncoding.EncodeToString(sealed),
		Expiration: time.Unix(t.Expires, 0).UTC()}, nil
}

var errBadToken = errors.New("the session token is invalid")

// session opens a session token.
func (k *Keys) session(tok string) (token, error) {
	sealed, err := base64.StdEncoding.DecodeString(tok)
	if err != nil {
		return token{}, errBadToken
	}
	plain, err := open(k.tokens, sealed, []byte("iamgate session token v1"))
	if err != nil {
		return token{}, errBadToken
	}
	var t token
	dec := json.NewDecoder(bytes.NewReader(plain))
	if err := dec.Decode(&t); err != nil || t.Version != 1 {
		return token{}, errBadToken
	}
	return t, nil
}

// EncodeMessage compresses and seals an authorization failure message.
func (k *Keys) EncodeMessage(plain []byte) string {
	var b bytes.Buffer
	zw, _ := flate.NewWriter(&b, flate.BestCompression)
	zw.Write(plain)
	zw.Close()
	return base64.RawURLEncoding.EncodeToString(seal(k.messages, b.Bytes(), []byte("iamgate authorization message v1")))
}

// DecodeMessage opens an authorization failure message.
func (k *Keys) DecodeMessage(encoded string) ([]byte, error) {
	sealed, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil {
		return nil, errBadToken
	}
	z, err := open(k.messages, sealed, []byte("iamgate authorization message v1"))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(z)), 1<<20))
}
