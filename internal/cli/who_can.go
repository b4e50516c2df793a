package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/world"
)

// worldSource says where an analysis verb reads its world: a world file,
// or the store.
type worldSource struct {
	world    string
	useStore bool
	store    string
}

func addWorldFlags(cmd *cobra.Command, s *worldSource) {
	cmd.Flags().StringVar(&s.world, "world", "", "the world file (YAML or JSON)")
	cmd.Flags().BoolVar(&s.useStore, "use-store", false, "analyse the world in the store (also when --store is given without --world)")
	addStoreFlag(cmd, &s.store)
}

func (s *worldSource) fromFlags(cmd *cobra.Command) {
	if s.world == "" && onCommandLine(cmd, "store") {
		s.useStore = true
	}
}

func (s worldSource) load(ctx context.Context) (*world.World, error) {
	switch {
	case s.world != "" && s.useStore:
		return nil, fmt.Errorf("give --world or --use-store, not both")
	case s.world != "":
		return world.LoadFile(s.world)
	case s.useStore:
		st, err := openStore(ctx, s.store)
		if err != nil {
			return nil, err
		}
		defer st.Close()
		return store.LoadWorld(ctx, st)
	}
	return nil, fmt.Errorf("give --world FILE or --use-store")
}

// parseContext reads K=V pairs; a key given twice holds both values.
func parseContext(pairs []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--context %q: want KEY=VALUE", p)
		}
		out[k] = append(out[k], v)
	}
	return out, nil
}

type whoCanParams struct {
	src        worldSource
	actions    []string
	resource   string
	context    []string
	transitive bool
	depth      int
	output     string
	now        func() time.Time
}

