// Package importer reads real AWS exports into the world file form:
// `aws iam get-account-authorization-details` output (one per account; the
// shapes of the IAM API's GetAccountAuthorizationDetails, botocore model
// iam/2010-05-08), an organization structure, and resource policy files.
//
// Policy documents are accepted as the aws CLI and SDKs print them (JSON
// objects) and as the raw API returns them (URL-encoded JSON strings).
//
// It also reads CloudTrail log files (ReadCloudTrailFile), gzipped or
// not, record by record, each as the audit log entry it is stored as
// (CloudTrailEvent.Entry).
// It depends on world, catalog and audit; it writes nothing (the caller
// stores).
package importer
