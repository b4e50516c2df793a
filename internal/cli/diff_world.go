package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

// runDiffWorld is the whole-world diff (iamgate diff --world OLD --world
// NEW). It is built in another branch; this stand-in is replaced when that
// branch is merged.
func runDiffWorld(cmd *cobra.Command, oldPath, newPath, output string) error {
	return errors.New("whole-world diff: not built in this branch")
}
