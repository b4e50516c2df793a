package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/api/accessanalyzer"
	"github.com/iamgate/iamgate/api/awserr"
	"github.com/iamgate/iamgate/api/awserr/aaerr"
	"github.com/iamgate/iamgate/api/awsjson"
	"github.com/iamgate/iamgate/api/iam"
	"github.com/iamgate/iamgate/api/organizations"
	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/api/restjson"
	"github.com/iamgate/iamgate/api/sigv4"
	"github.com/iamgate/iamgate/api/sts"
	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/keyring"
	"github.com/iamgate/iamgate/pipeline"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/world"
)

// MaxBody is the largest request body accepted. IAM's largest parameter is
// a 10,240-character policy document, URL-encoded in a form.
const MaxBody = 256 << 10

// Config configures a Server.
type Config struct {
	Store  store.Store
	Master keyring.MasterKey
	// Dev accepts any credentials (signatures are not checked) as
	// DevAccount's administrator, unless they carry a session token.
	Dev bool
	// Account is the account created on first start.
	Account string
	Logger  *slog.Logger
	// Clock returns the time; nil means time.Now.
	Clock func() time.Time
	// Metrics, when set, counts requests and times decisions and the store.
	Metrics *Metrics
	// Audit, when set, records every authenticated call; a call that cannot
	// be recorded fails.
	Audit *audit.Log
	// Pipeline, when set, serves the central policy pipeline.
	Pipeline *PipelineConfig
	// AnalysisTimeout bounds one analysis request (who-can, can); 0 means
	// DefaultAnalysisTimeout. A client that goes away cancels its analysis
	// too.
	AnalysisTimeout time.Duration
	// PublicURL is the URL clients reach the server at
	// (scheme://host[:port]), which outbound web identity federation
	// issuers are under (api.OutboundPath); "" means each request's own
	// (its Host, and https when it came over TLS).
	PublicURL string
	// Notify, when set, delivers the notifications AWS would publish to an
	// SNS topic: a temporary delegation request's state changes and its
	// exchange token (SendDelegationToken), to the request's
	// NotificationChannel. The message is JSON and may hold a secret (the
	// token). Without it SendDelegationToken cannot send a token.
	Notify func(ctx context.Context, channel string, message []byte) error
}

// DefaultAnalysisTimeout is how long one analysis may run.
const DefaultAnalysisTimeout = 2 * time.Minute

// Server answers IAM and STS Query API requests.
type Server struct {
	cfg      Config
	state    *State
	keys     *keyring.Keys
	log      *slog.Logger
	pipeline *pipeline.Pipeline
	sessions *keyring.SessionCache
	stop     context.CancelFunc
	done     chan struct{}
	console  http.Handler // the web console (MountConsole)
	// mux routes every request (routes.go); aws answers what no other
	// route has: the AWS APIs.
	mux      *http.ServeMux
	aws      http.Handler
	subtrees []subtree
}

// New loads the state from the store.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Account == "" {
		cfg.Account = DefaultAccount
	}
	if cfg.AnalysisTimeout <= 0 {
		cfg.AnalysisTimeout = DefaultAnalysisTimeout
	}
	if cfg.PublicURL != "" {
		u, err := url.Parse(cfg.PublicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return nil, fmt.Errorf("the public URL %q is not scheme://host[:port]", cfg.PublicURL)
		}
		cfg.PublicURL = u.Scheme + "://" + u.Host
	}
	keys := keyring.NewKeys(cfg.Store, cfg.Master)
	st, err := LoadState(ctx, cfg.Store, keys, cfg.Master)
	if err != nil {
		return nil, err
	}
	st.observe = cfg.Metrics.storeOp
	st.notify = cfg.Notify
	s := &Server{cfg: cfg, state: st, keys: keys, log: cfg.Logger, sessions: keyring.NewSessionCache(keyring.MaxSessions), done: make(chan struct{})}
	s.routes()
	if cfg.Pipeline != nil {
		if err := s.setupPipeline(ctx); err != nil {
			return nil, err
		}
	}
	// Follow what other servers sharing the store write.
	fctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	go func() {
		defer close(s.done)
		st.Follow(fctx, s.log)
	}()
	return s, nil
}

// Close stops following the store. It does not close the store.
func (s *Server) Close() error {
	s.stop()
	<-s.done
	return nil
}

// State is the server's state.
func (s *Server) State() *State { return s.state }

