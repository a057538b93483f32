package workload

import (
	gosync "sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/akoproject/ako/internal/sync"
)

// managedObjects exports the number of Avi objects this cluster owns, by kind, read
// from the sync cache when scraped, and full-sync counts and durations.
type managedObjects struct {
	mu       gosync.Mutex
	engine   *sync.Engine
	desc     *prometheus.Desc
	syncs    *prometheus.CounterVec
	duration prometheus.Histogram
}

func newManagedObjects() *managedObjects {
	return &managedObjects{
		desc: prometheus.NewDesc("ako_managed_objects", "Avi objects owned by this cluster, by kind, as the sync cache knows them.", []string{"kind"}, nil),
		syncs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ako_full_syncs_total", Help: "Full syncs by result (ok, gc-error, incomplete).",
		}, []string{"result"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "ako_full_sync_duration_seconds", Help: "Duration of full syncs (queueing every key and garbage collection).",
			Buckets: prometheus.ExponentialBuckets(0.01, 4, 10),
		}),
	}
}

func (m *managedObjects) set(e *sync.Engine) {
	m.mu.Lock()
	m.engine = e
	m.mu.Unlock()
}

func (m *managedObjects) fullSync(result string, d time.Duration) {
	m.syncs.WithLabelValues(result).Inc()
	m.duration.Observe(d.Seconds())
}

// Describe implements prometheus.Collector.
func (m *managedObjects) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.desc
	m.syncs.Describe(ch)
	m.duration.Describe(ch)
}

// Collect implements prometheus.Collector.
func (m *managedObjects) Collect(ch chan<- prometheus.Metric) {
	m.syncs.Collect(ch)
	m.duration.Collect(ch)
	m.mu.Lock()
	e := m.engine
	m.mu.Unlock()
	if e == nil {
		return
	}
	counts := map[string]int{}
	for _, id := range e.Owned() {
		counts[string(id.Kind)]++
	}
	for kind, n := range counts {
		ch <- prometheus.MustNewConstMetric(m.desc, prometheus.GaugeValue, float64(n), kind)
	}
}
