package iam

import (
	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/iamshape"
	"github.com/iamgate/iamgate/credential"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/world"
)

func init() {
	registerTyped("CreateLoginProfile", CreateLoginProfile)
	registerTyped("GetLoginProfile", GetLoginProfile)
	registerTyped("UpdateLoginProfile", UpdateLoginProfile)
	registerTyped("DeleteLoginProfile", DeleteLoginProfile)
	registerTyped("ChangePassword", ChangePassword)
	registerTyped("UpdateAccountPasswordPolicy", UpdateAccountPasswordPolicy)
	registerTyped("GetAccountPasswordPolicy", GetAccountPasswordPolicy)
	registerTyped("DeleteAccountPasswordPolicy", DeleteAccountPasswordPolicy)
}

// passwordViolation is IAM's answer to a password the policy refuses
// ("Password does not conform to the account password policy.", the real
// IAM's words quoted in github.com/gree/subiam/pull/3).
func passwordViolation() *query.Error {
	return iamerr.PasswordPolicyViolation("Password does not conform to the account password policy.")
}

// PasswordRules is what a new password of the caller's account is checked
// against (credential.Check): the account's password policy (nil when it
// has none, and IAM's default one applies) and the names the default one
// refuses. The console shows and explains them with the same rules.
func PasswordRules(c *api.Call) (*credential.PasswordPolicy, credential.DefaultPolicy, *query.Error) {
	pp, ok, err := c.State.Credentials().PasswordPolicy(c.Ctx, c.Account())
	if err != nil {
		return nil, credential.DefaultPolicy{}, iamerr.ServiceFailure("could not read the password policy: %v", err)
	}
	var p *credential.PasswordPolicy
	if ok {
		p = &pp
	}
	def := credential.DefaultPolicy{}
	for _, a := range c.State.File().Accounts {
		if a.ID == c.Account() {
			def = credential.DefaultPolicy{AccountName: a.Name, Email: a.Email}
		}
	}
	return p, def, nil
}

// checkAgainstPolicy applies the account's password policy (or IAM's
// default one) to a new password.
func checkAgainstPolicy(c *api.Call, pw string) *query.Error {
	p, def, e := PasswordRules(c)
	if e != nil {
		return e
	}
	if credential.Check(p, def, pw) != nil {
		return passwordViolation()
	}
	return nil
}

// loginProfileShape is a profile as Create and Get answer it.
func loginProfileShape(name string, p api.LoginProfile) *iamshape.LoginProfile {
	return &iamshape.LoginProfile{UserName: name, CreateDate: createdAt(p.Created), PasswordResetRequired: shape.Ptr(p.ResetRequired)}
}

func noLoginProfile(user string) *query.Error {
	// The real IAM's words: "Login Profile for User vs-code-user cannot be
	// found." (boto3 output quoted in a public repository's notes).
	return iamerr.NoSuchEntity("Login Profile for User %s cannot be found.", user)
}

// setLoginProfile changes the user's LoginProfile flag in the world and
// stores the profile (or deletes it) in the same transaction; want is the
// flag's value before the change (EntityAlreadyExists or NoSuchEntity
// otherwise).
func setLoginProfile(c *api.Call, name string, want, set bool, also api.TxWrite) *query.Error {
	return c.State.UpdateEntitiesAnd(c.Ctx, c.Account(), refs("user", name), func(a *world.FileAccount) *query.Error {
		u := fileUser(a, name)
		switch {
		case u == nil:
			return noSuch("user", name)
		case u.LoginProfile != want && want:
			return noLoginProfile(name)
		case u.LoginProfile != want:
			return iamerr.EntityAlreadyExists("Login Profile for user %s already exists.", name)
		}
		u.LoginProfile = set
		return nil
	}, also)
}

