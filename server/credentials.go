package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/credential"
	"github.com/iamgate/iamgate/keyring"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/world"
)

// Item kinds of the credentials: a user's login profile (Account, Name the
// user), an account's password policy (Account, Name ""), a virtual MFA
// device (Account, Name its serial number). Password hashes and seeds are
// sealed under the master key, bound to their item's key.
const (
	KindLoginProfile   store.Kind = "loginprofile"
	KindPasswordPolicy store.Kind = "passwordpolicy"
	KindMFADevice      store.Kind = "mfadevice"
)

// Credentials keeps login profiles, password policies and MFA devices in
// the store (api.Credentials).
type Credentials struct {
	st      store.Store
	secrets keyring.Sealer
}

// NewCredentials returns the keeper of credentials.
func NewCredentials(st store.Store, master keyring.MasterKey) *Credentials {
	return &Credentials{st: st, secrets: master.Sealer("user-credentials")}
}

var _ api.Credentials = (*Credentials)(nil)

func profileKey(account, user string) store.Key {
	return store.Key{Kind: KindLoginProfile, Account: account, Name: user}
}

func deviceKey(account, serial string) store.Key {
	return store.Key{Kind: KindMFADevice, Account: account, Name: serial}
}

// aad binds a sealed value to where it is stored, so that a sealed hash
// or seed copied to another item does not open there.
func aad(k store.Key) []byte { return []byte(string(k.Kind) + "\x00" + k.Account + "\x00" + k.Name) }

type storedProfile struct {
	Sealed        []byte    `json:"sealedHash"`
	Created       time.Time `json:"created"`
	Changed       time.Time `json:"changed"`
	ResetRequired bool      `json:"resetRequired,omitempty"`
	// History holds the sealed hashes of earlier passwords, newest first.
	History [][]byte `json:"history,omitempty"`
}

// maxHistory is the password policy's largest PasswordReusePrevention.
const maxHistory = 24

func (c *Credentials) LoginProfile(ctx context.Context, account, user string) (api.LoginProfile, bool, error) {
	k := profileKey(account, user)
	it, err := c.st.Get(ctx, k)
	if errors.Is(err, store.ErrNotFound) {
		return api.LoginProfile{}, false, nil
	}
	if err != nil {
		return api.LoginProfile{}, false, err
	}
	var sp storedProfile
	if err := json.Unmarshal(it.Data, &sp); err != nil {
		return api.LoginProfile{}, false, fmt.Errorf("login profile of %s in %s: %w", user, account, err)
	}
	hash, err := c.secrets.Open(sp.Sealed, aad(k))
	if err != nil {
		return api.LoginProfile{}, false, fmt.Errorf("login profile of %s in %s: %w", user, account, err)
	}
	p := api.LoginProfile{Account: account, User: user, Hash: string(hash), Created: sp.Created, Changed: sp.Changed, ResetRequired: sp.ResetRequired}
	for _, h := range sp.History {
		if old, err := c.secrets.Open(h, aad(k)); err == nil {
			p.History = append(p.History, string(old))
		}
	}
	return p, true, nil
}

func (c *Credentials) encodeProfile(p api.LoginProfile) ([]byte, error) {
	k := profileKey(p.Account, p.User)
	sp := storedProfile{Sealed: c.secrets.Seal([]byte(p.Hash), aad(k)), Created: p.Created, Changed: p.Changed, ResetRequired: p.ResetRequired}
	for i, h := range p.History {
		if i == maxHistory {
			break
		}
		sp.History = append(sp.History, c.secrets.Seal([]byte(h), aad(k)))
	}
	return json.Marshal(sp)
}

func (c *Credentials) PutLoginProfile(p api.LoginProfile) api.TxWrite {
	return func(ctx context.Context, tx store.Tx) error {
		data, err := c.encodeProfile(p)
		if err != nil {
			return err
		}
		_, err = tx.Put(ctx, profileKey(p.Account, p.User), data, store.Any)
		return err
	}
}

func (c *Credentials) DeleteLoginProfile(account, user string) api.TxWrite {
	return func(ctx context.Context, tx store.Tx) error {
		err := tx.Delete(ctx, profileKey(account, user), store.Any)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	}
}

