package console_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/console"
	"github.com/iamgate/iamgate/credential"
)

const errSignIn = "Your authentication information is incorrect. Please try again."

// TestSignInNoEnumeration: a wrong account, a user that does not exist, a
// user without a console password and a wrong password all get the same
// answer, so that sign-in tells no one which users exist.
func TestSignInNoEnumeration(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "Alice-Passw0rd", "", false)
	must[*iam.CreateUserOutput](t)(e.iam().CreateUser(context.Background(), &iam.CreateUserInput{UserName: aws.String("nopassword")}))
	var first string
	for _, c := range []struct{ name, acct, user, pw string }{
		{"wrong account", "999999999999", "alice", "Alice-Passw0rd"},
		{"unknown alias", "no-such-alias", "alice", "Alice-Passw0rd"},
		{"no such user", account, "mallory", "Alice-Passw0rd"},
		{"no console password", account, "nopassword", "Alice-Passw0rd"},
		{"wrong password", account, "alice", "Alice-Passw0rd!"},
		{"user name of another case", account, "Alice", "Alice-Passw0rd"},
	} {
		r := e.browser().signIn(c.acct, c.user, c.pw)
		if r.status != http.StatusUnauthorized || !strings.Contains(r.body, errSignIn) || strings.Contains(r.body, "Set-Cookie") {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
		}
		// The pages differ only in the names typed in, which they show again.
		page := strings.NewReplacer(c.acct, "ACCOUNT", c.user, "USER").Replace(csrfField.ReplaceAllString(r.body, ""))
		if first == "" {
			first = page
		} else if page != first {
			t.Errorf("%s: the answer differs from the first one's", c.name)
		}
	}
	if r := e.browser().signIn(account, "alice", "Alice-Passw0rd"); r.status != http.StatusSeeOther || r.location != "/console/" {
		t.Fatalf("the right password: %d %s", r.status, r.location)
	}
}

// TestSignInAlias: an account alias names the account, as on AWS's
// sign-in page.
func TestSignInAlias(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "Alice-Passw0rd", "", false)
	must[*iam.CreateAccountAliasOutput](t)(e.iam().CreateAccountAlias(context.Background(), &iam.CreateAccountAliasInput{AccountAlias: aws.String("example-prod")}))
	if r := e.browser().signIn("example-prod", "alice", "Alice-Passw0rd"); r.status != http.StatusSeeOther || r.location != "/console/" {
		t.Fatalf("sign-in by alias: %d %s %s", r.status, r.location, r.body)
	}
}

// TestSignInHeldBack: after five failures in a row a user's sign-ins wait,
// doubling; meanwhile even the right password gets the same answer as a
// wrong one. A success clears the count.
func TestSignInHeldBack(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "Alice-Passw0rd", "", false)
	b := e.browser()
	for range 5 {
		if r := b.signIn(account, "alice", "guess"); r.status != http.StatusUnauthorized {
			t.Fatalf("a wrong password: %d", r.status)
		}
	}
	// The fifth failure holds sign-ins back for a second.
	if r := b.signIn(account, "alice", "Alice-Passw0rd"); r.status != http.StatusUnauthorized || !strings.Contains(r.body, errSignIn) {
		t.Fatalf("held back, the right password: %d", r.status)
	}
	e.advance(1100 * time.Millisecond)
	if r := b.signIn(account, "alice", "guess"); r.status != http.StatusUnauthorized {
		t.Fatal(r.status)
	}
	// The sixth failure: two seconds.
	e.advance(1100 * time.Millisecond)
	if r := b.signIn(account, "alice", "Alice-Passw0rd"); r.status != http.StatusUnauthorized {
		t.Fatalf("held back two seconds after the sixth failure, the right password was taken: %d", r.status)
	}
	e.advance(time.Second)
	if r := b.signIn(account, "alice", "Alice-Passw0rd"); r.status != http.StatusSeeOther {
		t.Fatalf("after the wait, the right password: %d %s", r.status, r.body)
	}
	// The count was cleared: five more failures are free again.
	c := e.browser()
	for range 4 {
		c.signIn(account, "alice", "guess")
	}
	if r := c.signIn(account, "alice", "Alice-Passw0rd"); r.status != http.StatusSeeOther {
		t.Fatalf("after a success and four failures: %d", r.status)
	}
}

