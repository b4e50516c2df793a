package iam

import (
	"slices"
	"strconv"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/iamshape"
	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/world"
)

func init() {
	registerTyped("CreateAccountAlias", CreateAccountAlias)
	registerTyped("DeleteAccountAlias", DeleteAccountAlias)
	registerTyped("ListAccountAliases", ListAccountAliases)
	registerTyped("SetSecurityTokenServicePreferences", SetSecurityTokenServicePreferences)
	registerTyped("GetAccountAuthorizationDetails", GetAccountAuthorizationDetails)
}

// CreateAccountAlias sets the account's alias (an account has one; aliases
// are unique across accounts). The model has checked the alias
// (accountAliasType).
func CreateAccountAlias(c *api.Call, in *iamshape.CreateAccountAliasRequest) (*noOutput, *query.Error) {
	alias := in.AccountAlias
	if e := c.Authorize("iam:CreateAccountAlias", "*", nil); e != nil {
		return nil, e
	}
	for _, a := range c.State.File().Accounts {
		if a.ID != c.Account() && slices.Contains(a.Aliases, alias) {
			return nil, iamerr.EntityAlreadyExists("The account alias %s already exists.", alias)
		}
	}
	return nil, updateEntities(c, []world.EntityRef{accountFields}, func(a *world.FileAccount) *query.Error {
		a.Aliases = []string{alias}
		return nil
	})
}

// DeleteAccountAlias removes the account's alias.
func DeleteAccountAlias(c *api.Call, in *iamshape.DeleteAccountAliasRequest) (*noOutput, *query.Error) {
	alias := in.AccountAlias
	if e := c.Authorize("iam:DeleteAccountAlias", "*", nil); e != nil {
		return nil, e
	}
	return nil, updateEntities(c, []world.EntityRef{accountFields}, func(a *world.FileAccount) *query.Error {
		i := slices.Index(a.Aliases, alias)
		if i < 0 {
			return iamerr.NoSuchEntity("The account alias %s cannot be found.", alias)
		}
		a.Aliases = slices.Delete(a.Aliases, i, i+1)
		return nil
	})
}

// ListAccountAliases lists the account's alias.
func ListAccountAliases(c *api.Call, in *iamshape.ListAccountAliasesRequest) (*iamshape.ListAccountAliasesResponse, *query.Error) {
	if e := c.Authorize("iam:ListAccountAliases", "*", nil); e != nil {
		return nil, e
	}
	aliases, pg := pageAt(slices.Clone(account(c).Aliases), func(s string) string { return s }, in.Marker, in.MaxItems)
	res := &iamshape.ListAccountAliasesResponse{AccountAliases: aliases}
	res.IsTruncated, res.Marker = pg.typed()
	return res, nil
}

// SetSecurityTokenServicePreferences sets the version of the session
// tokens the global STS endpoint issues for the account (IAM API
// Reference, SetSecurityTokenServicePreferences; the model has checked
// the value against globalEndpointTokenVersion: v1Token or v2Token).
// GetAccountSummary reports it as GlobalEndpointTokenVersion. iamgate's
// tokens are valid in every region whatever the version: the setting is
// kept and reported, not enforced.
func SetSecurityTokenServicePreferences(c *api.Call, in *iamshape.SetSecurityTokenServicePreferencesRequest) (*noOutput, *query.Error) {
	if e := c.Authorize("iam:SetSecurityTokenServicePreferences", "*", nil); e != nil {
		return nil, e
	}
	v := in.GlobalEndpointTokenVersion
	if v != tokenV1 && v != tokenV2 {
		// The model's validation admits nothing else; fail closed all the same.
		return nil, iamerr.InvalidInput("Invalid GlobalEndpointTokenVersion %q.", v)
	}
	return nil, updateEntities(c, []world.EntityRef{accountFields}, func(a *world.FileAccount) *query.Error {
		a.TokenVersion = v
		return nil
	})
}

// The global endpoint's token versions (the model's globalEndpointTokenVersion).
const (
	tokenV1 = "v1Token"
	tokenV2 = "v2Token"
)

