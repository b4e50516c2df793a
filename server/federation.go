package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/federation"
	"github.com/iamgate/iamgate/keyring"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/world"
)

// KindOIDCProvider holds an account's OpenID Connect providers: Account
// the account, Name the ARN's resource after "oidc-provider/" (the URL
// without https://). Nothing in a provider is secret.
const KindOIDCProvider store.Kind = "oidcprovider"

// maxOIDCProviders is IAM's quota of OIDC providers per account (the IAM
// User Guide, "IAM and AWS STS quotas": 100).
const maxOIDCProviders = 100

// Federation keeps identity providers in the store and verifies their
// tokens (api.Federation).
type Federation struct {
	st       store.Store
	verifier *federation.Verifier
}

var _ api.Federation = (*Federation)(nil)

func newFederation(st store.Store) *Federation {
	return &Federation{st: st, verifier: federation.NewVerifier()}
}

// Federation is the keeper of identity providers.
func (s *State) Federation() api.Federation { return s.fed }

// setFederationDial points the providers' hosts somewhere else (tests).
func (s *Server) setFederationDial(d federation.DialFunc) { s.state.fed.verifier.Dial = d }

type storedOIDCProvider struct {
	URL         string            `json:"url"`
	ClientIDs   []string          `json:"clientIds,omitempty"`
	Thumbprints []string          `json:"thumbprints,omitempty"`
	Created     time.Time         `json:"created"`
	Tags        map[string]string `json:"tags,omitempty"`
}

const oidcMarker = ":oidc-provider/"

// oidcKey is the store key of a provider ARN; ok is false for an ARN that
// is not an IAM OIDC provider's.
func oidcKey(arn string) (store.Key, bool) {
	const prefix = "arn:aws:iam::"
	if !strings.HasPrefix(arn, prefix) || len(arn) < len(prefix)+12+len(oidcMarker)+1 {
		return store.Key{}, false
	}
	acct, rest := arn[len(prefix):len(prefix)+12], arn[len(prefix)+12:]
	name, ok := strings.CutPrefix(rest, oidcMarker)
	if !ok || name == "" {
		return store.Key{}, false
	}
	return store.Key{Kind: KindOIDCProvider, Account: acct, Name: name}, true
}

func decodeOIDC(it store.Item) (api.OIDCProvider, error) {
	var sp storedOIDCProvider
	if err := json.Unmarshal(it.Data, &sp); err != nil {
		return api.OIDCProvider{}, fmt.Errorf("OIDC provider %s: %w", it.Name, err)
	}
	return api.OIDCProvider{ARN: "arn:aws:iam::" + it.Account + oidcMarker + it.Name, Account: it.Account, URL: sp.URL,
		ClientIDs: sp.ClientIDs, Thumbprints: sp.Thumbprints, Created: sp.Created, Tags: sp.Tags}, nil
}

func encodeOIDC(p api.OIDCProvider) ([]byte, error) {
	return json.Marshal(storedOIDCProvider{URL: p.URL, ClientIDs: p.ClientIDs, Thumbprints: p.Thumbprints, Created: p.Created, Tags: p.Tags})
}

func (f *Federation) OIDCProvider(ctx context.Context, arn string) (api.OIDCProvider, bool, error) {
	k, ok := oidcKey(arn)
	if !ok {
		return api.OIDCProvider{}, false, nil
	}
	it, err := f.st.Get(ctx, k)
	if errors.Is(err, store.ErrNotFound) {
		return api.OIDCProvider{}, false, nil
	}
	if err != nil {
		return api.OIDCProvider{}, false, err
	}
	p, err := decodeOIDC(it)
	return p, err == nil, err
}

func (f *Federation) OIDCProviders(ctx context.Context, account string) ([]api.OIDCProvider, error) {
	if account == "" {
		return nil, nil
	}
	items, _, err := f.st.List(ctx, KindOIDCProvider, account, "", 0)
	if err != nil {
		return nil, err
	}
	out := make([]api.OIDCProvider, 0, len(items))
	for _, it := range items {
		p, err := decodeOIDC(it)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ARN < out[j].ARN })
	return out, nil
}

