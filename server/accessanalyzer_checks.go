package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/policy"
)

// policyChecks are the custom policy checks (package analysis,
// analysis/check.go) the Check* operations call. An UNKNOWN answer is an
// error that wraps *analysis.UnknownError.
type policyChecks interface {
	NoNewAccess(ctx context.Context, existing, updated *policy.Policy, identity bool) (*checkAnswer, error)
	AccessNotGranted(ctx context.Context, p *policy.Policy, identity bool, actions, resources []string) (*checkAnswer, error)
	NoPublicAccess(ctx context.Context, p *policy.Policy, resourceType string) (*checkAnswer, error)
}

// checkAnswer is a check's result: PASS or FAIL, and the statements that
// made it so.
type checkAnswer struct {
	Result  string
	Reasons []checkReason
}

type checkReason struct {
	Description    string
	StatementIndex int
	StatementID    string
}

// checks is what the Check* operations use; tests may replace it.
var checks policyChecks = analysisChecks{}

// analysisChecks are package analysis's checks, with their default bounds.
type analysisChecks struct{}

func kindOf(identity bool) analysis.PolicyKind {
	if identity {
		return analysis.IdentityPolicy
	}
	return analysis.ResourcePolicy
}

func fromAnalysis(r *analysis.CheckResult, err error) (*checkAnswer, error) {
	if err != nil {
		return nil, err
	}
	a := &checkAnswer{Result: r.Result}
	for _, x := range r.Reasons {
		a.Reasons = append(a.Reasons, checkReason{Description: x.Description, StatementIndex: x.StatementIndex, StatementID: x.StatementID})
	}
	return a, nil
}

func (analysisChecks) NoNewAccess(ctx context.Context, existing, updated *policy.Policy, identity bool) (*checkAnswer, error) {
	return fromAnalysis(analysis.CheckNoNewAccess(existing, updated, kindOf(identity), analysis.CheckOptions{Ctx: ctx}))
}

func (analysisChecks) AccessNotGranted(ctx context.Context, p *policy.Policy, identity bool, actions, resources []string) (*checkAnswer, error) {
	return fromAnalysis(analysis.CheckAccessNotGranted(p, kindOf(identity), actions, resources, analysis.CheckOptions{Ctx: ctx}))
}

func (analysisChecks) NoPublicAccess(ctx context.Context, p *policy.Policy, resourceType string) (*checkAnswer, error) {
	return fromAnalysis(analysis.CheckNoPublicAccess(p, resourceType, analysis.CheckOptions{Ctx: ctx}))
}

// checkResponse is the response of each Check* operation (botocore:
// CheckNoNewAccessResponse, CheckAccessNotGrantedResponse,
// CheckNoPublicAccessResponse).
type checkResponse struct {
	Result  string          `json:"result"`
	Message string          `json:"message"`
	Reasons []reasonSummary `json:"reasons,omitempty"`
}

type reasonSummary struct {
	Description    string  `json:"description,omitempty"`
	StatementIndex *int    `json:"statementIndex,omitempty"`
	StatementID    *string `json:"statementId,omitempty"`
}

// checkMessages are the messages of PASS and FAIL. Those AWS's examples
// show are AWS's words (the aws CLI's examples of check-no-new-access,
// check-access-not-granted and check-no-public-access); the others are
// iamgate's, in the same form.
var checkMessages = map[string][2]string{
	"CheckNoNewAccess": {"The modified permissions grant no new access compared to your existing policy.",
		"The modified permissions grant new access compared to your existing policy."},
	"CheckAccessNotGranted:actions": {"The policy document does not grant access to perform one or more of the listed actions.",
		"The policy document grants access to perform one or more of the listed actions."},
	"CheckAccessNotGranted:resources": {"The policy document does not grant access to perform any action on one or more of the listed resources.",
		"The policy document grants access to perform an action on one or more of the listed resources."},
	"CheckAccessNotGranted:both": {"The policy document does not grant access to perform one or more of the listed actions on one or more of the listed resources.",
		"The policy document grants access to perform one or more of the listed actions on one or more of the listed resources."},
	"CheckNoPublicAccess": {"The resource policy does not grant public access for the given resource type.",
		"The resource policy grants public access for the given resource type."},
}

// runCheck runs a check in an analysis slot (one per core), bounded by
// --analysis-timeout and by the client staying: a slot not had before the
// client went away is that error, as the analyses answer it.
func (s *Server) runCheck(c *api.Call, check func(context.Context) (*checkAnswer, error)) (*checkAnswer, error) {
	release, qe := slot(c)
	if qe != nil {
		return nil, errSlot{qe}
	}
	defer release()
	ctx, cancel := context.WithTimeout(c.Ctx, s.cfg.AnalysisTimeout)
	defer cancel()
	return check(ctx)
}

// errSlot is a request that gave up waiting for an analysis slot.
type errSlot struct{ qe *query.Error }

func (e errSlot) Error() string { return e.qe.Message }

