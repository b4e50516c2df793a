package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamgate/iamgate/server"
	"github.com/iamgate/iamgate/store/sqlite"
)

// notices records what the server publishes to notification channels
// (server.Config.Notify), as the partner's SNS topic would receive it.
type notices struct {
	mu  sync.Mutex
	got map[string][]map[string]string // channel -> messages
}

func (n *notices) notify(_ context.Context, channel string, message []byte) error {
	var m map[string]string
	if err := json.Unmarshal(message, &m); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.got[channel] = append(n.got[channel], m)
	return nil
}

// token is the exchange token last sent for a request.
func (n *notices) token(t *testing.T, channel, id string) string {
	t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	for i := len(n.got[channel]) - 1; i >= 0; i-- {
		if m := n.got[channel][i]; m["delegationRequestId"] == id && m["exchangeToken"] != "" {
			return m["exchangeToken"]
		}
	}
	t.Fatalf("no exchange token for %s on %s: %v", id, channel, n.got[channel])
	return ""
}

// delegationEnv is a server whose notifications are recorded, with the
// partner account A (the bootstrap account, e.admin), the customer account
// B and a third account C, each of B and C with an administrator session
// (its OrganizationAccountAccessRole).
type delegationEnv struct {
	*env
	notes          *notices
	b, c           string
	adminB, adminC aws.Credentials
}

func newDelegationEnv(t *testing.T) *delegationEnv {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir()+"/iamgate.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	n := &notices{got: map[string][]map[string]string{}}
	e := startEnvWith(t, st, func(c *server.Config) { c.Notify = n.notify })
	ctx := context.Background()
	oc := e.org(e.admin)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	d := &delegationEnv{env: e, notes: n}
	for i, name := range []string{"b", "c"} {
		out := must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String(name + "@example.com"), AccountName: aws.String(name)}))
		id := *out.CreateAccountStatus.AccountId
		s := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{
			RoleArn: aws.String("arn:aws:iam::" + id + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("admin-" + name)}))
		if i == 0 {
			d.b, d.adminB = id, session(s.Credentials)
		} else {
			d.c, d.adminC = id, session(s.Credentials)
		}
	}
	return d
}

// partnerChannel is the partner's notification channel (an SNS topic ARN,
// as CreateDelegationRequest's NotificationChannel must be).
const partnerChannel = "arn:aws:sns:us-east-1:123456789012:partner-onboarding"

// template makes the partner's policy template: a customer managed policy
// of account A with @{...} parameters (the IAM User Guide, "Policy
// templates").
func (d *delegationEnv) template(t *testing.T) string {
	t.Helper()
	doc := `{"Version":"2012-10-17","Statement":[` +
		`{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"@{regions}"}}},` +
		`{"Effect":"Allow","Action":["iam:CreateUser","iam:TagUser"],"Resource":"arn:aws:iam::@{account}:user/@{prefix}*"},` +
		`{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/@{prefix}*"}]}`
	out := must[*iam.CreatePolicyOutput](t)(d.iam(d.admin).CreatePolicy(context.Background(), &iam.CreatePolicyInput{
		PolicyName: aws.String("partner-onboarding-template"), PolicyDocument: aws.String(doc)}))
	return *out.Policy.Arn
}

func (d *delegationEnv) create(t *testing.T, tmpl, owner, workflow string, duration int32) string {
	t.Helper()
	in := &iam.CreateDelegationRequestInput{Description: aws.String("Set up the partner's users"), RequestorWorkflowId: aws.String(workflow),
		NotificationChannel: aws.String(partnerChannel), SessionDuration: aws.Int32(duration), RequestMessage: aws.String("onboarding"),
		Permissions: &iamtypes.DelegationPermission{PolicyTemplateArn: aws.String(tmpl), Parameters: []iamtypes.PolicyParameter{
			{Name: aws.String("regions"), Type: iamtypes.PolicyParameterTypeEnumStringList, Values: []string{"us-east-1", "eu-west-1"}},
			{Name: aws.String("account"), Values: []string{d.b}},
			{Name: aws.String("prefix"), Type: iamtypes.PolicyParameterTypeEnumString, Values: []string{"partner-"}},
		}}}
	if owner != "" {
		in.OwnerAccountId = aws.String(owner)
	}
	out := must[*iam.CreateDelegationRequestOutput](t)(d.iam(d.admin).CreateDelegationRequest(context.Background(), in))
	return *out.DelegationRequestId
}

func (d *delegationEnv) state(t *testing.T, c aws.Credentials, id string) *iamtypes.DelegationRequest {
	t.Helper()
	out := must[*iam.GetDelegationRequestOutput](t)(d.iam(c).GetDelegationRequest(context.Background(), &iam.GetDelegationRequestInput{DelegationRequestId: aws.String(id)}))
	return out.DelegationRequest
}

func wantState(t *testing.T, got *iamtypes.DelegationRequest, want iamtypes.StateType) {
	t.Helper()
	if got.State != want {
		t.Fatalf("state %s, want %s", got.State, want)
	}
}

