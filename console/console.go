package console

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/iamgate/iamgate/api"
	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/store"
)

// Path is where the console is served.
const Path = "/console/"

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Config configures a Console.
type Config struct {
	// State is the server's state: the world, and the credentials sign-in
	// checks.
	State api.State
	// Store keeps the console's sessions and sign-in failure counts (the
	// server's store, so that servers sharing it share sessions).
	Store store.Store
	// Audit, when set, records every operation a page runs, as the server
	// records API calls, and every console sign-in.
	Audit  *audit.Log
	Logger *slog.Logger
	// Clock returns the time; nil means time.Now.
	Clock func() time.Time
	// IdleTimeout ends a session no request used for this long; 0 means
	// DefaultIdleTimeout.
	IdleTimeout time.Duration
	// SignInDelay is the least time a refused sign-in (or MFA code)
	// takes to be answered, whichever part was wrong; 0 means
	// DefaultSignInDelay, a negative value none.
	SignInDelay time.Duration
	// Pipeline, when set, is the server's central policy pipeline, which
	// the pipeline page reads (nil: the page says it is not enabled).
	Pipeline Pipeline
	// Origin is the console's origin as browsers reach it
	// (https://host[:port]), the origin security keys are registered and
	// checked for (WebAuthn's relying party, whose ID is its host name);
	// "" means each request's own (its Host, https when it came over
	// TLS). Behind a proxy that ends TLS, set it.
	Origin string
}

// DefaultSignInDelay: a refused sign-in is answered no sooner than this
// after it arrived, so that its time tells nothing of which part was
// wrong (the password hash, the store's failure count and the audit log
// take less).
const DefaultSignInDelay = 300 * time.Millisecond

// Console serves the web console under Path.
type Console struct {
	cfg    Config
	log    *slog.Logger
	idle   time.Duration
	mux    *http.ServeMux
	pages  map[string]*template.Template
	static http.Handler
	// graphs caches the trust page's graphs for the current world.
	graphs *trustGraphs
}

// New returns the console.
func New(cfg Config) (*Console, error) {
	if cfg.State == nil || cfg.Store == nil {
		return nil, errors.New("console: a state and a store are needed")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.SignInDelay == 0 {
		cfg.SignInDelay = DefaultSignInDelay
	}
	if cfg.Origin != "" {
		u, err := url.Parse(cfg.Origin)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return nil, fmt.Errorf("console: the origin %q is not scheme://host[:port]", cfg.Origin)
		}
		cfg.Origin = u.Scheme + "://" + u.Host
	}
	c := &Console{cfg: cfg, log: cfg.Logger, idle: cfg.IdleTimeout, pages: map[string]*template.Template{}, graphs: &trustGraphs{}}
	if err := c.parseTemplates(); err != nil {
		return nil, err
	}
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, err
	}
	c.static = http.StripPrefix(Path+"static/", http.FileServer(http.FS(sub)))
	c.routes()
	return c, nil
}

func (c *Console) now() time.Time { return c.cfg.Clock() }

