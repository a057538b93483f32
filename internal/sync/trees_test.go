package sync

import (
	"math/big"
	"testing"

	"github.com/vmware/alb-sdk/go/models"

	"github.com/akoproject/ako/internal/model"
	"github.com/akoproject/ako/test/testcert"
)

// Realistic trees, written the way internal/model writes them (refs by name).

const (
	testCluster = "c1"
	testCloud   = "Default-Cloud"
	tenantRef   = "/api/tenant/?name=admin"
	cloudRef    = "/api/cloud/?name=Default-Cloud"
)

func ref(kind, name string) *string { return ptr("/api/" + kind + "/?name=" + name) }

func markers(kv ...string) []*models.RoleFilterMatchLabel {
	m := []*models.RoleFilterMatchLabel{{Key: ptr("clustername"), Values: []string{testCluster}}}
	for i := 0; i+1 < len(kv); i += 2 {
		m = append(m, &models.RoleFilterMatchLabel{Key: ptr(kv[i]), Values: []string{kv[i+1]}})
	}
	return m
}

func vsvipObj(name string, fqdns ...string) model.Object {
	v := &models.VsVip{
		Name: ptr(name), TenantRef: ptr(tenantRef), CloudRef: ptr(cloudRef),
		VrfContextRef: ref("vrfcontext", "global"), EastWestPlacement: ptr(false),
		Markers: markers(),
		Vip: []*models.Vip{{
			VipID: ptr("0"), AutoAllocateIP: ptr(true),
			IPAMNetworkSubnet: &models.IPNetworkSubnet{NetworkRef: ref("network", "vip-net")},
		}},
	}
	for _, f := range fqdns {
		v.DNSInfo = append(v.DNSInfo, &models.DNSInfo{Fqdn: ptr(f)})
	}
	return model.Object{Kind: model.KindVsVip, Name: name, Tenant: "admin", Body: v}
}

func poolObj(name string, port int32, ips ...string) model.Object {
	p := &models.Pool{
		Name: ptr(name), TenantRef: ptr(tenantRef), CloudRef: ptr(cloudRef), CreatedBy: ptr("ako-" + testCluster),
		VrfRef: ref("vrfcontext", "global"), Markers: markers("ServiceName", "svc"),
		HealthMonitorRefs:      []string{"/api/healthmonitor/?name=System-TCP"},
		ServiceMetadata:        ptr(`{"namespace_svc_name":["ns/svc"]}`),
		GracefulDisableTimeout: ptr(int32(1)),
	}
	for _, ip := range ips {
		p.Servers = append(p.Servers, &models.Server{
			IP: &models.IPAddr{Addr: ptr(ip), Type: ptr("V4")}, Port: ptr(port), Enabled: ptr(true),
		})
	}
	return model.Object{Kind: model.KindPool, Name: name, Tenant: "admin", Body: p}
}