// CreateLoginProfile gives a user a console password (iam:CreateLoginProfile
// on the user), checked against the account's password policy.
func CreateLoginProfile(c *api.Call, in *iamshape.CreateLoginProfileRequest) (*iamshape.CreateLoginProfileResponse, *query.Error) {
	name, e := callerUser(c, in.UserName)
	if e != nil {
		return nil, e
	}
	pw, reset := in.Password, in.PasswordResetRequired
	if _, e := authorizeUser(c, "iam:CreateLoginProfile", name); e != nil {
		return nil, e
	}
	if e := checkAgainstPolicy(c, pw); e != nil {
		return nil, e
	}
	hash, err := credential.HashPassword(pw)
	if err != nil {
		return nil, iamerr.ServiceFailure("%v", err)
	}
	p := api.LoginProfile{Account: c.Account(), User: name, Hash: hash, Created: c.Now, Changed: c.Now, ResetRequired: reset != nil && *reset}
	if e := setLoginProfile(c, name, false, true, c.State.Credentials().PutLoginProfile(p)); e != nil {
		return nil, e
	}
	return &iamshape.CreateLoginProfileResponse{LoginProfile: loginProfileShape(name, p)}, nil
}

// readProfile authorizes an action on the user and reads its profile.
func readProfile(c *api.Call, action, userName string) (string, api.LoginProfile, *query.Error) {
	name, e := callerUser(c, userName)
	if e != nil {
		return "", api.LoginProfile{}, e
	}
	u, e := authorizeUser(c, action, name)
	if e != nil {
		return "", api.LoginProfile{}, e
	}
	p, ok, err := c.State.Credentials().LoginProfile(c.Ctx, c.Account(), name)
	if err != nil {
		return "", api.LoginProfile{}, iamerr.ServiceFailure("could not read the login profile: %v", err)
	}
	if !ok {
		if !u.LoginProfile {
			return "", api.LoginProfile{}, noLoginProfile(name)
		}
		// The world says the user has a password (an imported account)
		// but iamgate holds no hash of it: the profile exists, and no
		// password opens it until UpdateLoginProfile sets one.
		p = api.LoginProfile{Account: c.Account(), User: name, Created: u.Created, Changed: u.Created}
	}
	return name, p, nil
}

// GetLoginProfile tells when a user's password was created and whether it
// must be reset.
func GetLoginProfile(c *api.Call, in *iamshape.GetLoginProfileRequest) (*iamshape.GetLoginProfileResponse, *query.Error) {
	name, p, e := readProfile(c, "iam:GetLoginProfile", in.UserName)
	if e != nil {
		return nil, e
	}
	return &iamshape.GetLoginProfileResponse{LoginProfile: loginProfileShape(name, p)}, nil
}

// UpdateLoginProfile sets a user's password or its reset flag
// (iam:UpdateLoginProfile on the user).
func UpdateLoginProfile(c *api.Call, in *iamshape.UpdateLoginProfileRequest) (*noOutput, *query.Error) {
	pw, reset := in.Password, in.PasswordResetRequired
	name, p, e := readProfile(c, "iam:UpdateLoginProfile", in.UserName)
	if e != nil {
		return nil, e
	}
	if pw != "" {
		if e := checkAgainstPolicy(c, pw); e != nil {
			return nil, e
		}
		hash, err := credential.HashPassword(pw)
		if err != nil {
			return nil, iamerr.ServiceFailure("%v", err)
		}
		if p.Hash != "" {
			p.History = append([]string{p.Hash}, p.History...)
		}
		p.Hash, p.Changed = hash, c.Now
	}
	if reset != nil {
		p.ResetRequired = *reset
	}
	return nil, setLoginProfile(c, name, true, true, c.State.Credentials().PutLoginProfile(p))
}

// DeleteLoginProfile removes a user's console password.
func DeleteLoginProfile(c *api.Call, in *iamshape.DeleteLoginProfileRequest) (*noOutput, *query.Error) {
	name, _, e := readProfile(c, "iam:DeleteLoginProfile", in.UserName)
	if e != nil {
		return nil, e
	}
	return nil, setLoginProfile(c, name, true, false, c.State.Credentials().DeleteLoginProfile(c.Account(), name))
}

// changePasswordGrant is what the password policy's
// AllowUsersToChangePassword gives every IAM user: "permissions to
// iam:ChangePassword for only their user and to the
// iam:GetAccountPasswordPolicy action" (the IAM API Reference,
// PasswordPolicy.AllowUsersToChangePassword). It is used only where the
// resource is the caller itself (ChangePassword acts on the caller alone).
var changePasswordGrant = func() *engine.Policy {
	p := policy.MustParse("the password policy's AllowUsersToChangePassword", `{"Version":"2012-10-17","Statement":[`+
		`{"Effect":"Allow","Action":["iam:ChangePassword","iam:GetAccountPasswordPolicy"],"Resource":"*"}]}`)
	cp, err := engine.Compile(p, engine.IdentityPolicy, "AllowUsersToChangePassword")
	if err != nil {
		panic(err)
	}
	return cp
}()

