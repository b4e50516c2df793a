package iam

import (
	"crypto/sha256"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/world"
)

func init() {
	register(map[string]Handler{
		"CreatePolicy": CreatePolicy, "GetPolicy": GetPolicy, "ListPolicies": ListPolicies, "DeletePolicy": DeletePolicy,
		"CreatePolicyVersion": CreatePolicyVersion, "GetPolicyVersion": GetPolicyVersion, "ListPolicyVersions": ListPolicyVersions,
		"DeletePolicyVersion": DeletePolicyVersion, "SetDefaultPolicyVersion": SetDefaultPolicyVersion,
		"ListEntitiesForPolicy": ListEntitiesForPolicy,
	})
}

// maxPolicyVersions is IAM's limit of versions per managed policy.
const maxPolicyVersions = 5

// normalize gives a customer managed policy written with a single document
// its version list (v1, the default).
func normalize(fp *world.FilePolicy) {
	if !fp.Document.IsZero() {
		fp.Versions = append([]world.FileVersion{{ID: "v1", Created: fp.Created, Document: fp.Document}}, fp.Versions...)
		fp.Document = world.PolicySource{}
	}
	if fp.DefaultVersion == "" && len(fp.Versions) > 0 {
		fp.DefaultVersion = fp.Versions[0].ID
	}
}

// usage counts how many users, groups and roles of an account attach a
// policy, and how many use it as their permissions boundary.
func usage(a *world.FileAccount, ref string) (attached, boundaries int) {
	for _, u := range a.Users {
		if slices.Contains(u.ManagedPolicies, ref) {
			attached++
		}
		if u.PermissionsBoundary == ref {
			boundaries++
		}
	}
	for _, g := range a.Groups {
		if slices.Contains(g.ManagedPolicies, ref) {
			attached++
		}
	}
	for _, r := range a.Roles {
		if slices.Contains(r.ManagedPolicies, ref) {
			attached++
		}
		if r.PermissionsBoundary == ref {
			boundaries++
		}
	}
	return attached, boundaries
}

func customerShape(a *world.FileAccount, fp world.FilePolicy) managedPolicy {
	normalize(&fp)
	ref := iamARN(a.ID, "policy", fp.Path, fp.Name)
	attached, boundaries := usage(a, ref)
	id := fp.ID
	if id == "" {
		id = stableID("ANPA", ref)
	}
	updated := fp.Updated
	if updated.IsZero() {
		updated = fp.Created
	}
	return managedPolicy{PolicyName: fp.Name, PolicyID: id, Arn: ref, Path: cleanPath(fp.Path), DefaultVersionID: fp.DefaultVersion,
		AttachmentCount: attached, PermissionsBoundaryUsageCount: boundaries, IsAttachable: true, Description: fp.Description,
		CreateDate: timestamp(fp.Created), UpdateDate: timestamp(updated), Tags: tagList(fp.Tags)}
}

func awsShape(a *world.FileAccount, mp *catalog.ManagedPolicy) managedPolicy {
	attached, boundaries := usage(a, mp.ARN)
	return managedPolicy{PolicyName: mp.Name, PolicyID: stableID("ANPA", mp.ARN), Arn: mp.ARN, Path: mp.Path(), DefaultVersionID: mp.VersionID,
		AttachmentCount: attached, PermissionsBoundaryUsageCount: boundaries, IsAttachable: true,
		CreateDate: catalogTime(mp.Created), UpdateDate: catalogTime(mp.Updated)}
}

func catalogTime(s string) string {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05Z07:00", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return timestamp(t)
		}
	}
	return timestamp(time.Time{})
}

// stableID derives an ID for something that was not created through the
// API (a policy from a world file, an AWS managed policy).
func stableID(prefix, from string) string {
	sum := sha256.Sum256([]byte(from))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var b [17]byte
	for i := range b {
		b[i] = alphabet[sum[i]&31]
	}
	return prefix + string(b[:])
}

// policyRef splits a customer managed policy ARN of the caller's account
// into its path and name; ok is false for other ARNs.
func policyRef(acct, ref string) (name string, ok bool) {
	prefix := "arn:aws:iam::" + acct + ":policy/"
	if !strings.HasPrefix(ref, prefix) {
		return "", false
	}
	return ref[strings.LastIndexByte(ref, '/')+1:], true
}

