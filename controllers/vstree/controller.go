package vstree

import (
	"context"
	"time"

	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"
)

// Backoff bounds of the per-key exponential retry.
const (
	RetryBase = 5 * time.Millisecond
	RetryMax  = 5 * time.Minute
)

// Controller is one work queue of keys of type K with its reconciler. Watches only map
// events to keys; the queue de-duplicates bursts and retries failed keys with per-key
// exponential backoff.
type Controller[K comparable] struct {
	ctrl    controller.TypedController[K]
	mgr     manager.Manager
	enqueue chan event.TypedGenericEvent[K]
}

// NewController creates the controller name with workers parallel reconcilers.
func NewController[K comparable](mgr manager.Manager, name string, workers int, r reconcile.TypedReconciler[K]) (*Controller[K], error) {
	skip := true
	c, err := controller.NewTyped[K](name, mgr, controller.TypedOptions[K]{
		Reconciler:              r,
		MaxConcurrentReconciles: workers,
		SkipNameValidation:      &skip, // tests run several workloads in one process
		RateLimiter: workqueue.NewTypedMaxOfRateLimiter[K](
			workqueue.NewTypedItemExponentialFailureRateLimiter[K](RetryBase, RetryMax),
			&workqueue.TypedBucketRateLimiter[K]{Limiter: newLimiter()},
		),
	})
	if err != nil {
		return nil, err
	}
	ch := make(chan event.TypedGenericEvent[K], 1024)
	err = c.Watch(source.TypedChannel[K, K](ch, handler.TypedFuncs[K, K]{
		GenericFunc: func(_ context.Context, e event.TypedGenericEvent[K], q workqueue.TypedRateLimitingInterface[K]) {
			q.Add(e.Object)
		},
	}))
	if err != nil {
		return nil, err
	}
	return &Controller[K]{ctrl: c, mgr: mgr, enqueue: ch}, nil
}

// Enqueue queues keys from outside any watch (full sync).
func (c *Controller[K]) Enqueue(ctx context.Context, keys ...K) error {
	for _, k := range keys {
		select {
		case c.enqueue <- event.TypedGenericEvent[K]{Object: k}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Watch maps events of objects like obj to keys. changed filters updates (nil: every
// update counts); keys of both the old and the new object are queued on update.
func Watch[T client.Object, K comparable](c *Controller[K], obj T, keys func(ctx context.Context, o T) []K, changed func(old, new T) bool) error {
	add := func(ctx context.Context, o T, q workqueue.TypedRateLimitingInterface[K]) {
		for _, k := range keys(ctx, o) {
			q.Add(k)
		}
	}
	return c.ctrl.Watch(source.TypedKind[T, K](c.mgr.GetCache(), obj, handler.TypedFuncs[T, K]{
		CreateFunc: func(ctx context.Context, e event.TypedCreateEvent[T], q workqueue.TypedRateLimitingInterface[K]) {
			add(ctx, e.Object, q)
		},
		UpdateFunc: func(ctx context.Context, e event.TypedUpdateEvent[T], q workqueue.TypedRateLimitingInterface[K]) {
			if changed != nil && !changed(e.ObjectOld, e.ObjectNew) {
				return
			}
			add(ctx, e.ObjectOld, q)
			add(ctx, e.ObjectNew, q)
		},
		DeleteFunc: func(ctx context.Context, e event.TypedDeleteEvent[T], q workqueue.TypedRateLimitingInterface[K]) {
			add(ctx, e.Object, q)
		},
	}))
}
