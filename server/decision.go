package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/sigv4"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/evaldoc"
	"github.com/iamgate/iamgate/world"
)

// DecisionPath is the decision API for applications.
const DecisionPath = "/v1/authorize"

const (
	maxDecisionBody = 4 << 20
	maxBatch        = 1000
)

// decisionRequest is one question: an `iamgate eval` document, or a
// principal, action, resource and context resolved against the world.
type decisionRequest struct {
	Document  json.RawMessage            `json:"document,omitempty"`
	Principal string                     `json:"principal,omitempty"`
	Action    string                     `json:"action,omitempty"`
	Resource  string                     `json:"resource,omitempty"`
	Context   map[string]json.RawMessage `json:"context,omitempty"`
	Time      *time.Time                 `json:"time,omitempty"`
}

type decisionError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type decisionResult struct {
	Decision    string              `json:"decision,omitempty"`
	Explanation *engine.Explanation `json:"explanation,omitempty"`
	Error       *decisionError      `json:"error,omitempty"`
}

// decisionNotPost answers a request to DecisionPath that is not a POST.
func decisionNotPost(w http.ResponseWriter, _ *http.Request, id string, _ *string) (string, string) {
	e := &query.Error{Code: "InvalidAction", Message: "POST a JSON request to " + DecisionPath, Status: 405, Sender: true}
	writeDecision(w, id, e.Status, decisionResult{Error: &decisionError{e.Code, e.Message}})
	return "Authorize", e.Code
}

// serveDecision answers POST /v1/authorize: one request, or {"requests":
// [...]} answered in order as {"results": [...]}. It is signed with SigV4
// like every call; a document needs iam:SimulateCustomPolicy, a question
// about a principal iam:SimulatePrincipalPolicy on that principal, which
// must be in the caller's account (or any account, for the management
// account of the organization).
func (s *Server) serveDecision(w http.ResponseWriter, r *http.Request, id string, _ *string) (string, string) {
	action := "Authorize"
	fail := func(e *query.Error) (string, string) {
		writeDecision(w, id, e.Status, decisionResult{Error: &decisionError{e.Code, e.Message}})
		return action, e.Code
	}
	body, err := sigv4.ReadBody(r, maxDecisionBody)
	if err != nil {
		return fail(awserr.RequestEntityTooLarge("Request body must be at most %d bytes.", maxDecisionBody))
	}
	now := s.cfg.Clock().UTC()
	caller, auth, qe := s.authenticate(r, body, now, "decision")
	if qe != nil {
		return fail(qe)
	}
	c := &api.Call{Ctx: r.Context(), Action: action, Caller: caller, Context: requestContext(r, auth, now), Now: now.Truncate(time.Second),
		State: s.state, Temporary: auth.session != nil}
	// The caller is known: a refusal of its body is recorded too.
	early := func(e *query.Error) (string, string) {
		_, qe := s.run(r, id, "decision", action, auth, now, c, func(*api.Call) (any, *query.Error) { return nil, e })
		return fail(qe)
	}
	// A decision is IAM's SimulatePrincipalPolicy or SimulateCustomPolicy
	// asked of iamgate: the credentials of GetSessionToken need MFA for it
	// as for IAM (the STS API Reference, GetSessionToken).
	if e := sessionLimits("iam", action, auth.session); e != nil {
		return early(e)
	}
	if !query.ValidJSONText(body) {
		// Go's decoder would turn it into U+FFFD: a question about a
		// different string than the one asked.
		return early(awserr.ValidationError("The request body is not valid UTF-8 text."))
	}
	var batch struct {
		Requests []json.RawMessage `json:"requests"`
	}
	if err := json.Unmarshal(body, &batch); err != nil {
		return early(awserr.MalformedQueryString("the body is not a JSON object: %v", err))
	}
	if batch.Requests != nil {
		action = "AuthorizeBatch"
	}
	res, qe := s.run(r, id, "decision", action, auth, now, c, func(c *api.Call) (any, *query.Error) {
		if batch.Requests == nil {
			res := s.decide(c, body)
			if res.Error != nil {
				st := query.Status(res.Error.Code)
				if st == 0 {
					st = 400
				}
				return nil, &query.Error{Code: res.Error.Code, Message: res.Error.Message, Status: st, Sender: true}
			}
			return res, nil
		}
		if len(batch.Requests) > maxBatch {
			return nil, awserr.ValidationError("a batch holds at most %d requests, got %d", maxBatch, len(batch.Requests))
		}
		out := struct {
			Results []decisionResult `json:"results"`
		}{Results: make([]decisionResult, 0, len(batch.Requests))}
		for _, raw := range batch.Requests {
			out.Results = append(out.Results, s.decide(c, raw))
		}
		return out, nil
	})
	if qe != nil {
		return fail(qe)
	}
	writeDecision(w, id, 200, res)
	return action, "OK"
}

