package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/sigv4"
	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/evaldoc"
	"github.com/iamgate/iamgate/world"
)

// AnalysisPath is the access-graph API: who-can, can and allowed-if over
// the stored world.
const AnalysisPath = "/v1/analysis/"

// The analysis API's operations: the path after AnalysisPath, the audit
// and metrics label, and the iamgate action that authorizes it (iamgate's
// own action names, not AWS's).
var analysisOps = map[string]struct{ label, action string }{
	"who-can":    {"WhoCan", "iamgate:WhoCan"},
	"can":        {"Can", "iamgate:Can"},
	"allowed-if": {"AllowedIf", "iamgate:AllowedIf"},
}

// Limits of one question, checked on the input alone.
const (
	maxAnalysisActions  = 100
	maxAnalysisServices = 100
	maxAnalysisDepth    = 16
	maxAnalysisUnknown  = 64
)

// analysisSlots bounds the analyses running at once (one per core): an
// analysis may decide many thousands of requests, and the IAM, STS and
// decision APIs share the machine.
var analysisSlots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))

type whoCanRequest struct {
	Actions    []string                   `json:"actions"`
	Resource   string                     `json:"resource"`
	Context    map[string]json.RawMessage `json:"context"`
	Transitive bool                       `json:"transitive"`
	MaxDepth   int                        `json:"maxDepth"`
	Time       *time.Time                 `json:"time"`
}

type canRequest struct {
	Principal string                     `json:"principal"`
	Services  []string                   `json:"services"`
	Resource  string                     `json:"resource"`
	Context   map[string]json.RawMessage `json:"context"`
	Time      *time.Time                 `json:"time"`
}

type allowedIfRequest struct {
	Document       json.RawMessage `json:"document"`
	Unknown        []string        `json:"unknown"`
	UnknownContext bool            `json:"unknownContext"`
}

// analysisAccess is one result of who-can and can, in the shape of `iamgate
// who-can --output json` (internal/cli's jsonAccess).
type analysisAccess struct {
	Principal string                     `json:"principal"`
	Action    string                     `json:"action"`
	Resource  string                     `json:"resource,omitempty"`
	Decision  string                     `json:"decision"`
	AllowedIf [][]analysis.ChainConjunct `json:"allowedIf,omitempty"`
	Construct string                     `json:"allowedIfUnknown,omitempty"`
	Via       []string                   `json:"via"`
	Witnesses [][]map[string][]string    `json:"witnesses,omitempty"`
}

// analysisPermission is one result of can (`iamgate can --output json`).
type analysisPermission struct {
	analysisAccess
	Service     string `json:"service"`
	AccessLevel string `json:"accessLevel"`
	Pattern     string `json:"pattern,omitempty"`
}

// allowedIfAnswer is `iamgate eval --unknown ... --output json`.
type allowedIfAnswer struct {
	*engine.Explanation
	Unknown       []string              `json:"unknown"`
	MultiValued   []string              `json:"multiValued,omitempty"`
	AllowedIf     *analysis.Formula     `json:"allowedIf,omitempty"`
	Witnesses     []map[string][]string `json:"witnesses,omitempty"`
	UnknownReason string                `json:"allowedIfUnknown,omitempty"`
}

// serveAnalysis answers POST /v1/analysis/{who-can,can,allowed-if}: the
// operation whose metrics and audit label is action. Each is
// signed with SigV4 (scope iam, like the decision API), recorded in the
// audit log, and authorized by the engine as the caller before anything of
// the world is looked at: iamgate:WhoCan on the resource asked about,
// iamgate:Can on the principal, iamgate:AllowedIf on "*". A caller sees
// only its own account, or, from the organization's management account,
// the organization's accounts (see visibility).
func (s *Server) serveAnalysis(action string) apiFunc {
	return func(w http.ResponseWriter, r *http.Request, id string, _ *string) (string, string) {
		return s.analyze(w, r, id, action)
	}
}

func writeAnalysisError(w http.ResponseWriter, id string, e *query.Error) {
	writeDecision(w, id, e.Status, map[string]any{"error": decisionError{e.Code, e.Message}})
}

// analysisNotFound answers a path under AnalysisPath that names no
// analysis operation.
func analysisNotFound(w http.ResponseWriter, r *http.Request, id string, _ *string) (string, string) {
	e := &query.Error{Code: "NotFound", Message: r.URL.Path + " is not an analysis operation: POST to " + AnalysisPath + "who-can, can or allowed-if", Status: 404, Sender: true}
	writeAnalysisError(w, id, e)
	return "Analysis", e.Code
}

