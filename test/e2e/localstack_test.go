package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vmware/alb-sdk/go/session"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/akoproject/ako/internal/localstack"
	"github.com/akoproject/ako/test/kubeenv"
)

// Names from the demo application (config/demo), the sample AKOConfig (clusterName
// my-cluster) and AKO's naming rules (spec ako-spec.md §4.7).
const (
	lsDemoNamespace = "demo"
	lsDemoLBPool    = "my-cluster--demo-demo-lb-TCP-80"
	lsDemoLBVS      = "my-cluster--demo-demo-lb"
)

// TestLocalStack starts the stack as `make run` does (internal/localstack), checks what a
// newcomer would look at, changes the demo through the written kubeconfig, watches the
// change reach the Avi simulator, and stops the stack leaving no process behind.
func TestLocalStack(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	state := t.TempDir()
	// Other suites of this package run their own control plane: only what appears after
	// Start counts as the stack's.
	before, err := localstack.ChildProcesses(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	ls, err := localstack.Start(ctx, localstack.Options{
		RepoRoot: kubeenv.RepoRoot(),
		StateDir: state,
		Demo:     true,
		Progress: lsLogWriter{t},
	})
	if err != nil {
		t.Fatalf("starting the stack: %v", err)
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = ls.Stop()
		}
	}()
	children := ls.Children()

	// Everything below goes through the files the stack wrote for the user.
	kube := lsKubeClient(t, filepath.Join(state, "kubeconfig"))
	avi := lsAviSession(t, filepath.Join(state, "avi.env"))

	t.Run("control plane serves both CRDs", func(t *testing.T) {
		for _, name := range []string{"akoconfigs.ako.vmware.com", "routes.route.openshift.io"} {
			crd := &apiextensionsv1.CustomResourceDefinition{}
			if err := kube.Get(ctx, types.NamespacedName{Name: name}, crd); err != nil {
				t.Fatalf("CRD %s: %v", name, err)
			}
			if !lsCRDEstablished(crd) {
				t.Errorf("CRD %s is not Established", name)
			}
		}
	})

	t.Run("settings and demo application applied", func(t *testing.T) {
		secret := &corev1.Secret{}
		if err := kube.Get(ctx, types.NamespacedName{Namespace: "avi-system", Name: "avi-secret"}, secret); err != nil {
			t.Fatal(err)
		}
		if string(secret.Data["username"]) != ls.Avi.Username || string(secret.Data["password"]) != ls.Avi.Password {
			t.Error("avi-secret does not hold the simulator's credentials")
		}
		cfg := lsGet(ctx, t, kube, "ako.vmware.com/v1beta1", "AKOConfig", "avi-system", "ako-config")
		if ip, _, _ := unstructured.NestedString(cfg.Object, "spec", "controllerSettings", "controllerIP"); ip != ls.Avi.Address {
			t.Errorf("AKOConfig controllerIP %q, want the simulator at %s", ip, ls.Avi.Address)
		}
		for _, name := range []string{"demo-insecure", "demo-edge", "demo-edge-redirect", "demo-reencrypt", "demo-passthrough"} {
			lsGet(ctx, t, kube, "route.openshift.io/v1", "Route", lsDemoNamespace, name)
		}
		lb := &corev1.Service{}
		if err := kube.Get(ctx, types.NamespacedName{Namespace: lsDemoNamespace, Name: "demo-lb"}, lb); err != nil {
			t.Fatal(err)
		}
		if lb.Spec.Type != corev1.ServiceTypeLoadBalancer {
			t.Errorf("demo-lb is a %s Service", lb.Spec.Type)
		}
	})

	t.Run("AKOConfig becomes Ready", func(t *testing.T) {
		lsEventually(t, 2*time.Minute, func() error {
			cfg := lsGet(ctx, t, kube, "ako.vmware.com/v1beta1", "AKOConfig", "avi-system", "ako-config")
			if st, _, _ := unstructured.NestedString(cfg.Object, "status", "state"); st != "Ready" {
				return fmt.Errorf("AKOConfig state %q, conditions %v", st, cfg.Object["status"])
			}
			return nil
		})
	})

	t.Run("simulator answers with the written credentials", func(t *testing.T) {
		var page struct {
			Count int `json:"count"`
		}
		if err := avi.Get("api/cloud?name=Default-Cloud", &page); err != nil {
			t.Fatal(err)
		}
		if page.Count != 1 {
			t.Errorf("Default-Cloud count %d", page.Count)
		}
	})

	t.Run("every demo Route is admitted with a VIP", func(t *testing.T) {
		for _, name := range []string{"demo-insecure", "demo-edge", "demo-edge-redirect", "demo-reencrypt", "demo-passthrough"} {
			lsEventually(t, 3*time.Minute, func() error {
				route := lsGet(ctx, t, kube, "route.openshift.io/v1", "Route", lsDemoNamespace, name)
				if state := localstack.RouteStateOf(route); state.Admitted != "True" || state.VIP == "" {
					return fmt.Errorf("%s: %+v", name, state)
				}
				return nil
			})
		}
	})

	t.Run("LoadBalancer Service gets a VIP from the simulator", func(t *testing.T) {
		var vip string
		lsEventually(t, 3*time.Minute, func() error {
			lb := &corev1.Service{}
			if err := kube.Get(ctx, types.NamespacedName{Namespace: lsDemoNamespace, Name: "demo-lb"}, lb); err != nil {
				return err
			}
			if len(lb.Status.LoadBalancer.Ingress) == 0 || lb.Status.LoadBalancer.Ingress[0].IP == "" {
				return fmt.Errorf("demo-lb has no VIP yet: %+v", lb.Status.LoadBalancer)
			}
			vip = lb.Status.LoadBalancer.Ingress[0].IP
			return nil
		})
		var vsvips struct {
			Results []struct {
				Vip []struct {
					IPAddress struct {
						Addr string `json:"addr"`
					} `json:"ip_address"`
				} `json:"vip"`
			} `json:"results"`
		}
		if err := avi.Get("api/vsvip?name="+lsDemoLBVS, &vsvips); err != nil {
			t.Fatal(err)
		}
		if len(vsvips.Results) != 1 || len(vsvips.Results[0].Vip) == 0 || vsvips.Results[0].Vip[0].IPAddress.Addr != vip {
			t.Errorf("VsVip %s on the simulator %+v does not hold the Service's VIP %s", lsDemoLBVS, vsvips, vip)
		}
		// The live view shows the virtual service by name, resolved on the simulator.
		lsEventually(t, 30*time.Second, func() error {
			view := localstack.Render(ls.Observer().Snapshot(ctx))
			if !strings.Contains(view, lsDemoLBVS) || !strings.Contains(view, vip) {
				return fmt.Errorf("the live view lacks %s with %s:\n%s", lsDemoLBVS, vip, view)
			}
			return nil
		})
	})

	t.Run("an endpoint added through the kubeconfig reaches the pool", func(t *testing.T) {
		slice := &discoveryv1.EndpointSlice{}
		if err := kube.Get(ctx, types.NamespacedName{Namespace: lsDemoNamespace, Name: "demo-lb-manual"}, slice); err != nil {
			t.Fatal(err)
		}
		ready := true
		slice.Endpoints = append(slice.Endpoints, discoveryv1.Endpoint{
			Addresses: []string{"10.128.0.14"}, Conditions: discoveryv1.EndpointConditions{Ready: &ready},
		})
		if err := kube.Update(ctx, slice); err != nil {
			t.Fatal(err)
		}
		lsEventually(t, 2*time.Minute, func() error {
			servers, err := lsPoolServers(avi, lsDemoLBPool)
			if err != nil {
				return err
			}
			if !slices.Contains(servers, "10.128.0.14") || len(servers) != 4 {
				return fmt.Errorf("pool %s servers %v, want the 3 demo endpoints and 10.128.0.14", lsDemoLBPool, servers)
			}
			return nil
		})
	})

	t.Run("a rejected Route shows in the live view with its reason", func(t *testing.T) {
		route := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "route.openshift.io/v1", "kind": "Route",
			"metadata": map[string]any{"name": "demo-outside", "namespace": lsDemoNamespace},
			"spec": map[string]any{
				"host": "outside.example.com",
				"to":   map[string]any{"kind": "Service", "name": "demo", "weight": int64(100)},
				"port": map[string]any{"targetPort": "http"},
			},
		}}
		if err := kube.Create(ctx, route); err != nil {
			t.Fatal(err)
		}
		lsEventually(t, 2*time.Minute, func() error {
			for _, line := range strings.Split(localstack.Render(ls.Observer().Snapshot(ctx)), "\n") {
				if strings.HasPrefix(line, "demo/demo-outside ") && strings.Contains(line, "rejected: ") && strings.Contains(line, "outside.example.com") {
					return nil
				}
			}
			return fmt.Errorf("no rejection of demo-outside in the view:\n%s", localstack.Render(ls.Observer().Snapshot(ctx)))
		})
	})

	if err := ls.Stop(); err != nil {
		t.Fatalf("stopping the stack: %v", err)
	}
	stopped = true
	if len(children) != 2 {
		t.Fatalf("the stack reported children %+v, want etcd and kube-apiserver", children)
	}
	for _, p := range children {
		if localstack.Alive(p.PID) {
			t.Errorf("%s (pid %d) still runs after Stop", p.Name, p.PID)
		}
	}
	left, err := localstack.ChildProcesses(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range left {
		if !slices.ContainsFunc(before, func(b localstack.Process) bool { return b.PID == p.PID }) {
			t.Errorf("child process left after Stop: %+v", p)
		}
	}
	if _, err := os.Stat(filepath.Join(state, "ls.pids")); !os.IsNotExist(err) {
		t.Errorf("ls.pids is still there after a clean stop (err %v)", err)
	}
}

