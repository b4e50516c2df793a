package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/store"
)

// KindServerCertificate is an IAM server certificate (Account, Name its
// ServerCertificateId): the certificate, its chain, name, path and tags,
// and its private key sealed under the master key like the other
// credentials (bound to the item's key, which a rename does not change).
const KindServerCertificate store.Kind = "servercertificate"

type storedServerCertificate struct {
	Name       string            `json:"name"`
	Path       string            `json:"path"`
	Body       string            `json:"body"`
	Chain      string            `json:"chain,omitempty"`
	SealedKey  []byte            `json:"sealedKey"`
	Uploaded   time.Time         `json:"uploaded"`
	Expiration time.Time         `json:"expiration"`
	Tags       map[string]string `json:"tags,omitempty"`
}

func decodeServerCertificate(it store.Item) (api.ServerCertificate, storedServerCertificate, error) {
	var sc storedServerCertificate
	if err := json.Unmarshal(it.Data, &sc); err != nil {
		return api.ServerCertificate{}, sc, fmt.Errorf("server certificate %s: %w", it.Name, err)
	}
	return api.ServerCertificate{Account: it.Account, ID: it.Name, Name: sc.Name, Path: sc.Path, Body: sc.Body, Chain: sc.Chain,
		Uploaded: sc.Uploaded, Expiration: sc.Expiration, Tags: sc.Tags}, sc, nil
}

// ServerCertificates lists an account's server certificates; their keys
// stay sealed.
func (c *Credentials) ServerCertificates(ctx context.Context, account string) ([]api.ServerCertificate, error) {
	return listSealed(ctx, c, KindServerCertificate, account, decodeServerCertificate)
}

// listSealed reads an account's items of a kind, leaving their secrets
// sealed.
func listSealed[T, S any](ctx context.Context, c *Credentials, kind store.Kind, account string, decode func(store.Item) (T, S, error)) ([]T, error) {
	items, _, err := c.st.List(ctx, kind, account, "", 0)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(items))
	for _, it := range items {
		t, _, err := decode(it)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// EditServerCertificates runs fn on the account's certificates and writes
// what changed, in one transaction.
func (c *Credentials) EditServerCertificates(ctx context.Context, account string, fn func([]api.ServerCertificate) ([]api.ServerCertificate, error)) error {
	return editSealed(ctx, c, KindServerCertificate, account, sealedKind[api.ServerCertificate, storedServerCertificate]{
		id:     func(sc api.ServerCertificate) string { return sc.ID },
		secret: func(sc api.ServerCertificate) string { return sc.PrivateKey },
		decode: decodeServerCertificate,
		encode: func(sc api.ServerCertificate, sealed []byte) storedServerCertificate {
			return storedServerCertificate{Name: sc.Name, Path: sc.Path, Body: sc.Body, Chain: sc.Chain, SealedKey: sealed,
				Uploaded: sc.Uploaded, Expiration: sc.Expiration, Tags: sc.Tags}
		},
		sealed: func(st storedServerCertificate) []byte { return st.SealedKey },
	}, fn)
}

// sealedKind is how an account's items of a kind, each with a sealed
// secret, are read (T) and stored (S).
type sealedKind[T, S any] struct {
	id func(T) string
	// secret is a new secret to seal ("" keeps the one stored).
	secret func(T) string
	decode func(store.Item) (T, S, error)
	encode func(t T, sealed []byte) S
	sealed func(S) []byte
}

// editSealed runs fn on the account's items of a kind in one write
// transaction and writes what changed: items fn leaves out are deleted,
// new ones created, and each keeps its sealed secret unless fn gives it a
// new one.
func editSealed[T, S any](ctx context.Context, c *Credentials, kind store.Kind, account string, k sealedKind[T, S], fn func([]T) ([]T, error)) error {
	return c.st.Update(ctx, func(tx store.Tx) error {
		items, _, err := tx.List(ctx, kind, account, "", 0)
		if err != nil {
			return err
		}
		type had struct {
			item   store.Item
			stored S
		}
		old := map[string]had{}
		cur := make([]T, 0, len(items))
		for _, it := range items {
			t, st, err := k.decode(it)
			if err != nil {
				return err
			}
			old[it.Name] = had{it, st}
			cur = append(cur, t)
		}
		next, err := fn(cur)
		if err != nil {
			return err
		}
		for _, t := range next {
			key := store.Key{Kind: kind, Account: account, Name: k.id(t)}
			h, kept := old[key.Name]
			delete(old, key.Name)
			var sealed []byte
			expect := int64(0)
			if kept {
				sealed, expect = k.sealed(h.stored), h.item.Revision
			}
			if secret := k.secret(t); secret != "" || !kept {
				sealed = c.secrets.Seal([]byte(secret), aad(key))
			}
			data, err := json.Marshal(k.encode(t, sealed))
			if err != nil {
				return err
			}
			if kept && bytes.Equal(h.item.Data, data) {
				continue
			}
			if _, err := tx.Put(ctx, key, data, expect); err != nil {
				return err
			}
		}
		for name, h := range old {
			if err := tx.Delete(ctx, store.Key{Kind: kind, Account: account, Name: name}, h.item.Revision); err != nil {
				return err
			}
		}
		return nil
	})
}
