package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/analysis/escalation"
)

type escalationParams struct {
	src       worldSource
	principal string
	context   []string
	depth     int
	region    string
	output    string
	now       func() time.Time
}

func newEscalationCmd() *cobra.Command {
	p := escalationParams{now: time.Now}
	cmd := &cobra.Command{
		Use:   "escalation --world FILE [--principal ARN]",
		Short: "Find privilege-escalation paths: how users and roles gain admin or stronger identities",
		Long: `Searches the world for the publicly catalogued privilege-escalation techniques
(access keys and console passwords for others, policy versions, policies
attached or written to oneself, one's groups and roles, group membership,
trust policies, roles passed to EC2, Lambda, Glue, CloudFormation, CodeBuild,
Data Pipeline, SageMaker and ECS, functions, stacks, endpoints, notebooks,
projects and task definitions that run as roles, SSM and EC2 Instance
Connect on instances with profiles, role chains), chained up to --max-depth
techniques.

Every step is decided by the engine with every policy the world gathers
(SCPs, RCPs, boundaries, session, resource and trust policies); a condition
on a key the request does not give and the world does not derive (MFA, say)
becomes the path's allowedIf. A path gains "admin" when the identity gained
is allowed every catalog action on "*"; otherwise it names the identity
gained (a boundary or SCP caps it), and is reported only when that identity
is allowed on "*" some action the principal is not.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p.src.fromFlags(cmd)
			return exitWith(runEscalation(cmd.Context(), p, cmd.OutOrStdout()))
		},
	}
	addWorldFlags(cmd, &p.src)
	cmd.Flags().StringVar(&p.principal, "principal", "", "only paths from this user or role (ARN)")
	cmd.Flags().StringArrayVar(&p.context, "context", nil, "a known context key, KEY=VALUE (repeatable)")
	cmd.Flags().IntVar(&p.depth, "max-depth", 4, "the most techniques a path chains")
	cmd.Flags().StringVar(&p.region, "region", "us-east-1", "the region of the resources techniques create")
	outputs(cmd, &p.output, "text", "json")
	return cmd
}

func runEscalation(ctx context.Context, p escalationParams, stdout io.Writer) (int, error) {
	if p.output != "text" && p.output != "json" {
		return ExitUsage, fmt.Errorf("--output %q: want text or json", p.output)
	}
	kv, err := parseContext(p.context)
	if err != nil {
		return ExitUsage, err
	}
	w, err := p.src.load(ctx)
	if err != nil {
		return ExitUsage, err
	}
	res, err := escalation.Search(analysis.NewIndex(w), escalation.Options{Principal: p.principal, MaxDepth: p.depth, Region: p.region, Context: kv, Time: p.now()})
	if err != nil {
		return ExitUsage, err
	}
	if p.output == "json" {
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return ExitUsage, err
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return ExitOK, nil
	}
	writeEscalationText(stdout, res)
	return ExitOK, nil
}

func writeEscalationText(w io.Writer, res *escalation.Result) {
	fmt.Fprintf(w, "%d path(s)\n", len(res.Paths))
	for _, p := range res.Paths {
		fmt.Fprintf(w, "\n%s gains %s", p.Principal, p.Gains)
		if p.Gains == escalation.Admin {
			fmt.Fprintf(w, " (as %s)", p.Identity)
		}
		fmt.Fprintln(w)
		if p.Grant != "" {
			fmt.Fprintf(w, "  with %s\n", p.Grant)
		}
		for i, s := range p.Steps {
			fmt.Fprintf(w, "  %d. [%s] %s %s on %s\n", i+1, s.Technique, s.Principal, s.Action, s.Resource)
		}
		for i, alt := range p.AllowedIf {
			word := "if"
			if i > 0 {
				word = "or"
			}
			var parts []string
			for _, c := range alt {
				parts = append(parts, fmt.Sprintf("[step %d] %s", c.Step+1, c.Conjunct.String()))
			}
			fmt.Fprintf(w, "  %s %s\n", word, strings.Join(parts, " and "))
		}
	}
	if len(res.Unknown) > 0 {
		fmt.Fprintf(w, "\n%d step(s) not decided exactly:\n", len(res.Unknown))
		for _, u := range res.Unknown {
			fmt.Fprintf(w, "  %s [%s] on %s: UNKNOWN: %s\n", u.Principal, u.Technique, u.Target, u.Construct)
		}
	}
}