// TestMFASignIn: a user with an enabled virtual MFA device gives a TOTP
// code after the password; a code is taken once, and a wrong one gets the
// sign-in's one answer. The session then carries
// aws:MultiFactorAuthPresent, which a policy can require.
func TestMFASignIn(t *testing.T) {
	e := newEnv(t)
	mfaOnly := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`
	e.user("alice", "Alice-Passw0rd", mfaOnly, false)
	seed := e.enableMFA("alice")
	b := e.browser()
	r := b.signIn(account, "alice", "Alice-Passw0rd")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/console/signin/mfa") {
		t.Fatalf("after the password: %d %s", r.status, r.location)
	}
	// Pages wait for the code.
	if p := b.get("/console/iam"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/console/signin") {
		t.Fatalf("a page before the code: %d %s", p.status, p.location)
	}
	tok := b.token("/console/signin/mfa")
	if w := b.post("/console/signin/mfa", url.Values{"csrf": {tok}, "code": {"000000"}}); w.status != http.StatusUnauthorized || !strings.Contains(w.body, errSignIn) {
		if code(t, seed, credential.Counter(e.now())) != "000000" {
			t.Fatalf("a wrong code: %d", w.status)
		}
	}
	good := code(t, seed, credential.Counter(e.now())+1)
	if w := b.post("/console/signin/mfa", url.Values{"csrf": {tok}, "code": {good}}); w.status != http.StatusSeeOther || w.location != "/console/" {
		t.Fatalf("the right code: %d %s %s", w.status, w.location, w.body)
	}
	if p := b.get("/console/iam"); p.status != http.StatusOK || !strings.Contains(p.body, "alice") {
		t.Fatalf("ListUsers with MFA: %d %s", p.status, p.body)
	}
	// The same code again, in another sign-in, is refused.
	c := e.browser()
	r = c.signIn(account, "alice", "Alice-Passw0rd")
	if w := c.post("/console/signin/mfa", url.Values{"csrf": {c.token(r.location)}, "code": {good}}); w.status != http.StatusUnauthorized {
		t.Fatalf("a code used twice: %d %s", w.status, w.location)
	}
}

// TestMFAAbsentIsFalse: a console session without MFA has
// aws:MultiFactorAuthPresent false, so a Deny on false applies.
func TestMFAAbsentIsFalse(t *testing.T) {
	e := newEnv(t)
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"},` +
		`{"Effect":"Deny","Action":"iam:ListUsers","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}]}`
	e.user("bob", "Bob-Passw0rd1", deny, false)
	b := e.browser()
	b.signedIn(e, "bob", "Bob-Passw0rd1", "")
	p := b.get("/console/iam/users")
	if p.status != http.StatusForbidden || !strings.Contains(p.body, "AccessDenied") || !strings.Contains(p.body, "explicit deny") {
		t.Fatalf("ListUsers without MFA under a Deny on false: %d %s", p.status, p.body)
	}
}

// TestPasswordResetRequired: a password with PasswordResetRequired leads to
// the change-password step, which applies the account's password policy
// with IAM's ChangePassword, and names the rules a refused password breaks.
func TestPasswordResetRequired(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	must[*iam.UpdateAccountPasswordPolicyOutput](t)(e.iam().UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{
		MinimumPasswordLength: aws.Int32(10), RequireNumbers: true, AllowUsersToChangePassword: true, PasswordReusePrevention: aws.Int32(2)}))
	e.user("carol", "Carol-Passw0rd", "", true)
	b := e.browser()
	r := b.signIn(account, "carol", "Carol-Passw0rd")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/console/signin/password") {
		t.Fatalf("a password to reset: %d %s", r.status, r.location)
	}
	form := b.get(r.location)
	if !strings.Contains(form.body, "at least 10 characters") || !strings.Contains(form.body, "a number (0 to 9)") {
		t.Fatalf("the form does not show the policy: %s", form.body)
	}
	tok := csrfField.FindStringSubmatch(form.body)[1]
	change := func(old, nw string) response {
		return b.post("/console/signin/password", url.Values{"csrf": {tok}, "old": {old}, "new": {nw}, "confirm": {nw}})
	}
	if w := change("Carol-Passw0rd", "short1"); w.status != http.StatusBadRequest || !strings.Contains(w.body, "Password does not conform to the account password policy.") ||
		!strings.Contains(w.body, "at least 10 characters") {
		t.Fatalf("a short password: %d %s", w.status, w.body)
	}
	if w := change("Carol-Passw0rd", "Carol-Passw0rd"); w.status != http.StatusBadRequest || !strings.Contains(w.body, "not one of your previous passwords") {
		t.Fatalf("the same password again: %d %s", w.status, w.body)
	}
	if w := change("wrong-old-1", "Carol-New-Passw0rd"); w.status != http.StatusBadRequest || !strings.Contains(w.body, "The old password is incorrect.") {
		t.Fatalf("a wrong old password: %d %s", w.status, w.body)
	}
	if w := change("Carol-Passw0rd", "Carol-New-Passw0rd"); w.status != http.StatusSeeOther || w.location != "/console/" {
		t.Fatalf("a good new password: %d %s %s", w.status, w.location, w.body)
	}
	// The new password signs in straight into the console.
	e.browser().signedIn(e, "carol", "Carol-New-Passw0rd", "")
}

