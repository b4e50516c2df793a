package server_test

import (
	"context"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	apiiam "github.com/iamgate/iamgate/api/iam"
	"github.com/iamgate/iamgate/federation/samltest"
)

// The names of what exists and of what does not, in every row below.
const (
	present = "Zpresent"
	absent  = "Zabsent"
)

// enumRow is one IAM operation naming something that exists (n is present)
// or not (n is absent).
type enumRow struct {
	params func(n string) url.Values
	// maskResource compares the messages without the resource they name:
	// a key that is not there has no user to name.
	maskResource bool
}

var resourceInMessage = regexp.MustCompile(`on resource: \S+`)

// normalize makes the denials of the present and of the absent entity
// comparable: their names differ, nothing else may.
func normalize(msg string, mask bool) string {
	msg = strings.ReplaceAll(strings.ReplaceAll(msg, present, "NAME"), absent, "NAME")
	if mask {
		msg = resourceInMessage.ReplaceAllString(msg, "on resource: R")
	}
	return msg
}

// No enumeration: IAM authorizes a request before it looks anything up, so a
// caller who may not call an operation gets the same AccessDenied whether
// the user, group, role, policy, version, instance profile, key, job or
// alias it names exists or not (the IAM User Guide, "Policy evaluation
// logic": a request is authorized before it is processed; the IAM API
// Reference lists NoSuchEntity, EntityAlreadyExists, DeleteConflict and
// LimitExceeded as errors of processing). Only checks of the input alone
// (names, lengths, patterns) may come first. Every operation iamgate serves
// has a row, so a new one fails this test until it has one.
func TestEnumerationEveryOperationDeniesAlike(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.iam(e.admin)
	s := aws.String
	// What exists, all at path "/" so that the present and the absent
	// entity's ARNs differ only by name.
	must[*iam.CreatePolicyOutput](t)(admin.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: s(present), PolicyDocument: s(allowS3)}))
	policyARN := func(n string) string { return "arn:aws:iam::" + accountA + ":policy/" + n }
	must[*iam.CreatePolicyVersionOutput](t)(admin.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: s(policyARN(present)), PolicyDocument: s(allowS3)}))
	must[*iam.CreateUserOutput](t)(admin.CreateUser(ctx, &iam.CreateUserInput{UserName: s(present), PermissionsBoundary: s(policyARN(present))}))
	must[*iam.PutUserPolicyOutput](t)(admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: s(present), PolicyName: s("p"), PolicyDocument: s(allowS3)}))
	key := must[*iam.CreateAccessKeyOutput](t)(admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: s(present)})).AccessKey.AccessKeyId
	keys := map[string]string{present: *key, absent: "AKIAIOSFODNN7EXAMPLE"}
	must[*iam.CreateGroupOutput](t)(admin.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: s(present)}))
	must[*iam.AddUserToGroupOutput](t)(admin.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: s(present), UserName: s(present)}))
	must[*iam.PutGroupPolicyOutput](t)(admin.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: s(present), PolicyName: s("p"), PolicyDocument: s(allowS3)}))
	must[*iam.CreateRoleOutput](t)(admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: s(present), AssumeRolePolicyDocument: s(trustAccount), PermissionsBoundary: s(policyARN(present))}))
	must[*iam.PutRolePolicyOutput](t)(admin.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: s(present), PolicyName: s("p"), PolicyDocument: s(allowS3)}))
	must[*iam.CreateInstanceProfileOutput](t)(admin.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: s(present)}))
	must[*iam.CreateAccountAliasOutput](t)(admin.CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: s("zpresent")}))
	job := must[*iam.GenerateServiceLastAccessedDetailsOutput](t)(admin.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{Arn: s("arn:aws:iam::" + accountA + ":user/" + present)})).JobId
	jobs := map[string]string{present: *job, absent: "00000000-0000-0000-0000-000000000000"}
	aliases := map[string]string{present: "zpresent", absent: "zabsent"}
	nobody := e.newUser("nobody", "")
	must[*iam.CreateLoginProfileOutput](t)(admin.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: s(present), Password: s("Pr3sent-Passw0rd")}))
	must[*iam.UpdateAccountPasswordPolicyOutput](t)(admin.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{}))
	must[*iam.CreateVirtualMFADeviceOutput](t)(admin.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: s(present)}))
	device := "arn:aws:iam::" + accountA + ":mfa/" + present
	metadata := samltest.New(t, "https://idp.example.test/saml").Metadata()
	must[*iam.CreateSAMLProviderOutput](t)(admin.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: s(present), SAMLMetadataDocument: s(metadata)}))
	must[*iam.CreateOpenIDConnectProviderOutput](t)(admin.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: s("https://idp.example.test/" + present), ClientIDList: []string{"app"}, ThumbprintList: []string{strings.Repeat("a", 40)}}))
	sshBody, _ := rsaSSHKey(t, 2048)
	sshKey := must[*iam.UploadSSHPublicKeyOutput](t)(admin.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: s(present), SSHPublicKeyBody: s(sshBody)})).SSHPublicKey.SSHPublicKeyId
	sshKeys := map[string]string{present: *sshKey, absent: "APKAAAAAAAAAAAAAAAAAA"}
	certBody := selfSigned(t, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	cert := must[*iam.UploadSigningCertificateOutput](t)(admin.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: s(present), CertificateBody: s(certBody)})).Certificate.CertificateId
	certs := map[string]string{present: *cert, absent: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
	must[*iam.CreateServiceLinkedRoleOutput](t)(admin.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: s("autoscaling.amazonaws.com"), CustomSuffix: s(present)}))
	slrTask := must[*iam.DeleteServiceLinkedRoleOutput](t)(admin.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: s("AWSServiceRoleForAutoScaling_" + present)})).DeletionTaskId
	must[*iam.CreateServiceLinkedRoleOutput](t)(admin.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: s("autoscaling.amazonaws.com"), CustomSuffix: s(present)}))
	slrTasks := map[string]string{present: *slrTask,
		absent: "task/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling_" + absent + "/00000000-0000-4000-8000-000000000000"}
	serverCert := issue(t, "www.example.test", nil, false)
	must[*iam.UploadServerCertificateOutput](t)(admin.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: s(present), CertificateBody: s(serverCert.certPEM), PrivateKey: s(serverCert.keyPEM)}))
	serviceCred := must[*iam.CreateServiceSpecificCredentialOutput](t)(admin.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: s(present), ServiceName: s("codecommit.amazonaws.com")})).ServiceSpecificCredential.ServiceSpecificCredentialId
	serviceCreds := map[string]string{present: *serviceCred, absent: "ACCAAAAAAAAAAAAAAAAAA"}
	delegation := must[*iam.CreateDelegationRequestOutput](t)(admin.CreateDelegationRequest(ctx, &iam.CreateDelegationRequestInput{Description: s("d"),
		RequestorWorkflowId: s(present), NotificationChannel: s(partnerChannel), SessionDuration: aws.Int32(900), OwnerAccountId: s(accountA),
		Permissions: &iamtypes.DelegationPermission{PolicyTemplateArn: s("arn:aws:iam::aws:policy/IAMUserChangePassword")}})).DelegationRequestId
	must[*iam.AssociateDelegationRequestOutput](t)(admin.AssociateDelegationRequest(ctx, &iam.AssociateDelegationRequestInput{DelegationRequestId: delegation}))
	delegations := map[string]string{present: *delegation, absent: "dr-aaaaaaaaaaaaaaaaaaaaaaaa"}

	arnOf := func(kind string) func(n string) string {
		return func(n string) string { return "arn:aws:iam::" + accountA + ":" + kind + "/" + n }
	}
	v := func(kv ...string) url.Values {
		out := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			out.Add(kv[i], kv[i+1])
		}
		return out
	}
	named := func(param string, more ...string) enumRow {
		return enumRow{params: func(n string) url.Values { return v(append([]string{param, n}, more...)...) }}
	}
	byARN := func(param string, arn func(string) string, more ...string) enumRow {
		return enumRow{params: func(n string) url.Values { return v(append([]string{param, arn(n)}, more...)...) }}
	}
	oidcARN := func(n string) string { return "arn:aws:iam::" + accountA + ":oidc-provider/idp.example.test/" + n }
	fixed := func(kv ...string) enumRow { return enumRow{params: func(string) url.Values { return v(kv...) }} }
	doc := allowS3
	byDelegation := func(more ...string) enumRow {
		return enumRow{params: func(n string) url.Values {
			return v(append([]string{"DelegationRequestId", delegations[n]}, more...)...)
		}, maskResource: true}
	}
	rows := map[string]enumRow{
		// Temporary delegation: the request's ID is in the resource.
		"CreateDelegationRequest": {params: func(n string) url.Values {
			return v("Description", "d", "RequestorWorkflowId", n, "NotificationChannel", partnerChannel, "SessionDuration", "900",
				"Permissions.PolicyTemplateArn", "arn:aws:iam::aws:policy/IAMUserChangePassword")
		}, maskResource: true},
		"GetDelegationRequest":       byDelegation("DelegationPermissionCheck", "true"),
		"ListDelegationRequests":     fixed(),
		"AssociateDelegationRequest": byDelegation(),
		"UpdateDelegationRequest":    byDelegation("Notes", "n"),
		"AcceptDelegationRequest":    byDelegation(),
		"RejectDelegationRequest":    byDelegation("Notes", "n"),
		"SendDelegationToken":        byDelegation(),
		"GetHumanReadableSummary": {params: func(n string) url.Values {
			return v("EntityArn", "arn:aws:iam::"+accountA+":delegation-request/"+delegations[n])
		}, maskResource: true},
		// Users.
		"CreateUser":                    named("UserName"),
		"GetUser":                       named("UserName"),
		"UpdateUser":                    named("UserName", "NewPath", "/moved/"),
		"DeleteUser":                    named("UserName"),
		"ListUsers":                     fixed(),
		"PutUserPermissionsBoundary":    named("UserName", "PermissionsBoundary", policyARN(present)),
		"DeleteUserPermissionsBoundary": named("UserName"),
		"PutUserPolicy":                 named("UserName", "PolicyName", "p", "PolicyDocument", doc),
		"GetUserPolicy":                 named("UserName", "PolicyName", "p"),
		"ListUserPolicies":              named("UserName"),
		"DeleteUserPolicy":              named("UserName", "PolicyName", "p"),
		"AttachUserPolicy":              named("UserName", "PolicyArn", policyARN(present)),
		"DetachUserPolicy":              named("UserName", "PolicyArn", policyARN(present)),
		"ListAttachedUserPolicies":      named("UserName"),
		"TagUser":                       named("UserName", "Tags.member.1.Key", "k", "Tags.member.1.Value", "v"),
		"UntagUser":                     named("UserName", "TagKeys.member.1", "k"),
		"ListUserTags":                  named("UserName"),
		"ListGroupsForUser":             named("UserName"),
		// Passwords.
		"CreateLoginProfile":          named("UserName", "Password", "An0ther-Passw0rd"),
		"GetLoginProfile":             named("UserName"),
		"UpdateLoginProfile":          named("UserName", "PasswordResetRequired", "true"),
		"DeleteLoginProfile":          named("UserName"),
		"ChangePassword":              fixed("OldPassword", "Pr3sent-Passw0rd", "NewPassword", "An0ther-Passw0rd"),
		"UpdateAccountPasswordPolicy": fixed(),
		"GetAccountPasswordPolicy":    fixed(),
		"DeleteAccountPasswordPolicy": fixed(),
		// MFA devices, by user and by serial number.
		"CreateVirtualMFADevice": named("VirtualMFADeviceName"),
		"DeleteVirtualMFADevice": byARN("SerialNumber", arnOf("mfa")),
		"TagMFADevice":           byARN("SerialNumber", arnOf("mfa"), "Tags.member.1.Key", "k", "Tags.member.1.Value", "v"),
		"UntagMFADevice":         byARN("SerialNumber", arnOf("mfa"), "TagKeys.member.1", "k"),
		"ListMFADeviceTags":      byARN("SerialNumber", arnOf("mfa")),
		"EnableMFADevice":        named("UserName", "SerialNumber", device, "AuthenticationCode1", "123456", "AuthenticationCode2", "654321"),
		"ResyncMFADevice":        named("UserName", "SerialNumber", device, "AuthenticationCode1", "123456", "AuthenticationCode2", "654321"),
		"DeactivateMFADevice":    named("UserName", "SerialNumber", device),
		"GetMFADevice":           named("UserName", "SerialNumber", device),
		"ListMFADevices":         named("UserName"),
		"ListVirtualMFADevices":  fixed(),
		// OIDC providers, by ARN (the URL without https://).
		"CreateOpenIDConnectProvider": {params: func(n string) url.Values {
			return v("Url", "https://idp.example.test/"+n, "ThumbprintList.member.1", strings.Repeat("a", 40))
		}},
		"GetOpenIDConnectProvider":                byARN("OpenIDConnectProviderArn", oidcARN),
		"DeleteOpenIDConnectProvider":             byARN("OpenIDConnectProviderArn", oidcARN),
		"ListOpenIDConnectProviders":              fixed(),
		"AddClientIDToOpenIDConnectProvider":      byARN("OpenIDConnectProviderArn", oidcARN, "ClientID", "other"),
		"RemoveClientIDFromOpenIDConnectProvider": byARN("OpenIDConnectProviderArn", oidcARN, "ClientID", "app"),
		"UpdateOpenIDConnectProviderThumbprint":   byARN("OpenIDConnectProviderArn", oidcARN, "ThumbprintList.member.1", strings.Repeat("b", 40)),
		"TagOpenIDConnectProvider":                byARN("OpenIDConnectProviderArn", oidcARN, "Tags.member.1.Key", "k", "Tags.member.1.Value", "v"),
		"UntagOpenIDConnectProvider":              byARN("OpenIDConnectProviderArn", oidcARN, "TagKeys.member.1", "k"),
		"ListOpenIDConnectProviderTags":           byARN("OpenIDConnectProviderArn", oidcARN),
		// SAML providers, by name and by ARN.
		"CreateSAMLProvider":   named("Name", "SAMLMetadataDocument", metadata),
		"GetSAMLProvider":      byARN("SAMLProviderArn", arnOf("saml-provider")),
		"UpdateSAMLProvider":   byARN("SAMLProviderArn", arnOf("saml-provider"), "SAMLMetadataDocument", metadata),
		"DeleteSAMLProvider":   byARN("SAMLProviderArn", arnOf("saml-provider")),
		"ListSAMLProviders":    fixed(),
		"TagSAMLProvider":      byARN("SAMLProviderArn", arnOf("saml-provider"), "Tags.member.1.Key", "k", "Tags.member.1.Value", "v"),
		"UntagSAMLProvider":    byARN("SAMLProviderArn", arnOf("saml-provider"), "TagKeys.member.1", "k"),
		"ListSAMLProviderTags": byARN("SAMLProviderArn", arnOf("saml-provider")),
		// Access keys.
		"CreateAccessKey": named("UserName"),
		"ListAccessKeys":  named("UserName"),
		"UpdateAccessKey": {params: func(n string) url.Values {
			return v("UserName", n, "AccessKeyId", keys[n], "Status", "Inactive")
		}},
		"DeleteAccessKey":      {params: func(n string) url.Values { return v("UserName", n, "AccessKeyId", keys[n]) }},
		"GetAccessKeyLastUsed": {params: func(n string) url.Values { return v("AccessKeyId", keys[n]) }, maskResource: true},
		// SSH public keys and signing certificates.
		"UploadSSHPublicKey": named("UserName", "SSHPublicKeyBody", sshBody),
		"GetSSHPublicKey":    {params: func(n string) url.Values { return v("UserName", n, "SSHPublicKeyId", sshKeys[n], "Encoding", "SSH") }},
		"ListSSHPublicKeys":  named("UserName"),
		"UpdateSSHPublicKey": {params: func(n string) url.Values {
			return v("UserName", n, "SSHPublicKeyId", sshKeys[n], "Status", "Inactive")
		}},
		"DeleteSSHPublicKey":       {params: func(n string) url.Values { return v("UserName", n, "SSHPublicKeyId", sshKeys[n]) }},
		"UploadSigningCertificate": named("UserName", "CertificateBody", certBody),
		"ListSigningCertificates":  named("UserName"),
		"UpdateSigningCertificate": {params: func(n string) url.Values {
			return v("UserName", n, "CertificateId", certs[n], "Status", "Inactive")
		}},
		"DeleteSigningCertificate": {params: func(n string) url.Values { return v("UserName", n, "CertificateId", certs[n]) }},
		// Groups.
		"CreateGroup":               named("GroupName"),
		"GetGroup":                  named("GroupName"),
		"UpdateGroup":               named("GroupName", "NewPath", "/moved/"),
		"DeleteGroup":               named("GroupName"),
		"ListGroups":                fixed(),
		"AddUserToGroup":            named("GroupName", "UserName", present),
		"RemoveUserFromGroup":       named("GroupName", "UserName", present),
		"PutGroupPolicy":            named("GroupName", "PolicyName", "p", "PolicyDocument", doc),
		"GetGroupPolicy":            named("GroupName", "PolicyName", "p"),
		"ListGroupPolicies":         named("GroupName"),
		"DeleteGroupPolicy":         named("GroupName", "PolicyName", "p"),
		"AttachGroupPolicy":         named("GroupName", "PolicyArn", policyARN(present)),
		"DetachGroupPolicy":         named("GroupName", "PolicyArn", policyARN(present)),
		"ListAttachedGroupPolicies": named("GroupName"),
		// Roles.
		"CreateRole":                    named("RoleName", "AssumeRolePolicyDocument", trustAccount),
		"GetRole":                       named("RoleName"),
		"UpdateRole":                    named("RoleName", "Description", "d"),
		"UpdateRoleDescription":         named("RoleName", "Description", "d"),
		"UpdateAssumeRolePolicy":        named("RoleName", "PolicyDocument", trustAccount),
		"DeleteRole":                    named("RoleName"),
		"ListRoles":                     fixed(),
		"PutRolePermissionsBoundary":    named("RoleName", "PermissionsBoundary", policyARN(present)),
		"DeleteRolePermissionsBoundary": named("RoleName"),
		"PutRolePolicy":                 named("RoleName", "PolicyName", "p", "PolicyDocument", doc),
		"GetRolePolicy":                 named("RoleName", "PolicyName", "p"),
		"ListRolePolicies":              named("RoleName"),
		"DeleteRolePolicy":              named("RoleName", "PolicyName", "p"),
		"AttachRolePolicy":              named("RoleName", "PolicyArn", policyARN(present)),
		"DetachRolePolicy":              named("RoleName", "PolicyArn", policyARN(present)),
		"ListAttachedRolePolicies":      named("RoleName"),
		"TagRole":                       named("RoleName", "Tags.member.1.Key", "k", "Tags.member.1.Value", "v"),
		"UntagRole":                     named("RoleName", "TagKeys.member.1", "k"),
		"ListRoleTags":                  named("RoleName"),
		"ListInstanceProfilesForRole":   named("RoleName"),
		// Instance profiles.
		"CreateInstanceProfile":         named("InstanceProfileName"),
		"GetInstanceProfile":            named("InstanceProfileName"),
		"DeleteInstanceProfile":         named("InstanceProfileName"),
		"ListInstanceProfiles":          fixed(),
		"AddRoleToInstanceProfile":      named("InstanceProfileName", "RoleName", present),
		"RemoveRoleFromInstanceProfile": named("InstanceProfileName", "RoleName", present),
		"TagInstanceProfile":            named("InstanceProfileName", "Tags.member.1.Key", "k", "Tags.member.1.Value", "v"),
		"UntagInstanceProfile":          named("InstanceProfileName", "TagKeys.member.1", "k"),
		"ListInstanceProfileTags":       named("InstanceProfileName"),
		// Managed policies and their versions.
		"CreatePolicy":            named("PolicyName", "PolicyDocument", doc),
		"GetPolicy":               byARN("PolicyArn", policyARN),
		"DeletePolicy":            byARN("PolicyArn", policyARN),
		"ListPolicies":            fixed(),
		"CreatePolicyVersion":     byARN("PolicyArn", policyARN, "PolicyDocument", doc),
		"GetPolicyVersion":        byARN("PolicyArn", policyARN, "VersionId", "v1"),
		"ListPolicyVersions":      byARN("PolicyArn", policyARN),
		"DeletePolicyVersion":     byARN("PolicyArn", policyARN, "VersionId", "v2"),
		"SetDefaultPolicyVersion": byARN("PolicyArn", policyARN, "VersionId", "v2"),
		"ListEntitiesForPolicy":   byARN("PolicyArn", policyARN),
		"TagPolicy":               byARN("PolicyArn", policyARN, "Tags.member.1.Key", "k", "Tags.member.1.Value", "v"),
		"UntagPolicy":             byARN("PolicyArn", policyARN, "TagKeys.member.1", "k"),
		"ListPolicyTags":          byARN("PolicyArn", policyARN),
		// The account.
		"CreateAccountAlias":                 {params: func(n string) url.Values { return v("AccountAlias", aliases[n]) }},
		"DeleteAccountAlias":                 {params: func(n string) url.Values { return v("AccountAlias", aliases[n]) }},
		"ListAccountAliases":                 fixed(),
		"GetAccountAuthorizationDetails":     fixed(),
		"SetSecurityTokenServicePreferences": fixed("GlobalEndpointTokenVersion", "v2Token"),
		// Outbound web identity federation (server/outbound_test.go).
		"EnableOutboundWebIdentityFederation":  fixed(),
		"DisableOutboundWebIdentityFederation": fixed(),
		"GetOutboundWebIdentityFederationInfo": fixed(),
		// Simulation and context keys.
		"SimulatePrincipalPolicy":          byARN("PolicySourceArn", arnOf("user"), "ActionNames.member.1", "s3:GetObject"),
		"GetContextKeysForPrincipalPolicy": byARN("PolicySourceArn", arnOf("role")),
		"SimulateCustomPolicy":             fixed("PolicyInputList.member.1", doc, "ActionNames.member.1", "s3:GetObject"),
		"GetContextKeysForCustomPolicy":    fixed("PolicyInputList.member.1", doc),
		// Access advisor.
		"GenerateServiceLastAccessedDetails":        byARN("Arn", arnOf("group")),
		"ListPoliciesGrantingServiceAccess":         byARN("Arn", arnOf("user"), "ServiceNamespaces.member.1", "s3"),
		"GetServiceLastAccessedDetails":             {params: func(n string) url.Values { return v("JobId", jobs[n]) }},
		"GetServiceLastAccessedDetailsWithEntities": {params: func(n string) url.Values { return v("JobId", jobs[n], "ServiceNamespace", "s3") }},
		// The Organizations report: the entity path is in the resource
		// (access-report/PATH), the job is looked up only once authorized.
		"GenerateOrganizationsAccessReport": {params: func(n string) url.Values {
			return v("EntityPath", "o-aaaaaaaaaa/r-aaaa/ou-aaaa-"+strings.ToLower(n))
		}, maskResource: true},
		"GetOrganizationsAccessReport": {params: func(n string) url.Values { return v("JobId", jobs[n]) }},
		// Service-linked roles and the account summary.
		"CreateServiceLinkedRole":            {params: func(n string) url.Values { return v("AWSServiceName", "autoscaling.amazonaws.com", "CustomSuffix", n) }},
		"DeleteServiceLinkedRole":            {params: func(n string) url.Values { return v("RoleName", "AWSServiceRoleForAutoScaling_"+n) }, maskResource: true},
		"GetServiceLinkedRoleDeletionStatus": {params: func(n string) url.Values { return v("DeletionTaskId", slrTasks[n]) }},
		"GetAccountSummary":                  fixed(),
		// Centralized root access: nothing named; the organization's state
		// is not told to a caller denied the action.
		"EnableOrganizationsRootCredentialsManagement":  fixed(),
		"DisableOrganizationsRootCredentialsManagement": fixed(),
		"EnableOrganizationsRootSessions":               fixed(),
		"DisableOrganizationsRootSessions":              fixed(),
		"ListOrganizationsFeatures":                     fixed(),
		// The credential report.
		"GenerateCredentialReport": fixed(),
		"GetCredentialReport":      fixed(),
		// Server certificates.
		"UploadServerCertificate":   named("ServerCertificateName", "CertificateBody", serverCert.certPEM, "PrivateKey", serverCert.keyPEM),
		"GetServerCertificate":      named("ServerCertificateName"),
		"ListServerCertificates":    fixed(),
		"UpdateServerCertificate":   named("ServerCertificateName", "NewPath", "/moved/"),
		"DeleteServerCertificate":   named("ServerCertificateName"),
		"TagServerCertificate":      named("ServerCertificateName", "Tags.member.1.Key", "k", "Tags.member.1.Value", "v"),
		"UntagServerCertificate":    named("ServerCertificateName", "TagKeys.member.1", "k"),
		"ListServerCertificateTags": named("ServerCertificateName"),
		// Service-specific credentials.
		"CreateServiceSpecificCredential": named("UserName", "ServiceName", "codecommit.amazonaws.com"),
		"ListServiceSpecificCredentials":  named("UserName"),
		"ResetServiceSpecificCredential": {params: func(n string) url.Values {
			return v("UserName", n, "ServiceSpecificCredentialId", serviceCreds[n])
		}},
		"UpdateServiceSpecificCredential": {params: func(n string) url.Values {
			return v("UserName", n, "ServiceSpecificCredentialId", serviceCreds[n], "Status", "Inactive")
		}},
		"DeleteServiceSpecificCredential": {params: func(n string) url.Values {
			return v("UserName", n, "ServiceSpecificCredentialId", serviceCreds[n])
		}},
	}

	ops := make([]string, 0, len(apiiam.Operations))
	for op := range apiiam.Operations {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		row, ok := rows[op]
		if !ok {
			t.Errorf("%s: no row; every IAM operation must deny alike what exists and what does not", op)
			continue
		}
		t.Run(op, func(t *testing.T) {
			var msgs [2]string
			for i, n := range []string{present, absent} {
				status, code, msg := iamQuery(t, e, nobody, op, row.params(n))
				if code != "AccessDenied" || status != 403 {
					t.Fatalf("naming %s: %d %s %q; want 403 AccessDenied", n, status, code, msg)
				}
				if !strings.HasPrefix(msg, "User: arn:aws:iam::"+accountA+":user/nobody is not authorized to perform: iam:") {
					t.Fatalf("naming %s: %q is not AWS's denial", n, msg)
				}
				msgs[i] = normalize(msg, row.maskResource)
			}
			if msgs[0] != msgs[1] {
				t.Errorf("the denials tell what exists:\n present: %s\n absent:  %s", msgs[0], msgs[1])
			}
		})
	}
	for op := range rows {
		if apiiam.Operations[op] == nil {
			t.Errorf("row %s: not an operation iamgate serves", op)
		}
	}
}

