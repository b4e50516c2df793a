package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/postgres"
	"github.com/iamgate/iamgate/store/sqlite"
)

// defaultStore is the SQLite file used when neither --store nor
// IAMGATE_STORE says otherwise.
const defaultStore = "iamgate.db"

func addStoreFlag(cmd *cobra.Command, dsn *string) {
	cmd.Flags().StringVar(dsn, "store", defaultStore, "the store: a SQLite file path (the default, embedded) or a postgres:// URL (env IAMGATE_STORE)")
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// openStore opens an existing store: a SQLite file or, for postgres://
// URLs, a PostgreSQL database with iamgate's schema. Where there is none it
// fails with store.ErrNoStore ("no store at PATH") and creates nothing:
// every command but serve and import reads a store that must be there.
func openStore(ctx context.Context, dsn string) (store.Store, error) {
	if isPostgres(dsn) {
		return postgres.OpenExisting(ctx, dsn)
	}
	return sqlite.OpenExisting(ctx, dsn)
}

// createStore opens a store, creating it (a SQLite file mode 0600, or the
// schema in PostgreSQL) when there is none: for serve and import.
func createStore(ctx context.Context, dsn string) (store.Store, error) {
	if isPostgres(dsn) {
		return postgres.Open(ctx, dsn)
	}
	return sqlite.Open(ctx, dsn)
}
