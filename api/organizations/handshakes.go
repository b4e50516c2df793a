package organizations

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/orgerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/orgshape"
	"github.com/iamgate/iamgate/world"
)

// Handshakes (botocore organizations/2016-11-28, Handshake and the
// operations below; its examples-1.json for the shapes): the management
// account invites an account that is in no organization
// (InviteAccountToOrganization), which accepts and becomes a member at the
// root, or declines; the management account cancels. EnableAllFeatures
// sends an APPROVE_ALL_FEATURES handshake to every member that joined by
// invitation; when all have accepted, the ENABLE_ALL_FEATURES handshake is
// OPEN and the management account accepts it to finish (AcceptHandshake's
// documentation: "Invitation to join or Approve all features request
// handshakes: only a principal from the member account"; "Enable all
// features final confirmation handshake: only a principal from the
// management account"). Handshakes are kept in the organization, so every
// server sharing the store sees them.
//
// An account sees the handshakes it is a party to; the management account
// sees all of the organization's. Each operation on a handshake is
// authorized as organizations:<Operation> on the handshake's ARN (the
// Service Authorization Reference) by the caller's own policies before
// anything else is answered; a handshake the caller may not see is
// authorized on the ARN an invitation of that ID would have, then answered
// HandshakeNotFoundException, so that nothing tells them apart.
func init() {
	registerTyped("InviteAccountToOrganization", inviteAccount)
	registerTyped("DescribeHandshake", describeHandshake)
	registerTyped("ListHandshakesForOrganization", listHandshakesForOrganization)
	registerTyped("ListHandshakesForAccount", listHandshakesForAccount)
	registerTyped("AcceptHandshake", acceptHandshake)
	registerTyped("DeclineHandshake", declineHandshake)
	registerTyped("CancelHandshake", cancelHandshake)
	registerTyped("EnableAllFeatures", enableAllFeatures)
}

// Actions and states of handshakes (the model's ActionType and
// HandshakeState).
const (
	actionInvite     = "INVITE"
	actionEnableAll  = "ENABLE_ALL_FEATURES"
	actionApproveAll = "APPROVE_ALL_FEATURES"

	stateRequested = "REQUESTED"
	stateOpen      = "OPEN"
	stateAccepted  = "ACCEPTED"
	stateDeclined  = "DECLINED"
	stateCanceled  = "CANCELED"
	stateExpired   = "EXPIRED"
)

// handshakeLife is how long a handshake waits for an answer: 15 days (the
// model's HandshakeState EXPIRED, "before the expiration time (15 days)";
// the examples of InviteAccountToOrganization and EnableAllFeatures).
// handshakeKept is how long one that is over stays visible: "only 30
// days after changing to that state" (ListHandshakesForOrganization).
const (
	handshakeLife = 15 * 24 * time.Hour
	handshakeKept = 30 * 24 * time.Hour
)

// Errors of the model, in the words of its documentation.
func handshakeNotFound() *query.Error {
	return orgerr.HandshakeNotFoundException("We can't find a handshake with the HandshakeId that you specified.")
}

func invalidTransition() *query.Error {
	return orgerr.InvalidHandshakeTransitionException("You can't perform the operation on the handshake in its current state.")
}

func alreadyInState() *query.Error {
	return orgerr.HandshakeAlreadyInStateException("The specified handshake is already in the requested state.")
}

// reasoned is an error with the Reason the model gives its shape.
func reasoned(code func(string, ...any) *query.Error, reason, msg string) *query.Error {
	e := code("%s", msg)
	e.Reason = reason
	return e
}

func handshakeConstraint(reason, msg string) *query.Error {
	return reasoned(orgerr.HandshakeConstraintViolationException, reason, msg)
}

func alreadyInOrganization() *query.Error {
	return handshakeConstraint("ALREADY_IN_AN_ORGANIZATION", "The handshake request is invalid because the invited account is already a member of an organization.")
}

func badParty(reason, msg string) *query.Error {
	return reasoned(orgerr.InvalidInputException, reason, msg)
}

