package analysis

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"testing"

	"github.com/iamgate/iamgate/world"
)

// A generator of small worlds for the differential tests: few accounts,
// users in groups, roles with trust across accounts (conditions on
// ExternalId, MFA and principal tags), policies with wildcards and
// conditions, boundaries, SCPs and RCPs, and resources with policies. The
// alphabets are small, so brute force over the world is an oracle.

var (
	genAccounts = []string{"111111111111", "222222222222", "333333333333"}
	genActions  = []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "sqs:SendMessage", "sqs:ReceiveMessage", "kms:Decrypt"}
	genPatterns = []string{"s3:GetObject", "s3:Get*", "s3:*", "s3:?utObject", "*", "sqs:*", "sqs:SendMessage", "kms:Decrypt", "kms:*", "s3:*Object"}
	genServices = []string{"lambda.amazonaws.com", "ec2.amazonaws.com"}
)

type gen struct {
	r     *rand.Rand
	roles []string // role ARNs
	users []string
}

func (g *gen) pick(xs []string) string { return xs[g.r.Intn(len(xs))] }

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

func (g *gen) resources() []string {
	return []string{"arn:aws:s3:::bucket-a/*", "arn:aws:s3:::bucket-a/k", "arn:aws:s3:::bucket-b/*",
		"arn:aws:sqs:us-east-1:222222222222:q1", "arn:aws:kms:us-east-1:111111111111:key/k1", "*"}
}

// condition returns a random Condition element (or nil).
func (g *gen) condition() map[string]any {
	switch g.r.Intn(9) {
	case 0:
		return map[string]any{"Bool": map[string]any{"aws:MultiFactorAuthPresent": "true"}}
	case 1:
		return map[string]any{"StringEquals": map[string]any{"aws:PrincipalTag/team": g.pick([]string{"red", "blue"})}}
	case 2:
		return map[string]any{"IpAddress": map[string]any{"aws:SourceIp": "10.0.0.0/8"}}
	case 3:
		return map[string]any{"StringLike": map[string]any{"aws:RequestedRegion": "eu-*"}}
	}
	return nil
}

func (g *gen) identityStatement() map[string]any {
	s := map[string]any{"Effect": "Allow", "Resource": g.pick(g.resources())}
	if g.chance(0.15) {
		s["Effect"] = "Deny"
	}
	if g.chance(0.08) {
		s["NotAction"] = g.pick(genPatterns)
	} else {
		s["Action"] = []string{g.pick(genPatterns), g.pick(genPatterns)}
	}
	if c := g.condition(); c != nil {
		s["Condition"] = c
	}
	return s
}

func (g *gen) assumeStatement() map[string]any {
	res := "arn:aws:iam::*:role/*"
	if len(g.roles) > 0 && g.chance(0.6) {
		res = g.pick(g.roles)
	} else if g.chance(0.3) {
		res = "arn:aws:iam::" + g.pick(genAccounts) + ":role/r*"
	}
	s := map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": res}
	if g.chance(0.2) {
		s["Condition"] = map[string]any{"Bool": map[string]any{"aws:MultiFactorAuthPresent": "true"}}
	}
	return s
}

func (g *gen) policy(n int, assume bool) map[string]any {
	var st []any
	for i := 0; i < n; i++ {
		st = append(st, g.identityStatement())
	}
	if assume {
		st = append(st, g.assumeStatement())
	}
	return map[string]any{"Version": "2012-10-17", "Statement": st}
}

