// Package world models a multi-account AWS setup, an organization with its
// OUs, SCPs and RCPs, and accounts with users, groups, roles, customer managed
// policies and resources with their policies and tags, and decides requests
// against it.
//
// Given a principal, an action, a resource and context, the world gathers
// every policy that applies (identity policies of the user and its groups or
// of the role, the permissions boundary, session policies, the resource's
// policy, the role's trust policy or the KMS key policy, SCPs along the
// principal's OU chain and RCPs along the resource's) and fills in the
// context keys that come from the world (aws:PrincipalOrgID,
// aws:PrincipalOrgPaths, aws:PrincipalTag/*, aws:ResourceAccount,
// aws:ResourceOrgID, aws:ResourceTag/* and service tag keys, aws:username,
// aws:userid, aws:PrincipalArn, ...), then asks the engine. Role chains are
// followed step by step, each AssumeRole itself decided by the engine.
//
// A World is built from world files (Load) or by a store, compiled once
// (every policy is parsed and compiled when added) and safe for concurrent
// reads. It knows nothing of storage formats or HTTP.
package world
