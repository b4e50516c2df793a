package server

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MetricsPath is where the metrics are served.
const MetricsPath = "/metrics"

// Metrics are the server's Prometheus metrics, served on their own port or
// beside the API (Beside).
type Metrics struct {
	registry  *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	decisions *prometheus.HistogramVec
	store     *prometheus.HistogramVec
}

// NewMetrics registers the metrics (with the Go runtime's and the
// process's) in a registry of their own.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "iamgate_requests_total",
			Help: "API requests by service, action and outcome (OK or the AWS error code)."}, []string{"service", "action", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "iamgate_request_duration_seconds",
			Help: "Time to answer an API request, by service.", Buckets: prometheus.ExponentialBuckets(50e-6, 2, 16)}, []string{"service"}),
		decisions: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "iamgate_decision_duration_seconds",
			Help: "Time to gather policies and decide one authorization, by decision.", Buckets: prometheus.ExponentialBuckets(1e-6, 2, 16)}, []string{"decision"}),
		store: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "iamgate_store_duration_seconds",
			Help: "Time of store operations, by operation.", Buckets: prometheus.ExponentialBuckets(50e-6, 2, 16)}, []string{"op"}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.decisions, m.store,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Beside serves GET and HEAD of MetricsPath with the metrics and hands
// every other request to api. The AWS Query API is at "/" (and its presigned
// GETs carry an Action), the decision and pipeline APIs have their own
// paths, so no API request is a GET of /metrics. The metrics are not
// authenticated: serve them beside an API only where no one else reaches.
func (m *Metrics) Beside(api http.Handler) http.Handler {
	metrics := m.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == MetricsPath && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			metrics.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

func (m *Metrics) request(service, action, outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(service, action, outcome).Inc()
	m.latency.WithLabelValues(service).Observe(d.Seconds())
}

func (m *Metrics) decision(decision string, d time.Duration) {
	if m != nil {
		m.decisions.WithLabelValues(decision).Observe(d.Seconds())
	}
}

func (m *Metrics) storeOp(op string, d time.Duration) {
	if m != nil {
		m.store.WithLabelValues(op).Observe(d.Seconds())
	}
}
