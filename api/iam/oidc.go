package iam

import (
	"errors"
	"regexp"
	"strings"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/iamshape"
	"github.com/iamgate/iamgate/federation"
)

func init() {
	registerTyped("CreateOpenIDConnectProvider", CreateOpenIDConnectProvider)
	registerTyped("GetOpenIDConnectProvider", GetOpenIDConnectProvider)
	registerTyped("ListOpenIDConnectProviders", ListOpenIDConnectProviders)
	registerTyped("DeleteOpenIDConnectProvider", DeleteOpenIDConnectProvider)
	registerTyped("AddClientIDToOpenIDConnectProvider", AddClientIDToOpenIDConnectProvider)
	registerTyped("RemoveClientIDFromOpenIDConnectProvider", RemoveClientIDFromOpenIDConnectProvider)
	registerTyped("UpdateOpenIDConnectProviderThumbprint", UpdateOpenIDConnectProviderThumbprint)
	registerTyped("TagOpenIDConnectProvider", TagOpenIDConnectProvider)
	registerTyped("UntagOpenIDConnectProvider", UntagOpenIDConnectProvider)
	registerTyped("ListOpenIDConnectProviderTags", ListOpenIDConnectProviderTags)
}

// IAM's limits for OIDC providers (the botocore model iam/2010-05-08,
// CreateOpenIDConnectProviderRequest: "up to five thumbprints", "You
// cannot register more than 100 client IDs"; thumbprintType: 40
// characters; clientIDType: 1 to 255; OpenIDConnectProviderUrlType: 1 to
// 255).
const (
	maxThumbprints = 5
	maxClientIDs   = 100
)

var hexThumbprint = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)

func noProvider(arn string) *query.Error {
	return iamerr.NoSuchEntity("OpenIDConnect Provider not found for arn %s", arn)
}

