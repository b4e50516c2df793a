package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const pipelineExample = "../../examples/policy-pipeline"

func runMain(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), code
}

// `iamgate pipeline check` decides offline, with the seed's message for
// "*" on "*" and exit status 1 for a rejection.
func TestPipelineCheckOffline(t *testing.T) {
	world := filepath.Join(pipelineExample, "world.yaml")
	guard := filepath.Join(pipelineExample, "guardrails.yaml")
	out, errOut, code := runMain(t, "pipeline", "check", filepath.Join(pipelineExample, "submissions", "ec2-run-team-a"),
		"--world", world, "--guardrails", guard, "--account", "444444444444")
	if code != 0 || !strings.Contains(out, "ACCEPTED Ec2RunTeamA for account 444444444444") || !strings.Contains(out, `"Sid": "CentralDenyDenyNonT2Instances"`) {
		t.Fatalf("accepted: %d %s %s", code, out, errOut)
	}
	out, _, code = runMain(t, "pipeline", "check", filepath.Join(pipelineExample, "submissions", "star-star"),
		"--world", world, "--guardrails", guard, "--account", "444444444444")
	if code != 1 || !strings.Contains(out, "REJECTED AllTheThings") || !strings.Contains(out, "policy.json:6:17: [every-account/no-star-star] Policy creation request rejected: * permissions not allowed in both actions and resources") {
		t.Fatalf("rejected: %d %s", code, out)
	}
	_, errOut, code = runMain(t, "pipeline", "check", filepath.Join(pipelineExample, "submissions", "star-star"), "--world", world, "--guardrails", guard)
	if code != 2 || !strings.Contains(errOut, "no target account") {
		t.Fatalf("no account: %d %s", code, errOut)
	}
}

// The README's flow: import the example's world, serve it with the
// pipeline, make Alice a key, and submit with `iamgate pipeline submit`
// and `iamgate pipeline watch`.
func TestPipelineServeSubmitWatch(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "pipeline.db")
	if _, errOut, code := runMain(t, "import", "--world", filepath.Join(pipelineExample, "world.yaml"), "--store", dsn); code != 0 {
		t.Fatalf("import: %s", errOut)
	}
	addr, serveOut, stop := serveWith(t, serveParams{store: dsn, account: "100000000000",
		pipelineRole: "arn:aws:iam::333333333333:role/central-policy-function", pipelineGuardrails: filepath.Join(pipelineExample, "guardrails.yaml")})
	defer stop()
	out, errOut, code := runMain(t, "access-key", "create", "--store", dsn, "--account", "444444444444", "--user", "alice")
	if code != 0 {
		t.Fatalf("access-key create: %s", errOut)
	}
	id := regexp.MustCompile(`AKIA[A-Z0-9]+`).FindString(out)
	secret := regexp.MustCompile(`aws_secret_access_key = (\S+)`).FindStringSubmatch(out)
	if id == "" || secret == nil {
		t.Fatalf("key: %s", out)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", id)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret[1])
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	endpoint := "http://" + addr

	out, errOut, code = runMain(t, "pipeline", "submit", filepath.Join(pipelineExample, "submissions", "ec2-run-team-a"), "--endpoint-url", endpoint)
	if code != 0 || !strings.Contains(out, "CREATED  Ec2RunTeamA for account 444444444444: arn:aws:iam::444444444444:policy/Ec2RunTeamA") {
		t.Fatalf("submit: %d\n%s\n%s", code, out, errOut)
	}
	subID := strings.Fields(out)[0]
	out, _, code = runMain(t, "pipeline", "submit", filepath.Join(pipelineExample, "submissions", "sandbox-iam"), "--endpoint-url", endpoint)
	if code != 1 || !strings.Contains(out, "REJECTED") || !strings.Contains(out, "[sandbox/sandbox-services]") {
		t.Fatalf("rejected submit: %d\n%s", code, out)
	}
	out, _, code = runMain(t, "pipeline", "status", subID, "--endpoint-url", endpoint)
	if code != 0 || !strings.Contains(out, "created") || !strings.Contains(out, "received") {
		t.Fatalf("status: %d %s", code, out)
	}
	out, _, _ = runMain(t, "pipeline", "status", subID, "--endpoint-url", endpoint, "--output", "json")
	if !strings.Contains(out, `"via": "cli"`) {
		t.Fatalf("a CLI submission's record: %s", out)
	}
	oneJSONDocument(t, "pipeline status", out)
	// --format, --output's spelling before it, still works, with a warning.
	dep, errOut, _ := runMain(t, "pipeline", "status", subID, "--endpoint-url", endpoint, "--format", "json")
	if dep != out || !strings.Contains(errOut, "--format is deprecated, use --output") {
		t.Fatalf("--format json: %s\n%s", errOut, dep)
	}
	out, _, code = runMain(t, "pipeline", "list", "--endpoint-url", endpoint)
	if code != 0 || strings.Count(out, "\n") != 2 {
		t.Fatalf("list: %d %s", code, out)
	}
	out, _, code = runMain(t, "pipeline", "list", "--endpoint-url", endpoint, "-o", "json")
	oneJSONDocument(t, "pipeline list", out)
	if code != 0 || strings.Count(out, `"id"`) != 2 || !strings.HasPrefix(out, `{"submissions":[`) {
		t.Fatalf("list -o json: %d %s", code, out)
	}
	out, _, code = runMain(t, "pipeline", "guardrails", "show", "--endpoint-url", endpoint)
	if code != 0 || !strings.Contains(out, "# guardrails version 1") {
		t.Fatalf("guardrails show: %d %s", code, out)
	}
	if _, errOut, code = runMain(t, "pipeline", "guardrails", "push", filepath.Join(pipelineExample, "guardrails.yaml"), "--endpoint-url", endpoint); code != 2 || !strings.Contains(errOut, "AccessDenied") {
		t.Fatalf("Alice pushing guardrails: %d %s", code, errOut)
	}

	// watch --once: a policy.zip and a folder dropped in a directory.
	inbox := filepath.Join(dir, "inbox")
	if err := os.MkdirAll(filepath.Join(inbox, "athena"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(inbox, "athena", "metadata.json"), []byte(`{"PolicyName":"AthenaTeamC"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(inbox, "athena", "policy.json"), []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"athena:GetQueryResults","Resource":"*"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(inbox, "broken.zip"), []byte("not a zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = runMain(t, "pipeline", "watch", inbox, "--once", "--endpoint-url", endpoint)
	if code != 0 || !strings.Contains(out, "CREATED  AthenaTeamC") || !strings.Contains(out, "broken.zip: ") {
		t.Fatalf("watch: %d\n%s\n%s", code, out, errOut)
	}
	var res struct {
		Record struct{ Status, PolicyArn, Via string }
	}
	data, err := os.ReadFile(filepath.Join(inbox, "done", "athena.result.json"))
	if err != nil || json.Unmarshal(data, &res) != nil || res.Record.Status != "created" || res.Record.Via != "watch" {
		t.Fatalf("result file: %v %s", err, data)
	}
	if _, err := os.Stat(filepath.Join(inbox, "done", "broken.zip")); err != nil {
		t.Fatalf("broken.zip not moved: %v", err)
	}
	if !strings.Contains(serveOut.String(), "central policy pipeline is at http://") {
		t.Fatalf("serve output: %s", serveOut.String())
	}
}
