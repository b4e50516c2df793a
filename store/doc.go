// Package store defines where iamgate keeps its state: an interface over
// typed items (accounts, users, groups, roles, policies, resources, the
// organization and its policies), each a JSON document with a revision for
// optimistic concurrency, and the functions that save a whole World into a
// store and load it back; and the audit log (AuditLog): records numbered in
// commit order, queried by indexed filters, pruned by age, and the
// last-accessed table they keep current.
//
// The implementations live in store/sqlite (embedded, the default) and
// store/postgres (for several servers sharing one state); both pass the one
// conformance suite in store/storetest. Callers branch on the sentinel
// errors ErrNotFound and ErrConflict.
package store
