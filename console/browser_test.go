package console_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/iamgate/iamgate/credential"
	"github.com/iamgate/iamgate/world"
)

// ScreenshotsEnv names a directory for the browser test's screenshots
// (default: the test's artifact directory, kept with go test -artifacts).
const screenshotsEnv = "IAMGATE_CONSOLE_SCREENSHOTS"

// chromium finds Debian's Chromium. Without it the browser test skips,
// unless IAMGATE_REQUIRE_CLIENTS=1 (as .ci/run sets), where it fails.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("IAMGATE_REQUIRE_CLIENTS") == "1" {
		t.Fatal("Chromium is not installed (apt-get install -y chromium chromium-driver), and IAMGATE_REQUIRE_CLIENTS=1")
	}
	t.Skip("Chromium is not installed (apt-get install -y chromium chromium-driver)")
	return ""
}

// startChromium starts the browser, headless, with a fresh profile, for
// the test, stopped after timeout or at the test's end.
func startChromium(t *testing.T, exe string, timeout time.Duration) context.Context {
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(exe),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("disable-quic", true), chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	bctx, cancel := context.WithTimeout(bctx, timeout)
	t.Cleanup(cancel)
	return bctx
}

// orgWorld gives the env an organization: the management account (the
// env's), an OU Workloads holding a member account, an SCP attached at the
// root and one at the OU. It returns the member account's ID.
func (e *env) orgWorld() string {
	t := e.t
	ctx := context.Background()
	o := e.orgs()
	must[*organizations.CreateOrganizationOutput](t)(o.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	roots := must[*organizations.ListRootsOutput](t)(o.ListRoots(ctx, &organizations.ListRootsInput{}))
	root := *roots.Roots[0].Id
	must[*organizations.EnablePolicyTypeOutput](t)(o.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: aws.String(root), PolicyType: orgtypes.PolicyTypeServiceControlPolicy}))
	ou := must[*organizations.CreateOrganizationalUnitOutput](t)(o.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String("Workloads")}))
	acct := must[*organizations.CreateAccountOutput](t)(o.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String("prod"), Email: aws.String("prod@example.com")}))
	must[*organizations.MoveAccountOutput](t)(o.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: acct.CreateAccountStatus.AccountId, SourceParentId: aws.String(root),
		DestinationParentId: ou.OrganizationalUnit.Id}))
	for _, p := range []struct{ name, target, content string }{
		{"DenyLeaveOrganization", root, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}`},
		{"RegionGuard", *ou.OrganizationalUnit.Id, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}}]}`},
	} {
		pol := must[*organizations.CreatePolicyOutput](t)(o.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String(p.name), Type: orgtypes.PolicyTypeServiceControlPolicy,
			Content: aws.String(p.content), Description: aws.String(p.name)}))
		must[*organizations.AttachPolicyOutput](t)(o.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: pol.Policy.PolicySummary.Id, TargetId: aws.String(p.target)}))
	}
	return *acct.CreateAccountStatus.AccountId
}