func lsKubeClient(t *testing.T, path string) client.Client {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatalf("the written kubeconfig: %v", err)
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// aviSessionFromEnvFile logs in to the simulator with what .local/avi.env says, over
// HTTPS verified with the CA file it names.
func lsAviSession(t *testing.T, path string) *session.AviSession {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "="); ok && !strings.HasPrefix(k, "#") {
			env[k] = strings.Trim(v, "'")
		}
	}
	ca, err := os.ReadFile(env["AVI_CACERT"])
	if err != nil {
		t.Fatalf("AVI_CACERT: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		t.Fatal("AVI_CACERT holds no certificate")
	}
	host := strings.TrimPrefix(env["AVI_URL"], "https://")
	sess, err := session.NewAviSession(host, env["AVI_USERNAME"],
		session.SetPassword(env["AVI_PASSWORD"]), session.SetTenant("admin"),
		session.SetTransport(&http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}))
	if err != nil {
		t.Fatalf("logging in to the simulator with avi.env: %v", err)
	}
	return sess
}

func lsPoolServers(avi *session.AviSession, name string) ([]string, error) {
	var pools struct {
		Results []struct {
			Servers []struct {
				IP struct {
					Addr string `json:"addr"`
				} `json:"ip"`
			} `json:"servers"`
		} `json:"results"`
	}
	if err := avi.Get("api/pool?name="+name, &pools); err != nil {
		return nil, err
	}
	if len(pools.Results) != 1 {
		return nil, fmt.Errorf("%d pools named %s", len(pools.Results), name)
	}
	var out []string
	for _, s := range pools.Results[0].Servers {
		out = append(out, s.IP.Addr)
	}
	return out, nil
}

