package iam

import (
	"errors"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/iamshape"
	"github.com/iamgate/iamgate/credential"
	"github.com/iamgate/iamgate/world"
)

func init() {
	registerTyped("CreateVirtualMFADevice", CreateVirtualMFADevice)
	registerTyped("EnableMFADevice", EnableMFADevice)
	registerTyped("ResyncMFADevice", ResyncMFADevice)
	registerTyped("DeactivateMFADevice", DeactivateMFADevice)
	registerTyped("DeleteVirtualMFADevice", DeleteVirtualMFADevice)
	registerTyped("ListMFADevices", ListMFADevices)
	registerTyped("ListVirtualMFADevices", ListVirtualMFADevices)
	registerTyped("GetMFADevice", GetMFADevice)
	registerTyped("TagMFADevice", TagMFADevice)
	registerTyped("UntagMFADevice", UntagMFADevice)
	registerTyped("ListMFADeviceTags", ListMFADeviceTags)
}

// mfaIssuer is the issuer an authenticator application shows for the QR
// code's account, as for AWS's devices.
const mfaIssuer = "Amazon Web Services"

func noDevice(serial string) *query.Error {
	return iamerr.NoSuchEntity("VirtualMFADevice with serial number %s doesn't exist.", serial)
}

func invalidCode() *query.Error {
	// The real IAM's words (InvalidAuthenticationCode, quoted in a public
	// repository's tests of an IAM-compatible service and in users' notes).
	return iamerr.InvalidAuthenticationCode("Authentication code for device is not valid.")
}

// deviceOf reads an account's device by serial number; another account's
// device is one that does not exist.
func deviceOf(c *api.Call, serial string) (api.MFADevice, bool, *query.Error) {
	d, ok, err := c.State.Credentials().MFADevice(c.Ctx, serial)
	if err != nil {
		return api.MFADevice{}, false, iamerr.ServiceFailure("could not read the MFA device: %v", err)
	}
	if !ok || d.Account != c.Account() {
		return api.MFADevice{}, false, nil
	}
	return d, true, nil
}

// CreateVirtualMFADevice makes a virtual MFA device and returns its seed,
// in base32 and as a QR code: the only time either is shown.
func CreateVirtualMFADevice(c *api.Call, in *iamshape.CreateVirtualMFADeviceRequest) (*iamshape.CreateVirtualMFADeviceResponse, *query.Error) {
	name := in.VirtualMFADeviceName
	path := cleanPath(in.Path)
	tags := tagPairs(in.Tags)
	tctx, e := tagContext(tags, 0)
	if e != nil {
		return nil, e
	}
	serial := "arn:aws:iam::" + c.Account() + ":mfa" + path + name
	if e := c.Authorize("iam:CreateVirtualMFADevice", serial, tctx); e != nil {
		return nil, e
	}
	seed, err := credential.NewSeed()
	if err != nil {
		return nil, iamerr.ServiceFailure("%v", err)
	}
	label := name + "@" + c.Account()
	png, err := credential.QRCodePNG(mfaIssuer, label, seed)
	if err != nil {
		return nil, iamerr.ServiceFailure("%v", err)
	}
	d := api.MFADevice{Serial: serial, Account: c.Account(), Name: name, Path: path, Seed: seed, Created: c.Now, Tags: tagMap(tags)}
	if err := c.State.Credentials().CreateMFADevice(c.Ctx, d); err != nil {
		if errors.Is(err, credential.ErrMFADeviceExists) {
			return nil, iamerr.EntityAlreadyExists("MFADevice entity at the same path and name already exists.")
		}
		return nil, iamerr.ServiceFailure("could not store the MFA device: %v", err)
	}
	// Blobs (shape.Blob) are base64 in the Query protocol's XML: the seed
	// is the base32 text, so the client decodes it back to that text.
	return &iamshape.CreateVirtualMFADeviceResponse{VirtualMFADevice: &iamshape.VirtualMFADevice{SerialNumber: serial,
		Base32StringSeed: shape.Blob(seed), QRCodePNG: png, Tags: tagShapes(d.Tags)}}, nil
}

// deviceUser authorizes an action on the user a device request names and
// checks the user exists.
func deviceUser(c *api.Call, action, name string) (string, *query.Error) {
	if _, e := authorizeUser(c, action, name); e != nil {
		return "", e
	}
	return name, nil
}

