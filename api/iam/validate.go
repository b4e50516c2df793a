package iam

import (
	"errors"
	"net/url"
	"sort"
	"strings"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
)

// IAM's quotas (the IAM User Guide, "IAM and AWS STS quotas"); the model's
// constraints are checked by Validate.
const (
	maxManagedPolicySize = 6144  // characters, whitespace excluded
	maxRoleInlineTotal   = 10240 // aggregate of a role's inline policies
	maxUserInlineTotal   = 2048  // aggregate of a user's inline policies
	maxTrustPolicySize   = 2048
	maxManagedPerEntity  = 10
	maxTagsPerEntity     = 50
	defaultMaxItems      = 100
)

func size(doc string) int { return policy.Size([]byte(doc)) }

// checkDocument applies IAM's acceptance rules for a document of the given
// kind (policy.CheckIAM: IAM's checks in IAM's order); a refused one is
// MalformedPolicyDocument with IAM's own words. Principals named in a trust
// policy are looked up later, by checkPrincipals, once the caller is
// authorized, so that a caller without permission learns nothing of other
// roles.
func checkDocument(doc string, kind policy.IAMKind, max int, what string) (string, *query.Error) {
	doc = decodedDocument(doc)
	if max > 0 && size(doc) > max {
		return "", iamerr.LimitExceeded("Cannot exceed quota for %s: %d.", what, max)
	}
	if r := policy.CheckIAM("policy", []byte(doc), kind, policy.IAMOptions{}); r != nil {
		return "", iamerr.MalformedPolicyDocument("%s", r.Message)
	}
	// What IAM stores, the world must load: a document IAM takes always
	// parses (FuzzCheckIAM holds that); compiling is checked too.
	t := engine.IdentityPolicy
	if kind == policy.TrustPolicy {
		t = engine.ResourcePolicy
	}
	p, err := policy.Parse("policy", []byte(doc))
	if err == nil {
		_, err = engine.Compile(p, t, "policy")
	}
	if err != nil {
		return "", iamerr.MalformedPolicyDocument("%s", firstProblem(err))
	}
	return doc, nil
}

// decodedDocument is a policy document as IAM reads it: one given
// URL-encoded (as IAM returns documents: the IAM API Reference,
// GetUserPolicy, "URL-encoded compliant with RFC 3986") is decoded. Validate
// checks the decoded form against the model's pattern too, so that the
// encoding carries in nothing the pattern forbids.
func decodedDocument(doc string) string {
	if strings.HasPrefix(strings.TrimSpace(doc), "%7B") {
		if u, err := url.QueryUnescape(doc); err == nil {
			return u
		}
	}
	return doc
}

func firstProblem(err error) string {
	var errs policy.Errors
	if errors.As(err, &errs) && len(errs) > 0 {
		if errs[0].AWS != "" {
			return errs[0].AWS
		}
		if errs[0].Path != "" {
			return errs[0].Path + ": " + errs[0].Msg
		}
		return errs[0].Msg
	}
	return err.Error()
}

// checkPrincipals is IAM's last check of a trust policy: every IAM user and
// role it names by ARN exists, as IAM resolves them to unique IDs when it
// stores the policy ("Invalid principal in policy: "AWS":"arn:..."",
// quoted in github.com/aws-samples/aws-iam-access-key-auto-rotation/issues/26;
// hashicorp/terraform-provider-aws#8905). Principals of accounts the world
// does not hold cannot be looked up and are taken, as IAM takes those that
// exist; account roots and assumed-role sessions are not resolved by IAM.
func checkPrincipals(c *api.Call, doc string) *query.Error {
	w := c.State.World()
	exists := func(arn string) bool {
		f := strings.SplitN(arn, ":", 6)
		a := w.Accounts.Get(f[4])
		if a == nil {
			return true
		}
		name := f[5][strings.LastIndexByte(f[5], '/')+1:]
		if strings.HasPrefix(f[5], "role/") {
			r := a.Roles.Get(name)
			return r != nil && r.ARN() == arn
		}
		u := a.Users.Get(name)
		return u != nil && u.ARN() == arn
	}
	if r := policy.CheckIAM("policy", []byte(doc), policy.TrustPolicy, policy.IAMOptions{PrincipalExists: exists}); r != nil {
		return iamerr.MalformedPolicyDocument("%s", r.Message)
	}
	return nil
}

// tagContext checks tags and returns the context keys a request with them
// carries: aws:RequestTag/k and aws:TagKeys. Validate has checked
// each key and value against the model (botocore iam/2010-05-08
// tagKeyType, tagValueType: pattern and length) and the 50 per request
// (tagListType); IAM's own rules are checked here (the IAM User Guide,
// "Tagging IAM resources"): at most 50 tags per entity (LimitExceeded), the
// aws: prefix reserved, and keys unique ignoring case, as IAM treats them
// (InvalidInput "Duplicate tag keys found. Please note that Tag keys are
// case insensitive.", the real IAM's answer quoted in
// github.com/terraform-aws-modules/terraform-aws-rds-aurora/issues/189).
func tagContext(tags [][2]string, existing int) (map[string][]string, *query.Error) {
	ctx := map[string][]string{}
	if len(tags)+existing > maxTagsPerEntity {
		return nil, iamerr.LimitExceeded("The number of tags has reached the maximum limit.")
	}
	seen := map[string]bool{}
	var keys []string
	for _, t := range tags {
		k, v := t[0], t[1]
		if query.ReservedTagKey(k) {
			return nil, iamerr.InvalidInput("Invalid tag key %s: tag keys beginning with aws: are reserved for AWS use.", k)
		}
		if seen[strings.ToLower(k)] {
			return nil, iamerr.InvalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[strings.ToLower(k)] = true
		ctx["aws:RequestTag/"+k] = []string{v}
		keys = append(keys, k)
	}
	if len(keys) > 0 {
		sort.Strings(keys)
		ctx["aws:TagKeys"] = keys
	}
	return ctx, nil
}

func sortStrings(s []string) { sort.Strings(s) }

// emptyList is the answer to a required list given with no members
// ("Tags=" in the form): the model's required constraint, which Validate
// checks only for a list left out, answered the same way.
func emptyList(field string) *query.Error {
	return query.Validation(query.Violation{Null: true, Field: field, Constraint: "Member must not be null", Rule: query.RuleNull})
}

func noSuch(kind, name string) *query.Error {
	return iamerr.NoSuchEntity("The %s with name %s cannot be found.", kind, name)
}
