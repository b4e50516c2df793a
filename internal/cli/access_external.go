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
	"github.com/iamgate/iamgate/evaldoc"
)

type accessExternalParams struct {
	src     worldSource
	zone    string
	context []string
	output  string
	now     func() time.Time
}

func newAccessExternalCmd() *cobra.Command {
	p := accessExternalParams{now: time.Now}
	cmd := &cobra.Command{
		Use:   "external --world FILE [--zone account|organization]",
		Short: "List the principals outside the zone of trust that can act on the world's resources",
		Long: `For every resource policy of the world (S3 buckets and access points, KMS
keys, SQS queues, SNS topics, Lambda functions, Secrets Manager secrets, API
Gateway APIs, the Glue catalog, ECR repositories, EventBridge buses, ...) and
every role's trust policy, lists the principals outside the zone of trust
that can act on the resource, as IAM Access Analyzer's external access
findings do: the zone is the resource's account (--zone account) or the
world's organization (--zone organization, the default).

Each finding is decided by the engine: the resource's side as the world
gathers it (its policy, the RCPs over it, its tags and organization keys),
the principal's side allowing everything (its own account can grant it
anything). A principal is an account's root (standing for any principal of
that account), a user or role the policy names, a service, "*" (anonymous),
or a principal the analysis makes up for those the policies do not name
("represents" says which). Context keys the request would carry
(aws:SourceVpce, sts:ExternalId, aws:SourceIp, ...) are unknown unless given
with --context: the finding holds "allowedIf" those conditions; conditions
that keep the principal inside the zone (aws:PrincipalOrgID,
aws:PrincipalOrgPaths, aws:PrincipalAccount, aws:SourceAccount, ...) leave no
finding. A grant to a service that holds without aws:SourceArn and
aws:SourceAccount is a "confusedDeputy" finding. "unknown" names what the
analysis cannot decide.

With --output json each finding has a witness: an iamgate eval document,
with a principal outside the zone, that iamgate eval decides allowed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p.src.fromFlags(cmd)
			return exitWith(runAccessExternal(cmd.Context(), p, cmd.OutOrStdout()))
		},
	}
	addWorldFlags(cmd, &p.src)
	cmd.Flags().StringVar(&p.zone, "zone", analysis.ZoneOrganization, "the zone of trust: account or organization")
	cmd.Flags().StringArrayVar(&p.context, "context", nil, "a known context key, KEY=VALUE (repeatable; a key given twice has both values)")
	outputs(cmd, &p.output, "text", "json")
	return cmd
}

// jsonFinding is one finding of access external in JSON.
type jsonFinding struct {
	Kind       string   `json:"kind"`
	Resource   string   `json:"resource"`
	Principal  string   `json:"principal"`
	Represents string   `json:"represents,omitempty"`
	Actions    []string `json:"actions"`
	// AllowedIf: alternatives of conditions ([[]] is always); absent for
	// an unknown finding.
	AllowedIf analysis.Formula  `json:"allowedIf,omitempty"`
	Witness   *evaldoc.Document `json:"witness,omitempty"`
	Construct string            `json:"allowedIfUnknown,omitempty"`
}

func runAccessExternal(ctx context.Context, p accessExternalParams, stdout io.Writer) (int, error) {
	if p.output != "text" && p.output != "json" {
		return ExitUsage, fmt.Errorf("--output %q: want text or json", p.output)
	}
	if p.zone != analysis.ZoneAccount && p.zone != analysis.ZoneOrganization {
		return ExitUsage, fmt.Errorf("--zone %q: want account or organization", p.zone)
	}
	kv, err := parseContext(p.context)
	if err != nil {
		return ExitUsage, err
	}
	w, err := p.src.load(ctx)
	if err != nil {
		return ExitUsage, err
	}
	fs, err := analysis.NewIndex(w).External(analysis.ExternalQuery{Zone: p.zone, Context: kv, Time: p.now()})
	if err != nil {
		return ExitUsage, err
	}
	out := make([]jsonFinding, 0, len(fs))
	for _, f := range fs {
		j := jsonFinding{Kind: f.Kind, Resource: f.Resource, Principal: f.Principal, Represents: f.Represents, Actions: f.Actions, Witness: f.Witness, Construct: f.Construct}
		if f.Kind != analysis.FindingUnknown {
			j.AllowedIf = f.AllowedIf
		}
		if j.Actions == nil {
			j.Actions = []string{}
		}
		out = append(out, j)
	}
	if p.output == "json" {
		b, err := json.MarshalIndent(map[string]any{"zone": p.zone, "findings": out}, "", "  ")
		if err != nil {
			return ExitUsage, err
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return ExitOK, nil
	}
	writeExternalText(stdout, p.zone, out)
	return ExitOK, nil
}

func writeExternalText(w io.Writer, zone string, fs []jsonFinding) {
	fmt.Fprintf(w, "external access, zone of trust %s: %d finding(s)\n", zone, len(fs))
	last := ""
	for _, f := range fs {
		if f.Resource != last {
			fmt.Fprintf(w, "\n%s\n", f.Resource)
			last = f.Resource
		}
		fmt.Fprintf(w, "  %-14s %s\n", f.Kind, f.Principal)
		const pad = "                 "
		if f.Represents != "" {
			fmt.Fprintf(w, "%s(%s)\n", pad, f.Represents)
		}
		if len(f.Actions) > 0 {
			fmt.Fprintf(w, "%sactions %s\n", pad, strings.Join(f.Actions, ", "))
		}
		if f.Construct != "" {
			fmt.Fprintf(w, "%sUNKNOWN: %s\n", pad, f.Construct)
		}
		for i, alt := range f.AllowedIf {
			if len(alt) == 0 {
				continue
			}
			word := "if"
			if i > 0 {
				word = "or"
			}
			var parts []string
			for _, c := range alt {
				parts = append(parts, c.String())
			}
			fmt.Fprintf(w, "%s%s %s\n", pad, word, strings.Join(parts, " and "))
		}
	}
}
