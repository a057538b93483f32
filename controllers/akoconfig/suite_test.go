package akoconfig

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	clocktesting "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"go.uber.org/zap/zapcore"

	"github.com/akoproject/ako/api/v1beta1"
	"github.com/akoproject/ako/internal/settings"
	"github.com/akoproject/ako/test/kubeenv"
)

const ns = "avi-system"

// One real kube-apiserver + etcd for the package, one operator manager running the
// reconciler against it, and a direct client k for the test's own actions.
var (
	env     *kubeenv.Env
	scheme  = runtime.NewScheme()
	k       client.Client
	writes  *countingClient // the running reconciler's client: counts its writes
	rec     *Reconciler
	clk     *clocktesting.FakeClock
	testCtx context.Context
)

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	var err error
	env, err = kubeenv.Start(kubeenv.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = v1beta1.AddToScheme(scheme)
	ctrl.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(os.Stderr), zap.Level(zapcore.Level(zapLevel()))))

	k, err = client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	testCtx = ctx
	if err := k.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme: scheme, Cache: CacheOptions(ns), Metrics: metricsserver.Options{BindAddress: "0"},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	writes = &countingClient{Client: mgr.GetClient()}
	clk = clocktesting.NewFakeClock(time.Now())
	rec = &Reconciler{
		Client: writes, Recorder: mgr.GetEventRecorder("ako-operator"), Namespace: ns,
		Image: "example.com/ako:test", CleanupTimeout: time.Minute, Clock: clk,
	}
	if err := rec.SetupWithManager(mgr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	code := m.Run()
	cancel()
	if err := <-done; err != nil {
		fmt.Fprintln(os.Stderr, "manager:", err)
	}
	return code
}

func zapLevel() int8 {
	if os.Getenv("AKO_TEST_LOG") != "" {
		return -1
	}
	return 1 // errors only
}

// countingClient counts every write (create, update, patch, delete, status writes) and
// remembers what it was, so tests can assert that a reconcile wrote nothing.
type countingClient struct {
	client.Client
	mu  sync.Mutex
	log []string
}

func (c *countingClient) record(verb string, obj client.Object) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.log = append(c.log, fmt.Sprintf("%s %T %s", verb, obj, client.ObjectKeyFromObject(obj)))
}

// since returns the writes after the first n.
func (c *countingClient) since(n int) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.log[n:]...)
}

func (c *countingClient) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.log)
}

func (c *countingClient) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	c.record("create", obj)
	return c.Client.Create(ctx, obj, opts...)
}

func (c *countingClient) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	c.record("update", obj)
	return c.Client.Update(ctx, obj, opts...)
}

func (c *countingClient) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	c.record("patch", obj)
	return c.Client.Patch(ctx, obj, patch, opts...)
}

func (c *countingClient) Delete(ctx context.Context, obj client.Object, opts ...client.DeleteOption) error {
	c.record("delete", obj)
	return c.Client.Delete(ctx, obj, opts...)
}

func (c *countingClient) Status() client.SubResourceWriter {
	return &countingStatus{SubResourceWriter: c.Client.Status(), c: c}
}

type countingStatus struct {
	client.SubResourceWriter
	c *countingClient
}

func (s *countingStatus) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	s.c.record("update status", obj)
	return s.SubResourceWriter.Update(ctx, obj, opts...)
}

func (s *countingStatus) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	s.c.record("patch status", obj)
	return s.SubResourceWriter.Patch(ctx, obj, patch, opts...)
}

// ---- helpers ----

// eventually polls f until it returns nil or the deadline passes.
func eventually(t *testing.T, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var err error
	for time.Now().Before(deadline) {
		if err = f(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: %v", what, err)
}

func createSecret(t *testing.T, data map[string]string) {
	t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: SecretName}, StringData: data}
	if err := k.Create(testCtx, s); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k.Delete(context.Background(), s) })
}

func validSecret(t *testing.T) {
	createSecret(t, map[string]string{"username": "admin", "password": "Passw0rd-for-tests"})
}

// newConfig creates an AKOConfig like the sample; the API server fills the defaults.
func newConfig(t *testing.T, namespace, name string, edit func(*v1beta1.AKOConfig)) *v1beta1.AKOConfig {
	t.Helper()
	cfg := &v1beta1.AKOConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: v1beta1.AKOConfigSpec{
			AKOSettings:        v1beta1.AKOSettings{ClusterName: "test-cluster"},
			ControllerSettings: v1beta1.ControllerSettings{ControllerIP: "127.0.0.1:8443"},
			NetworkSettings:    v1beta1.NetworkSettings{VipNetworkList: []v1beta1.VipNetwork{{NetworkName: "vip-net", Cidr: "10.10.10.0/24"}}},
		},
	}
	if edit != nil {
		edit(cfg)
	}
	if err := k.Create(testCtx, cfg); err != nil {
		t.Fatalf("creating AKOConfig: %v", err)
	}
	t.Cleanup(func() { removeConfig(t, cfg) })
	return cfg
}

