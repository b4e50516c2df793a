package world

import (
	"github.com/iamgate/iamgate/engine"
)

// RootSession is a privileged root user session in a member account of an
// organization, which STS AssumeRoot issues to the management account or
// the delegated administrator for IAM (the IAM User Guide, "Centrally
// manage root access for member accounts" and "Perform a privileged task
// on an AWS Organizations member account"; the STS API Reference,
// AssumeRoot). The caller is the member account's root user, scoped by
// the session's task policy: one of the AWS managed policies under
// arn:aws:iam::aws:policy/root-task/.
//
// AWS's task policies allow nothing: each denies every action but the
// task's, and the task's actions on anything but the root user (or by
// anyone but a root user). The root user holds every permission of its
// account, so a root session may do exactly what its task policy does not
// deny; the engine applies a root user's session policies as deny-only
// for that reason (engine.Policies.Session).
type RootSession struct {
	// TaskPolicyARN is the task policy the session was issued with.
	TaskPolicyARN string
	// Policies are the task policy, compiled as a session policy. None
	// stands for a session that may do nothing (rootSessionPolicies).
	Policies []*engine.Policy
}

// RootSessionCaller is the caller a root session stands for: the account's
// root user, limited by the task policy.
func RootSessionCaller(a *Account, s *RootSession) *Caller {
	return &Caller{Kind: engine.AccountRoot, Account: a, RootSession: s, Principal: "arn:aws:iam::" + a.ID + ":root"}
}

// denyEverything is a root session's policy when it has no task policy:
// a session without one must not be the unrestricted root user.
var denyEverything = mustDoc("no task policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`, engine.SessionPolicy)

// rootSessionPolicies are the session policies a root session's requests
// carry.
func rootSessionPolicies(s *RootSession) []*engine.Policy {
	if len(s.Policies) == 0 {
		return []*engine.Policy{denyEverything}
	}
	return s.Policies
}
