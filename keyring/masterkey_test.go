package keyring_test

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/iamgate/iamgate/keyring"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/postgres"
	"github.com/iamgate/iamgate/store/sqlite"
	"github.com/iamgate/iamgate/store/storetest"
)

// storeOpeners open a new, empty store of each kind.
var storeOpeners = map[string]func(t *testing.T) store.Store{
	"sqlite": func(t *testing.T) store.Store {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "iamgate.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	},
	"postgres": func(t *testing.T) store.Store {
		st, err := postgres.Open(context.Background(), storetest.FreshSchema(t, storetest.PostgresDSN(t)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	},
}

func writeKey(t *testing.T, file string, k keyring.MasterKey) {
	t.Helper()
	if err := os.WriteFile(file, []byte(base64.StdEncoding.EncodeToString(k[:])+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func isMasterKeyError(t *testing.T, err, want error, mentions ...string) {
	t.Helper()
	var mke *keyring.MasterKeyError
	if !errors.Is(err, want) || !errors.As(err, &mke) {
		t.Fatalf("error %v, want %v as a *MasterKeyError", err, want)
	}
	for _, m := range mentions {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("%q does not name %s", err, m)
		}
	}
}

// A store's secrets open only under the master key that sealed them: with
// an existing store, a missing or different key refuses to start (naming
// the file or variable to restore) instead of making a new key and failing
// every signed request later.
func TestMasterKeyMissingOrWrongIsRefused(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	ctx := context.Background()
	other := keyring.MasterKey{9}
	for name, open := range storeOpeners {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			file := filepath.Join(t.TempDir(), "iamgate.key")
			// First start: a new key, 0600, and the store records its check.
			k, created, err := keyring.LoadMasterKey(ctx, st, "", file, true)
			if err != nil || !created {
				t.Fatalf("first start: created %v, %v", created, err)
			}
			if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("key file: %v %v", fi, err)
			}
			// The same key again: accepted, nothing created.
			if k2, created, err := keyring.LoadMasterKey(ctx, st, "", file, true); err != nil || created || k2 != k {
				t.Fatalf("right key: created %v, %v", created, err)
			}
			enc := base64.StdEncoding.EncodeToString(k[:])
			if _, _, err := keyring.LoadMasterKey(ctx, st, enc, file, true); err != nil {
				t.Fatalf("right key from %s: %v", keyring.MasterKeyEnv, err)
			}
			// A different key in the file.
			writeKey(t, file, other)
			_, _, err = keyring.LoadMasterKey(ctx, st, "", file, true)
			isMasterKeyError(t, err, keyring.ErrMasterKeyMismatch, file)
			// A different key from the variable.
			_, _, err = keyring.LoadMasterKey(ctx, st, base64.StdEncoding.EncodeToString(other[:]), file, true)
			isMasterKeyError(t, err, keyring.ErrMasterKeyMismatch, keyring.MasterKeyEnv)
			// No key at all: refused, and no new key file is made.
			if err := os.Remove(file); err != nil {
				t.Fatal(err)
			}
			_, _, err = keyring.LoadMasterKey(ctx, st, "", file, true)
			isMasterKeyError(t, err, keyring.ErrMasterKeyMissing, file, keyring.MasterKeyEnv)
			if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused start left a key file: %v", err)
			}
		})
	}
}

// A store made before the check holds access keys sealed under its key:
// they decide, and the right key then records the check.
func TestMasterKeyOfAStoreWithoutCheckIsProvedByItsAccessKeys(t *testing.T) {
	ctx := context.Background()
	right, wrong := keyring.MasterKey{1}, keyring.MasterKey{2}
	for name, open := range storeOpeners {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			if _, err := keyring.NewKeys(st, right).CreateAccessKey(ctx, "123456789012", "admin"); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			wrongFile, rightFile := filepath.Join(dir, "wrong.key"), filepath.Join(dir, "right.key")
			writeKey(t, wrongFile, wrong)
			writeKey(t, rightFile, right)
			_, _, err := keyring.LoadMasterKey(ctx, st, "", wrongFile, true)
			isMasterKeyError(t, err, keyring.ErrMasterKeyMismatch, wrongFile)
			_, _, err = keyring.LoadMasterKey(ctx, st, "", filepath.Join(dir, "missing.key"), true)
			isMasterKeyError(t, err, keyring.ErrMasterKeyMissing)
			if _, err := st.Get(ctx, store.Key{Kind: keyring.KindMasterKeyCheck, Name: "check"}); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("a refused key recorded a check: %v", err)
			}
			if _, _, err := keyring.LoadMasterKey(ctx, st, "", rightFile, true); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Get(ctx, store.Key{Kind: keyring.KindMasterKeyCheck, Name: "check"}); err != nil {
				t.Fatalf("the check was not recorded: %v", err)
			}
			_, _, err = keyring.LoadMasterKey(ctx, st, "", wrongFile, true)
			isMasterKeyError(t, err, keyring.ErrMasterKeyMismatch)
		})
	}
}

// Operator commands (create false) never make a master key.
func TestMasterKeyIsNotCreatedWhenNotAsked(t *testing.T) {
	st := storeOpeners["sqlite"](t)
	file := filepath.Join(t.TempDir(), "iamgate.key")
	_, _, err := keyring.LoadMasterKey(context.Background(), st, "", file, false)
	isMasterKeyError(t, err, keyring.ErrMasterKeyMissing, "iamgate serve")
	if _, err := os.Stat(file); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("key file created: %v", err)
	}
}
