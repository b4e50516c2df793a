package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/iamgate/iamgate/keyring"
	"github.com/iamgate/iamgate/store"
)

// Exit codes.
const (
	ExitOK       = 0
	ExitMismatch = 1
	ExitUsage    = 2
)

// usageErrors are refusals the operator must fix before anything runs (a
// store that is not there, a master key to restore, --dev exposed): exit
// ExitUsage, whatever the command.
var usageErrors = []error{store.ErrNoStore, keyring.ErrMasterKeyMissing, keyring.ErrMasterKeyMismatch, errNotLoopback}

// exitCode is the exit code of a command's error.
func exitCode(err error) int {
	for _, u := range usageErrors {
		if errors.Is(err, u) {
			return ExitUsage
		}
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return ExitUsage
}

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Unwrap() error { return e.err }

// exitWith is what a command's RunE returns for a run's exit code and
// error: nil for ExitOK, else the code carried through cobra.
func exitWith(code int, err error) error {
	if code == ExitOK {
		return nil
	}
	return &exitError{code: code, err: err}
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

// NewRoot builds the iamgate command tree.
func NewRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "iamgate",
		Short:         "AWS IAM policy evaluation, offline and exact",
		Long:          "AWS IAM policy evaluation, offline and exact.\n\n--output text|json (-o) chooses the format of what a command prints; each\nJSON output is one JSON document.\n\n" + envRule,
		Version:       buildVersion().text(),
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return applyConventions(cmd)
		},
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetUsageTemplate(root.UsageTemplate() + "\nEvery flag is also an environment variable: IAMGATE_ and its name in upper\ncase, - as _ (--key-file: IAMGATE_KEY_FILE); the command line wins.\n")
	addOutputFlag(root)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newEvalCmd(), newExpandCmd(), newDescribeCmd(), newValidateCmd(), newTestCmd(), newImportCmd(), newExportCmd(), newServeCmd(), newAccessKeyCmd(), newAuditCmd(), newPipelineCmd(), newWhoCanCmd(), newCanCmd(), newDiffCmd(), newAccessCmd(), newGenerateCmd(), newEscalationCmd(), newVersionCmd())
	return root
}

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := NewRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	if msg := err.Error(); msg != "" {
		fmt.Fprintln(stderr, "iamgate:", msg)
	}
	return exitCode(err)
}

// mustRequire marks flags of cmd required. MarkFlagRequired fails only for a
// flag cmd does not define: a mistake in this package, caught by any test
// that builds the command line.
func mustRequire(cmd *cobra.Command, flags ...string) {
	for _, f := range flags {
		if err := cmd.MarkFlagRequired(f); err != nil {
			panic(fmt.Sprintf("%s --%s: %v", cmd.Name(), f, err))
		}
	}
}
