package iam

import (
	"slices"
	"strings"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/iamshape"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/world"
)

func init() {
	registerTyped("CreateRole", CreateRole)
	registerTyped("GetRole", GetRole)
	registerTyped("ListRoles", ListRoles)
	registerTyped("UpdateRole", UpdateRole)
	registerTyped("UpdateRoleDescription", UpdateRoleDescription)
	registerTyped("UpdateAssumeRolePolicy", UpdateAssumeRolePolicy)
	registerTyped("DeleteRole", DeleteRole)
}

func fileRole(a *world.FileAccount, name string) *world.FileRole {
	for i := range a.Roles {
		if a.Roles[i].Name == name {
			return &a.Roles[i]
		}
	}
	return nil
}

// maxSession is MaxSessionDuration (0 when not given); the model's
// validation has checked it (roleMaxSessionDurationType, 3600 to 43200).
func maxSession(d *int32) int {
	if d == nil {
		return 0
	}
	return int(*d)
}

// CreateRole creates a role with its trust policy, and optionally a path,
// description, maximum session duration, permissions boundary and tags
// (iam:CreateRole with iam:PermissionsBoundary and the tag keys; with tags
// also iam:TagRole).
func CreateRole(c *api.Call, in *iamshape.CreateRoleRequest) (*iamshape.CreateRoleResponse, *query.Error) {
	name := in.RoleName
	path := cleanPath(in.Path)
	if strings.HasPrefix(path, serviceRolePath) {
		// IAM's answer (real output quoted in tilfin/aws-iam-policy-tool#9):
		// only CreateServiceLinkedRole makes roles there.
		return nil, iamerr.InvalidInput("Path prefix '%s' can only be used for AWS Service linked Roles", serviceRolePath)
	}
	doc, e := checkDocument(in.AssumeRolePolicyDocument, policy.TrustPolicy, maxTrustPolicySize, "ACLSizePerRole")
	if e != nil {
		return nil, e
	}
	bnd := in.PermissionsBoundary
	tags := tagPairs(in.Tags)
	if e := authorizeCreateWith(c, "role", path, name, bnd, tags); e != nil {
		return nil, e
	}
	if e := checkPrincipals(c, doc); e != nil {
		return nil, e
	}
	r := world.FileRole{Name: name, Path: path, ID: newID("AROA"), TrustPolicy: world.NewPolicyText(doc), PermissionsBoundary: bnd,
		Tags: tagMap(tags), MaxSessionDuration: maxSession(in.MaxSessionDuration), Description: in.Description, Created: c.Now}
	if e := insertRole(c, r, iamerr.EntityAlreadyExists("Role with name %s already exists.", name)); e != nil {
		return nil, e
	}
	out := roleTyped(c.Account(), &r, true)
	return &iamshape.CreateRoleResponse{Role: &out}, nil
}

// insertRole adds r to the caller's account, or answers taken when the
// account has a role of its name.
func insertRole(c *api.Call, r world.FileRole, taken *query.Error) *query.Error {
	if nameTaken(account(c), "role", r.Name, "") {
		return taken
	}
	return updateEntities(c, refs("role", r.Name), func(a *world.FileAccount) *query.Error {
		if nameTaken(a, "role", r.Name, "") {
			return taken
		}
		a.Roles = append(a.Roles, r)
		return nil
	})
}

// GetRole returns a role with its trust policy.
func GetRole(c *api.Call, in *iamshape.GetRoleRequest) (*iamshape.GetRoleResponse, *query.Error) {
	if _, e := authorizeEntity(c, "role", in.RoleName, "iam:GetRole", nil); e != nil {
		return nil, e
	}
	r := fileRole(account(c), in.RoleName)
	if r == nil {
		return nil, noSuch("role", in.RoleName)
	}
	out := roleTyped(c.Account(), r, true)
	last, e := roleLastUsed(c, out.Arn)
	if e != nil {
		return nil, e
	}
	out.RoleLastUsed = last
	return &iamshape.GetRoleResponse{Role: &out}, nil
}

// roleLastUsed is the RoleLastUsed of GetRole and of
// GetAccountAuthorizationDetails' RoleDetailList (botocore iam/2010-05-08:
// Role, RoleDetail, RoleLastUsed; the IAM API Reference, RoleLastUsed:
// "returned as a response element in the GetRole and
// GetAccountAuthorizationDetails operations"): when the role's sessions
// were last allowed an action, and in which region, from the audit log's
// last-accessed records. A role not used has the element without
// LastUsedDate ("This field is null if the role has not been used") and
// without Region.
func roleLastUsed(c *api.Call, arn string) (*lastUsed, *query.Error) {
	m, e := rolesLastUsed(c, []string{arn})
	return m[arn], e
}

// rolesLastUsed is roleLastUsed for several roles by ARN, in one read.
func rolesLastUsed(c *api.Call, arns []string) (map[string]*lastUsed, *query.Error) {
	out := make(map[string]*lastUsed, len(arns))
	newest := make(map[string]time.Time, len(arns))
	for _, a := range arns {
		out[a] = &lastUsed{}
	}
	if len(arns) == 0 {
		return out, nil
	}
	las, err := c.State.LastAccessed(c.Ctx, arns)
	if err != nil {
		return nil, awserr.Lower(err, "reading the last accessed data: %v", err)
	}
	for _, la := range las {
		if l, ok := out[la.Entity]; ok && la.Time.After(newest[la.Entity]) {
			newest[la.Entity] = la.Time
			l.LastUsedDate, l.Region = shape.At(la.Time), la.Region
		}
	}
	return out, nil
}

