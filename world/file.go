package world

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/iamgate/iamgate/internal/yamljson"
)

// The world file format (YAML or JSON). See the README and
// world/schema/world.schema.json.

// PolicySource is a policy written inline (a YAML or JSON mapping, or a JSON
// string) or as {file: relative/path.json}.
type PolicySource struct {
	node *yaml.Node
	json []byte // a document given as JSON (from a store, or built in code)
	// text keeps json as written: it is stored as a JSON string, so its
	// whitespace and key order survive (the IAM API returns documents as
	// they were sent).
	text bool
}

// NewPolicySource holds a JSON policy document.
func NewPolicySource(doc []byte) PolicySource { return PolicySource{json: doc} }

// NewPolicyText holds a JSON policy document exactly as written.
func NewPolicyText(doc string) PolicySource { return PolicySource{json: []byte(doc), text: true} }

// JSON returns the document as JSON text (nil when absent or unreadable).
func (p PolicySource) JSON() []byte {
	if p.json != nil {
		return p.json
	}
	b, err := p.MarshalJSON()
	if err != nil || string(b) == "null" {
		return nil
	}
	return b
}

// UnmarshalYAML keeps the node; it is turned into JSON when the world is built.
func (p *PolicySource) UnmarshalYAML(n *yaml.Node) error {
	p.node = n
	return nil
}

// MarshalYAML writes the policy back inline, in block style.
func (p PolicySource) MarshalYAML() (any, error) {
	if p.node != nil {
		return p.node, nil
	}
	var v any
	if err := json.Unmarshal(p.json, &v); err != nil {
		return string(p.json), nil
	}
	var n yaml.Node
	if err := n.Encode(v); err != nil {
		return nil, err
	}
	return &n, nil
}

// MarshalJSON writes the document as JSON.
func (p PolicySource) MarshalJSON() ([]byte, error) {
	if p.text {
		return json.Marshal(string(p.json))
	}
	if p.json != nil {
		return p.json, nil
	}
	if p.node == nil {
		return []byte("null"), nil
	}
	v, err := yamlValue(p.node)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// UnmarshalJSON keeps the document.
func (p *PolicySource) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var text string
		if err := json.Unmarshal(b, &text); err != nil {
			return err
		}
		p.json, p.text = []byte(text), true
		return nil
	}
	p.json = append([]byte(nil), b...)
	return nil
}

// IsZero reports an absent policy.
func (p PolicySource) IsZero() bool { return p.node == nil && p.json == nil }

// FileWorld is the top of a world file.
type FileWorld struct {
	Organization *FileOrganization `yaml:"organization,omitempty" json:"organization,omitempty"`
	Accounts     []FileAccount     `yaml:"accounts" json:"accounts"`
}

// FileOrganization describes the organization.
type FileOrganization struct {
	ID                string                   `yaml:"id,omitempty" json:"id,omitempty"`
	ManagementAccount string                   `yaml:"managementAccount,omitempty" json:"managementAccount,omitempty"`
	Policies          map[string]FileOrgPolicy `yaml:"policies,omitempty" json:"policies,omitempty"`
	Root              FileOU                   `yaml:"root" json:"root"`
	// PolicyTypes are the policy types enabled through the Organizations
	// API (SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY). Evaluation does
	// not read it: a level without attachments has the full-access policy.
	PolicyTypes []string `yaml:"policyTypes,omitempty" json:"policyTypes,omitempty"`
	// FeatureSet is ALL (the default) or CONSOLIDATED_BILLING.
	FeatureSet string `yaml:"featureSet,omitempty" json:"featureSet,omitempty"`
	// Created is when the organization was created through the
	// Organizations API, and Joined when each account (by ID) joined it
	// (the API's JoinedTimestamp); unknown for worlds written by hand.
	Created time.Time            `yaml:"created,omitempty" json:"created,omitzero"`
	Joined  map[string]time.Time `yaml:"joined,omitempty" json:"joined,omitempty"`
	// FileOrgAdmin holds trusted access, delegated administrators and the
	// resource policy (orgadmin.go).
	FileOrgAdmin `yaml:",inline"`
	// FileOrgHandshakes holds handshakes and invited accounts
	// (handshake.go).
	FileOrgHandshakes `yaml:",inline"`
	// Attached are the policies of the ManagementPolicyTypes attached to
	// each target (the root's, an OU's or an account's ID), by name.
	Attached map[string][]string `yaml:"attached,omitempty" json:"attached,omitempty"`
	// Closed are the member accounts CloseAccount closed, by ID, with when
	// (closed.go).
	Closed map[string]time.Time `yaml:"closed,omitempty" json:"closed,omitempty"`
	// CreateAccountRequests are the organization's CreateAccount requests,
	// oldest first (createaccount.go). A world written by hand may have
	// created accounts with none.
	CreateAccountRequests []FileCreateAccountRequest `yaml:"createAccountRequests,omitempty" json:"createAccountRequests,omitempty"`
}

