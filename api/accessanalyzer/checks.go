package accessanalyzer

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/aaerr"
	"github.com/iamgate/iamgate/api/model"
	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/aashape"
	"github.com/iamgate/iamgate/policy"
)

// Backend is what the handlers need of the server.
type Backend interface {
	// Check runs check with the server's policy checks, in an analysis
	// slot (one per core) and bounded by the server's analysis timeout
	// and by the client staying. A request that gave up waiting for a
	// slot is that *awserr.Error.
	Check(c *api.Call, check func(ctx context.Context, checks Checks) (*CheckAnswer, error)) (*CheckAnswer, error)
}

// Checks are the custom policy checks (package analysis,
// analysis/check.go) the Check* operations call. An UNKNOWN answer is an
// error that wraps *analysis.UnknownError.
type Checks interface {
	NoNewAccess(ctx context.Context, existing, updated *policy.Policy, identity bool) (*CheckAnswer, error)
	AccessNotGranted(ctx context.Context, p *policy.Policy, identity bool, actions, resources []string) (*CheckAnswer, error)
	NoPublicAccess(ctx context.Context, p *policy.Policy, resourceType string) (*CheckAnswer, error)
}

// CheckAnswer is a check's result: PASS or FAIL, and the statements that
// made it so.
type CheckAnswer struct {
	Result  string
	Reasons []CheckReason
}

// CheckReason is a statement that made a check's result: its index (-1
// for none) and Sid ("" for none).
type CheckReason struct {
	Description    string
	StatementIndex int
	StatementID    string
}

// AnalysisChecks are package analysis's checks, with their default bounds.
type AnalysisChecks struct{}

func kindOf(identity bool) analysis.PolicyKind {
	if identity {
		return analysis.IdentityPolicy
	}
	return analysis.ResourcePolicy
}

func fromAnalysis(r *analysis.CheckResult, err error) (*CheckAnswer, error) {
	if err != nil {
		return nil, err
	}
	a := &CheckAnswer{Result: r.Result}
	for _, x := range r.Reasons {
		a.Reasons = append(a.Reasons, CheckReason{Description: x.Description, StatementIndex: x.StatementIndex, StatementID: x.StatementID})
	}
	return a, nil
}

// NoNewAccess is analysis.CheckNoNewAccess.
func (AnalysisChecks) NoNewAccess(ctx context.Context, existing, updated *policy.Policy, identity bool) (*CheckAnswer, error) {
	return fromAnalysis(analysis.CheckNoNewAccess(existing, updated, kindOf(identity), analysis.CheckOptions{Ctx: ctx}))
}

// AccessNotGranted is analysis.CheckAccessNotGranted.
func (AnalysisChecks) AccessNotGranted(ctx context.Context, p *policy.Policy, identity bool, actions, resources []string) (*CheckAnswer, error) {
	return fromAnalysis(analysis.CheckAccessNotGranted(p, kindOf(identity), actions, resources, analysis.CheckOptions{Ctx: ctx}))
}

// NoPublicAccess is analysis.CheckNoPublicAccess.
func (AnalysisChecks) NoPublicAccess(ctx context.Context, p *policy.Policy, resourceType string) (*CheckAnswer, error) {
	return fromAnalysis(analysis.CheckNoPublicAccess(p, resourceType, analysis.CheckOptions{Ctx: ctx}))
}