// The whole workflow through aws-sdk-go-v2's IAM and STS clients (the IAM
// User Guide, "Building your integration": Unassigned -> Assigned ->
// Pending Approval -> Accepted -> Finalized; the IAM API Reference,
// CreateDelegationRequest, AssociateDelegationRequest,
// UpdateDelegationRequest, AcceptDelegationRequest, SendDelegationToken;
// the STS API Reference, GetDelegatedAccessToken): the credentials are a
// session of the accepting identity in the owner account that allows
// exactly what was delegated, and the token is exchanged once, by the
// requester only. A third account sees nothing of the request, and a
// denied identity of the owner account changes nothing.
func TestDelegationWorkflow(t *testing.T) {
	d := newDelegationEnv(t)
	ctx := context.Background()
	partner, owner, third := d.iam(d.admin), d.iam(d.adminB), d.iam(d.adminC)
	tmpl := d.template(t)
	id := d.create(t, tmpl, d.b, "onboarding-0001", 3600)

	// RequestorWorkflowId is unique per requester: EntityAlreadyExists,
	// 409 (the model's error for CreateDelegationRequest).
	_, err := partner.CreateDelegationRequest(ctx, &iam.CreateDelegationRequestInput{Description: aws.String("again"), RequestorWorkflowId: aws.String("onboarding-0001"),
		NotificationChannel: aws.String(partnerChannel), SessionDuration: aws.Int32(3600),
		Permissions: &iamtypes.DelegationPermission{PolicyTemplateArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}})
	wantError(t, err, "EntityAlreadyExists", 409)
	// The rendered policy is at most 2,048 characters (the IAM User Guide,
	// "Policy templates"); ReadOnlyAccess is much longer.
	_, err = partner.CreateDelegationRequest(ctx, &iam.CreateDelegationRequestInput{Description: aws.String("too much"), RequestorWorkflowId: aws.String("onboarding-0002"),
		NotificationChannel: aws.String(partnerChannel), SessionDuration: aws.Int32(3600),
		Permissions: &iamtypes.DelegationPermission{PolicyTemplateArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}})
	wantError(t, err, "LimitExceeded", 409)

	// The partner sees its request, rendered.
	got := d.state(t, d.admin, id)
	wantState(t, got, iamtypes.StateTypeUnassigned)
	if *got.OwnerAccountId != d.b || *got.RequestorId != accountA || *got.SessionDuration != 3600 {
		t.Fatalf("request: %+v", got)
	}
	contains(t, *got.PermissionPolicy, `"aws:RequestedRegion":["us-east-1","eu-west-1"]`)
	contains(t, *got.PermissionPolicy, `"Resource":"arn:aws:iam::`+d.b+`:user/partner-*"`)
	contains(t, *got.PermissionPolicy, `arn:aws:iam::*:user/partner-*`)

	// A third account: the request is not there for it (NoSuchEntity, 404,
	// the model's error), whatever it tries, and it lists none.
	for name, call := range map[string]func() error{
		"get": func() error {
			_, err := third.GetDelegationRequest(ctx, &iam.GetDelegationRequestInput{DelegationRequestId: &id})
			return err
		},
		"associate": func() error {
			_, err := third.AssociateDelegationRequest(ctx, &iam.AssociateDelegationRequestInput{DelegationRequestId: &id})
			return err
		},
		"accept": func() error {
			_, err := third.AcceptDelegationRequest(ctx, &iam.AcceptDelegationRequestInput{DelegationRequestId: &id})
			return err
		},
		"reject": func() error {
			_, err := third.RejectDelegationRequest(ctx, &iam.RejectDelegationRequestInput{DelegationRequestId: &id})
			return err
		},
		"summary": func() error {
			_, err := third.GetHumanReadableSummary(ctx, &iam.GetHumanReadableSummaryInput{EntityArn: aws.String("arn:aws:iam::" + d.c + ":delegation-request/" + id)})
			return err
		},
	} {
		t.Run("third account "+name, func(t *testing.T) { wantError(t, call(), "NoSuchEntity", 404) })
	}
	if l := must[*iam.ListDelegationRequestsOutput](t)(third.ListDelegationRequests(ctx, &iam.ListDelegationRequestsInput{})); len(l.DelegationRequests) != 0 {
		t.Fatalf("the third account lists %v", l.DelegationRequests)
	}
	// The owner account does not list a request without an owner (the
	// IAM API Reference, ListDelegationRequests), but may read it.
	if l := must[*iam.ListDelegationRequestsOutput](t)(owner.ListDelegationRequests(ctx, &iam.ListDelegationRequestsInput{})); len(l.DelegationRequests) != 0 {
		t.Fatalf("the owner account lists an unowned request: %v", l.DelegationRequests)
	}
	wantState(t, d.state(t, d.adminB, id), iamtypes.StateTypeUnassigned)

	// Nothing is accepted before it is associated.
	_, err = owner.AcceptDelegationRequest(ctx, &iam.AcceptDelegationRequestInput{DelegationRequestId: &id})
	wantError(t, err, "ConcurrentModification", 409)

	// An identity of the owner account without permissions is denied and
	// changes nothing.
	must[*iam.CreateUserOutput](t)(owner.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("nobody")}))
	k := must[*iam.CreateAccessKeyOutput](t)(owner.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("nobody")}))
	nobody := d.iam(aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey})
	_, err = nobody.AssociateDelegationRequest(ctx, &iam.AssociateDelegationRequestInput{DelegationRequestId: &id})
	wantError(t, err, "AccessDenied", 403)
	_, err = nobody.GetDelegationRequest(ctx, &iam.GetDelegationRequestInput{DelegationRequestId: &id})
	wantError(t, err, "AccessDenied", 403)
	// ... and so is a request that is not there: a denied caller learns
	// nothing of which requests exist.
	_, err = nobody.GetDelegationRequest(ctx, &iam.GetDelegationRequestInput{DelegationRequestId: aws.String("dr-doesnotexist0000000000")})
	wantError(t, err, "AccessDenied", 403)
	wantState(t, d.state(t, d.adminB, id), iamtypes.StateTypeUnassigned)

	// The owner account associates it: ASSIGNED, owned by the caller.
	must[*iam.AssociateDelegationRequestOutput](t)(owner.AssociateDelegationRequest(ctx, &iam.AssociateDelegationRequestInput{DelegationRequestId: &id}))
	got = d.state(t, d.adminB, id)
	wantState(t, got, iamtypes.StateTypeAssigned)
	ownerARN := "arn:aws:sts::" + d.b + ":assumed-role/OrganizationAccountAccessRole/admin-b"
	if *got.OwnerId != ownerARN {
		t.Fatalf("owner %s, want %s", *got.OwnerId, ownerARN)
	}
	_, err = owner.AssociateDelegationRequest(ctx, &iam.AssociateDelegationRequestInput{DelegationRequestId: &id})
	wantError(t, err, "InvalidInput", 400)
	if l := must[*iam.ListDelegationRequestsOutput](t)(owner.ListDelegationRequests(ctx, &iam.ListDelegationRequestsInput{OwnerId: &ownerARN})); len(l.DelegationRequests) != 1 {
		t.Fatalf("the owner lists %v", l.DelegationRequests)
	}

	// Only the owner account acts on it: not the partner.
	_, err = partner.AcceptDelegationRequest(ctx, &iam.AcceptDelegationRequestInput{DelegationRequestId: &id})
	wantError(t, err, "ConcurrentModification", 409)
	_, err = partner.SendDelegationToken(ctx, &iam.SendDelegationTokenInput{DelegationRequestId: &id})
	wantError(t, err, "InvalidInput", 400)

	// Forwarded to an administrator: PENDING_APPROVAL, then accepted.
	must[*iam.UpdateDelegationRequestOutput](t)(owner.UpdateDelegationRequest(ctx, &iam.UpdateDelegationRequestInput{DelegationRequestId: &id, Notes: aws.String("for the admin")}))
	got = d.state(t, d.adminB, id)
	wantState(t, got, iamtypes.StateTypePendingApproval)
	if *got.Notes != "for the admin" {
		t.Fatalf("notes %q", *got.Notes)
	}
	// A token that was never sent exchanges for nothing.
	_, err = d.sts(d.admin).GetDelegatedAccessToken(ctx, &sts.GetDelegatedAccessTokenInput{TradeInToken: aws.String(id + ".forged")})
	wantError(t, err, "ExpiredTradeInTokenException", 400)
	must[*iam.AcceptDelegationRequestOutput](t)(owner.AcceptDelegationRequest(ctx, &iam.AcceptDelegationRequestInput{DelegationRequestId: &id}))
	got = d.state(t, d.adminB, id)
	wantState(t, got, iamtypes.StateTypeAccepted)
	if *got.ApproverId != ownerARN {
		t.Fatalf("approver %s", *got.ApproverId)
	}
	_, err = owner.AcceptDelegationRequest(ctx, &iam.AcceptDelegationRequestInput{DelegationRequestId: &id})
	wantError(t, err, "ConcurrentModification", 409)

	// The token goes to the partner's channel; the request is FINALIZED.
	must[*iam.SendDelegationTokenOutput](t)(owner.SendDelegationToken(ctx, &iam.SendDelegationTokenInput{DelegationRequestId: &id}))
	wantState(t, d.state(t, d.admin, id), iamtypes.StateTypeFinalized)
	tok := d.notes.token(t, partnerChannel, id)
	_, err = owner.RejectDelegationRequest(ctx, &iam.RejectDelegationRequestInput{DelegationRequestId: &id})
	wantError(t, err, "InvalidInput", 400)

	// Another account cannot exchange the partner's token, and the
	// attempt does not use it up.
	_, err = d.sts(d.adminC).GetDelegatedAccessToken(ctx, &sts.GetDelegatedAccessTokenInput{TradeInToken: &tok})
	wantError(t, err, "ExpiredTradeInTokenException", 400)
	_, err = d.sts(d.adminB).GetDelegatedAccessToken(ctx, &sts.GetDelegatedAccessTokenInput{TradeInToken: &tok})
	wantError(t, err, "ExpiredTradeInTokenException", 400)
	// A caller of the partner's account without sts:GetDelegatedAccessToken
	// is denied, and does not use the token up either.
	_, err = d.sts(d.newUser("no-sts", "")).GetDelegatedAccessToken(ctx, &sts.GetDelegatedAccessTokenInput{TradeInToken: &tok})
	wantError(t, err, "AccessDenied", 403)

	out := must[*sts.GetDelegatedAccessTokenOutput](t)(d.sts(d.admin).GetDelegatedAccessToken(ctx, &sts.GetDelegatedAccessTokenInput{TradeInToken: &tok}))
	wantPrincipal := "arn:aws:sts::" + d.b + ":assumed-role/OrganizationAccountAccessRole/" + id
	if *out.AssumedPrincipal != wantPrincipal {
		t.Fatalf("assumed principal %s, want %s", *out.AssumedPrincipal, wantPrincipal)
	}
	if left := time.Until(*out.Credentials.Expiration); left > time.Hour+time.Minute || left < 55*time.Minute {
		t.Fatalf("the credentials expire in %v, want the hour delegated", left)
	}
	// Once only.
	_, err = d.sts(d.admin).GetDelegatedAccessToken(ctx, &sts.GetDelegatedAccessTokenInput{TradeInToken: &tok})
	wantError(t, err, "ExpiredTradeInTokenException", 400)

	// The credentials: the owner account, exactly the delegated actions.
	delegated := session(out.Credentials)
	who := must[*sts.GetCallerIdentityOutput](t)(d.sts(delegated).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	if *who.Account != d.b || *who.Arn != wantPrincipal {
		t.Fatalf("caller identity %s %s", *who.Account, *who.Arn)
	}
	dc := d.iam(delegated)
	must[*iam.ListUsersOutput](t)(dc.ListUsers(ctx, &iam.ListUsersInput{}))
	must[*iam.CreateUserOutput](t)(dc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("partner-a")}))
	must[*iam.GetUserOutput](t)(dc.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("partner-a")}))
	_, err = dc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("intruder")})
	wantError(t, err, "AccessDenied", 403)
	_, err = dc.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("nobody")})
	wantError(t, err, "AccessDenied", 403)
	_, err = dc.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("partner-a")})
	wantError(t, err, "AccessDenied", 403)
	_, err = dc.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("backdoor"), AssumeRolePolicyDocument: aws.String(trustAccount)})
	wantError(t, err, "AccessDenied", 403)

	// Both sides list it now; the summary (iamgate's own, English for any
	// locale, which is echoed).
	for _, c := range []*iam.Client{partner, owner} {
		if l := must[*iam.ListDelegationRequestsOutput](t)(c.ListDelegationRequests(ctx, &iam.ListDelegationRequestsInput{})); len(l.DelegationRequests) != 1 {
			t.Fatalf("listed %v", l.DelegationRequests)
		}
	}
	sum := must[*iam.GetHumanReadableSummaryOutput](t)(owner.GetHumanReadableSummary(ctx, &iam.GetHumanReadableSummaryInput{
		EntityArn: aws.String("arn:aws:iam::" + d.b + ":delegation-request/" + id), Locale: aws.String("fr-FR")}))
	if sum.SummaryState != iamtypes.SummaryStateTypeAvailable || *sum.Locale != "fr-FR" {
		t.Fatalf("summary %s %s", sum.SummaryState, *sum.Locale)
	}
	contains(t, *sum.SummaryContent, "Account "+accountA+" requests temporary access to account "+d.b+" for 1 hour.")
	contains(t, *sum.SummaryContent, "Statement 1 allows iam:ListUsers on all resources when aws:RequestedRegion StringEquals us-east-1 and eu-west-1.")
	contains(t, *sum.SummaryContent, "Statement 2 allows iam:CreateUser and iam:TagUser on arn:aws:iam::"+d.b+":user/partner-*.")
	_, err = owner.GetHumanReadableSummary(ctx, &iam.GetHumanReadableSummaryInput{EntityArn: aws.String("arn:aws:iam::" + d.b + ":user/nobody")})
	wantError(t, err, "InvalidInput", 400)

	// The request and its state survive a restart (the store).
	if !strings.Contains(storedAccount(t, d.env, accountA), `"workflowId":"onboarding-0001"`) {
		t.Fatal("the request is not in the partner account's stored state")
	}
}

