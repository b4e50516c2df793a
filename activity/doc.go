// Package activity reads what principals did, from iamgate's audit log and
// from imported CloudTrail events (both kept by the store's audit log, or
// read straight from CloudTrail log files), and answers two questions
// from it with the engine: which access went unused (roles, access keys,
// group memberships, services and actions, trust relationships), and
// which least-privilege policy covers what a principal did (Generate),
// proven by replaying every logged allowed call through the engine.
//
// Only permissions the principal is effectively granted count, as
// analysis.Can decides them (SCPs, RCPs, boundaries and Deny statements
// included). Actions the logs cannot show (Unobservable) are reported as
// such, never as unused.
//
// It knows nothing of HTTP, of the CLI or of how the store keeps records.
package activity
