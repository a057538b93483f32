package packaging

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/akoproject/ako/api/v1beta1"
	"github.com/akoproject/ako/internal/settings"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
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

// startOperator runs the ako-operator binary (built from cmd/ako-operator) with the
// kubeconfig as its identity until the test ends or stop is called. A separate process per
// operator, as in a cluster: controller-runtime allows one controller of a name per process.
func startOperator(t *testing.T, kubeconfig string) (stop func()) {
	t.Helper()
	var logs bytes.Buffer
	cmd := exec.Command(binary(t, "ako-operator"), "--namespace", operatorNamespace,
		"--metrics-bind-address", "0", "--health-probe-bind-address", "0", "--cleanup-timeout", "1s")
	cmd.Env = []string{"KUBECONFIG=" + kubeconfig, "HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting ako-operator: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("ako-operator did not stop within 30s of SIGTERM")
		}
		if t.Failed() {
			t.Logf("ako-operator log:\n%s", tail(logs.String(), 4000))
		}
	}
	t.Cleanup(stop)
	return stop
}

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

// binary builds the project's commands once per test run and returns the path of one.
func binary(t *testing.T, name string) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "packaging-bin-")
		if buildErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", buildDir+"/",
			"github.com/akoproject/ako/cmd/ako-operator", "github.com/akoproject/ako/cmd/scorecard-ako-ready").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(buildDir, name)
}

// impersonating writes a copy of kubeconfig that acts as the given user and groups.
func impersonating(t *testing.T, kubeconfig, user string, groups ...string) string {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range cfg.AuthInfos {
		a.Impersonate = user
		a.ImpersonateGroups = groups
	}
	path := filepath.Join(t.TempDir(), "kubeconfig-as-"+strings.ReplaceAll(user, ":", "-"))
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
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