// storedAccount is the stored form of an account's own fields.
func storedAccount(t *testing.T, e *env, account string) string {
	t.Helper()
	for k, v := range storedItems(t, e.st, account) {
		if strings.HasPrefix(k, "account") {
			return v
		}
	}
	return ""
}

// Rejection and expiry (the IAM User Guide, "Building your integration":
// the rejection path, Accepted -> Rejected before the token is released,
// and the expiration path, Unassigned expiring after a day; the IAM API
// Reference, RejectDelegationRequest: "Once a request is rejected, it
// cannot be accepted or updated later"). A request for no account is
// seen by any account until one associates it. A token past its
// delegation period is refused (the STS API Reference,
// GetDelegatedAccessToken: ExpiredTradeInTokenException), and so are the
// credentials issued for it.
func TestDelegationRejectionAndExpiry(t *testing.T) {
	d := newDelegationEnv(t)
	ctx := context.Background()
	owner, third := d.iam(d.adminB), d.iam(d.adminC)
	tmpl := d.template(t)

	// No owner account: any account sees it until one associates it.
	open := d.create(t, tmpl, "", "onboarding-open", 3600)
	wantState(t, d.state(t, d.adminC, open), iamtypes.StateTypeUnassigned)
	must[*iam.AssociateDelegationRequestOutput](t)(owner.AssociateDelegationRequest(ctx, &iam.AssociateDelegationRequestInput{DelegationRequestId: &open}))
	_, err := third.GetDelegationRequest(ctx, &iam.GetDelegationRequestInput{DelegationRequestId: &open})
	wantError(t, err, "NoSuchEntity", 404)
	if got := d.state(t, d.adminB, open); *got.OwnerAccountId != d.b {
		t.Fatalf("owner account %v", got.OwnerAccountId)
	}

	// Accepted, then rejected before the token is sent: REJECTED for good.
	must[*iam.AcceptDelegationRequestOutput](t)(owner.AcceptDelegationRequest(ctx, &iam.AcceptDelegationRequestInput{DelegationRequestId: &open}))
	must[*iam.RejectDelegationRequestOutput](t)(owner.RejectDelegationRequest(ctx, &iam.RejectDelegationRequestInput{DelegationRequestId: &open, Notes: aws.String("not now")}))
	got := d.state(t, d.adminB, open)
	wantState(t, got, iamtypes.StateTypeRejected)
	if *got.RejectionReason != "not now" {
		t.Fatalf("rejection reason %v", got.RejectionReason)
	}
	_, err = owner.AcceptDelegationRequest(ctx, &iam.AcceptDelegationRequestInput{DelegationRequestId: &open})
	wantError(t, err, "ConcurrentModification", 409)
	_, err = owner.UpdateDelegationRequest(ctx, &iam.UpdateDelegationRequestInput{DelegationRequestId: &open})
	wantError(t, err, "InvalidInput", 400)
	_, err = owner.SendDelegationToken(ctx, &iam.SendDelegationTokenInput{DelegationRequestId: &open})
	wantError(t, err, "InvalidInput", 400)
	d.notes.mu.Lock()
	for _, m := range d.notes.got[partnerChannel] {
		if m["delegationRequestId"] == open && m["exchangeToken"] != "" {
			t.Fatalf("a rejected request's token was sent: %v", m)
		}
	}
	d.notes.mu.Unlock()

	// A token past the delegation period (300 seconds) is refused, and the
	// credentials issued for it expire with it.
	short := d.create(t, tmpl, d.b, "onboarding-short", 300)
	must[*iam.AssociateDelegationRequestOutput](t)(owner.AssociateDelegationRequest(ctx, &iam.AssociateDelegationRequestInput{DelegationRequestId: &short}))
	must[*iam.AcceptDelegationRequestOutput](t)(owner.AcceptDelegationRequest(ctx, &iam.AcceptDelegationRequestInput{DelegationRequestId: &short}))
	must[*iam.SendDelegationTokenOutput](t)(owner.SendDelegationToken(ctx, &iam.SendDelegationTokenInput{DelegationRequestId: &short}))
	tok := d.notes.token(t, partnerChannel, short)
	used := d.create(t, tmpl, d.b, "onboarding-used", 300)
	must[*iam.AssociateDelegationRequestOutput](t)(owner.AssociateDelegationRequest(ctx, &iam.AssociateDelegationRequestInput{DelegationRequestId: &used}))
	must[*iam.AcceptDelegationRequestOutput](t)(owner.AcceptDelegationRequest(ctx, &iam.AcceptDelegationRequestInput{DelegationRequestId: &used}))
	must[*iam.SendDelegationTokenOutput](t)(owner.SendDelegationToken(ctx, &iam.SendDelegationTokenInput{DelegationRequestId: &used}))
	out := must[*sts.GetDelegatedAccessTokenOutput](t)(d.sts(d.admin).GetDelegatedAccessToken(ctx, &sts.GetDelegatedAccessTokenInput{TradeInToken: aws.String(d.notes.token(t, partnerChannel, used))}))
	creds := session(out.Credentials)
	must[*iam.ListUsersOutput](t)(d.iam(creds).ListUsers(ctx, &iam.ListUsersInput{}))
	later := 6 * time.Minute // within SigV4's 15-minute clock skew
	d.offset.Store(int64(later))
	status, er := do(t, signed(t, d.ts.URL, "Action=GetDelegatedAccessToken&Version=2011-06-15&TradeInToken="+url.QueryEscape(tok), d.admin, time.Now().Add(later)))
	if status != 400 || er.Error.Code != "ExpiredTradeInTokenException" {
		t.Fatalf("an expired token: %d %s", status, er.Error.Code)
	}
	if status, er := do(t, signed(t, d.ts.URL, listUsers, creds, time.Now().Add(later))); status != 403 || er.Error.Code != "ExpiredToken" {
		t.Fatalf("delegated credentials past the delegation period: %d %s", status, er.Error.Code)
	}
	d.offset.Store(0)

	// An unassigned request expires after a day: EXPIRED, and it can no
	// longer be associated (by a user of B: the administrator session
	// would have expired too).
	must[*iam.CreateUserOutput](t)(owner.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("admin")}))
	must[*iam.AttachUserPolicyOutput](t)(owner.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("admin"), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")}))
	ak := must[*iam.CreateAccessKeyOutput](t)(owner.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("admin")}))
	userB := aws.Credentials{AccessKeyID: *ak.AccessKey.AccessKeyId, SecretAccessKey: *ak.AccessKey.SecretAccessKey}
	stale := d.create(t, tmpl, d.b, "onboarding-stale", 3600)
	day := 24*time.Hour + time.Minute
	d.offset.Store(int64(day))
	defer d.offset.Store(0)
	status, body := rawQuery(t, d.env, userB, "GetDelegationRequest", url.Values{"DelegationRequestId": {stale}}, time.Now().Add(day))
	if status != 200 || !strings.Contains(body, "<State>EXPIRED</State>") {
		t.Fatalf("a day later: %d %s", status, body)
	}
	status, body = rawQuery(t, d.env, userB, "AssociateDelegationRequest", url.Values{"DelegationRequestId": {stale}}, time.Now().Add(day))
	if status != 400 || !strings.Contains(body, "<Code>InvalidInput</Code>") {
		t.Fatalf("associating an expired request: %d %s", status, body)
	}
}

