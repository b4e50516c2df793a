// Package wildcard matches strings against IAM-style glob patterns, where '*'
// matches any run of characters (including none) and '?' matches exactly one.
//
// It is a leaf package: it knows nothing of ARNs, actions or policies. The
// matchers never allocate, so they can sit on the policy-evaluation hot path.
package wildcard
