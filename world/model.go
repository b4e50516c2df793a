package world

import (
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
)

// Document is a policy document with its compiled form.
type Document struct {
	// JSON is the document text.
	JSON []byte
	// Source says where it came from, for messages ("world.yaml:12", a file).
	Source   string
	parsed   *policy.Policy
	compiled map[engine.PolicyType]*engine.Policy
}

// World is a whole multi-account setup.
type World struct {
	Organization *Organization
	Accounts     Entities[*Account] // by account ID
	// AWSManaged resolves arn:aws:iam::aws:policy/... ARNs; nil uses the
	// embedded catalog.
	AWSManaged func(arn string) (*ManagedPolicy, bool)

	resources Entities[*Resource] // by ARN and alias keys, across accounts
	roleByID  Entities[*Role]
	// cache keeps what requests gather; Finalize replaces it.
	cache *decisionCache
}

// Organization is an AWS Organizations organization.
type Organization struct {
	ID                string // o-...
	ManagementAccount string
	Root              *OU
	// Policies are the SCPs and RCPs, by name.
	Policies map[string]*OrgPolicy
	// SCPsEnabled / RCPsEnabled: whether the policy types are in use. When
	// enabled, a level with no attachment gets FullAWSAccess (RCPFullAWSAccess),
	// as AWS attaches it by default.
	SCPsEnabled, RCPsEnabled bool
	// Management are the policies of the ManagementPolicyTypes, by name,
	// and Attached their attachments, as in the file: kept so that ToFile
	// gives them back, never evaluated.
	Management map[string]FileOrgPolicy
	Attached   map[string][]string
	// Kept are the file's fields the world does not evaluate (the enabled
	// policy types, the feature set, when accounts joined, trusted access,
	// delegated administrators, the resource policy, root access,
	// handshakes, closed accounts, create-account requests), as in the
	// file: kept so that ToFile gives them back. Its Policies, Root and
	// Attached are unused: ToFile writes those from the fields above.
	Kept FileOrganization
}

// OrgPolicy is an SCP or RCP.
type OrgPolicy struct {
	Name     string
	ID       string
	Type     string // "scp" or "rcp"
	Document *Document
	Tags     map[string]string
}

// OU is the root or an organizational unit.
type OU struct {
	ID       string
	Name     string
	Parent   *OU
	Children []*OU
	Accounts []string
	SCPs     []string // policy names
	RCPs     []string
	Tags     map[string]string
}

// Account is one AWS account.
type Account struct {
	ID     string
	Name   string
	Email  string
	Labels []string // such as sandbox, dev, test, prod
	Tags   map[string]string
	SCPs   []string // attached directly to the account
	RCPs   []string
	OU     *OU

	Users     Entities[*User] // by name
	Groups    Entities[*Group]
	Roles     Entities[*Role]
	Policies  Entities[*ManagedPolicy] // customer managed, by name
	Resources Entities[*Resource]      // by ARN
	Aliases   []string                 // account aliases
	// TokenVersion is the global STS endpoint's token version (v1Token,
	// v2Token; empty: v1Token), FileAccount.TokenVersion.
	TokenVersion string
	// DelegationRequests are the account's temporary delegation requests
	// as a requester (API state, kept so that ToFile keeps them).
	DelegationRequests []DelegationRequest
	// InstanceProfiles are the account's EC2 instance profiles, by name.
	InstanceProfiles map[string]*InstanceProfile
	// OutboundFederation is the account's outbound web identity
	// federation (nil: never enabled). It must not be changed.
	OutboundFederation *OutboundFederation

	// names finds the account's entities by lower-case name for
	// RebuildEntities; versions of the account built from one another
	// share it.
	names *nameIndex
}

// InlinePolicy is a named inline policy.
type InlinePolicy struct {
	Name     string
	Document *Document
}

// User is an IAM user.
type User struct {
	Name                string
	Path                string
	ID                  string // unique ID, AIDA...
	Groups              []string
	Inline              []InlinePolicy
	Managed             []string // policy ARNs
	PermissionsBoundary string   // policy ARN
	Tags                map[string]string
	AccessKeys          []AccessKey
	LoginProfile        bool     // has a console password
	MFADevices          []string // serial numbers
	SSHPublicKeys       []SSHPublicKey
	SigningCertificates []SigningCertificate
	Account             *Account
}

// AccessKey is a user's access key (the secret is never part of the world).
type AccessKey struct {
	ID     string `yaml:"id" json:"id"`
	Status string `yaml:"status,omitempty" json:"status,omitempty"` // Active or Inactive
}

// Group is an IAM group.
type Group struct {
	Name    string
	Path    string
	ID      string
	Inline  []InlinePolicy
	Managed []string
	Account *Account
}

// Role is an IAM role.
type Role struct {
	Name                string
	Path                string
	ID                  string // AROA...
	Trust               *Document
	Inline              []InlinePolicy
	Managed             []string
	PermissionsBoundary string
	Tags                map[string]string
	MaxSessionDuration  int // seconds; 3600 when zero
	Account             *Account
}

// ManagedPolicy is a customer managed (or AWS managed) policy with versions.
type ManagedPolicy struct {
	Name           string
	Path           string
	ARN            string
	DefaultVersion string
	Versions       []PolicyVersion
	Account        *Account // nil for AWS managed policies
	// Tags of a customer managed policy (aws:ResourceTag/* of requests on
	// it).
	Tags map[string]string
}

// PolicyVersion is one version of a managed policy.
type PolicyVersion struct {
	ID       string
	Document *Document
}

// Default returns the default version's document.
func (m *ManagedPolicy) Default() *Document {
	for _, v := range m.Versions {
		if v.ID == m.DefaultVersion {
			return v.Document
		}
	}
	if len(m.Versions) > 0 {
		return m.Versions[len(m.Versions)-1].Document
	}
	return nil
}

// Resource is an AWS resource with its resource-based policy and tags.
type Resource struct {
	ARN    string
	Type   string // derived from the ARN: s3-bucket, kms-key, sqs-queue, ...
	Policy *Document
	Tags   map[string]string
	// AWSManaged marks an AWS managed KMS key (aws/s3, ...): its key policy
	// trusts only its own account, and RCPs do not apply to it.
	AWSManaged bool
	// Aliases are KMS alias names (alias/...) that point at this key.
	Aliases []string
	// Role is the ARN of the role the resource runs as ("" when none);
	// InstanceProfile the ARN of an EC2 instance's profile.
	Role            string
	InstanceProfile string
	Account         *Account

	managedKeyPolicy *engine.Policy // the AWS-defined key policy of an AWS managed key
}

// InstanceProfile is an EC2 instance profile: a container for a role.
type InstanceProfile struct {
	Name    string
	Path    string
	Roles   []string // role names of the profile's account
	Account *Account
	Tags    map[string]string // aws:ResourceTag/* of requests on it
}

// ARN of an instance profile.
func (p *InstanceProfile) ARN() string {
	return "arn:aws:iam::" + p.Account.ID + ":instance-profile" + cleanPath(p.Path) + p.Name
}