// notYours is the answer to a party that may not take the step it asks
// for (AcceptHandshake and DeclineHandshake are the recipient's,
// CancelHandshake the originator's); iamgate's words.
func notYours(what string) *query.Error {
	return orgerr.AccessDeniedException("You don't have permissions to %s this handshake: %s", what, map[string]string{
		"accept":  "only the account that received it can accept it.",
		"decline": "only the account that received it can decline it; the originator can cancel it.",
		"cancel":  "only the account that sent it can cancel it; the recipient can decline it.",
	}[what])
}

// stateAt is a handshake's state at now: an open or requested one whose
// time has passed has EXPIRED.
func stateAt(h world.FileHandshake, now time.Time) string {
	if (h.State == stateOpen || h.State == stateRequested) && !now.Before(h.Expires) {
		return stateExpired
	}
	return h.State
}

// pending is whether a handshake still waits for an answer.
func pending(h world.FileHandshake, now time.Time) bool {
	s := stateAt(h, now)
	return s == stateOpen || s == stateRequested
}

// gone is whether a handshake that is over has been so for 30 days.
func gone(h world.FileHandshake, now time.Time) bool {
	switch stateAt(h, now) {
	case stateExpired:
		return now.Sub(h.Expires) > handshakeKept
	case stateAccepted, stateDeclined, stateCanceled:
		return now.Sub(h.Changed) > handshakeKept
	}
	return false
}

// visibleTo is whether an account may see a handshake: the management
// account sees all of the organization's, another account those it
// received.
func visibleTo(o *world.FileOrganization, h world.FileHandshake, acct string) bool {
	return acct == o.ManagementAccount || (h.Account != "" && h.Account == acct)
}

func handshakeARN(o *world.FileOrganization, h world.FileHandshake) string {
	return orgARN(o, "handshake", "/"+strings.ToLower(h.Action)+"/"+h.ID)
}

type handshakeResource = orgshape.HandshakeResource

// handshakeShape is a handshake as the API gives it, as in the model's
// examples: the organization and the recipient as parties; as resources
// the organization (with, for an invitation, the management account's
// email and name and the feature set), the recipient, the notes and, for
// an APPROVE_ALL_FEATURES handshake, its parent (PARENT_HANDSHAKE).
func handshakeShape(fw *world.FileWorld, o *world.FileOrganization, h world.FileHandshake, now time.Time) *orgshape.Handshake {
	orgRes := handshakeResource{Value: o.ID, Type: "ORGANIZATION"}
	out := &orgshape.Handshake{Id: h.ID, Arn: handshakeARN(o, h), Parties: shape.List[orgshape.HandshakeParty]{{Id: o.ID, Type: "ORGANIZATION"}}, State: stateAt(h, now),
		RequestedTimestamp: createdAt(h.Requested), ExpirationTimestamp: createdAt(h.Expires), Action: h.Action}
	switch h.Action {
	case actionInvite:
		mgmt := world.FileAccount{ID: o.ManagementAccount}
		if a, ok := findAccount(fw, o.ManagementAccount); ok {
			mgmt = a
		}
		name := mgmt.Name
		if name == "" {
			name = mgmt.ID
		}
		orgRes.Resources = shape.List[handshakeResource]{{Value: accountEmail(mgmt), Type: "MASTER_EMAIL"}, {Value: name, Type: "MASTER_NAME"},
			{Value: organizationShape(fw, o).FeatureSet, Type: "ORGANIZATION_FEATURE_SET"}}
		out.Parties = append(out.Parties, orgshape.HandshakeParty{Id: h.TargetID, Type: h.TargetType})
		out.Resources = shape.List[handshakeResource]{orgRes, {Value: h.TargetID, Type: h.TargetType}}
	case actionApproveAll:
		out.Parties = append(out.Parties, orgshape.HandshakeParty{Id: h.Account, Type: "ACCOUNT"})
		out.Resources = shape.List[handshakeResource]{orgRes, {Value: h.Account, Type: "ACCOUNT"}, {Value: h.Parent, Type: "PARENT_HANDSHAKE"}}
	default:
		out.Resources = shape.List[handshakeResource]{orgRes}
	}
	if h.Notes != "" {
		out.Resources = append(out.Resources, handshakeResource{Value: h.Notes, Type: "NOTES"})
	}
	return out
}

