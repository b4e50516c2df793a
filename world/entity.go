package world

import (
	"fmt"
	"slices"
	"sync/atomic"
)

// EntityKind is a kind of entity an account holds.
type EntityKind string

// The kinds of entities. EntityAccount is the account's own fields (name,
// e-mail, labels, tags, SCPs, RCPs, aliases and instance profiles); its
// reference has no name.
const (
	EntityUser     EntityKind = "user"
	EntityGroup    EntityKind = "group"
	EntityRole     EntityKind = "role"
	EntityPolicy   EntityKind = "policy" // a customer managed policy, by name
	EntityResource EntityKind = "resource"
	EntityAccount  EntityKind = "account"
)

// EntityRef names one entity of an account: a user, group, role or
// customer managed policy by name, a resource by ARN, or the account's own
// fields (Kind EntityAccount, no name).
type EntityRef struct {
	Kind EntityKind
	Name string
}

func (r EntityRef) String() string { return string(r.Kind) + " " + r.Name }

// Selection is the part of an account that an entity-scoped change reads
// and writes: the entities it names, whether or not they exist.
type Selection struct {
	base *FileAccount
	refs []EntityRef
	meta bool
	// pos is, for each named entity that exists, its index in base's list.
	pos map[EntityRef]int
}

// Select names the entities of base (nil: an account not yet stored, with
// the given ID) that a change may read and write. Finding them costs a
// scan of the lists of the kinds named.
func Select(id string, base *FileAccount, refs []EntityRef) *Selection {
	return SelectBuilt(id, base, refs, nil)
}

// SelectBuilt is Select, with built the account base was built into (or
// nil): the entities built does not hold are not looked for, so a change
// that only adds entities costs no scan.
func SelectBuilt(id string, base *FileAccount, refs []EntityRef, built *Account) *Selection {
	if base == nil {
		base = &FileAccount{ID: id}
	}
	s := &Selection{base: base, pos: map[EntityRef]int{}}
	want := map[EntityKind]map[string]bool{}
	seen := map[EntityRef]bool{}
	for _, r := range refs {
		if r.Kind == EntityAccount {
			r.Name = ""
		}
		if seen[r] {
			continue
		}
		seen[r] = true
		s.refs = append(s.refs, r)
		if r.Kind == EntityAccount {
			s.meta = true
			continue
		}
		if built != nil && !built.has(r.Kind, r.Name) {
			continue
		}
		if want[r.Kind] == nil {
			want[r.Kind] = map[string]bool{}
		}
		want[r.Kind][r.Name] = true
	}
	find := func(kind EntityKind, n int, name func(int) string) {
		names := want[kind]
		if len(names) == 0 {
			return
		}
		for i := 0; i < n; i++ {
			if k := name(i); names[k] {
				if _, dup := s.pos[EntityRef{kind, k}]; !dup {
					s.pos[EntityRef{kind, k}] = i
				}
			}
		}
	}
	find(EntityUser, len(base.Users), func(i int) string { return base.Users[i].Name })
	find(EntityGroup, len(base.Groups), func(i int) string { return base.Groups[i].Name })
	find(EntityRole, len(base.Roles), func(i int) string { return base.Roles[i].Name })
	find(EntityPolicy, len(base.Policies), func(i int) string { return base.Policies[i].Name })
	find(EntityResource, len(base.Resources), func(i int) string { return base.Resources[i].ARN })
	return s
}

// Before is the selected part of the account as it is: the account's ID,
// its own fields when selected, and the named entities that exist (their
// contents shared with the account: do not change them).
func (s *Selection) Before() FileAccount {
	b := s.base
	p := FileAccount{ID: b.ID}
	if s.meta {
		p = *b
		p.Users, p.Groups, p.Roles, p.Policies, p.Resources = nil, nil, nil, nil, nil
		p.claims = [5]*listClaim{}
	}
	for _, r := range s.refs {
		i, ok := s.pos[r]
		if !ok {
			continue
		}
		switch r.Kind {
		case EntityUser:
			p.Users = append(p.Users, b.Users[i])
		case EntityGroup:
			p.Groups = append(p.Groups, b.Groups[i])
		case EntityRole:
			p.Roles = append(p.Roles, b.Roles[i])
		case EntityPolicy:
			p.Policies = append(p.Policies, b.Policies[i])
		case EntityResource:
			p.Resources = append(p.Resources, b.Resources[i])
		}
	}
	return p
}

