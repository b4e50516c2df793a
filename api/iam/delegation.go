package iam

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/iamshape"
	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/world"
)

// IAM temporary delegation (the IAM User Guide, "IAM temporary
// delegation" and "Building your integration"; the IAM API Reference,
// CreateDelegationRequest and its neighbours). A partner (the requester)
// creates a request for permissions rendered from a policy template; an
// identity of the owner account associates it, then accepts or rejects
// it; SendDelegationToken releases an exchange token to the partner's
// notification channel, which STS GetDelegatedAccessToken trades for
// credentials of the accepting identity limited to the rendered policy
// (api/sts/delegated.go).
//
// Requests are kept with the requester's account (world.DelegationRequest).
// Every call is authorized against
// arn:aws:iam::CALLER-ACCOUNT:delegation-request/ID, the request as the
// caller's account sees it, with iam:DelegationRequestOwner.

func init() {
	registerTyped("CreateDelegationRequest", CreateDelegationRequest)
	registerTyped("GetDelegationRequest", GetDelegationRequest)
	registerTyped("ListDelegationRequests", ListDelegationRequests)
	registerTyped("AssociateDelegationRequest", AssociateDelegationRequest)
	registerTyped("UpdateDelegationRequest", UpdateDelegationRequest)
	registerTyped("AcceptDelegationRequest", AcceptDelegationRequest)
	registerTyped("RejectDelegationRequest", RejectDelegationRequest)
	registerTyped("SendDelegationToken", SendDelegationToken)
	registerTyped("GetHumanReadableSummary", GetHumanReadableSummary)
}

const (
	// unassignedFor and stateFor are how long a request stays in a state
	// without action (the IAM User Guide, "Building your integration":
	// Unassigned expires after 1 day; Assigned, Pending Approval,
	// Accepted, Rejected and Finalized after 7 days).
	unassignedFor = 24 * time.Hour
	stateFor      = 7 * 24 * time.Hour
	// rootMaxDelegation is the longest delegation the root user may
	// approve (the IAM User Guide, "IAM temporary delegation": "root users
	// can only approve delegation requests with a duration of 4 hours or
	// less").
	rootMaxDelegation = 4 * 3600
	// maxRenderedPolicy is the rendered policy's limit (the IAM User
	// Guide, "Policy templates": "The final rendered policy has a maximum
	// size limit of 2048 characters").
	maxRenderedPolicy = 2048
	// delegationRetention is how long iamgate keeps an expired request
	// (AWS: "Expired requests are eventually deleted from the system after
	// a retention period", unspecified).
	delegationRetention = 30 * 24 * time.Hour
	// maxOpenDelegations bounds a requester's requests that have not
	// expired (iamgate's quota; AWS publishes none).
	maxOpenDelegations = 1000
)

// DelegationARN is a delegation request's ARN in an account.
func DelegationARN(account, id string) string {
	return "arn:aws:iam::" + account + ":delegation-request/" + id
}

func noSuchDelegation(id string) *query.Error {
	return iamerr.NoSuchEntity("The delegation request with ID %s cannot be found.", id)
}

// ChangeDelegation changes a request in its requester's account; fn sees
// the request as stored when the change is applied.
func ChangeDelegation(c *api.Call, requester, id string, fn func(d *world.DelegationRequest) *query.Error) *query.Error {
	return c.State.UpdateEntities(c.Ctx, requester, []world.EntityRef{accountFields}, func(a *world.FileAccount) *query.Error {
		for i := range a.DelegationRequests {
			if a.DelegationRequests[i].ID == id {
				return fn(&a.DelegationRequests[i])
			}
		}
		return noSuchDelegation(id)
	})
}

// visibleTo reports whether the caller's account may see a request: the
// requester's, the owner account's, or any account while the request has
// no owner account (the IAM API Reference, GetDelegationRequest).
func visibleTo(c *api.Call, requester string, d *world.DelegationRequest) bool {
	acct := c.Account()
	return acct != "" && (acct == requester || d.OwnerAccount == "" || d.OwnerAccount == acct)
}

// callerARN is the caller's ARN as a delegation request records it (the
// root user as arn:aws:iam::ACCOUNT:root).
func callerARN(c *api.Call) string {
	if c.Caller.Kind == engine.AccountRoot {
		return "arn:aws:iam::" + c.Account() + ":root"
	}
	return c.Caller.Principal
}