func (c *Console) routes() {
	m := http.NewServeMux()
	p := strings.TrimSuffix(Path, "/")
	m.HandleFunc("GET "+p+"/static/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		c.static.ServeHTTP(w, r)
	})
	m.HandleFunc("GET "+p+"/signin", c.signinForm)
	m.HandleFunc("POST "+p+"/signin", c.signin)
	m.HandleFunc("GET "+p+"/signin/mfa", c.pending(stageMFA, c.mfaForm))
	m.HandleFunc("POST "+p+"/signin/mfa", c.pending(stageMFA, c.mfa))
	m.HandleFunc("POST "+p+"/signin/security-key", c.pending(stageMFA, c.keySignIn))
	m.HandleFunc("GET "+p+"/security-keys", c.signedIn(c.securityKeys))
	m.HandleFunc("POST "+p+"/security-keys", c.signedIn(c.registerKey))
	m.HandleFunc("GET "+p+"/signin/password", c.pending(stagePassword, c.passwordForm))
	m.HandleFunc("POST "+p+"/signin/password", c.pending(stagePassword, c.changePassword))
	m.HandleFunc("POST "+p+"/signout", c.signout)

	m.HandleFunc("GET "+p+"/{$}", c.signedIn(c.home))
	m.HandleFunc("GET "+p+"/organization", c.signedIn(c.organization))
	m.HandleFunc("GET "+p+"/organization/policies/{id}", c.signedIn(c.orgPolicy))
	m.HandleFunc("GET "+p+"/iam", c.signedIn(c.account))
	m.HandleFunc("GET "+p+"/iam/{kind}", c.signedIn(c.entityList))
	m.HandleFunc("GET "+p+"/iam/users/{name}", c.signedIn(c.user))
	m.HandleFunc("GET "+p+"/iam/groups/{name}", c.signedIn(c.group))
	m.HandleFunc("GET "+p+"/iam/roles/{name}", c.signedIn(c.role))
	m.HandleFunc("GET "+p+"/iam/policy", c.signedIn(c.managedPolicy))
	m.HandleFunc("GET "+p+"/simulator", c.signedIn(c.simulator))
	m.HandleFunc("GET "+p+"/trust", c.signedIn(c.trust))
	m.HandleFunc("GET "+p+"/audit", c.signedIn(c.auditLog))
	m.HandleFunc("GET "+p+"/findings", c.signedIn(c.findings))
	m.HandleFunc("GET "+p+"/pipeline", c.signedIn(c.pipelinePage))
	m.HandleFunc("GET "+p+"/pipeline/submissions/{id}", c.signedIn(c.submission))
	m.HandleFunc(p+"/", func(w http.ResponseWriter, r *http.Request) {
		c.render(w, r, http.StatusNotFound, "error", page{Title: "Not found", Data: errorPage{Code: "NotFound", Message: "There is no console page at " + r.URL.Path + "."}})
	})
	c.mux = m
}

// ServeHTTP answers a request under Path (and Path without its slash,
// redirected). A panic in a page is logged and answered with an error page.
func (c *Console) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	start := time.Now()
	w := &statusWriter{ResponseWriter: rw, status: http.StatusOK}
	// One log line a request, as the server writes for API calls (the
	// path only: a form's values are in its body, never logged).
	defer func() {
		c.log.Info("console", "method", r.Method, "path", r.URL.Path, "status", w.status, "remote", r.RemoteAddr, "duration", time.Since(start))
	}()
	defer func() {
		if v := recover(); v != nil {
			c.log.Error("console panic", "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			http.Error(w, "The console failed to answer this request.", http.StatusInternalServerError)
		}
	}()
	h := w.Header()
	// Nothing is loaded from elsewhere, no script but the console's own
	// files runs (static/webauthn.js), no page is framed.
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin") // "no-referrer" makes browsers send Origin: null with a form
	if r.URL.Path == strings.TrimSuffix(Path, "/") {
		http.Redirect(w, r, Path, http.StatusFound)
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/console/static/") {
		h.Set("Cache-Control", "no-store")
	}
	if r.Method == http.MethodPost && !sameOrigin(r) {
		c.refuse(w, r, "The request came from another site.")
		return
	}
	c.mux.ServeHTTP(w, r)
}

// sameOrigin: a POST whose Origin header (which browsers send with every
// POST) names another origin is refused, beside the form's CSRF token.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// page is what every page template gets.
type page struct {
	Title string
	// Nav names the navigation entry of the page.
	Nav string
	// User is the signed-in user (nil on the sign-in pages).
	User *userInfo
	CSRF string
	Data any
}

type userInfo struct {
	Name, ARN, Account string
	MFA                bool
}

func (c *Console) parseTemplates() error {
	funcs := template.FuncMap{
		"path": func(parts ...string) string { return Path + strings.Join(parts, "/") },
		"esc":  url.PathEscape,
		"inc":  func(i int) int { return i + 1 },
	}
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html")
	if err != nil {
		return err
	}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return err
	}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFiles, n)
		if err != nil {
			return err
		}
		c.pages[name] = t
	}
	return nil
}

