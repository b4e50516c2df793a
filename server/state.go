package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/keyring"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/world"
)

// State is the server's world: the file form and the compiled world, both
// immutable snapshots swapped together, so requests read without locks.
//
// Several servers may share one store. Each follows the store's change
// feed (Follow) and publishes what the others write; each write is
// conditional on the sequence numbers of the accounts it read, so a write
// made on a stale copy is never stored: it is re-applied to the current
// state instead (up to maxAttempts times, then ConcurrentModification).
type State struct {
	st    store.Store
	keys  *keyring.Keys
	creds *Credentials
	fed   *Federation
	// outbound signs outbound web identity tokens (outbound.go).
	outbound *Outbound
	// pub serializes publishing a snapshot; writers to one account are
	// serialized by that account's lock, writers to different accounts
	// run at once.
	pub      sync.Mutex
	cur      atomic.Pointer[snapshot]
	accounts sync.Map // account ID -> *sync.Mutex
	worldMu  sync.Mutex
	// applied is how far the change feed has been read.
	applied atomic.Int64
	// observe times store writes (metrics); it may be a no-op.
	observe func(op string, d time.Duration)
	// onChange, when set, is told of each change the feed brings (tests).
	onChange func(store.Change)
	// wholeAccounts makes UpdateEntities UpdateAccount (tests).
	wholeAccounts bool
	// notify delivers notifications (Config.Notify); nil: none.
	notify func(ctx context.Context, channel string, message []byte) error
}

// maxAttempts bounds how often a write is re-applied after another write
// changed what it read.
const maxAttempts = 8

// errStale: the account changed since the copy a write was made on.
var errStale = errors.New("server: the state changed since it was read")

