package sts

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/stserr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/stsshape"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/world"
)

func init() {
	registerTyped("GetWebIdentityToken", GetWebIdentityToken)
}

// The messages of GetWebIdentityToken's refusals: the STS API Reference
// words both errors (GetWebIdentityToken, Errors); AWS's own messages are
// not published, so these are its descriptions.
const (
	msgOutboundDisabled   = "The outbound web identity federation feature is not enabled for this account. To use this feature, you must first enable it through the AWS Management Console or API."
	msgDurationEscalation = "The requested token duration would extend the session beyond its original expiration time."
)

// defaultTokenDuration is DurationSeconds when the request leaves it out
// (the STS API Reference, GetWebIdentityToken: "If not specified, the
// default duration is 300 seconds (5 minutes)").
const defaultTokenDuration = 300

// webIdentityClaims are the claims of an outbound web identity token (the
// IAM User Guide, "Understanding token claims"): OIDC's standard claims,
// and AWS's own under the https://sts.amazonaws.com/ namespace.
type webIdentityClaims struct {
	Iss string `json:"iss"`
	// Aud is a string for one audience, a list for several (RFC 7519,
	// section 4.1.3).
	Aud any                  `json:"aud"`
	Sub string               `json:"sub"`
	Iat int64                `json:"iat"`
	Exp int64                `json:"exp"`
	Jti string               `json:"jti"`
	AWS awsWebIdentityClaims `json:"https://sts.amazonaws.com/"`
}

type awsWebIdentityClaims struct {
	Account      string `json:"aws_account"`
	SourceRegion string `json:"source_region,omitempty"`
	// PrincipalID is the ARN of the principal that asked for the token;
	// for a role session, the role's (the STS API Reference,
	// GetWebIdentityToken).
	PrincipalID   string            `json:"principal_id"`
	OrgID         string            `json:"org_id,omitempty"`
	OUPath        string            `json:"ou_path,omitempty"`
	PrincipalTags map[string]string `json:"principal_tags,omitempty"`
	RequestTags   map[string]string `json:"request_tags,omitempty"`
}

