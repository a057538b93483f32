package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strings"
	gosync "sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/akoproject/ako/internal/avisim"
	"github.com/akoproject/ako/internal/avisim/avisimtest"
	"github.com/akoproject/ako/internal/settings"
	"github.com/akoproject/ako/internal/workload"
	"github.com/akoproject/ako/test/kubeenv"
)

// One kube-apiserver for the package (with the OpenShift Route CRD, so Route suites can
// share it); every test gets its own AKO namespace, app
// namespace and simulator, and runs its workloads one test at a time (a workload
// watches every namespace).
var (
	testEnv *kubeenv.Env
	k8s     client.Client
	kube    kubernetes.Interface
	seq     atomic.Int32
)

func TestMain(m *testing.M) {
	env, err := kubeenv.Start(kubeenv.Options{OpenShift: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testEnv = env
	ctrl.SetLogger(logr.Discard())
	k8s, err = client.New(env.Config, client.Options{})
	if err == nil {
		kube, err = kubernetes.NewForConfig(env.Config)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		_ = env.Stop()
		os.Exit(1)
	}
	code := m.Run()
	_ = env.Stop()
	os.Exit(code)
}

// stack is one test's AKO setup: namespaces, ConfigMap, Secret and a simulator.
type stack struct {
	t         *testing.T
	id        string
	akoNS     string
	appNS     string
	sim       *avisimtest.Sim
	logs      *logBuffer
	workloads []*running
}

// newStack creates the namespaces, the simulator, avi-k8s-config (with extra keys) and
// avi-secret. Workloads only accept the app namespace (namespace selector), so objects
// of earlier tests are never theirs.
func newStack(t *testing.T, extra map[string]string) *stack {
	t.Helper()
	id := fmt.Sprintf("t%d", seq.Add(1))
	s := &stack{t: t, id: id, akoNS: "ako-" + id, appNS: "app-" + id, logs: &logBuffer{}}
	s.sim = avisimtest.Start(t, avisim.Options{})
	ctx := context.Background()
	for _, ns := range []*corev1.Namespace{
		{ObjectMeta: metav1.ObjectMeta{Name: s.akoNS}},
		{ObjectMeta: metav1.ObjectMeta{Name: s.appNS, Labels: map[string]string{"ako-test": id}}},
	} {
		must(t, k8s.Create(ctx, ns))
	}
	data := map[string]string{
		settings.KeyControllerIP:      s.sim.Host,
		settings.KeyClusterName:       "c1",
		settings.KeyCloudName:         "Default-Cloud",
		settings.KeyVIPNetworkList:    `[{"networkName":"vip-net"}]`,
		settings.KeyNSSyncLabelKey:    "ako-test",
		settings.KeyNSSyncLabelValue:  id,
		settings.KeyFullSyncFrequency: "1800",
	}
	for k, v := range extra {
		data[k] = v
	}
	must(t, k8s.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: s.akoNS, Name: settings.ConfigMapName}, Data: data}))
	must(t, k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: s.akoNS, Name: settings.SecretName},
		Data: map[string][]byte{settings.SecretKeyUsername: []byte(s.sim.Username), settings.SecretKeyPassword: []byte(s.sim.Password)}}))
	t.Cleanup(func() {
		for _, w := range s.workloads {
			w.stop()
		}
		if t.Failed() {
			s.logs.mu.Lock()
			lines := s.logs.lines
			if len(lines) > 300 {
				lines = lines[len(lines)-300:]
			}
			for _, l := range lines {
				t.Log(l)
			}
			s.logs.mu.Unlock()
		}
	})
	return s
}

// running is one workload instance.
type running struct {
	cancel context.CancelFunc
	done   chan error
	api    chan string
	addr   string
	once   gosync.Once
}

// start runs a workload as pod podName.
func (s *stack) start(podName string) *running {
	s.t.Helper()
	return s.startWith(podName, nil)
}

// startWith runs a workload as pod podName, with options changed by edit.
func (s *stack) startWith(podName string, edit func(*workload.Options)) *running {
	s.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1), api: make(chan string, 1)}
	log := funcr.New(func(prefix, args string) {
		s.logs.add(prefix + " " + args)
	}, funcr.Options{Verbosity: 1})
	opts := workload.Options{
		Config: testEnv.Config, Namespace: s.akoNS, PodName: podName,
		APIAddress: "127.0.0.1:0", APIListening: func(a net.Addr) { r.api <- a.String() },
		Log: log, ConnectRetryMax: 2 * time.Second,
	}
	if edit != nil {
		edit(&opts)
	}
	go func() { r.done <- workload.Run(ctx, opts) }()
	select {
	case r.addr = <-r.api:
	case err := <-r.done:
		s.t.Fatalf("workload stopped at once: %v", err)
	case <-time.After(30 * time.Second):
		s.t.Fatal("workload API did not start")
	}
	s.workloads = append(s.workloads, r)
	return r
}

// stop cancels the workload and waits for Run to return.
func (r *running) stop() {
	r.once.Do(func() {
		r.cancel()
		select {
		case <-r.done:
		case <-time.After(60 * time.Second):
		}
	})
}

type logBuffer struct {
	mu    gosync.Mutex
	lines []string
}

