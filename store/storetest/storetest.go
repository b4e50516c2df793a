package storetest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/iamgate/iamgate/accesstest"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/world"
)

// Opener opens a new, empty store for one subtest; reopen, when not nil,
// opens the same database again (to check that migrations are idempotent).
type Opener func(t *testing.T) (s store.Store, reopen func() (store.Store, error))

// Run runs the conformance suite.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"CreateGetUpdate", testCreateGetUpdate},
		{"Conflicts", testConflicts},
		{"Delete", testDelete},
		{"ListAndPaginate", testList},
		{"TransactionRollsBack", testRollback},
		{"TransactionCommits", testCommit},
		{"ConcurrentWritersOneWins", testConcurrent},
		{"DeleteAccount", testDeleteAccount},
		{"BinarySafeData", testBinary},
		{"WorldRoundTrip", testWorldRoundTrip},
		{"FeedRecordsEveryChange", testFeedRecordsEveryChange},
		{"FeedRecordsEveryKind", testFeedRecordsEveryKind},
		{"AccountSeq", testAccountSeq},
		{"ConditionalWritesLoseNothing", testConditionalWritesLoseNothing},
		{"ViewIsConsistent", testViewIsConsistent},
		{"Wait", testWait},
		{"AuditQuery", testAuditQuery},
		{"AuditTransactions", testAuditTransactions},
		{"LastAccessed", testLastAccessed},
		{"AppendAuditBatch", testAppendAuditBatch},
		{"AppendAuditManyInOneTx", testAppendAuditManyInOneTx},
		{"PruneAudit", testPruneAudit},
		{"AuditFollowMissesNothing", testAuditFollowMissesNothing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := open(t)
			defer s.Close()
			tc.fn(t, s)
		})
	}
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, s store.Store, reopen func() (store.Store, error))
	}{
		{"FollowsAnotherHandle", testFollowsAnotherHandle},
		{"ConditionalWritesLoseNothingAcrossHandles", testConditionalWritesLoseNothingAcrossHandles},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, reopen := open(t)
			defer s.Close()
			if reopen == nil {
				t.Skip("this store cannot be opened twice")
			}
			tc.fn(t, s, reopen)
		})
	}
	t.Run("MigrationsAreIdempotent", func(t *testing.T) {
		s, reopen := open(t)
		ctx := context.Background()
		v, err := s.SchemaVersion(ctx)
		if err != nil || v < 1 {
			t.Fatalf("schema version %d %v", v, err)
		}
		if _, err := s.Put(ctx, key(store.KindUser, "111111111111", "kept"), []byte(`{}`), 0); err != nil {
			t.Fatal(err)
		}
		if reopen == nil {
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			return
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s2, err := reopen()
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		defer s2.Close()
		if v2, _ := s2.SchemaVersion(ctx); v2 != v {
			t.Fatalf("schema version %d after reopen, was %d", v2, v)
		}
		if _, err := s2.Get(ctx, key(store.KindUser, "111111111111", "kept")); err != nil {
			t.Fatalf("data lost on reopen: %v", err)
		}
	})
}

func key(k store.Kind, account, name string) store.Key {
	return store.Key{Kind: k, Account: account, Name: name}
}

// mustPut writes an item a test builds on; a failed write fails the test.
func mustPut(t testing.TB, s store.Store, k store.Key, data []byte, expect int64) {
	t.Helper()
	if _, err := s.Put(context.Background(), k, data, expect); err != nil {
		t.Fatalf("put %v: %v", k, err)
	}
}

// mustDelete deletes an item a test builds on; a failed delete fails the test.
func mustDelete(t testing.TB, s store.Store, k store.Key, expect int64) {
	t.Helper()
	if err := s.Delete(context.Background(), k, expect); err != nil {
		t.Fatalf("delete %v: %v", k, err)
	}
}

