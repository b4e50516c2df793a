package server_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/iamgate/iamgate/server"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/postgres"
	"github.com/iamgate/iamgate/store/sqlite"
	"github.com/iamgate/iamgate/store/storetest"
)

// The two-servers-one-store suite: two servers, each with its own handle
// on one store (PostgreSQL: its own connection pool and LISTEN connection;
// SQLite: its own connections to one file), talked to over HTTP with
// SigV4 by the AWS SDK. What it proves is what the README promises of a
// shared store: no acknowledged write is lost, and every change (a user, a
// key, a detached policy, a deletion) reaches the other server within
// about a second.
//
// The only timing in it is a correctness deadline (sharedDeadline) for
// the 1 s target: each check polls until it holds or the deadline passes.
// Measured latencies are logged (go test -v -run TestShared) for
// BENCHMARKS.md. IAMGATE_SHARED_HEAVY=1 runs more writers and writes.

// sharedDeadline is how long a change may take to reach the other server
// before the test fails: the target is 1 s; the margin is for a loaded CI
// machine under -race, never a performance claim.
const sharedDeadline = 5 * time.Second

// sharedBackend opens handles on one fresh store.
type sharedBackend struct {
	name string
	// fresh makes a new empty store and returns a function that opens a
	// new handle on it.
	fresh func(t *testing.T) func() store.Store
}

func sharedBackends() []sharedBackend {
	return []sharedBackend{
		{"PostgreSQL", func(t *testing.T) func() store.Store {
			dsn := storetest.FreshSchema(t, storetest.PostgresDSN(t))
			return func() store.Store {
				st, err := postgres.Open(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			}
		}},
		{"SQLite", func(t *testing.T) func() store.Store {
			path := filepath.Join(t.TempDir(), "iamgate.db")
			return func() store.Store {
				st, err := sqlite.Open(context.Background(), path)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			}
		}},
	}
}

// pair is two servers on one store; both know the administrator's key.
type pair struct {
	a, b  *env
	admin aws.Credentials
}

func newPair(t *testing.T, b sharedBackend) *pair {
	open := b.fresh(t)
	one := startEnv(t, open())
	two := startEnv(t, open())
	if two.admin.AccessKeyID != "" {
		t.Fatal("the second server made another administrator key")
	}
	two.admin = one.admin
	return &pair{a: one, b: two, admin: one.admin}
}

// heavy reports whether the longer variant was asked for.
func heavy() bool { return os.Getenv("IAMGATE_SHARED_HEAVY") == "1" }

// within polls check until it returns nil and returns how long that took;
// past sharedDeadline it fails the test with what check last said.
func within(t *testing.T, what string, check func() error) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		err := check()
		if err == nil {
			return time.Since(start)
		}
		if time.Since(start) > sharedDeadline {
			t.Fatalf("%s: not within %v: %v", what, sharedDeadline, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// code is an API error's code ("" for none, the error's text when it is
// not an API error).
func code(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return err.Error()
}

func TestShared(t *testing.T) {
	cases := []struct {
		name string
		fn   func(t *testing.T, p *pair)
	}{
		{"ConcurrentPutUserPolicyOnBothLosesNoAcknowledgedWrite", testSharedPutUserPolicy},
		{"ConcurrentCreateUserOnBothLosesNoAcknowledgedWrite", testSharedCreateUser},
		{"UserCreatedOnOneIsVisibleOnTheOtherWithin1s", testSharedVisibility},
		{"KeyCreatedOnOneIsAcceptedByTheOther", testSharedKeyCreated},
		{"KeyDeactivatedOrDeletedOnOneIsRejectedByTheOtherWithin1s", testSharedKeyRevoked},
		{"AdministratorAccessDetachedOnOneIsNotHonouredByTheOtherWithin1s", testSharedDetach},
		{"DeletedUserDoesNotComeBackAfterAWriteOnTheOther", testSharedDeletedStaysDeleted},
		{"OrganizationWritesOnBothLoseNothing", testSharedOrganizations},
		{"AnalyzerFindingsFollowAChangeMadeOnTheOther", testSharedAnalyzerFindings},
	}
	for _, b := range sharedBackends() {
		t.Run(b.name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) { c.fn(t, newPair(t, b)) })
			}
		})
	}
}

