package avi

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts and times every call this package makes to the Controller.
type Metrics struct {
	calls   *prometheus.CounterVec
	latency *prometheus.HistogramVec
}

// NewMetrics creates the Avi call metrics and registers them on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ako_avi_calls_total",
			Help: "Avi Controller REST calls by verb, object kind and HTTP status (\"error\" when no status was received).",
		}, []string{"verb", "kind", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ako_avi_call_duration_seconds",
			Help:    "Latency of Avi Controller REST calls by verb and object kind.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 120},
		}, []string{"verb", "kind"}),
	}
	for _, c := range []prometheus.Collector{m.calls, m.latency} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// observe records one finished call; status 0 means no HTTP answer.
func (m *Metrics) observe(verb, kind string, status int, d time.Duration) {
	if m == nil {
		return
	}
	code := "error"
	if status != 0 {
		code = strconv.Itoa(status)
	}
	m.calls.WithLabelValues(verb, kind, code).Inc()
	m.latency.WithLabelValues(verb, kind).Observe(d.Seconds())
}
