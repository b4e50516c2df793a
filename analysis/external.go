package analysis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/evaldoc"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/world"
)

// External access follows IAM Access Analyzer's zone of trust: "a finding
// for each instance of a resource-based policy that grants access to a
// resource within your zone of trust to a principal that is not within your
// zone of trust", the zone being the account or the organization (the IAM
// User Guide, "IAM Access Analyzer findings",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-findings.html).
// Grants to service principals that hold without aws:SourceArn or
// aws:SourceAccount are confused-deputy findings (the IAM User Guide, "The
// confused deputy problem",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html).

// Zones of trust.
const (
	ZoneAccount      = "account"
	ZoneOrganization = "organization"
)

// Kinds of a Finding.
const (
	FindingExternal       = "external"
	FindingConfusedDeputy = "confusedDeputy"
	FindingUnknown        = "unknown"
)

// ExternalQuery asks which principals outside the zone of trust can act on
// the world's resources.
type ExternalQuery struct {
	// Zone is ZoneAccount (the resource's account) or ZoneOrganization
	// (the world's organization; the resource's account when the world has
	// none or the account is not in it). Empty is ZoneOrganization.
	Zone string
	// Context holds request keys known for every request; any other key
	// the policies mention, that the world does not derive, is unknown.
	Context map[string][]string
	Time    time.Time
	// NoEvaldocCheck skips deciding each witness document again through
	// evaldoc (the engine still decides each witness's request again
	// before it is reported); the tests and the CLI keep the check.
	NoEvaldocCheck bool
	// Account, when not empty, limits the report to the resources and
	// roles of that account (the others are not decided).
	Account string
	// Ctx, when not nil, bounds the analysis: once it is done, no other
	// resource is decided and External returns its error.
	Ctx context.Context
}

// Finding is one principal outside the zone that can perform actions on
// one resource, under one condition.
type Finding struct {
	Kind string
	// Resource is the resource whose policy grants the access (a bucket, a
	// key, a role for its trust policy, ...).
	Resource string
	// Principal is the principal outside the zone: an account's root ARN
	// (standing for any principal of that account), a user or role ARN, a
	// service principal, or "*" (anonymous).
	Principal string
	// Represents says, for a principal the analysis made up, what it
	// stands for (an account outside the zone that the policies do not
	// name, ...).
	Represents string
	// Actions are the actions allowed under AllowedIf, sorted.
	Actions []string
	// AllowedIf holds exactly for the values of the unknown keys for which
	// the engine allows each action (always, or conditions such as
	// sts:ExternalId or aws:SourceVpce).
	AllowedIf Formula
	// Witness is an eval request document (package evaldoc) for one of
	// the actions (and one resource of those the policy governs), with a
	// principal outside the zone, that evaldoc and the engine decide
	// allowed; nil for an unknown finding.
	Witness *evaldoc.Document
	// Construct names what the analysis cannot decide (Kind unknown).
	Construct string
}

// allowAllIdentity stands for the external principal's own side: its
// account's administrators can grant it anything, so only the resource's
// side (its policy, the RCPs over it, its keys) decides (Access Analyzer
// analyzes the resource-based policy).
const allowAllIdentity = `{"Version":"2012-10-17","Statement":[{"Sid":"ExternalPrincipalOwnSide","Effect":"Allow","Action":"*","Resource":"*"}]}`

// ExternalOwnSide is the identity policy that stands for an external
// principal's own side (it allows everything), for deciding the resource's
// side of a request as External does.
func ExternalOwnSide() *engine.Policy { return allowAllPolicy }

