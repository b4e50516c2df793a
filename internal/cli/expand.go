package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/iamgate/iamgate/catalog"
)

type expandParams struct {
	patterns []string
	output   string
}

func newExpandCmd() *cobra.Command {
	var p expandParams
	cmd := &cobra.Command{
		Use:   "expand PATTERN...",
		Short: "List the actions an Action value such as 's3:Get*' matches",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p.patterns = args
			if code, err := runExpand(cmd.Context(), p, cmd.OutOrStdout()); code != ExitOK {
				return &exitError{code: code, err: err}
			}
			return nil
		},
	}
	outputs(cmd, &p.output, "text", "json")
	return cmd
}

func runExpand(_ context.Context, p expandParams, stdout io.Writer) (int, error) {
	if p.output != "text" && p.output != "json" {
		return ExitUsage, fmt.Errorf("--output %q: want text or json", p.output)
	}
	c := catalog.Default()
	type row struct {
		Action      string `json:"action"`
		AccessLevel string `json:"accessLevel"`
	}
	seen := map[string]bool{}
	var rows []row
	for _, pat := range p.patterns {
		got := c.Expand(pat)
		if len(got) == 0 {
			return ExitMismatch, fmt.Errorf("%q matches no known action", pat)
		}
		for _, a := range got {
			if !seen[a.FullName()] {
				seen[a.FullName()] = true
				rows = append(rows, row{a.FullName(), a.AccessLevel})
			}
		}
	}
	if p.output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return ExitOK, enc.Encode(rows)
	}
	for _, r := range rows {
		fmt.Fprintln(stdout, r.Action)
	}
	return ExitOK, nil
}
