package world

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/engine"
)

// Caller is who makes a request: an IAM user, a role session, an account's
// root user, a service principal or an anonymous caller.
type Caller struct {
	Kind    engine.PrincipalKind
	Account *Account // nil for services and anonymous callers
	User    *User
	Role    *Role
	Session *Session
	// Group is set for a stand-in member of a group (GroupCaller): the
	// caller holds the group's policies and nothing of its own.
	Group *Group
	// Federation is set for a federated user session (GetFederationToken);
	// User is then nil: the session is not the user.
	Federation *Federation
	// RootSession is set for a privileged root user session (AssumeRoot);
	// Kind is then AccountRoot, and the session's task policy limits it.
	RootSession *RootSession
	// Principal is the caller as the engine reads it (an ARN, an account ID,
	// a service principal or "anonymous").
	Principal string
	// External reports a caller from an account the world does not hold.
	External bool
}

// Session is an assumed-role session.
type Session struct {
	Role           *Role
	Name           string
	Tags           map[string]string // session tags
	TransitiveKeys []string
	Policies       []*engine.Policy // session policies (their union limits the session)
	SourceIdentity string
	Chained        bool // assumed by another role session

	// part is what requests of the session gather from it, kept for the
	// world whose cache made it (see decisionCache); a Session must
	// therefore not be changed once it has made a request.
	part atomic.Pointer[sessionPart]
}

// ARN returns the session's assumed-role ARN.
func (s *Session) ARN() string {
	return "arn:aws:sts::" + s.Role.Account.ID + ":assumed-role/" + s.Role.Name + "/" + s.Name
}

// ErrUnknownPrincipal is returned for a principal ARN the world does not hold.
var ErrUnknownPrincipal = errors.New("the world has no such principal")

// Caller resolves a principal: a user or role ARN, an assumed-role session
// ARN of a role in the world, an account ID or root ARN, a service principal
// or "anonymous".
func (w *World) Caller(principal string) (*Caller, error) {
	p, err := engine.ParsePrincipal(principal)
	if err != nil {
		return nil, err
	}
	c := &Caller{Kind: p.Kind, Principal: principal}
	switch p.Kind {
	case engine.Anonymous, engine.Service, engine.WebIdentity, engine.CanonicalUser:
		return c, nil
	}
	c.Account = w.Accounts.Get(p.Account)
	if c.Account == nil {
		// An account the world does not describe: an external caller. Its
		// root user holds every permission in its own account; its users and
		// roles have no policies the world knows of, so they are granted
		// nothing by their own side.
		c.External = true
		if p.Kind == engine.Role {
			c.Kind = engine.AssumedRole
		}
		return c, nil
	}
	switch p.Kind {
	case engine.User:
		if c.User = c.Account.Users.Get(p.Name); c.User == nil || c.User.ARN() != principal {
			return nil, fmt.Errorf("principal %s: %w", principal, ErrUnknownPrincipal)
		}
	case engine.Role, engine.AssumedRole:
		if c.Role = c.Account.Roles.Get(p.Name); c.Role == nil {
			return nil, fmt.Errorf("principal %s: %w", principal, ErrUnknownPrincipal)
		}
		name := p.Session
		if name == "" {
			name = c.Role.Name
		}
		c.Session = &Session{Role: c.Role, Name: name}
		c.Kind = engine.AssumedRole
		c.Principal = c.Session.ARN()
	case engine.FederatedUser:
		// Federated users carry no identity policies of their own here.
	}
	return c, nil
}

