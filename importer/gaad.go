package importer

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/world"
)

// document is a policy document as JSON: an object, or a string holding
// (possibly URL-encoded) JSON.
type document json.RawMessage

func (d *document) UnmarshalJSON(b []byte) error {
	*d = append((*d)[:0], b...)
	return nil
}

// JSON returns the document text.
func (d document) JSON() ([]byte, error) {
	b := []byte(d)
	if len(b) == 0 || string(b) == "null" {
		return nil, nil
	}
	if b[0] != '"' {
		return b, nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(strings.TrimSpace(s), "{") {
		// The raw API returns documents URL-encoded (RFC 3986).
		u, err := url.QueryUnescape(s)
		if err != nil {
			return nil, fmt.Errorf("URL-encoded policy document: %v", err)
		}
		s = u
	}
	if !json.Valid([]byte(s)) {
		return nil, fmt.Errorf("not a JSON policy document: %.40q", s)
	}
	return []byte(s), nil
}

type tag struct{ Key, Value string }

type inline struct {
	PolicyName     string
	PolicyDocument document
}

type attached struct{ PolicyName, PolicyArn string }

type boundary struct{ PermissionsBoundaryType, PermissionsBoundaryArn string }

// GAAD is the GetAccountAuthorizationDetails response.
type GAAD struct {
	UserDetailList []struct {
		Path, UserName, UserId, Arn string
		UserPolicyList              []inline
		GroupList                   []string
		AttachedManagedPolicies     []attached
		PermissionsBoundary         *boundary
		Tags                        []tag
	}
	GroupDetailList []struct {
		Path, GroupName, GroupId, Arn string
		GroupPolicyList               []inline
		AttachedManagedPolicies       []attached
	}
	RoleDetailList []struct {
		Path, RoleName, RoleId, Arn string
		AssumeRolePolicyDocument    document
		RolePolicyList              []inline
		AttachedManagedPolicies     []attached
		PermissionsBoundary         *boundary
		Tags                        []tag
		// InstanceProfileList holds the instance profiles that contain
		// the role (the API's InstanceProfile shape).
		InstanceProfileList []struct {
			InstanceProfileName, InstanceProfileId, Path, Arn string
		}
	}
	Policies []struct {
		PolicyName, PolicyId, Arn, Path, DefaultVersionId string
		PolicyVersionList                                 []struct {
			Document         document
			VersionId        string
			IsDefaultVersion bool
		}
	}
	IsTruncated bool
}

func tags(ts []tag) map[string]string {
	if len(ts) == 0 {
		return nil
	}
	m := make(map[string]string, len(ts))
	for _, t := range ts {
		m[t.Key] = t.Value
	}
	return m
}

func arns(as []attached) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.PolicyArn)
	}
	return out
}

func accountOf(a string) string {
	p, err := arn.Parse(a)
	if err != nil {
		return ""
	}
	return p.AccountID
}

// ParseGAAD reads one account's get-account-authorization-details output.
// The account ID comes from the ARNs in it; every entity must name the same
// account. AWS managed policies in the output are skipped: the catalog holds
// them.
func ParseGAAD(name string, data []byte) (world.FileAccount, error) {
	var g GAAD
	var fa world.FileAccount
	if err := json.Unmarshal(data, &g); err != nil {
		return fa, fmt.Errorf("%s: not get-account-authorization-details output: %v", name, err)
	}
	if g.IsTruncated {
		return fa, fmt.Errorf("%s: the output is truncated (IsTruncated); run the command without --max-items so that it pages through everything", name)
	}
	account := ""
	claim := func(a, what string) error {
		id := accountOf(a)
		if id == "" {
			return fmt.Errorf("%s: %s has no account in its ARN %q", name, what, a)
		}
		if account == "" {
			account = id
		} else if id != account {
			return fmt.Errorf("%s: %s is in account %s but earlier entities are in %s: give one file per account", name, what, id, account)
		}
		return nil
	}
	inl := func(what string, in []inline) ([]world.FileInline, error) {
		var out []world.FileInline
		for _, p := range in {
			doc, err := p.PolicyDocument.JSON()
			if err != nil || doc == nil {
				return nil, fmt.Errorf("%s: %s policy %s: %v", name, what, p.PolicyName, err)
			}
			out = append(out, world.FileInline{Name: p.PolicyName, Document: world.NewPolicySource(doc)})
		}
		return out, nil
	}
	for _, u := range g.UserDetailList {
		if err := claim(u.Arn, "user "+u.UserName); err != nil {
			return fa, err
		}
		pols, err := inl("user "+u.UserName, u.UserPolicyList)
		if err != nil {
			return fa, err
		}
		fu := world.FileUser{Name: u.UserName, Path: u.Path, ID: u.UserId, Groups: u.GroupList, Policies: pols, ManagedPolicies: arns(u.AttachedManagedPolicies), Tags: tags(u.Tags)}
		if u.PermissionsBoundary != nil {
			fu.PermissionsBoundary = u.PermissionsBoundary.PermissionsBoundaryArn
		}
		fa.Users = append(fa.Users, fu)
	}
	for _, gr := range g.GroupDetailList {
		if err := claim(gr.Arn, "group "+gr.GroupName); err != nil {
			return fa, err
		}
		pols, err := inl("group "+gr.GroupName, gr.GroupPolicyList)
		if err != nil {
			return fa, err
		}
		fa.Groups = append(fa.Groups, world.FileGroup{Name: gr.GroupName, Path: gr.Path, ID: gr.GroupId, Policies: pols, ManagedPolicies: arns(gr.AttachedManagedPolicies)})
	}
	for _, r := range g.RoleDetailList {
		if err := claim(r.Arn, "role "+r.RoleName); err != nil {
			return fa, err
		}
		pols, err := inl("role "+r.RoleName, r.RolePolicyList)
		if err != nil {
			return fa, err
		}
		trust, err := r.AssumeRolePolicyDocument.JSON()
		if err != nil || trust == nil {
			return fa, fmt.Errorf("%s: role %s: trust policy: %v", name, r.RoleName, err)
		}
		fr := world.FileRole{Name: r.RoleName, Path: r.Path, ID: r.RoleId, TrustPolicy: world.NewPolicySource(trust), Policies: pols,
			ManagedPolicies: arns(r.AttachedManagedPolicies), Tags: tags(r.Tags)}
		if r.PermissionsBoundary != nil {
			fr.PermissionsBoundary = r.PermissionsBoundary.PermissionsBoundaryArn
		}
		fa.Roles = append(fa.Roles, fr)
		for _, ip := range r.InstanceProfileList {
			addProfile(&fa, ip.InstanceProfileName, ip.Path, ip.InstanceProfileId, r.RoleName)
		}
	}
	for _, p := range g.Policies {
		if catalog.IsAWSManagedARN(p.Arn) {
			continue
		}
		if err := claim(p.Arn, "policy "+p.PolicyName); err != nil {
			return fa, err
		}
		fp := world.FilePolicy{Name: p.PolicyName, Path: p.Path, DefaultVersion: p.DefaultVersionId}
		vs := p.PolicyVersionList
		sort.SliceStable(vs, func(i, j int) bool { return versionNumber(vs[i].VersionId) < versionNumber(vs[j].VersionId) })
		for _, v := range vs {
			doc, err := v.Document.JSON()
			if err != nil || doc == nil {
				return fa, fmt.Errorf("%s: policy %s version %s: %v", name, p.PolicyName, v.VersionId, err)
			}
			fp.Versions = append(fp.Versions, world.FileVersion{ID: v.VersionId, Document: world.NewPolicySource(doc)})
			if v.IsDefaultVersion {
				fp.DefaultVersion = v.VersionId
			}
		}
		fa.Policies = append(fa.Policies, fp)
	}
	if account == "" {
		return fa, fmt.Errorf("%s: no users, groups, roles or policies: the account cannot be told", name)
	}
	fa.ID = account
	return fa, nil
}