// RenameUser moves the login profile (sealed again under its new key), the
// user's devices and its service-specific credentials.
func (c *Credentials) RenameUser(account, from, to string) api.TxWrite {
	return func(ctx context.Context, tx store.Tx) error {
		k := profileKey(account, from)
		it, err := tx.Get(ctx, k)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		default:
			var sp storedProfile
			if err := json.Unmarshal(it.Data, &sp); err != nil {
				return err
			}
			nk := profileKey(account, to)
			reseal := func(b []byte) ([]byte, error) {
				plain, err := c.secrets.Open(b, aad(k))
				if err != nil {
					return nil, err
				}
				return c.secrets.Seal(plain, aad(nk)), nil
			}
			if sp.Sealed, err = reseal(sp.Sealed); err != nil {
				return err
			}
			for i := range sp.History {
				if sp.History[i], err = reseal(sp.History[i]); err != nil {
					return err
				}
			}
			data, err := json.Marshal(sp)
			if err != nil {
				return err
			}
			if _, err := tx.Put(ctx, nk, data, 0); err != nil {
				return err
			}
			if err := tx.Delete(ctx, k, it.Revision); err != nil {
				return err
			}
		}
		items, _, err := tx.List(ctx, KindMFADevice, account, "", 0)
		if err != nil {
			return err
		}
		for _, it := range items {
			var sd storedDevice
			if err := json.Unmarshal(it.Data, &sd); err != nil {
				return err
			}
			if sd.User != from {
				continue
			}
			sd.User = to
			data, err := json.Marshal(sd)
			if err != nil {
				return err
			}
			if _, err := tx.Put(ctx, it.Key, data, it.Revision); err != nil {
				return err
			}
		}
		return renameServiceCredentials(ctx, tx, account, from, to)
	}
}

func (c *Credentials) PasswordPolicy(ctx context.Context, account string) (credential.PasswordPolicy, bool, error) {
	it, err := c.st.Get(ctx, passwordPolicyKey(account))
	if errors.Is(err, store.ErrNotFound) {
		return credential.PasswordPolicy{}, false, nil
	}
	if err != nil {
		return credential.PasswordPolicy{}, false, err
	}
	var p credential.PasswordPolicy
	if err := json.Unmarshal(it.Data, &p); err != nil {
		return credential.PasswordPolicy{}, false, fmt.Errorf("password policy of %s: %w", account, err)
	}
	return p, true, nil
}

func (c *Credentials) PutPasswordPolicy(ctx context.Context, account string, p credential.PasswordPolicy) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = c.st.Put(ctx, passwordPolicyKey(account), data, store.Any)
	return err
}

