package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamgate/iamgate/accesstest"
	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/evaldoc"
)

type evalParams struct {
	file   string
	output string
	expect string
	now    func() time.Time
	// unknown lists context keys whose values are unknown; unknownContext
	// makes unknown every key the policies mention that the request lacks.
	unknown        []string
	unknownContext bool
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
a repeatable answer.

With --unknown KEY (repeatable) or --unknown-context the keys are unknown:
"decision" is the decision with them absent, and "allowedIf" says exactly
when the request is allowed, as a disjunction (array) of conjunctions (arrays)
of IAM conditions {"key", "operator", "values"} on the unknown keys: [] is
never, [[]] is always. Each alternative comes with a witness the engine
allows. Where the answer cannot be exact, "allowedIfUnknown" names why.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p.file = args[0]
			return exitWith(runEval(cmd.Context(), p, cmd.InOrStdin(), cmd.OutOrStdout()))
		},
	}
	outputs(cmd, &p.output, "text", "json")
	cmd.Flags().StringVar(&p.expect, "expect", "", "exit 1 unless the decision is this one: "+accesstest.ExpectWords+" (as in test files)")
	cmd.Flags().StringArrayVar(&p.unknown, "unknown", nil, "a context key whose value is unknown: also print when the request is allowed (repeatable)")
	cmd.Flags().BoolVar(&p.unknownContext, "unknown-context", false, "every condition key the policies mention that the request does not give is unknown")
	return cmd
}

func runEval(_ context.Context, p evalParams, stdin io.Reader, stdout io.Writer) (int, error) {
	if p.output != "text" && p.output != "json" {
		return ExitUsage, fmt.Errorf("--output %q: want text or json", p.output)
	}
	var want func(engine.Decision) bool
	if p.expect != "" {
		ok, err := accesstest.ParseExpect(p.expect)
		if err != nil {
			return ExitUsage, fmt.Errorf("--%v", err)
		}
		want = ok
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
	if len(p.unknown) > 0 || p.unknownContext {
		return runEvalUnknown(p, q, want, stdout)
	}
	e := engine.Explain(q)
	e.Notes = append(e.Notes, requestNotes(catalog.Default(), e.Action, e.Context)...)
	if p.output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(e); err != nil {
			return ExitUsage, err
		}
	} else {
		fmt.Fprint(stdout, e.Text())
	}
	if want != nil && !want(e.Decision) {
		return ExitMismatch, errors.New("decision is " + e.Decision.String() + ", expected " + p.expect)
	}
	return ExitOK, nil
}

// requestNotes says what in the request no policy can match as meant: an
// action that no service has (with the nearest one of its service), and
// condition keys in the context that the action does not support (the
// Service Authorization Reference lists each action's keys; global aws:
// keys apply to every action).
func requestNotes(c *catalog.Catalog, action string, ctx map[string][]string) []string {
	var notes []string
	a, ok := c.Action(action)
	if !ok {
		prefix, name, _ := strings.Cut(action, ":")
		if s, found := c.Service(prefix); found {
			note := fmt.Sprintf("%s is not an action of %s", action, s.Name)
			if near := nearestAction(s, name); near != "" {
				note += "; did you mean " + s.Prefix + ":" + near + "?"
			}
			notes = append(notes, note)
		} else {
			notes = append(notes, fmt.Sprintf("%s names no AWS service: no service has the prefix %q", action, prefix))
		}
	}
	keys := make([]string, 0, len(ctx))
	for k := range ctx {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			if _, global := c.ConditionKey(k); !global {
				notes = append(notes, fmt.Sprintf("the condition key %s in the request is not a global condition key AWS defines", k))
			}
			continue
		}
		if a == nil || actionSupports(a, k) {
			continue
		}
		notes = append(notes, fmt.Sprintf("the condition key %s in the request is not one %s supports: AWS does not send it with this action, so a policy testing it sees it missing", k, a.FullName()))
	}
	return notes
}

func actionSupports(a *catalog.Action, key string) bool {
	for _, k := range a.ConditionKeys {
		if catalog.KeyMatches(k, key) {
			return true
		}
	}
	for _, r := range a.ResourceTypes {
		for _, k := range r.ConditionKeys {
			if catalog.KeyMatches(k, key) {
				return true
			}
		}
		if r.Type != nil {
			for _, k := range r.Type.ConditionKeys {
				if catalog.KeyMatches(k, key) {
					return true
				}
			}
		}
	}
	return false
}