// ownerGrant is the default permission of a request's owner (the IAM API
// Reference, GetDelegationRequest, UpdateDelegationRequest and
// GetHumanReadableSummary: "Once the delegation request is fully owned,
// the owner of the request gets a default permission"). It is added only
// for a call on the request the caller owns.
var ownerGrant = func() *engine.Policy {
	p := policy.MustParse("a delegation request owner's default permission", `{"Version":"2012-10-17","Statement":[`+
		`{"Effect":"Allow","Action":["iam:GetDelegationRequest","iam:GetHumanReadableSummary","iam:UpdateDelegationRequest"],"Resource":"*"}]}`)
	cp, err := engine.Compile(p, engine.IdentityPolicy, "DelegationRequestOwner")
	if err != nil {
		panic(err)
	}
	return cp
}()

// delegationFor finds the request a call names and authorizes action on
// it. A request the caller's account may not see is answered as one that
// does not exist, after the same authorization without the request's
// context, so that a denied caller learns nothing of either.
func delegationFor(c *api.Call, action, id string, owned bool) (string, world.DelegationRequest, *query.Error) {
	requester, d, ok := c.State.File().DelegationRequest(id)
	if !ok || !visibleTo(c, requester, &d) {
		if e := c.Authorize(action, DelegationARN(c.Account(), id), nil); e != nil {
			return "", d, e
		}
		return "", d, noSuchDelegation(id)
	}
	var ctx map[string][]string
	if d.Owner != "" {
		ctx = map[string][]string{"iam:DelegationRequestOwner": {d.Owner}}
	}
	var grant *engine.Policy
	if owned && d.Owner != "" && d.Owner == callerARN(c) {
		grant = ownerGrant
	}
	if e := c.AuthorizeGranted(action, DelegationARN(c.Account(), id), ctx, grant); e != nil {
		return "", d, e
	}
	return requester, d, nil
}

// ownerSide refuses a call that only the owner account may make (update,
// accept, reject, send) from another account (the requester's, or any
// account while the request is unassigned).
func ownerSide(c *api.Call, d *world.DelegationRequest, verb string, code func(string, ...any) *query.Error) *query.Error {
	if d.OwnerAccount == "" || d.Owner == "" || d.OwnerAccount != c.Account() {
		return code("Only an identity of the account that owns delegation request %s can %s it.", d.ID, verb)
	}
	return nil
}

// inState refuses a transition from a state the docs do not allow it from.
func inState(d *world.DelegationRequest, now time.Time, verb string, code func(string, ...any) *query.Error, states ...string) *query.Error {
	cur := d.Current(now)
	for _, s := range states {
		if cur == s {
			return nil
		}
	}
	return code("Delegation request %s is in state %s and cannot be %s.", d.ID, cur, verb)
}

// newDelegationID is a request ID (delegationRequestIdType: 16 to 128 of
// [\w-]): "dr-" and 24 lower-case letters and digits, short enough to be
// a federated user's name (32 characters at most).
func newDelegationID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	for i := range b {
		b[i] = alphabet[b[i]&31]
	}
	return "dr-" + string(b[:])
}

// CreateDelegationRequest creates a request in the caller's account (the
// requester): iam:CreateDelegationRequest with iam:DelegationDuration,
// iam:NotificationChannel and iam:TemplateArn. The template is rendered
// with the parameters now, and the request is UNASSIGNED for a day.
func CreateDelegationRequest(c *api.Call, in *iamshape.CreateDelegationRequestRequest) (*iamshape.CreateDelegationRequestResponse, *query.Error) {
	acct := c.Account()
	id := newDelegationID()
	var tmpl string
	var params shape.List[iamshape.PolicyParameter]
	if in.Permissions != nil {
		tmpl, params = in.Permissions.PolicyTemplateArn, in.Permissions.Parameters
	}
	ctx := map[string][]string{
		"iam:DelegationDuration":  {strconv.Itoa(int(in.SessionDuration))},
		"iam:NotificationChannel": {in.NotificationChannel},
	}
	if tmpl != "" {
		ctx["iam:TemplateArn"] = []string{tmpl}
	}
	if e := c.Authorize("iam:CreateDelegationRequest", DelegationARN(acct, id), ctx); e != nil {
		return nil, e
	}
	for _, have := range account(c).DelegationRequests {
		if have.WorkflowID == in.RequestorWorkflowId && !forgotten(&have, c.Now) {
			return nil, iamerr.EntityAlreadyExists("A delegation request with RequestorWorkflowId %s already exists.", in.RequestorWorkflowId)
		}
	}
	rendered, stored, e := renderTemplate(c, tmpl, params)
	if e != nil {
		return nil, e
	}
	now := c.Now.UTC()
	d := world.DelegationRequest{ID: id, OwnerAccount: in.OwnerAccountId, Description: in.Description, Message: in.RequestMessage,
		Template: tmpl, Parameters: stored, PermissionPolicy: rendered, WorkflowID: in.RequestorWorkflowId, RedirectURL: in.RedirectUrl,
		Channel: in.NotificationChannel, SessionDuration: int(in.SessionDuration), OnlySendByOwner: in.OnlySendByOwner != nil && *in.OnlySendByOwner,
		State: world.DelegationUnassigned, Created: now, Updated: now, Expires: now.Add(unassignedFor)}
	e = updateEntities(c, []world.EntityRef{accountFields}, func(a *world.FileAccount) *query.Error {
		kept := a.DelegationRequests[:0:0]
		open := 0
		for _, have := range a.DelegationRequests {
			if forgotten(&have, now) {
				continue
			}
			if have.WorkflowID == d.WorkflowID {
				return iamerr.EntityAlreadyExists("A delegation request with RequestorWorkflowId %s already exists.", d.WorkflowID)
			}
			if have.Current(now) != world.DelegationExpired {
				open++
			}
			kept = append(kept, have)
		}
		if open >= maxOpenDelegations {
			return iamerr.LimitExceeded("Cannot exceed quota for DelegationRequestsPerAccount: %d", maxOpenDelegations)
		}
		a.DelegationRequests = append(kept, d)
		return nil
	})
	if e != nil {
		return nil, e
	}
	return &iamshape.CreateDelegationRequestResponse{DelegationRequestId: id}, nil
}

