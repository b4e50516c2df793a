package world

import (
	"errors"
	"fmt"
	"sort"

	"github.com/iamgate/iamgate/arn"
)

// Rebuild builds the world fw describes, as Build(file, fw) would, from
// prev: the world built for an earlier version of fw that differs only in
// the accounts named in changed (added, changed or removed), with the same
// organization (a change to the organization needs Build). Only those
// accounts are built, checked and compiled (a document of theirs that is
// as in prev, for the same entity and use, is prev's compiled one); every
// other account is shared
// with prev, compiled objects and all (they are immutable once finalized,
// so both worlds may be read at once). A change Build would refuse is
// refused with the same errors about the changed accounts.
//
// The world gets a new decision cache, so it never serves what prev
// gathered.
func Rebuild(file string, fw *FileWorld, prev *World, changed []string) (*World, error) {
	if prev == nil || prev.cache == nil {
		return Build(file, fw)
	}
	want := map[string]bool{}
	for _, id := range changed {
		want[id] = true
	}
	w := &World{Organization: prev.Organization, AWSManaged: prev.AWSManaged, Accounts: prev.Accounts}
	var errs []error
	doc, _ := documents(file, &errs)
	// An unchanged document of a changed account is not parsed and
	// compiled again.
	re := reuser{file: file, doc: doc}
	for id := range want {
		w.Accounts = w.Accounts.Without(id)
	}
	seen := map[string]bool{}
	for i := range fw.Accounts {
		fa := &fw.Accounts[i]
		if !want[fa.ID] {
			continue
		}
		if !arn.IsAccountID(fa.ID) {
			errs = append(errs, fmt.Errorf("%s: account %q: want a 12-digit account ID (quote it in YAML)", file, fa.ID))
			continue
		}
		if seen[fa.ID] {
			errs = append(errs, fmt.Errorf("%s: account %s is listed twice", file, fa.ID))
			continue
		}
		seen[fa.ID] = true
		w.Accounts = w.Accounts.With(fa.ID, re.account(fa, prev.Accounts.Get(fa.ID), &errs))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	// The indexes across accounts lose the changed accounts' entries and
	// gain their new ones.
	w.resources, w.roleByID = prev.resources, prev.roleByID
	for id := range want {
		if old := prev.Accounts.Get(id); old != nil {
			w.forgetEntities(old)
		}
	}
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if a := w.Accounts.Get(id); a != nil {
			w.finalizeAccount(a, bad)
		}
	}
	if org := w.Organization; org != nil {
		// The organization is unchanged: only its references to the
		// changed accounts are checked again, as Finalize checks them.
		if want[org.ManagementAccount] && w.Accounts.Get(org.ManagementAccount) == nil {
			bad("organization: management account %s is not among the accounts", org.ManagementAccount)
		}
		var walk func(o *OU)
		walk = func(o *OU) {
			for _, id := range o.Accounts {
				if !want[id] {
					continue
				}
				if a := w.Accounts.Get(id); a == nil {
					bad("organization: %s lists account %s, which is not among the accounts", o.Name, id)
				} else {
					a.OU = o
				}
			}
			for _, c := range o.Children {
				walk(c)
			}
		}
		walk(org.Root)
		for _, id := range ids {
			a := w.Accounts.Get(id)
			if a == nil {
				continue
			}
			for _, name := range append(append([]string{}, a.SCPs...), a.RCPs...) {
				if org.Policies[name] == nil && name != "FullAWSAccess" && name != "RCPFullAWSAccess" {
					bad("account %s attaches policy %s, which is not defined", id, name)
				}
			}
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s: %w", file, errors.Join(errs...))
	}
	if errs := checkRefs(file, fw, w, want, nil); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	w.cache = &decisionCache{}
	return w, nil
}
