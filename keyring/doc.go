// Package keyring keeps iamgate's secrets: the master key (LoadMasterKey,
// from IAMGATE_MASTER_KEY or the key file, checked against the store's
// sealed check value), the access keys with their secrets sealed at rest
// (Keys), the session tokens that need no storage because each is its
// session sealed under the master key (Keys.CreateSession,
// Keys.OpenSession, Token), the cache of recently used sessions with their
// compiled session policies (SessionCache), sealed authorization messages
// and keyed digests. Sealer seals other secrets (login profiles, MFA
// seeds, server certificates' keys) under keys derived from the master key
// for their own purpose.
//
// It depends on api (the key and session types), store, engine and world
// (to compile a session's policies and keep its caller per world). It knows
// nothing of HTTP, SigV4 or the server that uses it: server verifies
// requests with what Keys returns and builds callers from Tokens.
package keyring
