package model

import (
	"encoding/json"
	"fmt"
	"net"

	"github.com/vmware/alb-sdk/go/models"
)

// MaxNameLength is the longest Avi object name the Controller accepts.
const MaxNameLength = 255

// RefByName is a reference to an Avi object by name, the form AKO writes.
func RefByName(kind Kind, name string) string { return "/api/" + string(kind) + "?name=" + name }

// Reference kinds that AKO points at but does not own.
const (
	KindCloud              Kind = "cloud"
	KindTenant             Kind = "tenant"
	KindVRFContext         Kind = "vrfcontext"
	KindSEGroup            Kind = "serviceenginegroup"
	KindNetwork            Kind = "network"
	KindApplicationProfile Kind = "applicationprofile"
	KindNetworkProfile     Kind = "networkprofile"
	KindHealthMonitor      Kind = "healthmonitor"
)

// NetworkRef points at a VIP network: by UUID when known, else by name.
func NetworkRef(n VIPNetwork) string {
	if n.UUID != "" {
		return "/api/network/" + n.UUID
	}
	return RefByName(KindNetwork, n.Name)
}

// Marker is one markers[] label. Key is the Go field name AKO uses (Namespace,
// ServiceName, Port, Host, ...).
type Marker struct {
	Key    string
	Values []string
}

// Markers are the markers of an object: clustername first, then the given labels
// that have a value, in order.
func Markers(cluster string, labels ...Marker) []*models.RoleFilterMatchLabel {
	out := []*models.RoleFilterMatchLabel{{Key: ptrTo("clustername"), Values: []string{cluster}}}
	for _, l := range labels {
		var vals []string
		for _, v := range l.Values {
			if v != "" {
				vals = append(vals, v)
			}
		}
		if len(vals) > 0 {
			out = append(out, &models.RoleFilterMatchLabel{Key: ptrTo(l.Key), Values: vals})
		}
	}
	return out
}

// ServiceMetadata is the service_metadata JSON AKO stores on virtual services and pools
// to map Avi objects back to Kubernetes objects. Only the keys a builder sets appear.
type ServiceMetadata struct {
	NamespaceIngressName []string `json:"namespace_ingress_name,omitempty"`
	IngressName          string   `json:"ingress_name,omitempty"`
	Namespace            string   `json:"namespace,omitempty"`
	HostNames            []string `json:"hostnames,omitempty"`
	NamespaceServiceName []string `json:"namespace_svc_name,omitempty"`
	PoolRatio            uint32   `json:"pool_ratio,omitempty"`
}

// JSON is the service_metadata string.
func (m ServiceMetadata) JSON() *string {
	b, _ := json.Marshal(m) // a struct of strings cannot fail to marshal
	return ptrTo(string(b))
}

// AviServers converts computed servers to pool servers.
func AviServers(servers []Server) []*models.Server {
	out := make([]*models.Server, 0, len(servers))
	for _, s := range servers {
		typ := "V4"
		if s.IsV6() {
			typ = "V6"
		}
		srv := &models.Server{
			IP:           &models.IPAddr{Addr: ptrTo(s.IP), Type: ptrTo(typ)},
			Port:         ptrTo(s.Port),
			ExternalUUID: ptrTo(s.ExternalUUID()),
			Enabled:      ptrTo(s.Enabled),
		}
		if s.Node != "" {
			srv.ServerNode = ptrTo(s.Node)
		}
		out = append(out, srv)
	}
	return out
}

// IPAddr is an Avi address with its family.
func IPAddr(ip net.IP) *models.IPAddr {
	if ip.To4() != nil {
		return &models.IPAddr{Addr: ptrTo(ip.String()), Type: ptrTo("V4")}
	}
	return &models.IPAddr{Addr: ptrTo(ip.String()), Type: ptrTo("V6")}
}

// Prefix is an Avi IP prefix from CIDR notation.
func Prefix(cidr string) (*models.IPAddrPrefix, error) {
	ip, ipnet, err := net.ParseCIDR(cidr)
	if err != nil {
		return nil, fmt.Errorf("%q is not a CIDR: %w", cidr, err)
	}
	ones, _ := ipnet.Mask.Size()
	if ip.To4() != nil {
		return &models.IPAddrPrefix{IPAddr: IPAddr(ipnet.IP.To4()), Mask: ptrTo(int32(ones))}, nil
	}
	return &models.IPAddrPrefix{IPAddr: IPAddr(ipnet.IP), Mask: ptrTo(int32(ones))}, nil
}

// VsVipVIP is the vip[0] of a VsVip: auto-allocated from the first VIP network, with
// the preferred static address when one is given.
func VsVipVIP(networks []VIPNetwork, static net.IP) *models.Vip {
	vip := &models.Vip{VipID: ptrTo("0"), AutoAllocateIP: ptrTo(true)}
	if static != nil {
		if static.To4() != nil {
			vip.IPAddress = IPAddr(static)
		} else {
			vip.Ip6Address = IPAddr(static)
		}
	}
	if len(networks) > 0 {
		n := networks[0]
		subnet := &models.IPNetworkSubnet{NetworkRef: ptrTo(NetworkRef(n))}
		if p, err := Prefix(n.CIDR); err == nil {
			subnet.Subnet = p
		}
		if p, err := Prefix(n.V6CIDR); err == nil {
			subnet.Subnet6 = p
		}
		vip.IPAMNetworkSubnet = subnet
	}
	return vip
}

func ptrTo[T any](v T) *T { return &v }