// Keys is the server's credential keeper.
func (s *Server) Keys() *keyring.Keys { return s.keys }

func requestID() string {
	var b [16]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

type service struct {
	name, ns string
	ops      map[string]func(*api.Call) (any, *query.Error)
	// validate checks a request against the operation's input shape in the
	// model before the operation runs.
	validate func(action string, p query.Params) *query.Error
}

var services = map[string]service{}

func init() {
	iamOps := map[string]func(*api.Call) (any, *query.Error){}
	for k, v := range iam.Operations {
		iamOps[k] = v
	}
	stsOps := map[string]func(*api.Call) (any, *query.Error){}
	for k, v := range sts.Operations {
		stsOps[k] = v
	}
	services["2010-05-08"] = service{"iam", query.IAMNamespace, iamOps, iam.Validate}
	services["2011-06-15"] = service{"sts", query.STSNamespace, stsOps, sts.Validate}
}

// MountConsole serves h at /console and under /console/ (the web console),
// ahead of the APIs; call it before serving.
func (s *Server) MountConsole(h http.Handler) { s.console = h }

// ServeHTTP answers one request through the server's routes (routes.go).
// Every failure is an AWS error response; a panic in a handler is logged
// and answered InternalFailure.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !routable(r) {
		// ServeMux would answer it itself (a redirect to the clean path, or
		// 400 for "*"): the API whose subtree it is in answers it as a
		// path it does not serve, or else the AWS APIs.
		for _, t := range s.subtrees {
			if strings.HasPrefix(r.URL.Path, t.prefix) {
				t.unrouted.ServeHTTP(w, r)
				return
			}
		}
		s.aws.ServeHTTP(w, r)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// apiFunc answers one request of an API. ns is the XML namespace a panic
// is answered in (the Query API sets it once it knows the service); it
// returns the action and the outcome for the metrics and the log.
type apiFunc func(w http.ResponseWriter, r *http.Request, id string, ns *string) (action, outcome string)

// api is the handler of an API: a request ID for each request, a panic
// logged and answered InternalFailure, and the request counted and logged
// under service ("" for the AWS APIs: the service the request named).
func (s *Server) api(service string, h apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := requestID()
		ns := query.IAMNamespace
		start := time.Now()
		defer func() {
			if v := recover(); v != nil {
				s.log.Error("panic", "request", id, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if isAccessAnalyzer(r) {
					restjson.WriteError(w, id, aaerr.InternalServerException("The request processing has failed because of an unknown error, exception or failure."))
					return
				}
				query.WriteError(w, ns, id, awserr.InternalFailure("The request processing has failed because of an unknown error, exception or failure."))
			}
		}()
		action, code := h(w, r, id, &ns)
		took := time.Since(start)
		label := service
		if label == "" {
			label = map[string]string{query.IAMNamespace: "iam", query.STSNamespace: "sts"}[ns]
			if r.Header.Get("X-Amz-Target") != "" {
				label = "organizations"
			}
		}
		if isAccessAnalyzer(r) {
			label = "access-analyzer"
		}
		// The label names only operations this server has, whatever a
		// request (authenticated or not) says, so that no client can grow
		// the metrics without bound.
		action = boundedAction(label, action)
		s.cfg.Metrics.request(label, action, code, took)
		s.log.Info("request", "request", id, "service", label, "action", action, "outcome", code, "remote", r.RemoteAddr, "duration", took)
	})
}

