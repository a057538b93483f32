package packaging

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/akoproject/ako/api/v1beta1"
	"github.com/akoproject/ako/internal/operator"
	"github.com/akoproject/ako/internal/settings"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const operatorNamespace = "avi-system"

// bundleSample is the AKOConfig of the CSV's alm-examples, as OperatorHub offers it.
func bundleSample(t *testing.T) *unstructured.Unstructured {
	t.Helper()
	var examples []map[string]any
	if err := json.Unmarshal([]byte(loadBundle(t).CSV.GetAnnotations()["alm-examples"]), &examples); err != nil {
		t.Fatalf("alm-examples: %v", err)
	}
	for _, e := range examples {
		u := &unstructured.Unstructured{Object: e}
		if u.GetKind() == "AKOConfig" {
			unstructured.RemoveNestedField(u.Object, "status")
			u.SetNamespace(operatorNamespace)
			return u
		}
	}
	t.Fatal("alm-examples has no AKOConfig")
	return nil
}

// createAviSecret creates avi-secret as a user following the install guide would.
func createAviSecret(t *testing.T, c client.Client) {
	t.Helper()
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: operatorNamespace, Name: settings.SecretName},
		Data:       map[string][]byte{settings.SecretKeyUsername: []byte("admin"), settings.SecretKeyPassword: []byte("not-a-real-password")},
	}
	if err := c.Create(context.Background(), s); err != nil {
		t.Fatal(err)
	}
}

// startOperator runs the operator in this process against cfg until the test ends (or
// stop is called) and reports a Run error as a test failure.
func startOperator(t *testing.T, cfg *rest.Config) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- operator.Run(ctx, operator.Options{
			Config: cfg, Namespace: operatorNamespace, MetricsAddr: "0", ProbeAddr: "0",
			Workload: operator.WorkloadStatefulSet, CleanupTimeout: time.Second,
		})
	}()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("operator: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("operator did not stop within 30s")
		}
	}
	t.Cleanup(stop)
	return stop
}

// waitForState polls the AKOConfig until its status.state is want, and fails the test
// with the last status otherwise.
func waitForState(t *testing.T, c client.Client, key client.ObjectKey, want v1beta1.State, timeout time.Duration) *v1beta1.AKOConfig {
	t.Helper()
	deadline := time.Now().Add(timeout)
	cfg := &v1beta1.AKOConfig{}
	for {
		err := c.Get(context.Background(), key, cfg)
		if err == nil && cfg.Status.State == want {
			return cfg
		}
		if time.Now().After(deadline) {
			t.Fatalf("AKOConfig %s not %s after %s (err %v); status: %s", key, want, timeout, err, describeStatus(cfg))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func describeStatus(cfg *v1beta1.AKOConfig) string {
	parts := []string{"state=" + string(cfg.Status.State)}
	for _, c := range cfg.Status.Conditions {
		parts = append(parts, fmt.Sprintf("%s=%s %s: %s", c.Type, c.Status, c.Reason, c.Message))
	}
	return strings.Join(parts, "; ")
}

func degradedMessage(cfg *v1beta1.AKOConfig) string {
	if c := meta.FindStatusCondition(cfg.Status.Conditions, v1beta1.ConditionDegraded); c != nil {
		return c.Message
	}
	return ""
}
