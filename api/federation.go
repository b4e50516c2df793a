package api

import (
	"context"
	"errors"
	"time"

	"github.com/iamgate/iamgate/federation"
)

// OIDCProvider is an IAM OpenID Connect provider: its ARN
// (arn:aws:iam::ACCOUNT:oidc-provider/HOST/PATH), its URL with https://,
// its client IDs (audiences) and the thumbprints of its certificates.
type OIDCProvider struct {
	ARN         string
	Account     string
	URL         string
	ClientIDs   []string
	Thumbprints []string
	Created     time.Time
	Tags        map[string]string
	// Builtin is a provider AWS trusts with no IAM OIDC provider
	// (federation.BuiltinProvider: accounts.google.com,
	// cognito-identity.amazonaws.com); ARN is then its name. It is never
	// stored.
	Builtin bool
}

// SAMLProvider is an IAM SAML provider: its ARN
// (arn:aws:iam::ACCOUNT:saml-provider/NAME), its metadata document, the
// UUID IAM gives it, and when it stops being valid.
type SAMLProvider struct {
	ARN, Account, Name string
	Metadata           string
	UUID               string
	Created            time.Time
	ValidUntil         time.Time
	Tags               map[string]string
}

// Errors of the Federation keeper.
var (
	// ErrProviderExists: CreateOIDCProvider for an ARN that is taken.
	ErrProviderExists = errors.New("the identity provider already exists")
	// ErrNoProvider: an update or delete of a provider that is not there.
	ErrNoProvider = errors.New("no such identity provider")
	// ErrProviderQuota: the account has as many providers as IAM allows.
	ErrProviderQuota = errors.New("the account has the most identity providers IAM allows")
)

// Federation keeps an account's identity providers and verifies what
// they sign.
type Federation interface {
	OIDCProvider(ctx context.Context, arn string) (p OIDCProvider, ok bool, err error)
	// OIDCProviders lists an account's OIDC providers.
	OIDCProviders(ctx context.Context, account string) ([]OIDCProvider, error)
	// CreateOIDCProvider stores a new provider (ErrProviderExists,
	// ErrProviderQuota).
	CreateOIDCProvider(ctx context.Context, p OIDCProvider) error
	// UpdateOIDCProvider changes a provider in one transaction
	// (ErrNoProvider).
	UpdateOIDCProvider(ctx context.Context, arn string, fn func(*OIDCProvider) error) error
	// DeleteOIDCProvider reports false when there was none.
	DeleteOIDCProvider(ctx context.Context, arn string) (bool, error)
	SAMLProvider(ctx context.Context, arn string) (p SAMLProvider, ok bool, err error)
	SAMLProviders(ctx context.Context, account string) ([]SAMLProvider, error)
	CreateSAMLProvider(ctx context.Context, p SAMLProvider) error
	UpdateSAMLProvider(ctx context.Context, arn string, fn func(*SAMLProvider) error) error
	DeleteSAMLProvider(ctx context.Context, arn string) (bool, error)
	// OIDCThumbprint reads the thumbprint of the top certificate a
	// provider URL's host serves.
	OIDCThumbprint(ctx context.Context, url string) (string, error)
	// VerifyWebIdentity verifies an ID token against a provider (the
	// federation package's errors).
	VerifyWebIdentity(ctx context.Context, p OIDCProvider, token string, now time.Time) (*federation.Identity, error)
}