func (c *Credentials) DeletePasswordPolicy(ctx context.Context, account string) (bool, error) {
	err := c.st.Delete(ctx, passwordPolicyKey(account), store.Any)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func passwordPolicyKey(account string) store.Key {
	return store.Key{Kind: KindPasswordPolicy, Account: account, Name: "policy"}
}

type storedDevice struct {
	Name        string            `json:"name"`
	Path        string            `json:"path"`
	User        string            `json:"user,omitempty"`
	SealedSeed  []byte            `json:"sealedSeed"`
	Created     time.Time         `json:"created"`
	Enabled     time.Time         `json:"enabled,omitzero"`
	LastCounter int64             `json:"lastCounter,omitempty"`
	Drift       int64             `json:"drift,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	// SecurityKey is a FIDO security key's credential record (public).
	SecurityKey []byte `json:"securityKey,omitempty"`
}

func (c *Credentials) decodeDevice(it store.Item) (api.MFADevice, error) {
	var sd storedDevice
	if err := json.Unmarshal(it.Data, &sd); err != nil {
		return api.MFADevice{}, fmt.Errorf("MFA device %s: %w", it.Name, err)
	}
	seed, err := c.secrets.Open(sd.SealedSeed, aad(it.Key))
	if err != nil {
		return api.MFADevice{}, fmt.Errorf("MFA device %s: %w", it.Name, err)
	}
	return api.MFADevice{Serial: it.Name, Account: it.Account, Name: sd.Name, Path: sd.Path, User: sd.User, Seed: string(seed),
		Created: sd.Created, Enabled: sd.Enabled, LastCounter: sd.LastCounter, Drift: sd.Drift, Tags: sd.Tags, SecurityKey: sd.SecurityKey}, nil
}

func (c *Credentials) encodeDevice(d api.MFADevice) []byte {
	k := deviceKey(d.Account, d.Serial)
	data, _ := json.Marshal(storedDevice{Name: d.Name, Path: d.Path, User: d.User, SealedSeed: c.secrets.Seal([]byte(d.Seed), aad(k)),
		Created: d.Created, Enabled: d.Enabled, LastCounter: d.LastCounter, Drift: d.Drift, Tags: d.Tags, SecurityKey: d.SecurityKey})
	return data
}

// accountOfSerial is the account in an MFA device's ARN
// (arn:aws:iam::ACCOUNT:mfa/PATH/NAME).
func accountOfSerial(serial string) string {
	const prefix = "arn:aws:iam::"
	if len(serial) < len(prefix)+13 || serial[:len(prefix)] != prefix || serial[len(prefix)+12] != ':' {
		return ""
	}
	return serial[len(prefix) : len(prefix)+12]
}

func (c *Credentials) MFADevice(ctx context.Context, serial string) (api.MFADevice, bool, error) {
	acct := accountOfSerial(serial)
	if acct == "" {
		return api.MFADevice{}, false, nil
	}
	it, err := c.st.Get(ctx, deviceKey(acct, serial))
	if errors.Is(err, store.ErrNotFound) {
		return api.MFADevice{}, false, nil
	}
	if err != nil {
		return api.MFADevice{}, false, err
	}
	d, err := c.decodeDevice(it)
	return d, err == nil, err
}

func (c *Credentials) MFADevices(ctx context.Context, account string) ([]api.MFADevice, error) {
	items, _, err := c.st.List(ctx, KindMFADevice, account, "", 0)
	if err != nil {
		return nil, err
	}
	out := make([]api.MFADevice, 0, len(items))
	for _, it := range items {
		d, err := c.decodeDevice(it)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func (c *Credentials) CreateMFADevice(ctx context.Context, d api.MFADevice) error {
	_, err := c.st.Put(ctx, deviceKey(d.Account, d.Serial), c.encodeDevice(d), 0)
	if errors.Is(err, store.ErrConflict) {
		return credential.ErrMFADeviceExists
	}
	return err
}

func (c *Credentials) PutMFADevice(d api.MFADevice) api.TxWrite {
	return func(ctx context.Context, tx store.Tx) error {
		_, err := tx.Put(ctx, deviceKey(d.Account, d.Serial), c.encodeDevice(d), store.Any)
		return err
	}
}

func (c *Credentials) DeleteMFADevice(ctx context.Context, serial string) error {
	err := c.st.Delete(ctx, deviceKey(accountOfSerial(serial), serial), store.Any)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// UseMFACode checks a code and records its counter with a write
// conditional on the device as read: a code taken by another server in
// between makes this one fail (the code is then used).
func (c *Credentials) UseMFACode(ctx context.Context, account, user, serial, code string, now time.Time) error {
	return c.useDevice(ctx, account, user, serial, false, func(d *api.MFADevice) error {
		counter, ok := credential.Verify(d.Seed, code, now, d.Drift, d.LastCounter)
		if !ok {
			return credential.ErrInvalidCode
		}
		d.LastCounter = counter
		return nil
	}, credential.ErrInvalidCode)
}

// UseSecurityKey updates a security key's record with a write
// conditional on the key as read.
func (c *Credentials) UseSecurityKey(ctx context.Context, account, user, serial string, fn func(key []byte) ([]byte, error)) error {
	return c.useDevice(ctx, account, user, serial, true, func(d *api.MFADevice) error {
		var err error
		d.SecurityKey, err = fn(d.SecurityKey)
		return err
	}, credential.ErrSecurityKeyChanged)
}

// useDevice changes a device enabled for the user (a security key when
// key, else a virtual device; credential.ErrInvalidCode for none) with fn,
// in a write conditional on the device as read: conflict when it changed
// meanwhile. fn's error is returned as it is, and then nothing changes.
func (c *Credentials) useDevice(ctx context.Context, account, user, serial string, key bool, fn func(*api.MFADevice) error, conflict error) error {
	if accountOfSerial(serial) != account {
		return credential.ErrInvalidCode
	}
	k := deviceKey(account, serial)
	it, err := c.st.Get(ctx, k)
	if errors.Is(err, store.ErrNotFound) {
		return credential.ErrInvalidCode
	}
	if err != nil {
		return err
	}
	d, err := c.decodeDevice(it)
	if err != nil {
		return err
	}
	if d.User == "" || d.User != user || d.IsSecurityKey() != key {
		return credential.ErrInvalidCode
	}
	if err := fn(&d); err != nil {
		return err
	}
	if _, err := c.st.Put(ctx, k, c.encodeDevice(d), it.Revision); err != nil {
		if errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			return conflict
		}
		return err
	}
	return nil
}

// Credentials is the keeper of credentials.
func (s *State) Credentials() api.Credentials { return s.creds }

type alsoKey struct{}

// UpdateEntitiesAnd is UpdateEntities with also in its transaction.
func (s *State) UpdateEntitiesAnd(ctx context.Context, account string, refs []world.EntityRef, fn func(a *world.FileAccount) *query.Error, also api.TxWrite) *query.Error {
	if also != nil {
		ctx = context.WithValue(ctx, alsoKey{}, also)
	}
	return s.UpdateEntities(ctx, account, refs, fn)
}

// alsoFrom is the write UpdateEntitiesAnd adds to the transaction.
func alsoFrom(ctx context.Context) api.TxWrite {
	w, _ := ctx.Value(alsoKey{}).(api.TxWrite)
	return w
}
