package operator

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/akoproject/ako/api/v1beta1"
	"github.com/akoproject/ako/controllers/akoconfig"
	"github.com/akoproject/ako/internal/avisim"
	"github.com/akoproject/ako/internal/avisim/avisimtest"
	"github.com/akoproject/ako/internal/settings"
	"github.com/akoproject/ako/test/kubeenv"
)

// One OpenShift-flavoured test cluster (Route CRD installed) for the package.
var env *kubeenv.Env

func TestMain(m *testing.M) {
	var err error
	env, err = kubeenv.Start(kubeenv.Options{OpenShift: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = env.Stop()
	os.Exit(code)
}

func TestRoutesServedOnOpenShift(t *testing.T) {
	served, err := RoutesServed(env.Config)
	if err != nil || !served {
		t.Fatalf("RoutesServed = %v, %v; want true with the Route CRD installed", served, err)
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	err := Run(context.Background(), Options{Config: env.Config, Workload: "pod"})
	if err == nil || !strings.Contains(err.Error(), `--workload="pod"`) {
		t.Errorf("err = %v, want one naming --workload", err)
	}
	if err := Run(context.Background(), Options{}); err == nil {
		t.Error("Run without a cluster configuration succeeded")
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func eventually(t *testing.T, timeout time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		if err = f(); err == nil {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s: %v", what, err)
}

func httpGet(url string) (int, string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// TestInProcessWorkloadEndToEnd runs the operator as `ako-operator --workload=in-process`
// would, with the real AKO workload talking to the Avi simulator over HTTPS: no
// StatefulSet, no IngressClass (OpenShift), probes and metrics served, and a deletion that
// completes because the in-process workload reports its Avi cleanup on the ConfigMap.
func TestInProcessWorkloadEndToEnd(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	scheme := runtime.NewScheme()
	_ = clientgoscheme.AddToScheme(scheme)
	_ = v1beta1.AddToScheme(scheme)
	k, err := client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := k.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: DefaultNamespace}}); err != nil {
		t.Fatal(err)
	}
	if err := k.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: DefaultNamespace, Name: settings.SecretName},
		StringData: map[string]string{"username": sim.Username, "password": sim.Password},
	}); err != nil {
		t.Fatal(err)
	}

	metricsAddr, probeAddr := freeAddr(t), freeAddr(t)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{
			Config: env.Config, Workload: WorkloadInProcess, MetricsAddr: metricsAddr, ProbeAddr: probeAddr,
			CleanupTimeout: 2 * time.Minute, WorkloadAPIAddress: "127.0.0.1:0",
		})
	}()

	cfg := &v1beta1.AKOConfig{
		ObjectMeta: metav1.ObjectMeta{Namespace: DefaultNamespace, Name: "ako-config"},
		Spec: v1beta1.AKOConfigSpec{
			AKOSettings:        v1beta1.AKOSettings{ClusterName: "inproc"},
			ControllerSettings: v1beta1.ControllerSettings{ControllerIP: sim.Host, CloudName: "Default-Cloud"},
			NetworkSettings:    v1beta1.NetworkSettings{VipNetworkList: []v1beta1.VipNetwork{{NetworkName: "vip-net", Cidr: "10.10.10.0/24"}}},
		},
	}
	if err := k.Create(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "Ready and Available in-process", func() error {
		got := &v1beta1.AKOConfig{}
		if err := k.Get(ctx, client.ObjectKeyFromObject(cfg), got); err != nil {
			return err
		}
		a := meta.FindStatusCondition(got.Status.Conditions, v1beta1.ConditionAvailable)
		if got.Status.State != v1beta1.StateReady || a == nil || a.Status != metav1.ConditionTrue || a.Reason != akoconfig.ReasonInProcess {
			return fmt.Errorf("state %q conditions %+v", got.Status.State, got.Status.Conditions)
		}
		cfg = got
		return nil
	})
	if err := k.Get(ctx, client.ObjectKey{Namespace: DefaultNamespace, Name: akoconfig.ConfigMapName}, &corev1.ConfigMap{}); err != nil {
		t.Errorf("ConfigMap: %v", err)
	}
	if err := k.Get(ctx, client.ObjectKey{Namespace: DefaultNamespace, Name: akoconfig.StatefulSetName}, &appsv1.StatefulSet{}); !apierrors.IsNotFound(err) {
		t.Errorf("StatefulSet in in-process mode: %v", err)
	}
	if err := k.Get(ctx, client.ObjectKey{Name: akoconfig.IngressClassName}, &networkingv1.IngressClass{}); !apierrors.IsNotFound(err) {
		t.Errorf("IngressClass on OpenShift: %v", err)
	}
	eventually(t, 10*time.Second, "health probe", func() error {
		code, _, err := httpGet("http://" + probeAddr + "/healthz")
		if err != nil || code != http.StatusOK {
			return fmt.Errorf("status %d: %v", code, err)
		}
		return nil
	})
	code, body, err := httpGet("http://" + metricsAddr + "/metrics")
	if err != nil || code != http.StatusOK || !strings.Contains(body, `controller_runtime_reconcile_total{controller="akoconfig"`) {
		t.Errorf("metrics: status %d, err %v, reconcile counter present %v", code, err, strings.Contains(body, "controller_runtime_reconcile_total"))
	}

	// Deletion: the operator sets deleteConfig; the in-process workload removes its Avi
	// objects and reports Done on the ConfigMap; the operator then removes everything.
	if err := k.Delete(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	eventually(t, 90*time.Second, "AKOConfig gone after the workload's cleanup", func() error {
		err := k.Get(ctx, client.ObjectKeyFromObject(cfg), &v1beta1.AKOConfig{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there: %v", err)
	})
	eventually(t, 10*time.Second, "Event AviCleanupDone", func() error {
		list := &eventsv1.EventList{}
		if err := k.List(ctx, list, client.InNamespace(DefaultNamespace)); err != nil {
			return err
		}
		var seen []string
		for _, e := range list.Items {
			if e.Regarding.UID == cfg.UID && e.Reason == "AviCleanupDone" {
				return nil
			}
			seen = append(seen, e.Reason)
		}
		return fmt.Errorf("events: %v", seen)
	})
	if err := k.Get(ctx, client.ObjectKey{Namespace: DefaultNamespace, Name: akoconfig.ConfigMapName}, &corev1.ConfigMap{}); !apierrors.IsNotFound(err) {
		t.Errorf("ConfigMap not removed: %v", err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v after its context ended", err)
		}
	case <-time.After(30 * time.Second):
		t.Error("Run did not return after its context ended")
	}
}
