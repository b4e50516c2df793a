package organizations

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/model"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/world"
)

// Delegation: who besides the management account may call an operation.
// The organization's resources (its accounts, OUs, policies, ...) belong
// to the management account, so a member account's principal calls them
// across accounts: its identity policies must allow the action and so
// must the organization's delegation policy, which is
//
//   - the resource policy PutResourcePolicy keeps (the Organizations User
//     Guide, "Delegated administrator for AWS Organizations"), and
//   - for every account registered as a delegated administrator of a
//     service, Organizations' read-only actions (organizations:Describe*
//     and organizations:List*: the User Guide, "Delegated administrator
//     for AWS services that work with Organizations": "permissions for
//     Organizations read-only actions").
//
// Only the operations whose documentation (botocore
// organizations/2016-11-28) says "You can only call this operation from
// the management account or a member account that is a delegated
// administrator" can be delegated; the others stay the management
// account's, whatever the policy says.
var delegable = map[string]bool{
	"AttachPolicy": true, "CreatePolicy": true, "DeletePolicy": true, "DescribeAccount": true,
	"DescribeCreateAccountStatus": true, "DescribeOrganizationalUnit": true, "DescribePolicy": true,
	"DescribeResourcePolicy": true, "DetachPolicy": true, "DisablePolicyType": true, "EnablePolicyType": true,
	"ListAWSServiceAccessForOrganization": true, "ListAccounts": true, "ListAccountsForParent": true,
	"ListAccountsWithInvalidEffectivePolicy": true, "ListChildren": true, "ListCreateAccountStatus": true,
	"ListDelegatedAdministrators": true, "ListDelegatedServicesForAccount": true,
	"ListEffectivePolicyValidationErrors": true, "ListHandshakesForOrganization": true,
	"ListOrganizationalUnitsForParent": true, "ListParents": true, "ListPolicies": true,
	"ListPoliciesForTarget": true, "ListRoots": true, "ListTagsForResource": true, "ListTargetsForPolicy": true,
	"TagResource": true, "UntagResource": true, "UpdatePolicy": true,
}

// authorizeWith authorizes organizations:<action> on a resource, with
// request context keys (such as organizations:ServicePrincipal). A member
// account's call of a delegable operation is decided as a cross-account
// request to the management account under the delegation policy.
func authorizeWith(c *api.Call, action, resource string, extra map[string][]string) *query.Error {
	// The tags of the resource, when it is one of the organization's
	// accounts, its root, an OU or a policy, are aws:ResourceTag/*
	// (tags.go); extra keys are over them.
	keys := requestKeys(c, action, resource, extra)
	var e *query.Error
	if o := c.State.File().Organization; o != nil && c.Account() != o.ManagementAccount && delegable[action] {
		e = c.AuthorizeOwned("organizations:"+action, resource, o.ManagementAccount, keys, delegationPolicy(o))
	} else {
		e = c.Authorize("organizations:"+action, resource, keys)
	}
	if e != nil {
		e.Code, e.Status = "AccessDeniedException", 400
	}
	return e
}

// requestKeys are the context keys of an organizations action on a
// resource: the resource's tags as aws:ResourceTag/* (tags.go), the extra
// keys over them, and organizations:PolicyType (requestPolicyType).
func requestKeys(c *api.Call, action, resource string, extra map[string][]string) map[string][]string {
	keys := tagContext(resourceTags(c.State.File(), resource), nil, nil)
	maps.Copy(keys, extra)
	if t := requestPolicyType(c, action); t != "" {
		keys["organizations:PolicyType"] = []string{t}
	}
	return keys
}

// policyTypeActions are the actions the Service Authorization Reference
// ("Actions defined by AWS Organizations") gives organizations:PolicyType,
// of those iamgate serves.
var policyTypeActions = map[string]bool{
	"AttachPolicy": true, "CreatePolicy": true, "DeletePolicy": true, "DescribeEffectivePolicy": true, "DescribePolicy": true, "DetachPolicy": true,
	"DisablePolicyType": true, "EnablePolicyType": true, "ListPolicies": true, "ListPoliciesForTarget": true,
	"ListTagsForResource": true, "ListTargetsForPolicy": true, "TagResource": true, "UntagResource": true, "UpdatePolicy": true,
}

