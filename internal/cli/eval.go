package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/evaldoc"
)

type evalParams struct {
	file   string
	output string
	expect string
	now    func() time.Time
}

func newEvalCmd() *cobra.Command {
	p := evalParams{now: time.Now}
	cmd := &cobra.Command{
		Use:   "eval FILE|-",
		Short: "Decide one request document and explain the decision",
		Long: `Reads one request document (a file, or - for standard input) holding the
principal, action, resource, context and every policy that applies, and prints
AWS's decision (allowed, explicitDeny or implicitDeny) with its explanation.

aws:CurrentTime and aws:EpochTime default to now; give them in "context" for
a repeatable answer.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p.file = args[0]
			code, err := runEval(cmd.Context(), p, cmd.InOrStdin(), cmd.OutOrStdout())
			if code != ExitOK {
				return &exitError{code: code, err: err}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&p.output, "output", "o", "text", "output format: text or json")
	cmd.Flags().StringVar(&p.expect, "expect", "", "exit 1 unless the decision is this one: allowed, explicitDeny or implicitDeny")
	return cmd
}

func runEval(_ context.Context, p evalParams, stdin io.Reader, stdout io.Writer) (int, error) {
	if p.output != "text" && p.output != "json" {
		return ExitUsage, fmt.Errorf("--output %q: want text or json", p.output)
	}
	var want engine.Decision
	if p.expect != "" {
		d, ok := engine.ParseDecision(p.expect)
		if !ok {
			return ExitUsage, fmt.Errorf("--expect %q: want allowed, explicitDeny or implicitDeny", p.expect)
		}
		want = d
	}
	name := p.file
	var data []byte
	var err error
	if p.file == "-" {
		name = "<stdin>"
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(p.file)
	}
	if err != nil {
		return ExitUsage, err
	}
	req, err := evaldoc.Parse(name, data)
	if err != nil {
		return ExitUsage, err
	}
	if req.Time.IsZero() && p.now != nil {
		req.Time = p.now()
	}
	q, err := req.Prepare()
	if err != nil {
		return ExitUsage, fmt.Errorf("%s: %v", name, err)
	}
	e := engine.Explain(q)
	if p.output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(e); err != nil {
			return ExitUsage, err
		}
	} else {
		fmt.Fprint(stdout, e.Text())
	}
	if p.expect != "" && e.Decision != want {
		return ExitMismatch, errors.New("decision is " + e.Decision.String() + ", expected " + want.String())
	}
	return ExitOK, nil
}
