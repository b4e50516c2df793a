package iam

import (
	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/iamshape"
	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/world"
)

// Tags on customer managed policies and on instance profiles: added,
// removed and listed by the shared tag functions (withTags, withoutTags,
// tagsPageAt), authorized on the resource's ARN before anything about it is
// revealed.

func init() {
	registerTyped("TagPolicy", TagPolicy)
	registerTyped("UntagPolicy", UntagPolicy)
	registerTyped("ListPolicyTags", ListPolicyTags)
	registerTyped("TagInstanceProfile", TagInstanceProfile)
	registerTyped("UntagInstanceProfile", UntagInstanceProfile)
	registerTyped("ListInstanceProfileTags", ListInstanceProfileTags)
}

// taggedPolicy authorizes action on the policy ARN (with extra context)
// and returns its ARN and a copy of it.
func taggedPolicy(c *api.Call, action, arn string, extra map[string][]string) (string, *world.FilePolicy, *query.Error) {
	ref, e := policyARN(arn)
	if e != nil {
		return "", nil, e
	}
	if e := c.Authorize(action, ref, extra); e != nil {
		return "", nil, e
	}
	if _, ok := catalog.Managed().Lookup(ref); ok && action != "iam:ListPolicyTags" {
		// Real AWS output, quoted in aws-controllers-k8s/community#2774
		// (TagPolicy on arn:aws:iam::aws:policy/...).
		return "", nil, iamerr.InvalidInput("Tags not supported for policies in this domain")
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

// tagsIn checks the tags a Tag operation adds (the required list given
// empty is refused as the model's required constraint) and returns them
// with their aws:RequestTag and aws:TagKeys context.
func tagsIn(tags [][2]string) ([][2]string, map[string][]string, *query.Error) {
	if len(tags) == 0 {
		return nil, nil, emptyList("tags")
	}
	tctx, e := tagContext(tags, 0)
	if e != nil {
		return nil, nil, e
	}
	return tags, tctx, nil
}

// tagsPageAt is a page of a tag map, in key order.
func tagsPageAt(m map[string]string, marker string, maxItems *int32) (shape.List[iamshape.Tag], *bool, string) {
	tags, pg := pageAt(tagShapes(m), func(t iamshape.Tag) string { return t.Key }, marker, maxItems)
	truncated, next := pg.typed()
	return tags, truncated, next
}

// TagPolicy adds or replaces tags of a customer managed policy.
func TagPolicy(c *api.Call, in *iamshape.TagPolicyRequest) (*noOutput, *query.Error) {
	tags, tctx, e := tagsIn(tagPairs(in.Tags))
	if e != nil {
		return nil, e
	}
	ref, _, e := taggedPolicy(c, "iam:TagPolicy", in.PolicyArn, tctx)
	if e != nil {
		return nil, e
	}
	return nil, updatePolicyTags(c, ref, func(m map[string]string) (map[string]string, *query.Error) { return withTags(m, tags) })
}

// UntagPolicy removes tags of a customer managed policy.
func UntagPolicy(c *api.Call, in *iamshape.UntagPolicyRequest) (*noOutput, *query.Error) {
	keys := []string(in.TagKeys)
	ref, _, e := taggedPolicy(c, "iam:UntagPolicy", in.PolicyArn, map[string][]string{"aws:TagKeys": keys})
	if e != nil {
		return nil, e
	}
	return nil, updatePolicyTags(c, ref, func(m map[string]string) (map[string]string, *query.Error) { return withoutTags(m, keys), nil })
}

// ListPolicyTags lists a managed policy's tags.
func ListPolicyTags(c *api.Call, in *iamshape.ListPolicyTagsRequest) (*iamshape.ListPolicyTagsResponse, *query.Error) {
	_, fp, e := taggedPolicy(c, "iam:ListPolicyTags", in.PolicyArn, nil)
	if e != nil {
		return nil, e
	}
	res := &iamshape.ListPolicyTagsResponse{}
	res.Tags, res.IsTruncated, res.Marker = tagsPageAt(fp.Tags, in.Marker, in.MaxItems)
	return res, nil
}

func updateProfileTags(c *api.Call, name string, f func(map[string]string) (map[string]string, *query.Error)) *query.Error {
	return updateEntities(c, []world.EntityRef{accountFields}, func(a *world.FileAccount) *query.Error {
		ip := fileProfile(a, name)
		if ip == nil {
			return iamerr.NoSuchEntity("Instance Profile %s cannot be found.", name)
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
func TagInstanceProfile(c *api.Call, in *iamshape.TagInstanceProfileRequest) (*noOutput, *query.Error) {
	tags, tctx, e := tagsIn(tagPairs(in.Tags))
	if e != nil {
		return nil, e
	}
	ip, e := profile(c, "iam:TagInstanceProfile", in.InstanceProfileName, tctx)
	if e != nil {
		return nil, e
	}
	return nil, updateProfileTags(c, ip.Name, func(m map[string]string) (map[string]string, *query.Error) { return withTags(m, tags) })
}

// UntagInstanceProfile removes tags of an instance profile.
func UntagInstanceProfile(c *api.Call, in *iamshape.UntagInstanceProfileRequest) (*noOutput, *query.Error) {
	keys := []string(in.TagKeys)
	ip, e := profile(c, "iam:UntagInstanceProfile", in.InstanceProfileName, map[string][]string{"aws:TagKeys": keys})
	if e != nil {
		return nil, e
	}
	return nil, updateProfileTags(c, ip.Name, func(m map[string]string) (map[string]string, *query.Error) { return withoutTags(m, keys), nil })
}

// ListInstanceProfileTags lists an instance profile's tags.
func ListInstanceProfileTags(c *api.Call, in *iamshape.ListInstanceProfileTagsRequest) (*iamshape.ListInstanceProfileTagsResponse, *query.Error) {
	ip, e := profile(c, "iam:ListInstanceProfileTags", in.InstanceProfileName, nil)
	if e != nil {
		return nil, e
	}
	res := &iamshape.ListInstanceProfileTagsResponse{}
	res.Tags, res.IsTruncated, res.Marker = tagsPageAt(ip.Tags, in.Marker, in.MaxItems)
	return res, nil
}
