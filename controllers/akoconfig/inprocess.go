package akoconfig

import (
	"context"
	"sync"
	"time"

	"github.com/go-logr/logr"
)

// InProcessWorkload runs the AKO workload inside the operator (--workload=in-process)
// instead of StatefulSet ako. It is a manager Runnable, so it only runs on the leader and
// stops with the manager; the reconciler starts the workload once the ConfigMap and the
// Secret are in place and stops it when the AKOConfig is deleted. A failing workload is
// retried with exponential backoff; it never takes the operator down.
type InProcessWorkload struct {
	// Run runs the workload until ctx ends (internal/operator passes workload.Run with
	// its options; tests may play the workload).
	Run func(ctx context.Context) error
	// Log receives the workload's failures.
	Log logr.Logger
	// MinBackoff and MaxBackoff bound the delay between two attempts.
	MinBackoff, MaxBackoff time.Duration

	mu      sync.Mutex
	base    context.Context // the manager's context, set by Start(ctx)
	wanted  bool
	cancel  context.CancelFunc
	done    chan struct{}
	lastErr error
}

// Start implements manager.Runnable: it records the manager's context and blocks until it
// ends, then stops the workload.
func (w *InProcessWorkload) Start(ctx context.Context) error {
	w.mu.Lock()
	w.base = ctx
	wanted := w.wanted
	w.mu.Unlock()
	if wanted {
		w.launch()
	}
	<-ctx.Done()
	w.Stop()
	return nil
}

// Launch makes the workload run; calling it again while it runs does nothing. Before the
// manager started the runnable it only records the wish.
func (w *InProcessWorkload) Launch() {
	w.mu.Lock()
	w.wanted = true
	ready := w.base != nil
	w.mu.Unlock()
	if ready {
		w.launch()
	}
}

func (w *InProcessWorkload) launch() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cancel != nil || w.base == nil || w.base.Err() != nil {
		return
	}
	ctx, cancel := context.WithCancel(w.base)
	done := make(chan struct{})
	w.cancel, w.done, w.lastErr = cancel, done, nil
	go w.loop(ctx, done)
}

func (w *InProcessWorkload) loop(ctx context.Context, done chan struct{}) {
	defer close(done)
	minB, maxB := w.MinBackoff, w.MaxBackoff
	if minB <= 0 {
		minB = time.Second
	}
	if maxB < minB {
		maxB = 2 * time.Minute
	}
	delay := minB
	for {
		w.Log.Info("starting the in-process AKO workload")
		started := time.Now()
		err := w.Run(ctx)
		if ctx.Err() != nil {
			return
		}
		if time.Since(started) > maxB {
			delay = minB // it ran for a while: a fresh failure, not a crash loop
		}
		w.mu.Lock()
		w.lastErr = err
		w.mu.Unlock()
		w.Log.Error(err, "the in-process AKO workload stopped; retrying", "after", delay.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, maxB)
	}
}

// Stop stops the workload and waits for it to return.
func (w *InProcessWorkload) Stop() {
	w.mu.Lock()
	w.wanted = false
	cancel, done := w.cancel, w.done
	w.cancel, w.done = nil, nil
	w.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// Err is the last failure of the running workload, nil while it runs fine.
func (w *InProcessWorkload) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lastErr
}
