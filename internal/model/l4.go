package model

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/vmware/alb-sdk/go/models"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"

	"github.com/akoproject/ako/internal/settings"
)

// Service annotations and the load balancer class AKO reads (ako-spec.md §4.7).
const (
	LoadBalancerClass            = "ako.vmware.com/avi-lb"
	AnnotationLoadBalancerIP     = "ako.vmware.com/load-balancer-ip"
	AnnotationSharedVIP          = "ako.vmware.com/enable-shared-vip"
	AnnotationApplicationProfile = "ako.vmware.com/application-profile"
	AnnotationDisableTraffic     = "ako.vmware.com/disable-traffic"
	AnnotationExternalDNS        = "external-dns.alpha.kubernetes.io/hostname"
)

// Avi profile names used by L4 virtual services.
const (
	ProfileL4Application = "System-L4-Application"
	ProfileTCPProxy      = "System-TCP-Proxy"
	ProfileTCPFastPath   = "System-TCP-Fast-Path"
	ProfileUDPFastPath   = "System-UDP-Fast-Path"
	ProfileSCTPProxy     = "System-SCTP-Proxy"
)

// L4KeyPrefix starts the key of every LoadBalancer Service tree.
const L4KeyPrefix = "l4/"

// L4Key is the key of the tree named vsName in tenant.
func L4Key(tenant, vsName string) Key { return Key(L4KeyPrefix + tenant + "/" + vsName) }

// L4VSName is the virtual service (and VsVip, L4PolicySet) name of a LoadBalancer
// Service, or of a shared-VIP group when sharedKey is set: <cluster>--<ns>-<svc|key>.
func L4VSName(cluster, namespace, svcOrKey string) string {
	return cluster + "--" + namespace + "-" + svcOrKey
}

// L4PoolName is the pool of one Service port: <cluster>--<ns>-<svc>[-<key>]-<PROTOCOL>-<port>.
func L4PoolName(cluster, namespace, svc, sharedKey string, protocol corev1.Protocol, port int32) string {
	mid := svc
	if sharedKey != "" {
		mid += "-" + sharedKey
	}
	return fmt.Sprintf("%s--%s-%s-%s-%d", cluster, namespace, mid, protocolName(protocol), port)
}

func protocolName(p corev1.Protocol) string {
	if p == "" {
		return string(corev1.ProtocolTCP)
	}
	return strings.ToUpper(string(p))
}

// Scope says whether AKO handles a Service as an L4 virtual service, and if not, why.
type Scope struct {
	Accepted bool
	// Reason explains a refusal in words a person understands.
	Reason string
	// BadInput marks a refusal caused by a mistake the user should hear about
	// (a Warning Event), as opposed to a Service meant for someone else.
	BadInput bool
}

// L4Scope decides whether svc becomes an L4 virtual service (ako-spec.md §4.7):
// type LoadBalancer, not layer7Only, a namespace that is neither blocked nor filtered out
// by the namespace selector (checked before the class, so Services of namespaces AKO does
// not serve never draw its warnings), and an accepted load balancer class. ns may be nil when
// the namespace is not known (then only the blocked list applies).
func L4Scope(s settings.Settings, svc *corev1.Service, ns *corev1.Namespace) Scope {
	switch {
	case svc == nil || svc.DeletionTimestamp != nil:
		return Scope{Reason: "the Service is being deleted"}
	case svc.Spec.Type != corev1.ServiceTypeLoadBalancer:
		return Scope{Reason: "the Service is not of type LoadBalancer"}
	case s.Layer7Only:
		return Scope{Reason: "layer7Only is set"}
	}
	if !NamespaceAccepted(s, svc.Namespace, ns) {
		return Scope{Reason: fmt.Sprintf("namespace %q is blocked or not selected", svc.Namespace)}
	}
	if c := svc.Spec.LoadBalancerClass; c == nil {
		if !s.DefaultLBController {
			return Scope{Reason: "no loadBalancerClass and defaultLBController is false"}
		}
	} else if *c != LoadBalancerClass {
		// A class of another load balancer is not ours and not a mistake; a class in our
		// own domain that we do not serve almost certainly is one.
		return Scope{
			Reason:   fmt.Sprintf("spec.loadBalancerClass %q is not %q", *c, LoadBalancerClass),
			BadInput: strings.HasPrefix(*c, "ako.vmware.com/"),
		}
	}
	return Scope{Accepted: true}
}