// policyRefs names the customer managed policy of the caller's account
// that an ARN names (none for another account's).
func policyRefs(c *api.Call, arn string) []world.EntityRef {
	name, _ := policyRef(c.Account(), arn)
	return refs("policy", name)
}

func filePolicy(a *world.FileAccount, ref string) *world.FilePolicy {
	name, ok := policyRef(a.ID, ref)
	if !ok {
		return nil
	}
	for i := range a.Policies {
		if fp := &a.Policies[i]; fp.Name == name && iamARN(a.ID, "policy", fp.Path, fp.Name) == ref {
			return fp
		}
	}
	return nil
}

func noSuchPolicy(ref string) *query.Error {
	return query.Errorf("NoSuchEntity", "Policy %s was not found.", ref)
}

// CreatePolicy creates a customer managed policy (6,144 characters at most,
// whitespace not counted).
func CreatePolicy(c *api.Call) (any, *query.Error) {
	p := c.Params
	name := p.Get("PolicyName")
	path := cleanPath(p.Get("Path"))
	desc := p.Get("Description")
	doc, e := checkDocument(p.Get("PolicyDocument"), policy.ManagedPolicy, maxManagedPolicySize, "PolicySize")
	if e != nil {
		return nil, e
	}
	tags := p.Tags("Tags")
	tagCtx, e := tagContext(tags, 0)
	if e != nil {
		return nil, e
	}
	ref := iamARN(c.Account(), "policy", path, name)
	if e := c.Authorize("iam:CreatePolicy", ref, tagCtx); e != nil {
		return nil, e
	}
	if len(tags) > 0 {
		if e := c.Authorize("iam:TagPolicy", ref, tagCtx); e != nil {
			return nil, e
		}
	}
	var out managedPolicy
	e = updateEntities(c, refs("policy", name), func(a *world.FileAccount) *query.Error {
		for _, fp := range a.Policies {
			if fp.Name == name {
				return query.Errorf("EntityAlreadyExists", "A policy called %s already exists. Duplicate names are not allowed.", name)
			}
		}
		fp := world.FilePolicy{Name: name, Path: path, ID: newID("ANPA"), Description: desc, Tags: tagMap(tags), Created: c.Now, Updated: c.Now,
			DefaultVersion: "v1", Versions: []world.FileVersion{{ID: "v1", Created: c.Now, Document: world.NewPolicyText(doc)}}}
		a.Policies = append(a.Policies, fp)
		out = customerShape(a, fp)
		return nil
	})
	if e != nil {
		return nil, e
	}
	return struct {
		Policy managedPolicy `xml:"Policy"`
	}{out}, nil
}

// GetPolicy returns a customer or AWS managed policy.
func GetPolicy(c *api.Call) (any, *query.Error) {
	ref, e := policyARNParam(c)
	if e != nil {
		return nil, e
	}
	if e := c.Authorize("iam:GetPolicy", ref, nil); e != nil {
		return nil, e
	}
	a := account(c)
	var out managedPolicy
	if mp, ok := catalog.Managed().Lookup(ref); ok {
		out = awsShape(a, mp)
	} else if fp := filePolicy(a, ref); fp != nil {
		out = customerShape(a, *fp)
	} else {
		return nil, noSuchPolicy(ref)
	}
	return struct {
		Policy managedPolicy `xml:"Policy"`
	}{out}, nil
}

