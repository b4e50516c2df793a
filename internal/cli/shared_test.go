package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/storetest"
)

// Two `iamgate serve` processes on one store, and the operator commands
// (import, access-key create) run beside them, as real processes of the
// binary built from this tree: what a deployment of several servers does.
// The server package's TestShared proves the same properties in one
// process; these prove them across processes, through a SIGKILL.

// processDeadline is the correctness deadline for a change to reach a
// running server (the target is 1 s).
const processDeadline = 5 * time.Second

const (
	adminKeyID  = "AKIAIOSFODNN7EXAMPLE"
	adminSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

var processEnv = []string{
	"IAMGATE_MASTER_KEY=" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)),
	"IAMGATE_ADMIN_ACCESS_KEY_ID=" + adminKeyID,
	"IAMGATE_ADMIN_SECRET_ACCESS_KEY=" + adminSecret,
}

var admin = aws.Credentials{AccessKeyID: adminKeyID, SecretAccessKey: adminSecret}

// buildIamgate builds the iamgate binary into a temporary directory.
func buildIamgate(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "iamgate")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/iamgate/iamgate/cmd/iamgate").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// sharedStores are the two backends a deployment can share: a fresh
// PostgreSQL schema, or one SQLite file.
var sharedStores = []struct {
	name  string
	fresh func(t *testing.T) string
}{
	{"PostgreSQL", func(t *testing.T) string { return storetest.FreshSchema(t, storetest.PostgresDSN(t)) }},
	{"SQLite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "iamgate.db") }},
}

// serveProc is a running `iamgate serve`.
type serveProc struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
	log  *bytes.Buffer
}

var servingLine = regexp.MustCompile(`serving IAM and STS on (http://\S+)`)

