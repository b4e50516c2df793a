package iam

import (
	"crypto/rand"
	"strings"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/model"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/world"
)

// nameTaken reports whether an entity of kind (user, group, role,
// policy) other than the one now named self ("" for none) has name,
// ignoring case: "IAM user, group, role, and policy names must be unique
// within the account. Names are not distinguished by case" (the IAM API
// Reference, CreateUser, CreateRole, CreatePolicy and UpdateUser).
func nameTaken(a *world.FileAccount, kind, name, self string) bool {
	var names []string
	switch kind {
	case "user":
		for i := range a.Users {
			names = append(names, a.Users[i].Name)
		}
	case "group":
		for i := range a.Groups {
			names = append(names, a.Groups[i].Name)
		}
	case "role":
		for i := range a.Roles {
			names = append(names, a.Roles[i].Name)
		}
	case "policy":
		for i := range a.Policies {
			names = append(names, a.Policies[i].Name)
		}
	}
	for _, n := range names {
		if n != self && strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// Handler is one IAM operation.
type Handler func(c *api.Call) (any, *query.Error)

// Operations lists the IAM operations by Action name.
var Operations = map[string]Handler{}

// account returns the caller's account in file form, read only.
func account(c *api.Call) *world.FileAccount {
	fw := c.State.File()
	id := c.Account()
	for i := range fw.Accounts {
		if fw.Accounts[i].ID == id {
			return &fw.Accounts[i]
		}
	}
	return &world.FileAccount{ID: id}
}

// update changes the caller's account as a whole: for changes that read
// or write many of its entities.
func update(c *api.Call, fn func(a *world.FileAccount) *query.Error) *query.Error {
	return c.State.UpdateAccount(c.Ctx, c.Account(), fn)
}

// updateEntities changes the entities of the caller's account that refs
// names; fn sees only those (see api.State.UpdateEntities).
func updateEntities(c *api.Call, refs []world.EntityRef, fn func(a *world.FileAccount) *query.Error) *query.Error {
	return c.State.UpdateEntities(c.Ctx, c.Account(), refs, fn)
}

// ref names an entity: kind is user, group, role, policy or resource.
func ref(kind, name string) world.EntityRef {
	return world.EntityRef{Kind: world.EntityKind(kind), Name: name}
}

// refs names entities of one kind (an empty name names none).
func refs(kind string, names ...string) []world.EntityRef {
	out := make([]world.EntityRef, 0, len(names))
	for _, n := range names {
		if n != "" {
			out = append(out, ref(kind, n))
		}
	}
	return out
}

// accountFields names the account's own fields (aliases, instance
// profiles).
var accountFields = world.EntityRef{Kind: world.EntityAccount}

func iamARN(acct, kind, path, name string) string {
	if path == "" {
		path = "/"
	}
	return "arn:aws:iam::" + acct + ":" + kind + path + name
}

// entity is a user, group or role in an account being read or changed.
type entity struct {
	kind     string // user, group, role
	name     string
	path     string
	inline   *[]world.FileInline
	managed  *[]string
	tags     *map[string]string // nil for groups
	boundary *string            // nil for groups
}

func (e *entity) arn(acct string) string { return iamARN(acct, e.kind, e.path, e.name) }

// noun is the kind as IAM's messages and parameters spell it.
func noun(kind string) string { return strings.ToUpper(kind[:1]) + kind[1:] }

func findEntity(a *world.FileAccount, kind, name string) *entity {
	switch kind {
	case "user":
		for i := range a.Users {
			if u := &a.Users[i]; u.Name == name {
				return &entity{kind: kind, name: u.Name, path: u.Path, inline: &u.Policies, managed: &u.ManagedPolicies, tags: &u.Tags, boundary: &u.PermissionsBoundary}
			}
		}
	case "group":
		for i := range a.Groups {
			if g := &a.Groups[i]; g.Name == name {
				return &entity{kind: kind, name: g.Name, path: g.Path, inline: &g.Policies, managed: &g.ManagedPolicies}
			}
		}
	case "role":
		for i := range a.Roles {
			if r := &a.Roles[i]; r.Name == name {
				return &entity{kind: kind, name: r.Name, path: r.Path, inline: &r.Policies, managed: &r.ManagedPolicies, tags: &r.Tags, boundary: &r.PermissionsBoundary}
			}
		}
	}
	return nil
}

// existing finds an entity named by a request parameter, or NoSuchEntity.
func existing(a *world.FileAccount, kind, name string) (*entity, *query.Error) {
	if e := findEntity(a, kind, name); e != nil {
		return e, nil
	}
	return nil, noSuch(kind, name)
}

// boundaryContext is iam:PermissionsBoundary for an entity that has one.
func boundaryContext(arn string) map[string][]string {
	if arn == "" {
		return nil
	}
	return map[string][]string{"iam:PermissionsBoundary": {arn}}
}

func merge(ms ...map[string][]string) map[string][]string {
	out := map[string][]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// encodeDocument URL-encodes a policy document as IAM returns it (RFC 3986:
// every byte but the unreserved characters is percent-encoded).
func encodeDocument(doc []byte) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for _, c := range doc {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// newID makes a unique ID the way IAM shapes them: a four-letter prefix
// (AIDA users, AGPA groups, AROA roles, ANPA policies, AIPA instance
// profiles) and 17 upper-case letters and digits.
func newID(prefix string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var b [17]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	for i := range b {
		b[i] = alphabet[b[i]&31]
	}
	return prefix + string(b[:])
}

func tagList(m map[string]string) tagSet {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	out := make(tagSet, 0, len(keys))
	for _, k := range keys {
		out = append(out, tag{Key: k, Value: m[k]})
	}
	return out
}

func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// settableStatus refuses Expired for UpdateAccessKey, UpdateSSHPublicKey
// and UpdateSigningCertificate: it is in the model's statusType, so the
// edge lets it through, but it is not a status a caller can set; AWS
// documents no answer, and iamgate answers the enum violation of the two
// statuses a caller may set.
func settableStatus(status string) *query.Error {
	if status != "Expired" {
		return nil
	}
	return query.Validation(query.Violation{Value: &status, Field: "status", Constraint: "Member must satisfy enum value set: [Active, Inactive]", Rule: model.RuleEnum})
}
