package server_test

import (
	"context"
	"encoding/json"
	"net/url"
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
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	apiiam "github.com/iamgate/iamgate/api/iam"
	"github.com/iamgate/iamgate/federation/samltest"
)

// accountA is the bootstrap account of every test server.
const accountA = "123456789012"

const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// twoAccounts starts a server with a second account, B, made through
// Organizations, and returns B's ID and an administrator session in B (its
// OrganizationAccountAccessRole, with AdministratorAccess).
func twoAccounts(t *testing.T) (e *env, b string, adminB aws.Credentials) {
	t.Helper()
	e = newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	st := must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("b@example.com"), AccountName: aws.String("b")}))
	b = *st.CreateAccountStatus.AccountId
	out := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + b + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("admin-b")}))
	return e, b, session(out.Credentials)
}

// iamQuery sends one IAM Query request, signed with SigV4 by aws-sdk-go-v2's
// signer, and returns the status, the error code ("" on success) and the
// message without its encoded authorization failure message.
func iamQuery(t *testing.T, e *env, c aws.Credentials, action string, params url.Values) (status int, code, msg string) {
	t.Helper()
	form := url.Values{"Action": {action}, "Version": {"2010-05-08"}}
	for k, v := range params {
		form[k] = v
	}
	status, er := do(t, signed(t, e.ts.URL, form.Encode(), c, time.Now()))
	text, _ := splitDenied(er.Error.Message)
	return status, er.Error.Code, text
}

