// Command orggen writes a synthetic organization as a world file (JSON, or
// YAML when the name ends in .yaml), deterministic by seed:
//
//	go run ./bench/orggen -preset full -seed 1 -o /tmp/org.json
//	iamgate who-can --world /tmp/org.json --action s3:GetObject --resource arn:aws:s3:::gen-100000000005-data-0/x
//
// With -measure it also loads the file as `iamgate who-can --world` does
// (world.LoadFile) and reports the load's wall time and the process's peak
// resident memory (VmHWM).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/iamgate/iamgate/internal/orggen"
	"github.com/iamgate/iamgate/world"
)

func main() {
	preset := flag.String("preset", "full", "size: full, medium or small")
	seed := flag.Int64("seed", 1, "random seed")
	out := flag.String("o", "", "output file (.json or .yaml); stdout when empty")
	measure := flag.Bool("measure", false, "load the written file with world.LoadFile and report time and peak RSS")
	flag.Parse()
	cfg, ok := orggen.Preset(*preset)
	if !ok {
		fmt.Fprintf(os.Stderr, "orggen: no preset %q (full, medium, small)\n", *preset)
		os.Exit(2)
	}
	cfg.Seed = *seed
	if *measure && *out != "" {
		if _, err := os.Stat(*out); err == nil {
			// Measure an existing file alone, so the generator's memory does
			// not count.
			loadAndReport(*out)
			return
		}
	}
	fw := orggen.Generate(cfg)
	var data []byte
	var err error
	if strings.HasSuffix(*out, ".yaml") || strings.HasSuffix(*out, ".yml") {
		data, err = yaml.Marshal(fw)
	} else {
		data, err = json.Marshal(fw)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "orggen:", err)
		os.Exit(1)
	}
	if *out == "" {
		if _, err := os.Stdout.Write(data); err != nil {
			fmt.Fprintln(os.Stderr, "orggen:", err)
			os.Exit(1)
		}
		return
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "orggen:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "orggen: wrote %s (%d bytes)\n", *out, len(data))
}

func loadAndReport(path string) {
	start := time.Now()
	w, err := world.LoadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "orggen:", err)
		os.Exit(1)
	}
	d := time.Since(start)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("load %s: %d accounts in %.2fs; peak RSS (VmHWM) %s; heap in use %d MB\n",
		path, w.Accounts.Len(), d.Seconds(), vmHWM(), ms.HeapInuse>>20)
}

func vmHWM() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "?"
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}
