package engine

import (
	"strings"

	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/wildcard"
)

// Decision is the outcome of a request, in the words of AWS's EvalDecision.
type Decision uint8

const (
	ImplicitDeny Decision = iota
	ExplicitDeny
	Allowed
)

var decisionNames = [...]string{"implicitDeny", "explicitDeny", "allowed"}

func (d Decision) String() string { return decisionNames[d] }

// ParseDecision reads "allowed", "explicitDeny" or "implicitDeny".
func ParseDecision(s string) (Decision, bool) {
	for i, n := range decisionNames {
		if s == n {
			return Decision(i), true
		}
	}
	return 0, false
}

// Layer names where in the evaluation a decision was made.
type Layer uint8

const (
	LayerNone Layer = iota
	LayerIdentity
	LayerResource
	LayerBoundary
	LayerSession
	LayerSCP
	LayerRCP
	LayerEndpoint
	// LayerAWS is a rule AWS applies over every policy: an action that
	// needs no permission, or a resource AWS owns.
	LayerAWS
)

var layerNames = [...]string{"", "identity", "resource", "permissionsBoundary", "session", "scp", "rcp", "endpoint", "aws"}

func (l Layer) String() string { return layerNames[l] }

// StatementRef points at one statement of a compiled policy.
type StatementRef struct {
	Policy *Policy
	Index  int // index into the policy's statements
}

// Valid reports whether the reference points at a statement.
func (r StatementRef) Valid() bool { return r.Policy != nil }

// Statement returns the parsed statement.
func (r StatementRef) Statement() *policy.Statement {
	if r.Policy == nil || r.Policy.Source == nil {
		return nil
	}
	return r.Policy.Source.Statements[r.Policy.stmts[r.Index].index]
}

// Result is a decision with the layer that made it: for an explicit deny the
// layer holding the deny, for an implicit deny the layer that lacked an allow,
// for an allow the layer that granted it. Level is the SCP or RCP level.
type Result struct {
	Decision  Decision
	Layer     Layer
	Level     int
	Statement StatementRef
}

// grant is how a resource policy's Principal matched the caller.
type grant uint8

const (
	grantNone    grant = iota
	grantAccount       // the caller's account: delegates to its IAM policies
	grantRoleARN       // the caller's role ARN: limited by boundary and session policies
	grantDirect        // the caller itself (user, session, "*", service)
)

// recorder collects matched statements for Explain; nil on the fast path.
type recorder struct {
	matched []matched
	// failed are statements that matched the request but for a
	// condition, with the first condition that failed.
	failed []failedCond
}

type failedCond struct {
	ref   StatementRef
	typ   PolicyType
	pos   int
	level int
	cond  int // index into the statement's conditions
}

type matched struct {
	ref   StatementRef
	typ   PolicyType
	pos   int // index of the policy within its list
	level int
}

type policyEval struct {
	allow, deny bool
	grant       grant
	allowRef    StatementRef
	denyRef     StatementRef
}

func (q *Prepared) evalPolicy(p *Policy, rec *recorder, pos, level int, out *policyEval) {
	if p == nil {
		return
	}
	if b := p.big; b != nil {
		for _, i := range b.exact[q.action] {
			q.evalStatement(p, int(i), true, rec, pos, level, out)
		}
		if q.svc != "" {
			for _, i := range b.bySvc[q.svc] {
				q.evalStatement(p, int(i), false, rec, pos, level, out)
			}
		}
		for _, i := range b.other {
			q.evalStatement(p, int(i), false, rec, pos, level, out)
		}
		return
	}
	// The list holds the exact entries, then the services', then the
	// rest: the order above.
	for k := range p.list {
		e := &p.list[k]
		switch e.kind {
		case indexExact:
			if !e.is(q.action, q.actionKey) {
				continue
			}
		case indexService:
			if q.svc == "" || !e.is(q.svc, q.svcKey) {
				continue
			}
		}
		for _, i := range e.ids[:e.n] {
			q.evalStatement(p, int(i), e.kind == indexExact, rec, pos, level, out)
		}
	}
}

// service returns the service prefix of a lower-case action.
func service(action string) string {
	for i := 0; i < len(action); i++ {
		if action[i] == ':' {
			return action[:i]
		}
	}
	return ""
}