func testCreateGetUpdate(t *testing.T, s store.Store) {
	ctx := context.Background()
	k := key(store.KindRole, "111111111111", "app")
	if _, err := s.Get(ctx, k); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get missing: %v", err)
	}
	it, err := s.Put(ctx, k, []byte(`{"name":"app"}`), 0)
	if err != nil || it.Revision != 1 {
		t.Fatalf("create: %+v %v", it, err)
	}
	got, err := s.Get(ctx, k)
	if err != nil || string(got.Data) != `{"name":"app"}` || got.Revision != 1 || got.Updated.IsZero() {
		t.Fatalf("get: %+v %v", got, err)
	}
	it, err = s.Put(ctx, k, []byte(`{"name":"app","v":2}`), 1)
	if err != nil || it.Revision != 2 {
		t.Fatalf("update: %+v %v", it, err)
	}
	it, err = s.Put(ctx, k, []byte(`{"v":3}`), store.Any)
	if err != nil || it.Revision != 3 {
		t.Fatalf("update any: %+v %v", it, err)
	}
	it, err = s.Put(ctx, key(store.KindRole, "111111111111", "new"), []byte(`{}`), store.Any)
	if err != nil || it.Revision != 1 {
		t.Fatalf("create any: %+v %v", it, err)
	}
	if _, err := s.Put(ctx, store.Key{Kind: store.KindRole}, []byte(`{}`), 0); err == nil {
		t.Fatal("an item without a name was stored")
	}
}

func testConflicts(t *testing.T, s store.Store) {
	ctx := context.Background()
	k := key(store.KindUser, "111111111111", "alice")
	if _, err := s.Put(ctx, k, []byte(`{}`), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, k, []byte(`{}`), 0); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("create existing: %v", err)
	}
	if _, err := s.Put(ctx, k, []byte(`{}`), 7); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("stale revision: %v", err)
	}
	if _, err := s.Put(ctx, key(store.KindUser, "111111111111", "nobody"), []byte(`{}`), 3); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("update missing: %v", err)
	}
	// The same name in another kind or account is another item.
	if _, err := s.Put(ctx, key(store.KindRole, "111111111111", "alice"), []byte(`{}`), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, key(store.KindUser, "222222222222", "alice"), []byte(`{}`), 0); err != nil {
		t.Fatal(err)
	}
}

func testDelete(t *testing.T, s store.Store) {
	ctx := context.Background()
	k := key(store.KindPolicy, "111111111111", "p")
	if err := s.Delete(ctx, k, store.Any); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete missing: %v", err)
	}
	mustPut(t, s, k, []byte(`{}`), 0)
	if err := s.Delete(ctx, k, 5); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("delete stale: %v", err)
	}
	if err := s.Delete(ctx, k, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, k); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	// Re-creating starts again at revision 1.
	if it, err := s.Put(ctx, k, []byte(`{}`), 0); err != nil || it.Revision != 1 {
		t.Fatalf("re-create: %+v %v", it, err)
	}
}

