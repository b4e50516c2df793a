package server_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"math/rand"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/sqlite"
	"github.com/iamgate/iamgate/world"
)

// randomIAMCall is an IAM call on a small set of names, so that calls
// meet: they create, change and delete the same users, groups, roles,
// policies and instance profiles, and some fail.
func randomIAMCall(r *rand.Rand) url.Values {
	pick := func(s ...string) string { return s[r.Intn(len(s))] }
	user, group, role, pol := pick("alice", "bob", "Alice"), pick("devs", "ops"), pick("app", "ci"), pick("p1", "p2")
	polARN := pick("arn:aws:iam::123456789012:policy/"+pol, "arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::123456789012:policy/nope")
	doc := pick(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}`)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`
	calls := []url.Values{
		{"Action": {"CreateUser"}, "UserName": {user}},
		{"Action": {"CreateUser"}, "UserName": {user}, "PermissionsBoundary": {polARN}},
		{"Action": {"DeleteUser"}, "UserName": {user}},
		{"Action": {"UpdateUser"}, "UserName": {user}, "NewUserName": {pick("carol", "bob")}},
		{"Action": {"PutUserPolicy"}, "UserName": {user}, "PolicyName": {"in"}, "PolicyDocument": {doc}},
		{"Action": {"DeleteUserPolicy"}, "UserName": {user}, "PolicyName": {"in"}},
		{"Action": {"AttachUserPolicy"}, "UserName": {user}, "PolicyArn": {polARN}},
		{"Action": {"DetachUserPolicy"}, "UserName": {user}, "PolicyArn": {polARN}},
		{"Action": {"TagUser"}, "UserName": {user}, "Tags.member.1.Key": {"team"}, "Tags.member.1.Value": {pick("a", "b")}},
		{"Action": {"CreateGroup"}, "GroupName": {group}},
		{"Action": {"DeleteGroup"}, "GroupName": {group}},
		{"Action": {"AddUserToGroup"}, "UserName": {user}, "GroupName": {group}},
		{"Action": {"RemoveUserFromGroup"}, "UserName": {user}, "GroupName": {group}},
		{"Action": {"PutGroupPolicy"}, "GroupName": {group}, "PolicyName": {"in"}, "PolicyDocument": {doc}},
		{"Action": {"AttachGroupPolicy"}, "GroupName": {group}, "PolicyArn": {polARN}},
		{"Action": {"CreatePolicy"}, "PolicyName": {pol}, "PolicyDocument": {doc}},
		{"Action": {"CreatePolicyVersion"}, "PolicyArn": {polARN}, "PolicyDocument": {doc}, "SetAsDefault": {"true"}},
		{"Action": {"DeletePolicy"}, "PolicyArn": {polARN}},
		{"Action": {"CreateRole"}, "RoleName": {role}, "AssumeRolePolicyDocument": {trust}},
		{"Action": {"PutRolePolicy"}, "RoleName": {role}, "PolicyName": {"in"}, "PolicyDocument": {doc}},
		{"Action": {"DeleteRolePolicy"}, "RoleName": {role}, "PolicyName": {"in"}},
		{"Action": {"AttachRolePolicy"}, "RoleName": {role}, "PolicyArn": {polARN}},
		{"Action": {"PutRolePermissionsBoundary"}, "RoleName": {role}, "PermissionsBoundary": {polARN}},
		{"Action": {"TagRole"}, "RoleName": {role}, "Tags.member.1.Key": {"team"}, "Tags.member.1.Value": {pick("a", "b")}},
		{"Action": {"UpdateRoleDescription"}, "RoleName": {role}, "Description": {pick("x", "y")}},
		{"Action": {"DeleteRole"}, "RoleName": {role}},
		{"Action": {"CreateInstanceProfile"}, "InstanceProfileName": {"ip"}},
		{"Action": {"AddRoleToInstanceProfile"}, "InstanceProfileName": {"ip"}, "RoleName": {role}},
		{"Action": {"RemoveRoleFromInstanceProfile"}, "InstanceProfileName": {"ip"}, "RoleName": {role}},
		{"Action": {"CreateAccountAlias"}, "AccountAlias": {pick("one", "two")}},
	}
	v := calls[r.Intn(len(calls))]
	v.Set("Version", "2010-05-08")
	return v
}

