package iam

import (
	"slices"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape/iamshape"
	"github.com/iamgate/iamgate/world"
)

// Centralized root access for member accounts (the IAM User Guide,
// "Centrally manage root access for member accounts"; the IAM API
// Reference, EnableOrganizationsRootCredentialsManagement,
// EnableOrganizationsRootSessions, their Disable pair and
// ListOrganizationsFeatures). The organization keeps the features enabled
// (world.FileOrgAdmin.RootAccess), so every server sharing the store sees
// them; STS AssumeRoot reads RootSessions.
//
// Each operation is authorized as iam:<Operation> on "*" (the Service
// Authorization Reference gives them no resource type and no condition
// key) before anything about the organization is told. Then, in this
// order, with the model's errors (botocore iam/2010-05-08, each HTTP 400,
// worded as the model documents them): no organization holding the
// caller's account is OrganizationNotFoundException; a caller neither in
// the management account nor in a delegated administrator for IAM is
// AccountNotManagementOrDelegatedAdministratorException; an organization
// without all features is OrganizationNotInAllFeaturesModeException; IAM
// without trusted access is ServiceAccessNotEnabledException. Only the
// Enable operations list CallerIsNotManagementAccountException, so a
// delegated administrator may disable and list but not enable. AWS does
// not document the order of these checks (README, "Centralized root
// access").
func init() {
	registerTyped("EnableOrganizationsRootCredentialsManagement", EnableOrganizationsRootCredentialsManagement)
	registerTyped("DisableOrganizationsRootCredentialsManagement", DisableOrganizationsRootCredentialsManagement)
	registerTyped("EnableOrganizationsRootSessions", EnableOrganizationsRootSessions)
	registerTyped("DisableOrganizationsRootSessions", DisableOrganizationsRootSessions)
	registerTyped("ListOrganizationsFeatures", ListOrganizationsFeatures)
}

// rootFeatures are the features in the model's order (FeatureType).
var rootFeatures = []string{world.RootCredentialsManagement, world.RootSessions}

// rootAccessOrg checks a centralized root access operation: the action
// allowed, then the organization, the caller's account, all features and
// IAM's trusted access. enable is set for the Enable operations, which
// only the management account may call.
func rootAccessOrg(c *api.Call, action string, enable bool) (*world.FileOrganization, *query.Error) {
	if e := c.Authorize("iam:"+action, "*", nil); e != nil {
		return nil, e
	}
	o := c.State.File().Organization
	return o, rootAccessChecks(o, c.Account(), enable)
}

// rootAccessChecks are rootAccessOrg's checks of the organization o for
// the caller's account acct.
func rootAccessChecks(o *world.FileOrganization, acct string, enable bool) *query.Error {
	if o == nil || !o.HasAccount(acct) {
		return iamerr.OrganizationNotFoundException("The request was rejected because no organization is associated with your account.")
	}
	if !o.RootAccessAdministrator(acct) {
		return iamerr.AccountNotManagementOrDelegatedAdministratorException("The request was rejected because the account making the request is not the management account or delegated administrator account for centralized root access.")
	}
	if enable && acct != o.ManagementAccount {
		return iamerr.CallerIsNotManagementAccountException("The request was rejected because the account making the request is not the management account for the organization.")
	}
	if !o.AllFeatures() {
		return iamerr.OrganizationNotInAllFeaturesModeException("The request was rejected because your organization does not have All features enabled.")
	}
	if !o.TrustedService(world.IAMServicePrincipal) {
		return iamerr.ServiceAccessNotEnabledException("The request was rejected because trusted access is not enabled for IAM in Organizations.")
	}
	return nil
}

