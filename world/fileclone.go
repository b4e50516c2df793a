package world

import (
	"bytes"
	"maps"
	"slices"
)

// CloneAccount returns a deep copy of an account in file form: every
// slice and map is new, so the copy can be changed without touching the
// original. Policy documents are shared: they are replaced, never changed
// in place. It costs a copy of the account's slices, far less than a JSON
// round trip.
func CloneAccount(a FileAccount) FileAccount {
	c := a
	c.claims = [5]*listClaim{}
	c.Labels, c.Tags, c.SCPs, c.RCPs, c.Aliases = slices.Clone(a.Labels), maps.Clone(a.Tags), slices.Clone(a.SCPs), slices.Clone(a.RCPs), slices.Clone(a.Aliases)
	c.Users = slices.Clone(a.Users)
	for i := range c.Users {
		u := &c.Users[i]
		u.Groups, u.Policies, u.ManagedPolicies, u.Tags, u.AccessKeys = slices.Clone(u.Groups), slices.Clone(u.Policies), slices.Clone(u.ManagedPolicies), maps.Clone(u.Tags), slices.Clone(u.AccessKeys)
		u.MFADevices = slices.Clone(u.MFADevices)
		u.SSHPublicKeys = slices.Clone(u.SSHPublicKeys)
		u.SigningCertificates = slices.Clone(u.SigningCertificates)
	}
	c.Groups = slices.Clone(a.Groups)
	for i := range c.Groups {
		g := &c.Groups[i]
		g.Policies, g.ManagedPolicies = slices.Clone(g.Policies), slices.Clone(g.ManagedPolicies)
	}
	c.Roles = slices.Clone(a.Roles)
	for i := range c.Roles {
		r := &c.Roles[i]
		r.Policies, r.ManagedPolicies, r.Tags = slices.Clone(r.Policies), slices.Clone(r.ManagedPolicies), maps.Clone(r.Tags)
	}
	c.Policies = slices.Clone(a.Policies)
	for i := range c.Policies {
		p := &c.Policies[i]
		p.Versions, p.Tags = slices.Clone(p.Versions), maps.Clone(p.Tags)
	}
	c.Resources = slices.Clone(a.Resources)
	for i := range c.Resources {
		r := &c.Resources[i]
		r.Tags, r.Aliases = maps.Clone(r.Tags), slices.Clone(r.Aliases)
	}
	if a.OutboundFederation != nil {
		o := *a.OutboundFederation
		c.OutboundFederation = &o
	}
	c.InstanceProfiles = slices.Clone(a.InstanceProfiles)
	for i := range c.InstanceProfiles {
		p := &c.InstanceProfiles[i]
		p.Roles, p.Tags = slices.Clone(p.Roles), maps.Clone(p.Tags)
	}
	c.DelegationRequests = cloneDelegations(a.DelegationRequests)
	return c
}

// Changed returns the parts of two versions of an account that differ:
// the account's own fields whole, and of its users, groups, roles,
// policies and resources only those added, removed or changed (matched by
// name, resources by ARN). Storing the difference of the results changes
// what storing the difference of before and after would, at the cost of
// comparing instead of encoding the unchanged entities.
func Changed(before, after FileAccount) (FileAccount, FileAccount) {
	b, a := before, after
	b.Users, a.Users = changed(before.Users, after.Users, func(u *FileUser) string { return u.Name }, equalUser)
	b.Groups, a.Groups = changed(before.Groups, after.Groups, func(g *FileGroup) string { return g.Name }, equalGroup)
	b.Roles, a.Roles = changed(before.Roles, after.Roles, func(r *FileRole) string { return r.Name }, equalRole)
	b.Policies, a.Policies = changed(before.Policies, after.Policies, func(p *FilePolicy) string { return p.Name }, equalPolicy)
	b.Resources, a.Resources = changed(before.Resources, after.Resources, func(r *FileResource) string { return r.ARN }, equalResource)
	return b, a
}