// allowsChange is the grant when the caller is an IAM user and the
// account's policy lets users change their own passwords.
func allowsChange(c *api.Call) (*engine.Policy, *query.Error) {
	if c.Caller.User == nil {
		return nil, nil
	}
	pp, ok, err := c.State.Credentials().PasswordPolicy(c.Ctx, c.Account())
	if err != nil {
		return nil, iamerr.ServiceFailure("could not read the password policy: %v", err)
	}
	if ok && pp.AllowUsersToChangePassword {
		return changePasswordGrant, nil
	}
	return nil, nil
}

// ChangePassword changes the calling IAM user's own password
// (iam:ChangePassword on the user): the old password must be right, and
// the new one satisfy the policy and, with PasswordReusePrevention, be none
// of the last N.
func ChangePassword(c *api.Call, in *iamshape.ChangePasswordRequest) (*noOutput, *query.Error) {
	oldPw, newPw := in.OldPassword, in.NewPassword
	if c.Caller.User == nil {
		// The IAM API Reference, ChangePassword: "Changes the password of
		// the IAM user who is calling this operation"; other callers get
		// InvalidUserType.
		return nil, iamerr.InvalidUserType("Only IAM users can change their own password.")
	}
	name := c.Caller.User.Name
	grant, e := allowsChange(c)
	if e != nil {
		return nil, e
	}
	if e := c.AuthorizeGranted("iam:ChangePassword", c.Caller.User.ARN(), nil, grant); e != nil {
		return nil, e
	}
	p, ok, err := c.State.Credentials().LoginProfile(c.Ctx, c.Account(), name)
	if err != nil {
		return nil, iamerr.ServiceFailure("could not read the login profile: %v", err)
	}
	if !ok {
		return nil, noLoginProfile(name)
	}
	if !credential.VerifyPassword(p.Hash, oldPw) {
		// AWS documents no answer for a wrong old password; iamgate's
		// choice (README) is AccessDenied.
		return nil, awserr.AccessDenied("The old password is incorrect.")
	}
	if e := checkAgainstPolicy(c, newPw); e != nil {
		return nil, e
	}
	pp, hasPolicy, err := c.State.Credentials().PasswordPolicy(c.Ctx, c.Account())
	if err != nil {
		return nil, iamerr.ServiceFailure("could not read the password policy: %v", err)
	}
	if hasPolicy && pp.PasswordReusePrevention > 0 {
		for i, h := range append([]string{p.Hash}, p.History...) {
			if i >= pp.PasswordReusePrevention {
				break
			}
			if credential.VerifyPassword(h, newPw) {
				return nil, passwordViolation()
			}
		}
	}
	hash, err := credential.HashPassword(newPw)
	if err != nil {
		return nil, iamerr.ServiceFailure("%v", err)
	}
	p.History = append([]string{p.Hash}, p.History...)
	p.Hash, p.Changed, p.ResetRequired = hash, c.Now, false
	return nil, setLoginProfile(c, name, true, true, c.State.Credentials().PutLoginProfile(p))
}

// UpdateAccountPasswordPolicy sets the account's password policy; members
// not given take IAM's defaults (the IAM API Reference: MinimumPasswordLength
// 6, the rest false or 0).
func UpdateAccountPasswordPolicy(c *api.Call, in *iamshape.UpdateAccountPasswordPolicyRequest) (*noOutput, *query.Error) {
	// The model's validation has checked the ranges
	// (minimumPasswordLengthType 6-128, maxPasswordAgeType 1-1095,
	// passwordReusePreventionType 1-24).
	num := func(v *int32) int {
		if v == nil {
			return 0
		}
		return int(*v)
	}
	flag := func(v *bool) bool { return v != nil && *v }
	pp := credential.PasswordPolicy{MinimumPasswordLength: num(in.MinimumPasswordLength), MaxPasswordAge: num(in.MaxPasswordAge),
		PasswordReusePrevention: num(in.PasswordReusePrevention), RequireSymbols: flag(in.RequireSymbols), RequireNumbers: flag(in.RequireNumbers),
		RequireUppercaseCharacters: flag(in.RequireUppercaseCharacters), RequireLowercaseCharacters: flag(in.RequireLowercaseCharacters),
		AllowUsersToChangePassword: flag(in.AllowUsersToChangePassword), HardExpiry: flag(in.HardExpiry)}
	if pp.MinimumPasswordLength == 0 {
		pp.MinimumPasswordLength = 6
	}
	if e := c.Authorize("iam:UpdateAccountPasswordPolicy", "*", nil); e != nil {
		return nil, e
	}
	if err := c.State.Credentials().PutPasswordPolicy(c.Ctx, c.Account(), pp); err != nil {
		return nil, iamerr.ServiceFailure("could not store the password policy: %v", err)
	}
	return nil, nil
}