func (g *gen) trust(acct string) map[string]any {
	var st []any
	for i := 0; i < 1+g.r.Intn(2); i++ {
		var pr any
		switch g.r.Intn(6) {
		case 0:
			pr = map[string]any{"AWS": g.pick(genAccounts)}
		case 1:
			pr = map[string]any{"Service": g.pick(genServices)}
		case 2:
			if len(g.users) > 0 {
				pr = map[string]any{"AWS": g.pick(g.users)}
			} else {
				pr = map[string]any{"AWS": acct}
			}
		case 3:
			pr = map[string]any{"AWS": "arn:aws:iam::" + g.pick(genAccounts) + ":root"}
		default:
			if len(g.roles) > 0 {
				pr = map[string]any{"AWS": g.pick(g.roles)}
			} else {
				pr = map[string]any{"AWS": "*"}
			}
		}
		s := map[string]any{"Effect": "Allow", "Principal": pr, "Action": "sts:AssumeRole"}
		switch g.r.Intn(6) {
		case 0:
			s["Condition"] = map[string]any{"StringEquals": map[string]any{"sts:ExternalId": g.pick([]string{"x1", "x2"})}}
		case 1:
			s["Condition"] = map[string]any{"Bool": map[string]any{"aws:MultiFactorAuthPresent": "true"}}
		case 2:
			s["Condition"] = map[string]any{"StringEquals": map[string]any{"aws:PrincipalTag/team": "red"}}
		}
		st = append(st, s)
	}
	if g.chance(0.1) {
		st = append(st, map[string]any{"Effect": "Deny", "Principal": map[string]any{"AWS": "*"}, "Action": "sts:AssumeRole",
			"Condition": map[string]any{"StringNotEquals": map[string]any{"aws:PrincipalAccount": acct}}})
	}
	return map[string]any{"Version": "2012-10-17", "Statement": st}
}

func (g *gen) resourcePolicy(target string) map[string]any {
	var st []any
	for i := 0; i < 1+g.r.Intn(2); i++ {
		var pr any
		switch g.r.Intn(5) {
		case 0:
			pr = "*"
		case 1:
			pr = map[string]any{"AWS": g.pick(genAccounts)}
		case 2:
			pr = map[string]any{"Service": g.pick(genServices)}
		default:
			if len(g.roles) > 0 && g.chance(0.5) {
				pr = map[string]any{"AWS": g.pick(g.roles)}
			} else if len(g.users) > 0 {
				pr = map[string]any{"AWS": g.pick(g.users)}
			} else {
				pr = map[string]any{"AWS": "*"}
			}
		}
		s := map[string]any{"Effect": "Allow", "Principal": pr, "Action": []string{g.pick(genPatterns)}, "Resource": target}
		if g.chance(0.2) {
			s["Effect"] = "Deny"
		}
		if c := g.condition(); c != nil {
			s["Condition"] = c
		} else if g.chance(0.3) {
			s["Condition"] = map[string]any{"Bool": map[string]any{"aws:SecureTransport": "true"}}
		}
		st = append(st, s)
	}
	return map[string]any{"Version": "2012-10-17", "Statement": st}
}

// smallWorld generates a world from a seed.
func smallWorld(t testing.TB, seed int64) *world.World {
	t.Helper()
	fw, _ := smallWorldFile(seed)
	return parseSmallWorld(t, seed, fw)
}

func parseSmallWorld(t testing.TB, seed int64, fw map[string]any) *world.World {
	t.Helper()
	data, err := json.Marshal(fw)
	if err != nil {
		t.Fatal(err)
	}
	w, err := world.Parse(fmt.Sprintf("seed-%d.json", seed), data)
	if err != nil {
		t.Fatalf("seed %d: %v\n%s", seed, err, data)
	}
	return w
}

