package analysis

import (
	"fmt"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/world"
)

// chainWorld: user u (account 1) -> c0 (1) -> c1 (2) -> ... -> c7, the
// accounts alternating; c7 reads the bucket. c2's trust needs MFA, c5's an
// ExternalId; c4 also trusts c6 (a cycle).
func chainWorld(t *testing.T) *world.World {
	t.Helper()
	acct := func(i int) string { return []string{"111111111111", "222222222222"}[i%2] }
	roles := map[string][]string{}
	for i := 0; i < 8; i++ {
		prev := "arn:aws:iam::111111111111:user/u"
		if i > 0 {
			prev = fmt.Sprintf("arn:aws:iam::%s:role/c%d", acct(i-1), i-1)
		}
		var cond string
		switch i {
		case 2:
			cond = `, "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}`
		case 5:
			cond = `, "Condition": {"StringEquals": {"sts:ExternalId": "ext-5"}}`
		}
		principals := `"` + prev + `"`
		if i == 4 {
			principals += `, "arn:aws:iam::222222222222:role/c6"`
		}
		perm := `{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::*:role/c*"}`
		if i == 7 {
			perm = `{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}`
		}
		roles[acct(i)] = append(roles[acct(i)], fmt.Sprintf(`{"name": "c%d",
  "trustPolicy": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": [%s]}, "Action": "sts:AssumeRole"%s}]},
  "policies": [{"name": "p", "document": {"Version": "2012-10-17", "Statement": [%s]}}]}`, i, principals, cond, perm))
	}
	doc := `{"accounts": [
 {"id": "111111111111", "users": [{"name": "u", "policies": [{"name": "p", "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}}]}],
  "roles": [` + strings.Join(roles["111111111111"], ",") + `]},
 {"id": "222222222222", "roles": [` + strings.Join(roles["222222222222"], ",") + `],
  "resources": [{"arn": "arn:aws:s3:::data"}]}]}`
	w, err := world.Parse("chain.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestWhoCanDeepChain(t *testing.T) {
	w := chainWorld(t)
	x := NewIndex(w)
	q := WhoCanQuery{Actions: []string{"s3:GetObject"}, Resource: "arn:aws:s3:::data/k", Time: diffTime, Transitive: true, MaxDepth: 8}
	as, err := x.WhoCan(q)
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]*Access{}
	for _, a := range as {
		by[a.Principal] = a
		recheck(t, w, q, a)
	}
	u := by["arn:aws:iam::111111111111:user/u"]
	if u == nil || len(u.Via) != 8 || u.Decision != DecisionAllowedIf {
		t.Fatalf("user u: %v", u)
	}
	f, _, err := u.Formula()
	if err != nil {
		t.Fatal(err)
	}
	// The MFA condition is on the hop into c2 (step 2), the ExternalId on the
	// hop into c5 (step 5): conjoined, neither dropped.
	var got []string
	for _, alt := range f {
		for _, c := range alt {
			got = append(got, fmt.Sprintf("%d %s", c.Step, c))
		}
	}
	if len(f) != 1 || fmt.Sprint(got) != `[2 aws:MultiFactorAuthPresent Bool "true" 5 sts:ExternalId StringEquals "ext-5"]` {
		t.Errorf("u's formula: %v", f)
	}
	// c6 reaches c7 directly (1 hop), c5 too; c3 goes c4 -> c5 -> c6 -> c7,
	// needing only the ExternalId; the cycle c4 <-> c6 ends the search.
	for p, hops := range map[string]int{"arn:aws:iam::222222222222:role/c7": 0, "arn:aws:iam::111111111111:role/c6": 1,
		"arn:aws:iam::222222222222:role/c5": 2, "arn:aws:iam::111111111111:role/c4": 3, "arn:aws:iam::222222222222:role/c3": 4} {
		if a := by[p]; a == nil || len(a.Via) != hops {
			t.Errorf("%s: %v, want %d hops", p, a, hops)
		}
	}
	if a := by["arn:aws:iam::111111111111:role/c4"]; a == nil || a.Decision != DecisionAllowedIf {
		t.Errorf("c4 needs the ExternalId: %v", a)
	}
	if a := by["arn:aws:iam::222222222222:role/c5"]; a == nil || a.Decision != DecisionAllowed {
		t.Errorf("c5: %v", a)
	}
	// With the depth bounded at 6, the user is out of reach.
	q.MaxDepth = 6
	as, _ = x.WhoCan(q)
	for _, a := range as {
		if a.Principal == "arn:aws:iam::111111111111:user/u" {
			t.Errorf("depth 6: %v", a)
		}
	}
}

// TestWhoCanEveryRoute: a user reaches the bucket through two roles whose
// trust policies need different ExternalIds, and through a third with no
// condition but longer; a second user only through the conditional ones.
// The answer is the disjunction of the routes: one row per route whose
// conditions no other route's imply, and one unconditional row where a
// route needs nothing.
func TestWhoCanEveryRoute(t *testing.T) {
	trust := func(principals, cond string) string {
		return `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": [` + principals + `]}, "Action": "sts:AssumeRole"` + cond + `}]}`
	}
	assume := `{"name": "p", "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}}`
	read := `{"name": "p", "document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}]}}`
	u1, u2 := `"arn:aws:iam::111111111111:user/u1"`, `"arn:aws:iam::111111111111:user/u2"`
	doc := `{"accounts": [
 {"id": "111111111111", "users": [{"name": "u1", "policies": [` + assume + `]}, {"name": "u2", "policies": [` + assume + `]}]},
 {"id": "222222222222", "roles": [
  {"name": "a", "trustPolicy": ` + trust(u1+","+u2, `, "Condition": {"StringEquals": {"sts:ExternalId": "ext-a"}}`) + `, "policies": [` + read + `]},
  {"name": "b", "trustPolicy": ` + trust(u1+","+u2, `, "Condition": {"StringEquals": {"sts:ExternalId": "ext-b"}}`) + `, "policies": [` + read + `]},
  {"name": "hop", "trustPolicy": ` + trust(u1, "") + `, "policies": [` + assume + `]},
  {"name": "c", "trustPolicy": ` + trust(`"arn:aws:iam::222222222222:role/hop"`, "") + `, "policies": [` + read + `]}],
  "resources": [{"arn": "arn:aws:s3:::data"}]}]}`
	w, err := world.Parse("routes.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	q := WhoCanQuery{Actions: []string{"s3:GetObject"}, Resource: "arn:aws:s3:::data/k", Time: diffTime, Transitive: true}
	as, err := NewIndex(w).WhoCan(q)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range as {
		recheck(t, w, q, a)
		f, _, err := a.Formula()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %s via %v if %v", a.Principal, a.Decision, a.Via, f))
	}
	want := []string{
		"arn:aws:iam::111111111111:user/u1 allowed via [arn:aws:iam::222222222222:role/hop arn:aws:iam::222222222222:role/c] if [[]]",
		"arn:aws:iam::111111111111:user/u2 allowedIf via [arn:aws:iam::222222222222:role/a] if [[sts:ExternalId StringEquals \"ext-a\"]]",
		"arn:aws:iam::111111111111:user/u2 allowedIf via [arn:aws:iam::222222222222:role/b] if [[sts:ExternalId StringEquals \"ext-b\"]]",
		"arn:aws:iam::222222222222:role/a allowed via [] if [[]]",
		"arn:aws:iam::222222222222:role/b allowed via [] if [[]]",
		"arn:aws:iam::222222222222:role/c allowed via [] if [[]]",
		"arn:aws:iam::222222222222:role/hop allowed via [arn:aws:iam::222222222222:role/c] if [[]]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