// iamCall sends one IAM call and returns its error code ("" when it worked).
func iamCall(t *testing.T, e *env, body string) string {
	t.Helper()
	req := signed(t, e.ts.URL, body, e.admin, time.Now())
	req.RemoteAddr = "127.0.0.1:4242"
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, req)
	if w.Code == 200 {
		return ""
	}
	var er errorResponse
	if err := xml.Unmarshal(w.Body.Bytes(), &er); err != nil {
		t.Fatalf("%d: %s", w.Code, w.Body)
	}
	return er.Error.Code
}

// generated is what differs between two servers that made the same calls:
// the IDs and times they generate.
var generated = regexp.MustCompile(`"(id|created|updated)":"[^"]*"|A[A-Z]{3}[A-Z2-7]{17}`)

// storedItems is the account's items in the store, without what the
// server generates.
func storedItems(t *testing.T, st store.Store, account string) map[string]string {
	t.Helper()
	out := map[string]string{}
	ctx := context.Background()
	for _, kind := range []store.Kind{store.KindUser, store.KindGroup, store.KindRole, store.KindPolicy, store.KindResource} {
		items, _, err := st.List(ctx, kind, account, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			out[string(kind)+" "+it.Name] = generated.ReplaceAllString(string(it.Data), "")
		}
	}
	it, err := st.Get(ctx, store.Key{Kind: store.KindAccount, Name: account})
	if err != nil {
		t.Fatal(err)
	}
	out["account"] = generated.ReplaceAllString(string(it.Data), "")
	return out
}

// TestUpdateEntitiesAsUpdateAccount is the differential test of
// entity-scoped writes: two servers take the same random IAM calls, one
// changing only the entities each call names (UpdateEntities), the other
// the whole account (as UpdateAccount); every call gets the same answer,
// both stores hold the same items and both worlds decide alike. The
// snapshot a call starts from is never changed by it.
func TestUpdateEntitiesAsUpdateAccount(t *testing.T) {
	part, whole := newEnv(t), newEnv(t)
	whole.srv.State().SetWholeAccounts(true)
	r := rand.New(rand.NewSource(12))
	steps := 400
	if testing.Short() {
		steps = 100
	}
	const account = "123456789012"
	codes := map[string]int{}
	defer func() { t.Logf("answers: %v", codes) }()
	for step := 0; step < steps; step++ {
		body := randomIAMCall(r).Encode()
		fw := part.srv.State().File()
		snap, err := json.Marshal(fw)
		if err != nil {
			t.Fatal(err)
		}
		a, b := iamCall(t, part, body), iamCall(t, whole, body)
		codes[a]++
		if a != b {
			t.Fatalf("step %d %s: entities %q, whole account %q", step, body, a, b)
		}
		if after, _ := json.Marshal(fw); string(after) != string(snap) {
			t.Fatalf("step %d %s: the call changed the snapshot it started from", step, body)
		}
		if step%50 == 49 || step == steps-1 {
			if x, y := storedItems(t, part.st, account), storedItems(t, whole.st, account); !mapsEqual(x, y) {
				t.Fatalf("step %d: stored items differ:\nentities %v\nwhole    %v", step, x, y)
			}
			sameWorldDecisions(t, r, part.srv.State().World(), whole.srv.State().World(), account)
		}
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || v != w {
			return false
		}
	}
	return true
}

// sameWorldDecisions asks both worlds random requests by the account's
// users and roles.
func sameWorldDecisions(t *testing.T, r *rand.Rand, a, b *world.World, account string) {
	t.Helper()
	var principals []string
	for _, acct := range []*world.Account{a.Accounts.Get(account), b.Accounts.Get(account)} {
		for _, u := range acct.Users.All() {
			principals = append(principals, u.ARN())
		}
		for _, ro := range acct.Roles.All() {
			principals = append(principals, ro.ARN())
		}
	}
	slices.Sort(principals)
	principals = slices.Compact(principals)
	resources := []string{"*", "arn:aws:s3:::b/k", "arn:aws:s3:::c/k", "arn:aws:iam::123456789012:role/app", "arn:aws:iam::123456789012:user/alice"}
	actions := []string{"s3:GetObject", "s3:PutObject", "iam:GetUser", "iam:CreateUser", "sts:AssumeRole"}
	for range 100 {
		if len(principals) == 0 {
			return
		}
		p := principals[r.Intn(len(principals))]
		req := world.Request{Action: actions[r.Intn(len(actions))], Resource: resources[r.Intn(len(resources))], Time: time.Now()}
		da, ea := decideIn(a, p, req)
		db, eb := decideIn(b, p, req)
		if da != db || (ea == nil) != (eb == nil) {
			t.Fatalf("%s %s %s: entities %v (%v), whole account %v (%v)", p, req.Action, req.Resource, da, ea, db, eb)
		}
	}
}

