package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/iamerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/sigv4"
	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/pipeline"
	"github.com/iamgate/iamgate/store"
)

// PipelinePath is the central policy pipeline's HTTP API.
const PipelinePath = "/v1/pipeline/"

// PipelineConfig turns on the central policy pipeline.
type PipelineConfig struct {
	// Role is the pipeline's own role in the security account
	// (arn:aws:iam::333333333333:role/central-policy-function). The server
	// gives the pipeline sessions of it, as Lambda gives a function its
	// execution role; it must exist in the world.
	Role string
	// Guardrails, when set, are stored at start as a new version if they
	// differ from the newest stored ones.
	Guardrails *pipeline.Guardrails
	// Endpoint is where the pipeline sends STS AssumeRole and IAM
	// CreatePolicy; empty means this server, in process (still SigV4-signed
	// and authorized like any client's call).
	Endpoint   string
	HTTPClient aws.HTTPClient
}

// setupPipeline stores the configured guardrails and builds the pipeline.
func (s *Server) setupPipeline(ctx context.Context) error {
	pc := s.cfg.Pipeline
	a, err := arn.Parse(pc.Role)
	if err != nil || a.Service != "iam" || !strings.HasPrefix(a.Resource, "role/") {
		return fmt.Errorf("pipeline role %q: want a role ARN", pc.Role)
	}
	if pc.Guardrails != nil {
		if pc.Guardrails.SecurityAccount != a.AccountID {
			return fmt.Errorf("pipeline role %s is not in the guardrails' security account %s", pc.Role, pc.Guardrails.SecurityAccount)
		}
		v, err := pipeline.SaveGuardrails(ctx, s.cfg.Store, pc.Guardrails, "iamgate serve", s.cfg.Clock())
		if err != nil {
			return fmt.Errorf("storing the guardrails: %w", err)
		}
		s.log.Info("pipeline guardrails", "file", pc.Guardrails.File, "version", v)
	}
	roleName := a.Resource[strings.LastIndexByte(a.Resource, '/')+1:]
	session := func(ctx context.Context) (aws.Credentials, error) {
		acct := s.state.World().Accounts.Get(a.AccountID)
		if acct == nil || acct.Roles.Get(roleName) == nil || acct.Roles.Get(roleName).ARN() != pc.Role {
			return aws.Credentials{}, fmt.Errorf("the pipeline role %s does not exist", pc.Role)
		}
		now := s.cfg.Clock().UTC().Truncate(time.Second)
		sc, err := s.keys.CreateSession(ctx, api.Session{Account: a.AccountID, RoleName: roleName, SessionName: "iamgate-pipeline",
			Issued: now, AuthTime: now, Expiration: now.Add(time.Hour)})
		if err != nil {
			return aws.Credentials{}, err
		}
		return aws.Credentials{AccessKeyID: sc.AccessKeyID, SecretAccessKey: sc.SecretAccessKey, SessionToken: sc.SessionToken,
			CanExpire: true, Expires: sc.Expiration, Source: "iamgate pipeline"}, nil
	}
	target := func() (string, aws.HTTPClient) { return pc.Endpoint, pc.HTTPClient }
	creator := pipeline.NewClient(session, target, s)
	s.pipeline = &pipeline.Pipeline{
		Store: s.cfg.Store,
		World: s.state.World,
		Guardrails: func(ctx context.Context) (*pipeline.Guardrails, error) {
			return pipeline.LatestGuardrails(ctx, s.cfg.Store)
		},
		Creator: creator,
		Now:     s.cfg.Clock,
	}
	return nil
}

// submitRequest is the JSON body of a submission.
type submitRequest struct {
	PolicyName  string          `json:"policyName"`
	Description string          `json:"description,omitempty"`
	Account     string          `json:"account,omitempty"`
	Team        string          `json:"team,omitempty"`
	Document    json.RawMessage `json:"document"`
}

func writePipelineError(w http.ResponseWriter, id string, e *query.Error) {
	writeDecision(w, id, e.Status, map[string]any{"error": decisionError{e.Code, e.Message}})
}

