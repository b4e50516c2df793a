package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamgate/iamgate/credential"
)

// enableMFA makes a virtual MFA device for a user and enables it with two
// consecutive codes computed from the seed CreateVirtualMFADevice returned,
// as an authenticator application would. It returns the serial number and
// the seed.
func enableMFA(t *testing.T, admin *iam.Client, user string) (string, string) {
	t.Helper()
	ctx := context.Background()
	dev := must[*iam.CreateVirtualMFADeviceOutput](t)(admin.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(user + "-phone")}))
	serial, seed := *dev.VirtualMFADevice.SerialNumber, string(dev.VirtualMFADevice.Base32StringSeed)
	if len(seed) != 64 || len(dev.VirtualMFADevice.QRCodePNG) < 100 || string(dev.VirtualMFADevice.QRCodePNG[1:4]) != "PNG" {
		t.Fatalf("device %s: seed %q, QR code of %d bytes", serial, seed, len(dev.VirtualMFADevice.QRCodePNG))
	}
	n := credential.Counter(time.Now())
	must[*iam.EnableMFADeviceOutput](t)(admin.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: aws.String(user), SerialNumber: aws.String(serial),
		AuthenticationCode1: aws.String(totpCode(t, seed, n-1)), AuthenticationCode2: aws.String(totpCode(t, seed, n))}))
	return serial, seed
}