// tokenVersion is the account's global endpoint token version as
// GetAccountSummary reports it: 2 for v2Token, else 1 (v1Token, AWS's
// default: IAM User Guide, "Managing AWS STS in an AWS Region").
func tokenVersion(a *world.FileAccount) int {
	if a.TokenVersion == tokenV2 {
		return 2
	}
	return 1
}

// inlineTyped is an entity's inline policies as the model's
// PolicyDetail list (written even when empty).
func inlineTyped(in []world.FileInline) shape.List[iamshape.PolicyDetail] {
	out := shape.List[iamshape.PolicyDetail]{}
	for _, p := range in {
		out = append(out, iamshape.PolicyDetail{PolicyName: p.Name, PolicyDocument: encodeDocument(p.Document.JSON())})
	}
	return out
}

// attachedTyped is an entity's managed policies as the model's
// AttachedPolicy list (written even when empty), named as the world names
// them (the ARN for a policy it does not know).
func attachedTyped(w interface {
	ManagedPolicy(string) (*world.ManagedPolicy, bool)
}, refs []string) shape.List[iamshape.AttachedPolicy] {
	out := shape.List[iamshape.AttachedPolicy]{}
	for _, ref := range refs {
		name := ref
		if mp, ok := w.ManagedPolicy(ref); ok {
			name = mp.Name
		}
		out = append(out, iamshape.AttachedPolicy{PolicyName: name, PolicyArn: ref})
	}
	return out
}

// policyDetail is a managed policy as the model's ManagedPolicyDetail:
// the Policy without its tags, with its versions.
func policyDetail(p iamshape.Policy, versions shape.List[iamshape.PolicyVersion]) iamshape.ManagedPolicyDetail {
	return iamshape.ManagedPolicyDetail{PolicyName: p.PolicyName, PolicyId: p.PolicyId, Arn: p.Arn, Path: p.Path, DefaultVersionId: p.DefaultVersionId,
		AttachmentCount: p.AttachmentCount, PermissionsBoundaryUsageCount: p.PermissionsBoundaryUsageCount, IsAttachable: p.IsAttachable,
		Description: p.Description, CreateDate: p.CreateDate, UpdateDate: p.UpdateDate, PolicyVersionList: written(versions)}
}

