package staticroute

import (
	"net/netip"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/akoproject/ako/internal/avi"
	"github.com/akoproject/ako/internal/model"
	"github.com/akoproject/ako/internal/settings"
)

func TestClientRoutes(t *testing.T) {
	s, err := settings.Parse(map[string]string{settings.KeyControllerIP: "x", settings.KeyClusterName: "c1", settings.KeyVIPNetworkList: `[{"networkName":"n"}]`})
	if err != nil {
		t.Fatal(err)
	}
	node := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "a", UID: "u1"}, Spec: corev1.NodeSpec{PodCIDRs: []string{"10.128.0.0/23", "fd01::/64"}},
		Status: corev1.NodeStatus{Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "192.168.0.1"}, {Type: corev1.NodeInternalIP, Address: "fd00::1"}}}}
	got, err := clientRoutes(model.BuildStaticRoutes(s, model.Cloud{}, []corev1.Node{node}))
	if err != nil {
		t.Fatal(err)
	}
	want := []avi.StaticRoute{
		{Prefix: netip.MustParsePrefix("10.128.0.0/23"), NextHop: netip.MustParseAddr("192.168.0.1")},
		{Prefix: netip.MustParsePrefix("fd01::/64"), NextHop: netip.MustParseAddr("fd00::1")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
