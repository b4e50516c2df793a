package world

import (
	"errors"
	"math"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/iamgate/iamgate/engine"
)

// Prepare gathers every policy that applies to the request and the context
// keys the world knows, and prepares it for the engine.
//
// What a request gathers from its caller and from its resource is computed
// once per world and kept (see decisionCache); Prepare then only combines
// the two with the request's own context, in one allocation. It decides as
// Gather followed by engine.Request.Prepare does.
func (w *World) Prepare(r Request) (*engine.Prepared, error) {
	q := new(engine.Prepared)
	if err := w.PrepareInto(q, r); err != nil {
		return nil, err
	}
	return q, nil
}

// PrepareInto is Prepare into q, which it overwrites whole (see
// engine.Request.PrepareWithInto): a caller that decides one request after
// another reuses q, and a decision from the world's caches allocates
// nothing.
func (w *World) PrepareInto(q *engine.Prepared, r Request) error {
	c := r.Caller
	if c == nil {
		return errors.New("request without a caller")
	}
	pp := w.principalPartFor(c)
	rp, res := w.resourcePartFor(r.Resource)
	if pp == nil || rp == nil || !pp.parsedOK {
		req, err := w.gather(r, pp, rp, res)
		if err != nil {
			return err
		}
		p, err := req.Prepare()
		if err != nil {
			return err
		}
		*q = *p
		return nil
	}
	req := engine.Request{Principal: c.Principal, Action: r.Action, Resource: r.Resource, Time: r.Time, Context: r.Context}
	facts := &pp.facts
	if c.Account != nil && hasPrefixFold(r.Action, "kms:") {
		facts = &pp.kmsFacts
	}
	rp.apply(&req, pp, w.Organization, rp.isRole && isTrustAction(r.Action))
	return req.PrepareWithInto(q, &engine.Facts{Principal: pp.parsed, PrincipalKeys: facts.keys, ResourceKeys: rp.keys,
		PrincipalFilter: facts.filter, ResourceFilter: rp.filter})
}

// Gather returns the engine request for a request in the world: every
// policy that applies and the context keys the world knows. Callers that
// change it before preparing (the Simulate APIs) use it; others use
// Prepare.
func (w *World) Gather(r Request) (engine.Request, error) {
	if r.Caller == nil {
		return engine.Request{}, errors.New("request without a caller")
	}
	rp, res := w.resourcePartFor(r.Resource)
	return w.gather(r, w.principalPartFor(r.Caller), rp, res)
}

// gather builds the engine request with its context as one map; pp and rp
// are computed when nil (not cached).
func (w *World) gather(r Request, pp *principalPart, rp *resourcePart, res *Resource) (engine.Request, error) {
	c := r.Caller
	if c == nil {
		return engine.Request{}, errors.New("request without a caller")
	}
	if pp == nil {
		pp = w.gatherPrincipal(c)
	}
	if rp == nil {
		rp = w.gatherResource(r.Resource)
	}
	req := engine.Request{Principal: c.Principal, Action: r.Action, Resource: r.Resource, Time: r.Time}
	ctx := make(map[string][]string, len(pp.keys)+len(rp.keys)+len(r.Context)+1)
	for k, v := range pp.keys {
		ctx[k] = v
	}
	if c.Account != nil && hasPrefixFold(r.Action, "kms:") {
		ctx["kms:calleraccount"] = []string{c.Account.ID} // AWS KMS sets it for every request
	}
	for k, v := range rp.keys {
		ctx[k] = v
	}
	rp.apply(&req, pp, w.Organization, isTrustAction(r.Action))
	for k, v := range r.Context {
		ctx[strings.ToLower(k)] = v
	}
	req.Context = ctx
	return req, nil
}

