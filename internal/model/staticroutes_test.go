package model

import (
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/akoproject/ako/internal/settings"
)

func TestBuildStaticRoutes(t *testing.T) {
	s := testSettings(t, nil)
	t0 := metav1.NewTime(time.Unix(1000, 0))
	t1 := metav1.NewTime(time.Unix(2000, 0))
	mk := func(name, uid string, created metav1.Time, annotations map[string]string, podCIDRs []string, addrs ...corev1.NodeAddress) corev1.Node {
		n := node(name, nil, addrs...)
		n.UID = types.UID("uid-" + uidOr(uid, name))
		n.CreationTimestamp = created
		n.Annotations = annotations
		n.Spec.PodCIDRs = podCIDRs
		return n
	}
	nodes := []corev1.Node{
		mk("b", "", t1, map[string]string{AnnotationOVNNodeSubnets: `{"default":["10.128.2.0/23","fd01:0:0:2::/64"]}`}, nil,
			internal("192.168.0.2"), internal("fd00::2")),
		mk("a", "", t0, nil, []string{"10.128.0.0/23"}, internal("192.168.0.1")),
		mk("c", "", t1, map[string]string{AnnotationPodCIDRs: "10.128.4.0/23, 10.128.0.0/24"}, []string{"10.99.0.0/16"}, internal("192.168.0.3")),
		mk("d", "", t1, map[string]string{AnnotationOVNNodeSubnets: `{"default":"10.128.6.0/23"}`}, nil),
	}
	got := BuildStaticRoutes(s, testCloud, nodes)
	type route struct{ id, prefix, hop string }
	var routes []route
	for _, r := range got.Routes {
		if *r.Labels[0].Key != "clustername" || *r.Labels[0].Value != "c1" {
			t.Errorf("labels %+v", r.Labels)
		}
		routes = append(routes, route{*r.RouteID, *r.Prefix.IPAddr.Addr + "/" + itoa(int(*r.Prefix.Mask)), *r.NextHop.Addr})
	}
	want := []route{
		{"c1-uid-a-0", "10.128.0.0/23", "192.168.0.1"},
		{"c1-uid-b-0", "10.128.2.0/23", "192.168.0.2"},
		{"c1-uid-b-1", "fd01:0:0:2::/64", "fd00::2"},
		{"c1-uid-c-0", "10.128.4.0/23", "192.168.0.3"},
	}
	if !reflect.DeepEqual(routes, want) {
		t.Errorf("routes %v\nwant %v", routes, want)
	}
	// c's second CIDR overlaps a's; d has no address.
	if len(got.Warnings) != 2 {
		t.Errorf("warnings %v", got.Warnings)
	}
	if got.VRF != "global" {
		t.Errorf("vrf %q", got.VRF)
	}
}

func uidOr(uid, name string) string {
	if uid != "" {
		return uid
	}
	return name
}

func itoa(i int) string { return string(rune('0'+i/10)) + string(rune('0'+i%10)) }

func TestPodCIDRsBadAnnotation(t *testing.T) {
	n := node("x", nil)
	n.Annotations = map[string]string{AnnotationOVNNodeSubnets: "not json"}
	if _, err := PodCIDRs(&n); err == nil {
		t.Fatal("want an error naming the node")
	}
}

func TestStaticRoutesEnabled(t *testing.T) {
	tests := []struct {
		extra map[string]string
		want  bool
	}{
		{nil, true},
		{map[string]string{settings.KeyDisableStaticRouteSync: "true"}, false},
		{map[string]string{settings.KeyServiceType: "NodePort"}, false},
	}
	for _, tc := range tests {
		if got := StaticRoutesEnabled(testSettings(t, tc.extra)); got != tc.want {
			t.Errorf("%v: got %v", tc.extra, got)
		}
	}
}
