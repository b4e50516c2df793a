package iam

import (
	"slices"
	"strings"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/iamshape"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/world"
)

// Inline policies, attached managed policies, tags and permissions
// boundaries work the same way for users, groups and roles: each operation
// is a typed handler that reads its own input shape and calls one of the
// functions below, which take the entity kind (user, group, role) and plain
// values.

func init() {
	registerTyped("PutUserPolicy", func(c *api.Call, in *iamshape.PutUserPolicyRequest) (*noOutput, *query.Error) {
		return nil, putInline(c, "user", in.UserName, in.PolicyName, in.PolicyDocument)
	})
	registerTyped("PutGroupPolicy", func(c *api.Call, in *iamshape.PutGroupPolicyRequest) (*noOutput, *query.Error) {
		return nil, putInline(c, "group", in.GroupName, in.PolicyName, in.PolicyDocument)
	})
	registerTyped("PutRolePolicy", func(c *api.Call, in *iamshape.PutRolePolicyRequest) (*noOutput, *query.Error) {
		return nil, putInline(c, "role", in.RoleName, in.PolicyName, in.PolicyDocument)
	})

	registerTyped("GetUserPolicy", func(c *api.Call, in *iamshape.GetUserPolicyRequest) (*iamshape.GetUserPolicyResponse, *query.Error) {
		name, doc, e := getInline(c, "user", in.UserName, in.PolicyName)
		if e != nil {
			return nil, e
		}
		return &iamshape.GetUserPolicyResponse{UserName: name, PolicyName: in.PolicyName, PolicyDocument: doc}, nil
	})
	registerTyped("GetGroupPolicy", func(c *api.Call, in *iamshape.GetGroupPolicyRequest) (*iamshape.GetGroupPolicyResponse, *query.Error) {
		name, doc, e := getInline(c, "group", in.GroupName, in.PolicyName)
		if e != nil {
			return nil, e
		}
		return &iamshape.GetGroupPolicyResponse{GroupName: name, PolicyName: in.PolicyName, PolicyDocument: doc}, nil
	})
	registerTyped("GetRolePolicy", func(c *api.Call, in *iamshape.GetRolePolicyRequest) (*iamshape.GetRolePolicyResponse, *query.Error) {
		name, doc, e := getInline(c, "role", in.RoleName, in.PolicyName)
		if e != nil {
			return nil, e
		}
		return &iamshape.GetRolePolicyResponse{RoleName: name, PolicyName: in.PolicyName, PolicyDocument: doc}, nil
	})

	registerTyped("ListUserPolicies", func(c *api.Call, in *iamshape.ListUserPoliciesRequest) (*iamshape.ListUserPoliciesResponse, *query.Error) {
		names, pg, e := listInline(c, "user", in.UserName, in.Marker, in.MaxItems)
		if e != nil {
			return nil, e
		}
		res := &iamshape.ListUserPoliciesResponse{PolicyNames: names}
		res.IsTruncated, res.Marker = pg.typed()
		return res, nil
	})
	registerTyped("ListGroupPolicies", func(c *api.Call, in *iamshape.ListGroupPoliciesRequest) (*iamshape.ListGroupPoliciesResponse, *query.Error) {
		names, pg, e := listInline(c, "group", in.GroupName, in.Marker, in.MaxItems)
		if e != nil {
			return nil, e
		}
		res := &iamshape.ListGroupPoliciesResponse{PolicyNames: names}
		res.IsTruncated, res.Marker = pg.typed()
		return res, nil
	})
	registerTyped("ListRolePolicies", func(c *api.Call, in *iamshape.ListRolePoliciesRequest) (*iamshape.ListRolePoliciesResponse, *query.Error) {
		names, pg, e := listInline(c, "role", in.RoleName, in.Marker, in.MaxItems)
		if e != nil {
			return nil, e
		}
		res := &iamshape.ListRolePoliciesResponse{PolicyNames: names}
		res.IsTruncated, res.Marker = pg.typed()
		return res, nil
	})

	registerTyped("DeleteUserPolicy", func(c *api.Call, in *iamshape.DeleteUserPolicyRequest) (*noOutput, *query.Error) {
		return nil, deleteInline(c, "user", in.UserName, in.PolicyName)
	})
	registerTyped("DeleteGroupPolicy", func(c *api.Call, in *iamshape.DeleteGroupPolicyRequest) (*noOutput, *query.Error) {
		return nil, deleteInline(c, "group", in.GroupName, in.PolicyName)
	})
	registerTyped("DeleteRolePolicy", func(c *api.Call, in *iamshape.DeleteRolePolicyRequest) (*noOutput, *query.Error) {
		return nil, deleteInline(c, "role", in.RoleName, in.PolicyName)
	})

	registerTyped("AttachUserPolicy", func(c *api.Call, in *iamshape.AttachUserPolicyRequest) (*noOutput, *query.Error) {
		return nil, attach(c, "user", in.UserName, in.PolicyArn)
	})
	registerTyped("AttachGroupPolicy", func(c *api.Call, in *iamshape.AttachGroupPolicyRequest) (*noOutput, *query.Error) {
		return nil, attach(c, "group", in.GroupName, in.PolicyArn)
	})
	registerTyped("AttachRolePolicy", func(c *api.Call, in *iamshape.AttachRolePolicyRequest) (*noOutput, *query.Error) {
		return nil, attach(c, "role", in.RoleName, in.PolicyArn)
	})

	registerTyped("DetachUserPolicy", func(c *api.Call, in *iamshape.DetachUserPolicyRequest) (*noOutput, *query.Error) {
		return nil, detach(c, "user", in.UserName, in.PolicyArn)
	})
	registerTyped("DetachGroupPolicy", func(c *api.Call, in *iamshape.DetachGroupPolicyRequest) (*noOutput, *query.Error) {
		return nil, detach(c, "group", in.GroupName, in.PolicyArn)
	})
	registerTyped("DetachRolePolicy", func(c *api.Call, in *iamshape.DetachRolePolicyRequest) (*noOutput, *query.Error) {
		return nil, detach(c, "role", in.RoleName, in.PolicyArn)
	})

	registerTypedWritten("ListAttachedUserPolicies", func(c *api.Call, in *iamshape.ListAttachedUserPoliciesRequest) (*iamshape.ListAttachedUserPoliciesResponse, *query.Error) {
		out, pg, e := listAttached(c, "user", in.UserName, in.PathPrefix, in.Marker, in.MaxItems)
		if e != nil {
			return nil, e
		}
		res := &iamshape.ListAttachedUserPoliciesResponse{AttachedPolicies: out}
		res.IsTruncated, res.Marker = pg.typed()
		return res, nil
	}, func(r *iamshape.ListAttachedUserPoliciesResponse) any {
		return attachedWire(r.AttachedPolicies, r.IsTruncated, r.Marker)
	})
	registerTypedWritten("ListAttachedGroupPolicies", func(c *api.Call, in *iamshape.ListAttachedGroupPoliciesRequest) (*iamshape.ListAttachedGroupPoliciesResponse, *query.Error) {
		out, pg, e := listAttached(c, "group", in.GroupName, in.PathPrefix, in.Marker, in.MaxItems)
		if e != nil {
			return nil, e
		}
		res := &iamshape.ListAttachedGroupPoliciesResponse{AttachedPolicies: out}
		res.IsTruncated, res.Marker = pg.typed()
		return res, nil
	}, func(r *iamshape.ListAttachedGroupPoliciesResponse) any {
		return attachedWire(r.AttachedPolicies, r.IsTruncated, r.Marker)
	})
	registerTypedWritten("ListAttachedRolePolicies", func(c *api.Call, in *iamshape.ListAttachedRolePoliciesRequest) (*iamshape.ListAttachedRolePoliciesResponse, *query.Error) {
		out, pg, e := listAttached(c, "role", in.RoleName, in.PathPrefix, in.Marker, in.MaxItems)
		if e != nil {
			return nil, e
		}
		res := &iamshape.ListAttachedRolePoliciesResponse{AttachedPolicies: out}
		res.IsTruncated, res.Marker = pg.typed()
		return res, nil
	}, func(r *iamshape.ListAttachedRolePoliciesResponse) any {
		return attachedWire(r.AttachedPolicies, r.IsTruncated, r.Marker)
	})

	registerTyped("TagUser", func(c *api.Call, in *iamshape.TagUserRequest) (*noOutput, *query.Error) {
		return nil, tagEntity(c, "user", in.UserName, tagPairs(in.Tags))
	})
	registerTyped("TagRole", func(c *api.Call, in *iamshape.TagRoleRequest) (*noOutput, *query.Error) {
		return nil, tagEntity(c, "role", in.RoleName, tagPairs(in.Tags))
	})
	registerTyped("UntagUser", func(c *api.Call, in *iamshape.UntagUserRequest) (*noOutput, *query.Error) {
		return nil, untagEntity(c, "user", in.UserName, in.TagKeys)
	})
	registerTyped("UntagRole", func(c *api.Call, in *iamshape.UntagRoleRequest) (*noOutput, *query.Error) {
		return nil, untagEntity(c, "role", in.RoleName, in.TagKeys)
	})
	registerTyped("ListUserTags", func(c *api.Call, in *iamshape.ListUserTagsRequest) (*iamshape.ListUserTagsResponse, *query.Error) {
		m, e := entityTags(c, "user", in.UserName)
		if e != nil {
			return nil, e
		}
		res := &iamshape.ListUserTagsResponse{}
		res.Tags, res.IsTruncated, res.Marker = tagsPageAt(m, in.Marker, in.MaxItems)
		return res, nil
	})
	registerTyped("ListRoleTags", func(c *api.Call, in *iamshape.ListRoleTagsRequest) (*iamshape.ListRoleTagsResponse, *query.Error) {
		m, e := entityTags(c, "role", in.RoleName)
		if e != nil {
			return nil, e
		}
		res := &iamshape.ListRoleTagsResponse{}
		res.Tags, res.IsTruncated, res.Marker = tagsPageAt(m, in.Marker, in.MaxItems)
		return res, nil
	})

	registerTyped("PutUserPermissionsBoundary", func(c *api.Call, in *iamshape.PutUserPermissionsBoundaryRequest) (*noOutput, *query.Error) {
		return nil, putBoundary(c, "user", in.UserName, in.PermissionsBoundary)
	})
	registerTyped("PutRolePermissionsBoundary", func(c *api.Call, in *iamshape.PutRolePermissionsBoundaryRequest) (*noOutput, *query.Error) {
		return nil, putBoundary(c, "role", in.RoleName, in.PermissionsBoundary)
	})
	registerTyped("DeleteUserPermissionsBoundary", func(c *api.Call, in *iamshape.DeleteUserPermissionsBoundaryRequest) (*noOutput, *query.Error) {
		return nil, deleteBoundary(c, "user", in.UserName)
	})
	registerTyped("DeleteRolePermissionsBoundary", func(c *api.Call, in *iamshape.DeleteRolePermissionsBoundaryRequest) (*noOutput, *query.Error) {
		return nil, deleteBoundary(c, "role", in.RoleName)
	})
}

