package model

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/vmware/alb-sdk/go/models"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/akoproject/ako/internal/settings"
)

func testSettings(t *testing.T, extra map[string]string) settings.Settings {
	t.Helper()
	data := map[string]string{
		settings.KeyControllerIP:   "10.0.0.10",
		settings.KeyClusterName:    "c1",
		settings.KeyVIPNetworkList: `[{"networkName":"vip-net","cidr":"10.10.0.0/24"}]`,
	}
	for k, v := range extra {
		data[k] = v
	}
	s, err := settings.Parse(data)
	if err != nil {
		t.Fatalf("settings: %v", err)
	}
	return s
}

var testCloud = Cloud{
	Name: "Default-Cloud", Tenant: "admin", VRF: "global", SEGroup: "Default-Group",
	DNSDomains:  []string{"avi.example.com"},
	VIPNetworks: []VIPNetwork{{Name: "vip-net", CIDR: "10.10.0.0/24"}},
	LicenseTier: "ENTERPRISE",
}

func lbService(ns, name string, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: map[string]string{}},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Ports: ports},
	}
}

func tcp(name string, port int32) corev1.ServicePort {
	return corev1.ServicePort{Name: name, Port: port, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(port + 8000), NodePort: 30000 + port}
}

func udp(name string, port int32) corev1.ServicePort {
	p := tcp(name, port)
	p.Protocol = corev1.ProtocolUDP
	return p
}

func sctp(name string, port int32) corev1.ServicePort {
	p := tcp(name, port)
	p.Protocol = corev1.ProtocolSCTP
	return p
}

func object[T any](t *testing.T, tree Tree, kind Kind, name string) T {
	t.Helper()
	for _, o := range tree.Objects {
		if o.Kind == kind && o.Name == name {
			return o.Body.(T)
		}
	}
	t.Fatalf("no %s %q in tree; have %v", kind, name, names(tree))
	var zero T
	return zero
}

func names(tree Tree) []string {
	var out []string
	for _, o := range tree.Objects {
		out = append(out, string(o.Kind)+"/"+o.Name)
	}
	return out
}

func markerMap(ms []*models.RoleFilterMatchLabel) map[string][]string {
	out := map[string][]string{}
	for _, m := range ms {
		out[*m.Key] = m.Values
	}
	return out
}

