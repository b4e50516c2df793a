package world

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/iamgate/iamgate/engine"
)

// AssumeRoleInput is one sts:AssumeRole call.
type AssumeRoleInput struct {
	RoleARN           string
	SessionName       string
	ExternalID        string
	SessionTags       map[string]string
	TransitiveTagKeys []string
	// SessionPolicy is an inline session policy document (JSON), optional.
	SessionPolicy []byte
	// PolicyARNs are managed session policies.
	PolicyARNs     []string
	SourceIdentity string
	// Context adds request context (aws:SourceIp, ...).
	Context map[string][]string
	Time    time.Time
}

// AssumeRoleResult is the outcome of an AssumeRole call: the new caller when
// it was allowed, and the decisions that were made (AssumeRole, and
// TagSession / SetSourceIdentity when the call needs them).
type AssumeRoleResult struct {
	Caller    *Caller
	Decisions []*engine.Explanation
	// Denied is the first decision that was not Allowed, if any.
	Denied *engine.Explanation
	Reason string
}

// ErrSessionPolicy is returned by AssumeRole for a session policy that
// cannot be used: a document that does not parse or compile, or a managed
// policy (PolicyARNError) that is neither AWS managed nor in the role's
// account.
var ErrSessionPolicy = errors.New("the session policy cannot be used")

// PolicyARNError is a managed session policy ARN that names no policy the
// role's account may use.
type PolicyARNError struct{ ARN string }

func (e *PolicyARNError) Error() string {
	return "managed session policy " + e.ARN + " does not exist in the role's account and is not AWS managed"
}

// Unwrap makes a PolicyARNError an ErrSessionPolicy.
func (e *PolicyARNError) Unwrap() error { return ErrSessionPolicy }

// AssumeRole decides sts:AssumeRole for the caller, as AWS STS does: the
// role's trust policy and the caller's own policies are evaluated with the
// request's ExternalId, session name, session tags and source identity; tags
// also need sts:TagSession and a source identity sts:SetSourceIdentity (the
// IAM User Guide, "Passing session tags in AWS STS" and "Monitor and control
// actions taken with assumed roles"). Transitive session tags carry over a
// role chain.
func (w *World) AssumeRole(c *Caller, in AssumeRoleInput) (*AssumeRoleResult, error) {
	role, roleAccount := w.roleAt(in.RoleARN)
	if role == nil {
		return nil, fmt.Errorf("role %s is not in the world: %w", in.RoleARN, ErrUnknownPrincipal)
	}
	if in.SessionName == "" {
		in.SessionName = "iamgate"
	}
	res := &AssumeRoleResult{}
	if c.Kind == engine.AccountRoot {
		res.Reason = "the AWS account root user cannot assume roles (AWS STS AssumeRole)"
		return res, nil
	}
	// Tags that came transitively from an earlier session stay and cannot be
	// overridden (the IAM User Guide, "Chaining roles with session tags").
	tags := map[string]string{}
	var transitive []string
	if c.Session != nil {
		for _, k := range c.Session.TransitiveKeys {
			if v, ok := c.Session.Tags[k]; ok {
				if nv, clash := in.SessionTags[k]; clash && nv != v {
					res.Reason = fmt.Sprintf("session tag %s was set transitively by the previous session and cannot be changed", k)
					return res, nil
				}
				tags[k] = v
				transitive = append(transitive, k)
			}
		}
	}
	ctx := map[string][]string{}
	for k, v := range in.Context {
		ctx[k] = v
	}
	ctx["sts:RoleSessionName"] = []string{in.SessionName}
	if in.ExternalID != "" {
		ctx["sts:ExternalId"] = []string{in.ExternalID}
	}
	if in.SourceIdentity != "" {
		ctx["sts:SourceIdentity"] = []string{in.SourceIdentity}
	}
	var keys []string
	for k, v := range in.SessionTags {
		ctx["aws:RequestTag/"+k] = []string{v}
		keys = append(keys, k)
		tags[k] = v
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		ctx["aws:TagKeys"] = keys
	}
	if len(in.TransitiveTagKeys) > 0 {
		ctx["sts:TransitiveTagKeys"] = in.TransitiveTagKeys
	}
	actions := []string{"sts:AssumeRole"}
	if len(in.SessionTags) > 0 {
		actions = append(actions, "sts:TagSession")
	}
	if in.SourceIdentity != "" {
		actions = append(actions, "sts:SetSourceIdentity")
	}
	for _, a := range actions {
		e, err := w.Decide(Request{Caller: c, Action: a, Resource: role.ARN(), Context: ctx, Time: in.Time})
		if err != nil {
			return nil, err
		}
		res.Decisions = append(res.Decisions, e)
		if e.Decision != engine.Allowed && res.Denied == nil {
			res.Denied = e
			res.Reason = a + ": " + e.Reason
		}
	}
	if res.Denied != nil {
		return res, nil
	}
	s := &Session{Role: role, Name: in.SessionName, Tags: tags, SourceIdentity: in.SourceIdentity, Chained: c.Session != nil}
	s.TransitiveKeys = append(transitive, in.TransitiveTagKeys...)
	if c.Session != nil && s.SourceIdentity == "" {
		s.SourceIdentity = c.Session.SourceIdentity // a source identity persists along the chain
	}
	var err error
	if s.Policies, err = w.sessionPolicies(role, in.SessionPolicy, in.PolicyARNs); err != nil {
		return nil, err
	}
	res.Caller = &Caller{Kind: engine.AssumedRole, Account: roleAccount, Role: role, Session: s, Principal: s.ARN()}
	return res, nil
}

// sessionPolicies compiles a session's inline policy document (if any)
// and its managed session policies, which are AWS managed or in the role's
// account (the STS API Reference, AssumeRole, PolicyArns: "The policies
// must exist in the same account as the role").
func (w *World) sessionPolicies(role *Role, doc []byte, arns []string) ([]*engine.Policy, error) {
	var out []*engine.Policy
	if len(doc) > 0 {
		d, err := NewDocument("session policy", doc)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrSessionPolicy, err)
		}
		p, err := d.compile(engine.SessionPolicy, "session policy")
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrSessionPolicy, err)
		}
		out = append(out, p)
	}
	for _, ref := range arns {
		mp, ok := w.PolicyFor(role.Account.ID, ref)
		if !ok {
			return nil, &PolicyARNError{ARN: ref}
		}
		out = append(out, mp.Default().as(engine.SessionPolicy))
	}
	return out, nil
}

// String describes the call for messages.
func (in AssumeRoleInput) String() string {
	s := in.RoleARN
	if in.SessionName != "" {
		s += " as " + in.SessionName
	}
	if in.ExternalID != "" {
		s += " with ExternalId " + in.ExternalID
	}
	return strings.TrimSpace(s)
}

// SessionPolicy compiles a session policy document, as a session read back
// from its token needs.
func SessionPolicy(doc []byte) (*engine.Policy, error) {
	d, err := NewDocument("session policy", doc)
	if err != nil {
		return nil, err
	}
	return d.compile(engine.SessionPolicy, "session policy")
}
