// Package jsonscan reads JSON documents of a known shape without
// reflection, for the decoders of hot paths (CloudTrail records, audit
// log entries): a Scanner walks a document held in memory, reading the
// strings, numbers, booleans and raw values its decoder asks for and
// skipping, while checking their syntax, the values it does not need.
//
// A decoder built on it reads a subset of what encoding/json reads, and
// reads it the same way; on anything outside the subset (an escaped or
// non-ASCII member name, a name that matches a field only
// case-insensitively, a null, a repeated member, a syntax error) its
// methods return false and the decoder's caller decodes the document with
// encoding/json instead, so results and errors are encoding/json's. It
// knows nothing of CloudTrail or of the audit log.
package jsonscan