// 40 PutUserPolicy calls on four users of one account, split over both
// servers and made at once: every acknowledged policy is on its user, as
// both servers see it, and a call answered ConcurrentModification (IAM's
// answer when a change keeps meeting others) left nothing. (Four users: a
// user's inline policies may hold 2,048 characters in all, IAM User Guide,
// "IAM and AWS STS quotas".)
func testSharedPutUserPolicy(t *testing.T, p *pair) {
	ctx := context.Background()
	n, workers := 40, 4
	if heavy() {
		n, workers = 400, 8
	}
	users := n / 10
	for u := 0; u < users; u++ {
		must[*iam.CreateUserOutput](t)(p.a.iam(p.admin).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(fmt.Sprintf("target%d", u))}))
	}
	within(t, "the users on the second server", func() error {
		_, err := p.b.iam(p.admin).GetUser(ctx, &iam.GetUserInput{UserName: aws.String(fmt.Sprintf("target%d", users-1))})
		return err
	})
	acked := map[string]bool{}
	refused := 0
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan int)
	go func() {
		for i := 0; i < n; i++ {
			next <- i
		}
		close(next)
	}()
	for w := 0; w < workers; w++ {
		srv := []*env{p.a, p.b}[w%2]
		c := srv.iam(p.admin)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				user, name := fmt.Sprintf("target%d", i%users), fmt.Sprintf("p%03d", i)
				doc := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/%d"}]}`, i)
				_, err := c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(user), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)})
				mu.Lock()
				switch code(err) {
				case "":
					acked[user+"/"+name] = true
				case "ConcurrentModification":
					refused++
				default:
					t.Errorf("PutUserPolicy %s: %v", name, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if refused > 0 {
		// Each server writes the account one call at a time and retries a
		// conflict inside the write transaction: a lost race is re-applied,
		// never refused.
		t.Errorf("%d of %d calls answered ConcurrentModification", refused, n)
	}
	for _, srv := range []*env{p.a, p.b} {
		within(t, "every acknowledged policy on "+srv.ts.URL, func() error {
			got := map[string]bool{}
			for u := 0; u < users; u++ {
				user := fmt.Sprintf("target%d", u)
				out, err := srv.iam(p.admin).ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: aws.String(user), MaxItems: aws.Int32(1000)})
				if err != nil {
					return err
				}
				for _, name := range out.PolicyNames {
					got[user+"/"+name] = true
				}
			}
			return sameSet(got, acked)
		})
	}
}

// sameSet says how got differs from want.
func sameSet(got, want map[string]bool) error {
	var missing, extra []string
	for k := range want {
		if !got[k] {
			missing = append(missing, k)
		}
	}
	for k := range got {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	if len(missing)+len(extra) == 0 {
		return nil
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return fmt.Errorf("%d missing %v, %d not acknowledged %v", len(missing), missing, len(extra), extra)
}

// CreateUser on both servers at once, into one account: the users are
// exactly the acknowledged ones (and the administrator), on both.
func testSharedCreateUser(t *testing.T, p *pair) {
	ctx := context.Background()
	n := 20
	if heavy() {
		n = 200
	}
	acked := map[string]bool{server.AdminUser: true}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w, srv := range []*env{p.a, p.b, p.a, p.b} {
		c := srv.iam(p.admin)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 4 {
				name := "u" + strconv.Itoa(i)
				_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
				mu.Lock()
				switch code(err) {
				case "":
					acked[name] = true
				default: // ConcurrentModification too: see testSharedPutUserPolicy
					t.Errorf("CreateUser %s: %v", name, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for _, srv := range []*env{p.a, p.b} {
		within(t, "every acknowledged user on "+srv.ts.URL, func() error {
			out, err := srv.iam(p.admin).ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(1000)})
			if err != nil {
				return err
			}
			got := map[string]bool{}
			for _, u := range out.Users {
				got[*u.UserName] = true
			}
			return sameSet(got, acked)
		})
	}
}

// A user created on either server is visible on the other within the
// deadline; the latencies are logged.
func testSharedVisibility(t *testing.T, p *pair) {
	ctx := context.Background()
	rounds := 5
	if heavy() {
		rounds = 50
	}
	var took []time.Duration
	for i := 0; i < rounds; i++ {
		from, to := p.a, p.b
		if i%2 == 1 {
			from, to = p.b, p.a
		}
		name := "seen" + strconv.Itoa(i)
		must[*iam.CreateUserOutput](t)(from.iam(p.admin).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}))
		c := to.iam(p.admin)
		took = append(took, within(t, name+" on the other server", func() error {
			_, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(name)})
			return err
		}))
	}
	logLatencies(t, "user visible on the other server", took)
}