// snapshot is everything IAM shows of the caller's account, for checking that
// a call changed nothing.
func snapshot(t *testing.T, e *env, c aws.Credentials) string {
	t.Helper()
	ctx := context.Background()
	out := must[*iam.GetAccountAuthorizationDetailsOutput](t)(e.iam(c).GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{MaxItems: aws.Int32(1000)}))
	// A role's last use is not something a call changes: a session of the
	// role taking the snapshot moves it (to the second), which made the
	// comparison flaky across a second boundary.
	for i := range out.RoleDetailList {
		out.RoleDetailList[i].RoleLastUsed = nil
	}
	data, err := json.Marshal(struct {
		U, G, R, P any
	}{out.UserDetailList, out.GroupDetailList, out.RoleDetailList, out.Policies})
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// Accounts stay isolated: a user, group or role can have attached, and use
// as its permissions boundary, only the AWS managed policies and its own
// account's customer managed policies. IAM answers another account's policy
// as one that is not there: NoSuchEntity, "Policy ARN does not exist or is
// not attachable." (real IAM output quoted in aws/aws-cdk#17278 and
// hashicorp/terraform#31748) and, for a boundary, "Scope ARN: ARN does not
// exist or is not attachable." Sources: the IAM User Guide, "Managed
// policies and inline policies" (customer managed policies are used in the
// account that holds them) and the IAM API Reference, AttachUserPolicy,
// PutUserPermissionsBoundary (NoSuchEntity). AssumeRole's managed session
// policies must be in the role's account (the botocore model sts/2011-06-15,
// AssumeRoleRequest.PolicyArns: "The policies must exist in the same account
// as the role").
func TestIsolationManagedPoliciesStayInTheirAccount(t *testing.T) {
	e, b, adminB := twoAccounts(t)
	ctx := context.Background()
	ia, ib := e.iam(e.admin), e.iam(adminB)
	pa := *must[*iam.CreatePolicyOutput](t)(ia.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("OnlyInA"), PolicyDocument: aws.String(allowAll)})).Policy.Arn
	pb := *must[*iam.CreatePolicyOutput](t)(ib.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("OnlyInB"), PolicyDocument: aws.String(allowAll)})).Policy.Arn
	if !strings.Contains(pb, ":"+b+":") {
		t.Fatalf("B's policy: %s", pb)
	}
	for _, side := range []struct {
		name     string
		c        *iam.Client
		foreign  string
		creds    aws.Credentials
		ownAdmin *iam.Client
	}{{"B uses A's policy", ib, pa, adminB, ia}, {"A uses B's policy", ia, pb, e.admin, ib}} {
		t.Run(side.name, func(t *testing.T) {
			c, p := side.c, side.foreign
			must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")}))
			must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
			must[*iam.CreateGroupOutput](t)(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")}))
			before := snapshot(t, e, side.creds)

			notAttachable := "Policy " + p + " does not exist or is not attachable."
			_, err := c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u"), PolicyArn: &p})
			if msg := wantError(t, err, "NoSuchEntity", 404); msg != notAttachable {
				t.Errorf("AttachUserPolicy: %q", msg)
			}
			_, err = c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("r"), PolicyArn: &p})
			if msg := wantError(t, err, "NoSuchEntity", 404); msg != notAttachable {
				t.Errorf("AttachRolePolicy: %q", msg)
			}
			_, err = c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("g"), PolicyArn: &p})
			if msg := wantError(t, err, "NoSuchEntity", 404); msg != notAttachable {
				t.Errorf("AttachGroupPolicy: %q", msg)
			}
			scope := "Scope ARN: " + p + " does not exist or is not attachable."
			_, err = c.PutUserPermissionsBoundary(ctx, &iam.PutUserPermissionsBoundaryInput{UserName: aws.String("u"), PermissionsBoundary: &p})
			if msg := wantError(t, err, "NoSuchEntity", 404); msg != scope {
				t.Errorf("PutUserPermissionsBoundary: %q", msg)
			}
			_, err = c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("r"), PermissionsBoundary: &p})
			if msg := wantError(t, err, "NoSuchEntity", 404); msg != scope {
				t.Errorf("PutRolePermissionsBoundary: %q", msg)
			}
			_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u2"), PermissionsBoundary: &p})
			if msg := wantError(t, err, "NoSuchEntity", 404); msg != scope {
				t.Errorf("CreateUser with a boundary: %q", msg)
			}
			_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r2"), AssumeRolePolicyDocument: aws.String(trustAccount), PermissionsBoundary: &p})
			if msg := wantError(t, err, "NoSuchEntity", 404); msg != scope {
				t.Errorf("CreateRole with a boundary: %q", msg)
			}
			if after := snapshot(t, e, side.creds); after != before {
				t.Errorf("the refused calls changed the account:\nbefore %s\nafter  %s", before, after)
			}

			// AWS managed policies attach anywhere.
			ro := "arn:aws:iam::aws:policy/ReadOnlyAccess"
			must[*iam.AttachUserPolicyOutput](t)(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("u"), PolicyArn: &ro}))
			must[*iam.PutRolePermissionsBoundaryOutput](t)(c.PutRolePermissionsBoundary(ctx, &iam.PutRolePermissionsBoundaryInput{RoleName: aws.String("r"), PermissionsBoundary: &ro}))

			// The policy's own account can still delete it: nothing else uses it.
			must[*iam.DeletePolicyOutput](t)(side.ownAdmin.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: &p}))
		})
	}
}