func (f *Federation) CreateOIDCProvider(ctx context.Context, p api.OIDCProvider) error {
	k, ok := oidcKey(p.ARN)
	if !ok || k.Account != p.Account {
		return fmt.Errorf("%s is not an OIDC provider ARN of %s", p.ARN, p.Account)
	}
	data, err := encodeOIDC(p)
	if err != nil {
		return err
	}
	return createProvider(ctx, f.st, k, data, maxOIDCProviders)
}

func (f *Federation) UpdateOIDCProvider(ctx context.Context, arn string, fn func(*api.OIDCProvider) error) error {
	k, ok := oidcKey(arn)
	if !ok {
		return api.ErrNoProvider
	}
	return updateProvider(ctx, f.st, k, decodeOIDC, encodeOIDC, fn)
}

func (f *Federation) DeleteOIDCProvider(ctx context.Context, arn string) (bool, error) {
	k, ok := oidcKey(arn)
	if !ok {
		return false, nil
	}
	return deleteProvider(ctx, f.st, k)
}

func (f *Federation) OIDCThumbprint(ctx context.Context, url string) (string, error) {
	return federation.TopThumbprint(ctx, f.verifier.Dial, url)
}

func (f *Federation) VerifyWebIdentity(ctx context.Context, p api.OIDCProvider, token string, now time.Time) (*federation.Identity, error) {
	return f.verifier.Verify(ctx, federation.Provider{URL: p.URL, ClientIDs: p.ClientIDs, Thumbprints: p.Thumbprints, Builtin: p.Builtin}, token, now)
}

// unauthenticated reports the STS operations AWS serves without a
// signature: the botocore model sts/2011-06-15 marks AssumeRoleWithSAML
// and AssumeRoleWithWebIdentity "auth": ["smithy.api#noAuth"] (the token
// or assertion is the credential). Every other operation of every service
// needs SigV4.
func unauthenticated(service, action string) bool {
	return service == "sts" && (action == "AssumeRoleWithWebIdentity" || action == "AssumeRoleWithSAML")
}

// anonymous is the caller of an unauthenticated operation: nobody, in no
// account, so that nothing a caller's policies allow applies; the trust
// policy decides alone, for the identity provider.
func anonymous(ep endpoint) (*world.Caller, authInfo) {
	return &world.Caller{Kind: engine.Anonymous, Principal: "anonymous"}, authInfo{region: ep.requestedRegion("")}
}

// federatedContext adds a federated session's keys to a request context.
func federatedContext(ctx map[string][]string, t *keyring.Token) {
	for k, v := range t.Federated {
		ctx[k] = v
	}
}

// createProvider stores a new provider of the kind of k, in one
// transaction with the account's count of them: ErrProviderExists for one
// with its name, ErrProviderQuota beyond max.
func createProvider(ctx context.Context, st store.Store, k store.Key, data []byte, max int) error {
	return st.Update(ctx, func(tx store.Tx) error {
		items, _, err := tx.List(ctx, k.Kind, k.Account, "", 0)
		if err != nil {
			return err
		}
		for _, it := range items {
			if it.Name == k.Name {
				return api.ErrProviderExists
			}
		}
		if len(items) >= max {
			return api.ErrProviderQuota
		}
		_, err = tx.Put(ctx, k, data, 0)
		if errors.Is(err, store.ErrConflict) {
			return api.ErrProviderExists
		}
		return err
	})
}

// updateProvider applies fn to the provider stored at k and stores it,
// conditional on the revision read (ErrNoProvider when none).
func updateProvider[T any](ctx context.Context, st store.Store, k store.Key, decode func(store.Item) (T, error), encode func(T) ([]byte, error), fn func(*T) error) error {
	return st.Update(ctx, func(tx store.Tx) error {
		it, err := tx.Get(ctx, k)
		if errors.Is(err, store.ErrNotFound) {
			return api.ErrNoProvider
		}
		if err != nil {
			return err
		}
		p, err := decode(it)
		if err != nil {
			return err
		}
		if err := fn(&p); err != nil {
			return err
		}
		data, err := encode(p)
		if err != nil {
			return err
		}
		_, err = tx.Put(ctx, k, data, it.Revision)
		return err
	})
}

// deleteProvider deletes the provider at k; false when there was none.
func deleteProvider(ctx context.Context, st store.Store, k store.Key) (bool, error) {
	err := st.Delete(ctx, k, store.Any)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