// forgotten reports a request expired for longer than iamgate keeps one.
func forgotten(d *world.DelegationRequest, now time.Time) bool {
	return d.Current(now) == world.DelegationExpired && now.Sub(d.Expires) > delegationRetention
}

// placeholder is a template parameter reference, @{name}.
var placeholder = regexp.MustCompile(`@\{([^{}]*)\}`)

// renderTemplate renders a policy template with a request's parameters
// (the IAM User Guide, "Policy templates": parameters such as
// @{bucketName} are replaced with the values given). The template is a
// managed policy the requester may read: AWS managed, or a customer
// managed policy of its own account (iamgate's stand-in for AWS's
// onboarding registration). A string parameter has one value and may
// stand anywhere in a string; a stringList parameter must be a whole
// string, which becomes its values (spliced into a list). Every
// placeholder needs a parameter and every parameter a placeholder. The
// template's conditional statements are not supported.
func renderTemplate(c *api.Call, tmpl string, params shape.List[iamshape.PolicyParameter]) (string, []world.DelegationParameter, *query.Error) {
	if tmpl == "" {
		return "", nil, iamerr.InvalidInput("Permissions must name a PolicyTemplateArn.")
	}
	a, err := arn.Parse(tmpl)
	if err != nil || a.Service != "iam" || (a.AccountID != "aws" && a.AccountID != c.Account()) || !strings.HasPrefix(a.Resource, "policy/") {
		return "", nil, iamerr.InvalidInput("Policy template %s does not exist.", tmpl)
	}
	mp, ok := c.State.World().ManagedPolicy(tmpl)
	if !ok || mp.Default() == nil {
		return "", nil, iamerr.InvalidInput("Policy template %s does not exist.", tmpl)
	}
	byName := map[string]*world.DelegationParameter{}
	// byName points into stored, which therefore never grows past its
	// capacity.
	stored := make([]world.DelegationParameter, 0, len(params))
	for _, p := range params {
		dp := world.DelegationParameter{Name: p.Name, Type: p.Type, Values: append([]string(nil), p.Values...)}
		if dp.Type == "" {
			dp.Type = "string"
		}
		if _, dup := byName[p.Name]; dup {
			return "", nil, iamerr.InvalidInput("Parameter %s is given twice.", p.Name)
		}
		if dp.Type == "string" && len(dp.Values) != 1 {
			return "", nil, iamerr.InvalidInput("Parameter %s of type string needs exactly one value.", p.Name)
		}
		if len(dp.Values) == 0 {
			return "", nil, iamerr.InvalidInput("Parameter %s needs a value.", p.Name)
		}
		stored = append(stored, dp)
		byName[p.Name] = &stored[len(stored)-1]
	}
	dec := json.NewDecoder(bytes.NewReader(mp.Default().JSON))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return "", nil, iamerr.InvalidInput("Policy template %s is not JSON: %v", tmpl, err)
	}
	used := map[string]bool{}
	var bad *query.Error
	var sub func(v any, inList bool) []any
	// sub returns what v renders to: one value, or in a list the values
	// a stringList parameter splices in.
	sub = func(v any, inList bool) []any {
		switch t := v.(type) {
		case string:
			if m := placeholder.FindStringSubmatch(t); m != nil && m[0] == t {
				if p := byName[m[1]]; p != nil && p.Type == "stringList" {
					used[p.Name] = true
					out := make([]any, len(p.Values))
					for i, s := range p.Values {
						out[i] = s
					}
					if !inList {
						return []any{out}
					}
					return out
				}
			}
			s := placeholder.ReplaceAllStringFunc(t, func(ref string) string {
				name := ref[2 : len(ref)-1]
				p := byName[name]
				switch {
				case p == nil:
					if bad == nil {
						bad = iamerr.InvalidInput("The policy template's parameter %s has no value.", name)
					}
					return ref
				case p.Type != "string":
					if bad == nil {
						bad = iamerr.InvalidInput("Parameter %s of type stringList must be a whole value of the template.", name)
					}
					return ref
				}
				used[name] = true
				return p.Values[0]
			})
			return []any{s}
		case []any:
			out := []any{}
			for _, e := range t {
				out = append(out, sub(e, true)...)
			}
			return []any{out}
		case map[string]any:
			out := make(map[string]any, len(t))
			for k, e := range t {
				out[k] = sub(e, false)[0]
			}
			return []any{out}
		}
		return []any{v}
	}
	rendered := sub(doc, false)[0]
	if bad != nil {
		return "", nil, bad
	}
	for _, p := range stored {
		if !used[p.Name] {
			return "", nil, iamerr.InvalidInput("Parameter %s is not in the policy template.", p.Name)
		}
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rendered); err != nil {
		return "", nil, iamerr.InvalidInput("The rendered policy cannot be written: %v", err)
	}
	text := strings.TrimSpace(out.String())
	if len(text) > maxRenderedPolicy {
		return "", nil, iamerr.LimitExceeded("The rendered policy of %d characters exceeds the limit of %d.", len(text), maxRenderedPolicy)
	}
	if _, err := world.SessionPolicy([]byte(text)); err != nil {
		return "", nil, iamerr.InvalidInput("The rendered policy is not a valid policy: %v", err)
	}
	return text, stored, nil
}

