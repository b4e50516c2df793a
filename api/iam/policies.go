package iam

import (
	"crypto/sha256"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/iamshape"
	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/world"
)

func init() {
	registerTyped("CreatePolicy", CreatePolicy)
	registerTyped("GetPolicy", GetPolicy)
	registerTyped("ListPolicies", ListPolicies)
	registerTyped("DeletePolicy", DeletePolicy)
	registerTyped("CreatePolicyVersion", CreatePolicyVersion)
	registerTyped("GetPolicyVersion", GetPolicyVersion)
	registerTyped("ListPolicyVersions", ListPolicyVersions)
	registerTyped("DeletePolicyVersion", DeletePolicyVersion)
	registerTyped("SetDefaultPolicyVersion", SetDefaultPolicyVersion)
	registerTyped("ListEntitiesForPolicy", ListEntitiesForPolicy)
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

// customerPolicy is a customer managed policy as the model's Policy,
// with its tags.
func customerPolicy(a *world.FileAccount, fp world.FilePolicy) iamshape.Policy {
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
	return iamshape.Policy{PolicyName: fp.Name, PolicyId: id, Arn: ref, Path: cleanPath(fp.Path), DefaultVersionId: fp.DefaultVersion,
		AttachmentCount: shape.Ptr(int32(attached)), PermissionsBoundaryUsageCount: shape.Ptr(int32(boundaries)), IsAttachable: shape.Ptr(true),
		Description: fp.Description, CreateDate: createdAt(fp.Created), UpdateDate: createdAt(updated), Tags: tagShapes(fp.Tags)}
}

// awsPolicy is an AWS managed policy as the model's Policy, with the
// caller's account's use of it.
func awsPolicy(a *world.FileAccount, mp *catalog.ManagedPolicy) iamshape.Policy {
	attached, boundaries := usage(a, mp.ARN)
	return iamshape.Policy{PolicyName: mp.Name, PolicyId: stableID("ANPA", mp.ARN), Arn: mp.ARN, Path: mp.Path(), DefaultVersionId: mp.VersionID,
		AttachmentCount: shape.Ptr(int32(attached)), PermissionsBoundaryUsageCount: shape.Ptr(int32(boundaries)), IsAttachable: shape.Ptr(true),
		CreateDate: catalogTime(mp.Created), UpdateDate: catalogTime(mp.Updated)}
}

// catalogTime is a catalog date as a required timestamp (the epoch when
// it does not parse).
func catalogTime(s string) *shape.Time {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05Z07:00", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return createdAt(t)
		}
	}
	return createdAt(time.Time{})
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
	return iamerr.NoSuchEntity("Policy %s was not found.", ref)
}