// No enumeration through STS: AssumeRole answers a role that does not exist
// as one whose trust policy does not let the caller in, in the caller's
// account and across accounts, with AWS's wording ("User: ARN is not
// authorized to perform: sts:AssumeRole on resource: ROLE", real STS output
// quoted in Netflix/security_monkey#77 and aws/karpenter-provider-aws#4680).
func TestEnumerationAssumeRole(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.iam(e.admin)
	must[*iam.CreateRoleOutput](t)(admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(present), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	nobody := e.newUser("nobody", "")
	oc := e.org(e.admin)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	st := must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("b@example.com"), AccountName: aws.String("b")}))
	b := *st.CreateAccountStatus.AccountId
	out := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + b + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("admin-b")}))
	adminB := session(out.Credentials)

	for _, tc := range []struct {
		name   string
		caller aws.Credentials
	}{{"a user without permissions in the role's account", nobody}, {"an administrator of another account", adminB}} {
		t.Run(tc.name, func(t *testing.T) {
			var msgs [2]string
			for i, n := range []string{present, absent} {
				_, err := e.sts(tc.caller).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + accountA + ":role/" + n), RoleSessionName: aws.String("probe")})
				msg := wantError(t, err, "AccessDenied", 403)
				if !strings.HasSuffix(msg, " is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::"+accountA+":role/"+n) {
					t.Errorf("naming %s: %q is not AWS's AssumeRole denial", n, msg)
				}
				msgs[i] = normalize(msg, false)
			}
			if msgs[0] != msgs[1] {
				t.Errorf("the denials tell which role exists:\n present: %s\n absent:  %s", msgs[0], msgs[1])
			}
		})
	}
}

// No enumeration through Organizations: in the management account, a caller
// without permissions is denied alike for a root or OU that exists and for
// one that does not (the Organizations API Reference: AccessDeniedException
// before ParentNotFoundException).
func TestEnumerationOrganizationsParents(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	root := *must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id
	ou := *must[*organizations.CreateOrganizationalUnitOutput](t)(oc.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: &root, Name: aws.String("x")})).OrganizationalUnit.Id
	missing := ou[:len(ou)-8] + "zzzzzzzz"
	nobody := e.org(e.newUser("nobody", ""))
	var msgs []string
	for _, id := range []string{ou, missing} {
		_, err := nobody.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: aws.String(id), ChildType: orgtypes.ChildTypeAccount})
		msg := wantError(t, err, "AccessDeniedException", 400)
		msgs = append(msgs, strings.ReplaceAll(msg, id, "ID"))
	}
	if msgs[0] != msgs[1] {
		t.Errorf("the denials tell which OU exists:\n present: %s\n absent:  %s", msgs[0], msgs[1])
	}
}
