package server_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runClient runs a script of the real aws CLI or boto3 against a fresh
// server, in a scratch directory, as the administrator.
func runClient(t *testing.T, tool string, args ...string) { runClientWith(t, nil, tool, args...) }

// runClientWith is runClient with setup, when not nil, run on the fresh
// server first; the environment variables it returns are the script's too.
func runClientWith(t *testing.T, setup func(e *env) []string, tool string, args ...string) {
	if _, err := exec.LookPath(tool); err != nil {
		needClients(t, "%s is not installed", tool)
	}
	e := newEnv(t)
	var extra []string
	if setup != nil {
		extra = setup(e)
	}
	dir := t.TempDir()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	// The aws CLI caches a profile's role credentials under
	// $HOME/.aws/cli/cache, keyed by role and session name: a run must
	// not pick up a session an earlier run's server issued, so HOME is
	// the scratch directory (pyenv, when the clients come from it, still
	// finds its root).
	home, _ := os.UserHomeDir()
	pyenv := os.Getenv("PYENV_ROOT")
	if pyenv == "" {
		pyenv = filepath.Join(home, ".pyenv")
	}
	cmd.Env = append(os.Environ(),
		"HOME="+dir,
		"PYENV_ROOT="+pyenv,
		"IAMGATE_URL="+e.ts.URL,
		"AWS_ACCESS_KEY_ID="+e.admin.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+e.admin.SecretAccessKey,
		"AWS_CONFIG_FILE="+filepath.Join(dir, "no-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "no-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_MAX_ATTEMPTS=1",
	)
	cmd.Env = append(cmd.Env, extra...)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "OK") {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestAWSCLI replays the seeds with the aws CLI (testdata/e2e/cli-seeds.sh).
func TestAWSCLI(t *testing.T) {
	script, _ := filepath.Abs("testdata/e2e/cli-seeds.sh")
	runClient(t, "aws", "bash", script)
}

// TestBoto3 replays the seeds with boto3 (testdata/e2e/boto3_seeds.py).
func TestBoto3(t *testing.T) {
	script, _ := filepath.Abs("testdata/e2e/boto3_seeds.py")
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		needClients(t, "boto3 is not installed: %v", err)
	}
	runClient(t, "python3", "python3", script)
}

// TestAWSCLIOrganizations builds an organization with the aws CLI
// (testdata/e2e/cli-organizations.sh).
func TestAWSCLIOrganizations(t *testing.T) {
	script, _ := filepath.Abs("testdata/e2e/cli-organizations.sh")
	runClient(t, "aws", "bash", script)
}

// TestBoto3Organizations does the same with boto3
// (testdata/e2e/boto3_organizations.py).
func TestBoto3Organizations(t *testing.T) {
	script, _ := filepath.Abs("testdata/e2e/boto3_organizations.py")
	runClient(t, "python3", "python3", script)
}

// TestCLISimulateAndDecide simulates a group with the aws CLI, and a
// session policy and the decision API with curl --aws-sigv4
// (testdata/e2e/cli-simulate.sh).
func TestCLISimulateAndDecide(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		needClients(t, "curl is not installed")
	}
	script, _ := filepath.Abs("testdata/e2e/cli-simulate.sh")
	runClient(t, "aws", "bash", script)
}

// TestAWSCLIAccessAnalyzer runs the Access Analyzer API with the aws CLI
// (testdata/e2e/cli-accessanalyzer.sh).
func TestAWSCLIAccessAnalyzer(t *testing.T) {
	script, _ := filepath.Abs("testdata/e2e/cli-accessanalyzer.sh")
	runClient(t, "aws", "bash", script)
}

// TestAWSCLIAnalyzers runs Access Analyzer's analyzers with the aws CLI
// (testdata/e2e/cli-analyzers.sh).
func TestAWSCLIAnalyzers(t *testing.T) {
	script, _ := filepath.Abs("testdata/e2e/cli-analyzers.sh")
	runClient(t, "aws", "bash", script)
}

// TestBoto3AccessAnalyzer does the same with boto3
// (testdata/e2e/boto3_accessanalyzer.py).
func TestBoto3AccessAnalyzer(t *testing.T) {
	script, _ := filepath.Abs("testdata/e2e/boto3_accessanalyzer.py")
	runClient(t, "python3", "python3", script)
}

// TestAWSCLICredentials: login profiles, the password policy and a virtual
// MFA device with real TOTP codes, with the aws CLI
// (testdata/e2e/cli-credentials.sh).
func TestAWSCLICredentials(t *testing.T) {
	script, _ := filepath.Abs("testdata/e2e/cli-credentials.sh")
	runClient(t, "aws", "bash", script)
}

// TestAWSCLIIAMMore: service-linked roles, the credential report, the
// account summary, SSH keys, server certificates, service-specific
// credentials and GetFederationToken with the aws CLI
// (testdata/e2e/cli-iam-more.sh).
func TestAWSCLIIAMMore(t *testing.T) {
	for _, tool := range []string{"openssl", "ssh-keygen", "base64"} {
		if _, err := exec.LookPath(tool); err != nil {
			needClients(t, "%s is not installed: %v", tool, err)
		}
	}
	script, _ := filepath.Abs("testdata/e2e/cli-iam-more.sh")
	runClient(t, "aws", "bash", script)
}

// TestBoto3IAMMore: service-linked roles, the credential report, the
// account summary and GetFederationToken with boto3
// (testdata/e2e/boto3_iam_more.py).
func TestBoto3IAMMore(t *testing.T) {
	script, _ := filepath.Abs("testdata/e2e/boto3_iam_more.py")
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		needClients(t, "boto3 is not installed: %v", err)
	}
	runClient(t, "python3", "python3", script)
}

// TestBoto3Credentials: the same with boto3 (testdata/e2e/boto3_credentials.py).
func TestBoto3Credentials(t *testing.T) {
	script, _ := filepath.Abs("testdata/e2e/boto3_credentials.py")
	if err := exec.Command("python3", "-c", "import boto3").Run(); err != nil {
		needClients(t, "boto3 is not installed: %v", err)
	}
	runClient(t, "python3", "python3", script)
}
