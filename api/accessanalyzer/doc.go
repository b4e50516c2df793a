// Package accessanalyzer is the IAM Access Analyzer API (2019-11-01,
// REST-JSON) that iamgate serves: the operations that check policies
// without an analyzer (ValidatePolicy, CheckNoNewAccess,
// CheckAccessNotGranted, CheckNoPublicAccess), as typed handlers that take
// their operation's input (api/shape/aashape) and return its output or an
// Access Analyzer error (api/awserr/aaerr), registered in Operations and
// routed by the botocore model's bindings (Route).
//
// Policies are validated by package validate and checked by package
// analysis; the checks run through a Backend, which the server gives
// (the analysis slots and their time bound). The wire format is
// api/restjson's. Authentication, authorization (access-analyzer:OPERATION,
// decided before the input is read) and the audit log are the server's:
// this package must not know of them, nor import the server.
package accessanalyzer
