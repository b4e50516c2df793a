package iam

import (
	"strings"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape/iamshape"
	"github.com/iamgate/iamgate/world"
)

func init() {
	registerTyped("CreateUser", CreateUser)
	registerTyped("GetUser", GetUser)
	registerTyped("ListUsers", ListUsers)
	registerTyped("UpdateUser", UpdateUser)
	registerTyped("DeleteUser", DeleteUser)
}

// checkBoundary checks a permissions boundary ARN: an AWS managed policy or
// one of the caller's account that exists; another account's policy is
// answered as one that is not there (IAM: "Scope ARN ... does not exist or
// is not attachable").
func checkBoundary(c *api.Call, ref string) *query.Error {
	if ref == "" {
		return nil
	}
	if _, ok := usablePolicy(c, ref); !ok {
		return iamerr.NoSuchEntity("Scope ARN: %s does not exist or is not attachable.", ref)
	}
	return nil
}

// CreateUser creates an IAM user, optionally with a path, a permissions
// boundary and tags (iam:CreateUser; with tags also iam:TagUser).
func CreateUser(c *api.Call, in *iamshape.CreateUserRequest) (*iamshape.CreateUserResponse, *query.Error) {
	name := in.UserName
	path := cleanPath(in.Path)
	bnd := in.PermissionsBoundary
	tags := tagPairs(in.Tags)
	if e := authorizeCreateWith(c, "user", path, name, bnd, tags); e != nil {
		return nil, e
	}
	// The transaction sees only the entities it names: a name taken in
	// another case is looked for in the whole account first.
	if nameTaken(account(c), "user", name, "") {
		return nil, iamerr.EntityAlreadyExists("User with name %s already exists.", name)
	}
	var out world.FileUser
	e := updateEntities(c, refs("user", name), func(a *world.FileAccount) *query.Error {
		if nameTaken(a, "user", name, "") {
			return iamerr.EntityAlreadyExists("User with name %s already exists.", name)
		}
		out = world.FileUser{Name: name, Path: path, ID: newID("AIDA"), PermissionsBoundary: bnd, Created: c.Now, Tags: tagMap(tags)}
		a.Users = append(a.Users, out)
		return nil
	})
	if e != nil {
		return nil, e
	}
	u := userTyped(c.Account(), &out)
	return &iamshape.CreateUserResponse{User: &u}, nil
}

func tagMap(tags [][2]string) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := map[string]string{}
	for _, t := range tags {
		m[t[0]] = t[1]
	}
	return m
}

func fileUser(a *world.FileAccount, name string) *world.FileUser {
	for i := range a.Users {
		if a.Users[i].Name == name {
			return &a.Users[i]
		}
	}
	return nil
}

// authorizeUser authorizes an action on a user, then finds it: IAM
// authorizes before it looks, so that a caller without the permission gets
// AccessDenied whether or not the user exists. An existing user is
// authorized on its ARN with its path, a missing one on the ARN without a
// path (the only one the caller can know).
func authorizeUser(c *api.Call, action, name string) (*world.FileUser, *query.Error) {
	return authorizeUserWith(c, action, name, nil)
}

// authorizeUserWith is authorizeUser with extra context keys.
func authorizeUserWith(c *api.Call, action, name string, extra map[string][]string) (*world.FileUser, *query.Error) {
	u := fileUser(account(c), name)
	arn := iamARN(c.Account(), "user", "/", name)
	if u != nil {
		arn = iamARN(c.Account(), "user", u.Path, name)
	}
	if e := c.Authorize(action, arn, extra); e != nil {
		return nil, e
	}
	if u == nil {
		return nil, noSuch("user", name)
	}
	return u, nil
}

// GetUser returns a user; without UserName, the calling user.
func GetUser(c *api.Call, in *iamshape.GetUserRequest) (*iamshape.GetUserResponse, *query.Error) {
	name, e := callerUser(c, in.UserName)
	if e != nil {
		return nil, e
	}
	u, e := authorizeUser(c, "iam:GetUser", name)
	if e != nil {
		return nil, e
	}
	out := userTyped(c.Account(), u)
	return &iamshape.GetUserResponse{User: &out}, nil
}

// ListUsers lists users under a path prefix.
func ListUsers(c *api.Call, in *iamshape.ListUsersRequest) (*iamshape.ListUsersResponse, *query.Error) {
	prefix := cleanPath(in.PathPrefix)
	if e := c.Authorize("iam:ListUsers", iamARN(c.Account(), "user", "/", ""), nil); e != nil {
		return nil, e
	}
	a := account(c)
	var users []iamshape.User
	for i := range a.Users {
		if strings.HasPrefix(cleanPath(a.Users[i].Path), prefix) {
			users = append(users, listedUser(c.Account(), &a.Users[i]))
		}
	}
	users, pg := pageAt(users, func(u iamshape.User) string { return u.UserName }, in.Marker, in.MaxItems)
	res := &iamshape.ListUsersResponse{Users: users}
	res.IsTruncated, res.Marker = pg.typed()
	return res, nil
}

