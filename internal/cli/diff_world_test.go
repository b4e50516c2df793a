package cli

import (
	"bytes"
	"encoding/json"
	"regexp"
	"testing"

	"github.com/spf13/cobra"
)

// These tests call runDiffWorld directly: the diff command that calls it
// (diff.go, with its repeatable --world flag) is on another branch, and
// this file registers no command.
func runDiffWorldForTest(t *testing.T, oldPath, newPath, output string) (string, int, error) {
	t.Helper()
	diffWorldNow = fixedNow
	var stdout bytes.Buffer
	cmd := &cobra.Command{}
	cmd.SetOut(&stdout)
	err := runDiffWorld(cmd, oldPath, newPath, output)
	code := ExitOK
	if err != nil {
		code = exitCode(err)
	}
	return stdout.String(), code, err
}

// Golden diffs on the seed examples: each change shows its new rows, and
// the command exits 1.
func TestDiffWorldGolden(t *testing.T) {
	const dir = "testdata/diff-world/"
	for _, tc := range []struct {
		name, old, new string
		outputs        []string
	}{
		// The DataMasque bucket policy also names account C: C's root may
		// read the objects (its users and roles have no S3 permissions).
		{"datamasque-bucket-shared", "../../examples/datamasque/world.yaml", dir + "datamasque-bucket-shared.yaml", []string{"text", "json"}},
		// The bucket's TLS-only Deny dropped: every access it limited is
		// widened by exactly the requests without TLS.
		{"datamasque-tls-deny-dropped", "../../examples/datamasque/world.yaml", dir + "datamasque-tls-deny-dropped.yaml", []string{"text"}},
		// A trust added to Maskopy's dba role: the staging account's root
		// may assume it with the external ID (who may assume which role).
		{"maskopy-trust-added", "../../examples/maskopy/world.yaml", dir + "maskopy-trust-added.yaml", []string{"text", "json"}},
		// An SCP detached from the Sandbox OU: the deletes it denied, for
		// the developer (with MFA) and the account's root.
		{"org-scp-detached", dir + "org-scp.yaml", dir + "org-scp-detached.yaml", []string{"text", "json"}},
	} {
		for _, out := range tc.outputs {
			got, code, err := runDiffWorldForTest(t, tc.old, tc.new, out)
			if code != ExitMismatch {
				t.Fatalf("%s %s: exit %d (%v), want 1 for new access\n%s", tc.name, out, code, err, got)
			}
			if out == "json" {
				var m struct {
					New     []map[string]any `json:"newAccess"`
					Removed []map[string]any `json:"removedAccess"`
				}
				if err := json.Unmarshal([]byte(got), &m); err != nil || len(m.New) == 0 || m.Removed == nil {
					t.Fatalf("%s: %v %s", tc.name, err, got)
				}
			}
			golden(t, "diff-world-"+tc.name+"."+out, got)
		}
	}
}

// The reverse of a change reports its rows as removed access, and no new
// access: exit 0.
func TestDiffWorldRemovedOnly(t *testing.T) {
	got, code, err := runDiffWorldForTest(t, "testdata/diff-world/org-scp-detached.yaml", "testdata/diff-world/org-scp.yaml", "json")
	if code != ExitOK || err != nil {
		t.Fatalf("exit %d (%v)\n%s", code, err, got)
	}
	var m struct {
		New     []map[string]any `json:"newAccess"`
		Removed []map[string]any `json:"removedAccess"`
	}
	if err := json.Unmarshal([]byte(got), &m); err != nil || len(m.New) != 0 || len(m.Removed) == 0 {
		t.Fatalf("%v %s", err, got)
	}
}

// An unchanged world, also given as its directory: no rows, exit 0.
func TestDiffWorldUnchanged(t *testing.T) {
	for _, out := range []string{"text", "json"} {
		got, code, err := runDiffWorldForTest(t, "../../examples/maskopy", "../../examples/maskopy/world.yaml", out)
		if code != ExitOK || err != nil {
			t.Fatalf("%s: exit %d (%v)\n%s", out, code, err, got)
		}
		golden(t, "diff-world-unchanged."+out, got)
	}
}

// Bad input exits 2, with the loader's position (the policy's line in the
// world file, then line:col in the document).
func TestDiffWorldBadInput(t *testing.T) {
	const bad = "testdata/diff-world/bad.yaml"
	for _, tc := range []struct {
		name, old, new, output string
		want                   *regexp.Regexp
	}{
		{"bad new world", "../../examples/maskopy/world.yaml", bad, "text", regexp.MustCompile(`(?s)^new world: .*bad\.yaml:7:5:17: Statement\[0\]\.Effect: must be "Allow" or "Deny"`)},
		{"bad old world", bad, "../../examples/maskopy/world.yaml", "json", regexp.MustCompile(`(?s)^old world: .*bad\.yaml:7:5:17: Statement\[0\]\.Effect`)},
		{"missing file", "testdata/diff-world/no-such.yaml", bad, "text", regexp.MustCompile(`^old world: .*no-such\.yaml`)},
		{"directory without a world", "testdata", "../../examples/maskopy/world.yaml", "text", regexp.MustCompile(`^old world: testdata: a directory without world\.yaml`)},
		{"bad output", "../../examples/maskopy/world.yaml", "../../examples/maskopy/world.yaml", "yaml", regexp.MustCompile(`^--output "yaml"`)},
	} {
		got, code, err := runDiffWorldForTest(t, tc.old, tc.new, tc.output)
		if code != ExitUsage || err == nil || !tc.want.MatchString(err.Error()) {
			t.Errorf("%s: exit %d, error %v, output %q", tc.name, code, err, got)
		}
	}
}
