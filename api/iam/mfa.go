package iam

import (
	"encoding/base64"
	"errors"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/credential"
	"github.com/iamgate/iamgate/world"
)

func init() {
	register(map[string]Handler{
		"CreateVirtualMFADevice": CreateVirtualMFADevice, "EnableMFADevice": EnableMFADevice, "ResyncMFADevice": ResyncMFADevice,
		"DeactivateMFADevice": DeactivateMFADevice, "DeleteVirtualMFADevice": DeleteVirtualMFADevice,
		"ListMFADevices": ListMFADevices, "ListVirtualMFADevices": ListVirtualMFADevices, "GetMFADevice": GetMFADevice,
		"TagMFADevice": TagMFADevice, "UntagMFADevice": UntagMFADevice, "ListMFADeviceTags": ListMFADeviceTags,
	})
}

// mfaIssuer is the issuer an authenticator application shows for the QR
// code's account, as for AWS's devices.
const mfaIssuer = "Amazon Web Services"

// codes reads the two authentication codes (the edge has checked them
// against the model's authenticationCodeType).
func codes(c *api.Call) (string, string) {
	return c.Params.Get("AuthenticationCode1"), c.Params.Get("AuthenticationCode2")
}

func noDevice(serial string) *query.Error {
	return query.Errorf("NoSuchEntity", "VirtualMFADevice with serial number %s doesn't exist.", serial)
}

func invalidCode() *query.Error {
	// The real IAM's words (InvalidAuthenticationCode, quoted in a public
	// repository's tests of an IAM-compatible service and in users' notes).
	return query.Errorf("InvalidAuthenticationCode", "Authentication code for device is not valid.")
}

// deviceOf reads an account's device by serial number; another account's
// device is one that does not exist.
func deviceOf(c *api.Call, serial string) (api.MFADevice, bool, *query.Error) {
	d, ok, err := c.State.Credentials().MFADevice(c.Ctx, serial)
	if err != nil {
		return api.MFADevice{}, false, query.Errorf("ServiceFailure", "could not read the MFA device: %v", err)
	}
	if !ok || d.Account != c.Account() {
		return api.MFADevice{}, false, nil
	}
	return d, true, nil
}

type virtualMFADevice struct {
	SerialNumber     string `xml:"SerialNumber"`
	Base32StringSeed string `xml:"Base32StringSeed,omitempty"`
	QRCodePNG        string `xml:"QRCodePNG,omitempty"`
	User             *user  `xml:"User,omitempty"`
	EnableDate       string `xml:"EnableDate,omitempty"`
	Tags             tagSet `xml:"Tags"`
}

// CreateVirtualMFADevice makes a virtual MFA device and returns its seed,
// in base32 and as a QR code: the only time either is shown.
func CreateVirtualMFADevice(c *api.Call) (any, *query.Error) {
	name := c.Params.Get("VirtualMFADeviceName")
	path := cleanPath(c.Params.Get("Path"))
	tags := c.Params.Tags("Tags")
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
		return nil, query.Errorf("ServiceFailure", "%v", err)
	}
	label := name + "@" + c.Account()
	png, err := credential.QRCodePNG(mfaIssuer, label, seed)
	if err != nil {
		return nil, query.Errorf("ServiceFailure", "%v", err)
	}
	d := api.MFADevice{Serial: serial, Account: c.Account(), Name: name, Path: path, Seed: seed, Created: c.Now, Tags: tagMap(tags)}
	if err := c.State.Credentials().CreateMFADevice(c.Ctx, d); err != nil {
		if errors.Is(err, credential.ErrMFADeviceExists) {
			return nil, query.Errorf("EntityAlreadyExists", "MFADevice entity at the same path and name already exists.")
		}
		return nil, query.Errorf("ServiceFailure", "could not store the MFA device: %v", err)
	}
	// Blobs are base64 in the Query protocol's XML.
	return struct {
		VirtualMFADevice virtualMFADevice `xml:"VirtualMFADevice"`
	}{virtualMFADevice{SerialNumber: serial, Base32StringSeed: base64.StdEncoding.EncodeToString([]byte(seed)),
		QRCodePNG: base64.StdEncoding.EncodeToString(png), Tags: tagList(d.Tags)}}, nil
}

