package escalation_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/analysis/escalation"
	"github.com/iamgate/iamgate/world"
)

// A role the attacker can assume that is allowed "*" on "*" only when
// aws:SourceIp is in a range (a key the request does not give) is allowed,
// whatever the unknown keys, nothing but sts:GetCallerIdentity, which AWS
// answers for every caller without a permission ("No permissions are
// required to perform this operation", AWS STS API Reference,
// GetCallerIdentity: https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html).
// The attacker, allowed only sts:AssumeRole, is allowed it too: gaining
// the role is no escalation. With s3:GetObject allowed unconditionally the
// role is stronger. (Depth 1: the first role could go on to attach
// policies to itself, under the condition.)
func TestStrongerCountsGetCallerIdentityForEveryone(t *testing.T) {
	for _, tc := range []struct {
		name string
		role m
		want int
	}{
		{"only GetCallerIdentity always", m{"Effect": "Allow", "Action": "*", "Resource": "*",
			"Condition": m{"IpAddress": m{"aws:SourceIp": "10.0.0.0/8"}}}, 0},
		{"s3:GetObject always", allow("s3:GetObject", "*"), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := m{"id": acct,
				"users": []m{{"name": "attacker", "policies": []m{{"name": "grants", "document": doc(allow("sts:AssumeRole", vicRole))}}}},
				"roles": []m{{"name": "victim", "trustPolicy": trustAWS(attacker), "policies": []m{{"name": "p", "document": doc(tc.role)}}}}}
			b, err := json.Marshal(m{"accounts": []m{a}})
			if err != nil {
				t.Fatal(err)
			}
			w, err := world.Parse("stronger.json", b)
			if err != nil {
				t.Fatal(err)
			}
			for _, noClasses := range []bool{false, true} {
				res, err := escalation.Search(analysis.NewIndex(w), escalation.Options{Principal: attacker, MaxDepth: 1, NoClasses: noClasses})
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Paths) != tc.want {
					t.Fatalf("noClasses %v: %d paths, want %d: %s", noClasses, len(res.Paths), tc.want, show(res.Paths))
				}
				for _, p := range res.Paths {
					if p.Gains != vicRole {
						t.Fatalf("gains %s, want %s", p.Gains, vicRole)
					}
					recheck(t, w, p)
				}
			}
		})
	}
}

// TestSearchAccountLimit: Options.Account keeps the paths from that
// account's users and roles, and only them.
func TestSearchAccountLimit(t *testing.T) {
	a := func(id string) m {
		return m{"id": id, "users": []m{{"name": "attacker", "policies": []m{{"name": "grants", "document": doc(allow("iam:AttachUserPolicy", "arn:aws:iam::"+id+":user/attacker"))}}}}}
	}
	b, err := json.Marshal(m{"accounts": []m{a(acct), a(other)}})
	if err != nil {
		t.Fatal(err)
	}
	w, err := world.Parse("accounts.json", b)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ account, want string }{{"", attacker + " arn:aws:iam::" + other + ":user/attacker"}, {acct, attacker}, {other, "arn:aws:iam::" + other + ":user/attacker"}} {
		res, err := escalation.Search(analysis.NewIndex(w), escalation.Options{Account: tc.account, MaxDepth: 1})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range res.Paths {
			got = append(got, p.Principal)
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("account %q: paths from %s, want %s", tc.account, g, tc.want)
		}
	}
}
