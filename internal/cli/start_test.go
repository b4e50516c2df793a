package cli

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamgate/iamgate/keyring"
	"github.com/iamgate/iamgate/server"
	"github.com/iamgate/iamgate/store/storetest"
)

func absent(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s was created (%v)", p, err)
		}
	}
}

// occupied holds a loopback port for the test, as another iamgate would.
func occupied(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

// A start that cannot bind its listeners fails before it creates the
// store, the master key or the administrator, so the one-time key is never
// printed and lost.
func TestServeBindsListenersBeforeCreatingAnything(t *testing.T) {
	busy := occupied(t)
	for name, args := range map[string][]string{
		"busy --metrics-listen": {"--listen", "127.0.0.1:0", "--metrics-listen", busy},
		"busy --listen":         {"--listen", busy},
	} {
		t.Run(name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "iamgate.db")
			out, errOut, code := runMain(t, append([]string{"serve", "--store", db}, args...)...)
			flag := strings.Fields(name)[1]
			if code != ExitUsage || !strings.Contains(errOut, flag) || !strings.Contains(errOut, "address already in use") {
				t.Errorf("exit %d, stderr %q; want 2 naming %s", code, errOut, flag)
			}
			if strings.Contains(out, "aws_access_key_id") {
				t.Errorf("printed a key it then lost:\n%s", out)
			}
			absent(t, db, db+".key", db+"-wal")
		})
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// By default the metrics are at /metrics on the main listener when it is
// loopback (no second port to find busy), and the Query API at / is
// unchanged; on a listener others can reach they are not served
// unauthenticated.
func TestServeMetricsOnTheMainListener(t *testing.T) {
	db := filepath.Join(t.TempDir(), "iamgate.db")
	addr, out, stop := serveWith(t, serveParams{store: db, account: server.DefaultAccount})
	code, body := get(t, "http://"+addr+server.MetricsPath)
	if code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Errorf("GET /metrics: %d %.200s", code, body)
	}
	res, err := http.Post("http://"+addr+"/", "application/x-www-form-urlencoded", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 403 {
		t.Errorf("the Query API at /: %d", res.StatusCode)
	}
	stop()
	if !strings.Contains(out.String(), "metrics on http://"+addr+"/metrics") {
		t.Errorf("output: %s", out)
	}

	// All interfaces: not loopback, so no metrics there.
	addr, out, stop = serveWith(t, serveParams{store: db, account: server.DefaultAccount, listen: "0.0.0.0:0"})
	defer stop()
	_, port, _ := net.SplitHostPort(addr)
	if code, body := get(t, "http://127.0.0.1:"+port+server.MetricsPath); strings.Contains(body, "go_goroutines") {
		t.Errorf("metrics served on a non-loopback listener: %d", code)
	}
	if !strings.Contains(out.String(), "metrics are off") {
		t.Errorf("output does not say the metrics are off: %s", out)
	}
}

// A separate --metrics-listen address still works.
func TestServeMetricsListen(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	maddr := ln.Addr().String()
	ln.Close()
	_, out, stop := serveWith(t, serveParams{store: filepath.Join(t.TempDir(), "iamgate.db"), account: server.DefaultAccount, metricsListen: maddr})
	defer stop()
	if code, body := get(t, "http://"+maddr+server.MetricsPath); code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Errorf("GET %s/metrics: %d", maddr, code)
	}
	if !strings.Contains(out.String(), "metrics on http://"+maddr+"/metrics") {
		t.Errorf("output: %s", out)
	}
}

func callerIdentity(t *testing.T, addr, id, secret string) error {
	t.Helper()
	c := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, "")})
	_, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	return err
}