// analysisNotPost answers a request to an analysis operation that is not
// a POST.
func analysisNotPost(action string) apiFunc {
	return func(w http.ResponseWriter, r *http.Request, id string, _ *string) (string, string) {
		e := &query.Error{Code: "InvalidAction", Message: "POST a JSON request to " + r.URL.Path, Status: 405, Sender: true}
		writeAnalysisError(w, id, e)
		return action, e.Code
	}
}

func (s *Server) analyze(w http.ResponseWriter, r *http.Request, id, action string) (string, string) {
	fail := func(e *query.Error) (string, string) {
		writeAnalysisError(w, id, e)
		return action, e.Code
	}
	body, err := sigv4.ReadBody(r, maxDecisionBody)
	if err != nil {
		return fail(awserr.RequestEntityTooLarge("Request body must be at most %d bytes.", maxDecisionBody))
	}
	now := s.cfg.Clock().UTC()
	caller, auth, qe := s.authenticate(r, body, now, "analysis")
	if qe != nil {
		return fail(qe)
	}
	c := &api.Call{Ctx: r.Context(), Action: action, Caller: caller, Context: requestContext(r, auth, now), Now: now.Truncate(time.Second),
		State: s.state, Temporary: auth.session != nil, Body: body}
	res, qe := s.run(r, id, "analysis", action, auth, now, c, func(c *api.Call) (any, *query.Error) {
		// The analyses are IAM's simulations, asked of iamgate: the
		// credentials of GetSessionToken need MFA for them as for IAM.
		if e := sessionLimits("iam", action, auth.session); e != nil {
			return nil, e
		}
		if !query.ValidJSONText(body) {
			return nil, awserr.ValidationError("The request body is not valid UTF-8 text.")
		}
		switch action {
		case "WhoCan":
			return s.whoCan(c, body)
		case "Can":
			return s.can(c, body)
		}
		return s.allowedIf(c, body)
	})
	if qe != nil {
		return fail(qe)
	}
	writeDecision(w, id, 200, res)
	return action, "OK"
}

// decodeStrict reads a JSON object into v: fields spelled exactly as v's
// json tags, each at most once, nothing after the object. Go's decoder
// alone would take "Actions" for "actions" and the last of two "resource"
// fields, so that a proxy reading the first could be shown another question.
func decodeStrict(body []byte, v any, fields ...string) *query.Error {
	bad := func(format string, args ...any) *query.Error {
		return awserr.ValidationError(format, args...)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return bad("The request body must be a JSON object.")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return bad("The request body is not valid JSON: %v", err)
		}
		key, _ := tok.(string)
		known := false
		for _, f := range fields {
			known = known || f == key
		}
		if !known {
			return bad("Unknown field %q; the fields are %s.", key, strings.Join(fields, ", "))
		}
		if seen[key] {
			return bad("The field %q is given twice.", key)
		}
		seen[key] = true
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return bad("The request body is not valid JSON: %v", err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return bad("The request body is not valid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad("The request body holds more than one JSON value.")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return bad("The field %q cannot be a JSON %s.", te.Field, te.Value)
		}
		return bad("The request body is not valid: %v", err)
	}
	return nil
}

// authorizeAnalysis decides an iamgate analysis action on resource as the
// caller: by the caller's identity-based policies, permissions boundary,
// session policies and the SCPs over its account, with the resource taken
// to be in the caller's account. No resource-based policy, resource tag or
// RCP takes part: they belong to what is asked about, which the caller may
// not be allowed to see, and they would make the answer (and the encoded
// authorization failure message) depend on whether it exists.
func (s *Server) authorizeAnalysis(c *api.Call, action, resource string) *query.Error {
	start := time.Now()
	req, err := c.State.World().Gather(world.Request{Caller: c.Caller, Action: action, Resource: "*", Context: maps.Clone(c.Context), Time: c.Now})
	if err != nil {
		return awserr.AccessDenied("the caller cannot be authorized: %v", err)
	}
	req.Resource, req.ResourceAccount = resource, c.Account()
	req.Policies.Resource, req.Policies.RCP, req.ResourcePolicyKind = nil, nil, engine.KindGeneric
	e, qe := c.Decide(req, start)
	if qe != nil || e.Decision == engine.Allowed {
		return qe
	}
	return c.Denied(e)
}

// visibility is what a caller may see of the world: the principals and
// resources of its own account, and from the organization's management
// account those of every account of the organization. Accounts outside the
// organization are seen only by themselves.
type visibility struct {
	accounts map[string]bool
	// hidden: the world holds an account the caller may not read.
	hidden bool
	// owners: every resource of the world, by ARN, to its account.
	owners map[string]string
}

