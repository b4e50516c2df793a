package organizations

import (
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/orgerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape/orgshape"
	"github.com/iamgate/iamgate/world"
)

// CloseAccount (botocore organizations/2016-11-28): the management account
// closes a member account of an organization with all features. AWS
// closes it in the background, PENDING_CLOSURE then SUSPENDED; iamgate
// closes it at once, so DescribeAccount and ListAccounts answer SUSPENDED
// (Status and State) from the response on. The account stays in the
// organization ("Resources remaining within the account after closing will
// be automatically deleted after 90 days"; AWS then removes it; iamgate
// keeps it SUSPENDED, with no reopening), and from then no principal of
// it authenticates (server: world.FileWorld.AccountClosed).
func init() {
	registerTyped("CloseAccount", closeAccount)
}

// closeWindow is the quota's rolling period, and closeQuota the closures
// it allows: "Within a rolling 30 day period you can close the higher of
// either 250 or 20% of the member accounts in your organization, up to a
// maximum of 1,000" (the model's documentation of CloseAccount).
const closeWindow = 30 * 24 * time.Hour

func closeQuota(members int) int { return min(1000, max(250, members/5)) }

func closeAccount(c *api.Call, in *orgshape.CloseAccountRequest) (*noOutput, *query.Error) {
	// AccountId is 12 digits (Validate); the Service Authorization
	// Reference gives CloseAccount the account resource.
	o, e := managed(c, "CloseAccount", orgARNOr(c, "account", "/"+in.AccountId))
	if e != nil {
		return nil, e
	}
	if e := allFeatures(o); e != nil {
		return nil, e
	}
	if in.AccountId == o.ManagementAccount {
		// The model's reason, in its words.
		return nil, constraint("CANNOT_CLOSE_MANAGEMENT_ACCOUNT", "You attempted to close the management account. To close the management account for the organization, you must first either remove or close all member accounts in the organization.")
	}
	return nil, c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		o := fw.Organization
		if !inOrg(o, in.AccountId) {
			return accountNotFound()
		}
		if fw.AccountClosed(in.AccountId) {
			return orgerr.AccountAlreadyClosedException("You attempted to close an account that is already closed.")
		}
		recent, members := 0, 0
		for _, t := range o.Closed {
			if c.Now.Sub(t) < closeWindow {
				recent++
			}
		}
		for _, a := range fw.Accounts {
			if a.ID != o.ManagementAccount && inOrg(o, a.ID) {
				members++
			}
		}
		if recent >= closeQuota(members) {
			return constraint("CLOSE_ACCOUNT_QUOTA_EXCEEDED", "You have exceeded close account quota for the past 30 days.")
		}
		if o.Closed == nil {
			o.Closed = map[string]time.Time{}
		}
		o.Closed[in.AccountId] = c.Now
		return nil
	})
}

// closedStatus is the Status and State of a closed account.
const closedStatus = "SUSPENDED"
