package engine

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Explanation is a decision with everything that led to it.
type Explanation struct {
	Decision         Decision           `json:"-"`
	DecisionText     string             `json:"decision"`
	Principal        string             `json:"principal"`
	PrincipalKind    string             `json:"principalKind"`
	PrincipalAccount string             `json:"principalAccount,omitempty"`
	Action           string             `json:"action"`
	Resource         string             `json:"resource"`
	ResourceAccount  string             `json:"resourceAccount,omitempty"`
	CrossAccount     bool               `json:"crossAccount"`
	ResourcePolicy   string             `json:"resourcePolicyKind,omitempty"`
	DecidedBy        *Decider           `json:"decidedBy,omitempty"`
	Reason           string             `json:"reason"`
	Matched          []MatchedStatement `json:"matchedStatements"`
	// FailedConditions are statements that matched the request's action,
	// resource and principal but not a condition: for each, the condition
	// that failed and what the request held for its key.
	FailedConditions []FailedCondition   `json:"failedConditions,omitempty"`
	Notes            []string            `json:"notes,omitempty"`
	Context          map[string][]string `json:"context"`
	// AWSRule names the rule AWS applies over every policy when one
	// decided (LayerAWS): one of the AWSRule... constants.
	AWSRule string `json:"awsRule,omitempty"`
	Result  Result `json:"-"`
}

// Names of the AWS rules an Explanation's AWSRule holds.
const (
	AWSRuleNoPermission     = "noPermission"     // sts:GetCallerIdentity
	AWSRuleAWSManagedPolicy = "awsManagedPolicy" // AWS managed policies are read-only
	// AWSRuleProtectedRole: IAM Identity Center and service-linked roles;
	// the IAM API answers UnmodifiableEntity where the policies allowed.
	AWSRuleProtectedRole = "protectedRole"
	AWSRuleAWSAlias      = "awsAlias" // KMS aliases under alias/aws/
)

// FailedCondition is a statement kept from matching by one condition.
type FailedCondition struct {
	Statement MatchedStatement `json:"statement"`
	Operator  string           `json:"operator"`
	Key       string           `json:"key"`
	Values    []string         `json:"values"`
	// Request is what the request held for the key; nil when absent.
	Request []string `json:"request"`
}

// Decider names the layer (and statement) that decided.
type Decider struct {
	Layer     string            `json:"layer"`
	Level     *int              `json:"level,omitempty"`
	Statement *MatchedStatement `json:"statement,omitempty"`
}

// MatchedStatement is a statement whose action, resource, principal and
// conditions all matched the request.
type MatchedStatement struct {
	PolicyType  string `json:"policyType"`
	PolicyName  string `json:"policyName,omitempty"`
	PolicyIndex int    `json:"policyIndex"`
	Level       *int   `json:"level,omitempty"`
	Statement   int    `json:"statementIndex"`
	Sid         string `json:"sid,omitempty"`
	Effect      string `json:"effect"`
	Line        int    `json:"line,omitempty"`
	Column      int    `json:"column,omitempty"`
}

// Explain decides a prepared request and records why. Its decision is always
// the one Authorize returns.
func Explain(q *Prepared) *Explanation {
	rec := &recorder{}
	r := q.evaluate(rec)
	p := q.principal
	e := &Explanation{
		Decision: r.Decision, DecisionText: r.Decision.String(), Result: r,
		Principal: q.Request.Principal, PrincipalKind: p.Kind.String(), PrincipalAccount: p.Account,
		Action: q.Action, Resource: q.Resource, ResourceAccount: q.resourceAccount,
		CrossAccount: q.CrossAccount(), Notes: q.notes, Context: q.Context(),
		Matched: []MatchedStatement{},
	}
	if e.Principal == "" {
		e.Principal = "anonymous"
	}
	if q.Policies.Resource != nil {
		e.ResourcePolicy = q.kind.String()
	}
	for _, m := range rec.matched {
		e.Matched = append(e.Matched, describe(m.ref, m.typ, m.pos, m.level))
	}
	if r.Layer != LayerNone {
		d := &Decider{Layer: r.Layer.String()}
		if r.Layer == LayerSCP || r.Layer == LayerRCP {
			lvl := r.Level
			d.Level = &lvl
		}
		if r.Statement.Valid() {
			for _, m := range rec.matched {
				if m.ref == r.Statement {
					ms := describe(m.ref, m.typ, m.pos, m.level)
					d.Statement = &ms
					break
				}
			}
		}
		e.DecidedBy = d
	}
	for _, f := range rec.failed {
		c := f.ref.Policy.stmts[f.ref.Index].conds[f.cond]
		fc := FailedCondition{Statement: describe(f.ref, f.typ, f.pos, f.level), Operator: c.Op.Name, Key: c.Key, Values: c.Values}
		if v, ok := q.Lookup(c.LowerKey()); ok {
			fc.Request = v
		}
		e.FailedConditions = append(e.FailedConditions, fc)
	}
	e.Reason = q.reason(r)
	if r.Decision == ImplicitDeny && r.Layer == LayerResource && q.kind == KindTrust {
		// The commonest reason a trust policy does not allow: its
		// statement names the caller but a condition (sts:ExternalId,
		// aws:MultiFactorAuthPresent, ...) fails.
		for _, f := range e.FailedConditions {
			if f.Statement.PolicyType == ResourcePolicy.String() && f.Statement.Effect == "Allow" {
				e.Reason += "; " + f.describe()
				break
			}
		}
	}
	if r.Layer == LayerAWS {
		e.AWSRule = q.rule.name()
	}
	return e
}

