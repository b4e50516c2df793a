package organizations

import (
	"slices"
	"strings"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/orgerr"
	"github.com/iamgate/iamgate/api/organizations/inherit"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape/orgshape"
	"github.com/iamgate/iamgate/world"
)

// DescribeEffectivePolicy: the effective policy of a management policy
// type for an account, merged from the policies of the type attached to
// the root, each OU down to the account and the account itself, in their
// order of attachment (package inherit). "You can call this operation from
// any account in a organization" (botocore organizations/2016-11-28); the
// TargetId is then the caller's own account: "When you're signed in as the
// management account, specify the ID of the account", and a root or OU "is
// not supported".
func init() {
	registerTyped("DescribeEffectivePolicy", describeEffectivePolicy)
}

// effectiveNotFound uses the words of the model's documentation of
// EffectivePolicyNotFoundException (iamgate's message: AWS's is not
// quoted anywhere public).
func effectiveNotFound() *query.Error {
	return orgerr.EffectivePolicyNotFoundException("The account doesn't have an effective policy of this type, or this policy type is not enabled.")
}

func describeEffectivePolicy(c *api.Call, in *orgshape.DescribeEffectivePolicyRequest) (*orgshape.DescribeEffectivePolicyResponse, *query.Error) {
	// PolicyType is the model's EffectivePolicyType (Validate): a
	// management policy type.
	kind := fileType[in.PolicyType]
	if !isManagement(kind) {
		return nil, invalidPolicyType()
	}
	o, e := org(c)
	if e != nil {
		return nil, e
	}
	if in.TargetId == "" {
		in.TargetId = c.Account()
	}
	if strings.HasPrefix(in.TargetId, "r-") || strings.HasPrefix(in.TargetId, "ou-") {
		// The model's InvalidInputException reason TARGET_NOT_SUPPORTED.
		e := orgerr.InvalidInputException("You can't perform the specified operation on that target entity.")
		e.Reason = "TARGET_NOT_SUPPORTED"
		return nil, e
	}
	if c.Account() != o.ManagementAccount && in.TargetId != c.Account() {
		// A member sees its own effective policy only (iamgate's
		// choice of answer: the AccessDeniedException a member gets for
		// what only the management account may call).
		return nil, orgerr.AccessDeniedException("You don't have permissions to access this resource.")
	}
	// The Service Authorization Reference: DescribeEffectivePolicy on the
	// account, with organizations:PolicyType.
	if e := authorizeEffective(c, o, targetARN(o, in.TargetId)); e != nil {
		return nil, e
	}
	path := accountPath(o, in.TargetId)
	if path == nil && in.TargetId == o.ManagementAccount {
		path = []string{o.Root.ID} // a world that leaves it out of the tree
	}
	if path == nil {
		return nil, targetNotFound()
	}
	if !slices.Contains(o.PolicyTypes, in.PolicyType) {
		return nil, effectiveNotFound()
	}
	levels, found := make([][][]byte, 0, len(path)+1), false
	for _, id := range append(path, in.TargetId) {
		var docs [][]byte
		for _, n := range o.Attached[id] {
			if fp, ok := o.Policies[n]; ok && fileTypeOf(fp) == kind {
				docs = append(docs, fp.Document.JSON())
			}
		}
		found = found || len(docs) > 0
		levels = append(levels, docs)
	}
	if !found {
		return nil, effectiveNotFound()
	}
	// iamgate computes the effective policy at each request, so it was
	// last updated now.
	return &orgshape.DescribeEffectivePolicyResponse{EffectivePolicy: &orgshape.EffectivePolicy{PolicyContent: string(inherit.Effective(levels)),
		LastUpdatedTimestamp: createdAt(c.Now), TargetId: in.TargetId, PolicyType: in.PolicyType}}, nil
}

// authorizeEffective authorizes DescribeEffectivePolicy on an account's
// ARN. The management account's principals are decided as for every
// operation (authorizeWith); a member's, on its own account, by its
// identity policies as a request within its account (iamgate's choice:
// the model lets any account call the operation for itself, so no
// delegation policy is needed, as none is for DescribeOrganization).
func authorizeEffective(c *api.Call, o *world.FileOrganization, arn string) *query.Error {
	if c.Account() == o.ManagementAccount {
		return authorizeWith(c, "DescribeEffectivePolicy", arn, nil)
	}
	e := c.AuthorizeOwned("organizations:DescribeEffectivePolicy", arn, c.Account(), requestKeys(c, "DescribeEffectivePolicy", arn, nil), nil)
	if e != nil {
		e.Code, e.Status = "AccessDeniedException", 400
	}
	return e
}

// accountPath is the IDs of the root and the OUs from it down to the
// account's parent; nil when the account is not in the organization.
func accountPath(o *world.FileOrganization, acct string) []string {
	var walk func(ou *world.FileOU, path []string) []string
	walk = func(ou *world.FileOU, path []string) []string {
		path = append(path, ou.ID)
		if slices.Contains(ou.Accounts, acct) {
			return path
		}
		for i := range ou.OUs {
			if p := walk(&ou.OUs[i], slices.Clip(path)); p != nil {
				return p
			}
		}
		return nil
	}
	return walk(&o.Root, nil)
}
