package console_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// TestBrowserSecurityKey drives Chromium with its virtual authenticator
// (the DevTools protocol's WebAuthn domain: a CTAP2 key on USB with user
// verification, as a YubiKey 5 is) through the console as the seed's
// post does it ("Use YubiKey security key to sign into AWS Management
// Console"): a signed-in user registers the key, signs out, signs in with
// the password and the key, and then has MFA (a page allowed only with
// aws:MultiFactorAuthPresent opens). static/webauthn.js is what talks to
// the authenticator, under the console's CSP.
func TestBrowserSecurityKey(t *testing.T) {
	exe := chromium(t)
	e := newEnv(t)
	e.user("alice", "Alice-Passw0rd", keyPolicy, false)

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(exe),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()))
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	bctx, cancel := context.WithTimeout(bctx, 2*time.Minute)
	defer cancel()
	var (
		mu   sync.Mutex
		errs []string
	)
	listening := make(chan struct{})
	go func() {
		seq := chromedp.Console(bctx)
		close(listening)
		for m, err := range seq {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
				mu.Lock()
				errs = append(errs, m.Text)
				mu.Unlock()
			}
		}
	}()
	<-listening

	// WebAuthn takes a domain name, not an IP address, as the relying
	// party's ID: the console is reached as localhost.
	base := strings.Replace(e.ts.URL, "127.0.0.1", "localhost", 1) + "/console/"
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			html, _ := chromedp.Run(bctx, chromedp.OuterHTML(chromedp.CSS("main")))
			t.Fatalf("%s: %v; the page:\n%s", what, err, html)
		}
	}
	text := func() string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("main")))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	password := func() {
		t.Helper()
		step("password", chromedp.Navigate(base+"signin"), chromedp.WaitVisible(chromedp.ID("account")),
			chromedp.SendKeys(chromedp.ID("account"), account), chromedp.SendKeys(chromedp.ID("username"), "alice"),
			chromedp.SendKeys(chromedp.ID("password"), "Alice-Passw0rd"), chromedp.Click(chromedp.CSS("button.primary")))
	}

	step("open", chromedp.Navigate(base+"signin"), chromedp.WaitVisible(chromedp.ID("account")))
	if _, err := chromedp.Call(bctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	auth, err := chromedp.Call(bctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{Options: &webauthn.VirtualAuthenticatorOptions{
		Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportUsb,
		HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true}})
	if err != nil {
		t.Fatal(err)
	}

	// Without MFA, then registration.
	password()
	step("home", chromedp.WaitVisible(chromedp.ID("who-h")))
	step("security keys", chromedp.Click(chromedp.CSS(`a[href="/console/security-keys"]`)), chromedp.WaitVisible(chromedp.ID("key-name")),
		chromedp.SendKeys(chromedp.ID("key-name"), "yubikey"), chromedp.Click(chromedp.ID("register-key")), chromedp.WaitVisible(chromedp.ID("keys")))
	if s := text(); !strings.Contains(s, "arn:aws:iam::"+account+":u2f/user/alice/yubikey-") {
		t.Fatalf("the registered key is not listed:\n%s", s)
	}
	shot := func(name string) {
		t.Helper()
		dir := os.Getenv(screenshotsEnv)
		if dir == "" {
			dir = t.ArtifactDir()
		}
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	shot("securitykeys")
	creds, err := chromedp.Call(bctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: auth.AuthenticatorID})
	if err != nil || len(creds.Credentials) != 1 || creds.Credentials[0].RpID != "localhost" {
		t.Fatalf("the authenticator's credentials: %+v %v", creds, err)
	}
	step("sign out", chromedp.Click(chromedp.CSS(".who button")), chromedp.WaitVisible(chromedp.ID("account")))

	// Sign-in with the key after the password.
	password()
	step("the key step", chromedp.WaitVisible(chromedp.ID("use-key")))
	shot("securitykey-signin")
	step("the key", chromedp.Click(chromedp.ID("use-key")), chromedp.WaitVisible(chromedp.ID("who-h")))
	if s := text(); !strings.Contains(s, "with an MFA code or security key (aws:MultiFactorAuthPresent true)") {
		t.Fatalf("home after the key:\n%s", s)
	}
	step("a page that needs MFA", chromedp.Navigate(base+"iam"), chromedp.WaitVisible(chromedp.ID("users-h")))
	if s := text(); !strings.Contains(s, "alice") {
		t.Fatalf("ListUsers with MFA:\n%s", s)
	}
	creds, err = chromedp.Call(bctx, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: auth.AuthenticatorID})
	if err != nil || len(creds.Credentials) != 1 || creds.Credentials[0].SignCount < 1 {
		t.Fatalf("the key signed no assertion: %+v %v", creds, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) > 0 {
		t.Errorf("errors in the browser's console: %q", errs)
	}
}
