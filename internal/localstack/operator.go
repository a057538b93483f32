package localstack

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/client-go/rest"

	"github.com/akoproject/ako/controllers/akoconfig"
	"github.com/akoproject/ako/internal/operator"
)

// operatorRun is the operator manager running in this process.
type operatorRun struct {
	cancel context.CancelFunc
	done   chan error
	err    error
}

// startOperator runs the operator until stop; with workload "in-process" it also runs the
// AKO workload in this process. Metrics and probes are off: the live view is the monitor,
// and fixed ports would collide with a second stack.
func startOperator(ctx context.Context, cfg *rest.Config, workload, akoImage string) (*operatorRun, error) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r := &operatorRun{cancel: cancel, done: make(chan error, 1)}
	if akoImage == "" {
		akoImage = akoconfig.DefaultImage
	}
	opts := operator.Options{
		Config:      cfg,
		Namespace:   AKONamespace,
		MetricsAddr: "0",
		ProbeAddr:   "0",
		Workload:    workload,
		AKOImage:    akoImage,
	}
	go func() {
		err := operator.Run(ctx, opts)
		if err == nil && ctx.Err() == nil {
			err = fmt.Errorf("the operator stopped by itself")
		}
		r.done <- err
		close(r.done)
	}()
	return r, nil
}

// stop cancels the operator and waits for it, at most grace.
func (r *operatorRun) stop(grace time.Duration) error {
	r.cancel()
	select {
	case err, ok := <-r.done:
		if ok && err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("operator: %w", err)
		}
		return nil
	case <-time.After(grace):
		return fmt.Errorf("the operator did not stop within %s", grace)
	}
}
