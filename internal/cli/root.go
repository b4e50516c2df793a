package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	ExitOK       = 0
	ExitMismatch = 1
	ExitUsage    = 2
)

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
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
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newEvalCmd(), newExpandCmd(), newDescribeCmd(), newValidateCmd(), newTestCmd(), newImportCmd(), newExportCmd(), newServeCmd(), newAccessKeyCmd(), newAuditCmd(), newPipelineCmd())
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
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintln(stderr, "iamgate:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "iamgate:", err)
	return ExitUsage
}