// AssumeRole's PolicyArns: managed session policies must be in the role's
// account or AWS managed (the botocore model sts/2011-06-15,
// AssumeRoleRequest.PolicyArns: "The policies must exist in the same account
// as the role"). Another account's policy is refused as a missing one is,
// with AssumeRole's modelled error for unusable session policies,
// MalformedPolicyDocument (400), and no credentials are issued.
func TestIsolationSessionPoliciesStayInTheRoleAccount(t *testing.T) {
	e, b, adminB := twoAccounts(t)
	ctx := context.Background()
	pa := *must[*iam.CreatePolicyOutput](t)(e.iam(e.admin).CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("InA"), PolicyDocument: aws.String(allowAll)})).Policy.Arn
	pb := *must[*iam.CreatePolicyOutput](t)(e.iam(adminB).CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("InB"), PolicyDocument: aws.String(allowAll)})).Policy.Arn
	role := "arn:aws:iam::" + b + ":role/OrganizationAccountAccessRole"
	assume := func(policies ...string) error {
		in := &sts.AssumeRoleInput{RoleArn: &role, RoleSessionName: aws.String("with-policies")}
		for _, p := range policies {
			in.PolicyArns = append(in.PolicyArns, ststypes.PolicyDescriptorType{Arn: aws.String(p)})
		}
		_, err := e.sts(e.admin).AssumeRole(ctx, in)
		return err
	}
	for _, foreign := range [][]string{{pa}, {pb, pa}, {"arn:aws:iam::" + b + ":policy/Missing"}} {
		msg := wantError(t, assume(foreign...), "MalformedPolicyDocument", 400)
		if want := "Policy " + foreign[len(foreign)-1] + " does not exist or is not attachable."; msg != want {
			t.Errorf("PolicyArns %v: %q, want %q", foreign, msg, want)
		}
	}
	if err := assume(pb, "arn:aws:iam::aws:policy/ReadOnlyAccess"); err != nil {
		t.Fatalf("the role's account's policy and an AWS managed one: %v", err)
	}
}

// arnRow is one IAM operation called by account B with ARNs of account A.
type arnRow struct {
	op     string
	params url.Values
	// code is IAM's answer; "" means AWS allows the operation to name
	// another account's ARN there (and nothing of that account is read).
	code   string
	status int
}