func newWhoCanCmd() *cobra.Command {
	p := whoCanParams{now: time.Now}
	cmd := &cobra.Command{
		Use:   "who-can --world FILE --action A --resource ARN",
		Short: "List every principal of a world that may perform actions on a resource",
		Long: `Decides, with the engine and every policy the world gathers (identity, groups,
boundaries, SCPs and RCPs, resource, key and trust policies), which principals
may perform each action on the resource: the world's IAM users and roles, the
roots of the accounts (arn:aws:iam::ACCT:root) and the services the resource's
policy names, and "*" (anonymous) when it names anyone.

Context keys given with --context are known (for every request, hops
included); keys the world derives (principal and resource tags, org IDs and
paths, aws:PrincipalArn, ...) are known; aws:CurrentTime is now. Any other
key a statement for the action mentions is unknown: the answer is "allowed"
(whatever its value), or "allowedIf" with the conditions that make it allowed
(each alternative with a witness the engine allows), or "unknown" naming the
construct the analysis cannot decide.

--transitive adds principals that reach the access through sts:AssumeRole
chains (up to --max-depth hops), "via" listing the roles assumed in order;
each hop is decided with its own conditions (ExternalId, MFA, ...), labelled
by "step" (hop i is step i, the access itself the last step). A principal
with an unconditional chain is listed once, with its shortest such chain;
otherwise once per chain whose conditions no other chain's imply: the access
is allowed exactly when one of its rows' conditions holds.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			p.src.fromFlags(cmd)
			return exitWith(runWhoCan(cmd.Context(), p, cmd.OutOrStdout()))
		},
	}
	addWorldFlags(cmd, &p.src)
	cmd.Flags().StringArrayVar(&p.actions, "action", nil, "an action (service:Action; repeatable)")
	cmd.Flags().StringVar(&p.resource, "resource", "", "the resource ARN (or * for actions without resource types)")
	cmd.Flags().StringArrayVar(&p.context, "context", nil, "a known context key, KEY=VALUE (repeatable; a key given twice has both values)")
	cmd.Flags().BoolVar(&p.transitive, "transitive", false, "follow sts:AssumeRole chains")
	cmd.Flags().IntVar(&p.depth, "max-depth", 8, "with --transitive, the most roles a chain assumes")
	outputs(cmd, &p.output, "text", "json")
	return cmd
}

// jsonAccess is one result of who-can (and can) in JSON.
type jsonAccess struct {
	Principal string `json:"principal"`
	Action    string `json:"action"`
	Resource  string `json:"resource,omitempty"`
	Decision  string `json:"decision"`
	// AllowedIf: alternatives of conditions, each labelled by the step
	// (request) it is on; present when Decision is allowedIf.
	AllowedIf [][]analysis.ChainConjunct `json:"allowedIf,omitempty"`
	Construct string                     `json:"allowedIfUnknown,omitempty"`
	Via       []string                   `json:"via"`
	// Witnesses: per alternative, the unknown keys' values per step that
	// the engine decided allowed (a key left out is absent).
	Witnesses [][]map[string][]string `json:"witnesses,omitempty"`
}

func toJSONAccess(a *analysis.Access, resource string) (jsonAccess, error) {
	j := jsonAccess{Principal: a.Principal, Action: a.Action, Resource: resource, Decision: a.Decision, Via: a.Via, Construct: a.Construct}
	if j.Via == nil {
		j.Via = []string{}
	}
	if a.Decision == analysis.DecisionUnknown {
		return j, nil
	}
	f, wits, err := a.Formula()
	if err != nil {
		j.Decision, j.Construct = analysis.DecisionUnknown, strings.TrimPrefix(err.Error(), "UNKNOWN: ")
		return j, nil
	}
	if a.Decision == analysis.DecisionAllowedIf {
		j.AllowedIf = f
	}
	j.Witnesses = wits
	return j, nil
}

func runWhoCan(ctx context.Context, p whoCanParams, stdout io.Writer) (int, error) {
	if p.output != "text" && p.output != "json" {
		return ExitUsage, fmt.Errorf("--output %q: want text or json", p.output)
	}
	if len(p.actions) == 0 || p.resource == "" {
		return ExitUsage, fmt.Errorf("give --action (one or more) and --resource")
	}
	kv, err := parseContext(p.context)
	if err != nil {
		return ExitUsage, err
	}
	w, err := p.src.load(ctx)
	if err != nil {
		return ExitUsage, err
	}
	x := analysis.NewIndex(w)
	as, err := x.WhoCan(analysis.WhoCanQuery{Actions: p.actions, Resource: p.resource, Context: kv, Time: p.now(), Transitive: p.transitive, MaxDepth: p.depth})
	if err != nil {
		return ExitUsage, err
	}
	results := make([]jsonAccess, 0, len(as))
	for _, a := range as {
		j, err := toJSONAccess(a, "")
		if err != nil {
			return ExitUsage, err
		}
		results = append(results, j)
	}
	if p.output == "json" {
		b, err := json.MarshalIndent(map[string]any{"results": results}, "", "  ")
		if err != nil {
			return ExitUsage, err
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return ExitOK, nil
	}
	writeWhoCanText(stdout, p.resource, p.actions, results)
	return ExitOK, nil
}

func writeWhoCanText(w io.Writer, resource string, actions []string, results []jsonAccess) {
	by := map[string][]jsonAccess{}
	for _, r := range results {
		by[r.Action] = append(by[r.Action], r)
	}
	sorted := append([]string(nil), actions...)
	sort.Strings(sorted)
	for i, a := range sorted {
		if i > 0 {
			fmt.Fprintln(w)
		}
		rs := by[a]
		distinct := map[string]bool{}
		for _, r := range rs {
			distinct[r.Principal] = true
		}
		routes := ""
		if len(distinct) != len(rs) {
			routes = fmt.Sprintf(", %d routes", len(rs))
		}
		fmt.Fprintf(w, "%s on %s: %d principal(s)%s\n", a, resource, len(distinct), routes)
		for _, r := range rs {
			writeAccessText(w, "  ", r.Principal, r)
		}
	}
}

// writeAccessText prints one result: its decision and subject, its chain,
// and its conditions, labelled by step when there is a chain.
func writeAccessText(w io.Writer, indent, subject string, r jsonAccess) {
	fmt.Fprintf(w, "%s%-9s %s\n", indent, r.Decision, subject)
	if len(r.Via) > 0 {
		fmt.Fprintf(w, "%s          via %s\n", indent, strings.Join(r.Via, " -> "))
	}
	if r.Construct != "" {
		fmt.Fprintf(w, "%s          UNKNOWN: %s\n", indent, r.Construct)
	}
	for i, alt := range r.AllowedIf {
		word := "if"
		if i > 0 {
			word = "or"
		}
		var parts []string
		for _, c := range alt {
			s := c.Conjunct.String()
			if len(r.Via) > 0 {
				s = "[" + stepName(r, c.Step) + "] " + s
			}
			parts = append(parts, s)
		}
		fmt.Fprintf(w, "%s          %s %s\n", indent, word, strings.Join(parts, " and "))
	}
}

func stepName(r jsonAccess, step int) string {
	if step < len(r.Via) {
		return "assume " + r.Via[step]
	}
	return r.Action
}