// inlineQuota is the aggregate size of an entity's inline policies (the IAM
// User Guide, "IAM and AWS STS quotas").
var inlineQuota = map[string]int{"user": maxUserInlineTotal, "group": 5120, "role": maxRoleInlineTotal}

// authorizeEntity authorizes the action on the entity a request names,
// then finds it. Authorization comes first, so that a caller who may not
// act on the entity learns nothing of whether it exists (IAM answers
// AccessDenied for both): an existing entity is authorized on its ARN with
// its path and iam:PermissionsBoundary (when it has a boundary), a missing
// one on the ARN without a path; then a missing entity is NoSuchEntity.
// Keys in extra win over the entity's own iam:PermissionsBoundary (setting
// a boundary is authorized with the new one). The model's validation has
// checked the name.
func authorizeEntity(c *api.Call, kind, name, action string, extra map[string][]string) (*entity, *query.Error) {
	ent := findEntity(account(c), kind, name)
	arn, ctx := iamARN(c.Account(), kind, "/", name), extra
	if ent != nil {
		arn = ent.arn(c.Account())
		if ent.boundary != nil {
			ctx = merge(boundaryContext(*ent.boundary), extra)
		}
	}
	if e := c.Authorize(action, arn, ctx); e != nil {
		return nil, e
	}
	if ent == nil {
		return nil, noSuch(kind, name)
	}
	return ent, nil
}

