package sts

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/stserr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/stsshape"
	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/credential"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/world"
)

// Handler is one STS operation.
type Handler func(c *api.Call) (any, *query.Error)

// Operations lists the STS operations by Action name.
var Operations = map[string]Handler{}

func init() {
	registerTyped("GetCallerIdentity", GetCallerIdentity)
	registerTyped("AssumeRole", AssumeRole)
	registerTyped("GetSessionToken", GetSessionToken)
	registerTyped("GetAccessKeyInfo", GetAccessKeyInfo)
	registerTyped("DecodeAuthorizationMessage", DecodeAuthorizationMessage)
	registerTyped("GetFederationToken", GetFederationToken)
}

// GetCallerIdentity needs no permission: AWS answers it even when a policy
// denies it (the STS API Reference, GetCallerIdentity).
func GetCallerIdentity(c *api.Call, _ *stsshape.GetCallerIdentityRequest) (*stsshape.GetCallerIdentityResponse, *query.Error) {
	cl := c.Caller
	res := &stsshape.GetCallerIdentityResponse{Arn: cl.Principal, Account: c.Account()}
	switch {
	case cl.Federation != nil:
		res.UserId = res.Account + ":" + cl.Federation.Name
	case cl.User != nil:
		res.UserId = cl.User.ID
	case cl.Session != nil:
		res.UserId = cl.Role.ID + ":" + cl.Session.Name
	case cl.Kind == engine.AccountRoot:
		res.UserId = res.Account
		res.Arn = "arn:aws:iam::" + res.Account + ":root"
	}
	return res, nil
}