func describe(ref StatementRef, typ PolicyType, pos, level int) MatchedStatement {
	s := &ref.Policy.stmts[ref.Index]
	m := MatchedStatement{
		PolicyType: typ.String(), PolicyName: ref.Policy.Name, PolicyIndex: pos,
		Statement: s.index, Sid: s.sid, Effect: s.effect.String(),
	}
	if typ == SCP || typ == RCP {
		l := level
		m.Level = &l
	}
	if st := ref.Statement(); st != nil {
		m.Line, m.Column = st.Pos.Line, st.Pos.Column
	}
	return m
}

func (q *Prepared) resourcePolicyWord() string {
	switch q.kind {
	case KindTrust:
		return "the role's trust policy"
	case KindKey:
		return "the KMS key policy"
	}
	return "the resource-based policy"
}

func (q *Prepared) reason(r Result) string {
	if r.Layer == LayerAWS {
		return q.rule.reason()
	}
	switch r.Decision {
	case ExplicitDeny:
		where := map[Layer]string{
			LayerIdentity: "an identity-based policy", LayerResource: q.resourcePolicyWord(),
			LayerBoundary: "the permissions boundary", LayerSession: "a session policy",
			LayerSCP: fmt.Sprintf("an SCP at level %d", r.Level), LayerRCP: fmt.Sprintf("an RCP at level %d", r.Level),
			LayerEndpoint: "the VPC endpoint policy",
		}[r.Layer]
		return "explicitly denied by " + where + "; an explicit deny overrides every allow"
	case Allowed:
		if r.Layer == LayerResource {
			switch {
			case q.CrossAccount():
				return "allowed: the principal's identity-based policies allow the request and " + q.resourcePolicyWord() + " in account " + q.resourceAccount + " allows it too, as a cross-account request requires"
			case q.principal.Kind == Anonymous || q.principal.Kind == Service || q.principal.Kind == WebIdentity:
				return "allowed by " + q.resourcePolicyWord() + ", which names this " + q.principal.Kind.String() + " principal"
			}
			return "allowed by " + q.resourcePolicyWord() + ", which names the principal within its own account"
		}
		if q.principal.Kind == AccountRoot {
			return "allowed: the account root user has full access to its own account"
		}
		return "allowed by an identity-based policy within the permissions boundary and session policies that apply"
	}
	switch r.Layer {
	case LayerSCP:
		return fmt.Sprintf("implicitly denied: no SCP at level %d (0 is the organization root) allows the action; an allow is needed at every level from the root to the account", r.Level)
	case LayerRCP:
		return fmt.Sprintf("implicitly denied: no RCP at level %d (0 is the organization root) allows the action; an allow is needed at every level", r.Level)
	case LayerEndpoint:
		return "implicitly denied: the VPC endpoint policy does not allow the request"
	case LayerBoundary:
		return "implicitly denied: the identity-based policies allow the request but the permissions boundary does not"
	case LayerSession:
		return "implicitly denied: the identity-based policies allow the request but the session policies do not"
	case LayerResource:
		switch {
		case q.principal.Kind == Anonymous || q.principal.Kind == Service || q.principal.Kind == WebIdentity:
			return "implicitly denied: a " + q.principal.Kind.String() + " principal is allowed only by a resource-based policy that names it, and none does"
		case q.Policies.Resource == nil && q.CrossAccount():
			return "implicitly denied: cross-account access needs a resource-based policy in account " + q.resourceAccount + " that allows it, and there is none"
		case q.CrossAccount():
			return "implicitly denied: " + q.resourcePolicyWord() + " in account " + q.resourceAccount + " does not allow this principal"
		case q.Policies.Resource == nil:
			return "implicitly denied: " + q.resourcePolicyWord() + " must allow this request and none was given"
		}
		return "implicitly denied: " + q.resourcePolicyWord() + " must itself allow this request (naming the principal, or the account so that its IAM policies decide), and it does not"
	}
	if q.CrossAccount() {
		return "implicitly denied: the principal's identity-based policies in account " + q.principal.Account + " do not allow the request"
	}
	return "implicitly denied: no identity-based or resource-based policy allows the request"
}

