package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// auditReader may read the audit log: AWS's console authorizes its
// CloudTrail event history as cloudtrail:LookupEvents on "*" (CloudTrail
// API reference, LookupEvents; the service authorization reference lists
// no resource type for it).
const auditReader = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["cloudtrail:LookupEvents","iam:ListUsers"],"Resource":"*"}]}`

// TestAuditPage: the audit log page lists the account's calls, filtered by
// principal, action and decision; a user without cloudtrail:LookupEvents
// gets AWS's AccessDenied and nothing of the log.
func TestAuditPage(t *testing.T) {
	e := newEnv(t)
	e.user("carol", "Carol-Passw0rd", auditReader, false)
	e.user("bob", "Bob-Passw0rd1", "", false)
	bob := e.browser()
	bob.signedIn(e, "bob", "Bob-Passw0rd1", "")
	bob.get("/console/iam/users") // denied: an entry of bob's
	r := bob.get("/console/audit")
	want := "User: arn:aws:iam::" + account + ":user/bob is not authorized to perform: cloudtrail:LookupEvents on resource: *"
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "AccessDenied") || !strings.Contains(r.body, want) || strings.Contains(r.body, "iam:ListUsers") {
		t.Fatalf("bob's audit page: %d %s", r.status, r.body)
	}

	carol := e.browser()
	carol.signedIn(e, "carol", "Carol-Passw0rd", "")
	carol.get("/console/iam/users") // allowed
	bobARN := "arn:aws:iam::" + account + ":user/bob"
	for q, c := range map[string]struct{ want, not []string }{
		"":                                      {want: []string{"iam:ListUsers", "signin:ConsoleLogin", bobARN, "cloudtrail:LookupEvents"}},
		"principal=" + url.QueryEscape(bobARN):  {want: []string{"iam:ListUsers", "AccessDenied"}, not: []string{"user/carol</td>"}},
		"decision=denied":                       {want: []string{bobARN, "AccessDenied"}, not: []string{"signin:ConsoleLogin", "<td>OK</td>"}},
		"decision=allowed&action=iam:ListUsers": {want: []string{"user/carol</td>"}, not: []string{"AccessDenied</td>"}},
		"since=2000-01-01&until=2000-01-02":     {want: []string{"No entries match."}},
	} {
		r := carol.get("/console/audit?" + q)
		if r.status != http.StatusOK {
			t.Errorf("%q: %d %s", q, r.status, r.body)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(r.body, w) {
				t.Errorf("%q lacks %q", q, w)
			}
		}
		for _, n := range c.not {
			if strings.Contains(r.body, n) {
				t.Errorf("%q has %q", q, n)
			}
		}
	}
	for _, q := range []string{"since=yesterday", "decision=maybe", "from=-1"} {
		if r := carol.get("/console/audit?" + q); r.status != http.StatusBadRequest || !strings.Contains(r.body, "ValidationError") {
			t.Errorf("%q: %d %s", q, r.status, r.body)
		}
	}
}