const rcpFullAWSAccessText = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`

var allowAllPolicy = func() *engine.Policy {
	p, err := policy.Parse("external-principal", []byte(allowAllIdentity))
	if err != nil {
		panic(err)
	}
	cp, err := engine.Compile(p, engine.IdentityPolicy, "external-principal")
	if err != nil {
		panic(err)
	}
	return cp
}()

// AnyService is the service principal that stands, for a statement that
// names anyone, for every service the policies do not name (their text
// does not hold its name): "*" lets services act too.
const (
	AnyService           = "iamgate-any-service.amazonaws.com"
	AnyServiceRepresents = "any AWS service principal the policies do not name"
)

// rep is a principal outside the zone that stands for a class of them.
type rep struct {
	principal  string // as reported
	caller     string // as the world resolves it
	represents string
	account    string // "" for anonymous and services
	root       bool   // an account root standing for any principal of it
	service    bool
	anonymous  bool
	federated  bool // a web identity or SAML user
}

type external struct {
	w     *world.World
	q     ExternalQuery
	org   map[string]bool // accounts of the organization
	orgID string
	// docs maps a policy's parsed source to its JSON, for witnesses.
	docs map[*policy.Policy]json.RawMessage
	// callers are resolved once.
	callers map[string]*world.Caller
	cat     *catalog.Catalog
	acts    *actionCache
	fresh   []string // account IDs the world does not hold, for fresh reps
	// ownPaths are, by org-paths key (lower case), the values the current
	// resource's policies compare it with that lie under the world's
	// organization: the zone constraint denies them for a principal
	// (source) outside it. Denying every path under the organization
	// instead would split the key's regions into ones no single IAM
	// operator writes; values the policies do not name behave alike.
	ownPaths map[string][]string
}

// External reports every principal outside the zone of trust that a
// resource, key or trust policy of the world lets act on its resource. Each
// access is decided by the engine with the resource's side as the world
// gathers it (its policy, the RCPs along its account's OU path, its tags
// and organization keys) and the principal's side allowing everything; the
// unknown context keys are answered as AllowedIf, and each finding's
// witness is decided again through evaldoc and the engine. Findings are
// sorted by resource, principal, kind and condition.
func (x *Index) External(q ExternalQuery) ([]*Finding, error) {
	switch q.Zone {
	case "":
		q.Zone = ZoneOrganization
	case ZoneAccount, ZoneOrganization:
	default:
		return nil, fmt.Errorf("analysis: zone %q: want %s or %s", q.Zone, ZoneAccount, ZoneOrganization)
	}
	e := &external{w: x.w, q: q, org: map[string]bool{}, docs: map[*policy.Policy]json.RawMessage{}, callers: map[string]*world.Caller{}, cat: catalog.Default(), acts: sharedActions}
	if o := x.w.Organization; o != nil {
		e.orgID = o.ID
		for id, a := range x.w.Accounts.All() {
			if a.OU != nil {
				e.org[id] = true
			}
		}
		for _, p := range o.Policies {
			if p.Document != nil && p.Document.Policy() != nil {
				e.docs[p.Document.Policy()] = p.Document.JSON
			}
		}
	}
	for n := int64(999999999999); len(e.fresh) < 4; n -= 111111111 {
		id := fmt.Sprintf("%012d", n)
		if x.w.Accounts.Get(id) == nil {
			e.fresh = append(e.fresh, id)
		}
	}
	type job struct {
		own, arn string
		doc      *policy.Policy
		trust    bool
	}
	var jobs []job
	for _, id := range sortedKeys(x.w.Accounts.Map()) {
		if q.Account != "" && id != q.Account {
			continue
		}
		a := x.w.Accounts.Get(id)
		for _, ra := range sortedKeys(a.Resources.Map()) {
			r := a.Resources.Get(ra)
			if r.Policy == nil || r.Policy.Policy() == nil || r.AWSManaged {
				continue
			}
			e.docs[r.Policy.Policy()] = r.Policy.JSON
			jobs = append(jobs, job{id, r.ARN, r.Policy.Policy(), false})
		}
		for _, n := range sortedKeys(a.Roles.Map()) {
			ro := a.Roles.Get(n)
			if ro.Trust == nil || ro.Trust.Policy() == nil {
				continue
			}
			e.docs[ro.Trust.Policy()] = ro.Trust.JSON
			jobs = append(jobs, job{id, ro.ARN(), ro.Trust.Policy(), true})
		}
	}
	// The resources are independent: one worker per CPU decides them,
	// each with its own caller cache (docs is only read from here on).
	workers := runtime.GOMAXPROCS(0)
	if workers > len(jobs) {
		workers = len(jobs)
	}
	results := make([][]*Finding, len(jobs))
	errs := make([]error, len(jobs))
	var next atomic.Int64
	var wg sync.WaitGroup
	for wk := 0; wk < workers; wk++ {
		we := *e
		we.callers = map[string]*world.Caller{}
		wg.Add(1)
		go func(e *external) {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) {
					return
				}
				if q.Ctx != nil && q.Ctx.Err() != nil {
					errs[i] = q.Ctx.Err()
					return
				}
				j := jobs[i]
				results[i], errs[i] = e.resource(j.own, j.arn, j.doc, j.trust)
				if errs[i] != nil {
					return
				}
			}
		}(&we)
	}
	wg.Wait()
	var out []*Finding
	for i := range jobs {
		if errs[i] != nil {
			return nil, errs[i]
		}
		out = append(out, results[i]...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		if a.Principal != b.Principal {
			return a.Principal < b.Principal
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.AllowedIf.Key() < b.AllowedIf.Key()
	})
	return out, nil
}

// Key renders a formula as one line, for grouping and ordering.
func (f Formula) Key() string {
	if f.Never() {
		return "never"
	}
	if f.Always() {
		return ""
	}
	parts := make([]string, len(f))
	for i, c := range f {
		cs := make([]string, len(c))
		for j, k := range c {
			cs[j] = k.String()
		}
		parts[i] = strings.Join(cs, " and ")
	}
	return strings.Join(parts, " or ")
}

// inZone reports whether an account is inside the zone of a resource of
// account own.
func (e *external) inZone(own, account string) bool {
	if account == own {
		return true
	}
	return e.q.Zone == ZoneOrganization && e.org[own] && e.org[account]
}

var accountIDs = regexp.MustCompile(`\b[0-9]{12}\b`)

// principalAccountKeys are keys whose value is (or holds) the account of
// the principal or of the source: a partial wildcard over them tells apart
// accounts the policies do not name, which the representatives cannot.
var principalAccountKeys = map[string]bool{"aws:principalaccount": true, "aws:sourceaccount": true, "kms:calleraccount": true, "aws:sourceowner": true}
var principalARNKeys = map[string]bool{"aws:principalarn": true, "aws:sourcearn": true}

// principalIdentityKeys vary among the principals of one account: for a
// root standing for any of them they are unknown (aws:PrincipalArn held
// to the account by the zone constraint).
var principalIdentityKeys = []string{"aws:PrincipalArn", "aws:userid", "aws:username", "aws:PrincipalType"}

var sourceKeys = []string{"aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths", "aws:SourceOwner"}

// resource finds the findings of one resource (a role, with trust).
func (e *external) resource(own, resARN string, doc *policy.Policy, trust bool) ([]*Finding, error) {
	// Which statements allow at all, and whom.
	var allows []*policy.Statement
	anyone := false
	named := &named{accounts: map[string]bool{}, arns: map[string]bool{}, services: map[string]bool{}}
	var federated []string
	for _, s := range doc.Statements {
		if s.Effect != policy.Allow {
			continue
		}
		allows = append(allows, s)
		n := principalsOfStatement(s)
		if n.anyone {
			anyone = true
		}
		for k := range n.accounts {
			named.accounts[k] = true
		}
		for k := range n.services {
			named.services[k] = true
		}
		if s.Principal != nil {
			for _, v := range s.Principal.AWS {
				if a, err := arn.Parse(v.Text); err == nil && a.Resource != "root" && arn.IsAccountID(a.AccountID) {
					named.arns[v.Text] = true
				}
			}
			for _, v := range s.Principal.Federated {
				federated = append(federated, v.Text)
			}
			for _, v := range s.Principal.CanonicalUser {
				federated = append(federated, v.Text)
			}
		}
	}
	if len(allows) == 0 {
		return nil, nil
	}
	// The RCPs and the resource's own keys, as the world gathers them.
	anon, err := e.caller("anonymous")
	if err != nil {
		return nil, err
	}
	base, err := e.w.Gather(world.Request{Caller: anon, Action: "sts:AssumeRole", Resource: resARN})
	if err != nil {
		return nil, err
	}
	var texts []string
	texts = append(texts, string(e.docs[doc]))
	var rcpStmts []*policy.Statement
	for _, l := range base.Policies.RCP {
		for _, p := range l {
			if p != nil && p.Source != nil {
				texts = append(texts, string(e.docJSON(p)))
				rcpStmts = append(rcpStmts, p.Source.Statements...)
			}
		}
	}
	// Accounts the policies name anywhere (principals, conditions, ARNs).
	mentioned := map[string]bool{}
	for _, t := range texts {
		for _, m := range accountIDs.FindAllString(t, -1) {
			mentioned[m] = true
		}
	}
	all := append(append([]*policy.Statement(nil), doc.Statements...), rcpStmts...)
	// A user, role or service a Deny (or an RCP, or a NotPrincipal) names
	// is told apart from the others: it stands for itself, where an Allow
	// can admit it (by anyone or its account).
	for _, s := range all {
		for _, pr := range []*policy.Principal{s.Principal, s.NotPrincipal} {
			if pr == nil {
				continue
			}
			if anyone {
				for _, v := range pr.Service {
					named.services[v.Text] = true
				}
			}
			for _, v := range pr.AWS {
				if a, err := arn.Parse(v.Text); err == nil && a.Resource != "root" && arn.IsAccountID(a.AccountID) && (anyone || named.accounts[a.AccountID]) {
					named.arns[v.Text] = true
				}
			}
		}
	}
	if c := partialAccountWildcard(all); c != "" {
		return []*Finding{{Kind: FindingUnknown, Resource: resARN, Principal: "*", Actions: []string{}, Construct: c}}, nil
	}
	var unknowns []*Finding
	e.ownPaths = ownOrgPaths(all, e.orgID)
	reps := e.representatives(own, anyone, named, mentioned, strings.Join(texts, "\n"))
	// A NotPrincipal naming an account (its root) tells the root user
	// apart from the account's other principals, for which the root then
	// cannot stand: UNKNOWN for that account.
	apart := map[string]bool{}
	for _, s := range all {
		if s.NotPrincipal != nil {
			for a := range principalsOfStatement(&policy.Statement{Principal: s.NotPrincipal}).accounts {
				apart[a] = true
			}
		}
	}
	var kept []*rep
	for _, r := range reps {
		if r.root && apart[r.account] {
			unknowns = append(unknowns, &Finding{Kind: FindingUnknown, Resource: resARN, Principal: r.principal, Represents: r.represents, Actions: []string{},
				Construct: "a NotPrincipal naming account " + r.account + " tells its root user apart from its other principals, for which the root cannot stand"})
			continue
		}
		kept = append(kept, r)
	}
	reps = kept
	for _, f := range dedupe(federated) {
		if _, err := e.caller(f); err != nil {
			unknowns = append(unknowns, &Finding{Kind: FindingUnknown, Resource: resARN, Principal: f, Actions: []string{},
				Construct: fmt.Sprintf("a Federated or CanonicalUser principal the engine does not take as a caller: %v", err)})
			continue
		}
		reps = append(reps, &rep{principal: f, caller: f, federated: true})
	}
	// Representative resources: the resource and what under it the
	// policy's Allow statements name.
	resources := []string{resARN}
	if !trust {
		resources = e.underResources(resARN, doc, allows)
	}
	type group struct {
		f *Finding
	}
	groups := map[string]*group{}
	var order []string
	// A finding's witness is made (and checked) once, by the decision
	// that opens its group.
	add := func(kind string, r *rep, action string, f Formula, wit witnessFunc, construct string) error {
		k := kind + "\x00" + r.principal + "\x00" + f.Key() + "\x00" + construct
		g, ok := groups[k]
		if !ok {
			g = &group{f: &Finding{Kind: kind, Resource: resARN, Principal: r.principal, Represents: r.represents, AllowedIf: f, Construct: construct}}
			if wit != nil {
				doc, err := wit()
				if err != nil {
					return err
				}
				g.f.Witness = doc
			}
			groups[k] = g
			order = append(order, k)
		}
		g.f.Actions = append(g.f.Actions, action)
		return nil
	}
	for _, res := range resources {
		var actions []string
		if trust {
			actions = trustActions
		} else {
			actions = e.acts.actionsFor(e.cat, res, allows)
		}
		for _, cls := range actionClasses(actions, doc.Statements, rcpStmts) {
			var clsAllows []*policy.Statement
			for _, s := range allows {
				if statementMatchesAction(s, cls[0]) {
					clsAllows = append(clsAllows, s)
				}
			}
			if len(clsAllows) == 0 {
				continue
			}
			for _, r := range reps {
				if !admitsRep(clsAllows, r) {
					continue
				}
				if err := e.decideClass(own, r, cls, res, mentioned, add); err != nil {
					return nil, err
				}
			}
		}
	}
	out := unknowns
	for _, k := range order {
		f := groups[k].f
		f.Actions = dedupe(f.Actions)
		sort.Strings(f.Actions)
		out = append(out, f)
	}
	return out, nil
}

var trustActions = []string{"sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity", "sts:SetContext", "sts:SetSourceIdentity", "sts:TagSession"}

// decideClass decides one class of actions for one representative and
// reports each action of the class under the answer.
func (e *external) decideClass(own string, r *rep, cls []string, resource string, mentioned map[string]bool,
	add func(string, *rep, string, Formula, witnessFunc, string) error) error {
	report := func(kind string, f Formula, wit witnessFunc, construct string) error {
		for _, a := range cls {
			if err := add(kind, r, a, f, wit, construct); err != nil {
				return err
			}
		}
		return nil
	}
	if r.service {
		// Without aws:SourceArn and aws:SourceAccount: a confused deputy.
		f, wit, err := e.decide(own, r, cls[0], resource, mentioned, modeNoSource)
		var ue *UnknownError
		switch {
		case errors.As(err, &ue):
			return report(FindingUnknown, nil, nil, ue.Construct)
		case err != nil:
			return err
		case f != nil:
			if err := report(FindingConfusedDeputy, f, wit, ""); err != nil {
				return err
			}
		}
	}
	f, wit, err := e.decide(own, r, cls[0], resource, mentioned, modeOutside)
	var ue *UnknownError
	switch {
	case errors.As(err, &ue):
		return report(FindingUnknown, nil, nil, ue.Construct)
	case err != nil:
		return err
	case f != nil:
		return report(FindingExternal, f, wit, "")
	}
	return nil
}

// witnessFunc makes a decision's witness document (and checks it).
type witnessFunc func() (*evaldoc.Document, error)

const (
	modeOutside  = iota // the principal (or the service's source) outside the zone
	modeNoSource        // a service with no source keys
)

// decide asks the engine whether the representative may perform action
// on resource: nil when for no value of the unknown keys. The request is
// the world's with the principal's side allowing everything and, as an
// endpoint policy, the zone constraint: denies for the values of unknown
// keys that would put the principal (the service's source) inside the
// zone. The witness is re-decided without the constraint, through
// evaldoc.
func (e *external) decide(own string, r *rep, action, resource string, mentioned map[string]bool, mode int) (Formula, witnessFunc, error) {
	c, err := e.caller(r.caller)
	if err != nil {
		return nil, nil, err
	}
	req, err := e.w.Gather(world.Request{Caller: c, Action: strings.ToLower(action), Resource: resource, Context: e.q.Context, Time: e.q.Time})
	if err != nil {
		return nil, nil, err
	}
	req.Action = action
	if r.account != "" && !r.service && strings.HasPrefix(strings.ToLower(action), "kms:") {
		// AWS KMS sets kms:CallerAccount for every request; the world
		// knows it only for its own accounts' callers.
		if _, ok := req.Context["kms:calleraccount"]; !ok {
			req.Context["kms:calleraccount"] = []string{r.account}
		}
	}
	pol := &req.Policies
	pol.Identity, pol.PermissionsBoundary, pol.Session, pol.SCP = nil, nil, nil, nil
	iam := !r.service && !r.anonymous && r.account != ""
	if iam {
		pol.Identity = []*engine.Policy{allowAllPolicy}
	}
	plain, err := req.Prepare()
	if err != nil {
		return nil, nil, err
	}
	// The keys of the statements that apply to the action (others cannot
	// change the decision).
	has := map[string]bool{}
	for _, k := range relevantKeys(plain, action, true) {
		has[strings.ToLower(k)] = true
	}
	if r.service && mode == modeOutside {
		named := false
		for _, k := range sourceKeys {
			named = named || has[strings.ToLower(k)]
		}
		if !named {
			// The same request as without the source keys: the
			// confused-deputy answer is the whole answer.
			return nil, nil, nil
		}
	}
	unknown := relevantUnknown(plain, action)
	if r.anonymous || r.service || r.federated {
		// Keys of an IAM principal: an anonymous caller, a service or a
		// federated user before its session has none of them (they are
		// absent, not unknown).
		var keep []string
		for _, k := range unknown {
			if !isPrincipalKey(k) {
				keep = append(keep, k)
			}
		}
		unknown = keep
	}
	if r.root {
		for _, k := range principalIdentityKeys {
			if has[strings.ToLower(k)] {
				unknown = append(unknown, k)
			}
		}
	}
	if mode == modeNoSource || !r.service {
		// The source keys are in a request only when a service makes it
		// (the IAM User Guide, "AWS global condition context keys",
		// aws:SourceArn and aws:SourceAccount): absent for an IAM
		// principal's, an anonymous caller's and a federated user's.
		var keep []string
		for _, k := range unknown {
			if !isSourceKey(k) {
				keep = append(keep, k)
			}
		}
		unknown = keep
	}
	constraint := e.constraint(own, r, has, mentioned, mode)
	q := plain
	if constraint != nil {
		req.Policies.Endpoint = constraint
		if q, err = req.Prepare(); err != nil {
			return nil, nil, err
		}
	}
	res, err := AllowedIf(q, Options{Unknown: unknown})
	if err != nil {
		var ue *UnknownError
		if errors.As(err, &ue) {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("%s %s %s: %w", r.principal, action, resource, err)
	}
	if res.AllowedIf.Never() {
		return nil, nil, nil
	}
	for i, wit := range res.Witnesses {
		if engine.Authorize(q.WithContext(wit, res.Unknown)).Decision != engine.Allowed {
			return nil, nil, fmt.Errorf("analysis: %s %s %s: the witness of alternative %d is not allowed by the engine", r.principal, action, resource, i+1)
		}
	}
	for _, wit := range res.Witnesses {
		if err := e.outsideZone(own, r, wit, mode); err != nil {
			return nil, nil, err
		}
	}
	if mode == modeNoSource {
		// The source keys are absent: say so in the formula.
		for i := range res.AllowedIf {
			for _, k := range sourceKeys {
				if has[strings.ToLower(k)] {
					res.AllowedIf[i] = append(res.AllowedIf[i], Conjunct{Key: k, Operator: "Null", Values: []string{"true"}})
				}
			}
		}
	}
	wit := func() (*evaldoc.Document, error) {
		doc, err := e.witness(req, plain.WithContext(res.Witnesses[0], res.Unknown))
		if err != nil {
			return nil, fmt.Errorf("%s %s %s: %w", r.principal, action, resource, err)
		}
		return doc, nil
	}
	return res.AllowedIf, wit, nil
}

// ownOrgPaths collects the values under the organization that the
// statements compare the org-paths keys with.
func ownOrgPaths(stmts []*policy.Statement, orgID string) map[string][]string {
	out := map[string][]string{}
	if orgID == "" {
		return out
	}
	for _, s := range stmts {
		for _, c := range s.Conditions {
			lk := strings.ToLower(c.Key)
			if lk != "aws:principalorgpaths" && lk != "aws:sourceorgpaths" {
				continue
			}
			for _, v := range c.Texts() {
				if strings.HasPrefix(v, orgID+"/") {
					out[lk] = append(out[lk], v)
				}
			}
		}
	}
	for k, v := range out {
		v = dedupe(v)
		sort.Strings(v)
		out[k] = v
	}
	return out
}

// outsideZone checks that a witness keeps the principal (the service's
// source) outside the zone; a witness inside it means the zone constraint
// did not cover a pattern of the policies, which is UNKNOWN.
func (e *external) outsideZone(own string, r *rep, wit map[string][]string, mode int) error {
	inside := func(k string, v []string) error {
		return unknownf("a witness of %s puts %s = %v inside the zone: a pattern of the policies the zone constraint does not cover", r.principal, k, v)
	}
	for k, v := range wit {
		lk := strings.ToLower(k)
		for _, x := range v {
			switch {
			case lk == "aws:principalorgid" && e.orgID != "" && !e.org[r.account] && x == e.orgID,
				lk == "aws:principalorgpaths" && e.orgID != "" && !e.org[r.account] && strings.HasPrefix(x, e.orgID+"/"):
				return inside(k, v)
			case lk == "aws:principalarn" && r.root:
				if a, err := arn.Parse(x); err != nil || a.AccountID != r.account {
					return inside(k, v)
				}
			case r.service && mode == modeOutside && (lk == "aws:sourceaccount" || lk == "aws:sourceowner") && e.inZone(own, x):
				return inside(k, v)
			case r.service && mode == modeOutside && lk == "aws:sourcearn":
				if a, err := arn.Parse(x); err == nil && e.inZone(own, a.AccountID) {
					return inside(k, v)
				}
			case r.service && mode == modeOutside && e.q.Zone == ZoneOrganization && e.org[own] &&
				(lk == "aws:sourceorgid" && x == e.orgID || lk == "aws:sourceorgpaths" && strings.HasPrefix(x, e.orgID+"/")):
				return inside(k, v)
			}
		}
	}
	return nil
}

// isPrincipalKey reports whether a key describes an IAM principal (its
// account, ARN, organization, tags, type, user ID or name, the account
// kms:CallerAccount names).
func isPrincipalKey(k string) bool {
	lk := strings.ToLower(k)
	return strings.HasPrefix(lk, "aws:principal") || lk == "aws:userid" || lk == "aws:username" || lk == "kms:calleraccount"
}

func isSourceKey(k string) bool {
	for _, s := range sourceKeys {
		if strings.EqualFold(k, s) {
			return true
		}
	}
	return false
}

// constraint is the endpoint policy that keeps the unknown keys outside
// the zone: nil when no key the policies mention needs it.
func (e *external) constraint(own string, r *rep, has, mentioned map[string]bool, mode int) *engine.Policy {
	var st []map[string]any
	deny := func(cond map[string]any) {
		st = append(st, map[string]any{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*", "Condition": cond})
	}
	zoneAccounts := []string{own}
	for m := range mentioned {
		if m != own && e.inZone(own, m) {
			zoneAccounts = append(zoneAccounts, m)
		}
	}
	sort.Strings(zoneAccounts[1:])
	switch {
	case r.service && mode == modeOutside:
		if has["aws:sourceaccount"] {
			deny(map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": zoneAccounts}})
		}
		if has["aws:sourceowner"] {
			deny(map[string]any{"StringEquals": map[string]any{"aws:SourceOwner": zoneAccounts}})
		}
		if has["aws:sourcearn"] {
			var pats []string
			for _, a := range zoneAccounts {
				pats = append(pats, "arn:*:*:*:"+a+":*")
			}
			deny(map[string]any{"ArnLike": map[string]any{"aws:SourceArn": pats}})
		}
		if e.orgID != "" && e.q.Zone == ZoneOrganization && e.org[own] {
			if has["aws:sourceorgid"] {
				deny(map[string]any{"StringEquals": map[string]any{"aws:SourceOrgID": e.orgID}})
			}
			if pats := e.ownPaths["aws:sourceorgpaths"]; len(pats) > 0 {
				deny(map[string]any{"ForAnyValue:StringLike": map[string]any{"aws:SourceOrgPaths": pats}})
			}
		}
		// Neither source key: the confused-deputy case, reported apart.
		nulls := map[string]any{}
		for _, k := range []string{"aws:SourceAccount", "aws:SourceArn"} {
			if has[strings.ToLower(k)] {
				nulls[k] = "true"
			}
		}
		if len(nulls) > 0 {
			deny(map[string]any{"Null": nulls})
		}
	case r.account != "" && !r.service:
		// Outside the world's organization: not its ID, not under it. An
		// account in the organization (an other account, for the account
		// zone) has its keys from the world.
		if e.orgID != "" && !e.org[r.account] {
			if has["aws:principalorgid"] {
				deny(map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": e.orgID}})
			}
			if pats := e.ownPaths["aws:principalorgpaths"]; len(pats) > 0 {
				deny(map[string]any{"ForAnyValue:StringLike": map[string]any{"aws:PrincipalOrgPaths": pats}})
			}
		}
		if r.root && has["aws:principalarn"] {
			deny(map[string]any{"ArnNotLike": map[string]any{"aws:PrincipalArn": []string{"arn:aws:iam::" + r.account + ":*", "arn:aws:sts::" + r.account + ":*"}}})
		}
	}
	if len(st) == 0 {
		return nil
	}
	st = append(st, map[string]any{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})
	data, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": st})
	if err != nil {
		panic(err)
	}
	p, err := policy.Parse("zone-constraint", data)
	if err != nil {
		panic(err)
	}
	cp, err := engine.Compile(p, engine.EndpointPolicy, "zone-constraint")
	if err != nil {
		panic(err)
	}
	return cp
}

// witness writes the request as an eval document with the witness's
// context, and decides it again through evaldoc and the engine.
func (e *external) witness(req engine.Request, q *engine.Prepared) (*evaldoc.Document, error) {
	doc := &evaldoc.Document{Principal: req.Principal, Action: req.Action, Resource: req.Resource, ResourceAccount: req.ResourceAccount,
		ManagementAccount: req.ManagementAccount, Context: map[string]json.RawMessage{}}
	if doc.Principal == "" {
		doc.Principal = "anonymous"
	}
	switch req.ResourcePolicyKind {
	case engine.KindTrust:
		doc.ResourcePolicyKind = "trust"
	case engine.KindKey:
		doc.ResourcePolicyKind = "key"
	}
	for k, v := range q.Context() {
		b, _ := json.Marshal(v)
		doc.Context[k] = b
	}
	for _, p := range req.Policies.Identity {
		doc.Policies.Identity = append(doc.Policies.Identity, e.docJSON(p))
	}
	if p := req.Policies.Resource; p != nil {
		doc.Policies.Resource = e.docJSON(p)
	}
	for _, l := range req.Policies.RCP {
		level := []json.RawMessage{}
		for _, p := range l {
			level = append(level, e.docJSON(p))
		}
		doc.Policies.RCP = append(doc.Policies.RCP, level)
	}
	if e.q.NoEvaldocCheck {
		return doc, nil
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	if err := CheckWitness(data); err != nil {
		return nil, err
	}
	return doc, nil
}

// CheckWitness decides an eval document as `iamgate eval` does (evaldoc,
// then the engine): nil when allowed.
func CheckWitness(data []byte) error {
	r, err := evaldoc.Parse("witness", data)
	if err != nil {
		return err
	}
	p, err := r.Prepare()
	if err != nil {
		return err
	}
	if d := engine.Authorize(p).Decision; d != engine.Allowed {
		return fmt.Errorf("analysis: the witness document is %s, not allowed: %s", d, data)
	}
	return nil
}

// docJSON returns a compiled policy's JSON text.
func (e *external) docJSON(p *engine.Policy) json.RawMessage {
	if p == allowAllPolicy {
		return json.RawMessage(allowAllIdentity)
	}
	if p.Source != nil {
		if t, ok := e.docs[p.Source]; ok && json.Valid(t) {
			return compactJSON(t)
		}
	}
	if p.Name == "RCPFullAWSAccess" {
		return json.RawMessage(rcpFullAWSAccessText)
	}
	// Not expected: every policy the world gathers for a resource is one
	// of its documents.
	panic(fmt.Sprintf("analysis: no JSON for policy %q", p.Name))
}

func compactJSON(t []byte) json.RawMessage {
	var b bytes.Buffer
	if err := json.Compact(&b, t); err != nil {
		return t
	}
	return json.RawMessage(b.Bytes())
}

func (e *external) caller(p string) (*world.Caller, error) {
	if c, ok := e.callers[p]; ok {
		return c, nil
	}
	c, err := e.w.Caller(p)
	if err != nil {
		return nil, err
	}
	e.callers[p] = c
	return c, nil
}

// representatives lists the principals outside the zone that stand for
// every one the policy can allow: each account the policies name (its
// root, for any principal of it), each user or role they name, the
// services they name; and, when a statement names anyone, anonymous, a
// service the policies do not name (AnyService), an account the world does not hold and the policies do not name, and (for
// the account zone) an account of each OU of the organization that the
// policies do not name. Accounts the policies do not name are told apart
// only by the organization keys, which the world gives for its accounts
// and the analysis leaves unknown (outside the organization) for others.
func (e *external) representatives(own string, anyone bool, n *named, mentioned map[string]bool, texts string) []*rep {
	var out []*rep
	seen := map[string]bool{}
	addRoot := func(acct, represents string) {
		if e.inZone(own, acct) || seen[acct] {
			return
		}
		seen[acct] = true
		out = append(out, &rep{principal: "arn:aws:iam::" + acct + ":root", caller: "arn:aws:iam::" + acct + ":root", account: acct, root: true, represents: represents})
	}
	for _, a := range sortedKeys(mentioned) {
		addRoot(a, "")
	}
	for _, t := range sortedKeys(n.arns) {
		a, err := arn.Parse(t)
		if err != nil || e.inZone(own, a.AccountID) {
			continue
		}
		caller := t
		if e.w.Accounts.Get(a.AccountID) != nil {
			if _, err := e.w.Caller(t); err != nil {
				// A user or role the world does not hold, in an account
				// it does: no one is that principal (AWS turns the
				// Principal of a deleted role into its unique ID), so it
				// can be allowed nothing.
				continue
			}
		}
		out = append(out, &rep{principal: t, caller: caller, account: a.AccountID})
	}
	for _, s := range sortedKeys(n.services) {
		out = append(out, &rep{principal: s, caller: s, service: true})
	}
	if anyone {
		out = append(out, &rep{principal: "*", caller: "anonymous", anonymous: true, represents: "anonymous (unauthenticated) callers"})
		if !strings.Contains(texts, AnyService) {
			out = append(out, &rep{principal: AnyService, caller: AnyService, service: true, represents: AnyServiceRepresents})
		}
		for _, f := range e.fresh {
			if !mentioned[f] {
				addRoot(f, "any account outside the zone that the policies do not name")
				break
			}
		}
		if e.q.Zone == ZoneAccount || !e.org[own] {
			// Accounts of the world outside the zone, one per OU (and
			// one outside the organization), that the policies do not
			// name: they differ only by their organization keys.
			byOU := map[string]string{}
			for _, id := range sortedKeys(e.w.Accounts.Map()) {
				if id == own || mentioned[id] || e.inZone(own, id) {
					continue
				}
				k := "-"
				if ou := e.w.Accounts.Get(id).OU; ou != nil {
					k = ou.ID
				}
				if _, ok := byOU[k]; !ok {
					byOU[k] = id
				}
			}
			for _, k := range sortedKeys(byOU) {
				where := "of the world outside the organization"
				if k != "-" {
					where = "of OU " + k
				}
				addRoot(byOU[k], "any account "+where+" that the policies do not name")
			}
		}
	}
	return out
}

// admitsRep reports whether one of the Allow statements can match the
// representative's principal (the engine decides; this only skips).
func admitsRep(allows []*policy.Statement, r *rep) bool {
	for _, s := range allows {
		if s.NotPrincipal != nil {
			return true
		}
		n := principalsOfStatement(s)
		switch {
		case n.anyone && !r.service:
			return true
		case r.service:
			if n.services[r.principal] || n.anyone {
				return true
			}
		case r.account != "" && n.accounts[r.account]:
			return true
		case n.arns[r.principal] || n.arns[roleKey(r.principal)]:
			return true
		}
		if s.Principal != nil && !r.service && r.account == "" {
			for _, v := range append(append([]policy.Value(nil), s.Principal.Federated...), s.Principal.CanonicalUser...) {
				if v.Text == r.principal {
					return true
				}
			}
		}
	}
	return false
}

// roleKey is how named keeps a role (or session) ARN: "role:ACCOUNT:NAME".
func roleKey(t string) string {
	n := &named{accounts: map[string]bool{}, arns: map[string]bool{}, services: map[string]bool{}}
	n.add(&policy.Principal{AWS: []policy.Value{{Text: t}}})
	for k := range n.arns {
		return k
	}
	return t
}

// partialAccountWildcard names a condition with a wildcard that only part
// of the accounts match ("1111*", "arn:aws:iam::12*:root"): the
// representatives, one per named account and one for the rest, cannot
// decide it.
func partialAccountWildcard(stmts []*policy.Statement) string {
	for _, s := range stmts {
		for _, c := range s.Conditions {
			op := strings.ToLower(c.OperatorText)
			if !strings.Contains(op, "like") {
				continue
			}
			lk := strings.ToLower(c.Key)
			for _, v := range c.Texts() {
				part := ""
				switch {
				case principalAccountKeys[lk]:
					part = v
				case principalARNKeys[lk]:
					fs := strings.SplitN(v, ":", 6)
					if len(fs) >= 5 {
						part = fs[4]
					}
				}
				if part != "*" && strings.ContainsAny(part, "*?") {
					return fmt.Sprintf("%s on %s with %q: a wildcard over part of the account IDs", c.OperatorText, c.Key, v)
				}
			}
		}
	}
	return ""
}

// underResources lists the resource and the ARNs under it that the Allow
// statements' Resource patterns name (each pattern with its wildcards
// filled in), with a fresh one under it: the policy governs them (an S3
// bucket's objects, an API's methods, a Glue catalog's tables).
func (e *external) underResources(resARN string, doc *policy.Policy, allows []*policy.Statement) []string {
	out := []string{resARN}
	seen := map[string]bool{resARN: true}
	try := func(a string) {
		if seen[a] {
			return
		}
		seen[a] = true
		anon, err := e.caller("anonymous")
		if err != nil {
			return
		}
		req, err := e.w.Gather(world.Request{Caller: anon, Action: "s3:GetObject", Resource: a})
		if err != nil || req.Policies.Resource == nil || req.Policies.Resource.Source != doc {
			return
		}
		out = append(out, a)
	}
	for _, s := range allows {
		for _, t := range resourceTexts(s) {
			if strings.Contains(t, "${") || t == "*" {
				continue
			}
			try(strings.NewReplacer("*", "iamgate-any", "?", "x").Replace(t))
		}
	}
	try(resARN + "/iamgate-any")
	return out
}

// actionClasses splits actions into classes that every statement matches
// alike (by Action or NotAction), in order: the engine decides the actions
// of a class alike (they are of one service, so the world gathers the same
// keys, kms:CallerAccount for every kms: action), so one decision per class
// is exact.
func actionClasses(actions []string, stmts, rcp []*policy.Statement) [][]string {
	all := append(append([]*policy.Statement(nil), stmts...), rcp...)
	idx := map[string]int{}
	var out [][]string
	sig := make([]byte, len(all))
	for _, a := range actions {
		for i, s := range all {
			sig[i] = '0'
			if statementMatchesAction(s, a) {
				sig[i] = '1'
			}
		}
		k := string(sig)
		if strings.EqualFold(a, noPermissionAction) {
			k += "\x00" + strings.ToLower(a) // a rule by name: decide alone
		}
		if i, ok := idx[k]; ok {
			out[i] = append(out[i], a)
			continue
		}
		idx[k] = len(out)
		out = append(out, []string{a})
	}
	return out
}

// actionCache keeps, by service and resource ARN shape, the catalog
// actions that act on a resource type whose ARN format matches.
type actionCache struct {
	mu    sync.Mutex
	types map[string][]compiledType // by service prefix
}

type compiledType struct {
	re      *regexp.Regexp
	actions []string
}

var sharedActions = &actionCache{types: map[string][]compiledType{}}

func (c *actionCache) service(cat *catalog.Catalog, prefix string) []compiledType {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ts, ok := c.types[prefix]; ok {
		return ts
	}
	var out []compiledType
	if svc, ok := cat.Service(prefix); ok {
		by := map[string][]string{}
		for _, a := range svc.Actions {
			for _, rt := range a.ResourceTypes {
				if rt.Type != nil {
					by[rt.Type.ARN] = append(by[rt.Type.ARN], a.FullName())
				}
			}
		}
		for _, f := range sortedKeys(by) {
			out = append(out, compiledType{re: typeFormat(f), actions: dedupe(by[f])})
		}
	}
	c.types[prefix] = out
	return out
}

// typeFormat compiles a catalog ARN format: a placeholder after '/' may
// hold '/' (object names, paths), others not.
func typeFormat(f string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?i)^")
	last := 0
	for _, m := range placeholder.FindAllStringIndex(f, -1) {
		b.WriteString(regexp.QuoteMeta(f[last:m[0]]))
		if m[0] > 0 && f[m[0]-1] == '/' {
			b.WriteString(".*")
		} else {
			b.WriteString("[^/]*")
		}
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(f[last:]))
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// actionsFor lists the actions on a resource ARN: the catalog's actions of
// a resource type whose format matches it; for a service or type the
// catalog does not describe, the actions the Allow statements name
// (patterns expanded by the catalog).
func (c *actionCache) actionsFor(cat *catalog.Catalog, resource string, allows []*policy.Statement) []string {
	a, err := arn.Parse(resource)
	var out []string
	if err == nil {
		for _, t := range c.service(cat, a.Service) {
			if t.re.MatchString(resource) {
				out = append(out, t.actions...)
			}
		}
	}
	if len(out) == 0 {
		// Of the resource's service only: a class of actions is of one
		// service (actionClasses).
		svc := ""
		if err == nil {
			svc = a.Service + ":"
		}
		for _, s := range allows {
			if s.Action == nil {
				continue
			}
			for _, p := range s.Action.Texts() {
				if ex := cat.Expand(p); len(ex) > 0 {
					for _, x := range ex {
						if n := x.FullName(); strings.HasPrefix(strings.ToLower(n), strings.ToLower(svc)) {
							out = append(out, n)
						}
					}
				} else if !strings.ContainsAny(p, "*?") && strings.HasPrefix(strings.ToLower(p), strings.ToLower(svc)) {
					out = append(out, p)
				}
			}
		}
	}
	out = dedupe(out)
	sort.Strings(out)
	return out
}