func (b *logBuffer) add(l string) {
	b.mu.Lock()
	b.lines = append(b.lines, l)
	b.mu.Unlock()
}

// contains reports whether a log line contains every part.
func (b *logBuffer) contains(parts ...string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, l := range b.lines {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(l, p)
		}
		if ok {
			return true
		}
	}
	return false
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond until it returns "" (success) or the deadline passes, then
// fails with the last message.
func eventually(t *testing.T, timeout time.Duration, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	msg := ""
	for time.Now().Before(deadline) {
		if msg = cond(); msg == "" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out after %s: %s", timeout, msg)
}

// lbService is a LoadBalancer Service with TCP ports (name = "p<port>", target port
// port+8000).
func lbService(ns, name string, ports ...int32) *corev1.Service {
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer}}
	for _, p := range ports {
		svc.Spec.Ports = append(svc.Spec.Ports, corev1.ServicePort{Name: fmt.Sprintf("p%d", p), Port: p,
			TargetPort: intstr.FromInt32(p + 8000), Protocol: corev1.ProtocolTCP})
	}
	return svc
}

// endpointSlice serves the Service's ports on the given pod IPs (all ready).
func endpointSlice(svc *corev1.Service, ips ...string) *discoveryv1.EndpointSlice {
	es := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Namespace: svc.Namespace, Name: svc.Name + "-1",
			Labels: map[string]string{discoveryv1.LabelServiceName: svc.Name}},
		AddressType: discoveryv1.AddressTypeIPv4,
	}
	for _, p := range svc.Spec.Ports {
		name, port, proto := p.Name, int32(p.TargetPort.IntValue()), p.Protocol
		es.Ports = append(es.Ports, discoveryv1.EndpointPort{Name: &name, Port: &port, Protocol: &proto})
	}
	ready := true
	for i, ip := range ips {
		node := fmt.Sprintf("node-%d", i)
		es.Endpoints = append(es.Endpoints, discoveryv1.Endpoint{Addresses: []string{ip}, NodeName: &node,
			Conditions: discoveryv1.EndpointConditions{Ready: &ready}})
	}
	return es
}

// serviceVIP returns the IP in the Service status, "" when none.
func serviceVIP(t *testing.T, ns, name string) (string, *corev1.Service) {
	t.Helper()
	var svc corev1.Service
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &svc); err != nil {
		return "", nil
	}
	if len(svc.Status.LoadBalancer.Ingress) == 0 {
		return "", &svc
	}
	return svc.Status.LoadBalancer.Ingress[0].IP, &svc
}

// poolServers returns "ip:port" of the servers of a pool on the simulator, nil if absent.
func poolServers(s *stack, pool string) ([]string, bool) {
	o, ok := s.sim.Object("pool", pool)
	if !ok {
		return nil, false
	}
	var out []string
	servers, _ := o["servers"].([]any)
	for _, raw := range servers {
		m := raw.(map[string]any)
		ip := m["ip"].(map[string]any)["addr"]
		out = append(out, fmt.Sprintf("%v:%v", ip, m["port"]))
	}
	return out, true
}

// vsvipAddr returns the first allocated address of a VsVip on the simulator.
func vsvipAddr(s *stack, name string) string {
	o, ok := s.sim.Object("vsvip", name)
	if !ok {
		return ""
	}
	vips, _ := o["vip"].([]any)
	for _, v := range vips {
		if a, ok := v.(map[string]any)["ip_address"].(map[string]any); ok {
			return fmt.Sprint(a["addr"])
		}
	}
	return ""
}

// ownedNames lists "<kind>/<name>" of every object on the simulator whose name starts
// with the cluster prefix.
func ownedNames(s *stack) []string {
	var out []string
	for _, kind := range []string{"virtualservice", "vsvip", "pool", "poolgroup", "l4policyset", "httppolicyset", "vsdatascriptset", "sslkeyandcertificate"} {
		for _, o := range s.sim.Objects(kind) {
			if n := fmt.Sprint(o["name"]); strings.HasPrefix(n, "c1--") {
				out = append(out, kind+"/"+n)
			}
		}
	}
	return out
}

// apiStatus reads /api/status of a workload.
func apiStatus(r *running) (workload.StatusDoc, error) {
	var d workload.StatusDoc
	resp, err := httpGet("http://" + r.addr + "/api/status")
	if err != nil {
		return d, err
	}
	err = json.Unmarshal(resp, &d)
	return d, err
}

// events lists the Events about an object.
func events(t *testing.T, ns, kind, name string) []corev1.Event {
	t.Helper()
	var list corev1.EventList
	must(t, k8s.List(context.Background(), &list, client.InNamespace(ns)))
	var out []corev1.Event
	for _, e := range list.Items {
		if e.InvolvedObject.Name == name && (kind == "" || e.InvolvedObject.Kind == kind) {
			out = append(out, e)
		}
	}
	return out
}

func hasEvent(evs []corev1.Event, typ, reason, contains string) bool {
	for _, e := range evs {
		if e.Type == typ && e.Reason == reason && strings.Contains(e.Message, contains) {
			return true
		}
	}
	return false
}

func (b *logBuffer) reset() {
	b.mu.Lock()
	b.lines = nil
	b.mu.Unlock()
}
