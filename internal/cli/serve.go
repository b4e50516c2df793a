package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/pipeline"
	"github.com/iamgate/iamgate/server"
)

type serveParams struct {
	store, listen, keyFile, account string
	tlsCert, tlsKey, logFormat      string
	metricsListen                   string
	dev                             bool
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
one. Secrets are sealed with a master key: IAMGATE_MASTER_KEY (32 bytes,
base64 or hex), or the --key-file, created on first start beside a SQLite
store.

--dev accepts any credentials as that administrator, without checking
signatures, for quick local use. Never expose it.`,
		RunE: func(cmd *cobra.Command, args []string) error {
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
	cmd.Flags().StringVar(&p.metricsListen, "metrics-listen", "127.0.0.1:9599", "serve Prometheus metrics at /metrics on this address (empty: off)")
	cmd.Flags().BoolVar(&p.dev, "dev", false, "accept any credentials as the administrator (unsafe; local use only)")
	cmd.Flags().StringVar(&p.pipelineRole, "pipeline-role", "", "serve the central policy pipeline (/v1/pipeline/) as this role of the security account")
	cmd.Flags().StringVar(&p.pipelineGuardrails, "pipeline-guardrails", "", "guardrails file, stored as a new version when it changed")
	cmd.Flags().StringVar(&p.pipelineEndpoint, "pipeline-endpoint", "", "where the pipeline calls STS and IAM (default: this server, in process)")
	return cmd
}

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
	p.keyFile = keyFile(p.store, p.keyFile)
	master, created, err := server.LoadMasterKey(os.Getenv("IAMGATE_MASTER_KEY"), p.keyFile)
	if err != nil {
		return err
	}
	if created {
		log.Warn("created a new master key; back it up: secrets in the store cannot be read without it", "file", p.keyFile)
	}
	st, err := openStore(ctx, p.store)
	if err != nil {
		return err
	}
	defer st.Close()
	metrics := server.NewMetrics()
	auditLog := audit.NewLog(st)
	defer auditLog.Close()
	cfg := server.Config{Store: st, Master: master, Dev: p.dev, Account: p.account, Logger: log, Metrics: metrics, Audit: auditLog}
	if p.pipelineRole != "" {
		cfg.Pipeline = &server.PipelineConfig{Role: p.pipelineRole, Endpoint: p.pipelineEndpoint}
		if p.pipelineGuardrails != "" {
			g, err := pipeline.LoadGuardrails(p.pipelineGuardrails)
			if err != nil {
				return err
			}
			cfg.Pipeline.Guardrails = g
		}
	} else if p.pipelineGuardrails != "" {
		return fmt.Errorf("--pipeline-guardrails needs --pipeline-role, the pipeline's role in the security account")
	}
	srv, err := server.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer srv.Close()
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
	if p.dev {
		fmt.Fprintf(stderr, "\n*** iamgate --dev: ANY credentials are accepted, unsigned, as %s in account %s. ***\n*** Do not expose this server. ***\n\n", server.AdminUser, p.account)
	}
	ln, err := net.Listen("tcp", p.listen)
	if err != nil {
		return err
	}
	scheme := "http"
	if p.tlsCert != "" {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "iamgate: serving IAM and STS on %s://%s (store %s)\n", scheme, ln.Addr(), redact(p.store))
	if cfg.Pipeline != nil {
		fmt.Fprintf(stdout, "iamgate: the central policy pipeline is at %s://%s%s, as %s\n", scheme, ln.Addr(), server.PipelinePath, p.pipelineRole)
	}
	if p.metricsListen != "" {
		mln, err := net.Listen("tcp", p.metricsListen)
		if err != nil {
			return fmt.Errorf("--metrics-listen: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", metrics.Handler())
		ms := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go ms.Serve(mln)
		defer ms.Close()
		fmt.Fprintf(stdout, "iamgate: metrics on http://%s/metrics\n", mln.Addr())
	}
	if p.ready != nil {
		p.ready <- ln.Addr().String()
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
		IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() {
		if p.tlsCert != "" {
			errc <- hs.ServeTLS(ln, p.tlsCert, p.tlsKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return hs.Shutdown(shutdown)
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
	if strings.HasPrefix(store, "postgres://") || strings.HasPrefix(store, "postgresql://") {
		return "iamgate.key"
	}
	return store + ".key"
}
