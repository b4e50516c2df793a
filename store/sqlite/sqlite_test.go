package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/sqlite"
	"github.com/iamgate/iamgate/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (store.Store, func() (store.Store, error)) {
		path := filepath.Join(t.TempDir(), "iamgate.db")
		s, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		return s, func() (store.Store, error) { return sqlite.Open(context.Background(), path) }
	})
}

func TestInMemory(t *testing.T) {
	s, err := sqlite.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Put(context.Background(), store.Key{Kind: store.KindUser, Account: "1", Name: "u"}, []byte(`{}`), 0); err != nil {
		t.Fatal(err)
	}
}
