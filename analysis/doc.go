// Package analysis answers questions wider than one request from the same
// engine that decides requests. Its first question is "allowed if": given a
// request some of whose context keys are unknown, exactly which values of
// those keys make the engine allow it.
//
// AllowedIf compiles the request's policies into atoms, one predicate on a
// single value of an unknown key per condition on it (and per condition or
// resource whose policy variable names it). Each key's value space, typed by
// the operators that compare it, is split into regions where every atom is
// constant: for strings by a breadth-first walk over the product of small
// automata (StringLike patterns are regular languages), for numbers and dates
// by intervals between the constants, for IP addresses by the ranges the
// CIDR blocks cut, for Bool and Binary by their values. Each region has a
// witness value. The engine decides every combination of regions (absent
// included; for a multi-valued key, every set of regions), so Deny
// statements, SCPs, RCPs, boundaries, session, resource and endpoint
// policies all count as the engine counts them. The allowed combinations are
// written as a disjunction of conjunctions of IAM conditions (the atoms and
// their negations, Null, ForAnyValue/ForAllValues for sets) and simplified;
// before it is reported, each disjunct's witness is decided again by
// engine.Authorize and each of its conditions is checked on it by
// policy/condition. A Formula is evaluated by policy/condition too.
//
// Where the answer could not be exact the error is an UnknownError naming the
// construct: a key compared by operators of two families (Numeric and String,
// say); a policy variable relating two unknown keys; a multi-valued key used
// as a policy variable; a region of a multi-valued key that is not one IAM
// operator; an ArnLike value whose policy variable is not in the request;
// past the caps on regions, combinations or automaton states.
//
// WhoCan and Can (whocan.go, can.go) ask the engine about principals and
// resources of a whole world.World. The Index keeps, per principal, what
// its identity Allow statements can match, and finds the principals a
// resource or trust policy names by account and ARN; a query decides only
// the principals (resources) that can be allowed at all: in the resource's
// account those an identity statement or the policy itself can allow,
// across accounts those the policy names and an identity statement allows.
// The differential tests check that skipping the others changes nothing.
//
// DiffWorlds (worlddiff.go) compares two worlds: the access (principal,
// action, resource) the new one allows and the old one did not, with
// exactly the new part of its condition. allowedIfDiff (diffif.go) is
// AllowedIf over two requests at once: regions split by the atoms of both,
// the engine deciding both on every combination, "allowed after and not
// before" written as a formula. Only principals and resources whose
// gathered parts differ (worlddiff_changes.go: by policy content, not
// position) are decided again; the differential test checks that against
// deciding every principal, action and resource of both worlds.
//
// CheckNoNewAccess, CheckAccessNotGranted and CheckNoPublicAccess (check.go,
// checkspace.go) are IAM Access Analyzer's custom policy checks, decided
// exactly. The request's action, resource, principal (resource policies)
// and context keys are unknowns, each split into regions on which every
// pattern and condition of the policies is constant: actions of the
// universe (the catalog's, or CheckOptions.Actions) into classes matching
// the same Action and NotAction patterns; resources by the string solver
// over the Resource and NotResource patterns read as ARN patterns; callers
// into the principals and accounts the statements name and one of each kind
// named nowhere; context keys as AllowedIf splits them. Per action class
// only the statements that match it are read, resources are grouped by the
// statements that apply to them, and a group where no Allow of the checked
// policy applies is decided only for the root user of the resource's
// account; the engine decides one request per remaining
// combination. A FAIL's counterexamples are eval request documents decided
// again through evaldoc (allowed, and for CheckNoNewAccess not allowed by
// the old policy) before they are reported; the reasons are the Allow
// statements that alone allow one. A policy variable's value is one more
// unknown (checkvars.go): absent, or one representative per class of
// values the patterns' variable-free pieces cannot tell apart (their
// transition types), each case decided as above with the value in the
// request; exact when every occurrence is a whole segment of its value.
// Where the procedure is not exact the error is an UnknownError: a policy
// variable outside that fragment, a key compared by two families, a CanonicalUser or wildcard principal, a resource policy's
// condition on a key the engine derives from the caller other than exact
// aws:PrincipalArn or aws:PrincipalAccount values, past the caps.
//
// External (external.go) lists the principals outside a zone of trust
// (the resource's account, or its organization) that a resource, key or
// trust policy lets act, as IAM Access Analyzer's external access findings
// do: per resource, one representative per class of outside principals the
// policies cannot tell apart (the accounts and principals they name, an
// account they do not, anonymous, services), decided by the engine with the
// resource's side as the world gathers it and the principal's side allowing
// everything, the unknown keys answered by AllowedIf under a zone
// constraint that keeps them outside the zone. Each finding's witness is an
// evaldoc document decided again through evaldoc and the engine.
//
// AllowedIf knows nothing of storage or of the world; it reads the policies of an
// engine.Prepared request and decides with the engine.
package analysis
