package iam

import (
	"encoding/base64"
	"errors"
	"regexp"
	"sort"
	"strings"
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

// The model's serialNumberType (9 to 256 of [\w+=/:,.@-]) and
// authenticationCodeType (six digits).
var (
	serialChars = regexp.MustCompile(`^[\w+=/:,.@-]+$`)
	codeChars   = regexp.MustCompile(`^\d{6}$`)
)

// mfaIssuer is the issuer an authenticator application shows for the QR
// code's account, as for AWS's devices.
const mfaIssuer = "Amazon Web Services"

func checkSerial(serial string) *query.Error {
	switch {
	case serial == "":
		return query.Validation(query.Violation{Null: true, Field: "serialNumber", Constraint: "Member must not be null", Rule: query.RuleNull})
	case len(serial) < 9:
		return query.Validation(query.Violation{Value: &serial, Field: "serialNumber", Constraint: "Member must have length greater than or equal to 9", Rule: query.RuleMinLength})
	case len(serial) > 256:
		return query.Validation(query.Violation{Value: &serial, Field: "serialNumber", Constraint: "Member must have length less than or equal to 256", Rule: query.RuleMaxLength})
	case !serialChars.MatchString(serial):
		return query.Validation(query.Violation{Value: &serial, Field: "serialNumber", Constraint: `Member must satisfy regular expression pattern: [\w+=/:,.@-]+`, Rule: query.RulePattern})
	}
	return nil
}

func checkCodes(c *api.Call) (string, string, *query.Error) {
	var vs []query.Violation
	var codes [2]string
	for i, name := range []string{"AuthenticationCode1", "AuthenticationCode2"} {
		v := c.Params.Get(name)
		codes[i] = v
		field := "authenticationCode" + name[len(name)-1:]
		switch {
		case v == "":
			vs = append(vs, query.Violation{Null: true, Field: field, Constraint: "Member must not be null", Rule: query.RuleNull})
		case len(v) != 6:
			vs = append(vs, query.Violation{Value: &v, Field: field, Constraint: "Member must have length less than or equal to 6", Rule: query.RuleMaxLength})
		case !codeChars.MatchString(v):
			vs = append(vs, query.Violation{Value: &v, Field: field, Constraint: `Member must satisfy regular expression pattern: [\d]+`, Rule: query.RulePattern})
		}
	}
	return codes[0], codes[1], query.Validation(vs...)
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
	if e := checkName("virtualMFADeviceName", name, 1<<20); e != nil { // the model gives no maximum
		return nil, e
	}
	path, e := checkPath(c.Params.Get("Path"))
	if e != nil {
		return nil, e
	}
	tags, e := c.Params.Tags("Tags")
	if e != nil {
		return nil, e
	}
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
	if e := checkName("userName", name, 128); e != nil {
		return "", e
	}
	if _, e := authorizeUser(c, action, name); e != nil {
		return "", e
	}
	return name, nil
}

// EnableMFADevice assigns a virtual device to a user once two consecutive
// codes from it are right (iam:EnableMFADevice on the user).
func EnableMFADevice(c *api.Call) (any, *query.Error) {
	serial := c.Params.Get("SerialNumber")
	if e := checkSerial(serial); e != nil {
		return nil, e
	}
	code1, code2, e := checkCodes(c)
	if e != nil {
		return nil, e
	}
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
	if e := checkSerial(serial); e != nil {
		return nil, e
	}
	code1, code2, e := checkCodes(c)
	if e != nil {
		return nil, e
	}
	name, e := deviceUser(c, "iam:ResyncMFADevice")
	if e != nil {
		return nil, e
	}
	d, e := userDevice(c, name, serial)
	if e != nil {
		return nil, e
	}
	counter, drift, ok := credential.VerifyPair(d.Seed, code1, code2, c.Now)
	if !ok || counter <= d.LastCounter {
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
	if e := checkSerial(serial); e != nil {
		return nil, e
	}
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
	return nil, c.State.UpdateEntitiesAnd(c.Ctx, c.Account(), refs("user", name), func(a *world.FileAccount) *query.Error {
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
}

// DeleteVirtualMFADevice deletes a device no user has.
func DeleteVirtualMFADevice(c *api.Call) (any, *query.Error) {
	serial := c.Params.Get("SerialNumber")
	if e := checkSerial(serial); e != nil {
		return nil, e
	}
	if e := c.Authorize("iam:DeleteVirtualMFADevice", serial, nil); e != nil {
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
	if status != "Assigned" && status != "Unassigned" && status != "Any" {
		return nil, query.Validation(query.Violation{Value: &status, Field: "assignmentStatus", Constraint: "Member must satisfy enum value set: [Unassigned, Any, Assigned]"})
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
		if (status == "Assigned" && d.User == "") || (status == "Unassigned" && d.User != "") {
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
	if e := checkSerial(serial); e != nil {
		return nil, e
	}
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

// taggedDevice authorizes a tagging action on a device and reads it.
func taggedDevice(c *api.Call, action string, extra map[string][]string) (api.MFADevice, *query.Error) {
	serial := c.Params.Get("SerialNumber")
	if e := checkSerial(serial); e != nil {
		return api.MFADevice{}, e
	}
	if e := c.Authorize(action, serial, extra); e != nil {
		return api.MFADevice{}, e
	}
	d, ok, e := deviceOf(c, serial)
	if e != nil {
		return api.MFADevice{}, e
	}
	if !ok {
		return api.MFADevice{}, noDevice(serial)
	}
	return d, nil
}

// TagMFADevice adds or replaces tags of a virtual device.
func TagMFADevice(c *api.Call) (any, *query.Error) {
	tags, e := c.Params.Tags("Tags")
	if e != nil {
		return nil, e
	}
	tctx, e := tagContext(tags, 0)
	if e != nil {
		return nil, e
	}
	d, e := taggedDevice(c, "iam:TagMFADevice", tctx)
	if e != nil {
		return nil, e
	}
	merged := map[string]string{}
	for k, v := range d.Tags {
		merged[k] = v
	}
	for _, t := range tags {
		for k := range merged {
			if strings.EqualFold(k, t[0]) {
				delete(merged, k)
			}
		}
		merged[t[0]] = t[1]
	}
	if len(merged) > maxTagsPerEntity {
		return nil, query.Errorf("LimitExceeded", "The number of tags has reached the maximum limit.")
	}
	d.Tags = merged
	return nil, putDevice(c, d)
}

// UntagMFADevice removes tags of a virtual device.
func UntagMFADevice(c *api.Call) (any, *query.Error) {
	keys, e := c.Params.TagKeys("TagKeys")
	if e != nil {
		return nil, e
	}
	d, e := taggedDevice(c, "iam:UntagMFADevice", map[string][]string{"aws:TagKeys": keys})
	if e != nil {
		return nil, e
	}
	for _, k := range keys {
		for have := range d.Tags {
			if strings.EqualFold(have, k) {
				delete(d.Tags, have)
			}
		}
	}
	return nil, putDevice(c, d)
}

// ListMFADeviceTags lists a virtual device's tags.
func ListMFADeviceTags(c *api.Call) (any, *query.Error) {
	d, e := taggedDevice(c, "iam:ListMFADeviceTags", nil)
	if e != nil {
		return nil, e
	}
	ts := tagList(d.Tags)
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].Key < ts[j].Key })
	return struct {
		Tags        tagSet `xml:"Tags"`
		IsTruncated bool   `xml:"IsTruncated"`
	}{ts, false}, nil
}

// putDevice stores a device's changed tags, in a transaction of its own
// (tags are not part of the world).
func putDevice(c *api.Call, d api.MFADevice) *query.Error {
	return c.State.UpdateEntitiesAnd(c.Ctx, c.Account(), nil, func(*world.FileAccount) *query.Error { return nil }, c.State.Credentials().PutMFADevice(d))
}
