// Package sigv4 verifies AWS Signature Version 4 on incoming requests, in the
// Authorization header and in presigned query strings (the AWS General
// Reference, "Signature Version 4 signing process"; the IAM User Guide,
// "AWS Signature Version 4 for API requests").
//
// Verify parses what the client sent, asks a Lookup for the secret of the
// access key, rebuilds the canonical request from the client's own list of
// signed headers, and compares signatures in constant time. The request time
// must be within 15 minutes of the server's clock; a presigned request must
// also be within its X-Amz-Expires.
//
// It knows nothing of IAM or the store: the caller maps errors to AWS error
// codes and keys to principals.
package sigv4
