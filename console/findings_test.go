package console_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// findingsReader may read the findings page: the actions its sections are
// authorized as (access-analyzer:ListFindings on the external access and
// the unused access analyzers: the Access Analyzer API reference,
// ListFindings and ListFindingsV2 both use it;
// iam:GetAccountAuthorizationDetails for escalation paths, the IAM API
// reference), and the simulator's questions.
const findingsReader = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["access-analyzer:ListFindings","iam:GetAccountAuthorizationDetails","iam:SimulatePrincipalPolicy","iam:SimulateCustomPolicy"],"Resource":"*"}]}`

var simLink = regexp.MustCompile(`href="(/console/simulator\?[^"]+)"`)

// links are the simulator links of a page, unescaped.
func links(body string) []string {
	var out []string
	for _, m := range simLink.FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// findingsWorld: a role another account may assume with an ExternalId (an
// external access finding, allowed if sts:ExternalId is "x1"), and a user
// allowed iam:CreateAccessKey on the administrator (an escalation path:
// it gains admin).
func findingsWorld(t *testing.T) *env {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam()
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("vendor"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x1"}}}]}`)}))
	e.user("dev", "Dev-Passw0rd12", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"arn:aws:iam::`+account+`:user/admin"}]}`, false)
	return e
}

// TestFindingsPage: the findings page shows the account's external access
// (the vendor role, to account 210987654321, allowed if sts:ExternalId)
// and escalation paths (dev gains admin by iam:CreateAccessKey), each with
// a witness request whose simulator link the engine allows, and unused
// access from the audit log (dev never made a call); the filter narrows
// them.
func TestFindingsPage(t *testing.T) {
	e := findingsWorld(t)
	e.user("ana", "Ana-Passw0rd12", findingsReader, false)
	b := e.browser()
	b.signedIn(e, "ana", "Ana-Passw0rd12", "")
	r := b.get("/console/findings")
	if r.status != http.StatusOK {
		t.Fatalf("findings: %d %s", r.status, r.body)
	}
	vendor := "arn:aws:iam::" + account + ":role/vendor"
	for _, w := range []string{"External access", vendor, "arn:aws:iam::210987654321:root", "sts:ExternalId StringEquals &#34;x1&#34;",
		"Escalation paths", "arn:aws:iam::" + account + ":user/dev</code> gains administrator access", "iam-create-access-key", "iam:CreateAccessKey",
		"1 of 1 external access findings", "<caption>",
		"Unused access", "<th scope=\"row\"><code>arn:aws:iam::" + account + ":user/dev</code></th><td>user</td><td>never in the period</td>"} {
		if !strings.Contains(r.body, w) {
			t.Errorf("the findings page lacks %q", w)
		}
	}
	ls := links(r.body)
	if len(ls) < 2 {
		t.Fatalf("the findings page has %d simulator links, want one a finding and step: %s", len(ls), r.body)
	}
	for _, l := range ls {
		s := b.get(l)
		if s.status != http.StatusOK || !strings.Contains(s.body, "Decision: <span class=\"decision allowed\">allowed</span>") {
			t.Errorf("%s: %d, want allowed: %s", l, s.status, s.body)
		}
	}
	if f := b.get("/console/findings?q=vendor"); !strings.Contains(f.body, vendor) || !strings.Contains(f.body, "No escalation paths found that match the filter.") ||
		strings.Contains(f.body, "user/dev") {
		t.Errorf("the filter vendor: %s", f.body)
	}
}

// TestFindingsDenied: a user allowed neither action gets AWS's AccessDenied
// (the message AWS writes for a denied call, as TestDeniedPage checks) and
// nothing of the findings; a user allowed some sections sees the others
// denied in place (each analyzer is a resource of its own).
func TestFindingsDenied(t *testing.T) {
	e := findingsWorld(t)
	e.user("bob", "Bob-Passw0rd1", "", false)
	e.user("eve", "Eve-Passw0rd12", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetAccountAuthorizationDetails","Resource":"*"},`+
		`{"Effect":"Allow","Action":"access-analyzer:ListFindings","Resource":"arn:aws:access-analyzer:*:*:analyzer/iamgate-unused"}]}`, false)
	bob := e.browser()
	bob.signedIn(e, "bob", "Bob-Passw0rd1", "")
	r := bob.get("/console/findings")
	want := "User: arn:aws:iam::" + account + ":user/bob is not authorized to perform: access-analyzer:ListFindings on resource: arn:aws:access-analyzer:us-east-1:" + account + ":analyzer/iamgate"
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "AccessDenied") || !strings.Contains(r.body, want) {
		t.Fatalf("bob's findings page: %d %s", r.status, r.body)
	}
	for _, leak := range []string{"vendor", "210987654321", "user/dev", "simulator?"} {
		if strings.Contains(r.body, leak) {
			t.Errorf("bob's denied page shows %q", leak)
		}
	}
	eve := e.browser()
	eve.signedIn(e, "eve", "Eve-Passw0rd12", "")
	r = eve.get("/console/findings")
	if r.status != http.StatusOK || !strings.Contains(r.body, "access-analyzer:ListFindings on resource: arn:aws:access-analyzer:us-east-1:"+account+":analyzer/iamgate ") ||
		!strings.Contains(r.body, "user/dev") || strings.Contains(r.body, "210987654321") || !strings.Contains(r.body, "never in the period") {
		t.Fatalf("eve's findings page: %d %s", r.status, r.body)
	}
	// The resource side of the simulator is authorized too, and asks only
	// about the account's own resources.
	q := "/console/simulator?side=resource&principal=arn:aws:iam::210987654321:root&action=sts:AssumeRole&resource="
	if r := eve.get(q + url.QueryEscape("arn:aws:iam::"+account+":role/vendor")); r.status != http.StatusForbidden || !strings.Contains(r.body, "iam:SimulateCustomPolicy") {
		t.Errorf("eve's resource-side question: %d %s", r.status, r.body)
	}
	e.user("ana", "Ana-Passw0rd12", findingsReader, false)
	ana := e.browser()
	ana.signedIn(e, "ana", "Ana-Passw0rd12", "")
	if r := ana.get(q + url.QueryEscape("arn:aws:iam::210987654321:role/theirs")); r.status != http.StatusNotFound || !strings.Contains(r.body, "NoSuchEntity") {
		t.Errorf("a resource-side question on another account's role: %d %s", r.status, r.body)
	}
}

