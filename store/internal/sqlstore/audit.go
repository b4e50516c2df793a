package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/store"
)

// auditMigration creates the audit log: audit_log holds the records,
// numbered by store_head.audit_seq in commit order (the counter is on the
// head row, whose lock every write transaction holds, so a record never
// commits after one with a greater seq); its indexes serve each filter
// in time order. entity is the caller's user or role: a session's role,
// as arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE, so that a role matches
// its sessions through an index. last_accessed is each entity's last
// attempt, allowed or denied, at each action. Times are Unix nanoseconds.
func auditMigration(d Dialect) string {
	seq := "BIGINT PRIMARY KEY"
	if d.Name == "sqlite" {
		seq = "INTEGER PRIMARY KEY" // the rowid: no second copy of the key
	}
	return `ALTER TABLE store_head ADD COLUMN audit_seq BIGINT NOT NULL DEFAULT 0;
CREATE TABLE audit_log (
  seq ` + seq + `,
  at BIGINT NOT NULL,
  account TEXT NOT NULL,
  caller TEXT NOT NULL,
  entity TEXT NOT NULL,
  service TEXT NOT NULL,
  operation TEXT NOT NULL,
  data ` + d.Blob + ` NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at, seq);
CREATE INDEX audit_log_account ON audit_log (account, at, seq);
CREATE INDEX audit_log_entity ON audit_log (entity, at, seq);
CREATE INDEX audit_log_operation ON audit_log (operation, at, seq);
CREATE TABLE last_accessed (
  entity TEXT NOT NULL,
  action TEXT NOT NULL,
  region TEXT NOT NULL,
  at BIGINT NOT NULL,
  principal TEXT NOT NULL,
  PRIMARY KEY (entity, action)
)`
}

// oldAuditKind is the item kind audit entries were kept as before
// migration 3.
const oldAuditKind = "audit"

// oldEntry is what migration 3 reads of an audit entry item (the audit
// package's JSON).
type oldEntry struct {
	Time      time.Time `json:"time"`
	Account   string    `json:"account"`
	Caller    string    `json:"caller"`
	Region    string    `json:"region"`
	Service   string    `json:"service"`
	Operation string    `json:"operation"`
	Decisions []struct {
		Action    string `json:"action"`
		Decision  string `json:"decision"`
		Principal string `json:"principal"`
	} `json:"decisions"`
}