func noSuchInline(kind, policyName string) *query.Error {
	return iamerr.NoSuchEntity("The %s policy with name %s cannot be found.", kind, policyName)
}

// putInline adds or replaces an entity's inline policy: the document is
// checked before authorization, the aggregate quota after it.
func putInline(c *api.Call, kind, name, policyName, document string) *query.Error {
	doc, e := checkDocument(document, policy.InlinePolicy, 0, "")
	if e != nil {
		return e
	}
	ent, e := authorizeEntity(c, kind, name, "iam:Put"+noun(kind)+"Policy", nil)
	if e != nil {
		return e
	}
	return updateEntities(c, refs(kind, ent.name), func(a *world.FileAccount) *query.Error {
		ent, e := existing(a, kind, ent.name)
		if e != nil {
			return e
		}
		list := *ent.inline
		total := size(doc)
		replaced := false
		for i := range list {
			if list[i].Name == policyName {
				list[i].Document = world.NewPolicyText(doc)
				replaced = true
				continue
			}
			total += size(string(list[i].Document.JSON()))
		}
		if total > inlineQuota[kind] {
			return iamerr.LimitExceeded("Maximum policy size of %d bytes exceeded for %s %s", inlineQuota[kind], kind, ent.name)
		}
		if !replaced {
			*ent.inline = append(list, world.FileInline{Name: policyName, Document: world.NewPolicyText(doc)})
		}
		return nil
	})
}