func findAccount(fw *world.FileWorld, id string) (world.FileAccount, bool) {
	if i := slices.IndexFunc(fw.Accounts, func(a world.FileAccount) bool { return a.ID == id }); i >= 0 {
		return fw.Accounts[i], true
	}
	return world.FileAccount{}, false
}

// findHandshake finds a handshake by ID among those the caller may see and
// that are not gone.
func findHandshake(o *world.FileOrganization, id, acct string, now time.Time) (*world.FileHandshake, bool) {
	if o == nil {
		return nil, false
	}
	for i := range o.Handshakes {
		if h := &o.Handshakes[i]; h.ID == id && visibleTo(o, *h, acct) && !gone(*h, now) {
			return h, true
		}
	}
	return nil, false
}

// handshakeOp authorizes an operation on the handshake a request names and
// finds it (see init).
func handshakeOp(c *api.Call, action, id string) (*world.FileOrganization, world.FileHandshake, *query.Error) {
	o := c.State.File().Organization
	h, ok := findHandshake(o, id, c.Account(), c.Now)
	arn := orgARNOr(c, "handshake", "/invite/"+id)
	if ok {
		arn = handshakeARN(o, *h)
	}
	// The handshake's ARN is in the management account, but it is
	// addressed to the caller's: the caller's own policies decide, as for a
	// resource of its account (AcceptHandshake: "The user who calls the
	// API ... must have the organizations:AcceptHandshake permission").
	if e := c.AuthorizeOwned("organizations:"+action, arn, c.Account(), nil, nil); e != nil {
		e.Code, e.Status = "AccessDeniedException", 400
		return nil, world.FileHandshake{}, e
	}
	if !ok {
		return nil, world.FileHandshake{}, handshakeNotFound()
	}
	return o, *h, nil
}

// changeHandshake applies step to the handshake, as stored, in a world
// update, and answers it as it then is.
// R is the operation's output, which holds the handshake alone.
func changeHandshake[R ~struct {
	Handshake *orgshape.Handshake `json:"Handshake,omitzero"`
}](c *api.Call, id string, step func(fw *world.FileWorld, h *world.FileHandshake) *query.Error) (*R, *query.Error) {
	var out *orgshape.Handshake
	e := c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		o := fw.Organization
		h, ok := findHandshake(o, id, c.Account(), c.Now)
		if !ok {
			return handshakeNotFound()
		}
		if e := step(fw, h); e != nil {
			return e
		}
		out = handshakeShape(fw, o, *h, c.Now)
		prune(o, c.Now)
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &R{Handshake: out}, nil
}

// prune forgets the handshakes that are gone.
func prune(o *world.FileOrganization, now time.Time) {
	o.Handshakes = slices.DeleteFunc(o.Handshakes, func(h world.FileHandshake) bool { return gone(h, now) })
}

var (
	accountID = regexp.MustCompile(`^\d{12}$`)
	// emailLike is what iamgate takes for an email address: the model's
	// Email pattern of CreateAccount.
	emailLike = regexp.MustCompile(`^[^\s@]+@[^\s@]+\.[^\s@]+$`)
)