// NamespaceAccepted applies blockedNamespaceList and the nsSyncLabelKey/Value selector.
func NamespaceAccepted(s settings.Settings, name string, ns *corev1.Namespace) bool {
	if s.NamespaceBlocked(name) {
		return false
	}
	if s.NSSyncLabelKey == "" {
		return true
	}
	if ns == nil {
		return false
	}
	v, ok := ns.Labels[s.NSSyncLabelKey]
	return ok && v == s.NSSyncLabelValue
}

// SharedVIPKey is the shared-VIP group a Service belongs to, "" when none.
func SharedVIPKey(svc *corev1.Service) string {
	return strings.TrimSpace(svc.Annotations[AnnotationSharedVIP])
}

// StaticIP is the preferred VIP of a Service: spec.loadBalancerIP, else annotation
// ako.vmware.com/load-balancer-ip. nil when neither is set; an error naming the field
// when the value is not an IP address.
func StaticIP(svc *corev1.Service) (net.IP, error) {
	field, v := "spec.loadBalancerIP", strings.TrimSpace(svc.Spec.LoadBalancerIP)
	if v == "" {
		field, v = "annotation "+AnnotationLoadBalancerIP, strings.TrimSpace(svc.Annotations[AnnotationLoadBalancerIP])
	}
	if v == "" {
		return nil, nil
	}
	ip := net.ParseIP(v)
	if ip == nil {
		return nil, fmt.Errorf("Service %s/%s: %s %q is not an IP address", svc.Namespace, svc.Name, field, v)
	}
	return ip, nil
}

// L4Input is everything BuildL4 reads for one tree.
type L4Input struct {
	Settings settings.Settings
	Cloud    Cloud
	// Services are the accepted Services of the tree: exactly one, or every accepted
	// member of a shared-VIP group (same namespace, same SharedKey).
	Services []*corev1.Service
	// SharedKey is the shared-VIP group key; "" for a single Service.
	SharedKey string
	// EndpointSlices of each Service, by Service name.
	EndpointSlices map[string][]discoveryv1.EndpointSlice
	// Nodes are read in NodePort mode.
	Nodes []corev1.Node
}

// L4Build is the result of BuildL4.
type L4Build struct {
	// Tree is the desired tree. With Err set it is not meaningful and must not be applied.
	Tree Tree
	// Err is bad input that leaves the tree as it is on the Controller (nothing is
	// created or removed because of a typo); its text names the Service and the field.
	Err error
	// Warnings are input problems that were resolved by removing the tree (a shared-VIP
	// group whose members disagree); each names the Services.
	Warnings []string
	// FQDNs served by the VIP, for status.
	FQDNs []string
}