// rawQuery sends one IAM Query request signed at a given time (the server's
// clock may be ahead) and returns the status and body.
func rawQuery(t *testing.T, e *env, c aws.Credentials, action string, params url.Values, at time.Time) (int, string) {
	t.Helper()
	form := url.Values{"Action": {action}, "Version": {"2010-05-08"}}
	for k, v := range params {
		form[k] = v
	}
	res, err := http.DefaultClient.Do(signed(t, e.ts.URL, form.Encode(), c, at))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// An IAM user accepting: the credentials are a federated user session of
// that user (iamgate's choice, README "Temporary delegation"), limited to
// the delegated policy and to the user's own permissions. Bad templates
// are InvalidInput (the model's error for CreateDelegationRequest): a
// parameter the template lacks, a placeholder without a value, another
// account's policy.
func TestDelegationUserApproverAndTemplates(t *testing.T) {
	d := newDelegationEnv(t)
	ctx := context.Background()
	owner, partner := d.iam(d.adminB), d.iam(d.admin)
	tmpl := d.template(t)

	// Templates.
	base := func(perm *iamtypes.DelegationPermission, wf string) *iam.CreateDelegationRequestInput {
		return &iam.CreateDelegationRequestInput{Description: aws.String("x"), RequestorWorkflowId: aws.String(wf), NotificationChannel: aws.String(partnerChannel),
			SessionDuration: aws.Int32(900), Permissions: perm}
	}
	_, err := partner.CreateDelegationRequest(ctx, base(&iamtypes.DelegationPermission{PolicyTemplateArn: &tmpl}, "wf-missing"))
	wantError(t, err, "InvalidInput", 400)
	_, err = partner.CreateDelegationRequest(ctx, base(&iamtypes.DelegationPermission{PolicyTemplateArn: aws.String("arn:aws:iam::" + d.b + ":policy/theirs")}, "wf-foreign"))
	wantError(t, err, "InvalidInput", 400)
	_, err = partner.CreateDelegationRequest(ctx, base(&iamtypes.DelegationPermission{PolicyTemplateArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess"),
		Parameters: []iamtypes.PolicyParameter{{Name: aws.String("unused"), Values: []string{"x"}}}}, "wf-unused"))
	wantError(t, err, "InvalidInput", 400)
	// A caller without iam:CreateDelegationRequest creates nothing.
	denied := d.newUser("no-delegation", "")
	_, err = d.iam(denied).CreateDelegationRequest(ctx, base(&iamtypes.DelegationPermission{PolicyTemplateArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}, "wf-denied"))
	wantError(t, err, "AccessDenied", 403)
	if l := must[*iam.ListDelegationRequestsOutput](t)(partner.ListDelegationRequests(ctx, &iam.ListDelegationRequestsInput{})); len(l.DelegationRequests) != 0 {
		t.Fatalf("refused requests were stored: %v", l.DelegationRequests)
	}

	// A user of B that may manage delegation requests and read users, but
	// not create them: the delegated session is limited by both.
	must[*iam.CreateUserOutput](t)(owner.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("approver")}))
	must[*iam.PutUserPolicyOutput](t)(owner.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("approver"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*DelegationRequest*","iam:SendDelegationToken","iam:ListUsers","iam:GetUser"],"Resource":"*"}]}`)}))
	k := must[*iam.CreateAccessKeyOutput](t)(owner.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("approver")}))
	approver := d.iam(aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey})
	id := d.create(t, tmpl, d.b, "wf-user", 900)
	must[*iam.AssociateDelegationRequestOutput](t)(approver.AssociateDelegationRequest(ctx, &iam.AssociateDelegationRequestInput{DelegationRequestId: &id}))
	check := must[*iam.GetDelegationRequestOutput](t)(approver.GetDelegationRequest(ctx, &iam.GetDelegationRequestInput{DelegationRequestId: &id, DelegationPermissionCheck: true}))
	if check.PermissionCheckStatus != iamtypes.PermissionCheckStatusTypeComplete || check.PermissionCheckResult != iamtypes.PermissionCheckResultTypeDenied {
		t.Fatalf("permission check %s %s, want COMPLETE DENIED (the approver may not create users)", check.PermissionCheckStatus, check.PermissionCheckResult)
	}
	must[*iam.AcceptDelegationRequestOutput](t)(approver.AcceptDelegationRequest(ctx, &iam.AcceptDelegationRequestInput{DelegationRequestId: &id}))
	must[*iam.SendDelegationTokenOutput](t)(approver.SendDelegationToken(ctx, &iam.SendDelegationTokenInput{DelegationRequestId: &id}))
	out := must[*sts.GetDelegatedAccessTokenOutput](t)(d.sts(d.admin).GetDelegatedAccessToken(ctx, &sts.GetDelegatedAccessTokenInput{TradeInToken: aws.String(d.notes.token(t, partnerChannel, id))}))
	if want := "arn:aws:sts::" + d.b + ":federated-user/" + id; *out.AssumedPrincipal != want {
		t.Fatalf("assumed principal %s, want %s", *out.AssumedPrincipal, want)
	}
	dc := d.iam(session(out.Credentials))
	must[*iam.ListUsersOutput](t)(dc.ListUsers(ctx, &iam.ListUsersInput{}))
	must[*iam.CreateUserOutput](t)(owner.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("partner-b")}))
	must[*iam.GetUserOutput](t)(dc.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("partner-b")}))
	// The approver's but outside the delegated prefix: denied.
	_, err = dc.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("approver")})
	wantError(t, err, "AccessDenied", 403)
	// Delegated but not the approver's: denied.
	_, err = dc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("partner-a")})
	wantError(t, err, "AccessDenied", 403)
	// The approver's but not delegated: denied.
	_, err = dc.ListDelegationRequests(ctx, &iam.ListDelegationRequestsInput{})
	wantError(t, err, "AccessDenied", 403)
}

