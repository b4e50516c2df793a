package organizations

import (
	"maps"
	"slices"
	"strings"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/orgerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape/orgshape"
	"github.com/iamgate/iamgate/world"
)

// Tags on the organization's resources: accounts (the account's own tags
// in the world), the root, OUs and policies (botocore
// organizations/2016-11-28: TagResource, UntagResource,
// ListTagsForResource; "This operation can be called only from the
// organization's management account", so a member account gets
// AccessDeniedException). Each is authorized as organizations:<Operation>
// on the resource's ARN, with the resource's tags as aws:ResourceTag/*, and
// the request's as aws:RequestTag/* and aws:TagKeys (the Service
// Authorization Reference for AWS Organizations), before anything is looked
// up.
func init() {
	registerTyped("TagResource", tagResource)
	registerTyped("UntagResource", untagResource)
	registerTyped("ListTagsForResource", listTagsForResource)
}

// targetNotFound is the model's documentation of TargetNotFoundException.
func targetNotFound() *query.Error {
	return orgerr.TargetNotFoundException("We can't find a root, OU, account, or policy with the TargetId that you specified.")
}

// taggableARN is the ARN of the resource a ResourceId names, whether or not
// it exists (so that a denied caller learns nothing): a policy that does not
// exist has the ARN an SCP of that ID would have; a resource policy's ID
// (rp-) its resourcepolicy ARN; a responsibility transfer's (rt-), whose
// ARN needs its type and direction, "*".
func taggableARN(o *world.FileOrganization, id string) string {
	switch {
	case strings.HasPrefix(id, "p-"):
		_, _, out, ok := findPolicy(o, id)
		return policyARNOf(o, id, out, ok)
	case strings.HasPrefix(id, "rp-"):
		return orgARN(o, "resourcepolicy", "/"+id)
	case strings.HasPrefix(id, "rt-"):
		return "*"
	}
	return targetARN(o, id)
}

// tagsOf returns the tags of the resource id names in fw, and a function
// that replaces them; ok is false when the organization has no such
// resource. AWS managed policies are not the organization's; the resource
// policy (rp-, the model's TaggableResourceId) keeps its tags with it, and
// iamgate stores no responsibility transfer (rt-).
func tagsOf(fw *world.FileWorld, id string) (tags map[string]string, set func(map[string]string), ok bool) {
	o := fw.Organization
	switch {
	case strings.HasPrefix(id, "rp-"):
		if rp := o.ResourcePolicy; rp != nil && rp.ID == id {
			return rp.Tags, func(m map[string]string) { rp.Tags = m }, true
		}
		return nil, nil, false
	case strings.HasPrefix(id, "p-"):
		for n, p := range o.Policies {
			if p.ID == id {
				return p.Tags, func(m map[string]string) { p.Tags = m; o.Policies[n] = p }, true
			}
		}
		return nil, nil, false
	case strings.HasPrefix(id, "r-"), strings.HasPrefix(id, "ou-"):
		if n := findNode(o, id); n != nil {
			return n.ou.Tags, func(m map[string]string) { n.ou.Tags = m }, true
		}
		return nil, nil, false
	}
	if !inOrg(o, id) {
		return nil, nil, false
	}
	for i := range fw.Accounts {
		if a := &fw.Accounts[i]; a.ID == id {
			return a.Tags, func(m map[string]string) { a.Tags = m }, true
		}
	}
	return nil, nil, false
}

// resourceTags are the tags of the organization's resource an ARN names
// (an account, the root, an OU, a policy or the resource policy), for
// aws:ResourceTag/*; nil for any other ARN.
func resourceTags(fw *world.FileWorld, resource string) map[string]string {
	o := fw.Organization
	if o == nil || !strings.HasPrefix(resource, "arn:aws:organizations::"+o.ManagementAccount+":") {
		return nil
	}
	id := resource[strings.LastIndexByte(resource, '/')+1:]
	if taggableARN(o, id) != resource {
		return nil
	}
	tags, _, _ := tagsOf(fw, id)
	return tags
}