// answer maps a check's result to the response, or its failure to an
// error. UNKNOWN has no place among AWS's results (PASS, FAIL): it is
// UnprocessableEntityException (422, in each operation's model), whose
// message names what could not be decided, so that a caller sees an error
// and never a PASS it cannot trust. Input the check refuses (an action or
// resource it cannot read, a policy the engine refuses) is
// InvalidParameterException; any other failure is InternalServerException.
func answer(messages [2]string, a *checkAnswer, err error) (any, *aaError) {
	var ue *analysis.UnknownError
	var es errSlot
	switch {
	case errors.As(err, &es):
		return nil, fromQuery(es.qe)
	case errors.As(err, &ue):
		return nil, aaErrorf("UnprocessableEntityException", "iamgate could not decide this check (UNKNOWN): %s. It is neither PASS nor FAIL.", ue.Construct)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return nil, aaErrorf("ThrottlingException", "The check did not finish in the time iamgate gives one (serve --analysis-timeout): try a smaller policy.")
	case errors.Is(err, analysis.ErrCheckInput):
		return nil, aaErrorf("InvalidParameterException", "%v", err)
	case err != nil:
		return nil, aaErrorf("InternalServerException", "The check failed: %v", err)
	}
	out := checkResponse{Result: a.Result}
	switch a.Result {
	case "PASS":
		out.Message = messages[0]
	case "FAIL":
		out.Message = messages[1]
	default:
		// Anything but PASS or FAIL is not an answer to give.
		return nil, aaErrorf("InternalServerException", "the check answered %q", a.Result)
	}
	for _, r := range a.Reasons {
		rs := reasonSummary{Description: r.Description}
		if r.StatementIndex >= 0 {
			i := r.StatementIndex
			rs.StatementIndex = &i
		}
		if r.StatementID != "" {
			id := r.StatementID
			rs.StatementID = &id
		}
		out.Reasons = append(out.Reasons, rs)
	}
	return out, nil
}

// maxCheckPolicy bounds a policy document of a check, in characters: the
// checks' work grows faster than the policy, and no policy AWS stores is
// larger (a KMS key policy, 32 KB; the model sets no bound).
const maxCheckPolicy = 32768

// parseCheckPolicy parses a policy document of a check. A document that
// is not a policy is InvalidParameterException (in the model of each Check
// operation; AWS documents no message), naming the member and the first
// problem with its line and column.
func parseCheckPolicy(member, doc string) (*policy.Policy, *aaError) {
	if n := utf8.RuneCountInString(doc); n > maxCheckPolicy {
		return nil, validationf(reasonOther, "%s has %d characters; iamgate checks policies of at most %d (a KMS key policy's maximum, the largest of AWS's policies).",
			member, n, maxCheckPolicy)
	}
	p, err := policy.Parse(member, []byte(doc))
	if err != nil {
		var errs policy.Errors
		if errors.As(err, &errs) && len(errs) > 0 {
			e := errs[0]
			return nil, aaErrorf("InvalidParameterException", "%s is not a valid policy: %d:%d %s: %s", member, e.Pos.Line, e.Pos.Column, e.Code, e.Msg)
		}
		return nil, aaErrorf("InvalidParameterException", "%s is not a valid policy: %v", member, err)
	}
	return p, nil
}

// checkPolicyType reads the policyType of CheckNoNewAccess and
// CheckAccessNotGranted: AccessCheckPolicyType, IDENTITY_POLICY or
// RESOURCE_POLICY. SERVICE_CONTROL_POLICY and RESOURCE_CONTROL_POLICY are
// not in that enum (they are ValidatePolicy's alone), so they are refused
// as any value outside it.
func checkPolicyType(req map[string]string, vs *[]query.Violation) {
	if t, ok := req["policyType"]; ok {
		if v := enumViolation("policyType", t, accessCheckPolicyTypes); v != nil {
			*vs = append(*vs, *v)
		}
	}
}

func (s *Server) checkNoNewAccess(c *api.Call, r *http.Request, body []byte) (any, *aaError) {
	in, e := decodeAABody(body)
	if e != nil {
		return nil, e
	}
	var vs []query.Violation
	req, e := in.required(&vs, "newPolicyDocument", "existingPolicyDocument", "policyType")
	if e != nil {
		return nil, e
	}
	checkPolicyType(req, &vs)
	if e := fieldViolations(vs...); e != nil {
		return nil, e
	}
	updated, e := parseCheckPolicy("newPolicyDocument", req["newPolicyDocument"])
	if e != nil {
		return nil, e
	}
	existing, e := parseCheckPolicy("existingPolicyDocument", req["existingPolicyDocument"])
	if e != nil {
		return nil, e
	}
	a, err := s.runCheck(c, func(ctx context.Context) (*checkAnswer, error) {
		return checks.NoNewAccess(ctx, existing, updated, req["policyType"] == "IDENTITY_POLICY")
	})
	return answer(checkMessages["CheckNoNewAccess"], a, err)
}

