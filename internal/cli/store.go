package cli

import (
	"context"
	"os"
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
	def := os.Getenv("IAMGATE_STORE")
	if def == "" {
		def = defaultStore
	}
	cmd.Flags().StringVar(dsn, "store", def, "the store: a SQLite file path (the default, embedded) or a postgres:// URL (env IAMGATE_STORE)")
}

// openStore opens a SQLite file or, for postgres:// URLs, PostgreSQL.
func openStore(ctx context.Context, dsn string) (store.Store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return postgres.Open(ctx, dsn)
	}
	return sqlite.Open(ctx, dsn)
}
