package console

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/pipeline"
)

// Pipeline is the central policy pipeline's read operations, as the server
// serves them at /v1/pipeline/ (server.Server implements it): each is given
// the console's call as the signed-in user and authorizes it as the wire
// API does (iamgate:ListSubmissions, iamgate:GetSubmission,
// iamgate:GetGuardrails), so the console never decides access itself.
type Pipeline interface {
	// PipelineEnabled reports whether the server serves the pipeline.
	PipelineEnabled() bool
	// PipelineSubmissions is ListSubmissions: an account's submissions,
	// oldest first, at most limit (0: all).
	PipelineSubmissions(c *api.Call, account string, limit int) ([]*pipeline.Record, *query.Error)
	// PipelineSubmission is GetSubmission.
	PipelineSubmission(c *api.Call, id string) (*pipeline.Record, *query.Error)
	// PipelineGuardrails is GetGuardrails: the guardrails in force.
	PipelineGuardrails(c *api.Call) (*pipeline.Guardrails, *query.Error)
}

// pipelineShown caps the submissions the list shows, newest first.
const pipelineShown = 100

// pipelineCall runs one pipeline operation as the user and records it in
// the audit log (service "pipeline", as the server records the API's
// calls).
func pipelineCall[T any](c *Console, v *view, op string, fn func(*api.Call) (T, *query.Error)) (T, *failure) {
	call, rec := c.newCall(v.ctx, v.a, op)
	res, qe := fn(call)
	if f := c.record(v.ctx, v.a, call, rec, "pipeline", op, qe); f != nil {
		var zero T
		return zero, f
	}
	return res, nil
}

// pipelineOff answers, when the server does not serve the pipeline, with
// the page saying so, and reports it.
func (c *Console) pipelineOff(w http.ResponseWriter, v *view) bool {
	if c.cfg.Pipeline != nil && c.cfg.Pipeline.PipelineEnabled() {
		return false
	}
	v.page.Data = pipelineData{Off: true}
	c.render(w, v.request, http.StatusOK, "pipeline", v.page)
	return true
}

type submissionRow struct {
	ID, PolicyName, Account, Team, Submitter, Status, Created string
	Reasons                                                   int
}

type pipelineData struct {
	// Off: the server does not serve the pipeline.
	Off          bool
	Account      string
	Rows         []submissionRow
	Shown, Total int
	Guardrails   guardrailsInfo
}

type guardrailsInfo struct {
	section
	Version int
	File    string
	Text    string
}

// guardrailsInForce reads the guardrails in force (GetGuardrails); a
// denial or their absence is shown in place.
func (c *Console) guardrailsInForce(v *view) guardrailsInfo {
	g, f := pipelineCall(c, v, "GetGuardrails", c.cfg.Pipeline.PipelineGuardrails)
	if f != nil {
		return guardrailsInfo{section: section{Failure: f}}
	}
	return guardrailsInfo{Version: g.Version, File: g.File, Text: string(g.Text)}
}

// pipelinePage lists the account's submissions, newest first
// (ListSubmissions; ?account= names another account, which only the
// security account may list), with the guardrails in force.
func (c *Console) pipelinePage(w http.ResponseWriter, v *view) {
	v.page.Title, v.page.Nav = "Pipeline", "pipeline"
	if c.pipelineOff(w, v) {
		return
	}
	acct := strings.TrimSpace(v.request.URL.Query().Get("account"))
	if acct == "" {
		acct = v.a.caller.Account.ID
	}
	recs, f := pipelineCall(c, v, "ListSubmissions", func(call *api.Call) ([]*pipeline.Record, *query.Error) {
		return c.cfg.Pipeline.PipelineSubmissions(call, acct, 0)
	})
	if f != nil {
		c.fail(w, v.request, v.page, f)
		return
	}
	// Newest first: IDs order by the second, so two of the same second
	// are ordered by their time.
	slices.SortStableFunc(recs, func(a, b *pipeline.Record) int { return b.Created.Compare(a.Created) })
	d := pipelineData{Account: acct, Total: len(recs)}
	for _, r := range recs {
		if len(d.Rows) == pipelineShown {
			break
		}
		row := submissionRow{ID: r.ID, PolicyName: r.PolicyName, Account: r.Account, Team: r.Team, Submitter: r.Submitter, Status: r.Status,
			Created: r.Created.UTC().Format(time.RFC3339)}
		if r.Result != nil {
			row.Reasons = len(r.Result.Reasons)
		}
		d.Rows = append(d.Rows, row)
	}
	d.Shown = len(d.Rows)
	d.Guardrails = c.guardrailsInForce(v)
	v.page.Data = d
	c.render(w, v.request, http.StatusOK, "pipeline", v.page)
}

