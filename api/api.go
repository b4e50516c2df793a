package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/credential"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/world"
)

// State is the server state the handlers use.
type State interface {
	// World is the current compiled world.
	World() *world.World
	// File is the current world in its file form, which also holds what
	// only the API shows (creation dates, descriptions, instance profiles).
	// It must not be changed; UpdateAccount changes it.
	File() *world.FileWorld
	// UpdateAccount changes one account of the world. fn edits the account in
	// its file form; the new world is built and stored in one transaction,
	// and nothing changes if fn or the build fails.
	UpdateAccount(ctx context.Context, account string, fn func(a *world.FileAccount) *query.Error) *query.Error
	// UpdateEntities changes some entities of one account, as
	// UpdateAccount does, at the cost of what it changes: fn sees only
	// the entities refs names (those that exist) and may add, change or
	// remove only those; the account's own fields (aliases, instance
	// profiles, ...) only when refs holds world.EntityAccount.
	UpdateEntities(ctx context.Context, account string, refs []world.EntityRef, fn func(a *world.FileAccount) *query.Error) *query.Error
	// UpdateWorld changes the organization and any accounts, in the same
	// way: all of it, or nothing.
	UpdateWorld(ctx context.Context, fn func(fw *world.FileWorld) *query.Error) *query.Error
	// UpdateEntitiesAnd is UpdateEntities with also run in the same
	// write transaction, after fn and before the change is stored: what
	// also writes (a credential beside the entity it belongs to) is
	// stored with the change or not at all. After a conflict fn runs again
	// and so does also, in the transaction that commits.
	UpdateEntitiesAnd(ctx context.Context, account string, refs []world.EntityRef, fn func(a *world.FileAccount) *query.Error, also TxWrite) *query.Error
	// Keys manages credentials.
	Keys() Keys
	// Credentials keeps console passwords, password policies and MFA
	// devices.
	Credentials() Credentials
	// Federation keeps identity providers (federation.go).
	Federation() Federation
	// Outbound signs outbound web identity tokens (outbound.go).
	Outbound() Outbound
	// AuditLog reads the audit log.
	AuditLog(ctx context.Context, f audit.Filter) ([]audit.Entry, error)
	// LastAccessed reads when users and roles (by ARN; a role's sessions
	// count as the role) were last allowed each action.
	LastAccessed(ctx context.Context, entities []string) ([]audit.Access, error)
	// SaveJob and LoadJob keep the parameters of asynchronous jobs (such as
	// GenerateServiceLastAccessedDetails) and credential reports by ID;
	// SaveJob replaces what the ID held.
	SaveJob(ctx context.Context, id string, data []byte) error
	LoadJob(ctx context.Context, id string) (data []byte, ok bool, err error)
	// Notify publishes a message to a notification channel (a delegation
	// request's NotificationChannel, an SNS topic ARN on AWS): iamgate has
	// no SNS and hands it to the server's Config.Notify. ErrNoNotifier
	// when none is configured.
	Notify(ctx context.Context, channel string, message []byte) error
}

// ErrNoNotifier: the server has no way to deliver notifications.
var ErrNoNotifier = errors.New("no notification channel is configured (server.Config.Notify, iamgate serve --notifications)")

// TxWrite is a write made in another change's transaction.
type TxWrite func(ctx context.Context, tx store.Tx) error