// delegationShape is a request as the model's DelegationRequest.
func delegationShape(c *api.Call, requester string, d *world.DelegationRequest) iamshape.DelegationRequest {
	out := iamshape.DelegationRequest{DelegationRequestId: d.ID, OwnerAccountId: d.OwnerAccount, Description: d.Description,
		RequestMessage: d.Message, PermissionPolicy: d.PermissionPolicy, OwnerId: d.Owner, State: d.Current(c.Now),
		ExpirationTime: shape.At(d.Expires), RequestorId: requester, CreateDate: createdAt(d.Created),
		SessionDuration: shape.Ptr(int32(d.SessionDuration)), RedirectUrl: d.RedirectURL, Notes: d.Notes, RejectionReason: d.RejectionReason,
		OnlySendByOwner: shape.Ptr(d.OnlySendByOwner), UpdatedTime: shape.At(d.Updated)}
	perm := &iamshape.DelegationPermission{PolicyTemplateArn: d.Template}
	for _, p := range d.Parameters {
		perm.Parameters = append(perm.Parameters, iamshape.PolicyParameter{Name: p.Name, Values: p.Values, Type: p.Type})
	}
	out.Permissions = perm
	if d.Approver != nil {
		out.ApproverId = d.Approver.ARN
	}
	for _, a := range c.State.File().Accounts {
		if a.ID == requester && len(a.Name) <= 30 {
			out.RequestorName = a.Name
		}
	}
	return out
}

// GetDelegationRequest returns a request the caller's account may see;
// with DelegationPermissionCheck, whether the caller's own permissions
// allow what the request delegates (permissionCheck).
func GetDelegationRequest(c *api.Call, in *iamshape.GetDelegationRequestRequest) (*iamshape.GetDelegationRequestResponse, *query.Error) {
	requester, d, e := delegationFor(c, "iam:GetDelegationRequest", in.DelegationRequestId, true)
	if e != nil {
		return nil, e
	}
	sh := delegationShape(c, requester, &d)
	res := &iamshape.GetDelegationRequestResponse{DelegationRequest: &sh}
	if in.DelegationPermissionCheck != nil && *in.DelegationPermissionCheck {
		res.PermissionCheckStatus, res.PermissionCheckResult = "COMPLETE", permissionCheck(c, d.PermissionPolicy)
	}
	return res, nil
}

