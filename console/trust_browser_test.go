package console_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/console"
	"github.com/iamgate/iamgate/internal/orggen"
	"github.com/iamgate/iamgate/world"
)

// trustBrowserEnv turns on TestTrustGraphBrowser; it names the generated
// organization's preset (tiny, small, medium, full). Not in CI.
const trustBrowserEnv = "IAMGATE_TRUST_BROWSER"

// TestTrustGraphBrowser measures the trust page in Chromium on a generated
// organization (internal/orggen) whose management account is the env's:
// the time to paint the page the first time (the graph being built in the
// background: the note and the accounts), the build (who-can on every
// role, external access, the escalation search; waited for through the
// test hook), the page of the built graph (the best of two), and to answer
// filters, each from the navigation's start to the graph (or the filtered
// table) visible. BENCHMARKS.md has the figures.
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
	// The first page does not wait for the build: the note and the
	// accounts' table; the build is waited for through the test hook.
	first := do("the trust page, being computed", chromedp.Navigate(base+"trust"), chromedp.WaitVisible(chromedp.ID("trust-computing")))
	start = time.Now()
	console.WaitTrust(e.con)
	built := time.Since(start)
	again := do("the trust page, built", chromedp.Navigate(base+"trust"), graph)
	if dir := os.Getenv(screenshotsEnv); dir != "" {
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "trust-"+preset+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	length := chromedp.Evaluate[float64](`document.documentElement.outerHTML.length`)
	full, err := chromedp.Run(bctx, length)
	if err != nil {
		t.Fatal(err)
	}
	again = min(again, do("the trust page, again", chromedp.Navigate(base+"trust"), graph))
	var filters []string
	for _, q := range []string{"externalid", "vendor", "escalation"} {
		took := do("the filter "+q, chromedp.SetValue(chromedp.ID("trust-q"), q), chromedp.Submit(chromedp.ID("trust-q")),
			chromedp.WaitVisible(chromedp.CSS("main h2:nth-of-type(2)")))
		size, err := chromedp.Run(bctx, length)
		if err != nil {
			t.Fatal(err)
		}
		// The navigation's timing in the browser: the server's answer
		// (request to the response's first byte) and the page's parse
		// and paint (to the load event's end).
		nav, err := chromedp.Run(bctx, chromedp.Evaluate[string](`(n => "server " + Math.round(n.responseStart - n.requestStart) + " ms, load " + Math.round(n.loadEventEnd - n.responseStart) + " ms")(performance.getEntriesByType("navigation")[0])`))
		if err != nil {
			t.Fatal(err)
		}
		filters = append(filters, fmt.Sprintf("%s %v (%.0f characters; %s)", q, took.Round(time.Millisecond), size, nav))
	}
	t.Logf("%s (%d accounts, %d roles): first paint %v (being computed), build %v, cached graph %v (%.0f characters); filters: %s",
		preset, cfg.Accounts, cfg.Roles, first.Round(time.Millisecond), built.Round(time.Millisecond), again.Round(time.Millisecond), full, strings.Join(filters, ", "))
}
