package workload

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	gosync "sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/akoproject/ako/controllers/vstree"
	"github.com/akoproject/ako/internal/avi"
	"github.com/akoproject/ako/internal/model"
	"github.com/akoproject/ako/internal/settings"
	"github.com/akoproject/ako/internal/status"
	"github.com/akoproject/ako/internal/sync"
)

// Leader election timing (ako-spec.md §8.1 step 11).
const (
	LeaseName     = "ako-lease-lock"
	leaseDuration = 15 * time.Second
	renewDeadline = 10 * time.Second
	retryPeriod   = 2 * time.Second
)

// run is one start of the workload with one set of settings.
type run struct {
	w        *workload
	settings settings.Settings
	cloud    model.Cloud
	creds    Credentials
	client   *avi.Client
	mgr      manager.Manager
	engine   *sync.Engine
	env      *vstree.Env
	sources  []vstree.Source
	gate     *vstree.Gate
	leader   atomic.Bool
	events   atomic.Bool // enableEvents, live
	restart  context.CancelCauseFunc

	deleteWanted chan bool // latest deleteConfig value for the leader loop
	mu           gosync.Mutex
	live         settings.Settings // latest valid ConfigMap content
}

func (w *workload) runOnce(parent context.Context) error {
	rep := &reporter{w: w}
	s, creds, err := w.waitForInput(parent, rep)
	if err != nil {
		return err
	}
	w.applyLogLevel(s.LogLevel)

	// Connect keeps retrying while the Controller is down; it gives up only on bad
	// credentials, which need a new Secret.
	w.api.set(ConnInitiating, false)
	connectCtx, stopWatch := context.WithCancelCause(parent)
	go w.watchInputWhileConnecting(connectCtx, stopWatch, s, creds)
	client, err := avi.Connect(connectCtx, avi.Config{
		Host: s.ControllerIP, Username: creds.Username, Password: creds.Password, AuthToken: creds.AuthToken,
		CAData: creds.CAData, Tenant: s.TenantName, Version: s.ControllerVersion, Metrics: w.aviMetrics,
		RetryMax: w.opts.ConnectRetryMax, Log: w.log.WithName("avi"),
	})
	cause := context.Cause(connectCtx)
	stopWatch(nil)
	if err != nil {
		if errors.Is(cause, errRestart) {
			return cause
		}
		if parent.Err() != nil {
			return parent.Err()
		}
		rep.problem(parent, ConnDisconnected, err)
		return w.waitForInputChange(parent, s, creds)
	}

	cloud, err := validate(parent, client, s)
	if err != nil {
		rep.problem(parent, ConnConnected, err)
		if err := sleep(parent, 15*time.Second); err != nil {
			return err
		}
		return fmt.Errorf("%w: boot validation failed", errRestart)
	}
	w.log.Info("validated the settings against the Avi Controller", "cloud", cloud.Name, "tenant", cloud.Tenant,
		"vrf", cloud.VRF, "seGroup", cloud.SEGroup, "license", cloud.LicenseTier, "dnsDomains", cloud.DNSDomains)
	if p := w.pod(parent); p != nil {
		w.events.Normal(p, ReasonValidatedUserInput, "User input validated against the Avi Controller")
	}
	w.api.set(ConnConnected, true)

	r := &run{w: w, settings: s, cloud: cloud, creds: creds, live: s, client: client, gate: vstree.NewGate(), deleteWanted: make(chan bool, 1)}
	r.events.Store(s.EnableEvents)
	return r.start(parent)
}

// watchInputWhileConnecting restarts a connection attempt that waits for the
// Controller when the settings or the credentials change meanwhile.
func (w *workload) watchInputWhileConnecting(ctx context.Context, cancel context.CancelCauseFunc, s settings.Settings, c Credentials) {
	for {
		if sleep(ctx, 5*time.Second) != nil {
			return
		}
		s2, c2, _, err := w.loadInput(ctx)
		if err == nil && (!reflect.DeepEqual(s2, s) || !reflect.DeepEqual(c2, c)) {
			cancel(fmt.Errorf("%w: settings or credentials changed", errRestart))
			return
		}
	}
}

