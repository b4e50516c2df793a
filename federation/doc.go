// Package federation verifies what an external identity provider says
// about a user: OpenID Connect ID tokens (JWTs) against the keys the
// provider publishes, fetched over TLS that is trusted by the system roots
// or by the SHA-1 thumbprint of the top certificate the provider serves, as
// IAM trusts an OIDC provider, and for the providers AWS trusts without an
// IAM OIDC provider (BuiltinProvider: Google, Amazon Cognito) by the roots
// alone.
//
// It knows nothing of IAM's storage, of the world or of the wire protocol:
// callers give it a provider's URL, client IDs and thumbprints, and get back
// the verified claims or a typed error (the sentinel Err* values, and
// *ExpiredError and *MissingClaimError) that the API edge maps to STS's
// error codes.
package federation
