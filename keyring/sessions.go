package keyring

import (
	"container/list"
	"crypto/sha256"
	"sync"
	"sync/atomic"

	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/world"
)

// SessionCache keeps the sessions that recently made requests, so that a
// request with a session token neither opens the token nor compiles its
// session policies again: it is keyed by the SHA-256 of the sealed token
// (which the AEAD authenticates, so one key is one token's content), holds
// at most max entries and drops the least recently used.
//
// An entry holds only what the token says (its content and its compiled
// session policies), which never changes; the caller built from it is
// kept for one World and rebuilt when another is published, so a role
// deleted or changed in a new state is seen at once. Expiry is checked on
// each request against the token's content.
type SessionCache struct {
	mu      sync.Mutex
	max     int
	entries map[[32]byte]*list.Element
	order   list.List // of *SessionEntry, most recent first
}

// SessionEntry is a session token as the cache keeps it.
type SessionEntry struct {
	key [32]byte
	// Token is what the token says.
	Token Token
	// Policies are its session policies, compiled.
	Policies []*engine.Policy
	// Bad: the token opened but its session policies do not compile.
	Bad    bool
	caller atomic.Pointer[callerFor]
}

// Caller is the session's caller kept for w (KeepCaller), or nil.
func (e *SessionEntry) Caller(w *world.World) *world.Caller {
	if cf := e.caller.Load(); cf != nil && cf.world == w {
		return cf.caller
	}
	return nil
}

// KeepCaller keeps the session's caller as built for w, until another
// world is asked for.
func (e *SessionEntry) KeepCaller(w *world.World, c *world.Caller) {
	e.caller.Store(&callerFor{world: w, caller: c})
}

// callerFor is a session's caller as built for one world.
type callerFor struct {
	world  *world.World
	caller *world.Caller
}

// MaxSessions is a good bound of the session cache.
const MaxSessions = 10000

// NewSessionCache returns a cache of at most max sessions.
func NewSessionCache(max int) *SessionCache {
	return &SessionCache{max: max, entries: map[[32]byte]*list.Element{}}
}

// Get returns the entry of a sealed token, opening it with open (such as
// Keys.OpenSession) and compiling its policies on a miss.
func (c *SessionCache) Get(tok string, open func(string) (Token, error)) (*SessionEntry, error) {
	key := sha256.Sum256([]byte(tok))
	c.mu.Lock()
	if el, ok := c.entries[key]; ok {
		c.order.MoveToFront(el)
		c.mu.Unlock()
		return el.Value.(*SessionEntry), nil
	}
	c.mu.Unlock()
	t, err := open(tok)
	if err != nil {
		return nil, err // not kept: a bad token costs its opening each time
	}
	e := &SessionEntry{key: key, Token: t}
	for _, doc := range t.Policies {
		p, err := world.SessionPolicy(doc)
		if err != nil {
			e.Bad = true
			break
		}
		e.Policies = append(e.Policies, p)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*SessionEntry), nil
	}
	c.entries[key] = c.order.PushFront(e)
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.entries, last.Value.(*SessionEntry).key)
	}
	return e, nil
}