// getInline returns the entity's name and its inline policy's document,
// URL-encoded as IAM returns it.
func getInline(c *api.Call, kind, name, policyName string) (string, string, *query.Error) {
	ent, e := authorizeEntity(c, kind, name, "iam:Get"+noun(kind)+"Policy", nil)
	if e != nil {
		return "", "", e
	}
	for _, ip := range *ent.inline {
		if ip.Name == policyName {
			return ent.name, encodeDocument(ip.Document.JSON()), nil
		}
	}
	return "", "", noSuchInline(kind, policyName)
}

// listInline is a page of the names of an entity's inline policies.
func listInline(c *api.Call, kind, name, marker string, maxItems *int32) (shape.List[string], listPage, *query.Error) {
	ent, e := authorizeEntity(c, kind, name, "iam:List"+noun(kind)+"Policies", nil)
	if e != nil {
		return nil, listPage{}, e
	}
	var names []string
	for _, ip := range *ent.inline {
		names = append(names, ip.Name)
	}
	names, pg := pageAt(names, func(s string) string { return s }, marker, maxItems)
	return names, pg, nil
}

func deleteInline(c *api.Call, kind, name, policyName string) *query.Error {
	ent, e := authorizeEntity(c, kind, name, "iam:Delete"+noun(kind)+"Policy", nil)
	if e != nil {
		return e
	}
	return updateEntities(c, refs(kind, ent.name), func(a *world.FileAccount) *query.Error {
		ent, e := existing(a, kind, ent.name)
		if e != nil {
			return e
		}
		for i, ip := range *ent.inline {
			if ip.Name == policyName {
				*ent.inline = slices.Delete(*ent.inline, i, i+1)
				return nil
			}
		}
		return noSuchInline(kind, policyName)
	})
}

