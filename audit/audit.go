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

// Kind holds the audit entries: Account "" and a time-ordered Name, so
// that no account-wide replacement touches them and a listing is in time
// order.
const Kind store.Kind = "audit"

// Entry is one authenticated call.
type Entry struct {
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
}

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
}

// FromExplanation records a decision.
func FromExplanation(e *engine.Explanation) Decision {
	d := Decision{Action: e.Action, Resource: e.Resource, Decision: e.DecisionText}
	if e.DecidedBy != nil {
		d.Layer, d.Statement = e.DecidedBy.Layer, e.DecidedBy.Statement
	}
	return d
}

// key orders entries by time; the request ID keeps them unique.
func key(e *Entry) store.Key {
	return store.Key{Kind: Kind, Name: fmt.Sprintf("%019d-%s", e.Time.UnixNano(), e.RequestID)}
}

// Put writes an entry in a transaction (with a change it records).
func Put(ctx context.Context, tx store.Tx, e *Entry) error {
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = tx.Put(ctx, key(e), data, 0) // 0: create; entries are never rewritten
	return err
}

// Log appends entries with group commit: concurrent Appends share one
// transaction, and each returns only once its entry is stored (or with the
// error that kept it from being stored).
type Log struct {
	st   store.Store
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
func NewLog(st store.Store) *Log {
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
		err := l.st.Update(context.Background(), func(tx store.Tx) error {
			for _, r := range batch {
				if err := Put(context.Background(), tx, r.e); err != nil {
					return err
				}
			}
			return nil
		})
		for _, r := range batch {
			r.errc <- err
		}
	}
}

// Filter selects entries.
type Filter struct {
	Account   string    // the caller's account
	Caller    string    // a principal ARN (an assumed-role ARN matches its role's sessions by prefix)
	Operation string    // such as iam:CreateRole (service:Operation) or just CreateRole
	Since     time.Time // inclusive
	Until     time.Time // exclusive; zero means now
	// After is a cursor: the entries after it (from a previous Query).
	After string
	Limit int
}

// Match reports whether an entry passes the filter.
func (f Filter) Match(e *Entry) bool {
	if f.Account != "" && e.Account != f.Account {
		return false
	}
	if f.Caller != "" && e.Caller != f.Caller && !strings.HasPrefix(e.Caller, f.Caller+"/") {
		return false
	}
	if f.Operation != "" && f.Operation != e.Operation && f.Operation != e.Service+":"+e.Operation {
		return false
	}
	if !f.Since.IsZero() && e.Time.Before(f.Since) {
		return false
	}
	if !f.Until.IsZero() && !e.Time.Before(f.Until) {
		return false
	}
	return true
}

// Query lists matching entries in time order, and the cursor after the
// last entry read (for the next page, or to follow the log).
func Query(ctx context.Context, r store.Reader, f Filter) ([]Entry, string, error) {
	var out []Entry
	after := f.After
	if after == "" && !f.Since.IsZero() {
		after = cursor(fmt.Sprintf("%019d", f.Since.UnixNano()-1))
	}
	for {
		items, next, err := r.List(ctx, Kind, "", after, 500)
		if err != nil {
			return nil, after, err
		}
		for _, it := range items {
			after = cursor(it.Name)
			var e Entry
			if err := json.Unmarshal(it.Data, &e); err != nil {
				return nil, after, fmt.Errorf("audit entry %s: %w", it.Name, err)
			}
			if f.Match(&e) {
				out = append(out, e)
				if f.Limit > 0 && len(out) >= f.Limit {
					return out, after, nil
				}
			}
		}
		if next == "" {
			return out, after, nil
		}
	}
}

// cursor is the store's list cursor for an entry name (entries have no
// account).
func cursor(name string) string { return "\x00" + name }
