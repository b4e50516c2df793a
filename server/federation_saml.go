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
	"github.com/iamgate/iamgate/store"
)

// KindSAMLProvider holds an account's SAML providers: Account the
// account, Name the provider's name.
const KindSAMLProvider store.Kind = "samlprovider"

type storedSAMLProvider struct {
	Metadata   string            `json:"metadata"`
	UUID       string            `json:"uuid"`
	Created    time.Time         `json:"created"`
	ValidUntil time.Time         `json:"validUntil,omitzero"`
	Tags       map[string]string `json:"tags,omitempty"`
}

const samlMarker = ":saml-provider/"

func samlKey(arn string) (store.Key, bool) {
	const prefix = "arn:aws:iam::"
	if !strings.HasPrefix(arn, prefix) || len(arn) < len(prefix)+12+len(samlMarker)+1 {
		return store.Key{}, false
	}
	name, ok := strings.CutPrefix(arn[len(prefix)+12:], samlMarker)
	if !ok || name == "" || strings.Contains(name, "/") {
		return store.Key{}, false
	}
	return store.Key{Kind: KindSAMLProvider, Account: arn[len(prefix) : len(prefix)+12], Name: name}, true
}

func decodeSAML(it store.Item) (api.SAMLProvider, error) {
	var sp storedSAMLProvider
	if err := json.Unmarshal(it.Data, &sp); err != nil {
		return api.SAMLProvider{}, fmt.Errorf("SAML provider %s: %w", it.Name, err)
	}
	return api.SAMLProvider{ARN: "arn:aws:iam::" + it.Account + samlMarker + it.Name, Account: it.Account, Name: it.Name, Metadata: sp.Metadata,
		UUID: sp.UUID, Created: sp.Created, ValidUntil: sp.ValidUntil, Tags: sp.Tags}, nil
}

func encodeSAML(p api.SAMLProvider) ([]byte, error) {
	return json.Marshal(storedSAMLProvider{Metadata: p.Metadata, UUID: p.UUID, Created: p.Created, ValidUntil: p.ValidUntil, Tags: p.Tags})
}

func (f *Federation) SAMLProvider(ctx context.Context, arn string) (api.SAMLProvider, bool, error) {
	k, ok := samlKey(arn)
	if !ok {
		return api.SAMLProvider{}, false, nil
	}
	it, err := f.st.Get(ctx, k)
	if errors.Is(err, store.ErrNotFound) {
		return api.SAMLProvider{}, false, nil
	}
	if err != nil {
		return api.SAMLProvider{}, false, err
	}
	p, err := decodeSAML(it)
	return p, err == nil, err
}

func (f *Federation) SAMLProviders(ctx context.Context, account string) ([]api.SAMLProvider, error) {
	if account == "" {
		return nil, nil
	}
	items, _, err := f.st.List(ctx, KindSAMLProvider, account, "", 0)
	if err != nil {
		return nil, err
	}
	out := make([]api.SAMLProvider, 0, len(items))
	for _, it := range items {
		p, err := decodeSAML(it)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ARN < out[j].ARN })
	return out, nil
}

// maxSAMLProviders is IAM's quota of SAML providers per account (the IAM
// User Guide, "IAM and AWS STS quotas": 100).
const maxSAMLProviders = 100

func (f *Federation) CreateSAMLProvider(ctx context.Context, p api.SAMLProvider) error {
	k, ok := samlKey(p.ARN)
	if !ok || k.Account != p.Account {
		return fmt.Errorf("%s is not a SAML provider ARN of %s", p.ARN, p.Account)
	}
	data, err := encodeSAML(p)
	if err != nil {
		return err
	}
	return createProvider(ctx, f.st, k, data, maxSAMLProviders)
}

func (f *Federation) UpdateSAMLProvider(ctx context.Context, arn string, fn func(*api.SAMLProvider) error) error {
	k, ok := samlKey(arn)
	if !ok {
		return api.ErrNoProvider
	}
	return updateProvider(ctx, f.st, k, decodeSAML, encodeSAML, fn)
}

func (f *Federation) DeleteSAMLProvider(ctx context.Context, arn string) (bool, error) {
	k, ok := samlKey(arn)
	if !ok {
		return false, nil
	}
	return deleteProvider(ctx, f.st, k)
}
