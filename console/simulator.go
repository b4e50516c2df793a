package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/world"
)

type simForm struct {
	Principal, Action, Resource, Context string
	// Side is "resource" to decide the resource's side only: the
	// principal's own account is taken to allow it everything, as Access
	// Analyzer decides an external principal's access (the findings page's
	// witnesses of external access).
	Side string
}

type simStatement struct {
	engine.MatchedStatement
	// Statements are the policy's statements, indented, with the one
	// that matched marked.
	Statements []simStmtText
	Why        string // matched, decided, or a failed condition
}

type simStmtText struct {
	Text    string
	Matched bool
}

type simData struct {
	Form        simForm
	Asked       bool
	Error       *errorPage
	Explanation *engine.Explanation
	Context     []simContextKey
	Statements  []simStatement
	// AllowedIf is when the request, not allowed, would be (nil when it
	// is allowed).
	AllowedIf *allowedIfData
}

type simContextKey struct {
	Key    string
	Values string
}

// simulator decides a question for a principal, as the policy simulator of
// the IAM console does, with the engine's explanation: the question is
// authorized as iam:SimulatePrincipalPolicy on the principal (the action
// AWS's simulator needs, and the decision API's rule: principals of the
// caller's account, or of any account from the organization's management
// account), then decided in the current world.
func (c *Console) simulator(w http.ResponseWriter, v *view) {
	v.page.Title, v.page.Nav = "Policy simulator", "simulator"
	q := v.request.URL.Query()
	d := simData{Form: simForm{Principal: q.Get("principal"), Action: strings.TrimSpace(q.Get("action")), Resource: strings.TrimSpace(q.Get("resource")),
		Context: q.Get("context"), Side: q.Get("side")}}
	if d.Form.Principal == "" {
		d.Form.Principal = v.a.caller.Principal
	}
	if d.Form.Action == "" {
		v.page.Data = d
		c.render(w, v.request, http.StatusOK, "simulator", v.page)
		return
	}
	d.Asked = true
	status := http.StatusOK
	if ep, st := c.simulate(v, &d); ep != nil {
		d.Error, status = ep, st
	}
	v.page.Data = d
	c.render(w, v.request, status, "simulator", v.page)
}

func (c *Console) simulate(v *view, d *simData) (*errorPage, int) {
	bad := func(code, msg string) (*errorPage, int) {
		return &errorPage{Code: code, Message: msg}, http.StatusBadRequest
	}
	if d.Form.Resource == "" {
		d.Form.Resource = "*"
	}
	principal := strings.TrimSpace(d.Form.Principal)
	named, err := engine.ParsePrincipal(principal)
	if err != nil {
		return bad("ValidationError", fmt.Sprintf("principal: %v", err))
	}
	ctx, err := parseContext(d.Form.Context)
	if err != nil {
		return bad("ValidationError", err.Error())
	}
	w := c.cfg.State.World()
	mine := v.a.caller.Account.ID
	mgmt := w.Organization != nil && w.Organization.ManagementAccount == mine
	switch d.Form.Side {
	case "":
	case "resource":
		return c.simulateResourceSide(v, d, named, ctx)
	default:
		return bad("ValidationError", fmt.Sprintf("side %q: want resource, or nothing", d.Form.Side))
	}
	if named.Account != "" && named.Account != mine && !mgmt {
		return &errorPage{Code: "AccessDenied", Message: fmt.Sprintf("principals of account %s can be asked about only from that account or the organization's management account", named.Account)}, http.StatusForbidden
	}
	if f := c.authorizeQuestion(v, principal, named.Account != mine); f != nil {
		ep := &errorPage{Code: f.Code, Message: f.Text()}
		if f.Denied != nil {
			ep.Action, ep.Resource = f.Denied.Action, f.Denied.Resource
		}
		return ep, http.StatusForbidden
	}
	p, err := w.Caller(principal)
	if err != nil {
		return &errorPage{Code: "NoSuchEntity", Message: err.Error()}, http.StatusNotFound
	}
	req, err := w.Gather(world.Request{Caller: p, Action: d.Form.Action, Resource: d.Form.Resource, Context: ctx, Time: c.now()})
	if err != nil {
		return bad("ValidationError", err.Error())
	}
	return c.explain(d, req)
}