// attach attaches a managed policy to an entity, authorized with
// iam:PolicyARN.
func attach(c *api.Call, kind, name, policyArn string) *query.Error {
	ref, e := policyARN(policyArn)
	if e != nil {
		return e
	}
	ent, e := authorizeEntity(c, kind, name, "iam:Attach"+noun(kind)+"Policy", map[string][]string{"iam:PolicyARN": {ref}})
	if e != nil {
		return e
	}
	// Only AWS managed policies and the account's own can be attached;
	// another account's policy is answered as IAM answers one that is not
	// there.
	if _, ok := usablePolicy(c, ref); !ok {
		return iamerr.NoSuchEntity("Policy %s does not exist or is not attachable.", ref)
	}
	return updateEntities(c, refs(kind, ent.name), func(a *world.FileAccount) *query.Error {
		ent, e := existing(a, kind, ent.name)
		if e != nil {
			return e
		}
		if slices.Contains(*ent.managed, ref) {
			return nil // attaching twice is not an error in IAM
		}
		if len(*ent.managed) >= maxManagedPerEntity {
			return iamerr.LimitExceeded("Cannot exceed quota for PoliciesPer%s: %d", noun(kind), maxManagedPerEntity)
		}
		*ent.managed = append(*ent.managed, ref)
		return nil
	})
}

// detach detaches a managed policy from an entity, authorized with
// iam:PolicyARN.
func detach(c *api.Call, kind, name, policyArn string) *query.Error {
	ref, e := policyARN(policyArn)
	if e != nil {
		return e
	}
	ent, e := authorizeEntity(c, kind, name, "iam:Detach"+noun(kind)+"Policy", map[string][]string{"iam:PolicyARN": {ref}})
	if e != nil {
		return e
	}
	return updateEntities(c, refs(kind, ent.name), func(a *world.FileAccount) *query.Error {
		ent, e := existing(a, kind, ent.name)
		if e != nil {
			return e
		}
		i := slices.Index(*ent.managed, ref)
		if i < 0 {
			return iamerr.NoSuchEntity("Policy %s was not found.", ref)
		}
		*ent.managed = slices.Delete(*ent.managed, i, i+1)
		return nil
	})
}

// listAttached is a page of the managed policies attached to an entity
// whose path starts with pathPrefix ("/" when not given), by ARN.
func listAttached(c *api.Call, kind, name, pathPrefix, marker string, maxItems *int32) (shape.List[iamshape.AttachedPolicy], listPage, *query.Error) {
	prefix := cleanPath(pathPrefix)
	ent, e := authorizeEntity(c, kind, name, "iam:ListAttached"+noun(kind)+"Policies", nil)
	if e != nil {
		return nil, listPage{}, e
	}
	w := c.State.World()
	var out []iamshape.AttachedPolicy
	for _, ref := range *ent.managed {
		name := ref[strings.LastIndexByte(ref, '/')+1:]
		path := "/"
		if mp, ok := w.ManagedPolicy(ref); ok {
			name, path = mp.Name, cleanPath(mp.Path)
		}
		if strings.HasPrefix(path, prefix) {
			out = append(out, iamshape.AttachedPolicy{PolicyName: name, PolicyArn: ref})
		}
	}
	out, pg := pageAt(out, func(p iamshape.AttachedPolicy) string { return p.PolicyArn }, marker, maxItems)
	return out, pg, nil
}

// tagEntity adds or replaces a user's or role's tags. The tags alone are
// checked before authorization; the quota, which depends on the tags the
// entity has, after it.
func tagEntity(c *api.Call, kind, name string, tags [][2]string) *query.Error {
	tags, tagCtx, e := tagsIn(tags)
	if e != nil {
		return e
	}
	cur, e := authorizeEntity(c, kind, name, "iam:Tag"+noun(kind), tagCtx)
	if e != nil {
		return e
	}
	return updateEntities(c, refs(kind, cur.name), func(a *world.FileAccount) *query.Error {
		ent, e := existing(a, kind, cur.name)
		if e != nil {
			return e
		}
		m, e := withTags(*ent.tags, tags)
		if e != nil {
			return e
		}
		*ent.tags = m
		return nil
	})
}

