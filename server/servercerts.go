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

func serverCertificateKey(account, id string) store.Key {
	return store.Key{Kind: KindServerCertificate, Account: account, Name: id}
}

func decodeServerCertificate(it store.Item) (api.ServerCertificate, storedServerCertificate, error) {
	var sc storedServerCertificate
	if err := json.Unmarshal(it.Data, &sc); err != nil {
		return api.ServerCertificate{}, sc, fmt.Errorf("server certificate %s: %w", it.Name, err)
	}
	return api.ServerCertificate{Account: it.Account, ID: it.Name, Name: sc.Name, Path: sc.Path, Body: sc.Body, Chain: sc.Chain,
		Uploaded: sc.Uploaded, Expiration: sc.Expiration, Tags: sc.Tags}, sc, nil
}

func listServerCertificates(ctx context.Context, r store.Reader, account string) ([]store.Item, error) {
	items, _, err := r.List(ctx, KindServerCertificate, account, "", 0)
	return items, err
}

// ServerCertificates lists an account's server certificates; their keys
// stay sealed.
func (c *Credentials) ServerCertificates(ctx context.Context, account string) ([]api.ServerCertificate, error) {
	items, err := listServerCertificates(ctx, c.st, account)
	if err != nil {
		return nil, err
	}
	out := make([]api.ServerCertificate, 0, len(items))
	for _, it := range items {
		sc, _, err := decodeServerCertificate(it)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, nil
}

// EditServerCertificates runs fn on the account's certificates and writes
// what changed, in one transaction.
func (c *Credentials) EditServerCertificates(ctx context.Context, account string, fn func([]api.ServerCertificate) ([]api.ServerCertificate, error)) error {
	return c.st.Update(ctx, func(tx store.Tx) error {
		items, err := listServerCertificates(ctx, tx, account)
		if err != nil {
			return err
		}
		type had struct {
			item   store.Item
			stored storedServerCertificate
		}
		old := map[string]had{}
		cur := make([]api.ServerCertificate, 0, len(items))
		for _, it := range items {
			sc, st, err := decodeServerCertificate(it)
			if err != nil {
				return err
			}
			old[it.Name] = had{it, st}
			cur = append(cur, sc)
		}
		next, err := fn(cur)
		if err != nil {
			return err
		}
		for _, sc := range next {
			k := serverCertificateKey(account, sc.ID)
			st := storedServerCertificate{Name: sc.Name, Path: sc.Path, Body: sc.Body, Chain: sc.Chain, Uploaded: sc.Uploaded, Expiration: sc.Expiration, Tags: sc.Tags}
			h, kept := old[sc.ID]
			expect := int64(0)
			if kept {
				delete(old, sc.ID)
				st.SealedKey, expect = h.stored.SealedKey, h.item.Revision
			} else {
				st.SealedKey = seal(c.secrets, []byte(sc.PrivateKey), aad(k))
			}
			data, err := json.Marshal(st)
			if err != nil {
				return err
			}
			if kept && bytes.Equal(h.item.Data, data) {
				continue
			}
			if _, err := tx.Put(ctx, k, data, expect); err != nil {
				return err
			}
		}
		for id, h := range old {
			if err := tx.Delete(ctx, serverCertificateKey(account, id), h.item.Revision); err != nil {
				return err
			}
		}
		return nil
	})
}