// principalPart is what a request gathers from its caller: the identity
// policies, permissions boundary and session policies, the SCPs along the
// caller's OU chain, and the context keys the world knows of the caller.
// It is immutable once made.
type principalPart struct {
	identity []*engine.Policy
	boundary *engine.Policy
	session  []*engine.Policy
	scp      [][]*engine.Policy
	// keys are the world's keys for the caller, lower case.
	keys map[string][]string
	// For PrepareWith: the parsed principal, and facts (kmsFacts for kms:
	// actions, with kms:CallerAccount) holding keys over the keys the
	// engine derives from the principal.
	parsed          engine.Principal
	parsedOK        bool
	facts, kmsFacts factKeys
	// principal and kind are the caller's, to check that a cached part is
	// for the same caller.
	principal string
	kind      engine.PrincipalKind
}

type factKeys struct {
	keys   map[string][]string
	filter engine.KeyFilter // engine.NewKeyFilter(keys)
}

// current returns the world's version of an account an entity or caller
// points at: an entity that did not change is shared by successive
// versions of its account, so its Account may be an earlier version.
func (w *World) current(a *Account) *Account {
	if a == nil {
		return nil
	}
	if cur := w.Accounts.Get(a.ID); cur != nil {
		return cur
	}
	return a
}

func (w *World) gatherPrincipal(c *Caller) *principalPart {
	pp := &principalPart{keys: map[string][]string{}, principal: c.Principal, kind: c.Kind}
	set := func(k, v string) {
		if v != "" {
			pp.keys[strings.ToLower(k)] = []string{v}
		}
	}
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
			pp.boundary = mp.Default().as(engine.BoundaryPolicy)
		}
	}
	// user gathers a user's identity policies (its own and its groups')
	// and its permissions boundary.
	user := func(u *User) {
		pp.identity = append(inline(u.Inline), addManaged(u.Managed, engine.IdentityPolicy)...)
		groups := w.current(u.Account)
		for _, g := range u.Groups {
			if grp := groups.Groups.Get(g); grp != nil {
				pp.identity = append(pp.identity, inline(grp.Inline)...)
				pp.identity = append(pp.identity, addManaged(grp.Managed, engine.IdentityPolicy)...)
			}
		}
		boundary(u.PermissionsBoundary)
	}
	acct := w.current(c.Account)
	switch {
	case c.RootSession != nil:
		// The root user's every permission, less what the task policy
		// denies (RootSession); aws:AssumedRoot is true in a root
		// session's requests (the IAM User Guide, "AWS global condition
		// context keys").
		pp.session = rootSessionPolicies(c.RootSession)
		set("aws:AssumedRoot", "true")
	case c.Federation != nil:
		// The federating user's identity policies and boundary, or the
		// root user's every permission, limited by the session policies;
		// the engine derives aws:userid (ACCOUNT:NAME), aws:PrincipalArn
		// and aws:PrincipalType FederatedUser from the principal.
		if u := c.Federation.User; u != nil {
			user(u)
		} else {
			pp.identity = []*engine.Policy{rootFederation}
		}
		pp.session = c.Federation.Policies
		if len(pp.session) == 0 {
			pp.session = []*engine.Policy{noFederationPolicy}
		}
	case c.User != nil:
		u := c.User
		user(u)
		set("aws:username", u.Name)
		set("aws:userid", u.ID)
		set("aws:PrincipalArn", u.ARN())
	case c.Group != nil:
		pp.identity = append(inline(c.Group.Inline), addManaged(c.Group.Managed, engine.IdentityPolicy)...)
	case c.Role != nil:
		ro := c.Role
		pp.identity = append(inline(ro.Inline), addManaged(ro.Managed, engine.IdentityPolicy)...)
		boundary(ro.PermissionsBoundary)
		set("aws:userid", ro.ID+":"+c.Session.Name)
		set("aws:PrincipalArn", ro.ARN())
		if s := c.Session; s != nil {
			pp.session = s.Policies
			set("aws:SourceIdentity", s.SourceIdentity)
		}
	}
	for k, v := range c.Tags() {
		set("aws:PrincipalTag/"+k, v)
	}
	org := w.Organization
	if acct != nil && org != nil && acct.OU != nil {
		set("aws:PrincipalOrgID", org.ID)
		pp.keys["aws:principalorgpaths"] = []string{orgPath(org, acct.OU)}
		if org.SCPsEnabled {
			pp.scp = w.levels(acct, "scp")
		}
	}
	if p, err := engine.ParsePrincipal(c.Principal); err == nil {
		if c.Role != nil && p.Kind == engine.AssumedRole {
			// A session of a service-linked role: the role's path says so.
			p.ServiceLinked = strings.HasPrefix(cleanPath(c.Role.Path), "/aws-service-role/")
		}
		pp.parsed, pp.parsedOK = p, true
		derived := engine.PrincipalContext(p)
		pp.facts.keys = over(derived, pp.keys)
		pp.facts.filter = engine.NewKeyFilter(pp.facts.keys)
		pp.kmsFacts = pp.facts
		if c.Account != nil {
			pp.kmsFacts.keys = over(pp.facts.keys, map[string][]string{"kms:calleraccount": {c.Account.ID}})
			pp.kmsFacts.filter = engine.NewKeyFilter(pp.kmsFacts.keys)
		}
	}
	return pp
}

