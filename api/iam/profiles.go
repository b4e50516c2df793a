package iam

import (
	"slices"
	"strings"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/world"
)

func init() {
	register(map[string]Handler{
		"CreateInstanceProfile": CreateInstanceProfile, "GetInstanceProfile": GetInstanceProfile,
		"ListInstanceProfiles": ListInstanceProfiles, "DeleteInstanceProfile": DeleteInstanceProfile,
		"AddRoleToInstanceProfile": AddRoleToInstanceProfile, "RemoveRoleFromInstanceProfile": RemoveRoleFromInstanceProfile,
		"ListInstanceProfilesForRole": ListInstanceProfilesForRole,
	})
}

func profileShape(a *world.FileAccount, ip *world.FileInstanceProfile) instanceProfile {
	out := instanceProfile{Path: cleanPath(ip.Path), InstanceProfileName: ip.Name, InstanceProfileID: ip.ID,
		Arn: iamARN(a.ID, "instance-profile", ip.Path, ip.Name), CreateDate: timestamp(ip.Created), Tags: tagList(ip.Tags), Roles: []role{}}
	for _, name := range ip.Roles {
		if r := fileRole(a, name); r != nil {
			out.Roles = append(out.Roles, roleShape(a.ID, r, true))
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

// profile finds the instance profile a request names and authorizes the
// action on it.
func profile(c *api.Call, action string) (*world.FileInstanceProfile, *query.Error) {
	name := c.Params.Get("InstanceProfileName")
	// Authorized first, on the ARN with its path when the profile exists
	// and without one when not, so that a caller without the permission
	// cannot tell which.
	ip := fileProfile(account(c), name)
	arn := iamARN(c.Account(), "instance-profile", "/", name)
	if ip != nil {
		arn = iamARN(c.Account(), "instance-profile", ip.Path, name)
	}
	if e := c.Authorize(action, arn, nil); e != nil {
		return nil, e
	}
	if ip == nil {
		return nil, query.Errorf("NoSuchEntity", "Instance Profile %s cannot be found.", name)
	}
	return ip, nil
}

// CreateInstanceProfile creates an instance profile.
func CreateInstanceProfile(c *api.Call) (any, *query.Error) {
	name := c.Params.Get("InstanceProfileName")
	path := cleanPath(c.Params.Get("Path"))
	tags := c.Params.Tags("Tags")
	tagCtx, e := tagContext(tags, 0)
	if e != nil {
		return nil, e
	}
	if e := c.Authorize("iam:CreateInstanceProfile", iamARN(c.Account(), "instance-profile", path, name), tagCtx); e != nil {
		return nil, e
	}
	var out instanceProfile
	e = updateEntities(c, []world.EntityRef{accountFields}, func(a *world.FileAccount) *query.Error {
		if fileProfile(a, name) != nil {
			return query.Errorf("EntityAlreadyExists", "Instance Profile %s already exists.", name)
		}
		ip := world.FileInstanceProfile{Name: name, Path: path, ID: newID("AIPA"), Tags: tagMap(tags), Created: c.Now}
		a.InstanceProfiles = append(a.InstanceProfiles, ip)
		out = profileShape(a, &ip)
		return nil
	})
	if e != nil {
		return nil, e
	}
	return struct {
		InstanceProfile instanceProfile `xml:"InstanceProfile"`
	}{out}, nil
}

// GetInstanceProfile returns an instance profile with its role.
func GetInstanceProfile(c *api.Call) (any, *query.Error) {
	ip, e := profile(c, "iam:GetInstanceProfile")
	if e != nil {
		return nil, e
	}
	return struct {
		InstanceProfile instanceProfile `xml:"InstanceProfile"`
	}{profileShape(account(c), ip)}, nil
}

func listProfiles(c *api.Call, keep func(*world.FileInstanceProfile) bool) (any, *query.Error) {
	a := account(c)
	var out []instanceProfile
	for i := range a.InstanceProfiles {
		if keep(&a.InstanceProfiles[i]) {
			out = append(out, profileShape(a, &a.InstanceProfiles[i]))
		}
	}
	out, pg, e := pageOf(out, func(p instanceProfile) string { return p.InstanceProfileName }, c.Params)
	if e != nil {
		return nil, e
	}
	return struct {
		InstanceProfiles []instanceProfile `xml:"InstanceProfiles>member"`
		listPage
	}{out, pg}, nil
}

// ListInstanceProfiles lists instance profiles under a path prefix.
func ListInstanceProfiles(c *api.Call) (any, *query.Error) {
	prefix := pathPrefix(c)
	if e := c.Authorize("iam:ListInstanceProfiles", iamARN(c.Account(), "instance-profile", "/", ""), nil); e != nil {
		return nil, e
	}
	return listProfiles(c, func(ip *world.FileInstanceProfile) bool { return strings.HasPrefix(cleanPath(ip.Path), prefix) })
}

// ListInstanceProfilesForRole lists the instance profiles holding a role.
func ListInstanceProfilesForRole(c *api.Call) (any, *query.Error) {
	ent, e := lookup(c, "role", "iam:ListInstanceProfilesForRole", nil)
	if e != nil {
		return nil, e
	}
	return listProfiles(c, func(ip *world.FileInstanceProfile) bool { return slices.Contains(ip.Roles, ent.name) })
}

// DeleteInstanceProfile deletes an instance profile without a role.
func DeleteInstanceProfile(c *api.Call) (any, *query.Error) {
	ip, e := profile(c, "iam:DeleteInstanceProfile")
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
				return query.Errorf("DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.")
			}
			a.InstanceProfiles = slices.Delete(a.InstanceProfiles, i, i+1)
			return nil
		}
		return query.Errorf("NoSuchEntity", "Instance Profile %s cannot be found.", name)
	})
}

// AddRoleToInstanceProfile puts a role in an instance profile (one role per
// profile). Like AWS, it needs iam:PassRole for the role, to EC2.
func AddRoleToInstanceProfile(c *api.Call) (any, *query.Error) {
	ip, e := profile(c, "iam:AddRoleToInstanceProfile")
	if e != nil {
		return nil, e
	}
	roleName := c.Params.Get("RoleName")
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
			return query.Errorf("NoSuchEntity", "Instance Profile %s cannot be found.", name)
		}
		if len(ip.Roles) >= 1 {
			return query.Errorf("LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
		}
		ip.Roles = append(ip.Roles, roleName)
		return nil
	})
}

// RemoveRoleFromInstanceProfile takes the role out of an instance profile.
func RemoveRoleFromInstanceProfile(c *api.Call) (any, *query.Error) {
	ip, e := profile(c, "iam:RemoveRoleFromInstanceProfile")
	if e != nil {
		return nil, e
	}
	roleName := c.Params.Get("RoleName")
	name := ip.Name
	return nil, updateEntities(c, []world.EntityRef{accountFields}, func(a *world.FileAccount) *query.Error {
		ip := fileProfile(a, name)
		if ip == nil {
			return query.Errorf("NoSuchEntity", "Instance Profile %s cannot be found.", name)
		}
		i := slices.Index(ip.Roles, roleName)
		if i < 0 {
			return noSuch("role", roleName)
		}
		ip.Roles = slices.Delete(ip.Roles, i, i+1)
		return nil
	})
}
