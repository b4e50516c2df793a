package world_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamgate/iamgate/accesstest"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/world"
)

// op is a change to some entities of an account, as the IAM handlers make
// them: the entities it names and what it does to the account (whole, or
// the selected part).
type op struct {
	name string
	refs []world.EntityRef
	fn   func(a *world.FileAccount)
}

func randomOp(r *rand.Rand, id string) op {
	names := []string{"alice", "bob", "Alice", "carol"}
	groups := []string{"devs", "ops", "DEVS"}
	roles := []string{"app", "ci", "App"}
	pols := []string{"p1", "p2", "P1"}
	pick := func(s []string) string { return s[r.Intn(len(s))] }
	doc := func() world.PolicySource {
		switch r.Intn(4) {
		case 0:
			return world.NewPolicyText(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
		case 1:
			return world.NewPolicyText(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`)
		case 2:
			return world.NewPolicyText(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)
		}
		return world.NewPolicyText(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Actio":"s3:*"}]}`) // refused
	}
	trust := world.NewPolicyText(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + id + `:root"},"Action":"sts:AssumeRole"}]}`)
	policyARN := func() string {
		switch r.Intn(4) {
		case 0:
			return "arn:aws:iam::aws:policy/ReadOnlyAccess"
		case 1:
			return "arn:aws:iam::" + id + ":policy/nope"
		}
		return "arn:aws:iam::" + id + ":policy/" + pick(pols)
	}
	u, g, ro, p := pick(names), pick(groups), pick(roles), pick(pols)
	d, withTrust := doc(), r.Intn(5) > 0 // drawn now: fn runs twice
	user := func(a *world.FileAccount) *world.FileUser {
		for i := range a.Users {
			if a.Users[i].Name == u {
				return &a.Users[i]
			}
		}
		return nil
	}
	role := func(a *world.FileAccount) *world.FileRole {
		for i := range a.Roles {
			if a.Roles[i].Name == ro {
				return &a.Roles[i]
			}
		}
		return nil
	}
	group := func(a *world.FileAccount) *world.FileGroup {
		for i := range a.Groups {
			if a.Groups[i].Name == g {
				return &a.Groups[i]
			}
		}
		return nil
	}
	policy := func(a *world.FileAccount) *world.FilePolicy {
		for i := range a.Policies {
			if a.Policies[i].Name == p {
				return &a.Policies[i]
			}
		}
		return nil
	}
	U, G, R, P := world.EntityRef{Kind: world.EntityUser, Name: u}, world.EntityRef{Kind: world.EntityGroup, Name: g}, world.EntityRef{Kind: world.EntityRole, Name: ro}, world.EntityRef{Kind: world.EntityPolicy, Name: p}
	switch r.Intn(16) {
	case 0, 1:
		return op{"create user " + u, []world.EntityRef{U}, func(a *world.FileAccount) {
			if user(a) == nil {
				a.Users = append(a.Users, world.FileUser{Name: u, Path: "/", ID: "AIDA" + strings.ToUpper(u)})
			}
		}}
	case 2:
		return op{"delete user " + u, []world.EntityRef{U}, func(a *world.FileAccount) {
			a.Users = slices.DeleteFunc(a.Users, func(x world.FileUser) bool { return x.Name == u })
		}}
	case 3:
		return op{"add " + u + " to " + g, []world.EntityRef{U, G}, func(a *world.FileAccount) {
			if x := user(a); x != nil && !slices.Contains(x.Groups, g) {
				x.Groups = append(x.Groups, g)
			}
		}}
	case 4:
		return op{"create group " + g, []world.EntityRef{G}, func(a *world.FileAccount) {
			if group(a) == nil {
				a.Groups = append(a.Groups, world.FileGroup{Name: g})
			}
		}}
	case 5:
		return op{"delete group " + g, []world.EntityRef{G}, func(a *world.FileAccount) {
			a.Groups = slices.DeleteFunc(a.Groups, func(x world.FileGroup) bool { return x.Name == g })
		}}
	case 6:
		return op{"put user policy " + u, []world.EntityRef{U}, func(a *world.FileAccount) {
			if x := user(a); x != nil {
				x.Policies = []world.FileInline{{Name: "in", Document: d}}
			}
		}}
	case 7:
		return op{"put group policy " + g, []world.EntityRef{G}, func(a *world.FileAccount) {
			if x := group(a); x != nil {
				x.Policies = append(x.Policies, world.FileInline{Name: fmt.Sprint("in", len(x.Policies)), Document: d})
			}
		}}
	case 8:
		ref := policyARN()
		return op{"attach " + ref + " to " + u, []world.EntityRef{U}, func(a *world.FileAccount) {
			if x := user(a); x != nil {
				x.ManagedPolicies = append(x.ManagedPolicies, ref)
			}
		}}
	case 9:
		ref := policyARN()
		return op{"boundary " + ref + " for " + ro, []world.EntityRef{R}, func(a *world.FileAccount) {
			if x := role(a); x != nil {
				x.PermissionsBoundary = ref
			}
		}}
	case 10:
		return op{"create policy " + p, []world.EntityRef{P}, func(a *world.FileAccount) {
			if policy(a) == nil {
				a.Policies = append(a.Policies, world.FilePolicy{Name: p, DefaultVersion: "v1", Versions: []world.FileVersion{{ID: "v1", Document: d}}})
			}
		}}
	case 11:
		return op{"delete policy " + p, []world.EntityRef{P}, func(a *world.FileAccount) {
			a.Policies = slices.DeleteFunc(a.Policies, func(x world.FilePolicy) bool { return x.Name == p })
		}}
	case 12:
		return op{"new version of " + p, []world.EntityRef{P}, func(a *world.FileAccount) {
			if x := policy(a); x != nil {
				id := fmt.Sprint("v", len(x.Versions)+1)
				x.Versions = append(x.Versions, world.FileVersion{ID: id, Document: d})
				x.DefaultVersion = id
			}
		}}
	case 13:
		return op{"create role " + ro, []world.EntityRef{R}, func(a *world.FileAccount) {
			if role(a) == nil {
				fr := world.FileRole{Name: ro, Path: "/"}
				if withTrust {
					fr.TrustPolicy = trust
				}
				a.Roles = append(a.Roles, fr)
			}
		}}
	case 14:
		return op{"put role policy " + ro, []world.EntityRef{R}, func(a *world.FileAccount) {
			if x := role(a); x != nil {
				x.Policies = []world.FileInline{{Name: "p", Document: d}}
				x.Tags = map[string]string{"team": u}
			}
		}}
	}
	arn := fmt.Sprintf("arn:aws:s3:::bucket-%d", r.Intn(3))
	return op{"put bucket " + arn, []world.EntityRef{{Kind: world.EntityResource, Name: arn}}, func(a *world.FileAccount) {
		a.Resources = slices.DeleteFunc(a.Resources, func(x world.FileResource) bool { return x.ARN == arn })
		a.Resources = append(a.Resources, world.FileResource{ARN: arn, Policy: d})
	}}
}

// errLines is an error's lines, sorted, without the file name (a joined
// error lists its parts in no fixed order).
func errLines(err error) string {
	if err == nil {
		return ""
	}
	l := strings.Split(err.Error(), "\n")
	for i := range l {
		l[i] = strings.TrimPrefix(l[i], "api: ") // on the first part only
	}
	sort.Strings(l)
	return strings.Join(l, "\n")
}

func fileJSON(t *testing.T, fw *world.FileWorld) string {
	t.Helper()
	b, err := json.Marshal(fw)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRebuildEntitiesAsBuild is the differential test of entity-scoped
// changes: on every example world, random sequences of IAM changes made to
// the entities they name (Select, Apply, RebuildEntities) give the world
// that the same changes made to the whole account give (CloneAccount,
// Rebuild) and that Build gives, refuse what they refuse with the same
// errors, and decide random requests alike.
func TestRebuildEntitiesAsBuild(t *testing.T) {
	files, err := filepath.Glob("../examples/*/tests.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	steps := 150
	if testing.Short() {
		steps = 40
	}
	for n, file := range files {
		t.Run(filepath.Base(filepath.Dir(file)), func(t *testing.T) {
			f, err := accesstest.LoadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			w0, err := world.LoadFile(f.WorldPath())
			if err != nil {
				t.Fatal(err)
			}
			fw := w0.ToFile()
			start, err := world.Build("api", fw)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewSource(int64(n) + 1 + *seedOffset))
			// Two chains from the same start: whole accounts, and entities.
			wholeF, wholeW := fw, start
			partF := &world.FileWorld{Organization: fw.Organization, Accounts: slices.Clone(fw.Accounts)}
			partW := start
			for step := 0; step < steps; step++ {
				i := r.Intn(len(fw.Accounts))
				id := fw.Accounts[i].ID
				o := randomOp(r, id)

				nextWhole := &world.FileWorld{Organization: wholeF.Organization, Accounts: slices.Clone(wholeF.Accounts)}
				acct := world.CloneAccount(nextWhole.Accounts[i])
				o.fn(&acct)
				nextWhole.Accounts[i] = acct
				ww, werr := world.Rebuild("api", nextWhole, wholeW, []string{id})
				_, berr := world.Build("api", nextWhole)

				sel := world.SelectBuilt(id, &partF.Accounts[i], o.refs, partW.Accounts[id])
				part := sel.Copy()
				o.fn(&part)
				applied, changed, err := sel.Apply(&part)
				if err != nil {
					t.Fatalf("step %d %s: %v", step, o.name, err)
				}
				nextPart := &world.FileWorld{Organization: partF.Organization, Accounts: slices.Clone(partF.Accounts)}
				nextPart.Accounts[i] = applied
				pw, perr := world.RebuildEntities("api", nextPart, partW, &applied, &part, changed)

				if errLines(werr) != errLines(perr) || errLines(berr) != errLines(perr) {
					t.Fatalf("step %d %s:\nBuild:   %v\nRebuild: %v\nRebuildEntities: %v", step, o.name, berr, werr, perr)
				}
				if werr != nil {
					continue
				}
				wholeF, wholeW, partF, partW = nextWhole, ww, nextPart, pw
				if a, b := fileJSON(t, wholeW.ToFile()), fileJSON(t, partW.ToFile()); a != b {
					t.Fatalf("step %d %s: worlds differ:\nwhole    %s\nentities %s", step, o.name, a, b)
				}
				if a, b := fileJSON(t, sortedFile(wholeF)), fileJSON(t, sortedFile(partF)); a != b {
					t.Fatalf("step %d %s: files differ:\nwhole    %s\nentities %s", step, o.name, a, b)
				}
				if step%10 == 0 {
					sameDecisions(t, r, wholeW, partW, f, at)
				}
			}
			sameDecisions(t, r, wholeW, partW, f, at)
		})
	}
}

// sortedFile is a world file with every list of entities in name order
// (an entity renamed or created moves to the end of its list).
func sortedFile(fw *world.FileWorld) *world.FileWorld {
	out := &world.FileWorld{Organization: fw.Organization}
	for _, a := range fw.Accounts {
		a.Users = slices.Clone(a.Users)
		sort.Slice(a.Users, func(i, j int) bool { return a.Users[i].Name < a.Users[j].Name })
		a.Groups = slices.Clone(a.Groups)
		sort.Slice(a.Groups, func(i, j int) bool { return a.Groups[i].Name < a.Groups[j].Name })
		a.Roles = slices.Clone(a.Roles)
		sort.Slice(a.Roles, func(i, j int) bool { return a.Roles[i].Name < a.Roles[j].Name })
		a.Policies = slices.Clone(a.Policies)
		sort.Slice(a.Policies, func(i, j int) bool { return a.Policies[i].Name < a.Policies[j].Name })
		a.Resources = slices.Clone(a.Resources)
		sort.Slice(a.Resources, func(i, j int) bool { return a.Resources[i].ARN < a.Resources[j].ARN })
		out.Accounts = append(out.Accounts, a)
	}
	return out
}

// sameDecisions asks both worlds the example's tests and random requests
// by every user and role of every account.
func sameDecisions(t *testing.T, r *rand.Rand, a, b *world.World, f *accesstest.File, at time.Time) {
	t.Helper()
	ra, rb := accesstest.Run(a, f, accesstest.Options{Now: at}), accesstest.Run(b, f, accesstest.Options{Now: at})
	for i := range ra {
		if ra[i].Got != rb[i].Got || (ra[i].Err == nil) != (rb[i].Err == nil) {
			t.Fatalf("%s: whole %v (%v), entities %v (%v)", ra[i].Test.Name, ra[i].Got, ra[i].Err, rb[i].Got, rb[i].Err)
		}
	}
	var principals, resources []string
	for _, id := range slices.Sorted(mapKeys(a.Accounts)) {
		acct := a.Accounts[id]
		for _, n := range slices.Sorted(mapKeys(acct.Users)) {
			principals = append(principals, acct.Users[n].ARN())
			resources = append(resources, acct.Users[n].ARN())
		}
		for _, n := range slices.Sorted(mapKeys(acct.Roles)) {
			principals = append(principals, acct.Roles[n].ARN())
			resources = append(resources, acct.Roles[n].ARN())
		}
		for _, n := range slices.Sorted(mapKeys(acct.Resources)) {
			resources = append(resources, n+"/k")
		}
	}
	resources = append(resources, "*", "arn:aws:s3:::bucket-0/x", "arn:aws:s3:::b/x")
	actions := []string{"s3:GetObject", "s3:PutObject", "iam:CreateUser", "sts:AssumeRole", "kms:Decrypt"}
	for range 200 {
		p := principals[r.Intn(len(principals))]
		req := world.Request{Action: actions[r.Intn(len(actions))], Resource: resources[r.Intn(len(resources))], Time: at,
			Context: map[string][]string{"aws:MultiFactorAuthPresent": {fmt.Sprint(r.Intn(2) == 0)}}}
		da, ea := decideAs(a, p, req)
		db, eb := decideAs(b, p, req)
		if da != db || (ea == nil) != (eb == nil) {
			t.Fatalf("%s %s %s: whole %v (%v), entities %v (%v)", p, req.Action, req.Resource, da, ea, db, eb)
		}
	}
}

func decideAs(w *world.World, principal string, req world.Request) (engine.Decision, error) {
	c, err := w.Caller(principal)
	if err != nil {
		return 0, err
	}
	req.Caller = c
	q, err := w.Prepare(req)
	if err != nil {
		return 0, err
	}
	return engine.Authorize(q).Decision, nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

var seedOffset = flag.Int64("entity-seed", 0, "added to TestRebuildEntitiesAsBuild's random seeds")

// TestRebuildEntitiesShares: what a change does not touch is the previous
// world's, compiled documents included; a document put again unchanged is
// not compiled again.
func TestRebuildEntitiesShares(t *testing.T) {
	fw := &world.FileWorld{Accounts: []world.FileAccount{{ID: "123456789012",
		Users: []world.FileUser{{Name: "alice"}, {Name: "bob"}},
		Roles: []world.FileRole{{Name: "app", TrustPolicy: world.NewPolicyText(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}`),
			Policies: []world.FileInline{{Name: "p", Document: world.NewPolicyText(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)}}}},
	}}}
	prev, err := world.Build("api", fw)
	if err != nil {
		t.Fatal(err)
	}
	sel := world.Select("123456789012", &fw.Accounts[0], []world.EntityRef{{Kind: world.EntityRole, Name: "app"}})
	part := sel.Copy()
	part.Roles[0].Tags = map[string]string{"team": "a"}
	acct, changed, err := sel.Apply(&part)
	if err != nil {
		t.Fatal(err)
	}
	next := &world.FileWorld{Accounts: []world.FileAccount{acct}}
	w, err := world.RebuildEntities("api", next, prev, &acct, &part, changed)
	if err != nil {
		t.Fatal(err)
	}
	a, b := prev.Accounts["123456789012"], w.Accounts["123456789012"]
	if a == b || a.Users["alice"] != b.Users["alice"] || a.Roles["app"] == b.Roles["app"] {
		t.Fatalf("want a new account and role, the users shared")
	}
	if a.Roles["app"].Trust != b.Roles["app"].Trust || a.Roles["app"].Inline[0].Document != b.Roles["app"].Inline[0].Document {
		t.Fatalf("the role's unchanged documents were parsed again")
	}
	if &acct.Users[0] != &fw.Accounts[0].Users[0] {
		t.Fatalf("the users' list was copied")
	}
	// Rebuild builds the whole account again, but not its documents.
	whole, err := world.Rebuild("api", next, prev, []string{acct.ID})
	if err != nil {
		t.Fatal(err)
	}
	if c := whole.Accounts["123456789012"]; c.Roles["app"].Trust != a.Roles["app"].Trust || c.Users["alice"] == a.Users["alice"] {
		t.Fatalf("Rebuild: want the documents shared, the entities new")
	}
}

// Two versions of an account derived from the same base, each adding an
// entity, do not share the new entities: a follower's change and a local
// write (or a retried one) may both start from one published account, and
// appending into the base's spare capacity made each overwrite the other's
// (found by the race detector in TestIAMAcceptanceCorpus).
func TestApplyFromOneBaseDoesNotShareAdditions(t *testing.T) {
	base := world.FileAccount{ID: "111111111111", Users: make([]world.FileUser, 1, 8)}
	base.Users[0] = world.FileUser{Name: "existing"}
	add := func(name string) world.FileAccount {
		s := world.Select(base.ID, &base, []world.EntityRef{{Kind: world.EntityUser, Name: name}})
		next, _, err := s.Apply(&world.FileAccount{ID: base.ID, Users: []world.FileUser{{Name: name}}})
		if err != nil {
			t.Fatal(err)
		}
		return next
	}
	a := add("alice")
	b := add("bob")
	if len(a.Users) != 2 || a.Users[1].Name != "alice" {
		t.Fatalf("the first version lost its user to the second: %+v", a.Users)
	}
	if len(b.Users) != 2 || b.Users[1].Name != "bob" {
		t.Fatalf("second version: %+v", b.Users)
	}
	if len(base.Users) != 1 {
		t.Fatalf("the base changed: %+v", base.Users)
	}
}

// TestApplyGrowsInPlaceOnce: adding an entity to a version that Apply made
// appends into the list's spare capacity (O(1), not a copy of the list),
// and only the first version derived from it does; a second version
// derived from the same one, and every earlier version, keeps its own
// users.
func TestApplyGrowsInPlaceOnce(t *testing.T) {
	add := func(from *world.FileAccount, name string) world.FileAccount {
		t.Helper()
		s := world.Select(from.ID, from, []world.EntityRef{{Kind: world.EntityUser, Name: name}})
		next, _, err := s.Apply(&world.FileAccount{ID: from.ID, Users: []world.FileUser{{Name: name}}})
		if err != nil {
			t.Fatal(err)
		}
		return next
	}
	base := world.FileAccount{ID: "111111111111", Users: []world.FileUser{{Name: "existing"}}}
	v1 := add(&base, "u1") // copies, with room to grow
	v2 := add(&v1, "u2")   // appends in place
	if &v2.Users[0] != &v1.Users[0] {
		t.Fatal("the second addition copied the list")
	}
	sibling := add(&v1, "other") // the spare capacity is v2's: copies
	if &sibling.Users[0] == &v1.Users[0] {
		t.Fatal("a second version derived from v1 appended into v2's capacity")
	}
	v3 := add(&v2, "u3")
	names := func(a world.FileAccount) (out []string) {
		for _, u := range a.Users {
			out = append(out, u.Name)
		}
		return out
	}
	for _, c := range []struct {
		a    world.FileAccount
		want string
	}{
		{base, "[existing]"}, {v1, "[existing u1]"}, {v2, "[existing u1 u2]"}, {sibling, "[existing u1 other]"}, {v3, "[existing u1 u2 u3]"},
	} {
		if got := fmt.Sprint(names(c.a)); got != c.want {
			t.Fatalf("got %s, want %s", got, c.want)
		}
	}
	// A deep copy owns nothing of the original's array.
	clone := world.CloneAccount(v3)
	v4 := add(&clone, "u4")
	v5 := add(&v3, "u5")
	if fmt.Sprint(names(v4)) != "[existing u1 u2 u3 u4]" || fmt.Sprint(names(v5)) != "[existing u1 u2 u3 u5]" {
		t.Fatalf("v4 %v, v5 %v", names(v4), names(v5))
	}
	// Versions derived from one at once (a follower and local writes):
	// each keeps its own addition (the race detector watches the array).
	var wg sync.WaitGroup
	got := make([]world.FileAccount, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := world.Select(v5.ID, &v5, []world.EntityRef{{Kind: world.EntityUser, Name: fmt.Sprint("c", i)}})
			next, _, err := s.Apply(&world.FileAccount{ID: v5.ID, Users: []world.FileUser{{Name: fmt.Sprint("c", i)}}})
			if err != nil {
				t.Error(err)
			}
			got[i] = next
		}()
	}
	wg.Wait()
	for i, a := range got {
		if want := fmt.Sprintf("[existing u1 u2 u3 u5 c%d]", i); fmt.Sprint(names(a)) != want {
			t.Fatalf("concurrent version %d: %v, want %s", i, names(a), want)
		}
	}
}
