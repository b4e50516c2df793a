package organizations

import (
	"slices"
	"strings"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr/orgerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/shape/orgshape"
	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/world"
)

// Trusted access for AWS services (the Organizations User Guide, "Using
// AWS Organizations with other AWS services"): the management account
// enables and disables a service principal; the management account and
// delegated administrators list them. Each is authorized as
// organizations:<Operation> with no resource, and with
// organizations:ServicePrincipal where the Service Authorization
// Reference gives it (EnableAWSServiceAccess, DisableAWSServiceAccess),
// before anything is looked up. The principals are kept in the
// organization (world.FileOrgAdmin), so every server sharing the store
// sees them.
func init() {
	registerTyped("EnableAWSServiceAccess", enableServiceAccess)
	registerTyped("DisableAWSServiceAccess", disableServiceAccess)
	registerTyped("ListAWSServiceAccessForOrganization", listServiceAccess)
}

func principalKey(sp string) map[string][]string {
	return map[string][]string{"organizations:ServicePrincipal": {sp}}
}

// otherServicePrincipals are service principals of services that
// integrate with Organizations whose name has no label that is a service
// prefix of the catalog (the Organizations User Guide, "AWS services that
// you can use with AWS Organizations").
var otherServicePrincipals = map[string]bool{
	"ipam.amazonaws.com": true, "macie.amazonaws.com": true, "aws-artifact-account-sync.amazonaws.com": true,
	"reachabilityanalyzer.networkinsights.amazonaws.com": true,
}

// recognized reports whether sp names an AWS service: NAME.amazonaws.com,
// in lower case, where a dot-separated label of NAME is the action prefix
// of a service in the catalog (health.amazonaws.com,
// tagpolicies.tag.amazonaws.com, storage-lens.s3.amazonaws.com), or one of
// otherServicePrincipals. AWS recognizes its own list, which it does not
// publish whole; this is iamgate's approximation of it (README, "Trusted
// access and delegation").
func recognized(sp string) bool {
	name, ok := strings.CutSuffix(sp, ".amazonaws.com")
	if !ok || name == "" || name != strings.ToLower(name) {
		return false
	}
	if otherServicePrincipals[sp] {
		return true
	}
	cat := catalog.Default()
	for _, l := range strings.Split(name, ".") {
		if _, ok := cat.Service(l); ok && l != "" {
			return true
		}
	}
	return false
}

// unrecognizedPrincipal is the model's InvalidInputException reason
// UNRECOGNIZED_SERVICE_PRINCIPAL with the words of its documentation.
func unrecognizedPrincipal() *query.Error {
	e := orgerr.InvalidInputException("You specified a service principal that isn't recognized.")
	e.Reason = "UNRECOGNIZED_SERVICE_PRINCIPAL"
	return e
}

// allFeatures checks that the organization has all features (trusted
// access and delegated administrators need them: the model's
// ConstraintViolationException reason ORGANIZATION_NOT_IN_ALL_FEATURES_MODE).
func allFeatures(o *world.FileOrganization) *query.Error {
	if o.FeatureSet == "" || o.FeatureSet == "ALL" {
		return nil
	}
	e := orgerr.ConstraintViolationException("You attempted to perform an operation that requires the organization to be configured to support all features. An organization that supports only consolidated billing features can't perform this operation.")
	e.Reason = "ORGANIZATION_NOT_IN_ALL_FEATURES_MODE"
	return e
}

// servicePrincipalOp checks and authorizes an enable or disable of trusted
// access: the management account, the action allowed for the principal,
// then the principal recognized and all features enabled.
func servicePrincipalOp(c *api.Call, action, sp string) (string, *query.Error) {
	o, e := management(c)
	if e != nil {
		return "", e
	}
	if e := authorizeWith(c, action, "*", principalKey(sp)); e != nil {
		return "", e
	}
	if !recognized(sp) {
		return "", unrecognizedPrincipal()
	}
	return sp, allFeatures(o)
}

// enableServiceAccess gives a service trusted access. Enabling one that
// has it already changes nothing (AWS documents no error for it; its
// DateEnabled stays the first).
func enableServiceAccess(c *api.Call, in *orgshape.EnableAWSServiceAccessRequest) (*noOutput, *query.Error) {
	sp, e := servicePrincipalOp(c, "EnableAWSServiceAccess", in.ServicePrincipal)
	if e != nil {
		return nil, e
	}
	return nil, c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		o := fw.Organization
		if !slices.ContainsFunc(o.TrustedServices, func(s world.FileTrustedService) bool { return s.ServicePrincipal == sp }) {
			o.TrustedServices = append(o.TrustedServices, world.FileTrustedService{ServicePrincipal: sp, Enabled: c.Now})
		}
		return nil
	})
}

// disableServiceAccess takes trusted access away; disabling a service
// that does not have it changes nothing (AWS documents no error for it).
func disableServiceAccess(c *api.Call, in *orgshape.DisableAWSServiceAccessRequest) (*noOutput, *query.Error) {
	sp, e := servicePrincipalOp(c, "DisableAWSServiceAccess", in.ServicePrincipal)
	if e != nil {
		return nil, e
	}
	return nil, c.State.UpdateWorld(c.Ctx, func(fw *world.FileWorld) *query.Error {
		o := fw.Organization
		o.TrustedServices = slices.DeleteFunc(o.TrustedServices, func(s world.FileTrustedService) bool { return s.ServicePrincipal == sp })
		return nil
	})
}

func listServiceAccess(c *api.Call, in *orgshape.ListAWSServiceAccessForOrganizationRequest) (*orgshape.ListAWSServiceAccessForOrganizationResponse, *query.Error) {
	o, e := management(c)
	if e != nil {
		return nil, e
	}
	if e := authorize(c, "ListAWSServiceAccessForOrganization", "*"); e != nil {
		return nil, e
	}
	if e := allFeatures(o); e != nil {
		return nil, e
	}
	var out []orgshape.EnabledServicePrincipal
	for _, s := range o.TrustedServices {
		out = append(out, orgshape.EnabledServicePrincipal{ServicePrincipal: s.ServicePrincipal, DateEnabled: at(s.Enabled)})
	}
	page, next, e := pageOf(out, in.NextToken, in.MaxResults)
	if e != nil {
		return nil, e
	}
	return &orgshape.ListAWSServiceAccessForOrganizationResponse{EnabledServicePrincipals: page, NextToken: next}, nil
}

// isDelegated reports whether an account is a delegated administrator of
// some service.
func isDelegated(o *world.FileOrganization, acct string) bool {
	return slices.ContainsFunc(o.DelegatedAdministrators, func(d world.FileDelegatedAdmin) bool { return d.Account == acct })
}
