package iam

import (
	"slices"
	"strings"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape/iamshape"
	"github.com/iamgate/iamgate/world"
)

func init() {
	registerTyped("CreateGroup", CreateGroup)
	registerTyped("GetGroup", GetGroup)
	registerTyped("ListGroups", ListGroups)
	registerTyped("UpdateGroup", UpdateGroup)
	registerTyped("DeleteGroup", DeleteGroup)
	registerTyped("AddUserToGroup", AddUserToGroup)
	registerTyped("RemoveUserFromGroup", RemoveUserFromGroup)
	registerTyped("ListGroupsForUser", ListGroupsForUser)
}

// maxGroupsPerUser is IAM's quota (the IAM User Guide, "IAM and AWS STS
// quotas").
const maxGroupsPerUser = 10

func groupShape(acct string, g *world.FileGroup) iamshape.Group {
	return iamshape.Group{Path: cleanPath(g.Path), GroupName: g.Name, GroupId: g.ID, Arn: iamARN(acct, "group", g.Path, g.Name), CreateDate: createdAt(g.Created)}
}

func fileGroup(a *world.FileAccount, name string) *world.FileGroup {
	for i := range a.Groups {
		if a.Groups[i].Name == name {
			return &a.Groups[i]
		}
	}
	return nil
}

// CreateGroup creates a group.
func CreateGroup(c *api.Call, in *iamshape.CreateGroupRequest) (*iamshape.CreateGroupResponse, *query.Error) {
	name := in.GroupName
	path := cleanPath(in.Path)
	if e := c.Authorize("iam:CreateGroup", iamARN(c.Account(), "group", path, name), nil); e != nil {
		return nil, e
	}
	if nameTaken(account(c), "group", name, "") {
		return nil, iamerr.EntityAlreadyExists("Group with name %s already exists.", name)
	}
	var out world.FileGroup
	e := updateEntities(c, refs("group", name), func(a *world.FileAccount) *query.Error {
		if nameTaken(a, "group", name, "") {
			return iamerr.EntityAlreadyExists("Group with name %s already exists.", name)
		}
		out = world.FileGroup{Name: name, Path: path, ID: newID("AGPA"), Created: c.Now}
		a.Groups = append(a.Groups, out)
		return nil
	})
	if e != nil {
		return nil, e
	}
	g := groupShape(c.Account(), &out)
	return &iamshape.CreateGroupResponse{Group: &g}, nil
}

// GetGroup returns a group and its users.
func GetGroup(c *api.Call, in *iamshape.GetGroupRequest) (*iamshape.GetGroupResponse, *query.Error) {
	ent, e := authorizeEntity(c, "group", in.GroupName, "iam:GetGroup", nil)
	if e != nil {
		return nil, e
	}
	a := account(c)
	var users []iamshape.User
	for i := range a.Users {
		if slices.Contains(a.Users[i].Groups, ent.name) {
			users = append(users, listedUser(a.ID, &a.Users[i]))
		}
	}
	users, pg := pageAt(users, func(u iamshape.User) string { return u.UserName }, in.Marker, in.MaxItems)
	g := groupShape(a.ID, fileGroup(a, ent.name))
	res := &iamshape.GetGroupResponse{Group: &g, Users: users}
	res.IsTruncated, res.Marker = pg.typed()
	return res, nil
}

// ListGroups lists groups under a path prefix.
func ListGroups(c *api.Call, in *iamshape.ListGroupsRequest) (*iamshape.ListGroupsResponse, *query.Error) {
	prefix := cleanPath(in.PathPrefix)
	if e := c.Authorize("iam:ListGroups", iamARN(c.Account(), "group", "/", ""), nil); e != nil {
		return nil, e
	}
	a := account(c)
	var groups []iamshape.Group
	for i := range a.Groups {
		if strings.HasPrefix(cleanPath(a.Groups[i].Path), prefix) {
			groups = append(groups, groupShape(a.ID, &a.Groups[i]))
		}
	}
	groups, pg := pageAt(groups, groupName, in.Marker, in.MaxItems)
	res := &iamshape.ListGroupsResponse{Groups: groups}
	res.IsTruncated, res.Marker = pg.typed()
	return res, nil
}

