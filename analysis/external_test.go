package analysis_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/world"
)

// External access follows IAM Access Analyzer's zone of trust (the IAM User
// Guide, "IAM Access Analyzer findings":
// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-findings.html):
// sharing within the account (organization) is no finding, a grant to a
// principal outside it is. Service grants without aws:SourceArn or
// aws:SourceAccount are confused-deputy findings (the IAM User Guide, "The
// confused deputy problem":
// https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html).

var trapTime = time.Date(2024, 6, 3, 10, 0, 0, 0, time.UTC)

func externalFindings(t *testing.T, file, zone string) ([]*analysis.Finding, *world.World) {
	t.Helper()
	w, err := world.LoadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := analysis.NewIndex(w).External(analysis.ExternalQuery{Zone: zone, Time: trapTime})
	if err != nil {
		t.Fatal(err)
	}
	return fs, w
}

// checkWitnesses decides every finding's witness as `iamgate eval` does,
// and checks that its principal is outside the zone.
func checkWitnesses(t *testing.T, w *world.World, zone string, fs []*analysis.Finding) {
	t.Helper()
	for _, f := range fs {
		if f.Kind == analysis.FindingUnknown {
			if f.Witness != nil || f.Construct == "" {
				t.Errorf("%s %s: an unknown finding has a witness or no construct", f.Resource, f.Principal)
			}
			continue
		}
		data, err := json.Marshal(f.Witness)
		if err != nil {
			t.Fatal(err)
		}
		if err := analysis.CheckWitness(data); err != nil {
			t.Errorf("%s %s: %v", f.Resource, f.Principal, err)
		}
		p, err := engine.ParsePrincipal(f.Witness.Principal)
		if err != nil {
			t.Fatal(err)
		}
		own := f.Witness.ResourceAccount
		if own == "" {
			t.Errorf("%s: witness without resource account", f.Resource)
		}
		// A federated user is vouched for by an identity provider outside
		// AWS, wherever the provider resource lives: outside the zone.
		if strings.Contains(f.Witness.Principal, ":saml-provider/") || strings.Contains(f.Witness.Principal, ":oidc-provider/") {
			continue
		}
		if p.Account == own || (zone != analysis.ZoneAccount && sameOrg(w, own, p.Account)) {
			t.Errorf("%s: witness principal %s is inside the zone", f.Resource, f.Witness.Principal)
		}
		if !contains(f.Actions, f.Witness.Action) {
			t.Errorf("%s %s: witness action %s, actions %v", f.Resource, f.Principal, f.Witness.Action, f.Actions)
		}
		if f.Kind == analysis.FindingConfusedDeputy {
			if p.Kind != engine.Service {
				t.Errorf("%s: a confused deputy that is not a service: %s", f.Resource, f.Principal)
			}
			for _, k := range []string{"aws:sourcearn", "aws:sourceaccount"} {
				if _, ok := f.Witness.Context[k]; ok {
					t.Errorf("%s: confused-deputy witness has %s", f.Resource, k)
				}
			}
		}
	}
}

func sameOrg(w *world.World, a, b string) bool {
	x, y := w.Accounts.Get(a), w.Accounts.Get(b)
	return w.Organization != nil && x != nil && y != nil && x.OU != nil && y.OU != nil
}

func find(fs []*analysis.Finding, resource, principal string) []*analysis.Finding {
	var out []*analysis.Finding
	for _, f := range fs {
		if f.Resource == resource && f.Principal == principal {
			out = append(out, f)
		}
	}
	return out
}

const (
	fresh = "arn:aws:iam::999999999999:root" // an account no one names
	other = "arn:aws:iam::444444444444:root"
	dev   = "arn:aws:iam::222222222222:root" // in the organization, another OU
	apart = "arn:aws:iam::333333333333:root" // in the world, not in the organization
)