func newVisibility(w *world.World, account string) *visibility {
	v := &visibility{accounts: map[string]bool{}, owners: map[string]string{}}
	if account != "" {
		v.accounts[account] = true
	}
	if org := w.Organization; org != nil && account != "" && org.ManagementAccount == account {
		var walk func(ou *world.OU)
		walk = func(ou *world.OU) {
			if ou == nil {
				return
			}
			for _, a := range ou.Accounts {
				v.accounts[a] = true
			}
			for _, ch := range ou.Children {
				walk(ch)
			}
		}
		walk(org.Root)
	}
	for id, a := range w.Accounts.All() {
		if !v.accounts[id] {
			v.hidden = true
		}
		for r := range a.Resources.All() {
			v.owners[r] = id
		}
	}
	return v
}

// owner is the account of a resource the world holds (or of the resource
// an ARN is a part of: an S3 object's bucket), as world.Prepare finds it.
func (v *visibility) owner(a string, parsed arn.ARN) (string, bool) {
	if o, ok := v.owners[a]; ok {
		return o, true
	}
	for p := a; ; {
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			break
		}
		p = p[:i]
		if o, ok := v.owners[p]; ok {
			return o, true
		}
	}
	if parsed.Service == "glue" {
		if o, ok := v.owners["arn:"+parsed.Partition+":glue:"+parsed.Region+":"+parsed.AccountID+":catalog"]; ok {
			return o, true
		}
	}
	return "", false
}

// resource reports whether the caller may see a resource: "*"; an AWS
// managed policy; an ARN of an account it may read (and, when the world
// holds it, held by such an account). An ARN that names no account (S3) is
// seen when the world holds it in such an account, or, when the world does
// not hold it, when there is no account the caller may not read: otherwise
// the answer would tell which bucket names hidden accounts hold.
func (v *visibility) resource(a string) bool {
	if a == "*" {
		return true
	}
	parsed, err := arn.Parse(a)
	if err != nil {
		return false
	}
	if parsed.Service == "iam" && parsed.AccountID == "aws" {
		return true
	}
	if parsed.AccountID != "" && !v.accounts[parsed.AccountID] {
		return false
	}
	if o, held := v.owner(a, parsed); held {
		return v.accounts[o]
	}
	return parsed.AccountID != "" || !v.hidden
}

// principal reports whether the caller may see a principal: one of an
// account it may read, a service principal, or anonymous ("*").
func (v *visibility) principal(p string) bool {
	if p == "*" {
		return true
	}
	parsed, err := engine.ParsePrincipal(p)
	if err != nil {
		return false
	}
	switch parsed.Kind {
	case engine.Service, engine.Anonymous:
		return true
	}
	return parsed.Account != "" && v.accounts[parsed.Account]
}

// accessVisible: the principal and every role of its chain.
func (v *visibility) access(a *analysis.Access) bool {
	if !v.principal(a.Principal) {
		return false
	}
	for _, r := range a.Via {
		if !v.principal(r) {
			return false
		}
	}
	return true
}

const notVisible = "Analysis answers only about principals and resources of accounts the caller may read: its own, or, from the organization's management account, the organization's."

// accountIDs finds account IDs in an error's text.
var accountIDs = regexp.MustCompile(`\b[0-9]{12}\b`)

// analysisError is a failed analysis as ValidationError; one whose text
// names an account the caller may not read says only that it failed.
func (s *Server) analysisError(c *api.Call, v *visibility, err error) *query.Error {
	if errors.Is(err, world.ErrUnknownPrincipal) {
		return iamerr.NoSuchEntity("%v", err)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return awserr.ServiceUnavailable("The analysis did not finish within %s: ask a narrower question (fewer actions, a lower maxDepth).", s.cfg.AnalysisTimeout)
	}
	msg := err.Error()
	for _, id := range accountIDs.FindAllString(msg, -1) {
		if !v.accounts[id] {
			s.log.Info("analysis failed", "caller", c.Caller.Principal, "error", msg)
			return awserr.ValidationError("The analysis could not answer this question.")
		}
	}
	return awserr.ValidationError("%s", msg)
}

// slot waits for a free analysis slot; release gives it back.
func slot(c *api.Call) (release func(), qe *query.Error) {
	select {
	case analysisSlots <- struct{}{}:
		return func() { <-analysisSlots }, nil
	case <-c.Ctx.Done():
		return nil, awserr.ServiceUnavailable("The request was cancelled while waiting for an analysis to finish.")
	}
}

