package activity

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/importer"
	"github.com/iamgate/iamgate/store"
)

// Call is one authorization a logged call was allowed (or refused).
type Call struct {
	Action   string
	Resource string
	Allowed  bool
	// Inferred: no log names it, the call implies it (iam:PassRole).
	Inferred bool
}

// Event is one logged call.
type Event struct {
	Time      time.Time
	Caller    string // principal ARN (a role session's), or a service
	Account   string
	AccessKey string
	Region    string
	SourceIP  string
	Service   string
	Operation string
	Source    string // "" (iamgate) or audit.SourceCloudTrail
	Calls     []Call
}

// FromEntry is the event an audit log entry records; only the caller's
// own decisions are calls (a decision for another principal is not).
func FromEntry(e *audit.Entry) Event {
	ev := Event{Time: e.Time, Caller: e.Caller, Account: e.Account, AccessKey: e.AccessKey, Region: e.Region, SourceIP: e.SourceIP,
		Service: e.Service, Operation: e.Operation, Source: e.Source}
	for _, d := range e.Decisions {
		if d.Principal != "" {
			continue
		}
		ev.Calls = append(ev.Calls, Call{Action: d.Action, Resource: d.Resource, Allowed: d.Decision == engine.Allowed.String(), Inferred: d.Inferred})
	}
	return ev
}

// decodeEvent is the event an audit log entry's JSON records.
func decodeEvent(data []byte) (Event, error) {
	var ev Event
	if eventFast(data, &ev) {
		return ev, nil
	}
	var e audit.Entry
	if err := json.Unmarshal(data, &e); err != nil {
		return Event{}, err
	}
	return FromEntry(&e), nil
}

// EntityKey is whose use an event is, as a principal of the world:
// ACCOUNT/user/NAME, ACCOUNT/role/NAME (a role and its sessions),
// ACCOUNT/root; any other caller is itself.
func EntityKey(principal string) string {
	a, err := arn.Parse(principal)
	if err != nil {
		return principal
	}
	last := func(s string) string { return s[strings.LastIndexByte(s, '/')+1:] }
	switch {
	case a.Service == "iam" && strings.HasPrefix(a.Resource, "user/"):
		return a.AccountID + "/user/" + last(a.Resource)
	case a.Service == "iam" && strings.HasPrefix(a.Resource, "role/"):
		return a.AccountID + "/role/" + last(a.Resource)
	case a.Service == "sts" && strings.HasPrefix(a.Resource, "assumed-role/"):
		role, _, _ := strings.Cut(strings.TrimPrefix(a.Resource, "assumed-role/"), "/")
		return a.AccountID + "/role/" + role
	case a.Service == "iam" && a.Resource == "root":
		return a.AccountID + "/root"
	}
	return principal
}

// Pair is an action on a resource.
type Pair struct{ Action, Resource string }

// Use is what the logs show of one entity.
type Use struct {
	Last time.Time
	// Keys: each access key's last use.
	Keys map[string]time.Time
	// Actions: each allowed action's (lower case) last use, inferred ones
	// included.
	Actions map[string]time.Time
	// Pairs: the distinct allowed action-resource pairs.
	Pairs map[Pair]bool
	// Calls: every event, when the Activity keeps them (KeepEvents).
	Events []Event
	// ConsoleSignIn: the last ConsoleLogin event that succeeded.
	ConsoleSignIn time.Time
}

// Activity is what a set of logs shows, by entity.
type Activity struct {
	Entities map[string]*Use
	// Assumed: for each role (EntityKey), the callers that assumed it
	// (EntityKey of the caller, or the service), with the last time.
	Assumed map[string]map[string]time.Time
	// Sources are the sources read ("" iamgate, "cloudtrail").
	Sources map[string]bool
	// DataEvents: a data event was read (Event Source cloudtrail with a
	// data action).
	Events int
	// KeepEvents, when set, says whose events to keep in Use.Events.
	KeepEvents func(entity string) bool
	// keys and lower remember EntityKey of each caller and each action in
	// lower case: a log has few of them and many events.
	keys, lower map[string]string
}

// entityKey is EntityKey(principal), remembered.
func (a *Activity) entityKey(principal string) string {
	k, ok := a.keys[principal]
	if !ok {
		if a.keys == nil {
			a.keys = map[string]string{}
		}
		k = EntityKey(principal)
		a.keys[principal] = k
	}
	return k
}

// lowerAction is strings.ToLower(action), remembered.
func (a *Activity) lowerAction(action string) string {
	l, ok := a.lower[action]
	if !ok {
		if a.lower == nil {
			a.lower = map[string]string{}
		}
		l = strings.ToLower(action)
		a.lower[action] = l
	}
	return l
}

// New is an empty Activity.
func New() *Activity {
	return &Activity{Entities: map[string]*Use{}, Assumed: map[string]map[string]time.Time{}, Sources: map[string]bool{}}
}

func later(m map[string]time.Time, k string, t time.Time) {
	if t.After(m[k]) {
		m[k] = t
	}
}

