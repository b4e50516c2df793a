package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// versionInfo is what iamgate version prints.
type versionInfo struct {
	Version   string `json:"version"`
	GoVersion string `json:"goVersion"`
	// Revision is the VCS revision the binary was built from, Time its
	// commit time, Modified whether the tree had uncommitted changes; all
	// empty (Modified false) when the build recorded none (go run, go test).
	Revision string `json:"revision"`
	Time     string `json:"time,omitempty"`
	Modified bool   `json:"modified"`
}

// buildVersion reads the binary's build information.
func buildVersion() versionInfo {
	bi, _ := debug.ReadBuildInfo()
	return versionOf(bi)
}

// versionOf is the version of a build (nil: none recorded).
func versionOf(bi *debug.BuildInfo) versionInfo {
	v := versionInfo{Version: Version, GoVersion: runtime.Version()}
	if bi == nil {
		return v
	}
	if bi.GoVersion != "" {
		v.GoVersion = bi.GoVersion
	}
	if m := bi.Main.Version; m != "" && m != "(devel)" {
		v.Version = m
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// text is the one line of iamgate version and iamgate --version.
func (v versionInfo) text() string {
	rev := v.Revision
	if rev == "" {
		rev = "unknown"
	}
	if v.Modified {
		rev += " (modified)"
	}
	return fmt.Sprintf("iamgate %s, %s, revision %s", v.Version, v.GoVersion, rev)
}

func newVersionCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, the Go version and the VCS revision built from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVersion(output, cmd.OutOrStdout())
		},
	}
	outputs(cmd, &output, "text", "json")
	return cmd
}

func runVersion(output string, stdout io.Writer) error {
	v := buildVersion()
	if output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	_, err := fmt.Fprintln(stdout, v.text())
	return err
}
