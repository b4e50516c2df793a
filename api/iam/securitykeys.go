package iam

import (
	"crypto/rand"
	"encoding/base32"
	"regexp"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/world"
)

// FIDO security keys. IAM has no API operation that registers one: the
// AWS console does it (the WebAuthn ceremony runs in the browser), and the
// key then is one of the user's MFA devices, in ListMFADevices and
// GetMFADevice, never in ListVirtualMFADevices. Its serial number is
// arn:aws:iam::ACCOUNT:u2f/user/USER/NAME-ID, NAME the name given to the
// key and ID 26 characters of base32 (the AWS CLI's examples of
// get-mfa-device and list-mfa-devices:
// "arn:aws:iam::123456789012:u2f/user/alice/fidokeyname-EXAMPLEBN5FHTECLFG7EXAMPLE").

// maxMFADevicesPerUser is IAM's quota (IAM User Guide, "IAM and AWS STS
// quotas": "MFA devices in use per user: 8").
const maxMFADevicesPerUser = 8

// securityKeyName is what a key's name may be: the characters of an MFA
// device name (the botocore model's virtualMFADeviceName, [\w+=,.@-]+),
// at most 64 of them (iamgate's bound; the console AWS offers names
// devices with up to 64 characters).
var securityKeyName = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

// EnableSecurityKey makes a FIDO security key, whose credential record key
// the console's WebAuthn ceremony produced, an MFA device of the user,
// authorized as iam:EnableMFADevice on the user's ARN (as AWS's console
// authorizes it: a user for itself, or an administrator for another user
// of the account, with the key in the administrator's browser). It returns
// the key's serial number.
func EnableSecurityKey(c *api.Call, user, name string, key []byte) (string, *query.Error) {
	if _, e := authorizeUser(c, "iam:EnableMFADevice", user); e != nil {
		return "", e
	}
	if !securityKeyName.MatchString(name) {
		return "", awserr.ValidationError("The security key's name must be 1 to 64 letters, digits or +=,.@_- characters.")
	}
	if len(key) == 0 {
		return "", awserr.ValidationError("The security key's credential is missing.")
	}
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", iamerr.ServiceFailure("%v", err)
	}
	serial := "arn:aws:iam::" + c.Account() + ":u2f/user/" + user + "/" + name + "-" +
		base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(id[:])
	d := api.MFADevice{Serial: serial, Account: c.Account(), Name: name, Path: "/", User: user, Created: c.Now, Enabled: c.Now, SecurityKey: key}
	e := c.State.UpdateEntitiesAnd(c.Ctx, c.Account(), refs("user", user), func(a *world.FileAccount) *query.Error {
		u := fileUser(a, user)
		if u == nil {
			return noSuch("user", user)
		}
		if len(u.MFADevices) >= maxMFADevicesPerUser {
			return iamerr.LimitExceeded("Cannot exceed quota for MFADevicesPerUser: %d", maxMFADevicesPerUser)
		}
		u.MFADevices = append(u.MFADevices, serial)
		return nil
	}, c.State.Credentials().PutMFADevice(d))
	if e != nil {
		return "", e
	}
	return serial, nil
}
