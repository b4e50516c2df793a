package iam

import (
	"slices"
	"strings"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/world"
)

// Inline policies, attached managed policies, tags and permissions
// boundaries work the same way for users, groups and roles; these build the
// operations for each kind.

func init() {
	for _, kind := range []string{"user", "group", "role"} {
		n := noun(kind)
		register(map[string]Handler{
			"Put" + n + "Policy":            putInline(kind),
			"Get" + n + "Policy":            getInline(kind),
			"List" + n + "Policies":         listInline(kind),
			"Delete" + n + "Policy":         deleteInline(kind),
			"Attach" + n + "Policy":         attach(kind),
			"Detach" + n + "Policy":         detach(kind),
			"ListAttached" + n + "Policies": listAttached(kind),
		})
	}
	for _, kind := range []string{"user", "role"} {
		n := noun(kind)
		register(map[string]Handler{
			"Tag" + n: tagEntity(kind), "Untag" + n: untagEntity(kind), "List" + n + "Tags": listTags(kind),
		})
	}
}

// inlineQuota is the aggregate size of an entity's inline policies (the IAM
// User Guide, "IAM and AWS STS quotas").
var inlineQuota = map[string]int{"user": maxUserInlineTotal, "group": 5120, "role": maxRoleInlineTotal}

// entityParam reads the entity name parameter (UserName, GroupName,
// RoleName); Validate has checked it against the model.
func entityParam(c *api.Call, kind string) string {
	return c.Params.Get(noun(kind) + "Name")
}

// lookup authorizes the action on the entity a request names, then finds
// it. Authorization comes first, so that a caller who may not act on the
// entity learns nothing of whether it exists (IAM answers AccessDenied for
// both): an existing entity is authorized on its ARN with its path and
// iam:PermissionsBoundary (when it has a boundary), a missing one on the
// ARN without a path; then a missing entity is NoSuchEntity.
func lookup(c *api.Call, kind, action string, extra map[string][]string) (*entity, *query.Error) {
	return authorizeEntity(c, kind, entityParam(c, kind), action, extra)
}

// authorizeEntity is lookup for a name already read and checked. Keys in
// extra win over the entity's own iam:PermissionsBoundary (setting a
// boundary is authorized with the new one).
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

func putInline(kind string) Handler {
	return func(c *api.Call) (any, *query.Error) {
		p := c.Params
		policyName := p.Get("PolicyName")
		doc, e := checkDocument(p.Get("PolicyDocument"), policy.InlinePolicy, 0, "")
		if e != nil {
			return nil, e
		}
		ent, e := lookup(c, kind, "iam:Put"+noun(kind)+"Policy", nil)
		if e != nil {
			return nil, e
		}
		return nil, updateEntities(c, refs(kind, ent.name), func(a *world.FileAccount) *query.Error {
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
				return query.Errorf("LimitExceeded", "Maximum policy size of %d bytes exceeded for %s %s", inlineQuota[kind], kind, ent.name)
			}
			if !replaced {
				*ent.inline = append(list, world.FileInline{Name: policyName, Document: world.NewPolicyText(doc)})
			}
			return nil
		})
	}
}

func getInline(kind string) Handler {
	return func(c *api.Call) (any, *query.Error) {
		policyName := c.Params.Get("PolicyName")
		ent, e := lookup(c, kind, "iam:Get"+noun(kind)+"Policy", nil)
		if e != nil {
			return nil, e
		}
		for _, ip := range *ent.inline {
			if ip.Name == policyName {
				res := map[string]string{noun(kind) + "Name": ent.name, "PolicyName": policyName, "PolicyDocument": encodeDocument(ip.Document.JSON())}
				return orderedResult{keys: []string{noun(kind) + "Name", "PolicyName", "PolicyDocument"}, values: res}, nil
			}
		}
		return nil, query.Errorf("NoSuchEntity", "The %s policy with name %s cannot be found.", kind, policyName)
	}
}

