package api

import "context"

// OutboundAlgorithms are the signing algorithms of outbound web identity
// tokens (the STS API Reference, GetWebIdentityToken, SigningAlgorithm:
// "Valid values are RS256 (RSA with SHA-256) and ES384 (ECDSA using P-384
// curve with SHA-384)").
var OutboundAlgorithms = []string{"RS256", "ES384"}

// OutboundPath is where the discovery documents of an account's outbound
// web identity federation issuer are served: an account's issuer is the
// server's URL, then OutboundPath and the account ID.
const OutboundPath = "/outbound/"

// OutboundClaimNamespace is the claim AWS nests its own claims under in
// an outbound web identity token (the IAM User Guide, "Understanding token
// claims").
const OutboundClaimNamespace = "https://sts.amazonaws.com/"

// Outbound signs the JSON Web Tokens of outbound web identity federation
// (STS GetWebIdentityToken) with an account's own keys, and publishes
// their public halves. The private keys are sealed at rest and never leave
// it.
type Outbound interface {
	// EnsureKeys makes the account's signing keys, one per algorithm
	// (OutboundAlgorithms), and returns the write that stores those the
	// account does not have yet (for UpdateEntitiesAnd).
	EnsureKeys(account string) (TxWrite, error)
	// Sign signs a token's claims (a JSON object) with the account's key
	// for alg, made first if the account has none, and returns the
	// compact JWT.
	Sign(ctx context.Context, account, alg string, claims []byte) (string, error)
	// JWKS is the account's public keys as a JSON Web Key Set (RFC 7517),
	// made first if the account has none.
	JWKS(ctx context.Context, account string) ([]byte, error)
}
