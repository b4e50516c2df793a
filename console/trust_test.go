package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// TestTrustPage: the trust page lists the principals of each role's trust
// policy, aggregated by source account, with ExternalId and MFA conditions
// marked, filtered on the server; a user without iam:ListRoles gets
// AccessDenied naming iam:ListRoles (the message AWS writes for a denied
// call, as TestDeniedPage checks).
func TestTrustPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.user("alice", "Alice-Passw0rd", readOnly, false)
	e.user("bob", "Bob-Passw0rd1", "", false)
	c := e.iam()
	for name, doc := range map[string]string{
		"vendor": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x1"}}}]}`,
		"admin2": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::210987654321:user/ops","arn:aws:iam::` + account + `:root"]},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`,
		"lambda": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
	} {
		must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(doc)}))
	}
	b := e.browser()
	b.signedIn(e, "alice", "Alice-Passw0rd", "")
	for path, wants := range map[string][]string{
		"/console/trust":                        {"210987654321", "lambda.amazonaws.com", "ExternalId", "MFA", "(external)", "arn:aws:iam::210987654321:user/ops"},
		"/console/trust?q=externalid":           {"vendor", "1 of 1 edges"},
		"/console/trust?source=210987654321":    {"vendor", "admin2", "2 of 2 edges"},
		"/console/trust?q=lambda.amazonaws.com": {"1 of 1 edges"},
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
	if r := b.get("/console/trust?q=externalid"); strings.Contains(r.body, "lambda.amazonaws.com</td>") {
		t.Errorf("the externalid filter shows the lambda edge")
	}
	d := e.browser()
	d.signedIn(e, "bob", "Bob-Passw0rd1", "")
	if r := d.get("/console/trust"); r.status != http.StatusForbidden || !strings.Contains(r.body, "AccessDenied") || !strings.Contains(r.body, "iam:ListRoles") {
		t.Fatalf("bob's trust page: %d %s", r.status, r.body)
	}
}