// ListPolicies lists managed policies: Scope All (the default), AWS or
// Local; OnlyAttached; PathPrefix; PolicyUsageFilter.
func ListPolicies(c *api.Call) (any, *query.Error) {
	p := c.Params
	scope := p.Get("Scope")
	if scope == "" {
		scope = "All"
	}
	onlyAttached := strings.EqualFold(p.Get("OnlyAttached"), "true")
	usageFilter := p.Get("PolicyUsageFilter")
	prefix := pathPrefix(c)
	if e := c.Authorize("iam:ListPolicies", "*", nil); e != nil {
		return nil, e
	}
	a := account(c)
	var out []managedPolicy
	keep := func(mp managedPolicy) {
		if !strings.HasPrefix(mp.Path, prefix) {
			return
		}
		switch {
		case usageFilter == "PermissionsPolicy" && mp.AttachmentCount == 0 && onlyAttached,
			usageFilter == "PermissionsBoundary" && mp.PermissionsBoundaryUsageCount == 0 && onlyAttached,
			usageFilter == "" && onlyAttached && mp.AttachmentCount == 0 && mp.PermissionsBoundaryUsageCount == 0:
			return
		}
		out = append(out, mp)
	}
	if scope != "AWS" {
		for _, fp := range a.Policies {
			keep(customerShape(a, fp))
		}
	}
	if scope != "Local" {
		for _, mp := range catalog.Managed().Policies {
			keep(awsShape(a, mp))
		}
	}
	out, pg, e := pageOf(out, func(m managedPolicy) string { return m.Arn }, p)
	if e != nil {
		return nil, e
	}
	return struct {
		Policies []managedPolicy `xml:"Policies>member"`
		listPage
	}{out, pg}, nil
}

// customer finds the caller's customer managed policy a request names and
// authorizes the action on it.
func customer(c *api.Call, action string) (string, *world.FilePolicy, *query.Error) {
	ref, e := policyARNParam(c)
	if e != nil {
		return "", nil, e
	}
	if e := c.Authorize(action, ref, nil); e != nil {
		return "", nil, e
	}
	if catalog.IsAWSManagedARN(ref) {
		if _, ok := catalog.Managed().Lookup(ref); ok && action != "iam:GetPolicyVersion" && action != "iam:ListPolicyVersions" {
			return "", nil, query.Errorf("InvalidInput", "ARN %s is not valid: AWS managed policies cannot be changed.", ref)
		}
	}
	fp := filePolicy(account(c), ref)
	if fp == nil {
		return ref, nil, noSuchPolicy(ref)
	}
	cp := *fp
	normalize(&cp)
	return ref, &cp, nil
}