// update runs a change in one transaction, with the audit entry of the
// call that makes it (when the call is audited), so that no change goes
// unrecorded. It returns the transaction's sequence number.
func (s *State) update(ctx context.Context, op string, fn func(store.Tx) error) (int64, error) {
	start := time.Now()
	rec := recordFrom(ctx)
	var seq int64
	err := s.st.Update(ctx, func(tx store.Tx) error {
		seq = tx.Seq()
		if err := fn(tx); err != nil {
			return err
		}
		if also := alsoFrom(ctx); also != nil {
			if err := also(ctx, tx); err != nil {
				return err
			}
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
	return seq, err
}

// snapshot is one published state: the world, and the sequence number of
// each account ("" for the organization) it holds.
type snapshot struct {
	file  *world.FileWorld
	world *world.World
	seqs  map[string]int64
}

var _ api.State = (*State)(nil)

// LoadState reads the world from the store, from one consistent view. The
// other credentials (Credentials) are sealed under master, as keys' are.
func LoadState(ctx context.Context, st store.Store, keys *keyring.Keys, master keyring.MasterKey) (*State, error) {
	s := &State{st: st, keys: keys, creds: NewCredentials(st, master), fed: newFederation(st), outbound: newOutbound(st, master)}
	snap, head, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	s.cur.Store(snap)
	s.applied.Store(head)
	return s, nil
}

// load reads the whole state and the head it is current to.
func (s *State) load(ctx context.Context) (*snapshot, int64, error) {
	var fw *world.FileWorld
	var seqs map[string]int64
	var head int64
	err := s.st.View(ctx, func(v store.Snapshot) error {
		var err error
		if head, err = v.Head(ctx); err != nil {
			return err
		}
		if seqs, err = v.AccountSeqs(ctx); err != nil {
			return err
		}
		fw, err = store.LoadFile(ctx, v)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	w, err := world.Build("store", fw)
	if err != nil {
		return nil, 0, fmt.Errorf("the stored world does not build: %w", err)
	}
	return &snapshot{file: fw, world: w, seqs: seqs}, head, nil
}

// accountChange is an account as of a sequence number: its new content,
// or its removal (nil).
type accountChange struct {
	seq     int64
	account *world.FileAccount
	// When part is set, account is the published version of seq baseSeq
	// with the entities changed replaced by part's (as Selection.Apply
	// makes it): publish then builds only those, if that version is still
	// the current one.
	baseSeq int64
	part    *world.FileAccount
	changed []world.EntityRef
}

// stateChange is what to publish: accounts and, when orgSet, the
// organization, each as of its sequence number.
type stateChange struct {
	accounts map[string]accountChange
	orgSet   bool
	org      *world.FileOrganization
	orgSeq   int64
}

// publish applies a change to the current snapshot: each part replaces
// the current one only when it is newer, so a slow reader of the feed
// never undoes a later local write. built, when not nil, is the world
// already built for the result of applying the change to base.
func (s *State) publish(c stateChange, base *snapshot, built *world.World) error {
	s.pub.Lock()
	defer s.pub.Unlock()
	cur := s.cur.Load()
	next := &world.FileWorld{Organization: cur.file.Organization, Accounts: make([]world.FileAccount, 0, len(cur.file.Accounts)+len(c.accounts))}
	seqs := make(map[string]int64, len(cur.seqs)+len(c.accounts))
	for k, v := range cur.seqs {
		seqs[k] = v
	}
	changed, orgChanged := false, false
	var changedIDs []string // the accounts this publish changes
	if c.orgSet && c.orgSeq > cur.seqs[""] {
		next.Organization, seqs[""], changed, orgChanged = c.org, c.orgSeq, true, true
	}
	seen := map[string]bool{}
	for _, a := range cur.file.Accounts {
		seen[a.ID] = true
		ch, ok := c.accounts[a.ID]
		if !ok || ch.seq <= cur.seqs[a.ID] {
			next.Accounts = append(next.Accounts, a)
			continue
		}
		changed = true
		seqs[a.ID] = ch.seq
		changedIDs = append(changedIDs, a.ID)
		if ch.account != nil {
			next.Accounts = append(next.Accounts, *ch.account)
		}
	}
	ids := make([]string, 0, len(c.accounts))
	for id := range c.accounts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		ch := c.accounts[id]
		if seen[id] || ch.account == nil || ch.seq <= cur.seqs[id] {
			continue
		}
		changed = true
		seqs[id] = ch.seq
		changedIDs = append(changedIDs, id)
		next.Accounts = append(next.Accounts, *ch.account)
	}
	if !changed {
		return nil
	}
	w := built
	if w == nil || cur != base {
		// Only the accounts changed here are built again, on the current
		// world; a new organization builds the whole world.
		var err error
		switch ch := c.accounts[first(changedIDs)]; {
		case orgChanged:
			w, err = world.Build("store", next)
		case len(changedIDs) == 1 && ch.part != nil && ch.account != nil && ch.baseSeq == cur.seqs[changedIDs[0]]:
			w, err = world.RebuildEntities("store", next, cur.world, ch.account, ch.part, ch.changed)
		default:
			w, err = world.Rebuild("store", next, cur.world, changedIDs)
		}
		if err != nil {
			return fmt.Errorf("the stored world does not build: %w", err)
		}
	}
	s.cur.Store(&snapshot{file: next, world: w, seqs: seqs})
	return nil
}

func first(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
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
	return audit.Query(ctx, s.st, f)
}

// LastAccessed reads the last-accessed table of the audit log.
func (s *State) LastAccessed(ctx context.Context, entities []string) ([]audit.Access, error) {
	return audit.LastAccessed(ctx, s.st, entities)
}

// SaveJob stores a job's parameters, replacing what the ID held (an
// account's credential report replaces its last one; last-accessed jobs
// have random IDs).
func (s *State) SaveJob(ctx context.Context, id string, data []byte) error {
	_, err := s.st.Put(ctx, store.Key{Kind: KindJob, Name: id}, data, store.Any)
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

// Notify hands a notification to Config.Notify.
func (s *State) Notify(ctx context.Context, channel string, message []byte) error {
	if s.notify == nil {
		return api.ErrNoNotifier
	}
	return s.notify(ctx, channel, message)
}

func (s *State) accountLock(id string) *sync.Mutex {
	m, _ := s.accounts.LoadOrStore(id, &sync.Mutex{})
	return m.(*sync.Mutex)
}

// UpdateAccount changes one account: fn edits a private copy; the new world
// is built, stored (if the account is still as it was read) and then
// published. Nothing changes when fn, the build or the store fails. When
// another server changed the account first, fn is re-applied to the
// account as read inside the write transaction, where nothing else can
// commit before it: so a server that lost the race once cannot keep losing
// it to one that writes without pause.
func (s *State) UpdateAccount(ctx context.Context, account string, fn func(a *world.FileAccount) *query.Error) *query.Error {
	return s.updateAccount(ctx, account, nil, fn)
}

// UpdateEntities changes some entities of one account, as UpdateAccount
// changes the account, at the cost of what it changes: fn sees only the
// entities refs names (those that exist) and edits a copy of them; what it
// leaves is added or replaces them, and those it removes are deleted.
// Only the entities that differ are built, checked and compiled again
// (with what refers to them), and stored; the rest of the account, file
// form and compiled, is shared with the current state. After a conflict,
// fn is re-applied inside the write transaction, to the entities as
// stored, as UpdateAccount does.
func (s *State) UpdateEntities(ctx context.Context, account string, refs []world.EntityRef, fn func(a *world.FileAccount) *query.Error) *query.Error {
	if refs == nil {
		refs = []world.EntityRef{}
	}
	if s.wholeAccounts {
		refs = nil
	}
	return s.updateAccount(ctx, account, refs, fn)
}

// updateAccount is UpdateAccount (refs nil) and UpdateEntities.
func (s *State) updateAccount(ctx context.Context, account string, refs []world.EntityRef, fn func(a *world.FileAccount) *query.Error) *query.Error {
	l := s.accountLock(account)
	l.Lock()
	defer l.Unlock()
	for attempt := 0; attempt < maxAttempts; attempt++ {
		snap := s.cur.Load()
		idx := -1
		for i := range snap.file.Accounts {
			if snap.file.Accounts[i].ID == account {
				idx = i
				break
			}
		}
		var acct, before world.FileAccount
		// With refs, what is stored is the difference of the selected
		// parts before and after fn (partBefore, part).
		var partBefore, part world.FileAccount
		var w *world.World
		exists := idx >= 0
		inTx := attempt > 0 // after a conflict
		// edit applies fn to a copy of base and builds the world with it.
		edit := func(base *world.FileAccount) *query.Error {
			var changed []world.EntityRef
			if refs == nil {
				// fn changes a deep copy; the snapshot is never changed.
				acct = world.FileAccount{ID: account}
				if base != nil {
					acct = world.CloneAccount(*base)
				}
				if e := fn(&acct); e != nil {
					return e
				}
			} else {
				// fn changes a copy of the selected entities; the rest of
				// the account is shared, never changed.
				var built *world.Account // what base was built into
				if !inTx {
					built = snap.world.Accounts.Get(account)
				}
				sel := world.SelectBuilt(account, base, refs, built)
				partBefore, part = sel.Before(), sel.Copy()
				if e := fn(&part); e != nil {
					return e
				}
				var err error
				if acct, changed, err = sel.Apply(&part); err != nil {
					return awserr.Lower(err, "%v", err)
				}
			}
			next := &world.FileWorld{Organization: snap.file.Organization, Accounts: make([]world.FileAccount, len(snap.file.Accounts), len(snap.file.Accounts)+1)}
			copy(next.Accounts, snap.file.Accounts)
			if idx >= 0 {
				next.Accounts[idx] = acct
			} else {
				next.Accounts = append(next.Accounts, acct)
			}
			// Only this account is built and checked again (with refs,
			// only the entities that changed, when base is the snapshot's
			// account); the others are shared with the snapshot's world.
			var err error
			if refs != nil && !inTx {
				w, err = world.RebuildEntities("api", next, snap.world, &acct, &part, changed)
			} else {
				w, err = world.Rebuild("api", next, snap.world, []string{account})
			}
			if err != nil {
				return iamerr.InvalidInput("the change would leave the account inconsistent: %v", err)
			}
			return nil
		}
		if !inTx {
			var base *world.FileAccount
			if exists {
				before = snap.file.Accounts[idx]
				base = &before
			}
			if e := edit(base); e != nil {
				return e
			}
		}
		seen := snap.seqs[account]
		var seq int64 // the account's sequence number once written
		save := func(tx store.Tx) error {
			cur, err := tx.AccountSeq(ctx, account)
			if err != nil {
				return err
			}
			if inTx {
				var ok bool
				if before, ok, err = store.LoadAccount(ctx, tx, account); err != nil {
					return err
				}
				exists, seen = ok, cur
				var base *world.FileAccount
				if ok {
					base = &before
				}
				if e := edit(base); e != nil {
					return editError{e}
				}
			}
			if cur != seen {
				return errStale
			}
			switch {
			case !exists:
				err = store.SaveAccount(ctx, tx, acct)
			case refs != nil:
				// Only the selected entities can differ.
				err = store.UpdateAccount(ctx, tx, partBefore, part)
			default:
				// Only what differs is encoded and written.
				b, a := world.Changed(before, acct)
				err = store.UpdateAccount(ctx, tx, b, a)
			}
			if err != nil {
				return err
			}
			// A change that writes nothing leaves the number as it was.
			seq, err = tx.AccountSeq(ctx, account)
			return err
		}
		_, err := s.update(ctx, "update_account", save)
		var ee editError
		if errors.As(err, &ee) {
			return ee.e
		}
		if errors.Is(err, errStale) || errors.Is(err, store.ErrConflict) {
			if err := s.refresh(ctx, []string{account}, false, nil); err != nil {
				return awserr.Lower(err, "reading account %s again: %v", account, err)
			}
			continue
		}
		if err != nil {
			return awserr.Lower(err, "the change could not be stored: %v", err)
		}
		c := stateChange{accounts: map[string]accountChange{account: {seq: seq, account: &acct}}}
		if err := s.publish(c, snap, w); err != nil {
			return awserr.Lower(err, "%v", err)
		}
		return nil
	}
	return concurrentModification()
}

// entityKinds are the world's entity kinds of the store's item kinds.
var entityKinds = map[store.Kind]world.EntityKind{
	store.KindUser: world.EntityUser, store.KindGroup: world.EntityGroup, store.KindRole: world.EntityRole,
	store.KindPolicy: world.EntityPolicy, store.KindResource: world.EntityResource,
}

// editError carries fn's answer out of a write transaction that it ends.
type editError struct{ e *query.Error }

func (e editError) Error() string { return e.e.Error() }

// concurrentModification is the answer when a change keeps meeting
// others': IAM's ConcurrentModification (HTTP 409, the model's
// ConcurrentModificationException) and its words, worded for another
// service by awserr.ForService at its edge.
func concurrentModification() *query.Error {
	return awserr.OfKind(awserr.KindConflict, "The request was rejected because multiple requests to change this object were submitted simultaneously. Wait a few minutes and submit your request again.")
}

// UpdateWorld changes the organization and any accounts: fn edits a
// private copy of the whole world; the organization and every account that
// changed are stored in one transaction (if none of what it read changed
// meanwhile), then published. After a conflict, fn is re-applied to the
// world as read inside the write transaction, as UpdateAccount does: a
// change to the whole world would otherwise lose to any write anywhere.
func (s *State) UpdateWorld(ctx context.Context, fn func(fw *world.FileWorld) *query.Error) *query.Error {
	s.worldMu.Lock()
	defer s.worldMu.Unlock()
	for attempt := 0; attempt < maxAttempts; attempt++ {
		snap := s.cur.Load()
		var next world.FileWorld
		var w *world.World
		before := map[string]world.FileAccount{}
		after := map[string]bool{}
		hadOrg := false // whether the world fn was applied to had an organization
		// edit applies fn to a copy of base and builds the result.
		edit := func(base *world.FileWorld) *query.Error {
			data, err := json.Marshal(base)
			if err != nil {
				return awserr.Lower(err, "copying the world: %v", err)
			}
			next = world.FileWorld{}
			if err := json.Unmarshal(data, &next); err != nil {
				return awserr.Lower(err, "copying the world: %v", err)
			}
			if e := fn(&next); e != nil {
				return e
			}
			if w, err = world.Build("api", &next); err != nil {
				return iamerr.InvalidInput("the change would leave the world inconsistent: %v", err)
			}
			hadOrg = base.Organization != nil
			clear(before)
			clear(after)
			for _, a := range base.Accounts {
				before[a.ID] = a
			}
			for _, a := range next.Accounts {
				after[a.ID] = true
			}
			return nil
		}
		inTx := attempt > 0 // after a conflict
		read := snap.seqs   // the sequence numbers of what fn was applied to
		if !inTx {
			if e := edit(snap.file); e != nil {
				return e
			}
		}
		var written map[string]int64 // every account's number once written
		save := func(tx store.Tx) error {
			// The whole world was read: every account and the
			// organization must be as they were.
			seqs, err := tx.AccountSeqs(ctx)
			if err != nil {
				return err
			}
			if inTx {
				fw, err := store.LoadFile(ctx, tx)
				if err != nil {
					return err
				}
				read = seqs
				if e := edit(fw); e != nil {
					return editError{e}
				}
			}
			for id, n := range seqs {
				if read[id] != n {
					return errStale
				}
			}
			for id, n := range read {
				if seqs[id] != n {
					return errStale
				}
			}
			if next.Organization != nil {
				if err := store.SaveOrganization(ctx, tx, next.Organization); err != nil {
					return err
				}
			} else if hadOrg {
				// DeleteOrganization (api/organizations).
				if err := store.DeleteOrganization(ctx, tx); err != nil {
					return err
				}
			}
			for _, a := range next.Accounts {
				old, ok := before[a.ID]
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
				if !after[id] {
					if err := tx.DeleteAccount(ctx, id); err != nil {
						return err
					}
				}
			}
			written, err = tx.AccountSeqs(ctx)
			return err
		}
		_, err := s.update(ctx, "update_world", save)
		var ee editError
		if errors.As(err, &ee) {
			return ee.e
		}
		if errors.Is(err, errStale) || errors.Is(err, store.ErrConflict) {
			if err := s.reload(ctx); err != nil {
				return awserr.Lower(err, "reading the world again: %v", err)
			}
			continue
		}
		if err != nil {
			return awserr.Lower(err, "the change could not be stored: %v", err)
		}
		c := stateChange{accounts: map[string]accountChange{}, orgSet: true, org: next.Organization, orgSeq: written[""]}
		for i := range next.Accounts {
			id := next.Accounts[i].ID
			c.accounts[id] = accountChange{seq: written[id], account: &next.Accounts[i]}
		}
		for id := range before {
			if !after[id] {
				c.accounts[id] = accountChange{seq: written[id]}
			}
		}
		base := snap // what w was built from
		if inTx {
			base = nil
		}
		if err := s.publish(c, base, w); err != nil {
			return awserr.Lower(err, "%v", err)
		}
		return nil
	}
	return concurrentModification()
}

// refresh reads accounts (and, with org, the organization) again from one
// view of the store and publishes what is newer than the current state.
//
// fed, when not nil, holds for some of the accounts what the change feed
// says changed since the current state: an account whose sequence number
// in the store is the last of those changes has changed in those items
// only, so only they are read and built again.
func (s *State) refresh(ctx context.Context, accounts []string, org bool, fed map[string]*fedAccount) error {
	c := stateChange{accounts: map[string]accountChange{}}
	snap := s.cur.Load()
	err := s.st.View(ctx, func(v store.Snapshot) error {
		for _, id := range accounts {
			seq, err := v.AccountSeq(ctx, id)
			if err != nil {
				return err
			}
			if f := fed[id]; f != nil && f.last == seq {
				ch, ok, err := s.fedChange(ctx, v, snap, id, f)
				if err != nil {
					return err
				}
				if ok {
					ch.seq = seq
					c.accounts[id] = ch
					continue
				}
			}
			a, ok, err := store.LoadAccount(ctx, v, id)
			if err != nil {
				return err
			}
			ch := accountChange{seq: seq}
			if ok {
				ch.account = &a
			}
			c.accounts[id] = ch
		}
		if org {
			seq, err := v.AccountSeq(ctx, "")
			if err != nil {
				return err
			}
			o, err := store.LoadOrganization(ctx, v)
			if err != nil {
				return err
			}
			c.orgSet, c.org, c.orgSeq = true, o, seq
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.publish(c, nil, nil)
}

// fedAccount is what the change feed says changed in an account: the
// items' keys and the last change's sequence number.
type fedAccount struct {
	keys map[store.Key]bool
	last int64
}

// fedChange reads the items f names from v and applies them to the
// account as snap holds it; ok is false when that cannot be done (the
// account is new to snap or was removed), and then the whole account is
// read.
func (s *State) fedChange(ctx context.Context, v store.Snapshot, snap *snapshot, id string, f *fedAccount) (accountChange, bool, error) {
	var base *world.FileAccount
	for i := range snap.file.Accounts {
		if snap.file.Accounts[i].ID == id {
			base = &snap.file.Accounts[i]
			break
		}
	}
	built := snap.world.Accounts.Get(id)
	if base == nil || built == nil {
		return accountChange{}, false, nil
	}
	part := world.FileAccount{ID: id}
	var refs []world.EntityRef
	for k := range f.keys {
		it, err := v.Get(ctx, k)
		found := err == nil
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return accountChange{}, false, err
		}
		var derr error
		switch k.Kind {
		case store.KindAccount:
			if !found {
				return accountChange{}, false, nil // the account was removed
			}
			refs = append(refs, world.EntityRef{Kind: world.EntityAccount})
			var meta world.FileAccount
			derr = json.Unmarshal(it.Data, &meta)
			meta.Users, meta.Groups, meta.Roles, meta.Policies, meta.Resources = part.Users, part.Groups, part.Roles, part.Policies, part.Resources
			part = meta
		case store.KindUser, store.KindGroup, store.KindRole, store.KindPolicy, store.KindResource:
			refs = append(refs, world.EntityRef{Kind: entityKinds[k.Kind], Name: k.Name})
			if found {
				derr = store.AddItem(&part, k.Kind, it.Data)
			}
		}
		if derr != nil {
			return accountChange{}, false, fmt.Errorf("store: %s %s in %s: %w", k.Kind, k.Name, id, derr)
		}
	}
	if part.ID != id {
		return accountChange{}, false, nil
	}
	sel := world.SelectBuilt(id, base, refs, built)
	acct, changed, err := sel.Apply(&part)
	if err != nil {
		return accountChange{}, false, nil
	}
	return accountChange{account: &acct, baseSeq: snap.seqs[id], part: &part, changed: changed}, true, nil
}

// reload reads the whole state again and publishes it.
func (s *State) reload(ctx context.Context) error {
	snap, head, err := s.load(ctx)
	if err != nil {
		return err
	}
	s.pub.Lock()
	s.cur.Store(snap)
	s.pub.Unlock()
	if head > s.applied.Load() {
		s.applied.Store(head)
	}
	return nil
}

// Follow reads the store's change feed until ctx ends, and publishes what
// other servers (and iamgate import, access-key create) write: changed
// accounts are read again, changed access keys leave the key cache. An
// error is logged and retried after a pause.
func (s *State) Follow(ctx context.Context, log *slog.Logger) {
	for ctx.Err() == nil {
		err := s.follow(ctx)
		if ctx.Err() != nil {
			return
		}
		log.Error("following the store's changes", "error", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (s *State) follow(ctx context.Context) error {
	for {
		after := s.applied.Load()
		if err := s.st.Wait(ctx, after); err != nil {
			return err
		}
		if err := s.catchUp(ctx); err != nil {
			return err
		}
	}
}

// catchUp reads the feed from where it was left up to the head and
// publishes the changes.
func (s *State) catchUp(ctx context.Context) error {
	const page = 10000
	for {
		after := s.applied.Load()
		changes, head, err := s.st.Changes(ctx, after, page)
		if errors.Is(err, store.ErrTruncated) {
			s.keys.InvalidateAll()
			return s.reload(ctx)
		}
		if err != nil {
			return err
		}
		cur := s.cur.Load()
		var accounts []string
		seen := map[string]bool{}
		fed := map[string]*fedAccount{}
		org := false
		for _, c := range changes {
			if s.onChange != nil {
				s.onChange(c)
			}
			switch c.Key.Kind {
			case keyring.KindAccessKey:
				s.keys.Invalidate(c.Key.Name)
			case store.KindOrganization:
				if c.Seq > cur.seqs[""] {
					org = true
				}
			case store.KindAccount, store.KindUser, store.KindGroup, store.KindRole, store.KindPolicy, store.KindResource:
				id := c.Key.Account
				if c.Key.Kind == store.KindAccount {
					id = c.Key.Name
				}
				if c.Seq > cur.seqs[id] && !seen[id] {
					seen[id] = true
					accounts = append(accounts, id)
				}
				f := fed[id]
				if f == nil {
					f = &fedAccount{keys: map[store.Key]bool{}}
					fed[id] = f
				}
				f.keys[c.Key] = true
				f.last = max(f.last, c.Seq)
			}
		}
		if len(accounts) > 0 || org {
			if err := s.refresh(ctx, accounts, org, fed); err != nil {
				return err
			}
		}
		next := head
		if len(changes) >= page {
			next = changes[len(changes)-1].Seq
		}
		if next > after {
			s.applied.CompareAndSwap(after, next)
		}
		if len(changes) < page {
			return nil
		}
	}
}

// now is the server's clock, to the second as AWS reports times.
func now() time.Time { return time.Now().UTC() }