func listInline(kind string) Handler {
	return func(c *api.Call) (any, *query.Error) {
		ent, e := lookup(c, kind, "iam:List"+noun(kind)+"Policies", nil)
		if e != nil {
			return nil, e
		}
		var names []string
		for _, ip := range *ent.inline {
			names = append(names, ip.Name)
		}
		names, pg, e := pageOf(names, func(s string) string { return s }, c.Params)
		if e != nil {
			return nil, e
		}
		return struct {
			PolicyNames []string `xml:"PolicyNames>member"`
			listPage
		}{names, pg}, nil
	}
}

func deleteInline(kind string) Handler {
	return func(c *api.Call) (any, *query.Error) {
		policyName := c.Params.Get("PolicyName")
		ent, e := lookup(c, kind, "iam:Delete"+noun(kind)+"Policy", nil)
		if e != nil {
			return nil, e
		}
		return nil, updateEntities(c, refs(kind, ent.name), func(a *world.FileAccount) *query.Error {
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
			return query.Errorf("NoSuchEntity", "The %s policy with name %s cannot be found.", kind, policyName)
		})
	}
}

// policyARNParam reads PolicyArn and checks the policy can be attached.
func policyARNParam(c *api.Call) (string, *query.Error) {
	ref := c.Params.Get("PolicyArn")
	if !strings.HasPrefix(ref, "arn:") || len(ref) < 20 {
		return "", query.Errorf("ValidationError", "ARN %s is not valid.", ref)
	}
	return ref, nil
}

func attach(kind string) Handler {
	return func(c *api.Call) (any, *query.Error) {
		ref, e := policyARNParam(c)
		if e != nil {
			return nil, e
		}
		ent, e := lookup(c, kind, "iam:Attach"+noun(kind)+"Policy", map[string][]string{"iam:PolicyARN": {ref}})
		if e != nil {
			return nil, e
		}
		// Only AWS managed policies and the account's own can be attached;
		// another account's policy is answered as IAM answers one that is
		// not there.
		if _, ok := c.State.World().PolicyFor(c.Account(), ref); !ok {
			return nil, query.Errorf("NoSuchEntity", "Policy %s does not exist or is not attachable.", ref)
		}
		return nil, updateEntities(c, refs(kind, ent.name), func(a *world.FileAccount) *query.Error {
			ent, e := existing(a, kind, ent.name)
			if e != nil {
				return e
			}
			if slices.Contains(*ent.managed, ref) {
				return nil // attaching twice is not an error in IAM
			}
			if len(*ent.managed) >= maxManagedPerEntity {
				return query.Errorf("LimitExceeded", "Cannot exceed quota for PoliciesPer%s: %d", noun(kind), maxManagedPerEntity)
			}
			*ent.managed = append(*ent.managed, ref)
			return nil
		})
	}
}

func detach(kind string) Handler {
	return func(c *api.Call) (any, *query.Error) {
		ref, e := policyARNParam(c)
		if e != nil {
			return nil, e
		}
		ent, e := lookup(c, kind, "iam:Detach"+noun(kind)+"Policy", map[string][]string{"iam:PolicyARN": {ref}})
		if e != nil {
			return nil, e
		}
		return nil, updateEntities(c, refs(kind, ent.name), func(a *world.FileAccount) *query.Error {
			ent, e := existing(a, kind, ent.name)
			if e != nil {
				return e
			}
			i := slices.Index(*ent.managed, ref)
			if i < 0 {
				return query.Errorf("NoSuchEntity", "Policy %s was not found.", ref)
			}
			*ent.managed = slices.Delete(*ent.managed, i, i+1)
			return nil
		})
	}
}

func listAttached(kind string) Handler {
	return func(c *api.Call) (any, *query.Error) {
		prefix := pathPrefix(c)
		ent, e := lookup(c, kind, "iam:ListAttached"+noun(kind)+"Policies", nil)
		if e != nil {
			return nil, e
		}
		w := c.State.World()
		var out []attachedPolicy
		for _, ref := range *ent.managed {
			name := ref[strings.LastIndexByte(ref, '/')+1:]
			path := "/"
			if mp, ok := w.ManagedPolicy(ref); ok {
				name, path = mp.Name, cleanPath(mp.Path)
			}
			if strings.HasPrefix(path, prefix) {
				out = append(out, attachedPolicy{PolicyName: name, PolicyArn: ref})
			}
		}
		out, pg, e := pageOf(out, func(p attachedPolicy) string { return p.PolicyArn }, c.Params)
		if e != nil {
			return nil, e
		}
		return struct {
			AttachedPolicies []attachedPolicy `xml:"AttachedPolicies>member"`
			listPage
		}{out, pg}, nil
	}
}