func totpCode(t *testing.T, seed string, counter int64) string {
	t.Helper()
	c, err := credential.Code(seed, counter)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestLoginProfilesAndPasswordPolicy: console passwords as IAM keeps them
// (the IAM API Reference: CreateLoginProfile, GetLoginProfile,
// UpdateLoginProfile, DeleteLoginProfile, ChangePassword,
// UpdateAccountPasswordPolicy, GetAccountPasswordPolicy,
// DeleteAccountPasswordPolicy), with the password policy enforced.
func TestLoginProfilesAndPasswordPolicy(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.iam(e.admin)
	bob := e.newUser("bob", "")
	s := aws.String

	// No policy: NoSuchEntity in IAM's words, and IAM's default rules.
	_, err := admin.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	if msg := wantError(t, err, "NoSuchEntity", 404); msg != "The Password Policy with domain name 123456789012 cannot be found." {
		t.Errorf("message %q", msg)
	}
	_, err = admin.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: s("bob")})
	if msg := wantError(t, err, "NoSuchEntity", 404); msg != "Login Profile for User bob cannot be found." {
		t.Errorf("message %q", msg)
	}
	_, err = admin.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: s("bob"), Password: s("short1A")})
	if msg := wantError(t, err, "PasswordPolicyViolation", 400); msg != "Password does not conform to the account password policy." {
		t.Errorf("message %q", msg)
	}
	p := must[*iam.CreateLoginProfileOutput](t)(admin.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: s("bob"), Password: s("Tr0ub4dor&3"), PasswordResetRequired: true}))
	if *p.LoginProfile.UserName != "bob" || !p.LoginProfile.PasswordResetRequired || p.LoginProfile.CreateDate == nil {
		t.Fatalf("login profile %+v", p.LoginProfile)
	}
	_, err = admin.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: s("bob"), Password: s("Tr0ub4dor&3")})
	wantError(t, err, "EntityAlreadyExists", 409)
	_, err = admin.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: s("nobody"), Password: s("Tr0ub4dor&3")})
	wantError(t, err, "NoSuchEntity", 404)
	got := must[*iam.GetLoginProfileOutput](t)(admin.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: s("bob")}))
	if !got.LoginProfile.PasswordResetRequired {
		t.Error("PasswordResetRequired lost")
	}

	// A user deleted with a login profile: IAM's DeleteConflict.
	must[*iam.DeleteAccessKeyOutput](t)(admin.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: s("bob"), AccessKeyId: s(bob.AccessKeyID)}))
	_, err = admin.DeleteUser(ctx, &iam.DeleteUserInput{UserName: s("bob")})
	if msg := wantError(t, err, "DeleteConflict", 409); msg != "Cannot delete entity, must delete login profile first." {
		t.Errorf("message %q", msg)
	}
	bob = aws.Credentials{}
	k := must[*iam.CreateAccessKeyOutput](t)(admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: s("bob")}))
	bob = aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}

	// Without a policy that lets users change their passwords and with no
	// permission, bob cannot change his own.
	_, err = e.iam(bob).ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: s("Tr0ub4dor&3"), NewPassword: s("Correct-Horse-9")})
	wantError(t, err, "AccessDenied", 403)
	_, err = e.iam(bob).GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	wantError(t, err, "AccessDenied", 403)

	// A strict policy that lets users change their own passwords.
	must[*iam.UpdateAccountPasswordPolicyOutput](t)(admin.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{
		MinimumPasswordLength: aws.Int32(12), RequireSymbols: true, RequireNumbers: true, RequireUppercaseCharacters: true,
		RequireLowercaseCharacters: true, AllowUsersToChangePassword: true, PasswordReusePrevention: aws.Int32(2), MaxPasswordAge: aws.Int32(90)}))
	pp := must[*iam.GetAccountPasswordPolicyOutput](t)(e.iam(bob).GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{}))
	if *pp.PasswordPolicy.MinimumPasswordLength != 12 || !pp.PasswordPolicy.ExpirePasswords || *pp.PasswordPolicy.MaxPasswordAge != 90 ||
		*pp.PasswordPolicy.PasswordReusePrevention != 2 || pp.PasswordPolicy.HardExpiry == nil || *pp.PasswordPolicy.HardExpiry {
		t.Errorf("policy %+v", pp.PasswordPolicy)
	}
	_, err = admin.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(5)})
	if msg := wantError(t, err, "ValidationError", 400); msg != "1 validation error detected: Value '5' at 'minimumPasswordLength' failed to satisfy constraint: Member must have value greater than or equal to 6" {
		t.Errorf("message %q", msg)
	}

	// ChangePassword: the old password must be right, the new one follow
	// the policy and be none of the last two.
	_, err = e.iam(bob).ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: s("wrong-password"), NewPassword: s("Correct-Horse-9")})
	wantError(t, err, "AccessDenied", 403)
	_, err = e.iam(bob).ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: s("Tr0ub4dor&3"), NewPassword: s("correct-horse-9")})
	wantError(t, err, "PasswordPolicyViolation", 400)
	must[*iam.ChangePasswordOutput](t)(e.iam(bob).ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: s("Tr0ub4dor&3"), NewPassword: s("Correct-Horse-9")}))
	_, err = e.iam(bob).ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: s("Correct-Horse-9"), NewPassword: s("Tr0ub4dor&3xx")})
	must[*iam.ChangePasswordOutput](t)(nil, err)
	// Tr0ub4dor&3xx is current, Correct-Horse-9 the one before: both refused.
	for _, again := range []string{"Tr0ub4dor&3xx", "Correct-Horse-9"} {
		_, err = e.iam(bob).ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: s("Tr0ub4dor&3xx"), NewPassword: s(again)})
		wantError(t, err, "PasswordPolicyViolation", 400)
	}
	got = must[*iam.GetLoginProfileOutput](t)(admin.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: s("bob")}))
	if got.LoginProfile.PasswordResetRequired {
		t.Error("a changed password still requires a reset")
	}
	// The grant is bob's own password only: another user's profile stays
	// out of reach.
	_, err = e.iam(bob).GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: s("admin")})
	wantError(t, err, "AccessDenied", 403)
	_, err = e.iam(bob).UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: s("bob"), Password: s("Another-Pass-77")})
	wantError(t, err, "AccessDenied", 403)

	// A password is never echoed in a validation message.
	_, err = admin.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: s("bob"), Password: s("Ab1!" + strings.Repeat("x", 130))})
	if msg := wantError(t, err, "ValidationError", 400); strings.Contains(msg, "xxxx") {
		t.Errorf("the password is in the message: %q", msg)
	}

	// Renaming bob keeps his password.
	must[*iam.UpdateUserOutput](t)(admin.UpdateUser(ctx, &iam.UpdateUserInput{UserName: s("bob"), NewUserName: s("robert")}))
	must[*iam.GetLoginProfileOutput](t)(admin.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: s("robert")}))
	_, err = admin.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: s("bob")})
	wantError(t, err, "NoSuchEntity", 404)

	must[*iam.DeleteLoginProfileOutput](t)(admin.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: s("robert")}))
	_, err = admin.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: s("robert")})
	wantError(t, err, "NoSuchEntity", 404)
	must[*iam.DeleteAccountPasswordPolicyOutput](t)(admin.DeleteAccountPasswordPolicy(ctx, &iam.DeleteAccountPasswordPolicyInput{}))
	_, err = admin.DeleteAccountPasswordPolicy(ctx, &iam.DeleteAccountPasswordPolicyInput{})
	// Delete's words differ from Get's (AWS SDK code examples,
	// DeleteAccountPasswordPolicy for Tools for PowerShell: "If a password
	// policy does not currently exist, the following error message appears:
	// The account policy with name PasswordPolicy cannot be found.").
	if msg := wantError(t, err, "NoSuchEntity", 404); msg != "The account policy with name PasswordPolicy cannot be found." {
		t.Fatalf("delete without a policy: %q", msg)
	}
}