// DeletePolicy deletes a customer managed policy that is attached nowhere
// and has no versions but its default.
func DeletePolicy(c *api.Call) (any, *query.Error) {
	ref, _, e := customer(c, "iam:DeletePolicy")
	if e != nil {
		return nil, e
	}
	return nil, update(c, func(a *world.FileAccount) *query.Error {
		fp := filePolicy(a, ref)
		if fp == nil {
			return noSuchPolicy(ref)
		}
		normalize(fp)
		if n, b := usage(a, ref); n+b > 0 {
			return query.Errorf("DeleteConflict", "Cannot delete a policy attached to entities.")
		}
		if len(fp.Versions) > 1 {
			return query.Errorf("DeleteConflict", "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
		}
		for i := range a.Policies {
			if &a.Policies[i] == fp {
				a.Policies = slices.Delete(a.Policies, i, i+1)
				break
			}
		}
		return nil
	})
}

func versionShape(fp *world.FilePolicy, v world.FileVersion, withDocument bool) policyVersion {
	out := policyVersion{VersionID: v.ID, IsDefaultVersion: v.ID == fp.DefaultVersion, CreateDate: timestamp(v.Created)}
	if withDocument {
		out.Document = encodeDocument(v.Document.JSON())
	}
	return out
}

func nextVersion(fp *world.FilePolicy) string {
	n := 0
	for _, v := range fp.Versions {
		if k, err := strconv.Atoi(strings.TrimPrefix(v.ID, "v")); err == nil && k > n {
			n = k
		}
	}
	return "v" + strconv.Itoa(n+1)
}

// CreatePolicyVersion adds a version (five at most) and can make it the
// default.
func CreatePolicyVersion(c *api.Call) (any, *query.Error) {
	doc, e := checkDocument(c.Params.Get("PolicyDocument"), policy.ManagedPolicy, maxManagedPolicySize, "PolicySize")
	if e != nil {
		return nil, e
	}
	setDefault := strings.EqualFold(c.Params.Get("SetAsDefault"), "true")
	ref, _, e := customer(c, "iam:CreatePolicyVersion")
	if e != nil {
		return nil, e
	}
	var out policyVersion
	e = updateEntities(c, policyRefs(c, ref), func(a *world.FileAccount) *query.Error {
		fp := filePolicy(a, ref)
		if fp == nil {
			return noSuchPolicy(ref)
		}
		normalize(fp)
		if len(fp.Versions) >= maxPolicyVersions {
			return query.Errorf("LimitExceeded", "A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
		}
		v := world.FileVersion{ID: nextVersion(fp), Created: c.Now, Document: world.NewPolicyText(doc)}
		fp.Versions = append(fp.Versions, v)
		if setDefault {
			fp.DefaultVersion = v.ID
		}
		fp.Updated = c.Now
		out = versionShape(fp, v, false)
		return nil
	})
	if e != nil {
		return nil, e
	}
	return struct {
		PolicyVersion policyVersion `xml:"PolicyVersion"`
	}{out}, nil
}

// GetPolicyVersion returns one version's document, for customer and AWS
// managed policies.
func GetPolicyVersion(c *api.Call) (any, *query.Error) {
	id := c.Params.Get("VersionId")
	ref, e := policyARNParam(c)
	if e != nil {
		return nil, e
	}
	if mp, ok := catalog.Managed().Lookup(ref); ok {
		if e := c.Authorize("iam:GetPolicyVersion", ref, nil); e != nil {
			return nil, e
		}
		if id != mp.VersionID {
			return nil, query.Errorf("NoSuchEntity", "Policy %s version %s does not exist or is not attachable.", ref, id)
		}
		return struct {
			PolicyVersion policyVersion `xml:"PolicyVersion"`
		}{policyVersion{Document: encodeDocument(mp.Document), VersionID: id, IsDefaultVersion: true, CreateDate: catalogTime(mp.Updated)}}, nil
	}
	_, fp, e := customer(c, "iam:GetPolicyVersion")
	if e != nil {
		return nil, e
	}
	for _, v := range fp.Versions {
		if v.ID == id {
			return struct {
				PolicyVersion policyVersion `xml:"PolicyVersion"`
			}{versionShape(fp, v, true)}, nil
		}
	}
	return nil, query.Errorf("NoSuchEntity", "Policy %s version %s does not exist or is not attachable.", ref, id)
}

// ListPolicyVersions lists a policy's versions.
func ListPolicyVersions(c *api.Call) (any, *query.Error) {
	ref, e := policyARNParam(c)
	if e != nil {
		return nil, e
	}
	var out []policyVersion
	if mp, ok := catalog.Managed().Lookup(ref); ok {
		if e := c.Authorize("iam:ListPolicyVersions", ref, nil); e != nil {
			return nil, e
		}
		out = []policyVersion{{VersionID: mp.VersionID, IsDefaultVersion: true, CreateDate: catalogTime(mp.Updated)}}
	} else {
		_, fp, e := customer(c, "iam:ListPolicyVersions")
		if e != nil {
			return nil, e
		}
		for _, v := range fp.Versions {
			out = append(out, versionShape(fp, v, false))
		}
	}
	out, pg, e := pageOf(out, func(v policyVersion) string { return v.VersionID }, c.Params)
	if e != nil {
		return nil, e
	}
	return struct {
		Versions []policyVersion `xml:"Versions>member"`
		listPage
	}{out, pg}, nil
}

// DeletePolicyVersion deletes a version that is not the default.
func DeletePolicyVersion(c *api.Call) (any, *query.Error) {
	id := c.Params.Get("VersionId")
	ref, _, e := customer(c, "iam:DeletePolicyVersion")
	if e != nil {
		return nil, e
	}
	return nil, updateEntities(c, policyRefs(c, ref), func(a *world.FileAccount) *query.Error {
		fp := filePolicy(a, ref)
		if fp == nil {
			return noSuchPolicy(ref)
		}
		normalize(fp)
		if id == fp.DefaultVersion {
			return query.Errorf("DeleteConflict", "Cannot delete the default version of a policy.")
		}
		for i, v := range fp.Versions {
			if v.ID == id {
				fp.Versions = slices.Delete(fp.Versions, i, i+1)
				fp.Updated = c.Now
				return nil
			}
		}
		return query.Errorf("NoSuchEntity", "Policy %s version %s does not exist or is not attachable.", ref, id)
	})
}

// SetDefaultPolicyVersion makes a version the default.
func SetDefaultPolicyVersion(c *api.Call) (any, *query.Error) {
	id := c.Params.Get("VersionId")
	ref, _, e := customer(c, "iam:SetDefaultPolicyVersion")
	if e != nil {
		return nil, e
	}
	return nil, updateEntities(c, policyRefs(c, ref), func(a *world.FileAccount) *query.Error {
		fp := filePolicy(a, ref)
		if fp == nil {
			return noSuchPolicy(ref)
		}
		normalize(fp)
		for _, v := range fp.Versions {
			if v.ID == id {
				fp.DefaultVersion = id
				fp.Updated = c.Now
				return nil
			}
		}
		return query.Errorf("NoSuchEntity", "Policy %s version %s does not exist or is not attachable.", ref, id)
	})
}

// ListEntitiesForPolicy lists the users, groups and roles a policy is
// attached to (EntityFilter: User, Role, Group, LocalManagedPolicy,
// AWSManagedPolicy; PolicyUsageFilter; PathPrefix).
func ListEntitiesForPolicy(c *api.Call) (any, *query.Error) {
	ref, e := policyARNParam(c)
	if e != nil {
		return nil, e
	}
	filter := c.Params.Get("EntityFilter") // one of the model's EntityType, when given
	usageFilter := c.Params.Get("PolicyUsageFilter")
	prefix := pathPrefix(c)
	if e := c.Authorize("iam:ListEntitiesForPolicy", ref, nil); e != nil {
		return nil, e
	}
	a := account(c)
	if _, ok := catalog.Managed().Lookup(ref); !ok && filePolicy(a, ref) == nil {
		return nil, noSuchPolicy(ref)
	}
	uses := func(managed []string, bnd string) bool {
		switch usageFilter {
		case "PermissionsPolicy":
			return slices.Contains(managed, ref)
		case "PermissionsBoundary":
			return bnd == ref
		}
		return slices.Contains(managed, ref) || bnd == ref
	}
	type groupMember struct {
		GroupName string `xml:"GroupName"`
		GroupID   string `xml:"GroupId"`
	}
	type userMember struct {
		UserName string `xml:"UserName"`
		UserID   string `xml:"UserId"`
	}
	type roleMember struct {
		RoleName string `xml:"RoleName"`
		RoleID   string `xml:"RoleId"`
	}
	var res struct {
		PolicyGroups []groupMember `xml:"PolicyGroups>member"`
		PolicyUsers  []userMember  `xml:"PolicyUsers>member"`
		PolicyRoles  []roleMember  `xml:"PolicyRoles>member"`
		listPage
	}
	if filter == "" || filter == "Group" {
		for _, g := range a.Groups {
			if strings.HasPrefix(cleanPath(g.Path), prefix) && uses(g.ManagedPolicies, "") {
				res.PolicyGroups = append(res.PolicyGroups, groupMember{g.Name, g.ID})
			}
		}
	}
	if filter == "" || filter == "User" {
		for _, u := range a.Users {
			if strings.HasPrefix(cleanPath(u.Path), prefix) && uses(u.ManagedPolicies, u.PermissionsBoundary) {
				res.PolicyUsers = append(res.PolicyUsers, userMember{u.Name, u.ID})
			}
		}
	}
	if filter == "" || filter == "Role" {
		for _, r := range a.Roles {
			if strings.HasPrefix(cleanPath(r.Path), prefix) && uses(r.ManagedPolicies, r.PermissionsBoundary) {
				res.PolicyRoles = append(res.PolicyRoles, roleMember{r.Name, r.ID})
			}
		}
	}
	slices.SortFunc(res.PolicyGroups, func(x, y groupMember) int { return strings.Compare(x.GroupName, y.GroupName) })
	slices.SortFunc(res.PolicyUsers, func(x, y userMember) int { return strings.Compare(x.UserName, y.UserName) })
	slices.SortFunc(res.PolicyRoles, func(x, y roleMember) int { return strings.Compare(x.RoleName, y.RoleName) })
	return res, nil
}
