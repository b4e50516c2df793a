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
	// ErrTruncated: the change history no longer reaches back to the
	// sequence number asked for; read the state again from a View.
	ErrTruncated = errors.New("store: the change history no longer reaches back that far")
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

// Versions are the sequence numbers that say how current a reader's
// copy of the store is. Every committed write transaction gets the next
// sequence number; an account's sequence number is that of the last
// transaction that changed one of its world items (its KindAccount item,
// users, groups, roles, policies and resources; "" stands for the
// organization). Other kinds move no account's sequence number.
type Versions interface {
	// Head is the sequence number of the last committed write (0 for none).
	Head(ctx context.Context) (int64, error)
	// AccountSeq is an account's sequence number (0 if never changed).
	AccountSeq(ctx context.Context, account string) (int64, error)
	// AccountSeqs is every account's sequence number.
	AccountSeqs(ctx context.Context) (map[string]int64, error)
}

// Tx is what a write transaction sees. Write transactions are serialized:
// what a Tx reads is the latest committed state, and nothing else commits
// between its reads and its commit, so a change made conditional on the
// Versions it reads never overwrites a change it did not see.
type Tx interface {
	Reader
	Writer
	Versions
	AuditWriter
	// Seq is the transaction's sequence number: the Head once it commits.
	Seq() int64
}

// Snapshot is a consistent, read-only view of the store.
type Snapshot interface {
	Reader
	Versions
}

// Change is one item written or deleted by a committed transaction.
type Change struct {
	Seq     int64
	Key     Key
	Deleted bool
}

// Feed is the store's history of changes, which lets every server that
// shares a store follow what the others write.
type Feed interface {
	// Changes returns up to limit changes (limit <= 0: all) of the
	// transactions after seq, in sequence order, and the head of the
	// snapshot it read them from; a transaction's changes are never split
	// across calls. When fewer than limit changes come back, every
	// transaction up to head has been read (some write nothing).
	// ErrTruncated when the history kept no longer reaches back to seq.
	Changes(ctx context.Context, after int64, limit int) (changes []Change, head int64, err error)
	// Wait returns once the Head is past seq, or with ctx's error.
	Wait(ctx context.Context, after int64) error
}

// Store is iamgate's state.
type Store interface {
	Reader
	Writer
	Feed
	AuditLog
	// Update runs fn in one write transaction: all its writes happen, or
	// none (when fn returns an error, which Update returns).
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn on a consistent snapshot of the store.
	View(ctx context.Context, fn func(Snapshot) error) error
	// SchemaVersion is the highest migration applied.
	SchemaVersion(ctx context.Context) (int, error)
	Close() error
}

// AuditRecord is one entry of the audit log as the store keeps it: the
// fields queries select on, and the entry itself.
type AuditRecord struct {
	// Seq is the record's place in the log, set by AppendAudit: records
	// are numbered in the order they commit, so a reader that has read
	// every record up to an AuditHead has missed none before it.
	Seq       int64
	Time      time.Time
	Account   string // the caller's account
	Caller    string // the caller's principal ARN
	Service   string
	Operation string
	Region    string
	// Attempted are the actions the call asked authorization for on the
	// caller's behalf, allowed or denied: each is noted as the caller's
	// last access to it (see LastAccess), as IAM's last accessed data
	// "includes all attempts to access an AWS API, not just the successful
	// ones" (the IAM API Reference, GenerateServiceLastAccessedDetails).
	Attempted []string
	Data      []byte // the entry, as JSON
}

// AuditOrder is the order of an audit query.
type AuditOrder int

const (
	// ByTime orders records by Time, then Seq; After is a (Time, Seq)
	// cursor.
	ByTime AuditOrder = iota
	// BySeq orders records by Seq (commit order); After.Seq is the cursor,
	// and the way to follow the log.
	BySeq
)

// AuditPos is a position in an audit query's order.
type AuditPos struct {
	Time time.Time
	Seq  int64
}

// AuditQuery selects audit records. Every filter that is set must match.
type AuditQuery struct {
	Account string
	// Caller is a principal ARN. An IAM role's ARN matches its sessions
	// (arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/*), and so does the
	// session ARN without its session name; any other ARN matches itself.
	Caller string
	// Service and Operation match the call's (such as "iam", "CreateRole").
	Service, Operation string
	Since              time.Time // inclusive
	Until              time.Time // exclusive
	// UpTo, when not 0, keeps only the records with Seq <= UpTo.
	UpTo  int64
	Order AuditOrder
	// After, when not zero, is where the previous page ended.
	After AuditPos
	Limit int // <= 0: all
	// DataOnly: the records carry Seq, Time and Data, the other fields
	// left empty (not read), for a reader that decodes every entry anyway.
	DataOnly bool
}

// LastAccess is when an IAM user or role was last allowed an action.
type LastAccess struct {
	// Entity is the user or role ARN as it was asked for; a role's
	// accesses are those of its sessions.
	Entity    string
	Action    string // service:Action
	Region    string
	Time      time.Time
	Principal string // who called: the user, or the role's session
}

// AuditWriter appends to the audit log.
type AuditWriter interface {
	// AppendAudit stores records, setting each one's Seq, and notes each
	// of their Attempted actions as its caller's last access (unless a later
	// access is already noted). Records are never rewritten.
	AppendAudit(ctx context.Context, recs []AuditRecord) error
}

// AuditReader reads the audit log.
type AuditReader interface {
	// AuditHead is the Seq of the last record appended (0 for none):
	// every record up to it is committed.
	AuditHead(ctx context.Context) (int64, error)
	// QueryAudit lists the records that match q, in q's order.
	QueryAudit(ctx context.Context, q AuditQuery) ([]AuditRecord, error)
	// LastAccessed lists the last accesses of users and roles (by ARN), in
	// no particular order.
	LastAccessed(ctx context.Context, entities []string) ([]LastAccess, error)
}

// AuditLog is the store's audit log: records numbered in commit order,
// indexed for queries, and the last-accessed table they keep current.
type AuditLog interface {
	AuditReader
	AuditWriter
	// PruneAudit removes up to limit records older than before (oldest
	// first) and reports how many it removed. The last-accessed table
	// keeps what they noted.
	PruneAudit(ctx context.Context, before time.Time, limit int) (int, error)
}
