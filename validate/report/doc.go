// Package report renders validation findings for people (text, grouped by
// file, coloured on a terminal), for programs (JSON) and for code-scanning
// tools (SARIF 2.1.0, built with github.com/owenrumney/go-sarif).
//
// It only formats; it does not decide what is a finding.
package report
