package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// oneJSONDocument fails unless out is exactly one JSON document.
func oneJSONDocument(t *testing.T, what, out string) {
	t.Helper()
	if !json.Valid([]byte(out)) {
		t.Fatalf("%s: not one JSON document:\n%s", what, tail(out, 2000))
	}
}

// storeWithWorld imports a world file into a new SQLite store and returns
// its DSN; the master key is in IAMGATE_MASTER_KEY.
func storeWithWorld(t *testing.T, worldFile string) string {
	t.Helper()
	t.Setenv("IAMGATE_MASTER_KEY", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)))
	dsn := filepath.Join(t.TempDir(), "iamgate.db")
	if _, errOut, code := runMain(t, "import", "--world", worldFile, "--store", dsn); code != ExitOK {
		t.Fatalf("import: %d %s", code, errOut)
	}
	return dsn
}

// Every command that prints results prints one JSON document with
// --output json (or -o json, or IAMGATE_OUTPUT=json).
func TestOutputJSONIsOneDocumentPerCommand(t *testing.T) {
	maskopy := "../../examples/maskopy/world.yaml"
	datamasque := "../../examples/datamasque/world.yaml"
	act := activityFiles()
	activity := []string{"--world", act.world, "--cloudtrail", act.cloudtrail[0], "--days", "30", "--now", act.now}
	dsn := storeWithWorld(t, filepath.Join(pipelineExample, "world.yaml"))
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"eval", []string{"eval", "../../examples/eval/maskopy-delete-snapshot.json"}, ExitOK},
		{"expand", []string{"expand", "kms:ReEncrypt*", "kms:Decrypt"}, ExitOK},
		{"describe", []string{"describe", "sts:AssumeRole"}, ExitOK},
		{"validate", []string{"validate", "--color", "never", "../../testdata/templates/maskopy-cloudformation.yaml"}, ExitOK},
		{"diff --check", []string{"diff", "--check", "no-new-access", "--type", "identity", "testdata/diff/xacnt-maskopy-wide.json", "testdata/diff/xacnt-maskopy-wide.json"}, ExitOK},
		{"diff --world", []string{"diff", "--world", maskopy, "--world", maskopy}, ExitOK},
		{"who-can", []string{"who-can", "--world", datamasque, "--action", "kms:Decrypt", "--resource", "arn:aws:kms:us-east-1:222222222222:key/dm-key"}, ExitOK},
		{"can", []string{"can", "--world", maskopy, "--principal", "arn:aws:iam::111111111111:role/XACNT_MASKOPY", "--service", "rds"}, ExitOK},
		{"escalation", []string{"escalation", "--world", maskopy}, ExitOK},
		{"access external", []string{"access", "external", "--world", datamasque, "--zone", "account"}, ExitOK},
		{"access unused", append([]string{"access", "unused"}, activity...), ExitOK},
		{"generate", append([]string{"generate", "--principal", "arn:aws:iam::111111111111:user/dev-1"}, activity...), ExitOK},
		{"pipeline check", []string{"pipeline", "check", filepath.Join(pipelineExample, "submissions", "ec2-run-team-a"),
			"--world", filepath.Join(pipelineExample, "world.yaml"), "--guardrails", filepath.Join(pipelineExample, "guardrails.yaml"), "--account", "444444444444"}, ExitOK},
		{"export", []string{"export", "--store", dsn}, ExitOK},
		{"audit", []string{"audit", "--store", dsn}, ExitOK},
		{"access-key create", []string{"access-key", "create", "--store", dsn, "--account", "444444444444", "--user", "alice"}, ExitOK},
		{"test", []string{"test", "../../examples/maskopy"}, ExitOK},
		{"test, a failure", []string{"test", "--world", "../../examples/datamasque/world.yaml", "../../examples/maskopy"}, ExitMismatch},
		{"version", []string{"version"}, ExitOK},
	} {
		for _, how := range []string{"--output", "-o", "IAMGATE_OUTPUT"} {
			if tc.name == "access-key create" && how != "--output" {
				continue // a user has at most two keys
			}
			t.Run(tc.name+" "+how, func(t *testing.T) {
				args := tc.args
				if how == "IAMGATE_OUTPUT" {
					t.Setenv("IAMGATE_OUTPUT", "json")
				} else {
					args = append(append([]string{}, args...), how, "json")
				}
				out, errOut, code := runMain(t, args...)
				if code != tc.code {
					t.Fatalf("exit %d, want %d: %s", code, tc.code, errOut)
				}
				oneJSONDocument(t, tc.name, out)
			})
		}
	}
}