func TestExternalOrganizationTraps(t *testing.T) {
	type want struct {
		resource, principal string
		kind                string // "" for no finding
		allowedIf           string // Formula.Key()
		actions             string // joined by spaces; "" to skip
	}
	s3 := func(b string) string { return "arn:aws:s3:::" + b }
	cases := map[string][]want{
		analysis.ZoneOrganization: {
			// aws:PrincipalOrgID equal to the own organization keeps it in.
			{s3("org-only"), fresh, "", "", ""},
			{s3("org-only"), "*", "", "", ""},
			{s3("org-only"), dev, "", "", ""},
			// Another organization's ID is a finding, on that condition.
			{s3("other-org"), fresh, analysis.FindingExternal, `aws:PrincipalOrgID StringEquals "o-other123456"`, "s3:GetObject"},
			{s3("other-org"), "*", "", "", ""},
			// StringLike on aws:PrincipalOrgPaths under the own organization.
			{s3("org-paths"), fresh, "", "", ""},
			{s3("org-paths"), "*", "", "", ""},
			// aws:PrincipalAccount lists: inside, and one outside.
			{s3("account-list"), fresh, "", "", ""},
			{s3("account-list"), "*", "", "", ""},
			{s3("account-list-outside"), other, analysis.FindingExternal, "", "s3:GetObject"},
			{s3("account-list-outside"), fresh, "", "", ""},
			// aws:SourceVpce only may hold: the finding stays, conditional.
			{s3("vpce-only"), fresh, analysis.FindingExternal, `aws:SourceVpce StringEquals "vpce-1"`, "s3:GetObject"},
			{s3("vpce-only"), "*", analysis.FindingExternal, `aws:SourceVpce StringEquals "vpce-1"`, "s3:GetObject"},
			// NotPrincipal: everyone but the account.
			{s3("not-principal"), fresh, analysis.FindingExternal, "", "s3:GetObject"},
			{s3("not-principal"), "*", analysis.FindingExternal, "", "s3:GetObject"},
			// A Deny with StringNotEquals on the organization.
			{s3("deny-outside-org"), fresh, "", "", ""},
			{s3("deny-outside-org"), "*", "", "", ""},
			// A public grant, like a public-read ACL.
			{s3("public-read"), "*", analysis.FindingExternal, "", "s3:GetObject"},
			{s3("public-read"), fresh, analysis.FindingExternal, "", "s3:GetObject"},
			// aws:PrincipalArn names roles of any account: the root stands
			// for them, aws:PrincipalArn held to its account.
			{s3("tagged-principals"), fresh, analysis.FindingExternal,
				`aws:PrincipalArn ArnLike "arn:aws:iam::*:role/Auditor" and aws:PrincipalArn ArnLike "arn:aws:iam::999999999999:*", "arn:aws:sts::999999999999:*"`, "s3:GetObject"},
			{s3("tagged-principals"), "*", "", "", ""},
			// A CanonicalUser grant (a CloudFront origin access identity):
			// the engine takes no such caller, so UNKNOWN, named.
			{s3("cloudfront-origin"), "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be", analysis.FindingUnknown, "never", ""},
			// A wildcard over part of the account IDs: UNKNOWN, named.
			{s3("partial-wildcard"), "*", analysis.FindingUnknown, "never", ""},
			// kms:CallerAccount of the own account keeps a "*" key grant in
			// (the caller's account is the principal's).
			{"arn:aws:kms:us-east-1:111111111111:key/through-s3", fresh, "", "", ""},
			{"arn:aws:kms:us-east-1:111111111111:key/through-s3", "*", "", "", ""},
			// aws:SourceAccount is only in a service's requests: a "*"
			// grant on it is the services', not an IAM principal's.
			{"arn:aws:sqs:us-east-1:111111111111:source-only", fresh, "", "", ""},
			{"arn:aws:sqs:us-east-1:111111111111:source-only", "*", "", "", ""},
			{"arn:aws:sqs:us-east-1:111111111111:source-only", analysis.AnyService, analysis.FindingExternal, `aws:SourceAccount StringEquals "444444444444"`, "sqs:SendMessage"},
			// A KMS key policy granting another account's root.
			{"arn:aws:kms:us-east-1:111111111111:key/shared", other, analysis.FindingExternal, "", "kms:Decrypt kms:DescribeKey"},
			// Trust policies to another account, with and without ExternalId.
			{"arn:aws:iam::111111111111:role/trust-external-id", other, analysis.FindingExternal, `sts:ExternalId StringEquals "x-123"`, "sts:AssumeRole"},
			{"arn:aws:iam::111111111111:role/trust-open", other, analysis.FindingExternal, "", "sts:AssumeRole"},
			{"arn:aws:iam::111111111111:role/trust-in-org", dev, "", "", ""},
			// Federated users: a SAML provider's and a web identity
			// provider's, outside the zone whatever the provider's account.
			{"arn:aws:iam::111111111111:role/trust-saml", "arn:aws:iam::111111111111:saml-provider/corp", analysis.FindingExternal, "", "sts:AssumeRoleWithSAML"},
			{"arn:aws:iam::111111111111:role/trust-web", "accounts.google.com", analysis.FindingExternal, `accounts.google.com:aud StringEquals "app-1"`, "sts:AssumeRoleWithWebIdentity"},
			// Services: without source keys a confused deputy; pinned to the
			// account by aws:SourceArn none; an outside source account a
			// finding on that condition.
			{"arn:aws:sqs:us-east-1:111111111111:deputy", "sns.amazonaws.com", analysis.FindingConfusedDeputy, "", "sqs:SendMessage"},
			{"arn:aws:sqs:us-east-1:111111111111:deputy-guarded", "sns.amazonaws.com", "", "", ""},
			{"arn:aws:sqs:us-east-1:111111111111:deputy-other-account", "sns.amazonaws.com", analysis.FindingExternal,
				`aws:SourceAccount StringEquals "111111111111", "444444444444" and aws:SourceAccount StringNotEquals "111111111111"`, "sqs:SendMessage"},
			// The other resource types.
			{"arn:aws:sns:us-east-1:111111111111:events", other, analysis.FindingExternal, "", "sns:Publish"},
			{"arn:aws:lambda:us-east-1:111111111111:function:handler", other, analysis.FindingExternal, "", "lambda:InvokeFunction"},
			{"arn:aws:secretsmanager:us-east-1:111111111111:secret:db-AbCdEf", "arn:aws:iam::444444444444:role/reader", analysis.FindingExternal, "", "secretsmanager:GetSecretValue"},
			{"arn:aws:secretsmanager:us-east-1:111111111111:secret:db-AbCdEf", other, "", "", ""},
			{"arn:aws:execute-api:us-east-1:111111111111:api1", "*", analysis.FindingExternal, `aws:SourceIp IpAddress "203.0.113.0/24"`, "execute-api:Invoke"},
			{"arn:aws:glue:us-east-1:111111111111:catalog", other, analysis.FindingExternal, "", "glue:GetTable"},
			{"arn:aws:ecr:us-east-1:111111111111:repository/app", other, analysis.FindingExternal, "", "ecr:BatchGetImage ecr:GetDownloadUrlForLayer"},
			{"arn:aws:events:us-east-1:111111111111:event-bus/shared", dev, "", "", ""},
		},
		analysis.ZoneAccount: {
			// The organization's other accounts are outside an account zone.
			{s3("org-only"), dev, analysis.FindingExternal, "", "s3:GetObject"},
			{s3("org-only"), fresh, "", "", ""},
			{s3("account-list"), dev, analysis.FindingExternal, "", "s3:GetObject"},
			{s3("deny-outside-org"), dev, analysis.FindingExternal, "", "s3:GetObject"},
			{s3("deny-outside-org"), apart, "", "", ""},
			{s3("other-org"), apart, analysis.FindingExternal, `aws:PrincipalOrgID StringEquals "o-other123456"`, "s3:GetObject"},
			{"arn:aws:iam::111111111111:role/trust-in-org", dev, analysis.FindingExternal, "", "sts:AssumeRole"},
			{"arn:aws:events:us-east-1:111111111111:event-bus/shared", dev, analysis.FindingExternal, "", "events:PutEvents"},
		},
	}
	for zone, ws := range cases {
		fs, w := externalFindings(t, "testdata/external-traps.yaml", zone)
		checkWitnesses(t, w, zone, fs)
		for _, c := range ws {
			got := find(fs, c.resource, c.principal)
			if c.kind == "" {
				if len(got) != 0 {
					t.Errorf("%s: %s %s: want no finding, got %s %q", zone, c.resource, c.principal, got[0].Kind, got[0].AllowedIf.Key())
				}
				continue
			}
			if len(got) != 1 {
				t.Errorf("%s: %s %s: want one %s finding, got %d", zone, c.resource, c.principal, c.kind, len(got))
				continue
			}
			f := got[0]
			if f.Kind != c.kind || f.AllowedIf.Key() != c.allowedIf {
				t.Errorf("%s: %s %s: got %s %q, want %s %q (%s)", zone, c.resource, c.principal, f.Kind, f.AllowedIf.Key(), c.kind, c.allowedIf, f.Construct)
			}
			if c.actions != "" && strings.Join(f.Actions, " ") != c.actions {
				t.Errorf("%s: %s %s: actions %v, want %s", zone, c.resource, c.principal, f.Actions, c.actions)
			}
		}
		// No finding names a principal inside the zone.
		for _, f := range fs {
			if a, err := arn.Parse(f.Principal); err == nil && arn.IsAccountID(a.AccountID) && !strings.Contains(a.Resource, "-provider/") {
				own := "111111111111"
				if a.AccountID == own || (zone == analysis.ZoneOrganization && sameOrg(w, own, a.AccountID)) {
					t.Errorf("%s: finding for %s, inside the zone", zone, f.Principal)
				}
			}
		}
	}
}

