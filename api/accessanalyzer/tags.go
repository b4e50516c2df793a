package accessanalyzer

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/accessanalyzer/analyzer"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/aashape"
)

// tagged is what a tag operation's resourceArn names: an analyzer of the
// caller's account in the call's region, or one of its archive rules
// (rule ""); ok false for anything else.
func tagged(c *api.Call, resource string) (name, rule string, ok bool) {
	rest, ok := strings.CutPrefix(resource, analyzer.ARN(region(c), c.Account(), ""))
	if !ok || rest == "" {
		return "", "", false
	}
	name, rule, hasRule := strings.Cut(rest, "/archive-rule/")
	if hasRule && rule == "" || strings.Contains(name, "/") {
		return "", "", false
	}
	return name, rule, true
}

// editTags changes the tags of the analyzer or archive rule resource names.
func editTags(b AnalyzerBackend, c *api.Call, resource string, fn func(tags map[string]string) *awserr.Error) *awserr.Error {
	name, rule, ok := tagged(c, resource)
	if !ok {
		return notFound(resource, "Analyzer")
	}
	e := update(b, c, name, func(a *analyzer.Analyzer) *awserr.Error {
		tags := &a.Tags
		if rule != "" {
			r, ok := a.Rule(rule)
			if !ok {
				return notFound(rule, "ArchiveRule")
			}
			tags = &r.Tags
		}
		if *tags == nil {
			*tags = map[string]string{}
		}
		if e := fn(*tags); e != nil {
			return e
		}
		if len(*tags) == 0 {
			*tags = nil
		}
		return nil
	})
	if e != nil && e.ResourceType == "Analyzer" {
		e.ResourceID = resource
	}
	return e
}

// maxTags is Access Analyzer's limit of tags per resource (the API
// Reference, TagResource: "Adds a tag to the specified resource"; AWS's
// tagging limit of 50 user tags per resource).
const maxTags = 50

// checkTagKeys refuses the tags the model's documentation rules out
// (botocore accessanalyzer/2019-11-01, CreateAnalyzerRequest.tags: "For
// the tag key, you can specify a value that is 1 to 128 characters in
// length and cannot be prefixed with aws:. For the tag value, you can
// specify a value that is 0 to 256 characters in length."): TagsMap has no
// length or pattern, so the model's validation does not. The prefix is
// refused in any case, as IAM refuses aws: tag keys.
func checkTagKeys(tags map[string]string) *awserr.Error {
	for k, v := range tags {
		if n := utf8.RuneCountInString(k); n < 1 || n > 128 || strings.HasPrefix(strings.ToLower(k), "aws:") {
			return validationf(reasonFieldValidation, "Tag key %q is not valid: a key is 1 to 128 characters and cannot be prefixed with aws:.", k)
		}
		if utf8.RuneCountInString(v) > 256 {
			return validationf(reasonFieldValidation, "The value of tag %q is not valid: a value is 0 to 256 characters.", k)
		}
	}
	return nil
}

func tagResource(b AnalyzerBackend, c *api.Call, in *aashape.TagResourceRequest) (*aashape.TagResourceResponse, *awserr.Error) {
	if e := checkTagKeys(in.Tags); e != nil {
		return nil, e
	}
	e := editTags(b, c, in.ResourceArn, func(tags map[string]string) *awserr.Error {
		for k, v := range in.Tags {
			tags[k] = v
		}
		if len(tags) > maxTags {
			return validationf(reasonOther, "A resource has at most %d tags.", maxTags)
		}
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &aashape.TagResourceResponse{}, nil
}

func untagResource(b AnalyzerBackend, c *api.Call, in *aashape.UntagResourceRequest) (*aashape.UntagResourceResponse, *awserr.Error) {
	e := editTags(b, c, in.ResourceArn, func(tags map[string]string) *awserr.Error {
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &aashape.UntagResourceResponse{}, nil
}

func listTagsForResource(b AnalyzerBackend, c *api.Call, in *aashape.ListTagsForResourceRequest) (*aashape.ListTagsForResourceResponse, *awserr.Error) {
	name, rule, ok := tagged(c, in.ResourceArn)
	if !ok {
		return nil, notFound(in.ResourceArn, "Analyzer")
	}
	a, e := lookup(b, c, name)
	if e != nil {
		e.ResourceID = in.ResourceArn
		return nil, e
	}
	tags := a.Tags
	if rule != "" {
		r, ok := a.Rule(rule)
		if !ok {
			return nil, notFound(rule, "ArchiveRule")
		}
		tags = r.Tags
	}
	out := shape.Map[string]{}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out[k] = tags[k]
	}
	return &aashape.ListTagsForResourceResponse{Tags: out}, nil
}

func init() {
	registerOn("TagResource", "TagResource", func(_ *api.Call, in *aashape.TagResourceRequest) (string, map[string][]string, *awserr.Error) {
		return in.ResourceArn, tagKeys(in.Tags), nil
	}, tagResource)
	registerOn("UntagResource", "UntagResource", func(_ *api.Call, in *aashape.UntagResourceRequest) (string, map[string][]string, *awserr.Error) {
		var extra map[string][]string
		if len(in.TagKeys) > 0 {
			keys := append([]string(nil), in.TagKeys...)
			sort.Strings(keys)
			extra = map[string][]string{"aws:TagKeys": keys}
		}
		return in.ResourceArn, extra, nil
	}, untagResource)
	registerOn("ListTagsForResource", "ListTagsForResource",
		byARN(func(in *aashape.ListTagsForResourceRequest) string { return in.ResourceArn }), listTagsForResource)
}