// GroupCaller returns a stand-in member of a group, as the Simulate APIs
// use when given a group's ARN: it has the group's inline and managed
// policies, and no policies, boundary or tags of its own. principal is who
// the engine sees as the caller: a resource policy's Principal is matched
// against it, and the engine derives aws:username, aws:userid and
// aws:PrincipalArn from it. Empty means a user of the group's account named
// member-of-GROUP; give a real member's ARN (CallerArn) to simulate that
// member.
func (w *World) GroupCaller(groupARN, principal string) (*Caller, error) {
	g := w.groupFromARN(groupARN)
	if g == nil {
		return nil, fmt.Errorf("group %s: %w", groupARN, ErrUnknownPrincipal)
	}
	if principal == "" {
		principal = "arn:aws:iam::" + g.Account.ID + ":user/member-of-" + g.Name
	}
	return &Caller{Kind: engine.User, Account: g.Account, Group: g, Principal: principal}, nil
}

func (w *World) groupFromARN(a string) *Group {
	p, err := arn.Parse(a)
	if err != nil || p.Service != "iam" || !strings.HasPrefix(p.Resource, "group/") {
		return nil
	}
	acct := w.Accounts.Get(p.AccountID)
	if acct == nil {
		return nil
	}
	g := acct.Groups.Get(p.Resource[strings.LastIndexByte(p.Resource, '/')+1:])
	if g == nil || g.ARN() != a {
		return nil
	}
	return g
}

// Tags returns the caller's principal tags: a user's tags, or a role's tags
// with the session tags over them.
func (c *Caller) Tags() map[string]string {
	if c.Federation != nil {
		return federationTags(c.Federation)
	}
	out := map[string]string{}
	switch {
	case c.User != nil:
		for k, v := range c.User.Tags {
			out[k] = v
		}
	case c.Role != nil:
		for k, v := range c.Role.Tags {
			out[k] = v
		}
		if c.Session != nil {
			for k, v := range c.Session.Tags {
				out[k] = v
			}
		}
	}
	return out
}

// Request is a request made in the world.
type Request struct {
	Caller   *Caller
	Action   string
	Resource string
	// Context holds condition keys from the request itself (aws:SourceIp,
	// aws:SecureTransport, ...). Keys given here win over those the world
	// fills in.
	Context map[string][]string
	Time    time.Time
}

// Decide gathers, prepares and explains a request.
func (w *World) Decide(r Request) (*engine.Explanation, error) {
	q, err := w.Prepare(r)
	if err != nil {
		return nil, err
	}
	return engine.Explain(q), nil
}

func isTrustAction(action string) bool {
	for _, a := range trustActions {
		if strings.EqualFold(action, a) {
			return true
		}
	}
	return false
}

var trustActions = [...]string{"sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity", "sts:TagSession", "sts:SetSourceIdentity", "sts:SetContext"}

// resource finds the resource record whose policy governs an ARN: the
// resource itself; else the nearest described parent, since a policy on a
// bucket, an API or a queue covers what lies under it (an S3 object, an API
// Gateway method); for Glue, the Data Catalog, whose policy governs its
// databases and tables; for KMS, the key an alias names (recorded in
// Finalize).
func (w *World) resource(a string) (*Resource, *Account) {
	if r, ok := w.resources.Lookup(a); ok {
		return r, r.Account
	}
	for p := a; ; {
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			break
		}
		p = p[:i]
		if r, ok := w.resources.Lookup(p); ok {
			return r, r.Account
		}
	}
	parsed, err := arn.Parse(a)
	if err != nil {
		return nil, nil
	}
	if parsed.Service == "glue" {
		if r, ok := w.resources.Lookup("arn:" + parsed.Partition + ":glue:" + parsed.Region + ":" + parsed.AccountID + ":catalog"); ok {
			return r, r.Account
		}
	}
	return nil, w.Accounts.Get(parsed.AccountID)
}

// roleAt finds the role an ARN names, and its account, without allocating.
func (w *World) roleAt(a string) (*Role, *Account) {
	acct, name := w.iamEntity(a, "role/")
	if acct == nil {
		return nil, nil
	}
	r := acct.Roles.Get(name)
	if r == nil || !isEntityARN(a, acct.ID, "role", r.Path, r.Name) {
		return nil, nil
	}
	return r, acct
}

