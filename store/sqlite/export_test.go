package sqlite

// Dialect is the SQLite dialect, for migration tests.
var Dialect = dialect
