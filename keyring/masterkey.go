package keyring

import (
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
	"os"
	"strings"

	"github.com/iamgate/iamgate/store"
)

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

// Sealer seals values with AES-GCM under the key the master key derives
// for one purpose, each bound to its additional data (such as where the
// value is stored), so that a sealed value copied elsewhere does not open.
type Sealer struct{ aead cipher.AEAD }

// Sealer returns the sealer of a purpose; each purpose has its own key.
func (k MasterKey) Sealer(purpose string) Sealer { return Sealer{k.derive(purpose)} }

// Seal seals plain, bound to aad, under a random nonce.
func (s Sealer) Seal(plain, aad []byte) []byte { return seal(s.aead, plain, aad) }

// Open opens what Seal sealed with the same aad.
func (s Sealer) Open(sealed, aad []byte) ([]byte, error) { return open(s.aead, sealed, aad) }

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
