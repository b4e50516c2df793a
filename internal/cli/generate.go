package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/iamgate/iamgate/activity"
	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/policy"
)

type generateParams struct {
	src       activitySource
	principal string
	from      string
	output    string
}

func newGenerateCmd() *cobra.Command {
	var p generateParams
	cmd := &cobra.Command{
		Use:   "generate --principal ARN",
		Short: "Write a least-privilege policy from a principal's logged calls, proven by replaying them",
		Long: `Writes a policy granting the actions the principal (an IAM user or role)
was allowed in the last --days days, on the resource ARNs the events name
("*" only where an event names none), with iam:PassRole on each role its
calls passed (a roleArn, role, executionRoleArn... request parameter),
split into documents of at most 6,144 characters (a managed policy, as IAM
counts: whitespace excluded). Before it is printed it is proven: every
logged allowed call of the principal is decided again by the engine with
the new documents in place of its identity policies (the same SCPs, RCPs,
boundary and resource policies, at the call's time, region and source IP)
and must be allowed, all of them; and every permission the new policy
gives (as iamgate can lists them) must be one the current policies give.
Either failing is exit 1 and no policy.

--from audit reads only iamgate's own audit log, cloudtrail only imported
CloudTrail events; both by default. With --world, the activity comes from
--cloudtrail log files.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if code, err := runGenerate(cmd.Context(), p, cmd.OutOrStdout(), cmd.ErrOrStderr()); code != ExitOK {
				return &exitError{code: code, err: err}
			}
			return nil
		},
	}
	addActivityFlags(cmd, &p.src)
	cmd.Flags().StringVar(&p.principal, "principal", "", "the IAM user or role ARN")
	cmd.Flags().StringVar(&p.from, "from", "", "audit (iamgate's audit log) or cloudtrail (imported CloudTrail events); both when not given")
	outputs(cmd, &p.output, "text", "json")
	return cmd
}

func runGenerate(ctx context.Context, p generateParams, stdout, stderr io.Writer) (int, error) {
	if p.principal == "" {
		return ExitUsage, fmt.Errorf("give --principal")
	}
	if p.output != "text" && p.output != "json" {
		return ExitUsage, fmt.Errorf("--output %q: want text or json", p.output)
	}
	source := "*"
	switch p.from {
	case "":
	case "audit":
		source = ""
	case "cloudtrail":
		source = audit.SourceCloudTrail
	default:
		return ExitUsage, fmt.Errorf("--from %q: want audit or cloudtrail", p.from)
	}
	w, a, now, _, err := p.src.load(ctx, p.principal, source)
	if err != nil {
		return ExitUsage, err
	}
	g, err := activity.Generate(activity.GenerateQuery{World: w, Principal: p.principal, Activity: a, Now: now, Ctx: ctx})
	if err != nil {
		return ExitMismatch, err
	}
	if p.output == "json" {
		b, err := json.MarshalIndent(g, "", "  ")
		if err != nil {
			return ExitUsage, err
		}
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		for i, d := range g.Documents {
			fmt.Fprintf(stdout, "// %s: document %d of %d, %d characters\n%s\n", activity.GeneratedPolicyName(i), i+1, len(g.Documents), policy.Size(d), d)
		}
	}
	if len(g.Documents) > 10 {
		// "Managed policies attached to an IAM role" and "... to an IAM
		// user": 10 by default, up to 20 on request (IAM and AWS STS quotas).
		fmt.Fprintf(stderr, "note: %d documents: more managed policies than IAM attaches to a user or role by default (10; up to 20 on request)\n", len(g.Documents))
	}
	fmt.Fprintf(stderr, "%s: %d action-resource pair(s); replayed %d logged allowed call(s), all allowed; no new access (%d request(s) or permission(s) compared with the current policies)\n",
		p.principal, g.Pairs, g.Replayed, g.Checked)
	return ExitOK, nil
}
