// Package operator wires the AKOConfig reconciler into a controller-runtime manager:
// scheme, cache restricted to the managed objects, metrics, health probes, leader
// election and, with --workload=in-process, the AKO workload in the same process.
package operator

import (
	"context"
	"fmt"
	"os"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/discovery"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/akoproject/ako/api/v1beta1"
	"github.com/akoproject/ako/controllers/akoconfig"
	"github.com/akoproject/ako/internal/workload"
)

// Workload modes.
const (
	WorkloadStatefulSet = "statefulset"
	WorkloadInProcess   = "in-process"
)

// DefaultNamespace is the operator's namespace when none is given.
const DefaultNamespace = "avi-system"

// Options configure one operator process.
type Options struct {
	// Config reaches the cluster.
	Config *rest.Config
	// Namespace holds the honoured AKOConfig, avi-secret and the workload's objects.
	Namespace string
	// MetricsAddr serves Prometheus metrics ("0" turns them off).
	MetricsAddr string
	// ProbeAddr serves /healthz and /readyz ("0" turns them off).
	ProbeAddr string
	// LeaderElect makes only one replica of the operator act at a time.
	LeaderElect bool
	// Workload is "statefulset" (default) or "in-process".
	Workload string
	// AKOImage is used when an AKOConfig names no image.
	AKOImage string
	// CleanupTimeout bounds the wait for AKO's Avi cleanup on deletion (default 5m).
	CleanupTimeout time.Duration
	// WorkloadAPIAddress overrides the in-process workload's HTTP API address (default
	// ":<apiServerPort>"); tests and the local stack use "127.0.0.1:0".
	WorkloadAPIAddress string
}

// Run runs the operator until ctx ends.
func Run(ctx context.Context, opts Options) error {
	if opts.Config == nil {
		return fmt.Errorf("no cluster configuration")
	}
	if opts.Namespace == "" {
		opts.Namespace = DefaultNamespace
	}
	switch opts.Workload {
	case "":
		opts.Workload = WorkloadStatefulSet
	case WorkloadStatefulSet, WorkloadInProcess:
	default:
		return fmt.Errorf("--workload=%q: want %q or %q", opts.Workload, WorkloadStatefulSet, WorkloadInProcess)
	}
	log := ctrl.Log.WithName("operator")

	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return fmt.Errorf("building the scheme: %w", err)
	}
	if err := v1beta1.AddToScheme(scheme); err != nil {
		return fmt.Errorf("building the scheme: %w", err)
	}
	openShift, err := RoutesServed(opts.Config)
	if err != nil {
		return err
	}
	mgr, err := ctrl.NewManager(opts.Config, ctrl.Options{
		Scheme:                  scheme,
		Cache:                   akoconfig.CacheOptions(opts.Namespace),
		Metrics:                 metricsserver.Options{BindAddress: opts.MetricsAddr},
		HealthProbeBindAddress:  opts.ProbeAddr,
		LeaderElection:          opts.LeaderElect,
		LeaderElectionID:        "ako-operator",
		LeaderElectionNamespace: opts.Namespace,
	})
	if err != nil {
		return fmt.Errorf("creating the manager: %w", err)
	}
	r := &akoconfig.Reconciler{
		Client:         mgr.GetClient(),
		Recorder:       mgr.GetEventRecorder("ako-operator"),
		Namespace:      opts.Namespace,
		OpenShift:      openShift,
		Image:          opts.AKOImage,
		CleanupTimeout: opts.CleanupTimeout,
	}
	if opts.Workload == WorkloadInProcess {
		podName := os.Getenv("POD_NAME")
		if podName == "" {
			podName, _ = os.Hostname()
		}
		wopts := workload.Options{Config: opts.Config, Namespace: opts.Namespace, PodName: podName, InProcess: true,
			APIAddress: opts.WorkloadAPIAddress}
		r.InProcess = &akoconfig.InProcessWorkload{
			Run: func(ctx context.Context) error { return workload.Run(ctx, wopts) },
			Log: ctrl.Log.WithName("workload"),
		}
		if err := mgr.Add(r.InProcess); err != nil {
			return fmt.Errorf("adding the in-process workload: %w", err)
		}
	}
	if err := r.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the AKOConfig controller: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return fmt.Errorf("adding the health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return fmt.Errorf("adding the readiness check: %w", err)
	}
	log.Info("starting the AKO operator", "namespace", opts.Namespace, "workload", opts.Workload, "openshift", openShift)
	if err := mgr.Start(ctx); err != nil {
		return fmt.Errorf("running the manager: %w", err)
	}
	return nil
}

// RoutesServed reports whether the cluster serves route.openshift.io/v1 (OpenShift).
func RoutesServed(cfg *rest.Config) (bool, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return false, fmt.Errorf("creating a discovery client: %w", err)
	}
	list, err := dc.ServerResourcesForGroupVersion("route.openshift.io/v1")
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("discovering route.openshift.io/v1: %w", err)
	}
	for _, res := range list.APIResources {
		if res.Name == "routes" {
			return true, nil
		}
	}
	return false, nil
}
