package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/iamgate/iamgate/validate"
)

// JSON writes {"findings": [...], "summary": {...}}.
func JSON(w io.Writer, fs []validate.Finding, files int) error {
	if fs == nil {
		fs = []validate.Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Findings []validate.Finding `json:"findings"`
		Summary  summary            `json:"summary"`
	}{fs, summarize(fs, files)})
}

type summary struct {
	Files           int `json:"files"`
	Findings        int `json:"findings"`
	Errors          int `json:"errors"`
	SecurityWarning int `json:"securityWarnings"`
	Warnings        int `json:"warnings"`
	Suggestions     int `json:"suggestions"`
}

func summarize(fs []validate.Finding, files int) summary {
	s := summary{Files: files, Findings: len(fs)}
	for _, f := range fs {
		switch f.Type {
		case validate.Error:
			s.Errors++
		case validate.SecurityWarning:
			s.SecurityWarning++
		case validate.Warning:
			s.Warnings++
		case validate.Suggestion:
			s.Suggestions++
		}
	}
	return s
}

// TextOptions control the text report.
type TextOptions struct {
	Color bool
}

var colors = map[validate.FindingType]string{
	validate.Error:           "\x1b[31m",
	validate.SecurityWarning: "\x1b[35m",
	validate.Warning:         "\x1b[33m",
	validate.Suggestion:      "\x1b[36m",
}

// Text writes findings grouped by file, one line each with the element path
// and the learn-more link under it, then a summary line.
func Text(w io.Writer, fs []validate.Finding, files int, o TextOptions) error {
	paint := func(t validate.FindingType, s string) string {
		if !o.Color {
			return s
		}
		return colors[t] + s + "\x1b[0m"
	}
	bold := func(s string) string {
		if !o.Color {
			return s
		}
		return "\x1b[1m" + s + "\x1b[0m"
	}
	var order []string
	byFile := map[string][]validate.Finding{}
	for _, f := range fs {
		if _, ok := byFile[f.Location.File]; !ok {
			order = append(order, f.Location.File)
		}
		byFile[f.Location.File] = append(byFile[f.Location.File], f)
	}
	sort.Strings(order)
	for _, file := range order {
		fmt.Fprintln(w, bold(file))
		for _, f := range byFile[file] {
			where := fmt.Sprintf("%d:%d", f.Location.Line, f.Location.Column)
			fmt.Fprintf(w, "  %-8s %s %s", where, paint(f.Type, fmt.Sprintf("%-16s", f.Type)), f.Code)
			if f.Location.Resource != "" {
				fmt.Fprintf(w, "  %s", f.Location.Resource)
			}
			if f.Location.Path != "" {
				fmt.Fprintf(w, "  %s", f.Location.Path)
			}
			fmt.Fprintf(w, "\n           %s\n", f.Message)
			if f.LearnMore != "" {
				fmt.Fprintf(w, "           %s\n", f.LearnMore)
			}
		}
		fmt.Fprintln(w)
	}
	s := summarize(fs, files)
	var parts []string
	for _, p := range []struct {
		n    int
		word string
	}{{s.Errors, "error"}, {s.SecurityWarning, "security warning"}, {s.Warnings, "warning"}, {s.Suggestions, "suggestion"}} {
		if p.n > 0 {
			parts = append(parts, plural(p.n, p.word))
		}
	}
	detail := ""
	if len(parts) > 0 {
		detail = " (" + strings.Join(parts, ", ") + ")"
	}
	_, err := fmt.Fprintf(w, "%s checked, %s%s\n", plural(s.Files, "policy"), plural(s.Findings, "finding"), detail)
	return err
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	if strings.HasSuffix(word, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(word, "y"))
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// SARIFLevel maps finding types to SARIF levels.
func SARIFLevel(t validate.FindingType) string {
	switch t {
	case validate.Error, validate.SecurityWarning:
		return "error"
	case validate.Warning:
		return "warning"
	}
	return "note"
}

// SARIF builds a SARIF 2.1.0 log with every rule iamgate knows and one
// result per finding.
func SARIF(fs []validate.Finding, version string) *sarif.Report {
	rep := sarif.NewReport()
	run := sarif.NewRunWithInformationURI("iamgate", "https://github.com/iamgate/iamgate")
	run.Tool.Driver.Version = &version
	index := map[string]int{}
	for i, r := range validate.Rules {
		index[r.Code] = i
		desc := sarif.NewReportingDescriptor().WithID(r.Code).WithName(ruleName(r.Title)).
			WithShortDescription(sarif.NewMultiformatMessageString().WithText(r.Title)).
			WithHelpURI(r.Link).
			WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(SARIFLevel(r.Type))).
			WithProperties(sarif.NewPropertyBag().Add("findingType", string(r.Type)).Add("accessAnalyzer", r.AccessAnalyzer))
		run.Tool.Driver.AddRule(desc)
	}
	for _, f := range fs {
		res := sarif.NewResult().WithRuleID(f.Code).WithLevel(SARIFLevel(f.Type)).
			WithMessage(sarif.NewMessage().WithText(f.Message))
		if i, ok := index[f.Code]; ok {
			res.WithRuleIndex(i)
		}
		region := sarif.NewRegion()
		if f.Location.Line > 0 {
			region.WithStartLine(f.Location.Line).WithStartColumn(max(f.Location.Column, 1))
		}
		loc := sarif.NewLocation().WithPhysicalLocation(sarif.NewPhysicalLocation().
			WithArtifactLocation(sarif.NewSimpleArtifactLocation(f.Location.File)).
			WithRegion(region))
		if name := logicalName(f.Location); name != "" {
			loc.AddLogicalLocation(sarif.NewLogicalLocation().WithFullyQualifiedName(name).WithKind("element"))
		}
		res.AddLocation(loc)
		res.WithProperties(sarif.NewPropertyBag().Add("findingType", string(f.Type)).Add("learnMoreLink", f.LearnMore))
		run.AddResult(res)
	}
	rep.AddRun(run)
	return rep
}

func logicalName(l validate.Location) string {
	switch {
	case l.Resource != "" && l.Path != "":
		return l.Resource + "." + l.Path
	case l.Resource != "":
		return l.Resource
	}
	return l.Path
}

// ruleName turns a title into the PascalCase name SARIF viewers show.
func ruleName(title string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(title, func(r rune) bool { return r == ' ' || r == '-' || r == ':' }) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// WriteSARIF writes the SARIF log as indented JSON.
func WriteSARIF(w io.Writer, fs []validate.Finding, version string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(SARIF(fs, version))
}
