package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/input"
	"github.com/iamgate/iamgate/validate"
	"github.com/iamgate/iamgate/validate/report"
)

// Version is the iamgate version reported in SARIF output.
var Version = "0.1.0-dev"

type validateParams struct {
	paths       []string
	policyType  string
	output      string
	failOn      string
	account     string
	orgAccounts []string
	color       string
}

func newValidateCmd() *cobra.Command {
	p := validateParams{}
	cmd := &cobra.Command{
		Use:   "validate PATH...",
		Short: "Check policies, CloudFormation templates and Terraform plans, as IAM Access Analyzer does",
		Long: `Validates policy documents (files, or every .json/.yaml/.yml/.template file under
a folder), the policies inside CloudFormation templates (JSON or YAML) and inside
Terraform plans (terraform show -json). Findings have Access Analyzer's types
(ERROR, SECURITY_WARNING, WARNING, SUGGESTION) and issue codes, with the file,
line, column and element path.

--output text (the default), json or sarif (SARIF 2.1.0).

Exit status: 0 when no finding reaches --fail-on, 1 when one does, 2 on bad input.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p.paths = args
			if code, err := runValidate(cmd.Context(), p, cmd.OutOrStdout()); code != ExitOK {
				return &exitError{code: code, err: err}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&p.policyType, "type", "", "policy type: identity, resource, trust, boundary, scp, rcp, session or endpoint (guessed when omitted; templates and plans say it)")
	outputs(cmd, &p.output, "text", "json", "sarif")
	f.StringVar(&p.failOn, "fail-on", "error", "exit 1 when a finding is at least this severe: error, security_warning, warning or suggestion")
	f.StringVar(&p.account, "account", "", "the account that owns the policies")
	f.StringSliceVar(&p.orgAccounts, "org-accounts", nil, "the organization's accounts (a trust to any other account without sts:ExternalId is reported)")
	f.StringVar(&p.color, "color", "auto", "colour the text output: auto, always or never")
	return cmd
}

func runValidate(_ context.Context, p validateParams, stdout io.Writer) (int, error) {
	opts := validate.Options{Account: p.account, OrganizationAccounts: p.orgAccounts}
	if p.policyType != "" {
		t, err := validate.ParsePolicyType(p.policyType)
		if err != nil {
			return ExitUsage, err
		}
		opts.Type = t
	}
	failOn, err := validate.ParseFindingType(p.failOn)
	if err != nil {
		return ExitUsage, fmt.Errorf("--fail-on: %v", err)
	}
	if p.output != "text" && p.output != "json" && p.output != "sarif" {
		return ExitUsage, fmt.Errorf("--output %q: want text, json or sarif", p.output)
	}
	for _, a := range append([]string{p.account}, p.orgAccounts...) {
		if a != "" && !arn.IsAccountID(a) {
			return ExitUsage, fmt.Errorf("%q is not a 12-digit account ID", a)
		}
	}
	var findings []validate.Finding
	policies := 0
	for _, path := range p.paths {
		docs, err := input.Load(path)
		if err != nil {
			return ExitUsage, err
		}
		for _, d := range docs {
			policies++
			findings = append(findings, validate.Input(d, opts)...)
		}
	}
	validate.Sort(findings)
	switch p.output {
	case "json":
		err = report.JSON(stdout, findings, policies)
	case "sarif":
		err = report.WriteSARIF(stdout, findings, Version)
	default:
		err = report.Text(stdout, findings, policies, report.TextOptions{Color: useColor(p.color, stdout)})
	}
	if err != nil {
		return ExitUsage, err
	}
	if m := validate.Max(findings); m.Rank() >= failOn.Rank() && m != "" {
		return ExitMismatch, fmt.Errorf("findings at or above %s", strings.ToLower(string(failOn)))
	}
	return ExitOK, nil
}

// useColor colours output for a terminal unless NO_COLOR is set.
func useColor(mode string, w io.Writer) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