// With an existing store, a missing or different master key refuses to
// start (exit 2, naming the file or variable to restore) instead of making
// a new key and answering every signed request with HTTP 500; the right
// key starts and the first start's key still signs.
func TestServeRefusesAMissingOrWrongMasterKey(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "iamgate.db")
	keyPath := db + ".key"
	_, out, stop := serveWith(t, serveParams{store: db, account: server.DefaultAccount})
	stop()
	id := regexp.MustCompile(`AKIA[A-Z0-9]+`).FindString(out.String())
	secret := regexp.MustCompile(`aws_secret_access_key = (\S+)`).FindStringSubmatch(out.String())
	if id == "" || secret == nil {
		t.Fatalf("first start: %s", out)
	}
	right, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	wrong := base64.StdEncoding.EncodeToString(make([]byte, 32))

	if err := os.Remove(keyPath); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runMain(t, "serve", "--store", db, "--listen", "127.0.0.1:0")
	if code != ExitUsage || !strings.Contains(errOut, "restore "+keyPath) || !strings.Contains(errOut, keyring.MasterKeyEnv) {
		t.Errorf("missing key file: exit %d, %s", code, errOut)
	}
	absent(t, keyPath)

	if err := os.WriteFile(keyPath, []byte(wrong+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = runMain(t, "serve", "--store", db, "--listen", "127.0.0.1:0")
	if code != ExitUsage || !strings.Contains(errOut, "the master key in "+keyPath+" is not the one") {
		t.Errorf("wrong key file: exit %d, %s", code, errOut)
	}

	if err := os.WriteFile(keyPath, right, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(keyring.MasterKeyEnv, wrong)
	_, errOut, code = runMain(t, "serve", "--store", db, "--listen", "127.0.0.1:0")
	if code != ExitUsage || !strings.Contains(errOut, keyring.MasterKeyEnv+" is not the master key") {
		t.Errorf("wrong %s: exit %d, %s", keyring.MasterKeyEnv, code, errOut)
	}
	if err := os.Unsetenv(keyring.MasterKeyEnv); err != nil {
		t.Fatal(err)
	}
	_, _, code = runMain(t, "access-key", "create", "--store", db, "--key-file", filepath.Join(dir, "other.key"), "--account", server.DefaultAccount, "--user", "admin")
	if code != ExitUsage {
		t.Errorf("access-key create without the key: exit %d", code)
	}

	addr, _, stop := serveWith(t, serveParams{store: db, account: server.DefaultAccount})
	defer stop()
	if err := callerIdentity(t, addr, id, secret[1]); err != nil {
		t.Errorf("the first start's key with the right master key: %v", err)
	}
}

// The store, its -wal and -shm and the master key file are created 0600
// (with umask 022), by serve and by import.
func TestServeAndImportCreateOwnerOnlyFiles(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	db := filepath.Join(t.TempDir(), "iamgate.db")
	_, _, stop := serveWith(t, serveParams{store: db, account: server.DefaultAccount})
	files := []string{db, db + "-wal", db + "-shm", db + ".key"}
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			t.Errorf("while serving: %v", err)
		} else if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600", filepath.Base(f), fi.Mode().Perm())
		}
	}
	stop()
	imported := filepath.Join(t.TempDir(), "imported.db")
	if _, errOut, code := runMain(t, "import", "--world", filepath.Join(pipelineExample, "world.yaml"), "--store", imported); code != 0 {
		t.Fatalf("import: %s", errOut)
	}
	if fi, err := os.Stat(imported); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("imported store: %v %v", fi, err)
	}
}

// Only serve and import create a store; every other command refuses a
// store that is not there (exit 2, "no store at PATH") and creates none.
func TestCommandsRefuseAMissingStore(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "nothing.db")
	for name, args := range map[string][]string{
		"audit":            {"audit"},
		"export":           {"export"},
		"test --use-store": {"test", "--use-store", filepath.Join("..", "..", "examples", "maskopy")},
		"access-key":       {"access-key", "create", "--account", server.DefaultAccount, "--user", "admin"},
	} {
		t.Run(name, func(t *testing.T) {
			out, errOut, code := runMain(t, append(args, "--store", db)...)
			if code != ExitUsage || !strings.Contains(errOut, "no store at "+db) {
				t.Errorf("exit %d, stderr %q, stdout %q", code, errOut, out)
			}
			absent(t, db, db+".key")
		})
	}
}

// A PostgreSQL database without iamgate's schema is no store either.
func TestCommandsRefuseAPostgresDatabaseWithoutSchema(t *testing.T) {
	dsn := storetest.FreshSchema(t, storetest.PostgresDSN(t))
	_, errOut, code := runMain(t, "export", "--store", dsn)
	if code != ExitUsage || !strings.Contains(errOut, "no store at") {
		t.Errorf("exit %d, %s", code, errOut)
	}
	if _, _, code := runMain(t, "export", "--store", dsn); code != ExitUsage {
		t.Errorf("the refusal created the schema")
	}
}

// --dev accepts any credentials, so it refuses to listen anywhere but
// loopback, before anything is created.
func TestDevRefusesANonLoopbackListen(t *testing.T) {
	for _, addr := range []string{":4599", "0.0.0.0:0", "[::]:0", "192.0.2.1:4599", "example.com:4599", "localhost.example.com:0"} {
		t.Run(addr, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "iamgate.db")
			_, errOut, code := runMain(t, "serve", "--dev", "--store", db, "--listen", addr)
			if code != ExitUsage || !strings.Contains(errOut, "loopback") || !strings.Contains(errOut, addr) {
				t.Errorf("exit %d, %s", code, errOut)
			}
			absent(t, db, db+".key")
		})
	}
	for _, addr := range []string{"127.0.0.1:4599", "127.1.2.3:0", "[::1]:4599", "localhost:4599", "LOCALHOST:0"} {
		if !loopbackHost(addr) {
			t.Errorf("%s is loopback", addr)
		}
	}
	_, _, stop := serveWith(t, serveParams{store: filepath.Join(t.TempDir(), "iamgate.db"), account: server.DefaultAccount, dev: true, listen: "localhost:0"})
	stop()
}
