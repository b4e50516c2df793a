package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/internal/sqlstore"
	"github.com/iamgate/iamgate/store/sqlite"
	"github.com/iamgate/iamgate/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (store.Store, func() (store.Store, error)) {
		path := filepath.Join(t.TempDir(), "iamgate.db")
		s, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		return s, func() (store.Store, error) { return sqlite.Open(context.Background(), path) }
	})
}

func TestInMemory(t *testing.T) {
	s, err := sqlite.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Put(context.Background(), store.Key{Kind: store.KindUser, Account: "1", Name: "u"}, []byte(`{}`), 0); err != nil {
		t.Fatal(err)
	}
}

// A store file holds every secret sealed and the whole world: the store, its
// -wal and -shm are created mode 0600 whatever SQLite's default (0644) and
// with the usual umask 022.
func TestCreatedFilesAreOwnerOnly(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "iamgate.db")
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Put(context.Background(), store.Key{Kind: store.KindUser, Account: "1", Name: "u"}, []byte(`{}`), 0); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", filepath.Base(f), fi.Mode().Perm())
		}
	}
}

// OpenExisting never creates a store: a missing path or a file without
// iamgate's schema is store.ErrNoStore, and no file is left behind.
func TestOpenExistingRefusesNoStore(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	if _, err := sqlite.OpenExisting(context.Background(), missing); !errors.Is(err, store.ErrNoStore) {
		t.Errorf("missing file: %v, want ErrNoStore", err)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenExisting created %s (%v)", missing, err)
	}
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.OpenExisting(context.Background(), empty); !errors.Is(err, store.ErrNoStore) {
		t.Errorf("empty file: %v, want ErrNoStore", err)
	}
	// A store made by Open opens.
	path := filepath.Join(dir, "iamgate.db")
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = sqlite.OpenExisting(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

// A store whose audit entries were items (schema version 2) has them in
// the audit log once opened, in order, with their accesses.
func TestMigrationMovesAuditItems(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.MigrateTo(ctx, db, sqlite.Dialect, 2); err != nil {
		t.Fatal(err)
	}
	storetest.SeedOldAudit(t, db, func(q string) string { return q })
	db.Close()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.CheckOldAuditMoved(t, s)
}

// A store Open creates has pages of sqlite.PageSize, in WAL mode; a store
// file made before keeps the page size it has.
func TestNewStorePageSize(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	pageSize := func(path string) (n int, mode string) {
		db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
			t.Fatal(err)
		}
		return n, mode
	}
	path := filepath.Join(dir, "new.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if n, mode := pageSize(path); n != sqlite.PageSize || mode != "wal" {
		t.Errorf("new store: page size %d, journal mode %s", n, mode)
	}
	old := filepath.Join(dir, "old.db")
	db, err := sql.Open("sqlite", "file:"+old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `PRAGMA page_size=4096; PRAGMA journal_mode=WAL`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if s, err = sqlite.Open(ctx, old); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if n, _ := pageSize(old); n != 4096 {
		t.Errorf("a store made before: page size %d, want 4096 kept", n)
	}
}
