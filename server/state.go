package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/world"
)

// State is the server's world: the file form and the compiled world, both
// immutable snapshots swapped together after each change, so requests read
// without locks. Changes are serialized, stored in one transaction, and only
// then made visible.
type State struct {
	st   store.Store
	keys *Keys
	mu   sync.Mutex // serializes changes
	cur  atomic.Pointer[snapshot]
	// observe times store writes (metrics); it may be a no-op.
	observe func(op string, d time.Duration)
}

// update runs a change in one transaction, with the audit entry of the
// call that makes it (when the call is audited), so that no change goes
// unrecorded.
func (s *State) update(ctx context.Context, op string, fn func(store.Tx) error) error {
	start := time.Now()
	rec := recordFrom(ctx)
	err := s.st.Update(ctx, func(tx store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if rec == nil {
			return nil
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		if rec.recorded {
			return nil
		}
		e := rec.entry
		e.Outcome = "OK"
		return audit.Put(ctx, tx, &e)
	})
	if err == nil && rec != nil {
		rec.mu.Lock()
		if !rec.recorded {
			rec.recorded = true
			rec.entry.Outcome = "OK"
		}
		rec.mu.Unlock()
	}
	if s.observe != nil {
		s.observe(op, time.Since(start))
	}
	return err
}

type snapshot struct {
	file  *world.FileWorld
	world *world.World
}

var _ api.State = (*State)(nil)

// LoadState reads the world from the store.
func LoadState(ctx context.Context, st store.Store, keys *Keys) (*State, error) {
	fw, err := store.LoadFile(ctx, st)
	if err != nil {
		return nil, err
	}
	w, err := world.Build("store", fw)
	if err != nil {
		return nil, fmt.Errorf("the stored world does not build: %w", err)
	}
	s := &State{st: st, keys: keys}
	s.cur.Store(&snapshot{file: fw, world: w})
	return s, nil
}

// World is the current compiled world.
func (s *State) World() *world.World { return s.cur.Load().world }

// File is the current world in file form.
func (s *State) File() *world.FileWorld { return s.cur.Load().file }

// KindJob holds asynchronous jobs' parameters: Account "" and Name the
// job ID.
const KindJob store.Kind = "job"

// AuditLog reads the audit log.
func (s *State) AuditLog(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	entries, _, err := audit.Query(ctx, s.st, f)
	return entries, err
}

// SaveJob stores a job's parameters.
func (s *State) SaveJob(ctx context.Context, id string, data []byte) error {
	_, err := s.st.Put(ctx, store.Key{Kind: KindJob, Name: id}, data, 0)
	return err
}

// LoadJob reads a job's parameters.
func (s *State) LoadJob(ctx context.Context, id string) ([]byte, bool, error) {
	it, err := s.st.Get(ctx, store.Key{Kind: KindJob, Name: id})
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return it.Data, true, nil
}

// Keys is the credential keeper.
func (s *State) Keys() api.Keys { return s.keys }

// UpdateAccount changes one account: fn edits a private copy; the new world
// is built, stored and then published. Nothing changes when fn, the build or
// the store fails.
func (s *State) UpdateAccount(ctx context.Context, account string, fn func(a *world.FileAccount) *query.Error) *query.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := s.cur.Load()
	idx := -1
	for i := range snap.file.Accounts {
		if snap.file.Accounts[i].ID == account {
			idx = i
			break
		}
	}
	var acct, before world.FileAccount
	if idx >= 0 {
		data, err := json.Marshal(snap.file.Accounts[idx])
		if err != nil {
			return query.Errorf("ServiceFailure", "copying account %s: %v", account, err)
		}
		if err := json.Unmarshal(data, &acct); err != nil {
			return query.Errorf("ServiceFailure", "copying account %s: %v", account, err)
		}
		before = snap.file.Accounts[idx]
	} else {
		acct = world.FileAccount{ID: account}
	}
	if e := fn(&acct); e != nil {
		return e
	}
	next := &world.FileWorld{Organization: snap.file.Organization, Accounts: make([]world.FileAccount, len(snap.file.Accounts), len(snap.file.Accounts)+1)}
	copy(next.Accounts, snap.file.Accounts)
	if idx >= 0 {
		next.Accounts[idx] = acct
	} else {
		next.Accounts = append(next.Accounts, acct)
	}
	w, err := world.Build("api", next)
	if err != nil {
		return query.Errorf("InvalidInput", "the change would leave the account inconsistent: %v", err)
	}
	save := func(tx store.Tx) error {
		if idx < 0 {
			return store.SaveAccount(ctx, tx, acct)
		}
		return store.UpdateAccount(ctx, tx, before, acct)
	}
	if err := s.update(ctx, "update_account", save); err != nil {
		return query.Errorf("ServiceFailure", "the change could not be stored: %v", err)
	}
	s.cur.Store(&snapshot{file: next, world: w})
	return nil
}

// UpdateWorld changes the organization and any accounts: fn edits a
// private copy of the whole world; the organization and every account that
// changed are stored in one transaction, then published.
func (s *State) UpdateWorld(ctx context.Context, fn func(fw *world.FileWorld) *query.Error) *query.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	snap := s.cur.Load()
	data, err := json.Marshal(snap.file)
	if err != nil {
		return query.Errorf("ServiceFailure", "copying the world: %v", err)
	}
	var next world.FileWorld
	if err := json.Unmarshal(data, &next); err != nil {
		return query.Errorf("ServiceFailure", "copying the world: %v", err)
	}
	if e := fn(&next); e != nil {
		return e
	}
	w, err := world.Build("api", &next)
	if err != nil {
		return query.Errorf("InvalidInput", "the change would leave the world inconsistent: %v", err)
	}
	before := map[string]world.FileAccount{}
	for _, a := range snap.file.Accounts {
		before[a.ID] = a
	}
	save := func(tx store.Tx) error {
		if next.Organization != nil {
			if err := store.SaveOrganization(ctx, tx, next.Organization); err != nil {
				return err
			}
		}
		for _, a := range next.Accounts {
			old, ok := before[a.ID]
			delete(before, a.ID)
			if !ok {
				if err := store.SaveAccount(ctx, tx, a); err != nil {
					return err
				}
				continue
			}
			if err := store.UpdateAccount(ctx, tx, old, a); err != nil {
				return err
			}
		}
		for id := range before {
			if err := tx.DeleteAccount(ctx, id); err != nil {
				return err
			}
		}
		return nil
	}
	if err := s.update(ctx, "update_world", save); err != nil {
		return query.Errorf("ServiceFailure", "the change could not be stored: %v", err)
	}
	s.cur.Store(&snapshot{file: &next, world: w})
	return nil
}

// now is the server's clock, to the second as AWS reports times.
func now() time.Time { return time.Now().UTC() }
