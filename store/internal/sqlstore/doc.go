// Package sqlstore is the SQL implementation shared by store/sqlite and
// store/postgres: the same schema, migrations and queries, with a Dialect for
// what differs (placeholders, the byte type, how to lock for migrations).
package sqlstore
