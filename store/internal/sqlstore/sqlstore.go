package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/iamgate/iamgate/store"
)

// Dialect is what differs between databases.
type Dialect struct {
	Name string
	// Rebind turns ? placeholders into the database's own.
	Rebind func(query string) string
	// Blob is the column type for JSON documents.
	Blob string
	// LockMigrations, run inside the migration transaction, keeps two
	// processes from migrating at once.
	LockMigrations string
	// IsConflict reports a unique-key violation.
	IsConflict func(error) bool
	// BeginWrite starts a write transaction.
	BeginWrite func(ctx context.Context, db *sql.DB) (*sql.Tx, error)
}

// DollarRebind numbers placeholders $1, $2, ... (PostgreSQL).
func DollarRebind(q string) string {
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string
	SQL     func(d Dialect) string
}

// Migrations are applied in order; never edit one that has shipped, add a
// new one.
var Migrations = []Migration{
	{1, "items", func(d Dialect) string {
		return `CREATE TABLE items (
  kind TEXT NOT NULL,
  account TEXT NOT NULL,
  name TEXT NOT NULL,
  data ` + d.Blob + ` NOT NULL,
  revision BIGINT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (kind, account, name)
);
CREATE INDEX items_account ON items (account, kind, name)`
	}},
}

// DB is a store over a SQL database.
type DB struct {
	db *sql.DB
	d  Dialect
}

// Connect opens a database through a database/sql driver, checks that it
// answers, lets configure adjust the pool, and migrates it.
func Connect(ctx context.Context, driver, dsn string, d Dialect, configure func(*sql.DB)) (*DB, error) {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, err
	}
	if configure != nil {
		configure(db)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	s, err := Open(ctx, db, d)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Open migrates the database and returns the store.
func Open(ctx context.Context, db *sql.DB, d Dialect) (*DB, error) {
	s := &DB{db: db, d: d}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *DB) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("store: migrations table: %w", err)
	}
	for _, m := range Migrations {
		if err := s.apply(ctx, m); err != nil {
			return fmt.Errorf("store: migration %d (%s): %w", m.Version, m.Name, err)
		}
	}
	return nil
}

func (s *DB) apply(ctx context.Context, m Migration) error {
	tx, err := s.d.BeginWrite(ctx, s.db)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if s.d.LockMigrations != "" {
		if _, err := tx.ExecContext(ctx, s.d.LockMigrations); err != nil {
			return err
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, s.d.Rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), m.Version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	for _, stmt := range strings.Split(m.SQL(s.d), ";\n") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, s.d.Rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
		m.Version, m.Name, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
		return err
	}
	return tx.Commit()
}

// SchemaVersion returns the highest applied migration.
func (s *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v)
	return int(v.Int64), err
}

// Close closes the database.
func (s *DB) Close() error { return s.db.Close() }

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

type ops struct {
	q querier
	d Dialect
}

func (o ops) get(ctx context.Context, k store.Key) (store.Item, error) {
	it := store.Item{Key: k}
	var updated string
	err := o.q.QueryRowContext(ctx, o.d.Rebind(`SELECT data, revision, updated_at FROM items WHERE kind = ? AND account = ? AND name = ?`),
		string(k.Kind), k.Account, k.Name).Scan(&it.Data, &it.Revision, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Item{}, store.ErrNotFound
	}
	if err != nil {
		return store.Item{}, err
	}
	it.Updated, _ = time.Parse(time.RFC3339Nano, updated)
	return it, nil
}

