package world

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/iamgate/iamgate/arn"
)

// ErrBadReference is what a FieldError about a reference wraps: a field
// that names an entity (a role, an instance profile) the world does not
// hold, or a value of the wrong form.
var ErrBadReference = errors.New("bad reference")

// FieldError is a bad value of one field of a world file, at the place it
// was written when the file was parsed (Line and Col are 0 for a world
// built from a FileWorld in code).
type FieldError struct {
	File      string
	Line, Col int
	// Field names the field: "account 111122223333 resource ARN role".
	Field string
	Value string
	Msg   string
}

func (e *FieldError) Error() string {
	where := e.File
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Col)
	}
	return fmt.Sprintf("%s: %s %q: %s", where, e.Field, e.Value, e.Msg)
}

func (e *FieldError) Unwrap() error { return ErrBadReference }

// locator finds where a field of an account's entity was written:
// (account index, list, entity index, field, value index or -1).
type locator func(acct int, list string, entity int, field string, item int) (line, col int)

// nodeLocator locates fields in a parsed YAML document.
func nodeLocator(doc *yaml.Node) locator {
	get := func(n *yaml.Node, key string) *yaml.Node {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i+1]
			}
		}
		return nil
	}
	idx := func(n *yaml.Node, i int) *yaml.Node {
		if n == nil || n.Kind != yaml.SequenceNode || i < 0 || i >= len(n.Content) {
			return nil
		}
		return n.Content[i]
	}
	return func(acct int, list string, entity int, field string, item int) (int, int) {
		if doc == nil || len(doc.Content) == 0 {
			return 0, 0
		}
		n := get(idx(get(idx(get(doc.Content[0], "accounts"), acct), list), entity), field)
		if item >= 0 {
			n = idx(n, item)
		}
		if n == nil {
			return 0, 0
		}
		return n.Line, n.Column
	}
}

// checkRefs checks the fields of the accounts that name other entities:
// a resource's role (a role of the world) and instanceProfile (an instance
// profile of its account), and a user's MFA device serials. want limits
// the check to some accounts (nil: all).
func checkRefs(file string, fw *FileWorld, w *World, want map[string]bool, loc locator) []error {
	var errs []error
	bad := func(ai int, list string, ei int, field string, item int, what, value, msg string) {
		e := &FieldError{File: file, Field: what, Value: value, Msg: msg}
		if loc != nil {
			e.Line, e.Col = loc(ai, list, ei, field, item)
		}
		errs = append(errs, e)
	}
	for ai := range fw.Accounts {
		fa := &fw.Accounts[ai]
		if want != nil && !want[fa.ID] {
			continue
		}
		for ri := range fa.Resources {
			fr := &fa.Resources[ri]
			if fr.Role != "" {
				if msg := w.roleRef(fr.Role); msg != "" {
					bad(ai, "resources", ri, "role", -1, "account "+fa.ID+" resource "+fr.ARN+" role", fr.Role, msg)
				}
			}
			if fr.InstanceProfile != "" {
				if msg := w.profileRef(fa.ID, fr.InstanceProfile); msg != "" {
					bad(ai, "resources", ri, "instanceProfile", -1, "account "+fa.ID+" resource "+fr.ARN+" instanceProfile", fr.InstanceProfile, msg)
				}
			}
		}
		for ui := range fa.Users {
			fu := &fa.Users[ui]
			seen := map[string]bool{}
			for di, s := range fu.MFADevices {
				what := "account " + fa.ID + " user " + fu.Name + " mfaDevices"
				switch {
				case strings.TrimSpace(s) == "":
					bad(ai, "users", ui, "mfaDevices", di, what, s, "want an MFA device's serial number")
				case seen[s]:
					bad(ai, "users", ui, "mfaDevices", di, what, s, "listed twice")
				case strings.HasPrefix(s, "arn:"):
					if p, err := arn.Parse(s); err != nil || p.Service != "iam" || p.AccountID != fa.ID || !strings.HasPrefix(p.Resource, "mfa/") {
						bad(ai, "users", ui, "mfaDevices", di, what, s, "a virtual MFA device's serial is arn:aws:iam::"+fa.ID+":mfa/NAME")
					}
				}
				seen[s] = true
			}
		}
	}
	return errs
}

// RoleByARN returns the world's role with that ARN (nil when none).
func (w *World) RoleByARN(a string) *Role {
	p, err := arn.Parse(a)
	if err != nil || p.Service != "iam" {
		return nil
	}
	acct := w.Accounts.Get(p.AccountID)
	if acct == nil || !strings.HasPrefix(p.Resource, "role/") {
		return nil
	}
	name := p.Resource[strings.LastIndex(p.Resource, "/")+1:]
	if r := acct.Roles.Get(name); r != nil && r.ARN() == a {
		return r
	}
	return nil
}

// InstanceProfileByARN returns the world's instance profile with that ARN
// (nil when none).
func (w *World) InstanceProfileByARN(a string) *InstanceProfile {
	p, err := arn.Parse(a)
	if err != nil || p.Service != "iam" {
		return nil
	}
	acct := w.Accounts.Get(p.AccountID)
	if acct == nil || !strings.HasPrefix(p.Resource, "instance-profile/") {
		return nil
	}
	name := p.Resource[strings.LastIndex(p.Resource, "/")+1:]
	if ip := acct.InstanceProfiles[name]; ip != nil && ip.ARN() == a {
		return ip
	}
	return nil
}

func (w *World) roleRef(a string) string {
	if _, err := arn.Parse(a); err != nil || !strings.Contains(a, ":role/") {
		return "want a role ARN (arn:aws:iam::ACCOUNT:role/NAME)"
	}
	if w.RoleByARN(a) == nil {
		return "no such role in the world"
	}
	return ""
}

func (w *World) profileRef(account, a string) string {
	p, err := arn.Parse(a)
	if err != nil || !strings.Contains(a, ":instance-profile/") {
		return "want an instance profile ARN (arn:aws:iam::ACCOUNT:instance-profile/NAME)"
	}
	if p.AccountID != account {
		return "an instance's profile is of the instance's account " + account
	}
	if w.InstanceProfileByARN(a) == nil {
		return "no such instance profile in account " + account + "'s instanceProfiles"
	}
	return ""
}