func toAccess(a *analysis.Access, resource string) analysisAccess {
	j := analysisAccess{Principal: a.Principal, Action: a.Action, Resource: resource, Decision: a.Decision, Via: a.Via, Construct: a.Construct}
	if j.Via == nil {
		j.Via = []string{}
	}
	if a.Decision == analysis.DecisionUnknown {
		return j
	}
	f, wits, err := a.Formula()
	if err != nil {
		j.Decision, j.Construct = analysis.DecisionUnknown, strings.TrimPrefix(err.Error(), "UNKNOWN: ")
		return j
	}
	if a.Decision == analysis.DecisionAllowedIf {
		j.AllowedIf = f
	}
	j.Witnesses = wits
	return j
}

// checkActions checks the actions of a question on their own.
func checkActions(actions []string) *query.Error {
	if len(actions) == 0 {
		return awserr.ValidationError("Give \"actions\": one or more service:Action names.")
	}
	if len(actions) > maxAnalysisActions {
		return awserr.ValidationError("At most %d actions, got %d.", maxAnalysisActions, len(actions))
	}
	for _, a := range actions {
		p, n, ok := strings.Cut(a, ":")
		if !ok || p == "" || n == "" || len(a) > 128 {
			return awserr.ValidationError("The action %q is not service:Action.", a)
		}
	}
	return nil
}

// checkResource checks a resource of a question on its own: "*" or an ARN.
func checkResource(field, r string) *query.Error {
	if r == "*" {
		return nil
	}
	if _, err := arn.Parse(r); err != nil || len(r) > 2048 {
		return awserr.ValidationError("The %s %q is not an ARN or \"*\".", field, r)
	}
	return nil
}

func (s *Server) whoCan(c *api.Call, body []byte) (any, *query.Error) {
	var in whoCanRequest
	if e := decodeStrict(body, &in, "actions", "resource", "context", "transitive", "maxDepth", "time"); e != nil {
		return nil, e
	}
	if e := checkActions(in.Actions); e != nil {
		return nil, e
	}
	if in.Resource == "" {
		return nil, awserr.ValidationError("Give \"resource\": the resource ARN, or \"*\" for actions without resource types.")
	}
	if e := checkResource("resource", in.Resource); e != nil {
		return nil, e
	}
	if in.MaxDepth < 0 || in.MaxDepth > maxAnalysisDepth {
		return nil, awserr.ValidationError("\"maxDepth\" is from 1 to %d (0 means 8).", maxAnalysisDepth)
	}
	kv, err := contextValues(in.Context)
	if err != nil {
		return nil, awserr.ValidationError("%v", err)
	}
	// Authorize on the question alone, then check that the caller may see
	// the resource: the same refusal for a resource of a hidden account and
	// for one that is not there.
	if e := s.authorizeAnalysis(c, "iamgate:WhoCan", in.Resource); e != nil {
		return nil, e
	}
	w := c.State.World()
	v := newVisibility(w, c.Account())
	if !v.resource(in.Resource) {
		return nil, awserr.AccessDenied("%s", notVisible)
	}
	at := c.Now
	if in.Time != nil {
		at = *in.Time
	}
	release, qe := slot(c)
	if qe != nil {
		return nil, qe
	}
	defer release()
	ctx, cancel := context.WithTimeout(c.Ctx, s.cfg.AnalysisTimeout)
	defer cancel()
	as, err := analysis.NewIndex(w).WhoCan(analysis.WhoCanQuery{Ctx: ctx, Actions: in.Actions, Resource: in.Resource, Context: kv, Time: at,
		Transitive: in.Transitive, MaxDepth: in.MaxDepth})
	if err != nil {
		return nil, s.analysisError(c, v, err)
	}
	// A result whose principal, or a role of whose chain, is of an account
	// the caller may not read is left out: its chain would name that
	// account's roles, and its conditions would come from their policies.
	results := make([]analysisAccess, 0, len(as))
	for _, a := range as {
		if v.access(a) {
			results = append(results, toAccess(a, ""))
		}
	}
	return map[string]any{"results": results}, nil
}

