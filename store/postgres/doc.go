// Package postgres is the store for several iamgate servers sharing one
// state: PostgreSQL through pgx (github.com/jackc/pgx/v5).
package postgres