// --output takes text or json (validate also sarif): anything else, or
// json for a command that prints text only, is a usage error (exit 2),
// naming the variable when it came from one.
func TestOutputRefusesWhatACommandDoesNotPrint(t *testing.T) {
	for _, tc := range []struct {
		name, env string
		args      []string
		want      string
	}{
		{"unknown format", "", []string{"eval", "--output", "xml", "../../examples/eval/maskopy-delete-snapshot.json"}, `--output "xml": iamgate eval prints text or json`},
		{"sarif elsewhere", "", []string{"expand", "-o", "sarif", "s3:Get*"}, `--output "sarif": iamgate expand prints text or json`},
		{"text only", "", []string{"import", "--output", "json", "--world", "../../examples/maskopy/world.yaml", "--store", filepath.Join(t.TempDir(), "x.db")}, `--output "json": iamgate import prints text only`},
		{"from the environment", "xml", []string{"describe", "sts:AssumeRole"}, `--output "xml" (from IAMGATE_OUTPUT): iamgate describe prints text or json`},
		{"json with --follow", "", []string{"audit", "--follow", "--output", "json", "--store", filepath.Join(t.TempDir(), "none.db")}, "--follow prints JSON lines"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv("IAMGATE_OUTPUT", tc.env)
			}
			out, errOut, code := runMain(t, tc.args...)
			if code != ExitUsage || !strings.Contains(errOut, tc.want) || out != "" {
				t.Fatalf("exit %d, stderr %q, stdout %q", code, errOut, out)
			}
		})
	}
	// IAMGATE_OUTPUT=json set for every command: those that print text
	// only print text.
	t.Run("json from the environment, a text-only command", func(t *testing.T) {
		t.Setenv("IAMGATE_OUTPUT", "json")
		dsn := filepath.Join(t.TempDir(), "x.db")
		out, errOut, code := runMain(t, "import", "--world", "../../examples/maskopy/world.yaml", "--store", dsn)
		if code != ExitOK || !strings.HasPrefix(out, "../../examples/maskopy/world.yaml") && !strings.Contains(out, "stored ") {
			t.Fatalf("exit %d, stderr %q, stdout %q", code, errOut, out)
		}
		if out, _, code := runMain(t, "completion", "bash"); code != ExitOK || !strings.Contains(out, "bash completion") {
			t.Fatalf("completion: %d", code)
		}
	})
	// validate prints SARIF too.
	out, errOut, code := runMain(t, "validate", "-o", "sarif", "--color", "never", "../../testdata/templates/maskopy-cloudformation.yaml")
	if code != ExitOK {
		t.Fatalf("validate -o sarif: %d %s", code, errOut)
	}
	oneJSONDocument(t, "sarif", out)
}

// IAMGATE_<FLAG> sets a flag the command line does not give; the command
// line wins; a value the flag refuses is a usage error naming the variable.
func TestEnvironmentVariablePerFlag(t *testing.T) {
	snapshot := "../../examples/eval/maskopy-delete-snapshot.json" // implicitDeny
	t.Run("sets an unset flag", func(t *testing.T) {
		t.Setenv("IAMGATE_EXPECT", "allowed")
		if _, errOut, code := runMain(t, "eval", snapshot); code != ExitMismatch || !strings.Contains(errOut, "expected allowed") {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	})
	t.Run("the command line wins", func(t *testing.T) {
		t.Setenv("IAMGATE_EXPECT", "allowed")
		t.Setenv("IAMGATE_OUTPUT", "json")
		out, errOut, code := runMain(t, "eval", "--expect", "implicitDeny", "--output", "text", snapshot)
		if code != ExitOK || json.Valid([]byte(out)) {
			t.Fatalf("exit %d: %s\n%s", code, errOut, out)
		}
	})
	t.Run("an empty variable is unset", func(t *testing.T) {
		t.Setenv("IAMGATE_EXPECT", "")
		if _, errOut, code := runMain(t, "eval", snapshot); code != ExitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	})
	t.Run("required flags from the environment", func(t *testing.T) {
		t.Setenv("IAMGATE_WORLD", filepath.Join(pipelineExample, "world.yaml"))
		t.Setenv("IAMGATE_GUARDRAILS", filepath.Join(pipelineExample, "guardrails.yaml"))
		t.Setenv("IAMGATE_ACCOUNT", "444444444444")
		out, errOut, code := runMain(t, "pipeline", "check", filepath.Join(pipelineExample, "submissions", "ec2-run-team-a"))
		if code != ExitOK || !strings.Contains(out, "ACCEPTED Ec2RunTeamA for account 444444444444") {
			t.Fatalf("exit %d: %s %s", code, errOut, out)
		}
	})
	for _, tc := range []struct{ name, env, value string }{
		{"int", "IAMGATE_MAX_DEPTH", "four"},
		{"bool", "IAMGATE_TRANSITIVE", "maybe"},
	} {
		t.Run("bad "+tc.name, func(t *testing.T) {
			t.Setenv(tc.env, tc.value)
			args := []string{"escalation", "--world", "../../examples/maskopy/world.yaml"}
			if tc.env == "IAMGATE_TRANSITIVE" {
				args = []string{"who-can", "--world", "../../examples/maskopy/world.yaml", "--action", "s3:GetObject", "--resource", "*"}
			}
			out, errOut, code := runMain(t, args...)
			if code != ExitUsage || !strings.HasPrefix(errOut, "iamgate: "+tc.env+`="`+tc.value+`": not a valid --`) || out != "" {
				t.Fatalf("exit %d, stderr %q, stdout %q", code, errOut, out)
			}
		})
	}
	// IAMGATE_STORE names the store as --store does, but, as before the
	// rule, only --store on the command line makes who-can read the store
	// without --use-store.
	t.Run("IAMGATE_STORE does not imply --use-store", func(t *testing.T) {
		t.Setenv("IAMGATE_STORE", filepath.Join(t.TempDir(), "none.db"))
		if _, errOut, code := runMain(t, "who-can", "--action", "s3:GetObject", "--resource", "*"); code != ExitUsage || !strings.Contains(errOut, "give --world FILE or --use-store") {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	})
}

// The conventions hold for the whole tree: one --output (export's own
// also takes text or json), no format flag but deprecated aliases, and
// every flag's variable is IAMGATE_ and its name in upper snake case.
func TestEveryCommandFollowsTheConventions(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
			if f.Name == outputFlag && c.Name() != "export" {
				t.Errorf("%s: a local --output", c.CommandPath())
			}
			if (f.Name == "format" || f.Name == "json") && len(f.Annotations[aliasAnnotation]) == 0 {
				t.Errorf("%s: --%s beside --output", c.CommandPath(), f.Name)
			}
			if want := "IAMGATE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_")); EnvName(f.Name) != want {
				t.Errorf("%s: --%s: %s", c.CommandPath(), f.Name, EnvName(f.Name))
			}
		})
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(NewRoot(nil, os.Stdout, os.Stderr))
	if EnvName("store-dsn") != "IAMGATE_STORE_DSN" || EnvName("listen") != "IAMGATE_LISTEN" {
		t.Fatal(EnvName("store-dsn"), EnvName("listen"))
	}
}