// untagEntity removes tags of a user or role, by key ignoring case,
// authorized with aws:TagKeys.
func untagEntity(c *api.Call, kind, name string, keys []string) *query.Error {
	if len(keys) == 0 {
		return emptyList("tagKeys")
	}
	ent, e := authorizeEntity(c, kind, name, "iam:Untag"+noun(kind), map[string][]string{"aws:TagKeys": keys})
	if e != nil {
		return e
	}
	return updateEntities(c, refs(kind, ent.name), func(a *world.FileAccount) *query.Error {
		ent, e := existing(a, kind, ent.name)
		if e != nil {
			return e
		}
		*ent.tags = withoutTags(*ent.tags, keys)
		return nil
	})
}

// entityTags authorizes List<Kind>Tags and returns the entity's tags.
func entityTags(c *api.Call, kind, name string) (map[string]string, *query.Error) {
	ent, e := authorizeEntity(c, kind, name, "iam:List"+noun(kind)+"Tags", nil)
	if e != nil {
		return nil, e
	}
	return *ent.tags, nil
}

// tagIndex returns the key of tags equal to k ignoring case, or "".
func tagIndex(tags map[string]string, k string) string {
	for have := range tags {
		if strings.EqualFold(have, k) {
			return have
		}
	}
	return ""
}

// withTags is tags added to cur, a copy: IAM's tag keys are case
// insensitive, so a key differing only in case replaces the old one (the
// IAM User Guide, "Tagging IAM resources", Case sensitivity), and an
// entity holds at most 50.
func withTags(cur map[string]string, tags [][2]string) (map[string]string, *query.Error) {
	m := make(map[string]string, len(cur)+len(tags))
	for k, v := range cur {
		m[k] = v
	}
	for _, t := range tags {
		if old := tagIndex(m, t[0]); old != "" {
			delete(m, old)
		}
		m[t[0]] = t[1]
	}
	if len(m) > maxTagsPerEntity {
		return nil, iamerr.LimitExceeded("The number of tags has reached the maximum limit.")
	}
	return m, nil
}

// withoutTags is cur without the keys (ignoring case), a copy; nil when
// none is left.
func withoutTags(cur map[string]string, keys []string) map[string]string {
	m := map[string]string{}
	for k, v := range cur {
		if !slices.ContainsFunc(keys, func(x string) bool { return strings.EqualFold(x, k) }) {
			m[k] = v
		}
	}
	if len(m) == 0 {
		return nil
	}
	return m
}

// putBoundary sets a user's or role's permissions boundary.
// iam:PermissionsBoundary is the boundary being set (the IAM User Guide,
// "Permissions boundaries for IAM entities"); the boundary is checked after
// authorization.
func putBoundary(c *api.Call, kind, name, ref string) *query.Error {
	if _, e := authorizeEntity(c, kind, name, "iam:Put"+noun(kind)+"PermissionsBoundary", boundaryContext(ref)); e != nil {
		return e
	}
	if e := checkBoundary(c, ref); e != nil {
		return e
	}
	return updateEntities(c, refs(kind, name), func(a *world.FileAccount) *query.Error {
		ent, e := existing(a, kind, name)
		if e != nil {
			return e
		}
		*ent.boundary = ref
		return nil
	})
}

// deleteBoundary removes a user's or role's permissions boundary;
// NoSuchEntity when it has none.
func deleteBoundary(c *api.Call, kind, name string) *query.Error {
	ent, e := authorizeEntity(c, kind, name, "iam:Delete"+noun(kind)+"PermissionsBoundary", nil)
	if e != nil {
		return e
	}
	if *ent.boundary == "" {
		return iamerr.NoSuchEntity("The %s with name %s does not have a permissions boundary.", kind, ent.name)
	}
	return updateEntities(c, refs(kind, ent.name), func(a *world.FileAccount) *query.Error {
		ent, e := existing(a, kind, ent.name)
		if e != nil {
			return e
		}
		*ent.boundary = ""
		return nil
	})
}
