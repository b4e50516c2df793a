package server_test

import (
	"context"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	apiiam "github.com/iamgate/iamgate/api/iam"
	apists "github.com/iamgate/iamgate/api/sts"
	"github.com/iamgate/iamgate/credential"
)

var (
	calledMu sync.Mutex
	called   = map[string]bool{}
)

func orgCalled(op string) bool {
	calledMu.Lock()
	defer calledMu.Unlock()
	return called["organizations:"+op]
}

func recordCall(action string) {
	calledMu.Lock()
	called[action] = true
	calledMu.Unlock()
}

const allowS3 = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`

// TestEveryServedOperationThroughTheSDK drives every operation iamgate
// serves (TestEveryOperation covers the whole models) through
// aws-sdk-go-v2, each response checked against the botocore model, with
// IAM's rules for conflicts, limits and pagination along the way.
func TestEveryServedOperationThroughTheSDK(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	s := aws.String
	ok := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	// Users and tags.
	ok(c.CreateUser(ctx, &iam.CreateUserInput{UserName: s("u1"), Path: s("/team/"), Tags: []iamtypes.Tag{{Key: s("k"), Value: s("v")}}}))
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: s("u1")})
	wantError(t, err, "EntityAlreadyExists", 409)
	ok(c.GetUser(ctx, &iam.GetUserInput{UserName: s("u1")}))
	ok(c.GetUser(ctx, &iam.GetUserInput{}))
	ok(c.UpdateUser(ctx, &iam.UpdateUserInput{UserName: s("u1"), NewUserName: s("user1")}))
	ok(c.TagUser(ctx, &iam.TagUserInput{UserName: s("user1"), Tags: []iamtypes.Tag{{Key: s("k2"), Value: s("v2")}}}))
	ok(c.UntagUser(ctx, &iam.UntagUserInput{UserName: s("user1"), TagKeys: []string{"k"}}))
	tags, err := c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: s("user1")})
	ok(tags, err)
	if len(tags.Tags) != 1 || *tags.Tags[0].Key != "k2" {
		t.Fatalf("user tags: %+v", tags.Tags)
	}
	for _, n := range []string{"u2", "u3", "u4"} {
		ok(c.CreateUser(ctx, &iam.CreateUserInput{UserName: s(n)}))
	}
	// Pagination: MaxItems 2 over admin, u2, u3, u4, user1.
	var names []string
	p := iam.NewListUsersPaginator(c, &iam.ListUsersInput{MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		ok(page, err)
		for _, u := range page.Users {
			names = append(names, *u.UserName)
		}
	}
	if len(names) != 5 || names[0] != "admin" || names[4] != "user1" {
		t.Fatalf("paged users: %v", names)
	}
	team, err := c.ListUsers(ctx, &iam.ListUsersInput{PathPrefix: s("/team/")})
	ok(team, err)
	if len(team.Users) != 1 {
		t.Fatalf("path prefix: %d users", len(team.Users))
	}

	// Access keys.
	k1, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: s("user1")})
	ok(k1, err)
	ok(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: s("user1")}))
	_, err = c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: s("user1")})
	wantError(t, err, "LimitExceeded", 409)
	keys, err := c.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: s("user1")})
	ok(keys, err)
	if len(keys.AccessKeyMetadata) != 2 {
		t.Fatalf("keys: %d", len(keys.AccessKeyMetadata))
	}
	lu, err := c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: k1.AccessKey.AccessKeyId})
	ok(lu, err)
	if *lu.AccessKeyLastUsed.ServiceName != "N/A" {
		t.Fatalf("never used: %+v", lu.AccessKeyLastUsed)
	}
	ok(e.sts(aws.Credentials{AccessKeyID: *k1.AccessKey.AccessKeyId, SecretAccessKey: *k1.AccessKey.SecretAccessKey}).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	lu, err = c.GetAccessKeyLastUsed(ctx, &iam.GetAccessKeyLastUsedInput{AccessKeyId: k1.AccessKey.AccessKeyId})
	ok(lu, err)
	if *lu.AccessKeyLastUsed.ServiceName != "sts" || *lu.AccessKeyLastUsed.Region != "eu-central-1" || lu.AccessKeyLastUsed.LastUsedDate == nil {
		t.Fatalf("last used: %+v", lu.AccessKeyLastUsed)
	}
	ok(c.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: s("user1"), AccessKeyId: k1.AccessKey.AccessKeyId, Status: iamtypes.StatusTypeInactive}))
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: s("user1")})
	wantError(t, err, "DeleteConflict", 409)
	for _, k := range keys.AccessKeyMetadata {
		ok(c.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: s("user1"), AccessKeyId: k.AccessKeyId}))
	}

	// Groups and membership.
	ok(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: s("g1")}))
	ok(c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: s("g1"), UserName: s("user1")}))
	g, err := c.GetGroup(ctx, &iam.GetGroupInput{GroupName: s("g1")})
	ok(g, err)
	if len(g.Users) != 1 {
		t.Fatalf("group users: %d", len(g.Users))
	}
	ok(c.ListGroups(ctx, &iam.ListGroupsInput{}))
	ok(c.ListGroupsForUser(ctx, &iam.ListGroupsForUserInput{UserName: s("user1")}))
	ok(c.UpdateGroup(ctx, &iam.UpdateGroupInput{GroupName: s("g1"), NewGroupName: s("group1")}))
	_, err = c.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: s("group1")})
	wantError(t, err, "DeleteConflict", 409)

	// Roles.
	ok(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: s("r1"), AssumeRolePolicyDocument: s(trustAccount), Description: s("d"), MaxSessionDuration: aws.Int32(7200)}))
	ok(c.GetRole(ctx, &iam.GetRoleInput{RoleName: s("r1")}))
	ok(c.ListRoles(ctx, &iam.ListRolesInput{}))
	ok(c.UpdateRole(ctx, &iam.UpdateRoleInput{RoleName: s("r1"), MaxSessionDuration: aws.Int32(3600)}))
	ok(c.UpdateRoleDescription(ctx, &iam.UpdateRoleDescriptionInput{RoleName: s("r1"), Description: s("new")}))
	ok(c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: s("r1"), PolicyDocument: s(trustAccount)}))
	_, err = c.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: s("r1"), PolicyDocument: s(allowS3)})
	wantError(t, err, "MalformedPolicyDocument", 400)
	ok(c.TagRole(ctx, &iam.TagRoleInput{RoleName: s("r1"), Tags: []iamtypes.Tag{{Key: s("a"), Value: s("b")}}}))
	ok(c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: s("r1"), TagKeys: []string{"a"}}))
	ok(c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: s("r1")}))

	// Managed policies and versions.
	pol, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: s("mp"), PolicyDocument: s(allowS3), Description: s("desc")})
	ok(pol, err)
	arn := pol.Policy.Arn
	ok(c.TagPolicy(ctx, &iam.TagPolicyInput{PolicyArn: arn, Tags: []iamtypes.Tag{{Key: s("a"), Value: s("b")}}}))
	ok(c.UntagPolicy(ctx, &iam.UntagPolicyInput{PolicyArn: arn, TagKeys: []string{"a"}}))
	ok(c.ListPolicyTags(ctx, &iam.ListPolicyTagsInput{PolicyArn: arn}))
	for i := 0; i < 4; i++ {
		ok(c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: s(allowS3), SetAsDefault: i == 3}))
	}
	_, err = c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: arn, PolicyDocument: s(allowS3)})
	wantError(t, err, "LimitExceeded", 409)
	vs, err := c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: arn})
	ok(vs, err)
	if len(vs.Versions) != 5 {
		t.Fatalf("versions: %d", len(vs.Versions))
	}
	_, err = c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: s("v5")})
	wantError(t, err, "DeleteConflict", 409)
	ok(c.SetDefaultPolicyVersion(ctx, &iam.SetDefaultPolicyVersionInput{PolicyArn: arn, VersionId: s("v1")}))
	v, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: arn, VersionId: s("v2")})
	ok(v, err)
	if doc, _ := url.QueryUnescape(*v.PolicyVersion.Document); doc != allowS3 {
		t.Fatalf("version document: %s", doc)
	}
	got, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: arn})
	ok(got, err)
	if *got.Policy.DefaultVersionId != "v1" {
		t.Fatalf("default version: %s", *got.Policy.DefaultVersionId)
	}
	ro, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: s("arn:aws:iam::aws:policy/ReadOnlyAccess")})
	ok(ro, err)
	ok(c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: ro.Policy.Arn, VersionId: ro.Policy.DefaultVersionId}))
	local, err := c.ListPolicies(ctx, &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal})
	ok(local, err)
	if len(local.Policies) != 1 {
		t.Fatalf("local policies: %d", len(local.Policies))
	}
	all, err := c.ListPolicies(ctx, &iam.ListPoliciesInput{MaxItems: aws.Int32(1000)})
	ok(all, err)
	if !all.IsTruncated || len(all.Policies) != 1000 {
		t.Fatalf("all policies: %d truncated=%v", len(all.Policies), all.IsTruncated)
	}

	// Attach, detach, inline policies for each kind.
	for _, kind := range []string{"user", "group", "role"} {
		name := map[string]string{"user": "user1", "group": "group1", "role": "r1"}[kind]
		switch kind {
		case "user":
			ok(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: s(name), PolicyArn: arn}))
			ok(c.ListAttachedUserPolicies(ctx, &iam.ListAttachedUserPoliciesInput{UserName: s(name)}))
			ok(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: s(name), PolicyName: s("in"), PolicyDocument: s(allowS3)}))
			ok(c.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: s(name), PolicyName: s("in")}))
			ok(c.ListUserPolicies(ctx, &iam.ListUserPoliciesInput{UserName: s(name)}))
		case "group":
			ok(c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: s(name), PolicyArn: arn}))
			ok(c.ListAttachedGroupPolicies(ctx, &iam.ListAttachedGroupPoliciesInput{GroupName: s(name)}))
			ok(c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: s(name), PolicyName: s("in"), PolicyDocument: s(allowS3)}))
			ok(c.GetGroupPolicy(ctx, &iam.GetGroupPolicyInput{GroupName: s(name), PolicyName: s("in")}))
			ok(c.ListGroupPolicies(ctx, &iam.ListGroupPoliciesInput{GroupName: s(name)}))
		case "role":
			ok(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: s(name), PolicyArn: arn}))
			ok(c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: s(name)}))
			ok(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: s(name), PolicyName: s("in"), PolicyDocument: s(allowS3)}))
			ok(c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: s(name), PolicyName: s("in")}))
			ok(c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: s(name)}))
		}
	}
	ents, err := c.ListEntitiesForPolicy(ctx, &iam.ListEntitiesForPolicyInput{PolicyArn: arn})
	ok(ents, err)
	if len(ents.PolicyUsers) != 1 || len(ents.PolicyGroups) != 1 || len(ents.PolicyRoles) != 1 {
		t.Fatalf("entities: %+v", ents)
	}
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: arn})
	wantError(t, err, "DeleteConflict", 409)

	// Boundaries.
	ok(c.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: s("user1"), PermissionsBoundary: arn}))
	ok(c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: s("r1"), PermissionsBoundary: arn}))
	_, err = c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: s("r1"), PermissionsBoundary: s("arn:aws:iam::123456789012:policy/nope")})
	wantError(t, err, "NoSuchEntity", 404)
	ok(c.DeleteUserPermissionsBoundary(ctx, &iam.DeleteUserPermissionsBoundaryInput{UserName: s("user1")}))
	ok(c.DeleteRolePermissionsBoundary(ctx, &iam.DeleteRolePermissionsBoundaryInput{RoleName: s("r1")}))

	// Instance profiles.
	ok(c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: s("ip")}))
	ok(c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: s("ip"), RoleName: s("r1")}))
	_, err = c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: s("ip"), RoleName: s("r1")})
	wantError(t, err, "LimitExceeded", 409)
	ok(c.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: s("ip")}))
	ok(c.TagInstanceProfile(ctx, &iam.TagInstanceProfileInput{InstanceProfileName: s("ip"), Tags: []iamtypes.Tag{{Key: s("a"), Value: s("b")}}}))
	ok(c.UntagInstanceProfile(ctx, &iam.UntagInstanceProfileInput{InstanceProfileName: s("ip"), TagKeys: []string{"a"}}))
	ok(c.ListInstanceProfileTags(ctx, &iam.ListInstanceProfileTagsInput{InstanceProfileName: s("ip")}))
	ok(c.ListInstanceProfiles(ctx, &iam.ListInstanceProfilesInput{}))
	ok(c.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: s("r1")}))
	_, err = c.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: s("ip")})
	wantError(t, err, "DeleteConflict", 409)

	// Account alias and the authorization details.
	ok(c.CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: s("my-org-main")}))
	aliases, err := c.ListAccountAliases(ctx, &iam.ListAccountAliasesInput{})
	ok(aliases, err)
	if len(aliases.AccountAliases) != 1 {
		t.Fatalf("aliases: %v", aliases.AccountAliases)
	}
	ok(c.DeleteAccountAlias(ctx, &iam.DeleteAccountAliasInput{AccountAlias: s("my-org-main")}))
	ok(c.SetSecurityTokenServicePreferences(ctx, &iam.SetSecurityTokenServicePreferencesInput{GlobalEndpointTokenVersion: iamtypes.GlobalEndpointTokenVersionV2Token}))
	ok(c.SetSecurityTokenServicePreferences(ctx, &iam.SetSecurityTokenServicePreferencesInput{GlobalEndpointTokenVersion: iamtypes.GlobalEndpointTokenVersionV1Token}))
	var details []*iam.GetAccountAuthorizationDetailsOutput
	gp := iam.NewGetAccountAuthorizationDetailsPaginator(c, &iam.GetAccountAuthorizationDetailsInput{MaxItems: aws.Int32(3)})
	for gp.HasMorePages() {
		page, err := gp.NextPage(ctx)
		ok(page, err)
		details = append(details, page)
	}
	var nUsers, nRoles, nPolicies int
	for _, d := range details {
		nUsers += len(d.UserDetailList)
		nRoles += len(d.RoleDetailList)
		nPolicies += len(d.Policies)
	}
	if nUsers != 5 || nRoles != 1 || nPolicies != 2 { // mp and AdministratorAccess
		t.Fatalf("details: %d users, %d roles, %d policies", nUsers, nRoles, nPolicies)
	}

	// Tear down in IAM's order.
	ok(c.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: s("ip"), RoleName: s("r1")}))
	ok(c.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: s("ip")}))
	ok(c.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: s("user1"), PolicyArn: arn}))
	ok(c.DetachGroupPolicy(ctx, &iam.DetachGroupPolicyInput{GroupName: s("group1"), PolicyArn: arn}))
	ok(c.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: s("r1"), PolicyArn: arn}))
	ok(c.DeleteUserPolicy(ctx, &iam.DeleteUserPolicyInput{UserName: s("user1"), PolicyName: s("in")}))
	ok(c.DeleteGroupPolicy(ctx, &iam.DeleteGroupPolicyInput{GroupName: s("group1"), PolicyName: s("in")}))
	ok(c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: s("r1"), PolicyName: s("in")}))
	_, err = c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: arn})
	wantError(t, err, "DeleteConflict", 409) // versions remain
	for _, id := range []string{"v2", "v3", "v4", "v5"} {
		ok(c.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: arn, VersionId: s(id)}))
	}
	ok(c.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: arn}))
	ok(c.RemoveUserFromGroup(ctx, &iam.RemoveUserFromGroupInput{GroupName: s("group1"), UserName: s("user1")}))
	ok(c.DeleteGroup(ctx, &iam.DeleteGroupInput{GroupName: s("group1")}))
	ok(c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: s("user1")}))
	ok(c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: s("r1")}))
	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: s("r1")})
	wantError(t, err, "NoSuchEntity", 404)

	// Access advisor (more in TestAccessAdvisor).
	job, err := c.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: s("arn:aws:iam::123456789012:user/admin")})
	ok(job, err)
	ok(c.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: job.JobId}))
	ok(c.GetServiceLastAccessedDetailsWithEntities(ctx, &iam.GetServiceLastAccessedDetailsWithEntitiesInput{JobId: job.JobId, ServiceNamespace: s("iam")}))
	ok(c.ListPoliciesGrantingServiceAccess(ctx, &iam.ListPoliciesGrantingServiceAccessInput{Arn: s("arn:aws:iam::123456789012:user/admin"), ServiceNamespaces: []string{"iam"}}))

	// Simulation (more in simulate_test.go).
	ok(c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: s("arn:aws:iam::123456789012:user/admin"), ActionNames: []string{"s3:GetObject"}}))
	ok(c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{allowS3}, ActionNames: []string{"s3:GetObject"}}))
	ok(c.GetContextKeysForPrincipalPolicy(ctx, &iam.GetContextKeysForPrincipalPolicyInput{PolicySourceArn: s("arn:aws:iam::123456789012:user/admin")}))
	ok(c.GetContextKeysForCustomPolicy(ctx, &iam.GetContextKeysForCustomPolicyInput{PolicyInputList: []string{allowS3}}))

	// Passwords and MFA devices (more in credentials_test.go).
	ok(c.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{AllowUsersToChangePassword: true}))
	ok(c.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{}))
	ok(c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: s("admin"), Password: s("Adm1n-Passw0rd")}))
	ok(c.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: s("admin"), PasswordResetRequired: aws.Bool(true)}))
	ok(c.ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: s("Adm1n-Passw0rd"), NewPassword: s("Adm1n-Passw0rd-2")}))
	ok(c.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: s("admin")}))
	ok(c.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: s("admin")}))
	ok(c.DeleteAccountPasswordPolicy(ctx, &iam.DeleteAccountPasswordPolicyInput{}))
	serial, seed := enableMFA(t, c, "admin")
	ok(c.GetMFADevice(ctx, &iam.GetMFADeviceInput{SerialNumber: s(serial), UserName: s("admin")}))
	ok(c.TagMFADevice(ctx, &iam.TagMFADeviceInput{SerialNumber: s(serial), Tags: []iamtypes.Tag{{Key: s("k"), Value: s("v")}}}))
	ok(c.ListMFADeviceTags(ctx, &iam.ListMFADeviceTagsInput{SerialNumber: s(serial)}))
	ok(c.UntagMFADevice(ctx, &iam.UntagMFADeviceInput{SerialNumber: s(serial), TagKeys: []string{"k"}}))
	n := credential.Counter(time.Now()) + 2
	ok(c.ResyncMFADevice(ctx, &iam.ResyncMFADeviceInput{UserName: s("admin"), SerialNumber: s(serial),
		AuthenticationCode1: s(totpCode(t, seed, n-1)), AuthenticationCode2: s(totpCode(t, seed, n))}))
	ok(c.ListMFADevices(ctx, &iam.ListMFADevicesInput{UserName: s("admin")}))
	ok(c.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{}))
	spare := must[*iam.CreateVirtualMFADeviceOutput](t)(c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: s("spare")}))
	ok(c.DeleteVirtualMFADevice(ctx, &iam.DeleteVirtualMFADeviceInput{SerialNumber: spare.VirtualMFADevice.SerialNumber}))

	// OIDC providers and AssumeRoleWithWebIdentity (more in federation_test.go).
	exerciseFederation(t, e)
	exerciseSAML(t, e)

	// STS.
	st := e.sts(e.admin)
	tok, err := st.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: s(serial), TokenCode: s(totpCode(t, seed, n+1))})
	ok(tok, err)
	ok(c.DeactivateMFADevice(ctx, &iam.DeactivateMFADeviceInput{UserName: s("admin"), SerialNumber: s(serial)}))
	id, err := e.sts(session(tok.Credentials)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	ok(id, err)
	if *id.Arn != "arn:aws:iam::123456789012:user/admin" {
		t.Fatalf("session-token identity: %s", *id.Arn)
	}
	_, err = e.sts(session(tok.Credentials)).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	wantError(t, err, "AccessDenied", 403)
	ok(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: s("sts-role"), AssumeRolePolicyDocument: s(trustAccount)}))
	assumed, err := st.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: s("arn:aws:iam::123456789012:role/sts-role"), RoleSessionName: s("every-op")})
	ok(assumed, err)
	_, err = e.iam(session(assumed.Credentials)).ListRoles(ctx, &iam.ListRolesInput{})
	_, _, denial := apiError(t, err)
	_, encoded := splitDenied(denial)
	ok(st.DecodeAuthorizationMessage(ctx, &sts.DecodeAuthorizationMessageInput{EncodedMessage: s(encoded)}))
	info, err := st.GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: tok.Credentials.AccessKeyId})
	ok(info, err)
	if *info.Account != "123456789012" {
		t.Fatalf("key account: %s", *info.Account)
	}
	// The credential report (server/credreport_test.go tests it in full).
	ok(c.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{}))
	ok(c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{}))
	// GetFederationToken (server/federationtoken_test.go tests it in full).
	ok(st.GetFederationToken(ctx, &sts.GetFederationTokenInput{Name: s("every-op"), Policy: s(allowS3)}))
	// Outbound web identity federation (server/outbound_test.go tests it
	// in full).
	ok(c.EnableOutboundWebIdentityFederation(ctx, &iam.EnableOutboundWebIdentityFederationInput{}))
	ok(c.GetOutboundWebIdentityFederationInfo(ctx, &iam.GetOutboundWebIdentityFederationInfoInput{}))
	ok(st.GetWebIdentityToken(ctx, &sts.GetWebIdentityTokenInput{Audience: []string{"https://api.example.test"}, SigningAlgorithm: s("ES384")}))
	ok(c.DisableOutboundWebIdentityFederation(ctx, &iam.DisableOutboundWebIdentityFederationInput{}))

	// SSH public keys and signing certificates (server/sshkeys_test.go and
	// server/certificates_test.go test them in full).
	ok(c.CreateUser(ctx, &iam.CreateUserInput{UserName: s("ssh-user")}))
	sshBody, _ := rsaSSHKey(t, 2048)
	up, err := c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: s("ssh-user"), SSHPublicKeyBody: s(sshBody)})
	ok(up, err)
	ok(c.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: s("ssh-user"), SSHPublicKeyId: up.SSHPublicKey.SSHPublicKeyId, Encoding: "PEM"}))
	ok(c.ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{UserName: s("ssh-user")}))
	ok(c.UpdateSSHPublicKey(ctx, &iam.UpdateSSHPublicKeyInput{UserName: s("ssh-user"), SSHPublicKeyId: up.SSHPublicKey.SSHPublicKeyId, Status: "Inactive"}))
	ok(c.DeleteSSHPublicKey(ctx, &iam.DeleteSSHPublicKeyInput{UserName: s("ssh-user"), SSHPublicKeyId: up.SSHPublicKey.SSHPublicKeyId}))
	cert, err := c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: s("ssh-user"), CertificateBody: s(selfSigned(t, time.Now().Add(-time.Hour), time.Now().Add(time.Hour)))})
	ok(cert, err)
	ok(c.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: s("ssh-user")}))
	ok(c.UpdateSigningCertificate(ctx, &iam.UpdateSigningCertificateInput{UserName: s("ssh-user"), CertificateId: cert.Certificate.CertificateId, Status: "Inactive"}))
	ok(c.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{UserName: s("ssh-user"), CertificateId: cert.Certificate.CertificateId}))
	// Server certificates.
	sc := issue(t, "www.example.test", nil, false)
	ok(c.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: s("www"), CertificateBody: s(sc.certPEM), PrivateKey: s(sc.keyPEM)}))
	ok(c.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: s("www")}))
	ok(c.ListServerCertificates(ctx, &iam.ListServerCertificatesInput{}))
	ok(c.UpdateServerCertificate(ctx, &iam.UpdateServerCertificateInput{ServerCertificateName: s("www"), NewServerCertificateName: s("web")}))
	ok(c.TagServerCertificate(ctx, &iam.TagServerCertificateInput{ServerCertificateName: s("web"), Tags: []iamtypes.Tag{{Key: s("k"), Value: s("v")}}}))
	ok(c.ListServerCertificateTags(ctx, &iam.ListServerCertificateTagsInput{ServerCertificateName: s("web")}))
	ok(c.UntagServerCertificate(ctx, &iam.UntagServerCertificateInput{ServerCertificateName: s("web"), TagKeys: []string{"k"}}))
	ok(c.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: s("web")}))
	// Service-specific credentials.
	ssc := must[*iam.CreateServiceSpecificCredentialOutput](t)(c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: s("ssh-user"), ServiceName: s("codecommit.amazonaws.com")})).ServiceSpecificCredential
	ok(c.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: s("ssh-user")}))
	ok(c.ResetServiceSpecificCredential(ctx, &iam.ResetServiceSpecificCredentialInput{UserName: s("ssh-user"), ServiceSpecificCredentialId: ssc.ServiceSpecificCredentialId}))
	ok(c.UpdateServiceSpecificCredential(ctx, &iam.UpdateServiceSpecificCredentialInput{UserName: s("ssh-user"), ServiceSpecificCredentialId: ssc.ServiceSpecificCredentialId, Status: "Inactive"}))
	ok(c.DeleteServiceSpecificCredential(ctx, &iam.DeleteServiceSpecificCredentialInput{UserName: s("ssh-user"), ServiceSpecificCredentialId: ssc.ServiceSpecificCredentialId}))

	// Service-linked roles and the account summary (server/servicelinked_test.go
	// and server/accountsummary_test.go test them in full).
	ok(c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: s("elasticloadbalancing.amazonaws.com")}))
	slrDel, err := c.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: s("AWSServiceRoleForElasticLoadBalancing")})
	ok(slrDel, err)
	ok(c.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: slrDel.DeletionTaskId}))
	ok(c.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{}))

	// Temporary delegation (server/delegation_test.go tests it in full),
	// on a server that delivers notifications.
	exerciseDelegation(t)
	// Centralized root access and AssumeRoot (server/rootaccess_test.go
	// tests them in full); last, as it makes an organization.
	exerciseRootAccess(t, e)
	// The Organizations report (more in orgaccessreport_test.go), from the
	// management account of the organization exerciseRootAccess made.
	oc := e.org(e.admin)
	org, err := oc.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	ok(org, err)
	roots, err := oc.ListRoots(ctx, &organizations.ListRootsInput{})
	ok(roots, err)
	orgJob, err := c.GenerateOrganizationsAccessReport(ctx, &iam.GenerateOrganizationsAccessReportInput{EntityPath: s(*org.Organization.Id + "/" + *roots.Roots[0].Id)})
	ok(orgJob, err)
	ok(c.GetOrganizationsAccessReport(ctx, &iam.GetOrganizationsAccessReportInput{JobId: orgJob.JobId, MaxItems: aws.Int32(10)}))

	calledMu.Lock()
	defer calledMu.Unlock()
	for _, op := range keysOf(apiiam.Operations) {
		if !called[op] {
			t.Errorf("IAM %s was not exercised", op)
		}
	}
	for _, op := range keysOf(apists.Operations) {
		if !called[op] {
			t.Errorf("STS %s was not exercised", op)
		}
	}
}
