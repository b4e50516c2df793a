// Package policy parses IAM policy documents: identity, resource-based,
// trust, permissions-boundary, session, SCP, RCP and VPC endpoint policies
// share one grammar (the IAM User Guide, "IAM JSON policy element reference"
// and "Grammar of the IAM JSON policy language").
//
// Parse keeps the position of every element, and reports every grammar
// problem it finds as an Error naming the file, line, column and element
// path, for example
//
//	trust.json:7:15: Statement[1].Effect: must be "Allow" or "Deny", got "allow"
//
// Parse never panics. It accepts every value form AWS accepts: a string or an
// array of strings wherever AWS takes either, bare 12-digit account IDs as
// principals, and numbers and booleans as condition values.
//
// This package only describes policies. It does not decide requests (package
// engine does) and knows nothing of accounts, storage or the service catalog.
package policy