// TestPasswordExpired: a password older than MaxPasswordAge must be
// changed; with HardExpiry it cannot be, and sign-in is refused (the
// botocore model, PasswordPolicy.HardExpiry).
func TestPasswordExpired(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.user("dave", "Dave-Passw0rd", "", false)
	must[*iam.UpdateAccountPasswordPolicyOutput](t)(e.iam().UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MaxPasswordAge: aws.Int32(30), AllowUsersToChangePassword: true}))
	const month = 31 * 24 * time.Hour
	e.advance(month)
	if r := e.browser().signIn(account, "dave", "Dave-Passw0rd"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/console/signin/password") {
		t.Fatalf("an expired password: %d %s", r.status, r.location)
	}
	e.advance(-month) // the SDK signs with the real time
	must[*iam.UpdateAccountPasswordPolicyOutput](t)(e.iam().UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MaxPasswordAge: aws.Int32(30), HardExpiry: aws.Bool(true)}))
	e.advance(month)
	if r := e.browser().signIn(account, "dave", "Dave-Passw0rd"); r.status != http.StatusForbidden || !strings.Contains(r.body, "administrator") {
		t.Fatalf("a hard-expired password: %d %s", r.status, r.body)
	}
}

// TestCSRF: every form that changes something carries the session's token;
// a POST without it, or from another origin, is refused and changes
// nothing.
func TestCSRF(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "Alice-Passw0rd", readOnly, false)
	if r := e.browser().post("/console/signin", url.Values{"account": {account}, "username": {"alice"}, "password": {"Alice-Passw0rd"}}); r.status != http.StatusForbidden {
		t.Fatalf("sign-in without the token: %d", r.status)
	}
	b := e.browser()
	b.signedIn(e, "alice", "Alice-Passw0rd", "")
	if r := b.post("/console/signout", url.Values{}); r.status != http.StatusForbidden {
		t.Fatalf("sign-out without the token: %d", r.status)
	}
	// The token with its first character changed (to one it is not: a
	// token that began with "x" was its own "wrong" token, 1 run in 64).
	tok := b.token("/console/")
	wrong := "x" + tok[1:]
	if tok[0] == 'x' {
		wrong = "y" + tok[1:]
	}
	if r := b.post("/console/signout", url.Values{"csrf": {wrong}}); r.status != http.StatusForbidden {
		t.Fatalf("sign-out with a wrong token: %d", r.status)
	}
	req, _ := http.NewRequest(http.MethodPost, b.base+"/console/signout", strings.NewReader(url.Values{"csrf": {b.token("/console/")}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if r := b.do(req); r.status != http.StatusForbidden {
		t.Fatalf("a POST from another origin: %d", r.status)
	}
	if r := b.get("/console/"); r.status != http.StatusOK {
		t.Fatalf("the session ended after refused sign-outs: %d", r.status)
	}
	if r := b.post("/console/signout", url.Values{"csrf": {b.token("/console/")}}); r.status != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", r.status)
	}
}

// TestSessionsShared: two servers sharing a store share sessions: a session
// made on one works on the other, a sign-out on one ends it on both, and
// the idle timeout holds on both.
func TestSessionsShared(t *testing.T) {
	a := newEnv(t)
	b := startEnv(t, a.st, a.offset)
	a.user("alice", "Alice-Passw0rd", readOnly, false)
	for i := 0; b.srv.State().World().Accounts.Get(account).Users.Get("alice") == nil; i++ {
		if i == 500 {
			t.Fatal("the other server never saw alice")
		}
		time.Sleep(10 * time.Millisecond)
	}
	onA := a.browser()
	onA.signedIn(a, "alice", "Alice-Passw0rd", "")
	onB := onA.on(b)
	if r := onB.get("/console/"); r.status != http.StatusOK {
		t.Fatalf("the session on the other server: %d %s", r.status, r.location)
	}
	// Idle: 14 minutes is within the timeout; a request keeps it alive.
	a.advance(14 * time.Minute)
	if r := onB.get("/console/"); r.status != http.StatusOK {
		t.Fatalf("after 14 idle minutes: %d", r.status)
	}
	a.advance(14 * time.Minute)
	if r := onA.get("/console/"); r.status != http.StatusOK {
		t.Fatalf("14 minutes after the last request: %d", r.status)
	}
	a.advance(16 * time.Minute)
	if r := onB.get("/console/iam"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/console/signin") {
		t.Fatalf("after 16 idle minutes: %d %s", r.status, r.location)
	}
	// Sign-out on A ends the session on B.
	onA = a.browser()
	onA.signedIn(a, "alice", "Alice-Passw0rd", "")
	onB = onA.on(b)
	if r := onA.post("/console/signout", url.Values{"csrf": {onA.token("/console/")}}); r.status != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", r.status)
	}
	if r := onB.get("/console/"); r.status != http.StatusSeeOther {
		t.Fatalf("the signed-out session on the other server: %d", r.status)
	}
	// The store keeps no session ID, only its hash.
	items, _, err := a.st.List(context.Background(), "consolesession", "", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, ck := range onB.c.Jar.Cookies(mustURL(b.ts.URL + "/console/")) {
		for _, it := range items {
			if strings.Contains(it.Name, ck.Value) || strings.Contains(string(it.Data), ck.Value) {
				t.Fatalf("the store holds a session ID")
			}
		}
	}
}

func mustURL(s string) *url.URL { u, _ := url.Parse(s); return u }

// TestDeniedPage: a user whose policies allow nothing sees AWS's
// AccessDenied with the action and resource, and each call is in the audit
// log as an API call is.
func TestDeniedPage(t *testing.T) {
	e := newEnv(t)
	e.user("bob", "Bob-Passw0rd1", "", false)
	b := e.browser()
	b.signedIn(e, "bob", "Bob-Passw0rd1", "")
	r := b.get("/console/iam/users")
	want := "User: arn:aws:iam::" + account + ":user/bob is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::" + account + ":user/ because no identity-based policy allows the iam:ListUsers action"
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "AccessDenied") || !strings.Contains(r.body, want) {
		t.Fatalf("ListUsers denied: %d %s", r.status, r.body)
	}
	for _, path := range []string{"/console/iam", "/console/iam/roles/x", "/console/simulator?action=s3:GetObject"} {
		if r := b.get(path); r.status != http.StatusForbidden || !strings.Contains(r.body, "AccessDenied") {
			t.Errorf("%s: %d %s", path, r.status, r.body)
		}
	}
	entries, err := e.srv.State().AuditLog(context.Background(), auditFilter("arn:aws:iam::"+account+":user/bob", "ListUsers"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 || entries[0].Outcome != "AccessDenied" || len(entries[0].Decisions) != 1 || entries[0].Decisions[0].Action != "iam:ListUsers" {
		t.Fatalf("audit entries of bob's ListUsers: %+v", entries)
	}
	logins, _ := e.srv.State().AuditLog(context.Background(), auditFilter("arn:aws:iam::"+account+":user/bob", "ConsoleLogin"))
	if len(logins) != 1 || logins[0].Outcome != "OK" || logins[0].Service != "signin" {
		t.Fatalf("the ConsoleLogin event: %+v", logins)
	}
}

// TestPages: the pages of a user allowed to read show what the APIs
// return.
func TestPages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.user("alice", "Alice-Passw0rd", readOnly, false)
	c := e.iam()
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("deployer"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"sts:AssumeRole"}]}`)}))
	pol := must[*iam.CreatePolicyOutput](t)(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("deploy"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"Deploy","Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::artifacts/*"}]}`)}))
	must[*iam.AttachRolePolicyOutput](t)(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("deployer"), PolicyArn: pol.Policy.Arn}))
	b := e.browser()
	b.signedIn(e, "alice", "Alice-Passw0rd", "")
	for path, wants := range map[string][]string{
		"/console/iam":                {"alice", "deployer", "deploy", "admin"},
		"/console/iam/users/alice":    {"ConsoleRead", "iam:SimulatePrincipalPolicy", `href="/console/security-keys?user=alice"`},
		"/console/iam/roles/deployer": {"sts:AssumeRole", "deploy"},
		"/console/iam/policy?arn=" + url.QueryEscape(*pol.Policy.Arn): {"arn:aws:s3:::artifacts/*", "v1"},
		"/console/organization": {"not a member of an organization"},
		"/console/simulator?principal=" + url.QueryEscape("arn:aws:iam::"+account+":role/deployer") + "&action=s3:PutObject&resource=" + url.QueryEscape("arn:aws:s3:::artifacts/app.zip"): {
			"allowed", "Deploy", "the statement that matched"},
	} {
		r := b.get(path)
		if r.status != http.StatusOK {
			t.Errorf("%s: %d %s", path, r.status, r.body)
			continue
		}
		for _, w := range wants {
			if !strings.Contains(r.body, w) {
				t.Errorf("%s lacks %q", path, w)
			}
		}
	}
}

