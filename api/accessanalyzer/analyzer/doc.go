// Package analyzer is what an IAM Access Analyzer analyzer of external
// access keeps: its findings (built from package analysis's External
// findings), their status across scans, and its archive rules with the
// filter of ListFindings and archive rules (the IAM User Guide, "IAM
// Access Analyzer filter keys").
//
// A scan maps each analysis finding to one or more Access Analyzer
// findings (one per disjunct of its AllowedIf), gives each a stable ID
// (the same finding has the same ID in every scan), and reconciles them
// with the findings kept: a finding no longer produced becomes RESOLVED,
// a new one is ACTIVE, or ARCHIVED when an archive rule matches it.
//
// The package knows nothing of the wire format, of storage or of the
// server: api/accessanalyzer serves it, the server stores it.
package analyzer
