package server_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// laterSigner signs requests as if d had passed, for a server whose clock
// is shifted by d (env.offset).
type laterSigner struct{ d time.Duration }

func (s laterSigner) SignHTTP(ctx context.Context, c aws.Credentials, r *http.Request, hash, service, region string, at time.Time, opts ...func(*v4.SignerOptions)) error {
	return v4.NewSigner().SignHTTP(ctx, c, r, hash, service, region, at.Add(s.d), opts...)
}

// orgLater is an Organizations client for a server whose clock is d ahead.
func (e *env) orgLater(c aws.Credentials, d time.Duration) *organizations.Client {
	return organizations.New(organizations.Options{Region: "us-east-1", Credentials: provider(c), BaseEndpoint: aws.String(e.ts.URL),
		Retryer: aws.NopRetryer{}, HTTPClient: &http.Client{Transport: checking{e.t}}, HTTPSignerV4: laterSigner{d}})
}

// accountKey gives an account (through credentials of its administrator)
// a user with AdministratorAccess and returns its access key, which does
// not expire as a role session does.
func accountKey(t *testing.T, e *env, admin aws.Credentials, name string) aws.Credentials {
	t.Helper()
	ctx := context.Background()
	c := e.iam(admin)
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}))
	must[*iam.AttachUserPolicyOutput](t)(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(name), PolicyArn: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")}))
	k := must[*iam.CreateAccessKeyOutput](t)(c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)}))
	return aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}
}

// wantHandshakeReason checks a HandshakeConstraintViolationException's
// reason (the model's HandshakeConstraintViolationExceptionReason).
func wantHandshakeReason(t *testing.T, err error, reason string) {
	t.Helper()
	wantError(t, err, "HandshakeConstraintViolationException", 400)
	var hc *orgtypes.HandshakeConstraintViolationException
	if !errors.As(err, &hc) || string(hc.Reason) != reason {
		t.Fatalf("reason: %v, want %s", err, reason)
	}
}

func party(h *orgtypes.Handshake, typ orgtypes.HandshakePartyType) string {
	for _, p := range h.Parties {
		if p.Type == typ {
			return *p.Id
		}
	}
	return ""
}

func resource(h *orgtypes.Handshake, typ orgtypes.HandshakeResourceType) string {
	for _, r := range h.Resources {
		if r.Type == typ {
			return *r.Value
		}
	}
	return ""
}

