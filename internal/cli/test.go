package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/iamgate/iamgate/accesstest"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/world"
)

type testParams struct {
	paths    []string
	world    string
	useStore bool
	store    string
	junit    string
	verbose  bool
	at       string
	output   string
}

func newTestCmd() *cobra.Command {
	var p testParams
	cmd := &cobra.Command{
		Use:   "test PATH...",
		Short: "Run access tests against a world",
		Long: `Runs access test files (or every test file under a folder: YAML files with a
top-level "tests" key) against the world each names with "world:", or --world.
Prints a line per failure with its explanation (every test with -v) and an
ok/FAIL line per file; --junit writes JUnit XML; --output json prints every
test's result as one JSON document instead. Exit 1 on any failure.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p.paths = args
			if code, err := runTest(cmd.Context(), p, cmd.OutOrStdout()); code != ExitOK {
				return &exitError{code: code, err: err}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&p.world, "world", "", "world file for every test file (default: each file's world:)")
	cmd.Flags().BoolVar(&p.useStore, "use-store", false, "run every test file against the world in the store instead")
	addStoreFlag(cmd, &p.store)
	cmd.Flags().StringVar(&p.junit, "junit", "", "write JUnit XML to this file")
	cmd.Flags().BoolVarP(&p.verbose, "verbose", "v", false, "print every test, not only failures")
	cmd.Flags().StringVar(&p.at, "time", "", "request time (RFC 3339) for aws:CurrentTime; default now")
	outputs(cmd, &p.output, "text", "json")
	return cmd
}

// testFiles expands folders into the YAML files in them that hold tests.
func testFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !info.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if ext := filepath.Ext(path); ext != ".yaml" && ext != ".yml" {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			var top map[string]yaml.Node
			if yaml.NewDecoder(bytes.NewReader(data)).Decode(&top) == nil {
				if _, ok := top["tests"]; ok {
					found = append(found, path)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: no test files (YAML files with a top-level tests key)", p)
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

func runTest(_ context.Context, p testParams, stdout io.Writer) (int, error) {
	opts := accesstest.Options{}
	if p.at != "" {
		t, err := time.Parse(time.RFC3339, p.at)
		if err != nil {
			return ExitUsage, fmt.Errorf("--time: %v", err)
		}
		opts.Now = t
	}
	files, err := testFiles(p.paths)
	if err != nil {
		return ExitUsage, err
	}
	worlds := map[string]*world.World{}
	if p.useStore {
		s, err := openStore(context.Background(), p.store)
		if err != nil {
			return ExitUsage, err
		}
		w, err := store.LoadWorld(context.Background(), s)
		_ = s.Close() // read only: the world is loaded or its error reported
		if err != nil {
			return ExitUsage, err
		}
		worlds["store"] = w
		p.world = "store"
	}
	var suites []accesstest.Suite
	failed := 0
	for _, path := range files {
		f, err := accesstest.LoadFile(path)
		if err != nil {
			return ExitUsage, err
		}
		wp := p.world
		if wp == "" {
			wp = f.WorldPath()
		}
		if wp == "" {
			return ExitUsage, fmt.Errorf("%s: no world: give world: in the file or --world", path)
		}
		w, ok := worlds[wp]
		if !ok {
			if w, err = world.LoadFile(wp); err != nil {
				return ExitUsage, err
			}
			worlds[wp] = w
		}
		rs := accesstest.Run(w, f, opts)
		if p.output != "json" {
			accesstest.WriteText(stdout, path, rs, p.verbose)
		}
		_, bad := accesstest.Summary(rs)
		failed += bad
		suites = append(suites, accesstest.Suite{File: path, Results: rs})
	}
	if p.junit != "" {
		var b bytes.Buffer
		if err := accesstest.WriteJUnit(&b, suites); err != nil {
			return ExitUsage, err
		}
		if err := os.WriteFile(p.junit, b.Bytes(), 0o644); err != nil {
			return ExitUsage, err
		}
	}
	if p.output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(testReport(suites)); err != nil {
			return ExitUsage, err
		}
	}
	if failed > 0 {
		return ExitMismatch, fmt.Errorf("%d access %s failed", failed, strings.TrimSuffix("tests", map[bool]string{true: "s", false: ""}[failed == 1]))
	}
	return ExitOK, nil
}

// testJSON is iamgate test --output json: every test of every file (not
// only the failures, as --verbose), with the totals.
type testJSON struct {
	Passed int            `json:"passed"`
	Failed int            `json:"failed"`
	Files  []testFileJSON `json:"files"`
}

type testFileJSON struct {
	File   string           `json:"file"`
	Passed int              `json:"passed"`
	Failed int              `json:"failed"`
	Tests  []testResultJSON `json:"tests"`
}

type testResultJSON struct {
	Name   string `json:"name"`
	Line   int    `json:"line"`
	Passed bool   `json:"passed"`
	Expect string `json:"expect"`
	// Got is the decision; Step the refused AssumeRole step of a chain;
	// Error why the test could not run (then Got is empty).
	Got   string `json:"got,omitempty"`
	Step  string `json:"step,omitempty"`
	Error string `json:"error,omitempty"`
}

func testReport(suites []accesstest.Suite) testJSON {
	out := testJSON{Files: []testFileJSON{}}
	for _, s := range suites {
		f := testFileJSON{File: s.File, Tests: []testResultJSON{}}
		f.Passed, f.Failed = accesstest.Summary(s.Results)
		for _, r := range s.Results {
			t := testResultJSON{Name: r.Test.Name, Line: r.Test.Line, Passed: r.Passed && r.Err == nil, Expect: r.Test.Expect, Step: r.Step}
			if r.Err != nil {
				t.Error = r.Err.Error()
			} else {
				t.Got = r.Got.String()
			}
			f.Tests = append(f.Tests, t)
		}
		out.Passed += f.Passed
		out.Failed += f.Failed
		out.Files = append(out.Files, f)
	}
	return out
}
