package console_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/internal/orggen"
	"github.com/iamgate/iamgate/world"
)

// trustBrowserEnv turns on TestTrustGraphBrowser; it names the generated
// organization's preset (tiny, small, medium, full). Not in CI.
const trustBrowserEnv = "IAMGATE_TRUST_BROWSER"

// TestTrustGraphBrowser measures the trust page in Chromium on a generated
// organization (internal/orggen) whose management account is the env's:
// the time to paint the page the first time (the graph built: who-can on
// every role, external access, the escalation search), again from the
// cache, and to answer a filter, each from the navigation's start to the
// graph (or the filtered table) visible. BENCHMARKS.md has the figures.
func TestTrustGraphBrowser(t *testing.T) {
	preset := os.Getenv(trustBrowserEnv)
	if preset == "" {
		t.Skip(trustBrowserEnv + " is not set (tiny, small, medium or full)")
	}
	cfg, ok := orggen.Preset(preset)
	if !ok {
		t.Fatalf("%s=%q: want tiny, small, medium or full", trustBrowserEnv, preset)
	}
	exe := chromium(t)
	e := newEnv(t)
	e.user("alice", "Alice-Passw0rd", readOnly, false)
	start := time.Now()
	gen := orggen.Generate(cfg)
	if err := e.srv.State().UpdateWorld(context.Background(), func(fw *world.FileWorld) *query.Error {
		for _, a := range fw.Accounts {
			if a.ID == account {
				gen.Accounts = append(gen.Accounts, a)
			}
		}
		gen.Organization.ManagementAccount = account
		gen.Organization.Root.Accounts = append(gen.Organization.Root.Accounts, account)
		*fw = *gen
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	t.Logf("world stored in %v", time.Since(start))

	bctx := startChromium(t, exe, 30*time.Minute)
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) time.Duration {
		t.Helper()
		start := time.Now()
		if err := chromedp.Do(bctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return time.Since(start)
	}
	base := e.ts.URL + "/console/"
	do("sign in", chromedp.Navigate(base), chromedp.WaitVisible(chromedp.ID("account")),
		chromedp.SendKeys(chromedp.ID("account"), account), chromedp.SendKeys(chromedp.ID("username"), "alice"),
		chromedp.SendKeys(chromedp.ID("password"), "Alice-Passw0rd"), chromedp.Click(chromedp.CSS("button.primary")), chromedp.WaitVisible(chromedp.ID("who-h")))
	graph := chromedp.WaitVisible(chromedp.CSS("svg.trust-graph"))
	first := do("the trust page", chromedp.Navigate(base+"trust"), graph)
	if dir := os.Getenv(screenshotsEnv); dir != "" {
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "trust-"+preset+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	again := do("the trust page again", chromedp.Navigate(base+"trust"), graph)
	filter := do("a filter", chromedp.SetValue(chromedp.ID("trust-q"), "externalid"), chromedp.Submit(chromedp.ID("trust-q")),
		chromedp.WaitVisible(chromedp.CSS("main h2:nth-of-type(2)")))
	size, err := chromedp.Run(bctx, chromedp.Evaluate[float64](`document.documentElement.outerHTML.length`))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s (%d accounts, %d roles): first paint %v (graph built), again %v (cached), filter externalid %v; filtered page %.0f characters",
		preset, cfg.Accounts, cfg.Roles, first.Round(time.Millisecond), again.Round(time.Millisecond), filter.Round(time.Millisecond), size)
}
