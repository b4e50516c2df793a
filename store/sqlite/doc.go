// Package sqlite is the embedded store, iamgate's default: one SQLite file in
// WAL mode, through the pure-Go driver modernc.org/sqlite (no cgo).
package sqlite
