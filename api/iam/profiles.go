package iam

import (
	"slices"
	"strings"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/iamshape"
	"github.com/iamgate/iamgate/world"
)

func init() {
	registerTyped("CreateInstanceProfile", CreateInstanceProfile)
	registerTyped("GetInstanceProfile", GetInstanceProfile)
	registerTyped("ListInstanceProfiles", ListInstanceProfiles)
	registerTyped("DeleteInstanceProfile", DeleteInstanceProfile)
	registerTyped("AddRoleToInstanceProfile", AddRoleToInstanceProfile)
	registerTyped("RemoveRoleFromInstanceProfile", RemoveRoleFromInstanceProfile)
	registerTyped("ListInstanceProfilesForRole", ListInstanceProfilesForRole)
}

// profileShape is an instance profile with its role, written as
// <Roles></Roles> without one (the model requires the member).
func profileShape(a *world.FileAccount, ip *world.FileInstanceProfile) iamshape.InstanceProfile {
	out := iamshape.InstanceProfile{Path: cleanPath(ip.Path), InstanceProfileName: ip.Name, InstanceProfileId: ip.ID,
		Arn: iamARN(a.ID, "instance-profile", ip.Path, ip.Name), CreateDate: createdAt(ip.Created), Tags: tagShapes(ip.Tags)}
	for _, name := range ip.Roles {
		if r := fileRole(a, name); r != nil {
			out.Roles = append(out.Roles, roleTyped(a.ID, r, true))
		}
	}
	return out
}

func fileProfile(a *world.FileAccount, name string) *world.FileInstanceProfile {
	for i := range a.InstanceProfiles {
		if a.InstanceProfiles[i].Name == name {
			return &a.InstanceProfiles[i]
		}
	}
	return nil
}

// profile authorizes the action (with extra context) on the instance
// profile name, then finds it.
func profile(c *api.Call, action, name string, extra map[string][]string) (*world.FileInstanceProfile, *query.Error) {
	// Authorized first, on the ARN with its path when the profile exists
	// and without one when not, so that a caller without the permission
	// cannot tell which.
	ip := fileProfile(account(c), name)
	arn := iamARN(c.Account(), "instance-profile", "/", name)
	if ip != nil {
		arn = iamARN(c.Account(), "instance-profile", ip.Path, name)
	}
	if e := c.Authorize(action, arn, extra); e != nil {
		return nil, e
	}
	if ip == nil {
		return nil, iamerr.NoSuchEntity("Instance Profile %s cannot be found.", name)
	}
	return ip, nil
}