// Invitations (botocore organizations/2016-11-28: InviteAccountToOrganization,
// DescribeHandshake, ListHandshakesForOrganization, ListHandshakesForAccount,
// AcceptHandshake, DeclineHandshake, CancelHandshake; the shapes of its
// examples-1.json): an account removed from the organization is invited
// back and accepts, joining at the root as INVITED with the invitation's
// tags; only the management account invites, lists the organization's and
// cancels; only the invited account accepts and declines, by its own
// policies on the handshake's ARN (the Service Authorization Reference);
// others learn nothing of it; a member cannot be invited
// (ALREADY_IN_AN_ORGANIZATION); a second invitation is
// DuplicateHandshakeException; a canceled, declined or expired (15 days)
// handshake cannot be accepted (InvalidHandshakeTransitionException); one
// over for 30 days is gone. Handshakes are in the store: a second server
// sees them.
func orgHandshakesTest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	created := must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	orgID := *created.Organization.Id
	root := *must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id
	e2 := startEnv(t, e.st)
	a, aRole := orgMember(t, e, "invitee")
	b, bRole := orgMember(t, e, "member")
	aCreds := accountKey(t, e, aRole, "admin")
	bCreds := accountKey(t, e, bRole, "admin")

	// a leaves by removal: outside, it has no handshakes.
	must[*organizations.RemoveAccountFromOrganizationOutput](t)(oc.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: &a}))
	none := must[*organizations.ListHandshakesForAccountOutput](t)(e.org(aCreds).ListHandshakesForAccount(ctx, &organizations.ListHandshakesForAccountInput{}))
	if len(none.Handshakes) != 0 {
		t.Fatalf("before: %+v", none.Handshakes)
	}

	target := func(id string) *orgtypes.HandshakeParty {
		return &orgtypes.HandshakeParty{Type: orgtypes.HandshakePartyTypeAccount, Id: aws.String(id)}
	}
	// Only the management account invites: not a member, not a user
	// without permission, nor one allowed to invite but not to tag.
	_, err := e.org(bCreds).InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{Target: target(a)})
	wantError(t, err, "AccessDeniedException", 400)
	nobody := e.newUser("nobody", "")
	_, err = e.org(nobody).InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{Target: target(a)})
	wantError(t, err, "AccessDeniedException", 400)
	inviter := e.newUser("inviter", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:InviteAccountToOrganization","Resource":"*"}]}`)
	tags := []orgtypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}}
	_, err = e.org(inviter).InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{Target: target(a), Tags: tags})
	wantError(t, err, "AccessDeniedException", 400)
	// Members and the management account are in an organization already;
	// bad targets are the model's InvalidInputException reasons.
	for _, id := range []string{b, "123456789012"} {
		_, err = oc.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{Target: target(id)})
		wantHandshakeReason(t, err, "ALREADY_IN_AN_ORGANIZATION")
	}
	_, err = oc.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{Target: &orgtypes.HandshakeParty{Type: orgtypes.HandshakePartyTypeOrganization, Id: &orgID}})
	wantReason(t, err, "InvalidInputException", "INVALID_PARTY_TYPE_TARGET")
	_, err = oc.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{Target: target("team-a")})
	wantReason(t, err, "InvalidInputException", "INVALID_PARTY_TYPE_TARGET")
	_, err = oc.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{Target: &orgtypes.HandshakeParty{Type: orgtypes.HandshakePartyTypeEmail, Id: aws.String("nobody")}})
	wantReason(t, err, "InvalidInputException", "INVALID_EMAIL_ADDRESS_TARGET")

	// The invitation, as the model's example shows it.
	before := time.Now().Add(-time.Second)
	inv := must[*organizations.InviteAccountToOrganizationOutput](t)(e.org(inviter).InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{Target: target(a),
		Notes: aws.String("join us")}))
	h := inv.Handshake
	if h.Action != orgtypes.ActionTypeInviteAccountToOrganization || h.State != orgtypes.HandshakeStateOpen || !strings.HasPrefix(*h.Id, "h-") ||
		*h.Arn != "arn:aws:organizations::123456789012:handshake/"+orgID+"/invite/"+*h.Id ||
		party(h, orgtypes.HandshakePartyTypeOrganization) != orgID || party(h, orgtypes.HandshakePartyTypeAccount) != a ||
		resource(h, orgtypes.HandshakeResourceTypeNotes) != "join us" || resource(h, orgtypes.HandshakeResourceTypeOrganization) != orgID ||
		h.RequestedTimestamp.Before(before) || h.ExpirationTimestamp.Sub(*h.RequestedTimestamp) != 15*24*time.Hour {
		t.Fatalf("invitation: %+v", h)
	}
	hid := h.Id
	must[*organizations.CancelHandshakeOutput](t)(oc.CancelHandshake(ctx, &organizations.CancelHandshakeInput{HandshakeId: hid}))
	inv = must[*organizations.InviteAccountToOrganizationOutput](t)(oc.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{Target: target(a), Tags: tags}))
	hid = inv.Handshake.Id
	// The same account again, by ID or by email, is a duplicate.
	_, err = oc.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{Target: target(a)})
	wantError(t, err, "DuplicateHandshakeException", 400)
	_, err = oc.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{Target: &orgtypes.HandshakeParty{Type: orgtypes.HandshakePartyTypeEmail, Id: aws.String("Invitee@example.com")}})
	wantError(t, err, "DuplicateHandshakeException", 400)

	// The management account lists and describes it, the same each time
	// and on the second server; a filter takes ActionType or
	// ParentHandshakeId, not both.
	// (The second server follows the store's changes within a moment:
	// within, shared_test.go.)
	d1 := must[*organizations.DescribeHandshakeOutput](t)(oc.DescribeHandshake(ctx, &organizations.DescribeHandshakeInput{HandshakeId: hid}))
	var d2 *organizations.DescribeHandshakeOutput
	within(t, "the handshake on the second server", func() (err error) {
		d2, err = e2.org(e.admin).DescribeHandshake(ctx, &organizations.DescribeHandshakeInput{HandshakeId: hid})
		return err
	})
	if !d1.Handshake.RequestedTimestamp.Equal(*d2.Handshake.RequestedTimestamp) || !d1.Handshake.RequestedTimestamp.Equal(*inv.Handshake.RequestedTimestamp) {
		t.Fatalf("requested: %v %v", d1.Handshake.RequestedTimestamp, d2.Handshake.RequestedTimestamp)
	}
	list := must[*organizations.ListHandshakesForOrganizationOutput](t)(oc.ListHandshakesForOrganization(ctx, &organizations.ListHandshakesForOrganizationInput{
		Filter: &orgtypes.HandshakeFilter{ActionType: orgtypes.ActionTypeInviteAccountToOrganization}}))
	if len(list.Handshakes) != 2 || list.Handshakes[0].State != orgtypes.HandshakeStateCanceled || *list.Handshakes[1].Id != *hid {
		t.Fatalf("organization's: %+v", list.Handshakes)
	}
	_, err = oc.ListHandshakesForOrganization(ctx, &organizations.ListHandshakesForOrganizationInput{
		Filter: &orgtypes.HandshakeFilter{ActionType: orgtypes.ActionTypeInviteAccountToOrganization, ParentHandshakeId: hid}})
	wantError(t, err, "InvalidInputException", 400)
	_, err = e.org(bCreds).ListHandshakesForOrganization(ctx, &organizations.ListHandshakesForOrganizationInput{})
	wantError(t, err, "AccessDeniedException", 400)

	// Another member, not a party, learns nothing of it: not found, as an
	// ID no handshake has.
	for _, id := range []*string{hid, aws.String("h-0000000000")} {
		_, err = e.org(bCreds).DescribeHandshake(ctx, &organizations.DescribeHandshakeInput{HandshakeId: id})
		wantError(t, err, "HandshakeNotFoundException", 400)
		_, err = e.org(bCreds).AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: id})
		wantError(t, err, "HandshakeNotFoundException", 400)
		_, err = e.org(bCreds).DeclineHandshake(ctx, &organizations.DeclineHandshakeInput{HandshakeId: id})
		wantError(t, err, "HandshakeNotFoundException", 400)
	}
	_, err = oc.DescribeHandshake(ctx, &organizations.DescribeHandshakeInput{HandshakeId: aws.String("h-0000000000")})
	wantError(t, err, "HandshakeNotFoundException", 400)
	// The management account may not accept what it sent, the invited
	// account not cancel it.
	_, err = oc.AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: hid})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = e.org(aCreds).CancelHandshake(ctx, &organizations.CancelHandshakeInput{HandshakeId: hid})
	wantError(t, err, "AccessDeniedException", 400)

	// The invited account sees it; a session of its own allowed only to
	// describe it, or to accept another handshake, may not accept it.
	mine := must[*organizations.ListHandshakesForAccountOutput](t)(e2.org(aCreds).ListHandshakesForAccount(ctx, &organizations.ListHandshakesForAccountInput{}))
	if len(mine.Handshakes) != 2 || *mine.Handshakes[1].Id != *hid {
		t.Fatalf("the account's: %+v", mine.Handshakes)
	}
	arn := *inv.Handshake.Arn
	for _, p := range []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:DescribeHandshake","Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:AcceptHandshake","Resource":"` + strings.TrimSuffix(arn, *hid) + `h-0000000000"}]}`,
	} {
		out := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + a + ":role/OrganizationAccountAccessRole"),
			RoleSessionName: aws.String("limited"), Policy: aws.String(p)}))
		limited := session(out.Credentials)
		_, err = e.org(limited).AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: hid})
		wantError(t, err, "AccessDeniedException", 400)
	}
	// Joining an organization with all features needs
	// iam:CreateServiceLinkedRole (AcceptHandshake's documentation; the
	// model's AccessDeniedForDependencyException).
	noSLR := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + a + ":role/OrganizationAccountAccessRole"),
		RoleSessionName: aws.String("no-slr"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"organizations:AcceptHandshake","Resource":"*"}]}`)}))
	_, err = e.org(session(noSLR.Credentials)).AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: hid})
	wantError(t, err, "AccessDeniedForDependencyException", 400)
	var dep *orgtypes.AccessDeniedForDependencyException
	if !errors.As(err, &dep) || dep.Reason != orgtypes.AccessDeniedForDependencyExceptionReasonAccessDeniedDuringCreateServiceLinkedRole {
		t.Fatalf("dependency: %v", err)
	}
	onlyThis := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::" + a + ":role/OrganizationAccountAccessRole"),
		RoleSessionName: aws.String("accepter"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["organizations:AcceptHandshake","iam:CreateServiceLinkedRole"],"Resource":"*"}]}`)}))

	// It accepts: a member at the root, invited, with the tags.
	acc := must[*organizations.AcceptHandshakeOutput](t)(e.org(session(onlyThis.Credentials)).AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: hid}))
	if acc.Handshake.State != orgtypes.HandshakeStateAccepted {
		t.Fatalf("accepted: %+v", acc.Handshake)
	}
	within(t, "the new member on the second server", func() error {
		kids, err := e2.org(e.admin).ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: &root})
		if err != nil {
			return err
		}
		for _, acct := range kids.Accounts {
			if *acct.Id == a && acct.JoinedMethod == orgtypes.AccountJoinedMethodInvited {
				return nil
			}
		}
		return errors.New("not a member, invited")
	})
	tagsOut := must[*organizations.ListTagsForResourceOutput](t)(oc.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: &a}))
	if len(tagsOut.Tags) != 1 || *tagsOut.Tags[0].Key != "team" {
		t.Fatalf("tags: %+v", tagsOut.Tags)
	}
	must[*organizations.DescribeOrganizationOutput](t)(e.org(aCreds).DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}))
	_, err = e.org(aCreds).AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: hid})
	wantError(t, err, "HandshakeAlreadyInStateException", 400)
	_, err = e.org(aCreds).DeclineHandshake(ctx, &organizations.DeclineHandshakeInput{HandshakeId: hid})
	wantError(t, err, "InvalidHandshakeTransitionException", 400)
	_, err = oc.CancelHandshake(ctx, &organizations.CancelHandshakeInput{HandshakeId: hid})
	wantError(t, err, "InvalidHandshakeTransitionException", 400)

	// b is removed and invited: canceled, it cannot be accepted; declined,
	// neither; expired (15 days on), neither, and it can be invited again.
	must[*organizations.RemoveAccountFromOrganizationOutput](t)(oc.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: &b}))
	invite := func(c *organizations.Client) *string {
		t.Helper()
		return must[*organizations.InviteAccountToOrganizationOutput](t)(c.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{Target: target(b)})).Handshake.Id
	}
	canceled := invite(oc)
	must[*organizations.CancelHandshakeOutput](t)(oc.CancelHandshake(ctx, &organizations.CancelHandshakeInput{HandshakeId: canceled}))
	_, err = oc.CancelHandshake(ctx, &organizations.CancelHandshakeInput{HandshakeId: canceled})
	wantError(t, err, "HandshakeAlreadyInStateException", 400)
	_, err = e.org(bCreds).AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: canceled})
	wantError(t, err, "InvalidHandshakeTransitionException", 400)
	declined := invite(oc)
	dec := must[*organizations.DeclineHandshakeOutput](t)(e.org(bCreds).DeclineHandshake(ctx, &organizations.DeclineHandshakeInput{HandshakeId: declined}))
	if dec.Handshake.State != orgtypes.HandshakeStateDeclined {
		t.Fatalf("declined: %+v", dec.Handshake)
	}
	_, err = e.org(bCreds).AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: declined})
	wantError(t, err, "InvalidHandshakeTransitionException", 400)
	expiring := invite(oc)
	later := 15*24*time.Hour + time.Minute
	e.offset.Store(int64(later))
	defer e.offset.Store(0)
	ex := must[*organizations.DescribeHandshakeOutput](t)(e.orgLater(bCreds, later).DescribeHandshake(ctx, &organizations.DescribeHandshakeInput{HandshakeId: expiring}))
	if ex.Handshake.State != orgtypes.HandshakeStateExpired {
		t.Fatalf("after 15 days: %+v", ex.Handshake)
	}
	_, err = e.orgLater(bCreds, later).AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: expiring})
	wantError(t, err, "InvalidHandshakeTransitionException", 400)
	again := invite(e.orgLater(e.admin, later))
	must[*organizations.AcceptHandshakeOutput](t)(e.orgLater(bCreds, later).AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: again}))

	// 30 days after they were over, handshakes are gone.
	later += 31 * 24 * time.Hour
	e.offset.Store(int64(later))
	_, err = e.orgLater(e.admin, later).DescribeHandshake(ctx, &organizations.DescribeHandshakeInput{HandshakeId: declined})
	wantError(t, err, "HandshakeNotFoundException", 400)
	left := must[*organizations.ListHandshakesForOrganizationOutput](t)(e.orgLater(e.admin, later).ListHandshakesForOrganization(ctx, &organizations.ListHandshakesForOrganizationInput{}))
	if len(left.Handshakes) != 0 {
		t.Fatalf("after 46 days: %+v", left.Handshakes)
	}
}