// Limits of CheckAccessNotGranted's access (botocore:
// CheckAccessNotGrantedRequestAccessList max 1, AccessActionsList and
// AccessResourcesList max 100, Resource max 2048).
const (
	maxAccessEntries   = 1
	maxAccessActions   = 100
	maxAccessResources = 100
	maxAccessResource  = 2048
)

func (s *Server) checkAccessNotGranted(c *api.Call, r *http.Request, body []byte) (any, *aaError) {
	in, e := decodeAABody(body)
	if e != nil {
		return nil, e
	}
	var vs []query.Violation
	req, e := in.required(&vs, "policyDocument", "policyType")
	if e != nil {
		return nil, e
	}
	var access []json.RawMessage
	if raw, ok := in["access"]; !ok || string(raw) == "null" {
		vs = append(vs, query.Violation{Null: true, Field: "access", Constraint: "Member must not be null", Rule: query.RuleNull})
	} else if err := json.Unmarshal(raw, &access); err != nil {
		return nil, validationf(reasonCannotParse, "The member access must be a list of Access objects.")
	}
	checkPolicyType(req, &vs)
	if len(access) > maxAccessEntries {
		vs = append(vs, query.Violation{Field: "access", Constraint: "Member must have length less than or equal to 1", Rule: query.RuleMaxLength})
	}
	var actions, resources []string
	for i, raw := range access {
		if i >= maxAccessEntries {
			break
		}
		m, err := members(raw)
		if err != nil {
			return nil, validationf(reasonCannotParse, "access.%d.member must be an Access object: %v.", i+1, err)
		}
		field := "access." + strconv.Itoa(i+1) + ".member"
		list := func(name string, limit int) ([]string, *aaError) {
			raw, ok := m[name]
			if !ok || string(raw) == "null" {
				return nil, nil
			}
			var out []string
			if err := json.Unmarshal(raw, &out); err != nil {
				return nil, validationf(reasonCannotParse, "%s.%s must be a list of strings.", field, name)
			}
			if len(out) > limit {
				vs = append(vs, query.Violation{Field: field + "." + name, Constraint: "Member must have length less than or equal to " + strconv.Itoa(limit), Rule: query.RuleMaxLength})
			}
			return out, nil
		}
		if actions, e = list("actions", maxAccessActions); e != nil {
			return nil, e
		}
		if resources, e = list("resources", maxAccessResources); e != nil {
			return nil, e
		}
		for j, res := range resources {
			if len(res) > maxAccessResource {
				v := res
				vs = append(vs, query.Violation{Value: &v, Field: field + ".resources." + strconv.Itoa(j+1) + ".member",
					Constraint: "Member must have length less than or equal to 2048", Rule: query.RuleMaxLength})
			}
		}
	}
	if e := fieldViolations(vs...); e != nil {
		return nil, e
	}
	// The model: "If only actions are specified ... If only resources are
	// specified ...": one or the other is needed, else there is nothing to
	// check.
	if len(actions) == 0 && len(resources) == 0 {
		return nil, validationf(reasonOther, "access must name at least one action or one resource.")
	}
	for _, a := range actions {
		if a == "" {
			return nil, aaErrorf("InvalidParameterException", "An action in access must not be empty.")
		}
	}
	for _, r := range resources {
		if r == "" {
			return nil, aaErrorf("InvalidParameterException", "A resource in access must not be empty.")
		}
	}
	p, e := parseCheckPolicy("policyDocument", req["policyDocument"])
	if e != nil {
		return nil, e
	}
	a, err := s.runCheck(c, func(ctx context.Context) (*checkAnswer, error) {
		return checks.AccessNotGranted(ctx, p, req["policyType"] == "IDENTITY_POLICY", actions, resources)
	})
	key := "CheckAccessNotGranted:both"
	switch {
	case len(resources) == 0:
		key = "CheckAccessNotGranted:actions"
	case len(actions) == 0:
		key = "CheckAccessNotGranted:resources"
	}
	return answer(checkMessages[key], a, err)
}

func (s *Server) checkNoPublicAccess(c *api.Call, r *http.Request, body []byte) (any, *aaError) {
	in, e := decodeAABody(body)
	if e != nil {
		return nil, e
	}
	var vs []query.Violation
	req, e := in.required(&vs, "policyDocument", "resourceType")
	if e != nil {
		return nil, e
	}
	if t, ok := req["resourceType"]; ok {
		if v := enumViolation("resourceType", t, accessCheckResources); v != nil {
			vs = append(vs, *v)
		}
	}
	if e := fieldViolations(vs...); e != nil {
		return nil, e
	}
	p, e := parseCheckPolicy("policyDocument", req["policyDocument"])
	if e != nil {
		return nil, e
	}
	a, err := s.runCheck(c, func(ctx context.Context) (*checkAnswer, error) {
		return checks.NoPublicAccess(ctx, p, req["resourceType"])
	})
	return answer(checkMessages["CheckNoPublicAccess"], a, err)
}