// ManagementPolicyTypes are the file forms (the Organizations API's names
// in lower case, as in policy ARNs) of the policy types other than SCPs and
// RCPs (botocore organizations/2016-11-28, PolicyType). Policies of these
// types are stored and attached through the Organizations API; they take
// no part in authorization, so the world built from a file leaves them
// out.
var ManagementPolicyTypes = []string{"tag_policy", "backup_policy", "aiservices_opt_out_policy", "chatbot_policy",
	"declarative_policy_ec2", "securityhub_policy", "inspector_policy", "upgrade_rollout_policy", "bedrock_policy",
	"s3_policy", "network_security_director_policy"}

// FileOrgPolicy is an organization policy: an SCP or RCP, or a policy of
// one of the ManagementPolicyTypes.
type FileOrgPolicy struct {
	Type        string       `yaml:"type" json:"type"` // scp, rcp or one of ManagementPolicyTypes
	ID          string       `yaml:"id,omitempty" json:"id,omitempty"`
	Document    PolicySource `yaml:"document" json:"document"`
	Description string       `yaml:"description,omitempty" json:"description,omitempty"`
	// Tags are the policy's tags (Organizations TagResource).
	Tags map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`
}

// FileOU is the root or an OU.
type FileOU struct {
	ID       string   `yaml:"id,omitempty" json:"id,omitempty"`
	Name     string   `yaml:"name,omitempty" json:"name,omitempty"`
	SCPs     []string `yaml:"scps,omitempty" json:"scps,omitempty"`
	RCPs     []string `yaml:"rcps,omitempty" json:"rcps,omitempty"`
	Accounts []string `yaml:"accounts,omitempty" json:"accounts,omitempty"`
	OUs      []FileOU `yaml:"ous,omitempty" json:"ous,omitempty"`
	// Tags are the root's or OU's tags (Organizations TagResource).
	Tags map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`
}

// FileAccount is one account.
type FileAccount struct {
	ID      string            `yaml:"id" json:"id"`
	Name    string            `yaml:"name,omitempty" json:"name,omitempty"`
	Email   string            `yaml:"email,omitempty" json:"email,omitempty"`
	Labels  []string          `yaml:"labels,omitempty" json:"labels,omitempty"`
	Tags    map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`
	SCPs    []string          `yaml:"scps,omitempty" json:"scps,omitempty"`
	RCPs    []string          `yaml:"rcps,omitempty" json:"rcps,omitempty"`
	Aliases []string          `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	// TokenVersion is the version of the session tokens the global STS
	// endpoint issues for the account (IAM SetSecurityTokenServicePreferences:
	// v1Token or v2Token; empty is AWS's default, v1Token).
	TokenVersion string         `yaml:"tokenVersion,omitempty" json:"tokenVersion,omitempty"`
	Users        []FileUser     `yaml:"users,omitempty" json:"users,omitempty"`
	Groups       []FileGroup    `yaml:"groups,omitempty" json:"groups,omitempty"`
	Roles        []FileRole     `yaml:"roles,omitempty" json:"roles,omitempty"`
	Policies     []FilePolicy   `yaml:"policies,omitempty" json:"policies,omitempty"`
	Resources    []FileResource `yaml:"resources,omitempty" json:"resources,omitempty"`
	// InstanceProfiles are EC2 instance profiles (IAM API state).
	InstanceProfiles []FileInstanceProfile `yaml:"instanceProfiles,omitempty" json:"instanceProfiles,omitempty"`
	// OutboundFederation is the account's outbound web identity
	// federation (IAM EnableOutboundWebIdentityFederation): nil until it is
	// first enabled.
	OutboundFederation *OutboundFederation `yaml:"outboundWebIdentityFederation,omitempty" json:"outboundWebIdentityFederation,omitempty"`
	// DelegationRequests are the temporary delegation requests the account
	// made as a requester (IAM API state, see DelegationRequest).
	DelegationRequests []DelegationRequest `yaml:"delegationRequests,omitempty" json:"delegationRequests,omitempty"`

	// claims holds, per entity list (Users, Groups, Roles, Policies,
	// Resources), the claim on the spare capacity of the list's backing
	// array that Selection.Apply made (nil: none; the list is copied when
	// it grows). See listClaim.
	claims [5]*listClaim
}

