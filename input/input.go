package input

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Document is one policy found in a source.
type Document struct {
	// File is the source file.
	File string
	// Resource names the holder in a template or plan, such as
	// "LambdaRole.AssumeRolePolicyDocument" or
	// "aws_iam_role.lambda.assume_role_policy"; empty for a policy file.
	Resource string
	// Type is the policy type the source implies ("identity", "trust",
	// "resource", "scp", "rcp"), or "" to let the validator guess.
	Type string
	// Data is the policy document as JSON.
	Data []byte
	// Locate maps an element path of the policy ("Statement[0].Action[1]")
	// to a 1-based line and column in File. nil when Data is File itself.
	Locate func(path string) (line, col int, ok bool)
	// Line is where the policy starts in File, for findings Locate cannot place.
	Line, Column int
}

// Kind is the kind of a source file.
type Kind string

const (
	KindPolicy         Kind = "policy"
	KindCloudFormation Kind = "cloudformation"
	KindTerraformPlan  Kind = "terraform-plan"
)

// Load reads a file, or every .json, .yaml, .yml and .template file under a
// folder (in name order), and returns the policies in them.
func Load(path string) ([]Document, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		return Parse(path, data)
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != path && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".json", ".yaml", ".yml", ".template":
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []Document
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		docs, err := Parse(f, data)
		if err != nil {
			return nil, err
		}
		out = append(out, docs...)
	}
	return out, nil
}

// Detect tells what a file holds: a Terraform plan (format_version with
// planned_values or resource_changes), a CloudFormation template (Resources),
// or else a policy document.
func Detect(name string, data []byte) Kind {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var top map[string]json.RawMessage
		if json.Unmarshal(trimmed, &top) == nil {
			_, fv := top["format_version"]
			_, pv := top["planned_values"]
			_, rc := top["resource_changes"]
			if fv && (pv || rc) {
				return KindTerraformPlan
			}
			if _, ok := top["Resources"]; ok {
				return KindCloudFormation
			}
			return KindPolicy
		}
		// Not valid JSON: a policy with a syntax error, reported as such.
		return KindPolicy
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".template":
		return KindCloudFormation
	}
	return KindPolicy
}

// Parse returns the policies in one file's content.
func Parse(name string, data []byte) ([]Document, error) {
	switch Detect(name, data) {
	case KindTerraformPlan:
		return terraformPlan(name, data)
	case KindCloudFormation:
		return cloudFormation(name, data)
	}
	return []Document{{File: name, Data: data, Line: 1, Column: 1}}, nil
}

func errorf(file, format string, args ...any) error {
	return fmt.Errorf("%s: "+format, append([]any{file}, args...)...)
}
