package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/store"
)

// Entry is one authenticated call.
type Entry struct {
	// Seq is the entry's place in the log, in the order entries were
	// stored (set when it is read).
	Seq       int64      `json:"seq,omitempty"`
	Time      time.Time  `json:"time"`
	RequestID string     `json:"requestId"`
	Account   string     `json:"account"` // the caller's account
	Caller    string     `json:"caller"`  // the caller's principal ARN
	AccessKey string     `json:"accessKeyId,omitempty"`
	SourceIP  string     `json:"sourceIp,omitempty"`
	Region    string     `json:"region,omitempty"`
	Service   string     `json:"service"` // iam, sts, organizations, decision
	Operation string     `json:"operation"`
	Outcome   string     `json:"outcome"` // OK, or the AWS error code
	Decisions []Decision `json:"decisions,omitempty"`
	// Source is where the entry comes from: "" for a call iamgate served,
	// SourceCloudTrail for an event imported from CloudTrail log files.
	Source string `json:"source,omitempty"`
}

// SourceCloudTrail marks entries imported from CloudTrail log files
// (iamgate import --cloudtrail).
const SourceCloudTrail = "cloudtrail"

// Decision is one authorization made for a call.
type Decision struct {
	Action   string `json:"action"`
	Resource string `json:"resource"`
	Decision string `json:"decision"`
	// Layer and Statement say what decided (for an allow: the last layer
	// that had to allow; for a deny: the statement that denied).
	Layer     string                   `json:"layer,omitempty"`
	Statement *engine.MatchedStatement `json:"statement,omitempty"`
	// Principal is the principal decided for, when it is not the caller
	// (an AssumeRole trust decision is the caller's; this stays empty).
	Principal string `json:"principal,omitempty"`
	// Inferred marks a decision no log records but the call implies, such
	// as iam:PassRole for a call that passed a role: it is not noted as an
	// access in the last-accessed table.
	Inferred bool `json:"inferred,omitempty"`
}

// FromExplanation records a decision.
func FromExplanation(e *engine.Explanation) Decision {
	d := Decision{Action: e.Action, Resource: e.Resource, Decision: e.DecisionText}
	if e.DecidedBy != nil {
		d.Layer, d.Statement = e.DecidedBy.Layer, e.DecidedBy.Statement
	}
	return d
}

// Record is how the store keeps an entry.
func Record(e *Entry) (store.AuditRecord, error) { return record(e) }

func record(e *Entry) (store.AuditRecord, error) {
	data, err := json.Marshal(e)
	if err != nil {
		return store.AuditRecord{}, err
	}
	r := store.AuditRecord{Time: e.Time, Account: e.Account, Caller: e.Caller, Service: e.Service, Operation: e.Operation, Region: e.Region, Data: data}
	for _, d := range e.Decisions {
		// Every decision for the caller, allowed or denied, is an attempt to
		// access the action (the IAM API Reference,
		// GenerateServiceLastAccessedDetails: the data "includes all
		// attempts to access an AWS API, not just the successful ones"). A
		// decision for another principal is not an access of the caller's,
		// nor one the call only implies (Inferred).
		if d.Decision != "" && d.Principal == "" && !d.Inferred {
			r.Attempted = append(r.Attempted, d.Action)
		}
	}
	return r, nil
}

// Put writes an entry in a transaction (with a change it records).
func Put(ctx context.Context, tx store.Tx, e *Entry) error {
	r, err := record(e)
	if err != nil {
		return err
	}
	return tx.AppendAudit(ctx, []store.AuditRecord{r})
}

// Log appends entries with group commit: concurrent Appends share one
// transaction, and each returns only once its entry is stored (or with the
// error that kept it from being stored).
type Log struct {
	st   store.AuditWriter
	reqs chan request
	done chan struct{}
	wg   sync.WaitGroup
}

type request struct {
	e    *Entry
	errc chan error
}

// maxBatch bounds one transaction.
const maxBatch = 256

// ErrClosed is returned by Append after Close.
var ErrClosed = errors.New("audit: the log is closed")

// NewLog starts a log writing to st.
func NewLog(st store.AuditWriter) *Log {
	l := &Log{st: st, reqs: make(chan request, maxBatch), done: make(chan struct{})}
	l.wg.Add(1)
	go l.run()
	return l
}

