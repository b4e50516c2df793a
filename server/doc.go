// Package server is `iamgate serve`: the IAM (2010-05-08) and STS
// (2011-06-15) Query APIs on one HTTP handler, whose one ServeMux
// (routes.go) routes each API by method and path. Every request is verified
// with SigV4 (api/sigv4) against the stored access keys or a session token,
// turned into an api.Call with the context AWS derives from a request
// (aws:SourceIp, aws:SecureTransport, aws:RequestedRegion, session facts),
// and dispatched by Version and Action to api/iam and api/sts, whose
// handlers authorize through the engine. The Organizations JSON API
// (api/awsjson, api/organizations), the IAM Access Analyzer REST-JSON API
// (api/restjson, api/accessanalyzer; accessanalyzer.go here authorizes each
// operation and gives the checks their analysis slots) and iamgate's own
// JSON APIs (decision, pipeline, analysis) share that verification,
// authorization and audit.
//
// State is an immutable snapshot of the world, swapped after each change
// has been stored (store.SaveAccount in one transaction). Access keys,
// session tokens and the master key are package keyring's: access key
// secrets are sealed with AES-GCM under the master key; session tokens are
// the session itself, sealed, so they need no storage and cannot be
// forged.
package server