// permissionCheck decides, as the caller, what each Allow statement of
// the policy names: DENIED when the caller may not make a request the
// policy allows, ALLOWED when it may make every one, UNSURE when that
// cannot be told by deciding finitely many requests. A statement with
// NotAction, NotResource, conditions, an action wildcard or a policy
// variable is UNSURE; a resource with wildcards is decided for one
// resource it matches (each wildcard read as "x"): a denial there is
// DENIED, an allowance only UNSURE.
func permissionCheck(c *api.Call, doc string) string {
	p, err := policy.Parse("delegated policy", []byte(doc))
	if err != nil {
		return "UNSURE"
	}
	w := c.State.World()
	unsure := false
	for _, s := range p.Statements {
		if s.Effect != policy.Allow {
			continue
		}
		if s.NotAction != nil || s.NotResource != nil || len(s.Conditions) > 0 {
			unsure = true
			continue
		}
		for _, act := range s.Action.Texts() {
			for _, res := range s.Resource.Texts() {
				if strings.ContainsAny(act, "*?") || strings.Contains(res, "${") {
					unsure = true
					continue
				}
				example := strings.NewReplacer("*", "x", "?", "x").Replace(res)
				if example != res {
					unsure = true
				}
				ex, err := w.Decide(world.Request{Caller: c.Caller, Action: act, Resource: example, Context: c.Context, Time: c.Now})
				if err != nil {
					unsure = true
					continue
				}
				if ex.Decision != engine.Allowed {
					return "DENIED"
				}
			}
		}
	}
	if unsure {
		return "UNSURE"
	}
	return "ALLOWED"
}

// ListDelegationRequests lists the requests the caller's account made and
// those it owns that have an owner (the IAM API Reference,
// ListDelegationRequests: a request without an owner is not listed for
// the account it is assigned to), optionally of one OwnerId.
func ListDelegationRequests(c *api.Call, in *iamshape.ListDelegationRequestsRequest) (*iamshape.ListDelegationRequestsResponse, *query.Error) {
	var ctx map[string][]string
	if in.OwnerId != "" {
		ctx = map[string][]string{"iam:DelegationRequestOwner": {in.OwnerId}}
	}
	if e := c.Authorize("iam:ListDelegationRequests", "*", ctx); e != nil {
		return nil, e
	}
	acct := c.Account()
	var out []iamshape.DelegationRequest
	for _, a := range c.State.File().Accounts {
		for i := range a.DelegationRequests {
			d := &a.DelegationRequests[i]
			if a.ID != acct && (d.OwnerAccount != acct || d.Owner == "") {
				continue
			}
			if in.OwnerId != "" && d.Owner != in.OwnerId {
				continue
			}
			out = append(out, delegationShape(c, a.ID, d))
		}
	}
	out, pg := pageAt(out, func(d iamshape.DelegationRequest) string { return d.DelegationRequestId }, in.Marker, in.MaxItems)
	res := &iamshape.ListDelegationRequestsResponse{DelegationRequests: out}
	res.IsTruncated, res.Marker = pg.typed()
	return res, nil
}

// AssociateDelegationRequest makes the caller the owner of an UNASSIGNED
// request: one for its account, or for any account when the requester
// named none (the IAM API Reference, AssociateDelegationRequest).
func AssociateDelegationRequest(c *api.Call, in *iamshape.AssociateDelegationRequestRequest) (*noOutput, *query.Error) {
	requester, d, e := delegationFor(c, "iam:AssociateDelegationRequest", in.DelegationRequestId, false)
	if e != nil {
		return nil, e
	}
	if d.OwnerAccount != "" && d.OwnerAccount != c.Account() {
		return nil, iamerr.InvalidInput("Delegation request %s is for another account.", d.ID)
	}
	owner, acct := callerARN(c), c.Account()
	if e := inState(&d, c.Now, "associated", iamerr.InvalidInput, world.DelegationUnassigned); e != nil {
		return nil, e
	}
	return nil, transition(c, requester, d.ID, func(d *world.DelegationRequest) *query.Error {
		if d.OwnerAccount != "" && d.OwnerAccount != acct {
			return iamerr.InvalidInput("Delegation request %s is for another account.", d.ID)
		}
		if e := inState(d, c.Now, "associated", iamerr.InvalidInput, world.DelegationUnassigned); e != nil {
			return e
		}
		d.OwnerAccount, d.Owner, d.State = acct, owner, world.DelegationAssigned
		return nil
	})
}

// transition changes a request and restarts its state's clock, then
// notifies the request's channel of its new state (best effort: the
// change stands whether or not a notifier takes it).
func transition(c *api.Call, requester, id string, fn func(d *world.DelegationRequest) *query.Error) *query.Error {
	var after world.DelegationRequest
	now := c.Now.UTC()
	e := ChangeDelegation(c, requester, id, func(d *world.DelegationRequest) *query.Error {
		if e := fn(d); e != nil {
			return e
		}
		d.Updated, d.Expires = now, now.Add(stateFor)
		after = *d
		return nil
	})
	if e != nil {
		return e
	}
	if msg, err := json.Marshal(delegationNotice{ID: after.ID, WorkflowID: after.WorkflowID, State: after.State, OwnerAccount: after.OwnerAccount}); err == nil {
		_ = c.State.Notify(context.WithoutCancel(c.Ctx), after.Channel, msg)
	}
	return nil
}