// explain decides a gathered request into d: the explanation, the
// statements that matched, and, when it is not allowed, when it would be.
func (c *Console) explain(d *simData, req engine.Request) (*errorPage, int) {
	prep, err := req.Prepare()
	if err != nil {
		return &errorPage{Code: "ValidationError", Message: err.Error()}, http.StatusBadRequest
	}
	e := engine.Explain(prep)
	d.Explanation = e
	if e.Decision != engine.Allowed {
		res, err := analysis.AllowedIf(prep, analysis.Options{AllUnknown: true})
		d.AllowedIf = allowedIfOf(res, err, d.Form)
	}
	for _, k := range sortedKeys(e.Context) {
		d.Context = append(d.Context, simContextKey{Key: k, Values: strings.Join(e.Context[k], ", ")})
	}
	seen := map[string]bool{}
	add := func(m engine.MatchedStatement, why string) {
		id := fmt.Sprintf("%s/%d/%v/%d", m.PolicyType, m.PolicyIndex, m.Level, m.Statement)
		if seen[id] {
			return
		}
		seen[id] = true
		d.Statements = append(d.Statements, simStatement{MatchedStatement: m, Statements: statementsOf(policyOf(&req.Policies, m), m.Statement), Why: why})
	}
	if e.DecidedBy != nil && e.DecidedBy.Statement != nil {
		add(*e.DecidedBy.Statement, "decided")
	}
	for _, m := range e.Matched {
		add(m, "matched")
	}
	for _, f := range e.FailedConditions {
		add(f.Statement, fmt.Sprintf("condition %s on %s failed (the request has %s)", f.Operator, f.Key, requestValues(f.Request)))
	}
	return nil, http.StatusOK
}

// resourceSideAction is what a resource-side question is authorized as:
// the principal's side is given (it allows everything), not the world's,
// as in iam:SimulateCustomPolicy, which decides given policies (the IAM API
// reference; its resource is "*").
const resourceSideAction = "iam:SimulateCustomPolicy"

// simulateResourceSide decides whether a resource of the signed-in
// account (a resource with a policy, or a role for its trust policy) lets
// a principal outside the account in: the resource's side as the world
// gathers it (its policy, the RCPs over it), the principal's side allowing
// everything, the principal itself outside the world (outsideCaller). Only
// the account's own resources may be asked about; the question is
// authorized as iam:SimulateCustomPolicy on "*".
func (c *Console) simulateResourceSide(v *view, d *simData, named engine.Principal, ctx map[string][]string) (*errorPage, int) {
	w := c.cfg.State.World()
	mine := v.a.caller.Account.ID
	acct := w.Accounts.Get(mine)
	own := acct != nil && acct.Resources.Get(d.Form.Resource) != nil
	if r := w.RoleByARN(d.Form.Resource); r != nil && accountOf(d.Form.Resource) == mine {
		own = true
	}
	if named.Account == mine {
		return &errorPage{Code: "ValidationError", Message: "side resource is for a principal outside your account; ask about " + named.ARN + " without it"}, http.StatusBadRequest
	}
	call, rec := c.newCall(v.ctx, v.a, "SimulateCustomPolicy")
	if f := c.record(v.ctx, v.a, call, rec, "iam", "SimulateCustomPolicy", call.Authorize(resourceSideAction, "*", nil)); f != nil {
		return section{Failure: f}.Denied(), http.StatusForbidden
	}
	if !own {
		return &errorPage{Code: "NoSuchEntity", Message: fmt.Sprintf("%s is not a resource or role of account %s", d.Form.Resource, mine)}, http.StatusNotFound
	}
	p, err := outsideCaller(w, d.Form.Principal)
	if err != nil {
		return &errorPage{Code: "ValidationError", Message: err.Error()}, http.StatusBadRequest
	}
	req, err := w.Gather(world.Request{Caller: p, Action: d.Form.Action, Resource: d.Form.Resource, Context: ctx, Time: c.now()})
	if err != nil {
		return &errorPage{Code: "ValidationError", Message: err.Error()}, http.StatusBadRequest
	}
	pol := &req.Policies
	pol.Identity, pol.PermissionsBoundary, pol.Session, pol.SCP = nil, nil, nil, nil
	if named.Account != "" && named.Kind != engine.Service && named.Kind != engine.Anonymous && named.Kind != engine.WebIdentity {
		pol.Identity = []*engine.Policy{analysis.ExternalOwnSide()}
	}
	return c.explain(d, req)
}

