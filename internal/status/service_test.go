package status

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestServiceIngress(t *testing.T) {
	tests := []struct {
		name string
		lb   ServiceLB
		want []corev1.LoadBalancerIngress
	}{
		{"no vip", ServiceLB{}, nil},
		{"vip without fqdn", ServiceLB{VIPs: []string{"10.0.0.1"}}, []corev1.LoadBalancerIngress{{IP: "10.0.0.1"}}},
		{"dual stack, first fqdn", ServiceLB{VIPs: []string{"10.0.0.1", "fd00::1"}, FQDNs: []string{"a.example.com", "b.example.com"}},
			[]corev1.LoadBalancerIngress{{IP: "10.0.0.1", Hostname: "a.example.com"}, {IP: "fd00::1", Hostname: "a.example.com"}}},
	}
	for _, tc := range tests {
		if got := ServiceIngress(tc.lb); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestServiceAnnotations(t *testing.T) {
	got := ServiceAnnotations(ServiceLB{VIPs: []string{"10.0.0.1"}, VSUUID: "virtualservice-1"})
	if !reflect.DeepEqual(got, map[string]string{AnnotationVSUUID: "virtualservice-1"}) {
		t.Errorf("without hostname: %v", got)
	}
	got = ServiceAnnotations(ServiceLB{VIPs: []string{"10.0.0.1"}, FQDNs: []string{"a.example.com"}, VSUUID: "virtualservice-1", ControllerUUID: "cluster-1", Tenant: "admin"})
	want := map[string]string{
		AnnotationVSUUID:                "virtualservice-1",
		AnnotationHostFQDNVSUUIDMap:     `{"a.example.com":"virtualservice-1"}`,
		AnnotationControllerClusterUUID: "cluster-1",
		AnnotationTenantName:            "admin",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("with hostname: %v", got)
	}
}

func TestAnnotationPatch(t *testing.T) {
	cur := map[string]string{AnnotationVSUUID: "a", AnnotationTenantName: "admin", "other": "x"}
	if p := annotationPatch(cur, map[string]string{AnnotationVSUUID: "a", AnnotationTenantName: "admin"}); p != nil {
		t.Errorf("unchanged gave %v", p)
	}
	p := annotationPatch(cur, map[string]string{AnnotationVSUUID: "b"})
	want := map[string]any{AnnotationVSUUID: "b", AnnotationTenantName: nil}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("got %v, want %v", p, want)
	}
	if p := annotationPatch(cur, nil); len(p) != 2 {
		t.Errorf("clear: %v", p)
	}
}

func TestSameIngressIgnoresOrder(t *testing.T) {
	a := []corev1.LoadBalancerIngress{{IP: "1"}, {IP: "2"}}
	b := []corev1.LoadBalancerIngress{{IP: "2"}, {IP: "1"}}
	if !sameIngress(a, b) || sameIngress(a, a[:1]) {
		t.Error("sameIngress wrong")
	}
}