// delegationNotice is the message iamgate publishes to a request's
// notification channel (AWS does not document its SNS messages).
type delegationNotice struct {
	ID           string `json:"delegationRequestId"`
	WorkflowID   string `json:"requestorWorkflowId"`
	State        string `json:"state"`
	OwnerAccount string `json:"ownerAccountId,omitempty"`
	// ExchangeToken is the trade-in token, only in the FINALIZED notice.
	ExchangeToken string `json:"exchangeToken,omitempty"`
	// TokenExpiration is when the token, and the delegation period, end.
	TokenExpiration string `json:"tokenExpiration,omitempty"`
}

// UpdateDelegationRequest adds notes to an ASSIGNED or PENDING_APPROVAL
// request, which is then PENDING_APPROVAL (the IAM API Reference,
// UpdateDelegationRequest; the IAM User Guide, "Building your
// integration": the customer forwards the request to an administrator).
// The owner has a default permission to do it.
func UpdateDelegationRequest(c *api.Call, in *iamshape.UpdateDelegationRequestRequest) (*noOutput, *query.Error) {
	requester, d, e := delegationFor(c, "iam:UpdateDelegationRequest", in.DelegationRequestId, true)
	if e != nil {
		return nil, e
	}
	if e := ownerSide(c, &d, "update", iamerr.InvalidInput); e != nil {
		return nil, e
	}
	allowed := []string{world.DelegationAssigned, world.DelegationPendingApproval}
	if e := inState(&d, c.Now, "updated", iamerr.InvalidInput, allowed...); e != nil {
		return nil, e
	}
	return nil, transition(c, requester, d.ID, func(d *world.DelegationRequest) *query.Error {
		if e := inState(d, c.Now, "updated", iamerr.InvalidInput, allowed...); e != nil {
			return e
		}
		d.Notes, d.State = in.Notes, world.DelegationPendingApproval
		return nil
	})
}

// AcceptDelegationRequest accepts an ASSIGNED or PENDING_APPROVAL request
// (iam:AcceptDelegationRequest; no default permission) and records the
// caller as the identity the delegated credentials will be a session of
// (the IAM API Reference, AcceptDelegationRequest). The model gives the
// operation no InvalidInput: a request in another state is
// ConcurrentModification, its state having moved on.
//
// The approver is an IAM user, a role session or the root user (for at
// most 4 hours). A role session that carries session policies, session
// tags or a source identity cannot accept, since the delegated session
// would not carry them and a policy may depend on them (fail closed), and
// neither can a federated user session (which includes delegated sessions
// of users) or a privileged root user session (AssumeRoot).
func AcceptDelegationRequest(c *api.Call, in *iamshape.AcceptDelegationRequestRequest) (*noOutput, *query.Error) {
	requester, d, e := delegationFor(c, "iam:AcceptDelegationRequest", in.DelegationRequestId, false)
	if e != nil {
		return nil, e
	}
	if e := ownerSide(c, &d, "accept", iamerr.ConcurrentModification); e != nil {
		return nil, e
	}
	allowed := []string{world.DelegationAssigned, world.DelegationPendingApproval}
	if e := inState(&d, c.Now, "accepted", iamerr.ConcurrentModification, allowed...); e != nil {
		return nil, e
	}
	ap, e := approver(c, d.SessionDuration)
	if e != nil {
		return nil, e
	}
	return nil, transition(c, requester, d.ID, func(d *world.DelegationRequest) *query.Error {
		if e := inState(d, c.Now, "accepted", iamerr.ConcurrentModification, allowed...); e != nil {
			return e
		}
		d.Approver, d.State = ap, world.DelegationAccepted
		return nil
	})
}