// userAt finds the user an ARN names, and its account, without allocating.
func (w *World) userAt(a string) (*User, *Account) {
	acct, name := w.iamEntity(a, "user/")
	if acct == nil {
		return nil, nil
	}
	u := acct.Users.Get(name)
	if u == nil || !isEntityARN(a, acct.ID, "user", u.Path, u.Name) {
		return nil, nil
	}
	return u, acct
}

// iamTaggedAt returns the customer managed policy or instance profile an
// ARN names (nil when it names neither): the record a request on it
// gathers its tags from.
func (w *World) iamTaggedAt(a string) any {
	if acct, name := w.iamEntity(a, "policy/"); acct != nil {
		if mp := acct.Policies.Get(name); mp != nil && isEntityARN(a, acct.ID, "policy", mp.Path, mp.Name) {
			return mp
		}
		return nil
	}
	if acct, name := w.iamEntity(a, "instance-profile/"); acct != nil {
		if ip := acct.InstanceProfiles[name]; ip != nil && isEntityARN(a, acct.ID, "instance-profile", ip.Path, ip.Name) {
			return ip
		}
	}
	return nil
}

// iamTagsAt returns the tags of the customer managed policy or instance
// profile an ARN names (nil when it names neither).
func (w *World) iamTagsAt(a string) map[string]string {
	switch x := w.iamTaggedAt(a).(type) {
	case *ManagedPolicy:
		return x.Tags
	case *InstanceProfile:
		return x.Tags
	}
	return nil
}

// iamEntity returns the account and last name segment of an IAM ARN whose
// resource starts with prefix.
func (w *World) iamEntity(a, prefix string) (*Account, string) {
	p, err := arn.Parse(a)
	if err != nil || p.Service != "iam" || !strings.HasPrefix(p.Resource, prefix) {
		return nil, ""
	}
	acct := w.Accounts.Get(p.AccountID)
	if acct == nil {
		return nil, ""
	}
	return acct, p.Resource[strings.LastIndexByte(p.Resource, '/')+1:]
}

// isEntityARN reports a == "arn:aws:iam::" + account + ":" + kind +
// cleanPath(path) + name, as User.ARN and Role.ARN spell it.
func isEntityARN(a, account, kind, path, name string) bool {
	path = cleanPath(path)
	for _, part := range [...]string{"arn:aws:iam::", account, ":", kind, path, name} {
		if !strings.HasPrefix(a, part) {
			return false
		}
		a = a[len(part):]
	}
	return a == ""
}

// resourceTagKeys lists the condition keys a resource tag fills: the global
// aws:ResourceTag/k and the service's own keys (the Service Authorization
// Reference: ec2:ResourceTag/k, rds:db-tag/k, secretsmanager:ResourceTag/k, ...).
func resourceTagKeys(r *Resource, k string) []string {
	keys := []string{"aws:ResourceTag/" + k}
	switch r.Type {
	case "rds-db":
		keys = append(keys, "rds:db-tag/"+k)
	case "rds-snapshot":
		keys = append(keys, "rds:snapshot-tag/"+k)
	case "rds-cluster":
		keys = append(keys, "rds:cluster-tag/"+k)
	case "s3-object":
		keys = append(keys, "s3:ExistingObjectTag/"+k)
	}
	svc := r.Type[:strings.IndexByte(r.Type+"-", '-')]
	switch svc {
	case "ec2", "iam", "secretsmanager", "dynamodb", "ssm", "lambda", "kms", "glue", "states", "ecr", "sqs", "sns", "apigateway":
		keys = append(keys, svc+":ResourceTag/"+k)
	}
	return keys
}

// OrgPath is the organization ID of an account in the world's
// organization and its path (aws:PrincipalOrgPaths), or "" and "" for an
// account outside it.
func (w *World) OrgPath(a *Account) (id, path string) {
	if a == nil || w.Organization == nil || a.OU == nil {
		return "", ""
	}
	return w.Organization.ID, orgPath(w.Organization, a.OU)
}

