package world

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/iamgate/iamgate/arn"
)

// nameIndex holds, by kind and lower-case name, the names of the entities
// of the versions of an account that share it (and perhaps of versions
// built and thrown away): a superset, so a lookup is checked against the
// version at hand. It is filled from the first version it is used with,
// the one NewAccount made it for, and grows with the names each change
// adds.
type nameIndex struct {
	mu     sync.Mutex
	filled bool
	m      map[EntityKind]map[string][]string
}

func (x *nameIndex) fill(a *Account) {
	if x.filled {
		return
	}
	x.filled = true
	x.m = map[EntityKind]map[string][]string{}
	for n := range a.Users.All() {
		x.addLocked(EntityUser, n)
	}
	for n := range a.Groups.All() {
		x.addLocked(EntityGroup, n)
	}
	for n := range a.Roles.All() {
		x.addLocked(EntityRole, n)
	}
	for n := range a.Policies.All() {
		x.addLocked(EntityPolicy, n)
	}
}

func (x *nameIndex) addLocked(kind EntityKind, name string) {
	byLower := x.m[kind]
	if byLower == nil {
		byLower = map[string][]string{}
		x.m[kind] = byLower
	}
	l := strings.ToLower(name)
	if !slices.Contains(byLower[l], name) {
		byLower[l] = append(byLower[l], name)
	}
}