// servePipeline answers one operation of the pipeline API (its routes in
// routes.go), action its metrics and audit label:
//
//	POST /v1/pipeline/submissions        a submission (JSON, or policy.zip as application/zip)
//	GET  /v1/pipeline/submissions        submissions the caller may see (?account=, ?limit=)
//	GET  /v1/pipeline/submissions/{id}   one, with its history
//	PUT  /v1/pipeline/guardrails         new guardrails (YAML), security account only
//	GET  /v1/pipeline/guardrails         the guardrails in force
//
// Requests are SigV4-signed like every other; each is authorized by the
// engine as the caller (iamgate:SubmitPolicy, iamgate:GetSubmission,
// iamgate:ListSubmissions on submissionARN; iamgate:PutGuardrails and
// iamgate:GetGuardrails on "*") and recorded in the audit log.
func (s *Server) servePipeline(action string) apiFunc {
	return func(w http.ResponseWriter, r *http.Request, id string, _ *string) (string, string) {
		if s.pipeline == nil {
			return pipelineOff(w, id)
		}
		return s.pipelineOp(w, r, id, action)
	}
}

// pipelineOff answers every pipeline path of a server without the
// pipeline.
func pipelineOff(w http.ResponseWriter, id string) (string, string) {
	e := &query.Error{Code: "NotFound", Message: "the central policy pipeline is not enabled on this server (iamgate serve --pipeline-role, --pipeline-guardrails)", Status: 404, Sender: true}
	writePipelineError(w, id, e)
	return "Pipeline", e.Code
}

// pipelineNotFound answers a method and path under PipelinePath that name
// no pipeline operation.
func (s *Server) pipelineNotFound(w http.ResponseWriter, r *http.Request, id string, _ *string) (string, string) {
	if s.pipeline == nil {
		return pipelineOff(w, id)
	}
	e := &query.Error{Code: "NotFound", Message: r.Method + " " + r.URL.Path + " is not a pipeline operation", Status: 404, Sender: true}
	writePipelineError(w, id, e)
	return "Pipeline", e.Code
}

func (s *Server) pipelineOp(w http.ResponseWriter, r *http.Request, id, action string) (string, string) {
	fail := func(e *query.Error) (string, string) {
		writePipelineError(w, id, e)
		return action, e.Code
	}
	body, err := sigv4.ReadBody(r, pipeline.MaxUpload)
	if err != nil {
		return fail(awserr.RequestEntityTooLarge("Request body must be at most %d bytes.", pipeline.MaxUpload))
	}
	now := s.cfg.Clock().UTC()
	caller, auth, qe := s.authenticate(r, body, now, "pipeline")
	if qe != nil {
		return fail(qe)
	}
	c := &api.Call{Ctx: r.Context(), Action: action, Caller: caller, Context: requestContext(r, auth, now), Now: now.Truncate(time.Second),
		State: s.state, Temporary: auth.session != nil, Body: body}
	res, qe := s.run(r, id, "pipeline", action, auth, now, c, func(c *api.Call) (any, *query.Error) {
		switch action {
		case "SubmitPolicy":
			return s.submit(c, r)
		case "ListSubmissions":
			return s.listSubmissions(c, r)
		case "GetSubmission":
			return s.getSubmission(c, r.PathValue("id"))
		case "PutGuardrails":
			return s.putGuardrails(c)
		}
		return s.getGuardrails(c)
	})
	if qe != nil {
		return fail(qe)
	}
	writeDecision(w, id, 200, res)
	return action, "OK"
}

func (s *Server) guardrails(ctx context.Context) (*pipeline.Guardrails, *query.Error) {
	g, err := pipeline.LatestGuardrails(ctx, s.cfg.Store)
	if errors.Is(err, store.ErrNotFound) {
		return nil, awserr.ServiceUnavailable("the pipeline has no guardrails yet: the security account puts them first")
	}
	if err != nil {
		return nil, iamerr.ServiceFailure("reading the guardrails: %v", err)
	}
	return g, nil
}

