// Package bench measures the AKO workload end to end: a real kube-apiserver (envtest),
// the Avi Controller simulator over HTTPS with the real SDK, and the workload as it runs
// in production. Run with `make bench`.
package bench

import (
	"context"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/akoproject/ako/internal/avisim"
	"github.com/akoproject/ako/internal/avisim/avisimtest"
	"github.com/akoproject/ako/internal/settings"
	"github.com/akoproject/ako/test/kubeenv"
)

const (
	services     = 1000
	endpointsPer = 3
	callLatency  = 5 * time.Millisecond
)

// BenchmarkLoadBalancerServices: 1000 LoadBalancer Services with 3 endpoints each,
// every Avi call delayed 5 ms. Reports the seconds until every Service shows its VIP,
// Avi calls by verb, the peak heap of the process (workload, simulator and test client
// together), and after a restart the writes (must be 0) and seconds to steady state.
func BenchmarkLoadBalancerServices(b *testing.B) {
	ctrl.SetLogger(logr.Discard())
	env, err := kubeenv.Start(kubeenv.Options{APIServerArgs: map[string]string{"service-cluster-ip-range": "10.96.0.0/16"}})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = env.Stop() }()
	cfg := rest.CopyConfig(env.Config)
	cfg.QPS, cfg.Burst = 1000, 2000
	k8s, err := client.New(cfg, client.Options{})
	if err != nil {
		b.Fatal(err)
	}

	sim := avisimtest.Start(b, avisim.Options{})
	widenVIPRange(b, sim)
	sim.AddFault(avisim.Fault{Latency: callLatency})
	akoNS, appNS := "avi-system", "bench"
	setup(b, k8s, sim, akoNS, appNS)

	for i := 0; i < b.N; i++ {
		r := bootAndRestart(b, cfg, sim, akoNS, "key", "service bench/", func() { waitAllVIPs(b, k8s, appNS) })
		r.report(b, "s-to-all-VIPs")
		printTable(r)
	}
}

// widenVIPRange gives the simulator's VIP network room for every Service.
func widenVIPRange(b *testing.B, sim *avisimtest.Sim) {
	addr := func(ip string) map[string]any { return map[string]any{"addr": ip, "type": "V4"} }
	err := sim.SetObject("network", map[string]any{"name": "vip-net", "configured_subnets": []any{map[string]any{
		"prefix": map[string]any{"ip_addr": addr("10.10.0.0"), "mask": 16},
		"static_ip_ranges": []any{map[string]any{"type": "STATIC_IPS_FOR_VIP",
			"range": map[string]any{"begin": addr("10.10.1.0"), "end": addr("10.10.200.255")}}},
	}}})
	if err != nil {
		b.Fatal(err)
	}
}

func setup(b *testing.B, k8s client.Client, sim *avisimtest.Sim, akoNS, appNS string) {
	ctx := context.Background()
	for _, ns := range []string{akoNS, appNS} {
		if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			b.Fatal(err)
		}
	}
	objs := []client.Object{
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: akoNS, Name: settings.ConfigMapName}, Data: map[string]string{
			settings.KeyControllerIP: sim.Host, settings.KeyClusterName: "bench", settings.KeyVIPNetworkList: `[{"networkName":"vip-net"}]`,
			settings.KeyLogLevel: "WARN",
		}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: akoNS, Name: settings.SecretName},
			Data: map[string][]byte{settings.SecretKeyUsername: []byte(sim.Username), settings.SecretKeyPassword: []byte(sim.Password)}},
	}
	for _, o := range objs {
		if err := k8s.Create(ctx, o); err != nil {
			b.Fatal(err)
		}
	}
	// Create the Services and their EndpointSlices in parallel.
	parallel(b, services, func(i int) error { return createService(ctx, k8s, appNS, i) })
}

func createService(ctx context.Context, k8s client.Client, ns string, i int) error {
	name := fmt.Sprintf("svc-%04d", i)
	no := false
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: corev1.ServiceSpec{
		Type: corev1.ServiceTypeLoadBalancer, AllocateLoadBalancerNodePorts: &no,
		Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP}},
	}}
	if err := k8s.Create(ctx, svc); err != nil {
		return err
	}
	pname, port, proto, ready := "http", int32(8080), corev1.ProtocolTCP, true
	es := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: ns, Name: name + "-1", Labels: map[string]string{discoveryv1.LabelServiceName: name}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: &pname, Port: &port, Protocol: &proto}},
	}
	for e := range endpointsPer {
		node := fmt.Sprintf("node-%d", e)
		es.Endpoints = append(es.Endpoints, discoveryv1.Endpoint{Addresses: []string{fmt.Sprintf("10.%d.%d.%d", 100+e, i/250, i%250+1)},
			NodeName: &node, Conditions: discoveryv1.EndpointConditions{Ready: &ready}})
	}
	return k8s.Create(ctx, es)
}

func waitAllVIPs(b *testing.B, k8s client.Client, ns string) {
	deadline := time.Now().Add(20 * time.Minute)
	for time.Now().Before(deadline) {
		var list corev1.ServiceList
		if err := k8s.List(context.Background(), &list, client.InNamespace(ns)); err == nil {
			n := 0
			for _, s := range list.Items {
				if len(s.Status.LoadBalancer.Ingress) > 0 && s.Status.LoadBalancer.Ingress[0].IP != "" {
					n++
				}
			}
			if n == services {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	b.Fatal("not every Service got its VIP within 20 minutes")
}

func printTable(r scaleRun) {
	w := os.Stdout
	fmt.Fprintf(w, "\n%d LoadBalancer Services x %d endpoints, %s per Avi call\n", services, endpointsPer, callLatency)
	fmt.Fprintf(w, "  %-34s %10.1f\n", "seconds until every VIP in status", r.toReady.Seconds())
	fmt.Fprintf(w, "  %-34s %10.1f\n", "peak heap (MiB, whole process)", float64(r.heap)/(1<<20))
	fmt.Fprintf(w, "  %-34s %10d\n", "writes (first sync)", r.writes)
	verbs := byVerb(r.calls)
	keys := make([]string, 0, len(verbs))
	for k := range verbs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %-34s %10d\n", "Avi calls "+k, verbs[k])
	}
	fmt.Fprintf(w, "  %-34s %10.1f\n", "restart: seconds to steady state", r.toSteady.Seconds())
	fmt.Fprintf(w, "  %-34s %10d\n", "restart: writes", r.restartWrites)
	rv := byVerb(r.restartCalls)
	fmt.Fprintf(w, "  %-34s %10d\n", "restart: Avi calls GET", rv["GET"])
}
