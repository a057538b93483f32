// Package workload runs the AKO workload: settings, the Avi connection, the in-process
// controllers and the HTTP API. cmd/ako runs it as a pod; the operator runs it in its own
// process with --workload=in-process.
package workload

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/akoproject/ako/controllers/vstree"
	"github.com/akoproject/ako/internal/avi"
	"github.com/akoproject/ako/internal/status"
)

// Options configure one workload process.
type Options struct {
	// Config reaches the cluster.
	Config *rest.Config
	// Namespace is the AKO namespace holding avi-k8s-config and avi-secret.
	Namespace string
	// PodName identifies this replica (leader election, Events).
	PodName string
	// InProcess is set when the operator runs the workload; there is no StatefulSet then,
	// so deletion progress is reported on the ConfigMap.
	InProcess bool

	// APIAddress overrides the listen address of the HTTP API (default
	// ":<apiServerPort>"); tests use "127.0.0.1:0".
	APIAddress string
	// APIListening, when set, is told the address the HTTP API listens on.
	APIListening func(net.Addr)
	// Sources replaces the input kinds (default DefaultSources()).
	Sources func() []vstree.Source
	// LogLevel, when set, is changed live by the ConfigMap key logLevel.
	LogLevel *zap.AtomicLevel
	// Log defaults to controller-runtime's logger.
	Log logr.Logger
	// ConnectRetryMax caps the backoff between connection attempts (default 60 s).
	ConnectRetryMax time.Duration
}

// errRestart ends one run of the workload so that Run starts again from the settings:
// a setting that is not live changed, or the credentials did.
var errRestart = errors.New("restarting the workload")

// Run runs the workload until ctx ends. It keeps retrying while the settings are invalid
// or the Controller is unreachable, and only returns early when leadership is lost
// (the replica must restart to follow again) or the HTTP API cannot listen.
func Run(ctx context.Context, opts Options) error {
	if opts.Config == nil || opts.Namespace == "" {
		return errors.New("workload: a cluster config and the AKO namespace are required")
	}
	if opts.Log.GetSink() == nil {
		opts.Log = ctrl.Log.WithName("ako")
	}
	if opts.Sources == nil {
		opts.Sources = DefaultSources
	}
	w, err := newWorkload(opts)
	if err != nil {
		return err
	}
	defer w.broadcaster.Shutdown()

	stopAPI, err := w.startAPI(ctx)
	if err != nil {
		return err
	}
	defer stopAPI()

	for {
		err := w.runOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, errRestart) {
			w.log.Info("restarting the workload", "reason", err.Error())
			continue
		}
		return err
	}
}

// workload is the state that outlives one run: clients, the API, metrics.
type workload struct {
	opts        Options
	log         logr.Logger
	kube        kubernetes.Interface
	scheme      *runtime.Scheme
	broadcaster record.EventBroadcaster
	recorder    record.EventRecorder
	api         *apiState
	registry    *prometheus.Registry
	aviMetrics  *avi.Metrics
	managed     *managedObjects
	events      *status.Writer // events only; the per-run writer adds the cache client
}

func newWorkload(opts Options) (*workload, error) {
	cfg := rest.CopyConfig(opts.Config)
	if cfg.QPS == 0 {
		// A boot sync writes two patches per Service (annotations, status); at the
		// client-go default of 5 qps, or even 100, status lags the Controller by minutes
		// for a thousand Services. API Priority and Fairness still protects the server.
		cfg.QPS, cfg.Burst = 300, 600
	}
	opts.Config = cfg
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("workload: kubernetes client: %w", err)
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	b := record.NewBroadcaster()
	b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: kube.CoreV1().Events("")})
	rec := b.NewRecorder(scheme, corev1.EventSource{Component: status.EventComponent})

	reg := prometheus.NewRegistry()
	am, err := avi.NewMetrics(reg)
	if err != nil {
		return nil, err
	}
	managed := newManagedObjects()
	if err := reg.Register(managed); err != nil {
		return nil, err
	}
	w := &workload{
		opts: opts, log: opts.Log, kube: kube, scheme: scheme, broadcaster: b, recorder: rec,
		api: newAPIState(), registry: reg, aviMetrics: am, managed: managed,
	}
	w.events = &status.Writer{Recorder: rec, Log: opts.Log}
	return w, nil
}