func lsGet(ctx context.Context, t *testing.T, c client.Client, apiVersion, kind, namespace, name string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	if err := c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, u); err != nil {
		t.Fatalf("%s %s/%s: %v", kind, namespace, name, err)
	}
	return u
}

func lsCRDEstablished(crd *apiextensionsv1.CustomResourceDefinition) bool {
	for _, c := range crd.Status.Conditions {
		if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
			return true
		}
	}
	return false
}

// eventually polls check until it succeeds or timeout passes, then fails with its error.
func lsEventually(t *testing.T, timeout time.Duration, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v", timeout, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

type lsLogWriter struct{ t *testing.T }

func (w lsLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestLocalStackAgainstACluster is `make run KUBECONFIG=... AVI_CONTROLLER=...`, run as the
// Makefile does (the ako-local command, one operator per process): no local control plane
// and no simulator; the CRD, avi-secret and the AKOConfig go to the given cluster, the
// operator runs with its default workload, StatefulSet ako, and SIGINT ends it cleanly.
func TestLocalStackAgainstACluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	root := kubeenv.RepoRoot()
	bin := buildAkoLocal(ctx, t, root)

	// A cluster of its own: the operator acts on avi-system, which other suites use.
	env, err := kubeenv.Start(kubeenv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = env.Stop() }()
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kubeconfig, env.KubeConfig, 0o600); err != nil {
		t.Fatal(err)
	}
	kube := lsKubeClient(t, kubeconfig)
	// kubeenv installed the CRD; remove it so that the command has to install it.
	crd := &apiextensionsv1.CustomResourceDefinition{}
	crd.Name = "akoconfigs.ako.vmware.com"
	if err := kube.Delete(ctx, crd); err != nil {
		t.Fatal(err)
	}
	lsEventually(t, time.Minute, func() error {
		if err := kube.Get(ctx, types.NamespacedName{Name: crd.Name}, crd); err == nil {
			return fmt.Errorf("CRD %s still there", crd.Name)
		}
		return nil
	})

	out := &lsOutput{}
	cmd := exec.CommandContext(ctx, bin, "--repo", root, "--state-dir", t.TempDir(), "--kubeconfig", kubeconfig,
		"--ako-image", "registry.example.com/ako:test", "--view=false")
	cmd.Env = append(os.Environ(), "AVI_CONTROLLER=avi.example.com", "AVI_USERNAME=ops", "AVI_PASSWORD=s3cret-pw")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-exited
		}
	}()

	lsEventually(t, 2*time.Minute, func() error {
		if err := kube.Get(ctx, types.NamespacedName{Name: crd.Name}, crd); err != nil || !lsCRDEstablished(crd) {
			return fmt.Errorf("CRD %s not installed and Established (%v); output:\n%s", crd.Name, err, out)
		}
		return nil
	})
	secret := &corev1.Secret{}
	lsEventually(t, time.Minute, func() error {
		return kube.Get(ctx, types.NamespacedName{Namespace: "avi-system", Name: "avi-secret"}, secret)
	})
	if string(secret.Data["username"]) != "ops" || string(secret.Data["password"]) != "s3cret-pw" {
		t.Error("avi-secret does not hold AVI_USERNAME and AVI_PASSWORD")
	}
	cfg := lsGet(ctx, t, kube, "ako.vmware.com/v1beta1", "AKOConfig", "avi-system", "ako-config")
	if ip, _, _ := unstructured.NestedString(cfg.Object, "spec", "controllerSettings", "controllerIP"); ip != "avi.example.com" {
		t.Errorf("controllerIP %q, want AVI_CONTROLLER", ip)
	}
	// The operator runs with its default workload: StatefulSet ako with --ako-image (the
	// sample AKOConfig names no image).
	lsEventually(t, 2*time.Minute, func() error {
		sts := &appsv1.StatefulSet{}
		if err := kube.Get(ctx, types.NamespacedName{Namespace: "avi-system", Name: "ako"}, sts); err != nil {
			return fmt.Errorf("%v; output:\n%s", err, out)
		}
		if img := sts.Spec.Template.Spec.Containers[0].Image; img != "registry.example.com/ako:test" {
			return fmt.Errorf("StatefulSet ako runs image %q", img)
		}
		return nil
	})
	if err := kube.Get(ctx, types.NamespacedName{Namespace: lsDemoNamespace, Name: "demo-lb"}, &corev1.Service{}); err == nil {
		t.Error("the demo application was applied to a real cluster")
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("ako-local exited with %v after SIGINT; output:\n%s", err, out)
		}
	case <-time.After(time.Minute):
		t.Fatalf("ako-local still runs a minute after SIGINT; output:\n%s", out)
	}
	if !strings.Contains(out.String(), "stopped; nothing is left running") {
		t.Errorf("no clean stop reported; output:\n%s", out)
	}
	if strings.Contains(out.String(), "s3cret-pw") {
		t.Error("the Controller password appeared in the output")
	}
}