// Append stores an entry.
func (l *Log) Append(ctx context.Context, e *Entry) error {
	r := request{e: e, errc: make(chan error, 1)}
	select {
	case l.reqs <- r:
	case <-l.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-r.errc:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops the writer after the entries already handed to it.
func (l *Log) Close() {
	close(l.done)
	l.wg.Wait()
}

func (l *Log) run() {
	defer l.wg.Done()
	for {
		var batch []request
		select {
		case r := <-l.reqs:
			batch = append(batch, r)
		case <-l.done:
			for {
				select {
				case r := <-l.reqs:
					r.errc <- ErrClosed
				default:
					return
				}
			}
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case r := <-l.reqs:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		recs := make([]store.AuditRecord, 0, len(batch))
		var err error
		for _, r := range batch {
			var rec store.AuditRecord
			if rec, err = record(r.e); err != nil {
				break
			}
			recs = append(recs, rec)
		}
		if err == nil {
			err = l.st.AppendAudit(context.Background(), recs)
		}
		for _, r := range batch {
			r.errc <- err
		}
	}
}

// Filter selects entries.
type Filter struct {
	Account string // the caller's account
	// Caller is a principal ARN; a role's ARN (or its session ARN without
	// the session name) matches its sessions,
	// arn:aws:sts::ACCOUNT:assumed-role/ROLE/*.
	Caller    string
	Operation string    // such as iam:CreateRole (service:Operation) or just CreateRole
	Since     time.Time // inclusive
	Until     time.Time // exclusive; zero means now
	// UpTo, when not 0, keeps only the entries up to this sequence number
	// (a Head), so that a query and a Follow from the same Head neither
	// miss nor repeat an entry.
	UpTo  int64
	Limit int
}

func (f Filter) query() store.AuditQuery {
	q := store.AuditQuery{Account: f.Account, Caller: f.Caller, Operation: f.Operation, Since: f.Since, Until: f.Until, UpTo: f.UpTo}
	if svc, op, ok := strings.Cut(f.Operation, ":"); ok {
		q.Service, q.Operation = svc, op
	}
	return q
}

// page is how many entries a query reads at a time.
const page = 500

// Query lists the matching entries in time order (ties in the order they
// were stored).
func Query(ctx context.Context, r store.AuditReader, f Filter) ([]Entry, error) {
	q := f.query()
	var out []Entry
	for {
		q.Limit = page
		if f.Limit > 0 {
			q.Limit = min(page, f.Limit-len(out))
		}
		recs, err := r.QueryAudit(ctx, q)
		if err != nil {
			return nil, err
		}
		if out, err = appendEntries(out, recs); err != nil {
			return nil, err
		}
		if len(recs) < q.Limit || (f.Limit > 0 && len(out) >= f.Limit) {
			return out, nil
		}
		last := recs[len(recs)-1]
		q.After = store.AuditPos{Time: last.Time, Seq: last.Seq}
	}
}

// Head is the sequence number of the last entry stored: every entry up
// to it can be read.
func Head(ctx context.Context, r store.AuditReader) (int64, error) { return r.AuditHead(ctx) }

// Follow lists the matching entries stored after the sequence number
// after, in the order they were stored, up to the current Head, which it
// returns as the next cursor. Entries are numbered as they commit, so
// following from each returned cursor misses none, however their times
// are ordered (Limit is ignored).
func Follow(ctx context.Context, r store.AuditReader, f Filter, after int64) ([]Entry, int64, error) {
	head, err := r.AuditHead(ctx)
	if err != nil {
		return nil, after, err
	}
	if head <= after {
		return nil, after, nil
	}
	q := f.query()
	q.Order, q.After, q.UpTo = store.BySeq, store.AuditPos{Seq: after}, head
	if f.UpTo != 0 && f.UpTo < head {
		q.UpTo = f.UpTo
	}
	recs, err := r.QueryAudit(ctx, q)
	if err != nil {
		return nil, after, err
	}
	out, err := appendEntries(nil, recs)
	if err != nil {
		return nil, after, err
	}
	return out, q.UpTo, nil
}

func appendEntries(out []Entry, recs []store.AuditRecord) ([]Entry, error) {
	for _, rec := range recs {
		var e Entry
		if err := json.Unmarshal(rec.Data, &e); err != nil {
			return out, fmt.Errorf("audit entry %d: %w", rec.Seq, err)
		}
		e.Seq = rec.Seq
		out = append(out, e)
	}
	return out, nil
}

// Access is when a user or role was last allowed an action (its role's
// sessions count as the role).
type Access struct {
	Entity    string // the user or role ARN asked for
	Action    string // service:Action
	Region    string
	Time      time.Time
	Principal string // who called: the user or the role's session
}

// LastAccessed lists the last accesses of users and roles by ARN, kept as
// each call's entry is stored.
func LastAccessed(ctx context.Context, r store.AuditReader, entities []string) ([]Access, error) {
	las, err := r.LastAccessed(ctx, entities)
	if err != nil {
		return nil, err
	}
	out := make([]Access, len(las))
	for i, la := range las {
		out[i] = Access(la)
	}
	return out, nil
}
