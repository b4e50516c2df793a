package storetest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/iamgate/iamgate/store"
)

const (
	acctA   = "111111111111"
	acctB   = "222222222222"
	alice   = "arn:aws:iam::111111111111:user/alice"
	appRole = "arn:aws:iam::111111111111:role/team/app" // a role with a path: its sessions' ARNs have none
	appBase = "arn:aws:sts::111111111111:assumed-role/app"
	appS1   = "arn:aws:sts::111111111111:assumed-role/app/s1"
	appS2   = "arn:aws:sts::111111111111:assumed-role/app/s2"
	apples  = "arn:aws:sts::111111111111:assumed-role/apples/s1" // a role whose name begins like app's
	bob     = "arn:aws:iam::222222222222:user/bob"
)

var auditBase = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// rec is an audit record whose Data names it.
func rec(id string, at time.Time, account, caller, service, op string, attempted ...string) store.AuditRecord {
	return store.AuditRecord{Time: at, Account: account, Caller: caller, Service: service, Operation: op, Region: "us-east-1",
		Attempted: attempted, Data: []byte(`{"id":"` + id + `"}`)}
}

func ids(recs []store.AuditRecord) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		var d struct{ ID string }
		if err := json.Unmarshal(r.Data, &d); err != nil {
			out[i] = "unreadable record: " + err.Error()
			continue
		}
		out[i] = d.ID
	}
	return out
}

// auditFixture appends records out of time order, some with a change's
// transaction and some on their own, and returns them in append order.
func auditFixture(t *testing.T, s store.Store) []store.AuditRecord {
	ctx := context.Background()
	at := func(sec int) time.Time { return auditBase.Add(time.Duration(sec) * time.Second) }
	recs := []store.AuditRecord{
		rec("r1", at(10), acctA, alice, "iam", "CreateRole", "iam:CreateRole"),
		rec("r2", at(5), acctA, appS1, "iam", "GetRole", "iam:GetRole"), // started before r1, stored after
		rec("r3", at(20), acctA, appS2, "sts", "GetCallerIdentity"),
		rec("r4", at(20), acctA, apples, "iam", "GetRole"),
		rec("r5", at(30), acctB, bob, "iam", "CreateRole"),
		rec("r6", at(40), acctA, alice, "organizations", "CreateRole"),
	}
	for i := range recs {
		one := recs[i : i+1]
		var err error
		if i%2 == 0 {
			err = s.AppendAudit(ctx, one)
		} else {
			err = s.Update(ctx, func(tx store.Tx) error {
				if _, err := tx.Put(ctx, key(store.KindUser, acctA, fmt.Sprintf("u%d", i)), []byte(`{}`), 0); err != nil {
					return err
				}
				return tx.AppendAudit(ctx, one)
			})
		}
		if err != nil {
			t.Fatal(err)
		}
		if recs[i].Seq != int64(i+1) {
			t.Fatalf("record %d has Seq %d", i, recs[i].Seq)
		}
	}
	return recs
}

