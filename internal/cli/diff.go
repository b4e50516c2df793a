package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/policy"
)

// ExitUnknown is diff's exit code for UNKNOWN: the check is outside the
// fragment decided exactly, and the answer names the construct.
const ExitUnknown = 3

type diffParams struct {
	check        string
	kind         string
	actions      []string
	resources    []string
	resourceType string
	worlds       []string
	output       string
	maxCombos    int
	args         []string
}

func newDiffCmd() *cobra.Command {
	p := diffParams{}
	cmd := &cobra.Command{
		Use:   "diff --check CHECK [flags] POLICY...",
		Short: "Prove an IAM policy change safe: no new access, access not granted, no public access",
		Long: `Decides IAM Access Analyzer's custom policy checks offline and exactly:

  iamgate diff --check no-new-access --type identity|resource OLD NEW
      FAIL when NEW allows some request OLD does not (CheckNoNewAccess).
  iamgate diff --check access-not-granted --type identity|resource --action A... [--resource ARN...] POLICY
      FAIL when POLICY allows one of the actions (on any resource), one of the
      resources (for any action) or, both given, one of the actions on one of
      the resources (CheckAccessNotGranted).
  iamgate diff --check no-public-access --resource-type TYPE POLICY
      FAIL when the resource policy allows anonymous callers or principals of
      accounts it does not name (CheckNoPublicAccess).

A FAIL carries counterexamples: eval request documents that "iamgate eval"
decides allowed (for no-new-access, with NEW; the same request with OLD is
not allowed). A PASS means no such request exists. Where the policies use a
construct outside the fragment decided exactly the answer is UNKNOWN and
names it.

Exit codes: 0 PASS, 1 FAIL, 2 bad input (a policy error names file, line and
column), 3 UNKNOWN.

With --world OLD --world NEW, diff compares two whole worlds instead.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			p.args = args
			if len(p.worlds) > 0 {
				if len(p.worlds) != 2 || len(args) > 0 || p.check != "" {
					return &exitError{code: ExitUsage, err: errors.New("--world takes exactly two files, OLD then NEW, and no --check or policy arguments")}
				}
				if err := runDiffWorld(cmd, p.worlds[0], p.worlds[1], p.output); err != nil {
					var ee *exitError
					if errors.As(err, &ee) {
						return err
					}
					return &exitError{code: ExitUsage, err: err}
				}
				return nil
			}
			return exitWith(runDiff(cmd.Context(), p, cmd.OutOrStdout()))
		},
	}
	cmd.Flags().StringVar(&p.check, "check", "", "no-new-access, access-not-granted or no-public-access")
	cmd.Flags().StringVar(&p.kind, "type", "", "the policy type: identity or resource")
	cmd.Flags().StringArrayVar(&p.actions, "action", nil, "access-not-granted: an action, wildcards allowed (repeatable)")
	cmd.Flags().StringArrayVar(&p.resources, "resource", nil, "access-not-granted: a resource ARN, wildcards allowed (repeatable)")
	cmd.Flags().StringVar(&p.resourceType, "resource-type", "", "no-public-access: the resource type, e.g. AWS::S3::Bucket")
	cmd.Flags().StringArrayVar(&p.worlds, "world", nil, "whole-world diff: the OLD then the NEW world file")
	outputs(cmd, &p.output, "text", "json")
	cmd.Flags().IntVar(&p.maxCombos, "max-requests", 0, "the most requests decided before the answer is UNKNOWN (default 1048576)")
	return cmd
}

// diffJSON is diff's JSON output: AWS's response shape (result, reasons)
// with the counterexamples, and the construct of an UNKNOWN.
type diffJSON struct {
	Result          string                 `json:"result"`
	Message         string                 `json:"message"`
	Construct       string                 `json:"construct,omitempty"`
	Reasons         []analysis.CheckReason `json:"reasons"`
	Counterexamples []json.RawMessage      `json:"counterexamples"`
}

func readPolicy(path string) (*policy.Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return policy.Parse(path, data)
}

func runDiff(_ context.Context, p diffParams, stdout io.Writer) (int, error) {
	if p.output != "text" && p.output != "json" {
		return ExitUsage, fmt.Errorf("--output %q: want text or json", p.output)
	}
	kind := analysis.PolicyKind(p.kind)
	needKind := func() error {
		if kind != analysis.IdentityPolicy && kind != analysis.ResourcePolicy {
			return fmt.Errorf("--type %q: want identity or resource", p.kind)
		}
		return nil
	}
	wantArgs := func(n int, what string) error {
		if len(p.args) != n {
			return fmt.Errorf("--check %s takes %s, got %d file(s)", p.check, what, len(p.args))
		}
		return nil
	}
	opt := analysis.CheckOptions{MaxCombinations: p.maxCombos}
	var pols []*policy.Policy
	load := func() error {
		for _, a := range p.args {
			pol, err := readPolicy(a)
			if err != nil {
				return err
			}
			pols = append(pols, pol)
		}
		return nil
	}
	var res *analysis.CheckResult
	var err error
	var message string
	switch p.check {
	case "no-new-access":
		if err := needKind(); err != nil {
			return ExitUsage, err
		}
		if err := wantArgs(2, "two policy files, OLD then NEW"); err != nil {
			return ExitUsage, err
		}
		if err := load(); err != nil {
			return ExitUsage, err
		}
		res, err = analysis.CheckNoNewAccess(pols[0], pols[1], kind, opt)
		message = fmt.Sprintf("%s grants no access %s does not grant", p.args[1], p.args[0])
		if res != nil && res.Result == analysis.Fail {
			message = fmt.Sprintf("%s grants access %s does not grant", p.args[1], p.args[0])
		}
	case "access-not-granted":
		if err := needKind(); err != nil {
			return ExitUsage, err
		}
		if err := wantArgs(1, "one policy file"); err != nil {
			return ExitUsage, err
		}
		if len(p.actions) == 0 && len(p.resources) == 0 {
			return ExitUsage, errors.New("--check access-not-granted needs --action or --resource (or both)")
		}
		if err := load(); err != nil {
			return ExitUsage, err
		}
		res, err = analysis.CheckAccessNotGranted(pols[0], kind, p.actions, p.resources, opt)
		message = fmt.Sprintf("%s does not grant the listed access", p.args[0])
		if res != nil && res.Result == analysis.Fail {
			message = fmt.Sprintf("%s grants some of the listed access", p.args[0])
		}
	case "no-public-access":
		if p.kind != "" && kind != analysis.ResourcePolicy {
			return ExitUsage, errors.New("--check no-public-access reads a resource policy (--type resource, or leave --type out)")
		}
		if p.resourceType == "" {
			return ExitUsage, fmt.Errorf("--check no-public-access needs --resource-type, one of %s", strings.Join(analysis.ResourceTypes(), ", "))
		}
		if err := wantArgs(1, "one policy file"); err != nil {
			return ExitUsage, err
		}
		if err := load(); err != nil {
			return ExitUsage, err
		}
		res, err = analysis.CheckNoPublicAccess(pols[0], p.resourceType, opt)
		message = fmt.Sprintf("%s does not grant public access to %s", p.args[0], p.resourceType)
		if res != nil && res.Result == analysis.Fail {
			message = fmt.Sprintf("%s grants public access to %s", p.args[0], p.resourceType)
		}
	case "":
		return ExitUsage, errors.New("give --check no-new-access, access-not-granted or no-public-access (or --world OLD --world NEW)")
	default:
		return ExitUsage, fmt.Errorf("--check %q: want no-new-access, access-not-granted or no-public-access", p.check)
	}
	var ue *analysis.UnknownError
	switch {
	case errors.As(err, &ue):
		out := diffJSON{Result: "UNKNOWN", Message: "the check is outside the fragment decided exactly", Construct: ue.Construct, Reasons: []analysis.CheckReason{}, Counterexamples: []json.RawMessage{}}
		if p.output == "json" {
			if err := writeJSON(stdout, out); err != nil {
				return ExitUsage, err
			}
		} else {
			fmt.Fprintf(stdout, "UNKNOWN: %s\n", ue.Construct)
		}
		return ExitUnknown, nil
	case err != nil:
		var pe policy.Errors
		if errors.As(err, &pe) {
			return ExitUsage, pe
		}
		return ExitUsage, err
	}
	if p.output == "json" {
		if err := writeJSON(stdout, diffJSON{Result: res.Result, Message: message, Reasons: res.Reasons, Counterexamples: res.Counterexamples}); err != nil {
			return ExitUsage, err
		}
	} else {
		writeDiffText(stdout, res, message)
	}
	if res.Result == analysis.Fail {
		return ExitMismatch, nil
	}
	return ExitOK, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func writeDiffText(w io.Writer, res *analysis.CheckResult, message string) {
	fmt.Fprintf(w, "%s: %s\n", res.Result, message)
	if res.Result == analysis.Pass {
		fmt.Fprintf(w, "proof: the engine decided %d requests, one per class of requests the policies' statements tell apart, none a counterexample; no Allow statement applies to the other classes\n", res.Requests)
		return
	}
	for _, r := range res.Reasons {
		fmt.Fprintf(w, "  reason: %s\n", r.Description)
	}
	for i, c := range res.Counterexamples {
		fmt.Fprintf(w, "counterexample %d (an eval request document; iamgate eval decides it allowed):\n%s\n", i+1, c)
	}
}