func (o ops) list(ctx context.Context, kind store.Kind, account, after string, limit int) ([]store.Item, string, error) {
	afterAccount, afterName := "", ""
	if after != "" {
		a, n, ok := strings.Cut(after, "\x00")
		if !ok {
			return nil, "", fmt.Errorf("store: bad list cursor")
		}
		afterAccount, afterName = a, n
	}
	q := `SELECT account, name, data, revision, updated_at FROM items WHERE kind = ?`
	args := []any{string(kind)}
	if account != "" {
		q += ` AND account = ?`
		args = append(args, account)
	}
	if after != "" {
		q += ` AND (account > ? OR (account = ? AND name > ?))`
		args = append(args, afterAccount, afterAccount, afterName)
	}
	q += ` ORDER BY account, name`
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit+1)
	}
	rows, err := o.q.QueryContext(ctx, o.d.Rebind(q), args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var out []store.Item
	for rows.Next() {
		it := store.Item{Key: store.Key{Kind: kind}}
		var updated string
		if err := rows.Scan(&it.Account, &it.Name, &it.Data, &it.Revision, &updated); err != nil {
			return nil, "", err
		}
		it.Updated, _ = time.Parse(time.RFC3339Nano, updated)
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	next := ""
	if limit > 0 && len(out) > limit {
		out = out[:limit]
		last := out[len(out)-1]
		next = last.Account + "\x00" + last.Name
	}
	return out, next, nil
}

func (o ops) put(ctx context.Context, k store.Key, data []byte, expect int64) (store.Item, error) {
	if k.Kind == "" || k.Name == "" {
		return store.Item{}, fmt.Errorf("store: an item needs a kind and a name")
	}
	now := time.Now().UTC()
	ts := now.Format(time.RFC3339Nano)
	var rev int64
	switch expect {
	case 0:
		_, err := o.q.ExecContext(ctx, o.d.Rebind(`INSERT INTO items (kind, account, name, data, revision, updated_at) VALUES (?, ?, ?, ?, 1, ?)`),
			string(k.Kind), k.Account, k.Name, data, ts)
		if err != nil {
			if o.d.IsConflict(err) {
				return store.Item{}, store.ErrConflict
			}
			return store.Item{}, err
		}
		rev = 1
	case store.Any:
		cur, err := o.get(ctx, k)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return o.put(ctx, k, data, 0)
		case err != nil:
			return store.Item{}, err
		}
		return o.put(ctx, k, data, cur.Revision)
	default:
		res, err := o.q.ExecContext(ctx, o.d.Rebind(`UPDATE items SET data = ?, revision = revision + 1, updated_at = ? WHERE kind = ? AND account = ? AND name = ? AND revision = ?`),
			data, ts, string(k.Kind), k.Account, k.Name, expect)
		if err != nil {
			return store.Item{}, err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return store.Item{}, store.ErrConflict
		}
		rev = expect + 1
	}
	return store.Item{Key: k, Data: data, Revision: rev, Updated: now}, nil
}

func (o ops) delete(ctx context.Context, k store.Key, expect int64) error {
	q := `DELETE FROM items WHERE kind = ? AND account = ? AND name = ?`
	args := []any{string(k.Kind), k.Account, k.Name}
	if expect != store.Any {
		q += ` AND revision = ?`
		args = append(args, expect)
	}
	res, err := o.q.ExecContext(ctx, o.d.Rebind(q), args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	if _, err := o.get(ctx, k); errors.Is(err, store.ErrNotFound) {
		return store.ErrNotFound
	}
	return store.ErrConflict
}

func (o ops) deleteAccount(ctx context.Context, account string) error {
	if account == "" {
		return fmt.Errorf("store: DeleteAccount needs an account")
	}
	_, err := o.q.ExecContext(ctx, o.d.Rebind(`DELETE FROM items WHERE account = ? OR (kind = ? AND name = ?)`), account, string(store.KindAccount), account)
	return err
}

func (s *DB) ops() ops { return ops{q: s.db, d: s.d} }

// Get implements store.Reader.
func (s *DB) Get(ctx context.Context, k store.Key) (store.Item, error) { return s.ops().get(ctx, k) }

// List implements store.Reader.
func (s *DB) List(ctx context.Context, kind store.Kind, account, after string, limit int) ([]store.Item, string, error) {
	return s.ops().list(ctx, kind, account, after, limit)
}

// Put implements store.Writer, in its own transaction.
func (s *DB) Put(ctx context.Context, k store.Key, data []byte, expect int64) (store.Item, error) {
	var it store.Item
	err := s.Update(ctx, func(tx store.Tx) error {
		var err error
		it, err = tx.Put(ctx, k, data, expect)
		return err
	})
	return it, err
}

// Delete implements store.Writer.
func (s *DB) Delete(ctx context.Context, k store.Key, expect int64) error {
	return s.Update(ctx, func(tx store.Tx) error { return tx.Delete(ctx, k, expect) })
}

// DeleteAccount implements store.Writer.
func (s *DB) DeleteAccount(ctx context.Context, account string) error {
	return s.ops().deleteAccount(ctx, account)
}

type tx struct{ ops }

func (t tx) Get(ctx context.Context, k store.Key) (store.Item, error) { return t.get(ctx, k) }
func (t tx) List(ctx context.Context, kind store.Kind, account, after string, limit int) ([]store.Item, string, error) {
	return t.list(ctx, kind, account, after, limit)
}
func (t tx) Put(ctx context.Context, k store.Key, data []byte, expect int64) (store.Item, error) {
	return t.put(ctx, k, data, expect)
}
func (t tx) Delete(ctx context.Context, k store.Key, expect int64) error {
	return t.delete(ctx, k, expect)
}
func (t tx) DeleteAccount(ctx context.Context, account string) error {
	return t.deleteAccount(ctx, account)
}

// Update implements store.Store.
func (s *DB) Update(ctx context.Context, fn func(store.Tx) error) error {
	t, err := s.d.BeginWrite(ctx, s.db)
	if err != nil {
		return err
	}
	if err := fn(tx{ops{q: t, d: s.d}}); err != nil {
		t.Rollback()
		return err
	}
	if err := t.Commit(); err != nil {
		if s.d.IsConflict(err) {
			return store.ErrConflict
		}
		return err
	}
	return nil
}