// TestSimulatorPrefill: the simulator's form is prefilled from the query
// string (a GET, so a link opens it), and the question is decided.
func TestSimulatorPrefill(t *testing.T) {
	e := newEnv(t)
	e.user("ana", "Ana-Passw0rd12", findingsReader, false)
	b := e.browser()
	b.signedIn(e, "ana", "Ana-Passw0rd12", "")
	ana := "arn:aws:iam::" + account + ":user/ana"
	q := url.Values{"principal": {ana}, "action": {"iam:SimulatePrincipalPolicy"}, "resource": {ana}, "context": {"aws:SourceIp=10.0.0.1\naws:RequestTag/team=a"}}
	r := b.get("/console/simulator?" + q.Encode())
	for _, w := range []string{`value="` + ana + `"`, `value="iam:SimulatePrincipalPolicy"`, "aws:SourceIp=10.0.0.1\naws:RequestTag/team=a</textarea>", "decision allowed"} {
		if !strings.Contains(r.body, w) {
			t.Errorf("the prefilled simulator lacks %q: %s", w, r.body)
		}
	}
	if strings.Contains(r.body, "allowedif-h") {
		t.Errorf("an allowed request shows allowed-if")
	}
	if r := b.get("/console/simulator?side=other&action=s3:GetObject"); r.status != http.StatusBadRequest || !strings.Contains(r.body, "ValidationError") {
		t.Errorf("side=other: %d %s", r.status, r.body)
	}
}

// TestSimulatorAllowedIf: a request denied for want of a condition (a
// trust policy that requires sts:ExternalId, the IAM User Guide, "Access
// to AWS accounts owned by third parties") shows when it would be allowed,
// with a witness request the engine allows; a request no context allows
// says so.
func TestSimulatorAllowedIf(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.user("ana", "Ana-Passw0rd12", findingsReader, false)
	ana := "arn:aws:iam::" + account + ":user/ana"
	must[*iam.CreateRoleOutput](t)(e.iam().CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("partner"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + ana + `"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x1"}}}]}`)}))
	b := e.browser()
	b.signedIn(e, "ana", "Ana-Passw0rd12", "")
	q := url.Values{"principal": {ana}, "action": {"sts:AssumeRole"}, "resource": {"arn:aws:iam::" + account + ":role/partner"}}
	r := b.get("/console/simulator?" + q.Encode())
	for _, w := range []string{"Allowed if", "sts:ExternalId StringEquals &#34;x1&#34;", "sts:ExternalId=x1"} {
		if !strings.Contains(r.body, w) {
			t.Errorf("the denied request's page lacks %q: %s", w, r.body)
		}
	}
	ls := links(r.body)
	if len(ls) != 1 {
		t.Fatalf("%d witness links, want 1: %s", len(ls), r.body)
	}
	if w := b.get(ls[0]); !strings.Contains(w.body, "decision allowed") {
		t.Errorf("the witness %s is not allowed: %s", ls[0], w.body)
	}
	q.Set("action", "s3:GetObject")
	q.Set("resource", "arn:aws:s3:::nothing/x")
	if r := b.get("/console/simulator?" + q.Encode()); !strings.Contains(r.body, "would allow this request") {
		t.Errorf("a request nothing allows: %s", r.body)
	}
}

// TestSimulatorResourceSideIsolation: a resource-side question takes the
// principal as its ARN tells it, outside the world: a role of another
// account of the world and a role that does not exist get the same answer
// (no NoSuchEntity to enumerate with), and nothing of the other account
// (its organization: aws:PrincipalOrgID, aws:PrincipalOrgPaths) is in the
// request context shown.
func TestSimulatorResourceSideIsolation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	prod := e.orgWorld()
	must[*iam.CreateRoleOutput](t)(e.iam().CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("prod-access"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + prod + `:root"},"Action":"sts:AssumeRole"}]}`)}))
	e.user("ana", "Ana-Passw0rd12", findingsReader, false)
	b := e.browser()
	b.signedIn(e, "ana", "Ana-Passw0rd12", "")
	for _, p := range []string{"arn:aws:iam::" + prod + ":role/OrganizationAccountAccessRole", "arn:aws:iam::" + prod + ":role/no-such-role"} {
		q := url.Values{"side": {"resource"}, "principal": {p}, "action": {"sts:AssumeRole"}, "resource": {"arn:aws:iam::" + account + ":role/prod-access"}}
		r := b.get("/console/simulator?" + q.Encode())
		if r.status != http.StatusOK || !strings.Contains(r.body, "decision allowed") || strings.Contains(r.body, "NoSuchEntity") ||
			strings.Contains(r.body, "aws:principalorgid") || strings.Contains(r.body, "aws:principalorgpaths") {
			t.Errorf("%s: %d %s", p, r.status, r.body)
		}
	}
}
