package world

import (
	"errors"
	"fmt"
	"strings"
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
	c.Account = w.Accounts[p.Account]
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
		if c.User = c.Account.Users[p.Name]; c.User == nil || c.User.ARN() != principal {
			return nil, fmt.Errorf("principal %s: %w", principal, ErrUnknownPrincipal)
		}
	case engine.Role, engine.AssumedRole:
		if c.Role = c.Account.Roles[p.Name]; c.Role == nil {
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
	acct := w.Accounts[p.AccountID]
	if acct == nil {
		return nil
	}
	g := acct.Groups[p.Resource[strings.LastIndexByte(p.Resource, '/')+1:]]
	if g == nil || g.ARN() != a {
		return nil
	}
	return g
}

// Tags returns the caller's principal tags: a user's tags, or a role's tags
// with the session tags over them.
func (c *Caller) Tags() map[string]string {
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

// Prepare gathers every policy that applies to the request and the context
// keys the world knows, and prepares it for the engine.
func (w *World) Prepare(r Request) (*engine.Prepared, error) {
	req, err := w.Gather(r)
	if err != nil {
		return nil, err
	}
	return req.Prepare()
}

// Gather returns the engine request for a request in the world: every
// policy that applies and the context keys the world knows. Callers that
// change it before preparing (the Simulate APIs) use it; others use
// Prepare.
func (w *World) Gather(r Request) (engine.Request, error) {
	c := r.Caller
	if c == nil {
		return engine.Request{}, errors.New("request without a caller")
	}
	req := engine.Request{Principal: c.Principal, Action: r.Action, Resource: r.Resource, Time: r.Time}
	ctx := map[string][]string{}
	set := func(k, v string) {
		if v != "" {
			ctx[strings.ToLower(k)] = []string{v}
		}
	}
	pol := &req.Policies
	addManaged := func(refs []string, t engine.PolicyType) []*engine.Policy {
		var out []*engine.Policy
		for _, ref := range refs {
			if mp, ok := w.ManagedPolicy(ref); ok && mp.Default() != nil {
				if cp := mp.Default().as(t); cp != nil {
					out = append(out, cp)
				}
			}
		}
		return out
	}
	inline := func(in []InlinePolicy) []*engine.Policy {
		out := make([]*engine.Policy, 0, len(in))
		for _, p := range in {
			out = append(out, p.Document.as(engine.IdentityPolicy))
		}
		return out
	}
	boundary := func(ref string) {
		if ref == "" {
			return
		}
		if mp, ok := w.ManagedPolicy(ref); ok && mp.Default() != nil {
			pol.PermissionsBoundary = mp.Default().as(engine.BoundaryPolicy)
		}
	}
	switch {
	case c.User != nil:
		u := c.User
		pol.Identity = append(inline(u.Inline), addManaged(u.Managed, engine.IdentityPolicy)...)
		for _, g := range u.Groups {
			if grp := u.Account.Groups[g]; grp != nil {
				pol.Identity = append(pol.Identity, inline(grp.Inline)...)
				pol.Identity = append(pol.Identity, addManaged(grp.Managed, engine.IdentityPolicy)...)
			}
		}
		boundary(u.PermissionsBoundary)
		set("aws:username", u.Name)
		set("aws:userid", u.ID)
		set("aws:PrincipalArn", u.ARN())
	case c.Group != nil:
		pol.Identity = append(inline(c.Group.Inline), addManaged(c.Group.Managed, engine.IdentityPolicy)...)
	case c.Role != nil:
		ro := c.Role
		pol.Identity = append(inline(ro.Inline), addManaged(ro.Managed, engine.IdentityPolicy)...)
		boundary(ro.PermissionsBoundary)
		set("aws:userid", ro.ID+":"+c.Session.Name)
		set("aws:PrincipalArn", ro.ARN())
		if s := c.Session; s != nil {
			pol.Session = s.Policies
			set("aws:SourceIdentity", s.SourceIdentity)
		}
	}
	for k, v := range c.Tags() {
		set("aws:PrincipalTag/"+k, v)
	}
	if c.Account != nil && strings.HasPrefix(strings.ToLower(r.Action), "kms:") {
		set("kms:CallerAccount", c.Account.ID) // AWS KMS sets it for every request
	}
	org := w.Organization
	if c.Account != nil && org != nil && c.Account.OU != nil {
		set("aws:PrincipalOrgID", org.ID)
		ctx["aws:principalorgpaths"] = []string{orgPath(org, c.Account.OU)}
	}

	// The resource.
	res, resAccount := w.resource(r.Resource)
	trustAction := isTrustAction(r.Action)
	if role := w.roleFromARN(r.Resource); role != nil {
		resAccount = role.Account
		if trustAction {
			pol.Resource = role.Trust.as(engine.ResourcePolicy)
			req.ResourcePolicyKind = engine.KindTrust
		}
		for k, v := range role.Tags {
			set("iam:ResourceTag/"+k, v)
			set("aws:ResourceTag/"+k, v)
		}
	} else if u := w.userFromARN(r.Resource); u != nil {
		resAccount = u.Account
		for k, v := range u.Tags {
			set("iam:ResourceTag/"+k, v)
			set("aws:ResourceTag/"+k, v)
		}
	}
	if res != nil {
		resAccount = res.Account
		switch {
		case res.Policy != nil:
			pol.Resource = res.Policy.as(engine.ResourcePolicy)
		case res.managedKeyPolicy != nil:
			pol.Resource = res.managedKeyPolicy
		}
		if strings.HasPrefix(res.Type, "kms-") {
			req.ResourcePolicyKind = engine.KindKey
		}
		for k, v := range res.Tags {
			for _, key := range resourceTagKeys(res, k) {
				set(key, v)
			}
		}
	}
	if resAccount != nil {
		req.ResourceAccount = resAccount.ID
		if org != nil && resAccount.OU != nil {
			set("aws:ResourceOrgID", org.ID)
			ctx["aws:resourceorgpaths"] = []string{orgPath(org, resAccount.OU)}
		}
	}
	if org != nil {
		req.ManagementAccount = org.ManagementAccount
		if c.Account != nil && c.Account.OU != nil && org.SCPsEnabled {
			pol.SCP = w.levels(c.Account, "scp")
		}
		if resAccount != nil && resAccount.OU != nil && org.RCPsEnabled && (res == nil || !res.AWSManaged) {
			pol.RCP = w.levels(resAccount, "rcp")
		}
	}
	for k, v := range r.Context {
		ctx[strings.ToLower(k)] = v
	}
	req.Context = ctx
	return req, nil
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
	switch strings.ToLower(action) {
	case "sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity", "sts:tagsession", "sts:setsourceidentity", "sts:setcontext":
		return true
	}
	return false
}

// resource finds the resource record whose policy governs an ARN: the
// resource itself; else the nearest described parent, since a policy on a
// bucket, an API or a queue covers what lies under it (an S3 object, an API
// Gateway method); for Glue, the Data Catalog, whose policy governs its
// databases and tables; for KMS, the key an alias names (recorded in
// Finalize).
func (w *World) resource(a string) (*Resource, *Account) {
	if r, ok := w.resources[a]; ok {
		return r, r.Account
	}
	for p := a; ; {
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			break
		}
		p = p[:i]
		if r, ok := w.resources[p]; ok {
			return r, r.Account
		}
	}
	parsed, err := arn.Parse(a)
	if err != nil {
		return nil, nil
	}
	if parsed.Service == "glue" {
		if r, ok := w.resources["arn:"+parsed.Partition+":glue:"+parsed.Region+":"+parsed.AccountID+":catalog"]; ok {
			return r, r.Account
		}
	}
	return nil, w.Accounts[parsed.AccountID]
}

func (w *World) roleFromARN(a string) *Role {
	p, err := arn.Parse(a)
	if err != nil || p.Service != "iam" || !strings.HasPrefix(p.Resource, "role/") {
		return nil
	}
	acct := w.Accounts[p.AccountID]
	if acct == nil {
		return nil
	}
	r := acct.Roles[p.Resource[strings.LastIndexByte(p.Resource, '/')+1:]]
	if r == nil || r.ARN() != a {
		return nil
	}
	return r
}

func (w *World) userFromARN(a string) *User {
	p, err := arn.Parse(a)
	if err != nil || p.Service != "iam" || !strings.HasPrefix(p.Resource, "user/") {
		return nil
	}
	acct := w.Accounts[p.AccountID]
	if acct == nil {
		return nil
	}
	u := acct.Users[p.Resource[strings.LastIndexByte(p.Resource, '/')+1:]]
	if u == nil || u.ARN() != a {
		return nil
	}
	return u
}

// resourceTagKeys lists the condition keys a resource tag fills: the global
// aws:ResourceTag/k and the service's own keys (the Service Authorization
// Reference: ec2:ResourceTag/k, rds:db-tag/k, secretsmanager:ResourceTag/k, ...).
func resourceTagKeys(r *Resource, k string) []string {
	keys := []string{"aws:ResourceTag/" + k}
	switch {
	case r.Type == "rds-db":
		keys = append(keys, "rds:db-tag/"+k)
	case r.Type == "rds-snapshot":
		keys = append(keys, "rds:snapshot-tag/"+k)
	case r.Type == "rds-cluster":
		keys = append(keys, "rds:cluster-tag/"+k)
	case r.Type == "s3-object":
		keys = append(keys, "s3:ExistingObjectTag/"+k)
	}
	svc := r.Type[:strings.IndexByte(r.Type+"-", '-')]
	switch svc {
	case "ec2", "iam", "secretsmanager", "dynamodb", "ssm", "lambda", "kms", "glue", "states", "ecr", "sqs", "sns", "apigateway":
		keys = append(keys, svc+":ResourceTag/"+k)
	}
	return keys
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