// CreateInstanceProfile creates an instance profile.
func CreateInstanceProfile(c *api.Call, in *iamshape.CreateInstanceProfileRequest) (*iamshape.CreateInstanceProfileResponse, *query.Error) {
	name := in.InstanceProfileName
	path := cleanPath(in.Path)
	tags := tagPairs(in.Tags)
	tagCtx, e := tagContext(tags, 0)
	if e != nil {
		return nil, e
	}
	if e := c.Authorize("iam:CreateInstanceProfile", iamARN(c.Account(), "instance-profile", path, name), tagCtx); e != nil {
		return nil, e
	}
	var out iamshape.InstanceProfile
	e = updateEntities(c, []world.EntityRef{accountFields}, func(a *world.FileAccount) *query.Error {
		if fileProfile(a, name) != nil {
			return iamerr.EntityAlreadyExists("Instance Profile %s already exists.", name)
		}
		ip := world.FileInstanceProfile{Name: name, Path: path, ID: newID("AIPA"), Tags: tagMap(tags), Created: c.Now}
		a.InstanceProfiles = append(a.InstanceProfiles, ip)
		out = profileShape(a, &ip)
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &iamshape.CreateInstanceProfileResponse{InstanceProfile: &out}, nil
}

// GetInstanceProfile returns an instance profile with its role.
func GetInstanceProfile(c *api.Call, in *iamshape.GetInstanceProfileRequest) (*iamshape.GetInstanceProfileResponse, *query.Error) {
	ip, e := profile(c, "iam:GetInstanceProfile", in.InstanceProfileName, nil)
	if e != nil {
		return nil, e
	}
	out := profileShape(account(c), ip)
	return &iamshape.GetInstanceProfileResponse{InstanceProfile: &out}, nil
}

// listProfiles is a page of the instance profiles keep keeps, in name
// order.
func listProfiles(c *api.Call, keep func(*world.FileInstanceProfile) bool, marker string, maxItems *int32) (shape.List[iamshape.InstanceProfile], *bool, string) {
	a := account(c)
	var out []iamshape.InstanceProfile
	for i := range a.InstanceProfiles {
		if keep(&a.InstanceProfiles[i]) {
			out = append(out, profileShape(a, &a.InstanceProfiles[i]))
		}
	}
	out, pg := pageAt(out, func(p iamshape.InstanceProfile) string { return p.InstanceProfileName }, marker, maxItems)
	truncated, next := pg.typed()
	return out, truncated, next
}

// ListInstanceProfiles lists instance profiles under a path prefix.
func ListInstanceProfiles(c *api.Call, in *iamshape.ListInstanceProfilesRequest) (*iamshape.ListInstanceProfilesResponse, *query.Error) {
	prefix := cleanPath(in.PathPrefix)
	if e := c.Authorize("iam:ListInstanceProfiles", iamARN(c.Account(), "instance-profile", "/", ""), nil); e != nil {
		return nil, e
	}
	res := &iamshape.ListInstanceProfilesResponse{}
	res.InstanceProfiles, res.IsTruncated, res.Marker = listProfiles(c, func(ip *world.FileInstanceProfile) bool {
		return strings.HasPrefix(cleanPath(ip.Path), prefix)
	}, in.Marker, in.MaxItems)
	return res, nil
}

// ListInstanceProfilesForRole lists the instance profiles holding a role.
func ListInstanceProfilesForRole(c *api.Call, in *iamshape.ListInstanceProfilesForRoleRequest) (*iamshape.ListInstanceProfilesForRoleResponse, *query.Error) {
	ent, e := authorizeEntity(c, "role", in.RoleName, "iam:ListInstanceProfilesForRole", nil)
	if e != nil {
		return nil, e
	}
	res := &iamshape.ListInstanceProfilesForRoleResponse{}
	res.InstanceProfiles, res.IsTruncated, res.Marker = listProfiles(c, func(ip *world.FileInstanceProfile) bool {
		return slices.Contains(ip.Roles, ent.name)
	}, in.Marker, in.MaxItems)
	return res, nil
}

// DeleteInstanceProfile deletes an instance profile without a role.
func DeleteInstanceProfile(c *api.Call, in *iamshape.DeleteInstanceProfileRequest) (*noOutput, *query.Error) {
	ip, e := profile(c, "iam:DeleteInstanceProfile", in.InstanceProfileName, nil)
	if e != nil {
		return nil, e
	}
	name := ip.Name
	return nil, updateEntities(c, []world.EntityRef{accountFields}, func(a *world.FileAccount) *query.Error {
		for i := range a.InstanceProfiles {
			if a.InstanceProfiles[i].Name != name {
				continue
			}
			if len(a.InstanceProfiles[i].Roles) > 0 {
				return iamerr.DeleteConflict("Cannot delete entity, must remove roles from instance profile first.")
			}
			a.InstanceProfiles = slices.Delete(a.InstanceProfiles, i, i+1)
			return nil
		}
		return iamerr.NoSuchEntity("Instance Profile %s cannot be found.", name)
	})
}

// AddRoleToInstanceProfile puts a role in an instance profile (one role per
// profile). Like AWS, it needs iam:PassRole for the role, to EC2.
func AddRoleToInstanceProfile(c *api.Call, in *iamshape.AddRoleToInstanceProfileRequest) (*noOutput, *query.Error) {
	ip, e := profile(c, "iam:AddRoleToInstanceProfile", in.InstanceProfileName, nil)
	if e != nil {
		return nil, e
	}
	roleName := in.RoleName
	r := fileRole(account(c), roleName)
	passed := iamARN(c.Account(), "role", "/", roleName)
	if r != nil {
		passed = iamARN(c.Account(), "role", r.Path, r.Name)
	}
	if e := c.Authorize("iam:PassRole", passed, map[string][]string{"iam:PassedToService": {"ec2.amazonaws.com"}}); e != nil {
		return nil, e
	}
	if r == nil {
		return nil, noSuch("role", roleName)
	}
	name := ip.Name
	return nil, updateEntities(c, []world.EntityRef{accountFields}, func(a *world.FileAccount) *query.Error {
		ip := fileProfile(a, name)
		if ip == nil {
			return iamerr.NoSuchEntity("Instance Profile %s cannot be found.", name)
		}
		if len(ip.Roles) >= 1 {
			return iamerr.LimitExceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
		}
		ip.Roles = append(ip.Roles, roleName)
		return nil
	})
}

// RemoveRoleFromInstanceProfile takes the role out of an instance profile.
func RemoveRoleFromInstanceProfile(c *api.Call, in *iamshape.RemoveRoleFromInstanceProfileRequest) (*noOutput, *query.Error) {
	ip, e := profile(c, "iam:RemoveRoleFromInstanceProfile", in.InstanceProfileName, nil)
	if e != nil {
		return nil, e
	}
	roleName := in.RoleName
	name := ip.Name
	return nil, updateEntities(c, []world.EntityRef{accountFields}, func(a *world.FileAccount) *query.Error {
		ip := fileProfile(a, name)
		if ip == nil {
			return iamerr.NoSuchEntity("Instance Profile %s cannot be found.", name)
		}
		i := slices.Index(ip.Roles, roleName)
		if i < 0 {
			return noSuch("role", roleName)
		}
		ip.Roles = slices.Delete(ip.Roles, i, i+1)
		return nil
	})
}