// changed returns, of after, the elements added or changed, and of before
// at least those removed (and changed ones compared in place). Lists are compared in place while their keys line up
// (an append, or a change in place), by key after the first difference.
func changed[T any](before, after []T, key func(*T) string, equal func(*T, *T) bool) (b, a []T) {
	i := 0
	for ; i < len(before) && i < len(after); i++ {
		if key(&before[i]) != key(&after[i]) {
			break
		}
		if !equal(&before[i], &after[i]) {
			b, a = append(b, before[i]), append(a, after[i])
		}
	}
	if i == len(before) {
		return b, append(a, after[i:]...)
	}
	if i == len(after) {
		return append(b, before[i:]...), a
	}
	old := make(map[string]*T, len(before)-i)
	for j := i; j < len(before); j++ {
		old[key(&before[j])] = &before[j]
	}
	cur := make(map[string]bool, len(after)-i)
	for j := i; j < len(after); j++ {
		k := key(&after[j])
		cur[k] = true
		if o, ok := old[k]; !ok || !equal(o, &after[j]) {
			a = append(a, after[j])
		}
	}
	for j := i; j < len(before); j++ {
		if !cur[key(&before[j])] {
			b = append(b, before[j]) // removed
		}
	}
	return b, a
}

func equalSource(a, b PolicySource) bool {
	return a.node == b.node && a.text == b.text && bytes.Equal(a.json, b.json) && (a.json == nil) == (b.json == nil)
}

func equalInline(a, b []FileInline) bool {
	return slices.EqualFunc(a, b, func(x, y FileInline) bool { return x.Name == y.Name && equalSource(x.Document, y.Document) })
}

func equalUser(a, b *FileUser) bool {
	return a.Name == b.Name && a.Path == b.Path && a.ID == b.ID && slices.Equal(a.Groups, b.Groups) && equalInline(a.Policies, b.Policies) &&
		slices.Equal(a.ManagedPolicies, b.ManagedPolicies) && a.PermissionsBoundary == b.PermissionsBoundary && maps.Equal(a.Tags, b.Tags) &&
		slices.Equal(a.AccessKeys, b.AccessKeys) && a.LoginProfile == b.LoginProfile && slices.Equal(a.MFADevices, b.MFADevices) && a.Created.Equal(b.Created) && a.Created.Location() == b.Created.Location() &&
		slices.EqualFunc(a.SSHPublicKeys, b.SSHPublicKeys, func(x, y SSHPublicKey) bool {
			return x.ID == y.ID && x.Body == y.Body && x.Status == y.Status && x.Uploaded.Equal(y.Uploaded)
		}) &&
		slices.EqualFunc(a.SigningCertificates, b.SigningCertificates, func(x, y SigningCertificate) bool {
			return x.ID == y.ID && x.Body == y.Body && x.Status == y.Status && x.Uploaded.Equal(y.Uploaded)
		})
}

func equalGroup(a, b *FileGroup) bool {
	return a.Name == b.Name && a.Path == b.Path && a.ID == b.ID && equalInline(a.Policies, b.Policies) &&
		slices.Equal(a.ManagedPolicies, b.ManagedPolicies) && a.Created.Equal(b.Created) && a.Created.Location() == b.Created.Location()
}

func equalRole(a, b *FileRole) bool {
	return a.Name == b.Name && a.Path == b.Path && a.ID == b.ID && equalSource(a.TrustPolicy, b.TrustPolicy) && equalInline(a.Policies, b.Policies) &&
		slices.Equal(a.ManagedPolicies, b.ManagedPolicies) && a.PermissionsBoundary == b.PermissionsBoundary && maps.Equal(a.Tags, b.Tags) &&
		a.MaxSessionDuration == b.MaxSessionDuration && a.Description == b.Description && a.Created.Equal(b.Created) && a.Created.Location() == b.Created.Location()
}

func equalPolicy(a, b *FilePolicy) bool {
	return a.Name == b.Name && a.Path == b.Path && equalSource(a.Document, b.Document) &&
		slices.EqualFunc(a.Versions, b.Versions, func(x, y FileVersion) bool {
			return x.ID == y.ID && x.Created.Equal(y.Created) && x.Created.Location() == y.Created.Location() && equalSource(x.Document, y.Document)
		}) &&
		a.DefaultVersion == b.DefaultVersion && a.ID == b.ID && maps.Equal(a.Tags, b.Tags) && a.Description == b.Description &&
		a.Created.Equal(b.Created) && a.Created.Location() == b.Created.Location() && a.Updated.Equal(b.Updated) && a.Updated.Location() == b.Updated.Location()
}

func equalResource(a, b *FileResource) bool {
	return a.ARN == b.ARN && equalSource(a.Policy, b.Policy) && maps.Equal(a.Tags, b.Tags) && a.AWSManaged == b.AWSManaged && slices.Equal(a.Aliases, b.Aliases) &&
		a.Role == b.Role && a.InstanceProfile == b.InstanceProfile
}