func (q *Prepared) evalStatement(p *Policy, i int, actionKnown bool, rec *recorder, pos, level int, out *policyEval) {
	s := &p.stmts[i]
	if rec == nil {
		// Fast path: once a deny is found nothing else matters, and a
		// further allow adds nothing unless it grants more directly.
		if out.deny || (s.effect == policy.Allow && out.allow && (s.principals == nil || out.grant == grantDirect)) {
			return
		}
	}
	if !actionKnown && !s.matchAction(q.action) {
		return
	}
	if !s.matchResource(q) {
		return
	}
	g := grantDirect
	if s.principals != nil {
		if s.notPrinc {
			if s.effect == policy.Allow {
				// An Allow with NotPrincipal grants every principal except
				// those named; a caller named by any of its identities
				// (itself, its role, its account) is not granted (IAM User
				// Guide, "AWS JSON policy elements: NotPrincipal").
				if s.principals.match(&q.principal) != grantNone {
					return
				}
			} else if s.principals.excludes(&q.principal) && !(q.Policies.PermissionsBoundary != nil && q.principal.Account != "") {
				return
			}
		} else if g = s.principals.match(&q.principal); g == grantNone {
			return
		}
	}
	for ci, c := range s.conds {
		if !c.Eval(q) {
			if rec != nil {
				rec.failed = append(rec.failed, failedCond{ref: StatementRef{Policy: p, Index: i}, typ: p.Type, pos: pos, level: level, cond: ci})
			}
			return
		}
	}
	ref := StatementRef{Policy: p, Index: i}
	if s.effect == policy.Deny {
		if !out.deny {
			out.deny, out.denyRef = true, ref
		}
	} else {
		if !out.allow || g > out.grant {
			out.allowRef = ref
		}
		out.allow = true
		if g > out.grant {
			out.grant = g
		}
	}
	if rec != nil {
		rec.matched = append(rec.matched, matched{ref: ref, typ: p.Type, pos: pos, level: level})
	}
}

func (s *statement) matchAction(action string) bool {
	hit := false
	for _, a := range s.actions {
		if a.text == "*" || a.text == action || (a.wild && wildcard.Match(a.text, action)) {
			hit = true
			break
		}
	}
	return hit != s.notAction
}

func (s *statement) matchResource(q *Prepared) bool {
	if !s.hasResource {
		return true
	}
	if s.anyResource {
		return !s.notResource
	}
	hit := false
	for i := range s.resources {
		r := &s.resources[i]
		if r.any {
			hit = true
			break
		}
		if !q.resIsARN || !strings.HasPrefix(q.Resource, r.prefix) {
			continue
		}
		switch r.form {
		case formPrefix:
			hit = true
		case formLiteral:
			hit = len(q.Resource) == len(r.prefix)
		}
		if hit {
			break
		}
		if r.form != formGeneral {
			continue
		}
		ok, resolved := r.pat.Match(q.resARN, q)
		if !resolved {
			// An unresolvable policy variable invalidates the statement.
			return false
		}
		if ok {
			hit = true
			break
		}
	}
	return hit != s.notResource
}

func (ps *principalSet) match(p *Principal) grant {
	if ps.any {
		return grantDirect
	}
	switch p.Kind {
	case Service:
		for _, s := range ps.services {
			if s == p.Service {
				return grantDirect
			}
		}
		return grantNone
	case WebIdentity:
		for _, f := range ps.federated {
			if f == p.Service || f == p.ARN {
				return grantDirect
			}
		}
		return grantNone
	case Anonymous, CanonicalUser:
		return grantNone
	}
	best := grantNone
	for i := range ps.entries {
		e := &ps.entries[i]
		switch e.kind {
		case entryUser:
			if p.Kind == User && e.text == p.ARN {
				return grantDirect
			}
		case entryRole:
			if (p.Kind == Role || p.Kind == AssumedRole) && e.account == p.Account && e.name == p.Name && best < grantRoleARN {
				best = grantRoleARN
			}
		case entrySession:
			if p.Kind == AssumedRole && e.account == p.Account && len(e.name) == len(p.Name)+1+len(p.Session) &&
				e.name[:len(p.Name)] == p.Name && e.name[len(p.Name)+1:] == p.Session {
				return grantDirect
			}
		case entryFederatedUser:
			if p.Kind == FederatedUser && e.account == p.Account && e.name == p.Name {
				return grantDirect
			}
		case entryOther:
			if e.text == p.ARN {
				return grantDirect
			}
		}
	}
	if best == grantNone {
		for _, a := range ps.accounts {
			if a == p.Account {
				if p.Kind == AccountRoot {
					return grantDirect
				}
				return grantAccount
			}
		}
	}
	return best
}

