package cli

import "github.com/spf13/cobra"

// newAccessCmd is the access group: findings about who outside (external)
// can reach a world's resources, and what access goes unused. Each
// subcommand is in its own file (access_external.go, access_unused.go).
func newAccessCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "access",
		Short: "Access findings over a world (external access, unused access)",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newAccessExternalCmd(), newAccessUnusedCmd())
	return cmd
}