// l4Tree is a LoadBalancer Service: VsVip, one pool per port, L4PolicySet, VS.
func l4Tree(svc string, ports ...int32) model.Tree {
	name := testCluster + "--ns-" + svc
	key := model.Key("l4/admin/" + name)
	objs := []model.Object{vsvipObj(name, svc+".ns.avi.internal")}
	l4 := &models.L4PolicySet{Name: ptr(name), TenantRef: ptr(tenantRef), CreatedBy: ptr("ako-" + testCluster),
		Markers: markers("ServiceName", svc), L4ConnectionPolicy: &models.L4ConnectionPolicy{}}
	vs := &models.VirtualService{
		Name: ptr(name), TenantRef: ptr(tenantRef), CloudRef: ptr(cloudRef), CreatedBy: ptr("ako-" + testCluster),
		VsvipRef: ref("vsvip", name), ApplicationProfileRef: ref("applicationprofile", "System-L4-Application"),
		NetworkProfileRef: ref("networkprofile", "System-TCP-Proxy"), SeGroupRef: ref("serviceenginegroup", "Default-Group"),
		VrfContextRef: ref("vrfcontext", "global"), TrafficEnabled: ptr(true), Enabled: ptr(true),
		ServiceMetadata: ptr(`{"namespace_svc_name":["ns/` + svc + `"]}`), Markers: markers("ServiceName", svc),
		L4Policies: []*models.L4Policies{{Index: ptr(int32(0)), L4PolicySetRef: ref("l4policyset", name)}},
	}
	for i, port := range ports {
		pname := name + "-TCP-" + itoa(int(port))
		objs = append(objs, poolObj(pname, 30000+port, "10.1.0.1", "10.1.0.2"))
		l4.L4ConnectionPolicy.Rules = append(l4.L4ConnectionPolicy.Rules, &models.L4Rule{
			Name: ptr(pname), Index: ptr(int32(i)), Enable: ptr(true),
			Action: &models.L4RuleAction{SelectPool: &models.L4RuleActionSelectPool{
				ActionType: ptr("L4_RULE_ACTION_SELECT_POOL"), PoolRef: ref("pool", pname)}},
			Match: &models.L4RuleMatchTarget{
				Port:     &models.L4RulePortMatch{MatchCriteria: ptr("IS_IN"), Ports: []int64{int64(port)}},
				Protocol: &models.L4RuleProtocolMatch{MatchCriteria: ptr("IS_IN"), Protocol: ptr("PROTOCOL_TCP")},
			},
		})
		vs.Services = append(vs.Services, &models.Service{Port: ptr(uint32(port)), PortRangeEnd: ptr(uint32(port))})
	}
	objs = append(objs, model.Object{Kind: model.KindL4PolicySet, Name: name, Tenant: "admin", Body: l4},
		model.Object{Kind: model.KindVirtualService, Name: name, Tenant: "admin", Body: vs})
	return model.Tree{Key: key, Objects: objs}
}

// testCert is a self-signed certificate and key for host.
func testCert(t testing.TB, host string) (certPEM, keyPEM string) {
	t.Helper()
	p := testcert.New(t, host)
	return p.CertPEM, p.KeyPEM
}

func certObj(name, certPEM, keyPEM string) model.Object {
	return model.Object{Kind: model.KindSSLKeyCert, Name: name, Tenant: "admin", Body: &models.SSLKeyAndCertificate{
		Name: ptr(name), TenantRef: ptr(tenantRef), CreatedBy: ptr("ako-" + testCluster),
		Type:        ptr("SSL_CERTIFICATE_TYPE_VIRTUALSERVICE"),
		Certificate: &models.SSLCertificate{Certificate: ptr(certPEM)}, Key: ptr(keyPEM), Markers: markers(),
	}}
}

// pgPolicy is a pool group over one pool and an HTTPPolicySet sending host/path to it.
func pgPolicy(name, host, path string) (model.Object, model.Object) {
	pg := model.Object{Kind: model.KindPoolGroup, Name: name, Tenant: "admin", Body: &models.PoolGroup{
		Name: ptr(name), TenantRef: ptr(tenantRef), CloudRef: ptr(cloudRef), CreatedBy: ptr("ako-" + testCluster),
		Markers: markers(), Members: []*models.PoolGroupMember{{PoolRef: ref("pool", name), Ratio: ptr(uint32(100))}},
	}}
	hp := model.Object{Kind: model.KindHTTPPolicySet, Name: name, Tenant: "admin", Body: &models.HTTPPolicySet{
		Name: ptr(name), TenantRef: ptr(tenantRef), CreatedBy: ptr("ako-" + testCluster), Markers: markers(),
		HTTPRequestPolicy: &models.HTTPRequestPolicy{Rules: []*models.HTTPRequestRule{{
			Name: ptr(name), Index: ptr(int32(0)), Enable: ptr(true),
			Match: &models.MatchTarget{
				HostHdr: &models.HostHdrMatch{MatchCriteria: ptr("HDR_EQUALS"), Value: []string{host}},
				Path:    &models.PathMatch{MatchCriteria: ptr("BEGINS_WITH"), MatchStr: []string{path}},
			},
			SwitchingAction: &models.HttpswitchingAction{Action: ptr("HTTP_SWITCHING_SELECT_POOLGROUP"), PoolGroupRef: ref("poolgroup", name)},
		}}},
	}}
	return pg, hp
}