// serveAWS answers the AWS APIs at any path: Access Analyzer by its
// signing scope, Organizations' JSON API by X-Amz-Target, and the Query API
// (IAM, STS) by Action and Version.
func (s *Server) serveAWS(w http.ResponseWriter, r *http.Request, id string, ns *string) (action, outcome string) {
	fail := func(e *query.Error) (string, string) {
		query.WriteError(w, *ns, id, e)
		return action, e.Code
	}
	if isAccessAnalyzer(r) {
		return s.serveAccessAnalyzer(w, r, id, ns)
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return fail(awserr.InvalidAction("The HTTP method %s is not supported; use POST or GET.", r.Method))
	}
	body, err := sigv4.ReadBody(r, MaxBody)
	if err != nil {
		return fail(awserr.RequestEntityTooLarge("Request body must be at most %d bytes.", MaxBody))
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		return s.serveJSON(w, r, id, target, body)
	}
	params, qe := query.ParseParams(r, body)
	if qe != nil {
		return fail(qe)
	}
	action = params.Get("Action")
	version := params.Get("Version")
	svc, known := services[version]
	if !known {
		// Without a known Version, the signing scope names the service;
		// authentication then checks the whole scope against it.
		if scope := credentialScope(r); len(scope) == 5 {
			for _, sv := range services {
				if scope[3] == sv.name {
					svc, known = sv, true
				}
			}
		}
	}
	name := "iam"
	if known {
		name, *ns = svc.name, svc.ns
	}
	now := s.cfg.Clock().UTC()
	var caller *world.Caller
	var auth authInfo
	if v, byVersion := services[version]; byVersion && unauthenticated(v.name, action) {
		caller, auth = anonymous(endpoints[name])
	} else if caller, auth, qe = s.authenticate(r, body, now, name); qe != nil {
		return fail(qe)
	}
	c := &api.Call{Ctx: r.Context(), Action: action, Params: params, Caller: caller, Context: requestContext(r, auth, now), Now: now.Truncate(time.Second), State: s.state,
		Temporary: auth.session != nil, Endpoint: s.endpoint(r)}
	if auth.session != nil {
		c.SessionExpiration = time.Unix(auth.session.Expires, 0).UTC()
	}
	// From here the caller is known: every answer, even a refusal before
	// the operation runs, is recorded.
	early := func(e *query.Error) (string, string) {
		_, qe := s.run(r, id, name, action, auth, now, c, func(*api.Call) (any, *query.Error) { return nil, e })
		return fail(qe)
	}
	if action == "" {
		return early(awserr.MissingAction("Missing Action"))
	}
	op, ok := svc.ops[action]
	if !known || !ok {
		return early(awserr.InvalidAction("Could not find operation %s for version %s", action, version))
	}
	if e := sessionLimits(name, action, auth.session); e != nil {
		return early(e)
	}
	if e := svc.validate(action, params); e != nil {
		return early(e)
	}
	res, qe := s.run(r, id, svc.name, action, auth, now, c, op)
	if qe != nil {
		return fail(qe)
	}
	if auth.key != nil {
		s.keys.Touch(r.Context(), *auth.key, svc.name, auth.region, now)
	}
	if err := query.WriteResult(w, *ns, action, id, res); err != nil {
		s.log.Error("writing a response", "request", id, "error", err)
		return fail(awserr.InternalFailure("the response could not be written"))
	}
	return action, "OK"
}

// serveJSON answers a JSON-protocol request (Organizations): the wire
// format is api/awsjson's, the operations api/organizations'.
func (s *Server) serveJSON(w http.ResponseWriter, r *http.Request, id, target string, body []byte) (action, outcome string) {
	fail := func(e *query.Error) (string, string) {
		awsjson.WriteError(w, id, e)
		return action, e.Code
	}
	name, ok := awsjson.Operation(target, organizations.TargetPrefix)
	action = name
	now := s.cfg.Clock().UTC()
	caller, auth, qe := s.authenticate(r, body, now, "organizations")
	if qe != nil {
		return fail(awsjson.AuthError(qe))
	}
	c := &api.Call{Ctx: r.Context(), Action: name, Caller: caller, Context: requestContext(r, auth, now), Now: now.Truncate(time.Second),
		State: s.state, Temporary: auth.session != nil, Body: body}
	early := func(e *query.Error) (string, string) {
		_, qe := s.run(r, id, "organizations", name, auth, now, c, func(*api.Call) (any, *query.Error) { return nil, e })
		return fail(qe)
	}
	op := organizations.Operations[name]
	if !ok || op == nil {
		return early(awsjson.UnknownOperation(target))
	}
	if e := awsjson.CheckBody(body); e != nil {
		return early(e)
	}
	res, qe := s.run(r, id, "organizations", name, auth, now, c, op)
	if qe != nil {
		return fail(qe)
	}
	if err := awsjson.WriteResult(w, id, res); err != nil {
		return fail(awserr.InternalFailure("the response could not be written"))
	}
	return action, "OK"
}