func (s *Server) can(c *api.Call, body []byte) (any, *query.Error) {
	var in canRequest
	if e := decodeStrict(body, &in, "principal", "services", "resource", "context", "time"); e != nil {
		return nil, e
	}
	if in.Principal == "" {
		return nil, awserr.ValidationError("Give \"principal\": a user or role ARN, an account root or a service principal.")
	}
	named, err := engine.ParsePrincipal(in.Principal)
	if err != nil {
		return nil, awserr.ValidationError("principal: %v", err)
	}
	principal := in.Principal
	if named.Kind == engine.AccountRoot {
		principal = named.ARN
	}
	if len(in.Services) > maxAnalysisServices {
		return nil, awserr.ValidationError("At most %d services, got %d.", maxAnalysisServices, len(in.Services))
	}
	for _, sv := range in.Services {
		if sv == "" || len(sv) > 64 || strings.ContainsAny(sv, ":*? ") {
			return nil, awserr.ValidationError("The service %q is not a service prefix (such as s3).", sv)
		}
	}
	if in.Resource != "" {
		if e := checkResource("resource", in.Resource); e != nil {
			return nil, e
		}
	}
	kv, err := contextValues(in.Context)
	if err != nil {
		return nil, awserr.ValidationError("%v", err)
	}
	if e := s.authorizeAnalysis(c, "iamgate:Can", principal); e != nil {
		return nil, e
	}
	w := c.State.World()
	v := newVisibility(w, c.Account())
	if !v.principal(principal) || (in.Resource != "" && !v.resource(in.Resource)) {
		return nil, awserr.AccessDenied("%s", notVisible)
	}
	at := c.Now
	if in.Time != nil {
		at = *in.Time
	}
	release, qe := slot(c)
	if qe != nil {
		return nil, qe
	}
	defer release()
	ctx, cancel := context.WithTimeout(c.Ctx, s.cfg.AnalysisTimeout)
	defer cancel()
	ps, err := analysis.NewIndex(w).Can(analysis.CanQuery{Ctx: ctx, Principal: principal, Services: in.Services, Resource: in.Resource, Context: kv, Time: at})
	if err != nil {
		return nil, s.analysisError(c, v, err)
	}
	// Resources of accounts the caller may not read are left out.
	results := make([]analysisPermission, 0, len(ps))
	for _, pm := range ps {
		if !v.resource(pm.Resource) {
			continue
		}
		a := &analysis.Access{Principal: principal, Action: pm.Action.FullName(), Decision: pm.Decision, Construct: pm.Construct}
		if pm.Step != nil {
			a.Steps = []*analysis.Step{pm.Step}
		}
		results = append(results, analysisPermission{analysisAccess: toAccess(a, pm.Resource), Service: pm.Action.Service.Prefix,
			AccessLevel: pm.Action.AccessLevel, Pattern: pm.Pattern})
	}
	return map[string]any{"principal": principal, "results": results}, nil
}

func (s *Server) allowedIf(c *api.Call, body []byte) (any, *query.Error) {
	var in allowedIfRequest
	if e := decodeStrict(body, &in, "document", "unknown", "unknownContext"); e != nil {
		return nil, e
	}
	if len(in.Document) == 0 || bytes.Equal(in.Document, []byte("null")) {
		return nil, awserr.ValidationError("Give \"document\": an `iamgate eval` request document.")
	}
	if len(in.Unknown) == 0 && !in.UnknownContext {
		return nil, awserr.ValidationError("Give \"unknown\" (context keys) or \"unknownContext\": true.")
	}
	if len(in.Unknown) > maxAnalysisUnknown {
		return nil, awserr.ValidationError("At most %d unknown keys, got %d.", maxAnalysisUnknown, len(in.Unknown))
	}
	for _, k := range in.Unknown {
		if k == "" || len(k) > 256 {
			return nil, awserr.ValidationError("The unknown key %q is not a condition key.", k)
		}
	}
	req, err := evaldoc.Parse("document", in.Document)
	if err != nil {
		return nil, awserr.ValidationError("%v", err)
	}
	// The document holds every policy it is decided with: nothing of the
	// world is read, so the question needs no visibility.
	if e := s.authorizeAnalysis(c, "iamgate:AllowedIf", "*"); e != nil {
		return nil, e
	}
	if req.Time.IsZero() {
		req.Time = c.Now
	}
	q, err := req.Prepare()
	if err != nil {
		return nil, awserr.ValidationError("document: %v", err)
	}
	release, qe := slot(c)
	if qe != nil {
		return nil, qe
	}
	defer release()
	res, err := analysis.AllowedIf(q, analysis.Options{Unknown: in.Unknown, AllUnknown: in.UnknownContext})
	var ue *analysis.UnknownError
	if err != nil && !errors.As(err, &ue) {
		return nil, awserr.ValidationError("%v", err)
	}
	ans := allowedIfAnswer{Explanation: engine.Explain(q.WithContext(nil, res.Unknown)), Unknown: res.Unknown, MultiValued: res.MultiValued}
	if ans.Unknown == nil {
		ans.Unknown = []string{}
	}
	if ue != nil {
		ans.UnknownReason = ue.Construct
	} else {
		f := res.AllowedIf
		if f == nil {
			f = analysis.Formula{}
		}
		ans.AllowedIf, ans.Witnesses = &f, res.Witnesses
	}
	return ans, nil
}