// Every IAM operation that takes an ARN, called by an administrator of
// account B with ARNs of account A: IAM acts only on the caller's account
// (the IAM User Guide, "Cross account resource access in IAM": IAM users,
// groups, roles and managed policies have no resource-based policy that
// could grant another account access, so an identity policy of B cannot
// reach them). Operations on an ARN (GetPolicy, DeletePolicy, ...,
// SimulatePrincipalPolicy, GenerateServiceLastAccessedDetails) are
// authorized against the ARN in A and denied: AccessDenied, "... because no
// resource-based policy allows the ACTION action" (the IAM User Guide,
// "Troubleshoot access denied error messages"). Operations on B's own
// entities that take A's policy ARN (Attach*, boundaries) answer NoSuchEntity,
// as for a policy that does not exist. SimulateCustomPolicy's ResourceArns
// and CallerArn, and SimulatePrincipalPolicy's ResourceArns, may name any
// account (the IAM API Reference); nothing of A is read for them. The
// operations are those of the botocore model iam/2010-05-08 with a member
// whose shape is an ARN; a new one fails this test until it has a row.
func TestIsolationEveryARNOperation(t *testing.T) {
	e, b, adminB := twoAccounts(t)
	ctx := context.Background()
	ia := e.iam(e.admin)
	pa := *must[*iam.CreatePolicyOutput](t)(ia.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("InA"), PolicyDocument: aws.String(allowAll)})).Policy.Arn
	must[*iam.CreatePolicyVersionOutput](t)(ia.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: &pa, PolicyDocument: aws.String(allowS3)}))
	must[*iam.CreateUserOutput](t)(ia.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ua")}))
	must[*iam.AttachUserPolicyOutput](t)(ia.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("ua"), PolicyArn: &pa}))
	must[*iam.CreateGroupOutput](t)(ia.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("ga")}))
	userA := "arn:aws:iam::" + accountA + ":user/ua"
	samlA := *must[*iam.CreateSAMLProviderOutput](t)(ia.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("corp"),
		SAMLMetadataDocument: aws.String(samltest.New(t, "https://idp.a.example.test/saml").Metadata())})).SAMLProviderArn
	oidcA := *must[*iam.CreateOpenIDConnectProviderOutput](t)(ia.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String("https://idp.a.example.test"), ClientIDList: []string{"app"}, ThumbprintList: []string{strings.Repeat("a", 40)}})).OpenIDConnectProviderArn
	groupA := "arn:aws:iam::" + accountA + ":group/ga"
	must[*iam.CreateServiceLinkedRoleOutput](t)(ia.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("autoscaling.amazonaws.com")}))
	slrTaskA := *must[*iam.DeleteServiceLinkedRoleOutput](t)(ia.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String("AWSServiceRoleForAutoScaling")})).DeletionTaskId
	// A's delegation request, for itself and owned: B sees nothing of it.
	dr := *must[*iam.CreateDelegationRequestOutput](t)(ia.CreateDelegationRequest(ctx, &iam.CreateDelegationRequestInput{Description: aws.String("d"),
		RequestorWorkflowId: aws.String("isolation"), NotificationChannel: aws.String(partnerChannel), SessionDuration: aws.Int32(900), OwnerAccountId: aws.String(accountA),
		Permissions: &iamtypes.DelegationPermission{PolicyTemplateArn: aws.String("arn:aws:iam::aws:policy/IAMUserChangePassword")}})).DelegationRequestId
	must[*iam.AssociateDelegationRequestOutput](t)(ia.AssociateDelegationRequest(ctx, &iam.AssociateDelegationRequestInput{DelegationRequestId: &dr}))
	// B's own entities, which the Attach and boundary rows name.
	ib := e.iam(adminB)
	must[*iam.CreateUserOutput](t)(ib.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ub")}))
	must[*iam.CreateRoleOutput](t)(ib.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("rb"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	must[*iam.CreateGroupOutput](t)(ib.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("gb")}))

	v := func(kv ...string) url.Values {
		out := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			out.Add(kv[i], kv[i+1])
		}
		return out
	}
	const denied, noSuch = "AccessDenied", "NoSuchEntity"
	rows := []arnRow{
		{"AttachUserPolicy", v("UserName", "ub", "PolicyArn", pa), noSuch, 404},
		{"AttachGroupPolicy", v("GroupName", "gb", "PolicyArn", pa), noSuch, 404},
		{"AttachRolePolicy", v("RoleName", "rb", "PolicyArn", pa), noSuch, 404},
		{"DetachUserPolicy", v("UserName", "ub", "PolicyArn", pa), noSuch, 404},
		{"DetachGroupPolicy", v("GroupName", "gb", "PolicyArn", pa), noSuch, 404},
		{"DetachRolePolicy", v("RoleName", "rb", "PolicyArn", pa), noSuch, 404},
		{"CreateUser", v("UserName", "nb", "PermissionsBoundary", pa), noSuch, 404},
		{"CreateRole", v("RoleName", "nb", "AssumeRolePolicyDocument", trustAccount, "PermissionsBoundary", pa), noSuch, 404},
		{"PutUserPermissionsBoundary", v("UserName", "ub", "PermissionsBoundary", pa), noSuch, 404},
		{"PutRolePermissionsBoundary", v("RoleName", "rb", "PermissionsBoundary", pa), noSuch, 404},
		{"GetPolicy", v("PolicyArn", pa), denied, 403},
		{"DeletePolicy", v("PolicyArn", pa), denied, 403},
		{"CreatePolicyVersion", v("PolicyArn", pa, "PolicyDocument", allowAll, "SetAsDefault", "true"), denied, 403},
		{"GetPolicyVersion", v("PolicyArn", pa, "VersionId", "v1"), denied, 403},
		{"ListPolicyVersions", v("PolicyArn", pa), denied, 403},
		{"DeletePolicyVersion", v("PolicyArn", pa, "VersionId", "v2"), denied, 403},
		{"SetDefaultPolicyVersion", v("PolicyArn", pa, "VersionId", "v2"), denied, 403},
		{"ListEntitiesForPolicy", v("PolicyArn", pa), denied, 403},
		{"TagPolicy", v("PolicyArn", pa, "Tags.member.1.Key", "k", "Tags.member.1.Value", "v"), denied, 403},
		{"UntagPolicy", v("PolicyArn", pa, "TagKeys.member.1", "k"), denied, 403},
		{"ListPolicyTags", v("PolicyArn", pa), denied, 403},
		{"GenerateServiceLastAccessedDetails", v("Arn", userA), denied, 403},
		{"GenerateServiceLastAccessedDetails", v("Arn", pa), denied, 403},
		{"ListPoliciesGrantingServiceAccess", v("Arn", groupA, "ServiceNamespaces.member.1", "s3"), denied, 403},
		{"GetContextKeysForPrincipalPolicy", v("PolicySourceArn", userA), denied, 403},
		{"GetOpenIDConnectProvider", v("OpenIDConnectProviderArn", oidcA), denied, 403},
		{"DeleteOpenIDConnectProvider", v("OpenIDConnectProviderArn", oidcA), denied, 403},
		{"AddClientIDToOpenIDConnectProvider", v("OpenIDConnectProviderArn", oidcA, "ClientID", "b"), denied, 403},
		{"RemoveClientIDFromOpenIDConnectProvider", v("OpenIDConnectProviderArn", oidcA, "ClientID", "app"), denied, 403},
		{"UpdateOpenIDConnectProviderThumbprint", v("OpenIDConnectProviderArn", oidcA, "ThumbprintList.member.1", strings.Repeat("b", 40)), denied, 403},
		{"TagOpenIDConnectProvider", v("OpenIDConnectProviderArn", oidcA, "Tags.member.1.Key", "k", "Tags.member.1.Value", "v"), denied, 403},
		{"UntagOpenIDConnectProvider", v("OpenIDConnectProviderArn", oidcA, "TagKeys.member.1", "k"), denied, 403},
		{"ListOpenIDConnectProviderTags", v("OpenIDConnectProviderArn", oidcA), denied, 403},
		{"GetSAMLProvider", v("SAMLProviderArn", samlA), denied, 403},
		{"UpdateSAMLProvider", v("SAMLProviderArn", samlA), denied, 403},
		{"DeleteSAMLProvider", v("SAMLProviderArn", samlA), denied, 403},
		{"TagSAMLProvider", v("SAMLProviderArn", samlA, "Tags.member.1.Key", "k", "Tags.member.1.Value", "v"), denied, 403},
		{"UntagSAMLProvider", v("SAMLProviderArn", samlA, "TagKeys.member.1", "k"), denied, 403},
		{"ListSAMLProviderTags", v("SAMLProviderArn", samlA), denied, 403},
		{"SimulatePrincipalPolicy", v("PolicySourceArn", userA, "ActionNames.member.1", "s3:GetObject"), denied, 403},
		{"SimulatePrincipalPolicy", v("PolicySourceArn", "arn:aws:iam::"+b+":user/ub", "ActionNames.member.1", "iam:GetUser",
			"ResourceArns.member.1", userA, "CallerArn", userA), "", 200},
		{"SimulateCustomPolicy", v("PolicyInputList.member.1", allowAll, "ActionNames.member.1", "iam:GetUser",
			"ResourceArns.member.1", userA, "CallerArn", userA), "", 200},
		// A's delegation request, and A's policy as B's policy template
		// (templates are B's own or AWS managed).
		{"GetHumanReadableSummary", v("EntityArn", "arn:aws:iam::"+accountA+":delegation-request/"+dr), noSuch, 404},
		{"GetDelegationRequest", v("DelegationRequestId", dr), noSuch, 404},
		{"CreateDelegationRequest", v("Description", "d", "RequestorWorkflowId", "isolation", "NotificationChannel", partnerChannel,
			"SessionDuration", "900", "Permissions.PolicyTemplateArn", pa), "InvalidInput", 400},
		// A's deletion task, asked by B, names a role in B's own account,
		// and no such task was made for B.
		{"GetServiceLinkedRoleDeletionStatus", v("DeletionTaskId", slrTaskA), noSuch, 404},
	}

	// Every operation of the model with an ARN member that iamgate serves has
	// a row.
	m := cachedModel(t, "iam/2010-05-08")
	have := map[string]bool{}
	for _, r := range rows {
		have[r.op] = true
	}
	var missing []string
	for op := range apiiam.Operations {
		in := m.Shapes[m.Operations[op].Input.Shape]
		for name, member := range in.Members {
			if (strings.HasSuffix(name, "Arn") || strings.HasSuffix(name, "Arns") || strings.Contains(strings.ToLower(member.Shape), "arn")) && !have[op] {
				missing = append(missing, op+"."+name)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("IAM operations taking an ARN without a row here: %v", missing)
	}

	before := snapshot(t, e, e.admin)
	for _, r := range rows {
		status, code, msg := iamQuery(t, e, adminB, r.op, r.params)
		if code != r.code || status != r.status {
			t.Errorf("%s %v: %d %s %q; want %d %s", r.op, r.params, status, code, msg, r.status, r.code)
			continue
		}
		if code == denied && !strings.Contains(msg, "because no resource-based policy allows the iam:"+r.op+" action") {
			t.Errorf("%s: %q is not AWS's cross-account denial", r.op, msg)
		}
	}
	if after := snapshot(t, e, e.admin); after != before {
		t.Errorf("account B's calls changed account A:\nbefore %s\nafter  %s", before, after)
	}
	// A can still delete its policy once it detached it: no entity of B uses it.
	must[*iam.DetachUserPolicyOutput](t)(ia.DetachUserPolicy(ctx, &iam.DetachUserPolicyInput{UserName: aws.String("ua"), PolicyArn: &pa}))
	must[*iam.DeletePolicyVersionOutput](t)(ia.DeletePolicyVersion(ctx, &iam.DeletePolicyVersionInput{PolicyArn: &pa, VersionId: aws.String("v2")}))
	must[*iam.DeletePolicyOutput](t)(ia.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: &pa}))
}