func auditFilter(caller, op string) audit.Filter {
	return audit.Filter{Caller: caller, Operation: op, Until: time.Now().Add(time.Hour)}
}

// TestFirstPassword: the administrator of a first start gets a console
// password that the first sign-in changes.
func TestFirstPassword(t *testing.T) {
	e := newEnv(t)
	pw, err := e.con.FirstPassword(context.Background(), account, "admin")
	if err != nil {
		t.Fatal(err)
	}
	if err := credential.Check(nil, credential.DefaultPolicy{}, pw); err != nil {
		t.Fatalf("the first password %q: %v", pw, err)
	}
	b := e.browser()
	r := b.signIn(account, "admin", pw)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/console/signin/password") {
		t.Fatalf("the first sign-in: %d %s", r.status, r.location)
	}
	if _, err := e.con.FirstPassword(context.Background(), account, "admin"); err == nil || !strings.Contains(err.Error(), "EntityAlreadyExists") {
		t.Fatalf("a second first password: %v", err)
	}
}

// TestSignInDelay: with the default delay, a refused sign-in is answered
// no sooner than DefaultSignInDelay after it arrived, whichever part was
// wrong. (A lower bound the code enforces, not a measured speed.)
func TestSignInDelay(t *testing.T) {
	e := newEnv(t)
	con, err := console.New(console.Config{State: e.srv.State(), Store: e.st})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.MountConsole(con)
	e.user("alice", "Alice-Passw0rd", "", false)
	for _, user := range []string{"alice", "mallory"} {
		start := time.Now()
		if r := e.browser().signIn(account, user, "wrong"); r.status != http.StatusUnauthorized {
			t.Fatalf("%s: %d", user, r.status)
		}
		if took := time.Since(start); took < console.DefaultSignInDelay {
			t.Errorf("%s: refused after %s, before the delay of %s", user, took, console.DefaultSignInDelay)
		}
	}
}

