package postgres

// Dialect is the PostgreSQL dialect, for migration tests.
var Dialect = dialect
