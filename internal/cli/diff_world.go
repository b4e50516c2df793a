package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/world"
)

// The whole-world diff of `iamgate diff --world OLD --world NEW` (the diff
// command, diff.go, calls runDiffWorld when --world is given).

// diffWorldNow is the time of the requests decided (aws:CurrentTime);
// tests fix it.
var diffWorldNow = time.Now

// jsonDiffRow is one row of the diff in JSON.
type jsonDiffRow struct {
	Principal string `json:"principal"`
	Action    string `json:"action"`
	Resource  string `json:"resource"`
	// Pattern: the resource is an instance of this Resource pattern of the
	// worlds' policies, not an ARN of either world.
	Pattern  string `json:"pattern,omitempty"`
	Decision string `json:"decision"`
	// AllowedIf: the conditions of the new access that the old world did
	// not allow (present when decision is allowedIf).
	AllowedIf analysis.Formula `json:"allowedIf,omitempty"`
	Construct string           `json:"allowedIfUnknown,omitempty"`
	// Before: "none", or "allowedIf" with the conditions the access had
	// (beforeIf); the row is then their widening.
	Before   string           `json:"before,omitempty"`
	BeforeIf analysis.Formula `json:"beforeIf,omitempty"`
	// Witnesses: per alternative, values of the unknown keys that the
	// engine decided allowed in one world and not in the other.
	Witnesses []map[string][]string `json:"witnesses,omitempty"`
	Via       []string              `json:"via"`
}

func toJSONDiffRows(rows []*analysis.DiffRow) []jsonDiffRow {
	out := make([]jsonDiffRow, 0, len(rows))
	for _, r := range rows {
		j := jsonDiffRow{Principal: r.Principal, Action: r.Action, Resource: r.Resource, Pattern: r.Pattern, Decision: r.Decision,
			Construct: r.Construct, Before: r.Before, Witnesses: r.Witnesses, Via: []string{}}
		if r.Decision == analysis.DecisionAllowedIf {
			j.AllowedIf = r.AllowedIf
		}
		if r.Before == analysis.BeforeAllowedIf {
			j.BeforeIf = r.BeforeIf
		}
		if r.Decision == analysis.DecisionUnknown {
			j.Before, j.Witnesses = "", nil
		}
		out = append(out, j)
	}
	return out
}

// loadDiffWorld loads a world as who-can's --world does; a directory
// holds world.yaml (or world.yml, world.json).
func loadDiffWorld(path string) (*world.World, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		for _, name := range []string{"world.yaml", "world.yml", "world.json"} {
			p := filepath.Join(path, name)
			if _, err := os.Stat(p); err == nil {
				return world.LoadFile(p)
			}
		}
		return nil, fmt.Errorf("%s: a directory without world.yaml, world.yml or world.json", path)
	}
	return world.LoadFile(path)
}

// runDiffWorld prints the access the world at newPath grants that the
// world at oldPath does not (and the access it takes away). Exit 0 when
// there is no new access, 1 when there is, 2 on bad input.
func runDiffWorld(cmd *cobra.Command, oldPath, newPath, output string) error {
	if output == "" {
		output = "text"
	}
	if output != "text" && output != "json" {
		return &exitError{code: ExitUsage, err: fmt.Errorf("--output %q: want text or json", output)}
	}
	old, err := loadDiffWorld(oldPath)
	if err != nil {
		return &exitError{code: ExitUsage, err: fmt.Errorf("old world: %w", err)}
	}
	new, err := loadDiffWorld(newPath)
	if err != nil {
		return &exitError{code: ExitUsage, err: fmt.Errorf("new world: %w", err)}
	}
	d, err := analysis.DiffWorlds(old, new, analysis.DiffOptions{Time: diffWorldNow(), Removed: true})
	if err != nil {
		return &exitError{code: ExitUsage, err: err}
	}
	stdout := cmd.OutOrStdout()
	added, removed := toJSONDiffRows(d.New), toJSONDiffRows(d.Removed)
	if output == "json" {
		b, err := json.MarshalIndent(map[string]any{"newAccess": added, "removedAccess": removed}, "", "  ")
		if err != nil {
			return &exitError{code: ExitUsage, err: err}
		}
		fmt.Fprintf(stdout, "%s\n", b)
	} else {
		writeWorldDiffText(stdout, d, added, removed)
	}
	if len(added) > 0 {
		return &exitError{code: ExitMismatch}
	}
	return nil
}

// writeWorldDiffText prints the rows for people: by principal, then by
// resource and conditions, with the actions that share them.
func writeWorldDiffText(w io.Writer, d *analysis.WorldDiff, added, removed []jsonDiffRow) {
	fmt.Fprintf(w, "%d principal(s) and %d resource(s) changed\n", len(d.ChangedPrincipals), len(d.ChangedResources))
	section := func(title string, rows []jsonDiffRow, beforeWord string) {
		fmt.Fprintf(w, "\n%s: %d row(s)\n", title, len(rows))
		type group struct {
			first   jsonDiffRow
			actions []string
		}
		var groups []*group
		byKey := map[string]*group{}
		for _, r := range rows {
			k := fmt.Sprintf("%s\x00%s\x00%s\x00%s\x00%v\x00%s", r.Principal, r.Resource, r.Decision, r.Before, r.AllowedIf, r.Construct)
			g := byKey[k]
			if g == nil {
				g = &group{first: r}
				byKey[k] = g
				groups = append(groups, g)
			}
			g.actions = append(g.actions, r.Action)
		}
		principal := ""
		for _, g := range groups {
			r := g.first
			if r.Principal != principal {
				principal = r.Principal
				fmt.Fprintf(w, "  %s\n", principal)
			}
			res := r.Resource
			if r.Pattern != "" {
				res += " (an instance of " + r.Pattern + ")"
			}
			note := ""
			if r.Before == analysis.BeforeAllowedIf {
				note = " (" + beforeWord + ")"
			}
			fmt.Fprintf(w, "    %-9s on %s%s\n", r.Decision, res, note)
			if r.Construct != "" {
				fmt.Fprintf(w, "              UNKNOWN: %s\n", r.Construct)
			}
			for i, alt := range r.AllowedIf {
				word := "if"
				if i > 0 {
					word = "or"
				}
				parts := make([]string, len(alt))
				for k, c := range alt {
					parts[k] = c.String()
				}
				fmt.Fprintf(w, "              %s %s\n", word, strings.Join(parts, " and "))
			}
			writeWrapped(w, "              ", g.actions)
		}
	}
	section("new access", added, "widened: allowed before under narrower conditions")
	section("removed access", removed, "narrowed: still allowed under other conditions")
}

// writeWrapped writes words comma-separated, in lines of about 100
// characters.
func writeWrapped(w io.Writer, indent string, words []string) {
	line := indent
	for i, x := range words {
		if i < len(words)-1 {
			x += ","
		}
		if len(line) > len(indent) && len(line)+1+len(x) > 100 {
			fmt.Fprintln(w, line)
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += x
	}
	fmt.Fprintln(w, line)
}