// excludes reports whether a NotPrincipal element exempts the caller. AWS
// evaluates a caller as every identity it holds, so the element exempts it
// only when each is listed: a user and its account; a session, its role and
// its account (the IAM User Guide, "AWS JSON policy elements: NotPrincipal").
func (ps *principalSet) excludes(p *Principal) bool {
	if ps.any {
		return true
	}
	if p.Kind == Service {
		return ps.match(p) == grantDirect
	}
	if p.Kind == WebIdentity {
		return ps.match(p) == grantDirect
	}
	acct := false
	for _, a := range ps.accounts {
		if a == p.Account {
			acct = true
		}
	}
	switch p.Kind {
	case AccountRoot:
		return acct
	case User, FederatedUser:
		return acct && ps.match(p) == grantDirect
	case Role:
		return acct && ps.match(p) >= grantRoleARN
	case AssumedRole:
		role, session := false, false
		for i := range ps.entries {
			e := &ps.entries[i]
			if e.kind == entryRole && e.account == p.Account && e.name == p.Name {
				role = true
			}
			if e.kind == entrySession && e.account == p.Account && e.name == p.Name+"/"+p.Session {
				session = true
			}
		}
		return acct && role && session
	}
	return false
}

// Authorize decides a prepared request. It does not allocate.
func Authorize(q *Prepared) Result { return q.evaluate(nil) }

func (q *Prepared) evaluate(rec *recorder) Result {
	switch q.rule {
	case ruleNone:
		return q.evaluatePolicies(rec)
	case ruleNoPermission:
		return Result{Decision: Allowed, Layer: LayerAWS}
	}
	// A resource AWS owns: an explicit deny still reads as one, but nothing
	// allows.
	r := q.evaluatePolicies(rec)
	if r.Decision == Allowed {
		return Result{Decision: ImplicitDeny, Layer: LayerAWS}
	}
	return r
}

func (q *Prepared) evaluatePolicies(rec *recorder) Result {
	pol := &q.Policies
	p := &q.principal
	fast := rec == nil
	var deny Result
	denied := false
	noteDeny := func(l Layer, level int, ref StatementRef) {
		if !denied {
			denied, deny = true, Result{Decision: ExplicitDeny, Layer: l, Level: level, Statement: ref}
		}
	}

	// Identity side: identity policies, boundary and session policies apply
	// to IAM users, roles and their sessions.
	identityApplies := p.Kind == User || p.Kind == Role || p.Kind == AssumedRole || p.Kind == FederatedUser
	var id, bnd, ses policyEval
	if identityApplies {
		for i, ip := range pol.Identity {
			q.evalPolicy(ip, rec, i, 0, &id)
		}
		if id.deny {
			noteDeny(LayerIdentity, 0, id.denyRef)
			if fast {
				return deny
			}
		}
		q.evalPolicy(pol.PermissionsBoundary, rec, 0, 0, &bnd)
		if bnd.deny {
			noteDeny(LayerBoundary, 0, bnd.denyRef)
			if fast {
				return deny
			}
		}
		for i, sp := range pol.Session {
			q.evalPolicy(sp, rec, i, 0, &ses)
		}
		if ses.deny {
			noteDeny(LayerSession, 0, ses.denyRef)
			if fast {
				return deny
			}
		}
	} else if p.Kind == AccountRoot && len(pol.Session) > 0 {
		// A privileged root session: its task policy's denies apply
		// (Policies.Session); its allows add nothing to the root user's.
		for i, sp := range pol.Session {
			q.evalPolicy(sp, rec, i, 0, &ses)
		}
		if ses.deny {
			noteDeny(LayerSession, 0, ses.denyRef)
			if fast {
				return deny
			}
		}
	}
	var res, ep policyEval
	q.evalPolicy(pol.Resource, rec, 0, 0, &res)
	if res.deny {
		noteDeny(LayerResource, 0, res.denyRef)
		if fast {
			return deny
		}
	}
	q.evalPolicy(pol.Endpoint, rec, 0, 0, &ep)
	if ep.deny {
		noteDeny(LayerEndpoint, 0, ep.denyRef)
		if fast {
			return deny
		}
	}
	// Organization policies: an allow must exist at every level.
	scpMissing, rcpMissing := -1, -1
	if q.scpApplies {
		var lvl int
		var ref StatementRef
		if scpMissing, lvl, ref = q.evalLevels(pol.SCP, rec, fast); ref.Valid() {
			noteDeny(LayerSCP, lvl, ref)
			if fast {
				return deny
			}
		}
	}
	if q.rcpApplies {
		var lvl int
		var ref StatementRef
		if rcpMissing, lvl, ref = q.evalLevels(pol.RCP, rec, fast); ref.Valid() {
			noteDeny(LayerRCP, lvl, ref)
			if fast {
				return deny
			}
		}
	}
	if denied {
		return deny
	}
	if rcpMissing >= 0 {
		return Result{Decision: ImplicitDeny, Layer: LayerRCP, Level: rcpMissing}
	}
	if scpMissing >= 0 {
		return Result{Decision: ImplicitDeny, Layer: LayerSCP, Level: scpMissing}
	}
	if pol.Endpoint != nil && !ep.allow {
		return Result{Decision: ImplicitDeny, Layer: LayerEndpoint}
	}
	return q.grants(&id, &bnd, &ses, &res)
}