// l7Tree is one Route shard: VsVip with every FQDN, insecure host pool/PG/policy on the
// parent VS, and one SNI child with its certificate, pool, PG and policy. sharedCert, when
// set, is a certificate every shard also attaches (like a default certificate).
func l7Tree(t testing.TB, shard int, sharedCert *model.Object) model.Tree {
	parent := testCluster + "--Shared-L7-" + itoa(shard)
	insecureHost := "web" + itoa(shard) + ".example.com"
	secureHost := "secure" + itoa(shard) + ".example.com"
	objs := []model.Object{vsvipObj(parent, insecureHost, secureHost)}
	var parentCerts []string
	if sharedCert != nil {
		objs = append(objs, *sharedCert)
		parentCerts = append(parentCerts, "/api/sslkeyandcertificate/?name="+sharedCert.Name)
	}
	insecure := testCluster + "--" + insecureHost + "_-ns-web"
	objs = append(objs, poolObj(insecure, 8080, "10.2.0.1"))
	pg, hp := pgPolicy(insecure, insecureHost, "/")
	objs = append(objs, pg, hp)

	child := testCluster + "--" + secureHost
	certPEM, keyPEM := testCert(t, secureHost)
	childCert := certObj(child, certPEM, keyPEM)
	secure := testCluster + "--" + secureHost + "_-ns-secure"
	objs = append(objs, childCert, poolObj(secure, 8443, "10.2.0.2"))
	cpg, chp := pgPolicy(secure, secureHost, "/")
	objs = append(objs, cpg, chp)

	parentVS := &models.VirtualService{
		Name: ptr(parent), TenantRef: ptr(tenantRef), CloudRef: ptr(cloudRef), CreatedBy: ptr("ako-" + testCluster),
		Type: ptr("VS_TYPE_VH_PARENT"), VsvipRef: ref("vsvip", parent),
		ApplicationProfileRef: ref("applicationprofile", "System-Secure-HTTP"),
		NetworkProfileRef:     ref("networkprofile", "System-TCP-Proxy"), SeGroupRef: ref("serviceenginegroup", "Default-Group"),
		VrfContextRef: ref("vrfcontext", "global"), Markers: markers(),
		Services:                 []*models.Service{{Port: ptr(uint32(80))}, {Port: ptr(uint32(443)), EnableSsl: ptr(true)}},
		HTTPPolicies:             []*models.HTTPPolicies{{Index: ptr(int32(11)), HTTPPolicySetRef: ref("httppolicyset", insecure)}},
		SslKeyAndCertificateRefs: parentCerts,
	}
	childVS := &models.VirtualService{
		Name: ptr(child), TenantRef: ptr(tenantRef), CloudRef: ptr(cloudRef), CreatedBy: ptr("ako-" + testCluster),
		Type: ptr("VS_TYPE_VH_CHILD"), VhParentVsRef: ref("virtualservice", parent), VhDomainName: []string{secureHost},
		ApplicationProfileRef: ref("applicationprofile", "System-Secure-HTTP"), SeGroupRef: ref("serviceenginegroup", "Default-Group"),
		VrfContextRef: ref("vrfcontext", "global"), Markers: markers("Host", secureHost),
		SslKeyAndCertificateRefs: []string{"/api/sslkeyandcertificate/?name=" + child},
		HTTPPolicies:             []*models.HTTPPolicies{{Index: ptr(int32(11)), HTTPPolicySetRef: ref("httppolicyset", secure)}},
	}
	objs = append(objs,
		model.Object{Kind: model.KindVirtualService, Name: parent, Tenant: "admin", Body: parentVS},
		model.Object{Kind: model.KindVirtualService, Name: child, Tenant: "admin", Body: childVS})
	return model.Tree{Key: model.Key("l7/admin/" + parent), Objects: objs}
}

func itoa(i int) string { return big.NewInt(int64(i)).String() }