// setRootFeature enables or disables a feature and returns the
// organization's ID and features as stored. Enabling a feature that is
// enabled, or disabling one that is not, changes nothing (AWS documents
// no error for either). The checks run again on the world the change is
// made to, so a change made meanwhile (trusted access disabled, the
// administrator deregistered) is not overridden.
func setRootFeature(c *api.Call, action, feature string, enable bool) (string, []string, *query.Error) {
	if _, e := rootAccessOrg(c, action, enable); e != nil {
		return "", nil, e
	}
	var id string
	var features []string
	e := c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		o := fw.Organization
		if e := rootAccessChecks(o, c.Account(), enable); e != nil {
			return e
		}
		var next []string
		for _, f := range rootFeatures {
			on := slices.Contains(o.RootAccess, f)
			if f == feature {
				on = enable
			}
			if on {
				next = append(next, f)
			}
		}
		o.RootAccess = next
		id, features = o.ID, slices.Clone(next)
		return nil
	})
	return id, features, e
}

// EnableOrganizationsRootCredentialsManagement lets the management account
// and the delegated administrator for IAM manage the root user credentials
// of member accounts.
func EnableOrganizationsRootCredentialsManagement(c *api.Call, _ *iamshape.EnableOrganizationsRootCredentialsManagementRequest) (*iamshape.EnableOrganizationsRootCredentialsManagementResponse, *query.Error) {
	id, fs, e := setRootFeature(c, "EnableOrganizationsRootCredentialsManagement", world.RootCredentialsManagement, true)
	if e != nil {
		return nil, e
	}
	return &iamshape.EnableOrganizationsRootCredentialsManagementResponse{OrganizationId: id, EnabledFeatures: fs}, nil
}

// DisableOrganizationsRootCredentialsManagement turns root credentials
// management off.
func DisableOrganizationsRootCredentialsManagement(c *api.Call, _ *iamshape.DisableOrganizationsRootCredentialsManagementRequest) (*iamshape.DisableOrganizationsRootCredentialsManagementResponse, *query.Error) {
	id, fs, e := setRootFeature(c, "DisableOrganizationsRootCredentialsManagement", world.RootCredentialsManagement, false)
	if e != nil {
		return nil, e
	}
	return &iamshape.DisableOrganizationsRootCredentialsManagementResponse{OrganizationId: id, EnabledFeatures: fs}, nil
}

// EnableOrganizationsRootSessions lets the management account and the
// delegated administrator for IAM take privileged root sessions in member
// accounts (STS AssumeRoot).
func EnableOrganizationsRootSessions(c *api.Call, _ *iamshape.EnableOrganizationsRootSessionsRequest) (*iamshape.EnableOrganizationsRootSessionsResponse, *query.Error) {
	id, fs, e := setRootFeature(c, "EnableOrganizationsRootSessions", world.RootSessions, true)
	if e != nil {
		return nil, e
	}
	return &iamshape.EnableOrganizationsRootSessionsResponse{OrganizationId: id, EnabledFeatures: fs}, nil
}

// DisableOrganizationsRootSessions turns privileged root sessions off;
// AssumeRoot is refused from then on.
func DisableOrganizationsRootSessions(c *api.Call, _ *iamshape.DisableOrganizationsRootSessionsRequest) (*iamshape.DisableOrganizationsRootSessionsResponse, *query.Error) {
	id, fs, e := setRootFeature(c, "DisableOrganizationsRootSessions", world.RootSessions, false)
	if e != nil {
		return nil, e
	}
	return &iamshape.DisableOrganizationsRootSessionsResponse{OrganizationId: id, EnabledFeatures: fs}, nil
}

// ListOrganizationsFeatures lists the features of centralized root access
// enabled for the organization.
func ListOrganizationsFeatures(c *api.Call, _ *iamshape.ListOrganizationsFeaturesRequest) (*iamshape.ListOrganizationsFeaturesResponse, *query.Error) {
	o, e := rootAccessOrg(c, "ListOrganizationsFeatures", false)
	if e != nil {
		return nil, e
	}
	var fs []string
	for _, f := range rootFeatures {
		if o.RootAccessEnabled(f) {
			fs = append(fs, f)
		}
	}
	return &iamshape.ListOrganizationsFeaturesResponse{OrganizationId: o.ID, EnabledFeatures: fs}, nil
}