func startServe(t *testing.T, bin, dsn string) *serveProc {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--store", dsn, "--listen", "127.0.0.1:0", "--metrics-listen", "off", "--key-file", filepath.Join(t.TempDir(), "unused.key"))
	cmd.Env = append(os.Environ(), processEnv...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &serveProc{cmd: cmd, done: make(chan struct{}), log: &bytes.Buffer{}}
	var mu sync.Mutex
	cmd.Stderr = &lockedWriter{mu: &mu, w: p.log}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := servingLine.FindStringSubmatch(sc.Text()); m != nil {
				ready <- m[1]
			}
		}
	}()
	go func() {
		_ = cmd.Wait() // killed at cleanup; an early exit shows in the log below
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			mu.Lock()
			t.Logf("server %s log (tail):\n%s", p.url, tail(p.log.String(), 2000))
			mu.Unlock()
		}
	})
	select {
	case p.url = <-ready:
	case <-p.done:
		t.Fatalf("iamgate serve exited: %s", p.log.String())
	case <-time.After(60 * time.Second):
		t.Fatal("iamgate serve did not start within 60 s")
	}
	return p
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *serveProc) kill() {
	_ = p.cmd.Process.Kill() // it may have exited already; done says when it is gone
	<-p.done
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func (p *serveProc) iam(c aws.Credentials) *iam.Client {
	return iam.New(iam.Options{Region: "us-east-1", Credentials: staticCreds(c), BaseEndpoint: aws.String(p.url), Retryer: aws.NopRetryer{},
		HTTPClient: &http.Client{Timeout: 30 * time.Second}})
}

func (p *serveProc) sts(c aws.Credentials) *sts.Client {
	return sts.New(sts.Options{Region: "us-east-1", Credentials: staticCreds(c), BaseEndpoint: aws.String(p.url), Retryer: aws.NopRetryer{},
		HTTPClient: &http.Client{Timeout: 30 * time.Second}})
}

func (p *serveProc) org(c aws.Credentials) *organizations.Client {
	return organizations.New(organizations.Options{Region: "us-east-1", Credentials: staticCreds(c), BaseEndpoint: aws.String(p.url), Retryer: aws.NopRetryer{},
		HTTPClient: &http.Client{Timeout: 30 * time.Second}})
}

func staticCreds(c aws.Credentials) aws.CredentialsProviderFunc {
	return func(context.Context) (aws.Credentials, error) { return c, nil }
}

// eventually polls check until it returns nil, and fails the test with
// what it last said after processDeadline.
func eventually(t *testing.T, what string, check func() error) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		err := check()
		if err == nil {
			return time.Since(start)
		}
		if time.Since(start) > processDeadline {
			t.Fatalf("%s: not within %v: %v", what, processDeadline, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// runBin runs an iamgate command and returns its exit code and output.
func runBin(t *testing.T, bin string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), processEnv...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

// A server killed with SIGKILL while it is writing loses none of the
// writes it acknowledged, and the other server carries on: it keeps
// accepting writes, and every write either acknowledged is in its world;
// the killed server, started again, has them all too.
func TestSharedServeSIGKILLMidWrite(t *testing.T) {
	bin := buildIamgate(t)
	for _, b := range sharedStores {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			dsn := b.fresh(t)
			a := startServe(t, bin, dsn)
			b := startServe(t, bin, dsn)
			var mu sync.Mutex
			acked := map[string]bool{}
			write := func(p *serveProc, prefix string, stop <-chan struct{}) {
				c := p.iam(admin)
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					name := fmt.Sprintf("%s%d", prefix, i)
					if _, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
						if prefix == "b" {
							t.Errorf("the surviving server refused CreateUser %s: %v", name, err)
						}
						return // the killed server's connection is gone
					}
					mu.Lock()
					acked[name] = true
					mu.Unlock()
				}
			}
			count := func(prefix string) int {
				mu.Lock()
				defer mu.Unlock()
				n := 0
				for k := range acked {
					if strings.HasPrefix(k, prefix) {
						n++
					}
				}
				return n
			}
			stopA, stopB := make(chan struct{}), make(chan struct{})
			var wg sync.WaitGroup
			for _, w := range []struct {
				p      *serveProc
				prefix string
				stop   chan struct{}
			}{{a, "a", stopA}, {a, "A", stopA}, {b, "b", stopB}} {
				wg.Add(1)
				go func() { defer wg.Done(); write(w.p, w.prefix, w.stop) }()
			}
			eventually(t, "writes acknowledged by the server to kill", func() error {
				if n := count("a") + count("A"); n < 10 {
					return fmt.Errorf("%d so far", n)
				}
				return nil
			})
			a.kill() // SIGKILL, with writes in flight
			afterKill := count("b")
			eventually(t, "writes acknowledged by the other server after the kill", func() error {
				if n := count("b"); n < afterKill+10 {
					return fmt.Errorf("%d since the kill", n-afterKill)
				}
				return nil
			})
			close(stopA)
			close(stopB)
			wg.Wait()
			mu.Lock()
			want := map[string]bool{"admin": true}
			for k := range acked {
				want[k] = true
			}
			mu.Unlock()
			t.Logf("%d writes acknowledged by the killed server, %d by the other", count("a")+count("A"), count("b"))
			a2 := startServe(t, bin, dsn)
			for _, p := range []*serveProc{b, a2} {
				eventually(t, "every acknowledged user on "+p.url, func() error {
					got := map[string]bool{}
					pg := iam.NewListUsersPaginator(p.iam(admin), &iam.ListUsersInput{})
					for pg.HasMorePages() {
						out, err := pg.NextPage(ctx)
						if err != nil {
							return err
						}
						for _, u := range out.Users {
							got[*u.UserName] = true
						}
					}
					var missing []string
					for k := range want {
						if !got[k] {
							missing = append(missing, k)
						}
					}
					if len(missing) > 0 {
						return fmt.Errorf("missing %v", missing)
					}
					return nil
				})
			}
		})
	}
}