func testList(t *testing.T, s store.Store) {
	ctx := context.Background()
	for _, a := range []string{"222222222222", "111111111111"} {
		for i := 9; i >= 0; i-- {
			if _, err := s.Put(ctx, key(store.KindUser, a, fmt.Sprintf("u%02d", i)), []byte(`{}`), 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	mustPut(t, s, key(store.KindRole, "111111111111", "r"), []byte(`{}`), 0)
	all, next, err := s.List(ctx, store.KindUser, "", "", 0)
	if err != nil || len(all) != 20 || next != "" {
		t.Fatalf("list all: %d %q %v", len(all), next, err)
	}
	if all[0].Account != "111111111111" || all[0].Name != "u00" || all[19].Account != "222222222222" || all[19].Name != "u09" {
		t.Fatalf("order: %v ... %v", all[0].Key, all[19].Key)
	}
	var paged []store.Item
	cursor := ""
	for i := 0; ; i++ {
		page, n, err := s.List(ctx, store.KindUser, "", cursor, 7)
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, page...)
		if n == "" {
			break
		}
		if len(page) != 7 || i > 5 {
			t.Fatalf("page %d has %d items", i, len(page))
		}
		cursor = n
	}
	if len(paged) != 20 {
		t.Fatalf("paged %d items", len(paged))
	}
	for i := range paged {
		if paged[i].Key != all[i].Key {
			t.Fatalf("page order differs at %d", i)
		}
	}
	one, _, _ := s.List(ctx, store.KindUser, "222222222222", "", 0)
	if len(one) != 10 {
		t.Fatalf("one account: %d", len(one))
	}
	if none, next, err := s.List(ctx, store.KindGroup, "", "", 5); err != nil || len(none) != 0 || next != "" {
		t.Fatalf("empty kind: %v %q %v", none, next, err)
	}
}

func testRollback(t *testing.T, s store.Store) {
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Put(ctx, key(store.KindUser, "111111111111", "a"), []byte(`{}`), 0); err != nil {
			return err
		}
		if _, err := tx.Get(ctx, key(store.KindUser, "111111111111", "a")); err != nil {
			return fmt.Errorf("a write is visible inside its transaction: %w", err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v", err)
	}
	if _, err := s.Get(ctx, key(store.KindUser, "111111111111", "a")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("rolled back write is visible: %v", err)
	}
}

func testCommit(t *testing.T, s store.Store) {
	ctx := context.Background()
	err := s.Update(ctx, func(tx store.Tx) error {
		for _, n := range []string{"a", "b", "c"} {
			if _, err := tx.Put(ctx, key(store.KindGroup, "111111111111", n), []byte(`{}`), 0); err != nil {
				return err
			}
		}
		return tx.Delete(ctx, key(store.KindGroup, "111111111111", "b"), 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	items, _, _ := s.List(ctx, store.KindGroup, "111111111111", "", 0)
	if len(items) != 2 {
		t.Fatalf("%d groups", len(items))
	}
}

func testConcurrent(t *testing.T, s store.Store) {
	ctx := context.Background()
	k := key(store.KindRole, "111111111111", "contended")
	if _, err := s.Put(ctx, k, []byte(`{}`), 0); err != nil {
		t.Fatal(err)
	}
	const writers = 8
	var wg sync.WaitGroup
	results := make(chan error, writers)
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := s.Put(ctx, k, []byte(fmt.Sprintf(`{"writer":%d}`, i)), 1)
			results <- err
		}(i)
	}
	wg.Wait()
	close(results)
	ok, conflicts := 0, 0
	for err := range results {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, store.ErrConflict):
			conflicts++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 || conflicts != writers-1 {
		t.Fatalf("%d writers won, %d conflicted; want exactly one winner", ok, conflicts)
	}
	if it, _ := s.Get(ctx, k); it.Revision != 2 {
		t.Fatalf("revision %d", it.Revision)
	}
}

func testDeleteAccount(t *testing.T, s store.Store) {
	ctx := context.Background()
	for _, a := range []string{"111111111111", "222222222222"} {
		mustPut(t, s, key(store.KindAccount, "", a), []byte(`{}`), 0)
		mustPut(t, s, key(store.KindUser, a, "u"), []byte(`{}`), 0)
		mustPut(t, s, key(store.KindRole, a, "r"), []byte(`{}`), 0)
	}
	if err := s.DeleteAccount(ctx, "111111111111"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, key(store.KindUser, "111111111111", "u")); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("user of the deleted account remains")
	}
	if _, err := s.Get(ctx, key(store.KindAccount, "", "111111111111")); !errors.Is(err, store.ErrNotFound) {
		t.Fatal("the account item remains")
	}
	if _, err := s.Get(ctx, key(store.KindUser, "222222222222", "u")); err != nil {
		t.Fatal("another account's user was deleted")
	}
}

func testBinary(t *testing.T, s store.Store) {
	ctx := context.Background()
	data := []byte("{\"x\":\"\\u0000 é 😀 '; DROP TABLE items; --\"}")
	k := key(store.KindResource, "111111111111", "arn:aws:s3:::bucket/key with spaces/é")
	if _, err := s.Put(ctx, k, data, 0); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, k)
	if err != nil || string(got.Data) != string(data) {
		t.Fatalf("got %q %v", got.Data, err)
	}
}

// testWorldRoundTrip saves each example world, loads it back, and runs its
// access tests against the loaded world: every decision must be the same.
func testWorldRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	_, file, _, _ := runtime.Caller(0)
	examples, _ := filepath.Glob(filepath.Join(filepath.Dir(file), "..", "..", "examples", "*", "world.yaml"))
	if len(examples) < 5 {
		t.Fatalf("found %d example worlds", len(examples))
	}
	for _, path := range examples {
		w, err := world.LoadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.SaveWorld(ctx, s, w); err != nil {
			t.Fatalf("%s: save: %v", path, err)
		}
		loaded, err := store.LoadWorld(ctx, s)
		if err != nil {
			t.Fatalf("%s: load: %v", path, err)
		}
		tf, err := accesstest.LoadFile(filepath.Join(filepath.Dir(path), "tests.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range accesstest.Run(loaded, tf, accesstest.Options{}) {
			if !r.Passed || r.Err != nil {
				t.Errorf("%s: after a round trip through the store, %q got %s (%v)", path, r.Test.Name, r.Got, r.Err)
			}
		}
	}
}
