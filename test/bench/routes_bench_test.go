package bench

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/go-logr/logr"
	routev1 "github.com/openshift/api/route/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/akoproject/ako/internal/avisim"
	"github.com/akoproject/ako/internal/avisim/avisimtest"
	"github.com/akoproject/ako/internal/settings"
	"github.com/akoproject/ako/test/kubeenv"
	"github.com/akoproject/ako/test/testcert"
)

const (
	benchRoutes   = 2000
	routeServices = 200 // each Route uses 1-3 of them
)

// BenchmarkRoutes: 2000 Routes on OpenShift (60% edge, 20% insecure, 10% reencrypt,
// 10% passthrough; 1-3 backends each), every Avi call delayed 5 ms. Reports the seconds
// until every Route is Admitted with a VIP, Avi calls by verb, the peak heap of the
// process, and after a restart the writes (must be 0) and seconds to steady state.
func BenchmarkRoutes(b *testing.B) {
	ctrl.SetLogger(logr.Discard())
	env, err := kubeenv.Start(kubeenv.Options{OpenShift: true})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = env.Stop() }()
	cfg := rest.CopyConfig(env.Config)
	cfg.QPS, cfg.Burst = 1000, 2000
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		b.Fatal(err)
	}
	if err := routev1.Install(scheme); err != nil {
		b.Fatal(err)
	}
	k8s, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		b.Fatal(err)
	}
	sim := avisimtest.Start(b, avisim.Options{})
	sim.AddFault(avisim.Fault{Latency: callLatency})
	akoNS, appNS := "avi-system", "routes"
	routeSetup(b, k8s, sim, akoNS, appNS)

	for i := 0; i < b.N; i++ {
		r := bootAndRestart(b, cfg, sim, akoNS, "tree", "", func() { waitAllAdmitted(b, k8s, appNS) })
		r.report(b, "s-to-all-admitted")
		fmt.Fprintf(os.Stdout, "\n%d Routes (%d trees), %s per Avi call: %.1f s to all Admitted, %d writes, calls %v, peak heap %.0f MiB; restart: %.1f s, %d writes\n",
			benchRoutes, r.keys, callLatency, r.toReady.Seconds(), r.writes, byVerb(r.calls), float64(r.heap)/(1<<20), r.toSteady.Seconds(), r.restartWrites)
	}
}

func routeSetup(b *testing.B, k8s client.Client, sim *avisimtest.Sim, akoNS, appNS string) {
	ctx := context.Background()
	for _, ns := range []string{akoNS, appNS} {
		if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			b.Fatal(err)
		}
	}
	leaf, dest, def := benchPEM(b, "leaf"), benchPEM(b, "dest"), benchPEM(b, "default")
	objs := []client.Object{
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: akoNS, Name: settings.ConfigMapName}, Data: map[string]string{
			settings.KeyControllerIP: sim.Host, settings.KeyClusterName: "bench", settings.KeyVIPNetworkList: `[{"networkName":"vip-net"}]`,
			settings.KeyLogLevel: "WARN", settings.KeyShardVSSize: "LARGE",
		}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: akoNS, Name: settings.SecretName},
			Data: map[string][]byte{settings.SecretKeyUsername: []byte(sim.Username), settings.SecretKeyPassword: []byte(sim.Password)}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: akoNS, Name: "router-certs-default"},
			Data: map[string][]byte{"tls.crt": []byte(def.cert), "tls.key": []byte(def.key)}},
	}
	for _, o := range objs {
		if err := k8s.Create(ctx, o); err != nil {
			b.Fatal(err)
		}
	}
	parallel(b, routeServices, func(i int) error { return createRouteService(ctx, k8s, appNS, i) })
	parallel(b, benchRoutes, func(i int) error { return k8s.Create(ctx, benchRoute(appNS, i, leaf, dest)) })
}

func createRouteService(ctx context.Context, k8s client.Client, ns string, i int) error {
	name := fmt.Sprintf("web-%03d", i)
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: corev1.ServiceSpec{
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
		es.Endpoints = append(es.Endpoints, discoveryv1.Endpoint{Addresses: []string{fmt.Sprintf("10.%d.%d.%d", 100+e, i/250, i%250+1)},
			Conditions: discoveryv1.EndpointConditions{Ready: &ready}})
	}
	return k8s.Create(ctx, es)
}

// benchRoute is Route i of the mix: by i%10, 0-5 edge (half inline, half the default
// certificate, some Redirect), 6-7 insecure, 8 reencrypt, 9 passthrough; i%3+1 backends.
func benchRoute(ns string, i int, leaf, dest benchCert) *routev1.Route {
	r := &routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("r%04d", i)}, Spec: routev1.RouteSpec{
		Host: fmt.Sprintf("r%04d.avi.internal", i),
		To:   routev1.RouteTargetReference{Kind: "Service", Name: fmt.Sprintf("web-%03d", i%routeServices)},
	}}
	for a := 1; a <= i%3; a++ {
		w := int32(50)
		r.Spec.AlternateBackends = append(r.Spec.AlternateBackends, routev1.RouteTargetReference{Kind: "Service", Name: fmt.Sprintf("web-%03d", (i+a)%routeServices), Weight: &w})
	}
	switch k := i % 10; {
	case k < 3:
		r.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: leaf.cert, Key: leaf.key}
	case k < 6:
		r.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyRedirect}
	case k == 8:
		r.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationReencrypt, Certificate: leaf.cert, Key: leaf.key, DestinationCACertificate: dest.cert}
	case k == 9:
		r.Spec.TLS = &routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough}
	}
	return r
}

type benchCert struct{ cert, key string }

func benchPEM(b *testing.B, cn string) benchCert {
	p := testcert.New(b, cn)
	return benchCert{cert: p.CertPEM, key: p.KeyPEM}
}

func waitAllAdmitted(b *testing.B, k8s client.Client, ns string) {
	deadline := time.Now().Add(20 * time.Minute)
	for time.Now().Before(deadline) {
		var list routev1.RouteList
		if err := k8s.List(context.Background(), &list, client.InNamespace(ns)); err == nil {
			n := 0
			for _, r := range list.Items {
				for _, in := range r.Status.Ingress {
					if in.RouterName == "ako-bench" && len(in.Conditions) == 1 && in.Conditions[0].Status == corev1.ConditionTrue && in.Conditions[0].Message != "" {
						n++
						break
					}
				}
			}
			if n == benchRoutes {
				return
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	b.Fatal("not every Route was Admitted with a VIP within 20 minutes")
}
