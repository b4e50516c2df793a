package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
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
	// BeginRead starts a read-only transaction that sees one consistent
	// state.
	BeginRead func(ctx context.Context, db *sql.DB) (*sql.Tx, error)
	// Notify, when set, runs in each write transaction before it commits,
	// with the transaction's sequence number as its argument, to wake the
	// followers of other processes (PostgreSQL: pg_notify).
	Notify string
	// Listen, when set, calls wake whenever another process may have
	// committed, until ctx ends (PostgreSQL: LISTEN). Followers poll at
	// PollInterval as well, so a lost notification delays, never loses.
	Listen func(ctx context.Context, dsn string, wake func())
	// PollInterval is how often Wait reads the head.
	PollInterval time.Duration
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
	{2, "change feed", func(d Dialect) string {
		// head holds the last committed write's sequence number (and, as
		// its row lock, serializes write transactions) and how far the
		// change history has been pruned; account_seq each account's last
		// change.
		return `CREATE TABLE store_head (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL, pruned BIGINT NOT NULL);
INSERT INTO store_head (id, seq, pruned) VALUES (1, 0, 0);
CREATE TABLE changes (
  seq BIGINT NOT NULL,
  kind TEXT NOT NULL,
  account TEXT NOT NULL,
  name TEXT NOT NULL,
  deleted INTEGER NOT NULL,
  PRIMARY KEY (seq, kind, account, name)
);
CREATE TABLE account_seq (account TEXT PRIMARY KEY, seq BIGINT NOT NULL)`
	}},
	{3, "audit log", auditMigration},
}

// steps are what a migration does beyond its SQL, in the same
// transaction, after it.
var steps = map[int]func(ctx context.Context, tx *sql.Tx, d Dialect) error{
	3: moveAuditItems,
}

// KeepChanges is how many transactions of change history are kept; a
// follower further behind reads the whole state again.
const KeepChanges = 100000

// DB is a store over a SQL database.
type DB struct {
	db *sql.DB
	d  Dialect

	mu     sync.Mutex
	wakeCh chan struct{} // closed and replaced when a commit may have happened
	stop   context.CancelFunc
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
		_ = db.Close() // the ping's error is the one to report
		return nil, err
	}
	s, err := Open(ctx, db, d)
	if err != nil {
		_ = db.Close() // Open's error is the one to report
		return nil, err
	}
	if d.Listen != nil {
		lctx, cancel := context.WithCancel(context.Background())
		s.stop = cancel
		go d.Listen(lctx, dsn, s.wake)
	}
	return s, nil
}