// inviteAccount sends an invitation. Its resource is the account's ARN
// when the target is an account ID ("*" for an email address), with the
// request's tags (the Service Authorization Reference); tags need
// organizations:TagResource too (the operation's documentation). The
// account an email address names is found by its email; an invitation to
// an account the world does not have is sent all the same (it will
// expire): whether an account exists is not the inviter's to learn
// (iamgate's choice).
func inviteAccount(c *api.Call, in *orgshape.InviteAccountToOrganizationRequest) (*orgshape.InviteAccountToOrganizationResponse, *query.Error) {
	if in.Target == nil { // required: the model's validation has refused a request without it
		in.Target = &orgshape.HandshakeParty{}
	}
	o, e := management(c)
	if e != nil {
		return nil, e
	}
	resource := "*"
	if in.Target.Type == "ACCOUNT" && accountID.MatchString(in.Target.Id) {
		resource = orgARN(o, "account", "/"+in.Target.Id)
	}
	keys := tagContext(nil, in.Tags, nil)
	if e := authorizeWith(c, "InviteAccountToOrganization", resource, keys); e != nil {
		return nil, e
	}
	if len(in.Tags) > 0 {
		if e := authorizeWith(c, "TagResource", resource, keys); e != nil {
			return nil, e
		}
	}
	switch {
	case in.Target.Type == "ACCOUNT" && !accountID.MatchString(in.Target.Id):
		return nil, badParty("INVALID_PARTY_TYPE_TARGET", "You specified the wrong type of entity (account, organization, or email) as a party.")
	case in.Target.Type == "EMAIL" && !emailLike.MatchString(in.Target.Id):
		return nil, badParty("INVALID_EMAIL_ADDRESS_TARGET", "You specified an invalid email address for the invited account owner.")
	case in.Target.Type != "ACCOUNT" && in.Target.Type != "EMAIL":
		return nil, badParty("INVALID_PARTY_TYPE_TARGET", "You specified the wrong type of entity (account, organization, or email) as a party.")
	}
	var out *orgshape.Handshake
	e = c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		o := fw.Organization
		acct := in.Target.Id
		if in.Target.Type == "EMAIL" {
			acct = ""
			for _, a := range fw.Accounts {
				if strings.EqualFold(a.Email, in.Target.Id) {
					acct = a.ID
				}
			}
		}
		if inOrg(o, acct) {
			return alreadyInOrganization()
		}
		for _, h := range o.Handshakes {
			if !pending(h, c.Now) {
				continue
			}
			if h.Action == actionEnableAll {
				return handshakeConstraint("INVITE_DISABLED_DURING_ENABLE_ALL_FEATURES", "You can't issue new invitations to join an organization while it's in the process of enabling all features. You can resume inviting accounts after you finalize the process when all accounts have agreed to the change.")
			}
			if h.Action == actionInvite && ((acct != "" && h.Account == acct) || (h.TargetType == in.Target.Type && strings.EqualFold(h.TargetID, in.Target.Id))) {
				return orgerr.DuplicateHandshakeException("A handshake with the same action and target already exists.")
			}
		}
		h := world.FileHandshake{ID: "h-" + randomID(10, lower), Action: actionInvite, State: stateOpen, Requested: c.Now,
			Expires: c.Now.Add(handshakeLife), Account: acct, TargetType: in.Target.Type, TargetID: in.Target.Id, Notes: in.Notes, Tags: tagMap(in.Tags)}
		o.Handshakes = append(o.Handshakes, h)
		prune(o, c.Now)
		out = handshakeShape(fw, o, h, c.Now)
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &orgshape.InviteAccountToOrganizationResponse{Handshake: out}, nil
}

func describeHandshake(c *api.Call, in *orgshape.DescribeHandshakeRequest) (*orgshape.DescribeHandshakeResponse, *query.Error) {
	o, h, e := handshakeOp(c, "DescribeHandshake", in.HandshakeId)
	if e != nil {
		return nil, e
	}
	return &orgshape.DescribeHandshakeResponse{Handshake: handshakeShape(c.State.File(), o, h, c.Now)}, nil
}

// handshakeFilter is the model's HandshakeFilter: ActionType or
// ParentHandshakeId, not both ("If you specify ActionType, you cannot also
// specify ParentHandshakeId"; the words of the answer are iamgate's).
type handshakeFilter struct{ ActionType, ParentHandshakeId string }

// filterOf is a request's Filter (none when it has none).
func filterOf(f *orgshape.HandshakeFilter) handshakeFilter {
	if f == nil {
		return handshakeFilter{}
	}
	return handshakeFilter{f.ActionType, f.ParentHandshakeId}
}

func (f handshakeFilter) check() *query.Error {
	if f.ActionType != "" && f.ParentHandshakeId != "" {
		return orgerr.InvalidInputException("You can't specify both ActionType and ParentHandshakeId in the filter.")
	}
	return nil
}

func (f handshakeFilter) keep(h world.FileHandshake) bool {
	return (f.ActionType == "" || h.Action == f.ActionType) && (f.ParentHandshakeId == "" || h.Parent == f.ParentHandshakeId)
}

