package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/accessanalyzer"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/aaerr"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/restjson"
	"github.com/iamgate/iamgate/api/sigv4"
)

// The IAM Access Analyzer API (2019-11-01, REST-JSON): the policy checks
// and the analyzers of external access, served by api/accessanalyzer with
// the wire format of api/restjson. Requests are signed for access-analyzer
// in a region with an Access Analyzer endpoint: the checks are POSTs under
// /policy/, the analyzer operations are under /analyzer, /finding,
// /findingv2, /archive-rule, /analyzed-resource, /resource/scan and /tags/
// (reached by the signing scope). What is here is the server's part:
// authentication, the authorization of the checks, the audit log, the
// analysis slots the checks and scans run in; where the analyzers are kept
// is accessanalyzer_analyzers.go.

// accessAnalyzerPrefix is the path the policy checks are under.
const accessAnalyzerPrefix = "/policy/"

// maxAccessAnalyzerBody bounds a request body: two policy documents of a
// resource policy's largest size (20 KB for S3 bucket policies) fit many
// times over.
const maxAccessAnalyzerBody = 1 << 20

// isAccessAnalyzer reports a request for the Access Analyzer API: one under
// /policy/, or one signed for access-analyzer (which then is answered with
// Access Analyzer's errors whatever its path, as that endpoint would).
func isAccessAnalyzer(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, accessAnalyzerPrefix) {
		return true
	}
	scope := credentialScope(r)
	return len(scope) == 5 && scope[3] == "access-analyzer"
}

// checks is what the Check* operations use; tests may replace it.
var checks accessanalyzer.Checks = accessanalyzer.AnalysisChecks{}

// aaBackend is the server's part of the Access Analyzer handlers.
type aaBackend struct{ s *Server }

// Check runs a check in an analysis slot (one per core), bounded by
// --analysis-timeout and by the client staying: a slot not had before the
// client went away is that error, as the analyses answer it.
func (b aaBackend) Check(c *api.Call, check func(context.Context, accessanalyzer.Checks) (*accessanalyzer.CheckAnswer, error)) (*accessanalyzer.CheckAnswer, error) {
	release, qe := slot(c)
	if qe != nil {
		return nil, qe
	}
	defer release()
	ctx, cancel := context.WithTimeout(c.Ctx, b.s.cfg.AnalysisTimeout)
	defer cancel()
	return check(ctx, checks)
}

// serveAccessAnalyzer answers an Access Analyzer request. As every API of
// iamgate: the body is read whole and its hash checked by SigV4 against the
// scope access-analyzer in a region with an Access Analyzer endpoint; from
// then on the call is audited; a policy check is authorized by the engine
// (access-analyzer:OPERATION on "*": the Service Authorization Reference
// lists no resource type for these actions) before its input is read; an
// analyzer operation authorizes itself on its analyzer's ARN
// (accessanalyzer.Operation.Action).
func (s *Server) serveAccessAnalyzer(w http.ResponseWriter, r *http.Request, id string, _ *string) (string, string) {
	op, labels := accessanalyzer.Route(r.Method, r.URL.EscapedPath())
	action := "unknown"
	if op != nil {
		action = op.Name
	}
	fail := func(e *awserr.Error) (string, string) {
		restjson.WriteError(w, id, e)
		return action, e.Code
	}
	body, err := sigv4.ReadBody(r, maxAccessAnalyzerBody)
	if err != nil {
		return fail(awserr.New(awserr.JSONCommon["RequestEntityTooLarge"], "Request body must be at most %d bytes.", maxAccessAnalyzerBody))
	}
	now := s.cfg.Clock().UTC()
	caller, auth, qe := s.authenticate(r, body, now, "access-analyzer")
	if qe != nil {
		if e, ok := restjson.AuthError(qe); ok {
			return fail(e)
		}
		return fail(accessanalyzer.Edge(qe))
	}
	c := &api.Call{Ctx: r.Context(), Action: action, Caller: caller, Context: requestContext(r, auth, now), Now: now.Truncate(time.Second),
		State: s.state, Temporary: auth.session != nil, Body: body, Params: query.Params{Values: r.URL.Query()}}
	res, qe := s.run(r, id, "access-analyzer", action, auth, now, c, func(c *api.Call) (any, *query.Error) {
		if op == nil {
			return nil, accessanalyzer.UnknownOperation(r.Method, r.URL.Path)
		}
		// Access Analyzer is neither IAM nor STS: the credentials of
		// GetSessionToken may call it without MFA (the STS API Reference,
		// GetSessionToken, limits only IAM and STS calls).
		// An analyzer operation authorizes itself on the analyzer or
		// archive rule it names (op.Action), once its input is read.
		if op.Action == "" {
			if e := c.Authorize("access-analyzer:"+op.Name, "*", nil); e != nil {
				return nil, accessanalyzer.Edge(e)
			}
		}
		return op.Serve(aaBackend{s}, c, labels)
	})
	if qe != nil {
		return fail(accessanalyzer.Edge(qe))
	}
	if auth.key != nil {
		s.keys.Touch(r.Context(), *auth.key, "access-analyzer", auth.region, now)
	}
	if err := restjson.WriteResult(w, id, res); err != nil {
		return fail(aaerr.InternalServerException("the response could not be written"))
	}
	return action, "OK"
}
