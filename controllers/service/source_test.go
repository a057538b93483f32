package service

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/akoproject/ako/internal/model"
	"github.com/akoproject/ako/internal/status"
)

func svc(name string, typ corev1.ServiceType, annotations map[string]string) corev1.Service {
	return corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, Annotations: annotations}, Spec: corev1.ServiceSpec{Type: typ}}
}

func TestKeysOf(t *testing.T) {
	plain := svc("a", corev1.ServiceTypeLoadBalancer, nil)
	shared := svc("b", corev1.ServiceTypeLoadBalancer, map[string]string{model.AnnotationSharedVIP: "k"})
	if got := keysOf(&plain); !reflect.DeepEqual(got, []Key{{Namespace: "ns", Name: "a"}}) {
		t.Errorf("plain: %v", got)
	}
	if got := keysOf(&shared); !reflect.DeepEqual(got, []Key{{Namespace: "ns", Name: "b"}, {Namespace: "ns", Name: "k", Shared: true}}) {
		t.Errorf("shared: %v", got)
	}
}

func TestLBKeys(t *testing.T) {
	list := []corev1.Service{
		svc("lb", corev1.ServiceTypeLoadBalancer, nil),
		svc("cip", corev1.ServiceTypeClusterIP, nil),
		// No longer a LoadBalancer but still shows our status: its key must run to clear it.
		svc("was-lb", corev1.ServiceTypeClusterIP, map[string]string{status.AnnotationVSUUID: "virtualservice-1"}),
		svc("s1", corev1.ServiceTypeLoadBalancer, map[string]string{model.AnnotationSharedVIP: "k"}),
		svc("s2", corev1.ServiceTypeLoadBalancer, map[string]string{model.AnnotationSharedVIP: "k"}),
	}
	want := []Key{{"ns", "lb", false}, {"ns", "was-lb", false}, {"ns", "s1", false}, {"ns", "k", true}, {"ns", "s2", false}}
	if got := lbKeys(list); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
}

func TestServiceChanged(t *testing.T) {
	base := svc("a", corev1.ServiceTypeLoadBalancer, map[string]string{"x": "1"})
	statusOnly := *base.DeepCopy()
	statusOnly.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "10.0.0.1"}}
	statusOnly.Annotations = map[string]string{"x": "1", status.AnnotationVSUUID: "v"}
	annotated := *base.DeepCopy()
	annotated.Annotations["x"] = "2"
	retyped := *base.DeepCopy()
	retyped.Spec.Type = corev1.ServiceTypeClusterIP
	tests := []struct {
		name string
		n    corev1.Service
		want bool
	}{
		{"our own status write", statusOnly, false},
		{"user annotation", annotated, true},
		{"type change", retyped, true},
	}
	for _, tc := range tests {
		if got := serviceChanged(&base, &tc.n); got != tc.want {
			t.Errorf("%s: got %v", tc.name, got)
		}
	}
}

func TestNodeChanged(t *testing.T) {
	base := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n", Labels: map[string]string{"a": "1"}},
		Status: corev1.NodeStatus{Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "1.1.1.1"}}}}
	heartbeat := *base.DeepCopy()
	heartbeat.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
	relabel := *base.DeepCopy()
	relabel.Labels["a"] = "2"
	readdress := *base.DeepCopy()
	readdress.Status.Addresses[0].Address = "1.1.1.2"
	cidr := *base.DeepCopy()
	cidr.Spec.PodCIDRs = []string{"10.0.0.0/24"}
	for name, tc := range map[string]struct {
		n    corev1.Node
		want bool
	}{"heartbeat": {heartbeat, false}, "labels": {relabel, true}, "address": {readdress, true}, "pod cidr": {cidr, true}} {
		if got := NodeChanged(&base, &tc.n); got != tc.want {
			t.Errorf("%s: got %v", name, got)
		}
	}
}