// UpdateGroup renames a group or changes its path; members follow.
func UpdateGroup(c *api.Call, in *iamshape.UpdateGroupRequest) (*noOutput, *query.Error) {
	newName := in.NewGroupName
	newPath := in.NewPath
	ent, e := authorizeEntity(c, "group", in.GroupName, "iam:UpdateGroup", nil)
	if e != nil {
		return nil, e
	}
	if e := authorizeTarget(c, "iam:UpdateGroup", "group", ent.path, ent.name, newPath, newName); e != nil {
		return nil, e
	}
	return nil, update(c, func(a *world.FileAccount) *query.Error {
		g := fileGroup(a, ent.name)
		if g == nil {
			return noSuch("group", ent.name)
		}
		if newName != "" && newName != ent.name {
			if nameTaken(a, "group", newName, ent.name) {
				return iamerr.EntityAlreadyExists("Group with name %s already exists.", newName)
			}
			g.Name = newName
			for i := range a.Users {
				if j := slices.Index(a.Users[i].Groups, ent.name); j >= 0 {
					a.Users[i].Groups[j] = newName
				}
			}
		}
		if newPath != "" {
			g.Path = newPath
		}
		return nil
	})
}

// DeleteGroup deletes a group without members or policies.
func DeleteGroup(c *api.Call, in *iamshape.DeleteGroupRequest) (*noOutput, *query.Error) {
	ent, e := authorizeEntity(c, "group", in.GroupName, "iam:DeleteGroup", nil)
	if e != nil {
		return nil, e
	}
	return nil, update(c, func(a *world.FileAccount) *query.Error {
		for _, u := range a.Users {
			if slices.Contains(u.Groups, ent.name) {
				return iamerr.DeleteConflict("Cannot delete entity, must remove users from group first.")
			}
		}
		for i := range a.Groups {
			g := &a.Groups[i]
			if g.Name != ent.name {
				continue
			}
			switch {
			case len(g.Policies) > 0:
				return iamerr.DeleteConflict("Cannot delete entity, must delete policies first.")
			case len(g.ManagedPolicies) > 0:
				return iamerr.DeleteConflict("Cannot delete entity, must detach all policies first.")
			}
			a.Groups = append(a.Groups[:i], a.Groups[i+1:]...)
			return nil
		}
		return noSuch("group", ent.name)
	})
}

func membership(c *api.Call, action, group, userName string) (string, string, *query.Error) {
	ent, e := authorizeEntity(c, "group", group, action, nil)
	if e != nil {
		return "", "", e
	}
	if fileUser(account(c), userName) == nil {
		return "", "", noSuch("user", userName)
	}
	return ent.name, userName, nil
}

// AddUserToGroup adds a user to a group (at most 10 groups per user).
func AddUserToGroup(c *api.Call, in *iamshape.AddUserToGroupRequest) (*noOutput, *query.Error) {
	g, u, e := membership(c, "iam:AddUserToGroup", in.GroupName, in.UserName)
	if e != nil {
		return nil, e
	}
	return nil, updateEntities(c, refs("user", u), func(a *world.FileAccount) *query.Error {
		fu := fileUser(a, u)
		if fu == nil {
			return noSuch("user", u)
		}
		if slices.Contains(fu.Groups, g) {
			return nil
		}
		if len(fu.Groups) >= maxGroupsPerUser {
			return iamerr.LimitExceeded("Cannot exceed quota for GroupsPerUser: %d", maxGroupsPerUser)
		}
		fu.Groups = append(fu.Groups, g)
		return nil
	})
}

// RemoveUserFromGroup removes a user from a group.
func RemoveUserFromGroup(c *api.Call, in *iamshape.RemoveUserFromGroupRequest) (*noOutput, *query.Error) {
	g, u, e := membership(c, "iam:RemoveUserFromGroup", in.GroupName, in.UserName)
	if e != nil {
		return nil, e
	}
	return nil, updateEntities(c, refs("user", u), func(a *world.FileAccount) *query.Error {
		fu := fileUser(a, u)
		if fu == nil {
			return noSuch("user", u)
		}
		i := slices.Index(fu.Groups, g)
		if i < 0 {
			return iamerr.NoSuchEntity("The user with name %s is not in group %s.", u, g)
		}
		fu.Groups = slices.Delete(fu.Groups, i, i+1)
		return nil
	})
}

// ListGroupsForUser lists the groups a user is in.
func ListGroupsForUser(c *api.Call, in *iamshape.ListGroupsForUserRequest) (*iamshape.ListGroupsForUserResponse, *query.Error) {
	ent, e := authorizeEntity(c, "user", in.UserName, "iam:ListGroupsForUser", nil)
	if e != nil {
		return nil, e
	}
	a := account(c)
	var groups []iamshape.Group
	for _, name := range fileUser(a, ent.name).Groups {
		if g := fileGroup(a, name); g != nil {
			groups = append(groups, groupShape(a.ID, g))
		}
	}
	groups, pg := pageAt(groups, groupName, in.Marker, in.MaxItems)
	res := &iamshape.ListGroupsForUserResponse{Groups: groups}
	res.IsTruncated, res.Marker = pg.typed()
	return res, nil
}

func groupName(g iamshape.Group) string { return g.GroupName }