// SimulatePrincipalPolicy reads nothing of another account: a resource
// policy, tags or RCPs of a resource in account A do not take part in a
// simulation run by account B (AWS's simulator reads no resource policy at
// all; one is given in ResourcePolicy: the IAM API Reference,
// SimulatePrincipalPolicy). Here A's role trusts B's user, which would allow
// sts:AssumeRole if the trust policy were gathered; B's simulation must not
// see it.
func TestIsolationSimulationReadsNoOtherAccount(t *testing.T) {
	e, b, adminB := twoAccounts(t)
	ctx := context.Background()
	ib := e.iam(adminB)
	must[*iam.CreateUserOutput](t)(ib.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ub")}))
	must[*iam.PutUserPolicyOutput](t)(ib.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("ub"), PolicyName: aws.String("p"), PolicyDocument: aws.String(allowAll)}))
	ub := "arn:aws:iam::" + b + ":user/ub"
	must[*iam.CreateRoleOutput](t)(e.iam(e.admin).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("TrustsB"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + ub + `"},"Action":"sts:AssumeRole"}]}`),
		Tags:                     []iamtypes.Tag{{Key: aws.String("secret"), Value: aws.String("x")}}}))
	out := must[*iam.SimulatePrincipalPolicyOutput](t)(ib.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: &ub,
		ActionNames: []string{"sts:AssumeRole"}, ResourceArns: []string{"arn:aws:iam::" + accountA + ":role/TrustsB"}}))
	r := out.EvaluationResults[0]
	if r.EvalDecision == iamtypes.PolicyEvaluationDecisionTypeAllowed {
		t.Fatalf("B's simulation used A's trust policy: %+v", r)
	}
	for _, st := range r.MatchedStatements {
		if st.SourcePolicyType == iamtypes.PolicySourceTypeResource {
			t.Fatalf("B's simulation shows A's resource policy: %+v", st)
		}
	}
}
