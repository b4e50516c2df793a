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
		"CreateGroup": CreateGroup, "GetGroup": GetGroup, "ListGroups": ListGroups, "UpdateGroup": UpdateGroup, "DeleteGroup": DeleteGroup,
		"AddUserToGroup": AddUserToGroup, "RemoveUserFromGroup": RemoveUserFromGroup, "ListGroupsForUser": ListGroupsForUser,
	})
}

// maxGroupsPerUser is IAM's quota (the IAM User Guide, "IAM and AWS STS
// quotas").
const maxGroupsPerUser = 10

func groupShape(acct string, g *world.FileGroup) group {
	return group{Path: cleanPath(g.Path), GroupName: g.Name, GroupID: g.ID, Arn: iamARN(acct, "group", g.Path, g.Name), CreateDate: timestamp(g.Created)}
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
func CreateGroup(c *api.Call) (any, *query.Error) {
	name := c.Params.Get("GroupName")
	path := cleanPath(c.Params.Get("Path"))
	if e := c.Authorize("iam:CreateGroup", iamARN(c.Account(), "group", path, name), nil); e != nil {
		return nil, e
	}
	var out world.FileGroup
	e := updateEntities(c, refs("group", name), func(a *world.FileAccount) *query.Error {
		if fileGroup(a, name) != nil {
			return query.Errorf("EntityAlreadyExists", "Group with name %s already exists.", name)
		}
		out = world.FileGroup{Name: name, Path: path, ID: newID("AGPA"), Created: c.Now}
		a.Groups = append(a.Groups, out)
		return nil
	})
	if e != nil {
		return nil, e
	}
	return struct {
		Group group `xml:"Group"`
	}{groupShape(c.Account(), &out)}, nil
}

// GetGroup returns a group and its users.
func GetGroup(c *api.Call) (any, *query.Error) {
	ent, e := lookup(c, "group", "iam:GetGroup", nil)
	if e != nil {
		return nil, e
	}
	a := account(c)
	var users []user
	for i := range a.Users {
		if slices.Contains(a.Users[i].Groups, ent.name) {
			u := userShape(a.ID, &a.Users[i])
			u.Tags, u.PermissionsBoundary = nil, nil
			users = append(users, u)
		}
	}
	users, pg, e := pageOf(users, func(u user) string { return u.UserName }, c.Params)
	if e != nil {
		return nil, e
	}
	return struct {
		Group group  `xml:"Group"`
		Users []user `xml:"Users>member"`
		listPage
	}{groupShape(a.ID, fileGroup(a, ent.name)), users, pg}, nil
}

// ListGroups lists groups under a path prefix.
func ListGroups(c *api.Call) (any, *query.Error) {
	prefix := pathPrefix(c)
	if e := c.Authorize("iam:ListGroups", iamARN(c.Account(), "group", "/", ""), nil); e != nil {
		return nil, e
	}
	a := account(c)
	var groups []group
	for i := range a.Groups {
		if strings.HasPrefix(cleanPath(a.Groups[i].Path), prefix) {
			groups = append(groups, groupShape(a.ID, &a.Groups[i]))
		}
	}
	groups, pg, e := pageOf(groups, func(g group) string { return g.GroupName }, c.Params)
	if e != nil {
		return nil, e
	}
	return struct {
		Groups []group `xml:"Groups>member"`
		listPage
	}{groups, pg}, nil
}

// UpdateGroup renames a group or changes its path; members follow.
func UpdateGroup(c *api.Call) (any, *query.Error) {
	newName := c.Params.Get("NewGroupName")
	newPath := c.Params.Get("NewPath")
	ent, e := lookup(c, "group", "iam:UpdateGroup", nil)
	if e != nil {
		return nil, e
	}
	return nil, update(c, func(a *world.FileAccount) *query.Error {
		g := fileGroup(a, ent.name)
		if g == nil {
			return noSuch("group", ent.name)
		}
		if newName != "" && newName != ent.name {
			if fileGroup(a, newName) != nil {
				return query.Errorf("EntityAlreadyExists", "Group with name %s already exists.", newName)
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
func DeleteGroup(c *api.Call) (any, *query.Error) {
	ent, e := lookup(c, "group", "iam:DeleteGroup", nil)
	if e != nil {
		return nil, e
	}
	return nil, update(c, func(a *world.FileAccount) *query.Error {
		for _, u := range a.Users {
			if slices.Contains(u.Groups, ent.name) {
				return query.Errorf("DeleteConflict", "Cannot delete entity, must remove users from group first.")
			}
		}
		for i := range a.Groups {
			g := &a.Groups[i]
			if g.Name != ent.name {
				continue
			}
			switch {
			case len(g.Policies) > 0:
				return query.Errorf("DeleteConflict", "Cannot delete entity, must delete policies first.")
			case len(g.ManagedPolicies) > 0:
				return query.Errorf("DeleteConflict", "Cannot delete entity, must detach all policies first.")
			}
			a.Groups = append(a.Groups[:i], a.Groups[i+1:]...)
			return nil
		}
		return noSuch("group", ent.name)
	})
}

func membership(c *api.Call, action string) (groupName, userName string, e *query.Error) {
	ent, e := lookup(c, "group", action, nil)
	if e != nil {
		return "", "", e
	}
	userName = c.Params.Get("UserName")
	if fileUser(account(c), userName) == nil {
		return "", "", noSuch("user", userName)
	}
	return ent.name, userName, nil
}

// AddUserToGroup adds a user to a group (at most 10 groups per user).
func AddUserToGroup(c *api.Call) (any, *query.Error) {
	g, u, e := membership(c, "iam:AddUserToGroup")
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
			return query.Errorf("LimitExceeded", "Cannot exceed quota for GroupsPerUser: %d", maxGroupsPerUser)
		}
		fu.Groups = append(fu.Groups, g)
		return nil
	})
}

// RemoveUserFromGroup removes a user from a group.
func RemoveUserFromGroup(c *api.Call) (any, *query.Error) {
	g, u, e := membership(c, "iam:RemoveUserFromGroup")
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
			return query.Errorf("NoSuchEntity", "The user with name %s is not in group %s.", u, g)
		}
		fu.Groups = slices.Delete(fu.Groups, i, i+1)
		return nil
	})
}

// ListGroupsForUser lists the groups a user is in.
func ListGroupsForUser(c *api.Call) (any, *query.Error) {
	ent, e := lookup(c, "user", "iam:ListGroupsForUser", nil)
	if e != nil {
		return nil, e
	}
	a := account(c)
	var groups []group
	for _, name := range fileUser(a, ent.name).Groups {
		if g := fileGroup(a, name); g != nil {
			groups = append(groups, groupShape(a.ID, g))
		}
	}
	groups, pg, e := pageOf(groups, func(g group) string { return g.GroupName }, c.Params)
	if e != nil {
		return nil, e
	}
	return struct {
		Groups []group `xml:"Groups>member"`
		listPage
	}{groups, pg}, nil
}
