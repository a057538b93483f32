package model

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func ptr[T any](v T) *T { return &v }

func epPort(name string, port int32) discoveryv1.EndpointPort {
	return discoveryv1.EndpointPort{Name: ptr(name), Port: ptr(port), Protocol: ptr(corev1.ProtocolTCP)}
}

func endpoint(node string, ready, terminating bool, addrs ...string) discoveryv1.Endpoint {
	return discoveryv1.Endpoint{Addresses: addrs, NodeName: ptr(node),
		Conditions: discoveryv1.EndpointConditions{Ready: ptr(ready), Terminating: ptr(terminating)}}
}

func slice(t discoveryv1.AddressType, ports []discoveryv1.EndpointPort, eps ...discoveryv1.Endpoint) discoveryv1.EndpointSlice {
	return discoveryv1.EndpointSlice{AddressType: t, Ports: ports, Endpoints: eps}
}

func TestClusterIPServers(t *testing.T) {
	httpPort := corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP}
	unnamed := corev1.ServicePort{Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP}
	v4 := IPFamilies{V4: true}
	tests := []struct {
		name     string
		port     corev1.ServicePort
		single   bool
		slices   []discoveryv1.EndpointSlice
		families IPFamilies
		want     []Server
	}{
		{
			name: "match by port name, ready and not terminating enabled, sorted",
			port: httpPort,
			slices: []discoveryv1.EndpointSlice{slice(discoveryv1.AddressTypeIPv4,
				[]discoveryv1.EndpointPort{epPort("http", 8080), epPort("metrics", 9090)},
				endpoint("n2", true, false, "10.0.0.2"),
				endpoint("n1", false, false, "10.0.0.1"),
				endpoint("n1", true, true, "10.0.0.3"))},
			families: v4,
			want: []Server{
				{IP: "10.0.0.1", Port: 8080, Enabled: false, Node: "n1"},
				{IP: "10.0.0.2", Port: 8080, Enabled: true, Node: "n2"},
				{IP: "10.0.0.3", Port: 8080, Enabled: false, Node: "n1"},
			},
		},
		{
			name: "match by target port number when names differ",
			port: unnamed,
			slices: []discoveryv1.EndpointSlice{slice(discoveryv1.AddressTypeIPv4,
				[]discoveryv1.EndpointPort{epPort("x", 8080)}, endpoint("n1", true, false, "10.0.0.1"))},
			families: v4,
			want:     []Server{{IP: "10.0.0.1", Port: 8080, Enabled: true, Node: "n1"}},
		},
		{
			name:   "single port fallback uses the slice port",
			port:   corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("web"), Protocol: corev1.ProtocolTCP},
			single: true,
			slices: []discoveryv1.EndpointSlice{slice(discoveryv1.AddressTypeIPv4,
				[]discoveryv1.EndpointPort{epPort("", 3000)}, endpoint("n1", true, false, "10.0.0.1"))},
			families: v4,
			want:     []Server{{IP: "10.0.0.1", Port: 3000, Enabled: true, Node: "n1"}},
		},
		{
			name: "no matching port and not single: no servers",
			port: httpPort,
			slices: []discoveryv1.EndpointSlice{slice(discoveryv1.AddressTypeIPv4,
				[]discoveryv1.EndpointPort{epPort("other", 1234)}, endpoint("n1", true, false, "10.0.0.1"))},
			families: v4,
			want:     nil,
		},
		{
			name: "first address only, duplicates across slices merged (serving wins)",
			port: httpPort,
			slices: []discoveryv1.EndpointSlice{
				slice(discoveryv1.AddressTypeIPv4, []discoveryv1.EndpointPort{epPort("http", 8080)},
					endpoint("n1", false, false, "10.0.0.1", "10.0.0.9")),
				slice(discoveryv1.AddressTypeIPv4, []discoveryv1.EndpointPort{epPort("http", 8080)},
					endpoint("n1", true, false, "10.0.0.1")),
			},
			families: v4,
			want:     []Server{{IP: "10.0.0.1", Port: 8080, Enabled: true, Node: "n1"}},
		},
		{
			name: "IPv6 slice skipped under V4",
			port: httpPort,
			slices: []discoveryv1.EndpointSlice{
				slice(discoveryv1.AddressTypeIPv6, []discoveryv1.EndpointPort{epPort("http", 8080)}, endpoint("n1", true, false, "fd00::1")),
				slice(discoveryv1.AddressTypeIPv4, []discoveryv1.EndpointPort{epPort("http", 8080)}, endpoint("n1", true, false, "10.0.0.1")),
			},
			families: v4,
			want:     []Server{{IP: "10.0.0.1", Port: 8080, Enabled: true, Node: "n1"}},
		},
		{
			name: "dual stack keeps both",
			port: httpPort,
			slices: []discoveryv1.EndpointSlice{
				slice(discoveryv1.AddressTypeIPv6, []discoveryv1.EndpointPort{epPort("http", 8080)}, endpoint("n1", true, false, "fd00::1")),
				slice(discoveryv1.AddressTypeIPv4, []discoveryv1.EndpointPort{epPort("http", 8080)}, endpoint("n1", true, false, "10.0.0.1")),
			},
			families: IPFamilies{V4: true, V6: true},
			want: []Server{
				{IP: "10.0.0.1", Port: 8080, Enabled: true, Node: "n1"},
				{IP: "fd00::1", Port: 8080, Enabled: true, Node: "n1"},
			},
		},
		{
			name: "protocol mismatch is not a match",
			port: corev1.ServicePort{Name: "dns", Port: 53, TargetPort: intstr.FromInt32(53), Protocol: corev1.ProtocolUDP},
			slices: []discoveryv1.EndpointSlice{slice(discoveryv1.AddressTypeIPv4,
				[]discoveryv1.EndpointPort{epPort("dns", 53)}, endpoint("n1", true, false, "10.0.0.1"))},
			families: v4,
			want:     nil,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ClusterIPServers(tc.port, tc.single, tc.slices, tc.families)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func node(name string, labels map[string]string, addrs ...corev1.NodeAddress) corev1.Node {
	return corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Status: corev1.NodeStatus{Addresses: addrs}}
}

