package postgres

import (
	"context"
	"database/sql"
	"errors"

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
}

// Open connects to PostgreSQL (a URL such as
// postgres://user@host:5432/db?sslmode=disable) and migrates the schema.
func Open(ctx context.Context, dsn string) (store.Store, error) {
	return sqlstore.Connect(ctx, "pgx", dsn, dialect, nil)
}
