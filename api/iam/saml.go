package iam

import (
	"errors"
	"strings"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/iamshape"
	"github.com/iamgate/iamgate/federation"
)

func init() {
	registerTyped("CreateSAMLProvider", CreateSAMLProvider)
	registerTyped("GetSAMLProvider", GetSAMLProvider)
	registerTyped("UpdateSAMLProvider", UpdateSAMLProvider)
	registerTyped("DeleteSAMLProvider", DeleteSAMLProvider)
	registerTyped("TagSAMLProvider", TagSAMLProvider)
	registerTyped("UntagSAMLProvider", UntagSAMLProvider)
	registerTyped("ListSAMLProviderTags", ListSAMLProviderTags)
	registerTyped("ListSAMLProviders", ListSAMLProviders)
}

func noSAMLProvider(arn string) *query.Error {
	return iamerr.NoSuchEntity("SAMLProvider %s does not exist.", arn)
}

// checkMetadata checks that a metadata document is SAML metadata with a
// signing certificate (Validate has checked its length,
// SAMLMetadataDocumentType: 1,000 to 10,000,000 characters).
func checkMetadata(doc string) (*federation.Metadata, *query.Error) {
	m, err := federation.ParseMetadata([]byte(doc))
	if err != nil {
		return nil, iamerr.InvalidInput("Could not parse metadata")
	}
	return m, nil
}

// encryptionParams refuses what iamgate does not do: decrypting
// assertions (AssertionEncryptionMode Required, AddPrivateKey). Validate
// has checked the mode is one of the model's (Required, Allowed).
func encryptionParams(mode, addKey, removeKey string) *query.Error {
	if mode == "Required" || addKey != "" || removeKey != "" {
		return iamerr.InvalidInput("iamgate does not decrypt SAML assertions: AssertionEncryptionMode Required and private keys are not supported")
	}
	return nil
}

// CreateSAMLProvider registers a SAML IdP from its metadata (the IAM API
// Reference, CreateSAMLProvider).
func CreateSAMLProvider(c *api.Call, in *iamshape.CreateSAMLProviderRequest) (*iamshape.CreateSAMLProviderResponse, *query.Error) {
	// Validate has checked Name (SAMLProviderNameType: 1 to 128 of
	// [\w._-]) and the document's length.
	name := in.Name
	doc := in.SAMLMetadataDocument
	// RemovePrivateKey is not a member of CreateSAMLProvider's input; it
	// is refused when given, as the untyped handler refused it.
	if e := encryptionParams(in.AssertionEncryptionMode, in.AddPrivateKey, c.Params.Get("RemovePrivateKey")); e != nil {
		return nil, e
	}
	tags := tagPairs(in.Tags)
	tctx, e := tagContext(tags, 0)
	if e != nil {
		return nil, e
	}
	arn := "arn:aws:iam::" + c.Account() + ":saml-provider/" + name
	if e := c.Authorize("iam:CreateSAMLProvider", arn, tctx); e != nil {
		return nil, e
	}
	m, e := checkMetadata(doc)
	if e != nil {
		return nil, e
	}
	p := api.SAMLProvider{ARN: arn, Account: c.Account(), Name: name, Metadata: doc, UUID: newUUID(), Created: c.Now, ValidUntil: m.ValidUntil, Tags: tagMap(tags)}
	if err := c.State.Federation().CreateSAMLProvider(c.Ctx, p); err != nil {
		switch {
		case errors.Is(err, api.ErrProviderExists):
			return nil, iamerr.EntityAlreadyExists("SAMLProvider %s already exists.", name)
		case errors.Is(err, api.ErrProviderQuota):
			return nil, iamerr.LimitExceeded("Cannot exceed quota for SAMLProvidersPerAccount: 100.")
		}
		return nil, iamerr.ServiceFailure("could not store the SAML provider: %v", err)
	}
	return &iamshape.CreateSAMLProviderResponse{SAMLProviderArn: arn, Tags: tagShapes(p.Tags)}, nil
}