// CreatePolicy creates a customer managed policy (6,144 characters at most,
// whitespace not counted) and returns it without its document.
func CreatePolicy(c *api.Call, in *iamshape.CreatePolicyRequest) (*iamshape.CreatePolicyResponse, *query.Error) {
	name := in.PolicyName
	path := cleanPath(in.Path)
	doc, e := checkDocument(in.PolicyDocument, policy.ManagedPolicy, maxManagedPolicySize, "PolicySize")
	if e != nil {
		return nil, e
	}
	tags := tagPairs(in.Tags)
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
	if nameTaken(account(c), "policy", name, "") {
		return nil, iamerr.EntityAlreadyExists("A policy called %s already exists. Duplicate names are not allowed.", name)
	}
	var out iamshape.Policy
	e = updateEntities(c, refs("policy", name), func(a *world.FileAccount) *query.Error {
		if nameTaken(a, "policy", name, "") {
			return iamerr.EntityAlreadyExists("A policy called %s already exists. Duplicate names are not allowed.", name)
		}
		fp := world.FilePolicy{Name: name, Path: path, ID: newID("ANPA"), Description: in.Description, Tags: tagMap(tags), Created: c.Now, Updated: c.Now,
			DefaultVersion: "v1", Versions: []world.FileVersion{{ID: "v1", Created: c.Now, Document: world.NewPolicyText(doc)}}}
		a.Policies = append(a.Policies, fp)
		out = customerPolicy(a, fp)
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &iamshape.CreatePolicyResponse{Policy: &out}, nil
}

// GetPolicy returns a customer or AWS managed policy.
func GetPolicy(c *api.Call, in *iamshape.GetPolicyRequest) (*iamshape.GetPolicyResponse, *query.Error) {
	ref, e := policyARN(in.PolicyArn)
	if e != nil {
		return nil, e
	}
	if e := c.Authorize("iam:GetPolicy", ref, nil); e != nil {
		return nil, e
	}
	a := account(c)
	var out iamshape.Policy
	if mp, ok := catalog.Managed().Lookup(ref); ok {
		out = awsPolicy(a, mp)
	} else if fp := filePolicy(a, ref); fp != nil {
		out = customerPolicy(a, *fp)
	} else {
		return nil, noSuchPolicy(ref)
	}
	return &iamshape.GetPolicyResponse{Policy: &out}, nil
}

// ListPolicies lists managed policies: Scope All (the default), AWS or
// Local; OnlyAttached; PathPrefix; PolicyUsageFilter.
func ListPolicies(c *api.Call, in *iamshape.ListPoliciesRequest) (*iamshape.ListPoliciesResponse, *query.Error) {
	scope := in.Scope // the model's policyScopeType (All, AWS, Local) when given
	if scope == "" {
		scope = "All"
	}
	onlyAttached := in.OnlyAttached != nil && *in.OnlyAttached
	usageFilter := in.PolicyUsageFilter
	prefix := cleanPath(in.PathPrefix)
	if e := c.Authorize("iam:ListPolicies", "*", nil); e != nil {
		return nil, e
	}
	a := account(c)
	out := []iamshape.Policy{}
	keep := func(mp iamshape.Policy) {
		if !strings.HasPrefix(mp.Path, prefix) {
			return
		}
		attached, boundaries := *mp.AttachmentCount, *mp.PermissionsBoundaryUsageCount
		switch {
		case usageFilter == "PermissionsPolicy" && attached == 0 && onlyAttached,
			usageFilter == "PermissionsBoundary" && boundaries == 0 && onlyAttached,
			usageFilter == "" && onlyAttached && attached == 0 && boundaries == 0:
			return
		}
		// The model's Policy.Description: "It is not included in the
		// response to the ListPolicies operation"; the API Reference,
		// ListPolicies: "this operation does not return tags".
		mp.Description, mp.Tags = "", nil
		out = append(out, mp)
	}
	if scope != "AWS" {
		for _, fp := range a.Policies {
			keep(customerPolicy(a, fp))
		}
	}
	if scope != "Local" {
		for _, mp := range catalog.Managed().Policies {
			keep(awsPolicy(a, mp))
		}
	}
	out, pg := pageAt(out, func(m iamshape.Policy) string { return m.Arn }, in.Marker, in.MaxItems)
	res := &iamshape.ListPoliciesResponse{Policies: written(out)}
	res.IsTruncated, res.Marker = pg.typed()
	return res, nil
}

// customer finds the caller's customer managed policy ref names (a
// PolicyArn member) and authorizes the action on it.
func customer(c *api.Call, policyArn, action string) (string, *world.FilePolicy, *query.Error) {
	ref, e := policyARN(policyArn)
	if e != nil {
		return "", nil, e
	}
	if e := c.Authorize(action, ref, nil); e != nil {
		return "", nil, e
	}
	if catalog.IsAWSManagedARN(ref) {
		if _, ok := catalog.Managed().Lookup(ref); ok && action != "iam:GetPolicyVersion" && action != "iam:ListPolicyVersions" {
			return "", nil, iamerr.InvalidInput("ARN %s is not valid: AWS managed policies cannot be changed.", ref)
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
func DeletePolicy(c *api.Call, in *iamshape.DeletePolicyRequest) (*noOutput, *query.Error) {
	ref, _, e := customer(c, in.PolicyArn, "iam:DeletePolicy")
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
			return iamerr.DeleteConflict("Cannot delete a policy attached to entities.")
		}
		if len(fp.Versions) > 1 {
			return iamerr.DeleteConflict("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
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

// versionTyped is a version of a customer managed policy as the model's
// PolicyVersion, with its document when withDocument (GetPolicyVersion,
// GetAccountAuthorizationDetails; CreatePolicyVersion and
// ListPolicyVersions leave it out, as IAM does).
func versionTyped(fp *world.FilePolicy, v world.FileVersion, withDocument bool) iamshape.PolicyVersion {
	out := iamshape.PolicyVersion{VersionId: v.ID, IsDefaultVersion: shape.Ptr(v.ID == fp.DefaultVersion), CreateDate: createdAt(v.Created)}
	if withDocument {
		out.Document = encodeDocument(v.Document.JSON())
	}
	return out
}

// awsVersion is an AWS managed policy's one version (its default), with
// its document when withDocument.
func awsVersion(mp *catalog.ManagedPolicy, withDocument bool) iamshape.PolicyVersion {
	out := iamshape.PolicyVersion{VersionId: mp.VersionID, IsDefaultVersion: shape.Ptr(true), CreateDate: catalogTime(mp.Updated)}
	if withDocument {
		out.Document = encodeDocument(mp.Document)
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

func noSuchVersion(ref, id string) *query.Error {
	return iamerr.NoSuchEntity("Policy %s version %s does not exist or is not attachable.", ref, id)
}

// CreatePolicyVersion adds a version (five at most) and can make it the
// default. Its answer is the version without its document (the IAM API
// Reference, CreatePolicyVersion: the PolicyVersion element; IAM returns
// the document only from GetPolicyVersion and
// GetAccountAuthorizationDetails).
func CreatePolicyVersion(c *api.Call, in *iamshape.CreatePolicyVersionRequest) (*iamshape.CreatePolicyVersionResponse, *query.Error) {
	doc, e := checkDocument(in.PolicyDocument, policy.ManagedPolicy, maxManagedPolicySize, "PolicySize")
	if e != nil {
		return nil, e
	}
	setDefault := in.SetAsDefault != nil && *in.SetAsDefault
	ref, _, e := customer(c, in.PolicyArn, "iam:CreatePolicyVersion")
	if e != nil {
		return nil, e
	}
	var out iamshape.PolicyVersion
	e = updateEntities(c, policyRefs(c, ref), func(a *world.FileAccount) *query.Error {
		fp := filePolicy(a, ref)
		if fp == nil {
			return noSuchPolicy(ref)
		}
		normalize(fp)
		if len(fp.Versions) >= maxPolicyVersions {
			return iamerr.LimitExceeded("A managed policy can have up to %d versions. Before you create a new version, you must delete an existing version.", maxPolicyVersions)
		}
		v := world.FileVersion{ID: nextVersion(fp), Created: c.Now, Document: world.NewPolicyText(doc)}
		fp.Versions = append(fp.Versions, v)
		if setDefault {
			fp.DefaultVersion = v.ID
		}
		fp.Updated = c.Now
		out = versionTyped(fp, v, false)
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &iamshape.CreatePolicyVersionResponse{PolicyVersion: &out}, nil
}

// GetPolicyVersion returns one version with its document, for customer
// and AWS managed policies.
func GetPolicyVersion(c *api.Call, in *iamshape.GetPolicyVersionRequest) (*iamshape.GetPolicyVersionResponse, *query.Error) {
	id := in.VersionId
	ref, e := policyARN(in.PolicyArn)
	if e != nil {
		return nil, e
	}
	if mp, ok := catalog.Managed().Lookup(ref); ok {
		if e := c.Authorize("iam:GetPolicyVersion", ref, nil); e != nil {
			return nil, e
		}
		if id != mp.VersionID {
			return nil, noSuchVersion(ref, id)
		}
		out := awsVersion(mp, true)
		return &iamshape.GetPolicyVersionResponse{PolicyVersion: &out}, nil
	}
	_, fp, e := customer(c, ref, "iam:GetPolicyVersion")
	if e != nil {
		return nil, e
	}
	for _, v := range fp.Versions {
		if v.ID == id {
			out := versionTyped(fp, v, true)
			return &iamshape.GetPolicyVersionResponse{PolicyVersion: &out}, nil
		}
	}
	return nil, noSuchVersion(ref, id)
}

// ListPolicyVersions lists a policy's versions, without their documents.
func ListPolicyVersions(c *api.Call, in *iamshape.ListPolicyVersionsRequest) (*iamshape.ListPolicyVersionsResponse, *query.Error) {
	ref, e := policyARN(in.PolicyArn)
	if e != nil {
		return nil, e
	}
	var out []iamshape.PolicyVersion
	if mp, ok := catalog.Managed().Lookup(ref); ok {
		if e := c.Authorize("iam:ListPolicyVersions", ref, nil); e != nil {
			return nil, e
		}
		out = []iamshape.PolicyVersion{awsVersion(mp, false)}
	} else {
		_, fp, e := customer(c, ref, "iam:ListPolicyVersions")
		if e != nil {
			return nil, e
		}
		for _, v := range fp.Versions {
			out = append(out, versionTyped(fp, v, false))
		}
	}
	out, pg := pageAt(out, func(v iamshape.PolicyVersion) string { return v.VersionId }, in.Marker, in.MaxItems)
	res := &iamshape.ListPolicyVersionsResponse{Versions: written(out)}
	res.IsTruncated, res.Marker = pg.typed()
	return res, nil
}

// DeletePolicyVersion deletes a version that is not the default.
func DeletePolicyVersion(c *api.Call, in *iamshape.DeletePolicyVersionRequest) (*noOutput, *query.Error) {
	id := in.VersionId
	ref, _, e := customer(c, in.PolicyArn, "iam:DeletePolicyVersion")
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
			return iamerr.DeleteConflict("Cannot delete the default version of a policy.")
		}
		for i, v := range fp.Versions {
			if v.ID == id {
				fp.Versions = slices.Delete(fp.Versions, i, i+1)
				fp.Updated = c.Now
				return nil
			}
		}
		return noSuchVersion(ref, id)
	})
}

// SetDefaultPolicyVersion makes a version the default.
func SetDefaultPolicyVersion(c *api.Call, in *iamshape.SetDefaultPolicyVersionRequest) (*noOutput, *query.Error) {
	id := in.VersionId
	ref, _, e := customer(c, in.PolicyArn, "iam:SetDefaultPolicyVersion")
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
		return noSuchVersion(ref, id)
	})
}

// ListEntitiesForPolicy lists the users, groups and roles a policy is
// attached to (EntityFilter: User, Role, Group, LocalManagedPolicy,
// AWSManagedPolicy; PolicyUsageFilter; PathPrefix). The three lists are
// written even when empty, and in one page (IsTruncated false).
func ListEntitiesForPolicy(c *api.Call, in *iamshape.ListEntitiesForPolicyRequest) (*iamshape.ListEntitiesForPolicyResponse, *query.Error) {
	ref, e := policyARN(in.PolicyArn)
	if e != nil {
		return nil, e
	}
	filter := in.EntityFilter // one of the model's EntityType, when given
	usageFilter := in.PolicyUsageFilter
	prefix := cleanPath(in.PathPrefix)
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
	res := &iamshape.ListEntitiesForPolicyResponse{PolicyGroups: shape.List[iamshape.PolicyGroup]{}, PolicyUsers: shape.List[iamshape.PolicyUser]{},
		PolicyRoles: shape.List[iamshape.PolicyRole]{}, IsTruncated: shape.Ptr(false)}
	if filter == "" || filter == "Group" {
		for _, g := range a.Groups {
			if strings.HasPrefix(cleanPath(g.Path), prefix) && uses(g.ManagedPolicies, "") {
				res.PolicyGroups = append(res.PolicyGroups, iamshape.PolicyGroup{GroupName: g.Name, GroupId: g.ID})
			}
		}
	}
	if filter == "" || filter == "User" {
		for _, u := range a.Users {
			if strings.HasPrefix(cleanPath(u.Path), prefix) && uses(u.ManagedPolicies, u.PermissionsBoundary) {
				res.PolicyUsers = append(res.PolicyUsers, iamshape.PolicyUser{UserName: u.Name, UserId: u.ID})
			}
		}
	}
	if filter == "" || filter == "Role" {
		for _, r := range a.Roles {
			if strings.HasPrefix(cleanPath(r.Path), prefix) && uses(r.ManagedPolicies, r.PermissionsBoundary) {
				res.PolicyRoles = append(res.PolicyRoles, iamshape.PolicyRole{RoleName: r.Name, RoleId: r.ID})
			}
		}
	}
	// One page over the three lists, groups then users then roles, each
	// in name order: the marker is the last entity's kind and name.
	type entity struct{ key, name, id string }
	var all []entity
	for _, g := range res.PolicyGroups {
		all = append(all, entity{"1/" + g.GroupName, g.GroupName, g.GroupId})
	}
	for _, u := range res.PolicyUsers {
		all = append(all, entity{"2/" + u.UserName, u.UserName, u.UserId})
	}
	for _, r := range res.PolicyRoles {
		all = append(all, entity{"3/" + r.RoleName, r.RoleName, r.RoleId})
	}
	items, pg := pageAt(all, func(e entity) string { return e.key }, in.Marker, in.MaxItems)
	res.PolicyGroups, res.PolicyUsers, res.PolicyRoles = shape.List[iamshape.PolicyGroup]{}, shape.List[iamshape.PolicyUser]{}, shape.List[iamshape.PolicyRole]{}
	for _, e := range items {
		switch e.key[0] {
		case '1':
			res.PolicyGroups = append(res.PolicyGroups, iamshape.PolicyGroup{GroupName: e.name, GroupId: e.id})
		case '2':
			res.PolicyUsers = append(res.PolicyUsers, iamshape.PolicyUser{UserName: e.name, UserId: e.id})
		default:
			res.PolicyRoles = append(res.PolicyRoles, iamshape.PolicyRole{RoleName: e.name, RoleId: e.id})
		}
	}
	res.IsTruncated, res.Marker = pg.typed()
	return res, nil
}