// Each filter, in time order and in sequence order, with and without
// pages; a role's ARN matches its sessions (the IAM User Guide, "IAM
// identifiers": arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION).
func testAuditQuery(t *testing.T, s store.Store) {
	ctx := context.Background()
	auditFixture(t, s)
	if h, err := s.AuditHead(ctx); err != nil || h != 6 {
		t.Fatalf("head %d %v", h, err)
	}
	at := func(sec int) time.Time { return auditBase.Add(time.Duration(sec) * time.Second) }
	for _, tc := range []struct {
		name   string
		q      store.AuditQuery
		byTime []string
	}{
		{"all", store.AuditQuery{}, []string{"r2", "r1", "r3", "r4", "r5", "r6"}},
		{"account", store.AuditQuery{Account: acctB}, []string{"r5"}},
		{"user", store.AuditQuery{Caller: alice}, []string{"r1", "r6"}},
		{"role ARN matches its sessions", store.AuditQuery{Caller: appRole}, []string{"r2", "r3"}},
		{"session ARN without a session name", store.AuditQuery{Caller: appBase}, []string{"r2", "r3"}},
		{"one session", store.AuditQuery{Caller: appS2}, []string{"r3"}},
		{"operation", store.AuditQuery{Operation: "CreateRole"}, []string{"r1", "r5", "r6"}},
		{"service and operation", store.AuditQuery{Service: "iam", Operation: "CreateRole"}, []string{"r1", "r5"}},
		{"since is inclusive", store.AuditQuery{Since: at(20)}, []string{"r3", "r4", "r5", "r6"}},
		{"until is exclusive", store.AuditQuery{Until: at(20)}, []string{"r2", "r1"}},
		{"up to a head", store.AuditQuery{UpTo: 3}, []string{"r2", "r1", "r3"}},
		{"combined", store.AuditQuery{Account: acctA, Operation: "GetRole", Since: at(1)}, []string{"r2", "r4"}},
		{"nothing", store.AuditQuery{Caller: "arn:aws:iam::111111111111:user/nobody"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.QueryAudit(ctx, tc.q)
			if err != nil || !slices.Equal(ids(got), tc.byTime) {
				t.Fatalf("by time: %v %v, want %v", ids(got), err, tc.byTime)
			}
			// Pages of two.
			var paged []store.AuditRecord
			q := tc.q
			q.Limit = 2
			for i := 0; i < 5; i++ {
				page, err := s.QueryAudit(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				paged = append(paged, page...)
				if len(page) < 2 {
					break
				}
				q.After = store.AuditPos{Time: page[1].Time, Seq: page[1].Seq}
			}
			if !slices.Equal(ids(paged), tc.byTime) {
				t.Fatalf("paged: %v, want %v", ids(paged), tc.byTime)
			}
			// By sequence number: the same records in the order stored.
			want := slices.Clone(got)
			slices.SortFunc(want, func(x, y store.AuditRecord) int { return int(x.Seq - y.Seq) })
			q = tc.q
			q.Order = store.BySeq
			bySeq, err := s.QueryAudit(ctx, q)
			if err != nil || !slices.Equal(ids(bySeq), ids(want)) {
				t.Fatalf("by seq: %v %v, want %v", ids(bySeq), err, ids(want))
			}
			if len(want) > 1 {
				q.After = store.AuditPos{Seq: want[0].Seq}
				rest, err := s.QueryAudit(ctx, q)
				if err != nil || !slices.Equal(ids(rest), ids(want[1:])) {
					t.Fatalf("by seq after %d: %v %v", want[0].Seq, ids(rest), err)
				}
			}
			// DataOnly: the same records, each with its Seq, Time and Data.
			for order, full := range map[store.AuditOrder][]store.AuditRecord{store.ByTime: got, store.BySeq: bySeq} {
				q := tc.q
				q.Order, q.DataOnly = order, true
				d, err := s.QueryAudit(ctx, q)
				if err != nil || len(d) != len(full) {
					t.Fatalf("data only, order %d: %d records %v, want %d", order, len(d), err, len(full))
				}
				for i := range d {
					if d[i].Seq != full[i].Seq || !d[i].Time.Equal(full[i].Time) || string(d[i].Data) != string(full[i].Data) {
						t.Fatalf("data only, order %d: %+v, want %+v", order, d[i], full[i])
					}
				}
				q.Limit = 1
				if d, err := s.QueryAudit(ctx, q); err != nil || (len(full) > 0 && (len(d) != 1 || d[0].Seq != full[0].Seq)) {
					t.Fatalf("data only, order %d, a page of one: %+v %v", order, d, err)
				}
			}
		})
	}
	got, err := s.QueryAudit(ctx, store.AuditQuery{Caller: alice, Limit: 1})
	if err != nil || len(got) != 1 || !got[0].Time.Equal(at(10)) || got[0].Account != acctA || got[0].Caller != alice ||
		got[0].Service != "iam" || got[0].Operation != "CreateRole" || got[0].Seq != 1 {
		t.Fatalf("record read back: %+v %v", got, err)
	}
}

// A record appended in a transaction that fails is not stored and takes
// no sequence number; audit records write nothing to the change feed.
func testAuditTransactions(t *testing.T, s store.Store) {
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.AppendAudit(ctx, []store.AuditRecord{rec("lost", auditBase, acctA, alice, "iam", "CreateUser", "iam:CreateUser")}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if h, err := s.AuditHead(ctx); err != nil || h != 0 {
		t.Fatalf("head after a rollback: %d %v", h, err)
	}
	if las, err := s.LastAccessed(ctx, []string{alice}); err != nil || len(las) != 0 {
		t.Fatalf("last accessed after a rollback: %+v %v", las, err)
	}
	feedHead := func() int64 {
		var h int64
		if err := s.View(ctx, func(v store.Snapshot) (err error) { h, err = v.Head(ctx); return err }); err != nil {
			t.Fatal(err)
		}
		return h
	}
	head := feedHead()
	if err := s.AppendAudit(ctx, []store.AuditRecord{rec("a", auditBase, acctA, alice, "iam", "GetUser")}); err != nil {
		t.Fatal(err)
	}
	if h := feedHead(); h != head {
		t.Fatalf("an audit append moved the change feed's head from %d to %d", head, h)
	}
	if err := s.Update(ctx, func(tx store.Tx) error {
		return tx.AppendAudit(ctx, []store.AuditRecord{rec("b", auditBase, acctA, alice, "iam", "GetUser")})
	}); err != nil {
		t.Fatal(err)
	}
	changes, _, err := s.Changes(ctx, head, 0)
	if err != nil || len(changes) != 0 {
		t.Fatalf("changes of audit records: %+v %v", changes, err)
	}
	if h, _ := s.AuditHead(ctx); h != 2 {
		t.Fatalf("audit head %d, want 2", h)
	}
}

// Each allowed action is its caller's last access, a session's its
// role's; an older access never replaces a newer one.
func testLastAccessed(t *testing.T, s store.Store) {
	ctx := context.Background()
	at := func(sec int) time.Time { return auditBase.Add(time.Duration(sec) * time.Second) }
	r1 := rec("1", at(10), acctA, appS1, "iam", "GetRole", "iam:GetRole", "iam:ListRoles")
	r1.Region = "eu-west-1"
	for _, r := range []store.AuditRecord{
		r1,
		rec("2", at(5), acctA, appS2, "iam", "GetRole", "iam:GetRole"),      // older: ignored
		rec("3", at(20), acctA, appS2, "iam", "ListRoles", "iam:ListRoles"), // newer: replaces
		rec("4", at(30), acctA, alice, "iam", "GetUser", "iam:GetUser"),
		rec("5", at(40), acctA, alice, "iam", "DeleteUser"), // no action decided: no access
	} {
		if err := s.AppendAudit(ctx, []store.AuditRecord{r}); err != nil {
			t.Fatal(err)
		}
	}
	las, err := s.LastAccessed(ctx, []string{appRole, alice, "arn:aws:iam::111111111111:user/nobody"})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(las, func(x, y store.LastAccess) int {
		if c := cmpStr(x.Entity, y.Entity); c != 0 {
			return c
		}
		return cmpStr(x.Action, y.Action)
	})
	want := []store.LastAccess{
		{Entity: appRole, Action: "iam:GetRole", Region: "eu-west-1", Time: at(10), Principal: appS1},
		{Entity: appRole, Action: "iam:ListRoles", Region: "us-east-1", Time: at(20), Principal: appS2},
		{Entity: alice, Action: "iam:GetUser", Region: "us-east-1", Time: at(30), Principal: alice},
	}
	if len(las) != len(want) {
		t.Fatalf("last accessed: %+v", las)
	}
	for i := range want {
		if las[i].Entity != want[i].Entity || las[i].Action != want[i].Action || las[i].Region != want[i].Region ||
			!las[i].Time.Equal(want[i].Time) || las[i].Principal != want[i].Principal {
			t.Errorf("last accessed %d: %+v, want %+v", i, las[i], want[i])
		}
	}
	// Many entities at once (more than one query's worth).
	many := []string{alice}
	for i := 0; i < 1200; i++ {
		many = append(many, fmt.Sprintf("arn:aws:iam::111111111111:user/u%d", i))
	}
	if las, err := s.LastAccessed(ctx, many); err != nil || len(las) != 1 {
		t.Fatalf("many entities: %+v %v", las, err)
	}
}

// One AppendAudit call of many records (an import) numbers them in
// order and notes each entity's latest access per action, the later
// record on equal times, as appending them one at a time would.
func testAppendAuditBatch(t *testing.T, s store.Store) {
	ctx := context.Background()
	at := func(sec int) time.Time { return auditBase.Add(time.Duration(sec) * time.Second) }
	var recs []store.AuditRecord
	for i := 0; i < 450; i++ {
		r := rec(fmt.Sprint("b", i), at(i%100), acctA, alice, "iam", "GetUser", "iam:GetUser")
		r.Region = fmt.Sprint("r", i)
		recs = append(recs, r)
	}
	head, err := s.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AppendAudit(ctx, recs); err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		if r.Seq != head+int64(i)+1 {
			t.Fatalf("record %d: seq %d, want %d", i, r.Seq, head+int64(i)+1)
		}
	}
	if got, _ := s.AuditHead(ctx); got != head+450 {
		t.Errorf("head %d, want %d", got, head+450)
	}
	las, err := s.LastAccessed(ctx, []string{alice})
	if err != nil || len(las) != 1 {
		t.Fatalf("last accessed: %+v %v", las, err)
	}
	// at(99) is records 99, 199, 299 and 399: the last one wins.
	if !las[0].Time.Equal(at(99)) || las[0].Region != "r399" {
		t.Errorf("last accessed %+v, want at %v region r399", las[0], at(99))
	}
	got, err := s.QueryAudit(ctx, store.AuditQuery{Order: store.BySeq, After: store.AuditPos{Seq: head}})
	if err != nil || len(got) != 450 || string(got[449].Data) != string(recs[449].Data) {
		t.Fatalf("query: %d records, %v", len(got), err)
	}
}

// Several large AppendAudit calls in one transaction (an import's): every
// record stored once, numbered in order, read back whole; the last
// accesses those of the latest records.
func testAppendAuditManyInOneTx(t *testing.T, s store.Store) {
	ctx := context.Background()
	at := func(sec int) time.Time { return auditBase.Add(time.Duration(sec) * time.Second) }
	var recs []store.AuditRecord
	for i := 0; i < 2450; i++ {
		caller := alice
		if i%2 == 1 {
			caller = appS1
		}
		r := rec(fmt.Sprint("m", i), at(i), acctA, caller, "iam", "GetUser", "iam:GetUser")
		r.Region = fmt.Sprint("r", i)
		recs = append(recs, r)
	}
	if err := s.Update(ctx, func(tx store.Tx) error {
		for _, part := range [][]store.AuditRecord{recs[:1225], recs[1225:]} {
			if err := tx.AppendAudit(ctx, part); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.QueryAudit(ctx, store.AuditQuery{Order: store.BySeq})
	if err != nil || len(got) != len(recs) {
		t.Fatalf("%d records, %v", len(got), err)
	}
	for i, r := range got {
		if r.Seq != int64(i+1) || recs[i].Seq != r.Seq || string(r.Data) != string(recs[i].Data) || r.Caller != recs[i].Caller || !r.Time.Equal(recs[i].Time) {
			t.Fatalf("record %d: %+v, want %+v", i, r, recs[i])
		}
	}
	las, err := s.LastAccessed(ctx, []string{alice, appRole})
	if err != nil || len(las) != 2 {
		t.Fatalf("last accessed: %+v %v", las, err)
	}
	for _, la := range las {
		want := map[string]int{alice: 2448, appRole: 2449}[la.Entity]
		if !la.Time.Equal(at(want)) || la.Region != fmt.Sprint("r", want) {
			t.Errorf("last accessed %+v, want record %d's", la, want)
		}
	}
}

// Pruning removes the oldest records first, at most limit at a time, and
// never one at or after before; the last-accessed table keeps their
// accesses.
func testPruneAudit(t *testing.T, s store.Store) {
	ctx := context.Background()
	at := func(sec int) time.Time { return auditBase.Add(time.Duration(sec) * time.Second) }
	var recs []store.AuditRecord
	for i := 9; i >= 0; i-- { // stored newest first
		recs = append(recs, rec(fmt.Sprint(i), at(i), acctA, alice, "iam", "GetUser", "iam:GetUser"))
	}
	if err := s.AppendAudit(ctx, recs); err != nil {
		t.Fatal(err)
	}
	for _, want := range []int{3, 2, 0} {
		n, err := s.PruneAudit(ctx, at(5), 3)
		if err != nil || n != want {
			t.Fatalf("pruned %d %v, want %d", n, err, want)
		}
	}
	left, err := s.QueryAudit(ctx, store.AuditQuery{})
	if err != nil || !slices.Equal(ids(left), []string{"5", "6", "7", "8", "9"}) {
		t.Fatalf("left: %v %v", ids(left), err)
	}
	if las, err := s.LastAccessed(ctx, []string{alice}); err != nil || len(las) != 1 || !las[0].Time.Equal(at(9)) {
		t.Fatalf("last accessed after pruning: %+v %v", las, err)
	}
	// Pruning never moves the sequence: the next record follows the last.
	if _, err := s.PruneAudit(ctx, at(100), 100); err != nil {
		t.Fatal(err)
	}
	one := []store.AuditRecord{rec("next", at(1), acctA, alice, "iam", "GetUser")}
	if err := s.AppendAudit(ctx, one); err != nil || one[0].Seq != 11 {
		t.Fatalf("after pruning everything: seq %d %v", one[0].Seq, err)
	}
}

// A follower that reads by sequence number up to the head misses no
// record, while writers (with changes and on their own) store records
// whose times are out of order with the order they commit in.
func testAuditFollowMissesNothing(t *testing.T, s store.Store) {
	ctx := context.Background()
	const writers, per = 4, 40
	var wg sync.WaitGroup
	errc := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				// Each writer's clock is behind the one before it.
				r := rec(fmt.Sprintf("w%d-%d", w, i), time.Now().Add(-time.Duration(w)*7*time.Millisecond), acctA, alice, "iam", "GetUser", "iam:GetUser")
				var err error
				if i%2 == 0 {
					err = s.AppendAudit(ctx, []store.AuditRecord{r})
				} else {
					err = s.Update(ctx, func(tx store.Tx) error { return tx.AppendAudit(ctx, []store.AuditRecord{r}) })
				}
				if err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	seen := map[string]int{}
	var cursor int64
	follow := func() {
		head, err := s.AuditHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if head == cursor {
			return // (UpTo 0 would be no bound)
		}
		recs, err := s.QueryAudit(ctx, store.AuditQuery{Order: store.BySeq, After: store.AuditPos{Seq: cursor}, UpTo: head, Caller: alice})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids(recs) {
			seen[id]++
		}
		cursor = head
	}
	for finished := false; !finished; {
		select {
		case <-done:
			finished = true
		default:
		}
		follow()
	}
	follow()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	if len(seen) != writers*per {
		t.Fatalf("followed %d of %d records", len(seen), writers*per)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("%s followed %d times", id, n)
		}
	}
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// OldAuditItem is an audit entry as items kept them before the audit log
// had its own table (kind "audit", Account "", Name the time in Unix
// nanoseconds, zero-padded, then the request ID).
type OldAuditItem struct {
	Name string
	Data string
}

// OldAuditItems are entries for a driver's migration test: SeedOldAudit
// stores them in a store migrated only to version 2, and CheckOldAuditMoved
// reads them back from the audit log once the store is opened.
func OldAuditItems() []OldAuditItem {
	entry := func(sec int, id, caller, op string, allowed bool) OldAuditItem {
		at := auditBase.Add(time.Duration(sec) * time.Second)
		dec := "implicitDeny"
		if allowed {
			dec = "allowed"
		}
		data := fmt.Sprintf(`{"time":%q,"requestId":%q,"account":"111111111111","caller":%q,"region":"us-east-1","service":"iam","operation":%q,"outcome":"OK","decisions":[{"action":"iam:%s","resource":"*","decision":%q}]}`,
			at.Format(time.RFC3339Nano), id, caller, op, op, dec)
		return OldAuditItem{Name: fmt.Sprintf("%019d-%s", at.UnixNano(), id), Data: data}
	}
	return []OldAuditItem{
		entry(1, "old1", alice, "CreateRole", true),
		entry(2, "old2", appS1, "GetRole", true),
		entry(3, "old3", alice, "DeleteRole", false),
	}
}

// SeedOldAudit stores OldAuditItems in db's items table as a store at
// schema version 2 kept them.
func SeedOldAudit(t *testing.T, db *sql.DB, rebind func(string) string) {
	t.Helper()
	for _, it := range OldAuditItems() {
		if _, err := db.Exec(rebind(`INSERT INTO items (kind, account, name, data, revision, updated_at) VALUES ('audit', '', ?, ?, 1, ?)`),
			it.Name, []byte(it.Data), time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
			t.Fatal(err)
		}
	}
}

// CheckOldAuditMoved checks that the entries SeedOldAudit stored are in
// the audit log, in their order and whole, with their accesses, and no
// longer items.
func CheckOldAuditMoved(t *testing.T, s store.Store) {
	t.Helper()
	ctx := context.Background()
	recs, err := s.QueryAudit(ctx, store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	old := OldAuditItems()
	if len(recs) != len(old) {
		t.Fatalf("%d records after the migration, want %d", len(recs), len(old))
	}
	for i, r := range recs {
		if string(r.Data) != old[i].Data || r.Seq != int64(i+1) || r.Account != acctA || r.Service != "iam" {
			t.Fatalf("record %d: %+v", i, r)
		}
	}
	if got, err := s.QueryAudit(ctx, store.AuditQuery{Caller: appRole}); err != nil || len(got) != 1 || got[0].Operation != "GetRole" {
		t.Fatalf("by role: %+v %v", got, err)
	}
	las, err := s.LastAccessed(ctx, []string{alice, appRole})
	if err != nil || len(las) != 2 {
		t.Fatalf("last accessed: %+v %v", las, err)
	}
	if items, _, err := s.List(ctx, "audit", "", "", 0); err != nil || len(items) != 0 {
		t.Fatalf("audit items left: %d %v", len(items), err)
	}
	if h, err := s.AuditHead(ctx); err != nil || h != int64(len(old)) {
		t.Fatalf("audit head %d %v", h, err)
	}
}
