package iam

import (
	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/world"
)

// Tags on customer managed policies and on instance profiles: added,
// removed and listed by the shared tag functions (withTags, withoutTags,
// tagsPage), authorized on the resource's ARN before anything about it is
// revealed.

func init() {
	register(map[string]Handler{
		"TagPolicy": TagPolicy, "UntagPolicy": UntagPolicy, "ListPolicyTags": ListPolicyTags,
		"TagInstanceProfile": TagInstanceProfile, "UntagInstanceProfile": UntagInstanceProfile,
		"ListInstanceProfileTags": ListInstanceProfileTags,
	})
}

// taggedPolicy authorizes action on the policy the request names (with
// extra context) and returns its ARN and a copy of it.
func taggedPolicy(c *api.Call, action string, extra map[string][]string) (string, *world.FilePolicy, *query.Error) {
	ref, e := policyARNParam(c)
	if e != nil {
		return "", nil, e
	}
	if e := c.Authorize(action, ref, extra); e != nil {
		return "", nil, e
	}
	if _, ok := catalog.Managed().Lookup(ref); ok && action != "iam:ListPolicyTags" {
		// Real AWS output, quoted in aws-controllers-k8s/community#2774
		// (TagPolicy on arn:aws:iam::aws:policy/...).
		return "", nil, query.Errorf("InvalidInput", "Tags not supported for policies in this domain")
	}
	fp := filePolicy(account(c), ref)
	if fp == nil {
		if _, ok := catalog.Managed().Lookup(ref); ok {
			// AWS managed policies carry no tags.
			return ref, &world.FilePolicy{}, nil
		}
		return "", nil, noSuchPolicy(ref)
	}
	cp := *fp
	return ref, &cp, nil
}

func updatePolicyTags(c *api.Call, ref string, f func(map[string]string) (map[string]string, *query.Error)) *query.Error {
	return updateEntities(c, policyRefs(c, ref), func(a *world.FileAccount) *query.Error {
		fp := filePolicy(a, ref)
		if fp == nil {
			return noSuchPolicy(ref)
		}
		m, e := f(fp.Tags)
		if e != nil {
			return e
		}
		fp.Tags = m
		return nil
	})
}

func tagsParam(c *api.Call) ([][2]string, map[string][]string, *query.Error) {
	tags := c.Params.Tags("Tags")
	if len(tags) == 0 {
		return nil, nil, emptyList("tags")
	}
	tctx, e := tagContext(tags, 0)
	if e != nil {
		return nil, nil, e
	}
	return tags, tctx, nil
}

// TagPolicy adds or replaces tags of a customer managed policy.
func TagPolicy(c *api.Call) (any, *query.Error) {
	tags, tctx, e := tagsParam(c)
	if e != nil {
		return nil, e
	}
	ref, _, e := taggedPolicy(c, "iam:TagPolicy", tctx)
	if e != nil {
		return nil, e
	}
	return nil, updatePolicyTags(c, ref, func(m map[string]string) (map[string]string, *query.Error) { return withTags(m, tags) })
}

// UntagPolicy removes tags of a customer managed policy.
func UntagPolicy(c *api.Call) (any, *query.Error) {
	keys := c.Params.List("TagKeys")
	ref, _, e := taggedPolicy(c, "iam:UntagPolicy", map[string][]string{"aws:TagKeys": keys})
	if e != nil {
		return nil, e
	}
	return nil, updatePolicyTags(c, ref, func(m map[string]string) (map[string]string, *query.Error) { return withoutTags(m, keys), nil })
}

// ListPolicyTags lists a managed policy's tags.
func ListPolicyTags(c *api.Call) (any, *query.Error) {
	_, fp, e := taggedPolicy(c, "iam:ListPolicyTags", nil)
	if e != nil {
		return nil, e
	}
	return tagsPage(c, fp.Tags)
}

// profileWithContext is profile with extra context for the authorization.
func profileWithContext(c *api.Call, action string, extra map[string][]string) (*world.FileInstanceProfile, *query.Error) {
	name := c.Params.Get("InstanceProfileName")
	ip := fileProfile(account(c), name)
	arn := iamARN(c.Account(), "instance-profile", "/", name)
	if ip != nil {
		arn = iamARN(c.Account(), "instance-profile", ip.Path, name)
	}
	if e := c.Authorize(action, arn, extra); e != nil {
		return nil, e
	}
	if ip == nil {
		return nil, query.Errorf("NoSuchEntity", "Instance Profile %s cannot be found.", name)
	}
	return ip, nil
}

func updateProfileTags(c *api.Call, name string, f func(map[string]string) (map[string]string, *query.Error)) *query.Error {
	return updateEntities(c, []world.EntityRef{accountFields}, func(a *world.FileAccount) *query.Error {
		ip := fileProfile(a, name)
		if ip == nil {
			return query.Errorf("NoSuchEntity", "Instance Profile %s cannot be found.", name)
		}
		m, e := f(ip.Tags)
		if e != nil {
			return e
		}
		ip.Tags = m
		return nil
	})
}

// TagInstanceProfile adds or replaces tags of an instance profile.
func TagInstanceProfile(c *api.Call) (any, *query.Error) {
	tags, tctx, e := tagsParam(c)
	if e != nil {
		return nil, e
	}
	ip, e := profileWithContext(c, "iam:TagInstanceProfile", tctx)
	if e != nil {
		return nil, e
	}
	return nil, updateProfileTags(c, ip.Name, func(m map[string]string) (map[string]string, *query.Error) { return withTags(m, tags) })
}

// UntagInstanceProfile removes tags of an instance profile.
func UntagInstanceProfile(c *api.Call) (any, *query.Error) {
	keys := c.Params.List("TagKeys")
	ip, e := profileWithContext(c, "iam:UntagInstanceProfile", map[string][]string{"aws:TagKeys": keys})
	if e != nil {
		return nil, e
	}
	return nil, updateProfileTags(c, ip.Name, func(m map[string]string) (map[string]string, *query.Error) { return withoutTags(m, keys), nil })
}

// ListInstanceProfileTags lists an instance profile's tags.
func ListInstanceProfileTags(c *api.Call) (any, *query.Error) {
	ip, e := profileWithContext(c, "iam:ListInstanceProfileTags", nil)
	if e != nil {
		return nil, e
	}
	return tagsPage(c, ip.Tags)
}