// over returns base with top's keys over it.
func over(base, top map[string][]string) map[string][]string {
	out := make(map[string][]string, len(base)+len(top))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range top {
		out[k] = v
	}
	return out
}

// resourcePart is what a request gathers from its resource: the resource
// (or trust) policy, its kind, the account that owns it, the RCPs along
// that account's OU chain and the resource's context keys (tags,
// aws:ResourceOrgID/Paths). It is immutable once made.
type resourcePart struct {
	policy     *engine.Policy // resource policy (nil for a role)
	trust      *engine.Policy // a role's trust policy, for trust actions
	isRole     bool
	kind       engine.ResourcePolicyKind
	account    *Account
	awsManaged bool
	keys       map[string][]string
	filter     engine.KeyFilter // engine.NewKeyFilter(keys)
	rcp        [][]*engine.Policy
}

func (w *World) gatherResource(arnText string) *resourcePart {
	rp := &resourcePart{keys: map[string][]string{}}
	set := func(k, v string) {
		if v != "" {
			rp.keys[strings.ToLower(k)] = []string{v}
		}
	}
	res, resAccount := w.resource(arnText)
	if role, acct := w.roleAt(arnText); role != nil {
		resAccount = acct
		rp.isRole = true
		rp.trust = role.Trust.as(engine.ResourcePolicy)
		for k, v := range role.Tags {
			set("iam:ResourceTag/"+k, v)
			set("aws:ResourceTag/"+k, v)
		}
	} else if u, acct := w.userAt(arnText); u != nil {
		resAccount = acct
		for k, v := range u.Tags {
			set("iam:ResourceTag/"+k, v)
			set("aws:ResourceTag/"+k, v)
		}
	} else if tags := w.iamTagsAt(arnText); tags != nil {
		// A customer managed policy or an instance profile: the Service
		// Authorization Reference gives IAM's policy and instance-profile
		// resource types aws:ResourceTag/* only (iam:ResourceTag/* is a
		// user and role key).
		for k, v := range tags {
			set("aws:ResourceTag/"+k, v)
		}
	}
	if res != nil {
		rp.awsManaged = res.AWSManaged
		resAccount = w.current(res.Account)
		switch {
		case res.Policy != nil:
			rp.policy = res.Policy.as(engine.ResourcePolicy)
		case res.managedKeyPolicy != nil:
			rp.policy = res.managedKeyPolicy
		}
		if strings.HasPrefix(res.Type, "kms-") {
			rp.kind = engine.KindKey
		}
		for k, v := range res.Tags {
			for _, key := range resourceTagKeys(res, k) {
				set(key, v)
			}
		}
	}
	rp.account = resAccount
	org := w.Organization
	if resAccount != nil && org != nil && resAccount.OU != nil {
		set("aws:ResourceOrgID", org.ID)
		rp.keys["aws:resourceorgpaths"] = []string{orgPath(org, resAccount.OU)}
		if org.RCPsEnabled && !rp.awsManaged {
			rp.rcp = w.levels(resAccount, "rcp")
		}
	}
	rp.filter = engine.NewKeyFilter(rp.keys)
	return rp
}

