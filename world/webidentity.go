package world

import (
	"fmt"
	"sort"
	"time"

	"github.com/iamgate/iamgate/engine"
)

// FederatedInput is one sts:AssumeRoleWithWebIdentity (or
// sts:AssumeRoleWithSAML) call whose token was verified: the provider
// that vouches for the identity, and what the token says.
type FederatedInput struct {
	// Action is sts:AssumeRoleWithWebIdentity or sts:AssumeRoleWithSAML.
	Action      string
	RoleARN     string
	ProviderARN string
	SessionName string
	// SessionTags and TransitiveTagKeys come from the token (its
	// https://aws.amazon.com/tags claim); SourceIdentity likewise.
	SessionTags       map[string]string
	TransitiveTagKeys []string
	SourceIdentity    string
	SessionPolicy     []byte
	PolicyARNs        []string
	// Context holds the request's keys and the provider's keys
	// (PROVIDER:aud, PROVIDER:sub, aws:FederatedProvider, ...).
	Context map[string][]string
	Time    time.Time
}

// AssumeRoleFederated decides a federated identity's request to assume a
// role, as STS does for AssumeRoleWithWebIdentity and AssumeRoleWithSAML:
// the caller is the identity provider (a Federated principal), so the
// role's trust policy alone decides (and the RCPs on the role), with the
// provider's keys; session tags also need sts:TagSession and a source
// identity sts:SetSourceIdentity (the IAM User Guide, "Passing session
// tags in AWS STS"). A missing role is ErrUnknownPrincipal.
func (w *World) AssumeRoleFederated(in FederatedInput) (*AssumeRoleResult, error) {
	role, roleAccount := w.roleAt(in.RoleARN)
	if role == nil {
		return nil, fmt.Errorf("role %s is not in the world: %w", in.RoleARN, ErrUnknownPrincipal)
	}
	caller := &Caller{Kind: engine.WebIdentity, Principal: in.ProviderARN}
	ctx := make(map[string][]string, len(in.Context)+4)
	for k, v := range in.Context {
		ctx[k] = v
	}
	ctx["sts:RoleSessionName"] = []string{in.SessionName}
	if in.SourceIdentity != "" {
		ctx["sts:SourceIdentity"] = []string{in.SourceIdentity}
	}
	var keys []string
	for k, v := range in.SessionTags {
		ctx["aws:RequestTag/"+k] = []string{v}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		ctx["aws:TagKeys"] = keys
	}
	if len(in.TransitiveTagKeys) > 0 {
		ctx["sts:TransitiveTagKeys"] = in.TransitiveTagKeys
	}
	actions := []string{in.Action}
	if len(in.SessionTags) > 0 {
		actions = append(actions, "sts:TagSession")
	}
	if in.SourceIdentity != "" {
		actions = append(actions, "sts:SetSourceIdentity")
	}
	res := &AssumeRoleResult{}
	for _, a := range actions {
		e, err := w.Decide(Request{Caller: caller, Action: a, Resource: role.ARN(), Context: ctx, Time: in.Time})
		if err != nil {
			return nil, err
		}
		res.Decisions = append(res.Decisions, e)
		if e.Decision != engine.Allowed && res.Denied == nil {
			res.Denied, res.Reason = e, a+": "+e.Reason
		}
	}
	if res.Denied != nil {
		return res, nil
	}
	tags := map[string]string{}
	for k, v := range in.SessionTags {
		tags[k] = v
	}
	s := &Session{Role: role, Name: in.SessionName, Tags: tags, TransitiveKeys: in.TransitiveTagKeys, SourceIdentity: in.SourceIdentity}
	var err error
	if s.Policies, err = w.sessionPolicies(role, in.SessionPolicy, in.PolicyARNs); err != nil {
		return nil, err
	}
	res.Caller = &Caller{Kind: engine.AssumedRole, Account: roleAccount, Role: role, Session: s, Principal: s.ARN()}
	return res, nil
}
