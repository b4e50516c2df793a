package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"net/url"
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

// Open opens (creating if needed) the SQLite store at path and migrates it.
// ":memory:" gives a private in-memory store.
func Open(ctx context.Context, path string) (store.Store, error) {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	if path == ":memory:" || strings.HasPrefix(path, "file::memory:") {
		dsn = "file::memory:?" + q.Encode()
	}
	return sqlstore.Connect(ctx, "sqlite", dsn, dialect, func(db *sql.DB) {
		if path == ":memory:" {
			db.SetMaxOpenConns(1) // one connection is one in-memory database
		}
	})
}