// exerciseDelegation calls every delegation operation once, successfully,
// for TestEveryServedOperationThroughTheSDK: the bootstrap account
// delegates to itself, on a server whose notifications go to a file
// (server.FileNotifier, iamgate serve --notifications).
func exerciseDelegation(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), dir+"/iamgate.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	notify, closeNotify, err := server.FileNotifier(dir + "/notifications.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = closeNotify() })
	e := startEnvWith(t, st, func(c *server.Config) { c.Notify = notify })
	ctx := context.Background()
	c := e.iam(e.admin)
	create := func(wf string) string {
		out := must[*iam.CreateDelegationRequestOutput](t)(c.CreateDelegationRequest(ctx, &iam.CreateDelegationRequestInput{Description: aws.String("d"),
			RequestorWorkflowId: aws.String(wf), NotificationChannel: aws.String(partnerChannel), SessionDuration: aws.Int32(900), OwnerAccountId: aws.String(accountA),
			Permissions: &iamtypes.DelegationPermission{PolicyTemplateArn: aws.String("arn:aws:iam::aws:policy/IAMUserChangePassword")}}))
		must[*iam.AssociateDelegationRequestOutput](t)(c.AssociateDelegationRequest(ctx, &iam.AssociateDelegationRequestInput{DelegationRequestId: out.DelegationRequestId}))
		return *out.DelegationRequestId
	}
	id, other := create("exercise-1"), create("exercise-2")
	must[*iam.GetDelegationRequestOutput](t)(c.GetDelegationRequest(ctx, &iam.GetDelegationRequestInput{DelegationRequestId: &id, DelegationPermissionCheck: true}))
	must[*iam.ListDelegationRequestsOutput](t)(c.ListDelegationRequests(ctx, &iam.ListDelegationRequestsInput{MaxItems: aws.Int32(1)}))
	must[*iam.UpdateDelegationRequestOutput](t)(c.UpdateDelegationRequest(ctx, &iam.UpdateDelegationRequestInput{DelegationRequestId: &id, Notes: aws.String("n")}))
	must[*iam.AcceptDelegationRequestOutput](t)(c.AcceptDelegationRequest(ctx, &iam.AcceptDelegationRequestInput{DelegationRequestId: &id}))
	must[*iam.SendDelegationTokenOutput](t)(c.SendDelegationToken(ctx, &iam.SendDelegationTokenInput{DelegationRequestId: &id}))
	must[*iam.RejectDelegationRequestOutput](t)(c.RejectDelegationRequest(ctx, &iam.RejectDelegationRequestInput{DelegationRequestId: &other, Notes: aws.String("no")}))
	must[*iam.GetHumanReadableSummaryOutput](t)(c.GetHumanReadableSummary(ctx, &iam.GetHumanReadableSummaryInput{EntityArn: aws.String("arn:aws:iam::" + accountA + ":delegation-request/" + id)}))
	// The token, from the notification file.
	data, err := os.ReadFile(dir + "/notifications.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var tok string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var n struct {
			Channel string
			Message map[string]string
		}
		if err := json.Unmarshal([]byte(line), &n); err != nil {
			t.Fatalf("notification %q: %v", line, err)
		}
		if n.Channel == partnerChannel && n.Message["delegationRequestId"] == id && n.Message["exchangeToken"] != "" {
			tok = n.Message["exchangeToken"]
		}
	}
	must[*sts.GetDelegatedAccessTokenOutput](t)(e.sts(e.admin).GetDelegatedAccessToken(ctx, &sts.GetDelegatedAccessTokenInput{TradeInToken: &tok}))
}