// checkResponse is the output of each Check* operation (botocore:
// CheckNoNewAccessResponse, CheckAccessNotGrantedResponse,
// CheckNoPublicAccessResponse have the same members).
type checkResponse interface {
	aashape.CheckNoNewAccessResponse | aashape.CheckAccessNotGrantedResponse | aashape.CheckNoPublicAccessResponse
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

// answer maps a check's result to the output, or its failure to an
// error. UNKNOWN has no place among AWS's results (PASS, FAIL): it is
// UnprocessableEntityException (422, in each operation's model), whose
// message names what could not be decided, so that a caller sees an error
// and never a PASS it cannot trust. Input the check refuses (an action or
// resource it cannot read, a policy the engine refuses) is
// InvalidParameterException; any other failure is InternalServerException.
func answer[O checkResponse](messages [2]string, a *CheckAnswer, err error) (*O, *awserr.Error) {
	var ue *analysis.UnknownError
	var ae *awserr.Error
	switch {
	case errors.As(err, &ae):
		return nil, Edge(ae)
	case errors.As(err, &ue):
		return nil, aaerr.UnprocessableEntityException("iamgate could not decide this check (UNKNOWN): %s. It is neither PASS nor FAIL.", ue.Construct)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return nil, aaerr.ThrottlingException("The check did not finish in the time iamgate gives one (serve --analysis-timeout): try a smaller policy.")
	case errors.Is(err, analysis.ErrCheckInput):
		return nil, aaerr.InvalidParameterException("%v", err)
	case err != nil:
		return nil, aaerr.InternalServerException("The check failed: %v", err)
	}
	var msg string
	switch a.Result {
	case "PASS":
		msg = messages[0]
	case "FAIL":
		msg = messages[1]
	default:
		// Anything but PASS or FAIL is not an answer to give.
		return nil, aaerr.InternalServerException("the check answered %q", a.Result)
	}
	var reasons shape.List[aashape.ReasonSummary]
	for _, r := range a.Reasons {
		rs := aashape.ReasonSummary{Description: r.Description, StatementId: r.StatementID}
		if r.StatementIndex >= 0 {
			rs.StatementIndex = shape.Ptr(int32(r.StatementIndex))
		}
		reasons = append(reasons, rs)
	}
	// The three outputs have the same members.
	out := O(aashape.CheckNoNewAccessResponse{Result: a.Result, Message: msg, Reasons: reasons})
	return &out, nil
}

// maxCheckPolicy bounds a policy document of a check, in characters: the
// checks' work grows faster than the policy, and no policy AWS stores is
// larger (a KMS key policy, 32 KB; the model sets no bound).
const maxCheckPolicy = 32768

// parseCheckPolicy parses a policy document of a check. A document that
// is not a policy is InvalidParameterException (in the model of each Check
// operation; AWS documents no message), naming the member and the first
// problem with its line and column.
func parseCheckPolicy(member, doc string) (*policy.Policy, *awserr.Error) {
	if n := utf8.RuneCountInString(doc); n > maxCheckPolicy {
		return nil, validationf(reasonOther, "%s has %d characters; iamgate checks policies of at most %d (a KMS key policy's maximum, the largest of AWS's policies).",
			member, n, maxCheckPolicy)
	}
	p, err := policy.Parse(member, []byte(doc))
	if err != nil {
		var errs policy.Errors
		if errors.As(err, &errs) && len(errs) > 0 {
			e := errs[0]
			return nil, aaerr.InvalidParameterException("%s is not a valid policy: %d:%d %s: %s", member, e.Pos.Line, e.Pos.Column, e.Code, e.Msg)
		}
		return nil, aaerr.InvalidParameterException("%s is not a valid policy: %v", member, err)
	}
	return p, nil
}

// present are the members of a request body given, not null (the typed
// input cannot tell an empty string from a member left out).
func present(body []byte) map[string]bool {
	var members map[string]json.RawMessage
	_ = json.Unmarshal(body, &members) // restjson.Decode has read it
	out := map[string]bool{}
	for k, v := range members {
		if string(v) != "null" {
			out[k] = true
		}
	}
	return out
}

// required adds a violation for each of names not given.
func required(vs *[]model.Violation, given map[string]bool, names ...string) {
	for _, n := range names {
		if !given[n] {
			*vs = append(*vs, null(n))
		}
	}
}

// checkPolicyType checks the policyType of CheckNoNewAccess and
// CheckAccessNotGranted: AccessCheckPolicyType, IDENTITY_POLICY or
// RESOURCE_POLICY. SERVICE_CONTROL_POLICY and RESOURCE_CONTROL_POLICY are
// not in that enum (they are ValidatePolicy's alone), so they are refused
// as any value outside it.
func checkPolicyType(vs *[]model.Violation, given map[string]bool, t string) {
	if given["policyType"] {
		if v := enum("policyType", t, "AccessCheckPolicyType"); v != nil {
			*vs = append(*vs, *v)
		}
	}
}

func checkNoNewAccess(b Backend, c *api.Call, in *aashape.CheckNoNewAccessRequest) (*aashape.CheckNoNewAccessResponse, *awserr.Error) {
	given := present(c.Body)
	var vs []model.Violation
	required(&vs, given, "newPolicyDocument", "existingPolicyDocument", "policyType")
	checkPolicyType(&vs, given, in.PolicyType)
	if e := fieldViolations(vs...); e != nil {
		return nil, e
	}
	updated, e := parseCheckPolicy("newPolicyDocument", in.NewPolicyDocument)
	if e != nil {
		return nil, e
	}
	existing, e := parseCheckPolicy("existingPolicyDocument", in.ExistingPolicyDocument)
	if e != nil {
		return nil, e
	}
	a, err := b.Check(c, func(ctx context.Context, checks Checks) (*CheckAnswer, error) {
		return checks.NoNewAccess(ctx, existing, updated, in.PolicyType == "IDENTITY_POLICY")
	})
	return answer[aashape.CheckNoNewAccessResponse](checkMessages["CheckNoNewAccess"], a, err)
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

func checkAccessNotGranted(b Backend, c *api.Call, in *aashape.CheckAccessNotGrantedRequest) (*aashape.CheckAccessNotGrantedResponse, *awserr.Error) {
	given := present(c.Body)
	var vs []model.Violation
	required(&vs, given, "policyDocument", "policyType")
	if in.Access == nil {
		vs = append(vs, null("access"))
	}
	checkPolicyType(&vs, given, in.PolicyType)
	if len(in.Access) > maxAccessEntries {
		vs = append(vs, model.Violation{Field: "access", Constraint: "Member must have length less than or equal to 1", Rule: model.RuleMaxLength})
	}
	var actions, resources []string
	for i, access := range in.Access {
		if i >= maxAccessEntries {
			break
		}
		field := "access." + strconv.Itoa(i+1) + ".member"
		if len(access.Actions) > maxAccessActions {
			vs = append(vs, model.Violation{Field: field + ".actions", Constraint: "Member must have length less than or equal to 100", Rule: model.RuleMaxLength})
		}
		if len(access.Resources) > maxAccessResources {
			vs = append(vs, model.Violation{Field: field + ".resources", Constraint: "Member must have length less than or equal to 100", Rule: model.RuleMaxLength})
		}
		actions, resources = access.Actions, access.Resources
		for j, res := range resources {
			if len(res) > maxAccessResource {
				v := res
				vs = append(vs, model.Violation{Value: &v, Field: field + ".resources." + strconv.Itoa(j+1) + ".member",
					Constraint: "Member must have length less than or equal to 2048", Rule: model.RuleMaxLength})
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
			return nil, aaerr.InvalidParameterException("An action in access must not be empty.")
		}
	}
	for _, r := range resources {
		if r == "" {
			return nil, aaerr.InvalidParameterException("A resource in access must not be empty.")
		}
	}
	p, e := parseCheckPolicy("policyDocument", in.PolicyDocument)
	if e != nil {
		return nil, e
	}
	a, err := b.Check(c, func(ctx context.Context, checks Checks) (*CheckAnswer, error) {
		return checks.AccessNotGranted(ctx, p, in.PolicyType == "IDENTITY_POLICY", actions, resources)
	})
	key := "CheckAccessNotGranted:both"
	switch {
	case len(resources) == 0:
		key = "CheckAccessNotGranted:actions"
	case len(actions) == 0:
		key = "CheckAccessNotGranted:resources"
	}
	return answer[aashape.CheckAccessNotGrantedResponse](checkMessages[key], a, err)
}

func checkNoPublicAccess(b Backend, c *api.Call, in *aashape.CheckNoPublicAccessRequest) (*aashape.CheckNoPublicAccessResponse, *awserr.Error) {
	given := present(c.Body)
	var vs []model.Violation
	required(&vs, given, "policyDocument", "resourceType")
	if given["resourceType"] {
		if v := enum("resourceType", in.ResourceType, "AccessCheckResourceType"); v != nil {
			vs = append(vs, *v)
		}
	}
	if e := fieldViolations(vs...); e != nil {
		return nil, e
	}
	p, e := parseCheckPolicy("policyDocument", in.PolicyDocument)
	if e != nil {
		return nil, e
	}
	a, err := b.Check(c, func(ctx context.Context, checks Checks) (*CheckAnswer, error) {
		return checks.NoPublicAccess(ctx, p, in.ResourceType)
	})
	return answer[aashape.CheckNoPublicAccessResponse](checkMessages["CheckNoPublicAccess"], a, err)
}
