// Package audit is iamgate's append-only audit log: one Entry per
// authenticated call (caller, operation, outcome, source IP, time) with
// every authorization decision made for it and what decided it. Entries
// are kept by the store's audit log (store.AuditLog), numbered in the
// order they commit, written with the change a call makes or with group
// commit, so that many concurrent calls share a transaction, and never
// rewritten. Query reads them in time order with a filter; Follow reads
// what was stored after a sequence number, which never misses an entry.
// Each stored entry also notes its caller's allowed actions in the
// last-accessed table that access advisor reads (LastAccessed). Retention
// removes old entries in small batches.
//
// It knows nothing of HTTP or of the API: the server builds the entries.
package audit