// approver is the caller as the identity of a delegated session.
func approver(c *api.Call, duration int) (*world.DelegationApprover, *query.Error) {
	cl := c.Caller
	switch {
	case cl.RootSession != nil:
		// A privileged root session (AssumeRoot) is scoped by its task
		// policy, which a delegated session would not carry.
		return nil, awserr.AccessDenied("A privileged root user session cannot accept a delegation request.")
	case cl.Kind == engine.AccountRoot:
		if duration > rootMaxDelegation {
			return nil, awserr.AccessDenied("The root user can accept only delegation requests of %d seconds or less.", rootMaxDelegation)
		}
		return &world.DelegationApprover{ARN: callerARN(c), Kind: "root"}, nil
	case cl.Federation != nil:
		return nil, awserr.AccessDenied("A federated user session cannot accept a delegation request.")
	case cl.Session != nil && cl.Role != nil:
		if len(cl.Session.Policies) > 0 || len(cl.Session.Tags) > 0 || cl.Session.SourceIdentity != "" {
			return nil, awserr.AccessDenied("A role session with session policies, session tags or a source identity cannot accept a delegation request.")
		}
		return &world.DelegationApprover{ARN: cl.Principal, Kind: "role", Name: cl.Role.Name, PrincipalID: cl.Role.ID}, nil
	case cl.User != nil:
		return &world.DelegationApprover{ARN: cl.User.ARN(), Kind: "user", Name: cl.User.Name, PrincipalID: cl.User.ID}, nil
	}
	return nil, awserr.AccessDenied("%s cannot accept a delegation request.", cl.Principal)
}

// RejectDelegationRequest rejects an ASSIGNED, PENDING_APPROVAL or
// ACCEPTED request (before its token is sent), with Notes as the reason
// (the IAM API Reference, RejectDelegationRequest; the IAM User Guide,
// "Building your integration": the rejection path).
func RejectDelegationRequest(c *api.Call, in *iamshape.RejectDelegationRequestRequest) (*noOutput, *query.Error) {
	requester, d, e := delegationFor(c, "iam:RejectDelegationRequest", in.DelegationRequestId, false)
	if e != nil {
		return nil, e
	}
	if e := ownerSide(c, &d, "reject", iamerr.InvalidInput); e != nil {
		return nil, e
	}
	allowed := []string{world.DelegationAssigned, world.DelegationPendingApproval, world.DelegationAccepted}
	if e := inState(&d, c.Now, "rejected", iamerr.InvalidInput, allowed...); e != nil {
		return nil, e
	}
	return nil, transition(c, requester, d.ID, func(d *world.DelegationRequest) *query.Error {
		if e := inState(d, c.Now, "rejected", iamerr.InvalidInput, allowed...); e != nil {
			return e
		}
		d.RejectionReason, d.State = in.Notes, world.DelegationRejected
		return nil
	})
}

// SendDelegationToken releases an ACCEPTED request's exchange token to
// its notification channel; the request is then FINALIZED, and the
// delegation period (SessionDuration) starts (the IAM API Reference,
// SendDelegationToken; the IAM User Guide, "Building your integration").
// With OnlySendByOwner only the owner may send it. The token is sent
// before the change is stored: a token whose change is not stored is
// worth nothing (only its digest, stored with the change, lets it be
// exchanged).
func SendDelegationToken(c *api.Call, in *iamshape.SendDelegationTokenRequest) (*noOutput, *query.Error) {
	requester, d, e := delegationFor(c, "iam:SendDelegationToken", in.DelegationRequestId, false)
	if e != nil {
		return nil, e
	}
	if e := ownerSide(c, &d, "send the token of", iamerr.InvalidInput); e != nil {
		return nil, e
	}
	if e := inState(&d, c.Now, "sent", iamerr.InvalidInput, world.DelegationAccepted); e != nil {
		return nil, e
	}
	if d.OnlySendByOwner && callerARN(c) != d.Owner {
		return nil, awserr.AccessDenied("Only the owner of delegation request %s can send its token.", d.ID)
	}
	var secret [32]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return nil, iamerr.ServiceFailure("could not make the exchange token: %v", err)
	}
	tok := d.ID + "." + base64.RawURLEncoding.EncodeToString(secret[:])
	digest := hex.EncodeToString(c.State.Keys().Digest(world.DelegationTokenDigest, []byte(tok)))
	now := c.Now.UTC()
	until := now.Add(time.Duration(d.SessionDuration) * time.Second)
	msg, err := json.Marshal(delegationNotice{ID: d.ID, WorkflowID: d.WorkflowID, State: world.DelegationFinalized, OwnerAccount: d.OwnerAccount,
		ExchangeToken: tok, TokenExpiration: until.Format(time.RFC3339)})
	if err != nil {
		return nil, iamerr.ServiceFailure("could not write the notification: %v", err)
	}
	if err := c.State.Notify(c.Ctx, d.Channel, msg); errors.Is(err, api.ErrNoNotifier) {
		// As for a channel that cannot be published to: the request's
		// NotificationChannel is of no use (iamgate's answer; AWS requires
		// the topic to let IAM publish, the IAM API Reference,
		// CreateDelegationRequest).
		return nil, iamerr.InvalidInput("The exchange token cannot be sent to %s: %v.", d.Channel, err)
	} else if err != nil {
		return nil, iamerr.ServiceFailure("The exchange token could not be sent to %s: %v", d.Channel, err)
	}
	return nil, ChangeDelegation(c, requester, d.ID, func(d *world.DelegationRequest) *query.Error {
		if e := inState(d, c.Now, "sent", iamerr.InvalidInput, world.DelegationAccepted); e != nil {
			return e
		}
		d.State, d.TokenDigest, d.TokenExpires = world.DelegationFinalized, digest, until
		d.Updated, d.Expires = now, now.Add(stateFor)
		return nil
	})
}

