package model

import (
	"encoding/json"
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/vmware/alb-sdk/go/models"
	corev1 "k8s.io/api/core/v1"

	"github.com/akoproject/ako/internal/settings"
)

// Node annotations that carry pod CIDRs or the node address (ako-spec.md §4.8).
const (
	AnnotationPodCIDRs       = "ako.vmware.com/pod-cidrs"
	AnnotationOVNNodeSubnets = "k8s.ovn.org/node-subnets"
	AnnotationCalicoIPv4     = "projectcalico.org/IPv4Address"
	AnnotationCalicoIPv6     = "projectcalico.org/IPv6Address"
)

// StaticRoutesEnabled reports whether AKO keeps static routes to the pod networks in the
// VRF: ClusterIP mode, primary instance, unless disableStaticRouteSync.
func StaticRoutesEnabled(s settings.Settings) bool {
	return s.ServiceType == "ClusterIP" && s.PrimaryInstance && !s.DisableStaticRouteSync
}

// StaticRoutes is this cluster's share of the VRF's static routes.
type StaticRoutes struct {
	VRF    string
	Routes []*models.StaticRoute
	// Warnings name nodes whose pod CIDRs could not be routed.
	Warnings []string
}

// BuildStaticRoutes computes one route per pod CIDR of every node: prefix = the CIDR,
// next hop = the node address of the CIDR's family, route_id
// "<cluster>-<node uid>-<index>", label clustername=<cluster> so that other clusters'
// routes in the same VRF are recognised and left alone. Nodes are taken oldest first; a
// CIDR overlapping one already routed is refused with a warning.
func BuildStaticRoutes(s settings.Settings, cloud Cloud, nodes []corev1.Node) StaticRoutes {
	vrf := cloud.VRF
	if vrf == "" {
		vrf = "global"
	}
	out := StaticRoutes{VRF: vrf}
	ordered := make([]*corev1.Node, 0, len(nodes))
	for i := range nodes {
		ordered = append(ordered, &nodes[i])
	}
	sort.Slice(ordered, func(i, j int) bool {
		a, b := ordered[i], ordered[j]
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return a.CreationTimestamp.Before(&b.CreationTimestamp)
		}
		return a.Name < b.Name
	})
	var routed []*net.IPNet
	for _, node := range ordered {
		cidrs, err := PodCIDRs(node)
		if err != nil {
			out.Warnings = append(out.Warnings, err.Error())
			continue
		}
		v4, v6 := nodeAddresses(node)
		index := 0
		for _, cidr := range cidrs {
			_, ipnet, err := net.ParseCIDR(cidr)
			if err != nil {
				out.Warnings = append(out.Warnings, fmt.Sprintf("Node %s: pod CIDR %q is not a CIDR", node.Name, cidr))
				continue
			}
			hop := v4
			if ipnet.IP.To4() == nil {
				hop = v6
			}
			if hop == nil {
				out.Warnings = append(out.Warnings, fmt.Sprintf("Node %s: no node address for pod CIDR %s", node.Name, cidr))
				continue
			}
			if overlaps(routed, ipnet) {
				out.Warnings = append(out.Warnings, fmt.Sprintf("Node %s: pod CIDR %s overlaps a CIDR of another node; not routed", node.Name, cidr))
				continue
			}
			routed = append(routed, ipnet)
			prefix, _ := Prefix(ipnet.String())
			out.Routes = append(out.Routes, &models.StaticRoute{
				RouteID: ptrTo(fmt.Sprintf("%s-%s-%d", s.ClusterName, nodeID(node), index)),
				Prefix:  prefix,
				NextHop: IPAddr(hop),
				Labels:  []*models.KeyValue{{Key: ptrTo("clustername"), Value: ptrTo(s.ClusterName)}},
			})
			index++
		}
	}
	return out
}

func nodeID(n *corev1.Node) string {
	if n.UID != "" {
		return string(n.UID)
	}
	return n.Name
}

func overlaps(routed []*net.IPNet, n *net.IPNet) bool {
	for _, r := range routed {
		if r.Contains(n.IP) || n.Contains(r.IP) {
			return true
		}
	}
	return false
}

// nodeAddresses is the next hop per family: the Calico address annotation when present,
// else the first InternalIP.
func nodeAddresses(n *corev1.Node) (v4, v6 net.IP) {
	parse := func(v string) net.IP {
		if ip, _, err := net.ParseCIDR(v); err == nil {
			return ip
		}
		return net.ParseIP(v)
	}
	if ip := parse(n.Annotations[AnnotationCalicoIPv4]); ip != nil && ip.To4() != nil {
		v4 = ip
	}
	if ip := parse(n.Annotations[AnnotationCalicoIPv6]); ip != nil && ip.To4() == nil {
		v6 = ip
	}
	for _, a := range n.Status.Addresses {
		if a.Type != corev1.NodeInternalIP {
			continue
		}
		ip := net.ParseIP(a.Address)
		switch {
		case ip == nil:
		case ip.To4() != nil && v4 == nil:
			v4 = ip
		case ip.To4() == nil && v6 == nil:
			v6 = ip
		}
	}
	return v4, v6
}

// PodCIDRs are a node's pod CIDRs: the OVN-Kubernetes annotation, else
// ako.vmware.com/pod-cidrs (comma list), else spec.podCIDRs (spec.podCIDR).
func PodCIDRs(n *corev1.Node) ([]string, error) {
	if v := strings.TrimSpace(n.Annotations[AnnotationOVNNodeSubnets]); v != "" {
		var subnets map[string]json.RawMessage
		if err := json.Unmarshal([]byte(v), &subnets); err != nil {
			return nil, fmt.Errorf("Node %s: annotation %s is not JSON: %v", n.Name, AnnotationOVNNodeSubnets, err)
		}
		raw, ok := subnets["default"]
		if !ok {
			return nil, fmt.Errorf("Node %s: annotation %s has no \"default\" network", n.Name, AnnotationOVNNodeSubnets)
		}
		var one string
		if json.Unmarshal(raw, &one) == nil {
			return []string{one}, nil
		}
		var many []string
		if err := json.Unmarshal(raw, &many); err != nil {
			return nil, fmt.Errorf("Node %s: annotation %s: \"default\" is neither a CIDR nor a list of CIDRs", n.Name, AnnotationOVNNodeSubnets)
		}
		return many, nil
	}
	if v := strings.TrimSpace(n.Annotations[AnnotationPodCIDRs]); v != "" {
		var out []string
		for _, c := range strings.Split(v, ",") {
			if c = strings.TrimSpace(c); c != "" {
				out = append(out, c)
			}
		}
		return out, nil
	}
	if len(n.Spec.PodCIDRs) > 0 {
		return append([]string(nil), n.Spec.PodCIDRs...), nil
	}
	if n.Spec.PodCIDR != "" {
		return []string{n.Spec.PodCIDR}, nil
	}
	return nil, nil
}
