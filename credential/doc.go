// Package credential holds what an IAM user signs in with besides access
// keys: console passwords under the account's password policy, and virtual
// MFA devices with time-based one-time passwords (RFC 6238).
//
// It decides and computes; it stores nothing. The server keeps the hashes
// and seeds sealed in its store and calls this package to check them.
//
// Passwords are hashed with Argon2id (RFC 9106) with a random salt per
// password. Codes are six digits of HMAC-SHA1 over 30-second steps, as
// every authenticator application computes them, and as AWS's virtual MFA
// devices do (IAM User Guide, "Assign a virtual MFA device in the AWS
// Management Console").
package credential
