package sts

import (
	"errors"
	"strings"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/stserr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape/stsshape"
	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/federation"
	"github.com/iamgate/iamgate/world"
)

func init() {
	registerTyped("AssumeRoleWithWebIdentity", AssumeRoleWithWebIdentity)
}

// Real STS answers, as public issues quote them; the others are
// iamgate's wording (the README lists which).
const (
	// aws-actions/configure-aws-credentials#721, treeverse/dvc.org#5273.
	msgNoProvider = "No OpenIDConnect provider found in your account for %s"
	// awslabs/amazon-eks-irsa-cfn#18, aws-actions/configure-aws-credentials#775.
	msgAudience = "Incorrect token audience"
	// alphagov/gsp#889, aws-actions/configure-aws-credentials#762.
	msgThumbprint = "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint"
	// aws/aws-sdk-java-v2#5709.
	msgExpired = "Token expired: current date/time %d must be before the expiration date/time %d"
	// aws/aws-sdk-ruby#2698.
	msgMissingClaim = "Missing a required claim: %s"
	// aws/aws-sdk-net#1522, sentry-kubernetes/charts#514.
	msgNotAuthorized = "Not authorized to perform %s"
	// awslabs/aws-sdk-rust#827, aws/aws-sdk-php#1725.
	msgNoKeys = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"
)

func invalidToken(format string, args ...any) *query.Error {
	return stserr.InvalidIdentityToken(format, args...)
}

// AssumeRoleWithWebIdentity issues a role session to a user an OpenID
// Connect provider vouches for (the STS API Reference,
// AssumeRoleWithWebIdentity). It needs no signature: the ID token is the
// credential. The token's iss names the provider, looked up in the role's
// account (arn:aws:iam::ACCOUNT:oidc-provider/ISS-WITHOUT-https://); the
// token must verify with the provider's keys and name one of its client
// IDs, and the role's trust policy must allow sts:AssumeRoleWithWebIdentity
// for the provider (Principal Federated) with the provider's keys
// PROVIDER:aud, PROVIDER:sub and PROVIDER:amr, and aws:FederatedProvider
// (the IAM User Guide, "Available keys for AWS OIDC federation",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif,
// and "AWS global condition context keys", aws:FederatedProvider). The
// session carries those keys on its later requests.
func AssumeRoleWithWebIdentity(c *api.Call, req *stsshape.AssumeRoleWithWebIdentityRequest) (*stsshape.AssumeRoleWithWebIdentityResponse, *query.Error) {
	// Validate has checked the model's constraints: RoleArn (arnType, 20
	// to 2,048 characters), WebIdentityToken (clientTokenType, 4 to
	// 20,000), DurationSeconds (roleDurationSecondsType, 900 to 43,200).
	// RoleSessionName is roleSessionNameType (2 to 64 of [\w+=,.@-]*).
	roleARN, name, token := req.RoleArn, req.RoleSessionName, req.WebIdentityToken
	duration := durationOr(req.DurationSeconds, 3600)
	policy, policyARNs, e := sessionPolicies(req.Policy, req.PolicyArns)
	if e != nil {
		return nil, e
	}
	if req.ProviderId != "" {
		// OAuth 2.0 access tokens of www.amazon.com and graph.facebook.com
		// are checked by calling those services, which iamgate does not.
		return nil, invalidToken("iamgate verifies OpenID Connect ID tokens only; OAuth 2.0 access tokens (ProviderId) are not supported")
	}
	role, err := arn.Parse(roleARN)
	if err != nil || role.Service != "iam" || !strings.HasPrefix(role.Resource, "role/") {
		return nil, awserr.ValidationError("%s is not a role ARN", roleARN)
	}

	iss, err := federation.Issuer(token)
	var missing *federation.MissingClaimError
	switch {
	case errors.As(err, &missing):
		return nil, invalidToken(msgMissingClaim, missing.Claim)
	case err != nil:
		return nil, invalidToken("The web identity token is not a well-formed JWT.")
	}
	fed := c.State.Federation()
	providerARN := "arn:aws:iam::" + role.AccountID + ":oidc-provider/" + strings.TrimPrefix(iss, "https://")
	prov, ok := api.OIDCProvider{}, false
	if strings.HasPrefix(iss, "https://") {
		if prov, ok, err = fed.OIDCProvider(c.Ctx, providerARN); err != nil {
			return nil, awserr.Lower(err, "could not read the identity provider: %v", err)
		}
	}
	if !ok {
		// Google and Cognito need no IAM OIDC provider: AWS trusts them
		// (an IAM provider of the account for the same URL, looked up
		// first, wins).
		name, bp, builtin := federation.BuiltinProvider(iss)
		if !builtin {
			return nil, invalidToken(msgNoProvider, iss)
		}
		prov = api.OIDCProvider{ARN: name, URL: bp.URL, Builtin: true}
	}
	id, err := fed.VerifyWebIdentity(c.Ctx, prov, token, c.Now)
	if err != nil {
		return nil, tokenError(err)
	}

	keys := webIdentityKeys(prov, id)
	in := world.FederatedInput{Action: "sts:AssumeRoleWithWebIdentity", RoleARN: roleARN, ProviderARN: prov.ARN, SessionName: name,
		SessionTags: id.Tags, TransitiveTagKeys: id.TransitiveTagKeys, SourceIdentity: id.SourceIdentity,
		PolicyARNs: policyARNs, Time: c.Now}
	out, e := federatedSession(c, in, policy, duration, keys)
	if e != nil {
		return nil, e
	}
	// Provider is the provider's ARN for an IAM OIDC provider (the STS
	// API Reference, AssumeRoleWithWebIdentity, Provider: "the issuing
	// authority of the web identity token"; STS answers with the IAM
	// provider's ARN, as EKS's IRSA sessions show), and a built-in
	// provider's name (accounts.google.com).
	return &stsshape.AssumeRoleWithWebIdentityResponse{
		Credentials:                 out.creds,
		SubjectFromWebIdentityToken: id.Subject,
		AssumedRoleUser:             out.user,
		Provider:                    prov.ARN,
		Audience:                    id.Audience,
		SourceIdentity:              out.sourceIdentity,
	}, nil
}