// TestBrowser drives Debian's Chromium, headless, through the console as a
// person would: sign-in with a password and a TOTP code computed from the
// seed CreateVirtualMFADevice returned, every page with a screenshot, the
// keyboard, no JavaScript errors in the browser's console, AccessDenied
// for a user without permission, a sign-out after which the old cookie no
// longer works, and a POST without the CSRF token refused. One browser
// serves the whole test.
func TestBrowser(t *testing.T) {
	exe := chromium(t)
	e := newEnv(t, ownPipeline(t))
	ctx := context.Background()
	e.orgWorld()
	e.user("alice", "Alice-Passw0rd", readOnly, false)
	seed := e.enableMFA("alice")
	e.user("bob", "Bob-Passw0rd1", "", false)
	e.user("carol", "Carol-Passw0rd", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ChangePassword","Resource":"arn:aws:iam::*:user/${aws:username}"}]}`, true)
	c := e.iam()
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("deployer"), Description: aws.String("CI deploys"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:user/alice"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)}))
	pol := must[*iam.CreatePolicyOutput](t)(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("deploy"), Description: aws.String("Upload build artifacts"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Sid":"ReadArtifacts","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::artifacts/*"},{"Sid":"Upload","Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::artifacts/*"}]}`)}))
	must[*iam.AttachRolePolicyOutput](t)(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("deployer"), PolicyArn: pol.Policy.Arn}))
	must[*iam.CreateGroupOutput](t)(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("developers")}))
	must[*iam.AddUserToGroupOutput](t)(c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("developers"), UserName: aws.String("alice")}))
	// For the findings page: alice may read it, and a vendor's account
	// may assume a role with an ExternalId (an external access finding).
	must[*iam.PutUserPolicyOutput](t)(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("findings"), PolicyDocument: aws.String(findingsReader)}))
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("vendor"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x1"}}}]}`)}))

	// For the account page's resources, a bucket alice may read the
	// policy of; for the pipeline page, a submission of hers, rejected.
	e.addResources(account, world.FileResource{ARN: "arn:aws:s3:::artifacts", Policy: world.NewPolicySource([]byte(`{"Version":"2012-10-17","Statement":[{"Sid":"BuildReads","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:role/deployer"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::artifacts/*"}]}`))})
	must[*iam.PutUserPolicyOutput](t)(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("pipeline"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iamgate:SubmitPolicy","iamgate:ListSubmissions","iamgate:GetSubmission","iamgate:GetGuardrails","s3:GetBucketPolicy","cloudtrail:LookupEvents"],"Resource":"*"}]}`)}))
	key, err := e.srv.Keys().CreateAccessKey(ctx, account, "alice")
	if err != nil {
		t.Fatal(err)
	}
	e.submit(aws.Credentials{AccessKeyID: key.ID, SecretAccessKey: key.Secret}, "AllTheThings", []byte("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": \"*\",\n      \"Resource\": \"*\"\n    }\n  ]\n}\n"))

	dir := os.Getenv(screenshotsEnv)
	if dir == "" {
		dir = t.ArtifactDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bctx := startChromium(t, exe, 3*time.Minute)

	// Every message of the browser's console, kept from the start.
	var (
		mu       sync.Mutex
		messages []chromedp.ConsoleMessage
	)
	listening := make(chan struct{})
	go func() {
		seq := chromedp.Console(bctx)
		close(listening)
		for m, err := range seq {
			if err != nil {
				return
			}
			mu.Lock()
			messages = append(messages, m)
			mu.Unlock()
		}
	}()
	<-listening

	base := e.ts.URL + "/console/"
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			// What the browser shows, for the failure.
			loc, _ := chromedp.Run(bctx, chromedp.Location())
			html, _ := chromedp.Run(bctx, chromedp.OuterHTML(chromedp.CSS("main")))
			if png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100)); err == nil {
				if err := os.WriteFile(filepath.Join(dir, "failure.png"), png, 0o644); err != nil {
					t.Logf("screenshot: %v", err)
				}
			}
			t.Fatalf("%s: %v; the browser is at %s:\n%s", what, err, loc, html)
		}
	}
	mainText := func() string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("main")))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	expect := func(page string, wants ...string) {
		t.Helper()
		text := mainText()
		for _, w := range wants {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the page lacks %q:\n%s", page, w, text)
			}
		}
	}
	eval := func(js string) any {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Evaluate[any](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	shots := 0
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
		shots++
		// Every page: no script, every field labelled.
		if n := eval(`document.scripts.length`); n != float64(0) {
			t.Errorf("%s: %v scripts", name, n)
		}
		if ok := eval(`[...document.querySelectorAll('input:not([type=hidden]), textarea, select')].every(el => el.labels && el.labels.length > 0)`); ok != true {
			t.Errorf("%s: a field has no label", name)
		}
	}

	// Sign-in: the console sends the browser to the sign-in page, then to
	// the MFA step, then home.
	step("open the console", chromedp.Navigate(base), chromedp.WaitVisible(chromedp.ID("account")))
	shot("signin")
	step("password", chromedp.SendKeys(chromedp.ID("account"), account), chromedp.SendKeys(chromedp.ID("username"), "alice"),
		chromedp.SendKeys(chromedp.ID("password"), "Alice-Passw0rd"), chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.ID("code")))
	shot("mfa")
	step("MFA code", chromedp.SendKeys(chromedp.ID("code"), code(t, seed, credential.Counter(e.now())+1)), chromedp.Click(chromedp.CSS("button.primary")),
		chromedp.WaitVisible(chromedp.ID("who-h")))
	expect("home", "arn:aws:iam::"+account+":user/alice", "with an MFA code")
	shot("home")

	// The keyboard: the first Tab reaches the skip link, which leads to the
	// content.
	step("tab", chromedp.KeyEvent("\t"))
	if got := eval(`document.activeElement.textContent`); got != "Skip to content" {
		t.Errorf("the first Tab focused %q", got)
	}

	// The organization, by its link in the navigation.
	step("organization", chromedp.Click(chromedp.CSS(`nav a[href="/console/organization"]`)), chromedp.WaitVisible(chromedp.ID("tree-h")))
	expect("organization", "Workloads", "prod", "DenyLeaveOrganization", "RegionGuard", "SCPs inherited", "from Root", "from Workloads", "FullAWSAccess")
	shot("organization")
	step("an SCP", chromedp.Click(chromedp.CSS(`.node.ou a[href*="/console/organization/policies/"]:not([href$="FullAWSAccess"])`)), chromedp.WaitVisible(chromedp.ID("doc-h")))
	expect("SCP", "SERVICE_CONTROL_POLICY", "aws:RequestedRegion")
	shot("scp")

	// The account, its entities and their documents.
	step("IAM", chromedp.Click(chromedp.CSS(`nav a[href="/console/iam"]`)), chromedp.WaitVisible(chromedp.ID("users-h")))
	expect("IAM", "alice", "bob", "admin", "developers", "deployer", "deploy", "Resources", "arn:aws:s3:::artifacts", "BuildReads", "s3:GetBucketPolicy")
	shot("account")
	step("a user", chromedp.Click(chromedp.CSS(`a[href="/console/iam/users/alice"]`)), chromedp.WaitVisible(chromedp.ID("inline-h")))
	expect("user", "developers", "ConsoleRead", "iam:SimulatePrincipalPolicy")
	shot("user")
	step("a role", chromedp.Navigate(base+"iam/roles/deployer"), chromedp.WaitVisible(chromedp.ID("trust-h")))
	expect("role", "aws:MultiFactorAuthPresent", "deploy", "CI deploys")
	shot("role")
	step("a policy", chromedp.Click(chromedp.CSS(`a[href^="/console/iam/policy?arn="]`)), chromedp.WaitVisible(chromedp.ID("doc-h")))
	expect("policy", "Upload build artifacts", "arn:aws:s3:::artifacts/*", "v1")
	shot("policy")
	step("a group", chromedp.Navigate(base+"iam/groups/developers"), chromedp.WaitVisible(chromedp.ID("members-h")))
	expect("group", "alice")
	shot("group")
	step("a list", chromedp.Navigate(base+"iam"), chromedp.WaitVisible(chromedp.ID("roles-h")), chromedp.Click(chromedp.CSS(`#roles-h a`)),
		chromedp.WaitVisible(chromedp.CSS("table")))
	expect("roles", "deployer", "arn:aws:iam::"+account+":role/deployer")
	shot("list")

	// The simulator, filled in as a person would.
	step("simulator", chromedp.Click(chromedp.CSS(`nav a[href="/console/simulator"]`)), chromedp.WaitVisible(chromedp.ID("action")))
	step("a question", chromedp.Clear(chromedp.ID("principal")), chromedp.SendKeys(chromedp.ID("principal"), "arn:aws:iam::"+account+":role/deployer"),
		chromedp.SendKeys(chromedp.ID("action"), "s3:PutObject"), chromedp.SendKeys(chromedp.ID("resource"), "arn:aws:s3:::artifacts/app.zip"),
		chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.ID("result-h")))
	expect("simulator", "Decision: allowed", "Upload", "s3:PutObject", "aws:PrincipalArn")
	if n := eval(`document.querySelectorAll('pre.match').length`); n != float64(1) {
		t.Errorf("simulator: %v statements marked as matching, want 1", n)
	}
	shot("simulator")

	// The findings, and a finding's witness request opened in the
	// simulator by its link.
	step("findings", chromedp.Click(chromedp.CSS(`nav a[href="/console/findings"]`)), chromedp.WaitVisible(chromedp.ID("external-h")))
	expect("findings", "External access", "role/vendor", "arn:aws:iam::210987654321:root", "sts:ExternalId", "Escalation paths", "Unused access")
	shot("findings")
	step("a witness", chromedp.Click(chromedp.CSS(`#external-h ~ table a[href^="/console/simulator?"]`)), chromedp.WaitVisible(chromedp.ID("result-h")))
	expect("witness", "Decision: allowed", "sts:AssumeRole", "role/vendor")
	shot("witness")

	// The pipeline: alice's submission, then its page with the reason
	// under its line.
	step("pipeline", chromedp.Click(chromedp.CSS(`nav a[href="/console/pipeline"]`)), chromedp.WaitVisible(chromedp.ID("subs-h")))
	expect("pipeline", "Submissions for account "+account, "AllTheThings", "rejected", "Guardrails in force", "Version 1")
	shot("pipeline")
	step("a submission", chromedp.Click(chromedp.CSS(`a[href^="/console/pipeline/submissions/"]`)), chromedp.WaitVisible(chromedp.ID("doc-h")))
	expect("submission", "line 6, column 17", "[every-account/no-star-star]", "guardrails version 1")
	if n := eval(`document.querySelectorAll('pre.lines .ln.hl').length`); n != float64(1) {
		t.Errorf("submission: %v lines marked, want 1 (Action)", n)
	}
	shot("submission")

	// The trust graph: built in the background, then drawn (reloaded as
	// the page says until the graph and its escalation marks are in).
	step("trust", chromedp.Click(chromedp.CSS(`nav a[href="/console/trust"]`)), chromedp.WaitVisible(chromedp.CSS("main h1")))
	for i := 0; eval(`!!document.querySelector('svg.trust-graph') && !document.getElementById('trust-escalating') && !document.getElementById('trust-computing')`) != true; i++ {
		if i == 100 {
			t.Fatalf("trust: the graph was not drawn within 20 s:\n%s", mainText())
		}
		step("reload the trust page", chromedp.Sleep(200*time.Millisecond), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
	expect("trust", "Trust")
	shot("trust")

	// The audit log: this session's own calls are in it.
	step("audit", chromedp.Click(chromedp.CSS(`nav a[href="/console/audit"]`)), chromedp.WaitVisible(chromedp.CSS("main h1")))
	expect("audit", "Audit log", "user/alice")
	shot("audit")

	// Sign-out; the old cookie then opens nothing.
	cookies, err := chromedp.Call(bctx, network.GetCookies, network.GetCookiesParams{URLs: []string{base}})
	if err != nil {
		t.Fatal(err)
	}
	var old *network.Cookie
	for _, ck := range cookies.Cookies {
		if ck.Name == "iamgate-console" {
			old = ck
		}
	}
	if old == nil || !old.HTTPOnly || old.SameSite != network.CookieSameSiteStrict {
		t.Fatalf("the session cookie: %+v", old)
	}
	step("sign out", chromedp.Click(chromedp.CSS(".who button")), chromedp.WaitVisible(chromedp.ID("account")))
	if _, err := chromedp.Call(bctx, network.SetCookie, network.SetCookieParams{Name: old.Name, Value: old.Value, URL: base, Path: "/console/",
		HTTPOnly: aws.Bool(true), SameSite: network.CookieSameSiteStrict}); err != nil {
		t.Fatal(err)
	}
	step("the old cookie", chromedp.Navigate(base+"iam"), chromedp.WaitVisible(chromedp.ID("account")))
	if loc, _ := chromedp.Run(bctx, chromedp.Location()); !strings.Contains(loc, "/console/signin") {
		t.Errorf("with the old cookie after sign-out, the browser is at %s", loc)
	}

	// A user without permission sees AccessDenied, with the action and the
	// resource.
	step("bob", chromedp.Navigate(base+"signin"), chromedp.WaitVisible(chromedp.ID("account")),
		chromedp.SendKeys(chromedp.ID("account"), account), chromedp.SendKeys(chromedp.ID("username"), "bob"),
		chromedp.SendKeys(chromedp.ID("password"), "Bob-Passw0rd1"), chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.ID("who-h")))
	denied := base + "iam/users"
	step("bob's denied page", chromedp.Navigate(denied), chromedp.WaitVisible(chromedp.CSS(".denied")))
	expect("denied", "AccessDenied", "iam:ListUsers", "arn:aws:iam::"+account+":user/", "is not authorized to perform")
	shot("denied")

	// A POST without the CSRF token, with bob's cookie, is refused, and
	// bob stays signed in.
	cookies, err = chromedp.Call(bctx, network.GetCookies, network.GetCookiesParams{URLs: []string{base}})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"signout", strings.NewReader(url.Values{}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, ck := range cookies.Cookies {
		req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("a sign-out without the CSRF token: %d", res.StatusCode)
	}
	step("still signed in", chromedp.Navigate(base), chromedp.WaitVisible(chromedp.ID("who-h")))
	step("bob signs out", chromedp.Click(chromedp.CSS(".who button")), chromedp.WaitVisible(chromedp.ID("account")))

	// A password to reset: the change-password step, then the console.
	step("carol", chromedp.SendKeys(chromedp.ID("account"), account), chromedp.SendKeys(chromedp.ID("username"), "carol"),
		chromedp.SendKeys(chromedp.ID("password"), "Carol-Passw0rd"), chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.ID("rules-h")))
	expect("password", "must be changed", "at least 8 characters")
	shot("password")
	step("a new password", chromedp.SendKeys(chromedp.ID("old"), "Carol-Passw0rd"), chromedp.SendKeys(chromedp.ID("new"), "Carol-New-Passw0rd"),
		chromedp.SendKeys(chromedp.ID("confirm"), "Carol-New-Passw0rd"), chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.ID("who-h")))
	expect("home after the new password", "arn:aws:iam::"+account+":user/carol", "without MFA")

	// No JavaScript error, exception or failed load in the browser's
	// console, but the status the denied page answers with.
	mu.Lock()
	defer mu.Unlock()
	for _, m := range messages {
		if m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleException {
			continue
		}
		if m.Source == "network" && m.URL == denied && strings.Contains(m.Text, "403") {
			continue
		}
		t.Errorf("browser console: %s (%s %s)", m, m.Source, m.URL)
	}
	t.Logf("%d screenshots in %s", shots, dir)
}
