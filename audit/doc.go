// Package audit is iamgate's append-only audit log: one Entry per
// authenticated call (caller, operation, outcome, source IP, time) with
// every authorization decision made for it and what decided it. Entries are
// store items of their own kind, written with group commit so that many
// concurrent calls share a transaction, and never rewritten. Query reads
// them in time order with a filter and a cursor, which is also how the log
// is followed.
package audit
