package world

import (
	"slices"
	"time"
)

// DelegationRequest is an IAM temporary delegation request (IAM's
// CreateDelegationRequest), kept with the account that made it (the
// requester, a partner). It is API state: it grants nothing by itself; the
// credentials STS issues for it once the owner accepted it and its token
// was sent carry its PermissionPolicy as their session policy.
//
// State is the state last written; a request whose Expires has passed is
// EXPIRED whatever State says (DelegationRequest.Current).
type DelegationRequest struct {
	ID string `yaml:"id" json:"id"`
	// OwnerAccount is the account the request is for ("" until an
	// identity of some account associates it); Owner is the ARN of the
	// identity that associated it.
	OwnerAccount string `yaml:"ownerAccount,omitempty" json:"ownerAccount,omitempty"`
	Owner        string `yaml:"owner,omitempty" json:"owner,omitempty"`
	Description  string `yaml:"description,omitempty" json:"description,omitempty"`
	Message      string `yaml:"message,omitempty" json:"message,omitempty"`
	// Template is the policy template's ARN, Parameters its values, and
	// PermissionPolicy the policy they render (JSON).
	Template         string                `yaml:"template,omitempty" json:"template,omitempty"`
	Parameters       []DelegationParameter `yaml:"parameters,omitempty" json:"parameters,omitempty"`
	PermissionPolicy string                `yaml:"permissionPolicy" json:"permissionPolicy"`
	WorkflowID       string                `yaml:"workflowId" json:"workflowId"`
	RedirectURL      string                `yaml:"redirectUrl,omitempty" json:"redirectUrl,omitempty"`
	Channel          string                `yaml:"notificationChannel" json:"notificationChannel"`
	// SessionDuration is how long the delegated credentials last, in
	// seconds.
	SessionDuration int    `yaml:"sessionDuration" json:"sessionDuration"`
	OnlySendByOwner bool   `yaml:"onlySendByOwner,omitempty" json:"onlySendByOwner,omitempty"`
	State           string `yaml:"state" json:"state"`
	Notes           string `yaml:"notes,omitempty" json:"notes,omitempty"`
	RejectionReason string `yaml:"rejectionReason,omitempty" json:"rejectionReason,omitempty"`
	// Approver is the identity that accepted the request, whose session
	// the delegated credentials are.
	Approver *DelegationApprover `yaml:"approver,omitempty" json:"approver,omitempty"`
	Created  time.Time           `yaml:"created,omitempty" json:"created,omitzero"`
	Updated  time.Time           `yaml:"updated,omitempty" json:"updated,omitzero"`
	// Expires is when the request expires in its state.
	Expires time.Time `yaml:"expires,omitempty" json:"expires,omitzero"`
	// TokenDigest is a keyed digest of the exchange token (never the
	// token), TokenUsed reports that it was exchanged, and TokenExpires
	// is the end of the delegation period.
	TokenDigest  string    `yaml:"tokenDigest,omitempty" json:"tokenDigest,omitempty"`
	TokenUsed    bool      `yaml:"tokenUsed,omitempty" json:"tokenUsed,omitempty"`
	TokenExpires time.Time `yaml:"tokenExpires,omitempty" json:"tokenExpires,omitzero"`
}

// DelegationParameter is one value of a policy template's parameter.
type DelegationParameter struct {
	Name   string   `yaml:"name" json:"name"`
	Type   string   `yaml:"type,omitempty" json:"type,omitempty"`
	Values []string `yaml:"values,omitempty" json:"values,omitempty"`
}

// DelegationApprover is the identity that accepted a delegation request:
// an IAM user, a role (through one of its sessions) or the account root
// user, with its unique ID, so that an entity deleted and created again
// under its name is not it.
type DelegationApprover struct {
	ARN         string `yaml:"arn" json:"arn"`
	Kind        string `yaml:"kind" json:"kind"` // user, role, root
	Name        string `yaml:"name,omitempty" json:"name,omitempty"`
	PrincipalID string `yaml:"principalId,omitempty" json:"principalId,omitempty"`
}

// The states of a delegation request (the botocore model iam/2010-05-08,
// stateType; the IAM User Guide, "Building your integration": request
// states).
const (
	DelegationUnassigned      = "UNASSIGNED"
	DelegationAssigned        = "ASSIGNED"
	DelegationPendingApproval = "PENDING_APPROVAL"
	DelegationAccepted        = "ACCEPTED"
	DelegationFinalized       = "FINALIZED"
	DelegationRejected        = "REJECTED"
	DelegationExpired         = "EXPIRED"
)

// DelegationTokenDigest is the purpose of the keyed digest of an exchange
// token that DelegationRequest.TokenDigest holds (api.Keys.Digest).
const DelegationTokenDigest = "iam delegation exchange token"

// DelegationRequest finds a delegation request by ID: its requester's
// account and a copy of it.
func (fw *FileWorld) DelegationRequest(id string) (string, DelegationRequest, bool) {
	for i := range fw.Accounts {
		a := &fw.Accounts[i]
		for j := range a.DelegationRequests {
			if a.DelegationRequests[j].ID == id {
				return a.ID, a.DelegationRequests[j], true
			}
		}
	}
	return "", DelegationRequest{}, false
}

// Current is the request's state at now: EXPIRED once Expires has passed.
func (d *DelegationRequest) Current(now time.Time) string {
	if !d.Expires.IsZero() && !now.Before(d.Expires) {
		return DelegationExpired
	}
	return d.State
}

func cloneDelegations(in []DelegationRequest) []DelegationRequest {
	out := slices.Clone(in)
	for i := range out {
		d := &out[i]
		d.Parameters = slices.Clone(d.Parameters)
		for j := range d.Parameters {
			d.Parameters[j].Values = slices.Clone(d.Parameters[j].Values)
		}
		if d.Approver != nil {
			a := *d.Approver
			d.Approver = &a
		}
	}
	return out
}

func equalDelegations(a, b []DelegationRequest) bool {
	return (a == nil) == (b == nil) && slices.EqualFunc(a, b, func(x, y DelegationRequest) bool {
		return x.ID == y.ID && x.OwnerAccount == y.OwnerAccount && x.Owner == y.Owner && x.Description == y.Description && x.Message == y.Message &&
			x.Template == y.Template && slices.EqualFunc(x.Parameters, y.Parameters, func(p, q DelegationParameter) bool {
			return p.Name == q.Name && p.Type == q.Type && slices.Equal(p.Values, q.Values)
		}) && x.PermissionPolicy == y.PermissionPolicy && x.WorkflowID == y.WorkflowID && x.RedirectURL == y.RedirectURL &&
			x.Channel == y.Channel && x.SessionDuration == y.SessionDuration && x.OnlySendByOwner == y.OnlySendByOwner && x.State == y.State &&
			x.Notes == y.Notes && x.RejectionReason == y.RejectionReason && (x.Approver == nil) == (y.Approver == nil) &&
			(x.Approver == nil || *x.Approver == *y.Approver) && x.Created.Equal(y.Created) && x.Updated.Equal(y.Updated) &&
			x.Expires.Equal(y.Expires) && x.TokenDigest == y.TokenDigest && x.TokenUsed == y.TokenUsed && x.TokenExpires.Equal(y.TokenExpires)
	})
}