// nearestAction is the service's action nearest to name by edit distance,
// if it is near enough to be a typing mistake.
func nearestAction(s *catalog.Service, name string) string {
	best, bestD := "", -1
	for _, a := range s.Actions {
		d := editDistance(strings.ToLower(name), strings.ToLower(a.Name))
		if bestD < 0 || d < bestD {
			best, bestD = a.Name, d
		}
	}
	if bestD < 0 || bestD > 2+len(name)/5 {
		return ""
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// evalAnswer is the JSON answer with unknown keys: the explanation of the
// decision with those keys absent, and when the request is allowed.
type evalAnswer struct {
	*engine.Explanation
	Unknown     []string              `json:"unknown"`
	MultiValued []string              `json:"multiValued,omitempty"`
	AllowedIf   *analysis.Formula     `json:"allowedIf,omitempty"`
	Witnesses   []map[string][]string `json:"witnesses,omitempty"`
	// UnknownReason, when set, names the construct that keeps the answer
	// from being exact; allowedIf is then left out.
	UnknownReason string `json:"allowedIfUnknown,omitempty"`
}

func runEvalUnknown(p evalParams, q *engine.Prepared, want func(engine.Decision) bool, stdout io.Writer) (int, error) {
	res, err := analysis.AllowedIf(q, analysis.Options{Unknown: p.unknown, AllUnknown: p.unknownContext})
	var ue *analysis.UnknownError
	if err != nil && !errors.As(err, &ue) {
		return ExitUsage, err
	}
	ans := evalAnswer{Explanation: engine.Explain(q.WithContext(nil, res.Unknown)), Unknown: res.Unknown, MultiValued: res.MultiValued}
	if ans.Unknown == nil {
		ans.Unknown = []string{}
	}
	if ue != nil {
		ans.UnknownReason = ue.Construct
	} else {
		f := res.AllowedIf
		if f == nil {
			f = analysis.Formula{}
		}
		ans.AllowedIf, ans.Witnesses = &f, res.Witnesses
	}
	if p.output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(ans); err != nil {
			return ExitUsage, err
		}
	} else {
		fmt.Fprint(stdout, ans.Text())
		fmt.Fprintf(stdout, "\nUnknown context: %s (the decision above is with them absent)\n", strings.Join(ans.Unknown, ", "))
		if len(ans.MultiValued) > 0 {
			fmt.Fprintf(stdout, "Multi-valued (a set of values): %s\n", strings.Join(ans.MultiValued, ", "))
		}
		if ue != nil {
			fmt.Fprintf(stdout, "Allowed if: UNKNOWN: %s\n", ue.Construct)
		} else {
			fmt.Fprintf(stdout, "Allowed if: %s", formulaText(*ans.AllowedIf, ans.Witnesses))
		}
	}
	if want != nil && !want(ans.Decision) {
		return ExitMismatch, errors.New("decision is " + ans.Decision.String() + ", expected " + p.expect)
	}
	return ExitOK, nil
}

func formulaText(f analysis.Formula, ws []map[string][]string) string {
	switch {
	case f.Never():
		return "never, whatever the unknown keys hold\n"
	case f.Always():
		return "always, whatever the unknown keys hold\n"
	}
	var b strings.Builder
	b.WriteString("\n")
	for i, conj := range f {
		if i > 0 {
			b.WriteString("  or\n")
		}
		for j, c := range conj {
			if j == 0 {
				b.WriteString("    ")
			} else {
				b.WriteString("    and ")
			}
			b.WriteString(c.String() + "\n")
		}
		if i < len(ws) {
			b.WriteString("      witness (allowed): " + witnessText(ws[i], conj) + "\n")
		}
	}
	return b.String()
}

func witnessText(w map[string][]string, conj []analysis.Conjunct) string {
	var keys []string
	for k := range w {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%q", k, w[k]))
	}
	if len(parts) == 0 {
		return "every unknown key absent"
	}
	return strings.Join(parts, " ")
}