// listHandshakes lists, in the order they were sent, the handshakes that
// are not gone and that mine keeps.
func listHandshakes(c *api.Call, o *world.FileOrganization, f handshakeFilter, nextToken string, maxResults *int32, mine func(world.FileHandshake) bool) (shape.List[orgshape.Handshake], string, *query.Error) {
	var out []orgshape.Handshake
	if o != nil {
		fw := c.State.File()
		for _, h := range o.Handshakes {
			if mine(h) && f.keep(h) && !gone(h, c.Now) {
				out = append(out, *handshakeShape(fw, o, h, c.Now))
			}
		}
	}
	return pageOf(out, nextToken, maxResults)
}

// listHandshakesForOrganization lists every handshake of the organization;
// a delegated administrator may too (delegation.go).
func listHandshakesForOrganization(c *api.Call, in *orgshape.ListHandshakesForOrganizationRequest) (*orgshape.ListHandshakesForOrganizationResponse, *query.Error) {
	filter := filterOf(in.Filter)
	o, e := management(c)
	if e != nil {
		return nil, e
	}
	if e := authorize(c, "ListHandshakesForOrganization", "*"); e != nil {
		return nil, e
	}
	if e := filter.check(); e != nil {
		return nil, e
	}
	page, next, e := listHandshakes(c, o, filter, in.NextToken, in.MaxResults, func(world.FileHandshake) bool { return true })
	if e != nil {
		return nil, e
	}
	return &orgshape.ListHandshakesForOrganizationResponse{Handshakes: page, NextToken: next}, nil
}

// listHandshakesForAccount lists the handshakes the caller's account
// received: invitations and APPROVE_ALL_FEATURES requests for another
// account, the ENABLE_ALL_FEATURES handshakes it is to finish for the
// management account (iamgate's choice: AWS does not say whether the
// management account sees its invitations here; it lists them with
// ListHandshakesForOrganization). An account in no organization may call
// it.
func listHandshakesForAccount(c *api.Call, in *orgshape.ListHandshakesForAccountRequest) (*orgshape.ListHandshakesForAccountResponse, *query.Error) {
	filter := filterOf(in.Filter)
	if e := authorize(c, "ListHandshakesForAccount", "*"); e != nil {
		return nil, e
	}
	if e := filter.check(); e != nil {
		return nil, e
	}
	o, acct := c.State.File().Organization, c.Account()
	page, next, e := listHandshakes(c, o, filter, in.NextToken, in.MaxResults, func(h world.FileHandshake) bool {
		return h.Account == acct || (h.Action == actionEnableAll && acct == o.ManagementAccount)
	})
	if e != nil {
		return nil, e
	}
	return &orgshape.ListHandshakesForAccountResponse{Handshakes: page, NextToken: next}, nil
}

// transition checks that a handshake may go from its state to want.
func transition(h world.FileHandshake, now time.Time, want string) *query.Error {
	switch s := stateAt(h, now); {
	case s == want:
		return alreadyInState()
	case s != stateOpen:
		// REQUESTED: an ENABLE_ALL_FEATURES handshake not yet approved
		// by every invited member cannot be accepted (nor declined);
		// it can be canceled.
		if !(s == stateRequested && want == stateCanceled) {
			return invalidTransition()
		}
	}
	return nil
}

// recipient is whether the caller's account is the one to answer a
// handshake: the invited or approving account, or for ENABLE_ALL_FEATURES
// the management account.
func recipient(o *world.FileOrganization, h world.FileHandshake, acct string) bool {
	if h.Action == actionEnableAll {
		return acct == o.ManagementAccount
	}
	return h.Account == acct
}

