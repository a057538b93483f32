package bench

import (
	"context"
	"net"
	"runtime"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	"k8s.io/client-go/rest"

	"github.com/akoproject/ako/internal/avisim/avisimtest"
	"github.com/akoproject/ako/internal/workload"
)

// reconciled counts the distinct keys the workload logs as reconciled: the value of the
// log field ("key" for Services, "tree" for Routes), when it starts with prefix.
type reconciled struct {
	field, prefix string
	mu            gosync.Mutex
	seen          map[string]bool
}

func newReconciled(field, prefix string) *reconciled {
	return &reconciled{field: field, prefix: prefix, seen: map[string]bool{}}
}

func (c *reconciled) add(line string) {
	marker := `"` + c.field + `"="`
	i := strings.Index(line, marker)
	if !strings.Contains(line, `"reconciled"`) || i < 0 {
		return
	}
	value := line[i+len(marker):]
	value = value[:strings.Index(value, `"`)]
	if !strings.HasPrefix(value, c.prefix) {
		return
	}
	c.mu.Lock()
	c.seen[value] = true
	c.mu.Unlock()
}

func (c *reconciled) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

// runWorkload runs the AKO workload in this process, as the operator's in-process mode
// does, counting what it reconciles; the returned func stops it.
func runWorkload(b *testing.B, cfg *rest.Config, ns string, counter *reconciled) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	log := funcr.New(func(_, args string) { counter.add(args) }, funcr.Options{Verbosity: 1})
	go func() {
		done <- workload.Run(ctx, workload.Options{Config: cfg, Namespace: ns, PodName: "ako-0",
			APIAddress: "127.0.0.1:0", APIListening: func(net.Addr) {}, Log: log})
	}()
	return func() {
		cancel()
		if err := <-done; err != nil {
			b.Logf("workload: %v", err)
		}
	}
}

// parallel runs create(0..n-1) on 16 goroutines and fails the benchmark on any error.
func parallel(b *testing.B, n int, create func(int) error) {
	var wg gosync.WaitGroup
	errs := make(chan error, n)
	work := make(chan int)
	for range 16 {
		wg.Go(func() {
			for i := range work {
				if err := create(i); err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// sampleHeap samples the heap every 50 ms until the returned func is called, which
// returns the peak HeapAlloc.
func sampleHeap() func() uint64 {
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		return peak.Load()
	}
}

func byVerb(counts map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range counts {
		verb, _, _ := strings.Cut(k, " ")
		out[verb] += v
	}
	return out
}

// scaleRun is one boot of the workload until everything is served, then a restart with
// nothing changed until every key of the first boot is reconciled again.
type scaleRun struct {
	toReady       time.Duration
	calls         map[string]int // first boot, "<METHOD> <kind>"
	writes        int
	heap          uint64 // peak HeapAlloc during the first boot
	keys          int
	toSteady      time.Duration
	restartWrites int
	restartCalls  map[string]int
}

// bootAndRestart measures a scaleRun: field and prefix select the reconciled keys to
// count (see reconciled), ready waits until the first boot serves everything.
func bootAndRestart(b *testing.B, cfg *rest.Config, sim *avisimtest.Sim, akoNS, field, prefix string, ready func()) scaleRun {
	var r scaleRun
	sim.ResetRequests()
	peak := sampleHeap()
	first := newReconciled(field, prefix)
	start := time.Now()
	stop := runWorkload(b, cfg, akoNS, first)
	ready()
	r.toReady = time.Since(start)
	r.calls, r.writes, r.keys = sim.Counts(), sim.Writes(), first.count()
	stop()
	r.heap = peak()

	sim.ResetRequests()
	restarted := newReconciled(field, prefix)
	start = time.Now()
	stop = runWorkload(b, cfg, akoNS, restarted)
	for restarted.count() < r.keys {
		if time.Since(start) > 10*time.Minute {
			b.Fatalf("restart: only %d of %d keys reconciled", restarted.count(), r.keys)
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.toSteady = time.Since(start)
	r.restartWrites, r.restartCalls = sim.Writes(), sim.Counts()
	stop()
	return r
}

// report publishes r as benchmark metrics (readyMetric names the first-boot time) and
// fails the benchmark when the restart wrote anything.
func (r scaleRun) report(b *testing.B, readyMetric string) {
	b.ReportMetric(r.toReady.Seconds(), readyMetric)
	b.ReportMetric(float64(r.heap)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(r.restartWrites), "restart-writes")
	b.ReportMetric(r.toSteady.Seconds(), "s-restart-steady")
	verbs := byVerb(r.calls)
	for _, verb := range []string{"GET", "POST", "PUT", "DELETE"} {
		b.ReportMetric(float64(verbs[verb]), "calls-"+verb)
	}
	if r.restartWrites != 0 {
		b.Errorf("a restart with nothing changed made %d writes", r.restartWrites)
	}
}
