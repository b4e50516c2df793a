package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the pgx database/sql driver

	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/internal/sqlstore"
)

var dialect = sqlstore.Dialect{
	Name:   "postgres",
	Rebind: sqlstore.DollarRebind,
	Blob:   "BYTEA",
	// One migration at a time across every server sharing the database.
	LockMigrations: `SELECT pg_advisory_xact_lock(7318649921)`,
	IsConflict: func(err error) bool {
		var e *pgconn.PgError
		// unique_violation, serialization_failure
		return errors.As(err, &e) && (e.Code == "23505" || e.Code == "40001")
	},
	BeginWrite: func(ctx context.Context, db *sql.DB) (*sql.Tx, error) { return db.BeginTx(ctx, nil) },
	// Each commit notifies the servers sharing the database; they also poll
	// once a second, which catches up after a lost connection.
	Notify:       `SELECT pg_notify('` + channel + `', ?)`,
	Listen:       listen,
	PollInterval: time.Second,
}

// channel is the LISTEN/NOTIFY channel of commits.
const channel = "iamgate_changes"

// listen holds a connection that LISTENs for commits and calls wake on
// each, reconnecting (after a pause) when the connection is lost, until ctx
// ends.
func listen(ctx context.Context, dsn string, wake func()) {
	for ctx.Err() == nil {
		conn, err := pgx.Connect(ctx, dsn)
		if err == nil {
			if _, err = conn.Exec(ctx, "LISTEN "+channel); err == nil {
				wake() // commits may have happened while we were not listening
				for {
					if _, err = conn.WaitForNotification(ctx); err != nil {
						break
					}
					wake()
				}
			}
			_ = conn.Close(context.Background()) // the listener reconnects below
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// Open connects to PostgreSQL (a URL such as
// postgres://user@host:5432/db?sslmode=disable) and migrates the schema.
func Open(ctx context.Context, dsn string) (store.Store, error) {
	return sqlstore.Connect(ctx, "pgx", dsn, dialect, nil)
}

// OpenExisting connects to PostgreSQL like Open, but only to a database
// (or search_path schema) that already holds iamgate's schema: otherwise the
// error is store.ErrNoStore and nothing is created.
func OpenExisting(ctx context.Context, dsn string) (store.Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	var found bool
	// to_regclass resolves the name through the search_path, as the
	// store's own queries do.
	if err := db.QueryRowContext(ctx, `SELECT to_regclass('items') IS NOT NULL`).Scan(&found); err != nil {
		_ = db.Close() // the error returned below is the one to report
		return nil, err
	}
	if !found {
		_ = db.Close() // the error returned below is the one to report
		return nil, fmt.Errorf("%w at %s (the database has no iamgate schema)", store.ErrNoStore, redacted(dsn))
	}
	s, err := sqlstore.Open(ctx, db, dialect)
	if err != nil {
		_ = db.Close() // the error returned below is the one to report
		return nil, err
	}
	return s, nil
}

// redacted hides the password of a URL.
func redacted(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "the PostgreSQL database"
	}
	return u.Redacted()
}