// BuildL4 computes the VS tree of a LoadBalancer Service or shared-VIP group
// (ako-spec.md §4.7): VsVip, one pool per port, an L4PolicySet selecting the pool by
// port and protocol, and the virtual service, in creation order.
func BuildL4(in L4Input) L4Build {
	if len(in.Services) == 0 {
		return L4Build{Err: fmt.Errorf("no Service to build")}
	}
	first := in.Services[0]
	s, cloud := in.Settings, in.Cloud
	tenant := cloud.Tenant
	if tenant == "" {
		tenant = s.TenantName
	}
	cluster := s.ClusterName
	ns := first.Namespace
	vsName := L4VSName(cluster, ns, first.Name)
	if in.SharedKey != "" {
		vsName = L4VSName(cluster, ns, in.SharedKey)
	}
	key := L4Key(tenant, vsName)
	if len(vsName) > MaxNameLength {
		return L4Build{Err: fmt.Errorf("Service %s/%s: virtual service name %q is longer than %d characters", ns, first.Name, vsName, MaxNameLength)}
	}

	members := append([]*corev1.Service(nil), in.Services...)
	sort.Slice(members, func(i, j int) bool { return members[i].Name < members[j].Name })

	var static net.IP
	for i, svc := range members {
		ip, err := StaticIP(svc)
		if err != nil {
			return L4Build{Err: err}
		}
		if i == 0 {
			static = ip
		} else if !ip.Equal(static) {
			return L4Build{Tree: Tree{Key: key}, Warnings: []string{fmt.Sprintf(
				"shared VIP %q in namespace %s: Services %s and %s ask for different load balancer IPs; the shared virtual service is removed until they agree",
				in.SharedKey, ns, members[0].Name, svc.Name)}}
		}
	}

	var fqdns []string
	seenFQDN := map[string]bool{}
	for _, svc := range members {
		for _, f := range ServiceFQDNs(s, cloud, svc) {
			if !seenFQDN[f] {
				seenFQDN[f] = true
				fqdns = append(fqdns, f)
			}
		}
	}
	var nsSvcNames []string
	for _, svc := range members {
		nsSvcNames = append(nsSvcNames, svc.Namespace+"/"+svc.Name)
	}

	tenantRef := RefByName(KindTenant, tenant)
	cloudRef := RefByName(KindCloud, cloud.Name)
	vrf := cloud.VRF
	if vrf == "" {
		vrf = "global"
	}
	vrfRef := RefByName(KindVRFContext, vrf)
	createdBy := s.CreatedBy()

	// VsVip.
	vsvip := &models.VsVip{
		Name:              ptrTo(vsName),
		TenantRef:         ptrTo(tenantRef),
		CloudRef:          ptrTo(cloudRef),
		VrfContextRef:     ptrTo(vrfRef),
		EastWestPlacement: ptrTo(false),
		Markers:           Markers(cluster),
		Vip:               []*models.Vip{VsVipVIP(cloud.VIPNetworks, static)},
	}
	for _, f := range fqdns {
		vsvip.DNSInfo = append(vsvip.DNSInfo, &models.DNSInfo{Fqdn: ptrTo(f)})
	}
	if s.EnableRHI && len(s.BGPPeerLabels) > 0 {
		vsvip.BgpPeerLabels = append([]string(nil), s.BGPPeerLabels...)
	}
	objects := []Object{{Kind: KindVsVip, Name: vsName, Tenant: tenant, Body: vsvip}}

	// Pools and the policy set that selects them.
	type listener struct {
		port     int32
		protocol corev1.Protocol
	}
	var listeners []listener
	seenListener := map[listener]bool{}
	policy := &models.L4PolicySet{
		Name:               ptrTo(vsName),
		TenantRef:          ptrTo(tenantRef),
		CreatedBy:          ptrTo(createdBy),
		Markers:            Markers(cluster, Marker{"Namespace", []string{ns}}, Marker{"ServiceName", []string{serviceMarker(first, in.SharedKey)}}),
		L4ConnectionPolicy: &models.L4ConnectionPolicy{},
	}
	families := func(svc *corev1.Service) IPFamilies { return FamiliesFor(s.IPFamily, svc) }
	for _, svc := range members {
		for _, port := range svc.Spec.Ports {
			l := listener{port.Port, port.Protocol}
			if l.protocol == "" {
				l.protocol = corev1.ProtocolTCP
			}
			if seenListener[l] {
				// Two shared-VIP members cannot both listen on one port; the first
				// (by name) keeps it.
				continue
			}
			seenListener[l] = true
			listeners = append(listeners, l)
			poolName := L4PoolName(cluster, ns, svc.Name, in.SharedKey, l.protocol, port.Port)
			if len(poolName) > MaxNameLength {
				return L4Build{Err: fmt.Errorf("Service %s/%s: pool name %q is longer than %d characters", ns, svc.Name, poolName, MaxNameLength)}
			}
			var servers []Server
			if s.ServiceType == "NodePort" {
				servers = NodePortServers(svc, port, in.Nodes, NodeSelector{Key: s.NodeKey, Value: s.NodeValue}, in.EndpointSlices[svc.Name], families(svc))
			} else {
				servers = ClusterIPServers(port, len(svc.Spec.Ports) == 1, in.EndpointSlices[svc.Name], families(svc))
			}
			pool := &models.Pool{
				Name:                   ptrTo(poolName),
				TenantRef:              ptrTo(tenantRef),
				CloudRef:               ptrTo(cloudRef),
				VrfRef:                 ptrTo(vrfRef),
				CreatedBy:              ptrTo(createdBy),
				Markers:                Markers(cluster, Marker{"Namespace", []string{ns}}, Marker{"ServiceName", []string{svc.Name}}, Marker{"Port", []string{strconv.Itoa(int(port.Port))}}),
				ServiceMetadata:        ServiceMetadata{NamespaceServiceName: []string{svc.Namespace + "/" + svc.Name}}.JSON(),
				GracefulDisableTimeout: ptrTo(int32(1)),
				HealthMonitorRefs:      []string{RefByName(KindHealthMonitor, healthMonitor(l.protocol))},
				Servers:                AviServers(servers),
			}
			objects = append(objects, Object{Kind: KindPool, Name: poolName, Tenant: tenant, Body: pool})
			policy.L4ConnectionPolicy.Rules = append(policy.L4ConnectionPolicy.Rules, &models.L4Rule{
				Name:  ptrTo(poolName),
				Index: ptrTo(int32(len(policy.L4ConnectionPolicy.Rules))),
				Action: &models.L4RuleAction{SelectPool: &models.L4RuleActionSelectPool{
					ActionType: ptrTo("L4_RULE_ACTION_SELECT_POOL"),
					PoolRef:    ptrTo(RefByName(KindPool, poolName)),
				}},
				Match: &models.L4RuleMatchTarget{
					Port:     &models.L4RulePortMatch{MatchCriteria: ptrTo("IS_IN"), Ports: []int64{int64(port.Port)}},
					Protocol: &models.L4RuleProtocolMatch{MatchCriteria: ptrTo("IS_IN"), Protocol: ptrTo("PROTOCOL_" + protocolName(l.protocol))},
				},
			})
		}
	}
	objects = append(objects, Object{Kind: KindL4PolicySet, Name: vsName, Tenant: tenant, Body: policy})

	// The virtual service.
	protocols := map[corev1.Protocol]bool{}
	for _, l := range listeners {
		protocols[l.protocol] = true
	}
	base := baseNetworkProfile(protocols, cloud.TCPProxyLicensed())
	vs := &models.VirtualService{
		Name:                        ptrTo(vsName),
		TenantRef:                   ptrTo(tenantRef),
		CloudRef:                    ptrTo(cloudRef),
		CreatedBy:                   ptrTo(createdBy),
		SeGroupRef:                  ptrTo(RefByName(KindSEGroup, cloud.SEGroup)),
		VrfContextRef:               ptrTo(vrfRef),
		VsvipRef:                    ptrTo(RefByName(KindVsVip, vsName)),
		ApplicationProfileRef:       ptrTo(RefByName(KindApplicationProfile, applicationProfile(members))),
		NetworkProfileRef:           ptrTo(RefByName(KindNetworkProfile, base)),
		EastWestPlacement:           ptrTo(false),
		RemoveListeningPortOnVsDown: ptrTo(true),
		L4Policies:                  []*models.L4Policies{{Index: ptrTo(int32(0)), L4PolicySetRef: ptrTo(RefByName(KindL4PolicySet, vsName))}},
		Markers:                     Markers(cluster, Marker{"Namespace", []string{ns}}, Marker{"ServiceName", []string{serviceMarker(first, in.SharedKey)}}),
		ServiceMetadata:             ServiceMetadata{NamespaceServiceName: nsSvcNames, HostNames: fqdns}.JSON(),
	}
	if cloud.SEGroup == "" {
		vs.SeGroupRef = nil
	}
	if s.EnableRHI {
		vs.EnableRhi = ptrTo(true)
	}
	for _, svc := range members {
		if strings.EqualFold(svc.Annotations[AnnotationDisableTraffic], "true") {
			vs.TrafficEnabled = ptrTo(false)
		}
	}
	for _, l := range listeners {
		svc := &models.Service{Port: ptrTo(uint32(l.port)), PortRangeEnd: ptrTo(uint32(l.port))}
		if p := listenerNetworkProfile(l.protocol); p != "" && p != base {
			svc.OverrideNetworkProfileRef = ptrTo(RefByName(KindNetworkProfile, p))
		}
		vs.Services = append(vs.Services, svc)
	}
	objects = append(objects, Object{Kind: KindVirtualService, Name: vsName, Tenant: tenant, Body: vs})
	return L4Build{Tree: Tree{Key: key, Objects: objects}, FQDNs: fqdns}
}

