package server

import (
	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/pipeline"
)

// The pipeline's read operations for the web console (console.Pipeline):
// the handlers the pipeline API serves, called with the console's call as
// the signed-in user, so that each is authorized as on the wire
// (iamgate:ListSubmissions, iamgate:GetSubmission, iamgate:GetGuardrails).

// errNoPipeline answers when the pipeline is not enabled.
var errNoPipeline = &query.Error{Code: "NotFound", Message: "the central policy pipeline is not enabled on this server (iamgate serve --pipeline-role, --pipeline-guardrails)", Status: 404, Sender: true}

// PipelineEnabled reports whether the server serves the central policy
// pipeline.
func (s *Server) PipelineEnabled() bool { return s.pipeline != nil }

// PipelineSubmissions is ListSubmissions: an account's submissions, oldest
// first, at most limit (0: all).
func (s *Server) PipelineSubmissions(c *api.Call, account string, limit int) ([]*pipeline.Record, *query.Error) {
	if s.pipeline == nil {
		return nil, errNoPipeline
	}
	return s.submissionsFor(c, account, limit)
}

// PipelineSubmission is GetSubmission.
func (s *Server) PipelineSubmission(c *api.Call, id string) (*pipeline.Record, *query.Error) {
	if s.pipeline == nil {
		return nil, errNoPipeline
	}
	return s.getSubmission(c, id)
}

// PipelineGuardrails is GetGuardrails: the guardrails in force.
func (s *Server) PipelineGuardrails(c *api.Call) (*pipeline.Guardrails, *query.Error) {
	if s.pipeline == nil {
		return nil, errNoPipeline
	}
	return s.guardrailsFor(c)
}