// acceptHandshake accepts: an invitation makes the account a member at the
// root (with the invitation's tags), an APPROVE_ALL_FEATURES handshake
// approves, and the OPEN ENABLE_ALL_FEATURES handshake makes the feature
// set ALL. Joining an organization that has all features needs
// iam:CreateServiceLinkedRole for AWSServiceRoleForOrganizations
// (AcceptHandshake's documentation; AccessDeniedForDependencyException);
// iamgate checks the permission but does not create the role.
func acceptHandshake(c *api.Call, in *orgshape.AcceptHandshakeRequest) (*orgshape.AcceptHandshakeResponse, *query.Error) {
	o, h, e := handshakeOp(c, "AcceptHandshake", in.HandshakeId)
	if e != nil {
		return nil, e
	}
	if !recipient(o, h, c.Account()) {
		return nil, notYours("accept")
	}
	if e := transition(h, c.Now, stateAccepted); e != nil {
		return nil, e
	}
	if h.Action == actionInvite {
		if inOrg(o, c.Account()) {
			return nil, alreadyInOrganization()
		}
		if organizationShape(c.State.File(), o).FeatureSet == "ALL" {
			slr := "arn:aws:iam::" + c.Account() + ":role/aws-service-role/organizations.amazonaws.com/AWSServiceRoleForOrganizations"
			if c.Authorize("iam:CreateServiceLinkedRole", slr, map[string][]string{"iam:AWSServiceName": {"organizations.amazonaws.com"}}) != nil {
				return nil, reasoned(orgerr.AccessDeniedForDependencyException, "ACCESS_DENIED_DURING_CREATE_SERVICE_LINKED_ROLE", "The operation that you attempted requires you to have the iam:CreateServiceLinkedRole for organizations.amazonaws.com permission so that Organizations can create the required service-linked role. You don't have that permission.")
			}
		}
	}
	return changeHandshake[orgshape.AcceptHandshakeResponse](c, h.ID, func(fw *world.FileWorld, h *world.FileHandshake) *query.Error {
		if e := transition(*h, c.Now, stateAccepted); e != nil {
			return e
		}
		o := fw.Organization
		switch h.Action {
		case actionInvite:
			if inOrg(o, h.Account) {
				return alreadyInOrganization()
			}
			join(fw, h.Account, h.Tags, c.Now)
		case actionEnableAll:
			o.FeatureSet = "ALL"
		}
		h.State, h.Changed = stateAccepted, c.Now
		if h.Action == actionApproveAll {
			settle(o, c.Now)
		}
		return nil
	})
}

// join makes an account a member at the root, invited.
func join(fw *world.FileWorld, acct string, tags map[string]string, now time.Time) {
	o := fw.Organization
	o.Root.Accounts = append(o.Root.Accounts, acct)
	if o.Joined == nil {
		o.Joined = map[string]time.Time{}
	}
	o.Joined[acct] = now
	if !slices.Contains(o.Invited, acct) {
		o.Invited = append(o.Invited, acct)
	}
	for i := range fw.Accounts {
		if fw.Accounts[i].ID == acct && len(tags) > 0 {
			if fw.Accounts[i].Tags == nil {
				fw.Accounts[i].Tags = map[string]string{}
			}
			maps.Copy(fw.Accounts[i].Tags, tags)
		}
	}
}

// settle opens each ENABLE_ALL_FEATURES handshake whose APPROVE_ALL_FEATURES
// handshakes, to the accounts still members, are all accepted (the model's
// HandshakeState OPEN: "all recipients have responded, allowing the
// originator to complete the handshake action").
func settle(o *world.FileOrganization, now time.Time) {
	for i := range o.Handshakes {
		p := &o.Handshakes[i]
		if p.Action != actionEnableAll || stateAt(*p, now) != stateRequested {
			continue
		}
		approved := true
		for _, h := range o.Handshakes {
			if h.Parent == p.ID && inOrg(o, h.Account) && h.State != stateAccepted {
				approved = false
			}
		}
		if approved {
			p.State = stateOpen
		}
	}
}

