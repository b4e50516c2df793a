package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/iamgate/iamgate/world"
)

const orgName = "organization"

// SaveWorld replaces everything in the store with the world, in one
// transaction: each account, user, group, role, customer managed policy and
// resource is its own item, so that later API calls change one at a time.
func SaveWorld(ctx context.Context, s Store, w *world.World) error {
	fw := w.ToFile()
	return s.Update(ctx, func(tx Tx) error {
		if err := clear(ctx, tx); err != nil {
			return err
		}
		if fw.Organization != nil {
			if err := putJSON(ctx, tx, Key{Kind: KindOrganization, Name: orgName}, fw.Organization); err != nil {
				return err
			}
		}
		for _, a := range fw.Accounts {
			if err := SaveAccount(ctx, tx, a); err != nil {
				return err
			}
		}
		return nil
	})
}

// clear deletes every item.
func clear(ctx context.Context, tx Tx) error {
	items, _, err := tx.List(ctx, KindAccount, "", "", 0)
	if err != nil {
		return err
	}
	for _, it := range items {
		if err := tx.DeleteAccount(ctx, it.Name); err != nil {
			return err
		}
	}
	if err := tx.Delete(ctx, Key{Kind: KindOrganization, Name: orgName}, Any); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

// SaveAccount replaces one account and everything in it.
func SaveAccount(ctx context.Context, tx Tx, a world.FileAccount) error {
	if err := tx.DeleteAccount(ctx, a.ID); err != nil {
		return err
	}
	meta := a
	meta.Users, meta.Groups, meta.Roles, meta.Policies, meta.Resources = nil, nil, nil, nil, nil
	if err := putJSON(ctx, tx, Key{Kind: KindAccount, Name: a.ID}, meta); err != nil {
		return err
	}
	for _, u := range a.Users {
		if err := putJSON(ctx, tx, Key{Kind: KindUser, Account: a.ID, Name: u.Name}, u); err != nil {
			return err
		}
	}
	for _, g := range a.Groups {
		if err := putJSON(ctx, tx, Key{Kind: KindGroup, Account: a.ID, Name: g.Name}, g); err != nil {
			return err
		}
	}
	for _, r := range a.Roles {
		if err := putJSON(ctx, tx, Key{Kind: KindRole, Account: a.ID, Name: r.Name}, r); err != nil {
			return err
		}
	}
	for _, p := range a.Policies {
		if err := putJSON(ctx, tx, Key{Kind: KindPolicy, Account: a.ID, Name: p.Name}, p); err != nil {
			return err
		}
	}
	for _, r := range a.Resources {
		if err := putJSON(ctx, tx, Key{Kind: KindResource, Account: a.ID, Name: r.ARN}, r); err != nil {
			return err
		}
	}
	return nil
}

// DeleteOrganization removes the organization (none is no error).
func DeleteOrganization(ctx context.Context, tx Tx) error {
	if err := tx.Delete(ctx, Key{Kind: KindOrganization, Name: orgName}, Any); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

// SaveOrganization replaces the organization.
func SaveOrganization(ctx context.Context, tx Tx, o *world.FileOrganization) error {
	return putJSON(ctx, tx, Key{Kind: KindOrganization, Name: orgName}, o)
}

func putJSON(ctx context.Context, tx Tx, k Key, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = tx.Put(ctx, k, data, Any)
	return err
}

// LoadFile reads the store back into the world file form. Read it from a
// View for a consistent world.
func LoadFile(ctx context.Context, r Reader) (*world.FileWorld, error) {
	fw := &world.FileWorld{}
	org, err := LoadOrganization(ctx, r)
	if err != nil {
		return nil, err
	}
	fw.Organization = org
	accounts, _, err := r.List(ctx, KindAccount, "", "", 0)
	if err != nil {
		return nil, err
	}
	for _, it := range accounts {
		a, err := loadAccount(ctx, r, it)
		if err != nil {
			return nil, err
		}
		fw.Accounts = append(fw.Accounts, a)
	}
	return fw, nil
}

// LoadOrganization reads the organization; nil when there is none.
func LoadOrganization(ctx context.Context, r Reader) (*world.FileOrganization, error) {
	it, err := r.Get(ctx, Key{Kind: KindOrganization, Name: orgName})
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	o := &world.FileOrganization{}
	if err := json.Unmarshal(it.Data, o); err != nil {
		return nil, fmt.Errorf("store: organization: %w", err)
	}
	return o, nil
}

// LoadAccount reads one account and everything in it; ok is false when
// the account does not exist.
func LoadAccount(ctx context.Context, r Reader, id string) (a world.FileAccount, ok bool, err error) {
	it, err := r.Get(ctx, Key{Kind: KindAccount, Name: id})
	if errors.Is(err, ErrNotFound) {
		return world.FileAccount{}, false, nil
	}
	if err != nil {
		return world.FileAccount{}, false, err
	}
	a, err = loadAccount(ctx, r, it)
	return a, err == nil, err
}

// AddItem decodes a stored entity of an account (a user, group, role,
// customer managed policy or resource) and appends it to its list in a.
func AddItem(a *world.FileAccount, kind Kind, data []byte) error {
	var err error
	switch kind {
	case KindUser:
		var v world.FileUser
		err = json.Unmarshal(data, &v)
		a.Users = append(a.Users, v)
	case KindGroup:
		var v world.FileGroup
		err = json.Unmarshal(data, &v)
		a.Groups = append(a.Groups, v)
	case KindRole:
		var v world.FileRole
		err = json.Unmarshal(data, &v)
		a.Roles = append(a.Roles, v)
	case KindPolicy:
		var v world.FilePolicy
		err = json.Unmarshal(data, &v)
		a.Policies = append(a.Policies, v)
	case KindResource:
		var v world.FileResource
		err = json.Unmarshal(data, &v)
		a.Resources = append(a.Resources, v)
	default:
		err = fmt.Errorf("store: %s is not an entity kind", kind)
	}
	return err
}

func loadAccount(ctx context.Context, r Reader, it Item) (world.FileAccount, error) {
	var a world.FileAccount
	if err := json.Unmarshal(it.Data, &a); err != nil {
		return a, fmt.Errorf("store: account %s: %w", it.Name, err)
	}
	for _, kind := range []Kind{KindUser, KindGroup, KindRole, KindPolicy, KindResource} {
		items, _, err := r.List(ctx, kind, a.ID, "", 0)
		if err != nil {
			return a, err
		}
		for _, it := range items {
			err := AddItem(&a, kind, it.Data)
			if err != nil {
				return a, fmt.Errorf("store: %s %s in %s: %w", kind, it.Name, a.ID, err)
			}
		}
	}
	return a, nil
}

// LoadWorld reads the whole world from the store.
func LoadWorld(ctx context.Context, r Reader) (*world.World, error) {
	fw, err := LoadFile(ctx, r)
	if err != nil {
		return nil, err
	}
	return world.Build("store", fw)
}

// accountItems splits an account into its items, each as JSON.
func accountItems(a world.FileAccount) (map[Key][]byte, error) {
	out := map[Key][]byte{}
	add := func(k Key, v any) error {
		data, err := json.Marshal(v)
		if err != nil {
			return err
		}
		out[k] = data
		return nil
	}
	meta := a
	meta.Users, meta.Groups, meta.Roles, meta.Policies, meta.Resources = nil, nil, nil, nil, nil
	if err := add(Key{Kind: KindAccount, Name: a.ID}, meta); err != nil {
		return nil, err
	}
	for _, u := range a.Users {
		if err := add(Key{Kind: KindUser, Account: a.ID, Name: u.Name}, u); err != nil {
			return nil, err
		}
	}
	for _, g := range a.Groups {
		if err := add(Key{Kind: KindGroup, Account: a.ID, Name: g.Name}, g); err != nil {
			return nil, err
		}
	}
	for _, r := range a.Roles {
		if err := add(Key{Kind: KindRole, Account: a.ID, Name: r.Name}, r); err != nil {
			return nil, err
		}
	}
	for _, p := range a.Policies {
		if err := add(Key{Kind: KindPolicy, Account: a.ID, Name: p.Name}, p); err != nil {
			return nil, err
		}
	}
	for _, r := range a.Resources {
		if err := add(Key{Kind: KindResource, Account: a.ID, Name: r.ARN}, r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// UpdateAccount writes what changed between two versions of an account:
// new and changed items are put, removed ones deleted, the rest left alone,
// so a change costs what it touches rather than the account's size. It
// gives the same store contents as SaveAccount(after).
func UpdateAccount(ctx context.Context, tx Tx, before, after world.FileAccount) error {
	if before.ID != after.ID {
		return fmt.Errorf("store: UpdateAccount: account %s became %s", before.ID, after.ID)
	}
	old, err := accountItems(before)
	if err != nil {
		return err
	}
	cur, err := accountItems(after)
	if err != nil {
		return err
	}
	for k, data := range cur {
		if prev, ok := old[k]; ok && string(prev) == string(data) {
			continue
		}
		if _, err := tx.Put(ctx, k, data, Any); err != nil {
			return err
		}
	}
	for k := range old {
		if _, ok := cur[k]; !ok {
			if err := tx.Delete(ctx, k, Any); err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
		}
	}
	return nil
}

// Replaced lists what an account's new version would change or remove of
// the old one: the keys of its items whose content differs or that are
// gone (new items are not in it). The account's own item counts only when
// the old one held more than its ID.
func Replaced(before, after world.FileAccount) ([]Key, error) {
	old, err := accountItems(before)
	if err != nil {
		return nil, err
	}
	cur, err := accountItems(after)
	if err != nil {
		return nil, err
	}
	bare, err := json.Marshal(world.FileAccount{ID: before.ID})
	if err != nil {
		return nil, err
	}
	var out []Key
	for k, data := range old {
		if k.Kind == KindAccount && string(data) == string(bare) {
			continue
		}
		if now, ok := cur[k]; !ok || string(now) != string(data) {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// WriteWorld writes what changed between two versions of the world, in a
// transaction: the organization when it changed (deleted when after has
// none), each changed account as UpdateAccount writes it, new accounts,
// and the removal of accounts after no longer has. What did not change is
// not written, so servers following the store re-read only what did.
func WriteWorld(ctx context.Context, tx Tx, before, after *world.FileWorld) error {
	ob, err := json.Marshal(before.Organization)
	if err != nil {
		return err
	}
	oa, err := json.Marshal(after.Organization)
	if err != nil {
		return err
	}
	if string(ob) != string(oa) {
		if after.Organization == nil {
			if err := DeleteOrganization(ctx, tx); err != nil {
				return err
			}
		} else if err := SaveOrganization(ctx, tx, after.Organization); err != nil {
			return err
		}
	}
	old := map[string]world.FileAccount{}
	for _, a := range before.Accounts {
		old[a.ID] = a
	}
	kept := map[string]bool{}
	for _, a := range after.Accounts {
		kept[a.ID] = true
		if b, ok := old[a.ID]; ok {
			err = UpdateAccount(ctx, tx, b, a)
		} else {
			err = SaveAccount(ctx, tx, a)
		}
		if err != nil {
			return err
		}
	}
	for _, a := range before.Accounts {
		if !kept[a.ID] {
			if err := tx.DeleteAccount(ctx, a.ID); err != nil {
				return err
			}
		}
	}
	return nil
}
