package world

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
)

// NewDocument parses a policy document. source names it in errors.
func NewDocument(source string, data []byte) (*Document, error) {
	p, err := policy.Parse(source, data)
	if err != nil {
		return nil, err
	}
	return &Document{JSON: data, Source: source, parsed: p, compiled: map[engine.PolicyType]*engine.Policy{}}, nil
}

// Policy returns the parsed document.
func (d *Document) Policy() *policy.Policy { return d.parsed }

// compile compiles the document as a policy type; Finalize calls it for every
// use so that reads need no lock.
func (d *Document) compile(t engine.PolicyType, name string) (*engine.Policy, error) {
	if c, ok := d.compiled[t]; ok {
		return c, nil
	}
	c, err := engine.Compile(d.parsed, t, name)
	if err != nil {
		return nil, err
	}
	d.compiled[t] = c
	return c, nil
}

func (d *Document) as(t engine.PolicyType) *engine.Policy { return d.compiled[t] }

// Build turns a parsed world file into a World.
func Build(file string, fw *FileWorld) (*World, error) { return build(file, fw, nil) }

// build is Build; loc, when not nil, places errors about references.
func build(file string, fw *FileWorld, loc locator) (*World, error) {
	w := &World{}
	var errs []error
	doc, inline := documents(file, &errs)
	for _, fa := range fw.Accounts {
		if !arn.IsAccountID(fa.ID) {
			errs = append(errs, fmt.Errorf("%s: account %q: want a 12-digit account ID (quote it in YAML)", file, fa.ID))
			continue
		}
		if _, dup := w.Accounts.Lookup(fa.ID); dup {
			errs = append(errs, fmt.Errorf("%s: account %s is listed twice", file, fa.ID))
			continue
		}
		w.Accounts = w.Accounts.With(fa.ID, buildAccount(file, &fa, doc, inline, &errs))
	}
	if fo := fw.Organization; fo != nil {
		org := &Organization{ID: fo.ID, ManagementAccount: fo.ManagementAccount, Policies: map[string]*OrgPolicy{}, Attached: fo.Attached, Kept: *fo}
		org.Kept.Policies, org.Kept.Root, org.Kept.Attached = nil, FileOU{}, nil
		for name, fp := range fo.Policies {
			t := strings.ToLower(fp.Type)
			if slices.Contains(ManagementPolicyTypes, t) {
				if org.Management == nil {
					org.Management = map[string]FileOrgPolicy{}
				}
				org.Management[name] = fp // kept, not evaluated
				continue
			}
			if t != "scp" && t != "rcp" {
				errs = append(errs, fmt.Errorf("%s: organization policy %s: type must be scp or rcp, got %q", file, name, fp.Type))
				continue
			}
			org.Policies[name] = &OrgPolicy{Name: name, ID: fp.ID, Type: t, Document: doc("organization policy "+name, fp.Document), Tags: fp.Tags}
		}
		for _, f := range fo.RootAccess {
			if f != RootCredentialsManagement && f != RootSessions {
				errs = append(errs, fmt.Errorf("%s: organization rootAccess: %q is not %s or %s", file, f, RootCredentialsManagement, RootSessions))
			}
		}
		var ou func(f FileOU, parent *OU) *OU
		ou = func(f FileOU, parent *OU) *OU {
			o := &OU{ID: f.ID, Name: f.Name, Parent: parent, Accounts: f.Accounts, SCPs: f.SCPs, RCPs: f.RCPs, Tags: f.Tags}
			for _, c := range f.OUs {
				o.Children = append(o.Children, ou(c, o))
			}
			return o
		}
		org.Root = ou(fo.Root, nil)
		if org.Root.Name == "" {
			org.Root.Name = "Root"
		}
		w.Organization = org
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if err := w.Finalize(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if errs := checkRefs(file, fw, w, nil, loc); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return w, nil
}

// documents returns the functions that parse a policy document and a
// list of inline policies of a world file, appending errors to errs.
func documents(file string, errs *[]error) (docFunc, inlineFunc) {
	doc := func(where string, p PolicySource) *Document {
		if p.IsZero() {
			return nil
		}
		data, src, err := policyJSON(file, p)
		if err != nil {
			*errs = append(*errs, err)
			return nil
		}
		d, err := NewDocument(src, data)
		if err != nil {
			*errs = append(*errs, fmt.Errorf("%s (%s):\n%v", src, where, err))
			return nil
		}
		return d
	}
	inline := func(where string, in []FileInline) []InlinePolicy {
		var out []InlinePolicy
		for _, p := range in {
			if d := doc(where+" policy "+p.Name, p.Document); d != nil {
				out = append(out, InlinePolicy{Name: p.Name, Document: d})
			}
		}
		return out
	}
	return doc, inline
}

// checkTokenVersion checks an account's tokenVersion: v1Token, v2Token
// (IAM SetSecurityTokenServicePreferences) or none.
func checkTokenVersion(file string, fa *FileAccount, errs *[]error) {
	switch fa.TokenVersion {
	case "", "v1Token", "v2Token":
	default:
		*errs = append(*errs, fmt.Errorf("%s: account %s: tokenVersion %q is neither v1Token nor v2Token", file, fa.ID, fa.TokenVersion))
	}
}

// buildAccount turns one account of a world file into an Account (not yet
// finalized); errors are appended to errs.
func buildAccount(file string, fa *FileAccount, doc docFunc, inline inlineFunc, errs *[]error) *Account {
	a := NewAccount(fa.ID, fa.Name)
	a.Email, a.Labels, a.Tags, a.SCPs, a.RCPs, a.Aliases, a.TokenVersion = fa.Email, fa.Labels, fa.Tags, fa.SCPs, fa.RCPs, fa.Aliases, fa.TokenVersion
	a.OutboundFederation = fa.OutboundFederation
	checkTokenVersion(file, fa, errs)
	a.DelegationRequests = fa.DelegationRequests
	var users EntitiesBuilder[*User]
	for i := range fa.Users {
		users.Set(fa.Users[i].Name, buildUser(&fa.Users[i], inline))
	}
	a.Users = users.Entities()
	var groups EntitiesBuilder[*Group]
	for i := range fa.Groups {
		groups.Set(fa.Groups[i].Name, buildGroup(&fa.Groups[i], inline))
	}
	a.Groups = groups.Entities()
	var roles EntitiesBuilder[*Role]
	for i := range fa.Roles {
		roles.Set(fa.Roles[i].Name, buildRole(file, fa.ID, &fa.Roles[i], doc, inline, errs))
	}
	a.Roles = roles.Entities()
	var policies EntitiesBuilder[*ManagedPolicy]
	for i := range fa.Policies {
		policies.Set(fa.Policies[i].Name, buildPolicy(&fa.Policies[i], doc))
	}
	a.Policies = policies.Entities()
	var resources EntitiesBuilder[*Resource]
	for i := range fa.Resources {
		resources.Set(fa.Resources[i].ARN, buildResource(&fa.Resources[i], doc))
	}
	a.Resources = resources.Entities()
	addProfiles(a, fa)
	return a
}

// addProfiles adds the account's instance profiles.
func addProfiles(a *Account, fa *FileAccount) {
	for i := range fa.InstanceProfiles {
		p := &fa.InstanceProfiles[i]
		a.InstanceProfiles[p.Name] = &InstanceProfile{Name: p.Name, Path: p.Path, Roles: p.Roles, Account: a, Tags: p.Tags}
	}
}

// docFunc and inlineFunc parse a policy document and a list of inline
// policies (see documents).
type (
	docFunc    = func(string, PolicySource) *Document
	inlineFunc = func(string, []FileInline) []InlinePolicy
)

func buildUser(fu *FileUser, inline inlineFunc) *User {
	return &User{Name: fu.Name, Path: fu.Path, ID: fu.ID, Groups: fu.Groups, Inline: inline("user "+fu.Name, fu.Policies),
		Managed: fu.ManagedPolicies, PermissionsBoundary: fu.PermissionsBoundary, Tags: fu.Tags, AccessKeys: fu.AccessKeys,
		LoginProfile: fu.LoginProfile, MFADevices: fu.MFADevices, SSHPublicKeys: fu.SSHPublicKeys,
		SigningCertificates: fu.SigningCertificates}
}

func buildGroup(fg *FileGroup, inline inlineFunc) *Group {
	return &Group{Name: fg.Name, Path: fg.Path, ID: fg.ID, Inline: inline("group "+fg.Name, fg.Policies), Managed: fg.ManagedPolicies}
}

func buildRole(file, account string, fr *FileRole, doc docFunc, inline inlineFunc, errs *[]error) *Role {
	r := &Role{Name: fr.Name, Path: fr.Path, ID: fr.ID, Trust: doc("role "+fr.Name+" trustPolicy", fr.TrustPolicy),
		Inline: inline("role "+fr.Name, fr.Policies), Managed: fr.ManagedPolicies, PermissionsBoundary: fr.PermissionsBoundary,
		Tags: fr.Tags, MaxSessionDuration: fr.MaxSessionDuration}
	if fr.TrustPolicy.IsZero() {
		*errs = append(*errs, fmt.Errorf("%s: account %s role %s: a role needs a trustPolicy", file, account, fr.Name))
	}
	return r
}

func buildPolicy(fp *FilePolicy, doc docFunc) *ManagedPolicy {
	mp := &ManagedPolicy{Name: fp.Name, Path: fp.Path, DefaultVersion: fp.DefaultVersion, Tags: fp.Tags}
	if !fp.Document.IsZero() {
		if d := doc("policy "+fp.Name, fp.Document); d != nil {
			mp.Versions = append(mp.Versions, PolicyVersion{ID: "v1", Document: d})
		}
	}
	for _, v := range fp.Versions {
		if d := doc("policy "+fp.Name+" "+v.ID, v.Document); d != nil {
			mp.Versions = append(mp.Versions, PolicyVersion{ID: v.ID, Document: d})
		}
	}
	return mp
}

func buildResource(fr *FileResource, doc docFunc) *Resource {
	return &Resource{ARN: fr.ARN, Tags: fr.Tags, AWSManaged: fr.AWSManaged, Aliases: fr.Aliases, Policy: doc("resource "+fr.ARN, fr.Policy),
		Role: fr.Role, InstanceProfile: fr.InstanceProfile}
}

// NewAccount returns an empty account.
func NewAccount(id, name string) *Account {
	return &Account{ID: id, Name: name, InstanceProfiles: map[string]*InstanceProfile{}, names: &nameIndex{}}
}

func stableID(prefix string, n int, parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return prefix + hex.EncodeToString(sum[:])[:n]
}

func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

// ARN of a user.
func (u *User) ARN() string {
	return "arn:aws:iam::" + u.Account.ID + ":user" + cleanPath(u.Path) + u.Name
}

// ARN of a group.
func (g *Group) ARN() string {
	return "arn:aws:iam::" + g.Account.ID + ":group" + cleanPath(g.Path) + g.Name
}

// ARN of a role (with its path).
func (r *Role) ARN() string {
	return "arn:aws:iam::" + r.Account.ID + ":role" + cleanPath(r.Path) + r.Name
}

// Finalize checks every reference, fills in IDs and ARNs, and compiles every
// policy for each way it is used. Call it after changing a World.
func (w *World) Finalize() error {
	w.cache = nil
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	compile := func(d *Document, t engine.PolicyType, name string) {
		if d == nil {
			return
		}
		if _, err := d.compile(t, name); err != nil {
			bad("%s: %v", name, err)
		}
	}
	w.resources, w.roleByID = Entities[*Resource]{}, Entities[*Role]{}
	ids := make([]string, 0, w.Accounts.Len())
	for id := range w.Accounts.All() {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		w.finalizeAccount(w.Accounts.Get(id), bad)
	}
	if org := w.Organization; org != nil {
		if org.ID == "" {
			org.ID = stableID("o-", 10, ids...)
		} else if !orgIDPattern.MatchString(org.ID) {
			bad("organization: id %q: an organization ID is o- and 10 to 32 lowercase letters or digits", org.ID)
		}
		if org.ManagementAccount != "" && w.Accounts.Get(org.ManagementAccount) == nil {
			bad("organization: management account %s is not among the accounts", org.ManagementAccount)
		}
		org.SCPsEnabled, org.RCPsEnabled = false, false
		for name, p := range org.Policies {
			if p.ID == "" {
				p.ID = stableID("p-", 8, org.ID, name)
			}
			if p.Document == nil {
				bad("organization policy %s has no document", name)
				continue
			}
			t := engine.SCP
			if p.Type == "rcp" {
				t = engine.RCP
				org.RCPsEnabled = true
			} else {
				org.SCPsEnabled = true
			}
			compile(p.Document, t, name)
		}
		seen := map[string]bool{}
		var walk func(o *OU, path string)
		walk = func(o *OU, path string) {
			if o.ID == "" {
				if o.Parent == nil {
					o.ID = stableID("r-", 4, org.ID)
				} else {
					o.ID = stableID("ou-"+strings.TrimPrefix(org.Root.ID, "r-")+"-", 8, org.ID, path, o.Name)
				}
			}
			for _, kind := range [][]string{o.SCPs, o.RCPs} {
				for _, name := range kind {
					if org.Policies[name] == nil && name != "FullAWSAccess" && name != "RCPFullAWSAccess" {
						bad("organization: %s attaches policy %s, which is not defined", o.Name, name)
					}
				}
			}
			for _, id := range o.Accounts {
				a := w.Accounts.Get(id)
				switch {
				case a == nil:
					bad("organization: %s lists account %s, which is not among the accounts", o.Name, id)
				case seen[id]:
					bad("organization: account %s is in two places", id)
				default:
					seen[id] = true
					a.OU = o
				}
			}
			for _, c := range o.Children {
				c.Parent = o
				walk(c, path+"/"+c.Name)
			}
		}
		walk(org.Root, "")
		for _, id := range ids {
			a := w.Accounts.Get(id)
			for _, name := range append(append([]string{}, a.SCPs...), a.RCPs...) {
				if org.Policies[name] == nil && name != "FullAWSAccess" && name != "RCPFullAWSAccess" {
					bad("account %s attaches policy %s, which is not defined", id, name)
				}
			}
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	w.cache = &decisionCache{}
	return nil
}

// finalizeAccount checks and compiles one account, as Finalize does for
// each, and records its roles and resources in the world's indexes.
func (w *World) finalizeAccount(a *Account, bad func(format string, args ...any)) {
	f := finalizer{w: w, a: a, bad: bad}
	a.OU = nil
	// IAM names are unique in an account regardless of case (the IAM User
	// Guide, "IAM identifiers"), though ARNs match case-sensitively.
	for kind, names := range map[string][]string{"user": sortedNames(a.Users), "group": sortedNames(a.Groups), "role": sortedNames(a.Roles), "policy": sortedNames(a.Policies)} {
		seen := map[string]string{}
		for _, n := range names {
			if other, dup := seen[strings.ToLower(n)]; dup {
				f.caseClash(kind, other, n)
			}
			seen[strings.ToLower(n)] = n
		}
	}
	for _, mp := range a.Policies.All() {
		f.policy(mp)
	}
	for _, g := range a.Groups.All() {
		f.group(g)
	}
	for _, u := range a.Users.All() {
		f.user(u)
	}
	for _, r := range a.Roles.All() {
		f.role(r)
	}
	for key, r := range a.Resources.All() {
		f.resource(key, r)
	}
}

// finalizer checks and compiles the entities of one account a of w, each
// on its own (finalizeAccount does all of them, RebuildEntities those that
// changed); problems go to bad.
type finalizer struct {
	w   *World
	a   *Account
	bad func(format string, args ...any)
}

func (f *finalizer) caseClash(kind, first, second string) {
	f.bad("account %s: %s names %q and %q differ only in case; IAM names are unique regardless of case", f.a.ID, kind, first, second)
}

func (f *finalizer) compile(d *Document, t engine.PolicyType, name string) {
	if d == nil {
		return
	}
	if _, err := d.compile(t, name); err != nil {
		f.bad("%s: %v", name, err)
	}
}

// managed checks a managed policy reference of the account's entity.
func (f *finalizer) managed(ref, where string, t engine.PolicyType) {
	mp, ok := f.w.ManagedPolicy(ref)
	if !ok {
		f.bad("%s: managed policy %s does not exist", where, ref)
		return
	}
	// An entity that did not change is shared by successive versions of
	// its account: the account is compared by ID.
	if !catalog.IsAWSManagedARN(ref) && (mp.Account == nil || mp.Account.ID != f.a.ID) {
		// Accounts stay isolated: a user, group or role uses only AWS
		// managed policies and its own account's (see PolicyFor).
		f.bad("%s: managed policy %s is not in account %s; only AWS managed policies and the account's own can be attached or used as a boundary", where, ref, f.a.ID)
		return
	}
	if d := mp.Default(); d != nil {
		f.compile(d, t, mp.ARN)
	} else {
		f.bad("%s: managed policy %s has no versions", where, ref)
	}
}

func (f *finalizer) policy(mp *ManagedPolicy) {
	a := f.a
	mp.Account = a
	mp.Path = cleanPath(mp.Path)
	mp.ARN = "arn:aws:iam::" + a.ID + ":policy" + mp.Path + mp.Name
	if mp.DefaultVersion == "" && len(mp.Versions) > 0 {
		mp.DefaultVersion = mp.Versions[len(mp.Versions)-1].ID
	}
	// A managed policy can be attached, set as a boundary or passed
	// as a session policy: compile it for each now, so that requests
	// only read.
	for _, v := range mp.Versions {
		for _, t := range []engine.PolicyType{engine.IdentityPolicy, engine.BoundaryPolicy, engine.SessionPolicy} {
			f.compile(v.Document, t, mp.ARN)
		}
	}
}

func (f *finalizer) group(g *Group) {
	g.Account = f.a
	if g.ID == "" {
		g.ID = engine.UniqueID("AGPA", g.ARN())
	}
	for _, p := range g.Inline {
		f.compile(p.Document, engine.IdentityPolicy, g.ARN()+" inline "+p.Name)
	}
	f.groupRefs(g)
}

// groupRefs checks a group's references to managed policies.
func (f *finalizer) groupRefs(g *Group) {
	for _, m := range g.Managed {
		f.managed(m, "group "+g.ARN(), engine.IdentityPolicy)
	}
}

func (f *finalizer) user(u *User) {
	a := f.a
	u.Account = a
	if u.ID == "" {
		u.ID = engine.UniqueID("AIDA", u.ARN())
	}
	for _, g := range u.Groups {
		if _, ok := a.Groups.Lookup(g); !ok {
			f.bad("user %s: group %s does not exist in account %s", u.ARN(), g, a.ID)
		}
	}
	for _, p := range u.Inline {
		f.compile(p.Document, engine.IdentityPolicy, u.ARN()+" inline "+p.Name)
	}
	f.userRefs(u)
}

// userRefs checks a user's references to managed policies.
func (f *finalizer) userRefs(u *User) {
	for _, m := range u.Managed {
		f.managed(m, "user "+u.ARN(), engine.IdentityPolicy)
	}
	if u.PermissionsBoundary != "" {
		f.managed(u.PermissionsBoundary, "user "+u.ARN()+" permissions boundary", engine.BoundaryPolicy)
	}
}

func (f *finalizer) role(r *Role) {
	r.Account = f.a
	if r.ID == "" {
		r.ID = engine.UniqueID("AROA", r.ARN())
	}
	f.w.roleByID = f.w.roleByID.With(r.ID, r)
	f.compile(r.Trust, engine.ResourcePolicy, r.ARN()+" trust policy")
	for _, p := range r.Inline {
		f.compile(p.Document, engine.IdentityPolicy, r.ARN()+" inline "+p.Name)
	}
	f.roleRefs(r)
}

// roleRefs checks a role's references to managed policies.
func (f *finalizer) roleRefs(r *Role) {
	for _, m := range r.Managed {
		f.managed(m, "role "+r.ARN(), engine.IdentityPolicy)
	}
	if r.PermissionsBoundary != "" {
		f.managed(r.PermissionsBoundary, "role "+r.ARN()+" permissions boundary", engine.BoundaryPolicy)
	}
}

func (f *finalizer) resource(key string, r *Resource) {
	a, w := f.a, f.w
	r.Account = a
	parsed, err := arn.Parse(r.ARN)
	if err != nil {
		f.bad("account %s: resource %q is not an ARN", a.ID, key)
		return
	}
	if parsed.AccountID != "" && parsed.AccountID != a.ID {
		f.bad("resource %s is listed in account %s but its ARN names account %s", r.ARN, a.ID, parsed.AccountID)
	}
	r.Type = resourceType(parsed)
	f.compile(r.Policy, engine.ResourcePolicy, r.ARN+" policy")
	if r.AWSManaged && r.Policy == nil {
		r.managedKeyPolicy = awsManagedKeyPolicy(r)
	}
	if other, dup := w.resources.Lookup(r.ARN); dup {
		first, second := other.Account.ID, a.ID
		if first > second { // as Finalize, which goes by account ID, names them
			first, second = second, first
		}
		f.bad("resource %s is listed in accounts %s and %s", r.ARN, first, second)
	}
	w.resources = w.resources.With(r.ARN, r)
	for _, k := range resourceAliasKeys(parsed, a.ID, r.Aliases) {
		w.resources = w.resources.With(k, r)
	}
}

// resourceAliasKeys are the index keys of a KMS key's aliases.
func resourceAliasKeys(parsed arn.ARN, account string, aliases []string) []string {
	out := make([]string, 0, len(aliases))
	for _, al := range aliases {
		out = append(out, "arn:aws:kms:"+parsed.Region+":"+account+":"+al)
	}
	return out
}

// orgIDPattern is the Organizations API's pattern for organization IDs.
var orgIDPattern = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)

// sortedNames returns an Entities map's names, sorted.
func sortedNames[V any](m Entities[V]) []string {
	out := make([]string, 0, m.Len())
	for k := range m.Keys() {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ManagedPolicy finds a managed policy by ARN: a customer managed policy in
// the world, or an AWS managed policy.
func (w *World) ManagedPolicy(ref string) (*ManagedPolicy, bool) {
	if catalog.IsAWSManagedARN(ref) {
		if w.AWSManaged != nil {
			return w.AWSManaged(ref)
		}
		return awsManaged(ref)
	}
	a, err := arn.Parse(ref)
	if err != nil {
		return nil, false
	}
	acct := w.Accounts.Get(a.AccountID)
	if acct == nil {
		return nil, false
	}
	name := a.Resource[strings.LastIndexByte(a.Resource, '/')+1:]
	mp, ok := acct.Policies.Lookup(name)
	if !ok || mp.ARN != "" && mp.ARN != ref {
		return nil, false
	}
	return mp, true
}

// PolicyFor finds a managed policy that principals of an account may use:
// attach, set as their permissions boundary, or pass as a session policy.
// Those are the AWS managed policies and the account's own customer managed
// policies; another account's policy is never one (the IAM User Guide,
// "Managed policies and inline policies": a customer managed policy is used
// in the account that holds it; the STS API Reference, AssumeRole
// PolicyArns: "The policies must exist in the same account as the role").
func (w *World) PolicyFor(account, ref string) (*ManagedPolicy, bool) {
	mp, ok := w.ManagedPolicy(ref)
	if !ok || mp.Default() == nil {
		return nil, false
	}
	if catalog.IsAWSManagedARN(ref) {
		return mp, true
	}
	if mp.Account == nil || mp.Account.ID != account {
		return nil, false
	}
	return mp, true
}

var (
	managedMu       sync.Mutex
	awsManagedCache = map[string]*ManagedPolicy{}
)

// awsManaged resolves AWS managed policies through the embedded catalog,
// compiled on first use and shared by every world.
func awsManaged(ref string) (*ManagedPolicy, bool) {
	managedMu.Lock()
	defer managedMu.Unlock()
	if mp, ok := awsManagedCache[ref]; ok {
		return mp, true
	}
	cp, ok := catalog.Managed().Lookup(ref)
	if !ok {
		return nil, false
	}
	d, err := NewDocument(cp.ARN, cp.Document)
	if err != nil {
		return nil, false
	}
	for _, t := range []engine.PolicyType{engine.IdentityPolicy, engine.BoundaryPolicy, engine.SessionPolicy} {
		if _, err := d.compile(t, cp.ARN); err != nil {
			return nil, false
		}
	}
	mp := &ManagedPolicy{Name: cp.Name, Path: cp.Path(), ARN: cp.ARN, DefaultVersion: cp.VersionID, Versions: []PolicyVersion{{ID: cp.VersionID, Document: d}}}
	awsManagedCache[ref] = mp
	return mp, true
}

// resourceType names a resource's kind from its ARN.
func resourceType(a arn.ARN) string {
	kind := a.Resource
	if i := strings.IndexAny(kind, ":/"); i >= 0 {
		kind = kind[:i]
	}
	switch a.Service {
	case "s3":
		if strings.Contains(a.Resource, "/") {
			return "s3-object"
		}
		return "s3-bucket"
	case "sqs":
		return "sqs-queue"
	case "sns":
		return "sns-topic"
	}
	return a.Service + "-" + kind
}
