// Package arn parses Amazon Resource Names and matches them against the ARN
// patterns that IAM policies use in Resource elements and the Arn* condition
// operators.
//
// An ARN has six colon-separated components,
// arn:partition:service:region:account-id:resource, where the resource part
// may itself contain colons. Matching compares the first five components one
// by one and the resource part as a whole, each with '*' and '?' wildcards, so
// a wildcard never spills from one component into the next (the IAM User
// Guide, "Amazon Resource Names (ARNs)" and the ArnLike operator).
//
// It is a leaf package that depends only on wildcard; parsing never allocates.
package arn
