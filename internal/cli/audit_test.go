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