// evalLevels evaluates SCPs or RCPs level by level. It returns the first
// level without an allow (-1 if none) and the first explicit deny with its
// level. On the fast path it stops at the first deny.
func (q *Prepared) evalLevels(levels [][]*Policy, rec *recorder, fast bool) (missing, denyLevel int, deny StatementRef) {
	missing = -1
	for lvl, level := range levels {
		var le policyEval
		for i, p := range level {
			q.evalPolicy(p, rec, i, lvl, &le)
		}
		if le.deny && !deny.Valid() {
			deny, denyLevel = le.denyRef, lvl
			if fast {
				return missing, denyLevel, deny
			}
		}
		if !le.allow && missing < 0 {
			missing = lvl
		}
	}
	return missing, denyLevel, deny
}

// grants applies the allow rules once no explicit deny was found.
func (q *Prepared) grants(id, bnd, ses, res *policyEval) Result {
	pol := &q.Policies
	p := &q.principal
	boundaryOK := pol.PermissionsBoundary == nil || bnd.allow
	sessionOK := len(pol.Session) == 0 || ses.allow
	allowRes := Result{Decision: Allowed, Layer: LayerResource, Statement: res.allowRef}
	allowID := Result{Decision: Allowed, Layer: LayerIdentity, Statement: id.allowRef}

	// Callers with no identity policies: only a resource policy can grant.
	switch p.Kind {
	case Anonymous, Service, WebIdentity, CanonicalUser:
		if res.allow && res.grant == grantDirect {
			return allowRes
		}
		return Result{Decision: ImplicitDeny, Layer: LayerResource}
	}

	// The principal's own side: the root user holds every permission in its
	// account; others need an identity allow within boundary and session.
	var principalSide Result
	switch {
	case p.Kind == AccountRoot:
		principalSide = Result{Decision: Allowed, Layer: LayerIdentity}
	case !id.allow:
		principalSide = Result{Decision: ImplicitDeny, Layer: LayerIdentity}
	case !boundaryOK:
		principalSide = Result{Decision: ImplicitDeny, Layer: LayerBoundary}
	case !sessionOK:
		principalSide = Result{Decision: ImplicitDeny, Layer: LayerSession}
	default:
		principalSide = allowID
	}

	if !q.sameAccount {
		// Cross-account: the principal's account must allow and so must the
		// resource's, through its resource policy (for any principal match,
		// including the whole account).
		if principalSide.Decision != Allowed {
			return principalSide
		}
		if !res.allow {
			return Result{Decision: ImplicitDeny, Layer: LayerResource}
		}
		return allowRes
	}

	// Same account. A resource policy that names the caller itself grants
	// on its own; one that names the caller's role ARN is still limited by
	// the boundary and session policies; one that names only the account
	// delegates to the account's IAM policies (the IAM User Guide, "How AWS
	// enforcement code logic evaluates requests", resource-based policies).
	if res.allow {
		switch res.grant {
		case grantDirect:
			return allowRes
		case grantRoleARN:
			if boundaryOK && sessionOK {
				return allowRes
			}
		}
	}
	required := q.kind == KindTrust || q.kind == KindKey
	if required && !res.allow {
		// Trust and key policies must allow the request themselves.
		return Result{Decision: ImplicitDeny, Layer: LayerResource}
	}
	// Otherwise the account's IAM policies decide: a resource policy naming
	// only the account, or the role ARN beyond the boundary or session
	// policy, adds nothing.
	return principalSide
}
