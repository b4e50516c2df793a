package storetest

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// PostgresDSN is the PostgreSQL server tests use: IAMGATE_TEST_POSTGRES, or
// the local server this project's machines run. When it cannot be reached
// the test is skipped with the reason, unless IAMGATE_REQUIRE_POSTGRES=1
// (set by .ci/run), which makes that a failure.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	d := os.Getenv("IAMGATE_TEST_POSTGRES")
	if d == "" {
		d = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	db, err := sql.Open("pgx", d)
	if err == nil {
		err = db.Ping()
		_ = db.Close() // only reachability is asked
	}
	if err != nil {
		msg := fmt.Sprintf("PostgreSQL at %s is not reachable (%v); set IAMGATE_TEST_POSTGRES to a server", d, err)
		if os.Getenv("IAMGATE_REQUIRE_POSTGRES") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return d
}

// FreshSchema creates an empty schema for one test and returns a DSN that
// uses it, so tests neither see nor leave each other's data.
func FreshSchema(t testing.TB, base string) string {
	t.Helper()
	schema := fmt.Sprintf("iamgate_test_%d", rand.Uint64())
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// A schema left behind is litter, not a failure of the test.
		db, err := sql.Open("pgx", base)
		if err != nil {
			t.Logf("dropping schema %s: %v", schema, err)
			return
		}
		if _, err := db.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Logf("dropping schema %s: %v", schema, err)
		}
		_ = db.Close() // nothing was written through it that could be lost
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
