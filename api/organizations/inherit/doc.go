// Package inherit computes the effective policy of an account from the
// management policies (tag, backup, AI services opt-out, chat
// applications, declarative EC2, Security Hub, Inspector, upgrade rollout,
// Bedrock, S3 and Network Security Director policies) attached to the
// organization root, the OUs down to the account and the account itself,
// as the Organizations User Guide, "Policy syntax and inheritance for
// management policy types" (orgs_manage_policies_inheritance_mgmt),
// defines it: the value-setting operators @@assign, @@append and @@remove,
// the child control operator @@operators_allowed_for_child_policies, and
// the merging of settings by their keys.
//
// It is pure: JSON documents in, a JSON document out. It knows nothing of
// organizations, stores or the API, and no input makes it panic.
package inherit
