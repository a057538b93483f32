package e2e

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/akoproject/ako/internal/model"
)

// createNode creates a Node (cluster-scoped) removed when the test ends.
func createNode(t *testing.T, name string, labels, annotations map[string]string, podCIDRs []string, ip string) *corev1.Node {
	t.Helper()
	ctx := context.Background()
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels, Annotations: annotations},
		Spec: corev1.NodeSpec{PodCIDRs: podCIDRs}}
	if len(podCIDRs) > 0 {
		n.Spec.PodCIDR = podCIDRs[0]
	}
	must(t, k8s.Create(ctx, n))
	n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: ip}}
	must(t, k8s.Status().Update(ctx, n))
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), n) })
	return n
}

// NodePort mode: pool servers are the selected nodes on the nodePort;
// externalTrafficPolicy Local keeps only nodes with a ready endpoint.
func TestNodePortMode(t *testing.T) {
	s := newStack(t, map[string]string{"serviceType": "NodePort", "nodeKey": "ako-lb", "nodeValue": s0(t)})
	lb := map[string]string{"ako-lb": s.id}
	createNode(t, s.id+"-n1", lb, nil, nil, "192.168.50.1")
	createNode(t, s.id+"-n2", lb, nil, nil, "192.168.50.2")
	createNode(t, s.id+"-n3", nil, nil, nil, "192.168.50.3") // not selected
	ctx := context.Background()
	svc := lbService(s.appNS, "np", 80)
	must(t, k8s.Create(ctx, svc))
	local := lbService(s.appNS, "local", 80)
	local.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
	must(t, k8s.Create(ctx, local))
	es := endpointSlice(local, "10.4.0.1")
	node := s.id + "-n2"
	es.Endpoints[0].NodeName = &node
	must(t, k8s.Create(ctx, es))
	s.start("ako-0")
	waitVIPs(t, s, "np", "local")

	must(t, k8s.Get(ctx, client.ObjectKeyFromObject(svc), svc))
	np := svc.Spec.Ports[0].NodePort
	servers, _ := poolServers(s, "c1--"+s.appNS+"-np-TCP-80")
	want := []string{fmt.Sprintf("192.168.50.1:%d", np), fmt.Sprintf("192.168.50.2:%d", np)}
	if !reflect.DeepEqual(servers, want) {
		t.Errorf("NodePort servers %v, want %v", servers, want)
	}
	must(t, k8s.Get(ctx, client.ObjectKeyFromObject(local), local))
	servers, _ = poolServers(s, "c1--"+s.appNS+"-local-TCP-80")
	if want := []string{fmt.Sprintf("192.168.50.2:%d", local.Spec.Ports[0].NodePort)}; !reflect.DeepEqual(servers, want) {
		t.Errorf("Local servers %v, want %v", servers, want)
	}

	// A node joining the selection becomes a server.
	n3 := &corev1.Node{}
	must(t, k8s.Get(ctx, client.ObjectKey{Name: s.id + "-n3"}, n3))
	n3.Labels = lb
	must(t, k8s.Update(ctx, n3))
	eventually(t, 20*time.Second, func() string {
		servers, _ := poolServers(s, "c1--"+s.appNS+"-np-TCP-80")
		if len(servers) != 3 {
			return fmt.Sprintf("servers %v", servers)
		}
		return ""
	})
}

// s0 is the id the next stack will get, for settings that must name it.
func s0(t *testing.T) string { return fmt.Sprintf("t%d", seq.Load()+1) }

// ClusterIP mode: one static route per pod CIDR of every node, from spec.podCIDRs,
// the OVN annotation and ako.vmware.com/pod-cidrs; other clusters' routes stay.
func TestStaticRoutes(t *testing.T) {
	s := newStack(t, nil)
	other := map[string]any{"route_id": "other-1", "prefix": map[string]any{"ip_addr": map[string]any{"addr": "172.16.0.0", "type": "V4"}, "mask": 16},
		"next_hop": map[string]any{"addr": "192.168.99.1", "type": "V4"}, "labels": []any{map[string]any{"key": "clustername", "value": "other"}}}
	must(t, s.sim.SetObject("vrfcontext", map[string]any{"name": "global", "static_routes": []any{other}}))
	createNode(t, s.id+"-a", nil, nil, []string{"10.128.0.0/23"}, "192.168.60.1")
	createNode(t, s.id+"-b", nil, map[string]string{model.AnnotationOVNNodeSubnets: `{"default":"10.128.2.0/23"}`}, nil, "192.168.60.2")
	createNode(t, s.id+"-c", nil, map[string]string{model.AnnotationPodCIDRs: "10.128.4.0/23"}, nil, "192.168.60.3")
	s.start("ako-0")
	routes := func() (ours []string, others int) {
		o, _ := s.sim.Object("vrfcontext", "global")
		list, _ := o["static_routes"].([]any)
		for _, raw := range list {
			r := raw.(map[string]any)
			labels, _ := r["labels"].([]any)
			if len(labels) > 0 && labels[0].(map[string]any)["value"] == "c1" {
				p := r["prefix"].(map[string]any)
				ours = append(ours, fmt.Sprintf("%v/%v via %v", p["ip_addr"].(map[string]any)["addr"], p["mask"], r["next_hop"].(map[string]any)["addr"]))
			} else {
				others++
			}
		}
		sort.Strings(ours)
		return ours, others
	}
	// Only this test's nodes are checked: nodes of other suites may exist too.
	want := []string{"10.128.0.0/23 via 192.168.60.1", "10.128.2.0/23 via 192.168.60.2", "10.128.4.0/23 via 192.168.60.3"}
	eventually(t, 20*time.Second, func() string {
		ours, others := routes()
		if !containsAll(ours, want) || others != 1 {
			return fmt.Sprintf("routes %v, other clusters' routes %d", ours, others)
		}
		return ""
	})
	must(t, k8s.Delete(context.Background(), &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: s.id + "-b"}}))
	eventually(t, 20*time.Second, func() string {
		ours, others := routes()
		if containsAll(ours, want[1:2]) || !containsAll(ours, []string{want[0], want[2]}) || others != 1 {
			return fmt.Sprintf("after node deletion routes %v, others %d", ours, others)
		}
		return ""
	})
}

func containsAll(have, want []string) bool {
	set := map[string]bool{}
	for _, h := range have {
		set[h] = true
	}
	for _, w := range want {
		if !set[w] {
			return false
		}
	}
	return true
}