func writeDecision(w http.ResponseWriter, id string, status int, v any) {
	data, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-RequestId", id)
	w.WriteHeader(status)
	w.Write(data)
}

func (s *Server) decide(c *api.Call, raw json.RawMessage) decisionResult {
	bad := func(code, format string, args ...any) decisionResult {
		return decisionResult{Error: &decisionError{code, fmt.Sprintf(format, args...)}}
	}
	var in decisionRequest
	if err := json.Unmarshal(raw, &in); err != nil {
		return bad("ValidationError", "the request is not valid: %v", err)
	}
	if len(in.Document) > 0 {
		if e := c.Authorize("iam:SimulateCustomPolicy", "*", nil); e != nil {
			return bad(e.Code, "%s", e.Message)
		}
		req, err := evaldoc.Parse("document", in.Document)
		if err != nil {
			return bad("ValidationError", "%v", err)
		}
		q, err := req.Prepare()
		if err != nil {
			return bad("ValidationError", "%v", err)
		}
		e := engine.Explain(q)
		return decisionResult{Decision: e.DecisionText, Explanation: e}
	}
	if in.Principal == "" || in.Action == "" {
		return bad("ValidationError", "give a document, or a principal, an action and a resource")
	}
	if in.Resource == "" {
		in.Resource = "*"
	}
	w := c.State.World()
	// Authorize before looking the principal up, on what the question
	// names, so that a denied caller learns nothing of which principals
	// exist (the same rule as the IAM API's).
	named, err := engine.ParsePrincipal(in.Principal)
	if err != nil {
		return bad("ValidationError", "principal: %v", err)
	}
	mgmt := w.Organization != nil && w.Organization.ManagementAccount == c.Account()
	if named.Account != "" && named.Account != c.Account() && !mgmt {
		return bad("AccessDenied", "principals of account %s can be asked about only from that account or the organization's management account", named.Account)
	}
	if e := s.authorizeQuestion(c, in.Principal, named.Account != c.Account()); e != nil {
		return bad(e.Code, "%s", e.Message)
	}
	p, err := w.Caller(in.Principal)
	if err != nil {
		return bad("NoSuchEntity", "%v", err)
	}
	ctx, err := contextValues(in.Context)
	if err != nil {
		return bad("ValidationError", "%v", err)
	}
	at := c.Now
	if in.Time != nil {
		at = *in.Time
	}
	ex, err := w.Decide(world.Request{Caller: p, Action: in.Action, Resource: in.Resource, Context: ctx, Time: at})
	if err != nil {
		return bad("ValidationError", "%v", err)
	}
	return decisionResult{Decision: ex.DecisionText, Explanation: ex}
}

// contextValues reads context keys given as a string, a number, a boolean,
// or a list of them.
func contextValues(in map[string]json.RawMessage) (map[string][]string, error) {
	out := map[string][]string{}
	for k, raw := range in {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("context %s: %v", k, err)
		}
		items, isList := v.([]any)
		if !isList {
			items = []any{v}
		}
		for _, it := range items {
			switch x := it.(type) {
			case string:
				out[k] = append(out[k], x)
			case bool:
				out[k] = append(out[k], strconv.FormatBool(x))
			case float64:
				out[k] = append(out[k], strconv.FormatFloat(x, 'f', -1, 64))
			default:
				return nil, fmt.Errorf("context %s: values are strings, numbers or booleans", k)
			}
		}
	}
	return out, nil
}

// authorizeQuestion authorizes iam:SimulatePrincipalPolicy on the principal
// a question names. The management account's questions about principals of
// other accounts are iamgate's own (the organization is its to inspect):
// they are decided by the caller's policies, with the principal's ARN as
// the resource, as if it were in the caller's account.
func (s *Server) authorizeQuestion(c *api.Call, principal string, otherAccount bool) *query.Error {
	if !otherAccount {
		return c.Authorize("iam:SimulatePrincipalPolicy", principal, nil)
	}
	ctx := make(map[string][]string, len(c.Context))
	for k, v := range c.Context {
		ctx[k] = v
	}
	req, err := c.State.World().Gather(world.Request{Caller: c.Caller, Action: "iam:SimulatePrincipalPolicy", Resource: principal, Context: ctx, Time: c.Now})
	if err != nil {
		return awserr.ValidationError("%v", err)
	}
	req.ResourceAccount = c.Account()
	q, err := req.Prepare()
	if err != nil {
		return awserr.ValidationError("%v", err)
	}
	e := engine.Explain(q)
	c.Record(e)
	if e.Decision == engine.Allowed {
		return nil
	}
	return c.Denied(e)
}