// newUUID is a SAMLProviderUUID (privateKeyIdType: 22 to 64 of [A-Z0-9]).
func newUUID() string { return newID("SAML") + newID("")[:8] }

// samlARNParam reads SAMLProviderArn, a SAML provider's ARN (InvalidInput
// otherwise); Validate has checked that it is there and 20 to 2,048
// characters (arnType).
func samlARNParam(a string) (string, *query.Error) {
	f := strings.SplitN(a, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[2] != "iam" || f[3] != "" || len(f[4]) != 12 || !strings.HasPrefix(f[5], "saml-provider/") || len(f[5]) == len("saml-provider/") {
		return "", iamerr.InvalidInput("ARN %s is not valid.", a)
	}
	return a, nil
}

// authorizeSAML authorizes an action on a SAML provider ARN before
// anything is looked up (with the provider's tags as aws:ResourceTag/* when
// it is the caller's), then returns the provider or NoSuchEntity.
func authorizeSAML(c *api.Call, action, arn string, extra map[string][]string) (api.SAMLProvider, *query.Error) {
	a, e := samlARNParam(arn)
	if e != nil {
		return api.SAMLProvider{}, e
	}
	p, ok, err := c.State.Federation().SAMLProvider(c.Ctx, a)
	if err != nil {
		return api.SAMLProvider{}, iamerr.ServiceFailure("could not read the SAML provider: %v", err)
	}
	ok = ok && p.Account == c.Account()
	if e := c.Authorize(action, a, withResourceTags(extra, ok, p.Tags)); e != nil {
		return api.SAMLProvider{}, e
	}
	if !ok {
		return api.SAMLProvider{}, noSAMLProvider(a)
	}
	return p, nil
}

// GetSAMLProvider returns a provider's metadata document.
func GetSAMLProvider(c *api.Call, in *iamshape.GetSAMLProviderRequest) (*iamshape.GetSAMLProviderResponse, *query.Error) {
	p, e := authorizeSAML(c, "iam:GetSAMLProvider", in.SAMLProviderArn, nil)
	if e != nil {
		return nil, e
	}
	return &iamshape.GetSAMLProviderResponse{SAMLProviderUUID: p.UUID, SAMLMetadataDocument: p.Metadata, CreateDate: createdAt(p.Created),
		ValidUntil: shape.At(p.ValidUntil), Tags: tagShapes(p.Tags), AssertionEncryptionMode: "Allowed"}, nil
}

// ListSAMLProviders lists the account's SAML providers. The list is
// written even when empty (<SAMLProviderList></SAMLProviderList>), as the
// untyped handler wrote it: an optional List is left out only when nil.
func ListSAMLProviders(c *api.Call, _ *iamshape.ListSAMLProvidersRequest) (*iamshape.ListSAMLProvidersResponse, *query.Error) {
	if e := c.Authorize("iam:ListSAMLProviders", "*", nil); e != nil {
		return nil, e
	}
	ps, err := c.State.Federation().SAMLProviders(c.Ctx, c.Account())
	if err != nil {
		return nil, iamerr.ServiceFailure("could not read the SAML providers: %v", err)
	}
	out := make(shape.List[iamshape.SAMLProviderListEntry], 0, len(ps))
	for _, p := range ps {
		out = append(out, iamshape.SAMLProviderListEntry{Arn: p.ARN, ValidUntil: shape.At(p.ValidUntil), CreateDate: createdAt(p.Created)})
	}
	return &iamshape.ListSAMLProvidersResponse{SAMLProviderList: out}, nil
}

// updateSAML authorizes an action and changes the provider in one
// transaction.
func updateSAML(c *api.Call, action, arn string, extra map[string][]string, fn func(*api.SAMLProvider) *query.Error) (api.SAMLProvider, *query.Error) {
	p, e := authorizeSAML(c, action, arn, extra)
	if e != nil {
		return p, e
	}
	var qe *query.Error
	err := c.State.Federation().UpdateSAMLProvider(c.Ctx, p.ARN, func(p *api.SAMLProvider) error {
		if qe = fn(p); qe != nil {
			return qe
		}
		return nil
	})
	switch {
	case qe != nil:
		return p, qe
	case errors.Is(err, api.ErrNoProvider):
		return p, noSAMLProvider(p.ARN)
	case err != nil:
		return p, iamerr.ServiceFailure("could not change the SAML provider: %v", err)
	}
	return p, nil
}

// UpdateSAMLProvider replaces a provider's metadata document.
func UpdateSAMLProvider(c *api.Call, in *iamshape.UpdateSAMLProviderRequest) (*iamshape.UpdateSAMLProviderResponse, *query.Error) {
	doc := in.SAMLMetadataDocument // absent, or of the model's length (Validate)
	if e := encryptionParams(in.AssertionEncryptionMode, in.AddPrivateKey, in.RemovePrivateKey); e != nil {
		return nil, e
	}
	p, e := updateSAML(c, "iam:UpdateSAMLProvider", in.SAMLProviderArn, nil, func(p *api.SAMLProvider) *query.Error {
		if doc == "" {
			return nil
		}
		m, e := checkMetadata(doc)
		if e != nil {
			return e
		}
		p.Metadata, p.ValidUntil = doc, m.ValidUntil
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &iamshape.UpdateSAMLProviderResponse{SAMLProviderArn: p.ARN}, nil
}

// DeleteSAMLProvider deletes a provider.
func DeleteSAMLProvider(c *api.Call, in *iamshape.DeleteSAMLProviderRequest) (*noOutput, *query.Error) {
	p, e := authorizeSAML(c, "iam:DeleteSAMLProvider", in.SAMLProviderArn, nil)
	if e != nil {
		return nil, e
	}
	if ok, err := c.State.Federation().DeleteSAMLProvider(c.Ctx, p.ARN); err != nil {
		return nil, iamerr.ServiceFailure("could not delete the SAML provider: %v", err)
	} else if !ok {
		return nil, noSAMLProvider(p.ARN)
	}
	return nil, nil
}

// TagSAMLProvider adds or replaces tags.
func TagSAMLProvider(c *api.Call, in *iamshape.TagSAMLProviderRequest) (*noOutput, *query.Error) {
	tags, tctx, e := tagsIn(tagPairs(in.Tags))
	if e != nil {
		return nil, e
	}
	_, e = updateSAML(c, "iam:TagSAMLProvider", in.SAMLProviderArn, tctx, func(p *api.SAMLProvider) *query.Error {
		m, e := withTags(p.Tags, tags)
		if e != nil {
			return e
		}
		p.Tags = m
		return nil
	})
	return nil, e
}

// UntagSAMLProvider removes tags.
func UntagSAMLProvider(c *api.Call, in *iamshape.UntagSAMLProviderRequest) (*noOutput, *query.Error) {
	keys := []string(in.TagKeys)
	_, e := updateSAML(c, "iam:UntagSAMLProvider", in.SAMLProviderArn, map[string][]string{"aws:TagKeys": keys}, func(p *api.SAMLProvider) *query.Error {
		p.Tags = withoutTags(p.Tags, keys)
		return nil
	})
	return nil, e
}

// ListSAMLProviderTags lists a provider's tags.
func ListSAMLProviderTags(c *api.Call, in *iamshape.ListSAMLProviderTagsRequest) (*iamshape.ListSAMLProviderTagsResponse, *query.Error) {
	p, e := authorizeSAML(c, "iam:ListSAMLProviderTags", in.SAMLProviderArn, nil)
	if e != nil {
		return nil, e
	}
	res := &iamshape.ListSAMLProviderTagsResponse{}
	res.Tags, res.IsTruncated, res.Marker = tagsPageAt(p.Tags, in.Marker, in.MaxItems)
	return res, nil
}
