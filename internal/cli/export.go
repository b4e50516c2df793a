package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/world"
)

type exportParams struct {
	store string
	out   string
}

func newExportCmd() *cobra.Command {
	var p exportParams
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the store's world as a world file (YAML)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if code, err := runExport(cmd.Context(), p, cmd.OutOrStdout()); code != ExitOK {
				return &exitError{code: code, err: err}
			}
			return nil
		},
	}
	addStoreFlag(cmd, &p.store)
	cmd.Flags().StringVarP(&p.out, "output", "o", "-", "file to write, - for standard output")
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
		return writeExport(stdout, fw)
	}
	f, err := os.Create(p.out)
	if err != nil {
		return ExitUsage, err
	}
	code, err := writeExport(f, fw)
	if cerr := f.Close(); err == nil && cerr != nil {
		// The file is written only when it is closed without error.
		return ExitUsage, cerr
	}
	return code, err
}

func writeExport(w io.Writer, fw *world.FileWorld) (int, error) {
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