// TestVirtualMFA: a virtual MFA device enabled with real TOTP codes, then
// used with GetSessionToken and AssumeRole, so that aws:MultiFactorAuthPresent
// means what it means on AWS; a code is taken once, and only for the
// user's own device.
func TestVirtualMFA(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.iam(e.admin)
	s := aws.String
	alice := e.newUser("alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	carol1 := e.newUser("carol", "")

	// Enabling needs two consecutive codes.
	dev := must[*iam.CreateVirtualMFADeviceOutput](t)(admin.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: s("alice-phone"), Path: s("/team/")}))
	serial, seed := *dev.VirtualMFADevice.SerialNumber, string(dev.VirtualMFADevice.Base32StringSeed)
	if serial != "arn:aws:iam::123456789012:mfa/team/alice-phone" {
		t.Fatalf("serial %s", serial)
	}
	_, err := admin.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: s("alice-phone"), Path: s("/team/")})
	wantError(t, err, "EntityAlreadyExists", 409)
	n := credential.Counter(time.Now())
	for _, bad := range [][2]string{{totpCode(t, seed, n), totpCode(t, seed, n)}, {totpCode(t, seed, n), totpCode(t, seed, n-1)}, {"000000", "111111"}, {totpCode(t, seed, n-40), totpCode(t, seed, n-39)}} {
		_, err = admin.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: s("alice"), SerialNumber: s(serial), AuthenticationCode1: s(bad[0]), AuthenticationCode2: s(bad[1])})
		if bad[0] == bad[1] && totpCode(t, seed, n) == totpCode(t, seed, n+1) {
			continue // two equal codes in a row: one in a million
		}
		if msg := wantError(t, err, "InvalidAuthenticationCode", 403); msg != "Authentication code for device is not valid." {
			t.Errorf("message %q", msg)
		}
	}
	must[*iam.EnableMFADeviceOutput](t)(admin.EnableMFADevice(ctx, &iam.EnableMFADeviceInput{UserName: s("alice"), SerialNumber: s(serial),
		AuthenticationCode1: s(totpCode(t, seed, n-1)), AuthenticationCode2: s(totpCode(t, seed, n))}))
	list := must[*iam.ListMFADevicesOutput](t)(admin.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: s("alice")}))
	if len(list.MFADevices) != 1 || *list.MFADevices[0].SerialNumber != serial || list.MFADevices[0].EnableDate == nil {
		t.Fatalf("devices %+v", list.MFADevices)
	}
	virt := must[*iam.ListVirtualMFADevicesOutput](t)(admin.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{AssignmentStatus: "Assigned"}))
	if len(virt.VirtualMFADevices) != 1 || virt.VirtualMFADevices[0].User == nil || *virt.VirtualMFADevices[0].User.UserName != "alice" || virt.VirtualMFADevices[0].Base32StringSeed != nil {
		t.Fatalf("virtual devices %+v", virt.VirtualMFADevices)
	}
	_, err = admin.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: s(serial)})
	wantError(t, err, "DeleteConflict", 409)

	// A role that only MFA sessions may assume.
	must[*iam.CreateRoleOutput](t)(admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: s("break-glass"), AssumeRolePolicyDocument: s(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)}))
	role := s("arn:aws:iam::123456789012:role/break-glass")
	_, err = e.sts(alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role, RoleSessionName: s("no-mfa")})
	wantError(t, err, "AccessDenied", 403)
	// Any six digits do not count (they did before): a wrong code is
	// refused in STS's words.
	wrong := "000000"
	if wrong == totpCode(t, seed, n+1) || wrong == totpCode(t, seed, n) || wrong == totpCode(t, seed, n-1) {
		wrong = "999999"
	}
	_, err = e.sts(alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role, RoleSessionName: s("bad"), SerialNumber: s(serial), TokenCode: s(wrong)})
	if msg := wantError(t, err, "AccessDenied", 403); msg != "MultiFactorAuthentication failed with invalid MFA one time pass code." {
		t.Errorf("message %q", msg)
	}
	// The code enabling used is taken; the next one opens the role, once.
	next := totpCode(t, seed, credential.Counter(time.Now())+1)
	_, err = e.sts(alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role, RoleSessionName: s("stale"), SerialNumber: s(serial), TokenCode: s(totpCode(t, seed, n))})
	wantError(t, err, "AccessDenied", 403)
	must[*sts.AssumeRoleOutput](t)(e.sts(alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role, RoleSessionName: s("mfa"), SerialNumber: s(serial), TokenCode: s(next)}))
	_, err = e.sts(alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: role, RoleSessionName: s("replay"), SerialNumber: s(serial), TokenCode: s(next)})
	if msg := wantError(t, err, "AccessDenied", 403); msg != "MultiFactorAuthentication failed with invalid MFA one time pass code." {
		t.Errorf("replayed code: %q", msg)
	}

	// Another user cannot use alice's device, with a right code or not;
	// nor a device that does not exist.
	carol := must[*iam.CreateAccessKeyOutput](t)(admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: s("carol")}))
	carolKey := aws.Credentials{AccessKeyID: *carol.AccessKey.AccessKeyId, SecretAccessKey: *carol.AccessKey.SecretAccessKey}
	for _, sn := range []string{serial, "arn:aws:iam::123456789012:mfa/nothing"} {
		_, err = e.sts(carolKey).GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: s(sn), TokenCode: s(totpCode(t, seed, credential.Counter(time.Now())+1))})
		if msg := wantError(t, err, "AccessDenied", 403); msg != "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user." {
			t.Errorf("%s: %q", sn, msg)
		}
	}

	// Deactivated, the device opens nothing; deleted, it is gone.
	must[*iam.DeactivateMFADeviceOutput](t)(admin.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{UserName: s("alice"), SerialNumber: s(serial)}))
	_, err = e.sts(alice).GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: s(serial), TokenCode: s(totpCode(t, seed, credential.Counter(time.Now())+1))})
	wantError(t, err, "AccessDenied", 403)
	must[*iam.DeleteVirtualMFADeviceOutput](t)(admin.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: s(serial)}))
	_, err = admin.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: s(serial)})
	wantError(t, err, "NoSuchEntity", 404)

	// A user with a device cannot be deleted.
	enableMFA(t, admin, "carol")
	for _, id := range []string{carol1.AccessKeyID, *carol.AccessKey.AccessKeyId} {
		must[*iam.DeleteAccessKeyOutput](t)(admin.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: s("carol"), AccessKeyId: s(id)}))
	}
	_, err = admin.DeleteUser(ctx, &iam.DeleteUserInput{UserName: s("carol")})
	if msg := wantError(t, err, "DeleteConflict", 409); msg != "Cannot delete entity, must delete MFA device first." {
		t.Errorf("message %q", msg)
	}
}

// TestMFADevicesStayInTheirAccount: another account's device is one that
// does not exist, for every device operation.
func TestMFADevicesStayInTheirAccount(t *testing.T) {
	e, _, other := twoAccounts(t)
	ctx := context.Background()
	admin := e.iam(e.admin)
	serial, _ := enableMFA(t, admin, "admin")
	_, err := e.iam(other).DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: aws.String(serial)})
	if err == nil {
		t.Fatal("another account deleted the device")
	}
	if code, _, _ := apiError(t, err); code != "AccessDenied" && code != "NoSuchEntity" {
		t.Errorf("another account's delete: %v", err)
	}
	_, err = e.iam(other).ListMFADeviceTags(ctx, &iam.ListMFADeviceTagsInput{SerialNumber: aws.String(serial)})
	if err == nil {
		t.Error("another account read the device's tags")
	}
	must[*iam.ListMFADevicesOutput](t)(admin.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: aws.String("admin")}))
}
