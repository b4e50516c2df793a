package world_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/world"
)

// bigWorld builds an organization of 100 accounts in 5 OUs with SCPs and an
// RCP; each account has 10 users in 2 groups, 10 roles trusting the next
// account, 5 customer managed policies and 20 buckets with policies.
func bigWorld(b *testing.B) *world.World {
	var sb strings.Builder
	sb.WriteString("organization:\n  managementAccount: \"100000000000\"\n  policies:\n")
	sb.WriteString("    DenyRegions: {type: scp, document: {Version: \"2012-10-17\", Statement: [{Effect: Deny, NotAction: [\"iam:*\", \"sts:*\"], Resource: \"*\", Condition: {StringNotEquals: {aws:RequestedRegion: [eu-central-1, us-east-1]}}}]}}\n")
	sb.WriteString("    Perimeter: {type: rcp, document: {Version: \"2012-10-17\", Statement: [{Effect: Deny, Principal: \"*\", Action: \"s3:*\", Resource: \"*\", Condition: {StringNotEqualsIfExists: {aws:PrincipalOrgID: o-bench00001}, BoolIfExists: {aws:PrincipalIsAWSService: \"false\"}}}]}}\n")
	sb.WriteString("  id: o-bench00001\n  root:\n    accounts: [\"100000000000\"]\n    ous:\n")
	acct := func(i int) string { return fmt.Sprintf("%012d", 200000000000+i) }
	for o := 0; o < 5; o++ {
		fmt.Fprintf(&sb, "      - name: OU%d\n        scps: [FullAWSAccess, DenyRegions]\n        rcps: [RCPFullAWSAccess, Perimeter]\n        accounts: [", o)
		for i := o * 20; i < o*20+20; i++ {
			if i > o*20 {
				sb.WriteString(", ")
			}
			fmt.Fprintf(&sb, "%q", acct(i))
		}
		sb.WriteString("]\n")
	}
	sb.WriteString("accounts:\n  - id: \"100000000000\"\n")
	for i := 0; i < 100; i++ {
		a, next := acct(i), acct((i+1)%100)
		fmt.Fprintf(&sb, "  - id: %q\n    policies:\n", a)
		for p := 0; p < 5; p++ {
			fmt.Fprintf(&sb, "      - {name: p%d, document: {Version: \"2012-10-17\", Statement: [{Effect: Allow, Action: [\"s3:GetObject\", \"s3:ListBucket\"], Resource: [\"arn:aws:s3:::b-%s-%d\", \"arn:aws:s3:::b-%s-%d/*\"]}, {Effect: Allow, Action: \"sts:AssumeRole\", Resource: \"arn:aws:iam::%s:role/r%d\"}]}}\n", p, a, p, a, p, next, p)
		}
		sb.WriteString("    groups:\n")
		for g := 0; g < 2; g++ {
			fmt.Fprintf(&sb, "      - {name: g%d, managedPolicies: [\"arn:aws:iam::%s:policy/p%d\", \"arn:aws:iam::%s:policy/p%d\"]}\n", g, a, g, a, g+2)
		}
		sb.WriteString("    users:\n")
		for u := 0; u < 10; u++ {
			fmt.Fprintf(&sb, "      - {name: u%d, groups: [g%d], tags: {Team: t%d}, policies: [{name: own, document: {Version: \"2012-10-17\", Statement: [{Effect: Allow, Action: \"dynamodb:GetItem\", Resource: \"*\", Condition: {StringEquals: {aws:ResourceTag/Team: \"${aws:PrincipalTag/Team}\"}}}]}}]}\n", u, u%2, u)
		}
		sb.WriteString("    roles:\n")
		for r := 0; r < 10; r++ {
			prev := acct((i + 99) % 100)
			fmt.Fprintf(&sb, "      - {name: r%d, managedPolicies: [\"arn:aws:iam::%s:policy/p%d\"], trustPolicy: {Version: \"2012-10-17\", Statement: [{Effect: Allow, Principal: {AWS: \"arn:aws:iam::%s:root\"}, Action: sts:AssumeRole}]}}\n", r, a, r%5, prev)
		}
		sb.WriteString("    resources:\n")
		for r := 0; r < 20; r++ {
			fmt.Fprintf(&sb, "      - {arn: \"arn:aws:s3:::b-%s-%d\", tags: {Team: t%d}, policy: {Version: \"2012-10-17\", Statement: [{Effect: Allow, Principal: {AWS: \"arn:aws:iam::%s:root\"}, Action: \"s3:GetObject\", Resource: \"arn:aws:s3:::b-%s-%d/*\"}, {Effect: Deny, Principal: \"*\", Action: \"s3:*\", Resource: \"arn:aws:s3:::b-%s-%d/*\", Condition: {Bool: {aws:SecureTransport: \"false\"}}}]}}\n", a, r, r%10, acct((i+99)%100), a, r, a, r)
		}
	}
	w, err := world.Parse("bench.yaml", []byte(sb.String()))
	if err != nil {
		b.Fatal(err)
	}
	return w
}

