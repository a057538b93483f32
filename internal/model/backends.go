package model

import (
	"net"
	"sort"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
)

// Server is one pool member computed from Kubernetes objects.
type Server struct {
	IP      string
	Port    int32
	Enabled bool
	Node    string // server_node; "" when unknown
}

// ExternalUUID is the external_uuid AKO stores on a pool server: "<ip>:<port>".
func (s Server) ExternalUUID() string {
	return net.JoinHostPort(s.IP, strconv.Itoa(int(s.Port)))
}

// IsV6 reports whether the server address is IPv6.
func (s Server) IsV6() bool {
	ip := net.ParseIP(s.IP)
	return ip != nil && ip.To4() == nil
}

// IPFamilies says which address families may become pool servers. The zero value
// allows IPv4 only (ipFamily V4, the settings default).
type IPFamilies struct {
	V4 bool
	V6 bool
}

// FamiliesFor intersects the ipFamily setting (V4, V6, V4_V6) with the Service's
// spec.ipFamilies (when set).
func FamiliesFor(setting string, svc *corev1.Service) IPFamilies {
	f := IPFamilies{V4: setting != "V6", V6: setting == "V6" || setting == "V4_V6"}
	if svc != nil && len(svc.Spec.IPFamilies) > 0 {
		var v4, v6 bool
		for _, fam := range svc.Spec.IPFamilies {
			v4 = v4 || fam == corev1.IPv4Protocol
			v6 = v6 || fam == corev1.IPv6Protocol
		}
		f.V4, f.V6 = f.V4 && v4, f.V6 && v6
	}
	return f
}

func (f IPFamilies) allows(ip string) bool {
	parsed := net.ParseIP(ip)
	if parsed == nil {
		return false
	}
	if parsed.To4() != nil {
		return f.V4 || (!f.V4 && !f.V6)
	}
	return f.V6
}

func (f IPFamilies) allowsSliceType(t discoveryv1.AddressType) bool {
	switch t {
	case discoveryv1.AddressTypeIPv4:
		return f.V4 || (!f.V4 && !f.V6)
	case discoveryv1.AddressTypeIPv6:
		return f.V6
	}
	return false // FQDN slices are not pool members
}

// ClusterIPServers are the pool servers of one Service port in ClusterIP mode: pod
// addresses from the Service's EndpointSlices (ako-spec.md §6). A slice contributes when
// one of its ports matches the Service port by name or by target port number, or, for a
// single-port Service, when the slice has a single port. Only the first address of each
// endpoint is used; a server is enabled when the endpoint is ready and not terminating.
// The result is de-duplicated and sorted so an unchanged cluster yields an unchanged pool.
func ClusterIPServers(port corev1.ServicePort, singlePortService bool, slices []discoveryv1.EndpointSlice, families IPFamilies) []Server {
	seen := map[string]int{}
	var out []Server
	for i := range slices {
		slice := &slices[i]
		if !families.allowsSliceType(slice.AddressType) {
			continue
		}
		targetPort, ok := slicePort(port, singlePortService, slice.Ports)
		if !ok {
			continue
		}
		for _, ep := range slice.Endpoints {
			if len(ep.Addresses) == 0 || !families.allows(ep.Addresses[0]) {
				continue
			}
			s := Server{IP: ep.Addresses[0], Port: targetPort, Enabled: endpointServing(ep)}
			if ep.NodeName != nil {
				s.Node = *ep.NodeName
			}
			key := s.ExternalUUID()
			if j, dup := seen[key]; dup {
				// The same pod seen twice (slices overlap during updates): serving wins.
				out[j].Enabled = out[j].Enabled || s.Enabled
				continue
			}
			seen[key] = len(out)
			out = append(out, s)
		}
	}
	sortServers(out)
	return out
}

// slicePort finds the endpoint port number that serves the Service port.
func slicePort(port corev1.ServicePort, singlePortService bool, ports []discoveryv1.EndpointPort) (int32, bool) {
	for _, p := range ports {
		if p.Port == nil {
			continue
		}
		if port.Protocol != "" && p.Protocol != nil && *p.Protocol != port.Protocol {
			continue
		}
		name := ""
		if p.Name != nil {
			name = *p.Name
		}
		if port.Name != "" && name == port.Name {
			return *p.Port, true
		}
		if port.TargetPort.IntValue() != 0 && *p.Port == int32(port.TargetPort.IntValue()) {
			return *p.Port, true
		}
	}
	if singlePortService && len(ports) == 1 && ports[0].Port != nil {
		return *ports[0].Port, true
	}
	return 0, false
}

func endpointServing(ep discoveryv1.Endpoint) bool {
	ready := ep.Conditions.Ready == nil || *ep.Conditions.Ready
	terminating := ep.Conditions.Terminating != nil && *ep.Conditions.Terminating
	return ready && !terminating
}

// NodeSelector is nodePortSelector: nodes carrying label Key=Value; an empty Key
// selects every node.
type NodeSelector struct {
	Key   string
	Value string
}

// Selects reports whether the node passes the selector.
func (s NodeSelector) Selects(node *corev1.Node) bool {
	if s.Key == "" {
		return true
	}
	v, ok := node.Labels[s.Key]
	return ok && v == s.Value
}

// NodePortServers are the pool servers of one Service port in NodePort mode: the
// InternalIP of every selected node on the port's nodePort (ako-spec.md §6). A port
// without a nodePort (a ClusterIP Service) yields none. With externalTrafficPolicy
// Local only nodes hosting a ready endpoint of the Service are used, because the others
// drop the traffic.
func NodePortServers(svc *corev1.Service, port corev1.ServicePort, nodes []corev1.Node, selector NodeSelector, slices []discoveryv1.EndpointSlice, families IPFamilies) []Server {
	if port.NodePort == 0 {
		return nil
	}
	var local map[string]bool
	if svc.Spec.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal {
		local = map[string]bool{}
		for i := range slices {
			if !families.allowsSliceType(slices[i].AddressType) {
				continue
			}
			for _, ep := range slices[i].Endpoints {
				if ep.NodeName != nil && endpointServing(ep) {
					local[*ep.NodeName] = true
				}
			}
		}
	}
	var out []Server
	seen := map[string]bool{}
	for i := range nodes {
		node := &nodes[i]
		if !selector.Selects(node) || (local != nil && !local[node.Name]) {
			continue
		}
		for _, ip := range NodeInternalIPs(node, families) {
			s := Server{IP: ip, Port: port.NodePort, Enabled: true, Node: node.Name}
			if !seen[s.ExternalUUID()] {
				seen[s.ExternalUUID()] = true
				out = append(out, s)
			}
		}
	}
	sortServers(out)
	return out
}

// NodeInternalIPs is the first InternalIP of each allowed family of a node.
func NodeInternalIPs(node *corev1.Node, families IPFamilies) []string {
	var v4, v6 string
	for _, a := range node.Status.Addresses {
		if a.Type != corev1.NodeInternalIP {
			continue
		}
		ip := net.ParseIP(a.Address)
		switch {
		case ip == nil:
		case ip.To4() != nil && v4 == "":
			v4 = a.Address
		case ip.To4() == nil && v6 == "":
			v6 = a.Address
		}
	}
	var out []string
	if v4 != "" && families.allows(v4) {
		out = append(out, v4)
	}
	if v6 != "" && families.allows(v6) {
		out = append(out, v6)
	}
	return out
}

func sortServers(s []Server) {
	sort.Slice(s, func(i, j int) bool {
		if s[i].IP != s[j].IP {
			return s[i].IP < s[j].IP
		}
		return s[i].Port < s[j].Port
	})
}
