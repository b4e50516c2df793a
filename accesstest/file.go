package accesstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/iamgate/iamgate/engine"
)

// File is an access test file.
type File struct {
	// Path is where the file was read from.
	Path string `yaml:"-"`
	// World is the world file the tests run against, relative to this file.
	World string `yaml:"world,omitempty"`
	Tests []Test `yaml:"tests"`
}

// Test is one access test.
type Test struct {
	Name      string `yaml:"name"`
	Principal string `yaml:"principal"`
	// Assume is a chain of role assumptions made first, starting from Principal.
	Assume   []Step         `yaml:"assume,omitempty"`
	Action   string         `yaml:"action"`
	Resource string         `yaml:"resource,omitempty"`
	Context  map[string]any `yaml:"context,omitempty"`
	// Expect is allowed, explicitDeny, implicitDeny, or denied (either deny).
	Expect string `yaml:"expect"`
	// Line is the test's line in its file.
	Line int `yaml:"-"`
}

// Step is one sts:AssumeRole call of a chain.
type Step struct {
	Role              string            `yaml:"role"`
	SessionName       string            `yaml:"sessionName,omitempty"`
	ExternalID        string            `yaml:"externalId,omitempty"`
	SessionTags       map[string]string `yaml:"sessionTags,omitempty"`
	TransitiveTagKeys []string          `yaml:"transitiveTagKeys,omitempty"`
	SessionPolicy     any               `yaml:"sessionPolicy,omitempty"`
	PolicyARNs        []string          `yaml:"policyArns,omitempty"`
	SourceIdentity    string            `yaml:"sourceIdentity,omitempty"`
	Context           map[string]any    `yaml:"context,omitempty"`
}

// LoadFile reads and checks a test file.
func LoadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	f := &File{Path: path}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(f); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	// Record each test's line for messages.
	if len(root.Content) > 0 {
		for i := 0; i+1 < len(root.Content[0].Content); i += 2 {
			if root.Content[0].Content[i].Value == "tests" {
				for j, n := range root.Content[0].Content[i+1].Content {
					if j < len(f.Tests) {
						f.Tests[j].Line = n.Line
					}
				}
			}
		}
	}
	seen := map[string]bool{}
	for i, t := range f.Tests {
		where := fmt.Sprintf("%s:%d", path, t.Line)
		switch {
		case t.Name == "":
			return nil, fmt.Errorf("%s: test %d has no name", where, i)
		case seen[t.Name]:
			return nil, fmt.Errorf("%s: two tests are named %q", where, t.Name)
		case t.Action == "":
			return nil, fmt.Errorf("%s: test %q has no action", where, t.Name)
		}
		if _, err := expectation(t.Expect); err != nil {
			return nil, fmt.Errorf("%s: test %q: %v", where, t.Name, err)
		}
		seen[t.Name] = true
	}
	return f, nil
}

// WorldPath returns the world file the tests name, relative to the test file.
func (f *File) WorldPath() string {
	if f.World == "" || filepath.IsAbs(f.World) {
		return f.World
	}
	return filepath.Join(filepath.Dir(f.Path), f.World)
}

// ExpectWords are the words an expectation takes, in test files' expect:
// and in eval --expect alike.
const ExpectWords = "allowed, explicitDeny, implicitDeny or denied"

// ParseExpect parses an expectation: a decision (allowed, explicitDeny,
// implicitDeny) or denied (either deny); the function reports whether a
// decision satisfies it.
func ParseExpect(s string) (func(engine.Decision) bool, error) {
	switch s {
	case "denied":
		return func(d engine.Decision) bool { return d != engine.Allowed }, nil
	}
	want, ok := engine.ParseDecision(s)
	if !ok {
		return nil, fmt.Errorf("expect %q: want %s", s, ExpectWords)
	}
	return func(d engine.Decision) bool { return d == want }, nil
}

func expectation(s string) (func(engine.Decision) bool, error) { return ParseExpect(s) }

// contextValues turns YAML context into request context.
func contextValues(in map[string]any) (map[string][]string, error) {
	out := make(map[string][]string, len(in))
	for k, v := range in {
		switch t := v.(type) {
		case []any:
			for _, e := range t {
				out[k] = append(out[k], scalar(e))
			}
			if out[k] == nil {
				out[k] = []string{}
			}
		case map[string]any:
			return nil, fmt.Errorf("context %s: want a value or a list of values", k)
		default:
			out[k] = []string{scalar(t)}
		}
	}
	return out, nil
}

func scalar(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case nil:
		return ""
	}
	return strings.TrimSpace(fmt.Sprint(v))
}

func policyJSON(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	if s, ok := v.(string); ok {
		return []byte(s), nil
	}
	return json.Marshal(v)
}