func logLatencies(t *testing.T, what string, took []time.Duration) {
	t.Helper()
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	t.Logf("%s: n=%d min %v median %v max %v", what, len(took), took[0].Round(time.Millisecond),
		took[len(took)/2].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond))
}

// adminUser creates a user with AdministratorAccess and an access key on
// server a and returns the key.
func adminUser(t *testing.T, p *pair, name string) aws.Credentials {
	t.Helper()
	ctx := context.Background()
	c := p.a.iam(p.admin)
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}))
	must[*iam.AttachUserPolicyOutput](t)(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(name), PolicyArn: aws.String(server.AdministratorAccess)}))
	k := must[*iam.CreateAccessKeyOutput](t)(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)}))
	return aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}
}

// A key created on server a signs requests to server b.
func testSharedKeyCreated(t *testing.T, p *pair) {
	ctx := context.Background()
	key := adminUser(t, p, "carol")
	took := within(t, "carol's new key on the other server", func() error {
		_, err := p.b.iam(key).ListUsers(ctx, &iam.ListUsersInput{})
		return err
	})
	logLatencies(t, "key created on one server accepted by the other", []time.Duration{took})
}

// A key in use on server b (so in its cache) stops working there within
// the deadline once server a deactivates it; activated again it works
// again; deleted on a, it is rejected by b.
func testSharedKeyRevoked(t *testing.T, p *pair) {
	ctx := context.Background()
	key := adminUser(t, p, "dave")
	onB := p.b.sts(key)
	within(t, "dave's key on the other server", func() error {
		_, err := onB.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	})
	rejected := func() error {
		_, err := onB.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if c := code(err); c != "InvalidClientTokenId" {
			return fmt.Errorf("the key still answers %q", c)
		}
		return nil
	}
	a := p.a.iam(p.admin)
	must[*iam.UpdateAccessKeyOutput](t)(a.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("dave"), AccessKeyId: aws.String(key.AccessKeyID), Status: "Inactive"}))
	deactivated := within(t, "the deactivated key rejected by the other server", rejected)
	must[*iam.UpdateAccessKeyOutput](t)(a.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("dave"), AccessKeyId: aws.String(key.AccessKeyID), Status: "Active"}))
	within(t, "the key activated again on the other server", func() error {
		_, err := onB.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	})
	must[*iam.DeleteAccessKeyOutput](t)(a.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("dave"), AccessKeyId: aws.String(key.AccessKeyID)}))
	deleted := within(t, "the deleted key rejected by the other server", rejected)
	logLatencies(t, "key deactivated or deleted on one server rejected by the other", []time.Duration{deactivated, deleted})
}

// AdministratorAccess detached on server a is no longer honoured by
// server b within the deadline.
func testSharedDetach(t *testing.T, p *pair) {
	ctx := context.Background()
	key := adminUser(t, p, "erin")
	onB := p.b.iam(key)
	within(t, "erin's administrator access on the other server", func() error {
		_, err := onB.ListUsers(ctx, &iam.ListUsersInput{})
		return err
	})
	must[*iam.DetachUserPolicyOutput](t)(p.a.iam(p.admin).DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("erin"), PolicyArn: aws.String(server.AdministratorAccess)}))
	took := within(t, "the detached policy no longer honoured by the other server", func() error {
		_, err := onB.ListUsers(ctx, &iam.ListUsersInput{})
		if c := code(err); c != "AccessDenied" {
			return fmt.Errorf("ListUsers answers %q", c)
		}
		return nil
	})
	logLatencies(t, "policy detached on one server no longer honoured by the other", []time.Duration{took})
}

