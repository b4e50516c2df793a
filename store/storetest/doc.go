// Package storetest is the conformance suite every store.Store must pass.
// Drivers call Run from their own tests with a function that opens a fresh,
// empty store.
package storetest
