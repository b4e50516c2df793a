package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/store/sqlite"
)

func TestAuditQueryAndFollow(t *testing.T) {
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "a.db")
	st, err := sqlite.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	log := audit.NewLog(st)
	defer log.Close()
	at := time.Now().Add(-time.Minute)
	for i, op := range []string{"CreateRole", "GetRole", "CreateRole"} {
		e := &audit.Entry{Time: at.Add(time.Duration(i) * time.Second), RequestID: "r" + op + string(rune('0'+i)), Account: "123456789012",
			Caller: "arn:aws:iam::123456789012:user/admin", Service: "iam", Operation: op, Outcome: "OK"}
		if err := log.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := runAudit(ctx, auditParams{store: dsn, operation: "iam:CreateRole", since: "1h"}, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("CreateRole entries: %q", out.String())
	}
	var first audit.Entry
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first.Operation != "CreateRole" {
		t.Fatalf("entry: %s %v", lines[0], err)
	}
	// --follow prints what is appended later.
	fctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	followed := &syncBuffer{}
	go func() {
		done <- runAudit(fctx, auditParams{store: dsn, operation: "DeleteRole", follow: true, poll: 20 * time.Millisecond}, followed)
	}()
	time.Sleep(100 * time.Millisecond)
	if err := log.Append(ctx, &audit.Entry{Time: time.Now(), RequestID: "late", Service: "iam", Operation: "DeleteRole", Outcome: "OK"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(followed.String(), `"late"`) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(followed.String(), `"requestId":"late"`) {
		t.Fatalf("followed: %q", followed.String())
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// --caller with a role's ARN matches its sessions, as --help says (the
// IAM User Guide, "IAM identifiers": a session is
// arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION, without the role's path);
// --follow prints an entry stored later even when its call started before
// the entries already printed.
func TestAuditCallerRoleAndFollowByOrder(t *testing.T) {
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "a.db")
	st, err := sqlite.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	log := audit.NewLog(st)
	defer log.Close()
	now := time.Now()
	for _, e := range []*audit.Entry{
		{Time: now.Add(-3 * time.Second), RequestID: "s1", Caller: "arn:aws:sts::123456789012:assumed-role/deploy/ci-1", Service: "iam", Operation: "GetRole", Outcome: "OK"},
		{Time: now.Add(-2 * time.Second), RequestID: "other", Caller: "arn:aws:sts::123456789012:assumed-role/deployer/ci-1", Service: "iam", Operation: "GetRole", Outcome: "OK"},
		{Time: now.Add(-1 * time.Second), RequestID: "s2", Caller: "arn:aws:sts::123456789012:assumed-role/deploy/ci-2", Service: "iam", Operation: "GetRole", Outcome: "OK"},
	} {
		if err := log.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := runAudit(ctx, auditParams{store: dsn, caller: "arn:aws:iam::123456789012:role/build/deploy"}, &out); err != nil {
		t.Fatal(err)
	}
	if got := requestIDsOf(t, out.String()); strings.Join(got, ",") != "s1,s2" {
		t.Fatalf("by role: %v", got)
	}
	fctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	followed := &syncBuffer{}
	go func() {
		done <- runAudit(fctx, auditParams{store: dsn, caller: "arn:aws:iam::123456789012:role/deploy", follow: true, poll: 10 * time.Millisecond}, followed)
	}()
	for len(requestIDsOf(t, followed.String())) < 2 {
		time.Sleep(10 * time.Millisecond)
	}
	// Started a minute ago, stored now.
	if err := log.Append(ctx, &audit.Entry{Time: now.Add(-time.Minute), RequestID: "slow", Caller: "arn:aws:sts::123456789012:assumed-role/deploy/ci-3", Service: "iam", Operation: "GetRole", Outcome: "OK"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(requestIDsOf(t, followed.String())) < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := requestIDsOf(t, followed.String()); strings.Join(got, ",") != "s1,s2,slow" {
		t.Fatalf("followed: %v", got)
	}
}

func requestIDsOf(t *testing.T, lines string) []string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(lines), "\n") {
		if l == "" {
			continue
		}
		var e audit.Entry
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		out = append(out, e.RequestID)
	}
	return out
}

func TestParseRetention(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90d", 90 * 24 * time.Hour, true},
		{"0", 0, true},
		{"0d", 0, true},
		{"720h", 720 * time.Hour, true},
		{"1h30m", 90 * time.Minute, true},
		{"-1h", 0, false},
		{"-3d", 0, false},
		{"d", 0, false},
		{"ninety", 0, false},
	} {
		got, err := parseRetention(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("%q: %v %v", tc.in, got, err)
		}
	}
	var d time.Duration
	if f := newRetentionFlag(&d); d != audit.DefaultRetention || f.String() != "90d" {
		t.Fatalf("default %v %q", d, f.String())
	}
}
