// Package escalation finds privilege-escalation paths in a world: the ways
// a user or role can gain another identity's permissions (or more of its
// own) through the IAM, STS and compute APIs, as the public catalogues of
// AWS privilege escalation describe them.
//
// The techniques are data (techniques.yaml, embedded): each names its
// target (a user, role, group, managed policy or one of its versions, a
// resource that runs as a role, an instance profile, or the principal
// itself), the conditions on the target it needs (a free access key slot,
// no MFA device, a role that trusts the service, ...), the requests it
// makes, what it gains and its public sources.
//
// Every request of a path is decided by the engine through the world, by
// analysis.Decider: identity policies, groups, permissions boundaries,
// session policies, SCPs and RCPs, resource and trust policies and their
// conditions (iam:PassedToService and iam:PolicyARN given by the technique;
// any other key unknown, so that a condition on it is the step's
// allowedIf). A technique that changes the world (a policy attached, a
// trust policy rewritten, a group joined, a default version set) is
// decided by changing the gathered request as the change would
// (analysis.Change), not by assuming its effect.
//
// A gained identity is "admin" when the engine allows it every action of
// the catalog on "*", whatever the unknown keys; otherwise it is reported
// by its ARN, and only when it is allowed on "*" some action the principal
// is not (a boundary or SCP that caps it shows as the capped identity, not
// as admin; sts:GetCallerIdentity, which AWS answers for every caller,
// counts for both). What an identity is allowed on "*" is decided once
// per class of catalog actions that the same statements apply to, and the
// classes are shared by identities whose policies write the same Action
// lists (see admin.go). The search is breadth first over gained
// identities, each reported once by its shortest path, with a bound on the
// techniques of a path.
//
// It reads the world and decides through analysis; it knows nothing of
// storage or of the command line.
package escalation
