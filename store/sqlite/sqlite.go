package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/internal/sqlstore"
)

var dialect = sqlstore.Dialect{
	Name:   "sqlite",
	Rebind: func(q string) string { return q },
	Blob:   "BLOB",
	IsConflict: func(err error) bool {
		var e *sqlite.Error
		return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_BUSY)
	},
	// The DSN asks for BEGIN IMMEDIATE, so a write transaction takes the
	// write lock at once and waits (busy_timeout) instead of failing later.
	BeginWrite: func(ctx context.Context, db *sql.DB) (*sql.Tx, error) { return db.BeginTx(ctx, nil) },
	// A read-only transaction begins DEFERRED: in WAL mode it reads one
	// snapshot without taking the write lock.
	BeginRead: func(ctx context.Context, db *sql.DB) (*sql.Tx, error) {
		return db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	},
	// Another process's commits are seen by reading the head: SQLite has
	// no notifications across processes.
	PollInterval: 100 * time.Millisecond,
}

// FileMode is the mode of a store file this package creates. SQLite gives
// the -wal and -shm files it creates beside the database the database
// file's mode, so they are 0600 too.
const FileMode os.FileMode = 0o600

// Open opens the SQLite store at path, creating it (mode 0600) if needed,
// and migrates it. ":memory:" gives a private in-memory store.
func Open(ctx context.Context, path string) (store.Store, error) {
	if !inMemory(path) {
		if err := create(path); err != nil {
			return nil, err
		}
	}
	return open(ctx, path, "rwc")
}

// OpenExisting opens and migrates the store at path, which must exist and
// hold iamgate's schema: otherwise the error is store.ErrNoStore ("no store
// at PATH") and nothing is created.
func OpenExisting(ctx context.Context, path string) (store.Store, error) {
	if inMemory(path) {
		return nil, fmt.Errorf("%w at %s", store.ErrNoStore, path)
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w at %s", store.ErrNoStore, path)
	} else if err != nil {
		return nil, err
	}
	// mode=rw: SQLite opens the file without the right to create it, so a
	// file removed since the Stat is not created again.
	return open(ctx, path, "rw")
}

func inMemory(path string) bool {
	return path == ":memory:" || strings.HasPrefix(path, "file::memory:")
}

// create makes an empty database file with FileMode unless path exists.
// SQLite would create it with 0644 (less the umask); made first, the file
// is never readable by others, and SQLite copies its mode to -wal and -shm.
func create(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, FileMode)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("creating the store: %w", err)
	}
	return f.Close()
}

// PageSize is the page size of the stores this package creates. The
// audit log's rows (an entry's JSON and its columns, some 600 bytes) and
// their four indexes fill fewer pages of 16 KiB than of SQLite's default
// 4 KiB, with fewer splits: storing a million CloudTrail events takes
// about 30% less CPU (BENCHMARKS.md). A store made before keeps its page
// size.
const PageSize = 16384

// setPageSize gives an empty database file (one create made) the page
// size, which SQLite fixes when it first writes the file, before WAL mode
// (the DSN's pragmas run in name order, journal_mode first) does.
func setPageSize(ctx context.Context, path string) error {
	fi, err := os.Stat(path)
	if err != nil || fi.Size() > 0 {
		return nil // not empty: the page size is set; open reports the rest
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=rw&_pragma=busy_timeout(10000)&_pragma=page_size("+strconv.Itoa(PageSize)+")")
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, `PRAGMA journal_mode=WAL`)
	return err
}

func open(ctx context.Context, path, mode string) (store.Store, error) {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	if inMemory(path) {
		return sqlstore.Connect(ctx, "sqlite", "file::memory:?"+q.Encode(), dialect, func(db *sql.DB) {
			if path == ":memory:" {
				db.SetMaxOpenConns(1) // one connection is one in-memory database
			}
		})
	}
	q.Set("mode", mode)
	if mode == "rwc" {
		if err := setPageSize(ctx, path); err != nil {
			return nil, err
		}
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close() // the error returned below is the one to report
		if mode == "rw" {
			if _, serr := os.Stat(path); errors.Is(serr, os.ErrNotExist) {
				return nil, fmt.Errorf("%w at %s", store.ErrNoStore, path)
			}
		}
		return nil, err
	}
	if mode == "rw" {
		// A file that is not an iamgate store (an empty file, another
		// program's database) is not made into one.
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'items'`).Scan(&n); err != nil {
			_ = db.Close() // the error returned below is the one to report
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if n == 0 {
			_ = db.Close() // the error returned below is the one to report
			return nil, fmt.Errorf("%w at %s (the file holds no iamgate schema)", store.ErrNoStore, path)
		}
	}
	s, err := sqlstore.Open(ctx, db, dialect)
	if err != nil {
		_ = db.Close() // the error returned below is the one to report
		return nil, err
	}
	return s, nil
}
