package organizations

import (
	"slices"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/orgerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape/orgshape"
	"github.com/iamgate/iamgate/world"
)

// Leaving and removing accounts. An account that leaves is taken out of the
// tree, so that the engine (which reads the tree) no longer applies the
// organization's SCPs and RCPs to it; its own attachments are dropped.

// messages of the model's exception shapes (botocore organizations
// service-2.json: MasterCannotLeaveOrganizationException,
// AccountNotFoundException).
const (
	msgMasterCannotLeave = "You can't remove a management account from an organization. If you want the management account to become a member account in another organization, you must first delete the current organization of the management account."
	msgAccountNotFound   = "We can't find an AWS account with the AccountId that you specified, or the account whose credentials you used to make this request isn't a member of an organization."
)

func leaveOrganization(c *api.Call, _ *noInput) (*noOutput, *query.Error) {
	o, e := org(c)
	if e != nil {
		return nil, e
	}
	if e := authorize(c, "LeaveOrganization", "*"); e != nil {
		return nil, e
	}
	if c.Account() == o.ManagementAccount {
		return nil, orgerr.MasterCannotLeaveOrganizationException(msgMasterCannotLeave)
	}
	return nil, c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		return detachAccount(fw, c.Account(), c.Now)
	})
}

func removeAccountFromOrganization(c *api.Call, in *orgshape.RemoveAccountFromOrganizationRequest) (*noOutput, *query.Error) {
	if _, e := managed(c, "RemoveAccountFromOrganization", orgARNOr(c, "account", "/"+in.AccountId)); e != nil {
		return nil, e
	}
	return nil, c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		if in.AccountId == fw.Organization.ManagementAccount {
			return orgerr.MasterCannotLeaveOrganizationException(msgMasterCannotLeave)
		}
		return detachAccount(fw, in.AccountId, c.Now)
	})
}

// detachAccount takes a member account out of the organization: out of its
// parent, its joined time and its own SCP and RCP attachments forgotten.
func detachAccount(fw *world.FileWorld, acct string, now time.Time) *query.Error {
	o := fw.Organization
	if o == nil || acct == o.ManagementAccount || !removeFrom(&o.Root, acct) {
		return orgerr.AccountNotFoundException(msgAccountNotFound)
	}
	if _, closed := o.Closed[acct]; closed {
		// A closed account stays in the organization (close.go;
		// iamgate's choice of answer: the model's reason for an account
		// that cannot leave).
		return constraint("ACCOUNT_CANNOT_LEAVE_ORGANIZATION", "You can't remove a closed account from the organization: it stays in the organization, SUSPENDED, until AWS deletes it.")
	}
	if isDelegated(o, acct) {
		// The model's ConstraintViolationException reason
		// CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG (delegated.go).
		return constraint("CANNOT_REMOVE_DELEGATED_ADMINISTRATOR_FROM_ORG", "You attempted to remove an account that is registered as a delegated administrator for a service integrated with your organization. To complete this operation, you must first deregister this account as a delegated administrator.")
	}
	delete(o.Joined, acct)
	// It is no longer an invited member, and an ENABLE_ALL_FEATURES
	// handshake no longer waits for it (handshakes.go).
	o.Invited = slices.DeleteFunc(o.Invited, func(id string) bool { return id == acct })
	settle(o, now)
	delete(o.Attached, acct)
	for i := range fw.Accounts {
		if fw.Accounts[i].ID == acct {
			fw.Accounts[i].SCPs, fw.Accounts[i].RCPs = nil, nil
		}
	}
	return nil
}

func removeFrom(ou *world.FileOU, acct string) bool {
	if i := slices.Index(ou.Accounts, acct); i >= 0 {
		ou.Accounts = slices.Delete(ou.Accounts, i, i+1)
		return true
	}
	for i := range ou.OUs {
		if removeFrom(&ou.OUs[i], acct) {
			return true
		}
	}
	return false
}
