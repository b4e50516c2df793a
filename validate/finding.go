package validate

import (
	"fmt"
	"sort"
	"strings"
)

// FindingType is the severity of a finding, as Access Analyzer names it.
type FindingType string

const (
	Error           FindingType = "ERROR"
	SecurityWarning FindingType = "SECURITY_WARNING"
	Warning         FindingType = "WARNING"
	Suggestion      FindingType = "SUGGESTION"
)

// Rank orders finding types: ERROR 4, SECURITY_WARNING 3, WARNING 2, SUGGESTION 1.
func (t FindingType) Rank() int {
	switch t {
	case Error:
		return 4
	case SecurityWarning:
		return 3
	case Warning:
		return 2
	case Suggestion:
		return 1
	}
	return 0
}

// ParseFindingType reads a finding type in any case ("error", "security_warning", ...).
func ParseFindingType(s string) (FindingType, error) {
	t := FindingType(strings.ToUpper(strings.ReplaceAll(s, "-", "_")))
	if t.Rank() == 0 {
		return "", fmt.Errorf("unknown finding type %q (want error, security_warning, warning or suggestion)", s)
	}
	return t, nil
}

// Location says where a finding is.
type Location struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	// Path is the element path within the policy, such as
	// "Statement[0].Condition.StringEquals.aws:SourceVpc".
	Path string `json:"path,omitempty"`
	// Resource names the policy's owner in a template or plan: the
	// CloudFormation logical ID or the Terraform address, with the property
	// that holds the policy.
	Resource string `json:"resource,omitempty"`
}

func (l Location) String() string {
	var b strings.Builder
	b.WriteString(l.File)
	if l.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", l.Line, l.Column)
	}
	return b.String()
}

// Finding is one problem or recommendation.
type Finding struct {
	Type      FindingType `json:"findingType"`
	Code      string      `json:"issueCode"`
	Message   string      `json:"findingDetails"`
	LearnMore string      `json:"learnMoreLink"`
	Location  Location    `json:"location"`
}

func (f Finding) String() string {
	where := f.Location.String()
	if f.Location.Resource != "" {
		where += " " + f.Location.Resource
	}
	if f.Location.Path != "" {
		where += " " + f.Location.Path
	}
	return fmt.Sprintf("%s: %s %s: %s", where, f.Type, f.Code, f.Message)
}

// Sort orders findings by file, line, column, resource, then code.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i].Location, fs[j].Location
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		return fs[i].Code < fs[j].Code
	})
}

// Max returns the highest finding type present, or "" for none.
func Max(fs []Finding) FindingType {
	var m FindingType
	for _, f := range fs {
		if f.Type.Rank() > m.Rank() {
			m = f.Type
		}
	}
	return m
}