func TestExternalSeeds(t *testing.T) {
	for _, file := range []string{"../examples/datamasque/world.yaml", "../examples/maskopy/world.yaml"} {
		for _, zone := range []string{analysis.ZoneAccount, analysis.ZoneOrganization} {
			fs, w := externalFindings(t, file, zone)
			if len(fs) == 0 {
				t.Fatalf("%s: no findings", file)
			}
			checkWitnesses(t, w, zone, fs)
		}
	}
	// DataMasque: the target bucket and key are shared with A's DM-Role,
	// the bucket over TLS only; Target-DM-Role trusts A's Source-DM-Role.
	fs, _ := externalFindings(t, "../examples/datamasque/world.yaml", analysis.ZoneOrganization)
	dm := "arn:aws:iam::111111111111:role/DM-Role"
	if got := find(fs, "arn:aws:s3:::dm-target-bucket", dm); len(got) != 1 || got[0].AllowedIf.Key() != `aws:SecureTransport BoolIfExists "true"` {
		t.Errorf("dm-target-bucket: %v", got)
	}
	if got := find(fs, "arn:aws:kms:us-east-1:222222222222:key/dm-key", dm); len(got) != 1 || !got[0].AllowedIf.Always() {
		t.Errorf("dm-key: %v", got)
	}
	if got := find(fs, "arn:aws:iam::222222222222:role/Target-DM-Role", "arn:aws:iam::111111111111:role/Source-DM-Role"); len(got) != 1 {
		t.Errorf("Target-DM-Role: %v", got)
	}
}