// TestNextStaysInConsole: after sign-in the browser goes where it was
// going, but only to a console page, never to another site.
func TestNextStaysInConsole(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "Alice-Passw0rd", readOnly, false)
	for next, want := range map[string]string{
		"/console/iam/users":            "/console/iam/users",
		"//evil.example/":               "/console/",
		"https://evil.example/console/": "/console/",
		"/console/\\evil":               "/console/",
		"/other":                        "/console/",
	} {
		b := e.browser()
		r := b.post("/console/signin", url.Values{"csrf": {b.token("/console/signin")}, "account": {account}, "username": {"alice"}, "password": {"Alice-Passw0rd"}, "next": {next}})
		if r.status != http.StatusSeeOther || r.location != want {
			t.Errorf("next %q: %d %s, want %s", next, r.status, r.location, want)
		}
	}
}

// TestCookies: the session cookie is HttpOnly and SameSite=Strict, and
// Secure under TLS; it holds 32 random bytes.
func TestCookies(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "Alice-Passw0rd", readOnly, false)
	tls := httptest.NewTLSServer(e.srv)
	defer tls.Close()
	for _, c := range []struct {
		base   string
		client *http.Client
		secure bool
	}{{e.ts.URL, e.ts.Client(), false}, {tls.URL, tls.Client(), true}} {
		b := &browser{t: t, base: c.base, c: c.client}
		jar, _ := cookiejar.New(nil)
		b.c.Jar = jar
		b.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		tok := b.token("/console/signin")
		req, _ := http.NewRequest(http.MethodPost, c.base+"/console/signin", strings.NewReader(url.Values{"csrf": {tok}, "account": {account}, "username": {"alice"}, "password": {"Alice-Passw0rd"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		var session *http.Cookie
		for _, ck := range res.Cookies() {
			if ck.Name == "iamgate-console" && ck.Value != "" {
				session = ck
			}
		}
		if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.Secure != c.secure || session.Path != "/console/" || len(session.Value) != 43 {
			t.Errorf("%s: the session cookie %+v", c.base, session)
		}
	}
}
