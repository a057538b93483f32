package model

import (
	"strconv"
	"testing"
	"time"

	routev1 "github.com/openshift/api/route/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/akoproject/ako/internal/settings"
	"github.com/akoproject/ako/test/testcert"
)

// rtPEM is a self-signed certificate and its key, made once per test binary.
type rtPEM struct{ cert, key string }

func rtNewPEM(t testing.TB, cn string) rtPEM {
	t.Helper()
	p := testcert.New(t, cn)
	return rtPEM{cert: p.CertPEM, key: p.KeyPEM}
}

func rtSettings() settings.Settings {
	return settings.Settings{
		ClusterName:          "c1",
		ShardVSSize:          "LARGE",
		PassthroughShardSize: "SMALL",
		TenantName:           "admin",
		CloudName:            "Default-Cloud",
		AutoFQDN:             "default",
		ServiceType:          "ClusterIP",
		IPFamily:             "V4",
		FQDNReusePolicy:      "InterNamespaceAllowed",
		DefaultDomain:        "apps.example.com",
	}
}

func rtCloud() Cloud {
	return Cloud{
		Name:        "Default-Cloud",
		Tenant:      "admin",
		VRF:         "global",
		SEGroup:     "Default-Group",
		DNSDomains:  []string{"apps.example.com", ".other.org"},
		VIPNetworks: []VIPNetwork{{Name: "vip-net", CIDR: "10.10.0.0/24"}},
	}
}

var rtBaseTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// route is a Route in namespace ns to Service svc; age orders creation (smaller = older).
func rtRoute(ns, name, host, svc string, age int) *routev1.Route {
	return &routev1.Route{
		ObjectMeta: metav1.ObjectMeta{
			Namespace:         ns,
			Name:              name,
			CreationTimestamp: metav1.NewTime(rtBaseTime.Add(time.Duration(age) * time.Minute)),
		},
		Spec: routev1.RouteSpec{Host: host, To: routev1.RouteTargetReference{Kind: "Service", Name: svc}},
	}
}

func rtWithPath(r *routev1.Route, p string) *routev1.Route { r.Spec.Path = p; return r }

func rtWithTLS(r *routev1.Route, tls routev1.TLSConfig) *routev1.Route { r.Spec.TLS = &tls; return r }

func rtWithAlternates(r *routev1.Route, toWeight int32, alts ...routev1.RouteTargetReference) *routev1.Route {
	r.Spec.To.Weight = &toWeight
	r.Spec.AlternateBackends = alts
	return r
}

func rtAlt(name string, w int32) routev1.RouteTargetReference {
	return routev1.RouteTargetReference{Kind: "Service", Name: name, Weight: &w}
}

func rtService(ns, name string, ports ...corev1.ServicePort) *corev1.Service {
	if len(ports) == 0 {
		ports = []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP}}
	}
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, Ports: ports},
	}
}

func rtEndpointSlice(svc *corev1.Service, portName string, port int32, ips ...string) discoveryv1.EndpointSlice {
	ready := true
	s := discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: svc.Namespace, Name: svc.Name + "-abc", Labels: map[string]string{discoveryv1.LabelServiceName: svc.Name}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: &portName, Port: &port}},
	}
	for _, ip := range ips {
		s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{Addresses: []string{ip}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}})
	}
	return s
}

// snapshot builds a snapshot with Services (each with one endpoint) for every backend
// the Routes name.
func rtSnapshot(routes ...*routev1.Route) RouteSnapshot {
	snap := RouteSnapshot{
		Settings:       rtSettings(),
		Cloud:          rtCloud(),
		Routes:         routes,
		Services:       map[types.NamespacedName]*corev1.Service{},
		EndpointSlices: map[types.NamespacedName][]discoveryv1.EndpointSlice{},
	}
	n := 1
	for _, r := range routes {
		names := []string{r.Spec.To.Name}
		for _, a := range r.Spec.AlternateBackends {
			names = append(names, a.Name)
		}
		for _, name := range names {
			id := types.NamespacedName{Namespace: r.Namespace, Name: name}
			if snap.Services[id] != nil {
				continue
			}
			svc := rtService(r.Namespace, name)
			snap.Services[id] = svc
			snap.EndpointSlices[id] = []discoveryv1.EndpointSlice{rtEndpointSlice(svc, "http", 8080, "10.1.0."+strconv.Itoa(n))}
			n++
		}
	}
	return snap
}

// names lists "<kind>/<name>" of a tree in order.
func rtNames(tree Tree) []string {
	var out []string
	for _, o := range tree.Objects {
		out = append(out, string(o.Kind)+"/"+o.Name)
	}
	return out
}

func rtFind[T any](t *testing.T, tree Tree, kind Kind, name string) T {
	t.Helper()
	for _, o := range tree.Objects {
		if o.Kind == kind && o.Name == name {
			body, ok := o.Body.(T)
			if !ok {
				t.Fatalf("%s/%s has body %T", kind, name, o.Body)
			}
			return body
		}
	}
	t.Fatalf("no %s/%s in tree %s; have %v", kind, name, tree.Key, rtNames(tree))
	var zero T
	return zero
}

func rtHas(tree Tree, kind Kind, name string) bool {
	for _, o := range tree.Objects {
		if o.Kind == kind && o.Name == name {
			return true
		}
	}
	return false
}

func rtDecision(t *testing.T, ds []RouteDecision, ns, name string) RouteDecision {
	t.Helper()
	for _, d := range ds {
		if d.Namespace == ns && d.Name == name {
			return d
		}
	}
	t.Fatalf("no decision for %s/%s in %+v", ns, name, ds)
	return RouteDecision{}
}

func rtDeref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