// deviceUser authorizes an action on the user a device request names and
// checks the user exists.
func deviceUser(c *api.Call, action string) (string, *query.Error) {
	name := c.Params.Get("UserName")
	if _, e := authorizeUser(c, action, name); e != nil {
		return "", e
	}
	return name, nil
}

// EnableMFADevice assigns a virtual device to a user once two consecutive
// codes from it are right (iam:EnableMFADevice on the user).
func EnableMFADevice(c *api.Call) (any, *query.Error) {
	serial := c.Params.Get("SerialNumber")
	code1, code2 := codes(c)
	name, e := deviceUser(c, "iam:EnableMFADevice")
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
		return nil, query.Errorf("EntityAlreadyExists", "MFA Device is already in use.")
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
				return query.Errorf("EntityAlreadyExists", "MFA Device is already in use.")
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
		return api.MFADevice{}, query.Errorf("NoSuchEntity", "MFA Device with serial number %s does not exist.", serial)
	}
	return d, nil
}

// ResyncMFADevice brings a device whose clock drifted back in step, from
// two consecutive codes.
func ResyncMFADevice(c *api.Call) (any, *query.Error) {
	serial := c.Params.Get("SerialNumber")
	code1, code2 := codes(c)
	name, e := deviceUser(c, "iam:ResyncMFADevice")
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
func DeactivateMFADevice(c *api.Call) (any, *query.Error) {
	serial := c.Params.Get("SerialNumber")
	name, e := callerUserName(c)
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
		return nil, query.Errorf("ServiceFailure", "could not delete the security key: %v", err)
	}
	return nil, nil
}

// DeleteVirtualMFADevice deletes a device no user has.
func DeleteVirtualMFADevice(c *api.Call) (any, *query.Error) {
	serial := c.Params.Get("SerialNumber")
	d, e := taggedDevice(c, "iam:DeleteVirtualMFADevice", nil)
	if e != nil {
		return nil, e
	}
	if d.User != "" {
		return nil, query.Errorf("DeleteConflict", "MFA Device is still in use.")
	}
	if err := c.State.Credentials().DeleteMFADevice(c.Ctx, serial); err != nil {
		return nil, query.Errorf("ServiceFailure", "could not delete the MFA device: %v", err)
	}
	return nil, nil
}

type mfaDevice struct {
	UserName     string `xml:"UserName"`
	SerialNumber string `xml:"SerialNumber"`
	EnableDate   string `xml:"EnableDate"`
}

// ListMFADevices lists a user's devices (the caller's without UserName):
// the virtual devices iamgate keeps, and serial numbers a world file gives
// the user (devices iamgate holds no seed for, which no code opens).
func ListMFADevices(c *api.Call) (any, *query.Error) {
	name, e := callerUserName(c)
	if e != nil {
		return nil, e
	}
	u, e := authorizeUser(c, "iam:ListMFADevices", name)
	if e != nil {
		return nil, e
	}
	devs, err := c.State.Credentials().MFADevices(c.Ctx, c.Account())
	if err != nil {
		return nil, query.Errorf("ServiceFailure", "could not read MFA devices: %v", err)
	}
	enabled := map[string]string{}
	for _, d := range devs {
		if d.User == name {
			enabled[d.Serial] = timestamp(d.Enabled)
		}
	}
	var out []mfaDevice
	for _, s := range u.MFADevices {
		out = append(out, mfaDevice{UserName: name, SerialNumber: s, EnableDate: enabled[s]})
	}
	out, pg, e := pageOf(out, func(d mfaDevice) string { return d.SerialNumber }, c.Params)
	if e != nil {
		return nil, e
	}
	return struct {
		MFADevices []mfaDevice `xml:"MFADevices>member"`
		listPage
	}{out, pg}, nil
}