// UpdateUser renames a user or changes its path.
func UpdateUser(c *api.Call, in *iamshape.UpdateUserRequest) (*noOutput, *query.Error) {
	name := in.UserName
	newName := in.NewUserName
	newPath := in.NewPath
	src, e := authorizeUser(c, "iam:UpdateUser", name)
	if e != nil {
		return nil, e
	}
	if e := authorizeTarget(c, "iam:UpdateUser", "user", src.Path, name, newPath, newName); e != nil {
		return nil, e
	}
	if newName != "" && nameTaken(account(c), "user", newName, name) {
		return nil, iamerr.EntityAlreadyExists("User with name %s already exists.", newName)
	}
	var also api.TxWrite
	if newName != "" && newName != name {
		// The keys, login profile, devices and service credentials move
		// with the user, in its transaction.
		also = api.Writes(c.State.Credentials().RenameUser(c.Account(), name, newName), c.State.Keys().RenameUser(c.Account(), name, newName))
	}
	e = c.State.UpdateEntitiesAnd(c.Ctx, c.Account(), refs("user", name, newName), func(a *world.FileAccount) *query.Error {
		u := fileUser(a, name)
		if u == nil {
			return noSuch("user", name)
		}
		if newName != "" && newName != name {
			if nameTaken(a, "user", newName, name) {
				return iamerr.EntityAlreadyExists("User with name %s already exists.", newName)
			}
			u.Name = newName
		}
		if newPath != "" {
			u.Path = newPath
		}
		return nil
	}, also)
	if e != nil {
		return nil, e
	}
	return nil, nil
}

// authorizeTarget authorizes a rename or move on the target object too:
// "To change a user name, the requester must have appropriate permissions
// on both the source object and the target object" (the IAM API
// Reference, UpdateUser; UpdateGroup says the same of groups). The target
// is the entity under its new path and name (the old ones where not
// changed); nothing more is asked when neither changes.
func authorizeTarget(c *api.Call, action, kind, path, name, newPath, newName string) *query.Error {
	if (newName == "" || newName == name) && (newPath == "" || newPath == cleanPath(path)) {
		return nil
	}
	if newName == "" {
		newName = name
	}
	if newPath == "" {
		newPath = path
	}
	return c.Authorize(action, iamARN(c.Account(), kind, newPath, newName), nil)
}

// DeleteUser deletes a user that has no access keys, policies or group
// memberships left (IAM's DeleteConflict otherwise).
func DeleteUser(c *api.Call, in *iamshape.DeleteUserRequest) (*noOutput, *query.Error) {
	name := in.UserName
	if _, e := authorizeUser(c, "iam:DeleteUser", name); e != nil {
		return nil, e
	}
	keys, err := c.State.Keys().ListAccessKeys(c.Ctx, c.Account(), name)
	if err != nil {
		return nil, awserr.Lower(err, "could not read access keys: %v", err)
	}
	if len(keys) > 0 {
		return nil, iamerr.DeleteConflict("Cannot delete entity, must delete access keys first.")
	}
	has, e := hasServiceCredentials(c, name)
	if e != nil {
		return nil, e
	}
	if has {
		// iamgate's wording, in the form of the others.
		return nil, iamerr.DeleteConflict("Cannot delete entity, must delete service specific credentials first.")
	}
	return nil, updateEntities(c, refs("user", name), func(a *world.FileAccount) *query.Error {
		for i := range a.Users {
			u := &a.Users[i]
			if u.Name != name {
				continue
			}
			switch {
			case len(u.Policies) > 0:
				return iamerr.DeleteConflict("Cannot delete entity, must delete policies first.")
			case len(u.ManagedPolicies) > 0:
				return iamerr.DeleteConflict("Cannot delete entity, must detach all policies first.")
			case len(u.Groups) > 0:
				return iamerr.DeleteConflict("Cannot delete entity, must remove users from group first.")
			case u.LoginProfile:
				// The real IAM's words, as CloudFormation relays them
				// ("Cannot delete entity, must delete login profile first.
				// (Service: Iam, Status Code: 409, ...)").
				return iamerr.DeleteConflict("Cannot delete entity, must delete login profile first.")
			case len(u.MFADevices) > 0:
				return iamerr.DeleteConflict("Cannot delete entity, must delete MFA device first.")
			case len(u.SSHPublicKeys) > 0:
				// iamgate's wording, in the form of the others (AWS's is
				// not published).
				return iamerr.DeleteConflict("Cannot delete entity, must delete SSH public keys first.")
			case len(u.SigningCertificates) > 0:
				return iamerr.DeleteConflict("Cannot delete entity, must delete signing certificates first.")
			}
			a.Users = append(a.Users[:i], a.Users[i+1:]...)
			return nil
		}
		return noSuch("user", name)
	})
}