func noPasswordPolicy(account string) *query.Error {
	// The real IAM's words: "The Password Policy with domain name
	// 128440595215 cannot be found." (quoted in a public lab's notes).
	return iamerr.NoSuchEntity("The Password Policy with domain name %s cannot be found.", account)
}

// GetAccountPasswordPolicy returns the account's password policy, for
// iam:GetAccountPasswordPolicy or, when the policy allows users to change
// their passwords, for any IAM user of the account.
func GetAccountPasswordPolicy(c *api.Call, _ *noInput) (*iamshape.GetAccountPasswordPolicyResponse, *query.Error) {
	grant, e := allowsChange(c)
	if e != nil {
		return nil, e
	}
	if e := c.AuthorizeGranted("iam:GetAccountPasswordPolicy", "*", nil, grant); e != nil {
		return nil, e
	}
	pp, ok, err := c.State.Credentials().PasswordPolicy(c.Ctx, c.Account())
	if err != nil {
		return nil, iamerr.ServiceFailure("could not read the password policy: %v", err)
	}
	if !ok {
		return nil, noPasswordPolicy(c.Account())
	}
	// The booleans are always written, MaxPasswordAge and
	// PasswordReusePrevention only when set, and HardExpiry only with an
	// expiry, as the untyped handler wrote them.
	out := &iamshape.PasswordPolicy{MinimumPasswordLength: shape.Ptr(int32(pp.MinLength())), RequireSymbols: shape.Ptr(pp.RequireSymbols),
		RequireNumbers: shape.Ptr(pp.RequireNumbers), RequireUppercaseCharacters: shape.Ptr(pp.RequireUppercaseCharacters),
		RequireLowercaseCharacters: shape.Ptr(pp.RequireLowercaseCharacters), AllowUsersToChangePassword: shape.Ptr(pp.AllowUsersToChangePassword),
		ExpirePasswords: shape.Ptr(pp.MaxPasswordAge > 0)}
	if pp.MaxPasswordAge > 0 {
		out.MaxPasswordAge, out.HardExpiry = shape.Ptr(int32(pp.MaxPasswordAge)), shape.Ptr(pp.HardExpiry)
	}
	if pp.PasswordReusePrevention > 0 {
		out.PasswordReusePrevention = shape.Ptr(int32(pp.PasswordReusePrevention))
	}
	return &iamshape.GetAccountPasswordPolicyResponse{PasswordPolicy: out}, nil
}

// DeleteAccountPasswordPolicy removes the account's password policy (IAM's
// default applies again).
func DeleteAccountPasswordPolicy(c *api.Call, _ *noInput) (*noOutput, *query.Error) {
	if e := c.Authorize("iam:DeleteAccountPasswordPolicy", "*", nil); e != nil {
		return nil, e
	}
	ok, err := c.State.Credentials().DeletePasswordPolicy(c.Ctx, c.Account())
	if err != nil {
		return nil, iamerr.ServiceFailure("could not delete the password policy: %v", err)
	}
	if !ok {
		// DeleteAccountPasswordPolicy words its NoSuchEntity differently from
		// GetAccountPasswordPolicy: "The account policy with name
		// PasswordPolicy cannot be found." (AWS SDK code examples,
		// DeleteAccountPasswordPolicy, Tools for PowerShell: "If a password
		// policy does not currently exist, the following error message
		// appears: ...").
		return nil, iamerr.NoSuchEntity("The account policy with name PasswordPolicy cannot be found.")
	}
	return nil, nil
}