// moveAuditItems moves the audit entries kept as items into audit_log, in
// their order (time, then request ID), and notes their accesses.
func moveAuditItems(ctx context.Context, tx *sql.Tx, d Dialect) error {
	rows, err := tx.QueryContext(ctx, d.Rebind(`SELECT name, data FROM items WHERE kind = ? ORDER BY name`), oldAuditKind)
	if err != nil {
		return err
	}
	var recs []store.AuditRecord
	for rows.Next() {
		var name string
		var data []byte
		if err := rows.Scan(&name, &data); err != nil {
			rows.Close()
			return err
		}
		var e oldEntry
		if err := json.Unmarshal(data, &e); err != nil {
			rows.Close()
			return fmt.Errorf("audit entry %s: %w", name, err)
		}
		r := store.AuditRecord{Time: e.Time, Account: e.Account, Caller: e.Caller, Service: e.Service, Operation: e.Operation, Region: e.Region, Data: data}
		for _, dec := range e.Decisions {
			if dec.Decision == "allowed" && dec.Principal == "" {
				r.Attempted = append(r.Attempted, dec.Action)
			}
		}
		recs = append(recs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	o := ops{q: tx, d: d, w: &writeState{}}
	for len(recs) > 0 {
		n := min(len(recs), 1000)
		if err := o.appendAudit(ctx, recs[:n]); err != nil {
			return err
		}
		recs = recs[n:]
	}
	_, err = tx.ExecContext(ctx, d.Rebind(`DELETE FROM items WHERE kind = ?`), oldAuditKind)
	return err
}

// entityOf is whose accesses a principal's are, as audit_log.entity and
// last_accessed.entity hold it: an IAM role and its sessions are
// arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE (a role ARN's path is not
// in its sessions' ARNs); any other principal is itself.
func entityOf(principal string) string {
	a, err := arn.Parse(principal)
	if err != nil {
		return principal
	}
	var role string
	switch {
	case a.Service == "iam" && strings.HasPrefix(a.Resource, "role/"):
		role = a.Resource[strings.LastIndexByte(a.Resource, '/')+1:]
	case a.Service == "sts" && strings.HasPrefix(a.Resource, "assumed-role/"):
		role, _, _ = strings.Cut(strings.TrimPrefix(a.Resource, "assumed-role/"), "/")
	default:
		return principal
	}
	return "arn:" + a.Partition + ":sts::" + a.AccountID + ":assumed-role/" + role
}

// isSession reports whether a principal is a role session (with its
// session name).
func isSession(principal string) bool {
	a, err := arn.Parse(principal)
	return err == nil && a.Service == "sts" && strings.Count(a.Resource, "/") >= 2 && strings.HasPrefix(a.Resource, "assumed-role/")
}

// auditRowsPerInsert is how many records one INSERT statement stores (8
// parameters each: under SQLite's 32,766 and PostgreSQL's 65,535). In
// SQLite a statement that inserts several rows keeps a statement journal:
// a copy of each page it changes that the transaction had changed before
// (the indexes' hot pages), so that it alone can be undone; the more rows
// a statement, the fewer copies a row (200 rows a statement wrote each
// page of the file ten times in a long import; BenchmarkAppendCloudTrail:
// 15% less CPU at 1,000).
const auditRowsPerInsert = 1000

// access is a last-accessed row to write.
type access struct {
	at                int64
	region, principal string
}

func (o ops) appendAudit(ctx context.Context, recs []store.AuditRecord) error {
	if o.w == nil {
		return errNoTx
	}
	if len(recs) == 0 {
		return nil
	}
	var last int64
	if err := o.q.QueryRowContext(ctx, o.d.Rebind(`UPDATE store_head SET audit_seq = audit_seq + ? WHERE id = 1 RETURNING audit_seq`), len(recs)).Scan(&last); err != nil {
		return err
	}
	seq := last - int64(len(recs))
	// Each record's accesses, reduced to the latest per entity and action
	// (the later record of the batch on equal times, as one upsert per
	// record in order would leave it).
	type accessKey struct{ entity, action string }
	latest := map[accessKey]access{}
	var keys []accessKey
	// Sized for the batch: a request's one record must not allocate the
	// arguments of a 1,000-row statement (128 KB a call).
	args := make([]any, 0, 8*min(len(recs), auditRowsPerInsert))
	for i := 0; i < len(recs); i += auditRowsPerInsert {
		chunk := recs[i:min(i+auditRowsPerInsert, len(recs))]
		args = args[:0]
		for j := range chunk {
			r := &chunk[j]
			seq++
			r.Seq = seq
			at := r.Time.UnixNano()
			ent := entityOf(r.Caller)
			args = append(args, seq, at, r.Account, r.Caller, ent, r.Service, r.Operation, r.Data)
			if r.Caller == "" {
				continue
			}
			for _, a := range r.Attempted {
				k := accessKey{ent, a}
				cur, ok := latest[k]
				if !ok {
					keys = append(keys, k)
				}
				if !ok || at >= cur.at {
					latest[k] = access{at: at, region: r.Region, principal: r.Caller}
				}
			}
		}
		if err := o.execPrepared(ctx, insertAudit(len(chunk)), args...); err != nil {
			return err
		}
	}
	for _, k := range keys {
		a := latest[k]
		if err := o.execPrepared(ctx, upsertLastAccessed, k.entity, k.action, a.region, a.at, a.principal); err != nil {
			return err
		}
	}
	return nil
}

const upsertLastAccessed = `INSERT INTO last_accessed (entity, action, region, at, principal) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (entity, action) DO UPDATE SET region = excluded.region, at = excluded.at, principal = excluded.principal
WHERE excluded.at >= last_accessed.at`

// insertAuditFull is the INSERT of a full chunk of records.
var insertAuditFull = insertAuditRows(auditRowsPerInsert)

func insertAudit(n int) string {
	if n == auditRowsPerInsert {
		return insertAuditFull
	}
	return insertAuditRows(n)
}

func insertAuditRows(n int) string {
	return `INSERT INTO audit_log (seq, at, account, caller, entity, service, operation, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)` +
		strings.Repeat(`, (?, ?, ?, ?, ?, ?, ?, ?)`, n-1)
}

// execPrepared runs q in the write transaction, prepared once in it.
func (o ops) execPrepared(ctx context.Context, q string, args ...any) error {
	st, err := o.prepared(ctx, q)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(ctx, args...)
	return err
}

const (
	auditColumns     = `seq, at, account, caller, entity, service, operation, data`
	auditDataColumns = `seq, at, data` // DataOnly
)

func scanAuditData(rows *sql.Rows) (auditRow, error) {
	var r auditRow
	var at int64
	err := rows.Scan(&r.rec.Seq, &at, &r.rec.Data)
	r.rec.Time = time.Unix(0, at).UTC()
	return r, err
}

// auditRow is a scanned audit_log row.
type auditRow struct {
	rec    store.AuditRecord
	entity string
}

func scanAudit(rows *sql.Rows) (auditRow, error) {
	var r auditRow
	var at int64
	err := rows.Scan(&r.rec.Seq, &at, &r.rec.Account, &r.rec.Caller, &r.entity, &r.rec.Service, &r.rec.Operation, &r.rec.Data)
	r.rec.Time = time.Unix(0, at).UTC()
	return r, err
}

// callerFilter is how a Caller filter is matched: on entity, and also
// on caller for one session.
func callerFilter(caller string) (entity, exact string) {
	entity = entityOf(caller)
	if isSession(caller) {
		exact = caller
	}
	return entity, exact
}

func (o ops) auditHead(ctx context.Context) (int64, error) {
	var seq int64
	err := o.q.QueryRowContext(ctx, `SELECT audit_seq FROM store_head WHERE id = 1`).Scan(&seq)
	return seq, err
}

// queryAudit answers a ByTime query with the filters in SQL, each served
// by an index that also gives the order; a BySeq query (following the
// log: a short range after the cursor) reads the range in key order and
// filters it here, so that no planner prefers a filter's index and sorts.
func (o ops) queryAudit(ctx context.Context, q store.AuditQuery) ([]store.AuditRecord, error) {
	if q.Order == store.BySeq {
		return o.auditBySeq(ctx, q)
	}
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	if q.Account != "" {
		add(`account = ?`, q.Account)
	}
	if q.Caller != "" {
		entity, exact := callerFilter(q.Caller)
		add(`entity = ?`, entity)
		if exact != "" {
			add(`caller = ?`, exact)
		}
	}
	if q.Operation != "" {
		add(`operation = ?`, q.Operation)
	}
	if q.Service != "" {
		add(`service = ?`, q.Service)
	}
	if !q.Since.IsZero() {
		add(`at >= ?`, q.Since.UnixNano())
	}
	if !q.Until.IsZero() {
		add(`at < ?`, q.Until.UnixNano())
	}
	if q.UpTo != 0 {
		add(`seq <= ?`, q.UpTo)
	}
	if q.After != (store.AuditPos{}) {
		at := q.After.Time.UnixNano()
		add(`(at > ? OR (at = ? AND seq > ?))`, at, at, q.After.Seq)
	}
	cols := auditColumns
	if q.DataOnly {
		cols = auditDataColumns
	}
	sq := `SELECT ` + cols + ` FROM audit_log`
	if len(where) > 0 {
		sq += ` WHERE ` + strings.Join(where, ` AND `)
	}
	sq += ` ORDER BY at, seq`
	if q.Limit > 0 {
		sq += ` LIMIT ?`
		args = append(args, q.Limit)
	}
	rows, err := o.q.QueryContext(ctx, o.d.Rebind(sq), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.AuditRecord
	for rows.Next() {
		var r auditRow
		var err error
		if q.DataOnly {
			r, err = scanAuditData(rows)
		} else {
			r, err = scanAudit(rows)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r.rec)
	}
	return out, rows.Err()
}

// bySeqWindow is how many sequence numbers one statement of a BySeq
// query reads at most (a page's Limit, at least 1,000, when it is less).
const bySeqWindow = 10000

// auditBySeq reads the range of the key after the cursor in windows of
// sequence numbers, up to UpTo (or the head), and filters the
// rows here. Bounded statements: a page that stops at its Limit leaves no
// unread rest of an open-ended statement, which PostgreSQL's client
// would read to the end to close it (every page of a million-entry log
// read the whole log after it). DataOnly with no filter on the columns
// reads three columns.
func (o ops) auditBySeq(ctx context.Context, q store.AuditQuery) ([]store.AuditRecord, error) {
	end := q.UpTo
	if end == 0 {
		head, err := o.auditHead(ctx)
		if err != nil {
			return nil, err
		}
		end = head
	}
	lo := q.After.Seq
	// Skip a pruned beginning at once.
	var first sql.NullInt64
	if err := o.q.QueryRowContext(ctx, o.d.Rebind(`SELECT MIN(seq) FROM audit_log WHERE seq > ?`), lo).Scan(&first); err != nil {
		return nil, err
	}
	if !first.Valid {
		return nil, nil
	}
	lo = max(lo, first.Int64-1)
	dataOnly := q.DataOnly && q.Account == "" && q.Caller == "" && q.Service == "" && q.Operation == ""
	cols := auditColumns
	if dataOnly {
		cols = auditDataColumns
	}
	window := int64(bySeqWindow)
	if q.Limit > 0 {
		window = min(max(int64(q.Limit), 1000), bySeqWindow) // a page's worth when most rows match
	}
	sq := o.d.Rebind(`SELECT ` + cols + ` FROM audit_log WHERE seq > ? AND seq <= ? ORDER BY seq`)
	entity, exact := "", ""
	if q.Caller != "" {
		entity, exact = callerFilter(q.Caller)
	}
	var since, until int64
	if !q.Since.IsZero() {
		since = q.Since.UnixNano()
	}
	if !q.Until.IsZero() {
		until = q.Until.UnixNano()
	}
	var out []store.AuditRecord
	for ; lo < end && (q.Limit <= 0 || len(out) < q.Limit); lo += window {
		rows, err := o.q.QueryContext(ctx, sq, lo, min(lo+window, end))
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			// Read in place, and copied only when it matches.
			var seq, at int64
			var account, caller, ent, service, operation, data sql.RawBytes
			if dataOnly {
				err = rows.Scan(&seq, &at, &data)
			} else {
				err = rows.Scan(&seq, &at, &account, &caller, &ent, &service, &operation, &data)
			}
			if err != nil {
				rows.Close()
				return nil, err
			}
			if (q.Account != "" && string(account) != q.Account) ||
				(entity != "" && string(ent) != entity) || (exact != "" && string(caller) != exact) ||
				(q.Service != "" && string(service) != q.Service) || (q.Operation != "" && string(operation) != q.Operation) ||
				(since != 0 && at < since) || (until != 0 && at >= until) {
				continue
			}
			r := store.AuditRecord{Seq: seq, Time: time.Unix(0, at).UTC(), Data: append([]byte(nil), data...)}
			if !q.DataOnly {
				r.Account, r.Caller, r.Service, r.Operation = string(account), string(caller), string(service), string(operation)
			}
			out = append(out, r)
			if q.Limit > 0 && len(out) >= q.Limit {
				break
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// lastAccessed reads the accesses of entities, asking for up to 500 at a
// time.
func (o ops) lastAccessed(ctx context.Context, entities []string) ([]store.LastAccess, error) {
	asked := map[string][]string{} // entity key -> the ARNs asked that stand for it
	var keys []string
	for _, e := range entities {
		k := entityOf(e)
		if len(asked[k]) == 0 {
			keys = append(keys, k)
		}
		asked[k] = append(asked[k], e)
	}
	var out []store.LastAccess
	for len(keys) > 0 {
		n := min(len(keys), 500)
		chunk := keys[:n]
		keys = keys[n:]
		args := make([]any, len(chunk))
		for i, k := range chunk {
			args[i] = k
		}
		rows, err := o.q.QueryContext(ctx, o.d.Rebind(`SELECT entity, action, region, at, principal FROM last_accessed WHERE entity IN (?`+strings.Repeat(`, ?`, n-1)+`)`), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k string
			var la store.LastAccess
			var at int64
			if err := rows.Scan(&k, &la.Action, &la.Region, &at, &la.Principal); err != nil {
				rows.Close()
				return nil, err
			}
			la.Time = time.Unix(0, at).UTC()
			for _, e := range asked[k] {
				la.Entity = e
				out = append(out, la)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AuditHead implements store.AuditReader.
func (s *DB) AuditHead(ctx context.Context) (int64, error) { return s.ops().auditHead(ctx) }

// QueryAudit implements store.AuditReader.
func (s *DB) QueryAudit(ctx context.Context, q store.AuditQuery) ([]store.AuditRecord, error) {
	return s.ops().queryAudit(ctx, q)
}

// LastAccessed implements store.AuditReader.
func (s *DB) LastAccessed(ctx context.Context, entities []string) ([]store.LastAccess, error) {
	return s.ops().lastAccessed(ctx, entities)
}

// AppendAudit implements store.AuditWriter in a transaction of its own,
// which, like every write transaction, holds the head row while it numbers
// the records; it moves no sequence number of the change feed.
func (s *DB) AppendAudit(ctx context.Context, recs []store.AuditRecord) error {
	t, err := s.d.BeginWrite(ctx, s.db)
	if err != nil {
		return err
	}
	defer t.Rollback()
	if err := (ops{q: t, d: s.d, w: &writeState{}}).appendAudit(ctx, recs); err != nil {
		return err
	}
	return t.Commit()
}

// PruneAudit implements store.AuditLog: one transaction per call.
func (s *DB) PruneAudit(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, fmt.Errorf("store: PruneAudit needs a limit")
	}
	t, err := s.d.BeginWrite(ctx, s.db)
	if err != nil {
		return 0, err
	}
	defer t.Rollback()
	res, err := t.ExecContext(ctx, s.d.Rebind(`DELETE FROM audit_log WHERE seq IN (SELECT seq FROM audit_log WHERE at < ? ORDER BY at LIMIT ?)`), before.UnixNano(), limit)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), t.Commit()
}

// AppendAudit implements store.AuditWriter: the records commit with the
// transaction.
func (t tx) AppendAudit(ctx context.Context, recs []store.AuditRecord) error {
	return t.appendAudit(ctx, recs)
}
