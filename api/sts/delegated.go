package sts

import (
	"crypto/hmac"
	"encoding/hex"
	"strings"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/stserr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape/stsshape"
	"github.com/iamgate/iamgate/world"
)

func init() {
	registerTyped("GetDelegatedAccessToken", GetDelegatedAccessToken)
}

// tokenRefused is GetDelegatedAccessToken's answer to every token it does
// not exchange: the model's one error about the token
// (ExpiredTradeInTokenException, 400). A token that is unknown, forged,
// of another requester, of a request that was rejected or has expired,
// already exchanged, or past its delegation period gets the same answer,
// so that the answer tells nothing of a token one does not hold (AWS
// documents no other; the wording is iamgate's).
func tokenRefused() *query.Error {
	return stserr.ExpiredTradeInTokenException("The trade-in token has expired or is not valid.")
}

// GetDelegatedAccessToken exchanges the token SendDelegationToken sent for
// credentials in the owner account (the STS API Reference,
// GetDelegatedAccessToken; the IAM User Guide, "Building your
// integration"). It needs sts:GetDelegatedAccessToken, and only the
// requester's account may exchange its requests' tokens, each once, while
// the request is FINALIZED and within its delegation period (SessionDuration
// from the token's release), which is when the credentials expire.
//
// The credentials are a session of the identity that accepted the request,
// with the request's rendered policy as session policy, so they allow at
// most what both allow: for a role, a role session named after the
// request; for an IAM user or the root user, a federated user session
// (GetFederationToken's kind) named after the request, of that user.
// AssumedPrincipal is the session's ARN. PackedPolicySize is not returned
// (deprecated, the API Reference says, for this operation).
func GetDelegatedAccessToken(c *api.Call, in *stsshape.GetDelegatedAccessTokenRequest) (*stsshape.GetDelegatedAccessTokenResponse, *query.Error) {
	tok := in.TradeInToken
	if e := c.Authorize("sts:GetDelegatedAccessToken", "*", nil); e != nil {
		return nil, e
	}
	id, _, ok := strings.Cut(tok, ".")
	if !ok {
		return nil, tokenRefused()
	}
	requester, d, found := c.State.File().DelegationRequest(id)
	if !found || requester != c.Account() || !exchangeable(c, &d, tok) {
		return nil, tokenRefused()
	}
	sess, principal, ok := delegatedSession(c, &d)
	if !ok {
		return nil, tokenRefused()
	}
	// The token is taken once: of two exchanges at once, one marks it.
	e := c.State.UpdateEntities(c.Ctx, requester, []world.EntityRef{{Kind: world.EntityAccount}}, func(a *world.FileAccount) *query.Error {
		for i := range a.DelegationRequests {
			if r := &a.DelegationRequests[i]; r.ID == id {
				if !exchangeable(c, r, tok) {
					return tokenRefused()
				}
				r.TokenUsed = true
				return nil
			}
		}
		return tokenRefused()
	})
	if e != nil {
		return nil, e
	}
	creds, err := c.State.Keys().CreateSession(c.Ctx, sess)
	if err != nil {
		return nil, awserr.Lower(err, "could not issue the session: %v", err)
	}
	return &stsshape.GetDelegatedAccessTokenResponse{Credentials: credentialsTyped(creds), AssumedPrincipal: principal}, nil
}

// exchangeable reports whether tok is the request's token and can be
// exchanged now.
func exchangeable(c *api.Call, d *world.DelegationRequest, tok string) bool {
	if d.TokenDigest == "" || d.TokenUsed || d.Approver == nil || d.Current(c.Now) != world.DelegationFinalized || !c.Now.Before(d.TokenExpires) {
		return false
	}
	want, err := hex.DecodeString(d.TokenDigest)
	return err == nil && hmac.Equal(want, c.State.Keys().Digest(world.DelegationTokenDigest, []byte(tok)))
}

// delegatedSession is the session the request's approver stands for,
// still the same entity (by unique ID) in the owner account.
func delegatedSession(c *api.Call, d *world.DelegationRequest) (api.Session, string, bool) {
	w := c.State.World()
	a := w.Accounts.Get(d.OwnerAccount)
	if a == nil {
		return api.Session{}, "", false
	}
	ap := d.Approver
	s := api.Session{Account: a.ID, Policies: [][]byte{[]byte(d.PermissionPolicy)}, AuthTime: c.Now, Issued: c.Now, Expiration: d.TokenExpires,
		Delegation: d.ID}
	switch ap.Kind {
	case "role":
		r := a.Roles.Get(ap.Name)
		if r == nil || (ap.PrincipalID != "" && r.ID != ap.PrincipalID) {
			return api.Session{}, "", false
		}
		s.RoleName, s.SessionName, s.PrincipalID = r.Name, d.ID, r.ID
		return s, "arn:aws:sts::" + a.ID + ":assumed-role/" + r.Name + "/" + d.ID, true
	case "user":
		u := a.Users.Get(ap.Name)
		if u == nil || (ap.PrincipalID != "" && u.ID != ap.PrincipalID) {
			return api.Session{}, "", false
		}
		s.FederatedUser, s.UserName, s.PrincipalID = d.ID, u.Name, u.ID
		return s, world.FederatedUserARN(a.ID, d.ID), true
	case "root":
		s.FederatedUser = d.ID
		return s, world.FederatedUserARN(a.ID, d.ID), true
	}
	return api.Session{}, "", false
}
