package audit_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/postgres"
	"github.com/iamgate/iamgate/store/sqlite"
	"github.com/iamgate/iamgate/store/storetest"
)

// drivers opens an empty store of each kind.
func drivers(t *testing.T, fn func(t *testing.T, st store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "a.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		fn(t, st)
	})
	t.Run("postgres", func(t *testing.T) {
		st, err := postgres.Open(context.Background(), storetest.FreshSchema(t, storetest.PostgresDSN(t)))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		fn(t, st)
	})
}

func requestIDs(es []audit.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.RequestID
	}
	return out
}

// Following by sequence number misses no entry while concurrent callers
// store entries through the group commit whose times are out of the
// order they commit in. (Followed by the request's time, as the log was
// before it had sequence numbers, 296 of 1,600 such entries were seen.)
func TestFollowMissesNoEntry(t *testing.T) {
	drivers(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		log := audit.NewLog(st)
		defer log.Close()
		const writers, per = 8, 100
		var wg sync.WaitGroup
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < per; i++ {
					// Writer w's calls started w*3 ms before they are stored.
					at := time.Now().Add(-time.Duration(w) * 3 * time.Millisecond)
					e := &audit.Entry{Time: at, RequestID: fmt.Sprintf("w%d-%d", w, i), Account: "111111111111", Service: "iam", Operation: "GetUser", Outcome: "OK"}
					if err := log.Append(ctx, e); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		seen := map[string]int{}
		var cursor, lastSeq int64
		f := audit.Filter{Account: "111111111111", Operation: "iam:GetUser"}
		for finished := false; !finished; {
			select {
			case <-done:
				finished = true
			default:
			}
			entries, next, err := audit.Follow(ctx, st, f, cursor)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				seen[e.RequestID]++
				if e.Seq <= lastSeq {
					t.Fatalf("entry %s has seq %d after %d", e.RequestID, e.Seq, lastSeq)
				}
				lastSeq = e.Seq
			}
			cursor = next
			if !finished {
				time.Sleep(time.Millisecond)
			}
		}
		if len(seen) != writers*per {
			t.Fatalf("followed %d of %d entries", len(seen), writers*per)
		}
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("%s followed %d times", id, n)
			}
		}
	})
}

// Query: the filters, time order, Limit and UpTo; entries read back whole
// with their sequence numbers.
func TestQuery(t *testing.T) {
	drivers(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		put := func(id string, sec int, caller, service, op string) {
			t.Helper()
			e := &audit.Entry{Time: base.Add(time.Duration(sec) * time.Second), RequestID: id, Account: "111111111111", Caller: caller,
				Service: service, Operation: op, Outcome: "OK", Decisions: []audit.Decision{{Action: service + ":" + op, Resource: "*", Decision: "allowed"}}}
			if err := st.Update(ctx, func(tx store.Tx) error { return audit.Put(ctx, tx, e) }); err != nil {
				t.Fatal(err)
			}
		}
		put("a", 3, "arn:aws:iam::111111111111:user/alice", "iam", "CreateRole")
		put("b", 1, "arn:aws:sts::111111111111:assumed-role/deploy/ci-42", "iam", "CreateRole")
		put("c", 2, "arn:aws:sts::111111111111:assumed-role/deploy/ci-43", "organizations", "CreateRole")
		put("d", 4, "arn:aws:iam::111111111111:user/alice", "sts", "GetCallerIdentity")
		for _, tc := range []struct {
			name string
			f    audit.Filter
			want []string
		}{
			{"all in time order", audit.Filter{}, []string{"b", "c", "a", "d"}},
			{"service:operation", audit.Filter{Operation: "iam:CreateRole"}, []string{"b", "a"}},
			{"operation of any service", audit.Filter{Operation: "CreateRole"}, []string{"b", "c", "a"}},
			{"a role matches its sessions", audit.Filter{Caller: "arn:aws:iam::111111111111:role/deploy"}, []string{"b", "c"}},
			{"a role with a path too", audit.Filter{Caller: "arn:aws:iam::111111111111:role/ci/deploy"}, []string{"b", "c"}},
			{"one session", audit.Filter{Caller: "arn:aws:sts::111111111111:assumed-role/deploy/ci-43"}, []string{"c"}},
			{"since", audit.Filter{Since: base.Add(2 * time.Second)}, []string{"c", "a", "d"}},
			{"limit", audit.Filter{Limit: 2}, []string{"b", "c"}},
			{"up to", audit.Filter{UpTo: 2}, []string{"b", "a"}},
		} {
			got, err := audit.Query(ctx, st, tc.f)
			if err != nil || !slices.Equal(requestIDs(got), tc.want) {
				t.Errorf("%s: %v %v, want %v", tc.name, requestIDs(got), err, tc.want)
			}
		}
		got, _ := audit.Query(ctx, st, audit.Filter{Caller: "arn:aws:iam::111111111111:user/alice", Limit: 1})
		if len(got) != 1 || got[0].Seq != 1 || got[0].Decisions[0].Action != "iam:CreateRole" || !got[0].Time.Equal(base.Add(3*time.Second)) {
			t.Fatalf("entry: %+v", got)
		}
		// More entries than a page.
		entries := make([]*audit.Entry, 1200)
		log := audit.NewLog(st)
		defer log.Close()
		var wg sync.WaitGroup
		for i := range entries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := log.Append(ctx, &audit.Entry{Time: base.Add(time.Hour + time.Duration(i)), RequestID: fmt.Sprint(i), Service: "iam", Operation: "ListUsers", Outcome: "OK"}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		many, err := audit.Query(ctx, st, audit.Filter{Operation: "ListUsers"})
		if err != nil || len(many) != 1200 || many[0].RequestID != "0" || many[1199].RequestID != "1199" {
			t.Fatalf("%d entries %v", len(many), err)
		}
		// The access advisor's table: the role's sessions are the role.
		acc, err := audit.LastAccessed(ctx, st, []string{"arn:aws:iam::111111111111:role/ci/deploy"})
		if err != nil || len(acc) != 2 {
			t.Fatalf("last accessed: %+v %v", acc, err)
		}
	})
}

