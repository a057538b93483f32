package vstree

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/akoproject/ako/internal/avi"
)

func TestOutcome(t *testing.T) {
	wrap := func(c avi.Class) error {
		return fmt.Errorf("applying: %w", &avi.Error{Class: c, Verb: "POST", Path: "api/pool"})
	}
	tests := []struct {
		name      string
		err       error
		wantErr   bool
		wantAfter time.Duration
	}{
		{"nil", nil, false, 0},
		{"retryable backs off per key", wrap(avi.ClassRetryable), true, 0},
		{"conflict backs off per key", wrap(avi.ClassConflict), true, 0},
		{"slow waits", wrap(avi.ClassSlow), false, SlowRetry},
		{"credentials wait", wrap(avi.ClassInvalidCredentials), false, SlowRetry},
		{"permanent is not retried", wrap(avi.ClassPermanent), false, 0},
		{"cancelled is not an error", context.Canceled, false, 0},
		{"other errors back off", errors.New("cache read failed"), true, 0},
	}
	for _, tc := range tests {
		res, err := Outcome(tc.err)
		if (err != nil) != tc.wantErr || res.RequeueAfter != tc.wantAfter {
			t.Errorf("%s: result %+v err %v", tc.name, res, err)
		}
	}
	if !Rejected(wrap(avi.ClassPermanent)) || Rejected(wrap(avi.ClassRetryable)) || Rejected(nil) {
		t.Error("Rejected misclassifies")
	}
}

func TestGate(t *testing.T) {
	g := NewGate()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := g.Enter(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("closed gate let a reconcile in: %v", err)
	}
	g.Open()
	leave, err := g.Enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	paused := make(chan struct{})
	go func() {
		g.SetPaused(true) // must wait for the reconcile in flight
		close(paused)
	}()
	select {
	case <-paused:
		t.Fatal("pause did not wait for the reconcile in flight")
	case <-time.After(30 * time.Millisecond):
	}
	leave()
	<-paused
	if _, err := g.Enter(context.Background()); !errors.Is(err, ErrPaused) {
		t.Fatalf("paused gate: %v", err)
	}
	g.SetPaused(false)
	if err := g.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
}
