package storetest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/iamgate/iamgate/store"
)

// The change feed and conditional writes: what lets several servers share
// one store without losing a write or missing a change.

func testFeedRecordsEveryChange(t *testing.T, s store.Store) {
	ctx := context.Background()
	h0, err := head(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	a := "111111111111"
	mustPut(t, s, key(store.KindAccount, "", a), []byte(`{}`), 0)
	mustPut(t, s, key(store.KindUser, a, "alice"), []byte(`{}`), 0)
	mustPut(t, s, key(store.KindUser, a, "alice"), []byte(`{"v":2}`), 1)
	mustDelete(t, s, key(store.KindUser, a, "alice"), store.Any)
	boom := errors.New("boom")
	if err := s.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Put(ctx, key(store.KindRole, a, "rolled-back"), []byte(`{}`), 0); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	err = s.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Put(ctx, key(store.KindRole, a, "r1"), []byte(`{}`), 0); err != nil {
			return err
		}
		_, err := tx.Put(ctx, key(store.KindRole, a, "r2"), []byte(`{}`), 0)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	changes, _, err := s.Changes(ctx, h0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	last := int64(0)
	for _, c := range changes {
		if c.Seq <= h0 || c.Seq < last {
			t.Fatalf("change %+v out of order (after %d, last %d)", c, h0, last)
		}
		last = c.Seq
		got = append(got, fmt.Sprintf("%s/%s/%v", c.Key.Kind, c.Key.Name, c.Deleted))
	}
	want := []string{"account/111111111111/false", "user/alice/false", "user/alice/false", "user/alice/true", "role/r1/false", "role/r2/false"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("changes %v, want %v", got, want)
	}
	if changes[4].Seq != changes[5].Seq {
		t.Fatal("one transaction's changes have different sequence numbers")
	}
	h1, _ := head(ctx, s)
	if h1 != changes[5].Seq {
		t.Fatalf("head %d, last change %d", h1, changes[5].Seq)
	}
	// A page never splits a transaction.
	page, _, err := s.Changes(ctx, changes[3].Seq, 1)
	if err != nil || len(page) != 2 {
		t.Fatalf("a one-change page of a two-change transaction: %+v %v", page, err)
	}
	if rest, hd, err := s.Changes(ctx, h1, 0); err != nil || len(rest) != 0 || hd != h1 {
		t.Fatalf("changes after the head: %+v %v", rest, err)
	}
	// DeleteAccount records each item it removes.
	h2, _ := head(ctx, s)
	if err := s.DeleteAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	del, _, _ := s.Changes(ctx, h2, 0)
	if len(del) != 3 {
		t.Fatalf("DeleteAccount recorded %+v", del)
	}
	for _, c := range del {
		if !c.Deleted {
			t.Fatalf("DeleteAccount recorded a write: %+v", c)
		}
	}
}

func testAccountSeq(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, b := "111111111111", "222222222222"
	mustPut(t, s, key(store.KindAccount, "", a), []byte(`{}`), 0)
	sa := accountSeq(t, s, a)
	if sa == 0 {
		t.Fatal("an account's own item does not move its sequence number")
	}
	mustPut(t, s, key(store.KindUser, b, "u"), []byte(`{}`), 0)
	if accountSeq(t, s, a) != sa {
		t.Fatal("a write to another account moved this account's sequence number")
	}
	mustPut(t, s, key(store.KindUser, a, "u"), []byte(`{}`), 0)
	if n := accountSeq(t, s, a); n <= sa {
		t.Fatalf("a write to the account left its sequence number at %d", n)
	}
	mustPut(t, s, key(store.KindOrganization, "", "organization"), []byte(`{}`), 0)
	if accountSeq(t, s, "") == 0 {
		t.Fatal("an organization-wide item does not move the organization's sequence number")
	}
	var seqs map[string]int64
	if err := s.View(ctx, func(v store.Snapshot) error {
		var err error
		seqs, err = v.AccountSeqs(ctx)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(seqs) != 3 || seqs[a] != accountSeq(t, s, a) {
		t.Fatalf("AccountSeqs %v", seqs)
	}
	// Other kinds (access keys, audit entries) move no account's number.
	org := accountSeq(t, s, "")
	mustPut(t, s, key("accesskey", "", "AKIAEXAMPLE"), []byte(`{}`), 0)
	mustPut(t, s, key("audit", "", "0001"), []byte(`{}`), 0)
	if accountSeq(t, s, "") != org {
		t.Fatal("a write of another kind moved the organization's sequence number")
	}
}

// testConditionalWritesLoseNothing: writers that each read a counter in a
// View and then commit an increment conditional on the account's sequence
// number never lose an increment; each conflict is retried.
func testConditionalWritesLoseNothing(t *testing.T, s store.Store) {
	conditionalWritesLoseNothing(t, []store.Store{s})
}

// testConditionalWritesLoseNothingAcrossHandles: the same, with the
// writers split over two handles on one database (two servers).
func testConditionalWritesLoseNothingAcrossHandles(t *testing.T, s store.Store, reopen func() (store.Store, error)) {
	other, err := reopen()
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conditionalWritesLoseNothing(t, []store.Store{s, other})
}

func conditionalWritesLoseNothing(t *testing.T, handles []store.Store) {
	ctx := context.Background()
	s := handles[0]
	a := "111111111111"
	k := key(store.KindUser, a, "counter")
	if _, err := s.Put(ctx, k, []byte("0"), 0); err != nil {
		t.Fatal(err)
	}
	const writers, each = 6, 15
	var wg sync.WaitGroup
	var mu sync.Mutex
	conflicts := 0
	for w := 0; w < writers; w++ {
		s := handles[w%len(handles)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				for {
					var n int
					var seen int64
					if err := s.View(ctx, func(v store.Snapshot) error {
						it, err := v.Get(ctx, k)
						if err != nil {
							return err
						}
						n, _ = strconv.Atoi(string(it.Data))
						seen, err = v.AccountSeq(ctx, a)
						return err
					}); err != nil {
						t.Error(err)
						return
					}
					err := s.Update(ctx, func(tx store.Tx) error {
						cur, err := tx.AccountSeq(ctx, a)
						if err != nil {
							return err
						}
						if cur != seen {
							return store.ErrConflict
						}
						_, err = tx.Put(ctx, k, []byte(strconv.Itoa(n+1)), store.Any)
						return err
					})
					if errors.Is(err, store.ErrConflict) {
						mu.Lock()
						conflicts++
						mu.Unlock()
						continue
					}
					if err != nil {
						t.Error(err)
						return
					}
					break
				}
			}
		}()
	}
	wg.Wait()
	it, err := s.Get(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if string(it.Data) != strconv.Itoa(writers*each) {
		t.Fatalf("counter %s after %d acknowledged increments (%d conflicts retried): writes were lost", it.Data, writers*each, conflicts)
	}
}

// testViewIsConsistent: a View does not see a commit made after it began.
func testViewIsConsistent(t *testing.T, s store.Store) {
	ctx := context.Background()
	k := key(store.KindUser, "111111111111", "u")
	mustPut(t, s, k, []byte(`1`), 0)
	err := s.View(ctx, func(v store.Snapshot) error {
		h, err := v.Head(ctx)
		if err != nil {
			return err
		}
		if it, err := v.Get(ctx, k); err != nil || string(it.Data) != "1" {
			return fmt.Errorf("first read %q %v", it.Data, err)
		}
		if _, err := s.Put(ctx, k, []byte(`2`), store.Any); err != nil {
			return err
		}
		if it, err := v.Get(ctx, k); err != nil || string(it.Data) != "1" {
			return fmt.Errorf("a View saw a later commit: %q %v", it.Data, err)
		}
		if h2, _ := v.Head(ctx); h2 != h {
			return fmt.Errorf("a View's head moved from %d to %d", h, h2)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testWait(t *testing.T, s store.Store) {
	ctx := context.Background()
	h, _ := head(ctx, s)
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		done <- s.Wait(ctx, h)
	}()
	if _, err := s.Put(ctx, key(store.KindUser, "111111111111", "w"), []byte(`{}`), 0); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Wait after a commit: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	h, _ = head(ctx, s)
	if err := s.Wait(cctx, h); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait with a cancelled context: %v", err)
	}
}

// testFollowsAnotherHandle: a second handle on the same database (another
// server) is woken by the first one's commit and reads it from the feed.
func testFollowsAnotherHandle(t *testing.T, s store.Store, reopen func() (store.Store, error)) {
	ctx := context.Background()
	other, err := reopen()
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	h, err := head(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		done <- other.Wait(ctx, h)
	}()
	if _, err := s.Put(ctx, key(store.KindUser, "111111111111", "from-the-first"), []byte(`{}`), 0); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the other handle was not woken: %v", err)
	}
	changes, _, err := other.Changes(ctx, h, 0)
	if err != nil || len(changes) != 1 || changes[0].Key.Name != "from-the-first" {
		t.Fatalf("the other handle's feed: %+v %v", changes, err)
	}
}

func head(ctx context.Context, s store.Store) (h int64, err error) {
	err = s.View(ctx, func(v store.Snapshot) error {
		h, err = v.Head(ctx)
		return err
	})
	return h, err
}

func accountSeq(t *testing.T, s store.Store, account string) int64 {
	t.Helper()
	var n int64
	err := s.View(context.Background(), func(v store.Snapshot) error {
		var err error
		n, err = v.AccountSeq(context.Background(), account)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// testFeedRecordsEveryKind: changes to items that are not part of the
// world (access keys, audit entries) are in the feed too, so that servers
// following it drop a changed key from their caches.
func testFeedRecordsEveryKind(t *testing.T, s store.Store) {
	ctx := context.Background()
	h, err := head(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	k := key("accesskey", "", "AKIAEXAMPLE")
	mustPut(t, s, k, []byte(`{"status":"Active"}`), 0)
	mustPut(t, s, k, []byte(`{"status":"Inactive"}`), 1)
	mustDelete(t, s, k, store.Any)
	changes, _, err := s.Changes(ctx, h, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range changes {
		got = append(got, fmt.Sprintf("%s/%s/%v", c.Key.Kind, c.Key.Name, c.Deleted))
	}
	want := []string{"accesskey/AKIAEXAMPLE/false", "accesskey/AKIAEXAMPLE/false", "accesskey/AKIAEXAMPLE/true"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("changes %v, want %v", got, want)
	}
}