// render writes a page; it is rendered whole before anything is sent, so
// that a template error is an error page, not half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t := c.pages[name]
	var b bytes.Buffer
	if t == nil {
		c.log.Error("console: no template", "name", name)
		http.Error(w, "The console failed to answer this request.", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&b, "layout.html", p); err != nil {
		c.log.Error("console: rendering", "page", name, "error", err)
		http.Error(w, "The console failed to answer this request.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// errorPage is an error the console shows in AWS's words.
type errorPage struct {
	Code, Message string
	// Action and Resource name what was denied (AccessDenied).
	Action, Resource string
	Encoded          string
}

// refuse answers a form without the right token (or from another site).
func (c *Console) refuse(w http.ResponseWriter, r *http.Request, why string) {
	c.render(w, r, http.StatusForbidden, "error", page{Title: "Request refused",
		Data: errorPage{Code: "InvalidCSRFToken", Message: why + " Reload the page and try again."}})
}

// fail answers a page whose operation failed: AccessDenied (403) with the
// action and resource, as AWS words it, or the operation's error.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, p page, f *failure) {
	p.Title = f.Code
	ep := errorPage{Code: f.Code, Message: f.Text(), Encoded: f.Encoded()}
	if f.Denied != nil {
		ep.Action, ep.Resource = f.Denied.Action, f.Denied.Resource
	}
	status := f.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	if f.AccessDenied() {
		status = http.StatusForbidden
	}
	p.Data = ep
	c.render(w, r, status, "error", p)
}

func (c *Console) internal(w http.ResponseWriter, r *http.Request, err error) {
	c.log.Error("console", "path", r.URL.Path, "error", err)
	c.render(w, r, http.StatusInternalServerError, "error", page{Title: "Error", Data: errorPage{Code: "InternalFailure", Message: "The console could not answer this request."}})
}

// logFailure logs a failure of bookkeeping (ending a session being replaced,
// auditing a refused sign-in) that must not change the answer the request
// already has; nil is nothing.
func (c *Console) logFailure(r *http.Request, err error) {
	if err != nil {
		c.log.Error("console", "path", r.URL.Path, "error", err)
	}
}

// view is a signed-in page's request.
type view struct {
	ctx     context.Context
	s       *session
	a       *actor
	page    page
	request *http.Request
}

// signedIn wraps a page that needs an active session: without one, the
// browser goes to the sign-in page, and then back.
func (c *Console) signedIn(fn func(w http.ResponseWriter, v *view)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		s, err := c.session(ctx, r)
		if err != nil {
			c.internal(w, r, err)
			return
		}
		var a *actor
		switch {
		case s != nil && s.Stage == stageMFA:
			http.Redirect(w, r, Path+"signin/mfa", http.StatusSeeOther)
			return
		case s != nil && s.Stage == stagePassword:
			http.Redirect(w, r, Path+"signin/password", http.StatusSeeOther)
			return
		case s != nil:
			// A user this server's world does not hold (deleted, or not
			// yet seen from another server sharing the store) is not
			// signed in here; the session stays for the world to catch
			// up, and times out if it never does.
			a = c.actor(r, s)
		}
		if a == nil {
			to := Path + "signin"
			if r.URL.Path != Path {
				to += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
		v := &view{ctx: ctx, s: s, a: a, request: r, page: page{CSRF: s.CSRF,
			User: &userInfo{Name: s.User, ARN: a.caller.Principal, Account: s.Account, MFA: s.MFA}}}
		fn(w, v)
	}
}

// safeNext is where to go after sign-in: a console path, never another
// site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Path) || strings.HasPrefix(next, Path+"signin") || strings.ContainsAny(next, "\\\r\n") || strings.HasPrefix(next, "//") {
		return Path
	}
	return next
}

// statusWriter keeps the status a page answered with, for the log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