func TestBuildL4SingleServiceObjectsAndNames(t *testing.T) {
	s := testSettings(t, nil)
	svc := lbService("shop", "web", tcp("http", 80), tcp("https", 443))
	slices := map[string][]discoveryv1.EndpointSlice{"web": {slice(discoveryv1.AddressTypeIPv4,
		[]discoveryv1.EndpointPort{epPort("http", 8080), epPort("https", 8443)},
		endpoint("n1", true, false, "10.1.0.1"), endpoint("n2", true, false, "10.1.0.2"))}}
	b := BuildL4(L4Input{Settings: s, Cloud: testCloud, Services: []*corev1.Service{svc}, EndpointSlices: slices})
	if b.Err != nil {
		t.Fatal(b.Err)
	}
	if b.Tree.Key != "l4/admin/c1--shop-web" {
		t.Errorf("key %q", b.Tree.Key)
	}
	wantOrder := []string{"vsvip/c1--shop-web", "pool/c1--shop-web-TCP-80", "pool/c1--shop-web-TCP-443", "l4policyset/c1--shop-web", "virtualservice/c1--shop-web"}
	if got := names(b.Tree); !reflect.DeepEqual(got, wantOrder) {
		t.Fatalf("objects %v, want %v", got, wantOrder)
	}
	vs := object[*models.VirtualService](t, b.Tree, KindVirtualService, "c1--shop-web")
	if *vs.CreatedBy != "ako-c1" || *vs.CloudRef != "/api/cloud?name=Default-Cloud" || *vs.TenantRef != "/api/tenant?name=admin" {
		t.Errorf("vs refs: created_by %s cloud %s tenant %s", *vs.CreatedBy, *vs.CloudRef, *vs.TenantRef)
	}
	if *vs.NetworkProfileRef != "/api/networkprofile?name=System-TCP-Proxy" || *vs.ApplicationProfileRef != "/api/applicationprofile?name=System-L4-Application" {
		t.Errorf("profiles %s %s", *vs.NetworkProfileRef, *vs.ApplicationProfileRef)
	}
	if len(vs.Services) != 2 || *vs.Services[0].Port != 80 || *vs.Services[0].PortRangeEnd != 80 || *vs.Services[1].Port != 443 {
		t.Errorf("services %+v", vs.Services)
	}
	if *vs.VsvipRef != "/api/vsvip?name=c1--shop-web" || *vs.L4Policies[0].L4PolicySetRef != "/api/l4policyset?name=c1--shop-web" {
		t.Errorf("vs children refs")
	}
	if !*vs.RemoveListeningPortOnVsDown || vs.TrafficEnabled != nil {
		t.Errorf("remove_listening_port_on_vs_down / traffic_enabled")
	}
	if got := markerMap(vs.Markers); !reflect.DeepEqual(got, map[string][]string{"clustername": {"c1"}, "Namespace": {"shop"}, "ServiceName": {"web"}}) {
		t.Errorf("vs markers %v", got)
	}
	var meta map[string][]string
	if err := json.Unmarshal([]byte(*vs.ServiceMetadata), &meta); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(meta, map[string][]string{"namespace_svc_name": {"shop/web"}, "hostnames": {"web.shop.avi.example.com"}}) {
		t.Errorf("service_metadata %s", *vs.ServiceMetadata)
	}

	vip := object[*models.VsVip](t, b.Tree, KindVsVip, "c1--shop-web")
	if got := markerMap(vip.Markers); !reflect.DeepEqual(got, map[string][]string{"clustername": {"c1"}}) {
		t.Errorf("vsvip markers %v", got)
	}
	if len(vip.DNSInfo) != 1 || *vip.DNSInfo[0].Fqdn != "web.shop.avi.example.com" {
		t.Errorf("dns_info %+v", vip.DNSInfo)
	}
	v := vip.Vip[0]
	if *v.VipID != "0" || !*v.AutoAllocateIP || v.IPAddress != nil || *v.IPAMNetworkSubnet.NetworkRef != "/api/network?name=vip-net" ||
		*v.IPAMNetworkSubnet.Subnet.IPAddr.Addr != "10.10.0.0" || *v.IPAMNetworkSubnet.Subnet.Mask != 24 {
		t.Errorf("vip %+v", v)
	}

	pool := object[*models.Pool](t, b.Tree, KindPool, "c1--shop-web-TCP-443")
	if got := markerMap(pool.Markers); !reflect.DeepEqual(got, map[string][]string{"clustername": {"c1"}, "Namespace": {"shop"}, "ServiceName": {"web"}, "Port": {"443"}}) {
		t.Errorf("pool markers %v", got)
	}
	if len(pool.Servers) != 2 || *pool.Servers[0].IP.Addr != "10.1.0.1" || *pool.Servers[0].Port != 8443 ||
		*pool.Servers[0].ExternalUUID != "10.1.0.1:8443" || *pool.Servers[0].ServerNode != "n1" || !*pool.Servers[0].Enabled {
		t.Errorf("servers %+v", pool.Servers[0])
	}
	if *pool.GracefulDisableTimeout != 1 || pool.HealthMonitorRefs[0] != "/api/healthmonitor?name=System-TCP" || *pool.CreatedBy != "ako-c1" {
		t.Errorf("pool fields")
	}

	policy := object[*models.L4PolicySet](t, b.Tree, KindL4PolicySet, "c1--shop-web")
	r := policy.L4ConnectionPolicy.Rules[1]
	if *r.Name != "c1--shop-web-TCP-443" || *r.Index != 1 || *r.Action.SelectPool.ActionType != "L4_RULE_ACTION_SELECT_POOL" ||
		*r.Action.SelectPool.PoolRef != "/api/pool?name=c1--shop-web-TCP-443" || r.Match.Port.Ports[0] != 443 ||
		*r.Match.Port.MatchCriteria != "IS_IN" || *r.Match.Protocol.Protocol != "PROTOCOL_TCP" {
		t.Errorf("rule %+v", r)
	}
}

