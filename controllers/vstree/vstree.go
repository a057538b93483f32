// Package vstree is the contract between the AKO workload and its input kinds
// (LoadBalancer Services, static routes, Routes, ...). A Source watches Kubernetes
// objects and maps their events to keys of the Avi VS trees they affect; one reconciler
// per key kind rebuilds the tree from the informer caches and hands it to the sync layer.
// The workload runs every registered Source the same way: setup, full sync, garbage
// collection, deleteConfig. See docs/workload.md.
package vstree

import (
	"context"
	"errors"
	"time"

	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/akoproject/ako/internal/avi"
	"github.com/akoproject/ako/internal/model"
	"github.com/akoproject/ako/internal/settings"
	"github.com/akoproject/ako/internal/status"
	"github.com/akoproject/ako/internal/sync"
)

// Applier is the sync layer as a Source sees it (*sync.Engine).
type Applier interface {
	Apply(ctx context.Context, tree model.Tree) (sync.Result, error)
}

// Env is what the workload gives every Source.
type Env struct {
	Settings settings.Settings
	Cloud    model.Cloud
	// Namespace is the AKO namespace.
	Namespace string
	Sync      Applier
	// Avi is the Controller client, for the few writes that are not VS trees (the VRF).
	Avi    *avi.Client
	Status *status.Writer
	Log    logr.Logger
	// Gate holds reconcilers back until the boot view of the Controller is loaded, and
	// while deleteConfig is set.
	Gate *Gate
}

// Source is one input kind of the workload.
type Source interface {
	// Name names the source in logs and metrics ("service", "staticroute", "route").
	Name() string
	// Setup registers the source's watches and reconcilers on mgr. Reconcilers must call
	// env.Gate.Enter first and must be leader-only (the controller-runtime default).
	Setup(mgr manager.Manager, env *Env) error
	// Desired computes every tree the source wants now from the informer caches.
	// complete is false when any listing failed; garbage collection then waits.
	Desired(ctx context.Context) (trees []model.Tree, complete bool)
	// Resync queues every key of the source (periodic full sync, deleteConfig unset).
	Resync(ctx context.Context) error
	// Cleanup runs after every Avi object was deleted for deleteConfig: clear the status
	// the source wrote and anything it keeps outside VS trees.
	Cleanup(ctx context.Context) error
}

// Registry is the ordered list of Sources a workload runs.
type Registry struct{ sources []Source }

// Register adds sources.
func (r *Registry) Register(s ...Source) { r.sources = append(r.sources, s...) }

// Sources returns the registered sources in order.
func (r *Registry) Sources() []Source { return r.sources }

// SlowRetry is how long a key waits after an error of class Slow (Controller
// unreachable, IPAM exhausted, upgrade in progress).
const SlowRetry = 30 * time.Second

// ErrPaused is returned by Gate.Enter while deleteConfig is set.
var ErrPaused = errors.New("sync is paused: deleteConfig is set")

// Outcome turns the error of an Apply into what the work queue does: fast per-item
// exponential backoff for retryable errors, a fixed long pause for slow ones, and no
// retry for errors the input must fix (the caller reports those). It never busy-loops.
func Outcome(err error) (reconcile.Result, error) {
	if err == nil {
		return reconcile.Result{}, nil
	}
	if errors.Is(err, context.Canceled) {
		return reconcile.Result{}, nil
	}
	switch avi.ClassOf(err).Requeue() {
	case avi.RequeueNever:
		return reconcile.Result{}, nil
	case avi.RequeueSlow, avi.RequeueShutdown:
		return reconcile.Result{RequeueAfter: SlowRetry}, nil
	}
	return reconcile.Result{}, err
}

// Rejected reports whether err is the Controller refusing the request itself: retrying
// cannot help, the user must change the input.
func Rejected(err error) bool {
	return err != nil && avi.ClassOf(err).Requeue() == avi.RequeueNever
}

// WithLog returns a copy of the environment that logs through l.
func (e *Env) WithLog(l logr.Logger) *Env {
	c := *e
	c.Log = l
	return &c
}
