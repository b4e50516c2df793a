package store_test

import (
	"context"
	"encoding/json"
	"path/filepath"
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
