package world

import "time"

// FileOrgAdmin is what an organization keeps of its integration with other
// AWS services and of its delegation: the services given trusted access
// (EnableAWSServiceAccess), the member accounts registered as delegated
// administrators of a service (RegisterDelegatedAdministrator), and the
// organization's resource-based delegation policy (PutResourcePolicy).
// It is part of FileOrganization, so every server sharing the store sees
// it. Evaluation does not read it.
type FileOrgAdmin struct {
	TrustedServices         []FileTrustedService   `yaml:"trustedServices,omitempty" json:"trustedServices,omitempty"`
	DelegatedAdministrators []FileDelegatedAdmin   `yaml:"delegatedAdministrators,omitempty" json:"delegatedAdministrators,omitempty"`
	ResourcePolicy          *FileOrgResourcePolicy `yaml:"resourcePolicy,omitempty" json:"resourcePolicy,omitempty"`
	// RootAccess are the features of centralized root access for member
	// accounts that IAM enabled (EnableOrganizationsRootCredentialsManagement,
	// EnableOrganizationsRootSessions): RootCredentialsManagement and
	// RootSessions, the model's FeatureType (botocore iam/2010-05-08), in
	// that order.
	RootAccess []string `yaml:"rootAccess,omitempty" json:"rootAccess,omitempty"`
}

// The features of centralized root access (the IAM User Guide, "Centrally
// manage root access for member accounts"; the model's FeatureType).
const (
	RootCredentialsManagement = "RootCredentialsManagement"
	RootSessions              = "RootSessions"
)

// RootAccessEnabled reports whether the organization has a feature of
// centralized root access enabled.
func (o *FileOrganization) RootAccessEnabled(feature string) bool {
	if o == nil {
		return false
	}
	for _, f := range o.RootAccess {
		if f == feature {
			return true
		}
	}
	return false
}

// TrustedService reports whether a service principal has trusted access.
func (o *FileOrganization) TrustedService(sp string) bool {
	if o == nil {
		return false
	}
	for _, s := range o.TrustedServices {
		if s.ServicePrincipal == sp {
			return true
		}
	}
	return false
}

// DelegatedAdministrator reports whether an account is a delegated
// administrator of a service principal.
func (o *FileOrganization) DelegatedAdministrator(account, sp string) bool {
	if o == nil {
		return false
	}
	for _, d := range o.DelegatedAdministrators {
		if d.Account == account && d.ServicePrincipal == sp {
			return true
		}
	}
	return false
}

// FileTrustedService is a service principal with trusted access, and when
// it was given it.
type FileTrustedService struct {
	ServicePrincipal string    `yaml:"servicePrincipal" json:"servicePrincipal"`
	Enabled          time.Time `yaml:"enabled,omitempty" json:"enabled,omitzero"`
}

// FileDelegatedAdmin is a member account registered as a delegated
// administrator of a service, and since when.
type FileDelegatedAdmin struct {
	Account          string    `yaml:"account" json:"account"`
	ServicePrincipal string    `yaml:"servicePrincipal" json:"servicePrincipal"`
	Since            time.Time `yaml:"since,omitempty" json:"since,omitzero"`
}

// FileOrgResourcePolicy is the organization's resource policy: its ID
// (rp-...), its text as given, and its tags.
type FileOrgResourcePolicy struct {
	ID      string            `yaml:"id" json:"id"`
	Content string            `yaml:"content" json:"content"`
	Tags    map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`
}

// IAMServicePrincipal is IAM's service principal, which centralized root
// access needs trusted access and delegated administration for.
const IAMServicePrincipal = "iam.amazonaws.com"

// HasAccount reports whether an account is in the organization: its
// management account or a member in its tree of OUs.
func (o *FileOrganization) HasAccount(id string) bool {
	if o == nil {
		return false
	}
	if o.ManagementAccount == id {
		return true
	}
	var walk func(ou *FileOU) bool
	walk = func(ou *FileOU) bool {
		for _, a := range ou.Accounts {
			if a == id {
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

// RootAccessAdministrator reports whether an account administers
// centralized root access: the management account, or a member account
// that is a delegated administrator for IAM (the IAM User Guide,
// "Centrally manage root access for member accounts").
func (o *FileOrganization) RootAccessAdministrator(id string) bool {
	return o != nil && (o.ManagementAccount == id || (o.HasAccount(id) && o.DelegatedAdministrator(id, IAMServicePrincipal)))
}

// AllFeatures reports whether the organization has all features enabled
// (ALL, the default, rather than CONSOLIDATED_BILLING).
func (o *FileOrganization) AllFeatures() bool {
	return o != nil && (o.FeatureSet == "" || o.FeatureSet == "ALL")
}
