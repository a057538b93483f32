package route

import (
	"reflect"
	"testing"

	routev1 "github.com/openshift/api/route/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/akoproject/ako/internal/model"
	"github.com/akoproject/ako/internal/settings"
)

func testIndexer() indexer {
	return indexer{
		settings: settings.Settings{ClusterName: "c1", ShardVSSize: "LARGE", PassthroughShardSize: "SMALL", TenantName: "admin", DefaultDomain: "apps.example.com"},
		cloud:    model.Cloud{Name: "Default-Cloud", Tenant: "admin"},
	}
}

func TestIndexValues(t *testing.T) {
	ix := testIndexer()
	withHost := &routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "r"}, Spec: routev1.RouteSpec{
		Host: "Shop.apps.example.com", To: routev1.RouteTargetReference{Name: "a"},
		AlternateBackends: []routev1.RouteTargetReference{{Name: "b"}, {Name: "c"}},
	}}
	if got, want := ix.key(withHost), model.L7Key("admin", model.L7VSNameForHost(ix.settings, "shop.apps.example.com")); got != want {
		t.Errorf("key = %s, want %s", got, want)
	}
	if got := ix.host(withHost); !reflect.DeepEqual(got, []string{"shop.apps.example.com"}) {
		t.Errorf("host = %v", got)
	}
	if got := backends(withHost); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("backends = %v", got)
	}

	noHost := &routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "nohost"}}
	k := ix.key(noHost)
	if k != "routestatus/ns/nohost" || ix.host(noHost) != nil {
		t.Errorf("no-host Route: key %s host %v", k, ix.host(noHost))
	}
	if ns, name, ok := splitNoHostKey(k); !ok || ns != "ns" || name != "nohost" {
		t.Errorf("splitNoHostKey(%s) = %s %s %v", k, ns, name, ok)
	}
	if _, _, ok := splitNoHostKey(model.L7Key("admin", "c1--Shared-L7-0")); ok {
		t.Error("a tree key parsed as a no-host key")
	}
	if model.IsRouteKey(k) {
		t.Error("a no-host key is taken for a tree key")
	}
}

func TestUsesDefaultCert(t *testing.T) {
	tests := []struct {
		name string
		tls  *routev1.TLSConfig
		want bool
	}{
		{"insecure", nil, false},
		{"edge without certificate", &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge}, true},
		{"reencrypt without certificate", &routev1.TLSConfig{Termination: routev1.TLSTerminationReencrypt}, true},
		{"edge with certificate", &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: "c", Key: "k"}, false},
		{"passthrough", &routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough}, false},
	}
	for _, tt := range tests {
		r := &routev1.Route{Spec: routev1.RouteSpec{TLS: tt.tls}}
		if got := usesDefaultCert(r); got != tt.want {
			t.Errorf("%s: usesDefaultCert = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestRouteChangedIgnoresStatusWrites(t *testing.T) {
	old := &routev1.Route{ObjectMeta: metav1.ObjectMeta{Generation: 3, Labels: map[string]string{"a": "1"}}}
	status := old.DeepCopy()
	status.Status.Ingress = []routev1.RouteIngress{{Host: "x", RouterName: "ako-c1"}}
	status.Annotations = map[string]string{"other": "x"}
	if routeChanged(old, status) {
		t.Error("a status-only update counts as a change")
	}
	spec := old.DeepCopy()
	spec.Generation = 4
	if !routeChanged(old, spec) {
		t.Error("a spec change (new generation) is ignored")
	}
	labels := old.DeepCopy()
	labels.Labels["a"] = "2"
	if !routeChanged(old, labels) {
		t.Error("a label change is ignored")
	}
}