// outsideCaller is the caller of a resource-side question: the principal
// as its ARN tells it, outside the world, so that nothing of its account is
// read (whether it exists, its tags, its organization): a question about
// the signed-in account's resource reveals nothing of another account. Keys
// the world would derive from the account (aws:PrincipalOrgID, ...) are the
// form's to give.
func outsideCaller(w *world.World, principal string) (*world.Caller, error) {
	principal = strings.TrimSpace(principal)
	p, err := engine.ParsePrincipal(principal)
	if err != nil {
		return nil, err
	}
	if p.Account == "" {
		return w.Caller(principal) // anonymous, a service, a provider: no account to read
	}
	c := &world.Caller{Kind: p.Kind, Principal: principal, External: true}
	if p.Kind == engine.Role {
		c.Kind = engine.AssumedRole
	}
	return c, nil
}

func requestValues(v []string) string {
	if v == nil {
		return "no value"
	}
	return strings.Join(v, ", ")
}

// authorizeQuestion is the decision API's rule (server's
// authorizeQuestion): iam:SimulatePrincipalPolicy on the principal; a
// question from the management account about another account's principal
// is decided by the caller's policies with the principal's ARN as a
// resource of the caller's account.
func (c *Console) authorizeQuestion(v *view, principal string, otherAccount bool) *failure {
	call, rec := c.newCall(v.ctx, v.a, "SimulatePrincipalPolicy")
	var qe *query.Error
	if !otherAccount {
		qe = call.Authorize("iam:SimulatePrincipalPolicy", principal, nil)
	} else {
		req, err := c.cfg.State.World().Gather(world.Request{Caller: v.a.caller, Action: "iam:SimulatePrincipalPolicy", Resource: principal,
			Context: v.a.context, Time: call.Now})
		if err != nil {
			return &failure{Error: awserr.ValidationError("%v", err)}
		}
		req.ResourceAccount = call.Account()
		q, err := req.Prepare()
		if err != nil {
			return &failure{Error: awserr.ValidationError("%v", err)}
		}
		e := engine.Explain(q)
		call.Record(e)
		if e.Decision != engine.Allowed {
			qe = call.Denied(e)
		}
	}
	return c.record(v.ctx, v.a, call, rec, "iam", "SimulatePrincipalPolicy", qe)
}

// policyOf finds the policy of a matched statement in a gathered request.
func policyOf(ps *engine.Policies, m engine.MatchedStatement) *engine.Policy {
	at := func(list []*engine.Policy, i int) *engine.Policy {
		if i >= 0 && i < len(list) {
			return list[i]
		}
		return nil
	}
	level := func(levels [][]*engine.Policy) *engine.Policy {
		if m.Level == nil || *m.Level < 0 || *m.Level >= len(levels) {
			return nil
		}
		return at(levels[*m.Level], m.PolicyIndex)
	}
	switch m.PolicyType {
	case engine.IdentityPolicy.String():
		return at(ps.Identity, m.PolicyIndex)
	case engine.ResourcePolicy.String():
		return ps.Resource
	case engine.BoundaryPolicy.String():
		return ps.PermissionsBoundary
	case engine.SessionPolicy.String():
		return at(ps.Session, m.PolicyIndex)
	case engine.SCP.String():
		return level(ps.SCP)
	case engine.RCP.String():
		return level(ps.RCP)
	case engine.EndpointPolicy.String():
		return ps.Endpoint
	}
	return nil
}

// statementsOf writes a policy's statements, indented, marking the one at
// index.
func statementsOf(p *engine.Policy, index int) []simStmtText {
	if p == nil || p.Source == nil {
		return nil
	}
	var doc struct {
		Statement []json.RawMessage
	}
	if err := json.Unmarshal(analysis.PolicyJSON(p.Source), &doc); err != nil {
		return nil
	}
	out := make([]simStmtText, 0, len(doc.Statement))
	for i, s := range doc.Statement {
		var b bytes.Buffer
		if json.Indent(&b, s, "", "  ") != nil {
			b.Reset()
			b.Write(s)
		}
		out = append(out, simStmtText{Text: b.String(), Matched: i == index})
	}
	return out
}

// parseContext reads context keys, one "key=value" a line; a key given on
// several lines has several values.
func parseContext(text string) (map[string][]string, error) {
	out := map[string][]string{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, val, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("context line %d: want key=value, got %q", i+1, line)
		}
		out[k] = append(out[k], strings.TrimSpace(val))
	}
	return out, nil
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