// issued is a federated session's part of the AssumeRoleWith* result.
type issued struct {
	creds          *stsshape.Credentials
	user           *stsshape.AssumedRoleUser
	sourceIdentity string
}

// federatedSession decides a verified federated identity's request
// (world.AssumeRoleFederated) and issues the session: AccessDenied "Not
// authorized to perform ACTION" for a trust policy that does not allow it
// or a role that does not exist, DurationSeconds within the role's
// maximum, and the session's keys carried by its token.
// The request's context with the provider's keys (they win) is the
// trust decision's.
func federatedSession(c *api.Call, in world.FederatedInput, policy string, duration int, keys map[string][]string) (issued, *query.Error) {
	in.Context = make(map[string][]string, len(c.Context)+len(keys))
	for k, v := range c.Context {
		in.Context[k] = v
	}
	for k, v := range keys {
		in.Context[k] = v
	}
	if len(in.SessionTags) > 0 {
		if e := query.SessionTagRules(tagPairs(in.SessionTags)); e != nil {
			return issued{}, e
		}
	}
	w := c.State.World()
	if policy != "" {
		in.SessionPolicy = []byte(policy)
	}
	res, err := w.AssumeRoleFederated(in)
	if res != nil {
		c.Record(res.Decisions...)
	}
	var foreign *world.PolicyARNError
	switch {
	case errors.Is(err, world.ErrUnknownPrincipal):
		// A role that is not there is answered as one whose trust policy
		// does not let the provider in.
		return issued{}, awserr.AccessDenied(msgNotAuthorized, in.Action)
	case errors.As(err, &foreign):
		return issued{}, stserr.MalformedPolicyDocument("Policy %s does not exist or is not attachable.", foreign.ARN)
	case errors.Is(err, world.ErrSessionPolicy):
		return issued{}, stserr.MalformedPolicyDocument("%v", err)
	case err != nil:
		return issued{}, awserr.ValidationError("%v", err)
	case res.Caller == nil:
		action := in.Action
		if res.Denied != nil {
			action = res.Denied.Action
		}
		return issued{}, awserr.AccessDenied(msgNotAuthorized, action)
	}
	r := res.Caller.Role
	max := r.MaxSessionDuration
	if max == 0 {
		max = 3600
	}
	if duration > max {
		return issued{}, awserr.ValidationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	s := res.Caller.Session
	sess := api.Session{Account: r.Account.ID, RoleName: r.Name, SessionName: s.Name, Tags: s.Tags, TransitiveKeys: s.TransitiveKeys,
		SourceIdentity: s.SourceIdentity, AuthTime: c.Now, Issued: c.Now, Expiration: c.Now.Add(time.Duration(duration) * time.Second),
		PrincipalID: r.ID, Federated: keys}
	if policy != "" {
		sess.Policies = append(sess.Policies, []byte(policy))
	}
	sess.Policies = append(sess.Policies, managedDocuments(w, in.PolicyARNs)...)
	creds, err := c.State.Keys().CreateSession(c.Ctx, sess)
	if err != nil {
		return issued{}, awserr.Lower(err, "could not store the session: %v", err)
	}
	return issued{
		creds:          credentialsTyped(creds),
		user:           &stsshape.AssumedRoleUser{AssumedRoleId: r.ID + ":" + s.Name, Arn: s.ARN()},
		sourceIdentity: s.SourceIdentity,
	}, nil
}

// webIdentityKeys are the context keys of a web identity (the IAM User
// Guide, "Available keys for AWS web identity federation"): the
// provider's aud, oaud, sub and amr under its URL without https://
// ("token.actions.githubusercontent.com:sub", "accounts.google.com:aud"),
// and aws:FederatedProvider, the IAM provider's ARN or the built-in
// provider's name ("if the user was authenticated through Amazon Cognito,
// the key would contain cognito-identity.amazonaws.com"). aud is the
// audience the token was accepted for and oaud the token's aud, except
// for Google: a token with an azp has accounts.google.com:aud the azp and
// accounts.google.com:oaud the aud ("When the azp field is set, the aud
// field matches the accounts.google.com:oaud condition key"). amr
// (Cognito's authenticated or unauthenticated, and the login provider) is
// there when the token has one, and so is email: the guide's current
// default keys are aud, sub, amr, oaud and email, as
// windmill-labs/windmilldocs#635 reads it and a real trust policy on
// HOST:email shows (repost.aws, "IAM Condition keys: How to access nested
// attributes in custom OIDC token claims?").
func webIdentityKeys(p api.OIDCProvider, id *federation.Identity) map[string][]string {
	prefix := strings.TrimPrefix(p.URL, "https://")
	aud := id.Audience
	if prefix == googleProvider && id.AuthorizedParty != "" {
		aud = id.AuthorizedParty
	}
	keys := map[string][]string{
		"aws:FederatedProvider": {p.ARN},
		prefix + ":aud":         {aud},
		prefix + ":oaud":        {id.Audience},
		prefix + ":sub":         {id.Subject},
	}
	if len(id.AMR) > 0 {
		keys[prefix+":amr"] = id.AMR
	}
	if id.Email != "" {
		keys[prefix+":email"] = []string{id.Email}
	}
	return keys
}

// googleProvider is Google's provider, whose aud key is the azp claim.
const googleProvider = "accounts.google.com"

// tokenError is STS's answer to a token that does not verify: the model's
// InvalidIdentityToken and ExpiredTokenException (botocore
// sts/2011-06-15). iamgate asks no provider about a token, so it never
// answers IDPRejectedClaim (the provider "reported that authentication
// failed") nor, as STS does not for keys it cannot fetch,
// IDPCommunicationError.
func tokenError(err error) *query.Error {
	var expired *federation.ExpiredError
	var missing *federation.MissingClaimError
	switch {
	case errors.As(err, &expired):
		return stserr.ExpiredTokenException(msgExpired, expired.Now.Unix(), expired.Expiry.Unix())
	case errors.As(err, &missing):
		return invalidToken(msgMissingClaim, missing.Claim)
	case errors.Is(err, federation.ErrThumbprint):
		return invalidToken(msgThumbprint)
	case errors.Is(err, federation.ErrFetch):
		// STS answers keys it cannot fetch with InvalidIdentityToken, not
		// the model's IDPCommunicationError (awslabs/aws-sdk-rust#827,
		// aws/aws-sdk-php#1725 quote it, two spaces included).
		return invalidToken(msgNoKeys)
	case errors.Is(err, federation.ErrAudience):
		return invalidToken(msgAudience)
	case errors.Is(err, federation.ErrAlgorithm):
		return invalidToken("The web identity token's signing algorithm is not supported: use RS256, RS384, RS512, ES256, ES384 or ES512.")
	case errors.Is(err, federation.ErrUnknownKey), errors.Is(err, federation.ErrSignature):
		return invalidToken("The web identity token's signature could not be verified with the provider's keys.")
	case errors.Is(err, federation.ErrIssuer):
		return invalidToken("The web identity token's issuer is not the provider.")
	case errors.Is(err, federation.ErrNotYetValid):
		return invalidToken("The web identity token is not valid yet.")
	case errors.Is(err, federation.ErrClaim):
		return invalidToken("%v", err)
	case errors.Is(err, federation.ErrMalformed):
		return invalidToken("The web identity token is not a well-formed JWT.")
	}
	return awserr.Lower(err, "%v", err)
}

func tagPairs(m map[string]string) [][2]string {
	out := make([][2]string, 0, len(m))
	for k, v := range m {
		out = append(out, [2]string{k, v})
	}
	return out
}