func serviceMarker(first *corev1.Service, sharedKey string) string {
	if sharedKey != "" {
		return sharedKey
	}
	return first.Name
}

func healthMonitor(p corev1.Protocol) string {
	switch p {
	case corev1.ProtocolUDP:
		return "System-UDP"
	case corev1.ProtocolSCTP:
		return "System-SCTP"
	}
	return "System-TCP"
}

func applicationProfile(members []*corev1.Service) string {
	for _, svc := range members {
		if p := strings.TrimSpace(svc.Annotations[AnnotationApplicationProfile]); p != "" {
			return p
		}
	}
	return ProfileL4Application
}

// baseNetworkProfile is the VS network profile for a protocol mix: TCP decides when
// present (proxy only with an Enterprise license), else UDP, else SCTP.
func baseNetworkProfile(protocols map[corev1.Protocol]bool, tcpProxy bool) string {
	switch {
	case protocols[corev1.ProtocolTCP] && tcpProxy:
		return ProfileTCPProxy
	case protocols[corev1.ProtocolTCP]:
		return ProfileTCPFastPath
	case protocols[corev1.ProtocolUDP]:
		return ProfileUDPFastPath
	case protocols[corev1.ProtocolSCTP]:
		return ProfileSCTPProxy
	}
	return ProfileTCPFastPath
}

