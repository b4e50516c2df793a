package organizations

import (
	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/orgerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/world"
)

// DeleteOrganization (botocore organizations/2016-11-28): "You can delete
// an organization only by using credentials from the management account.
// The organization must be empty of member accounts"
// (OrganizationNotEmptyException; a closed account is still a member).
// The organization's record goes from the store (store.WriteWorld deletes
// it when the world has none), with its policies, attachments, trusted
// access, delegated administrators and resource policy: "all history that
// is associated with the organization ... is lost" (the Organizations User
// Guide, "Deleting an organization"). The management account becomes a
// standalone account, its own SCP and RCP attachments dropped, and may
// create an organization again.
func init() {
	registerTyped("DeleteOrganization", deleteOrganization)
}

func deleteOrganization(c *api.Call, _ *noInput) (*noOutput, *query.Error) {
	o, e := managed(c, "DeleteOrganization", "*")
	if e != nil {
		return nil, e
	}
	if hasMembers(o) {
		return nil, orgNotEmpty()
	}
	return nil, c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		o := fw.Organization
		if o == nil {
			return orgerr.AWSOrganizationsNotInUseException("Your account is not a member of an organization.")
		}
		if hasMembers(o) {
			return orgNotEmpty()
		}
		for i := range fw.Accounts {
			if fw.Accounts[i].ID == o.ManagementAccount {
				fw.Accounts[i].SCPs, fw.Accounts[i].RCPs = nil, nil
			}
		}
		fw.Organization = nil
		return nil
	})
}

// orgNotEmpty uses the words of the model's documentation of
// OrganizationNotEmptyException.
func orgNotEmpty() *query.Error {
	return orgerr.OrganizationNotEmptyException("The organization isn't empty. To delete an organization, you must first remove all accounts except the management account.")
}

// hasMembers reports an account other than the management account in the
// organization's tree.
func hasMembers(o *world.FileOrganization) bool {
	var walk func(ou *world.FileOU) bool
	walk = func(ou *world.FileOU) bool {
		for _, a := range ou.Accounts {
			if a != o.ManagementAccount {
				return true
			}
		}
		for i := range ou.OUs {
			if walk(&ou.OUs[i]) {
				return true
			}
		}
		return false
	}
	return walk(&o.Root)
}
