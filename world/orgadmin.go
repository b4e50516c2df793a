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
