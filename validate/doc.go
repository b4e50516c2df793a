// Package validate checks policies the way IAM Access Analyzer's policy
// validation does, offline: grammar and syntax, unknown services, actions and
// condition keys, condition operators that do not fit their keys, malformed
// values, resource ARNs that fit no resource type, elements that do not
// belong in the policy type, and security and best-practice checks.
//
// Each Finding has Access Analyzer's finding type (ERROR, SECURITY_WARNING,
// WARNING, SUGGESTION) and, where Access Analyzer has the check, its issue
// code and learn-more link (the IAM User Guide, "IAM Access Analyzer policy
// check reference"); checks Access Analyzer lacks have iamgate codes, listed
// in codes.go. Findings carry the file, line, column and element path.
//
// It depends on policy and catalog; it reads no files (package input does)
// and decides no requests (package engine does).
package validate