func TestBuildL4NetworkProfiles(t *testing.T) {
	s := testSettings(t, nil)
	tests := []struct {
		name      string
		ports     []corev1.ServicePort
		license   string
		base      string
		overrides []string // per listener; "" = none
	}{
		{"tcp enterprise", []corev1.ServicePort{tcp("a", 80)}, "ENTERPRISE", ProfileTCPProxy, []string{""}},
		{"tcp cloud services", []corev1.ServicePort{tcp("a", 80)}, "ENTERPRISE_WITH_CLOUD_SERVICES", ProfileTCPProxy, []string{""}},
		{"tcp essentials", []corev1.ServicePort{tcp("a", 80)}, "ESSENTIALS", ProfileTCPFastPath, []string{""}},
		{"udp only", []corev1.ServicePort{udp("a", 53)}, "ENTERPRISE", ProfileUDPFastPath, []string{""}},
		{"sctp only", []corev1.ServicePort{sctp("a", 9)}, "ENTERPRISE", ProfileSCTPProxy, []string{""}},
		{"tcp+udp+sctp", []corev1.ServicePort{tcp("a", 80), udp("b", 53), sctp("c", 9)}, "ENTERPRISE", ProfileTCPProxy, []string{"", ProfileUDPFastPath, ProfileSCTPProxy}},
		{"udp+sctp", []corev1.ServicePort{udp("b", 53), sctp("c", 9)}, "ENTERPRISE", ProfileUDPFastPath, []string{"", ProfileSCTPProxy}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cloud := testCloud
			cloud.LicenseTier = tc.license
			b := BuildL4(L4Input{Settings: s, Cloud: cloud, Services: []*corev1.Service{lbService("ns", "svc", tc.ports...)}})
			if b.Err != nil {
				t.Fatal(b.Err)
			}
			vs := object[*models.VirtualService](t, b.Tree, KindVirtualService, "c1--ns-svc")
			if *vs.NetworkProfileRef != RefByName(KindNetworkProfile, tc.base) {
				t.Errorf("base %s, want %s", *vs.NetworkProfileRef, tc.base)
			}
			for i, want := range tc.overrides {
				got := "<none>"
				if ref := vs.Services[i].OverrideNetworkProfileRef; ref != nil {
					got = *ref
				}
				if want == "" {
					want = "<none>"
				} else {
					want = RefByName(KindNetworkProfile, want)
				}
				if got != want {
					t.Errorf("listener %d override %q, want %q", i, got, want)
				}
			}
			for _, p := range tc.ports {
				name := L4PoolName("c1", "ns", "svc", "", p.Protocol, p.Port)
				pool := object[*models.Pool](t, b.Tree, KindPool, name)
				if hm := pool.HealthMonitorRefs[0]; hm != RefByName(KindHealthMonitor, healthMonitor(p.Protocol)) {
					t.Errorf("pool %s health monitor %s", name, hm)
				}
			}
		})
	}
}

func TestBuildL4StaticIP(t *testing.T) {
	s := testSettings(t, nil)
	tests := []struct {
		name       string
		specIP     string
		annotation string
		wantV4     string
		wantV6     string
		wantErr    string
	}{
		{name: "none"},
		{name: "spec v4", specIP: "10.10.0.50", wantV4: "10.10.0.50"},
		{name: "annotation v4", annotation: "10.10.0.51", wantV4: "10.10.0.51"},
		{name: "spec wins over annotation", specIP: "10.10.0.50", annotation: "10.10.0.51", wantV4: "10.10.0.50"},
		{name: "v6", specIP: "fd00::5", wantV6: "fd00::5"},
		{name: "unparseable spec", specIP: "10.10.0.300", wantErr: `Service ns/svc: spec.loadBalancerIP "10.10.0.300" is not an IP address`},
		{name: "unparseable annotation", annotation: "banana", wantErr: `annotation ako.vmware.com/load-balancer-ip "banana" is not an IP address`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc := lbService("ns", "svc", tcp("a", 80))
			svc.Spec.LoadBalancerIP = tc.specIP
			if tc.annotation != "" {
				svc.Annotations[AnnotationLoadBalancerIP] = tc.annotation
			}
			b := BuildL4(L4Input{Settings: s, Cloud: testCloud, Services: []*corev1.Service{svc}})
			if tc.wantErr != "" {
				if b.Err == nil || !strings.Contains(b.Err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", b.Err, tc.wantErr)
				}
				return
			}
			if b.Err != nil {
				t.Fatal(b.Err)
			}
			v := object[*models.VsVip](t, b.Tree, KindVsVip, "c1--ns-svc").Vip[0]
			if !*v.AutoAllocateIP {
				t.Error("auto_allocate_ip must stay true")
			}
			got4, got6 := "", ""
			if v.IPAddress != nil {
				got4 = *v.IPAddress.Addr
			}
			if v.Ip6Address != nil {
				got6 = *v.Ip6Address.Addr
			}
			if got4 != tc.wantV4 || got6 != tc.wantV6 {
				t.Errorf("ip %q/%q, want %q/%q", got4, got6, tc.wantV4, tc.wantV6)
			}
		})
	}
}