// AssumeRole issues temporary credentials for a role (the STS API
// Reference, AssumeRole): the trust policy and the caller's own policies
// decide, with ExternalId, session tags (sts:TagSession) and source identity
// (sts:SetSourceIdentity); DurationSeconds runs from 900 seconds to the
// role's maximum, and at most one hour when a role session assumes a role.
func AssumeRole(c *api.Call, req *stsshape.AssumeRoleRequest) (*stsshape.AssumeRoleResponse, *query.Error) {
	// Validate has checked the input against the model (roleSessionNameType:
	// 2 to 64 of [\w+=,.@-]*, roleDurationSecondsType, tagListType, ...).
	roleARN, name := req.RoleArn, req.RoleSessionName
	if c.Caller.Kind == engine.AccountRoot {
		return nil, awserr.AccessDenied("Roles may not be assumed by root accounts.")
	}
	duration := durationOr(req.DurationSeconds, 3600)
	policy, policyARNs, e := sessionPolicies(req.Policy, req.PolicyArns)
	if e != nil {
		return nil, e
	}
	pairs := tagList(req.Tags)
	// Session tags follow IAM's tag rules, and their keys are not case
	// sensitive (the STS API Reference, AssumeRole: Tags, TransitiveTagKeys;
	// the IAM User Guide, "Passing session tags in AWS STS").
	if e := query.SessionTagRules(pairs); e != nil {
		return nil, e
	}
	tags := map[string]string{}
	for _, t := range pairs {
		tags[t[0]] = t[1]
	}
	mfa, e := mfaParams(c, req.SerialNumber, req.TokenCode)
	if e != nil {
		return nil, e
	}
	if mfa {
		c.Context = withMFA(c.Context)
	}
	w := c.State.World()
	in := world.AssumeRoleInput{RoleARN: roleARN, SessionName: name, ExternalID: req.ExternalId, SessionTags: tags,
		TransitiveTagKeys: []string(req.TransitiveTagKeys), PolicyARNs: policyARNs, SourceIdentity: req.SourceIdentity,
		Context: c.Context, Time: c.Now}
	if policy != "" {
		in.SessionPolicy = []byte(policy)
	}
	res, err := w.AssumeRole(c.Caller, in)
	if res != nil {
		c.Record(res.Decisions...)
	}
	if err != nil {
		var foreign *world.PolicyARNError
		switch {
		case errors.Is(err, world.ErrUnknownPrincipal):
			// AWS does not reveal whether the role exists: the caller is
			// denied as by a role whose trust policy does not let it in (the
			// engine requires a trust policy to allow sts:AssumeRole, and a
			// missing role has none), with the same message.
			e, derr := w.Decide(world.Request{Caller: c.Caller, Action: "sts:AssumeRole", Resource: roleARN, Context: c.Context, Time: c.Now})
			if derr != nil {
				return nil, awserr.ValidationError("%v", derr)
			}
			c.Record(e)
			return nil, assumeDenied(c, roleARN, e)
		case errors.As(err, &foreign):
			// A managed session policy must be AWS managed or in the role's
			// account (the STS API Reference, AssumeRole, PolicyArns); one of
			// another account is answered as one that does not exist.
			return nil, stserr.MalformedPolicyDocument("Policy %s does not exist or is not attachable.", foreign.ARN)
		case errors.Is(err, world.ErrSessionPolicy):
			return nil, stserr.MalformedPolicyDocument("%v", err)
		}
		return nil, awserr.ValidationError("%v", err)
	}
	if res.Caller == nil {
		if res.Denied == nil {
			return nil, awserr.AccessDenied("%s", res.Reason)
		}
		return nil, assumeDenied(c, roleARN, res.Denied)
	}
	role := res.Caller.Role
	max := role.MaxSessionDuration
	if max == 0 {
		max = 3600
	}
	if duration > max {
		return nil, awserr.ValidationError("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	if c.Caller.Session != nil && duration > 3600 {
		return nil, awserr.ValidationError("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	s := res.Caller.Session
	sess := api.Session{Account: role.Account.ID, RoleName: role.Name, SessionName: s.Name, Tags: s.Tags, TransitiveKeys: s.TransitiveKeys,
		SourceIdentity: s.SourceIdentity, Chained: s.Chained, MFA: mfa, AuthTime: c.Now, Issued: c.Now,
		Expiration: c.Now.Add(time.Duration(duration) * time.Second), PrincipalID: role.ID}
	if policy != "" {
		sess.Policies = append(sess.Policies, []byte(policy))
	}
	sess.Policies = append(sess.Policies, managedDocuments(w, policyARNs)...)
	creds, err := c.State.Keys().CreateSession(c.Ctx, sess)
	if err != nil {
		return nil, awserr.Lower(err, "could not store the session: %v", err)
	}
	// PackedPolicySize is written, 0, as the untyped result wrote it.
	return &stsshape.AssumeRoleResponse{
		Credentials:      credentialsTyped(creds),
		AssumedRoleUser:  &stsshape.AssumedRoleUser{AssumedRoleId: role.ID + ":" + s.Name, Arn: s.ARN()},
		PackedPolicySize: shape.Ptr(int32(0)),
		SourceIdentity:   s.SourceIdentity,
	}, nil
}

// assumeDenied is AssumeRole's AccessDenied. AWS words it without a reason
// ("User: ARN is not authorized to perform: sts:AssumeRole on resource:
// ROLE", as real STS responses quoted in public issues show, e.g.
// Netflix/security_monkey#77, aws/karpenter-provider-aws#4680), so that
// neither the role's existence nor its trust policy shows. iamgate adds
// its encoded authorization failure message only when the role's ARN names
// the caller's own account: decoded, it would show another account's trust
// policy (or that the role is not there).
func assumeDenied(c *api.Call, roleARN string, e *engine.Explanation) *query.Error {
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", c.Caller.Principal, e.Action, roleARN)
	if a, err := arn.Parse(roleARN); err == nil && a.AccountID == c.Account() {
		msg += ". Encoded authorization failure message: " + c.State.Keys().EncodeMessage(api.AuthorizationMessage(e))
	}
	return awserr.AccessDenied("%s", msg)
}

// managedDocuments are the documents of managed session policies, as a
// session token keeps them.
func managedDocuments(w *world.World, arns []string) [][]byte {
	var out [][]byte
	for _, a := range arns {
		if mp, ok := w.ManagedPolicy(a); ok && mp.Default() != nil {
			out = append(out, mp.Default().JSON)
		}
	}
	return out
}

// mfaParams checks a request's SerialNumber and TokenCode, which come
// together, and takes the code: the device must be a virtual MFA device enabled for the
// calling IAM user, and the code valid now and not taken before
// (credential.Verify). A device iamgate holds no seed for (a serial number
// a world file gives, or the root user's) opens with no code.
func mfaParams(c *api.Call, serial, code string) (bool, *query.Error) {
	if serial == "" && code == "" {
		return false, nil
	}
	// Validate has checked both against the model (serialNumberType,
	// tokenCodeType).
	if serial == "" || code == "" {
		return false, awserr.AccessDenied("MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.")
	}
	// The real STS's answers: for a device that is not the caller's,
	// "MultiFactorAuthentication failed, unable to validate MFA code.
	// Please verify your MFA serial number is valid and associated with
	// this user." (two spaces; aws/aws-cli#6325, broamski/aws-mfa#25); for
	// a wrong, expired or used code, "MultiFactorAuthentication failed with
	// invalid MFA one time pass code." (quoted by many clients that retry
	// on it).
	notTheirs := awserr.AccessDenied("MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.")
	if c.Caller.User == nil || c.Caller.Session != nil || c.Temporary {
		return false, notTheirs
	}
	d, ok, err := c.State.Credentials().MFADevice(c.Ctx, serial)
	if err != nil {
		return false, awserr.Lower(err, "could not read the MFA device: %v", err)
	}
	if !ok || d.Account != c.Account() || d.User != c.Caller.User.Name {
		return false, notTheirs
	}
	if err := c.State.Credentials().UseMFACode(c.Ctx, c.Account(), c.Caller.User.Name, serial, code, c.Now); err != nil {
		if errors.Is(err, credential.ErrInvalidCode) {
			return false, awserr.AccessDenied("MultiFactorAuthentication failed with invalid MFA one time pass code.")
		}
		return false, awserr.Lower(err, "could not check the MFA code: %v", err)
	}
	return true, nil
}

func withMFA(ctx map[string][]string) map[string][]string {
	out := make(map[string][]string, len(ctx)+2)
	for k, v := range ctx {
		out[k] = v
	}
	out["aws:MultiFactorAuthPresent"] = []string{"true"}
	out["aws:MultiFactorAuthAge"] = []string{"0"}
	return out
}

// GetSessionToken issues temporary credentials for an IAM user or the root
// user (the STS API Reference, GetSessionToken): 900 to 129,600 seconds
// (43,200 by default; at most 3,600 for the root user), optionally with
// MFA. It needs no permission, and session credentials cannot call it.
func GetSessionToken(c *api.Call, req *stsshape.GetSessionTokenRequest) (*stsshape.GetSessionTokenResponse, *query.Error) {
	if c.Caller.Session != nil || c.Temporary {
		return nil, awserr.AccessDenied("Cannot call GetSessionToken with session credentials")
	}
	root := c.Caller.Kind == engine.AccountRoot
	if c.Caller.User == nil && !root {
		return nil, awserr.AccessDenied("Cannot call GetSessionToken with these credentials")
	}
	max, def := 129600, 43200
	if root {
		max, def = 3600, 3600
	}
	duration := durationOr(req.DurationSeconds, def) // 900 to 129600 (Validate: durationSecondsType)
	if duration > max {
		duration = max
	}
	mfa, e := mfaParams(c, req.SerialNumber, req.TokenCode)
	if e != nil {
		return nil, e
	}
	sess := api.Session{Account: c.Account(), MFA: mfa, AuthTime: c.Now, Issued: c.Now, Expiration: c.Now.Add(time.Duration(duration) * time.Second)}
	if c.Caller.User != nil {
		sess.UserName, sess.PrincipalID = c.Caller.User.Name, c.Caller.User.ID
	}
	creds, err := c.State.Keys().CreateSession(c.Ctx, sess)
	if err != nil {
		return nil, awserr.Lower(err, "could not issue the session: %v", err)
	}
	return &stsshape.GetSessionTokenResponse{Credentials: credentialsTyped(creds)}, nil
}

// GetAccessKeyInfo returns the account an access key ID belongs to. It
// needs sts:GetAccessKeyInfo.
func GetAccessKeyInfo(c *api.Call, req *stsshape.GetAccessKeyInfoRequest) (*stsshape.GetAccessKeyInfoResponse, *query.Error) {
	id := req.AccessKeyId // 16 to 128 of [\w]* (Validate: accessKeyIdType)
	if e := c.Authorize("sts:GetAccessKeyInfo", "*", nil); e != nil {
		return nil, e
	}
	acct, ok := api.KeyAccount(id)
	if !ok {
		return nil, awserr.InvalidParameterValue("The access key ID %s was not issued by this service.", id)
	}
	return &stsshape.GetAccessKeyInfoResponse{Account: acct}, nil
}

// DecodeAuthorizationMessage turns the encoded message of an AccessDenied
// back into its explanation (the STS API Reference,
// DecodeAuthorizationMessage); it needs sts:DecodeAuthorizationMessage, and
// a message decodes only in the account whose principal was denied.
func DecodeAuthorizationMessage(c *api.Call, req *stsshape.DecodeAuthorizationMessageRequest) (*stsshape.DecodeAuthorizationMessageResponse, *query.Error) {
	enc := req.EncodedMessage // 1 to 10240 (Validate: encodedMessageType)
	if e := c.Authorize("sts:DecodeAuthorizationMessage", "*", nil); e != nil {
		return nil, e
	}
	plain, err := c.State.Keys().DecodeMessage(enc)
	if err != nil {
		return nil, stserr.InvalidAuthorizationMessageException("The encoded authorization message is not valid.")
	}
	var m struct {
		Explanation struct {
			PrincipalAccount string `json:"principalAccount"`
			ResourceAccount  string `json:"resourceAccount"`
		} `json:"explanation"`
	}
	if json.Unmarshal(plain, &m) != nil || (m.Explanation.PrincipalAccount != c.Account() && m.Explanation.ResourceAccount != c.Account()) {
		return nil, stserr.InvalidAuthorizationMessageException("The encoded authorization message is not valid.")
	}
	return &stsshape.DecodeAuthorizationMessageResponse{DecodedMessage: string(plain)}, nil
}

// GetFederationToken issues a federated user session to an IAM user or,
// discouraged, the root user (the STS API Reference, GetFederationToken):
// long-term credentials only, sts:GetFederationToken on
// arn:aws:sts::ACCOUNT:federated-user/NAME (with the session tags as
// aws:RequestTag/* and aws:TagKeys), 900 to 129,600 seconds (43,200 by
// default; the root user's sessions last at most an hour, a longer
// duration giving one hour). The session's permissions are the
// intersection of the user's policies and the session policies, and
// without a session policy it has none (world.Federation).
func GetFederationToken(c *api.Call, req *stsshape.GetFederationTokenRequest) (*stsshape.GetFederationTokenResponse, *query.Error) {
	if c.Caller.Session != nil || c.Caller.Federation != nil || c.Temporary {
		// Real STS, for a role's credentials: "Cannot call
		// GetFederationToken with session credentials" (quoted in
		// hashicorp/vault#4108 and fwdcloudsec/granted#151).
		return nil, awserr.AccessDenied("Cannot call GetFederationToken with session credentials")
	}
	root := c.Caller.Kind == engine.AccountRoot
	if c.Caller.User == nil && !root {
		return nil, awserr.AccessDenied("Cannot call GetFederationToken with these credentials")
	}
	name := req.Name                                   // 2 to 32 of [\w+=,.@-]+ (Validate: userNameType)
	duration := durationOr(req.DurationSeconds, 43200) // 900 to 129600 (Validate: durationSecondsType)
	if root && duration > 3600 {
		duration = 3600
	}
	policy, policyARNs, e := sessionPolicies(req.Policy, req.PolicyArns)
	if e != nil {
		return nil, e
	}
	pairs := tagList(req.Tags)
	if e := query.SessionTagRules(pairs); e != nil {
		return nil, e
	}
	tags := map[string]string{}
	ctx := map[string][]string{}
	var keys []string
	for _, t := range pairs {
		tags[t[0]] = t[1]
		ctx["aws:RequestTag/"+t[0]] = []string{t[1]}
		keys = append(keys, t[0])
	}
	if len(keys) > 0 {
		sort.Strings(keys)
		ctx["aws:TagKeys"] = keys
	}
	acct := c.Account()
	fedARN := world.FederatedUserARN(acct, name)
	if e := c.Authorize("sts:GetFederationToken", fedARN, ctx); e != nil {
		return nil, e
	}
	w := c.State.World()
	var doc []byte
	if policy != "" {
		doc = []byte(policy)
	}
	if _, err := w.Federate(c.Caller, name, tags, doc, policyARNs); err != nil {
		var foreign *world.PolicyARNError
		switch {
		case errors.As(err, &foreign):
			// The policies must be in the user's account (the STS API
			// Reference, GetFederationToken, PolicyArns); answered as
			// AssumeRole answers one that is not.
			return nil, stserr.MalformedPolicyDocument("Policy %s does not exist or is not attachable.", foreign.ARN)
		case errors.Is(err, world.ErrSessionPolicy):
			return nil, stserr.MalformedPolicyDocument("%v", err)
		}
		return nil, awserr.ValidationError("%v", err)
	}
	sess := api.Session{Account: acct, FederatedUser: name, Tags: tags, AuthTime: c.Now, Issued: c.Now,
		Expiration: c.Now.Add(time.Duration(duration) * time.Second)}
	if len(tags) == 0 {
		sess.Tags = nil
	}
	if c.Caller.User != nil {
		sess.UserName, sess.PrincipalID = c.Caller.User.Name, c.Caller.User.ID
	}
	if policy != "" {
		sess.Policies = append(sess.Policies, []byte(policy))
	}
	sess.Policies = append(sess.Policies, managedDocuments(w, policyARNs)...)
	creds, err := c.State.Keys().CreateSession(c.Ctx, sess)
	if err != nil {
		return nil, awserr.Lower(err, "could not issue the session: %v", err)
	}
	// PackedPolicySize is written, 0, as the untyped result wrote it.
	return &stsshape.GetFederationTokenResponse{
		Credentials:      credentialsTyped(creds),
		FederatedUser:    &stsshape.FederatedUser{FederatedUserId: acct + ":" + name, Arn: fedARN},
		PackedPolicySize: shape.Ptr(int32(0)),
	}, nil
}