// boundedAction is the metrics label of an action: the operation's name
// when the service has it, "unknown" otherwise.
func boundedAction(service, action string) string {
	switch service {
	case "iam", "sts":
		for _, sv := range services {
			if sv.name == service {
				if _, ok := sv.ops[action]; ok {
					return action
				}
			}
		}
	case "organizations":
		if organizations.Operations[action] != nil {
			return action
		}
	case "decision", "pipeline":
		// These name their actions themselves, from a fixed set.
		if action != "" && len(action) <= 64 && !strings.ContainsAny(action, " \t\n") {
			return action
		}
	case "access-analyzer":
		if accessanalyzer.Operations[action] != nil {
			return action
		}
	case "analysis":
		for _, op := range analysisOps {
			if op.label == action {
				return action
			}
		}
	}
	return "unknown"
}

// sessionLimits applies what AWS allows the credentials of
// GetSessionToken (a user's session, not a role's): no IAM operation
// without MFA, and no STS operation but AssumeRole and GetCallerIdentity
// (the STS API Reference, GetSessionToken: "You cannot call any IAM API
// operations unless MFA authentication information is included in the
// request. You cannot call any STS API except AssumeRole or
// GetCallerIdentity."). IAM answers such a call InvalidClientTokenId
// (real output quoted in aws/aws-sdk-js#460 and cloudyr/aws.iam#15); STS
// answers AccessDenied "Cannot call X with session credentials" (real
// output quoted in aws/aws-sdk-php#1876 and fwdcloudsec/granted#151).
func sessionLimits(service, action string, t *keyring.Token) *query.Error {
	if t == nil || t.Role != "" {
		return nil
	}
	if t.RootTask != "" {
		return rootSessionLimits(service, action)
	}
	if t.FederatedUser != "" {
		if t.Delegation != "" {
			// A delegated session (GetDelegatedAccessToken) of an IAM user
			// or the root user: its delegated permissions decide.
			return nil
		}
		return federationLimits(service, action)
	}
	switch service {
	case "iam":
		if !t.MFA {
			return awserr.InvalidClientTokenId("The security token included in the request is invalid.")
		}
	case "sts":
		if action != "AssumeRole" && action != "GetCallerIdentity" {
			return awserr.AccessDenied("Cannot call %s with session credentials", action)
		}
	}
	return nil
}

// federationLimits applies what AWS allows the credentials of
// GetFederationToken: no IAM operation through the API, and no STS
// operation but GetCallerIdentity (the STS API Reference,
// GetFederationToken, Permissions). IAM and STS answer as for
// GetSessionToken's credentials (sessionLimits); the IAM answer for
// federation tokens is the invalid token error also reported in
// jantman/awslimitchecker#139.
func federationLimits(service, action string) *query.Error {
	switch service {
	case "iam":
		return awserr.InvalidClientTokenId("The security token included in the request is invalid.")
	case "sts":
		if action != "GetCallerIdentity" {
			return awserr.AccessDenied("Cannot call %s with session credentials", action)
		}
	}
	return nil
}

// rootSessionLimits applies what AWS allows a privileged root session
// (AssumeRoot): its task policy decides IAM calls (the engine applies it,
// world.RootSession), and of STS it may call GetCallerIdentity only: the
// STS API Reference, AssumeRoot, refuses root user credentials, and the
// session is the root user's. AWS documents nothing else of STS for it;
// iamgate answers as for GetSessionToken's credentials.
func rootSessionLimits(service, action string) *query.Error {
	if service == "sts" && action != "GetCallerIdentity" {
		return awserr.AccessDenied("Cannot call %s with session credentials", action)
	}
	return nil
}

// callRecord is the audit entry of a call in progress.
type callRecord struct {
	mu       sync.Mutex
	entry    audit.Entry
	recorded bool // written with the change the call made
}

type recordKey struct{}

func recordFrom(ctx context.Context) *callRecord {
	rec, _ := ctx.Value(recordKey{}).(*callRecord)
	return rec
}

