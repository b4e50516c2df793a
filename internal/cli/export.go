package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/world"
)

type exportParams struct {
	store  string
	out    string // a file, - for standard output
	output string // text (YAML) or json
	// legacyOut is set when --output named the file, as it did before
	// --file.
	legacyOut bool
}

// exportOutputFlag is export's --output: text or json as for every
// command, or, as before --file existed, the file to write (deprecated).
type exportOutputFlag struct{ p *exportParams }

func (f exportOutputFlag) String() string { return f.p.output }

func (f exportOutputFlag) Set(v string) error {
	if v == "text" || v == "json" {
		f.p.output = v
		return nil
	}
	f.p.out, f.p.legacyOut = v, true
	return nil
}

func (exportOutputFlag) Type() string { return "string" }

func newExportCmd() *cobra.Command {
	var p exportParams
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the store's world as a world file (YAML)",
		Long: `Writes the store's world as a world file: YAML (--output text, the default)
or the same document as JSON (--output json), to --file or standard output.
--output FILE, the spelling before --file, still names the file (deprecated).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if p.legacyOut {
				fmt.Fprintf(cmd.ErrOrStderr(), "--output %s as the file is deprecated, use --file %s\n", p.out, p.out)
			}
			if code, err := runExport(cmd.Context(), p, cmd.OutOrStdout()); code != ExitOK {
				return &exitError{code: code, err: err}
			}
			return nil
		},
	}
	addStoreFlag(cmd, &p.store)
	cmd.Flags().StringVarP(&p.out, "file", "f", "-", "file to write, - for standard output")
	p.output = "text"
	cmd.Flags().VarP(exportOutputFlag{&p}, outputFlag, "o", "output format: text (YAML) or json")
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[outputsAnnotation] = "text,json"
	return cmd
}

func runExport(ctx context.Context, p exportParams, stdout io.Writer) (int, error) {
	s, err := openStore(ctx, p.store)
	if err != nil {
		return ExitUsage, err
	}
	defer s.Close()
	fw, err := store.LoadFile(ctx, s)
	if err != nil {
		return ExitUsage, err
	}
	if p.out == "-" {
		return writeExport(stdout, fw, p.output)
	}
	f, err := os.Create(p.out)
	if err != nil {
		return ExitUsage, err
	}
	code, err := writeExport(f, fw, p.output)
	if cerr := f.Close(); err == nil && cerr != nil {
		// The file is written only when it is closed without error.
		return ExitUsage, cerr
	}
	return code, err
}

func writeExport(w io.Writer, fw *world.FileWorld, output string) (int, error) {
	if output == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return ExitOK, enc.Encode(fw)
	}
	if _, err := fmt.Fprintln(w, "# Exported by iamgate export."); err != nil {
		return ExitUsage, err
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(fw); err != nil {
		return ExitUsage, err
	}
	return ExitOK, enc.Close()
}