// Writes is the writes in order, as one TxWrite: the first that fails
// fails the transaction.
func Writes(ws ...TxWrite) TxWrite {
	return func(ctx context.Context, tx store.Tx) error {
		for _, w := range ws {
			if err := w(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	}
}

// LoginProfile is a user's console password: its hash (never the
// password), when it was created and last set, and the hashes of earlier
// passwords (newest first) for the password policy's reuse rule.
type LoginProfile struct {
	Account, User string
	Hash          string
	Created       time.Time
	Changed       time.Time
	ResetRequired bool
	History       []string
}

// MFADevice is a virtual MFA device: its ARN (the serial number), the user
// it is enabled for ("" when none), its TOTP seed, and the counter of the
// last code taken (so that no code is taken twice) and the device's clock
// drift in steps (from EnableMFADevice and ResyncMFADevice). A FIDO
// security key (registered from the console; its serial number is
// arn:aws:iam::ACCOUNT:u2f/user/USER/NAME-ID) has no seed but SecurityKey,
// its WebAuthn credential record as the console keeps it (public key,
// credential ID, signature counter; nothing secret).
type MFADevice struct {
	Serial      string
	Account     string
	Name, Path  string
	User        string
	Seed        string
	Created     time.Time
	Enabled     time.Time
	LastCounter int64
	Drift       int64
	Tags        map[string]string
	SecurityKey []byte
}

// IsSecurityKey reports a FIDO security key (no TOTP seed).
func (d MFADevice) IsSecurityKey() bool { return len(d.SecurityKey) > 0 }

// Credentials keeps what users sign in with besides access keys. Reads
// return ok false for what does not exist; the Put and Delete methods
// return writes for UpdateEntitiesAnd, so that a credential and the world's
// record of it (a user's LoginProfile and MFADevices) change together.
type Credentials interface {
	LoginProfile(ctx context.Context, account, user string) (p LoginProfile, ok bool, err error)
	PutLoginProfile(p LoginProfile) TxWrite
	DeleteLoginProfile(account, user string) TxWrite
	// RenameUser moves a user's login profile and devices to its new name.
	RenameUser(account, from, to string) TxWrite

	// PasswordPolicy is the account's password policy (ok false: none,
	// IAM's default applies).
	PasswordPolicy(ctx context.Context, account string) (p credential.PasswordPolicy, ok bool, err error)
	PutPasswordPolicy(ctx context.Context, account string, p credential.PasswordPolicy) error
	// DeletePasswordPolicy reports false when there was none.
	DeletePasswordPolicy(ctx context.Context, account string) (bool, error)

	MFADevice(ctx context.Context, serial string) (d MFADevice, ok bool, err error)
	// MFADevices lists an account's virtual MFA devices.
	MFADevices(ctx context.Context, account string) ([]MFADevice, error)
	// CreateMFADevice stores a new device; ErrMFADeviceExists when one
	// has that serial number.
	CreateMFADevice(ctx context.Context, d MFADevice) error
	PutMFADevice(d MFADevice) TxWrite
	DeleteMFADevice(ctx context.Context, serial string) error
	// UseMFACode takes a code of a user's device: the device must be
	// enabled for that user and the code valid now and newer than the
	// last one taken (credential.ErrInvalidCode otherwise). Of two servers
	// taking the same code at once, one succeeds.
	UseMFACode(ctx context.Context, account, user, serial, code string, now time.Time) error
	// UseSecurityKey updates a security key enabled for the user after a
	// sign-in with it: fn gets its credential record and returns the new
	// one (fn's error is returned as it is). The write is conditional on
	// the key as read: of two servers updating it at once, one gets
	// credential.ErrSecurityKeyChanged. credential.ErrInvalidCode when the user has
	// no such key.
	UseSecurityKey(ctx context.Context, account, user, serial string, fn func(key []byte) ([]byte, error)) error

	// ServerCertificates lists an account's server certificates, without
	// their private keys.
	ServerCertificates(ctx context.Context, account string) ([]ServerCertificate, error)
	// EditServerCertificates changes an account's server certificates in
	// one write transaction: fn gets them (without private keys) and
	// returns what they become. A certificate fn leaves out is deleted; one
	// with a new ID is stored with its PrivateKey sealed; one kept keeps
	// the key it was stored with. fn's error is returned as it is, and
	// then nothing changes.
	EditServerCertificates(ctx context.Context, account string, fn func([]ServerCertificate) ([]ServerCertificate, error)) error

	// ServiceCredentials lists an account's service-specific credentials
	// (every user's), without their secrets.
	ServiceCredentials(ctx context.Context, account string) ([]ServiceCredential, error)
	// EditServiceCredentials changes an account's service-specific
	// credentials as EditServerCertificates does: one whose Secret is set
	// is stored with it sealed (a new one, or a reset).
	EditServiceCredentials(ctx context.Context, account string, fn func([]ServiceCredential) ([]ServiceCredential, error)) error
}

// ServiceCredential is a service-specific credential of a user
// (CreateServiceSpecificCredential): a user name and password for
// CodeCommit or Amazon Keyspaces, an API key (alias and secret) for Amazon
// Bedrock or CloudWatch Logs.
type ServiceCredential struct {
	Account     string
	ID          string // ACCA...
	User        string
	ServiceName string
	// ServiceUserName is the credential's user name, or for an API key
	// its alias.
	ServiceUserName string
	// Secret is the password or API key secret's hash, set only when it
	// is made (create and reset); it is never read back.
	Secret     string
	Status     string
	Created    time.Time
	Expiration time.Time // zero: does not expire
}

// ServerCertificate is a server certificate uploaded to IAM: the
// certificate and its chain (PEM, public), and its private key (PEM),
// which is sealed at rest and which no operation returns.
type ServerCertificate struct {
	Account    string
	ID         string // ASCA...
	Name, Path string
	Body       string
	Chain      string
	// PrivateKey is set only when the certificate is uploaded.
	PrivateKey string
	Uploaded   time.Time
	Expiration time.Time
	Tags       map[string]string
}

// AccessKey is a long-term access key of a user.
type AccessKey struct {
	ID      string
	Secret  string // only when created
	Account string
	User    string
	Status  string
	Created time.Time
	// LastUsed, LastService and LastRegion record the key's last use.
	LastUsed    time.Time
	LastService string
	LastRegion  string
}

// SessionCredentials are temporary credentials.
type SessionCredentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

// Session is what temporary credentials stand for.
type Session struct {
	Account string
	// RoleName is the assumed role; for GetSessionToken it is empty and
	// UserName is the user the session belongs to.
	RoleName       string
	UserName       string
	SessionName    string
	Tags           map[string]string
	TransitiveKeys []string
	// Policies are session policy documents (JSON).
	Policies       [][]byte
	SourceIdentity string
	Chained        bool
	// MFA reports that the session was created with an MFA code, at
	// AuthTime.
	MFA        bool
	AuthTime   time.Time
	Issued     time.Time
	Expiration time.Time
	// PrincipalID is the unique ID of the role (or user) the session
	// belongs to: a role deleted and created again under the same name is
	// another role, and the old sessions are not its.
	PrincipalID string
	// Federated holds the context keys of a session issued to a federated
	// identity (aws:FederatedProvider, PROVIDER:aud, PROVIDER:sub, ...),
	// which every request of the session carries.
	Federated map[string][]string
	// FederatedUser is the name of a federated user session
	// (GetFederationToken); UserName is then the IAM user federated, or
	// empty for the account root user.
	FederatedUser string
	// Delegation is the ID of the delegation request a session was issued
	// for (STS GetDelegatedAccessToken). A delegated session of an IAM
	// user or the root user is a federated user session that, unlike
	// GetFederationToken's, may call IAM and STS (its permissions are the
	// delegated policy's, which the user accepted).
	Delegation string
	// RootTaskPolicy is the task policy ARN of a privileged root user
	// session (STS AssumeRoot): the session is Account's root user,
	// scoped by the task policy, whose document is Policies.
	RootTaskPolicy string
}

// Keys stores credentials; secrets are encrypted at rest.
type Keys interface {
	CreateAccessKey(ctx context.Context, account, user string) (AccessKey, error)
	// ListAccessKeys lists a user's keys (every user's when user is "").
	ListAccessKeys(ctx context.Context, account, user string) ([]AccessKey, error)
	// AccessKey returns one key, without its secret; ok is false when no
	// such key exists.
	AccessKey(ctx context.Context, id string) (k AccessKey, ok bool, err error)
	UpdateAccessKey(ctx context.Context, id, status string) error
	DeleteAccessKey(ctx context.Context, id string) error
	// RenameUser moves a user's keys to its new name, as a write of the
	// transaction that renames the user.
	RenameUser(account, from, to string) TxWrite
	CreateSession(ctx context.Context, s Session) (SessionCredentials, error)
	// EncodeMessage seals an authorization failure message so that only
	// this service can read it; DecodeMessage opens one.
	EncodeMessage(plain []byte) string
	DecodeMessage(encoded string) ([]byte, error)
	// Digest is a keyed digest of data for a purpose (such as a
	// service-linked role deletion task), which only this service can make:
	// an identifier it hands out can be checked later without storing it.
	Digest(purpose string, data []byte) []byte
}

// Call is one API call.
type Call struct {
	Ctx    context.Context
	Action string
	// Params are a Query-protocol call's parameters, or the query string
	// of a REST-JSON call.
	Params query.Params
	Caller *world.Caller
	// Context is the request context AWS provides: aws:SourceIp,
	// aws:SecureTransport, aws:RequestedRegion, session facts, ...
	Context map[string][]string
	Now     time.Time
	State   State
	// Body is the request body of a JSON or REST-JSON call.
	Body []byte
	// OnDecision, when set, is told of every authorization made for the
	// call, with its explanation and the time it took (for the audit log and
	// metrics).
	OnDecision func(e *engine.Explanation, took time.Duration)
	// Temporary reports a caller using temporary credentials (a session
	// token).
	Temporary bool
	// SessionExpiration is when the temporary credentials of a Temporary
	// caller expire.
	SessionExpiration time.Time
	// Endpoint is the URL the request reached the server at
	// (scheme://host[:port]), as the server is configured to be reached
	// (Config.PublicURL) or else as the request names it.
	Endpoint string
}

// Account is the caller's account.
func (c *Call) Account() string {
	if c.Caller.Account != nil {
		return c.Caller.Account.ID
	}
	return ""
}

// prepared holds the Prepared requests Authorize decides with (what it
// takes from one, the Explanation, does not refer to it).
var prepared = sync.Pool{New: func() any { return new(engine.Prepared) }}

// Authorize decides the call's action on a resource as the caller, with the
// request context plus extra keys (aws:RequestTag/*, iam:PermissionsBoundary,
// ...). A denial is AccessDenied with AWS's message.
func (c *Call) Authorize(action, resource string, extra map[string][]string) *query.Error {
	return c.AuthorizeGranted(action, resource, extra, nil)
}

// AuthorizeGranted is Authorize with grant, when not nil, added to the
// caller's identity policies: a permission AWS grants by an account
// setting rather than a policy (the password policy's
// AllowUsersToChangePassword), decided with every other policy as one more
// identity policy would be.
func (c *Call) AuthorizeGranted(action, resource string, extra map[string][]string, grant *engine.Policy) *query.Error {
	ctx := c.contextWith(extra)
	start := time.Now()
	q := prepared.Get().(*engine.Prepared)
	defer prepared.Put(q)
	if err := c.State.World().PrepareInto(q, world.Request{Caller: c.Caller, Action: action, Resource: resource, Context: ctx, Time: c.Now}); err != nil {
		return awserr.ValidationError("%v", err)
	}
	if grant != nil {
		// A new slice: the gathered one is the world's cache.
		q.Policies.Identity = append(append(make([]*engine.Policy, 0, len(q.Policies.Identity)+1), q.Policies.Identity...), grant)
	}
	if c.OnDecision == nil {
		if engine.Authorize(q).Decision == engine.Allowed {
			return nil
		}
		return c.refused(engine.Explain(q))
	}
	e := engine.Explain(q)
	c.OnDecision(e, time.Since(start))
	if e.Decision == engine.Allowed {
		return nil
	}
	return c.refused(e)
}

// refused answers a request that was not allowed. A change to a role AWS
// protects, which the policies allowed, is IAM's UnmodifiableEntity (400)
// rather than AccessDenied: "Cannot perform the operation on the protected
// role 'NAME' - this role is only modifiable by AWS", as IAM answers for
// IAM Identity Center roles (/aws-reserved/sso.amazonaws.com/,
// github.com/rebuy-de/aws-nuke/pull/1028, perkbox/cloud-access-bot#11) and
// service-linked roles (/aws-service-role/, gruntwork-io/cloud-nuke#880,
// rebuy-de/aws-nuke#331).
func (c *Call) refused(e *engine.Explanation) *query.Error {
	if e.AWSRule == engine.AWSRuleProtectedRole && e.Decision == engine.ImplicitDeny {
		name := e.Resource[strings.LastIndexByte(e.Resource, '/')+1:]
		return iamerr.UnmodifiableEntity("Cannot perform the operation on the protected role '%s' - this role is only modifiable by AWS", name)
	}
	return c.Denied(e)
}

// Record reports decisions made for the call outside Authorize (such as
// the trust policy decisions of AssumeRole).
func (c *Call) Record(es ...*engine.Explanation) {
	if c.OnDecision == nil {
		return
	}
	for _, e := range es {
		c.OnDecision(e, 0)
	}
}

// Denied is the AccessDenied error for a denial: AWS's message, then the
// encoded authorization failure message that sts:DecodeAuthorizationMessage
// turns back into the explanation.
func (c *Call) Denied(e *engine.Explanation) *query.Error {
	msg := DeniedMessage(c.Caller.Principal, e.Action, e.Resource, e.Result)
	return awserr.AccessDenied("%s. Encoded authorization failure message: %s", msg, c.State.Keys().EncodeMessage(AuthorizationMessage(e)))
}

// AuthorizationMessage is the decoded form of an authorization failure
// message: AWS's members (allowed, explicitDeny, matchedStatements,
// failures, context with the principal, action, resource and conditions),
// and iamgate's full explanation under "explanation".
func AuthorizationMessage(e *engine.Explanation) []byte {
	type value struct {
		Value string `json:"value"`
	}
	type condition struct {
		Key    string `json:"key"`
		Values struct {
			Items []value `json:"items"`
		} `json:"values"`
	}
	var m struct {
		Allowed           bool `json:"allowed"`
		ExplicitDeny      bool `json:"explicitDeny"`
		MatchedStatements struct {
			Items []engine.MatchedStatement `json:"items"`
		} `json:"matchedStatements"`
		Failures struct {
			Items []string `json:"items"`
		} `json:"failures"`
		Context struct {
			Principal struct {
				ID  string `json:"id,omitempty"`
				Arn string `json:"arn"`
			} `json:"principal"`
			Action     string `json:"action"`
			Resource   string `json:"resource"`
			Conditions struct {
				Items []condition `json:"items"`
			} `json:"conditions"`
		} `json:"context"`
		Explanation *engine.Explanation `json:"explanation"`
	}
	m.Allowed = e.Decision == engine.Allowed
	m.ExplicitDeny = e.Decision == engine.ExplicitDeny
	m.MatchedStatements.Items = append([]engine.MatchedStatement{}, e.Matched...)
	m.Failures.Items = []string{}
	m.Context.Principal.Arn = e.Principal
	if ids := e.Context["aws:userid"]; len(ids) > 0 {
		m.Context.Principal.ID = ids[0]
	}
	m.Context.Action, m.Context.Resource = e.Action, e.Resource
	keys := make([]string, 0, len(e.Context))
	for k := range e.Context {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	m.Context.Conditions.Items = []condition{}
	for _, k := range keys {
		var cd condition
		cd.Key = k
		for _, v := range e.Context[k] {
			cd.Values.Items = append(cd.Values.Items, value{v})
		}
		m.Context.Conditions.Items = append(m.Context.Conditions.Items, cd)
	}
	m.Explanation = e
	out, _ := json.Marshal(m)
	return out
}

// DeniedMessage words a denial as AWS does: "User: ARN is not authorized to
// perform: ACTION on resource: RESOURCE because no identity-based policy
// allows the ACTION action" (or "with an explicit deny in a ... policy").
func DeniedMessage(principal, action, resource string, r engine.Result) string {
	kind := map[engine.Layer]string{
		engine.LayerIdentity: "identity-based policy", engine.LayerResource: "resource-based policy",
		engine.LayerBoundary: "permissions boundary", engine.LayerSession: "session policy",
		engine.LayerSCP: "service control policy", engine.LayerRCP: "resource control policy",
		engine.LayerEndpoint: "VPC endpoint policy",
	}[r.Layer]
	if kind == "" {
		kind = "identity-based policy"
	}
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s ", principal, action, resource)
	if r.Decision == engine.ExplicitDeny {
		article := "a"
		if kind == "identity-based policy" {
			article = "an"
		}
		return msg + "with an explicit deny in " + article + " " + kind
	}
	return msg + "because no " + kind + " allows the " + action + " action"
}
