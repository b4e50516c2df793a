package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/iamgate/iamgate/store"
)

// AuditBenchEntries is how many entries the audit benchmarks fill a
// store with: IAMGATE_AUDIT_BENCH_ENTRIES, or 10,000 (BENCHMARKS.md's
// figures are at 1,000,000).
func AuditBenchEntries(tb testing.TB) int {
	s := os.Getenv("IAMGATE_AUDIT_BENCH_ENTRIES")
	if s == "" {
		return 10000
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		tb.Fatalf("IAMGATE_AUDIT_BENCH_ENTRIES=%q: want a positive number", s)
	}
	return n
}

// AuditFill describes what FillAudit stored.
type AuditFill struct {
	Accounts []string // 100 accounts; Accounts[0] is the caller's own account when one is given
	First    time.Time
	Last     time.Time
	// Per account: users u0..u9 (arn:aws:iam::ACCOUNT:user/uN) and roles
	// r0..r4 (arn:aws:iam::ACCOUNT:role/team/rN), whose sessions s0..s19
	// call.
	Users, Roles int
	// Operations are the IAM operations called: Operations[0] (GetUser)
	// is the commonest (about 30%), RareOperation about 1 call in 1,300.
	Operations    []string
	RareOperation string
	Took          time.Duration
}

// FillAudit appends n entries spread over 30 days up to now (with a few
// seconds of skew between their times and their order), in batches of
// 1,000 as the group commit does: 100 accounts (the first is account, if
// not ""), 10 users and 5 roles each, every call allowed but one in ten.
func FillAudit(tb testing.TB, st store.Store, n int, account string) AuditFill {
	tb.Helper()
	ctx := context.Background()
	f := AuditFill{Users: 10, Roles: 5, RareOperation: "DeleteAccountAlias",
		Operations: []string{"GetUser", "ListRoles", "GetRole", "ListUsers", "CreateRole", "PutRolePolicy", "AttachRolePolicy",
			"CreateUser", "DeleteUser", "ListPolicies", "GetPolicy", "TagRole", "UpdateAssumeRolePolicy", "ListAccessKeys", "CreateAccessKey"}}
	for i := 0; i < 100; i++ {
		f.Accounts = append(f.Accounts, fmt.Sprintf("%012d", 100000000000+i))
	}
	if account != "" {
		f.Accounts[0] = account
	}
	rng := rand.New(rand.NewPCG(1, 2))
	f.Last = time.Now().UTC()
	f.First = f.Last.Add(-30 * 24 * time.Hour)
	step := f.Last.Sub(f.First) / time.Duration(n)
	start := time.Now()
	batch := make([]store.AuditRecord, 0, 1000)
	for i := 0; i < n; i++ {
		acct := f.Accounts[rng.IntN(len(f.Accounts))]
		var caller string
		if rng.IntN(2) == 0 {
			caller = fmt.Sprintf("arn:aws:iam::%s:user/u%d", acct, rng.IntN(f.Users))
		} else {
			caller = fmt.Sprintf("arn:aws:sts::%s:assumed-role/r%d/s%d", acct, rng.IntN(f.Roles), rng.IntN(20))
		}
		op := f.Operations[rng.IntN(len(f.Operations))]
		switch {
		case rng.IntN(4) == 0:
			op = f.Operations[0]
		case rng.IntN(1000) == 0:
			op = f.RareOperation
		}
		at := f.First.Add(time.Duration(i)*step - time.Duration(rng.IntN(5000))*time.Millisecond)
		decision, outcome := "allowed", "OK"
		if rng.IntN(10) == 0 {
			decision, outcome = "implicitDeny", "AccessDenied"
		}
		data := fmt.Sprintf(`{"time":%q,"requestId":"%08x-0000-4000-8000-%012x","account":%q,"caller":%q,"accessKeyId":"AKIAEXAMPLE%09d","sourceIp":"10.0.%d.%d","region":"us-east-1","service":"iam","operation":%q,"outcome":%q,"decisions":[{"action":"iam:%s","resource":"arn:aws:iam::%s:role/app","decision":%q,"layer":"identity","statement":{"policy":"arn:aws:iam::aws:policy/AdministratorAccess","index":0}}]}`,
			at.Format(time.RFC3339Nano), i, i, acct, caller, i%1000000000, i%256, (i/256)%256, op, outcome, op, acct, decision)
		r := store.AuditRecord{Time: at, Account: acct, Caller: caller, Service: "iam", Operation: op, Region: "us-east-1", Data: []byte(data)}
		if decision == "allowed" {
			r.Attempted = []string{"iam:" + op}
		}
		batch = append(batch, r)
		if len(batch) == cap(batch) || i == n-1 {
			if err := st.AppendAudit(ctx, batch); err != nil {
				tb.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	f.Took = time.Since(start)
	return f
}