func TestExternalZoneUsage(t *testing.T) {
	w, err := world.LoadFile("testdata/external-traps.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := analysis.NewIndex(w).External(analysis.ExternalQuery{Zone: "region"}); err == nil {
		t.Error("zone region: no error")
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestExternalAccountLimit: ExternalQuery.Account reports exactly the
// findings of that account's resources and roles (the console's findings
// page asks for the signed-in account's).
func TestExternalAccountLimit(t *testing.T) {
	all, w := externalFindings(t, "testdata/external-traps.yaml", analysis.ZoneAccount)
	if len(all) == 0 {
		t.Fatal("no findings to limit")
	}
	for id, a := range w.Accounts.All() {
		own := map[string]bool{}
		for ra := range a.Resources.Keys() {
			own[ra] = true
		}
		for _, r := range a.Roles.Map() {
			own[r.ARN()] = true
		}
		var want []string
		for _, f := range all {
			if own[f.Resource] {
				want = append(want, f.Resource+" "+f.Principal+" "+f.Kind+" "+f.AllowedIf.Key())
			}
		}
		fs, err := analysis.NewIndex(w).External(analysis.ExternalQuery{Zone: analysis.ZoneAccount, Time: trapTime, Account: id})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range fs {
			got = append(got, f.Resource+" "+f.Principal+" "+f.Kind+" "+f.AllowedIf.Key())
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("account %s: got\n%s\nwant\n%s", id, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}