// OutboundFederation is an account's outbound web identity federation
// setting: whether its principals may get JSON Web Tokens from STS
// GetWebIdentityToken, and the issuer URL the tokens name (iss), which
// stays the account's once it is first enabled, across Disable and Enable.
type OutboundFederation struct {
	Enabled bool   `yaml:"enabled" json:"enabled"`
	Issuer  string `yaml:"issuer,omitempty" json:"issuer,omitempty"`
}

// FileInstanceProfile is an EC2 instance profile: a container for one role.
type FileInstanceProfile struct {
	Name    string            `yaml:"name" json:"name"`
	Path    string            `yaml:"path,omitempty" json:"path,omitempty"`
	ID      string            `yaml:"id,omitempty" json:"id,omitempty"`
	Roles   []string          `yaml:"roles,omitempty" json:"roles,omitempty"`
	Tags    map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`
	Created time.Time         `yaml:"created,omitempty" json:"created,omitzero"`
}

// FileInline is a named inline policy.
type FileInline struct {
	Name     string       `yaml:"name" json:"name"`
	Document PolicySource `yaml:"document" json:"document"`
}

// FileUser is an IAM user.
type FileUser struct {
	Name                string            `yaml:"name" json:"name"`
	Path                string            `yaml:"path,omitempty" json:"path,omitempty"`
	ID                  string            `yaml:"id,omitempty" json:"id,omitempty"`
	Groups              []string          `yaml:"groups,omitempty" json:"groups,omitempty"`
	Policies            []FileInline      `yaml:"policies,omitempty" json:"policies,omitempty"`
	ManagedPolicies     []string          `yaml:"managedPolicies,omitempty" json:"managedPolicies,omitempty"`
	PermissionsBoundary string            `yaml:"permissionsBoundary,omitempty" json:"permissionsBoundary,omitempty"`
	Tags                map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`
	AccessKeys          []AccessKey       `yaml:"accessKeys,omitempty" json:"accessKeys,omitempty"`
	// LoginProfile says the user has a console password.
	LoginProfile bool `yaml:"loginProfile,omitempty" json:"loginProfile,omitempty"`
	// MFADevices are the serial numbers of the user's MFA devices (the ARN
	// of a virtual device, or a hardware device's serial).
	MFADevices []string  `yaml:"mfaDevices,omitempty" json:"mfaDevices,omitempty"`
	Created    time.Time `yaml:"created,omitempty" json:"created,omitzero"`
	// SSHPublicKeys are the user's uploaded SSH public keys.
	SSHPublicKeys []SSHPublicKey `yaml:"sshPublicKeys,omitempty" json:"sshPublicKeys,omitempty"`
	// SigningCertificates are the user's uploaded X.509 signing certificates.
	SigningCertificates []SigningCertificate `yaml:"signingCertificates,omitempty" json:"signingCertificates,omitempty"`
}

// FileGroup is an IAM group.
type FileGroup struct {
	Name            string       `yaml:"name" json:"name"`
	Path            string       `yaml:"path,omitempty" json:"path,omitempty"`
	ID              string       `yaml:"id,omitempty" json:"id,omitempty"`
	Policies        []FileInline `yaml:"policies,omitempty" json:"policies,omitempty"`
	ManagedPolicies []string     `yaml:"managedPolicies,omitempty" json:"managedPolicies,omitempty"`
	Created         time.Time    `yaml:"created,omitempty" json:"created,omitzero"`
}