// Text renders the explanation for people.
func (e *Explanation) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "decision: %s\n", e.DecisionText)
	fmt.Fprintf(&b, "  %s\n", e.Reason)
	fmt.Fprintf(&b, "request:\n  principal: %s (%s", e.Principal, e.PrincipalKind)
	if e.PrincipalAccount != "" {
		fmt.Fprintf(&b, ", account %s", e.PrincipalAccount)
	}
	fmt.Fprintf(&b, ")\n  action:    %s\n  resource:  %s", e.Action, e.Resource)
	if e.ResourceAccount != "" {
		fmt.Fprintf(&b, " (account %s)", e.ResourceAccount)
	}
	b.WriteString("\n")
	if e.CrossAccount {
		b.WriteString("  cross-account: both accounts must allow\n")
	}
	if e.DecidedBy != nil {
		fmt.Fprintf(&b, "decided by: %s", e.DecidedBy.Layer)
		if e.DecidedBy.Level != nil {
			fmt.Fprintf(&b, " level %d", *e.DecidedBy.Level)
		}
		if s := e.DecidedBy.Statement; s != nil {
			fmt.Fprintf(&b, ", %s", s.label())
		}
		b.WriteString("\n")
	}
	if len(e.Matched) == 0 {
		b.WriteString("matched statements: none\n")
	} else {
		b.WriteString("matched statements:\n")
		for _, m := range e.Matched {
			fmt.Fprintf(&b, "  %-5s %s\n", m.Effect, m.label())
		}
	}
	for _, f := range e.FailedConditions {
		fmt.Fprintf(&b, "condition not met: %s\n", f.describe())
	}
	for _, n := range e.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	if len(e.Context) > 0 {
		keys := make([]string, 0, len(e.Context))
		for k := range e.Context {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("context:\n")
		for _, k := range keys {
			fmt.Fprintf(&b, "  %s = %s\n", k, strings.Join(e.Context[k], ", "))
		}
	}
	return b.String()
}

// describe words a failed condition for people.
func (f *FailedCondition) describe() string {
	got := "the request has no " + f.Key
	if f.Request != nil {
		got = fmt.Sprintf("the request has %s = %s", f.Key, quoted(f.Request))
	}
	return fmt.Sprintf("%s allows it only when %s %s %s, but %s", f.Statement.label(), f.Operator, f.Key, quoted(f.Values), got)
}

func quoted(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = strconv.Quote(v)
	}
	if len(q) == 1 {
		return q[0]
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func (m *MatchedStatement) label() string {
	var b strings.Builder
	b.WriteString(m.PolicyType)
	if m.Level != nil {
		fmt.Fprintf(&b, " level %d", *m.Level)
	}
	if m.PolicyName != "" {
		fmt.Fprintf(&b, " policy %q", m.PolicyName)
	} else {
		fmt.Fprintf(&b, " policy #%d", m.PolicyIndex)
	}
	fmt.Fprintf(&b, " statement %d", m.Statement)
	if m.Sid != "" {
		fmt.Fprintf(&b, " (Sid %q)", m.Sid)
	}
	if m.Line > 0 {
		fmt.Fprintf(&b, " at %d:%d", m.Line, m.Column)
	}
	return b.String()
}