// Add notes an event.
func (a *Activity) Add(ev Event) {
	a.Events++
	a.Sources[ev.Source] = true
	if ev.Caller == "" {
		return
	}
	k := a.entityKey(ev.Caller)
	u := a.Entities[k]
	if u == nil {
		u = &Use{Keys: map[string]time.Time{}, Actions: map[string]time.Time{}, Pairs: map[Pair]bool{}}
		a.Entities[k] = u
	}
	if ev.Time.After(u.Last) {
		u.Last = ev.Time
	}
	if ev.AccessKey != "" {
		later(u.Keys, ev.AccessKey, ev.Time)
	}
	if ev.Service == "signin" && ev.Operation == "ConsoleLogin" && len(ev.Calls) > 0 && ev.Calls[0].Allowed && ev.Time.After(u.ConsoleSignIn) {
		u.ConsoleSignIn = ev.Time
	}
	for _, c := range ev.Calls {
		if !c.Allowed {
			continue
		}
		l := a.lowerAction(c.Action)
		later(u.Actions, l, ev.Time)
		u.Pairs[Pair{c.Action, c.Resource}] = true
		if isAssumeLower(l) && EntityKey(c.Resource) != c.Resource {
			role := EntityKey(c.Resource)
			m := a.Assumed[role]
			if m == nil {
				m = map[string]time.Time{}
				a.Assumed[role] = m
			}
			later(m, k, ev.Time)
		}
	}
	if a.KeepEvents != nil && a.KeepEvents(k) {
		u.Events = append(u.Events, ev)
	}
}

func isAssumeLower(l string) bool {
	return l == "sts:assumerole" || l == "sts:assumerolewithsaml" || l == "sts:assumerolewithwebidentity"
}

// ReadStore adds the audit log's entries from since (inclusive) to until
// (exclusive; zero: no end), of caller when not "" (a role's ARN matches
// its sessions), from source when not "*" ("" is iamgate's own entries).
// One goroutine reads pages while the entries of the last are decoded in
// parallel; they are added in the log's order.
func (a *Activity) ReadStore(ctx context.Context, st store.AuditReader, caller string, since, until time.Time, source string) error {
	type page struct {
		recs []store.AuditRecord
		err  error
	}
	pages := make(chan page, 2)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(pages)
		q := store.AuditQuery{Caller: caller, Since: since, Until: until, Limit: 5000, DataOnly: true}
		if caller == "" {
			// Every caller's: in commit order, a range of the log's key,
			// up to the head as it is now.
			head, err := st.AuditHead(ctx)
			if err != nil {
				pages <- page{err: err}
				return
			}
			q.Order, q.UpTo = store.BySeq, head
			if head == 0 {
				return
			}
		}
		for {
			recs, err := st.QueryAudit(ctx, q)
			select {
			case pages <- page{recs, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || len(recs) < q.Limit {
				return
			}
			last := recs[len(recs)-1]
			q.After = store.AuditPos{Time: last.Time, Seq: last.Seq}
		}
	}()
	workers := max(1, runtime.GOMAXPROCS(0))
	for p := range pages {
		if p.err != nil {
			return p.err
		}
		events := make([]Event, len(p.recs))
		keep := make([]bool, len(p.recs))
		errs := make([]error, workers)
		var wg sync.WaitGroup
		per := (len(p.recs) + workers - 1) / workers
		for w := 0; w < workers; w++ {
			lo, hi := w*per, min((w+1)*per, len(p.recs))
			if lo >= hi {
				break
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := lo; i < hi; i++ {
					ev, err := decodeEvent(p.recs[i].Data)
					if err != nil {
						errs[w] = fmt.Errorf("audit log entry %d: %w", p.recs[i].Seq, err)
						return
					}
					if source == "*" || ev.Source == source {
						events[i], keep[i] = ev, true
					}
				}
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		for i := range events {
			if keep[i] {
				a.Add(events[i])
			}
		}
	}
	return nil
}

// ReadCloudTrail adds the events of CloudTrail log files (or directories
// of them) from since (inclusive) to until (exclusive; zero: no end).
// Files are parsed in parallel, and added in name order.
func (a *Activity) ReadCloudTrail(paths []string, since, until time.Time) error {
	a.Sources[audit.SourceCloudTrail] = true
	var files []string
	for _, p := range paths {
		fs, err := importer.CloudTrailFiles(p)
		if err != nil {
			return err
		}
		files = append(files, fs...)
	}
	type parsed struct {
		events []Event
		err    error
	}
	results := make([]chan parsed, len(files))
	for i := range results {
		results[i] = make(chan parsed, 1)
	}
	workers := max(1, runtime.GOMAXPROCS(0))
	next := make(chan int)
	done := make(chan struct{})
	defer close(done)
	sem := make(chan struct{}, 2*workers) // parse at most this far ahead
	go func() {
		defer close(next)
		for i := range files {
			select {
			case sem <- struct{}{}:
			case <-done:
				return
			}
			select {
			case next <- i:
			case <-done:
				return
			}
		}
	}()
	for range workers {
		go func() {
			for i := range next {
				var p parsed
				p.err = importer.ReadCloudTrailFile(files[i], nil, func(_ int, ev *importer.CloudTrailEvent) error {
					if ev.EventTime.Before(since) || (!until.IsZero() && !ev.EventTime.Before(until)) {
						return nil
					}
					p.events = append(p.events, FromEntry(ev.Entry()))
					return nil
				})
				results[i] <- p
			}
		}()
	}
	for i := range files {
		p := <-results[i]
		<-sem
		if p.err != nil {
			return p.err
		}
		for _, ev := range p.events {
			a.Add(ev)
		}
	}
	return nil
}
