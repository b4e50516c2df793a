package server

import (
	"container/list"
	"crypto/sha256"
	"sync"
	"sync/atomic"

	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/world"
)

// sessionCache keeps the sessions that recently made requests, so that a
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
type sessionCache struct {
	mu      sync.Mutex
	max     int
	entries map[[32]byte]*list.Element
	order   list.List // of *sessionEntry, most recent first
}

type sessionEntry struct {
	key      [32]byte
	tok      token
	policies []*engine.Policy
	// bad: the token opened but its session policies do not compile.
	bad    bool
	caller atomic.Pointer[callerFor]
}

// callerFor is a session's caller as built for one world.
type callerFor struct {
	world  *world.World
	caller *world.Caller
}

// maxSessions bounds the session cache.
const maxSessions = 10000

func newSessionCache(max int) *sessionCache {
	return &sessionCache{max: max, entries: map[[32]byte]*list.Element{}}
}

// get returns the entry of a sealed token, opening it (and compiling its
// policies) on a miss.
func (c *sessionCache) get(tok string, open func(string) (token, error)) (*sessionEntry, error) {
	key := sha256.Sum256([]byte(tok))
	c.mu.Lock()
	if el, ok := c.entries[key]; ok {
		c.order.MoveToFront(el)
		c.mu.Unlock()
		return el.Value.(*sessionEntry), nil
	}
	c.mu.Unlock()
	t, err := open(tok)
	if err != nil {
		return nil, err // not kept: a bad token costs its opening each time
	}
	e := &sessionEntry{key: key, tok: t}
	for _, doc := range t.Policies {
		p, err := world.SessionPolicy(doc)
		if err != nil {
			e.bad = true
			break
		}
		e.policies = append(e.policies, p)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*sessionEntry), nil
	}
	c.entries[key] = c.order.PushFront(e)
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.entries, last.Value.(*sessionEntry).key)
	}
	return e, nil
}