// apply sets the request's policies and resource fields from both parts.
func (rp *resourcePart) apply(req *engine.Request, pp *principalPart, org *Organization, trustAction bool) {
	pol := &req.Policies
	pol.Identity, pol.PermissionsBoundary, pol.Session = pp.identity, pp.boundary, pp.session
	if rp.isRole && trustAction {
		pol.Resource = rp.trust
		req.ResourcePolicyKind = engine.KindTrust
	}
	if rp.policy != nil {
		pol.Resource = rp.policy
	}
	if rp.kind == engine.KindKey {
		req.ResourcePolicyKind = engine.KindKey
	}
	if rp.account != nil {
		req.ResourceAccount = rp.account.ID
	}
	if org != nil {
		req.ManagementAccount = org.ManagementAccount
		pol.SCP = pp.scp
		pol.RCP = rp.rcp
	}
}

// decisionCache keeps, for one World, what requests gather from their
// callers and resources, so that deciding does not gather again:
//
//   - principals: by *User (user callers), *Group (group stand-ins) and
//     *Account (root users), checked against the caller's principal text
//     and kind;
//   - role sessions keep theirs on the Session (Session.part), tagged
//     with the cache it was made for;
//   - resources: by *Resource, *Role, *User (as resources) or *Account
//     (an ARN with no record), the record the ARN resolves to;
//   - byARN: for up to maxCachedARNs resource ARNs, the record lookup's
//     result (the part and the record), so that a repeated ARN costs one
//     lookup instead of the record lookup's several (the ARN, each parent
//     path, the role and user tables); ARNs beyond the bound take that
//     path.
//
// It lives with the World and is replaced whenever the world is
// finalized, so a world never serves what an earlier state gathered: a
// policy detached in a new snapshot is never honoured by it. Entries are
// immutable; the maps are safe for concurrent use. Its size is bounded by
// the world's entities (plus those of callers resolved in earlier worlds)
// and maxCachedARNs.
type decisionCache struct {
	principals publishedMap[principalKey, *principalPart]
	resources  sync.Map // *Resource, *Role, *User, *Account -> *resourcePart
	byARN      publishedMap[string, *arnPart]
}

// principalKey is the entity a caller's principal part is cached by: one
// of its fields is set.
type principalKey struct {
	user    *User
	group   *Group
	account *Account
}

// publishedMap is a map for many readers. Reads look up a plain map
// published through an atomic pointer, without a lock; new entries wait
// in pending (under mu) and are published in batches, each copying the
// map, so that filling it costs O(1) amortized per entry. Once it holds
// its bound, everything is published and misses take no lock.
type publishedMap[K comparable, V any] struct {
	published atomic.Pointer[map[K]V]
	full      atomic.Bool
	mu        sync.Mutex
	pending   map[K]V
	n         int64 // published and pending entries
}

func (c *publishedMap[K, V]) load(k K) (V, bool) {
	if m := c.published.Load(); m != nil {
		if e, ok := (*m)[k]; ok {
			return e, true
		}
	}
	if c.full.Load() {
		var zero V
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.pending[k]
	return e, ok
}

// store adds an entry unless k has one or the map holds bound entries;
// it returns the entry k then has (ok false: none).
func (c *publishedMap[K, V]) store(k K, e V, bound int64) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var pub map[K]V
	if m := c.published.Load(); m != nil {
		pub = *m
	}
	if old, ok := pub[k]; ok {
		return old, true
	}
	if old, ok := c.pending[k]; ok {
		return old, true
	}
	if c.full.Load() {
		var zero V
		return zero, false
	}
	if c.pending == nil {
		c.pending = map[K]V{}
	}
	c.pending[k] = e
	c.n++
	full := c.n >= bound
	if !full && len(c.pending) < max(16, len(pub)/4) {
		return e, true
	}
	next := make(map[K]V, len(pub)+len(c.pending))
	for k, v := range pub {
		next[k] = v
	}
	for k, v := range c.pending {
		next[k] = v
	}
	c.published.Store(&next)
	c.pending = nil
	if full {
		c.full.Store(true)
	}
	return e, true
}