// Retention never removes an entry younger than Keep, and removes every
// older one, in batches (the clock is the test's).
func TestRetention(t *testing.T) {
	drivers(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
		keep := 90 * 24 * time.Hour
		var recs []*audit.Entry
		for i, age := range []time.Duration{keep + time.Hour, keep + time.Nanosecond, keep, keep - time.Nanosecond, time.Hour, 0} {
			recs = append(recs, &audit.Entry{Time: now.Add(-age), RequestID: fmt.Sprint(i), Service: "iam", Operation: "GetUser", Outcome: "OK"})
		}
		for i := 0; i < 25; i++ { // more than a batch of old ones
			recs = append(recs, &audit.Entry{Time: now.Add(-keep - time.Duration(i+2)*time.Hour), RequestID: fmt.Sprintf("old%d", i), Service: "iam", Operation: "GetUser", Outcome: "OK"})
		}
		log := audit.NewLog(st)
		defer log.Close()
		for _, e := range recs {
			if err := log.Append(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		r := audit.Retention{Keep: keep, Batch: 4, Now: func() time.Time { return now }}
		n, err := r.Prune(ctx, st)
		if err != nil || n != 27 {
			t.Fatalf("pruned %d %v, want 27", n, err)
		}
		left, err := audit.Query(ctx, st, audit.Filter{})
		if err != nil || !slices.Equal(requestIDs(left), []string{"2", "3", "4", "5"}) {
			t.Fatalf("kept %v %v", requestIDs(left), err)
		}
		// Keep 0 keeps everything.
		if n, err := (audit.Retention{Now: func() time.Time { return now.Add(1000 * keep) }}).Prune(ctx, st); n != 0 || err != nil {
			t.Fatalf("Keep 0 pruned %d %v", n, err)
		}
		// In the background: a nanosecond later, the entry exactly Keep old
		// goes too; an hour later, the one a nanosecond younger.
		var mu sync.Mutex
		clock := now.Add(time.Nanosecond)
		bg := audit.Retention{Keep: keep, Every: time.Millisecond, Batch: 1, Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }}
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { bg.Run(rctx, st, func(err error) { t.Error(err) }); close(done) }()
		defer func() { cancel(); <-done }()
		waitFor := func(want []string) {
			t.Helper()
			deadline := time.Now().Add(10 * time.Second)
			for {
				left, err := audit.Query(ctx, st, audit.Filter{})
				if err == nil && slices.Equal(requestIDs(left), want) {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("kept %v %v, want %v", requestIDs(left), err, want)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		waitFor([]string{"3", "4", "5"})
		mu.Lock()
		clock = now.Add(time.Hour)
		mu.Unlock()
		waitFor([]string{"4", "5"})
	})
}
