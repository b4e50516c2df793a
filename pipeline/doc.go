// Package pipeline is the central policy pipeline: application teams submit
// an IAM policy for one of their accounts; the security team's guardrails
// check it; the organization's mandatory deny statements are appended; and
// the policy is created in the team's account by assuming that account's
// central role, as the seed's CodePipeline and Lambda function do, or the
// submission is rejected with every reason.
//
// A Submission is a policy document and its metadata, read from
// policy.json and metadata.json, or from the seed's policy.zip holding both.
// Guardrails are data (YAML) that the security team owns: rulesets chosen by
// the target account's labels, its ID, or the submitting team, each with
// rules (the validator's findings, "*" on "*", allowed and forbidden
// services and actions, required conditions, forbidden resources, maximum
// access levels, a reference boundary) and the managed policy of mandatory
// denies. Check decides a submission against a world without side effects;
// a Pipeline records each submission's history in the store and creates
// accepted policies through a Creator (STS AssumeRole, then IAM
// CreatePolicy, with aws-sdk-go-v2). Client is that Creator for a server
// running the pipeline itself: it sends the calls to the server's endpoint
// over HTTP, or hands them to the server's handler in process (Loopback).
//
// It depends on policy, validate, catalog, engine, world and store; the
// HTTP API and the CLI are in server and internal/cli, and it knows nothing
// of them: a server gives Client its handler and its session credentials.
package pipeline
