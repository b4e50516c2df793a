package world

import (
	"fmt"
	"strings"

	"github.com/iamgate/iamgate/engine"
)

// Federation is an AWS STS federated user session, issued by
// GetFederationToken to an IAM user (or, discouraged, the account root
// user). Its permissions are the intersection of the federating user's
// identity policies (within the user's permissions boundary) and the
// session policies passed with the call; without a session policy it has
// none, except what a resource-based policy naming the federated user
// grants (the IAM User Guide, "Permissions for GetFederationToken").
type Federation struct {
	// User is the IAM user federated; nil for the account root user.
	User *User
	Name string
	// Tags are the session tags passed with the call.
	Tags map[string]string
	// Policies are the session policies; none means no permissions.
	Policies []*engine.Policy
}

// FederatedUserARN is the ARN of a federated user session:
// arn:aws:sts::ACCOUNT:federated-user/NAME (the IAM User Guide, "IAM
// identifiers").
func FederatedUserARN(account, name string) string {
	return "arn:aws:sts::" + account + ":federated-user/" + name
}

// FederatedCaller is the caller a federated user session stands for.
func FederatedCaller(a *Account, f *Federation) *Caller {
	return &Caller{Kind: engine.FederatedUser, Account: a, Federation: f, Principal: FederatedUserARN(a.ID, f.Name)}
}

// Federate builds the federated user session an IAM user (or the root
// user) asks GetFederationToken for: name, session tags, and the session
// policies (an inline document and managed policies that are AWS managed
// or in the caller's account: the STS API Reference, GetFederationToken,
// PolicyArns). Deciding sts:GetFederationToken, and checking that the
// caller holds long-term credentials, is the caller's part. A document
// that does not compile is a SessionPolicyError, a managed policy the
// account may not use a PolicyARNError; both are ErrSessionPolicy.
func (w *World) Federate(c *Caller, name string, tags map[string]string, doc []byte, arns []string) (*Caller, error) {
	acct := w.current(c.Account)
	if acct == nil || (c.User == nil && c.Kind != engine.AccountRoot) {
		return nil, fmt.Errorf("%s cannot federate: %w", c.Principal, ErrUnknownPrincipal)
	}
	pols, err := w.federationPolicies(acct.ID, doc, arns)
	if err != nil {
		return nil, err
	}
	f := &Federation{User: c.User, Name: name, Policies: pols}
	if len(tags) > 0 {
		f.Tags = make(map[string]string, len(tags))
		for k, v := range tags {
			f.Tags[k] = v
		}
	}
	return FederatedCaller(acct, f), nil
}

// federationPolicies compiles the session policies of a federated user
// session: the inline document and managed policies that are AWS managed
// or in the account.
func (w *World) federationPolicies(account string, doc []byte, arns []string) ([]*engine.Policy, error) {
	var out []*engine.Policy
	if len(doc) > 0 {
		p, err := SessionPolicy(doc)
		if err != nil {
			return nil, &SessionPolicyError{Err: err}
		}
		out = append(out, p)
	}
	for _, ref := range arns {
		mp, ok := w.PolicyFor(account, ref)
		if !ok {
			return nil, &PolicyARNError{ARN: ref}
		}
		out = append(out, mp.Default().as(engine.SessionPolicy))
	}
	return out, nil
}

// SessionPolicyError is an inline session policy that does not parse or
// compile.
type SessionPolicyError struct{ Err error }

func (e *SessionPolicyError) Error() string { return ErrSessionPolicy.Error() + ": " + e.Err.Error() }

// Unwrap makes a SessionPolicyError an ErrSessionPolicy.
func (e *SessionPolicyError) Unwrap() error { return ErrSessionPolicy }

// rootFederation stands for the root user's identity in a session it
// federated: the root user holds every permission of its account, so the
// session policies alone limit the session.
var rootFederation = mustDoc("root user", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, engine.IdentityPolicy)

// noFederationPolicy is the session policy of a federated user session
// given none: it allows nothing, so the session has no permissions of its
// own (the STS API Reference, GetFederationToken: "if you do not pass any
// session policies, then the resulting federated user session has no
// permissions"), while a resource-based policy naming the federated user
// still grants (the IAM User Guide, "Permissions for GetFederationToken").
var noFederationPolicy = mustDoc("no session policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"*","Resource":"*"}]}`, engine.SessionPolicy)

// federationTags are a federated user's principal tags: the user's tags,
// with session tags of the same key (not case sensitive) over them (the
// STS API Reference, GetFederationToken, Tags: "session tags override a
// user tag with the same key").
func federationTags(f *Federation) map[string]string {
	out := map[string]string{}
	if f.User != nil {
		for k, v := range f.User.Tags {
			out[k] = v
		}
	}
	for k, v := range f.Tags {
		for uk := range out {
			if strings.EqualFold(uk, k) {
				delete(out, uk)
			}
		}
		out[k] = v
	}
	return out
}
