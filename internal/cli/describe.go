package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/iamgate/iamgate/catalog"
)

type describeParams struct {
	action string
	output string
}

func newDescribeCmd() *cobra.Command {
	var p describeParams
	cmd := &cobra.Command{
		Use:   "describe ACTION",
		Short: "Show an action's access level, resource types and condition keys",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p.action = args[0]
			if code, err := runDescribe(cmd.Context(), p, cmd.OutOrStdout()); code != ExitOK {
				return &exitError{code: code, err: err}
			}
			return nil
		},
	}
	outputs(cmd, &p.output, "text", "json")
	return cmd
}

type describedKey struct {
	Name string `json:"name"`
	Type string `json:"type,omitempty"`
}

type describedResource struct {
	Name          string         `json:"name"`
	Required      bool           `json:"required"`
	ARN           string         `json:"arn,omitempty"`
	ConditionKeys []describedKey `json:"conditionKeys,omitempty"`
}

type described struct {
	Action        string              `json:"action"`
	Service       string              `json:"service"`
	AccessLevel   string              `json:"accessLevel"`
	AccessLevels  []string            `json:"accessLevels"`
	ResourceTypes []describedResource `json:"resourceTypes"`
	ConditionKeys []describedKey      `json:"conditionKeys"`
}

func runDescribe(_ context.Context, p describeParams, stdout io.Writer) (int, error) {
	if p.output != "text" && p.output != "json" {
		return ExitUsage, fmt.Errorf("--output %q: want text or json", p.output)
	}
	c := catalog.Default()
	a, ok := c.Action(p.action)
	if !ok {
		hint := ""
		if svc, _, found := strings.Cut(p.action, ":"); found {
			if _, known := c.Service(svc); !known {
				hint = fmt.Sprintf(" (no service has the prefix %q)", svc)
			}
		}
		return ExitMismatch, fmt.Errorf("unknown action %q%s", p.action, hint)
	}
	key := func(name string) describedKey {
		k, _ := a.Service.ConditionKey(c, name)
		return describedKey{Name: name, Type: k.Type}
	}
	d := described{Action: a.FullName(), Service: a.Service.Name, AccessLevel: a.AccessLevel, AccessLevels: a.Levels,
		ResourceTypes: []describedResource{}, ConditionKeys: []describedKey{}}
	for _, r := range a.ResourceTypes {
		dr := describedResource{Name: r.Name, Required: r.Required}
		if r.Type != nil {
			dr.ARN = r.Type.ARN
		}
		for _, k := range r.ConditionKeys {
			dr.ConditionKeys = append(dr.ConditionKeys, key(k))
		}
		d.ResourceTypes = append(d.ResourceTypes, dr)
	}
	for _, k := range a.ConditionKeys {
		d.ConditionKeys = append(d.ConditionKeys, key(k))
	}
	if p.output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return ExitOK, enc.Encode(d)
	}
	fmt.Fprintf(stdout, "%s (%s)\naccess level: %s\n", d.Action, d.Service, strings.Join(d.AccessLevels, ", "))
	if len(d.ResourceTypes) == 0 {
		fmt.Fprintln(stdout, `resource types: none (use "Resource": "*")`)
	} else {
		fmt.Fprintln(stdout, "resource types:")
		for _, r := range d.ResourceTypes {
			req := ""
			if r.Required {
				req = " (required)"
			}
			fmt.Fprintf(stdout, "  %s%s  %s\n", r.Name, req, r.ARN)
			for _, k := range r.ConditionKeys {
				fmt.Fprintf(stdout, "    %s (%s)\n", k.Name, k.Type)
			}
		}
	}
	if len(d.ConditionKeys) > 0 {
		fmt.Fprintln(stdout, "condition keys:")
		for _, k := range d.ConditionKeys {
			fmt.Fprintf(stdout, "  %s (%s)\n", k.Name, k.Type)
		}
	}
	return ExitOK, nil
}