// BenchmarkGatherAndDecide10k: 10,000 requests (same-account and
// cross-account S3 reads, cross-account AssumeRole trust checks, ABAC
// DynamoDB reads), each resolving the caller, gathering its policies,
// SCPs and RCPs from the 100-account world and deciding with explanation off.
func BenchmarkGatherAndDecide10k(b *testing.B) {
	w := bigWorld(b)
	type req struct {
		caller           *world.Caller
		action, resource string
	}
	var reqs []req
	ctx := map[string][]string{"aws:RequestedRegion": {"eu-central-1"}, "aws:SecureTransport": {"true"}}
	for i := 0; len(reqs) < 10000; i++ {
		a := fmt.Sprintf("%012d", 200000000000+i%100)
		prev := fmt.Sprintf("%012d", 200000000000+(i+99)%100)
		next := fmt.Sprintf("%012d", 200000000000+(i+1)%100)
		user, _ := w.Caller(fmt.Sprintf("arn:aws:iam::%s:user/u%d", a, i%10))
		role, _ := w.Caller(fmt.Sprintf("arn:aws:sts::%s:assumed-role/r%d/s", prev, i%10))
		reqs = append(reqs,
			req{user, "s3:GetObject", fmt.Sprintf("arn:aws:s3:::b-%s-%d/k", a, i%20)},
			req{role, "s3:GetObject", fmt.Sprintf("arn:aws:s3:::b-%s-%d/k", a, i%20)},
			req{role, "sts:AssumeRole", fmt.Sprintf("arn:aws:iam::%s:role/r%d", a, i%10)},
			req{user, "sts:AssumeRole", fmt.Sprintf("arn:aws:iam::%s:role/r%d", next, i%5)},
			req{user, "dynamodb:GetItem", fmt.Sprintf("arn:aws:dynamodb:eu-central-1:%s:table/t", a)},
		)
	}
	// One Prepared is reused for every request (PrepareInto), as a
	// server worker does.
	var q engine.Prepared
	pass := func() (allowed int) {
		for _, r := range reqs {
			if err := w.PrepareInto(&q, world.Request{Caller: r.caller, Action: r.action, Resource: r.resource, Context: ctx}); err != nil {
				b.Fatal(err)
			}
			if decision(&q) {
				allowed++
			}
		}
		return allowed
	}
	// The first pass after a world is published gathers each caller's and
	// resource's policies and fills the world's cache; it is reported
	// apart (cold-ns/request), the loop measures the decisions after it.
	start := time.Now()
	pass()
	cold := time.Since(start)
	b.ReportAllocs()
	b.ResetTimer()
	allowed := 0
	for n := 0; n < b.N; n++ {
		allowed = pass()
	}
	b.ReportMetric(float64(cold.Nanoseconds())/float64(len(reqs)), "cold-ns/request")
	b.ReportMetric(float64(allowed), "allowed/10k")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(reqs)), "ns/request")
}

func BenchmarkLoad100Accounts(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		bigWorld(b)
	}
}

// BenchmarkGatherAndDecide10kSessions is the session-token variant: the
// callers are 1,000 role sessions made by AssumeRole with session tags and
// an inline session policy (compiled once, as the server's session cache
// keeps them per token), each making S3 reads and DynamoDB ABAC reads.
func BenchmarkGatherAndDecide10kSessions(b *testing.B) {
	w := bigWorld(b)
	policy := []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","dynamodb:GetItem"],"Resource":"*"}]}`)
	var sessions []*world.Caller
	for i := 0; i < 1000; i++ {
		prev := fmt.Sprintf("%012d", 200000000000+(i+99)%100)
		a := fmt.Sprintf("%012d", 200000000000+i%100)
		k := i % 10 // u(k) holds p(k%2) and p(k%2+2) through its group
		user, err := w.Caller(fmt.Sprintf("arn:aws:iam::%s:user/u%d", prev, k))
		if err != nil {
			b.Fatal(err)
		}
		res, err := w.AssumeRole(user, world.AssumeRoleInput{RoleARN: fmt.Sprintf("arn:aws:iam::%s:role/r%d", a, k%2+2*(i/10%2)), SessionName: fmt.Sprintf("s%d", i),
			SessionPolicy: policy})
		if err != nil || res.Caller == nil {
			b.Fatalf("AssumeRole: %v %v", err, res.Reason)
		}
		sessions = append(sessions, res.Caller)
	}
	type req struct {
		caller           *world.Caller
		action, resource string
	}
	var reqs []req
	for i := 0; len(reqs) < 10000; i++ {
		c := sessions[i%len(sessions)]
		a := c.Account.ID
		reqs = append(reqs,
			req{c, "s3:GetObject", fmt.Sprintf("arn:aws:s3:::b-%s-%d/k", a, i%20)},
			req{c, "dynamodb:GetItem", fmt.Sprintf("arn:aws:dynamodb:eu-central-1:%s:table/t", a)})
	}
	ctx := map[string][]string{"aws:RequestedRegion": {"eu-central-1"}, "aws:SecureTransport": {"true"}}
	// One Prepared is reused for every request (PrepareInto), as a
	// server worker does.
	var q engine.Prepared
	pass := func() (allowed int) {
		for _, r := range reqs {
			if err := w.PrepareInto(&q, world.Request{Caller: r.caller, Action: r.action, Resource: r.resource, Context: ctx}); err != nil {
				b.Fatal(err)
			}
			if decision(&q) {
				allowed++
			}
		}
		return allowed
	}
	start := time.Now()
	pass()
	cold := time.Since(start)
	b.ReportAllocs()
	b.ResetTimer()
	allowed := 0
	for n := 0; n < b.N; n++ {
		allowed = pass()
	}
	b.ReportMetric(float64(cold.Nanoseconds())/float64(len(reqs)), "cold-ns/request")
	b.ReportMetric(float64(allowed), "allowed/10k")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(reqs)), "ns/request")
}