// ListRoles lists roles under a path prefix.
func ListRoles(c *api.Call, in *iamshape.ListRolesRequest) (*iamshape.ListRolesResponse, *query.Error) {
	prefix := cleanPath(in.PathPrefix)
	if e := c.Authorize("iam:ListRoles", iamARN(c.Account(), "role", "/", ""), nil); e != nil {
		return nil, e
	}
	a := account(c)
	var roles []iamshape.Role
	for i := range a.Roles {
		if strings.HasPrefix(cleanPath(a.Roles[i].Path), prefix) {
			r := roleTyped(c.Account(), &a.Roles[i], true)
			r.Tags, r.PermissionsBoundary = nil, nil // ListRoles leaves these out, as IAM does
			roles = append(roles, r)
		}
	}
	roles, pg := pageAt(roles, func(r iamshape.Role) string { return r.RoleName }, in.Marker, in.MaxItems)
	res := &iamshape.ListRolesResponse{Roles: roles}
	res.IsTruncated, res.Marker = pg.typed()
	return res, nil
}

// UpdateRole changes a role's description and maximum session duration.
func UpdateRole(c *api.Call, in *iamshape.UpdateRoleRequest) (*iamshape.UpdateRoleResponse, *query.Error) {
	// A Description given empty clears it: the form tells given from not.
	desc, hasDesc := c.Params.Values["Description"]
	maxSession := maxSession(in.MaxSessionDuration)
	ent, e := authorizeEntity(c, "role", in.RoleName, "iam:UpdateRole", nil)
	if e != nil {
		return nil, e
	}
	// UpdateRole's result is empty but present (botocore: UpdateRoleResponse).
	return &iamshape.UpdateRoleResponse{}, updateEntities(c, refs("role", ent.name), func(a *world.FileAccount) *query.Error {
		r := fileRole(a, ent.name)
		if r == nil {
			return noSuch("role", ent.name)
		}
		if hasDesc {
			r.Description = desc[0]
		}
		if maxSession != 0 {
			r.MaxSessionDuration = maxSession
		}
		return nil
	})
}

// UpdateRoleDescription changes a role's description and returns the role.
func UpdateRoleDescription(c *api.Call, in *iamshape.UpdateRoleDescriptionRequest) (*iamshape.UpdateRoleDescriptionResponse, *query.Error) {
	desc := in.Description
	ent, e := authorizeEntity(c, "role", in.RoleName, "iam:UpdateRoleDescription", nil)
	if e != nil {
		return nil, e
	}
	var out iamshape.Role
	e = updateEntities(c, refs("role", ent.name), func(a *world.FileAccount) *query.Error {
		r := fileRole(a, ent.name)
		if r == nil {
			return noSuch("role", ent.name)
		}
		r.Description = desc
		out = roleTyped(a.ID, r, true)
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &iamshape.UpdateRoleDescriptionResponse{Role: &out}, nil
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func UpdateAssumeRolePolicy(c *api.Call, in *iamshape.UpdateAssumeRolePolicyRequest) (*noOutput, *query.Error) {
	doc, e := checkDocument(in.PolicyDocument, policy.TrustPolicy, maxTrustPolicySize, "ACLSizePerRole")
	if e != nil {
		return nil, e
	}
	ent, e := authorizeEntity(c, "role", in.RoleName, "iam:UpdateAssumeRolePolicy", nil)
	if e != nil {
		return nil, e
	}
	if e := checkPrincipals(c, doc); e != nil {
		return nil, e
	}
	return nil, updateEntities(c, refs("role", ent.name), func(a *world.FileAccount) *query.Error {
		r := fileRole(a, ent.name)
		if r == nil {
			return noSuch("role", ent.name)
		}
		r.TrustPolicy = world.NewPolicyText(doc)
		return nil
	})
}

// DeleteRole deletes a role that has no policies and is in no instance
// profile (IAM's DeleteConflict otherwise).
func DeleteRole(c *api.Call, in *iamshape.DeleteRoleRequest) (*noOutput, *query.Error) {
	ent, e := authorizeEntity(c, "role", in.RoleName, "iam:DeleteRole", nil)
	if e != nil {
		return nil, e
	}
	// The instance profiles are the account's own fields.
	return nil, updateEntities(c, []world.EntityRef{ref("role", ent.name), accountFields}, func(a *world.FileAccount) *query.Error {
		for _, ip := range a.InstanceProfiles {
			if slices.Contains(ip.Roles, ent.name) {
				return iamerr.DeleteConflict("Cannot delete entity, must remove roles from instance profile first.")
			}
		}
		for i := range a.Roles {
			r := &a.Roles[i]
			if r.Name != ent.name {
				continue
			}
			switch {
			case len(r.Policies) > 0:
				return iamerr.DeleteConflict("Cannot delete entity, must delete policies first.")
			case len(r.ManagedPolicies) > 0:
				return iamerr.DeleteConflict("Cannot delete entity, must detach all policies first.")
			}
			a.Roles = append(a.Roles[:i], a.Roles[i+1:]...)
			return nil
		}
		return noSuch("role", ent.name)
	})
}
