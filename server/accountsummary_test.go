package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	apimodel "github.com/iamgate/iamgate/api/model"
)

// GetAccountSummary: every key of the model's summaryKeyType (botocore
// iam/2010-05-08), the caller's account's counts, and AWS's default quotas
// (IAM User Guide, "IAM and AWS STS quotas": 5000 users, 300 groups, 1000
// roles, 1500 customer managed policies, 1000 instance profiles, 20 server
// certificates, 10 groups per user, 2 access keys and 2 signing
// certificates per user, 10 managed policies per entity, 5 versions per
// policy, 10000 policy versions in use; inline policy sizes 2048 user,
// 5120 group, 10240 role; 6144 managed policy, 2048 trust policy). Another
// account's entities are not counted; a caller without
// iam:GetAccountSummary is denied.
func TestAccountSummary(t *testing.T) {
	e, _, adminB := twoAccounts(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	before := must[*iam.GetAccountSummaryOutput](t)(c.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})).SummaryMap
	keys := apimodel.IAM.Shape("summaryKeyType").Enum
	if len(before) != len(keys) {
		t.Errorf("%d keys, the model has %d", len(before), len(keys))
	}
	for _, k := range keys {
		if _, ok := before[k]; !ok {
			t.Errorf("no %s", k)
		}
	}
	quotas := map[string]int32{"UsersQuota": 5000, "GroupsQuota": 300, "RolesQuota": 1000, "PoliciesQuota": 1500, "InstanceProfilesQuota": 1000,
		"ServerCertificatesQuota": 20, "GroupsPerUserQuota": 10, "AccessKeysPerUserQuota": 2, "SigningCertificatesPerUserQuota": 2,
		"AttachedPoliciesPerUserQuota": 10, "AttachedPoliciesPerGroupQuota": 10, "AttachedPoliciesPerRoleQuota": 10, "VersionsPerPolicyQuota": 5,
		"PolicyVersionsInUseQuota": 10000, "UserPolicySizeQuota": 2048, "GroupPolicySizeQuota": 5120, "RolePolicySizeQuota": 10240,
		"PolicySizeQuota": 6144, "AssumeRolePolicySizeQuota": 2048, "GlobalEndpointTokenVersion": 1,
		"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 0, "AccountPasswordPresent": 0, "AccountSigningCertificatesPresent": 0}
	for k, v := range quotas {
		if before[k] != v {
			t.Errorf("%s = %d, want %d", k, before[k], v)
		}
	}

	// What A adds is counted; what B adds is not.
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u1")}))
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u2")}))
	must[*iam.CreateGroupOutput](t)(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")}))
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	pol := must[*iam.CreatePolicyOutput](t)(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String(allowS3)}))
	must[*iam.CreatePolicyVersionOutput](t)(c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: pol.Policy.Arn, PolicyDocument: aws.String(allowAll)}))
	must[*iam.CreateInstanceProfileOutput](t)(c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("ip")}))
	must[*iam.CreateOpenIDConnectProviderOutput](t)(c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String("https://idp.example.test"), ClientIDList: []string{"app"}, ThumbprintList: []string{strings.Repeat("a", 40)}}))
	must[*iam.CreateVirtualMFADeviceOutput](t)(c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("spare")}))
	cb := e.iam(adminB)
	must[*iam.CreateUserOutput](t)(cb.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ub")}))
	must[*iam.CreateRoleOutput](t)(cb.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("rb"), AssumeRolePolicyDocument: aws.String(trustAccount)}))

	after := must[*iam.GetAccountSummaryOutput](t)(c.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})).SummaryMap
	for k, d := range map[string]int32{"Users": 2, "Groups": 1, "Roles": 1, "Policies": 1, "PolicyVersionsInUse": 2, "InstanceProfiles": 1,
		"Providers": 1, "MFADevices": 1, "MFADevicesInUse": 0} {
		if after[k]-before[k] != d {
			t.Errorf("%s went from %d to %d, want +%d", k, before[k], after[k], d)
		}
	}
	// B's summary counts B's own entities, which A's additions leave alone.
	sb := must[*iam.GetAccountSummaryOutput](t)(cb.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})).SummaryMap
	if sb["Users"] != 1 || sb["Policies"] != 0 || sb["Providers"] != 0 || sb["MFADevices"] != 0 {
		t.Errorf("B's summary: %v", sb)
	}

	// Without permission: denied, on "*".
	_, err := e.iam(e.newUser("nobody", "")).GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	msg := wantError(t, err, "AccessDenied", 403)
	contains(t, msg, "is not authorized to perform: iam:GetAccountSummary on resource: *")
	denyIt := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"},{"Effect":"Deny","Action":"iam:GetAccountSummary","Resource":"*"}]}`
	_, err = e.iam(e.newUser("denied", denyIt)).GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	wantError(t, err, "AccessDenied", 403)
}
