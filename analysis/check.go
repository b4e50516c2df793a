package analysis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/policy/vars"
)

// The custom policy checks of IAM Access Analyzer, decided exactly:
//
//   - CheckNoNewAccess: does NEW allow some request OLD does not?
//     https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckNoNewAccess.html
//   - CheckAccessNotGranted: does the policy allow one of the listed actions
//     (on any resource), one of the listed resources (for any action), or,
//     both given, one of the actions on one of the resources?
//     https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckAccessNotGranted.html
//   - CheckNoPublicAccess: does a resource policy allow a principal outside
//     every account it names, or anonymous callers?
//     https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckNoPublicAccess.html
//
// and the user guide's "IAM Access Analyzer custom policy checks"
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-custom-policy-checks.html).
// AWS answers FAIL when access "might" be allowed; here a FAIL carries a
// request the engine allows and a PASS means no request of the model below
// is allowed.

// PolicyKind is the kind of policy a check reads (AWS's policyType).
type PolicyKind string

// The policy kinds: identity policies (no Principal element) and resource
// policies (bucket, key, trust policies...).
const (
	IdentityPolicy PolicyKind = "identity"
	ResourcePolicy PolicyKind = "resource"
)

// CheckResult is the answer of a check, shaped as AWS's responses (result,
// reasons) with the requests that prove a FAIL.
type CheckResult struct {
	// Result is "PASS" or "FAIL".
	Result string `json:"result"`
	// Reasons name the statements (of NEW for CheckNoNewAccess) whose Allow
	// grants a counterexample; StatementIndex is -1 for the root user of
	// the resource's account, whom no statement needs to allow.
	Reasons []CheckReason `json:"reasons"`
	// Counterexamples are eval request documents (the format evaldoc
	// parses) that the engine allows and that show the FAIL: for
	// CheckNoNewAccess each embeds NEW, and the same request with OLD in its
	// place is not allowed.
	Counterexamples []json.RawMessage `json:"counterexamples"`
	// Requests is the number of requests the engine decided.
	Requests int `json:"-"`
}

// CheckReason is one of AWS's ReasonSummary entries.
type CheckReason struct {
	Description    string `json:"description"`
	StatementIndex int    `json:"statementIndex"`
	StatementID    string `json:"statementId,omitempty"`
}

// CheckOptions bounds the work and sets the action universe.
type CheckOptions struct {
	// MaxCombinations bounds the requests decided (default 1<<20).
	MaxCombinations int
	// MaxStates bounds the string solver's product automaton (default 20000).
	MaxStates int
	// Actions is the universe of actions; nil means every action of the
	// catalog. Actions the policies name without wildcards are always added.
	Actions []string
	// Ctx, when set, stops the check once it is done (cancelled or past
	// its deadline): the check then returns its error.
	Ctx context.Context
}

// Pass and Fail are CheckResult.Result's values.
const (
	Pass = "PASS"
	Fail = "FAIL"
)

// ErrCheckInput is what a CheckInputError wraps: the check's input is wrong
// (not the policy's grammar, which policy.Parse reports).
var ErrCheckInput = errors.New("analysis: bad check input")

// CheckInputError says what is wrong with a check's input.
type CheckInputError struct {
	// Field names the input: "kind", "resourceType", "actions",
	// "resources", "policy".
	Field string
	Msg   string
	// Err, when set, is the underlying error (a policy.Errors with
	// positions for a policy the engine refuses).
	Err error
}

func (e *CheckInputError) Error() string {
	if e.Err != nil {
		return e.Field + ": " + e.Msg + ": " + e.Err.Error()
	}
	return e.Field + ": " + e.Msg
}

func (e *CheckInputError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrCheckInput, e.Err}
	}
	return []error{ErrCheckInput}
}

// CheckNoNewAccess reports whether new allows a request old does not.
func CheckNoNewAccess(old, new *policy.Policy, kind PolicyKind, opt CheckOptions) (*CheckResult, error) {
	if err := checkKind(kind); err != nil {
		return nil, err
	}
	sp, err := newSpace([]*policy.Policy{old, new}, kind, opt, nil, nil)
	if err != nil {
		return nil, err
	}
	return sp.decide(func(allowed []bool) bool { return allowed[1] && !allowed[0] }, 1)
}

