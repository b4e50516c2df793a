// Package console is iamgate's web console, served by `iamgate serve` at
// /console/: sign-in as the AWS Management Console does it (account ID or
// alias, IAM user name, password, then a FIDO security key (WebAuthn) or
// a TOTP code when the user has an enabled MFA device, then a new password
// when the old one must be reset or has expired), the registration of
// security keys, and pages that show the organization, an account's IAM
// entities with their documents, and a policy simulator.
//
// Pages are rendered on the server with html/template; templates, the
// style sheet and the one script (static/webauthn.js, which only carries
// the WebAuthn ceremony's bytes between the page and the browser's
// navigator.credentials) are embedded in the binary, and no page loads
// anything from another origin or runs inline script.
//
// The console is a client of iamgate's own APIs, in process: every page
// runs the IAM and Organizations operations the AWS console would call
// (ListUsers, GetRole, ListPoliciesForTarget, ...) as the signed-in user,
// through the same handlers the wire API serves, so each is authorized by
// the engine with the same actions and resources, answers the same
// errors, and is written to the audit log like an API call. The only
// things it reads without an operation are what sign-in needs (the
// account an alias names, the user's login profile and MFA devices, the
// security keys a ceremony checks an answer against) and
// the world the simulator decides a question in, once
// iam:SimulatePrincipalPolicy allowed the question, and a resource's policy
// once its read action (s3:GetBucketPolicy, ...) allowed it. The central
// policy pipeline's pages call the server's pipeline handlers through the
// Pipeline interface, with the user's call, as the wire API does.
//
// Sessions are kept in the store (under a hash of their random ID) so that
// servers sharing a store share them: a sign-out or an idle timeout on one
// holds on all.
//
// It knows nothing of HTTP routing outside /console/, of SigV4, or of how
// the server stores anything: it sees the server's state through
// api.State and keeps its own items in the store.
package console
