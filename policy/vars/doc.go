// Package vars implements IAM policy variables: the ${key} placeholders that
// Resource elements and condition values may hold under Version 2012-10-17
// (the IAM User Guide, "IAM policy elements: Variables and tags").
//
// A Template is compiled once from policy text and matched many times against
// request values. Variables are resolved through a Resolver while matching, so
// no substituted string is ever built: matching does not allocate.
//
// Rules implemented here:
//   - ${key} takes the value of the context key (key names are case-insensitive);
//   - ${key, 'default'} falls back to the default when the key has no value
//     (” inside the default is a literal quote);
//   - ${*}, ${?} and ${$} stand for a literal '*', '?' and '$';
//   - a variable whose key is missing or multi-valued, with no default, cannot
//     be resolved, and "the entire statement might be invalid": the template
//     then matches nothing.
//
// It knows nothing of policies or statements; it depends on wildcard and arn.
package vars