// EnableMFADevice assigns a virtual device to a user once two consecutive
// codes from it are right (iam:EnableMFADevice on the user).
func EnableMFADevice(c *api.Call, in *iamshape.EnableMFADeviceRequest) (*noOutput, *query.Error) {
	serial := in.SerialNumber
	code1, code2 := in.AuthenticationCode1, in.AuthenticationCode2
	name, e := deviceUser(c, "iam:EnableMFADevice", in.UserName)
	if e != nil {
		return nil, e
	}
	d, ok, e := deviceOf(c, serial)
	if e != nil {
		return nil, e
	}
	if !ok {
		return nil, noDevice(serial)
	}
	if d.User != "" {
		return nil, iamerr.EntityAlreadyExists("MFA Device is already in use.")
	}
	counter, drift, ok := credential.VerifyPair(d.Seed, code1, code2, c.Now)
	if !ok {
		return nil, invalidCode()
	}
	d.User, d.Enabled, d.LastCounter, d.Drift = name, c.Now, counter, drift
	return nil, c.State.UpdateEntitiesAnd(c.Ctx, c.Account(), refs("user", name), func(a *world.FileAccount) *query.Error {
		u := fileUser(a, name)
		if u == nil {
			return noSuch("user", name)
		}
		for _, s := range u.MFADevices {
			if s == serial {
				return iamerr.EntityAlreadyExists("MFA Device is already in use.")
			}
		}
		u.MFADevices = append(u.MFADevices, serial)
		return nil
	}, c.State.Credentials().PutMFADevice(d))
}

// userDevice reads a device enabled for the named user.
func userDevice(c *api.Call, name, serial string) (api.MFADevice, *query.Error) {
	d, ok, e := deviceOf(c, serial)
	if e != nil {
		return api.MFADevice{}, e
	}
	if !ok || d.User != name {
		return api.MFADevice{}, iamerr.NoSuchEntity("MFA Device with serial number %s does not exist.", serial)
	}
	return d, nil
}

// ResyncMFADevice brings a device whose clock drifted back in step, from
// two consecutive codes.
func ResyncMFADevice(c *api.Call, in *iamshape.ResyncMFADeviceRequest) (*noOutput, *query.Error) {
	serial := in.SerialNumber
	code1, code2 := in.AuthenticationCode1, in.AuthenticationCode2
	name, e := deviceUser(c, "iam:ResyncMFADevice", in.UserName)
	if e != nil {
		return nil, e
	}
	d, e := userDevice(c, name, serial)
	if e != nil {
		return nil, e
	}
	counter, drift, ok := credential.VerifyPair(d.Seed, code1, code2, c.Now)
	if !ok || counter <= d.LastCounter || d.IsSecurityKey() {
		return nil, invalidCode()
	}
	d.LastCounter, d.Drift = counter, drift
	return nil, c.State.UpdateEntitiesAnd(c.Ctx, c.Account(), refs("user", name), func(a *world.FileAccount) *query.Error {
		if fileUser(a, name) == nil {
			return noSuch("user", name)
		}
		return nil
	}, c.State.Credentials().PutMFADevice(d))
}

// DeactivateMFADevice takes a device from its user; the device stays, to
// be enabled again or deleted.
func DeactivateMFADevice(c *api.Call, in *iamshape.DeactivateMFADeviceRequest) (*noOutput, *query.Error) {
	serial := in.SerialNumber
	name, e := callerUser(c, in.UserName)
	if e != nil {
		return nil, e
	}
	if _, e := authorizeUser(c, "iam:DeactivateMFADevice", name); e != nil {
		return nil, e
	}
	d, e := userDevice(c, name, serial)
	if e != nil {
		return nil, e
	}
	d.User, d.Enabled, d.Drift = "", time.Time{}, 0
	e = c.State.UpdateEntitiesAnd(c.Ctx, c.Account(), refs("user", name), func(a *world.FileAccount) *query.Error {
		u := fileUser(a, name)
		if u == nil {
			return noSuch("user", name)
		}
		kept := u.MFADevices[:0:0]
		for _, s := range u.MFADevices {
			if s != serial {
				kept = append(kept, s)
			}
		}
		u.MFADevices = kept
		return nil
	}, c.State.Credentials().PutMFADevice(d))
	if e != nil || !d.IsSecurityKey() {
		return nil, e
	}
	// A security key taken from its user is gone (IAM has no operation
	// that deletes one or enables it again): iamgate deletes it.
	if err := c.State.Credentials().DeleteMFADevice(c.Ctx, serial); err != nil {
		return nil, iamerr.ServiceFailure("could not delete the security key: %v", err)
	}
	return nil, nil
}

