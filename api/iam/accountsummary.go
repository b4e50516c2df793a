package iam

import (
	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/iamshape"
)

func init() {
	registerTyped("GetAccountSummary", GetAccountSummary)
}

// Quotas GetAccountSummary reports that no other operation enforces here:
// AWS's defaults (IAM User Guide, "IAM and AWS STS quotas").
const (
	usersQuota               = 5000
	groupsQuota              = 300
	rolesQuota               = 1000
	customerPoliciesQuota    = 1500
	instanceProfilesQuota    = 1000
	policyVersionsInUseQuota = 10000
)

// GetAccountSummary reports the caller's account's IAM entity usage and
// quotas (iam:GetAccountSummary, which has no resource type: "*"), under
// every key of the model's summaryKeyType (botocore iam/2010-05-08).
// Counts are of the caller's account only. The root user's keys
// (AccountMFAEnabled, AccountAccessKeysPresent, AccountPasswordPresent,
// AccountSigningCertificatesPresent) are 0: iamgate gives the root user no
// credentials. GlobalEndpointTokenVersion is the account's
// SetSecurityTokenServicePreferences setting (1 by default, as in AWS). PolicyVersionsInUse
// counts the versions of the account's customer managed policies.
func GetAccountSummary(c *api.Call, _ *noInput) (*iamshape.GetAccountSummaryResponse, *query.Error) {
	if e := c.Authorize("iam:GetAccountSummary", "*", nil); e != nil {
		return nil, e
	}
	a := account(c)
	devs, err := c.State.Credentials().MFADevices(c.Ctx, c.Account())
	if err != nil {
		return nil, iamerr.ServiceFailure("could not read MFA devices: %v", err)
	}
	oidc, err := c.State.Federation().OIDCProviders(c.Ctx, c.Account())
	if err != nil {
		return nil, iamerr.ServiceFailure("could not read the OIDC providers: %v", err)
	}
	saml, err := c.State.Federation().SAMLProviders(c.Ctx, c.Account())
	if err != nil {
		return nil, iamerr.ServiceFailure("could not read the SAML providers: %v", err)
	}
	certs, err := c.State.Credentials().ServerCertificates(c.Ctx, c.Account())
	if err != nil {
		return nil, iamerr.ServiceFailure("could not read the server certificates: %v", err)
	}
	// MFADevices counts every device of the account (virtual devices
	// iamgate keeps, and serials a world file gives users), MFADevicesInUse
	// those assigned to a user.
	serials, inUse := map[string]bool{}, 0
	for _, d := range devs {
		serials[d.Serial] = true
	}
	for _, u := range a.Users {
		inUse += len(u.MFADevices)
		for _, s := range u.MFADevices {
			serials[s] = true
		}
	}
	versions := 0
	for _, p := range a.Policies {
		versions += max(len(p.Versions), 1)
	}
	m := map[string]int{
		"Users": len(a.Users), "UsersQuota": usersQuota,
		"Groups": len(a.Groups), "GroupsQuota": groupsQuota,
		"ServerCertificates": len(certs), "ServerCertificatesQuota": maxServerCertificates,
		"UserPolicySizeQuota": inlineQuota["user"], "GroupPolicySizeQuota": inlineQuota["group"],
		"GroupsPerUserQuota": maxGroupsPerUser, "SigningCertificatesPerUserQuota": maxSigningCertificates,
		"AccessKeysPerUserQuota": maxAccessKeys,
		"MFADevices":             len(serials), "MFADevicesInUse": inUse,
		"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 0, "AccountPasswordPresent": 0, "AccountSigningCertificatesPresent": 0,
		"AttachedPoliciesPerGroupQuota": maxManagedPerEntity, "AttachedPoliciesPerRoleQuota": maxManagedPerEntity,
		"AttachedPoliciesPerUserQuota": maxManagedPerEntity,
		"Policies":                     len(a.Policies), "PoliciesQuota": customerPoliciesQuota, "PolicySizeQuota": maxManagedPolicySize,
		"PolicyVersionsInUse": versions, "PolicyVersionsInUseQuota": policyVersionsInUseQuota, "VersionsPerPolicyQuota": maxPolicyVersions,
		"GlobalEndpointTokenVersion": tokenVersion(a), "AssumeRolePolicySizeQuota": maxTrustPolicySize,
		"InstanceProfiles": len(a.InstanceProfiles), "InstanceProfilesQuota": instanceProfilesQuota,
		"Providers": len(oidc) + len(saml), "RolePolicySizeQuota": inlineQuota["role"],
		"Roles": len(a.Roles), "RolesQuota": rolesQuota,
	}
	out := make(shape.Map[int32], len(m))
	for k, v := range m {
		out[k] = int32(v)
	}
	return &iamshape.GetAccountSummaryResponse{SummaryMap: out}, nil
}
