// Package accesstest runs access tests against a world: each test names a
// principal (or a chain of role assumptions starting from one), an action, a
// resource, context and the decision it expects. Results print like go test
// and as JUnit XML for CI.
//
// It depends on world and engine; it knows nothing of stores.
package accesstest