func internal(ip string) corev1.NodeAddress {
	return corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: ip}
}

func TestNodePortServers(t *testing.T) {
	port := corev1.ServicePort{Name: "http", Port: 80, NodePort: 30080, Protocol: corev1.ProtocolTCP}
	nodes := []corev1.Node{
		node("b", map[string]string{"lb": "yes"}, internal("192.168.0.2"), corev1.NodeAddress{Type: corev1.NodeExternalIP, Address: "1.2.3.4"}),
		node("a", map[string]string{"lb": "yes"}, internal("192.168.0.1"), internal("192.168.0.11")),
		node("c", nil, internal("192.168.0.3")),
	}
	cluster := &corev1.Service{}
	local := &corev1.Service{Spec: corev1.ServiceSpec{ExternalTrafficPolicy: corev1.ServiceExternalTrafficPolicyLocal}}
	slices := []discoveryv1.EndpointSlice{slice(discoveryv1.AddressTypeIPv4, nil,
		endpoint("b", true, false, "10.0.0.1"), endpoint("c", false, false, "10.0.0.2"))}
	v4 := IPFamilies{V4: true}
	tests := []struct {
		name     string
		svc      *corev1.Service
		port     corev1.ServicePort
		selector NodeSelector
		want     []Server
	}{
		{name: "all nodes, first InternalIP, sorted", svc: cluster, port: port, want: []Server{
			{IP: "192.168.0.1", Port: 30080, Enabled: true, Node: "a"},
			{IP: "192.168.0.2", Port: 30080, Enabled: true, Node: "b"},
			{IP: "192.168.0.3", Port: 30080, Enabled: true, Node: "c"},
		}},
		{name: "selector filters nodes", svc: cluster, port: port, selector: NodeSelector{Key: "lb", Value: "yes"}, want: []Server{
			{IP: "192.168.0.1", Port: 30080, Enabled: true, Node: "a"},
			{IP: "192.168.0.2", Port: 30080, Enabled: true, Node: "b"},
		}},
		{name: "externalTrafficPolicy Local: only nodes with a ready endpoint", svc: local, port: port, want: []Server{
			{IP: "192.168.0.2", Port: 30080, Enabled: true, Node: "b"},
		}},
		{name: "no nodePort: no servers", svc: cluster, port: corev1.ServicePort{Port: 80}, want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := NodePortServers(tc.svc, tc.port, nodes, tc.selector, slices, v4)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestFamiliesFor(t *testing.T) {
	dual := &corev1.Service{Spec: corev1.ServiceSpec{IPFamilies: []corev1.IPFamily{corev1.IPv4Protocol, corev1.IPv6Protocol}}}
	v6only := &corev1.Service{Spec: corev1.ServiceSpec{IPFamilies: []corev1.IPFamily{corev1.IPv6Protocol}}}
	tests := []struct {
		setting string
		svc     *corev1.Service
		want    IPFamilies
	}{
		{"V4", nil, IPFamilies{V4: true}},
		{"V4", dual, IPFamilies{V4: true}},
		{"V6", dual, IPFamilies{V6: true}},
		{"V4_V6", dual, IPFamilies{V4: true, V6: true}},
		{"V4_V6", v6only, IPFamilies{V6: true}},
	}
	for _, tc := range tests {
		if got := FamiliesFor(tc.setting, tc.svc); got != tc.want {
			t.Errorf("FamiliesFor(%s, %v) = %+v, want %+v", tc.setting, tc.svc, got, tc.want)
		}
	}
}

func TestServerExternalUUID(t *testing.T) {
	if got := (Server{IP: "10.0.0.1", Port: 80}).ExternalUUID(); got != "10.0.0.1:80" {
		t.Fatalf("got %q", got)
	}
}

func TestCloudSubdomain(t *testing.T) {
	tests := []struct {
		domains   []string
		preferred string
		want      string
	}{
		{nil, "x.com", ""},
		{[]string{".b.com", "a.com"}, "", "a.com"},
		{[]string{".b.com", "a.com"}, "b.com", "b.com"},
		{[]string{"b.com", "a.com"}, "c.com", "a.com"},
	}
	for _, tc := range tests {
		if got := (Cloud{DNSDomains: tc.domains}).Subdomain(tc.preferred); got != tc.want {
			t.Errorf("Subdomain(%v, %q) = %q, want %q", tc.domains, tc.preferred, got, tc.want)
		}
	}
}