// Copy is Before as a deep copy, for the change to edit.
func (s *Selection) Copy() FileAccount { return CloneAccount(s.Before()) }

// Apply returns the account with the selection replaced by part (Copy,
// edited): a named entity in part is added or replaces the account's, one
// missing from part is removed. It also returns the named entities that
// differ. Entities keep their place in the lists; new ones are appended (a
// renamed entity is removed and appended). It is an error for part to
// hold an entity that is not named, or to change the account's own fields
// when they were not selected.
//
// The result shares what did not change with the account. When a list
// only grows, the result's list may share the account's backing array:
// the first version derived from the account that grows the list claims
// the array's spare capacity (listClaim), so adding an entity costs O(1)
// amortized, and any other version derived from the same account copies.
func (s *Selection) Apply(part *FileAccount) (FileAccount, []EntityRef, error) {
	b := s.base
	out := *b
	var changed []EntityRef
	if part.ID != b.ID {
		return out, nil, fmt.Errorf("world: the change moved account %s to %s", b.ID, part.ID)
	}
	before := s.Before()
	if s.meta {
		meta, old := *part, before
		meta.Users, meta.Groups, meta.Roles, meta.Policies, meta.Resources = nil, nil, nil, nil, nil
		if !equalMeta(&meta, &old) {
			changed = append(changed, EntityRef{Kind: EntityAccount})
			out.Name, out.Email, out.Labels, out.Tags, out.SCPs, out.RCPs, out.Aliases, out.InstanceProfiles, out.TokenVersion =
				meta.Name, meta.Email, meta.Labels, meta.Tags, meta.SCPs, meta.RCPs, meta.Aliases, meta.InstanceProfiles, meta.TokenVersion
			out.OutboundFederation = meta.OutboundFederation
			out.DelegationRequests = meta.DelegationRequests
		}
	} else if !equalMeta(&FileAccount{ID: part.ID, Users: part.Users, Groups: part.Groups, Roles: part.Roles, Policies: part.Policies, Resources: part.Resources}, part) {
		return out, nil, fmt.Errorf("world: the change to account %s changed the account's own fields, which it did not select", b.ID)
	}
	named := map[EntityRef]bool{}
	for _, r := range s.refs {
		named[r] = true
	}
	var err error
	if out.Users, out.claims[0], err = applyList(s, EntityUser, named, b.Users, b.claims[0], part.Users, func(u *FileUser) string { return u.Name }, equalUser, &changed); err != nil {
		return out, nil, err
	}
	if out.Groups, out.claims[1], err = applyList(s, EntityGroup, named, b.Groups, b.claims[1], part.Groups, func(g *FileGroup) string { return g.Name }, equalGroup, &changed); err != nil {
		return out, nil, err
	}
	if out.Roles, out.claims[2], err = applyList(s, EntityRole, named, b.Roles, b.claims[2], part.Roles, func(r *FileRole) string { return r.Name }, equalRole, &changed); err != nil {
		return out, nil, err
	}
	if out.Policies, out.claims[3], err = applyList(s, EntityPolicy, named, b.Policies, b.claims[3], part.Policies, func(p *FilePolicy) string { return p.Name }, equalPolicy, &changed); err != nil {
		return out, nil, err
	}
	if out.Resources, out.claims[4], err = applyList(s, EntityResource, named, b.Resources, b.claims[4], part.Resources, func(r *FileResource) string { return r.ARN }, equalResource, &changed); err != nil {
		return out, nil, err
	}
	return out, changed, nil
}

