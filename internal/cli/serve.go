package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/console"
	"github.com/iamgate/iamgate/keyring"
	"github.com/iamgate/iamgate/pipeline"
	"github.com/iamgate/iamgate/server"
)

type serveParams struct {
	store, listen, keyFile, account string
	tlsCert, tlsKey, logFormat      string
	metricsListen                   string
	dev                             bool
	auditRetention                  time.Duration
	analysisTimeout                 time.Duration
	consoleIdle                     time.Duration
	consoleOrigin                   string
	// publicURL is where clients reach the server (outbound federation
	// issuers are under it).
	publicURL string
	// notifications is the file notifications are appended to.
	notifications string
	// masterKey is IAMGATE_MASTER_KEY's value.
	masterKey string
	// The central policy pipeline.
	pipelineRole, pipelineGuardrails, pipelineEndpoint string
	// ready, when set (tests), receives the address once listening.
	ready chan<- string
}

func newServeCmd() *cobra.Command {
	var p serveParams
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the IAM and STS APIs that the aws CLI and SDKs talk to",
		Long: `Serves the AWS IAM (2010-05-08) and STS (2011-06-15) Query APIs on one port.
Point a client at it with --endpoint-url (aws CLI) or the SDK's endpoint
setting. Every request is verified with SigV4 and authorized by the engine as
its caller, against the world in the store.

On first start (a store without access keys) it creates the account (the
management account once it creates an organization) and the user "admin"
with AdministratorAccess, and prints admin's access key once,
unless IAMGATE_ADMIN_ACCESS_KEY_ID and IAMGATE_ADMIN_SECRET_ACCESS_KEY give
one. Every listener is bound before anything is created, so a start that
cannot serve creates nothing.

Secrets are sealed with a master key: IAMGATE_MASTER_KEY (32 bytes, base64
or hex), or the --key-file, created (mode 0600) on the first start of a
store. A store that holds secrets never gets a new key: with its key
missing or different, serve refuses to start and names the file or
variable to restore. A new SQLite store and its -wal and -shm files are
mode 0600.

The web console is at /console/ on --listen: sign in as an IAM user with
its console password (the first start gives admin one, printed once, which
the first sign-in changes). Every page runs the IAM and Organizations
operations as the signed-in user; a session ends after
--console-idle-timeout without a request, and at sign-out.

Prometheus metrics are at /metrics on --listen when it is a loopback
address (they are not authenticated), or on --metrics-listen.

--dev accepts any credentials as that administrator, without checking
signatures, for quick local use; it listens only on a loopback address
(127.0.0.0/8, ::1, localhost). Never expose it.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			p.masterKey = os.Getenv(keyring.MasterKeyEnv)
			if err := runServe(cmd.Context(), p, cmd.OutOrStdout(), cmd.ErrOrStderr()); err != nil {
				return &exitError{code: ExitUsage, err: err}
			}
			return nil
		},
	}
	addStoreFlag(cmd, &p.store)
	cmd.Flags().StringVar(&p.listen, "listen", "127.0.0.1:4599", "address to listen on")
	cmd.Flags().StringVar(&p.keyFile, "key-file", "", "master key file (default: the SQLite store's path + .key, or iamgate.key for PostgreSQL)")
	cmd.Flags().StringVar(&p.account, "account", server.DefaultAccount, "the account created on first start")
	cmd.Flags().StringVar(&p.tlsCert, "tls-cert", "", "serve HTTPS with this certificate (PEM)")
	cmd.Flags().StringVar(&p.tlsKey, "tls-key", "", "the certificate's private key (PEM)")
	cmd.Flags().StringVar(&p.logFormat, "log-format", "text", "request log format: text or json (to stderr)")
	cmd.Flags().StringVar(&p.metricsListen, "metrics-listen", "", `serve Prometheus metrics at /metrics on this address, or "off" (default: at /metrics on --listen when it is loopback)`)
	cmd.Flags().Var(newRetentionFlag(&p.auditRetention), "audit-retention", "keep audit log entries this long, such as 90d or 720h (0: forever)")
	cmd.Flags().DurationVar(&p.analysisTimeout, "analysis-timeout", server.DefaultAnalysisTimeout, "stop an analysis request (who-can, can) that runs longer, answering ServiceUnavailable")
	cmd.Flags().DurationVar(&p.consoleIdle, "console-idle-timeout", console.DefaultIdleTimeout, "sign a web console session out after this long without a request")
	cmd.Flags().StringVar(&p.consoleOrigin, "console-origin", "", "the web console's origin as browsers reach it (https://host[:port]), for security keys; default: each request's")
	cmd.Flags().StringVar(&p.publicURL, "public-url", "", "the URL clients reach this server at (https://host[:port]), under which outbound web identity federation issuers are; default: the enabling request's")
	cmd.Flags().StringVar(&p.notifications, "notifications", "", "append the notifications AWS would publish to SNS (a delegation request's state changes and exchange token) to this file, one JSON line each (mode 0600); without it SendDelegationToken cannot send a token")
	cmd.Flags().BoolVar(&p.dev, "dev", false, "accept any credentials as the administrator (unsafe; local use only)")
	cmd.Flags().StringVar(&p.pipelineRole, "pipeline-role", "", "serve the central policy pipeline (/v1/pipeline/) as this role of the security account")
	cmd.Flags().StringVar(&p.pipelineGuardrails, "pipeline-guardrails", "", "guardrails file, stored as a new version when it changed")
	cmd.Flags().StringVar(&p.pipelineEndpoint, "pipeline-endpoint", "", "where the pipeline calls STS and IAM (default: this server, in process)")
	return cmd
}

// errNotLoopback: --dev was asked to listen where others can reach it.
var errNotLoopback = errors.New("--dev accepts any credentials, so it listens only on a loopback address (127.0.0.0/8, ::1 or localhost)")

// metricsOff turns the metrics off (--metrics-listen off).
const metricsOff = "off"

// runServe checks its flags and binds every listener before it creates or
// changes anything (the store, the master key file, the first start), so a
// start that cannot serve leaves nothing behind and never prints a key
// that is then lost.
func runServe(ctx context.Context, p serveParams, stdout, stderr io.Writer) error {
	if !arn.IsAccountID(p.account) {
		return fmt.Errorf("--account %q: want a 12-digit account ID", p.account)
	}
	if (p.tlsCert == "") != (p.tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	var handler slog.Handler
	switch p.logFormat {
	case "text":
		handler = slog.NewTextHandler(stderr, nil)
	case "json":
		handler = slog.NewJSONHandler(stderr, nil)
	default:
		return fmt.Errorf("--log-format %q: want text or json", p.logFormat)
	}
	log := slog.New(handler)
	if p.dev && !loopbackHost(p.listen) {
		return fmt.Errorf("%w; --listen %q is not", errNotLoopback, p.listen)
	}
	var tlsConfig *tls.Config
	if p.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(p.tlsCert, p.tlsKey)
		if err != nil {
			return fmt.Errorf("--tls-cert, --tls-key: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	var pipelineCfg *server.PipelineConfig
	if p.pipelineRole != "" {
		pipelineCfg = &server.PipelineConfig{Role: p.pipelineRole, Endpoint: p.pipelineEndpoint}
		if p.pipelineGuardrails != "" {
			g, err := pipeline.LoadGuardrails(p.pipelineGuardrails)
			if err != nil {
				return err
			}
			pipelineCfg.Guardrails = g
		}
	} else if p.pipelineGuardrails != "" {
		return fmt.Errorf("--pipeline-guardrails needs --pipeline-role, the pipeline's role in the security account")
	}

	// Every listener, before anything is created.
	ln, err := net.Listen("tcp", p.listen)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	defer ln.Close()
	if p.dev && !loopbackAddr(ln.Addr()) {
		return fmt.Errorf("%w; --listen %q is bound to %s", errNotLoopback, p.listen, ln.Addr())
	}
	var mln net.Listener
	switch p.metricsListen {
	case "", metricsOff:
	default:
		if mln, err = net.Listen("tcp", p.metricsListen); err != nil {
			return fmt.Errorf("--metrics-listen: %w", err)
		}
		defer mln.Close()
	}

	// The store, its master key, the first start.
	p.keyFile = keyFile(p.store, p.keyFile)
	st, err := createStore(ctx, p.store)
	if err != nil {
		return err
	}
	defer st.Close()
	master, created, err := keyring.LoadMasterKey(ctx, st, p.masterKey, p.keyFile, true)
	if err != nil {
		return err
	}
	if created {
		log.Warn("created a new master key; back it up: secrets in the store cannot be read without it", "file", p.keyFile)
	}
	metrics := server.NewMetrics()
	auditLog := audit.NewLog(st)
	defer auditLog.Close()
	defer startRetention(ctx, st, p.auditRetention, log)()
	cfg := server.Config{Store: st, Master: master, Dev: p.dev, Account: p.account, Logger: log, Metrics: metrics, Audit: auditLog, Pipeline: pipelineCfg, AnalysisTimeout: p.analysisTimeout,
		PublicURL: p.publicURL}
	if p.notifications != "" {
		notify, closeNotify, err := server.FileNotifier(p.notifications)
		if err != nil {
			return fmt.Errorf("--notifications: %w", err)
		}
		defer func() { _ = closeNotify() }()
		cfg.Notify = notify
	}
	srv, err := server.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer srv.Close()
	con, err := console.New(console.Config{State: srv.State(), Store: st, Audit: auditLog, Logger: log, IdleTimeout: p.consoleIdle, Pipeline: srv, Origin: p.consoleOrigin})
	if err != nil {
		return err
	}
	srv.MountConsole(con)
	boot, err := srv.Bootstrap(ctx, os.Getenv("IAMGATE_ADMIN_ACCESS_KEY_ID"), os.Getenv("IAMGATE_ADMIN_SECRET_ACCESS_KEY"))
	if err != nil {
		return fmt.Errorf("first start: %w", err)
	}
	if boot.Created {
		fmt.Fprintf(stdout, "iamgate: created account %s with the administrator %q (AdministratorAccess); it becomes the management account when it creates an organization\n", boot.Account, server.AdminUser)
	}
	if boot.Key != nil {
		fmt.Fprintf(stdout, "iamgate: the administrator's access key, shown only now:\n  aws_access_key_id = %s\n  aws_secret_access_key = %s\n", boot.Key.ID, boot.Key.Secret)
	}
	if boot.Created {
		// The first thing to do is to open the console and sign in.
		pw, err := con.FirstPassword(ctx, boot.Account, server.AdminUser)
		if err != nil {
			return fmt.Errorf("first start: %w", err)
		}
		fmt.Fprintf(stdout, "iamgate: the administrator's console password, shown only now (the first sign-in changes it):\n  %s\n", pw)
	}
	if boot.KeyByAnother {
		fmt.Fprintln(stdout, "iamgate: another server sharing this store made the administrator's first access key and printed it")
	}

	if p.dev {
		fmt.Fprintf(stderr, "\n*** iamgate --dev: ANY credentials are accepted, unsigned, as %s in account %s. ***\n*** Do not expose this server. ***\n\n", server.AdminUser, p.account)
	}
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "iamgate: serving IAM and STS on %s://%s (store %s)\n", scheme, ln.Addr(), redact(p.store))
	fmt.Fprintf(stdout, "iamgate: the web console is at %s://%s%s (sign in with an IAM user's password)\n", scheme, ln.Addr(), console.Path)
	if cfg.Pipeline != nil {
		fmt.Fprintf(stdout, "iamgate: the central policy pipeline is at %s://%s%s, as %s\n", scheme, ln.Addr(), server.PipelinePath, p.pipelineRole)
	}
	run := server.RunConfig{Handler: srv, Listener: ln, TLS: tlsConfig}
	switch {
	case mln != nil:
		run.Metrics, run.MetricsListener = metrics.Handler(), mln
		fmt.Fprintf(stdout, "iamgate: metrics on http://%s%s\n", mln.Addr(), server.MetricsPath)
	case p.metricsListen == metricsOff:
	case loopbackAddr(ln.Addr()):
		// Unauthenticated, as Prometheus scrapes, so only where no one
		// else can reach them.
		run.Handler = metrics.Beside(srv)
		fmt.Fprintf(stdout, "iamgate: metrics on %s://%s%s\n", scheme, ln.Addr(), server.MetricsPath)
	default:
		fmt.Fprintf(stdout, "iamgate: metrics are off: they are not served unauthenticated on %s, which is not loopback; give --metrics-listen ADDR\n", ln.Addr())
	}
	if p.ready != nil {
		p.ready <- ln.Addr().String()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return server.Run(ctx, run)
}

// loopbackHost reports whether a listen address names a loopback host:
// localhost, 127.0.0.0/8 or ::1. An empty host (":4599") or 0.0.0.0 is
// every interface, not loopback.
func loopbackHost(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// loopbackAddr reports whether a bound address is a loopback one.
func loopbackAddr(a net.Addr) bool {
	t, ok := a.(*net.TCPAddr)
	return ok && t.IP.IsLoopback()
}

// redact hides a password in a store URL.
func redact(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		if at := strings.LastIndexByte(dsn, '@'); at > i {
			if colon := strings.IndexByte(dsn[i+3:at], ':'); colon >= 0 {
				return dsn[:i+3+colon+1] + "***" + dsn[at:]
			}
		}
	}
	return dsn
}

// keyFile is the master key file: the flag's, else beside a SQLite store,
// else iamgate.key in the working directory.
func keyFile(store, flag string) string {
	if flag != "" {
		return flag
	}
	if isPostgres(store) {
		return "iamgate.key"
	}
	return store + ".key"
}