// declineHandshake is the recipient's: an invited or approving account
// (the ENABLE_ALL_FEATURES handshake is the management account's to
// cancel, not to decline). A declined APPROVE_ALL_FEATURES handshake
// leaves its parent REQUESTED until it expires or is canceled (iamgate's
// choice: AWS does not say).
func declineHandshake(c *api.Call, in *orgshape.DeclineHandshakeRequest) (*orgshape.DeclineHandshakeResponse, *query.Error) {
	o, h, e := handshakeOp(c, "DeclineHandshake", in.HandshakeId)
	if e != nil {
		return nil, e
	}
	if h.Action == actionEnableAll || !recipient(o, h, c.Account()) {
		return nil, notYours("decline")
	}
	if e := transition(h, c.Now, stateDeclined); e != nil {
		return nil, e
	}
	return changeHandshake[orgshape.DeclineHandshakeResponse](c, h.ID, func(_ *world.FileWorld, h *world.FileHandshake) *query.Error {
		if e := transition(*h, c.Now, stateDeclined); e != nil {
			return e
		}
		h.State, h.Changed = stateDeclined, c.Now
		return nil
	})
}

// cancelHandshake is the management account's, for an invitation or an
// ENABLE_ALL_FEATURES handshake (which cancels its APPROVE_ALL_FEATURES
// handshakes still waiting); an APPROVE_ALL_FEATURES handshake is canceled
// only with its parent (iamgate's choice).
func cancelHandshake(c *api.Call, in *orgshape.CancelHandshakeRequest) (*orgshape.CancelHandshakeResponse, *query.Error) {
	o, h, e := handshakeOp(c, "CancelHandshake", in.HandshakeId)
	if e != nil {
		return nil, e
	}
	if c.Account() != o.ManagementAccount {
		return nil, notYours("cancel")
	}
	if h.Action == actionApproveAll {
		return nil, invalidTransition()
	}
	if e := transition(h, c.Now, stateCanceled); e != nil {
		return nil, e
	}
	return changeHandshake[orgshape.CancelHandshakeResponse](c, h.ID, func(fw *world.FileWorld, h *world.FileHandshake) *query.Error {
		if e := transition(*h, c.Now, stateCanceled); e != nil {
			return e
		}
		h.State, h.Changed = stateCanceled, c.Now
		for i := range fw.Organization.Handshakes {
			if k := &fw.Organization.Handshakes[i]; k.Parent == h.ID && pending(*k, c.Now) {
				k.State, k.Changed = stateCanceled, c.Now
			}
		}
		return nil
	})
}

// enableAllFeatures starts enabling all features in an organization of
// consolidated billing: an ENABLE_ALL_FEATURES handshake, and an
// APPROVE_ALL_FEATURES one to each member that joined by invitation
// (created accounts' approval "is inferred", the model's ActionType). With
// no invited member there is nobody to wait for and the handshake is OPEN
// at once.
func enableAllFeatures(c *api.Call, _ *orgshape.EnableAllFeaturesRequest) (*orgshape.EnableAllFeaturesResponse, *query.Error) {
	if _, e := managed(c, "EnableAllFeatures", "*"); e != nil {
		return nil, e
	}
	var out *orgshape.Handshake
	e := c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		o := fw.Organization
		if organizationShape(fw, o).FeatureSet == "ALL" {
			return handshakeConstraint("ORGANIZATION_ALREADY_HAS_ALL_FEATURES", "The handshake request is invalid because the organization has already enabled all features.")
		}
		if slices.ContainsFunc(o.Handshakes, func(h world.FileHandshake) bool { return h.Action == actionEnableAll && pending(h, c.Now) }) {
			return handshakeConstraint("ORGANIZATION_IS_ALREADY_PENDING_ALL_FEATURES_MIGRATION", "The handshake request is invalid because the organization has already started the process to enable all features.")
		}
		p := world.FileHandshake{ID: "h-" + randomID(10, lower), Action: actionEnableAll, State: stateOpen, Requested: c.Now, Expires: c.Now.Add(handshakeLife)}
		var children []world.FileHandshake
		for _, acct := range o.Invited {
			if inOrg(o, acct) {
				p.State = stateRequested
				children = append(children, world.FileHandshake{ID: "h-" + randomID(10, lower), Action: actionApproveAll, State: stateOpen,
					Requested: c.Now, Expires: p.Expires, Account: acct, Parent: p.ID})
			}
		}
		o.Handshakes = append(append(o.Handshakes, p), children...)
		prune(o, c.Now)
		out = handshakeShape(fw, o, p, c.Now)
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &orgshape.EnableAllFeaturesResponse{Handshake: out}, nil
}