func TestServiceFQDNs(t *testing.T) {
	tests := []struct {
		name       string
		autoFQDN   string
		domains    []string
		svcName    string
		ns         string
		externalDN string
		want       []string
	}{
		{"default", "default", []string{"avi.example.com"}, "web", "shop", "", []string{"web.shop.avi.example.com"}},
		{"flat", "flat", []string{"avi.example.com"}, "web", "shop", "", []string{"web-shop.avi.example.com"}},
		{"disabled", "disabled", []string{"avi.example.com"}, "web", "shop", "", nil},
		{"no dns profile", "default", nil, "web", "shop", "", nil},
		{"rfc1035 prefixes", "default", []string{"avi.example.com"}, "1web", "2shop", "", []string{"s1web.n2shop.avi.example.com"}},
		{"flat shortened to 63", "flat", []string{"avi.example.com"}, strings.Repeat("a", 40), strings.Repeat("b", 40), "",
			[]string{strings.Repeat("a", 40) + "-" + strings.Repeat("b", 22) + ".avi.example.com"}},
		{"external-dns overrides", "default", []string{"avi.example.com"}, "web", "shop", "Shop.Example.com., b.example.com", []string{"shop.example.com", "b.example.com"}},
		{"external-dns ignored when disabled", "disabled", []string{"avi.example.com"}, "web", "shop", "x.example.com", nil},
		{"leading dot stripped, alphabetical first", "default", []string{".z.com", ".b.com"}, "web", "shop", "", []string{"web.shop.b.com"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := testSettings(t, map[string]string{settings.KeyAutoFQDN: tc.autoFQDN})
			svc := lbService(tc.ns, tc.svcName)
			if tc.externalDN != "" {
				svc.Annotations[AnnotationExternalDNS] = tc.externalDN
			}
			got := ServiceFQDNs(s, Cloud{DNSDomains: tc.domains}, svc)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestL4Scope(t *testing.T) {
	other := "example.com/other-lb"
	ours := LoadBalancerClass
	typo := "ako.vmware.com/avi-lbx"
	selected := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ns", Labels: map[string]string{"ako": "yes"}}}
	unselected := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "ns"}}
	tests := []struct {
		name     string
		extra    map[string]string
		mutate   func(*corev1.Service)
		ns       *corev1.Namespace
		accepted bool
		badInput bool
	}{
		{name: "plain LB accepted", accepted: true},
		{name: "ClusterIP refused", mutate: func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeClusterIP }},
		{name: "layer7Only refuses", extra: map[string]string{settings.KeyLayer7Only: "true"}},
		{name: "no class, defaultLBController false", extra: map[string]string{settings.KeyDefaultLBController: "false"}},
		{name: "our class accepted even without default", extra: map[string]string{settings.KeyDefaultLBController: "false"},
			mutate: func(s *corev1.Service) { s.Spec.LoadBalancerClass = &ours }, accepted: true},
		{name: "other class is not ours, not bad input", mutate: func(s *corev1.Service) { s.Spec.LoadBalancerClass = &other }},
		{name: "class in our domain we do not serve is bad input", mutate: func(s *corev1.Service) { s.Spec.LoadBalancerClass = &typo }, badInput: true},
		{name: "blocked namespace", extra: map[string]string{settings.KeyBlockedNamespaceList: `["ns"]`}},
		{name: "selector matches", extra: map[string]string{settings.KeyNSSyncLabelKey: "ako", settings.KeyNSSyncLabelValue: "yes"}, ns: selected, accepted: true},
		{name: "selector does not match", extra: map[string]string{settings.KeyNSSyncLabelKey: "ako", settings.KeyNSSyncLabelValue: "yes"}, ns: unselected},
		{name: "bad class in a namespace we do not serve is not our business", extra: map[string]string{settings.KeyBlockedNamespaceList: `["ns"]`},
			mutate: func(s *corev1.Service) { s.Spec.LoadBalancerClass = &typo }},
		{name: "being deleted", mutate: func(s *corev1.Service) { now := metav1.Now(); s.DeletionTimestamp = &now }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc := lbService("ns", "svc", tcp("a", 80))
			if tc.mutate != nil {
				tc.mutate(svc)
			}
			got := L4Scope(testSettings(t, tc.extra), svc, tc.ns)
			if got.Accepted != tc.accepted || got.BadInput != tc.badInput {
				t.Errorf("got %+v", got)
			}
			if !got.Accepted && got.Reason == "" {
				t.Error("a refusal needs a reason")
			}
		})
	}
}

