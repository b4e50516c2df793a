// Package api is what the IAM and STS handlers share: a Call (the verified
// caller, the parameters, the request context AWS provides) and the State
// they read and change, and authorization of every call through the world
// and the engine, with AccessDenied messages in AWS's form.
//
// The service models and validation against them are in api/model, the
// error codes in api/awserr, wire formats in api/query (Query), api/awsjson
// (JSON 1.1) and api/restjson (REST-JSON), signatures in api/sigv4, the
// operations in api/iam, api/sts, api/organizations and api/accessanalyzer;
// package server wires them to HTTP and the store.
package api