func decideIn(w *world.World, principal string, req world.Request) (engine.Decision, error) {
	c, err := w.Caller(principal)
	if err != nil {
		return 0, fmt.Errorf("caller: %w", err)
	}
	req.Caller = c
	q, err := w.Prepare(req)
	if err != nil {
		return 0, err
	}
	return engine.Authorize(q).Decision, nil
}

// TestFollowEntities: two servers on one store take random IAM calls,
// each call on either; each follows the other's changes by reading only
// the items the change feed names. After each batch both hold, file form
// and compiled world, what a fresh load of the store gives, and decide
// alike.
func TestFollowEntities(t *testing.T) {
	path := filepath.Join(t.TempDir(), "iamgate.db")
	open := func() store.Store {
		st, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	one := startEnv(t, open())
	two := startEnv(t, open())
	two.admin = one.admin
	r := rand.New(rand.NewSource(7))
	batches := 8
	if testing.Short() {
		batches = 3
	}
	for batch := 0; batch < batches; batch++ {
		for range 25 {
			e := one
			if r.Intn(2) == 0 {
				e = two
			}
			iamCall(t, e, randomIAMCall(r).Encode())
		}
		var fresh *world.FileWorld
		if err := one.st.View(context.Background(), func(v store.Snapshot) error {
			var err error
			fresh, err = store.LoadFile(context.Background(), v)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		want, err := world.Build("store", fresh)
		if err != nil {
			t.Fatal(err)
		}
		wantFile, _ := json.Marshal(sortedAccounts(fresh))
		wantWorld, _ := json.Marshal(want.ToFile())
		for _, e := range []*env{one, two} {
			within(t, fmt.Sprintf("batch %d: the state as stored", batch), func() error {
				gotFile, _ := json.Marshal(sortedAccounts(e.srv.State().File()))
				gotWorld, _ := json.Marshal(e.srv.State().World().ToFile())
				if string(gotFile) != string(wantFile) {
					return fmt.Errorf("file form:\ngot  %s\nwant %s", gotFile, wantFile)
				}
				if string(gotWorld) != string(wantWorld) {
					return fmt.Errorf("world:\ngot  %s\nwant %s", gotWorld, wantWorld)
				}
				return nil
			})
			sameWorldDecisions(t, r, e.srv.State().World(), want, "123456789012")
		}
	}
}

// sortedAccounts is a world file with its accounts and their entities in
// order, as the store lists them.
func sortedAccounts(fw *world.FileWorld) *world.FileWorld {
	out := &world.FileWorld{Organization: fw.Organization}
	for _, a := range fw.Accounts {
		a.Users = slices.Clone(a.Users)
		slices.SortFunc(a.Users, func(x, y world.FileUser) int { return strings.Compare(x.Name, y.Name) })
		a.Groups = slices.Clone(a.Groups)
		slices.SortFunc(a.Groups, func(x, y world.FileGroup) int { return strings.Compare(x.Name, y.Name) })
		a.Roles = slices.Clone(a.Roles)
		slices.SortFunc(a.Roles, func(x, y world.FileRole) int { return strings.Compare(x.Name, y.Name) })
		a.Policies = slices.Clone(a.Policies)
		slices.SortFunc(a.Policies, func(x, y world.FilePolicy) int { return strings.Compare(x.Name, y.Name) })
		a.Resources = slices.Clone(a.Resources)
		slices.SortFunc(a.Resources, func(x, y world.FileResource) int { return strings.Compare(x.ARN, y.ARN) })
		out.Accounts = append(out.Accounts, a)
	}
	slices.SortFunc(out.Accounts, func(x, y world.FileAccount) int { return strings.Compare(x.ID, y.ID) })
	return out
}