// ListVirtualMFADevices lists the account's virtual devices, by assignment
// status (Assigned, Unassigned or Any).
func ListVirtualMFADevices(c *api.Call) (any, *query.Error) {
	status := c.Params.Get("AssignmentStatus")
	if status == "" {
		status = "Any"
	}
	if e := c.Authorize("iam:ListVirtualMFADevices", "*", nil); e != nil {
		return nil, e
	}
	devs, err := c.State.Credentials().MFADevices(c.Ctx, c.Account())
	if err != nil {
		return nil, query.Errorf("ServiceFailure", "could not read MFA devices: %v", err)
	}
	a := account(c)
	var out []virtualMFADevice
	for _, d := range devs {
		if d.IsSecurityKey() || (status == "Assigned" && d.User == "") || (status == "Unassigned" && d.User != "") {
			continue
		}
		v := virtualMFADevice{SerialNumber: d.Serial, Tags: tagList(d.Tags)}
		if d.User != "" {
			v.EnableDate = timestamp(d.Enabled)
			if u := fileUser(a, d.User); u != nil {
				s := userShape(c.Account(), u)
				s.Tags, s.PermissionsBoundary = nil, nil
				v.User = &s
			}
		}
		out = append(out, v)
	}
	out, pg, e := pageOf(out, func(d virtualMFADevice) string { return d.SerialNumber }, c.Params)
	if e != nil {
		return nil, e
	}
	return struct {
		VirtualMFADevices []virtualMFADevice `xml:"VirtualMFADevices>member"`
		listPage
	}{out, pg}, nil
}

// GetMFADevice describes a device of a user (iam:GetMFADevice on the
// user).
func GetMFADevice(c *api.Call) (any, *query.Error) {
	serial := c.Params.Get("SerialNumber")
	name, e := callerUserName(c)
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
	return struct {
		UserName     string `xml:"UserName"`
		SerialNumber string `xml:"SerialNumber"`
		EnableDate   string `xml:"EnableDate"`
	}{name, serial, timestamp(d.Enabled)}, nil
}

// taggedDevice authorizes an action on a device and reads it: the
// device's tags are aws:ResourceTag/* of the request (the Service
// Authorization Reference, IAM, resource type mfa) when it is the
// caller's account's, and a caller the policies refuse learns nothing of
// whether it exists.
func taggedDevice(c *api.Call, action string, extra map[string][]string) (api.MFADevice, *query.Error) {
	serial := c.Params.Get("SerialNumber")
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
func TagMFADevice(c *api.Call) (any, *query.Error) {
	tags := c.Params.Tags("Tags")
	tctx, e := tagContext(tags, 0)
	if e != nil {
		return nil, e
	}
	d, e := taggedDevice(c, "iam:TagMFADevice", tctx)
	if e != nil {
		return nil, e
	}
	if d.Tags, e = withTags(d.Tags, tags); e != nil {
		return nil, e
	}
	return nil, putDevice(c, d)
}

// UntagMFADevice removes tags of a virtual device.
func UntagMFADevice(c *api.Call) (any, *query.Error) {
	keys := c.Params.List("TagKeys")
	d, e := taggedDevice(c, "iam:UntagMFADevice", map[string][]string{"aws:TagKeys": keys})
	if e != nil {
		return nil, e
	}
	d.Tags = withoutTags(d.Tags, keys)
	return nil, putDevice(c, d)
}

// ListMFADeviceTags lists a virtual device's tags.
func ListMFADeviceTags(c *api.Call) (any, *query.Error) {
	d, e := taggedDevice(c, "iam:ListMFADeviceTags", nil)
	if e != nil {
		return nil, e
	}
	return tagsPage(c, d.Tags)
}

// putDevice stores a device's changed tags, in a transaction of its own
// (tags are not part of the world).
func putDevice(c *api.Call, d api.MFADevice) *query.Error {
	return c.State.UpdateEntitiesAnd(c.Ctx, c.Account(), nil, func(*world.FileAccount) *query.Error { return nil }, c.State.Credentials().PutMFADevice(d))
}
