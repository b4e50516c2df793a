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

// MasterKeyEnv is the environment variable that gives the master key
// (32 bytes, base64 or hex) instead of a key file.
const MasterKeyEnv = "IAMGATE_MASTER_KEY"

// KindMasterKeyCheck holds one item, Account "" and Name "check": a known
// plaintext sealed under the master key, so that a start with another key
// is refused before it can serve anything.
const KindMasterKeyCheck store.Kind = "masterkey"

var checkKey = store.Key{Kind: KindMasterKeyCheck, Name: "check"}

// The master key errors LoadMasterKey returns, inside a *MasterKeyError.
var (
	// ErrMasterKeyMissing: neither MasterKeyEnv nor the key file gives a
	// master key, and the store needs one (it holds sealed secrets, or the
	// caller may not create a key).
	ErrMasterKeyMissing = errors.New("no master key")
	// ErrMasterKeyMismatch: the master key is not the one the store's
	// secrets are sealed with.
	ErrMasterKeyMismatch = errors.New("the master key does not match the store")
)

// MasterKeyError says what is wrong with the master key and where it must
// come from; errors.Is finds its ErrMasterKeyMissing or ErrMasterKeyMismatch.
type MasterKeyError struct {
	Err     error
	File    string // the key file
	FromEnv bool   // the key came from MasterKeyEnv
	Sealed  bool   // the store holds secrets sealed with a master key
}

func (e *MasterKeyError) Error() string {
	switch {
	case errors.Is(e.Err, ErrMasterKeyMismatch) && e.FromEnv:
		return fmt.Sprintf("%s is not the master key this store's secrets are sealed with: set %s to that key (or unset it to use the key file %s)",
			MasterKeyEnv, MasterKeyEnv, e.File)
	case errors.Is(e.Err, ErrMasterKeyMismatch):
		return fmt.Sprintf("the master key in %s is not the one this store's secrets are sealed with: restore %s from your backup (or set %s to that key)",
			e.File, e.File, MasterKeyEnv)
	case e.Sealed:
		return fmt.Sprintf("this store's secrets are sealed with a master key, but there is no key file %s and %s is not set: restore %s from your backup (or set %s to the key)",
			e.File, MasterKeyEnv, e.File, MasterKeyEnv)
	}
	return fmt.Sprintf("no master key: there is no key file %s and %s is not set; start iamgate serve on this store first (it creates the key), or restore %s",
		e.File, MasterKeyEnv, e.File)
}

func (e *MasterKeyError) Unwrap() error { return e.Err }

// LoadMasterKey returns the master key of a store, from env (MasterKeyEnv's
// value) or else the file, and makes sure it is the key the store's secrets
// are sealed with: a check value sealed under the key is kept in the store
// and verified on every start (a store from before the check is verified
// by opening its access keys' secrets, then given the check).
//
// Without a key, when create is true and the store holds no sealed
// secret, a new key is written to file (mode 0600) and created is true;
// otherwise the error is ErrMasterKeyMissing. A key that does not open the
// store's secrets is ErrMasterKeyMismatch. Both come as a *MasterKeyError
// that names the file and variable to restore.
func LoadMasterKey(ctx context.Context, st store.Store, env, file string, create bool) (k MasterKey, created bool, err error) {
	k, ok, err := readMasterKey(env, file)
	if err != nil {
		return k, false, err
	}
	if !ok {
		sealed, err := hasSealed(ctx, st)
		if err != nil {
			return k, false, err
		}
		if sealed || !create {
			return k, false, &MasterKeyError{Err: ErrMasterKeyMissing, File: file, Sealed: sealed}
		}
		if k, err = writeMasterKey(file); err != nil {
			return k, false, err
		}
		created = true
	}
	if err := verifyMasterKey(ctx, st, k); err != nil {
		if errors.Is(err, ErrMasterKeyMismatch) {
			return k, false, &MasterKeyError{Err: err, File: file, FromEnv: env != "", Sealed: true}
		}
		return k, false, err
	}
	return k, created, nil
}

