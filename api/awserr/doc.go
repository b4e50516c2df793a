// Package awserr is the one vocabulary of AWS errors at iamgate's API edge:
// an Error carries an AWS error code with the HTTP status and fault the
// service gives it, and renders as the Query protocol's XML, the JSON
// protocol's body or REST-JSON's.
//
// The constructors of each service's codes are generated from the botocore
// models' exception shapes (api/model/gen) into iamerr, stserr, orgerr and
// aaerr; the errors every Query or JSON endpoint answers before a service
// does (AccessDenied, ValidationError, InvalidAction, the signature
// errors, ...) are in common.go with their sources. Errors of lower layers
// (the store, the world) are mapped to codes in one table, lower.go.
//
// It knows nothing of handlers or of the world's contents.
package awserr