// docLine is a line of a submitted document with the reasons found on it.
type docLine struct {
	N       int
	Text    string
	Reasons []lineReason
}

// lineReason is a reason shown under its line: Caret puts a ^ under its
// column (the line's own tabs kept, so that it lines up).
type lineReason struct {
	Index int
	Caret string
	pipeline.Reason
}

type submissionData struct {
	*pipeline.Record
	Created    string
	Lines      []docLine
	Reasons    []lineReason
	Elsewhere  []lineReason // reasons with no line in the document (metadata.json, the whole policy)
	Guardrails guardrailsInfo
	Final      string
}

// submission shows one submission (GetSubmission): its history, its
// document with each reason at its line and column, the guardrails version
// that checked it and the one in force now (GetGuardrails).
func (c *Console) submission(w http.ResponseWriter, v *view) {
	v.page.Title, v.page.Nav = "Submission", "pipeline"
	if c.pipelineOff(w, v) {
		return
	}
	id := v.request.PathValue("id")
	r, f := pipelineCall(c, v, "GetSubmission", func(call *api.Call) (*pipeline.Record, *query.Error) {
		return c.cfg.Pipeline.PipelineSubmission(call, id)
	})
	if f != nil {
		c.fail(w, v.request, v.page, f)
		return
	}
	v.page.Title = "Submission " + r.PolicyName
	d := submissionData{Record: r, Created: r.Created.UTC().Format(time.RFC3339), Guardrails: c.guardrailsInForce(v)}
	lines := strings.Split(strings.TrimSuffix(r.Submitted, "\n"), "\n")
	for i, l := range lines {
		d.Lines = append(d.Lines, docLine{N: i + 1, Text: strings.TrimSuffix(l, "\r")})
	}
	if r.Result != nil {
		for i, rs := range r.Result.Reasons {
			lr := lineReason{Index: i + 1, Reason: rs}
			if onDocument(r, rs) && rs.Location.Line >= 1 && rs.Location.Line <= len(d.Lines) {
				dl := &d.Lines[rs.Location.Line-1]
				lr.Caret = caret(dl.Text, rs.Location.Column)
				dl.Reasons = append(dl.Reasons, lr)
			} else {
				d.Elsewhere = append(d.Elsewhere, lr)
			}
			d.Reasons = append(d.Reasons, lr)
		}
		d.Final = indentJSON(r.Result.Document)
	}
	v.page.Data = d
	c.render(w, v.request, http.StatusOK, "submission", v.page)
}

// onDocument tells a reason located in the submitted policy document
// (not in metadata.json).
func onDocument(r *pipeline.Record, rs pipeline.Reason) bool {
	file := r.File
	if file == "" {
		file = "policy.json"
	}
	return rs.Location.File == "" || rs.Location.File == file
}

// caret is the blank before column col (1-based, in characters) of line,
// its tabs kept, then "^".
func caret(line string, col int) string {
	var b strings.Builder
	n := 0
	for _, ch := range line {
		if n >= col-1 {
			break
		}
		if ch == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
		n++
	}
	b.WriteByte('^')
	return b.String()
}