// listenerNetworkProfile is the profile a non-TCP listener needs when it differs from
// the VS profile (services[].override_network_profile_ref).
func listenerNetworkProfile(p corev1.Protocol) string {
	switch p {
	case corev1.ProtocolUDP:
		return ProfileUDPFastPath
	case corev1.ProtocolSCTP:
		return ProfileSCTPProxy
	}
	return "" // TCP listeners always use the base profile
}

// ServiceFQDNs are the DNS names of a Service VIP (ako-spec.md §4.7): the external-dns
// hostname annotation when set, else the automatic name from autoFQDN. None when
// autoFQDN is disabled or the cloud has no DNS profile.
func ServiceFQDNs(s settings.Settings, cloud Cloud, svc *corev1.Service) []string {
	if s.AutoFQDN == "disabled" {
		return nil
	}
	sub := cloud.Subdomain(s.DefaultDomain)
	if sub == "" {
		return nil
	}
	if v := strings.TrimSpace(svc.Annotations[AnnotationExternalDNS]); v != "" {
		var out []string
		for _, h := range strings.Split(v, ",") {
			if h = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(h), ".")); h != "" {
				out = append(out, h)
			}
		}
		return out
	}
	name := dnsLabel(svc.Name, "s")
	ns := dnsLabel(svc.Namespace, "n")
	if s.AutoFQDN == "flat" {
		label := name + "-" + ns
		if len(label) > 63 {
			label = strings.TrimRight(label[:63], "-")
		}
		return []string{label + "." + sub}
	}
	return []string{name + "." + ns + "." + sub}
}

// dnsLabel makes a Kubernetes name a valid RFC 1035 label: it must start with a letter,
// so a name starting otherwise gets prefix.
func dnsLabel(name, prefix string) string {
	if name == "" || name[0] < 'a' || name[0] > 'z' {
		name = prefix + name
	}
	if len(name) > 63 {
		name = strings.TrimRight(name[:63], "-")
	}
	return name
}