// GetWebIdentityToken signs a JSON Web Token that stands for the caller
// (the STS API Reference, GetWebIdentityToken; the IAM User Guide,
// "Outbound identity federation"). It needs sts:GetWebIdentityToken, with
// the condition keys the Service Authorization Reference lists for it:
// sts:IdentityTokenAudience (every audience), sts:DurationSeconds,
// sts:SigningAlgorithm, and with Tags aws:RequestTag/* and aws:TagKeys,
// which then also need sts:TagGetWebIdentityToken (the IAM User Guide,
// "Controlling access with IAM policies"). Only then does it tell whether
// the account has the feature enabled
// (OutboundWebIdentityFederationDisabledException, 403). A session's token
// may not outlive the session (SessionDurationEscalationException, 403).
// The credentials of GetSessionToken and GetFederationToken cannot call it
// (the server's sessionLimits, as for every STS operation but AssumeRole
// and GetCallerIdentity).
//
// The token's sub and principal_id are the caller's ARN, for a role
// session the role's (as the User Guide's sample token shows); the account
// root user's is arn:aws:iam::ACCOUNT:root. It is signed with the
// account's own key for the algorithm (api.Outbound), whose public half
// the issuer's jwks.json publishes.
func GetWebIdentityToken(c *api.Call, in *stsshape.GetWebIdentityTokenRequest) (*stsshape.GetWebIdentityTokenResponse, *query.Error) {
	// The model has checked Audience (1 to 10 of 1 to 1,000 characters),
	// DurationSeconds (60 to 3,600), SigningAlgorithm (5 characters) and
	// Tags (at most 50, tagKeyType, tagValueType).
	if !slices.Contains(api.OutboundAlgorithms, in.SigningAlgorithm) {
		v := in.SigningAlgorithm
		return nil, query.Validation(query.Violation{Value: &v, Field: "signingAlgorithm",
			Constraint: "Member must satisfy enum value set: [RS256, ES384]", Rule: query.RuleOther})
	}
	duration := durationOr(in.DurationSeconds, defaultTokenDuration)
	pairs := tagList(in.Tags)
	if e := query.SessionTagRules(pairs); e != nil {
		return nil, e
	}
	ctx := map[string][]string{
		"sts:IdentityTokenAudience": slices.Clone([]string(in.Audience)),
		"sts:DurationSeconds":       {strconv.Itoa(duration)},
		"sts:SigningAlgorithm":      {in.SigningAlgorithm},
	}
	var requestTags map[string]string
	if len(pairs) > 0 {
		requestTags = map[string]string{}
		tagCtx := map[string][]string{}
		var keys []string
		for _, t := range pairs {
			requestTags[t[0]] = t[1]
			tagCtx["aws:RequestTag/"+t[0]] = []string{t[1]}
			keys = append(keys, t[0])
		}
		sort.Strings(keys)
		tagCtx["aws:TagKeys"] = keys
		for k, v := range tagCtx {
			ctx[k] = v
		}
		if e := c.Authorize("sts:TagGetWebIdentityToken", "*", tagCtx); e != nil {
			return nil, e
		}
	}
	if e := c.Authorize("sts:GetWebIdentityToken", "*", ctx); e != nil {
		return nil, e
	}
	acct := c.Caller.Account
	if acct == nil || acct.OutboundFederation == nil || !acct.OutboundFederation.Enabled || acct.OutboundFederation.Issuer == "" {
		return nil, stserr.OutboundWebIdentityFederationDisabledException(msgOutboundDisabled)
	}
	exp := c.Now.Add(time.Duration(duration) * time.Second)
	if c.Temporary && !c.SessionExpiration.IsZero() && exp.After(c.SessionExpiration) {
		return nil, stserr.SessionDurationEscalationException(msgDurationEscalation)
	}
	subject := tokenSubject(c.Caller)
	if subject == "" {
		return nil, awserr.AccessDenied("Cannot call GetWebIdentityToken with these credentials")
	}
	claims := webIdentityClaims{Iss: acct.OutboundFederation.Issuer, Sub: subject, Iat: c.Now.Unix(), Exp: exp.Unix(), Jti: newJTI(),
		AWS: awsWebIdentityClaims{Account: acct.ID, PrincipalID: subject, RequestTags: requestTags}}
	if len(in.Audience) == 1 {
		claims.Aud = in.Audience[0]
	} else {
		claims.Aud = []string(in.Audience)
	}
	if r := c.Context["aws:RequestedRegion"]; len(r) > 0 {
		claims.AWS.SourceRegion = r[0]
	}
	claims.AWS.OrgID, claims.AWS.OUPath = c.State.World().OrgPath(acct)
	if tags := c.Caller.Tags(); len(tags) > 0 {
		claims.AWS.PrincipalTags = tags
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return nil, awserr.Lower(err, "could not encode the token: %v", err)
	}
	token, err := c.State.Outbound().Sign(c.Ctx, acct.ID, in.SigningAlgorithm, payload)
	if err != nil {
		return nil, awserr.Lower(err, "could not sign the token: %v", err)
	}
	return &stsshape.GetWebIdentityTokenResponse{WebIdentityToken: token, Expiration: &shape.Time{Time: exp.UTC()}}, nil
}

// tokenSubject is the ARN a token names as its subject: the IAM user, the
// role of a role session, the federated user, or the account root user.
func tokenSubject(cl *world.Caller) string {
	switch {
	case cl.Federation != nil && cl.Account != nil:
		return world.FederatedUserARN(cl.Account.ID, cl.Federation.Name)
	case cl.User != nil:
		return cl.User.ARN()
	case cl.Role != nil:
		return cl.Role.ARN()
	case cl.Kind == engine.AccountRoot && cl.Account != nil:
		return "arn:aws:iam::" + cl.Account.ID + ":root"
	}
	return ""
}

// newJTI is a token's unique ID: 128 random bits, as a UUID.
func newJTI() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
