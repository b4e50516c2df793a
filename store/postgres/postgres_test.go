package postgres_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/internal/sqlstore"
	"github.com/iamgate/iamgate/store/postgres"
	"github.com/iamgate/iamgate/store/storetest"
)

func dsn(t *testing.T) string { return storetest.PostgresDSN(t) }

func freshSchema(t *testing.T, base string) string { return storetest.FreshSchema(t, base) }

func TestConformance(t *testing.T) {
	base := dsn(t)
	storetest.Run(t, func(t *testing.T) (store.Store, func() (store.Store, error)) {
		d := freshSchema(t, base)
		s, err := postgres.Open(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		return s, func() (store.Store, error) { return postgres.Open(context.Background(), d) }
	})
}

// OpenExisting refuses a database (schema) without iamgate's tables, and
// creates none; a migrated one opens.
func TestOpenExistingRefusesNoSchema(t *testing.T) {
	d := freshSchema(t, dsn(t))
	if _, err := postgres.OpenExisting(context.Background(), d); !errors.Is(err, store.ErrNoStore) {
		t.Fatalf("empty schema: %v, want ErrNoStore", err)
	}
	if _, err := postgres.OpenExisting(context.Background(), d); !errors.Is(err, store.ErrNoStore) {
		t.Fatalf("the refusal created the schema: %v", err)
	}
	s, err := postgres.Open(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = postgres.OpenExisting(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

// A store whose audit entries were items (schema version 2) has them in
// the audit log once opened, in order, with their accesses.
func TestMigrationMovesAuditItems(t *testing.T) {
	ctx := context.Background()
	d := freshSchema(t, dsn(t))
	db, err := sql.Open("pgx", d)
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.MigrateTo(ctx, db, postgres.Dialect, 2); err != nil {
		t.Fatal(err)
	}
	storetest.SeedOldAudit(t, db, sqlstore.DollarRebind)
	db.Close()
	s, err := postgres.Open(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.CheckOldAuditMoved(t, s)
}