// `iamgate import` and `iamgate access-key create` into the store of a
// running server: the server sees what they wrote within the deadline; an
// import over its live organization is refused (exit 2, naming it) unless
// --replace; and the server's next Organizations write keeps the imported
// organization.
func TestSharedImportAndAccessKeyCreateWhileServing(t *testing.T) {
	bin := buildIamgate(t)
	for _, b := range sharedStores {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			dsn := b.fresh(t)
			srv := startServe(t, bin, dsn)
			dir := t.TempDir()

			// An account with a role the server's administrator may assume
			// and a user, imported while the server runs.
			worldFile := filepath.Join(dir, "world.yaml")
			if err := os.WriteFile(worldFile, []byte(`accounts:
  - id: "333333333333"
    name: imported
    users: [{name: bob, managedPolicies: ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}]
    roles:
      - name: imported
        trustPolicy:
          Version: "2012-10-17"
          Statement:
            - {Effect: Allow, Principal: {AWS: "arn:aws:iam::123456789012:root"}, Action: "sts:AssumeRole"}
`), 0o600); err != nil {
				t.Fatal(err)
			}
			if code, out := runBin(t, bin, "import", "--store", dsn, "--world", worldFile); code != 0 {
				t.Fatalf("import: exit %d\n%s", code, out)
			}
			stsc := srv.sts(admin)
			took := eventually(t, "the imported role on the running server", func() error {
				_, err := stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::333333333333:role/imported"), RoleSessionName: aws.String("after-import")})
				return err
			})
			t.Logf("import seen by the running server after %v", took.Round(time.Millisecond))

			code, out := runBin(t, bin, "access-key", "create", "--store", dsn, "--account", "333333333333", "--user", "bob")
			if code != 0 {
				t.Fatalf("access-key create: exit %d\n%s", code, out)
			}
			id := regexp.MustCompile(`aws_access_key_id = (\S+)`).FindStringSubmatch(out)
			secret := regexp.MustCompile(`aws_secret_access_key = (\S+)`).FindStringSubmatch(out)
			if id == nil || secret == nil {
				t.Fatalf("access-key create printed %q", out)
			}
			bob := aws.Credentials{AccessKeyID: id[1], SecretAccessKey: secret[1]}
			took = eventually(t, "the created key on the running server", func() error {
				who, err := srv.sts(bob).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
				if err == nil && *who.Arn != "arn:aws:iam::333333333333:user/bob" {
					return fmt.Errorf("the key is %s", *who.Arn)
				}
				return err
			})
			t.Logf("access-key create seen by the running server after %v", took.Round(time.Millisecond))

			// The server's organization, then an import over it.
			oc := srv.org(admin)
			live := must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
			orgFile := filepath.Join(dir, "org.yaml")
			if err := os.WriteFile(orgFile, []byte(`organization:
  managementAccount: "123456789012"
  root:
    accounts: ["123456789012"]
    ous:
      - {name: Imported, accounts: ["333333333333"]}
`), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out = runBin(t, bin, "import", "--store", dsn, "--org", orgFile)
			if code != ExitUsage || !strings.Contains(out, "organization "+*live.Organization.Id) || !strings.Contains(out, "--replace") {
				t.Fatalf("an import over the live organization: exit %d, want %d naming %s and --replace:\n%s", code, ExitUsage, *live.Organization.Id, out)
			}
			if code, out := runBin(t, bin, "import", "--store", dsn, "--org", orgFile, "--replace"); code != 0 {
				t.Fatalf("import --replace: exit %d\n%s", code, out)
			}
			var root string
			eventually(t, "the imported organization on the running server", func() error {
				roots, err := oc.ListRoots(ctx, &organizations.ListRootsInput{})
				if err != nil {
					return err
				}
				root = *roots.Roots[0].Id
				ous, err := oc.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(root)})
				if err != nil {
					return err
				}
				if len(ous.OrganizationalUnits) != 1 || *ous.OrganizationalUnits[0].Name != "Imported" {
					return fmt.Errorf("OUs %v", ous.OrganizationalUnits)
				}
				return nil
			})
			// The server's next Organizations write is made on the
			// imported organization, not over it.
			must[*organizations.CreateOrganizationalUnitOutput](t)(oc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(root), Name: aws.String("AfterImport")}))
			st, err := openStore(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			o, err := store.LoadOrganization(ctx, st)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, ou := range o.Root.OUs {
				names = append(names, ou.Name)
			}
			if strings.Join(names, ",") != "Imported,AfterImport" || strings.Join(orgAccounts(o), ",") != "123456789012,333333333333" {
				t.Fatalf("the stored organization after the server's write: OUs %v, accounts %v", names, orgAccounts(o))
			}
		})
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