// EnableAllFeatures (its documentation and the Organizations User Guide,
// "Enabling all features in your organization"): an organization of
// consolidated billing sends an APPROVE_ALL_FEATURES handshake to each
// member that joined by invitation (a created one's approval is
// inferred); while it waits (REQUESTED) no invitation may be sent and the
// management account cannot finish; when every invited member has
// accepted, the ENABLE_ALL_FEATURES handshake is OPEN and the management
// account accepts it: the feature set is ALL. Only the management account
// starts it; starting twice, or with all features, is refused with the
// model's reasons.
func orgEnableAllFeaturesTest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetConsolidatedBilling}))
	_, created := orgMember(t, e, "created")
	a, aRole := orgMember(t, e, "invited")
	aCreds := accountKey(t, e, aRole, "admin")
	must[*organizations.RemoveAccountFromOrganizationOutput](t)(oc.RemoveAccountFromOrganization(ctx, &organizations.RemoveAccountFromOrganizationInput{AccountId: &a}))
	inv := must[*organizations.InviteAccountToOrganizationOutput](t)(oc.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{
		Target: &orgtypes.HandshakeParty{Type: orgtypes.HandshakePartyTypeEmail, Id: aws.String("invited@example.com")}}))
	if resource(inv.Handshake, orgtypes.HandshakeResourceTypeEmail) != "invited@example.com" {
		t.Fatalf("by email: %+v", inv.Handshake)
	}
	// An organization of consolidated billing needs no service-linked
	// role permission to join.
	must[*organizations.AcceptHandshakeOutput](t)(e.org(aCreds).AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: inv.Handshake.Id}))

	_, err := e.org(created).EnableAllFeatures(ctx, &organizations.EnableAllFeaturesInput{})
	wantError(t, err, "AccessDeniedException", 400)
	_, err = e.org(e.newUser("nobody", "")).EnableAllFeatures(ctx, &organizations.EnableAllFeaturesInput{})
	wantError(t, err, "AccessDeniedException", 400)
	eaf := must[*organizations.EnableAllFeaturesOutput](t)(oc.EnableAllFeatures(ctx, &organizations.EnableAllFeaturesInput{})).Handshake
	if eaf.Action != orgtypes.ActionTypeEnableAllFeatures || eaf.State != orgtypes.HandshakeStateRequested || !strings.Contains(*eaf.Arn, "/enable_all_features/"+*eaf.Id) {
		t.Fatalf("enable all features: %+v", eaf)
	}
	_, err = oc.EnableAllFeatures(ctx, &organizations.EnableAllFeaturesInput{})
	wantHandshakeReason(t, err, "ORGANIZATION_IS_ALREADY_PENDING_ALL_FEATURES_MIGRATION")
	_, err = oc.InviteAccountToOrganization(ctx, &organizations.InviteAccountToOrganizationInput{Target: &orgtypes.HandshakeParty{Type: orgtypes.HandshakePartyTypeAccount, Id: aws.String("210987654321")}})
	wantHandshakeReason(t, err, "INVITE_DISABLED_DURING_ENABLE_ALL_FEATURES")
	_, err = oc.AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: eaf.Id})
	wantError(t, err, "InvalidHandshakeTransitionException", 400)

	// The invited member's request, child of the first; the created
	// member has none.
	kids := must[*organizations.ListHandshakesForOrganizationOutput](t)(oc.ListHandshakesForOrganization(ctx, &organizations.ListHandshakesForOrganizationInput{
		Filter: &orgtypes.HandshakeFilter{ParentHandshakeId: eaf.Id}}))
	if len(kids.Handshakes) != 1 || kids.Handshakes[0].Action != orgtypes.ActionTypeApproveAllFeatures || party(&kids.Handshakes[0], orgtypes.HandshakePartyTypeAccount) != a ||
		resource(&kids.Handshakes[0], orgtypes.HandshakeResourceTypeParentHandshake) != *eaf.Id {
		t.Fatalf("children: %+v", kids.Handshakes)
	}
	none := must[*organizations.ListHandshakesForAccountOutput](t)(e.org(created).ListHandshakesForAccount(ctx, &organizations.ListHandshakesForAccountInput{}))
	if len(none.Handshakes) != 0 {
		t.Fatalf("the created member's: %+v", none.Handshakes)
	}
	mine := must[*organizations.ListHandshakesForAccountOutput](t)(e.org(aCreds).ListHandshakesForAccount(ctx, &organizations.ListHandshakesForAccountInput{
		Filter: &orgtypes.HandshakeFilter{ActionType: orgtypes.ActionTypeApproveAllFeatures}}))
	if len(mine.Handshakes) != 1 {
		t.Fatalf("the invited member's: %+v", mine.Handshakes)
	}
	_, err = e.org(aCreds).DescribeHandshake(ctx, &organizations.DescribeHandshakeInput{HandshakeId: eaf.Id})
	wantError(t, err, "HandshakeNotFoundException", 400)
	must[*organizations.AcceptHandshakeOutput](t)(e.org(aCreds).AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: mine.Handshakes[0].Id}))

	// Every invited member approved: the management account finishes.
	open := must[*organizations.DescribeHandshakeOutput](t)(oc.DescribeHandshake(ctx, &organizations.DescribeHandshakeInput{HandshakeId: eaf.Id}))
	if open.Handshake.State != orgtypes.HandshakeStateOpen {
		t.Fatalf("after approval: %+v", open.Handshake)
	}
	must[*organizations.AcceptHandshakeOutput](t)(oc.AcceptHandshake(ctx, &organizations.AcceptHandshakeInput{HandshakeId: eaf.Id}))
	o := must[*organizations.DescribeOrganizationOutput](t)(oc.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}))
	if o.Organization.FeatureSet != orgtypes.OrganizationFeatureSetAll {
		t.Fatalf("feature set: %s", o.Organization.FeatureSet)
	}
	_, err = oc.EnableAllFeatures(ctx, &organizations.EnableAllFeaturesInput{})
	wantHandshakeReason(t, err, "ORGANIZATION_ALREADY_HAS_ALL_FEATURES")
}