// GetAccountAuthorizationDetails returns every user, group, role and
// managed policy of the account with their policies (the document the
// importer reads), filtered by Filter and paged by MaxItems and Marker.
// Every list of an entity is written, empty or not; tags only when there
// are some.
func GetAccountAuthorizationDetails(c *api.Call, in *iamshape.GetAccountAuthorizationDetailsRequest) (*iamshape.GetAccountAuthorizationDetailsResponse, *query.Error) {
	filter := map[string]bool{}
	for _, f := range in.Filter { // the model's EntityType values (Validate)
		filter[f] = true
	}
	want := func(f string) bool { return len(filter) == 0 || filter[f] }
	if e := c.Authorize("iam:GetAccountAuthorizationDetails", "*", nil); e != nil {
		return nil, e
	}
	a := account(c)
	w := c.State.World()
	var items []any
	if want("User") {
		users := slices.Clone(a.Users)
		slices.SortFunc(users, func(x, y world.FileUser) int { return cmp(x.Name, y.Name) })
		for _, u := range users {
			items = append(items, iamshape.UserDetail{Path: cleanPath(u.Path), UserName: u.Name, UserId: u.ID, Arn: iamARN(a.ID, "user", u.Path, u.Name),
				CreateDate: createdAt(u.Created), UserPolicyList: inlineTyped(u.Policies), GroupList: append(shape.List[string]{}, u.Groups...),
				AttachedManagedPolicies: attachedTyped(w, u.ManagedPolicies), PermissionsBoundary: boundaryShape(u.PermissionsBoundary), Tags: tagShapes(u.Tags)})
		}
	}
	if want("Group") {
		groups := slices.Clone(a.Groups)
		slices.SortFunc(groups, func(x, y world.FileGroup) int { return cmp(x.Name, y.Name) })
		for _, g := range groups {
			items = append(items, iamshape.GroupDetail{Path: cleanPath(g.Path), GroupName: g.Name, GroupId: g.ID, Arn: iamARN(a.ID, "group", g.Path, g.Name),
				CreateDate: createdAt(g.Created), GroupPolicyList: inlineTyped(g.Policies), AttachedManagedPolicies: attachedTyped(w, g.ManagedPolicies)})
		}
	}
	if want("Role") {
		roles := slices.Clone(a.Roles)
		slices.SortFunc(roles, func(x, y world.FileRole) int { return cmp(x.Name, y.Name) })
		arns := make([]string, len(roles))
		for i, r := range roles {
			arns[i] = iamARN(a.ID, "role", r.Path, r.Name)
		}
		last, e := rolesLastUsed(c, arns)
		if e != nil {
			return nil, e
		}
		for _, r := range roles {
			d := iamshape.RoleDetail{Path: cleanPath(r.Path), RoleName: r.Name, RoleId: r.ID, Arn: iamARN(a.ID, "role", r.Path, r.Name),
				CreateDate: createdAt(r.Created), AssumeRolePolicyDocument: encodeDocument(r.TrustPolicy.JSON()), InstanceProfileList: shape.List[iamshape.InstanceProfile]{},
				RolePolicyList: inlineTyped(r.Policies), AttachedManagedPolicies: attachedTyped(w, r.ManagedPolicies),
				PermissionsBoundary: boundaryShape(r.PermissionsBoundary), Tags: tagShapes(r.Tags)}
			d.RoleLastUsed = last[d.Arn]
			for i := range a.InstanceProfiles {
				if slices.Contains(a.InstanceProfiles[i].Roles, r.Name) {
					d.InstanceProfileList = append(d.InstanceProfileList, profileShape(a, &a.InstanceProfiles[i]))
				}
			}
			items = append(items, d)
		}
	}
	if want("LocalManagedPolicy") {
		policies := slices.Clone(a.Policies)
		slices.SortFunc(policies, func(x, y world.FilePolicy) int { return cmp(x.Name, y.Name) })
		for _, fp := range policies {
			p := customerPolicy(a, fp)
			normalize(&fp)
			var versions shape.List[iamshape.PolicyVersion]
			for _, v := range fp.Versions {
				versions = append(versions, versionTyped(&fp, v, true))
			}
			items = append(items, policyDetail(p, versions))
		}
	}
	if want("AWSManagedPolicy") {
		// AWS managed policies appear when something in the account uses them.
		for _, mp := range catalog.Managed().Policies {
			if n, b := usage(a, mp.ARN); n+b > 0 {
				items = append(items, policyDetail(awsPolicy(a, mp), shape.List[iamshape.PolicyVersion]{awsVersion(mp, true)}))
			}
		}
	}
	// Page by position: the marker is the index of the next item.
	max := defaultMaxItems
	if in.MaxItems != nil {
		max = int(*in.MaxItems) // 1 to 1000 (Validate)
	}
	start := 0
	if m := in.Marker; m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 0 || n > len(items) {
			return nil, awserr.ValidationError("Invalid Marker %q.", m)
		}
		start = n
	}
	res := &iamshape.GetAccountAuthorizationDetailsResponse{UserDetailList: shape.List[iamshape.UserDetail]{}, GroupDetailList: shape.List[iamshape.GroupDetail]{},
		RoleDetailList: shape.List[iamshape.RoleDetail]{}, Policies: shape.List[iamshape.ManagedPolicyDetail]{}, IsTruncated: shape.Ptr(false)}
	end := min(start+max, len(items))
	for _, it := range items[start:end] {
		switch v := it.(type) {
		case iamshape.UserDetail:
			res.UserDetailList = append(res.UserDetailList, v)
		case iamshape.GroupDetail:
			res.GroupDetailList = append(res.GroupDetailList, v)
		case iamshape.RoleDetail:
			res.RoleDetailList = append(res.RoleDetailList, v)
		case iamshape.ManagedPolicyDetail:
			res.Policies = append(res.Policies, v)
		}
	}
	if end < len(items) {
		res.IsTruncated, res.Marker = shape.Ptr(true), strconv.Itoa(end)
	}
	return res, nil
}

func cmp(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