// lsOutput collects a command's output for assertions, safely while it runs.
type lsOutput struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (o *lsOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *lsOutput) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// TestLocalStackCommandStopsWhenItsTerminalGoes runs `ako-local` as `make run | tee log`
// does, then ends the reader of its output and hangs up, as closing the terminal does:
// the command must still stop etcd and kube-apiserver instead of dying on the broken
// pipe and leaving them running.
func TestLocalStackCommandStopsWhenItsTerminalGoes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	root := kubeenv.RepoRoot()
	bin := buildAkoLocal(ctx, t, root)
	stateDir := t.TempDir()
	reader, writer, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, bin, "--repo", root, "--state-dir", stateDir)
	cmd.Stdout, cmd.Stderr = writer, writer
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	_ = writer.Close() // the command holds its own copy
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-exited
		}
	}()

	var seen bytes.Buffer
	buf := make([]byte, 4096)
	for !strings.Contains(seen.String(), "The local stack is up") {
		n, err := reader.Read(buf)
		seen.Write(buf[:n])
		if err != nil {
			t.Fatalf("ako-local ended before the stack was up: %v; output:\n%s", err, seen.String())
		}
	}
	// ako-local records the pids of etcd and kube-apiserver it started.
	pids := recordedPIDs(t, stateDir)
	if len(pids) < 2 {
		t.Fatalf("stack.pids names %v, want etcd and kube-apiserver; the check below would prove nothing", pids)
	}
	t.Cleanup(func() { // never leave them behind, whatever the outcome
		for _, pid := range pids {
			if localstack.Alive(pid) {
				_ = syscall.Kill(-pid, syscall.SIGKILL)
			}
		}
	})
	_ = reader.Close() // like tee ending on Ctrl-C: the next write gets a broken pipe
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(2 * time.Minute):
		t.Fatal("ako-local still runs two minutes after SIGHUP")
	}
	for _, pid := range pids {
		if localstack.Alive(pid) {
			t.Errorf("pid %d of the stack still runs after ako-local exited", pid)
		}
	}
}

// recordedPIDs reads the "<pid> <executable>" lines of <stateDir>/stack.pids.
func recordedPIDs(t *testing.T, stateDir string) []int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(stateDir, "stack.pids"))
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var pid int
		if _, err := fmt.Sscanf(line, "%d", &pid); err == nil && pid > 1 {
			pids = append(pids, pid)
		}
	}
	return pids
}

// buildAkoLocal builds the command `make run` runs, for tests that drive it as a process.
func buildAkoLocal(ctx context.Context, t *testing.T, root string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ako-local")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/ako-local")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building ako-local: %v\n%s", err, out)
	}
	return bin
}