// mayActFor reports whether the caller may act for an account: its own,
// or any from the security account.
func (s *Server) mayActFor(c *api.Call, g *pipeline.Guardrails, account string) bool {
	return c.Account() == account || (g != nil && c.Account() == g.SecurityAccount)
}

// submissionARN is what the pipeline's actions are authorized on:
// arn:aws:iamgate::CALLER_ACCOUNT:submission/TARGET_ACCOUNT/POLICY_NAME, a
// resource of the caller's own account, so that identity policies decide
// (Resource "arn:aws:iamgate::*:submission/444444444444/*" limits a
// principal to one target account).
func submissionARN(c *api.Call, target, name string) string {
	return "arn:aws:iamgate::" + c.Account() + ":submission/" + target + "/" + name
}

func (s *Server) submit(c *api.Call, r *http.Request) (any, *query.Error) {
	var sub *pipeline.Submission
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/zip") {
		z, err := pipeline.ReadZip("policy.zip", c.Body)
		if err != nil {
			return nil, awserr.ValidationError("%v", err)
		}
		m := z.Metadata
		if !utf8.ValidString(m.PolicyName+m.PolicyDescription+m.Account+m.Team) || !query.ValidJSONText(z.Document) {
			return nil, awserr.ValidationError("policy.zip holds text that is not valid UTF-8.")
		}
		sub = z
		if a := r.URL.Query().Get("account"); a != "" && sub.Account == "" {
			sub.Account = a
		}
	} else {
		var in submitRequest
		if !query.ValidJSONText(c.Body) {
			// Go's decoder would store U+FFFD for what was sent.
			return nil, awserr.ValidationError("The request body is not valid UTF-8 text.")
		}
		dec := json.NewDecoder(bytes.NewReader(c.Body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			return nil, awserr.ValidationError("the body is not a submission: %v (want policyName, description, account, document)", err)
		}
		doc := []byte(in.Document)
		var text string
		if json.Unmarshal(in.Document, &text) == nil {
			doc = []byte(text) // the document given as a JSON string
		}
		if len(doc) == 0 {
			return nil, awserr.ValidationError("document is required")
		}
		sub = &pipeline.Submission{Metadata: pipeline.Metadata{PolicyName: in.PolicyName, PolicyDescription: in.Description, Account: in.Account, Team: in.Team},
			Document: doc, File: "policy.json", Via: "api"}
	}
	if v := r.Header.Get("X-Iamgate-Via"); v == "cli" || v == "watch" {
		sub.Via = v
	}
	if sub.Account == "" {
		sub.Account = c.Account()
	}
	if err := sub.Metadata.Validate(); err != nil {
		return nil, awserr.ValidationError("%v", err)
	}
	g, qe := s.guardrails(c.Ctx)
	if qe != nil {
		return nil, qe
	}
	if !s.mayActFor(c, g, sub.Account) {
		return nil, awserr.AccessDenied("User: %s may submit policies for its own account only, not %s", c.Caller.Principal, sub.Account)
	}
	if e := c.Authorize("iamgate:SubmitPolicy", submissionARN(c, sub.Account, sub.PolicyName), nil); e != nil {
		return nil, e
	}
	// The team is the submitter's team tag; the metadata's Team counts
	// only for a submitter without one.
	if t := c.Caller.Tags()[g.TeamTag]; t != "" {
		sub.Team = t
	}
	sub.Submitter = c.Caller.Principal
	rec, err := s.pipeline.Submit(c.Ctx, sub)
	if err != nil {
		return nil, iamerr.ServiceFailure("recording the submission: %v", err)
	}
	return rec, nil
}