// providerARN checks OpenIDConnectProviderArn, an IAM OIDC provider's
// ARN (InvalidInput otherwise); the model's validation has checked that it
// is there and 20 to 2,048 characters (arnType).
func providerARN(a string) (string, *query.Error) {
	f := strings.SplitN(a, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[2] != "iam" || f[3] != "" || len(f[4]) != 12 || !strings.HasPrefix(f[5], "oidc-provider/") || len(f[5]) == len("oidc-provider/") {
		return "", iamerr.InvalidInput("ARN %s is not valid.", a)
	}
	return a, nil
}

// authorizeProvider authorizes an action on a provider ARN before anything
// is looked up, so that a caller without permission learns nothing of
// what exists; a provider of the caller's account adds its tags
// (aws:ResourceTag/*, the Service Authorization Reference, IAM, resource
// type oidc-provider). It then returns the provider, or NoSuchEntity.
func authorizeProvider(c *api.Call, action, arn string, extra map[string][]string) (api.OIDCProvider, *query.Error) {
	a, e := providerARN(arn)
	if e != nil {
		return api.OIDCProvider{}, e
	}
	p, ok, err := c.State.Federation().OIDCProvider(c.Ctx, a)
	if err != nil {
		return api.OIDCProvider{}, iamerr.ServiceFailure("could not read the OIDC provider: %v", err)
	}
	ok = ok && p.Account == c.Account()
	if e := c.Authorize(action, a, withResourceTags(extra, ok, p.Tags)); e != nil {
		return api.OIDCProvider{}, e
	}
	if !ok {
		return api.OIDCProvider{}, noProvider(a)
	}
	return p, nil
}

// checkThumbprints checks what the model does not (Validate has checked
// that each is 40 characters, thumbprintType): at most 5, each hex.
func checkThumbprints(list []string) *query.Error {
	if len(list) > maxThumbprints {
		return iamerr.LimitExceeded("Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: %d.", maxThumbprints)
	}
	for _, t := range list {
		if !hexThumbprint.MatchString(t) {
			return iamerr.InvalidInput("Thumbprint %s is not a hex-encoded SHA-1 hash.", t)
		}
	}
	return nil
}

// checkClientIDs drops repeated client IDs and checks the quota of 100
// (Validate has checked that each is 1 to 255 characters, clientIDType).
func checkClientIDs(list []string) ([]string, *query.Error) {
	var out []string
	seen := map[string]bool{}
	for _, id := range list {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	if len(out) > maxClientIDs {
		return nil, iamerr.LimitExceeded("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: %d.", maxClientIDs)
	}
	return out, nil
}

// CreateOpenIDConnectProvider registers an OIDC provider under
// arn:aws:iam::ACCOUNT:oidc-provider/URL-WITHOUT-https:// (the IAM API
// Reference, CreateOpenIDConnectProvider). Without a ThumbprintList, IAM
// reads the thumbprint of the top certificate the provider's host serves.
func CreateOpenIDConnectProvider(c *api.Call, in *iamshape.CreateOpenIDConnectProviderRequest) (*iamshape.CreateOpenIDConnectProviderResponse, *query.Error) {
	// The model's validation has checked that Url is there and 1 to 255
	// characters (OpenIDConnectProviderUrlType).
	u := in.Url
	if _, err := federation.ParseURL(u); err != nil {
		return nil, iamerr.InvalidInput("Invalid URL %s: the URL must begin with https:// and have a host and no query or fragment.", u)
	}
	ids, e := checkClientIDs(in.ClientIDList)
	if e != nil {
		return nil, e
	}
	thumbs := []string(in.ThumbprintList)
	if e := checkThumbprints(thumbs); e != nil {
		return nil, e
	}
	tags := tagPairs(in.Tags)
	tctx, e := tagContext(tags, 0)
	if e != nil {
		return nil, e
	}
	arn := "arn:aws:iam::" + c.Account() + ":oidc-provider/" + strings.TrimPrefix(u, "https://")
	if e := c.Authorize("iam:CreateOpenIDConnectProvider", arn, tctx); e != nil {
		return nil, e
	}
	fed := c.State.Federation()
	if len(thumbs) == 0 {
		tp, err := fed.OIDCThumbprint(c.Ctx, u)
		if err != nil {
			return nil, iamerr.OpenIdIdpCommunicationError("Could not connect to %s to read its certificate's thumbprint: %v", u, err)
		}
		thumbs = []string{tp}
	}
	p := api.OIDCProvider{ARN: arn, Account: c.Account(), URL: u, ClientIDs: ids, Thumbprints: thumbs, Created: c.Now, Tags: tagMap(tags)}
	if err := fed.CreateOIDCProvider(c.Ctx, p); err != nil {
		switch {
		case errors.Is(err, api.ErrProviderExists):
			return nil, iamerr.EntityAlreadyExists("Provider with url %s already exists.", u)
		case errors.Is(err, api.ErrProviderQuota):
			return nil, iamerr.LimitExceeded("Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100.")
		}
		return nil, iamerr.ServiceFailure("could not store the OIDC provider: %v", err)
	}
	return &iamshape.CreateOpenIDConnectProviderResponse{OpenIDConnectProviderArn: arn, Tags: tagShapes(p.Tags)}, nil
}

// GetOpenIDConnectProvider describes a provider; Url is without https://,
// as IAM returns it (the IAM API Reference, GetOpenIDConnectProvider,
// example response: <Url>server.example.com</Url>).
func GetOpenIDConnectProvider(c *api.Call, in *iamshape.GetOpenIDConnectProviderRequest) (*iamshape.GetOpenIDConnectProviderResponse, *query.Error) {
	p, e := authorizeProvider(c, "iam:GetOpenIDConnectProvider", in.OpenIDConnectProviderArn, nil)
	if e != nil {
		return nil, e
	}
	return &iamshape.GetOpenIDConnectProviderResponse{Url: strings.TrimPrefix(p.URL, "https://"), ClientIDList: p.ClientIDs,
		ThumbprintList: p.Thumbprints, CreateDate: createdAt(p.Created), Tags: tagShapes(p.Tags)}, nil
}

// ListOpenIDConnectProviders lists the account's providers' ARNs
// (iam:ListOpenIDConnectProviders, which has no resource type).
func ListOpenIDConnectProviders(c *api.Call, _ *iamshape.ListOpenIDConnectProvidersRequest) (*iamshape.ListOpenIDConnectProvidersResponse, *query.Error) {
	if e := c.Authorize("iam:ListOpenIDConnectProviders", "*", nil); e != nil {
		return nil, e
	}
	ps, err := c.State.Federation().OIDCProviders(c.Ctx, c.Account())
	if err != nil {
		return nil, iamerr.ServiceFailure("could not read the OIDC providers: %v", err)
	}
	out := make(shape.List[iamshape.OpenIDConnectProviderListEntry], 0, len(ps))
	for _, p := range ps {
		out = append(out, iamshape.OpenIDConnectProviderListEntry{Arn: p.ARN})
	}
	return &iamshape.ListOpenIDConnectProvidersResponse{OpenIDConnectProviderList: out}, nil
}

// DeleteOpenIDConnectProvider deletes a provider; deleting one that does
// not exist succeeds (the IAM API Reference: "This operation is
// idempotent; it does not fail or return an error if you call the
// operation for a provider that does not exist").
func DeleteOpenIDConnectProvider(c *api.Call, in *iamshape.DeleteOpenIDConnectProviderRequest) (*noOutput, *query.Error) {
	a, e := providerARN(in.OpenIDConnectProviderArn)
	if e != nil {
		return nil, e
	}
	if e := c.Authorize("iam:DeleteOpenIDConnectProvider", a, nil); e != nil {
		return nil, e
	}
	if accountOfARN(a) != c.Account() {
		return nil, nil
	}
	if _, err := c.State.Federation().DeleteOIDCProvider(c.Ctx, a); err != nil {
		return nil, iamerr.ServiceFailure("could not delete the OIDC provider: %v", err)
	}
	return nil, nil
}

func accountOfARN(a string) string {
	f := strings.SplitN(a, ":", 6)
	if len(f) < 5 {
		return ""
	}
	return f[4]
}

// updateProvider authorizes an action and changes the provider in one
// transaction.
func updateProvider(c *api.Call, action, arn string, extra map[string][]string, fn func(*api.OIDCProvider) *query.Error) *query.Error {
	p, e := authorizeProvider(c, action, arn, extra)
	if e != nil {
		return e
	}
	var qe *query.Error
	err := c.State.Federation().UpdateOIDCProvider(c.Ctx, p.ARN, func(p *api.OIDCProvider) error {
		if qe = fn(p); qe != nil {
			return qe
		}
		return nil
	})
	switch {
	case qe != nil:
		return qe
	case errors.Is(err, api.ErrNoProvider):
		return noProvider(p.ARN)
	case err != nil:
		return iamerr.ServiceFailure("could not change the OIDC provider: %v", err)
	}
	return nil
}

// AddClientIDToOpenIDConnectProvider adds a client ID (idempotent).
func AddClientIDToOpenIDConnectProvider(c *api.Call, in *iamshape.AddClientIDToOpenIDConnectProviderRequest) (*noOutput, *query.Error) {
	id := in.ClientID // there, 1 to 255 characters (the model's clientIDType)
	return nil, updateProvider(c, "iam:AddClientIDToOpenIDConnectProvider", in.OpenIDConnectProviderArn, nil, func(p *api.OIDCProvider) *query.Error {
		for _, have := range p.ClientIDs {
			if have == id {
				return nil
			}
		}
		if len(p.ClientIDs) >= maxClientIDs {
			return iamerr.LimitExceeded("Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: %d.", maxClientIDs)
		}
		p.ClientIDs = append(p.ClientIDs, id)
		return nil
	})
}

// RemoveClientIDFromOpenIDConnectProvider removes a client ID (removing
// one the provider does not have succeeds).
func RemoveClientIDFromOpenIDConnectProvider(c *api.Call, in *iamshape.RemoveClientIDFromOpenIDConnectProviderRequest) (*noOutput, *query.Error) {
	id := in.ClientID // there, 1 to 255 characters (the model's clientIDType)
	return nil, updateProvider(c, "iam:RemoveClientIDFromOpenIDConnectProvider", in.OpenIDConnectProviderArn, nil, func(p *api.OIDCProvider) *query.Error {
		kept := p.ClientIDs[:0:0]
		for _, have := range p.ClientIDs {
			if have != id {
				kept = append(kept, have)
			}
		}
		p.ClientIDs = kept
		return nil
	})
}

// UpdateOpenIDConnectProviderThumbprint replaces the thumbprint list.
func UpdateOpenIDConnectProviderThumbprint(c *api.Call, in *iamshape.UpdateOpenIDConnectProviderThumbprintRequest) (*noOutput, *query.Error) {
	thumbs := []string(in.ThumbprintList)
	if len(thumbs) == 0 {
		return nil, query.Validation(query.Violation{Null: true, Field: "thumbprintList", Constraint: "Member must not be null", Rule: query.RuleNull})
	}
	if e := checkThumbprints(thumbs); e != nil {
		return nil, e
	}
	return nil, updateProvider(c, "iam:UpdateOpenIDConnectProviderThumbprint", in.OpenIDConnectProviderArn, nil, func(p *api.OIDCProvider) *query.Error {
		p.Thumbprints = thumbs
		return nil
	})
}

// TagOpenIDConnectProvider adds or replaces tags (keys compare without
// case, as IAM's do).
func TagOpenIDConnectProvider(c *api.Call, in *iamshape.TagOpenIDConnectProviderRequest) (*noOutput, *query.Error) {
	tags := tagPairs(in.Tags)
	if len(tags) == 0 {
		return nil, query.Validation(query.Violation{Null: true, Field: "tags", Constraint: "Member must not be null", Rule: query.RuleNull})
	}
	tctx, e := tagContext(tags, 0)
	if e != nil {
		return nil, e
	}
	return nil, updateProvider(c, "iam:TagOpenIDConnectProvider", in.OpenIDConnectProviderArn, tctx, func(p *api.OIDCProvider) *query.Error {
		m, e := withTags(p.Tags, tags)
		if e != nil {
			return e
		}
		p.Tags = m
		return nil
	})
}

// UntagOpenIDConnectProvider removes tags.
func UntagOpenIDConnectProvider(c *api.Call, in *iamshape.UntagOpenIDConnectProviderRequest) (*noOutput, *query.Error) {
	keys := []string(in.TagKeys)
	return nil, updateProvider(c, "iam:UntagOpenIDConnectProvider", in.OpenIDConnectProviderArn, map[string][]string{"aws:TagKeys": keys}, func(p *api.OIDCProvider) *query.Error {
		p.Tags = withoutTags(p.Tags, keys)
		return nil
	})
}

// ListOpenIDConnectProviderTags lists a provider's tags.
func ListOpenIDConnectProviderTags(c *api.Call, in *iamshape.ListOpenIDConnectProviderTagsRequest) (*iamshape.ListOpenIDConnectProviderTagsResponse, *query.Error) {
	p, e := authorizeProvider(c, "iam:ListOpenIDConnectProviderTags", in.OpenIDConnectProviderArn, nil)
	if e != nil {
		return nil, e
	}
	res := &iamshape.ListOpenIDConnectProviderTagsResponse{}
	res.Tags, res.IsTruncated, res.Marker = tagsPageAt(p.Tags, in.Marker, in.MaxItems)
	return res, nil
}
