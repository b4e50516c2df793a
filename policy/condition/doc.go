// Package condition implements the condition operators of IAM policies (the
// IAM User Guide, "IAM JSON policy elements: Condition operators" and
// "Multivalued context keys"): the String, Numeric, Date, Bool, Binary, IP
// address, ARN and Null families, the ...IfExists suffix and the
// ForAllValues:/ForAnyValue: set qualifiers.
//
// A Condition is compiled once, with its policy values typed up front (numbers
// parsed, dates parsed, CIDRs turned into prefixes, strings into variable
// templates), and evaluated many times against a request context without
// allocating. Evaluation follows AWS:
//   - several values for one key are ORed; for a negated operator
//     (StringNotEquals, NotIpAddress, ArnNotLike, ...) they are NORed;
//   - a key missing from the request makes a condition false, except that a
//     negated operator is then true, ...IfExists is true, and Null tests for
//     the absence itself;
//   - ForAllValues is true when every request value matches (and when the key
//     is missing or empty); ForAnyValue is true when at least one does (and
//     false when the key is missing or empty);
//   - a policy variable that cannot be resolved makes the condition false.
//
// It knows nothing of statements or policies; it depends on policy/vars, arn.
package condition