func (s *Server) getSubmission(c *api.Call, id string) (*pipeline.Record, *query.Error) {
	rec, err := pipeline.GetRecord(c.Ctx, s.cfg.Store, id)
	if pipeline.IsNoSubmission(err) {
		return nil, iamerr.NoSuchEntity("The submission %s cannot be found.", id)
	}
	if err != nil {
		return nil, iamerr.ServiceFailure("%v", err)
	}
	g, _ := pipeline.LatestGuardrails(c.Ctx, s.cfg.Store)
	if !s.mayActFor(c, g, rec.Account) {
		return nil, iamerr.NoSuchEntity("The submission %s cannot be found.", id)
	}
	if e := c.Authorize("iamgate:GetSubmission", submissionARN(c, rec.Account, rec.PolicyName), nil); e != nil {
		return nil, e
	}
	return rec, nil
}

func (s *Server) listSubmissions(c *api.Call, r *http.Request) (any, *query.Error) {
	q := r.URL.Query()
	account := q.Get("account")
	if account == "" {
		account = c.Account()
	}
	limit := 0
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			return nil, awserr.ValidationError("limit %q: want a count", l)
		}
		limit = n
	}
	recs, qe := s.submissionsFor(c, account, limit)
	if qe != nil {
		return nil, qe
	}
	return map[string]any{"submissions": recs}, nil
}

// submissionsFor lists an account's submissions (at most limit, 0: all),
// oldest first, as ListSubmissions authorizes it.
func (s *Server) submissionsFor(c *api.Call, account string, limit int) ([]*pipeline.Record, *query.Error) {
	g, _ := pipeline.LatestGuardrails(c.Ctx, s.cfg.Store)
	if !s.mayActFor(c, g, account) {
		return nil, awserr.AccessDenied("User: %s may list its own account's submissions only, not %s", c.Caller.Principal, account)
	}
	if e := c.Authorize("iamgate:ListSubmissions", submissionARN(c, account, "*"), nil); e != nil {
		return nil, e
	}
	recs, err := pipeline.ListRecords(c.Ctx, s.cfg.Store, func(r *pipeline.Record) bool { return r.Account == account }, limit)
	if err != nil {
		return nil, iamerr.ServiceFailure("%v", err)
	}
	if recs == nil {
		recs = []*pipeline.Record{}
	}
	return recs, nil
}

func (s *Server) putGuardrails(c *api.Call) (any, *query.Error) {
	pc := s.cfg.Pipeline
	a, _ := arn.Parse(pc.Role)
	if c.Account() != a.AccountID {
		return nil, awserr.AccessDenied("User: %s is not in the security account %s; only it puts guardrails", c.Caller.Principal, a.AccountID)
	}
	if e := c.Authorize("iamgate:PutGuardrails", "*", nil); e != nil {
		return nil, e
	}
	if !utf8.Valid(c.Body) {
		return nil, awserr.ValidationError("The guardrails are not valid UTF-8 text.")
	}
	g, err := pipeline.ParseGuardrails("guardrails.yaml", c.Body)
	if err != nil {
		return nil, awserr.ValidationError("%v", err)
	}
	if g.SecurityAccount != a.AccountID {
		return nil, awserr.ValidationError("securityAccount %s is not the pipeline role's account %s", g.SecurityAccount, a.AccountID)
	}
	v, err := pipeline.SaveGuardrails(c.Ctx, s.cfg.Store, g, c.Caller.Principal, c.Now)
	if err != nil {
		return nil, iamerr.ServiceFailure("%v", err)
	}
	return map[string]any{"version": v}, nil
}

func (s *Server) getGuardrails(c *api.Call) (any, *query.Error) {
	g, qe := s.guardrailsFor(c)
	if qe != nil {
		return nil, qe
	}
	return map[string]any{"version": g.Version, "file": g.File, "text": string(g.Text)}, nil
}

// guardrailsFor is the guardrails in force, as GetGuardrails authorizes
// them.
func (s *Server) guardrailsFor(c *api.Call) (*pipeline.Guardrails, *query.Error) {
	if e := c.Authorize("iamgate:GetGuardrails", "*", nil); e != nil {
		return nil, e
	}
	return s.guardrails(c.Ctx)
}