// tagContext is the context of the resource's tags (aws:ResourceTag/k)
// and of a request's (aws:RequestTag/k for each tag given, and aws:TagKeys
// for the keys given or removed).
func tagContext(resource map[string]string, request []orgshape.Tag, keys []string) map[string][]string {
	ctx := map[string][]string{}
	for k, v := range resource {
		ctx["aws:ResourceTag/"+k] = []string{v}
	}
	for _, t := range request {
		ctx["aws:RequestTag/"+t.Key] = []string{t.Value}
		keys = append(keys, t.Key)
	}
	if len(keys) > 0 {
		ctx["aws:TagKeys"] = keys
	}
	return ctx
}

// tagOp checks that the caller is the management account's and authorizes
// action on the resource id names, with the request's tags or keys; an AWS
// managed policy's ID is then InvalidInputException, as the real service
// answers that it breaks the pattern (quoted for p-FullAWSAccess in
// cloud-custodian/cloud-custodian#8194), and a resource the organization
// does not have TargetNotFoundException.
func tagOp(c *api.Call, action, id string, request []orgshape.Tag, keys []string) *query.Error {
	o, e := management(c)
	if e != nil {
		return e
	}
	if e := authorizeWith(c, action, taggableARN(o, id), tagContext(nil, request, keys)); e != nil {
		return e
	}
	if _, _, p, ok := findPolicy(o, id); ok && *p.PolicySummary.AwsManaged {
		e := orgerr.InvalidInputException("You provided a value that does not match the required pattern.")
		e.Reason = "INVALID_PATTERN"
		return e
	}
	if _, _, ok := tagsOf(c.State.File(), id); !ok {
		return targetNotFound()
	}
	return nil
}

func tagResource(c *api.Call, in *orgshape.TagResourceRequest) (*noOutput, *query.Error) {
	if e := tagOp(c, "TagResource", in.ResourceId, in.Tags, nil); e != nil {
		return nil, e
	}
	return nil, retag(c, in.ResourceId, func(next map[string]string) *query.Error {
		for _, t := range in.Tags {
			next[t.Key] = t.Value
		}
		if len(next) > maxTagsPerResource {
			return tooManyTags()
		}
		return nil
	})
}

// retag changes the tags of the resource id names: edit changes a copy,
// which replaces them unless it answers an error (none left is nil).
func retag(c *api.Call, id string, edit func(next map[string]string) *query.Error) *query.Error {
	return c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		tags, set, ok := tagsOf(fw, id)
		if !ok {
			return targetNotFound()
		}
		next := maps.Clone(tags)
		if next == nil {
			next = map[string]string{}
		}
		if e := edit(next); e != nil {
			return e
		}
		if len(next) == 0 {
			next = nil
		}
		set(next)
		return nil
	})
}

func untagResource(c *api.Call, in *orgshape.UntagResourceRequest) (*noOutput, *query.Error) {
	for _, k := range in.TagKeys {
		if query.ReservedTagKey(k) {
			return nil, systemTagKey()
		}
	}
	if e := tagOp(c, "UntagResource", in.ResourceId, nil, in.TagKeys); e != nil {
		return nil, e
	}
	return nil, retag(c, in.ResourceId, func(next map[string]string) *query.Error {
		for _, k := range in.TagKeys {
			delete(next, k)
		}
		return nil
	})
}

// listTagsForResource lists the tags by key.
func listTagsForResource(c *api.Call, in *orgshape.ListTagsForResourceRequest) (*orgshape.ListTagsForResourceResponse, *query.Error) {
	if e := tagOp(c, "ListTagsForResource", in.ResourceId, nil, nil); e != nil {
		return nil, e
	}
	tags, _, _ := tagsOf(c.State.File(), in.ResourceId)
	page, next, e := pageOf(tagList(tags), in.NextToken, nil)
	if e != nil {
		return nil, e
	}
	return &orgshape.ListTagsForResourceResponse{Tags: page, NextToken: next}, nil
}

// tagList is a tag map as the model's Tags, by key.
func tagList(tags map[string]string) []orgshape.Tag {
	out := []orgshape.Tag{}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, orgshape.Tag{Key: k, Value: tags[k]})
	}
	return out
}

// tagMap is the model's Tags as a map, nil when there are none (checkTags
// has refused duplicate keys).
func tagMap(tags []orgshape.Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}