// RebuildEntities builds the world fw describes, as Build would, from
// prev: the world built for an earlier version of fw that differs only in
// the entities changed of account fa (fa is that account in fw, part holds
// the changed entities that exist, as Selection.Apply returns them). Only
// those entities are built, checked and compiled, and what refers to them
// checked again (the users of a group removed, the entities a removed
// managed policy was attached to or bounded); the account's other
// entities, compiled documents and all, are shared with prev, and so are
// the world's indexes that do not change. A change Build would refuse is
// refused, with the same errors about it.
//
// When prev cannot be built on (no such account in it, or prev not
// finalized) it is Rebuild.
func RebuildEntities(file string, fw *FileWorld, prev *World, fa *FileAccount, part *FileAccount, changed []EntityRef) (*World, error) {
	var old *Account
	if prev != nil && prev.cache != nil {
		old = prev.Accounts.Get(fa.ID)
	}
	if old == nil || old.names == nil {
		return Rebuild(file, fw, prev, []string{fa.ID})
	}
	a := *old
	w := &World{Organization: prev.Organization, AWSManaged: prev.AWSManaged, Accounts: prev.Accounts, resources: prev.resources, roleByID: prev.roleByID}
	w.Accounts = w.Accounts.With(a.ID, &a)
	kinds := map[EntityKind]bool{}
	for _, r := range changed {
		kinds[r.Kind] = true
	}
	if kinds[EntityAccount] {
		a.Name, a.Email, a.Labels, a.Tags, a.SCPs, a.RCPs, a.Aliases, a.TokenVersion = fa.Name, fa.Email, fa.Labels, fa.Tags, fa.SCPs, fa.RCPs, fa.Aliases, fa.TokenVersion
		a.OutboundFederation = fa.OutboundFederation
		a.DelegationRequests = fa.DelegationRequests
		a.InstanceProfiles = map[string]*InstanceProfile{}
		addProfiles(&a, fa)
	}

	// Build what changed. A document whose text, source and use are as
	// before is the compiled one of prev.
	var errs []error
	doc, _ := documents(file, &errs)
	re := reuser{file: file, doc: doc}
	x := old.names
	x.mu.Lock()
	x.fill(old)
	var added []EntityRef // entities that did not exist before, or were rebuilt
	for i := range part.Users {
		if fu := &part.Users[i]; isChanged(changed, EntityUser, fu.Name) {
			a.Users = a.Users.With(fu.Name, re.user(fu, old.Users.Get(fu.Name)))
			x.addLocked(EntityUser, fu.Name)
			added = append(added, EntityRef{EntityUser, fu.Name})
		}
	}
	for i := range part.Groups {
		if fg := &part.Groups[i]; isChanged(changed, EntityGroup, fg.Name) {
			a.Groups = a.Groups.With(fg.Name, re.group(fg, old.Groups.Get(fg.Name)))
			x.addLocked(EntityGroup, fg.Name)
			added = append(added, EntityRef{EntityGroup, fg.Name})
		}
	}
	for i := range part.Roles {
		if fr := &part.Roles[i]; isChanged(changed, EntityRole, fr.Name) {
			a.Roles = a.Roles.With(fr.Name, re.role(a.ID, fr, old.Roles.Get(fr.Name), &errs))
			x.addLocked(EntityRole, fr.Name)
			added = append(added, EntityRef{EntityRole, fr.Name})
		}
	}
	for i := range part.Policies {
		if fp := &part.Policies[i]; isChanged(changed, EntityPolicy, fp.Name) {
			a.Policies = a.Policies.With(fp.Name, re.policy(fp, old.Policies.Get(fp.Name)))
			x.addLocked(EntityPolicy, fp.Name)
			added = append(added, EntityRef{EntityPolicy, fp.Name})
		}
	}
	for i := range part.Resources {
		if fr := &part.Resources[i]; isChanged(changed, EntityResource, fr.ARN) {
			a.Resources = a.Resources.With(fr.ARN, re.resource(fr, old.Resources.Get(fr.ARN)))
			added = append(added, EntityRef{EntityResource, fr.ARN})
		}
	}
	// Entities named but no longer in the account are removed.
	for _, r := range changed {
		if r.Kind == EntityAccount || slices.Contains(added, r) {
			continue
		}
		switch r.Kind {
		case EntityUser:
			a.Users = a.Users.Without(r.Name)
		case EntityGroup:
			a.Groups = a.Groups.Without(r.Name)
		case EntityRole:
			a.Roles = a.Roles.Without(r.Name)
		case EntityPolicy:
			a.Policies = a.Policies.Without(r.Name)
		case EntityResource:
			a.Resources = a.Resources.Without(r.Name)
		}
	}
	// Names that clash, regardless of case, with another of the kind.
	var clashes [][3]string
	for _, r := range added {
		if r.Kind == EntityResource {
			continue
		}
		for _, other := range x.m[r.Kind][strings.ToLower(r.Name)] {
			if other == r.Name || !a.has(r.Kind, other) {
				continue
			}
			first, second := other, r.Name
			if first > second {
				first, second = second, first
			}
			c := [3]string{string(r.Kind), first, second}
			if !slices.Contains(clashes, c) {
				clashes = append(clashes, c)
			}
		}
	}
	x.mu.Unlock()
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	f := finalizer{w: w, a: &a, bad: bad}
	for _, c := range clashes {
		f.caseClash(c[0], c[1], c[2])
	}
	// The old versions leave the indexes.
	for _, r := range changed {
		switch r.Kind {
		case EntityRole:
			if o := old.Roles.Get(r.Name); o != nil {
				w.forgetRole(o)
			}
		case EntityResource:
			if o := old.Resources.Get(r.Name); o != nil {
				w.forgetResource(o, a.ID)
			}
		}
	}
	sort.Slice(added, func(i, j int) bool { return added[i].Kind == EntityPolicy && added[j].Kind != EntityPolicy })
	for _, r := range added {
		switch r.Kind {
		case EntityPolicy:
			f.policy(a.Policies.Get(r.Name))
		}
	}
	for _, r := range added {
		switch r.Kind {
		case EntityGroup:
			f.group(a.Groups.Get(r.Name))
		case EntityUser:
			f.user(a.Users.Get(r.Name))
		case EntityRole:
			f.role(a.Roles.Get(r.Name))
		case EntityResource:
			f.resource(r.Name, a.Resources.Get(r.Name))
		}
	}
	// What refers to a group or managed policy that went away, or to a
	// managed policy whose ARN or default version changed, is checked
	// again.
	var goneGroups []string
	var policies []string // the ARNs of the old versions
	for _, r := range changed {
		switch r.Kind {
		case EntityGroup:
			if old.Groups.Get(r.Name) != nil && a.Groups.Get(r.Name) == nil {
				goneGroups = append(goneGroups, r.Name)
			}
		case EntityPolicy:
			if o := old.Policies.Get(r.Name); o != nil {
				if n := a.Policies.Get(r.Name); n == nil || n.ARN != o.ARN || n.Default() == nil {
					policies = append(policies, o.ARN)
				}
			}
		}
	}
	if len(goneGroups) > 0 || len(policies) > 0 {
		refers := func(refs []string, boundary string) bool {
			for _, p := range policies {
				if p == boundary || slices.Contains(refs, p) {
					return true
				}
			}
			return false
		}
		for _, name := range sortedNames(a.Users) {
			u := a.Users.Get(name)
			if slices.Contains(added, EntityRef{EntityUser, name}) {
				continue
			}
			for _, g := range u.Groups {
				if slices.Contains(goneGroups, g) {
					bad("user %s: group %s does not exist in account %s", u.ARN(), g, a.ID)
				}
			}
			if refers(u.Managed, u.PermissionsBoundary) {
				f.userRefs(u)
			}
		}
		for _, name := range sortedNames(a.Groups) {
			if g := a.Groups.Get(name); !slices.Contains(added, EntityRef{EntityGroup, name}) && refers(g.Managed, "") {
				f.groupRefs(g)
			}
		}
		for _, name := range sortedNames(a.Roles) {
			if r := a.Roles.Get(name); !slices.Contains(added, EntityRef{EntityRole, name}) && refers(r.Managed, r.PermissionsBoundary) {
				f.roleRefs(r)
			}
		}
	}
	if org := w.Organization; org != nil && kinds[EntityAccount] {
		for _, name := range append(append([]string{}, a.SCPs...), a.RCPs...) {
			if org.Policies[name] == nil && name != "FullAWSAccess" && name != "RCPFullAWSAccess" {
				bad("account %s attaches policy %s, which is not defined", a.ID, name)
			}
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s: %w", file, errors.Join(errs...))
	}
	w.cache = &decisionCache{}
	return w, nil
}

func isChanged(changed []EntityRef, kind EntityKind, name string) bool {
	return slices.Contains(changed, EntityRef{kind, name})
}

func (a *Account) has(kind EntityKind, name string) bool {
	switch kind {
	case EntityUser:
		return a.Users.Get(name) != nil
	case EntityGroup:
		return a.Groups.Get(name) != nil
	case EntityRole:
		return a.Roles.Get(name) != nil
	case EntityPolicy:
		return a.Policies.Get(name) != nil
	case EntityResource:
		return a.Resources.Get(name) != nil
	}
	return false
}

// reuser builds entities as buildAccount does, but takes the compiled
// document of the entity's earlier version (old, when not nil) for each
// document whose text, source and use (the entity's ARN, the policy's
// name or version) are the same: it is immutable once compiled, and
// compiling it again would give the same.
type reuser struct {
	file string
	doc  docFunc
}

// one parses a document unless prior is the same.
func (r reuser) one(prior *Document) docFunc {
	return func(where string, p PolicySource) *Document {
		if prior != nil && !p.IsZero() {
			if data, src, err := policyJSON(r.file, p); err == nil && src == prior.Source && bytes.Equal(data, prior.JSON) {
				return prior
			}
		}
		return r.doc(where, p)
	}
}

// inline parses inline policies; before are the old entity's, when its
// ARN is the same.
func (r reuser) inline(before []InlinePolicy) inlineFunc {
	return func(where string, in []FileInline) []InlinePolicy {
		var out []InlinePolicy
		for _, p := range in {
			var prior *Document
			for _, b := range before {
				if b.Name == p.Name {
					prior = b.Document
				}
			}
			if d := r.one(prior)(where+" policy "+p.Name, p.Document); d != nil {
				out = append(out, InlinePolicy{Name: p.Name, Document: d})
			}
		}
		return out
	}
}

func (r reuser) user(fu *FileUser, o *User) *User {
	var before []InlinePolicy
	if o != nil && cleanPath(o.Path) == cleanPath(fu.Path) {
		before = o.Inline
	}
	return buildUser(fu, r.inline(before))
}

func (r reuser) group(fg *FileGroup, o *Group) *Group {
	var before []InlinePolicy
	if o != nil && cleanPath(o.Path) == cleanPath(fg.Path) {
		before = o.Inline
	}
	return buildGroup(fg, r.inline(before))
}

func (r reuser) role(account string, fr *FileRole, o *Role, errs *[]error) *Role {
	var before []InlinePolicy
	var trust *Document
	if o != nil && cleanPath(o.Path) == cleanPath(fr.Path) {
		before, trust = o.Inline, o.Trust
	}
	return buildRole(r.file, account, fr, r.one(trust), r.inline(before), errs)
}

func (r reuser) policy(fp *FilePolicy, o *ManagedPolicy) *ManagedPolicy {
	same := o != nil && cleanPath(o.Path) == cleanPath(fp.Path)
	return buildPolicy(fp, func(where string, p PolicySource) *Document {
		var prior *Document
		if same {
			// where is "policy NAME" (the document, v1) or "policy NAME ID".
			id := "v1"
			if rest := strings.TrimPrefix(where, "policy "+fp.Name); rest != "" {
				id = strings.TrimPrefix(rest, " ")
			}
			for _, v := range o.Versions {
				if v.ID == id {
					prior = v.Document
				}
			}
		}
		return r.one(prior)(where, p)
	})
}

func (r reuser) resource(fr *FileResource, o *Resource) *Resource {
	var prior *Document
	if o != nil {
		prior = o.Policy
	}
	return buildResource(fr, r.one(prior))
}

// account is buildAccount, reusing old's documents.
func (r reuser) account(fa *FileAccount, old *Account, errs *[]error) *Account {
	if old == nil {
		return buildAccount(r.file, fa, r.doc, r.inline(nil), errs)
	}
	a := NewAccount(fa.ID, fa.Name)
	a.Email, a.Labels, a.Tags, a.SCPs, a.RCPs, a.Aliases, a.TokenVersion = fa.Email, fa.Labels, fa.Tags, fa.SCPs, fa.RCPs, fa.Aliases, fa.TokenVersion
	a.OutboundFederation = fa.OutboundFederation
	checkTokenVersion(r.file, fa, errs)
	a.DelegationRequests = fa.DelegationRequests
	var users EntitiesBuilder[*User]
	for i := range fa.Users {
		fu := &fa.Users[i]
		users.Set(fu.Name, r.user(fu, old.Users.Get(fu.Name)))
	}
	a.Users = users.Entities()
	var groups EntitiesBuilder[*Group]
	for i := range fa.Groups {
		fg := &fa.Groups[i]
		groups.Set(fg.Name, r.group(fg, old.Groups.Get(fg.Name)))
	}
	a.Groups = groups.Entities()
	var roles EntitiesBuilder[*Role]
	for i := range fa.Roles {
		fr := &fa.Roles[i]
		roles.Set(fr.Name, r.role(fa.ID, fr, old.Roles.Get(fr.Name), errs))
	}
	a.Roles = roles.Entities()
	var policies EntitiesBuilder[*ManagedPolicy]
	for i := range fa.Policies {
		fp := &fa.Policies[i]
		policies.Set(fp.Name, r.policy(fp, old.Policies.Get(fp.Name)))
	}
	a.Policies = policies.Entities()
	var resources EntitiesBuilder[*Resource]
	for i := range fa.Resources {
		fr := &fa.Resources[i]
		resources.Set(fr.ARN, r.resource(fr, old.Resources.Get(fr.ARN)))
	}
	a.Resources = resources.Entities()
	addProfiles(a, fa)
	return a
}

// forgetRole takes a role out of the world's index by ID (unless another
// role has taken its place there).
func (w *World) forgetRole(o *Role) {
	if w.roleByID.Get(o.ID) == o {
		w.roleByID = w.roleByID.Without(o.ID)
	}
}

// forgetResource takes a resource of account acct out of the world's
// index, under its ARN and its alias keys.
func (w *World) forgetResource(o *Resource, acct string) {
	if w.resources.Get(o.ARN) == o {
		w.resources = w.resources.Without(o.ARN)
	}
	if parsed, err := arn.Parse(o.ARN); err == nil {
		for _, k := range resourceAliasKeys(parsed, acct, o.Aliases) {
			if w.resources.Get(k) == o {
				w.resources = w.resources.Without(k)
			}
		}
	}
}

// forgetEntities takes an account's roles and resources out of the
// world's indexes (the account is built again).
func (w *World) forgetEntities(a *Account) {
	for _, r := range a.Roles.All() {
		w.forgetRole(r)
	}
	for _, r := range a.Resources.All() {
		w.forgetResource(r, a.ID)
	}
}
