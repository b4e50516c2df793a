package organizations

import (
	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/orgerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape/orgshape"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/world"
)

// The organization's resource-based delegation policy (the Organizations
// User Guide, "Delegated administrator for AWS Organizations"): the
// management account puts and deletes it; the management account and
// delegated administrators describe it. PutResourcePolicy is authorized on
// the policy's ARN (the Service Authorization Reference: resource type
// resourcepolicy, with aws:RequestTag and aws:TagKeys), the others with no
// resource. The policy is part of the organization's delegation policy,
// which decides the calls of member accounts (delegation.go).
func init() {
	registerTyped("PutResourcePolicy", putResourcePolicy)
	registerTyped("DescribeResourcePolicy", describeResourcePolicy)
	registerTyped("DeleteResourcePolicy", deleteResourcePolicy)
}

func resourcePolicyARN(o *world.FileOrganization, id string) string {
	return orgARN(o, "resourcepolicy", "/"+id)
}

// resourcePolicyShape is the resource policy as the model's ResourcePolicy.
func resourcePolicyShape(o *world.FileOrganization, rp *world.FileOrgResourcePolicy) *orgshape.ResourcePolicy {
	return &orgshape.ResourcePolicy{ResourcePolicySummary: &orgshape.ResourcePolicySummary{Id: rp.ID, Arn: resourcePolicyARN(o, rp.ID)}, Content: rp.Content}
}

// resourcePolicyNotFound uses the words of the model's documentation of
// ResourcePolicyNotFoundException.
func resourcePolicyNotFound() *query.Error {
	return orgerr.ResourcePolicyNotFoundException("We can't find a resource policy request with the parameter that you specified.")
}

// checkResourcePolicy parses the content as an IAM resource-based policy
// (a Principal in every statement) with the policy package and the
// engine's compiler. A bad one is InvalidInputException with the reason
// INVALID_RESOURCE_POLICY_JSON: PutResourcePolicy's errors in the model
// have no MalformedPolicyDocumentException, and InvalidInputExceptionReason
// has that reason (its words are not documented; the message is
// iamgate's). The model's ResourcePolicyContent caps the length at 40,000
// (Validate).
func checkResourcePolicy(content string) *query.Error {
	p, err := policy.Parse("resource policy", []byte(content))
	if err == nil {
		_, err = engine.Compile(p, engine.ResourcePolicy, "resource policy")
	}
	if err != nil {
		e := orgerr.InvalidInputException("The provided resource policy is not valid: %v", err)
		e.Reason = "INVALID_RESOURCE_POLICY_JSON"
		return e
	}
	return nil
}

// putResourcePolicy creates or replaces the organization's resource
// policy. The policy keeps its ID when replaced. Tags are taken only when
// the policy is created (the model's documentation of
// PutResourcePolicyRequest.Tags: "Calls with tags apply to the initial
// creation of the resource policy, otherwise an exception is thrown";
// the exception is not named: InvalidInputException is iamgate's choice).
func putResourcePolicy(c *api.Call, in *orgshape.PutResourcePolicyRequest) (*orgshape.PutResourcePolicyResponse, *query.Error) {
	if e := checkTags(c.Body); e != nil {
		return nil, e
	}
	o, e := management(c)
	if e != nil {
		return nil, e
	}
	id := "rp-" + randomID(8, lower)
	if o.ResourcePolicy != nil {
		id = o.ResourcePolicy.ID
	}
	keys := map[string][]string{}
	for _, t := range in.Tags {
		keys["aws:RequestTag/"+t.Key] = []string{t.Value}
		keys["aws:TagKeys"] = append(keys["aws:TagKeys"], t.Key)
	}
	if e := authorizeWith(c, "PutResourcePolicy", resourcePolicyARN(o, id), keys); e != nil {
		return nil, e
	}
	if e := checkResourcePolicy(in.Content); e != nil {
		return nil, e
	}
	var out *orgshape.ResourcePolicy
	e = c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		o := fw.Organization
		switch {
		case o.ResourcePolicy == nil:
			rp := &world.FileOrgResourcePolicy{ID: id, Content: in.Content}
			for _, t := range in.Tags {
				if rp.Tags == nil {
					rp.Tags = map[string]string{}
				}
				rp.Tags[t.Key] = t.Value
			}
			o.ResourcePolicy = rp
		case len(in.Tags) > 0:
			return orgerr.InvalidInputException("Tags can be given only when the resource policy is created; use TagResource to tag an existing one.")
		default:
			o.ResourcePolicy.Content = in.Content
		}
		out = resourcePolicyShape(o, o.ResourcePolicy)
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &orgshape.PutResourcePolicyResponse{ResourcePolicy: out}, nil
}

func describeResourcePolicy(c *api.Call, _ *noInput) (*orgshape.DescribeResourcePolicyResponse, *query.Error) {
	o, e := management(c)
	if e != nil {
		return nil, e
	}
	if e := authorize(c, "DescribeResourcePolicy", "*"); e != nil {
		return nil, e
	}
	if o.ResourcePolicy == nil {
		return nil, resourcePolicyNotFound()
	}
	return &orgshape.DescribeResourcePolicyResponse{ResourcePolicy: resourcePolicyShape(o, o.ResourcePolicy)}, nil
}

func deleteResourcePolicy(c *api.Call, _ *noInput) (*noOutput, *query.Error) {
	if _, e := managed(c, "DeleteResourcePolicy", "*"); e != nil {
		return nil, e
	}
	return nil, c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		if fw.Organization.ResourcePolicy == nil {
			return resourcePolicyNotFound()
		}
		fw.Organization.ResourcePolicy = nil
		return nil
	})
}