// export: --file names the file; --output FILE, its spelling before
// --file, still does (with a warning); --output json is the world as JSON.
func TestExportFileAndOutput(t *testing.T) {
	dsn := storeWithWorld(t, "../../examples/maskopy/world.yaml")
	dir := t.TempDir()
	yamlOut, _, code := runMain(t, "export", "--store", dsn)
	if code != ExitOK || !strings.HasPrefix(yamlOut, "# Exported by iamgate export.") {
		t.Fatalf("export: %d %s", code, yamlOut)
	}
	for _, args := range [][]string{{"--file", filepath.Join(dir, "a.yaml")}, {"-o", filepath.Join(dir, "b.yaml")}} {
		out, errOut, code := runMain(t, append([]string{"export", "--store", dsn}, args...)...)
		got, err := os.ReadFile(args[1])
		if code != ExitOK || err != nil || string(got) != yamlOut || out != "" {
			t.Fatalf("%v: %d %v %s", args, code, err, errOut)
		}
		if deprecated := strings.Contains(errOut, "deprecated, use --file"); deprecated != (args[0] == "-o") {
			t.Fatalf("%v: stderr %q", args, errOut)
		}
	}
	// The JSON export is a world file too: it imports.
	jsonFile := filepath.Join(dir, "world.json")
	if _, errOut, code := runMain(t, "export", "--store", dsn, "--output", "json", "--file", jsonFile); code != ExitOK {
		t.Fatalf("export json: %s", errOut)
	}
	again := filepath.Join(dir, "again.db")
	if _, errOut, code := runMain(t, "import", "--world", jsonFile, "--store", again); code != ExitOK {
		t.Fatalf("import of the JSON export: %s", errOut)
	}
	if out, _, _ := runMain(t, "export", "--store", again); out != yamlOut {
		t.Fatalf("the JSON export's world differs:\n%s\n---\n%s", out, yamlOut)
	}
}

// iamgate version and --version: the version, Go's, the VCS revision and
// whether the tree was modified, from the build information.
func TestVersion(t *testing.T) {
	v := versionOf(&debug.BuildInfo{GoVersion: "go1.99", Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"},
	}})
	if v != (versionInfo{Version: "v1.2.3", GoVersion: "go1.99", Revision: "0123abcd", Time: "2026-12-01T10:00:00Z", Modified: true}) {
		t.Fatalf("%+v", v)
	}
	if got := v.text(); got != "iamgate v1.2.3, go1.99, revision 0123abcd (modified)" {
		t.Fatal(got)
	}
	if d := versionOf(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}); d.Version != Version || d.Revision != "" || d.Modified {
		t.Fatalf("%+v", d)
	}
	text, _, code := runMain(t, "version")
	flag, _, code2 := runMain(t, "--version")
	if code != ExitOK || code2 != ExitOK || text != flag || text != buildVersion().text()+"\n" {
		t.Fatalf("version %q, --version %q", text, flag)
	}
	out, _, _ := runMain(t, "version", "--output", "json")
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err, out)
	}
	for _, k := range []string{"version", "goVersion", "revision", "modified"} {
		if _, ok := got[k]; !ok {
			t.Errorf("no %q in %s", k, out)
		}
	}
}
