package iam

import (
	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/iamshape"
)

func init() {
	registerTyped("CreateAccessKey", CreateAccessKey)
	registerTyped("ListAccessKeys", ListAccessKeys)
	registerTyped("UpdateAccessKey", UpdateAccessKey)
	registerTyped("DeleteAccessKey", DeleteAccessKey)
	registerTyped("GetAccessKeyLastUsed", GetAccessKeyLastUsed)
}

// maxAccessKeys is IAM's quota of access keys per user.
const maxAccessKeys = 2

// keyUser finds the user a key request is about (its UserName, or the
// calling user) and authorizes the action on it.
func keyUser(c *api.Call, action, userName string) (string, *query.Error) {
	name, e := callerUser(c, userName)
	if e != nil {
		return "", e
	}
	if _, e := authorizeUser(c, action, name); e != nil {
		return "", e
	}
	return name, nil
}

// CreateAccessKey creates an access key for a user (two at most). The
// secret is returned only here.
func CreateAccessKey(c *api.Call, in *iamshape.CreateAccessKeyRequest) (*iamshape.CreateAccessKeyResponse, *query.Error) {
	name, e := keyUser(c, "iam:CreateAccessKey", in.UserName)
	if e != nil {
		return nil, e
	}
	keys := c.State.Keys()
	have, err := keys.ListAccessKeys(c.Ctx, c.Account(), name)
	if err != nil {
		return nil, awserr.Lower(err, "could not read access keys: %v", err)
	}
	if len(have) >= maxAccessKeys {
		return nil, iamerr.LimitExceeded("Cannot exceed quota for AccessKeysPerUser: %d", maxAccessKeys)
	}
	k, err := keys.CreateAccessKey(c.Ctx, c.Account(), name)
	if err != nil {
		return nil, awserr.Lower(err, "could not create the access key: %v", err)
	}
	return &iamshape.CreateAccessKeyResponse{AccessKey: &iamshape.AccessKey{UserName: name, AccessKeyId: k.ID, Status: k.Status,
		SecretAccessKey: k.Secret, CreateDate: createdAt(k.Created)}}, nil
}

// ListAccessKeys lists a user's access keys, without secrets.
func ListAccessKeys(c *api.Call, in *iamshape.ListAccessKeysRequest) (*iamshape.ListAccessKeysResponse, *query.Error) {
	name, e := keyUser(c, "iam:ListAccessKeys", in.UserName)
	if e != nil {
		return nil, e
	}
	have, err := c.State.Keys().ListAccessKeys(c.Ctx, c.Account(), name)
	if err != nil {
		return nil, awserr.Lower(err, "could not read access keys: %v", err)
	}
	var out []iamshape.AccessKeyMetadata
	for _, k := range have {
		out = append(out, iamshape.AccessKeyMetadata{UserName: name, AccessKeyId: k.ID, Status: k.Status, CreateDate: createdAt(k.Created)})
	}
	out, pg := pageAt(out, func(k iamshape.AccessKeyMetadata) string { return k.AccessKeyId }, in.Marker, in.MaxItems)
	res := &iamshape.ListAccessKeysResponse{AccessKeyMetadata: out}
	res.IsTruncated, res.Marker = pg.typed()
	return res, nil
}

// ownKey finds key id of the user a request is about.
func ownKey(c *api.Call, action, userName, id string) (string, *query.Error) {
	name, e := keyUser(c, action, userName)
	if e != nil {
		return "", e
	}
	k, ok, err := c.State.Keys().AccessKey(c.Ctx, id)
	if err != nil {
		return "", awserr.Lower(err, "could not read the access key: %v", err)
	}
	if !ok || k.Account != c.Account() || k.User != name {
		return "", iamerr.NoSuchEntity("The Access Key with id %s cannot be found.", id)
	}
	return id, nil
}

// UpdateAccessKey makes a key Active or Inactive.
func UpdateAccessKey(c *api.Call, in *iamshape.UpdateAccessKeyRequest) (*noOutput, *query.Error) {
	status := in.Status
	if e := settableStatus(status); e != nil {
		return nil, e
	}
	id, e := ownKey(c, "iam:UpdateAccessKey", in.UserName, in.AccessKeyId)
	if e != nil {
		return nil, e
	}
	if err := c.State.Keys().UpdateAccessKey(c.Ctx, id, status); err != nil {
		return nil, awserr.Lower(err, "could not update the access key: %v", err)
	}
	return nil, nil
}

// DeleteAccessKey deletes a key.
func DeleteAccessKey(c *api.Call, in *iamshape.DeleteAccessKeyRequest) (*noOutput, *query.Error) {
	id, e := ownKey(c, "iam:DeleteAccessKey", in.UserName, in.AccessKeyId)
	if e != nil {
		return nil, e
	}
	if err := c.State.Keys().DeleteAccessKey(c.Ctx, id); err != nil {
		return nil, awserr.Lower(err, "could not delete the access key: %v", err)
	}
	return nil, nil
}

// GetAccessKeyLastUsed tells when, where and with which service a key was
// last used ("N/A" when never).
func GetAccessKeyLastUsed(c *api.Call, in *iamshape.GetAccessKeyLastUsedRequest) (*iamshape.GetAccessKeyLastUsedResponse, *query.Error) {
	id := in.AccessKeyId
	k, ok, err := c.State.Keys().AccessKey(c.Ctx, id)
	if err != nil {
		return nil, awserr.Lower(err, "could not read the access key: %v", err)
	}
	// Authorized on the key's user (the Service Authorization Reference:
	// GetAccessKeyLastUsed, resource type user) before a missing key is
	// reported. A key that is not the account's, or not at all, has no user:
	// it is authorized on every user of the account, so that only a caller
	// who may read any of them learns that it is not there; another
	// account's key is never read.
	found := ok && k.Account == c.Account()
	res := iamARN(c.Account(), "user", "/", "*")
	if found {
		path := "/"
		if u := fileUser(account(c), k.User); u != nil {
			path = u.Path
		}
		res = iamARN(c.Account(), "user", path, k.User)
	}
	if e := c.Authorize("iam:GetAccessKeyLastUsed", res, nil); e != nil {
		return nil, e
	}
	if !found {
		return nil, iamerr.NoSuchEntity("The Access Key with id %s cannot be found.", id)
	}
	lu := &iamshape.AccessKeyLastUsed{ServiceName: "N/A", Region: "N/A"}
	if !k.LastUsed.IsZero() {
		lu = &iamshape.AccessKeyLastUsed{LastUsedDate: shape.At(k.LastUsed), ServiceName: k.LastService, Region: k.LastRegion}
	}
	return &iamshape.GetAccessKeyLastUsedResponse{UserName: k.User, AccessKeyLastUsed: lu}, nil
}