// requestPolicyType is the organizations:PolicyType of a request: the
// policy type it names (CreatePolicy's Type, Enable/DisablePolicyType's
// PolicyType, the Filter of the list operations) or that of the policy it
// names (PolicyId, or a policy's ResourceId for the tag operations); ""
// when it names none, or a policy that does not exist.
func requestPolicyType(c *api.Call, action string) string {
	if !policyTypeActions[action] || len(c.Body) == 0 {
		return ""
	}
	// The members are read as the handler reads them: by their exact names
	// (decodeTyped; json.Unmarshal would fold "type" onto Type), and only
	// those the operation has (a Type member sent to EnablePolicyType, which
	// its handler ignores, must not choose the key).
	var in struct {
		Type       string `json:"Type"`
		PolicyType string `json:"PolicyType"`
		Filter     string `json:"Filter"`
		PolicyID   string `json:"PolicyId"`
		ResourceID string `json:"ResourceId"`
	}
	if decodeTyped(c.Body, &in) != nil {
		return ""
	}
	op := model.Organizations.Operation(action)
	if op == nil || op.Input == "" {
		return ""
	}
	input := model.Organizations.Shape(op.Input)
	has := func(member string) bool { return input.MemberNamed(member) != nil }
	for _, m := range []struct{ name, value string }{{"Type", in.Type}, {"PolicyType", in.PolicyType}, {"Filter", in.Filter}} {
		if m.value != "" && has(m.name) {
			return m.value
		}
	}
	var id string
	switch {
	case has("PolicyId"):
		id = in.PolicyID
	case has("ResourceId") && strings.HasPrefix(in.ResourceID, "p-"):
		id = in.ResourceID
	}
	if o := c.State.File().Organization; o != nil && id != "" {
		if _, _, out, ok := findPolicy(o, id); ok {
			return out.PolicySummary.Type
		}
	}
	return ""
}

// delegationPolicy compiles the organization's delegation policy: the
// statements of its resource policy and one statement for its delegated
// administrators; nil when there are neither. The resource policy was
// checked when it was put; one that no longer compiles (a world file
// written by hand) delegates nothing.
func delegationPolicy(o *world.FileOrganization) *engine.Policy {
	version := "2012-10-17"
	var stmts []json.RawMessage
	if rp := o.ResourcePolicy; rp != nil {
		var doc struct {
			Version   string
			Statement json.RawMessage
		}
		if json.Unmarshal([]byte(rp.Content), &doc) != nil {
			return nil
		}
		if doc.Version != "" {
			version = doc.Version
		}
		if strings.HasPrefix(strings.TrimSpace(string(doc.Statement)), "[") {
			if json.Unmarshal(doc.Statement, &stmts) != nil {
				return nil
			}
		} else if len(doc.Statement) > 0 {
			stmts = append(stmts, doc.Statement)
		}
	}
	var admins []string
	for _, d := range o.DelegatedAdministrators {
		arn := "arn:aws:iam::" + d.Account + ":root"
		if !slices.Contains(admins, arn) {
			admins = append(admins, arn)
		}
	}
	if len(admins) > 0 {
		s, _ := json.Marshal(map[string]any{"Sid": "DelegatedAdministratorsReadOnly", "Effect": "Allow",
			"Principal": map[string]any{"AWS": admins}, "Action": []string{"organizations:Describe*", "organizations:List*"}, "Resource": "*"})
		stmts = append(stmts, s)
	}
	if len(stmts) == 0 {
		return nil
	}
	text, _ := json.Marshal(map[string]any{"Version": version, "Statement": stmts})
	p, err := policy.Parse("organization delegation policy", text)
	if err != nil {
		return nil
	}
	cp, err := engine.Compile(p, engine.ResourcePolicy, "organization delegation policy")
	if err != nil {
		return nil
	}
	return cp
}