func TestBuildL4SharedVIP(t *testing.T) {
	s := testSettings(t, nil)
	a := lbService("ns", "a", tcp("http", 80))
	b := lbService("ns", "b", udp("dns", 53))
	for _, svc := range []*corev1.Service{a, b} {
		svc.Annotations[AnnotationSharedVIP] = "shared1"
	}
	res := BuildL4(L4Input{Settings: s, Cloud: testCloud, Services: []*corev1.Service{b, a}, SharedKey: "shared1"})
	if res.Err != nil || len(res.Warnings) > 0 {
		t.Fatal(res.Err, res.Warnings)
	}
	want := []string{"vsvip/c1--ns-shared1", "pool/c1--ns-a-shared1-TCP-80", "pool/c1--ns-b-shared1-UDP-53", "l4policyset/c1--ns-shared1", "virtualservice/c1--ns-shared1"}
	if got := names(res.Tree); !reflect.DeepEqual(got, want) {
		t.Fatalf("objects %v, want %v", got, want)
	}
	vs := object[*models.VirtualService](t, res.Tree, KindVirtualService, "c1--ns-shared1")
	if !strings.Contains(*vs.ServiceMetadata, `"namespace_svc_name":["ns/a","ns/b"]`) {
		t.Errorf("service_metadata %s", *vs.ServiceMetadata)
	}
	if len(res.FQDNs) != 2 {
		t.Errorf("fqdns %v", res.FQDNs)
	}

	// Members that disagree on the VIP remove the shared VS and say why.
	a.Spec.LoadBalancerIP = "10.10.0.5"
	res = BuildL4(L4Input{Settings: s, Cloud: testCloud, Services: []*corev1.Service{a, b}, SharedKey: "shared1"})
	if res.Err != nil || len(res.Tree.Objects) != 0 || res.Tree.Key != "l4/admin/c1--ns-shared1" || len(res.Warnings) != 1 ||
		!strings.Contains(res.Warnings[0], "different load balancer IPs") {
		t.Fatalf("disagreement: %+v", res)
	}
}

func TestBuildL4NodePortModeAndAnnotations(t *testing.T) {
	s := testSettings(t, map[string]string{settings.KeyServiceType: "NodePort", settings.KeyNodeKey: "lb", settings.KeyNodeValue: "yes"})
	svc := lbService("ns", "svc", tcp("http", 80))
	svc.Annotations[AnnotationDisableTraffic] = "true"
	svc.Annotations[AnnotationApplicationProfile] = "my-l4-app"
	nodes := []corev1.Node{node("a", map[string]string{"lb": "yes"}, internal("192.168.0.1")), node("b", nil, internal("192.168.0.2"))}
	res := BuildL4(L4Input{Settings: s, Cloud: testCloud, Services: []*corev1.Service{svc}, Nodes: nodes})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	pool := object[*models.Pool](t, res.Tree, KindPool, "c1--ns-svc-TCP-80")
	if len(pool.Servers) != 1 || *pool.Servers[0].IP.Addr != "192.168.0.1" || *pool.Servers[0].Port != 30080 {
		t.Errorf("servers %+v", pool.Servers)
	}
	vs := object[*models.VirtualService](t, res.Tree, KindVirtualService, "c1--ns-svc")
	if vs.TrafficEnabled == nil || *vs.TrafficEnabled || *vs.ApplicationProfileRef != "/api/applicationprofile?name=my-l4-app" {
		t.Errorf("annotations not applied")
	}
}

func TestBuildL4NameTooLong(t *testing.T) {
	s := testSettings(t, nil)
	res := BuildL4(L4Input{Settings: s, Cloud: testCloud, Services: []*corev1.Service{lbService("ns", strings.Repeat("x", 260), tcp("a", 80))}})
	if res.Err == nil || !strings.Contains(res.Err.Error(), "longer than 255") {
		t.Fatalf("err %v", res.Err)
	}
}
