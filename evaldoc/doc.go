// Package evaldoc reads the request document that `iamgate eval` (and later
// the decision API) takes: a principal, action, resource, context and the
// policies that apply, in one JSON object. It turns the document into an
// engine.Request with every policy parsed and compiled, reporting problems in
// embedded policies at their line and column in the document file.
//
// It depends on policy and engine and knows nothing of the CLI or HTTP.
package evaldoc