// Refusals the docs name: with OnlySendByOwner, only the owner sends the
// token (the IAM API Reference, CreateDelegationRequest: OnlySendByOwner
// "prevents any party other than the owner from calling
// SendDelegationToken"); a role session with session policies cannot
// accept (iamgate's fail-closed rule: the delegated session would not be
// limited by them); without a notification channel no token is sent and
// nothing changes. The owner's default permission (the IAM API Reference,
// GetDelegationRequest) lets an owner without any policy read and update
// its request, and no more. Each refusal leaves the request as it was.
func TestDelegationRefusals(t *testing.T) {
	d := newDelegationEnv(t)
	ctx := context.Background()
	owner := d.iam(d.adminB)
	id := func() string {
		in := &iam.CreateDelegationRequestInput{Description: aws.String("only the owner"), RequestorWorkflowId: aws.String("only-owner"),
			NotificationChannel: aws.String(partnerChannel), SessionDuration: aws.Int32(900), OwnerAccountId: aws.String(d.b), OnlySendByOwner: true,
			Permissions: &iamtypes.DelegationPermission{PolicyTemplateArn: aws.String("arn:aws:iam::aws:policy/IAMUserChangePassword")}}
		return *must[*iam.CreateDelegationRequestOutput](t)(d.iam(d.admin).CreateDelegationRequest(ctx, in)).DelegationRequestId
	}()
	// A user of B without policies associates it, so owns it: it may read
	// and update it by default, not accept it.
	must[*iam.CreateUserOutput](t)(owner.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("requester-side")}))
	must[*iam.PutUserPolicyOutput](t)(owner.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("requester-side"), PolicyName: aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:AssociateDelegationRequest","Resource":"*"}]}`)}))
	k := must[*iam.CreateAccessKeyOutput](t)(owner.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("requester-side")}))
	mine := d.iam(aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey})
	must[*iam.AssociateDelegationRequestOutput](t)(mine.AssociateDelegationRequest(ctx, &iam.AssociateDelegationRequestInput{DelegationRequestId: &id}))
	wantState(t, d.state(t, aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}, id), iamtypes.StateTypeAssigned)
	must[*iam.UpdateDelegationRequestOutput](t)(mine.UpdateDelegationRequest(ctx, &iam.UpdateDelegationRequestInput{DelegationRequestId: &id, Notes: aws.String("please approve")}))
	_, err := mine.AcceptDelegationRequest(ctx, &iam.AcceptDelegationRequestInput{DelegationRequestId: &id})
	wantError(t, err, "AccessDenied", 403)
	wantState(t, d.state(t, d.adminB, id), iamtypes.StateTypePendingApproval)

	// A role session with a session policy may not accept.
	limited := must[*sts.AssumeRoleOutput](t)(d.sts(d.admin).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + d.b + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("limited"), Policy: aws.String(allowAll)}))
	_, err = d.iam(session(limited.Credentials)).AcceptDelegationRequest(ctx, &iam.AcceptDelegationRequestInput{DelegationRequestId: &id})
	wantError(t, err, "AccessDenied", 403)
	wantState(t, d.state(t, d.adminB, id), iamtypes.StateTypePendingApproval)

	// The administrator accepts; it is not the owner, so it may not send.
	must[*iam.AcceptDelegationRequestOutput](t)(owner.AcceptDelegationRequest(ctx, &iam.AcceptDelegationRequestInput{DelegationRequestId: &id}))
	_, err = owner.SendDelegationToken(ctx, &iam.SendDelegationTokenInput{DelegationRequestId: &id})
	wantError(t, err, "AccessDenied", 403)
	wantState(t, d.state(t, d.adminB, id), iamtypes.StateTypeAccepted)
	// The owner may not either without iam:SendDelegationToken.
	_, err = mine.SendDelegationToken(ctx, &iam.SendDelegationTokenInput{DelegationRequestId: &id})
	wantError(t, err, "AccessDenied", 403)
	wantState(t, d.state(t, d.adminB, id), iamtypes.StateTypeAccepted)

	// Without a notification channel (no Config.Notify) nothing is sent
	// and the request stays ACCEPTED.
	e := newEnv(t)
	c := e.iam(e.admin)
	self := *must[*iam.CreateDelegationRequestOutput](t)(c.CreateDelegationRequest(ctx, &iam.CreateDelegationRequestInput{Description: aws.String("d"),
		RequestorWorkflowId: aws.String("no-channel"), NotificationChannel: aws.String(partnerChannel), SessionDuration: aws.Int32(900), OwnerAccountId: aws.String(accountA),
		Permissions: &iamtypes.DelegationPermission{PolicyTemplateArn: aws.String("arn:aws:iam::aws:policy/IAMUserChangePassword")}})).DelegationRequestId
	must[*iam.AssociateDelegationRequestOutput](t)(c.AssociateDelegationRequest(ctx, &iam.AssociateDelegationRequestInput{DelegationRequestId: &self}))
	must[*iam.AcceptDelegationRequestOutput](t)(c.AcceptDelegationRequest(ctx, &iam.AcceptDelegationRequestInput{DelegationRequestId: &self}))
	_, err = c.SendDelegationToken(ctx, &iam.SendDelegationTokenInput{DelegationRequestId: &self})
	wantError(t, err, "InvalidInput", 400)
	if got := must[*iam.GetDelegationRequestOutput](t)(c.GetDelegationRequest(ctx, &iam.GetDelegationRequestInput{DelegationRequestId: &self})); got.DelegationRequest.State != iamtypes.StateTypeAccepted {
		t.Fatalf("state %s after a failed send", got.DelegationRequest.State)
	}
}