// A user deleted on server a does not come back when server b, which may
// not have seen the deletion yet, writes to the same account at once.
func testSharedDeletedStaysDeleted(t *testing.T, p *pair) {
	ctx := context.Background()
	a, b := p.a.iam(p.admin), p.b.iam(p.admin)
	rounds := 5
	if heavy() {
		rounds = 50
	}
	for i := 0; i < rounds; i++ {
		ghost, other := fmt.Sprintf("ghost%d", i), fmt.Sprintf("other%d", i)
		must[*iam.CreateUserOutput](t)(a.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(ghost)}))
		within(t, ghost+" on the other server", func() error {
			_, err := b.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(ghost)})
			return err
		})
		must[*iam.DeleteUserOutput](t)(a.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String(ghost)}))
		// No wait: b's copy may still hold the ghost.
		must[*iam.CreateUserOutput](t)(b.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(other)}))
		fa, ok, err := store.LoadAccount(ctx, p.a.st, server.DefaultAccount)
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		for _, u := range fa.Users {
			if u.Name == ghost {
				t.Fatalf("%s came back in the store after a write on the other server", ghost)
			}
		}
		for _, c := range []*iam.Client{a, b} {
			within(t, other+" seen and "+ghost+" gone", func() error {
				if _, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(other)}); err != nil {
					return err
				}
				_, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(ghost)})
				if code(err) != "NoSuchEntity" {
					return fmt.Errorf("GetUser %s: %q", ghost, code(err))
				}
				return nil
			})
		}
	}
}

// The organization created on server a is seen by server b; accounts
// created on both servers at once all end up in it, on both.
func testSharedOrganizations(t *testing.T, p *pair) {
	ctx := context.Background()
	oa, ob := p.a.org(p.admin), p.b.org(p.admin)
	must[*organizations.CreateOrganizationOutput](t)(oa.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	within(t, "the organization on the other server", func() error {
		_, err := ob.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
		return err
	})
	acked := map[string]bool{server.DefaultAccount: true}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w, c := range []*organizations.Client{oa, ob} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 3; i++ {
				name := fmt.Sprintf("team-%d-%d", w, i)
				out, err := c.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String(name + "@example.com"), AccountName: aws.String(name)})
				mu.Lock()
				switch code(err) {
				case "":
					acked[*out.CreateAccountStatus.AccountId] = true
				default:
					t.Errorf("CreateAccount %s: %v", name, err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for _, c := range []*organizations.Client{oa, ob} {
		within(t, "every acknowledged account in the organization", func() error {
			out, err := c.ListAccounts(ctx, &organizations.ListAccountsInput{})
			if err != nil {
				return err
			}
			got := map[string]bool{}
			for _, a := range out.Accounts {
				got[*a.Id] = true
			}
			return sameSet(got, acked)
		})
	}
}

// Three servers started at once on one empty store (replicas deployed
// together): all start, there is one administrator with one key (IAM
// allows a user two: one printed by each replica would soon be more), and
// the key the first start printed works on every server.
func TestSharedFirstStartOnBoth(t *testing.T) {
	for _, b := range sharedBackends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			open := b.fresh(t)
			var srvs [3]*server.Server
			for i := range srvs {
				srv, err := server.New(ctx, server.Config{Store: open(), Master: testMaster})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { srv.Close() })
				srvs[i] = srv
			}
			var boots [3]server.Bootstrap
			var errs [3]error
			var wg sync.WaitGroup
			for i, srv := range srvs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					boots[i], errs[i] = srv.Bootstrap(ctx, "", "")
				}()
			}
			wg.Wait()
			var keys []aws.Credentials
			for i := range srvs {
				if errs[i] != nil {
					t.Fatalf("server %d: first start: %v", i+1, errs[i])
				}
				if k := boots[i].Key; k != nil {
					keys = append(keys, aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret})
				}
			}
			if len(keys) != 1 {
				t.Fatalf("%d first starts printed a key, want exactly one", len(keys))
			}
			stored, err := srvs[0].Keys().ListAccessKeys(ctx, server.DefaultAccount, server.AdminUser)
			if err != nil || len(stored) != 1 {
				t.Fatalf("the administrator has %d keys (%v), want 1", len(stored), err)
			}
			var envs []*env
			for _, srv := range srvs {
				e := &env{t: t, srv: srv, ts: httptestServer(t, srv)}
				envs = append(envs, e)
			}
			for _, e := range envs {
				for _, k := range keys {
					within(t, "the administrator on "+e.ts.URL, func() error {
						out, err := e.iam(k).ListUsers(ctx, &iam.ListUsersInput{})
						if err != nil {
							return err
						}
						var names []string
						for _, u := range out.Users {
							names = append(names, *u.UserName)
						}
						if len(names) != 1 || names[0] != server.AdminUser {
							return fmt.Errorf("users %q, want one %q", names, server.AdminUser)
						}
						return nil
					})
				}
			}
		})
	}
}

func httptestServer(t *testing.T, h http.Handler) *httptest.Server {
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}