// orgPath is aws:PrincipalOrgPaths / aws:ResourceOrgPaths for an account in ou.
func orgPath(org *Organization, ou *OU) string {
	var ids []string
	for o := ou; o != nil; o = o.Parent {
		ids = append([]string{o.ID}, ids...)
	}
	return org.ID + "/" + strings.Join(ids, "/") + "/"
}

var (
	fullAWSAccess    = mustDoc("FullAWSAccess", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, engine.SCP)
	rcpFullAWSAccess = mustDoc("RCPFullAWSAccess", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`, engine.RCP)
)

func mustDoc(name, text string, t engine.PolicyType) *engine.Policy {
	d, err := NewDocument(name, []byte(text))
	if err != nil {
		panic(err)
	}
	p, err := d.compile(t, name)
	if err != nil {
		panic(err)
	}
	return p
}

// builtinFor names the policy AWS attaches to every level when a policy
// type is enabled.
func builtinFor(kind string) string {
	if kind == "rcp" {
		return "RCPFullAWSAccess"
	}
	return "FullAWSAccess"
}

// levels returns the SCPs (or RCPs) at each level from the root down to the
// account. A level that lists no policies has FullAWSAccess
// (RCPFullAWSAccess), which AWS attaches everywhere when the policy type is
// enabled; a level that lists policies has exactly those, and keeps the
// full-access policy only if it lists it by name (the AWS Organizations User
// Guide, "SCP evaluation" and "RCP evaluation").
func (w *World) levels(a *Account, kind string) [][]*engine.Policy {
	org := w.Organization
	var chain []*OU
	for o := a.OU; o != nil; o = o.Parent {
		chain = append([]*OU{o}, chain...)
	}
	t, def := engine.SCP, fullAWSAccess
	if kind == "rcp" {
		t, def = engine.RCP, rcpFullAWSAccess
	}
	level := func(names []string) []*engine.Policy {
		if names == nil {
			return []*engine.Policy{def} // attached by AWS unless detached
		}
		out := []*engine.Policy{}
		for _, n := range names {
			switch p := org.Policies[n]; {
			case p != nil && p.Type == kind:
				out = append(out, p.Document.as(t))
			case n == builtinFor(kind):
				out = append(out, def)
			}
		}
		return out
	}
	var out [][]*engine.Policy
	for _, o := range chain {
		names := o.SCPs
		if kind == "rcp" {
			names = o.RCPs
		}
		out = append(out, level(names))
	}
	names := a.SCPs
	if kind == "rcp" {
		names = a.RCPs
	}
	return append(out, level(names))
}

// awsManagedKeyPolicy is the key policy AWS gives its managed keys (aws/s3,
// aws/ebs, ...): use only through the service, only by the key's own account
// (the KMS Developer Guide, "AWS managed keys"), so it cannot be shared.
func awsManagedKeyPolicy(r *Resource) *engine.Policy {
	svc := "s3"
	for _, al := range r.Aliases {
		if strings.HasPrefix(al, "alias/aws/") {
			svc = strings.TrimPrefix(al, "alias/aws/")
		}
	}
	region := "us-east-1"
	if p, err := arn.Parse(r.ARN); err == nil && p.Region != "" {
		region = p.Region
	}
	text := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[
{"Sid":"Allow access through %[1]s for all principals in the account that are authorized to use %[1]s","Effect":"Allow","Principal":{"AWS":"*"},
 "Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:DescribeKey"],"Resource":"*",
 "Condition":{"StringEquals":{"kms:CallerAccount":"%[2]s","kms:ViaService":"%[1]s.%[3]s.amazonaws.com"}}},
{"Sid":"Allow direct access to key metadata to the account","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%[2]s:root"},
 "Action":["kms:Describe*","kms:Get*","kms:List*"],"Resource":"*"}]}`, svc, r.Account.ID, region)
	return mustDoc(r.ARN+" (AWS managed key policy)", text, engine.ResourcePolicy)
}
