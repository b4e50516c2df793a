package server

import (
	"context"
	"net/http"
	"strings"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/world"
)

const (
	// DefaultAccount is the account created on first start.
	DefaultAccount = "123456789012"
	// AdminUser is the administrator created on first start.
	AdminUser = "admin"
	// AdministratorAccess is the policy the administrator gets.
	AdministratorAccess = "arn:aws:iam::aws:policy/AdministratorAccess"
)

// Bootstrap is what first start created.
type Bootstrap struct {
	Created bool
	Account string
	// Key is the administrator's new access key (with its secret) when one
	// was made, to be shown once.
	Key *api.AccessKey
	// KeyByAnother is set on a first start whose administrator key another
	// server sharing the store made (and printed) first.
	KeyByAnother bool
}

// Bootstrap prepares the first start, which is a store that holds no
// access key: it creates the account (which becomes the management account
// when it creates an organization) unless the world already has it, and the
// administrator user with AdministratorAccess. The administrator's key is
// keyID/secret when both are given (from the environment), else a new one
// that is returned so it can be printed once. On later starts it only makes
// sure a given key exists.
func (s *Server) Bootstrap(ctx context.Context, keyID, secret string) (Bootstrap, error) {
	out := Bootstrap{Account: s.cfg.Account}
	existing, err := s.keys.AnyAccessKey(ctx)
	if err != nil {
		return out, err
	}
	if !existing {
		acct := s.cfg.Account
		now := now().Truncate(1e9)
		fw := s.state.File()
		hasAccount, hasAdmin := false, false
		for _, a := range fw.Accounts {
			if a.ID == acct {
				hasAccount = true
				for _, u := range a.Users {
					hasAdmin = hasAdmin || u.Name == AdminUser
				}
			}
		}
		if !hasAdmin {
			out.Created = !hasAccount
			e := s.state.UpdateAccount(ctx, acct, func(a *world.FileAccount) *query.Error {
				// Another server sharing the store may have made it
				// first (fn is re-applied to what the store holds then).
				for _, u := range a.Users {
					if u.Name == AdminUser {
						return nil
					}
				}
				if a.Name == "" {
					a.Name = "management"
				}
				a.Users = append(a.Users, world.FileUser{Name: AdminUser, Path: "/", ID: newUserID(), ManagedPolicies: []string{AdministratorAccess}, Created: now})
				return nil
			})
			if e != nil {
				return out, e
			}
		}
	}
	if keyID != "" && secret != "" {
		if _, ok, err := s.keys.AccessKey(ctx, keyID); err != nil || ok {
			return out, err
		}
		return out, s.keys.ImportAccessKey(ctx, s.cfg.Account, AdminUser, keyID, secret)
	}
	if !existing && !s.cfg.Dev {
		// Servers starting together on an empty store each saw no key:
		// only the first to commit makes one.
		k, made, err := s.keys.CreateFirstAccessKey(ctx, s.cfg.Account, AdminUser)
		if err != nil {
			return out, err
		}
		if made {
			out.Key = &k
		} else {
			out.KeyByAnother = true
		}
	}
	return out, nil
}

func newUserID() string {
	id := api.NewKeyID("AIDA", DefaultAccount) + api.NewKeyID("", DefaultAccount)
	return id[:21]
}

// credentialScope reads the credential scope of a signed request without
// checking it: key/date/region/service/aws4_request.
func credentialScope(r *http.Request) []string {
	cred := r.URL.Query().Get("X-Amz-Credential")
	if auth := r.Header.Get("Authorization"); auth != "" {
		if i := strings.Index(auth, "Credential="); i >= 0 {
			cred = auth[i+len("Credential="):]
			if j := strings.IndexByte(cred, ','); j >= 0 {
				cred = cred[:j]
			}
		}
	}
	return strings.Split(cred, "/")
}