// equalMeta compares an account's own fields.
func equalMeta(a, b *FileAccount) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Email == b.Email && slices.Equal(a.Labels, b.Labels) && mapsEqual(a.Tags, b.Tags) &&
		slices.Equal(a.SCPs, b.SCPs) && slices.Equal(a.RCPs, b.RCPs) && slices.Equal(a.Aliases, b.Aliases) &&
		a.TokenVersion == b.TokenVersion && slices.EqualFunc(a.InstanceProfiles, b.InstanceProfiles, func(x, y FileInstanceProfile) bool {
		return x.Name == y.Name && x.Path == y.Path && x.ID == y.ID && slices.Equal(x.Roles, y.Roles) && mapsEqual(x.Tags, y.Tags) &&
			x.Created.Equal(y.Created) && x.Created.Location() == y.Created.Location()
	}) && (a.Labels == nil) == (b.Labels == nil) && (a.Tags == nil) == (b.Tags == nil) && (a.SCPs == nil) == (b.SCPs == nil) &&
		(a.RCPs == nil) == (b.RCPs == nil) && (a.Aliases == nil) == (b.Aliases == nil) && (a.InstanceProfiles == nil) == (b.InstanceProfiles == nil) &&
		equalOutbound(a.OutboundFederation, b.OutboundFederation) &&
		equalDelegations(a.DelegationRequests, b.DelegationRequests)
}

func equalOutbound(a, b *OutboundFederation) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// applyList puts the part's entities of one kind into the account's list.
func applyList[T any](s *Selection, kind EntityKind, named map[EntityRef]bool, base []T, claim *listClaim, part []T, key func(*T) string, equal func(*T, *T) bool, changed *[]EntityRef) ([]T, *listClaim, error) {
	after := map[string]*T{}
	for i := range part {
		k := key(&part[i])
		r := EntityRef{kind, k}
		if !named[r] {
			return nil, nil, fmt.Errorf("world: the change to account %s touched %s, which it did not select", s.base.ID, r)
		}
		if _, dup := after[k]; dup {
			return nil, nil, fmt.Errorf("world: the change to account %s lists %s twice", s.base.ID, r)
		}
		after[k] = &part[i]
	}
	var replace map[int]*T
	var remove map[int]bool
	for _, r := range s.refs {
		if r.Kind != kind {
			continue
		}
		i, existed := s.pos[r]
		v, exists := after[r.Name]
		switch {
		case existed && exists:
			if !equal(&base[i], v) {
				if replace == nil {
					replace = map[int]*T{}
				}
				replace[i] = v
				*changed = append(*changed, r)
			}
		case existed:
			if remove == nil {
				remove = map[int]bool{}
			}
			remove[i] = true
			*changed = append(*changed, r)
		}
	}
	var added []T
	for i := range part {
		r := EntityRef{kind, key(&part[i])}
		if _, existed := s.pos[r]; !existed {
			added = append(added, part[i])
			*changed = append(*changed, r)
		}
	}
	if replace == nil && remove == nil {
		if added == nil {
			return base, claim, nil
		}
		// Another account version derived from the same base (a
		// follower's, a retried write's) may grow the list too: only the
		// one that claims the spare capacity appends in place, the others
		// copy, so that no two versions share each other's new entities.
		n := len(base) + len(added)
		if claim != nil && n <= cap(base) && claim.n.CompareAndSwap(int64(len(base)), int64(n)) {
			return append(base, added...), claim, nil
		}
		out := make([]T, n, n+n/2+4)
		copy(out, base)
		copy(out[len(base):], added)
		return out, newListClaim(n), nil
	}
	out := make([]T, 0, len(base)-len(remove)+len(added))
	for i := range base {
		switch {
		case remove[i]:
		case replace[i] != nil:
			out = append(out, *replace[i])
		default:
			out = append(out, base[i])
		}
	}
	return append(out, added...), nil, nil
}

// listClaim is the claim on a list's backing array: n is the length of
// the longest list that shares the array. A version may append in place
// only by moving n from its own length to the new one, so at most one
// version derived from a given one grows in place (compare and swap) and
// the elements past any list's length belong to no one else.
type listClaim struct{ n atomic.Int64 }

func newListClaim(n int) *listClaim {
	c := &listClaim{}
	c.n.Store(int64(n))
	return c
}
