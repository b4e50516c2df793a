package store

import (
	"context"
	"errors"
	"time"
)

// Sentinel errors.
var (
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: the item changed since it was read (its revision differs),
	// or it already exists when it was expected not to.
	ErrConflict = errors.New("store: conflict")
	// ErrNoStore: a driver's OpenExisting found no store where it looked (no
	// SQLite file, no iamgate schema in the database). It is never created
	// there; only Open creates a store.
	ErrNoStore = errors.New("no store")
)

// Kind is the kind of an item.
type Kind string

// Item kinds.
const (
	KindOrganization Kind = "organization" // one item: Account "", Name "organization"
	KindAccount      Kind = "account"      // Account and Name are the account ID
	KindUser         Kind = "user"
	KindGroup        Kind = "group"
	KindRole         Kind = "role"
	KindPolicy       Kind = "policy"   // customer managed policy
	KindResource     Kind = "resource" // Name is the ARN
)

// Key names an item. Account is "" for organization-wide items.
type Key struct {
	Kind    Kind
	Account string
	Name    string
}

// Item is a stored JSON document.
type Item struct {
	Key
	Data []byte
	// Revision increases with every write; 0 means the item does not exist.
	Revision int64
	Updated  time.Time
}

// Any, as the expected revision, accepts whatever is stored.
const Any int64 = -1

// Reader reads items.
type Reader interface {
	Get(ctx context.Context, k Key) (Item, error)
	// List returns items of a kind, in an account ("" for every account),
	// ordered by account then name, starting after the cursor "after" (an
	// opaque value from an earlier call, "" first). limit <= 0 means all.
	// next is "" when there are no more.
	List(ctx context.Context, kind Kind, account, after string, limit int) (items []Item, next string, err error)
}

// Writer changes items.
type Writer interface {
	// Put stores an item. expect is the revision the caller read: 0 to
	// create (ErrConflict if it exists), the item's current revision to
	// update (ErrConflict otherwise), or Any.
	Put(ctx context.Context, k Key, data []byte, expect int64) (Item, error)
	// Delete removes an item, with the same rule for expect; ErrNotFound
	// when it does not exist.
	Delete(ctx context.Context, k Key, expect int64) error
	// DeleteAccount removes every item of an account.
	DeleteAccount(ctx context.Context, account string) error
}

// Tx is what a transaction sees.
type Tx interface {
	Reader
	Writer
}

// Store is iamgate's state.
type Store interface {
	Reader
	Writer
	// Update runs fn in one transaction: all its writes happen, or none
	// (when fn returns an error, which Update returns).
	Update(ctx context.Context, fn func(Tx) error) error
	// SchemaVersion is the highest migration applied.
	SchemaVersion(ctx context.Context) (int, error)
	Close() error
}