// maxSummary is the model's limit of a summary (summaryContentType).
const maxSummary = 10000

// GetHumanReadableSummary describes a delegation request (the only entity
// type it takes, the IAM API Reference, GetHumanReadableSummary), with the
// same visibility and default permission as GetDelegationRequest. AWS
// writes the summary with a language model; iamgate writes a
// deterministic English one from the request and its rendered policy
// (summarize), whatever the Locale, which it echoes (en-US without one).
func GetHumanReadableSummary(c *api.Call, in *iamshape.GetHumanReadableSummaryRequest) (*iamshape.GetHumanReadableSummaryResponse, *query.Error) {
	a, err := arn.Parse(in.EntityArn)
	id, isRequest := strings.CutPrefix(a.Resource, "delegation-request/")
	if err != nil || a.Service != "iam" || !isRequest || id == "" {
		return nil, iamerr.InvalidInput("EntityArn %s is not the ARN of a delegation request, the only entity type supported.", in.EntityArn)
	}
	requester, d, e := delegationFor(c, "iam:GetHumanReadableSummary", id, true)
	if e != nil {
		return nil, e
	}
	if a.AccountID != c.Account() && a.AccountID != requester {
		return nil, noSuchDelegation(id)
	}
	locale := in.Locale
	if locale == "" {
		locale = "en-US"
	}
	text := summarize(requester, &d)
	if len(text) > maxSummary {
		text = text[:maxSummary-3] + "..."
	}
	return &iamshape.GetHumanReadableSummaryResponse{SummaryContent: text, Locale: locale, SummaryState: "AVAILABLE"}, nil
}

// summarize writes a request's summary: who asks, for which account and
// how long, then one sentence per statement of the rendered policy
// (effect, actions, resources, conditions).
func summarize(requester string, d *world.DelegationRequest) string {
	var b strings.Builder
	target := "the account that accepts it"
	if d.OwnerAccount != "" {
		target = "account " + d.OwnerAccount
	}
	b.WriteString("Account " + requester + " requests temporary access to " + target + " for " + duration(d.SessionDuration) + ".")
	p, err := policy.Parse("delegated policy", []byte(d.PermissionPolicy))
	if err != nil {
		b.WriteString(" The delegated policy cannot be read.")
		return b.String()
	}
	if len(p.Statements) == 0 {
		b.WriteString(" The delegated policy grants nothing.")
	}
	for i, s := range p.Statements {
		b.WriteString(" Statement " + strconv.Itoa(i+1) + " ")
		if s.Effect == policy.Deny {
			b.WriteString("denies ")
		} else {
			b.WriteString("allows ")
		}
		switch {
		case s.NotAction != nil:
			b.WriteString("every action except " + series(s.NotAction.Texts()))
		default:
			b.WriteString(series(s.Action.Texts()))
		}
		switch {
		case s.NotResource != nil:
			b.WriteString(" on every resource except " + series(s.NotResource.Texts()))
		case s.Resource != nil && len(s.Resource.Values) == 1 && s.Resource.Values[0].Text == "*":
			b.WriteString(" on all resources")
		default:
			b.WriteString(" on " + series(s.Resource.Texts()))
		}
		for j, cond := range s.Conditions {
			if j == 0 {
				b.WriteString(" when ")
			} else {
				b.WriteString(" and ")
			}
			b.WriteString(cond.Key + " " + cond.OperatorText + " " + series(cond.Texts()))
		}
		b.WriteString(".")
	}
	if d.Owner != "" {
		b.WriteString(" The request is owned by " + d.Owner + ".")
	}
	return b.String()
}

// series joins items as English does: "a", "a and b", "a, b and c".
func series(items []string) string {
	switch len(items) {
	case 0:
		return "nothing"
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// duration writes seconds as hours and minutes.
func duration(sec int) string {
	h, m, s := sec/3600, sec%3600/60, sec%60
	var parts []string
	unit := func(n int, one string) {
		if n == 1 {
			parts = append(parts, "1 "+one)
		} else if n > 1 {
			parts = append(parts, strconv.Itoa(n)+" "+one+"s")
		}
	}
	unit(h, "hour")
	unit(m, "minute")
	unit(s, "second")
	if len(parts) == 0 {
		return "0 seconds"
	}
	return series(parts)
}