// Open migrates the database and returns the store.
func Open(ctx context.Context, db *sql.DB, d Dialect) (*DB, error) {
	if d.BeginRead == nil {
		d.BeginRead = func(ctx context.Context, db *sql.DB) (*sql.Tx, error) {
			return db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
		}
	}
	if d.PollInterval == 0 {
		d.PollInterval = 100 * time.Millisecond
	}
	s := &DB{db: db, d: d, wakeCh: make(chan struct{})}
	if err := s.migrate(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// wake tells waiting followers that the head may have moved.
func (s *DB) wake() {
	s.mu.Lock()
	close(s.wakeCh)
	s.wakeCh = make(chan struct{})
	s.mu.Unlock()
}

func (s *DB) woken() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.wakeCh
}

func (s *DB) migrate(ctx context.Context) error { return s.migrateTo(ctx, len(Migrations)) }

// MigrateTo applies the migrations up to version only: the schema as an
// older release left it, for tests of the migrations that follow.
func MigrateTo(ctx context.Context, db *sql.DB, d Dialect, version int) error {
	return (&DB{db: db, d: d}).migrateTo(ctx, version)
}

func (s *DB) migrateTo(ctx context.Context, version int) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("store: migrations table: %w", err)
	}
	for _, m := range Migrations {
		if m.Version > version {
			break
		}
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
	if step := steps[m.Version]; step != nil {
		if err := step(ctx, tx, s.d); err != nil {
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
func (s *DB) Close() error {
	if s.stop != nil {
		s.stop()
	}
	return s.db.Close()
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, q string) (*sql.Stmt, error)
}

type ops struct {
	q querier
	d Dialect
	w *writeState // nil outside a write transaction
}

// writeState is a write transaction's sequence number and the accounts
// whose sequence number it has already moved.
type writeState struct {
	seq      int64
	accounts map[string]bool
	// stmts are the statements the transaction prepared (closed with
	// it), by their text.
	stmts map[string]*sql.Stmt
}

// prepared is the transaction's prepared statement for q (rebound).
func (o ops) prepared(ctx context.Context, q string) (*sql.Stmt, error) {
	if st := o.w.stmts[q]; st != nil {
		return st, nil
	}
	st, err := o.q.PrepareContext(ctx, o.d.Rebind(q))
	if err != nil {
		return nil, err
	}
	if o.w.stmts == nil {
		o.w.stmts = map[string]*sql.Stmt{}
	}
	o.w.stmts[q] = st
	return st, nil
}

var errNoTx = errors.New("store: a write needs a write transaction")

// owner is the account whose sequence number an item's change moves: the
// world's items only (an account's own item, its entities, "" for the
// organization); other kinds (keys, jobs) move none.
func owner(k store.Key) (string, bool) {
	switch k.Kind {
	case store.KindAccount:
		return k.Name, true
	case store.KindOrganization:
		return "", true
	case store.KindUser, store.KindGroup, store.KindRole, store.KindPolicy, store.KindResource:
		return k.Account, true
	}
	return "", false
}

// record notes a change in the history and moves its account's sequence
// number.
func (o ops) record(ctx context.Context, k store.Key, deleted bool) error {
	if o.w == nil {
		return errNoTx
	}
	del := 0
	if deleted {
		del = 1
	}
	if _, err := o.q.ExecContext(ctx, o.d.Rebind(`INSERT INTO changes (seq, kind, account, name, deleted) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (seq, kind, account, name) DO UPDATE SET deleted = excluded.deleted`), o.w.seq, string(k.Kind), k.Account, k.Name, del); err != nil {
		return err
	}
	acct, ok := owner(k)
	if !ok || o.w.accounts[acct] {
		return nil
	}
	if _, err := o.q.ExecContext(ctx, o.d.Rebind(`INSERT INTO account_seq (account, seq) VALUES (?, ?)
ON CONFLICT (account) DO UPDATE SET seq = excluded.seq`), acct, o.w.seq); err != nil {
		return err
	}
	o.w.accounts[acct] = true
	return nil
}

func (o ops) head(ctx context.Context) (int64, error) {
	var seq int64
	err := o.q.QueryRowContext(ctx, `SELECT seq FROM store_head WHERE id = 1`).Scan(&seq)
	return seq, err
}

func (o ops) accountSeq(ctx context.Context, account string) (int64, error) {
	var seq int64
	err := o.q.QueryRowContext(ctx, o.d.Rebind(`SELECT seq FROM account_seq WHERE account = ?`), account).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return seq, err
}

func (o ops) accountSeqs(ctx context.Context) (map[string]int64, error) {
	rows, err := o.q.QueryContext(ctx, `SELECT account, seq FROM account_seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var a string
		var seq int64
		if err := rows.Scan(&a, &seq); err != nil {
			return nil, err
		}
		out[a] = seq
	}
	return out, rows.Err()
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
	if o.w == nil {
		return store.Item{}, errNoTx
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
		if err := o.record(ctx, k, false); err != nil {
			return store.Item{}, err
		}
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
		if err := o.record(ctx, k, false); err != nil {
			return store.Item{}, err
		}
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
	if o.w == nil {
		return errNoTx
	}
	res, err := o.q.ExecContext(ctx, o.d.Rebind(q), args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return o.record(ctx, k, true)
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
	if o.w == nil {
		return errNoTx
	}
	rows, err := o.q.QueryContext(ctx, o.d.Rebind(`SELECT kind, account, name FROM items WHERE account = ? OR (kind = ? AND name = ?)`), account, string(store.KindAccount), account)
	if err != nil {
		return err
	}
	var keys []store.Key
	for rows.Next() {
		var k store.Key
		var kind string
		if err := rows.Scan(&kind, &k.Account, &k.Name); err != nil {
			rows.Close()
			return err
		}
		k.Kind = store.Kind(kind)
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(keys) == 0 {
		return nil
	}
	if _, err := o.q.ExecContext(ctx, o.d.Rebind(`DELETE FROM items WHERE account = ? OR (kind = ? AND name = ?)`), account, string(store.KindAccount), account); err != nil {
		return err
	}
	for _, k := range keys {
		if err := o.record(ctx, k, true); err != nil {
			return err
		}
	}
	return nil
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

// DeleteAccount implements store.Writer, in its own transaction.
func (s *DB) DeleteAccount(ctx context.Context, account string) error {
	return s.Update(ctx, func(tx store.Tx) error { return tx.DeleteAccount(ctx, account) })
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
func (t tx) Seq() int64                              { return t.w.seq }
func (t tx) Head(ctx context.Context) (int64, error) { return t.w.seq - 1, nil }
func (t tx) AccountSeq(ctx context.Context, account string) (int64, error) {
	return t.accountSeq(ctx, account)
}
func (t tx) AccountSeqs(ctx context.Context) (map[string]int64, error) { return t.accountSeqs(ctx) }

// snap is a View's read-only transaction.
type snap struct{ ops }

func (t snap) Get(ctx context.Context, k store.Key) (store.Item, error) { return t.get(ctx, k) }
func (t snap) List(ctx context.Context, kind store.Kind, account, after string, limit int) ([]store.Item, string, error) {
	return t.list(ctx, kind, account, after, limit)
}
func (t snap) Head(ctx context.Context) (int64, error) { return t.head(ctx) }
func (t snap) AccountSeq(ctx context.Context, account string) (int64, error) {
	return t.accountSeq(ctx, account)
}
func (t snap) AccountSeqs(ctx context.Context) (map[string]int64, error) { return t.accountSeqs(ctx) }

// View implements store.Store.
func (s *DB) View(ctx context.Context, fn func(store.Snapshot) error) error {
	t, err := s.d.BeginRead(ctx, s.db)
	if err != nil {
		return err
	}
	defer t.Rollback()
	return fn(snap{ops{q: t, d: s.d}})
}

// Changes implements store.Feed.
func (s *DB) Changes(ctx context.Context, after int64, limit int) ([]store.Change, int64, error) {
	var out []store.Change
	var head int64
	err := s.View(ctx, func(v store.Snapshot) error {
		o := v.(snap).ops
		var pruned int64
		if err := o.q.QueryRowContext(ctx, `SELECT seq, pruned FROM store_head WHERE id = 1`).Scan(&head, &pruned); err != nil {
			return err
		}
		if after < pruned {
			return store.ErrTruncated
		}
		q := `SELECT seq, kind, account, name, deleted FROM changes WHERE seq > ? ORDER BY seq, kind, account, name`
		args := []any{after}
		if limit > 0 {
			q += ` LIMIT ?`
			args = append(args, limit)
		}
		var err error
		if out, err = o.scanChanges(ctx, q, args...); err != nil {
			return err
		}
		if limit <= 0 || len(out) < limit {
			return nil
		}
		// Never split a transaction: drop its partial tail, or, when one
		// transaction fills the page, read all of it.
		last := out[len(out)-1].Seq
		i := len(out)
		for i > 0 && out[i-1].Seq == last {
			i--
		}
		if i > 0 {
			out = out[:i]
			return nil
		}
		out, err = o.scanChanges(ctx, `SELECT seq, kind, account, name, deleted FROM changes WHERE seq = ? ORDER BY kind, account, name`, last)
		return err
	})
	return out, head, err
}

func (o ops) scanChanges(ctx context.Context, q string, args ...any) ([]store.Change, error) {
	rows, err := o.q.QueryContext(ctx, o.d.Rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Change
	for rows.Next() {
		var c store.Change
		var kind string
		var del int
		if err := rows.Scan(&c.Seq, &kind, &c.Key.Account, &c.Key.Name, &del); err != nil {
			return nil, err
		}
		c.Key.Kind, c.Deleted = store.Kind(kind), del != 0
		out = append(out, c)
	}
	return out, rows.Err()
}

// Wait implements store.Feed.
func (s *DB) Wait(ctx context.Context, after int64) error {
	t := time.NewTimer(s.d.PollInterval)
	defer t.Stop()
	for {
		woken := s.woken()
		h, err := s.ops().head(ctx)
		if err != nil {
			return err
		}
		if h > after {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-woken:
		case <-t.C:
			t.Reset(s.d.PollInterval)
		}
	}
}

// Update implements store.Store. Write transactions are serialized by the
// head row's lock, which they take first; each gets the next sequence
// number.
func (s *DB) Update(ctx context.Context, fn func(store.Tx) error) error {
	t, err := s.d.BeginWrite(ctx, s.db)
	if err != nil {
		return err
	}
	defer t.Rollback()
	var seq int64
	if err := t.QueryRowContext(ctx, `UPDATE store_head SET seq = seq + 1 WHERE id = 1 RETURNING seq`).Scan(&seq); err != nil {
		if s.d.IsConflict(err) {
			return store.ErrConflict
		}
		return err
	}
	w := &writeState{seq: seq, accounts: map[string]bool{}}
	if err := fn(tx{ops{q: t, d: s.d, w: w}}); err != nil {
		return err
	}
	if seq%1000 == 0 && seq > KeepChanges {
		floor := seq - KeepChanges
		if _, err := t.ExecContext(ctx, s.d.Rebind(`DELETE FROM changes WHERE seq <= ?`), floor); err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, s.d.Rebind(`UPDATE store_head SET pruned = ? WHERE id = 1`), floor); err != nil {
			return err
		}
	}
	if s.d.Notify != "" {
		if _, err := t.ExecContext(ctx, s.d.Rebind(s.d.Notify), strconv.FormatInt(seq, 10)); err != nil {
			return err
		}
	}
	if err := t.Commit(); err != nil {
		if s.d.IsConflict(err) {
			return store.ErrConflict
		}
		return err
	}
	s.wake()
	return nil
}
