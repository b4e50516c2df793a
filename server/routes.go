package server

import (
	"net/http"
	"path"
	"strings"

	"github.com/iamgate/iamgate/api"
)

// routes builds the server's one ServeMux (New calls it once): every API
// by method and path (Go's ServeMux patterns). A route's handler
// authenticates (SigV4) and authorizes (the engine) its requests itself,
// and answers a method or path it does not serve with its own API's error;
// what no route has is the AWS APIs', which answer it as AWS does.
func (s *Server) routes() {
	mux := http.NewServeMux()
	s.aws = s.api("", s.serveAWS)

	// The AWS APIs at every path: the Query API (IAM, STS) by Action and
	// Version, Organizations' JSON API by X-Amz-Target, Access Analyzer by
	// its signing scope; Access Analyzer's REST-JSON paths under /policy/.
	mux.Handle("/", s.aws)
	aa := s.api("access-analyzer", s.serveAccessAnalyzer)
	mux.Handle("/policy/", aa)

	// The decision API (decision.go).
	mux.Handle("POST "+DecisionPath, s.api("decision", s.serveDecision))
	mux.Handle(DecisionPath, s.api("decision", decisionNotPost))

	// The pipeline API (pipeline.go). A GET pattern also matches HEAD,
	// which the pipeline does not serve.
	for _, op := range []struct{ method, path, action string }{
		{"POST", "submissions", "SubmitPolicy"},
		{"GET", "submissions", "ListSubmissions"},
		{"GET", "submissions/{id...}", "GetSubmission"},
		{"PUT", "guardrails", "PutGuardrails"},
		{"GET", "guardrails", "GetGuardrails"},
	} {
		mux.Handle(op.method+" "+PipelinePath+op.path, s.api("pipeline", s.servePipeline(op.action)))
		if op.method == http.MethodGet {
			mux.Handle("HEAD "+PipelinePath+op.path, s.api("pipeline", s.pipelineNotFound))
		}
	}
	pipelineNotFound := s.api("pipeline", s.pipelineNotFound)
	mux.Handle(PipelinePath, pipelineNotFound)

	// The analysis API (analysis.go).
	for p, op := range analysisOps {
		mux.Handle("POST "+AnalysisPath+p, s.api("analysis", s.serveAnalysis(op.label)))
		mux.Handle(AnalysisPath+p, s.api("analysis", analysisNotPost(op.label)))
	}
	analysisNotFound := s.api("analysis", analysisNotFound)
	mux.Handle(AnalysisPath, analysisNotFound)

	// Public routes, answered without a signature, go here, one line each:
	//	mux.Handle("GET /.well-known/NAME", s.api("LABEL", s.serveNAME))
	// (boundedAction then needs LABEL's actions, or counts them "unknown").
	// The outbound web identity federation issuers' discovery documents
	// (outbound_discovery.go), which answer every other path under
	// OutboundPath, and every method but GET and HEAD, 404 themselves.
	outbound := http.HandlerFunc(s.serveOutboundDiscovery)
	mux.Handle(api.OutboundPath, outbound)

	// The web console, when one is mounted (MountConsole), ahead of the
	// APIs; without one, the AWS APIs answer its paths.
	console := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.console != nil {
			s.console.ServeHTTP(w, r)
			return
		}
		s.aws.ServeHTTP(w, r)
	})
	mux.Handle("/console", console)
	mux.Handle("/console/", console)

	// ServeMux redirects a subtree's root without its slash to the
	// subtree: these are no API's paths, so the AWS APIs answer them.
	for _, p := range []string{"/policy", strings.TrimSuffix(PipelinePath, "/"), strings.TrimSuffix(AnalysisPath, "/"), strings.TrimSuffix(api.OutboundPath, "/")} {
		mux.Handle(p, s.aws)
	}
	s.mux = mux
	// A path under a subtree that ServeMux does not route (routable) is
	// the subtree's API's to answer, as one it does not serve.
	s.subtrees = []subtree{{"/console/", console}, {"/policy/", aa}, {PipelinePath, pipelineNotFound}, {AnalysisPath, analysisNotFound}, {api.OutboundPath, outbound}}
}

// subtree is the API of the paths under prefix, and its handler of a path
// there that ServeMux does not route.
type subtree struct {
	prefix   string
	unrouted http.Handler
}

// routable reports whether ServeMux routes r rather than answering it
// itself: it redirects a path that is not clean (//, /./, /../) to the
// clean one and answers 400 to "*", neither of which is an AWS answer.
// CONNECT paths are routed as they are.
func routable(r *http.Request) bool {
	p := r.URL.EscapedPath()
	if r.RequestURI == "*" || p == "" || p[0] != '/' {
		return false
	}
	if r.Method == http.MethodConnect {
		return true
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}
