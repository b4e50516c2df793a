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

// Delegated administrators for AWS services (the Organizations User
// Guide, "Delegated administrator for AWS services that work with
// Organizations"): the management account registers and deregisters a
// member account for a service that has trusted access; the management
// account and delegated administrators list them. A delegated
// administrator may call Organizations' read-only operations that can be
// delegated (delegation.go). Register,
// Deregister and ListDelegatedServicesForAccount are authorized on the
// account's ARN, with organizations:ServicePrincipal where the Service
// Authorization Reference gives it, before anything is looked up.
func init() {
	registerTyped("RegisterDelegatedAdministrator", registerDelegatedAdmin)
	registerTyped("DeregisterDelegatedAdministrator", deregisterDelegatedAdmin)
	registerTyped("ListDelegatedAdministrators", listDelegatedAdmins)
	registerTyped("ListDelegatedServicesForAccount", listDelegatedServices)
}

// Errors of the model (botocore organizations/2016-11-28), with the words
// of its documentation.
func accountAlreadyRegistered() *query.Error {
	return orgerr.AccountAlreadyRegisteredException("The specified account is already a delegated administrator for this Amazon Web Services service.")
}

func accountNotRegistered() *query.Error {
	return orgerr.AccountNotRegisteredException("The specified account is not a delegated administrator for this Amazon Web Services service.")
}

func constraint(reason, msg string) *query.Error {
	return reasoned(orgerr.ConstraintViolationException, reason, msg)
}

// delegationOp checks a register or deregister: the management account,
// the action allowed on the account for the principal, then the
// principal, the account and trusted access.
func delegationOp(c *api.Call, action, accountID, principal string) (acct, sp string, e *query.Error) {
	o, e := management(c)
	if e != nil {
		return "", "", e
	}
	// AccountId is 12 digits (Validate), so the ARN is well formed.
	if e := authorizeWith(c, action, orgARN(o, "account", "/"+accountID), principalKey(principal)); e != nil {
		return "", "", e
	}
	if e := allFeatures(o); e != nil {
		return "", "", e
	}
	if !recognized(principal) {
		return "", "", unrecognizedPrincipal()
	}
	if accountID == o.ManagementAccount {
		return "", "", constraint("CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR", "You attempted to register the management account of the organization as a delegated administrator for an Amazon Web Services service integrated with Organizations. You can designate only a member account as a delegated administrator.")
	}
	if !inOrg(o, accountID) {
		return "", "", accountNotFound()
	}
	return accountID, principal, nil
}

func isAdminOf(acct, sp string) func(d world.FileDelegatedAdmin) bool {
	return func(d world.FileDelegatedAdmin) bool { return d.Account == acct && d.ServicePrincipal == sp }
}

// registerDelegatedAdmin registers a member account for a service that has
// trusted access (the model's ConstraintViolationException reason
// SERVICE_ACCESS_NOT_ENABLED: "Call the EnableAWSServiceAccess API
// first"). AWS limits some services to one delegated administrator
// (DELEGATED_ADMINISTRATOR_EXISTS_FOR_THIS_SERVICE); which ones it does
// not publish in one place, so iamgate allows several for every service.
func registerDelegatedAdmin(c *api.Call, in *orgshape.RegisterDelegatedAdministratorRequest) (*noOutput, *query.Error) {
	acct, sp, e := delegationOp(c, "RegisterDelegatedAdministrator", in.AccountId, in.ServicePrincipal)
	if e != nil {
		return nil, e
	}
	return nil, c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		o := fw.Organization
		if !slices.ContainsFunc(o.TrustedServices, func(s world.FileTrustedService) bool { return s.ServicePrincipal == sp }) {
			return constraint("SERVICE_ACCESS_NOT_ENABLED", "You attempted to register a delegated administrator before you enabled service access. Call the EnableAWSServiceAccess API first.")
		}
		if slices.ContainsFunc(o.DelegatedAdministrators, isAdminOf(acct, sp)) {
			return accountAlreadyRegistered()
		}
		if fw.AccountClosed(acct) { // close.go; the model's reason, in its words
			return constraint("CANNOT_REGISTER_SUSPENDED_ACCOUNT_AS_DELEGATED_ADMINISTRATOR", "You cannot register a suspended account as a delegated administrator.")
		}
		o.DelegatedAdministrators = append(o.DelegatedAdministrators, world.FileDelegatedAdmin{Account: acct, ServicePrincipal: sp, Since: c.Now})
		return nil
	})
}