// CheckAccessNotGranted reports whether p allows one of actions (on any
// resource), one of resources (for any action) or, when both are given,
// one of actions on one of resources. Action and resource values may hold
// wildcards: each stands for every action (resource) it matches.
func CheckAccessNotGranted(p *policy.Policy, kind PolicyKind, actions, resources []string, opt CheckOptions) (*CheckResult, error) {
	if err := checkKind(kind); err != nil {
		return nil, err
	}
	if len(actions) == 0 && len(resources) == 0 {
		return nil, &CheckInputError{Field: "access", Msg: "give at least one action or resource"}
	}
	for _, a := range actions {
		if svc, name, ok := strings.Cut(a, ":"); (!ok || svc == "" || name == "") && a != "*" {
			return nil, &CheckInputError{Field: "actions", Msg: fmt.Sprintf("%q: want service:Action", a)}
		}
	}
	for _, r := range resources {
		if r != "*" && !arn.IsARN(r) {
			return nil, &CheckInputError{Field: "resources", Msg: fmt.Sprintf("%q is neither an ARN nor \"*\"", r)}
		}
		if len(vars.Variables(r)) > 0 {
			return nil, &CheckInputError{Field: "resources", Msg: fmt.Sprintf("%q: policy variables are not allowed here", r)}
		}
	}
	// The listed access is a statement of its own: its patterns become
	// atoms, so the regions say which requests it covers.
	probe := accessProbe(actions, resources)
	sp, err := newSpace([]*policy.Policy{p}, kind, opt, probe, nil)
	if err != nil {
		return nil, err
	}
	return sp.decide(func(allowed []bool) bool { return allowed[0] }, 0)
}

// accessProbe is the listed access as a policy: the requests it lists are
// those it allows.
func accessProbe(actions, resources []string) *policy.Policy {
	s := &policy.Statement{Effect: policy.Allow, Path: "Statement[0]"}
	if len(actions) == 0 {
		actions = []string{"*"}
	}
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	s.Action = &policy.List{IsList: true}
	for _, a := range actions {
		s.Action.Values = append(s.Action.Values, policy.Value{Text: a})
	}
	s.Resource = &policy.List{IsList: true}
	for _, r := range resources {
		s.Resource.Values = append(s.Resource.Values, policy.Value{Text: r})
	}
	return &policy.Policy{File: "access", Version: policy.Version2012, Statements: []*policy.Statement{s}, StatementIsList: true}
}

func checkKind(kind PolicyKind) error {
	if kind != IdentityPolicy && kind != ResourcePolicy {
		return &CheckInputError{Field: "kind", Msg: fmt.Sprintf("%q: want %q or %q", kind, IdentityPolicy, ResourcePolicy)}
	}
	return nil
}

// CheckNoPublicAccess reports whether a resource policy for resourceType
// (one of AccessCheckResourceType, ResourceTypes) allows public access: a
// request from an anonymous caller or from a principal of an account the
// policy does not name, whose caller-identifying context keys (those
// PublicKeys lists) are absent or hold values the policy does not name.
func CheckNoPublicAccess(p *policy.Policy, resourceType string, opt CheckOptions) (*CheckResult, error) {
	rt, ok := lookupResourceType(resourceType)
	if !ok {
		return nil, &CheckInputError{Field: "resourceType", Msg: fmt.Sprintf("%q is not one of the resource types CheckNoPublicAccess takes (%s)", resourceType, strings.Join(ResourceTypes(), ", "))}
	}
	if opt.Actions == nil {
		for _, s := range catalog.Default().Services {
			if !contains(rt.services, s.Prefix) {
				continue
			}
			for _, a := range s.Actions {
				opt.Actions = append(opt.Actions, a.FullName())
			}
		}
	}
	sp, err := newSpace([]*policy.Policy{p}, ResourcePolicy, opt, nil, &rt)
	if err != nil {
		return nil, err
	}
	return sp.decide(func(allowed []bool) bool { return allowed[0] }, 0)
}
