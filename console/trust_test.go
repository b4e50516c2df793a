package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/iamgate/iamgate/console"
)

// TestTrustPage: the trust page draws who can assume whom as the engine
// decides it (analysis who-can and external access, not the trust policy's
// text): an edge that needs an ExternalId shows that condition, an edge an
// SCP or a Deny refuses is not shown although the trust policy names the
// principal, an escalation edge is marked; the account pair links to its
// role-level edges; the filter answers on the server; a user without
// iam:ListRoles gets AccessDenied naming iam:ListRoles (the message AWS
// writes for a denied call, as TestDeniedPage checks), and a user of the
// management account not allowed organizations:ListAccounts sees its own
// account's roles only.
func TestTrustPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	prod := e.orgWorld()
	o := e.orgs()
	// An SCP on the member account refuses its principals sts:AssumeRole on
	// the role "blocked" (SCPs apply to a member account's root user: AWS
	// Organizations user guide, "SCP effects on permissions").
	pol := must[*organizations.CreatePolicyOutput](t)(o.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("NoBlocked"), Type: orgtypes.PolicyTypeServiceControlPolicy,
		Description: aws.String("NoBlocked"), Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"arn:aws:iam::*:role/blocked"}]}`)}))
	must[*organizations.AttachPolicyOutput](t)(o.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: pol.Policy.PolicySummary.Id, TargetId: aws.String(prod)}))
	prodRoot := "arn:aws:iam::" + prod + ":root"
	trust := func(stmts string) string { return `{"Version":"2012-10-17","Statement":[` + stmts + `]}` }
	c := e.iam()
	for name, doc := range map[string]string{
		"vendor":      trust(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x1"}}}`),
		"prod-reader": trust(`{"Effect":"Allow","Principal":{"AWS":"` + prodRoot + `"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"p7"}}}`),
		"blocked":     trust(`{"Effect":"Allow","Principal":{"AWS":"` + prodRoot + `"},"Action":"sts:AssumeRole"}`),
		"denied": trust(`{"Effect":"Allow","Principal":{"AWS":"` + prodRoot + `"},"Action":"sts:AssumeRole"},` +
			`{"Effect":"Deny","Principal":{"AWS":"` + prodRoot + `"},"Action":"sts:AssumeRole"}`),
		"admin-role": trust(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"sts:AssumeRole"}`),
	} {
		must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(doc)}))
	}
	must[*iam.AttachRolePolicyOutput](t)(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("admin-role"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")}))
	e.user("alice", "Alice-Passw0rd", readOnly, false)
	e.user("bob", "Bob-Passw0rd1", "", false)
	e.user("carol", "Carol-Passw0rd", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::`+account+`:role/admin-role"}]}`, false)
	e.user("dave", "Dave-Passw0rd1", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`, false)
	carol := "arn:aws:iam::" + account + ":user/carol"

	b := e.browser()
	b.signedIn(e, "alice", "Alice-Passw0rd", "")
	// The first page does not wait for the graph: it is being built, the
	// accounts it will cover listed; the page after the build has it.
	if r := b.get("/console/trust"); r.status != http.StatusOK || !strings.Contains(r.body, "The trust graph is being computed; reload shortly.") ||
		!strings.Contains(r.body, `<th scope="row">`+prod+`</th>`) || strings.Contains(r.body, "<svg") {
		t.Errorf("the first trust page: %d %s", r.status, r.body)
	}
	console.WaitTrust(e.con)
	pair := func(from, to string) string {
		return "/console/trust?" + url.Values{"from": {from}, "to": {to}}.Encode()
	}
	for _, c := range []struct {
		path       string
		want, lack []string
	}{
		{"/console/trust", []string{"in the organization (2 accounts)", "<svg", prod + " → " + account, account + " → " + prod, "210987654321 → " + account,
			`href="/console/trust?q=&amp;from=` + prod + `&amp;to=` + account + `"`}, []string{"<h2>Edges"}},
		// The pair's role-level edges: prod-reader with its ExternalId, as
		// the analysis decides it (the engine's allowed-if, with the
		// RegionGuard SCP's aws:RequestedRegion beside it: evaluated, not
		// read from the trust policy), for prod's root and for prod's
		// OrganizationAccountAccessRole (AdministratorAccess: the trust
		// policy names the account, its IAM policy allows); neither the role
		// an SCP refuses nor the one its trust policy denies, though both
		// trust policies name prod.
		{pair(prod, account), []string{"role/prod-reader", prodRoot + "</td>", "role/OrganizationAccountAccessRole</td>",
			`aws:RequestedRegion StringEquals &#34;us-east-1&#34;, &#34;eu-west-1&#34; and sts:ExternalId StringEquals &#34;p7&#34;`, "ExternalId", "2 of 2 edges"},
			[]string{"role/blocked", "role/denied", "role/vendor"}},
		{pair(account, prod), []string{"role/OrganizationAccountAccessRole", "arn:aws:iam::" + account + ":root"}, []string{"role/prod-reader"}},
		// Outside the organization: decided on the trust policy's side.
		{"/console/trust?q=vendor", []string{"role/vendor", "arn:aws:iam::210987654321:root (outside)", `sts:ExternalId StringEquals &#34;x1&#34;`}, []string{"role/prod-reader"}},
		{"/console/trust?q=externalid", []string{"role/vendor", "role/prod-reader", "3 of 3 edges"}, []string{"role/admin-role"}},
		// carol may assume admin-role, which has AdministratorAccess: an
		// escalation path (package escalation) takes the edge.
		{"/console/trust?q=escalation", []string{carol, "role/admin-role", "<strong>escalation</strong>"}, []string{"role/vendor"}},
		{"/console/trust?q=carol", []string{carol, "1 of 1 edges", account + " → " + account}, []string{prod + " → " + account}},
		// A page of the edges from the second: the link to the first.
		{"/console/trust?q=externalid&start=1", []string{"1 + 2 of 3 edges", `<a href="/console/trust?q=externalid" rel="prev">`}, []string{`rel="next"`}},
	} {
		r := b.get(c.path)
		if r.status != http.StatusOK {
			t.Errorf("%s: %d %s", c.path, r.status, r.body)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(r.body, w) {
				t.Errorf("%s lacks %q", c.path, w)
			}
		}
		for _, w := range c.lack {
			if strings.Contains(r.body, w) {
				t.Errorf("%s shows %q", c.path, w)
			}
		}
	}

	// The graph is kept per world: a role made since is not on the page
	// (the last graph, the older world's, whole, with the note), then is,
	// the graph rebuilt; the escalation marks come in a second stage, the
	// edges shown before it ends, with a note.
	reached, release := console.HoldTrustEscalation(e.con)
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("later"), AssumeRolePolicyDocument: aws.String(
		trust(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}`))}))
	const stale, escalating = "Computed for the world as of 2", "The escalation search is being computed"
	if r := b.get("/console/trust?q=escalation"); !strings.Contains(r.body, stale) || strings.Contains(r.body, "role/later") ||
		!strings.Contains(r.body, "<strong>escalation</strong>") || strings.Contains(r.body, escalating) {
		t.Errorf("the page while the graph is rebuilt: %s", r.body)
	}
	<-reached
	if r := b.get("/console/trust?q=mfa"); !strings.Contains(r.body, "role/later") || strings.Contains(r.body, stale) || !strings.Contains(r.body, escalating) {
		t.Errorf("the page before the escalation search ends: %s", r.body)
	}
	if r := b.get("/console/trust?q=escalation"); strings.Contains(r.body, "<strong>escalation</strong>") || !strings.Contains(r.body, escalating) {
		t.Errorf("escalation marks before the search ends: %s", r.body)
	}
	release()
	console.WaitTrust(e.con)
	if r := b.get("/console/trust?q=mfa"); !strings.Contains(r.body, "role/later") || !strings.Contains(r.body, "aws:MultiFactorAuthPresent") ||
		strings.Contains(r.body, stale) || strings.Contains(r.body, escalating) {
		t.Errorf("the role made since is not on the page: %s", r.body)
	}
	if r := b.get("/console/trust?q=escalation"); !strings.Contains(r.body, carol) || !strings.Contains(r.body, "<strong>escalation</strong>") || strings.Contains(r.body, escalating) {
		t.Errorf("the escalation marks after the rebuild: %s", r.body)
	}

	// dave may list roles but not the organization's accounts: his page
	// covers his account; prod's roles are not his to see, and prod's
	// principals are outside, decided on the trust policy's side (so the
	// SCP, prod's own side, is not decided and blocked is an edge).
	dv := e.browser()
	dv.signedIn(e, "dave", "Dave-Passw0rd1", "")
	if r := dv.get("/console/trust"); !strings.Contains(r.body, "The trust graph is being computed") || strings.Contains(r.body, prod) {
		t.Errorf("dave's first trust page: %d %s", r.status, r.body)
	}
	console.WaitTrust(e.con)
	r := dv.get("/console/trust?" + url.Values{"q": {prod}}.Encode())
	if r.status != http.StatusOK || !strings.Contains(r.body, "into account "+account) || strings.Contains(r.body, "OrganizationAccountAccessRole") ||
		!strings.Contains(r.body, "role/blocked") || !strings.Contains(r.body, prodRoot+" (outside)") || strings.Contains(r.body, "role/denied") {
		t.Errorf("dave's trust page: %d %s", r.status, r.body)
	}

	d := e.browser()
	d.signedIn(e, "bob", "Bob-Passw0rd1", "")
	r = d.get("/console/trust")
	console.WaitTrust(e.con)
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "AccessDenied") || !strings.Contains(r.body, "iam:ListRoles") {
		t.Fatalf("bob's trust page: %d %s", r.status, r.body)
	}
}
