// Package engine decides IAM requests exactly as AWS does and explains each
// decision (the IAM User Guide, "Policy evaluation logic",
// "Cross-account policy evaluation logic" and the pages they link).
//
// Policies are compiled once (Compile) and requests prepared once
// (Request.Prepare); Authorize then only walks compiled data, never allocates,
// performs no I/O and is safe for concurrent use. Explain runs the same
// evaluation and records every statement that matched and the layer that
// decided.
//
// The engine takes a request that already holds every applicable policy:
// identity policies, the resource's policy (a bucket policy, a role's trust
// policy, a KMS key policy, ...), the permissions boundary, session policies,
// SCPs and RCPs level by level, and the VPC endpoint policy. Gathering them is
// the job of package world; the engine knows nothing of storage or accounts
// beyond what the request says.
package engine
