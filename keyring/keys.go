package keyring

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/store"
)

// KindAccessKey holds long-term access keys: Account "" and Name the key
// ID, so that replacing an account's IAM entities leaves keys alone. The
// secret is sealed with AES-GCM under a key derived from the master key.
const KindAccessKey store.Kind = "accesskey"

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

// Invalidate drops a key from the cache: the store's change feed says
// another writer changed it.
func (k *Keys) Invalidate(id string) {
	k.mu.Lock()
	delete(k.cache, id)
	k.gen++
	k.mu.Unlock()
}

// InvalidateAll empties the cache: the change feed lost track of writes.
func (k *Keys) InvalidateAll() {
	k.mu.Lock()
	k.cache = map[string]cachedKey{}
	k.gen++
	k.mu.Unlock()
}

var _ api.Keys = (*Keys)(nil)

// NewKeys returns the credential keeper.
func NewKeys(st store.Store, master MasterKey) *Keys {
	return &Keys{st: st, secrets: master.derive("access-key-secrets"), tokens: master.derive("session-tokens"),
		messages: master.derive("authorization-messages"), digests: master.subkey("digests"), cache: map[string]cachedKey{}}
}

func keyKey(id string) store.Key { return store.Key{Kind: KindAccessKey, Name: id} }

func (k *Keys) put(ctx context.Context, id string, sk storedKey, expect int64) (int64, error) {
	data, err := json.Marshal(sk)
	if err != nil {
		return 0, err
	}
	it, err := k.st.Put(ctx, keyKey(id), data, expect)
	k.Invalidate(id)
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
	k.Invalidate(id)
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

// AnyAccessKey reports whether the store holds any access key.
func (k *Keys) AnyAccessKey(ctx context.Context) (bool, error) {
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
	k.Invalidate(id)
	return err
}

// RenameUser moves a user's keys to its new name, in the transaction that
// renames the user: were they moved after it, a user created with the old
// name in between would be the one the old user's keys sign for, and a
// failed move would leave them so.
func (k *Keys) RenameUser(account, from, to string) api.TxWrite {
	return func(ctx context.Context, tx store.Tx) error {
		after := ""
		for {
			items, next, err := tx.List(ctx, KindAccessKey, "", after, 500)
			if err != nil {
				return err
			}
			for _, it := range items {
				var sk storedKey
				if err := json.Unmarshal(it.Data, &sk); err != nil {
					return fmt.Errorf("access key %s: %w", it.Name, err)
				}
				if sk.Account != account || sk.User != from {
					continue
				}
				sk.User = to
				data, err := json.Marshal(sk)
				if err != nil {
					return err
				}
				if _, err := tx.Put(ctx, it.Key, data, it.Revision); err != nil {
					return err
				}
				// Forgotten now and again by the change feed once the
				// transaction commits; a key cached in between is only read.
				k.Invalidate(it.Name)
			}
			if next == "" {
				return nil
			}
			after = next
		}
	}
}

// Secret returns a key and its secret, from the cache; ok is false when
// there is no such key.
func (k *Keys) Secret(ctx context.Context, id string) (api.AccessKey, string, bool, error) {
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

// Touch records a key's use by a request to service in region, at most
// every lastUsedEvery for the same service and region.
func (k *Keys) Touch(ctx context.Context, key api.AccessKey, service, region string, now time.Time) {
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
			return nil, ErrBadToken
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
