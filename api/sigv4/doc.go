// Package sigv4 verifies AWS Signature Version 4 on incoming requests, in the
// Authorization header and in presigned query strings (the AWS General
// Reference, "Signature Version 4 signing process"; the IAM User Guide,
// "AWS Signature Version 4 for API requests").
//
// Verify parses what the client sent, checks the credential scope against
// the endpoint's (a Scope: the service name, and the regions it is signed
// for), asks a Lookup for the secret of the access key, rebuilds the
// canonical request from the client's own list of signed headers, and
// compares signatures in constant time. The payload hash of the canonical
// request is always the SHA-256 of the body received, as for every AWS
// service but S3: a present X-Amz-Content-Sha256 must equal it, so
// UNSIGNED-PAYLOAD and STREAMING-* are refused. The host header, the header
// that carries the request time and every X-Amz-* header sent must be
// signed; the Authorization header names each component once. The request
// time must be within 15 minutes of the server's clock; a presigned request
// must also be within its X-Amz-Expires.
//
// It knows nothing of IAM or the store: the caller says which scope the
// endpoint accepts, maps errors (sentinels, each wrapped in a Detail with
// AWS's message) to AWS error codes, and keys to principals.
package sigv4