// waitForInputChange waits until the ConfigMap or Secret changes (e.g. new credentials).
func (w *workload) waitForInputChange(ctx context.Context, s settings.Settings, c Credentials) error {
	for {
		if err := sleep(ctx, 5*time.Second); err != nil {
			return err
		}
		s2, c2, _, err := w.loadInput(ctx)
		if err == nil && (!reflect.DeepEqual(s2, s) || !reflect.DeepEqual(c2, c)) {
			return fmt.Errorf("%w: settings or credentials changed", errRestart)
		}
	}
}

func (r *run) start(parent context.Context) error {
	w, s := r.w, r.settings
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	r.restart = cancel

	r.engine = sync.New(sync.Options{
		Client: r.client, ClusterName: s.ClusterName, CreatedBy: s.CreatedBy(), Cloud: s.CloudName,
		Log: w.log.WithName("sync"),
	})
	w.managed.set(r.engine)
	defer w.managed.set(nil)

	identity := w.opts.PodName
	if identity == "" {
		host, _ := os.Hostname()
		identity = host + "_" + rand.String(6)
	}
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: w.opts.Namespace, Name: LeaseName},
		Client:     w.kube.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: identity},
	}
	ld, rd, rp := leaseDuration, renewDeadline, retryPeriod
	ns := w.opts.Namespace
	own := func(name string) cache.ByObject {
		return cache.ByObject{Namespaces: map[string]cache.Config{ns: {FieldSelector: fields.OneTermEqualSelector("metadata.name", name)}}}
	}
	skip := true
	mgr, err := ctrl.NewManager(w.opts.Config, manager.Options{
		Scheme: w.scheme,
		Logger: w.log,
		Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{
			&corev1.ConfigMap{}: own(settings.ConfigMapName),
			&corev1.Secret{}:    own(settings.SecretName),
		}},
		Metrics:                             metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress:              "0",
		LeaderElection:                      true,
		LeaderElectionResourceLockInterface: lock,
		LeaseDuration:                       &ld,
		RenewDeadline:                       &rd,
		RetryPeriod:                         &rp,
		LeaderElectionReleaseOnCancel:       true,
		Controller:                          ctrlConfig(skip),
	})
	if err != nil {
		return fmt.Errorf("workload: manager: %w", err)
	}
	r.mgr = mgr

	writer := &status.Writer{Client: mgr.GetClient(), Recorder: w.recorder, Log: w.log.WithName("status"), EventsEnabled: &r.events}
	w.events.EventsEnabled = &r.events
	r.env = &vstree.Env{
		Settings: s, Cloud: r.cloud, Namespace: ns, Sync: r.engine, Avi: r.client,
		Status: writer, Log: w.log, Gate: r.gate,
	}
	r.sources = w.opts.Sources()
	for _, src := range r.sources {
		if err := src.Setup(mgr, r.env.WithLog(w.log.WithName(src.Name()))); err != nil {
			return fmt.Errorf("workload: setting up source %s: %w", src.Name(), err)
		}
	}
	if err := mgr.Add(manager.RunnableFunc(r.watchSettings)); err != nil {
		return err
	}
	if err := mgr.Add(leaderRunnable(r.lead)); err != nil {
		return err
	}
	go r.announceFollower(ctx, mgr.Elected())

	w.log.Info("starting the controllers", "pod", w.opts.PodName, "namespace", ns)
	err = mgr.Start(ctx)
	if cause := context.Cause(ctx); errors.Is(cause, errRestart) {
		return cause
	}
	if err != nil {
		return fmt.Errorf("workload: %w", err)
	}
	return nil
}

func ctrlConfig(skipNameValidation bool) config.Controller {
	return config.Controller{SkipNameValidation: &skipNameValidation}
}

// leaderRunnable runs only on the elected replica.
type leaderRunnable func(context.Context) error

func (f leaderRunnable) Start(ctx context.Context) error { return f(ctx) }
func (leaderRunnable) NeedLeaderElection() bool          { return true }
