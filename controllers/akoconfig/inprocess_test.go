package akoconfig

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
)

// TestInProcessWorkloadRetriesAndStops drives the runner with a workload that fails at
// once: it is retried with backoff, never takes the caller down, reports its error, runs
// once at a time, and stops for good on Stop.
func TestInProcessWorkloadRetriesAndStops(t *testing.T) {
	var calls, running, overlap atomic.Int32
	w := &InProcessWorkload{
		Run: func(ctx context.Context) error {
			if running.Add(1) > 1 {
				overlap.Add(1)
			}
			defer running.Add(-1)
			calls.Add(1)
			return errors.New("no Controller yet")
		},
		Log:        logr.Discard(),
		MinBackoff: 5 * time.Millisecond,
		MaxBackoff: 20 * time.Millisecond,
	}
	w.Launch() // before the manager started the runnable: only remembered
	if calls.Load() != 0 {
		t.Fatal("ran before the manager started")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan error, 1)
	go func() { started <- w.Start(ctx) }()

	deadline := time.Now().Add(10 * time.Second)
	for calls.Load() < 4 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if calls.Load() < 4 {
		t.Fatalf("retried %d times", calls.Load())
	}
	w.Launch() // idempotent while running
	if w.Err() == nil || w.Err().Error() != "no Controller yet" {
		t.Errorf("Err() = %v", w.Err())
	}
	w.Stop() // returns only once the retry loop has exited
	after := calls.Load()
	if running.Load() != 0 {
		t.Error("the workload still runs after Stop")
	}
	if calls.Load() != after {
		t.Errorf("workload still called after Stop: %d -> %d", after, calls.Load())
	}
	if overlap.Load() != 0 {
		t.Error("two copies of the workload ran at once")
	}

	// Launched again (a new AKOConfig), then the manager stops: Start returns.
	w.Launch()
	for calls.Load() == after && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if calls.Load() == after {
		t.Error("not relaunched")
	}
	cancel()
	select {
	case err := <-started:
		if err != nil {
			t.Errorf("Start returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Start did not return when the manager stopped")
	}
}