func deregisterDelegatedAdmin(c *api.Call, in *orgshape.DeregisterDelegatedAdministratorRequest) (*noOutput, *query.Error) {
	acct, sp, e := delegationOp(c, "DeregisterDelegatedAdministrator", in.AccountId, in.ServicePrincipal)
	if e != nil {
		return nil, e
	}
	return nil, c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		o := fw.Organization
		i := slices.IndexFunc(o.DelegatedAdministrators, isAdminOf(acct, sp))
		if i < 0 {
			return accountNotRegistered()
		}
		o.DelegatedAdministrators = slices.Delete(o.DelegatedAdministrators, i, i+1)
		return nil
	})
}

// listDelegatedAdmins lists each delegated administrator once, in the
// order they were registered, each as the model's DelegatedAdministrator:
// the account as ListAccounts shows it, and when it was made a delegated
// administrator. Without a ServicePrincipal,
// DelegationEnabledDate is the account's first registration (AWS does not
// say which: iamgate's choice).
func listDelegatedAdmins(c *api.Call, in *orgshape.ListDelegatedAdministratorsRequest) (*orgshape.ListDelegatedAdministratorsResponse, *query.Error) {
	o, e := management(c)
	if e != nil {
		return nil, e
	}
	var keys map[string][]string
	if in.ServicePrincipal != "" {
		keys = principalKey(in.ServicePrincipal)
	}
	if e := authorizeWith(c, "ListDelegatedAdministrators", "*", keys); e != nil {
		return nil, e
	}
	since := map[string]time.Time{}
	var order []string
	for _, d := range o.DelegatedAdministrators {
		if in.ServicePrincipal != "" && d.ServicePrincipal != in.ServicePrincipal {
			continue
		}
		if _, seen := since[d.Account]; !seen {
			order = append(order, d.Account)
			since[d.Account] = d.Since
		}
	}
	fw := c.State.File()
	var out []orgshape.DelegatedAdministrator
	for _, id := range order {
		a := world.FileAccount{ID: id}
		if i := slices.IndexFunc(fw.Accounts, func(a world.FileAccount) bool { return a.ID == id }); i >= 0 {
			a = fw.Accounts[i]
		}
		s := accountShape(o, a)
		out = append(out, orgshape.DelegatedAdministrator{Id: s.Id, Arn: s.Arn, Email: s.Email, Name: s.Name, Status: s.Status, State: s.State,
			JoinedMethod: s.JoinedMethod, JoinedTimestamp: s.JoinedTimestamp, DelegationEnabledDate: at(since[id])})
	}
	page, next, e := pageOf(out, in.NextToken, in.MaxResults)
	if e != nil {
		return nil, e
	}
	return &orgshape.ListDelegatedAdministratorsResponse{DelegatedAdministrators: page, NextToken: next}, nil
}

func listDelegatedServices(c *api.Call, in *orgshape.ListDelegatedServicesForAccountRequest) (*orgshape.ListDelegatedServicesForAccountResponse, *query.Error) {
	o, e := management(c)
	if e != nil {
		return nil, e
	}
	if e := authorize(c, "ListDelegatedServicesForAccount", orgARN(o, "account", "/"+in.AccountId)); e != nil {
		return nil, e
	}
	if !inOrg(o, in.AccountId) {
		return nil, accountNotFound()
	}
	var out []orgshape.DelegatedService
	for _, d := range o.DelegatedAdministrators {
		if d.Account == in.AccountId {
			out = append(out, orgshape.DelegatedService{ServicePrincipal: d.ServicePrincipal, DelegationEnabledDate: at(d.Since)})
		}
	}
	if len(out) == 0 {
		return nil, accountNotRegistered()
	}
	page, next, e := pageOf(out, in.NextToken, in.MaxResults)
	if e != nil {
		return nil, e
	}
	return &orgshape.ListDelegatedServicesForAccountResponse{DelegatedServices: page, NextToken: next}, nil
}