// run runs an operation for an authenticated caller. Every decision is
// timed for the metrics and, with an audit log, the call is recorded before
// it is answered: with the change it makes, in the same transaction, or on
// its own; if the entry cannot be stored, the call fails.
func (s *Server) run(r *http.Request, id, service, operation string, auth authInfo, now time.Time, c *api.Call, op func(*api.Call) (any, *query.Error)) (any, *query.Error) {
	var rec *callRecord
	if s.cfg.Audit != nil {
		rec = &callRecord{entry: audit.Entry{Time: now, RequestID: id, Account: c.Account(), Caller: c.Caller.Principal, Region: auth.region,
			Service: service, Operation: operation}}
		if ip := c.Context["aws:SourceIp"]; len(ip) > 0 {
			rec.entry.SourceIP = ip[0]
		}
		switch {
		case auth.key != nil:
			rec.entry.AccessKey = auth.key.ID
		case auth.session != nil:
			rec.entry.AccessKey = auth.session.KeyID
		}
		c.Ctx = context.WithValue(c.Ctx, recordKey{}, rec)
	}
	c.OnDecision = func(e *engine.Explanation, took time.Duration) {
		if took > 0 {
			s.cfg.Metrics.decision(e.DecisionText, took)
		}
		if rec != nil {
			rec.mu.Lock()
			rec.entry.Decisions = append(rec.entry.Decisions, audit.FromExplanation(e))
			rec.mu.Unlock()
		}
	}
	res, qe := op(c)
	// A lower layer's failure in the service's own codes (awserr's table).
	qe = awserr.ForService(qe, modelName(service))
	if rec == nil {
		return res, qe
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.recorded {
		return res, qe
	}
	rec.entry.Outcome = "OK"
	if qe != nil {
		rec.entry.Outcome = qe.Code
	}
	if err := s.cfg.Audit.Append(r.Context(), &rec.entry); err != nil {
		s.log.Error("audit log write failed; the call fails", "request", id, "error", err)
		return nil, awserr.ServiceUnavailable("The call could not be recorded in the audit log, so it has failed.")
	}
	return res, qe
}

// modelName is the botocore model's name of a service label.
func modelName(service string) string {
	if service == "access-analyzer" {
		return "accessanalyzer"
	}
	return service
}

// authInfo is what authentication found out about a request.
type authInfo struct {
	// region is where AWS says the call was made: us-east-1 for a global
	// service, else the region signed (aws:RequestedRegion, the audit log,
	// a key's last-used region).
	region  string
	key     *api.AccessKey // long-term key, for last-used data
	session *keyring.Token
}

// principal is what a Lookup resolves.
type principal struct {
	caller  *world.Caller
	key     *api.AccessKey
	session *keyring.Token
}

var (
	errExpiredToken = errors.New("the session token has expired")
	errNoPrincipal  = errors.New("the credentials' principal no longer exists")
)

// authenticate verifies the signature of a request to service (a key of
// endpoints): it covers the body received, and its credential scope must be
// the service's.
func (s *Server) authenticate(r *http.Request, body []byte, now time.Time, service string) (*world.Caller, authInfo, *query.Error) {
	ep, ok := endpoints[service]
	if !ok {
		return nil, authInfo{}, awserr.InternalFailure("no credential scope for the service %q", service)
	}
	tok := r.Header.Get("X-Amz-Security-Token")
	if tok == "" {
		tok = r.URL.Query().Get("X-Amz-Security-Token")
	}
	if s.cfg.Dev {
		return s.devAuthenticate(r, tok, now, ep)
	}
	lookup := func(akid string) (sigv4.Credentials, error) {
		p, secret, err := s.resolve(r.Context(), akid, tok, now)
		if err != nil {
			return sigv4.Credentials{}, err
		}
		return sigv4.Credentials{Secret: secret, Value: p}, nil
	}
	res, err := sigv4.Verify(r, body, now, ep.scope(), lookup)
	if err != nil {
		return nil, authInfo{}, authError(err)
	}
	p := res.Credentials.Value.(*principal)
	return p.caller, authInfo{region: ep.requestedRegion(res.Region), key: p.key, session: p.session}, nil
}

func authError(err error) *query.Error {
	msg := err.Error()
	var d *sigv4.Detail
	if errors.As(err, &d) {
		msg = d.Message
	}
	switch {
	case errors.Is(err, sigv4.ErrMissing):
		return awserr.MissingAuthenticationToken("Request is missing Authentication Token")
	case errors.Is(err, sigv4.ErrMalformed):
		return awserr.IncompleteSignature("%s", msg)
	case errors.Is(err, sigv4.ErrUnknownKey), errors.Is(err, keyring.ErrBadToken), errors.Is(err, errNoPrincipal),
		errors.Is(err, errAccountClosed):
		return awserr.InvalidClientTokenId("The security token included in the request is invalid.")
	case errors.Is(err, errExpiredToken):
		return awserr.ExpiredToken("The security token included in the request is expired")
	case errors.Is(err, sigv4.ErrSignature), errors.Is(err, sigv4.ErrExpired):
		return awserr.SignatureDoesNotMatch("%s", msg)
	case errors.Is(err, sigv4.ErrScope):
		// The IAM User Guide, "Troubleshoot Signature Version 4 signing for
		// AWS API requests": a scope for another region or service is
		// SignatureDoesNotMatch, HTTP 403, as IAM answers in
		// github.com/JuliaCloud/AWS.jl/issues/565.
		return awserr.SignatureDoesNotMatch("%s", msg)
	case errors.Is(err, sigv4.ErrPayload):
		// Services other than S3 hash the body themselves, so another
		// payload hash is a signature that does not match (S3's
		// XAmzContentSHA256Mismatch is S3's alone).
		return awserr.SignatureDoesNotMatch("%s", msg)
	case errors.Is(err, sigv4.ErrPresignExpired):
		// The IAM API Reference, "Common Errors": RequestExpired, 400, for a
		// request past "the request expiration date (such as for pre-signed
		// URLs)".
		return awserr.RequestExpired("%s", msg)
	}
	return awserr.InternalFailure("authentication failed: %v", err)
}

// resolve finds the principal and secret of an access key (and session
// token).
func (s *Server) resolve(ctx context.Context, akid, tok string, now time.Time) (*principal, string, error) {
	if tok != "" {
		e, err := s.sessions.Get(tok, s.keys.OpenSession)
		if err != nil {
			return nil, "", err
		}
		t := e.Token
		if t.KeyID != akid {
			return nil, "", keyring.ErrBadToken
		}
		if now.Unix() >= t.Expires {
			return nil, "", errExpiredToken
		}
		c, err := s.sessionCaller(e)
		if err == nil {
			err = s.refuseClosed(c)
		}
		if err != nil {
			return nil, "", err
		}
		return &principal{caller: c, session: &t}, t.Secret, nil
	}
	key, secret, ok, err := s.keys.Secret(ctx, akid)
	if err != nil {
		return nil, "", err
	}
	if !ok || key.Status != "Active" {
		return nil, "", sigv4.ErrUnknownKey
	}
	c, err := s.userCaller(key.Account, key.User)
	if err == nil {
		err = s.refuseClosed(c)
	}
	if err != nil {
		return nil, "", err
	}
	return &principal{caller: c, key: &key}, secret, nil
}

func (s *Server) userCaller(account, user string) (*world.Caller, error) {
	return s.userCallerID(account, user, "")
}

// userCallerID is userCaller for a user that must also have the unique ID
// id (when not ""): a user deleted and created again under its name is
// another user.
func (s *Server) userCallerID(account, user, id string) (*world.Caller, error) {
	w := s.state.World()
	a := w.Accounts.Get(account)
	if a == nil || a.Users.Get(user) == nil {
		return nil, errNoPrincipal
	}
	if u := a.Users.Get(user); id != "" && u.ID != "" && u.ID != id {
		return nil, errNoPrincipal
	}
	return w.Caller(a.Users.Get(user).ARN())
}

// sessionCaller rebuilds the caller a session token stands for, in the
// current world; the caller is kept with the token's cache entry until
// another world is published, and its session policies were compiled when
// the token was first seen. A session belongs to the role (or user) with
// the unique ID it was issued for, so a role deleted and created again
// under the same name does not inherit the old sessions (the IAM User
// Guide, "IAM identifiers": unique IDs tell a new entity from an old one of
// the same name; AWS says nothing of the sessions, and iamgate fails
// closed).
func (s *Server) sessionCaller(e *keyring.SessionEntry) (*world.Caller, error) {
	t := &e.Token
	if e.Bad {
		return nil, keyring.ErrBadToken
	}
	if t.Role == "" && t.FederatedUser == "" && t.RootTask == "" {
		return s.userCallerID(t.Account, t.User, t.PrincipalID)
	}
	w := s.state.World()
	if c := e.Caller(w); c != nil {
		return c, nil
	}
	if t.RootTask != "" {
		return s.rootSessionCaller(e, w)
	}
	if t.FederatedUser != "" {
		return s.federatedCaller(e, w)
	}
	a := w.Accounts.Get(t.Account)
	if a == nil || a.Roles.Get(t.Role) == nil {
		return nil, errNoPrincipal
	}
	role := a.Roles.Get(t.Role)
	if t.PrincipalID != "" && role.ID != "" && role.ID != t.PrincipalID {
		return nil, errNoPrincipal
	}
	sess := &world.Session{Role: role, Name: t.Name, Tags: t.Tags, TransitiveKeys: t.TransitiveKeys, SourceIdentity: t.SourceIdentity, Chained: t.Chained,
		Policies: e.Policies}
	c := &world.Caller{Kind: engine.AssumedRole, Account: a, Role: role, Session: sess, Principal: sess.ARN()}
	e.KeepCaller(w, c)
	return c, nil
}

// federatedCaller rebuilds a federated user session's caller: the user it
// federated (the same user, by unique ID) or the account's root user, with
// the session's tags and policies.
func (s *Server) federatedCaller(e *keyring.SessionEntry, w *world.World) (*world.Caller, error) {
	t := &e.Token
	a := w.Accounts.Get(t.Account)
	if a == nil {
		return nil, errNoPrincipal
	}
	f := &world.Federation{Name: t.FederatedUser, Tags: t.Tags, Policies: e.Policies}
	if t.User != "" {
		u := a.Users.Get(t.User)
		if u == nil || (t.PrincipalID != "" && u.ID != "" && u.ID != t.PrincipalID) {
			return nil, errNoPrincipal
		}
		f.User = u
	}
	c := world.FederatedCaller(a, f)
	e.KeepCaller(w, c)
	return c, nil
}

// rootSessionCaller rebuilds a privileged root session's caller: the
// member account's root user, scoped by the task policy the token holds.
// The account must still be a member of the organization (not its
// management account): one that left it is no longer reachable this way.
// A token whose task policy is missing is refused.
func (s *Server) rootSessionCaller(e *keyring.SessionEntry, w *world.World) (*world.Caller, error) {
	t := &e.Token
	a := w.Accounts.Get(t.Account)
	org := w.Organization
	if a == nil || org == nil || a.OU == nil || org.ManagementAccount == a.ID {
		return nil, errNoPrincipal
	}
	if len(e.Policies) == 0 || t.Role != "" || t.User != "" || t.FederatedUser != "" {
		return nil, keyring.ErrBadToken
	}
	c := world.RootSessionCaller(a, &world.RootSession{TaskPolicyARN: t.RootTask, Policies: e.Policies})
	e.KeepCaller(w, c)
	return c, nil
}

// devAuthenticate takes any credentials (--dev). The signature and its
// scope are not checked; the call is in the region AWS would say, us-east-1
// for a global service, else the region signed.
func (s *Server) devAuthenticate(r *http.Request, tok string, now time.Time, ep endpoint) (*world.Caller, authInfo, *query.Error) {
	info := authInfo{region: ep.requestedRegion("")}
	if scope := credentialScope(r); len(scope) == 5 {
		info.region = ep.requestedRegion(scope[2])
	}
	if tok != "" {
		e, err := s.sessions.Get(tok, s.keys.OpenSession)
		if err == nil {
			t := e.Token
			if now.Unix() >= t.Expires {
				return nil, info, authError(errExpiredToken)
			}
			c, err := s.sessionCaller(e)
			if err == nil {
				err = s.refuseClosed(c)
			}
			if err != nil {
				return nil, info, authError(err)
			}
			info.session = &t
			return c, info, nil
		}
	}
	c, err := s.userCaller(s.cfg.Account, AdminUser)
	if err != nil {
		return nil, info, awserr.InvalidClientTokenId("--dev: the administrator %s of account %s no longer exists", AdminUser, s.cfg.Account)
	}
	return c, info, nil
}

// requestContext is the context AWS derives from a request itself.
func requestContext(r *http.Request, auth authInfo, now time.Time) map[string][]string {
	ctx := map[string][]string{
		"aws:SecureTransport": {strconv.FormatBool(r.TLS != nil)},
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		ctx["aws:SourceIp"] = []string{host}
	}
	if auth.region != "" {
		ctx["aws:RequestedRegion"] = []string{auth.region}
	}
	if t := auth.session; t != nil {
		ctx["aws:TokenIssueTime"] = []string{time.Unix(t.Issued, 0).UTC().Format(time.RFC3339)}
		ctx["aws:MultiFactorAuthPresent"] = []string{strconv.FormatBool(t.MFA)}
		if t.MFA {
			ctx["aws:MultiFactorAuthAge"] = []string{strconv.FormatInt(max(0, now.Unix()-t.AuthTime), 10)}
		}
		if t.SourceIdentity != "" {
			ctx["aws:SourceIdentity"] = []string{t.SourceIdentity}
		}
		federatedContext(ctx, t)
	}
	return ctx
}
