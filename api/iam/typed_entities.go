package iam

import (
	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape/iamshape"
)

// registerTypedWritten is registerTyped for an operation whose typed
// output the generated shape would write otherwise than IAM does: the
// handler still takes the model's input and returns its output, and write
// turns that output into what goes on the wire.
func registerTypedWritten[I, O any](name string, h func(c *api.Call, in *I) (*O, *query.Error), write func(*O) any) {
	registerTyped(name, h)
	typed := Operations[name]
	Operations[name] = func(c *api.Call) (any, *query.Error) {
		out, e := typed(c)
		if e != nil || out == nil {
			return out, e
		}
		o, ok := out.(*O)
		if !ok || o == nil {
			return out, nil
		}
		return write(o), nil
	}
}

// attachedWire is a ListAttached<Kind>Policies result as IAM writes it:
// AttachedPolicies is optional in the model, so the generated response
// leaves an empty list out, but "if there are no policies attached ... the
// operation returns an empty list" (the IAM API Reference,
// ListAttachedRolePolicies), written <AttachedPolicies></AttachedPolicies>
// as the untyped handlers wrote it.
func attachedWire(policies []iamshape.AttachedPolicy, truncated *bool, marker string) any {
	out := make([]attachedPolicy, 0, len(policies))
	for _, p := range policies {
		out = append(out, attachedPolicy{PolicyName: p.PolicyName, PolicyArn: p.PolicyArn})
	}
	return struct {
		AttachedPolicies []attachedPolicy `xml:"AttachedPolicies>member"`
		IsTruncated      *bool            `xml:"IsTruncated,omitempty"`
		Marker           string           `xml:"Marker,omitempty"`
	}{out, truncated, marker}
}