// smallWorldFile generates the world file of a seed (as JSON values), and
// the generator, which can write more policies naming its principals.
func smallWorldFile(seed int64) (map[string]any, *gen) {
	g := &gen{r: rand.New(rand.NewSource(seed))}
	nAcct := 2 + g.r.Intn(2)
	accts := genAccounts[:nAcct]
	// Entity names first, so that policies can name them.
	type plan struct{ users, roles []string }
	plans := map[string]*plan{}
	for _, a := range accts {
		p := &plan{}
		for i := 0; i < 1+g.r.Intn(2); i++ {
			p.users = append(p.users, fmt.Sprintf("u%d", i))
			g.users = append(g.users, "arn:aws:iam::"+a+":user/"+p.users[i])
		}
		for i := 0; i < 1+g.r.Intn(3); i++ {
			p.roles = append(p.roles, fmt.Sprintf("r%d", i))
			g.roles = append(g.roles, "arn:aws:iam::"+a+":role/"+p.roles[i])
		}
		plans[a] = p
	}
	var accounts []any
	for _, a := range accts {
		p := plans[a]
		acct := map[string]any{"id": a}
		var policies []any
		hasBoundary := g.chance(0.3)
		if hasBoundary {
			policies = append(policies, map[string]any{"name": "Boundary", "document": map[string]any{"Version": "2012-10-17",
				"Statement": []any{map[string]any{"Effect": "Allow", "Action": []string{"s3:*", "sts:AssumeRole", g.pick(genPatterns)}, "Resource": "*"}}}})
		}
		policies = append(policies, map[string]any{"name": "Shared", "document": g.policy(1, g.chance(0.5))})
		acct["policies"] = policies
		shared := "arn:aws:iam::" + a + ":policy/Shared"
		acct["groups"] = []any{map[string]any{"name": "g", "policies": []any{map[string]any{"name": "gi", "document": g.policy(1, g.chance(0.3))}}}}
		var users []any
		for _, u := range p.users {
			m := map[string]any{"name": u, "tags": map[string]string{"team": g.pick([]string{"red", "blue"})}}
			if g.chance(0.5) {
				m["groups"] = []string{"g"}
			}
			if g.chance(0.5) {
				m["policies"] = []any{map[string]any{"name": "i", "document": g.policy(1, g.chance(0.6))}}
			}
			if g.chance(0.3) {
				m["managedPolicies"] = []string{shared}
			}
			if hasBoundary && g.chance(0.4) {
				m["permissionsBoundary"] = "arn:aws:iam::" + a + ":policy/Boundary"
			}
			users = append(users, m)
		}
		acct["users"] = users
		var roles []any
		for _, r := range p.roles {
			m := map[string]any{"name": r, "trustPolicy": g.trust(a), "tags": map[string]string{"team": g.pick([]string{"red", "blue"})}}
			if g.chance(0.8) {
				m["policies"] = []any{map[string]any{"name": "i", "document": g.policy(1+g.r.Intn(2), g.chance(0.6))}}
			}
			if g.chance(0.3) {
				m["managedPolicies"] = []string{shared}
			}
			if hasBoundary && g.chance(0.4) {
				m["permissionsBoundary"] = "arn:aws:iam::" + a + ":policy/Boundary"
			}
			roles = append(roles, m)
		}
		acct["roles"] = roles
		var res []any
		switch a {
		case "111111111111":
			res = append(res, map[string]any{"arn": "arn:aws:s3:::bucket-a", "policy": g.resourcePolicy("arn:aws:s3:::bucket-a/*")},
				map[string]any{"arn": "arn:aws:kms:us-east-1:111111111111:key/k1", "policy": g.resourcePolicy("*")})
		case "222222222222":
			res = append(res, map[string]any{"arn": "arn:aws:sqs:us-east-1:222222222222:q1", "policy": g.resourcePolicy("*")},
				map[string]any{"arn": "arn:aws:s3:::bucket-b"})
		}
		if len(res) > 0 {
			acct["resources"] = res
		}
		accounts = append(accounts, acct)
	}
	fw := map[string]any{"accounts": accounts}
	if g.chance(0.6) {
		deny := map[string]any{"Effect": "Deny", "Action": g.pick([]string{"s3:DeleteObject", "sqs:*", "sts:AssumeRole"}), "Resource": "*"}
		if g.chance(0.5) {
			deny["Condition"] = map[string]any{"BoolIfExists": map[string]any{"aws:MultiFactorAuthPresent": "false"}}
		}
		rcp := map[string]any{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
			"Condition": map[string]any{"StringNotEqualsIfExists": map[string]any{"aws:PrincipalAccount": accts}}}
		fw["organization"] = map[string]any{
			"managementAccount": accts[0],
			"policies": map[string]any{
				"Guard": map[string]any{"type": "scp", "document": map[string]any{"Version": "2012-10-17", "Statement": []any{deny}}},
				"Perim": map[string]any{"type": "rcp", "document": map[string]any{"Version": "2012-10-17", "Statement": []any{rcp}}},
			},
			"root": map[string]any{"accounts": []string{accts[0]}, "ous": []any{
				map[string]any{"name": "Work", "scps": []string{"FullAWSAccess", "Guard"}, "rcps": []string{"RCPFullAWSAccess", "Perim"}, "accounts": accts[1:]},
			}},
		}
	}
	return fw, g
}

func TestSmallWorldBuilds(t *testing.T) {
	for seed := int64(0); seed < 20; seed++ {
		smallWorld(t, seed)
	}
}
