package sts

import (
	"errors"
	"regexp"
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

// sessionNamePattern is roleSessionNameType (botocore sts/2011-06-15), for
// a session name that comes in an assertion rather than as a parameter.
var sessionNamePattern = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

func init() {
	registerTyped("AssumeRoleWithSAML", AssumeRoleWithSAML)
}

// AssumeRoleWithSAML issues a role session to a user a SAML provider
// vouches for (the STS API Reference, AssumeRoleWithSAML), unsigned like
// AssumeRoleWithWebIdentity. The assertion must be signed by a certificate
// of the provider's metadata (federation.VerifySAML), its Role attribute
// must name this role with this provider, and the role's trust policy must
// allow sts:AssumeRoleWithSAML for the provider with the SAML keys
// saml:aud (the Recipient), saml:iss, saml:sub, saml:sub_type,
// saml:namequalifier and saml:doc (the IAM User Guide, "Available keys for
// SAML-based AWS STS federation",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-saml),
// and aws:FederatedProvider.
func AssumeRoleWithSAML(c *api.Call, req *stsshape.AssumeRoleWithSAMLRequest) (*stsshape.AssumeRoleWithSAMLResponse, *query.Error) {
	// Validate has checked the model's constraints: RoleArn and
	// PrincipalArn (arnType), SAMLAssertion (SAMLAssertionType, 4 to
	// 100,000 characters), DurationSeconds (roleDurationSecondsType, 900
	// to 43,200).
	roleARN, principal, assertion := req.RoleArn, req.PrincipalArn, req.SAMLAssertion
	duration := durationOr(req.DurationSeconds, 0)
	policy, policyARNs, e := sessionPolicies(req.Policy, req.PolicyArns)
	if e != nil {
		return nil, e
	}
	role, err := arn.Parse(roleARN)
	if err != nil || role.Service != "iam" || !strings.HasPrefix(role.Resource, "role/") {
		return nil, awserr.ValidationError("%s is not a role ARN", roleARN)
	}
	// The provider is one of the role's account (iamgate looks nowhere
	// else, as for OIDC providers).
	prov, ok := api.SAMLProvider{}, false
	if pa, err := arn.Parse(principal); err == nil && pa.AccountID == role.AccountID {
		if prov, ok, err = c.State.Federation().SAMLProvider(c.Ctx, principal); err != nil {
			return nil, awserr.Lower(err, "could not read the identity provider: %v", err)
		}
	}
	if !ok {
		return nil, invalidToken("SAML provider %s is not in the role's account.", principal)
	}
	meta, err := federation.ParseMetadata([]byte(prov.Metadata))
	if err != nil {
		return nil, awserr.Lower(err, "the provider's metadata does not parse: %v", err)
	}
	id, err := federation.VerifySAML(meta, assertion, c.Now)
	if err != nil {
		return nil, samlError(err)
	}
	named := false
	for _, r := range id.Roles {
		named = named || (r[0] == roleARN && r[1] == principal)
	}
	if !named {
		return nil, awserr.AccessDenied(msgNotAuthorized, "sts:AssumeRoleWithSAML")
	}
	name := id.SessionName
	// The attribute is the assertion's, not a request parameter the edge
	// checked: it must be what roleSessionNameType allows.
	if !sessionNamePattern.MatchString(name) {
		return nil, invalidToken(msgSAMLSessionName)
	}
	if duration == 0 {
		duration = 3600
		if id.SessionDuration != 0 {
			duration = id.SessionDuration
		}
	}
	qualifier := federation.NameQualifier(id.Issuer, prov.Account, prov.Name)
	keys := map[string][]string{
		"aws:FederatedProvider": {prov.ARN},
		"saml:iss":              {id.Issuer},
		"saml:sub":              {id.Subject},
		"saml:sub_type":         {id.SubjectType},
		"saml:namequalifier":    {qualifier},
		"saml:doc":              {prov.Account + "/" + prov.Name},
	}
	if id.Recipient != "" {
		keys["saml:aud"] = []string{id.Recipient}
	}
	in := world.FederatedInput{Action: "sts:AssumeRoleWithSAML", RoleARN: roleARN, ProviderARN: prov.ARN, SessionName: name,
		SessionTags: id.Tags, TransitiveTagKeys: id.TransitiveTagKeys, SourceIdentity: id.SourceIdentity,
		PolicyARNs: policyARNs, Time: c.Now}
	out, e := federatedSession(c, in, policy, duration, keys)
	if e != nil {
		return nil, e
	}
	return &stsshape.AssumeRoleWithSAMLResponse{
		Credentials: out.creds, AssumedRoleUser: out.user,
		Subject: id.Subject, SubjectType: id.SubjectType, Issuer: id.Issuer, Audience: id.Recipient, NameQualifier: qualifier,
		SourceIdentity: out.sourceIdentity,
	}, nil
}

// STS's answers to a SAML response, as the IAM User Guide,
// "Troubleshooting SAML 2.0 federation with AWS", quotes them.
const (
	msgSAMLNoSessionName = "RoleSessionName is required in AuthnResponse"
	msgSAMLSessionName   = "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}"
	msgSAMLSignature     = "Response signature invalid"
	// The guide's "Failed to assume role: " is the console's; the SDKs
	// show the message alone (dbeaver/cloudbeaver#3112).
	msgSAMLIssuer = "Issuer not present in specified provider"
)

// samlError is STS's answer to an assertion that does not verify: the
// guide's words where it has them (a response without a Subject NameID
// is AccessDenied "Not authorized to perform sts:AssumeRoleWithSAML"),
// iamgate's otherwise; the codes are the model's.
func samlError(err error) *query.Error {
	var expired *federation.ExpiredError
	var missing *federation.MissingClaimError
	switch {
	case errors.As(err, &expired):
		return stserr.ExpiredTokenException("The SAML assertion expired at %s.", expired.Expiry.UTC().Format(time.RFC3339))
	case errors.As(err, &missing) && missing.Claim == federation.AttributePrefix+"RoleSessionName":
		return invalidToken(msgSAMLNoSessionName)
	case errors.As(err, &missing) && missing.Claim == "NameID":
		return awserr.AccessDenied(msgNotAuthorized, "sts:AssumeRoleWithSAML")
	case errors.As(err, &missing):
		return invalidToken("The SAML assertion has no %s.", missing.Claim)
	case errors.Is(err, federation.ErrUnsigned), errors.Is(err, federation.ErrSignature):
		return invalidToken(msgSAMLSignature)
	case errors.Is(err, federation.ErrAudience):
		return invalidToken("The SAML assertion is not addressed to AWS (Audience and Recipient must be https://signin.aws.amazon.com/saml).")
	case errors.Is(err, federation.ErrIssuer):
		return invalidToken(msgSAMLIssuer)
	case errors.Is(err, federation.ErrNotYetValid):
		return invalidToken("The SAML assertion is not valid yet.")
	}
	return invalidToken("The SAML assertion is not valid: %v", err)
}
