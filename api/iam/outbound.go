package iam

import (
	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/iamshape"
	"github.com/iamgate/iamgate/world"
)

func init() {
	registerTyped("EnableOutboundWebIdentityFederation", EnableOutboundWebIdentityFederation)
	registerTyped("DisableOutboundWebIdentityFederation", DisableOutboundWebIdentityFederation)
	registerTyped("GetOutboundWebIdentityFederationInfo", GetOutboundWebIdentityFederationInfo)
}

// AWS documents the errors' codes and statuses (the IAM API Reference and
// the botocore model: FeatureEnabled 409, FeatureDisabled 404) but not
// their messages; these are iamgate's wording.
const (
	msgOutboundEnabled  = "Outbound web identity federation is already enabled for this account."
	msgOutboundDisabled = "Outbound web identity federation is not enabled for this account."
)

// outboundEnabled reports whether an account has outbound web identity
// federation enabled.
func outboundEnabled(o *world.OutboundFederation) bool { return o != nil && o.Enabled }

// EnableOutboundWebIdentityFederation lets the account's principals get
// JSON Web Tokens from STS GetWebIdentityToken (the IAM API Reference,
// EnableOutboundWebIdentityFederation): it needs
// iam:EnableOutboundWebIdentityFederation, is FeatureEnabled when already
// enabled, and answers the account's issuer URL. The issuer is made when
// the feature is first enabled, under the server's URL
// (PUBLIC-URL/outbound/ACCOUNT, api.OutboundPath), and stays the account's
// across Disable and Enable, as do its signing keys, made and stored
// (sealed) with the change.
func EnableOutboundWebIdentityFederation(c *api.Call, _ *noInput) (*iamshape.EnableOutboundWebIdentityFederationResponse, *query.Error) {
	if e := c.Authorize("iam:EnableOutboundWebIdentityFederation", "*", nil); e != nil {
		return nil, e
	}
	if outboundEnabled(account(c).OutboundFederation) {
		return nil, iamerr.FeatureEnabled(msgOutboundEnabled)
	}
	if c.Endpoint == "" {
		// No URL to put the issuer under (a call made in process): fail
		// rather than make an issuer no one can reach.
		return nil, iamerr.ServiceFailure("the server's URL is not known, so no issuer can be made for the account")
	}
	keys, err := c.State.Outbound().EnsureKeys(c.Account())
	if err != nil {
		return nil, awserr.Lower(err, "could not make the signing keys: %v", err)
	}
	var issuer string
	e := c.State.UpdateEntitiesAnd(c.Ctx, c.Account(), []world.EntityRef{accountFields}, func(a *world.FileAccount) *query.Error {
		if outboundEnabled(a.OutboundFederation) {
			return iamerr.FeatureEnabled(msgOutboundEnabled)
		}
		o := world.OutboundFederation{Enabled: true, Issuer: c.Endpoint + api.OutboundPath + a.ID}
		if a.OutboundFederation != nil && a.OutboundFederation.Issuer != "" {
			o.Issuer = a.OutboundFederation.Issuer
		}
		a.OutboundFederation = &o
		issuer = o.Issuer
		return nil
	}, keys)
	if e != nil {
		return nil, e
	}
	return &iamshape.EnableOutboundWebIdentityFederationResponse{IssuerIdentifier: issuer}, nil
}

// DisableOutboundWebIdentityFederation stops GetWebIdentityToken for the
// account (the IAM API Reference, DisableOutboundWebIdentityFederation):
// it needs iam:DisableOutboundWebIdentityFederation and is FeatureDisabled
// when the feature is not enabled. Tokens issued before stay valid until
// they expire (AWS: "This operation does not affect tokens that were
// issued before the feature was disabled"), but the issuer's discovery
// documents are not served while it is disabled.
func DisableOutboundWebIdentityFederation(c *api.Call, _ *noInput) (*noOutput, *query.Error) {
	if e := c.Authorize("iam:DisableOutboundWebIdentityFederation", "*", nil); e != nil {
		return nil, e
	}
	if !outboundEnabled(account(c).OutboundFederation) {
		return nil, iamerr.FeatureDisabled(msgOutboundDisabled)
	}
	return nil, updateEntities(c, []world.EntityRef{accountFields}, func(a *world.FileAccount) *query.Error {
		if !outboundEnabled(a.OutboundFederation) {
			return iamerr.FeatureDisabled(msgOutboundDisabled)
		}
		o := *a.OutboundFederation
		o.Enabled = false
		a.OutboundFederation = &o
		return nil
	})
}

// GetOutboundWebIdentityFederationInfo answers the account's issuer URL
// and that the feature is enabled (the IAM API Reference,
// GetOutboundWebIdentityFederationInfo); it needs
// iam:GetOutboundWebIdentityFederationInfo. With the feature disabled it
// is FeatureDisabled, the one error the model gives the operation (so
// JwtVendingEnabled is true whenever it answers).
func GetOutboundWebIdentityFederationInfo(c *api.Call, _ *noInput) (*iamshape.GetOutboundWebIdentityFederationInfoResponse, *query.Error) {
	if e := c.Authorize("iam:GetOutboundWebIdentityFederationInfo", "*", nil); e != nil {
		return nil, e
	}
	o := account(c).OutboundFederation
	if !outboundEnabled(o) {
		return nil, iamerr.FeatureDisabled(msgOutboundDisabled)
	}
	return &iamshape.GetOutboundWebIdentityFederationInfoResponse{IssuerIdentifier: o.Issuer, JwtVendingEnabled: shape.Ptr(true)}, nil
}