// A token is exchanged once, also when several exchanges race (the STS
// API Reference, GetDelegatedAccessToken: the token "must be valid and
// unexpired"; iamgate takes it once): of eight at once, one gets
// credentials.
func TestDelegationTokenOnceUnderRace(t *testing.T) {
	d := newDelegationEnv(t)
	ctx := context.Background()
	owner := d.iam(d.adminB)
	id := d.create(t, d.template(t), d.b, "race-workflow", 900)
	must[*iam.AssociateDelegationRequestOutput](t)(owner.AssociateDelegationRequest(ctx, &iam.AssociateDelegationRequestInput{DelegationRequestId: &id}))
	must[*iam.AcceptDelegationRequestOutput](t)(owner.AcceptDelegationRequest(ctx, &iam.AcceptDelegationRequestInput{DelegationRequestId: &id}))
	must[*iam.SendDelegationTokenOutput](t)(owner.SendDelegationToken(ctx, &iam.SendDelegationTokenInput{DelegationRequestId: &id}))
	tok := d.notes.token(t, partnerChannel, id)
	var wg sync.WaitGroup
	var mu sync.Mutex
	won, refused := 0, 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := d.sts(d.admin).GetDelegatedAccessToken(ctx, &sts.GetDelegatedAccessTokenInput{TradeInToken: &tok})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				won++
			} else if code, status, _ := apiError(t, err); code == "ExpiredTradeInTokenException" && status == 400 {
				refused++
			} else {
				t.Errorf("an exchange: %v", err)
			}
		}()
	}
	wg.Wait()
	if won != 1 || refused != 7 {
		t.Fatalf("%d exchanges got credentials, %d were refused; want 1 and 7", won, refused)
	}
}