// DeleteVirtualMFADevice deletes a device no user has.
func DeleteVirtualMFADevice(c *api.Call, in *iamshape.DeleteVirtualMFADeviceRequest) (*noOutput, *query.Error) {
	serial := in.SerialNumber
	d, e := taggedDevice(c, "iam:DeleteVirtualMFADevice", serial, nil)
	if e != nil {
		return nil, e
	}
	if d.User != "" {
		return nil, iamerr.DeleteConflict("MFA Device is still in use.")
	}
	if err := c.State.Credentials().DeleteMFADevice(c.Ctx, serial); err != nil {
		return nil, iamerr.ServiceFailure("could not delete the MFA device: %v", err)
	}
	return nil, nil
}

// ListMFADevices lists a user's devices (the caller's without UserName):
// the virtual devices iamgate keeps, and serial numbers a world file gives
// the user (devices iamgate holds no seed for, which no code opens).
func ListMFADevices(c *api.Call, in *iamshape.ListMFADevicesRequest) (*iamshape.ListMFADevicesResponse, *query.Error) {
	name, e := callerUser(c, in.UserName)
	if e != nil {
		return nil, e
	}
	u, e := authorizeUser(c, "iam:ListMFADevices", name)
	if e != nil {
		return nil, e
	}
	devs, err := c.State.Credentials().MFADevices(c.Ctx, c.Account())
	if err != nil {
		return nil, iamerr.ServiceFailure("could not read MFA devices: %v", err)
	}
	enabled := map[string]time.Time{}
	for _, d := range devs {
		if d.User == name {
			enabled[d.Serial] = d.Enabled
		}
	}
	// A serial number a world file gives, with no device behind it, has no
	// enable date: the required member is written as the epoch, as for
	// every required timestamp iamgate does not know.
	var out []iamshape.MFADevice
	for _, s := range u.MFADevices {
		out = append(out, iamshape.MFADevice{UserName: name, SerialNumber: s, EnableDate: createdAt(enabled[s])})
	}
	out, pg := pageAt(out, func(d iamshape.MFADevice) string { return d.SerialNumber }, in.Marker, in.MaxItems)
	res := &iamshape.ListMFADevicesResponse{MFADevices: out}
	res.IsTruncated, res.Marker = pg.typed()
	return res, nil
}

// ListVirtualMFADevices lists the account's virtual devices, by assignment
// status (Assigned, Unassigned or Any).
func ListVirtualMFADevices(c *api.Call, in *iamshape.ListVirtualMFADevicesRequest) (*iamshape.ListVirtualMFADevicesResponse, *query.Error) {
	status := in.AssignmentStatus
	if status == "" {
		status = "Any"
	}
	if e := c.Authorize("iam:ListVirtualMFADevices", "*", nil); e != nil {
		return nil, e
	}
	devs, err := c.State.Credentials().MFADevices(c.Ctx, c.Account())
	if err != nil {
		return nil, iamerr.ServiceFailure("could not read MFA devices: %v", err)
	}
	a := account(c)
	var out []iamshape.VirtualMFADevice
	for _, d := range devs {
		if d.IsSecurityKey() || (status == "Assigned" && d.User == "") || (status == "Unassigned" && d.User != "") {
			continue
		}
		v := iamshape.VirtualMFADevice{SerialNumber: d.Serial, Tags: tagShapes(d.Tags)}
		if d.User != "" {
			v.EnableDate = createdAt(d.Enabled)
			if u := fileUser(a, d.User); u != nil {
				s := listedUser(c.Account(), u)
				v.User = &s
			}
		}
		out = append(out, v)
	}
	out, pg := pageAt(out, func(d iamshape.VirtualMFADevice) string { return d.SerialNumber }, in.Marker, in.MaxItems)
	res := &iamshape.ListVirtualMFADevicesResponse{VirtualMFADevices: out}
	res.IsTruncated, res.Marker = pg.typed()
	return res, nil
}

