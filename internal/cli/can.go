package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/catalog"
)

type canParams struct {
	src       worldSource
	principal string
	services  []string
	resource  string
	context   []string
	output    string
	now       func() time.Time
}

func newCanCmd() *cobra.Command {
	p := canParams{now: time.Now}
	cmd := &cobra.Command{
		Use:   "can --world FILE --principal ARN",
		Short: "List every action a principal of a world may perform, and on which resources",
		Long: `Decides, with the engine and every policy the world gathers, every action of
the catalog the principal may perform: on each resource of the world of the
action's resource types, on "*" for actions without one, and on an instance
of each Resource pattern of the principal's own policies (marked "pattern":
the answer is exact for that instance, not for every ARN the pattern matches).
Unknown context keys are handled as in who-can: "allowed", or "allowedIf"
with the conditions and a witness. --output text groups by service and
access level.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p.src.fromFlags(cmd)
			return exitWith(runCan(cmd.Context(), p, cmd.OutOrStdout()))
		},
	}
	addWorldFlags(cmd, &p.src)
	cmd.Flags().StringVar(&p.principal, "principal", "", "a user or role ARN, an account root (arn:aws:iam::ACCT:root) or a service principal")
	cmd.Flags().StringArrayVar(&p.services, "service", nil, "only this service prefix (repeatable)")
	cmd.Flags().StringVar(&p.resource, "resource", "", "only this resource ARN (or * for actions without resource types)")
	cmd.Flags().StringArrayVar(&p.context, "context", nil, "a known context key, KEY=VALUE (repeatable)")
	outputs(cmd, &p.output, "text", "json")
	return cmd
}

type jsonPermission struct {
	jsonAccess
	Service     string `json:"service"`
	AccessLevel string `json:"accessLevel"`
	Pattern     string `json:"pattern,omitempty"`
}

func runCan(ctx context.Context, p canParams, stdout io.Writer) (int, error) {
	if p.output != "text" && p.output != "json" {
		return ExitUsage, fmt.Errorf("--output %q: want text or json", p.output)
	}
	if p.principal == "" {
		return ExitUsage, fmt.Errorf("give --principal")
	}
	kv, err := parseContext(p.context)
	if err != nil {
		return ExitUsage, err
	}
	w, err := p.src.load(ctx)
	if err != nil {
		return ExitUsage, err
	}
	ps, err := analysis.NewIndex(w).Can(analysis.CanQuery{Principal: p.principal, Services: p.services, Resource: p.resource, Context: kv, Time: p.now()})
	if err != nil {
		return ExitUsage, err
	}
	results := make([]jsonPermission, 0, len(ps))
	for _, pm := range ps {
		a := &analysis.Access{Principal: p.principal, Action: pm.Action.FullName(), Decision: pm.Decision, Construct: pm.Construct}
		if pm.Step != nil {
			a.Steps = []*analysis.Step{pm.Step}
		}
		j, err := toJSONAccess(a, pm.Resource)
		if err != nil {
			return ExitUsage, err
		}
		results = append(results, jsonPermission{jsonAccess: j, Service: pm.Action.Service.Prefix, AccessLevel: pm.Action.AccessLevel, Pattern: pm.Pattern})
	}
	if p.output == "json" {
		b, err := json.MarshalIndent(map[string]any{"principal": p.principal, "results": results}, "", "  ")
		if err != nil {
			return ExitUsage, err
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return ExitOK, nil
	}
	rank := map[string]int{catalog.List: 0, catalog.Read: 1, catalog.Write: 2, catalog.PermissionsManagement: 3, catalog.Tagging: 4}
	sort.SliceStable(results, func(i, j int) bool {
		a, b := results[i], results[j]
		if a.Service != b.Service {
			return a.Service < b.Service
		}
		return rank[a.AccessLevel] < rank[b.AccessLevel]
	})
	fmt.Fprintf(stdout, "%s may perform %d action-resource pair(s)\n", p.principal, len(results))
	var service, level string
	for _, r := range results {
		if r.Service != service {
			service, level = r.Service, ""
			fmt.Fprintf(stdout, "\n%s\n", service)
		}
		if r.AccessLevel != level {
			level = r.AccessLevel
			fmt.Fprintf(stdout, "  %s\n", level)
		}
		subject := r.Action + "  " + r.Resource
		if r.Pattern != "" {
			subject += "  (an instance of " + r.Pattern + ")"
		}
		writeAccessText(stdout, "    ", subject, r.jsonAccess)
	}
	return ExitOK, nil
}
