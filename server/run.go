package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// DefaultDrain is how long Run waits, once its context is done, for the
// requests in flight to finish before it closes their connections.
const DefaultDrain = 10 * time.Second

// RunConfig is what Run serves, and where.
type RunConfig struct {
	// Handler serves the API (a *Server, or one wrapped with the
	// metrics beside it).
	Handler http.Handler
	// Listener, when set, is the bound API listener; else Run binds Addr.
	// Binding first lets a caller refuse to start before it creates
	// anything.
	Listener net.Listener
	Addr     string
	// TLS, when set, serves HTTPS on the API listener.
	TLS *tls.Config
	// Metrics, when set, is served at MetricsPath on MetricsListener
	// (plain HTTP), else on MetricsAddr.
	Metrics         http.Handler
	MetricsListener net.Listener
	MetricsAddr     string
	// Drain bounds the graceful shutdown; DefaultDrain when zero.
	Drain time.Duration
}

// Run serves cfg until ctx is done, then stops accepting, waits up to
// cfg.Drain for the requests in flight and returns nil; connections still
// open after the drain are closed and Run returns the shutdown's error. A
// listener that cannot be bound or fails is returned as an error. Run
// closes the listeners it was given.
func Run(ctx context.Context, cfg RunConfig) error {
	if cfg.Handler == nil {
		return errors.New("server.Run: no handler")
	}
	ln := cfg.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", cfg.Addr); err != nil {
			return fmt.Errorf("listen %s: %w", cfg.Addr, err)
		}
	}
	defer ln.Close()
	mln := cfg.MetricsListener
	if cfg.Metrics != nil && mln == nil && cfg.MetricsAddr != "" {
		var err error
		if mln, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
			return fmt.Errorf("listen %s (metrics): %w", cfg.MetricsAddr, err)
		}
	}
	if mln != nil {
		defer mln.Close()
	}
	drain := cfg.Drain
	if drain <= 0 {
		drain = DefaultDrain
	}

	servers := []*http.Server{{Handler: cfg.Handler, TLSConfig: cfg.TLS, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}}
	listeners := []net.Listener{ln}
	if mln != nil && cfg.Metrics != nil {
		mux := http.NewServeMux()
		mux.Handle(MetricsPath, cfg.Metrics)
		servers = append(servers, &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second})
		listeners = append(listeners, mln)
	}
	errc := make(chan error, len(servers))
	for i, hs := range servers {
		go func() {
			var err error
			if i == 0 && cfg.TLS != nil {
				err = hs.ServeTLS(listeners[i], "", "")
			} else {
				err = hs.Serve(listeners[i])
			}
			errc <- err
		}()
	}
	var serveErr error
	select {
	case serveErr = <-errc:
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), drain)
	defer cancel()
	var errs []error
	for _, hs := range servers {
		if err := hs.Shutdown(shutdown); err != nil {
			errs = append(errs, err)
			_ = hs.Close() // Shutdown's error is the one reported
		}
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return errors.Join(errs...)
}