// GetMFADevice describes a device of a user (iam:GetMFADevice on the
// user).
func GetMFADevice(c *api.Call, in *iamshape.GetMFADeviceRequest) (*iamshape.GetMFADeviceResponse, *query.Error) {
	serial := in.SerialNumber
	name, e := callerUser(c, in.UserName)
	if e != nil {
		return nil, e
	}
	if _, e := authorizeUser(c, "iam:GetMFADevice", name); e != nil {
		return nil, e
	}
	d, e := userDevice(c, name, serial)
	if e != nil {
		return nil, e
	}
	return &iamshape.GetMFADeviceResponse{UserName: name, SerialNumber: serial, EnableDate: createdAt(d.Enabled)}, nil
}

// taggedDevice authorizes an action on a device and reads it: the
// device's tags are aws:ResourceTag/* of the request (the Service
// Authorization Reference, IAM, resource type mfa) when it is the
// caller's account's, and a caller the policies refuse learns nothing of
// whether it exists.
func taggedDevice(c *api.Call, action, serial string, extra map[string][]string) (api.MFADevice, *query.Error) {
	d, ok, e := deviceOf(c, serial)
	if e != nil {
		return api.MFADevice{}, e
	}
	if e := c.Authorize(action, serial, withResourceTags(extra, ok, d.Tags)); e != nil {
		return api.MFADevice{}, e
	}
	// A security key is no virtual device: these operations know none.
	if !ok || d.IsSecurityKey() {
		return api.MFADevice{}, noDevice(serial)
	}
	return d, nil
}

// withResourceTags is extra plus, when found, tags as aws:ResourceTag/*.
func withResourceTags(extra map[string][]string, found bool, tags map[string]string) map[string][]string {
	if !found || len(tags) == 0 {
		return extra
	}
	ctx := make(map[string][]string, len(extra)+len(tags))
	for k, v := range extra {
		ctx[k] = v
	}
	for k, v := range tags {
		ctx["aws:ResourceTag/"+k] = []string{v}
	}
	return ctx
}

// TagMFADevice adds or replaces tags of a virtual device.
func TagMFADevice(c *api.Call, in *iamshape.TagMFADeviceRequest) (*noOutput, *query.Error) {
	tags := tagPairs(in.Tags)
	tctx, e := tagContext(tags, 0)
	if e != nil {
		return nil, e
	}
	d, e := taggedDevice(c, "iam:TagMFADevice", in.SerialNumber, tctx)
	if e != nil {
		return nil, e
	}
	if d.Tags, e = withTags(d.Tags, tags); e != nil {
		return nil, e
	}
	return nil, putDevice(c, d)
}

// UntagMFADevice removes tags of a virtual device.
func UntagMFADevice(c *api.Call, in *iamshape.UntagMFADeviceRequest) (*noOutput, *query.Error) {
	keys := []string(in.TagKeys)
	d, e := taggedDevice(c, "iam:UntagMFADevice", in.SerialNumber, map[string][]string{"aws:TagKeys": keys})
	if e != nil {
		return nil, e
	}
	d.Tags = withoutTags(d.Tags, keys)
	return nil, putDevice(c, d)
}

// ListMFADeviceTags lists a virtual device's tags.
func ListMFADeviceTags(c *api.Call, in *iamshape.ListMFADeviceTagsRequest) (*iamshape.ListMFADeviceTagsResponse, *query.Error) {
	d, e := taggedDevice(c, "iam:ListMFADeviceTags", in.SerialNumber, nil)
	if e != nil {
		return nil, e
	}
	res := &iamshape.ListMFADeviceTagsResponse{}
	res.Tags, res.IsTruncated, res.Marker = tagsPageAt(d.Tags, in.Marker, in.MaxItems)
	return res, nil
}

// putDevice stores a device's changed tags, in a transaction of its own
// (tags are not part of the world).
func putDevice(c *api.Call, d api.MFADevice) *query.Error {
	return c.State.UpdateEntitiesAnd(c.Ctx, c.Account(), nil, func(*world.FileAccount) *query.Error { return nil }, c.State.Credentials().PutMFADevice(d))
}
