package sts

import (
	"reflect"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/stsshape"
)

// typedShapes records, per operation served by a typed handler, its input
// and output types, so that a test can check them against the model's
// shapes for the operation.
var typedShapes = map[string][2]reflect.Type{}

// registerTyped serves operation name with h, which takes the operation's
// typed input (api/shape/stsshape, decoded from the request's parameters
// after Validate checked them against the model) and returns its typed
// output, or nil.
func registerTyped[I, O any](name string, h func(c *api.Call, in *I) (*O, *query.Error)) {
	typedShapes[name] = [2]reflect.Type{reflect.TypeFor[I](), reflect.TypeFor[O]()}
	Operations[name] = api.QueryTyped(h)
}

// credentialsTyped is issued session credentials as the model's
// Credentials. Expiration is required: it is written whatever it is (a
// session always has one).
func credentialsTyped(creds api.SessionCredentials) *stsshape.Credentials {
	return &stsshape.Credentials{AccessKeyId: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken,
		Expiration: &shape.Time{Time: creds.Expiration.UTC()}}
}

// durationOr is an optional DurationSeconds member, or def when the
// request leaves it out.
func durationOr(d *int32, def int) int {
	if d == nil {
		return def
	}
	return int(*d)
}

// tagList is a typed request's session tags as the tag rules take them
// (query.SessionTagRules): key and value pairs in request order.
func tagList(tags shape.List[stsshape.Tag]) [][2]string {
	out := make([][2]string, 0, len(tags))
	for _, t := range tags {
		out = append(out, [2]string{t.Key, t.Value})
	}
	return out
}

// sessionPolicies checks the session policies of an AssumeRole* or
// GetFederationToken request: Policy (at most 2,048 characters) and
// PolicyArns (at most 10; an element without an ARN ends the list, as the
// untyped parameters were read). The model (sts/2011-06-15) has these
// limits for AssumeRoleWithSAML and AssumeRoleWithWebIdentity
// (sessionPolicyDocumentType) but none for AssumeRole
// (unrestrictedSessionPolicyDocumentType, and no maximum on
// policyDescriptorListType); the STS API Reference, AssumeRole: "The
// plaintext that you use for both inline and managed session policies
// can't exceed 2,048 characters", "You can provide up to 10 managed policy
// ARNs."
func sessionPolicies(policy string, descriptors shape.List[stsshape.PolicyDescriptorType]) (string, []string, *query.Error) {
	if len(policy) > 2048 {
		return "", nil, query.Validation(query.Violation{Field: "policy", Constraint: "Member must have length less than or equal to 2048", Rule: query.RuleMaxLength})
	}
	var arns []string
	for _, d := range descriptors {
		if d.Arn == "" {
			break
		}
		arns = append(arns, d.Arn)
	}
	if len(arns) > 10 {
		return "", nil, query.Validation(query.Violation{Field: "policyArns", Constraint: "Member must have length less than or equal to 10", Rule: query.RuleMaxLength})
	}
	return policy, arns, nil
}