func tagEntity(kind string) Handler {
	return func(c *api.Call) (any, *query.Error) {
		tags := c.Params.Tags("Tags")
		if len(tags) == 0 {
			return nil, emptyList("tags")
		}
		// The tags alone are checked before authorization; the quota, which
		// depends on the tags the entity has, after it.
		tagCtx, e := tagContext(tags, 0)
		if e != nil {
			return nil, e
		}
		cur, e := lookup(c, kind, "iam:Tag"+noun(kind), tagCtx)
		if e != nil {
			return nil, e
		}
		name := cur.name
		return nil, updateEntities(c, refs(kind, name), func(a *world.FileAccount) *query.Error {
			ent, e := existing(a, kind, name)
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

func untagEntity(kind string) Handler {
	return func(c *api.Call) (any, *query.Error) {
		keys := c.Params.List("TagKeys")
		if len(keys) == 0 {
			return nil, emptyList("tagKeys")
		}
		ent, e := lookup(c, kind, "iam:Untag"+noun(kind), map[string][]string{"aws:TagKeys": keys})
		if e != nil {
			return nil, e
		}
		return nil, updateEntities(c, refs(kind, ent.name), func(a *world.FileAccount) *query.Error {
			ent, e := existing(a, kind, ent.name)
			if e != nil {
				return e
			}
			*ent.tags = withoutTags(*ent.tags, keys)
			return nil
		})
	}
}

func listTags(kind string) Handler {
	return func(c *api.Call) (any, *query.Error) {
		ent, e := lookup(c, kind, "iam:List"+noun(kind)+"Tags", nil)
		if e != nil {
			return nil, e
		}
		return tagsPage(c, *ent.tags)
	}
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
		return nil, query.Errorf("LimitExceeded", "The number of tags has reached the maximum limit.")
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

// tagsPage answers a List*Tags operation: the tags by key, paged by
// Marker and MaxItems.
func tagsPage(c *api.Call, m map[string]string) (any, *query.Error) {
	tags, pg, e := pageOf(tagList(m), func(t tag) string { return t.Key }, c.Params)
	if e != nil {
		return nil, e
	}
	return struct {
		Tags []tag `xml:"Tags>member"`
		listPage
	}{tags, pg}, nil
}

func putBoundary(kind string) Handler {
	return func(c *api.Call) (any, *query.Error) {
		ref := c.Params.Get("PermissionsBoundary")
		name := entityParam(c, kind)
		// iam:PermissionsBoundary is the boundary being set (the IAM User
		// Guide, "Permissions boundaries for IAM entities").
		if _, e := authorizeEntity(c, kind, name, "iam:Put"+noun(kind)+"PermissionsBoundary", boundaryContext(ref)); e != nil {
			return nil, e
		}
		if e := checkBoundary(c, ref); e != nil {
			return nil, e
		}
		return nil, updateEntities(c, refs(kind, name), func(a *world.FileAccount) *query.Error {
			ent, e := existing(a, kind, name)
			if e != nil {
				return e
			}
			*ent.boundary = ref
			return nil
		})
	}
}

func deleteBoundary(kind string) Handler {
	return func(c *api.Call) (any, *query.Error) {
		ent, e := lookup(c, kind, "iam:Delete"+noun(kind)+"PermissionsBoundary", nil)
		if e != nil {
			return nil, e
		}
		if *ent.boundary == "" {
			return nil, query.Errorf("NoSuchEntity", "The %s with name %s does not have a permissions boundary.", kind, ent.name)
		}
		return nil, updateEntities(c, refs(kind, ent.name), func(a *world.FileAccount) *query.Error {
			ent, e := existing(a, kind, ent.name)
			if e != nil {
				return e
			}
			*ent.boundary = ""
			return nil
		})
	}
}
