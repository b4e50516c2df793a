package world

import (
	"sort"
)

// ToFile turns a world back into the file format (policies as JSON
// documents), for export and for stores.
func (w *World) ToFile() *FileWorld {
	fw := &FileWorld{}
	if org := w.Organization; org != nil {
		kept := org.Kept
		fo := &kept
		fo.ID, fo.ManagementAccount, fo.Policies, fo.Attached = org.ID, org.ManagementAccount, map[string]FileOrgPolicy{}, org.Attached
		for name, p := range org.Management {
			fo.Policies[name] = p
		}
		for name, p := range org.Policies {
			fo.Policies[name] = FileOrgPolicy{Type: p.Type, ID: p.ID, Document: source(p.Document), Tags: p.Tags}
		}
		var ou func(o *OU) FileOU
		ou = func(o *OU) FileOU {
			f := FileOU{ID: o.ID, Name: o.Name, SCPs: o.SCPs, RCPs: o.RCPs, Accounts: o.Accounts, Tags: o.Tags}
			for _, c := range o.Children {
				f.OUs = append(f.OUs, ou(c))
			}
			return f
		}
		if org.Root != nil {
			fo.Root = ou(org.Root)
		}
		fw.Organization = fo
	}
	ids := sortedNames(w.Accounts)
	for _, id := range ids {
		fw.Accounts = append(fw.Accounts, accountToFile(w.Accounts.Get(id)))
	}
	return fw
}

func source(d *Document) PolicySource {
	if d == nil {
		return PolicySource{}
	}
	return NewPolicySource(d.JSON)
}

func inlineToFile(in []InlinePolicy) []FileInline {
	var out []FileInline
	for _, p := range in {
		out = append(out, FileInline{Name: p.Name, Document: source(p.Document)})
	}
	return out
}

func accountToFile(a *Account) FileAccount {
	fa := FileAccount{ID: a.ID, Name: a.Name, Email: a.Email, Labels: a.Labels, Tags: a.Tags, SCPs: a.SCPs, RCPs: a.RCPs, Aliases: a.Aliases,
		TokenVersion: a.TokenVersion, DelegationRequests: cloneDelegations(a.DelegationRequests)}
	if a.OutboundFederation != nil {
		o := *a.OutboundFederation
		fa.OutboundFederation = &o
	}
	for _, n := range sortedNames(a.Users) {
		u := a.Users.Get(n)
		fa.Users = append(fa.Users, FileUser{Name: u.Name, Path: u.Path, ID: u.ID, Groups: u.Groups, Policies: inlineToFile(u.Inline),
			ManagedPolicies: u.Managed, PermissionsBoundary: u.PermissionsBoundary, Tags: u.Tags, AccessKeys: u.AccessKeys,
			LoginProfile: u.LoginProfile, MFADevices: u.MFADevices, SSHPublicKeys: u.SSHPublicKeys,
			SigningCertificates: u.SigningCertificates})
	}
	for _, n := range sortedNames(a.Groups) {
		g := a.Groups.Get(n)
		fa.Groups = append(fa.Groups, FileGroup{Name: g.Name, Path: g.Path, ID: g.ID, Policies: inlineToFile(g.Inline), ManagedPolicies: g.Managed})
	}
	for _, n := range sortedNames(a.Roles) {
		r := a.Roles.Get(n)
		fa.Roles = append(fa.Roles, FileRole{Name: r.Name, Path: r.Path, ID: r.ID, TrustPolicy: source(r.Trust), Policies: inlineToFile(r.Inline),
			ManagedPolicies: r.Managed, PermissionsBoundary: r.PermissionsBoundary, Tags: r.Tags, MaxSessionDuration: r.MaxSessionDuration})
	}
	for _, n := range sortedNames(a.Policies) {
		mp := a.Policies.Get(n)
		fp := FilePolicy{Name: mp.Name, Path: mp.Path, DefaultVersion: mp.DefaultVersion}
		for _, v := range mp.Versions {
			fp.Versions = append(fp.Versions, FileVersion{ID: v.ID, Document: source(v.Document)})
		}
		fa.Policies = append(fa.Policies, fp)
	}
	for _, n := range keys(a.InstanceProfiles) {
		p := a.InstanceProfiles[n]
		fa.InstanceProfiles = append(fa.InstanceProfiles, FileInstanceProfile{Name: p.Name, Path: p.Path, Roles: p.Roles})
	}
	arns := sortedNames(a.Resources)
	sort.Strings(arns)
	for _, n := range arns {
		r := a.Resources.Get(n)
		fa.Resources = append(fa.Resources, FileResource{ARN: r.ARN, Policy: source(r.Policy), Tags: r.Tags, AWSManaged: r.AWSManaged, Aliases: r.Aliases,
			Role: r.Role, InstanceProfile: r.InstanceProfile})
	}
	return fa
}
