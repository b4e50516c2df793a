package federation

import (
	"errors"
	"fmt"
	"time"
)

// The reasons a token is refused. Callers branch on them with errors.Is.
var (
	// ErrMalformed: not a compact JWS, or its header or claims are not
	// JSON of the expected shape.
	ErrMalformed = errors.New("the token is not a well-formed JWT")
	// ErrAlgorithm: the token is signed with an algorithm IAM does not
	// take (none, HMAC, or anything but RS256/384/512 and ES256/384/512).
	ErrAlgorithm = errors.New("the token's signing algorithm is not accepted")
	// ErrThumbprint: the provider's TLS certificate is trusted neither by
	// the system roots nor by a thumbprint in the provider's list.
	ErrThumbprint = errors.New("the provider's HTTPS certificate does not match a configured thumbprint")
	// ErrFetch: the provider's configuration or keys could not be read
	// (network, HTTP status, or a document that is not what OIDC
	// discovery defines).
	ErrFetch = errors.New("the provider's verification keys could not be retrieved")
	// ErrUnknownKey: none of the provider's keys has the token's key ID
	// (after fetching them again).
	ErrUnknownKey = errors.New("no key of the provider matches the token")
	// ErrSignature: the signature does not verify with the provider's key.
	ErrSignature = errors.New("the token's signature does not verify")
	// ErrIssuer: the iss claim is not the provider's URL.
	ErrIssuer = errors.New("the token's issuer is not the provider")
	// ErrAudience: no aud value is one of the provider's client IDs.
	ErrAudience = errors.New("the token's audience is not a client ID of the provider")
	// ErrNotYetValid: nbf or iat lies in the future.
	ErrNotYetValid = errors.New("the token is not valid yet")
	// ErrClaim: a claim AWS reads (amr, the session tags claim, the source
	// identity claim) does not have the shape AWS defines.
	ErrClaim = errors.New("a claim of the token is malformed")
	// ErrURL: a provider URL that is not https:// with a host and no
	// query or fragment.
	ErrURL = errors.New("the provider URL must be https:// with a host and no query or fragment")
)

// ExpiredError is a token whose exp is not after now.
type ExpiredError struct{ Now, Expiry time.Time }

func (e *ExpiredError) Error() string {
	return fmt.Sprintf("the token expired at %s (now %s)", e.Expiry.UTC().Format(time.RFC3339), e.Now.UTC().Format(time.RFC3339))
}

// MissingClaimError is a token without a claim IAM requires (iss, sub,
// aud, exp).
type MissingClaimError struct{ Claim string }

func (e *MissingClaimError) Error() string { return "the token has no " + e.Claim + " claim" }