// len is how many entries the map holds.
func (c *publishedMap[K, V]) len() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// arnPart is resourcePartFor's result for one ARN.
type arnPart struct {
	part *resourcePart
	res  *Resource
}

// maxCachedARNs bounds decisionCache.byARN: requests naming ever new
// objects (s3:::bucket/<key>) must not grow it without bound.
var maxCachedARNs int64 = 1 << 16 // a variable for the tests

// sessionPart is a role session's principal part, for one world's cache.
type sessionPart struct {
	cache *decisionCache
	role  *Role
	part  *principalPart
}

func (w *World) principalPartFor(c *Caller) *principalPart {
	dc := w.cache
	if dc == nil {
		return nil
	}
	if c.Federation != nil || c.RootSession != nil {
		// Not cached: two sessions of one name may hold other policies,
		// and a root session is not its account's root user.
		return nil
	}
	if s := c.Session; s != nil {
		if c.Role == nil || c.User != nil || c.Group != nil {
			return nil
		}
		if sp := s.part.Load(); sp != nil && sp.cache == dc && sp.role == c.Role && sp.part.principal == c.Principal && sp.part.kind == c.Kind {
			return sp.part
		}
		pp := w.gatherPrincipal(c)
		s.part.Store(&sessionPart{cache: dc, role: c.Role, part: pp})
		return pp
	}
	var key principalKey
	switch {
	case c.User != nil && c.Role == nil && c.Group == nil:
		key.user = c.User
	case c.Group != nil && c.User == nil && c.Role == nil:
		key.group = c.Group
	case c.Kind == engine.AccountRoot && c.Account != nil && c.User == nil && c.Role == nil && c.Group == nil:
		key.account = c.Account
	default:
		return nil
	}
	if pp, ok := dc.principals.load(key); ok {
		if pp.principal == c.Principal && pp.kind == c.Kind {
			return pp
		}
		return nil
	}
	pp := w.gatherPrincipal(c)
	dc.principals.store(key, pp, math.MaxInt64) // bounded by the entities
	return pp
}

// resourcePartFor returns the cached resource part for an ARN, or nil
// when it is not cached (then gather computes it).
func (w *World) resourcePartFor(arnText string) (*resourcePart, *Resource) {
	dc := w.cache
	if dc == nil {
		return nil, nil
	}
	if e, ok := dc.byARN.load(arnText); ok {
		return e.part, e.res
	}
	rp, res := w.resourcePartByRecord(dc, arnText)
	// The key is cloned: arnText may be part of a larger request body.
	dc.byARN.store(strings.Clone(arnText), &arnPart{part: rp, res: res}, maxCachedARNs)
	return rp, res
}

// resourcePartByRecord finds the resource part by the record an ARN
// resolves to: the part depends only on that record (a resource, a role
// or user, or else just the account), so that is the key.
func (w *World) resourcePartByRecord(dc *decisionCache, arnText string) (*resourcePart, *Resource) {
	res, acct := w.resource(arnText)
	role, _ := w.roleAt(arnText)
	var user *User
	if role == nil {
		user, _ = w.userAt(arnText)
	}
	var tagged any // a customer managed policy or instance profile
	if role == nil && user == nil {
		tagged = w.iamTaggedAt(arnText)
	}
	var key any
	switch {
	case res != nil && role == nil && user == nil && tagged == nil:
		key = res
	case res != nil:
		return nil, res // both a record and an IAM entity: not cached
	case role != nil:
		key = role
	case user != nil:
		key = user
	case tagged != nil:
		key = tagged
	case acct != nil:
		key = acct
	default:
		return emptyResource, nil
	}
	if v, ok := dc.resources.Load(key); ok {
		return v.(*resourcePart), res
	}
	rp := w.gatherResource(arnText)
	dc.resources.LoadOrStore(key, rp)
	return rp, res
}

// emptyResource is the part of a resource that is in no account the world
// holds and has no record.
var emptyResource = &resourcePart{}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