// FileRole is an IAM role.
type FileRole struct {
	Name                string            `yaml:"name" json:"name"`
	Path                string            `yaml:"path,omitempty" json:"path,omitempty"`
	ID                  string            `yaml:"id,omitempty" json:"id,omitempty"`
	TrustPolicy         PolicySource      `yaml:"trustPolicy" json:"trustPolicy"`
	Policies            []FileInline      `yaml:"policies,omitempty" json:"policies,omitempty"`
	ManagedPolicies     []string          `yaml:"managedPolicies,omitempty" json:"managedPolicies,omitempty"`
	PermissionsBoundary string            `yaml:"permissionsBoundary,omitempty" json:"permissionsBoundary,omitempty"`
	Tags                map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`
	MaxSessionDuration  int               `yaml:"maxSessionDuration,omitempty" json:"maxSessionDuration,omitempty"`
	Description         string            `yaml:"description,omitempty" json:"description,omitempty"`
	Created             time.Time         `yaml:"created,omitempty" json:"created,omitzero"`
}

// FilePolicy is a customer managed policy: one document, or versions.
type FilePolicy struct {
	Name           string            `yaml:"name" json:"name"`
	Path           string            `yaml:"path,omitempty" json:"path,omitempty"`
	Document       PolicySource      `yaml:"document,omitempty" json:"document,omitempty"`
	Versions       []FileVersion     `yaml:"versions,omitempty" json:"versions,omitempty"`
	DefaultVersion string            `yaml:"defaultVersion,omitempty" json:"defaultVersion,omitempty"`
	ID             string            `yaml:"id,omitempty" json:"id,omitempty"`
	Tags           map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`
	Description    string            `yaml:"description,omitempty" json:"description,omitempty"`
	Created        time.Time         `yaml:"created,omitempty" json:"created,omitzero"`
	Updated        time.Time         `yaml:"updated,omitempty" json:"updated,omitzero"`
}

// FileVersion is one version of a managed policy.
type FileVersion struct {
	ID       string       `yaml:"id" json:"id"`
	Created  time.Time    `yaml:"created,omitempty" json:"created,omitzero"`
	Document PolicySource `yaml:"document" json:"document"`
}

// FileResource is a resource with its policy and tags.
type FileResource struct {
	ARN        string            `yaml:"arn" json:"arn"`
	Policy     PolicySource      `yaml:"policy,omitempty" json:"policy,omitempty"`
	Tags       map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`
	AWSManaged bool              `yaml:"awsManaged,omitempty" json:"awsManaged,omitempty"`
	Aliases    []string          `yaml:"aliases,omitempty" json:"aliases,omitempty"`
	// Role is the ARN of the role the resource runs as (a Lambda
	// function's execution role, a Glue dev endpoint's, a SageMaker
	// notebook's, a CloudFormation stack's service role, a CodeBuild
	// project's service role, an ECS task definition's task role): a role
	// of the world.
	Role string `yaml:"role,omitempty" json:"role,omitempty"`
	// InstanceProfile is the ARN of an EC2 instance's instance profile,
	// one of its account's instanceProfiles.
	InstanceProfile string `yaml:"instanceProfile,omitempty" json:"instanceProfile,omitempty"`
}

// LoadFile reads a world file; relative policy file paths are taken from
// its folder.
func LoadFile(path string) (*World, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse reads world file content. name is used in errors and to resolve
// relative policy paths.
func Parse(name string, data []byte) (*World, error) {
	var fw FileWorld
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&fw); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	// The document again as nodes, to say where a bad reference was
	// written.
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return build(name, &fw, nodeLocator(&doc))
}

// policyJSON turns a PolicySource into JSON text.
func policyJSON(file string, p PolicySource) ([]byte, string, error) {
	if p.json != nil {
		return p.json, file, nil
	}
	n := p.node
	where := fmt.Sprintf("%s:%d", file, n.Line)
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Value == "file" {
		rel := n.Content[1].Value
		path := rel
		if !filepath.IsAbs(rel) {
			path = filepath.Join(filepath.Dir(file), rel)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, where, fmt.Errorf("%s: policy file: %v", where, err)
		}
		return data, path, nil
	}
	if n.Kind == yaml.ScalarNode {
		// A policy written as a JSON string, or a policy ARN where a
		// document was wanted.
		if s := strings.TrimSpace(n.Value); strings.HasPrefix(s, "{") {
			return []byte(s), where, nil
		}
		return nil, where, fmt.Errorf("%s: want a policy document (a mapping, a JSON string or {file: path}), got %q", where, n.Value)
	}
	v, err := yamlValue(n)
	if err != nil {
		return nil, where, fmt.Errorf("%s: %v", where, err)
	}
	data, err := json.MarshalIndent(v, "", "  ")
	return data, where, err
}

// yamlValue converts a YAML node to JSON-ready values, keeping dates and
// other scalars that YAML would type (2012-10-17) as the strings they are.
func yamlValue(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		return yamlValue(n.Content[0])
	case yaml.AliasNode:
		return nil, fmt.Errorf("line %d: YAML aliases are not supported in policies", n.Line)
	case yaml.ScalarNode:
		return yamljson.Scalar(n), nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			v, err := yamlValue(e)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := yamlValue(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			out[n.Content[i].Value] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("line %d: unexpected YAML", n.Line)
}
