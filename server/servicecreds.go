package server

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/store"
)

// KindServiceCredential is a user's service-specific credential (Account,
// Name its ServiceSpecificCredentialId): its user, service, status and
// dates, and the hash of its password or API key secret sealed under the
// master key.
const KindServiceCredential store.Kind = "servicecredential"

type storedServiceCredential struct {
	User            string    `json:"user"`
	ServiceName     string    `json:"serviceName"`
	ServiceUserName string    `json:"serviceUserName"`
	SealedSecret    []byte    `json:"sealedSecret"`
	Status          string    `json:"status"`
	Created         time.Time `json:"created"`
	Expiration      time.Time `json:"expiration,omitzero"`
}

func decodeServiceCredential(it store.Item) (api.ServiceCredential, storedServiceCredential, error) {
	var sc storedServiceCredential
	if err := json.Unmarshal(it.Data, &sc); err != nil {
		return api.ServiceCredential{}, sc, fmt.Errorf("service-specific credential %s: %w", it.Name, err)
	}
	return api.ServiceCredential{Account: it.Account, ID: it.Name, User: sc.User, ServiceName: sc.ServiceName, ServiceUserName: sc.ServiceUserName,
		Status: sc.Status, Created: sc.Created, Expiration: sc.Expiration}, sc, nil
}

// ServiceCredentials lists an account's service-specific credentials;
// their secrets stay sealed.
func (c *Credentials) ServiceCredentials(ctx context.Context, account string) ([]api.ServiceCredential, error) {
	return listSealed(ctx, c, KindServiceCredential, account, decodeServiceCredential)
}

// EditServiceCredentials runs fn on the account's service-specific
// credentials and writes what changed, in one transaction.
func (c *Credentials) EditServiceCredentials(ctx context.Context, account string, fn func([]api.ServiceCredential) ([]api.ServiceCredential, error)) error {
	return editSealed(ctx, c, KindServiceCredential, account, serviceCredentialKind, fn)
}

var serviceCredentialKind = sealedKind[api.ServiceCredential, storedServiceCredential]{
	id:     func(sc api.ServiceCredential) string { return sc.ID },
	secret: func(sc api.ServiceCredential) string { return sc.Secret },
	decode: decodeServiceCredential,
	encode: func(sc api.ServiceCredential, sealed []byte) storedServiceCredential {
		return storedServiceCredential{User: sc.User, ServiceName: sc.ServiceName, ServiceUserName: sc.ServiceUserName, SealedSecret: sealed,
			Status: sc.Status, Created: sc.Created, Expiration: sc.Expiration}
	},
	sealed: func(st storedServiceCredential) []byte { return st.SealedSecret },
}

// renameServiceCredentials gives a renamed user's service-specific
// credentials its new name (their ServiceUserName stays as it was made).
func renameServiceCredentials(ctx context.Context, tx store.Tx, account, from, to string) error {
	items, _, err := tx.List(ctx, KindServiceCredential, account, "", 0)
	if err != nil {
		return err
	}
	for _, it := range items {
		_, st, err := decodeServiceCredential(it)
		if err != nil {
			return err
		}
		if st.User != from {
			continue
		}
		st.User = to
		data, err := json.Marshal(st)
		if err != nil {
			return err
		}
		if _, err := tx.Put(ctx, it.Key, data, it.Revision); err != nil {
			return err
		}
	}
	return nil
}
