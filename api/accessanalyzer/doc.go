// Package accessanalyzer is the IAM Access Analyzer API (2019-11-01,
// REST-JSON) that iamgate serves, as typed handlers that take their
// operation's input (api/shape/aashape) and return its output or an
// Access Analyzer error (api/awserr/aaerr), registered in Operations and
// routed by the botocore model's bindings (Route):
//
//   - the policy checks that need no analyzer (ValidatePolicy,
//     CheckNoNewAccess, CheckAccessNotGranted, CheckNoPublicAccess), run
//     through a Backend, which the server gives (the analysis slots and
//     their time bound); policies are validated by package validate and
//     checked by package analysis;
//   - analyzers of external access (ACCOUNT, ORGANIZATION) with their
//     findings, archive rules, analyzed resources and tags, through an
//     AnalyzerBackend (where the analyzers are kept, the current world and
//     its version); what an analyzer keeps, and how its findings follow
//     the world, is package analyzer's (api/accessanalyzer/analyzer).
//
// The wire format is api/restjson's. Authentication and the audit log are
// the server's, and so is the authorization of the policy checks
// (access-analyzer:OPERATION on "*", decided before the input is read).
// An analyzer operation authorizes itself (Operation.Action) on the
// analyzer or archive rule ARN its input names, once the input passed the
// model's checks and before anything is looked up. This package must not
// know of the store, nor import the server.
package accessanalyzer
