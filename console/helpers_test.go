package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/console"
	"github.com/iamgate/iamgate/credential"
	"github.com/iamgate/iamgate/keyring"
	"github.com/iamgate/iamgate/server"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/sqlite"
)

var testMaster = keyring.MasterKey{9, 8, 7, 6, 5, 4, 3, 2, 1, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}

const account = server.DefaultAccount

// signInDelay keeps the tests quick; TestSignInDelay checks the default.
const signInDelay = time.Millisecond

// env is a server with the console mounted, on loopback, with a clock the
// test moves.
type env struct {
	t      testing.TB
	st     store.Store
	srv    *server.Server
	ts     *httptest.Server
	admin  aws.Credentials
	offset *atomic.Int64
	log    *audit.Log
	con    *console.Console
}

func (e *env) now() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }

// advance moves the clock of every server sharing the env's clock.
func (e *env) advance(d time.Duration) { e.offset.Add(int64(d)) }

func newEnv(t testing.TB, opts ...func(*server.Config)) *env {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "iamgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return startEnv(t, st, new(atomic.Int64), opts...)
}

// startEnv starts a server (and its console) on a store, maybe shared with
// another env; opts change the server's configuration.
func startEnv(t testing.TB, st store.Store, offset *atomic.Int64, opts ...func(*server.Config)) *env {
	t.Helper()
	e := &env{t: t, st: st, offset: offset}
	e.log = audit.NewLog(st)
	t.Cleanup(e.log.Close)
	cfg := server.Config{Store: st, Master: testMaster, Audit: e.log, Clock: e.now}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := server.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	boot, err := srv.Bootstrap(context.Background(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if boot.Key != nil {
		e.admin = aws.Credentials{AccessKeyID: boot.Key.ID, SecretAccessKey: boot.Key.Secret}
	}
	con, err := console.New(console.Config{State: srv.State(), Store: st, Audit: e.log, Clock: e.now, SignInDelay: signInDelay, Pipeline: srv})
	if err != nil {
		t.Fatal(err)
	}
	srv.MountConsole(con)
	e.srv, e.con = srv, con
	e.ts = httptest.NewServer(srv)
	t.Cleanup(e.ts.Close)
	return e
}

func provider(c aws.Credentials) aws.CredentialsProviderFunc {
	return func(context.Context) (aws.Credentials, error) { return c, nil }
}

func (e *env) iam() *iam.Client {
	return iam.New(iam.Options{Region: "us-east-1", Credentials: provider(e.admin), BaseEndpoint: aws.String(e.ts.URL), Retryer: aws.NopRetryer{}})
}

func (e *env) orgs() *organizations.Client {
	return organizations.New(organizations.Options{Region: "us-east-1", Credentials: provider(e.admin), BaseEndpoint: aws.String(e.ts.URL), Retryer: aws.NopRetryer{}})
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// readOnly is what the console's pages need, and no more.
const readOnly = `{"Version":"2012-10-17","Statement":[{"Sid":"ConsoleRead","Effect":"Allow","Action":["iam:Get*","iam:List*","organizations:Describe*","organizations:List*","iam:SimulatePrincipalPolicy"],"Resource":"*"}]}`

// user makes an IAM user with a console password and, when policy is not
// "", an inline policy.
func (e *env) user(name, password, policy string, reset bool) {
	t := e.t
	t.Helper()
	ctx := context.Background()
	c := e.iam()
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}))
	must[*iam.CreateLoginProfileOutput](t)(c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String(name), Password: aws.String(password), PasswordResetRequired: reset}))
	if policy != "" {
		must[*iam.PutUserPolicyOutput](t)(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("console"), PolicyDocument: aws.String(policy)}))
	}
}

// enableMFA gives a user a virtual MFA device, enabled with two consecutive
// codes computed from the seed CreateVirtualMFADevice returned, as an
// authenticator application would; it returns the seed.
func (e *env) enableMFA(user string) string {
	t := e.t
	t.Helper()
	ctx := context.Background()
	c := e.iam()
	dev := must[*iam.CreateVirtualMFADeviceOutput](t)(c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(user + "-phone")}))
	serial, seed := *dev.VirtualMFADevice.SerialNumber, string(dev.VirtualMFADevice.Base32StringSeed)
	n := credential.Counter(e.now())
	must[*iam.EnableMFADeviceOutput](t)(c.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String(user), SerialNumber: aws.String(serial),
		AuthenticationCode1: aws.String(code(t, seed, n-1)), AuthenticationCode2: aws.String(code(t, seed, n))}))
	return seed
}

func code(t testing.TB, seed string, counter int64) string {
	t.Helper()
	c, err := credential.Code(seed, counter)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// browser is an HTTP client with cookies, that does not follow redirects.
type browser struct {
	t    testing.TB
	base string
	c    *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, base: e.ts.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// on is the same browser's cookies, against another server.
func (b *browser) on(e *env) *browser {
	u, _ := url.Parse(b.base + "/console/")
	jar, _ := cookiejar.New(nil)
	v, _ := url.Parse(e.ts.URL + "/console/")
	jar.SetCookies(v, b.c.Jar.Cookies(u))
	return &browser{t: b.t, base: e.ts.URL, c: &http.Client{Jar: jar, CheckRedirect: b.c.CheckRedirect}}
}

type response struct {
	status   int
	body     string
	location string
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return response{status: res.StatusCode, body: string(body), location: res.Header.Get("Location")}
}

func (b *browser) get(path string) response {
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) response {
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// token is the CSRF token of the page at path.
func (b *browser) token(path string) string {
	b.t.Helper()
	r := b.get(path)
	m := csrfField.FindStringSubmatch(r.body)
	if m == nil {
		b.t.Fatalf("GET %s (%d): no CSRF token in %s", path, r.status, r.body)
	}
	return m[1]
}

// signIn posts the sign-in form.
func (b *browser) signIn(acct, user, password string) response {
	b.t.Helper()
	return b.post("/console/signin", url.Values{"csrf": {b.token("/console/signin")}, "account": {acct}, "username": {user}, "password": {password}})
}

// signedIn signs in with a password (and a code when seed is not "") and
// checks that the console home follows.
func (b *browser) signedIn(e *env, user, password, seed string) {
	b.t.Helper()
	r := b.signIn(account, user, password)
	if seed != "" {
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/console/signin/mfa") {
			b.t.Fatalf("sign-in of %s: %d %s, want the MFA step", user, r.status, r.location)
		}
		r = b.post("/console/signin/mfa", url.Values{"csrf": {b.token(r.location)}, "code": {code(b.t, seed, credential.Counter(e.now())+1)}})
	}
	if r.status != http.StatusSeeOther || r.location != "/console/" {
		b.t.Fatalf("sign-in of %s: %d %s %s", user, r.status, r.location, r.body)
	}
	if h := b.get("/console/"); h.status != http.StatusOK || !strings.Contains(h.body, "Who you are") {
		b.t.Fatalf("home after sign-in: %d %s", h.status, h.body)
	}
}