// readMasterKey reads the key from env or file; ok is false when there is
// neither.
func readMasterKey(env, file string) (k MasterKey, ok bool, err error) {
	if env != "" {
		b, err := base64.StdEncoding.DecodeString(env)
		if err != nil || len(b) != 32 {
			b, err = hex.DecodeString(env)
		}
		if err != nil || len(b) != 32 {
			return k, false, fmt.Errorf("%s: the master key must be 32 bytes, in base64 or hex", MasterKeyEnv)
		}
		copy(k[:], b)
		return k, true, nil
	}
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return k, false, nil
	}
	if err != nil {
		return k, false, err
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(b) != 32 {
		return k, false, fmt.Errorf("%s: not a base64 32-byte master key", file)
	}
	copy(k[:], b)
	return k, true, nil
}

// writeMasterKey creates a new key file, mode 0600, never replacing one.
func writeMasterKey(file string) (MasterKey, error) {
	var k MasterKey
	if _, err := rand.Read(k[:]); err != nil {
		return k, err
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return k, fmt.Errorf("writing the master key: %w", err)
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(k[:]) + "\n"); err != nil {
		_ = f.Close() // the write error is the one to report
		_ = os.Remove(file)
		return k, fmt.Errorf("writing the master key: %w", err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(file) // the close error is the one to report
		return k, fmt.Errorf("writing the master key: %w", err)
	}
	return k, nil
}

// hasSealed reports whether the store holds anything sealed with a master
// key: the check value or an access key.
func hasSealed(ctx context.Context, st store.Store) (bool, error) {
	if _, err := st.Get(ctx, checkKey); err == nil {
		return true, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	items, _, err := st.List(ctx, KindAccessKey, "", "", 1)
	return len(items) > 0, err
}

const checkPlain, checkAAD = "iamgate master key check", "iamgate master key check v1"

// verifyMasterKey opens the store's check value with k, or, in a store
// without one, records it once k has opened the access keys' secrets (when
// there are any).
func verifyMasterKey(ctx context.Context, st store.Store, k MasterKey) error {
	aead := k.derive("master-key-check")
	for range 2 {
		it, err := st.Get(ctx, checkKey)
		if err == nil {
			var c struct{ Sealed []byte }
			if err := json.Unmarshal(it.Data, &c); err != nil {
				return fmt.Errorf("the store's master key check: %w", err)
			}
			if plain, err := open(aead, c.Sealed, []byte(checkAAD)); err != nil || string(plain) != checkPlain {
				return ErrMasterKeyMismatch
			}
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := opensAccessKeys(ctx, st, k); err != nil {
			return err
		}
		data, _ := json.Marshal(struct{ Sealed []byte }{seal(aead, []byte(checkPlain), []byte(checkAAD))})
		_, err = st.Put(ctx, checkKey, data, 0)
		if err == nil {
			return nil
		}
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
		// Another server sharing the store recorded its check first:
		// verify against that one.
	}
	return errors.New("the store's master key check keeps changing")
}

// opensAccessKeys checks k against the first access keys' sealed secrets:
// one that opens proves k (AES-GCM does not open under another key); none
// opening is ErrMasterKeyMismatch.
func opensAccessKeys(ctx context.Context, st store.Store, k MasterKey) error {
	items, _, err := st.List(ctx, KindAccessKey, "", "", 10)
	if err != nil || len(items) == 0 {
		return err
	}
	aead := k.derive("access-key-secrets")
	for _, it := range items {
		var sk storedKey
		if json.Unmarshal(it.Data, &sk) != nil {
			continue
		}
		if _, err := open(aead, sk.Sealed, []byte(it.Name)); err == nil {
			return nil
		}
	}
	return ErrMasterKeyMismatch
}

func (k MasterKey) derive(purpose string) cipher.AEAD {
	block, err := aes.NewCipher(k.subkey(purpose))
	if err != nil {
		panic(err) // a 32-byte key is always valid
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}

// subkey derives the 32-byte key of one purpose from the master key.
func (k MasterKey) subkey(purpose string) []byte {
	m := hmac.New(sha256.New, k[:])
	m.Write([]byte("iamgate/" + purpose))
	return m.Sum(nil)
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
	// digests keys Digest.
	digests []byte
	// creds keeps the other credentials, under the same master key.
	creds *Credentials
	// fed keeps identity providers (federation.go).
	fed *Federation

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
		messages: master.derive("authorization-messages"), digests: master.subkey("digests"), cache: map[string]cachedKey{}, creds: NewCredentials(st, master), fed: newFederation(st)}
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

// CreateFirstAccessKey creates a user's key only if the store holds no
// access key at all, in one write transaction: of several servers starting
// on one empty store, exactly one makes the first administrator's key (the
// others find it there and make none). made is false when a key existed.
func (k *Keys) CreateFirstAccessKey(ctx context.Context, account, user string) (key api.AccessKey, made bool, err error) {
	id := api.NewKeyID("AKIA", account)
	secret := newSecret()
	sk := storedKey{Account: account, User: user, Status: "Active", Created: time.Now().UTC().Truncate(time.Second),
		Sealed: seal(k.secrets, []byte(secret), []byte(id))}
	data, err := json.Marshal(sk)
	if err != nil {
		return api.AccessKey{}, false, err
	}
	err = k.st.Update(ctx, func(tx store.Tx) error {
		items, _, err := tx.List(ctx, KindAccessKey, "", "", 1)
		if err != nil || len(items) > 0 {
			return err
		}
		if _, err := tx.Put(ctx, keyKey(id), data, 0); err != nil {
			return err
		}
		made = true
		return nil
	})
	k.invalidate(id)
	if err != nil || !made {
		return api.AccessKey{}, false, err
	}
	out := sk.public(id)
	out.Secret = secret
	return out, true, nil
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
	_, _ = k.put(ctx, key.ID, sk, rev) // best effort: losing a last-used time loses no access
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
	// PrincipalID is the role's (or user's) unique ID when the session
	// was issued; "" in tokens issued before it was recorded.
	PrincipalID string `json:"pid,omitempty"`
	// Federated are a federated session's context keys (api.Session).
	Federated map[string][]string `json:"f,omitempty"`
	// FederatedUser is a federated user session's name (api.Session).
	FederatedUser string `json:"fu,omitempty"`
	// Delegation is the delegation request a delegated session was issued
	// for (api.Session).
	Delegation string `json:"dr,omitempty"`
}

// CreateSession issues temporary credentials.
func (k *Keys) CreateSession(_ context.Context, s api.Session) (api.SessionCredentials, error) {
	t := token{Version: 1, KeyID: api.NewKeyID("ASIA", s.Account), Secret: newSecret(), Account: s.Account, Role: s.RoleName, User: s.UserName,
		Name: s.SessionName, Tags: s.Tags, TransitiveKeys: s.TransitiveKeys, Policies: s.Policies, SourceIdentity: s.SourceIdentity,
		Chained: s.Chained, MFA: s.MFA, AuthTime: s.AuthTime.Unix(), Issued: s.Issued.Unix(), Expires: s.Expiration.Unix(),
		PrincipalID: s.PrincipalID, Federated: s.Federated, FederatedUser: s.FederatedUser, Delegation: s.Delegation}
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

// EncodeMessage compresses and seals an authorization failure message. It
// is standard base64 (RFC 4648 section 4), whose alphabet has no '-': the
// aws CLI reads an argument beginning with '-' as an option, so
// `aws sts decode-authorization-message --encoded-message $msg` must never
// get one (the URL-safe alphabet used before began with '-' about once in
// 64 messages).
func (k *Keys) EncodeMessage(plain []byte) string {
	var b bytes.Buffer
	zw, _ := flate.NewWriter(&b, flate.BestCompression)
	// A flate.Writer into a bytes.Buffer cannot fail.
	_, _ = zw.Write(plain)
	_ = zw.Close()
	return base64.StdEncoding.EncodeToString(seal(k.messages, b.Bytes(), []byte("iamgate authorization message v1")))
}

// DecodeMessage opens an authorization failure message: the standard
// base64 EncodeMessage writes, or the unpadded URL-safe base64 of messages
// issued before. Both alphabets agree where they overlap, so a message
// valid in both decodes to the same bytes either way; the seal decides.
func (k *Keys) DecodeMessage(encoded string) ([]byte, error) {
	sealed, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		if sealed, err = base64.RawURLEncoding.DecodeString(encoded); err != nil {
			return nil, errBadToken
		}
	}
	z, err := open(k.messages, sealed, []byte("iamgate authorization message v1"))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(z)), 1<<20))
}

// Digest is HMAC-SHA256 of purpose and data under a key derived from the
// master key (api.Keys).
func (k *Keys) Digest(purpose string, data []byte) []byte {
	m := hmac.New(sha256.New, k.digests)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write(data)
	return m.Sum(nil)
}