// removeConfig deletes cfg and, playing the workload, reports the Avi cleanup done, then
// waits until the operator let it go.
func removeConfig(t *testing.T, cfg *v1beta1.AKOConfig) {
	t.Helper()
	if err := k.Delete(testCtx, cfg); apierrors.IsNotFound(err) {
		return
	}
	eventually(t, "AKOConfig "+cfg.Name+" gone", func() error {
		reportDeletion(settings.DeletionDone)
		err := k.Get(testCtx, client.ObjectKeyFromObject(cfg), &v1beta1.AKOConfig{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there (%v)", err)
	})
}

// reportDeletion plays the AKO workload: annotate StatefulSet ako with the deletion status.
func reportDeletion(value string) {
	sts := &appsv1.StatefulSet{}
	if err := k.Get(testCtx, client.ObjectKey{Namespace: ns, Name: StatefulSetName}, sts); err != nil {
		return
	}
	patch := client.MergeFrom(sts.DeepCopy())
	if sts.Annotations == nil {
		sts.Annotations = map[string]string{}
	}
	sts.Annotations[settings.DeletionStatusAnnotation] = value
	_ = k.Patch(testCtx, sts, patch)
}

func getConfig(t *testing.T, cfg *v1beta1.AKOConfig) *v1beta1.AKOConfig {
	t.Helper()
	got := &v1beta1.AKOConfig{}
	if err := k.Get(testCtx, client.ObjectKeyFromObject(cfg), got); err != nil {
		t.Fatal(err)
	}
	return got
}

// condition waits until cfg has condition t with the status and reason and returns it.
func waitCondition(t *testing.T, cfg *v1beta1.AKOConfig, condType string, status metav1.ConditionStatus, reason string) metav1.Condition {
	t.Helper()
	var found metav1.Condition
	eventually(t, fmt.Sprintf("%s %s=%s reason %s", cfg.Name, condType, status, reason), func() error {
		got := &v1beta1.AKOConfig{}
		if err := k.Get(testCtx, client.ObjectKeyFromObject(cfg), got); err != nil {
			return err
		}
		c := meta.FindStatusCondition(got.Status.Conditions, condType)
		if c == nil || c.Status != status || c.Reason != reason {
			return fmt.Errorf("state %q conditions %+v", got.Status.State, got.Status.Conditions)
		}
		found = *c
		return nil
	})
	return found
}

func waitReady(t *testing.T, cfg *v1beta1.AKOConfig) *v1beta1.AKOConfig {
	t.Helper()
	var got *v1beta1.AKOConfig
	eventually(t, cfg.Name+" Ready", func() error {
		got = &v1beta1.AKOConfig{}
		if err := k.Get(testCtx, client.ObjectKeyFromObject(cfg), got); err != nil {
			return err
		}
		if got.Status.State != v1beta1.StateReady || got.Status.ObservedGeneration != got.Generation {
			return fmt.Errorf("state %q observed %d of %d, conditions %+v", got.Status.State, got.Status.ObservedGeneration, got.Generation, got.Status.Conditions)
		}
		return nil
	})
	return got
}

func getObj(t *testing.T, key client.ObjectKey, obj client.Object) {
	t.Helper()
	eventually(t, fmt.Sprintf("%T %s exists", obj, key), func() error { return k.Get(testCtx, key, obj) })
}

// waitEvent waits for an Event about the AKOConfig with the reason and returns its note.
func waitEvent(t *testing.T, cfg *v1beta1.AKOConfig, eventType, reason string) string {
	t.Helper()
	var note string
	eventually(t, fmt.Sprintf("%s Event %s for %s", eventType, reason, cfg.Name), func() error {
		list := &eventsv1.EventList{}
		if err := k.List(testCtx, list, client.InNamespace(cfg.Namespace)); err != nil {
			return err
		}
		var seen []string
		for _, e := range list.Items {
			if e.Regarding.Name == cfg.Name && e.Regarding.UID == cfg.UID && e.Type == eventType && e.Reason == reason {
				note = e.Note
				return nil
			}
			seen = append(seen, e.Type+"/"+e.Reason)
		}
		return fmt.Errorf("seen %s", strings.Join(seen, ", "))
	})
	return note
}

// patchConfig edits the stored AKOConfig's spec.
func patchConfig(t *testing.T, cfg *v1beta1.AKOConfig, edit func(*v1beta1.AKOConfig)) {
	t.Helper()
	eventually(t, "patching "+cfg.Name, func() error {
		got := &v1beta1.AKOConfig{}
		if err := k.Get(testCtx, client.ObjectKeyFromObject(cfg), got); err != nil {
			return err
		}
		edit(got)
		return k.Update(testCtx, got)
	})
}
