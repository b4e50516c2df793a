package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serveForTest starts `iamgate serve` on a free port and returns its
// address and first-start output.
func serveForTest(t *testing.T, dsn string) (addr string, out *bytes.Buffer, stop func()) {
	return serveWith(t, serveParams{store: dsn, account: "123456789012"})
}

// serveWith starts `iamgate serve` with these parameters on a free
// loopback port unless p.listen says otherwise.
func serveWith(t *testing.T, p serveParams) (addr string, out *bytes.Buffer, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	out = &bytes.Buffer{}
	done := make(chan error, 1)
	if p.listen == "" {
		p.listen = "127.0.0.1:0"
	}
	p.logFormat, p.ready = "json", ready
	go func() { done <- runServe(ctx, p, out, io.Discard) }()
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start")
	}
	return addr, out, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve stopped with %v", err)
		}
	}
}

func TestServeFirstStartAndAccessKeyCreate(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "iamgate.db")
	addr, out, stop := serveForTest(t, dsn)
	res, err := http.Post("http://"+addr+"/", "application/x-www-form-urlencoded", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 403 {
		t.Fatalf("unsigned request: %d", res.StatusCode)
	}
	stop()
	text := out.String()
	for _, want := range []string{"created account 123456789012", "aws_access_key_id = AKIA", "aws_secret_access_key = ", "serving IAM and STS on http://127.0.0.1:", "metrics on http://" + addr + "/metrics"} {
		if !strings.Contains(text, want) {
			t.Errorf("first start output lacks %q:\n%s", want, text)
		}
	}
	// The unsigned call is not in the audit log (it was not authenticated);
	// the log reads back as JSON lines.
	var lines bytes.Buffer
	if err := runAudit(context.Background(), auditParams{store: dsn}, &lines); err != nil {
		t.Fatal(err)
	}
	if lines.Len() != 0 {
		t.Errorf("audit log after one unsigned call: %s", lines.String())
	}
	// A second start prints no key.
	_, out, stop = serveForTest(t, dsn)
	stop()
	if strings.Contains(out.String(), "aws_access_key_id") {
		t.Errorf("second start printed a key:\n%s", out)
	}
	// The operator command makes a key for any user in the store.
	var buf bytes.Buffer
	if err := runAccessKeyCreate(context.Background(), dsn, keyFile(dsn, ""), "123456789012", "admin", "text", &buf); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "aws_access_key_id = AKIA") {
		t.Errorf("access-key create: %s", buf.String())
	}
	if err := runAccessKeyCreate(context.Background(), dsn, keyFile(dsn, ""), "123456789012", "admin", "text", &buf); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("third key: %v", err)
	}
	if err := runAccessKeyCreate(context.Background(), dsn, keyFile(dsn, ""), "123456789012", "nobody", "text", &buf); err == nil {
		t.Error("a key for a missing user")
	}
}
