package store_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/sqlite"
	"github.com/iamgate/iamgate/world"
)

// UpdateAccount(before, after) leaves the store as SaveAccount(after) does.
func TestUpdateAccountEqualsSave(t *testing.T) {
	ctx := context.Background()
	doc := world.NewPolicyText(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	before := world.FileAccount{ID: "111122223333", Name: "a",
		Users:    []world.FileUser{{Name: "keep"}, {Name: "change"}, {Name: "drop"}},
		Policies: []world.FilePolicy{{Name: "p", Document: doc}}}
	after := world.FileAccount{ID: "111122223333", Name: "renamed",
		Users:    []world.FileUser{{Name: "keep"}, {Name: "change", Path: "/new/"}, {Name: "added"}},
		Roles:    []world.FileRole{{Name: "r", TrustPolicy: doc}},
		Policies: []world.FilePolicy{{Name: "p", Document: doc}}}
	load := func(steps ...func(store.Tx) error) string {
		st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		for _, step := range steps {
			if err := st.Update(ctx, step); err != nil {
				t.Fatal(err)
			}
		}
		fw, err := store.LoadFile(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := json.Marshal(fw)
		return string(out)
	}
	saved := load(func(tx store.Tx) error { return store.SaveAccount(ctx, tx, after) })
	updated := load(func(tx store.Tx) error { return store.SaveAccount(ctx, tx, before) },
		func(tx store.Tx) error { return store.UpdateAccount(ctx, tx, before, after) })
	if saved != updated {
		t.Fatalf("save:   %s\nupdate: %s", saved, updated)
	}
}

// Replaced names what a new version of an account changes or removes, not
// what it adds; a bare account (an ID only) has nothing to replace.
func TestReplaced(t *testing.T) {
	doc := world.NewPolicyText(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	before := world.FileAccount{ID: "111122223333", Users: []world.FileUser{{Name: "keep"}, {Name: "change"}, {Name: "drop"}}}
	after := world.FileAccount{ID: "111122223333", Users: []world.FileUser{{Name: "keep"}, {Name: "change", Path: "/new/"}, {Name: "added"}},
		Roles: []world.FileRole{{Name: "r", TrustPolicy: doc}}}
	got, err := store.Replaced(before, after)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, k := range got {
		names = append(names, string(k.Kind)+"/"+k.Name)
	}
	if strings.Join(names, " ") != "user/change user/drop" {
		t.Fatalf("Replaced: %v", names)
	}
	if got, _ := store.Replaced(world.FileAccount{ID: "111122223333"}, after); len(got) != 0 {
		t.Fatalf("a bare account replaced: %v", got)
	}
	if got, _ := store.Replaced(after, after); len(got) != 0 {
		t.Fatalf("the same account replaced: %v", got)
	}
}

// WriteWorld writes only what changed: the store ends as SaveWorld(after)
// leaves it, and an account that did not change gets no change in the feed.
func TestWriteWorldWritesOnlyWhatChanged(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	before := &world.FileWorld{Organization: &world.FileOrganization{ManagementAccount: "111111111111", Root: world.FileOU{Accounts: []string{"111111111111"}}},
		Accounts: []world.FileAccount{{ID: "111111111111", Users: []world.FileUser{{Name: "a"}}}, {ID: "222222222222", Users: []world.FileUser{{Name: "b"}}},
			{ID: "444444444444"}}}
	w, err := world.Build("t", before)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SaveWorld(ctx, st, w); err != nil {
		t.Fatal(err)
	}
	stored, err := store.LoadFile(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	// The organization goes, 222222222222 changes, 333333333333 comes,
	// 444444444444 goes and 111111111111 stays as it was.
	after := &world.FileWorld{Accounts: []world.FileAccount{stored.Accounts[0], {ID: "222222222222", Users: []world.FileUser{{Name: "b2"}}}, {ID: "333333333333"}}}
	var h int64
	if err := st.View(ctx, func(v store.Snapshot) error { h, err = v.Head(ctx); return err }); err != nil {
		t.Fatal(err)
	}
	if err := st.Update(ctx, func(tx store.Tx) error { return store.WriteWorld(ctx, tx, stored, after) }); err != nil {
		t.Fatal(err)
	}
	changes, _, err := st.Changes(ctx, h, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		if c.Key.Account == "111111111111" || c.Key.Name == "111111111111" {
			t.Errorf("an unchanged account was written: %+v", c)
		}
	}
	got, err := store.LoadFile(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(after)
	if data, _ := json.Marshal(got); string(data) != string(want) {
		t.Fatalf("after WriteWorld:\n%s\nwant\n%s", data, want)
	}
}