// addProfile adds role to the instance profile of that name, adding the
// profile when it is new (GAAD lists a profile under each of its roles).
func addProfile(fa *world.FileAccount, name, path, id, role string) {
	for i := range fa.InstanceProfiles {
		if p := &fa.InstanceProfiles[i]; p.Name == name {
			p.Roles = append(p.Roles, role)
			return
		}
	}
	fa.InstanceProfiles = append(fa.InstanceProfiles, world.FileInstanceProfile{Name: name, Path: path, ID: id, Roles: []string{role}})
}

func versionNumber(v string) int {
	n := 0
	_, _ = fmt.Sscanf(strings.TrimPrefix(v, "v"), "%d", &n) // not a number: 0, the oldest
	return n
}

// Merge puts an imported account into a world file: its IAM entities
// replace the account's, and the account's name, labels, tags, SCP/RCP
// attachments and resources are kept. A new account is added.
func Merge(fw *world.FileWorld, fa world.FileAccount) {
	for i := range fw.Accounts {
		if fw.Accounts[i].ID == fa.ID {
			a := &fw.Accounts[i]
			a.Users, a.Groups, a.Roles, a.Policies = fa.Users, fa.Groups, fa.Roles, fa.Policies
			return
		}
	}
	fw.Accounts = append(fw.Accounts, fa)
}

// AddResourcePolicy attaches a resource policy to a resource of an account
// (creating the account and the resource as needed).
func AddResourcePolicy(fw *world.FileWorld, account, resourceARN string, doc []byte) {
	var a *world.FileAccount
	for i := range fw.Accounts {
		if fw.Accounts[i].ID == account {
			a = &fw.Accounts[i]
		}
	}
	if a == nil {
		fw.Accounts = append(fw.Accounts, world.FileAccount{ID: account})
		a = &fw.Accounts[len(fw.Accounts)-1]
	}
	for i := range a.Resources {
		if a.Resources[i].ARN == resourceARN {
			a.Resources[i].Policy = world.NewPolicySource(doc)
			return
		}
	}
	a.Resources = append(a.Resources, world.FileResource{ARN: resourceARN, Policy: world.NewPolicySource(doc)})
}

// MergeOrganization sets the organization from a YAML (or JSON) file that
// holds a world file's organization section.
func MergeOrganization(fw *world.FileWorld, name string, data []byte) error {
	var f struct {
		Organization *world.FileOrganization `yaml:"organization" json:"organization"`
	}
	if err := yamlUnmarshalStrict(data, &f); err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	if f.Organization == nil {
		return fmt.Errorf("%s: no organization section", name)
	}
	fw.Organization = f.Organization
	for _, id := range ouAccounts(&f.Organization.Root) {
		found := false
		for _, a := range fw.Accounts {
			if a.ID == id {
				found = true
			}
		}
		if !found {
			fw.Accounts = append(fw.Accounts, world.FileAccount{ID: id})
		}
	}
	return nil
}

func ouAccounts(o *world.FileOU) []string {
	out := append([]string{}, o.Accounts...)
	for i := range o.OUs {
		out = append(out, ouAccounts(&o.OUs[i])...)
	}
	return out
}
