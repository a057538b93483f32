package model

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	routev1 "github.com/openshift/api/route/v1"
	"github.com/vmware/alb-sdk/go/models"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

const shopHost = "shop.apps.example.com"

// shopShard is the shard VS of shopHost with LARGE.
func shopShard() string { return "c1--Shared-L7-" + strconv.Itoa(rtBucket(shopHost, 8)) }

func buildFor(t *testing.T, snap RouteSnapshot, r *routev1.Route) (Tree, []RouteDecision) {
	t.Helper()
	key, _, ok := RouteKey(r, snap.Settings, snap.Cloud)
	if !ok {
		t.Fatalf("Route %s/%s has no key", r.Namespace, r.Name)
	}
	tree, ds := BuildRouteTree(key, snap)
	checkTreeOrder(t, tree)
	return tree, ds
}

var ownedRef = regexp.MustCompile(`/api/(vsvip|pkiprofile|sslkeyandcertificate|pool|poolgroup|stringgroup|httppolicyset|l4policyset|vsdatascriptset|virtualservice)\?name=([^"]+)`)

// checkTreeOrder checks the Tree contract: each object references only objects listed
// before it (or system objects), names are unique per kind, and Tenant is set.
func checkTreeOrder(t *testing.T, tree Tree) {
	t.Helper()
	seen := map[string]bool{}
	for _, o := range tree.Objects {
		body, err := json.Marshal(o.Body)
		if err != nil {
			t.Fatalf("%s/%s: %v", o.Kind, o.Name, err)
		}
		for _, m := range ownedRef.FindAllStringSubmatch(string(body), -1) {
			ref := m[1] + "/" + m[2]
			if ref == string(o.Kind)+"/"+o.Name {
				continue
			}
			if !seen[ref] {
				t.Errorf("%s/%s references %s, which is not listed before it", o.Kind, o.Name, ref)
			}
		}
		id := string(o.Kind) + "/" + o.Name
		if seen[id] {
			t.Errorf("%s listed twice", id)
		}
		seen[id] = true
		if o.Tenant == "" {
			t.Errorf("%s has no tenant", id)
		}
		if !strings.Contains(string(body), `"name":"`+o.Name+`"`) {
			t.Errorf("%s: body name differs from object name", id)
		}
	}
}

func TestInsecureRoute(t *testing.T) {
	r := rtRoute("shop", "web", shopHost, "frontend", 0)
	snap := rtSnapshot(r)
	tree, ds := buildFor(t, snap, r)
	vs := shopShard()
	pool := "c1--shop.apps.example.com-shop-web-frontend"
	want := []string{"vsvip/" + vs, "pool/" + pool, "poolgroup/" + vs, "vsdatascriptset/" + vs, "virtualservice/" + vs}
	if got := rtNames(tree); !reflect.DeepEqual(got, want) {
		t.Fatalf("objects = %v\nwant %v", got, want)
	}
	if tree.Key != L7Key("admin", vs) {
		t.Errorf("key = %s", tree.Key)
	}

	parent := rtFind[*models.VirtualService](t, tree, KindVirtualService, vs)
	if rtDeref(parent.Type) != "VS_TYPE_VH_PARENT" || len(parent.Services) != 2 ||
		rtDeref(parent.Services[0].Port) != 80 || rtDeref(parent.Services[1].Port) != 443 || !rtDeref(parent.Services[1].EnableSsl) {
		t.Errorf("parent VS type/services wrong: %s", rtJSON(parent))
	}
	if rtDeref(parent.ApplicationProfileRef) != "/api/applicationprofile?name=System-HTTP" ||
		rtDeref(parent.NetworkProfileRef) != "/api/networkprofile?name=System-TCP-Proxy" ||
		rtDeref(parent.VsvipRef) != "/api/vsvip?name="+vs || rtDeref(parent.CreatedBy) != "ako-c1" ||
		len(parent.HTTPPolicies) != 0 || rtDeref(parent.VsDatascripts[0].VsDatascriptSetRef) != "/api/vsdatascriptset?name="+vs {
		t.Errorf("parent VS refs wrong: %s", rtJSON(parent))
	}
	if got := rtMarkers(parent.Markers); !reflect.DeepEqual(got, map[string][]string{"clustername": {"c1"}}) {
		t.Errorf("parent markers = %v", got)
	}

	vip := rtFind[*models.VsVip](t, tree, KindVsVip, vs)
	if got := rtFQDNs(vip); !reflect.DeepEqual(got, []string{vs + ".admin.apps.example.com", shopHost}) {
		t.Errorf("dns_info = %v", got)
	}
	if v := vip.Vip[0]; rtDeref(v.VipID) != "0" || !rtDeref(v.AutoAllocateIP) ||
		rtDeref(v.IPAMNetworkSubnet.NetworkRef) != "/api/network?name=vip-net" ||
		rtDeref(v.IPAMNetworkSubnet.Subnet.IPAddr.Addr) != "10.10.0.0" || rtDeref(v.IPAMNetworkSubnet.Subnet.Mask) != 24 {
		t.Errorf("vip = %s", rtJSON(v))
	}

	pg := rtFind[*models.PoolGroup](t, tree, KindPoolGroup, vs)
	if !rtDeref(pg.ImplicitPriorityLabels) || len(pg.Members) != 1 ||
		rtDeref(pg.Members[0].PoolRef) != "/api/pool?name="+pool || rtDeref(pg.Members[0].Ratio) != 100 ||
		rtDeref(pg.Members[0].PriorityLabel) != shopHost {
		t.Errorf("pool group = %s", rtJSON(pg))
	}
	p := rtFind[*models.Pool](t, tree, KindPool, pool)
	if len(p.Servers) != 1 || rtDeref(p.Servers[0].IP.Addr) != "10.1.0.1" || rtDeref(p.Servers[0].Port) != 8080 ||
		rtDeref(p.GracefulDisableTimeout) != 1 || p.HealthMonitorRefs[0] != "/api/healthmonitor?name=System-TCP" {
		t.Errorf("pool = %s", rtJSON(p))
	}
	wantMarkers := map[string][]string{"clustername": {"c1"}, "Namespace": {"shop"}, "Host": {shopHost}, "IngressName": {"web"}, "ServiceName": {"frontend"}}
	if got := rtMarkers(p.Markers); !reflect.DeepEqual(got, wantMarkers) {
		t.Errorf("pool markers = %v, want %v", got, wantMarkers)
	}
	var meta map[string]any
	if err := json.Unmarshal([]byte(rtDeref(p.ServiceMetadata)), &meta); err != nil || meta["ingress_name"] != "web" || meta["namespace"] != "shop" || meta["pool_ratio"] != float64(100) {
		t.Errorf("pool service_metadata = %s (%v)", rtDeref(p.ServiceMetadata), err)
	}
	ds0 := rtFind[*models.VSDataScriptSet](t, tree, KindDataScript, vs)
	if rtDeref(ds0.Datascript[0].Evt) != "VS_DATASCRIPT_EVT_HTTP_REQ" || !strings.Contains(rtDeref(ds0.Datascript[0].Script), `avi.poolgroup.select("`+vs+`"`) ||
		ds0.PoolGroupRefs[0] != "/api/poolgroup?name="+vs {
		t.Errorf("datascript = %s", rtJSON(ds0))
	}

	d := rtDecision(t, ds, "shop", "web")
	if !d.Admitted || d.Host != shopHost || d.VSName != vs || d.VsVipName != vs || d.Key != tree.Key {
		t.Errorf("decision = %+v", d)
	}
}

func TestInsecureRouteWithPathAndAlternateBackends(t *testing.T) {
	r := rtWithAlternates(rtWithPath(rtRoute("shop", "web", shopHost, "v1", 0), "/cart/api"), 30, rtAlt("v2", 70), rtAlt("v3", 0))
	tree, _ := buildFor(t, rtSnapshot(r), r)
	vs := shopShard()
	pg := rtFind[*models.PoolGroup](t, tree, KindPoolGroup, vs)
	got := map[string]uint32{}
	for _, m := range pg.Members {
		got[rtDeref(m.PoolRef)] = rtDeref(m.Ratio)
		if rtDeref(m.PriorityLabel) != shopHost+"/cart/api" {
			t.Errorf("priority label = %q", rtDeref(m.PriorityLabel))
		}
	}
	want := map[string]uint32{
		"/api/pool?name=c1--shop.apps.example.com_cart_api-shop-web-v1": 30,
		"/api/pool?name=c1--shop.apps.example.com_cart_api-shop-web-v2": 70,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("members = %v, want %v (weight 0 gets no pool)", got, want)
	}
	if rtHas(tree, KindPool, "c1--shop.apps.example.com_cart_api-shop-web-v3") {
		t.Error("weight-0 backend got a pool")
	}
	p := rtFind[*models.Pool](t, tree, KindPool, "c1--shop.apps.example.com_cart_api-shop-web-v2")
	if got := rtMarkers(p.Markers)["Path"]; !reflect.DeepEqual(got, []string{"/cart/api"}) {
		t.Errorf("Path marker = %v", got)
	}
}

func TestEdgeRouteInlineCertificate(t *testing.T) {
	leaf, ca := rtNewPEM(t, shopHost), rtNewPEM(t, "ca")
	r := rtWithTLS(rtWithPath(rtRoute("shop", "web", shopHost, "frontend", 0), "/app"), routev1.TLSConfig{
		Termination: routev1.TLSTerminationEdge, Certificate: leaf.cert, Key: leaf.key, CACertificate: ca.cert,
	})
	tree, ds := buildFor(t, rtSnapshot(r), r)
	vs := shopShard()
	child := "c1--" + shopHost
	pg := "c1--shop-shop.apps.example.com_app-web"
	pool := pg + "-frontend"
	policy := "c1--shop-" + shopHost
	want := []string{
		"vsvip/" + vs, "sslkeyandcertificate/" + child + "-cacert", "sslkeyandcertificate/" + child,
		"pool/" + pool, "poolgroup/" + vs, "poolgroup/" + pg, "httppolicyset/" + policy,
		"vsdatascriptset/" + vs, "virtualservice/" + vs, "virtualservice/" + child,
	}
	if got := rtNames(tree); !reflect.DeepEqual(got, want) {
		t.Fatalf("objects = %v\nwant %v", got, want)
	}
	sni := rtFind[*models.VirtualService](t, tree, KindVirtualService, child)
	if rtDeref(sni.Type) != "VS_TYPE_VH_CHILD" || rtDeref(sni.VhParentVsRef) != "/api/virtualservice?name="+vs ||
		!reflect.DeepEqual(sni.VhDomainName, []string{shopHost}) ||
		rtDeref(sni.ApplicationProfileRef) != "/api/applicationprofile?name=System-Secure-HTTP" ||
		!reflect.DeepEqual(sni.SslKeyAndCertificateRefs, []string{"/api/sslkeyandcertificate?name=" + child}) ||
		len(sni.HTTPPolicies) != 1 || rtDeref(sni.HTTPPolicies[0].Index) != 11 ||
		rtDeref(sni.HTTPPolicies[0].HTTPPolicySetRef) != "/api/httppolicyset?name="+policy || rtDeref(sni.IgnPoolNetReach) {
		t.Errorf("SNI child = %s", rtJSON(sni))
	}
	if got := rtMarkers(sni.Markers); !reflect.DeepEqual(got, map[string][]string{"clustername": {"c1"}, "Namespace": {"shop"}, "Host": {shopHost}}) {
		t.Errorf("SNI child markers = %v", got)
	}
	cert := rtFind[*models.SSLKeyAndCertificate](t, tree, KindSSLKeyCert, child)
	if rtDeref(cert.Type) != "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE" || rtDeref(cert.Certificate.Certificate) != leaf.cert ||
		rtDeref(cert.Key) != leaf.key || len(cert.CaCerts) != 1 || rtDeref(cert.CaCerts[0].CaRef) != "/api/sslkeyandcertificate?name="+child+"-cacert" {
		t.Errorf("certificate = type %s, ca %v", rtDeref(cert.Type), cert.CaCerts)
	}
	caObj := rtFind[*models.SSLKeyAndCertificate](t, tree, KindSSLKeyCert, child+"-cacert")
	if rtDeref(caObj.Type) != "SSL_CERTIFICATE_TYPE_CA" || caObj.Key != nil || rtDeref(caObj.Certificate.Certificate) != ca.cert {
		t.Errorf("CA certificate = %s", rtJSON(caObj))
	}
	set := rtFind[*models.HTTPPolicySet](t, tree, KindHTTPPolicySet, policy)
	rule := set.HTTPRequestPolicy.Rules[0]
	if rtDeref(rule.Name) != policy+"-0" || rtDeref(rule.SwitchingAction.Action) != "HTTP_SWITCHING_SELECT_POOLGROUP" ||
		rtDeref(rule.SwitchingAction.PoolGroupRef) != "/api/poolgroup?name="+pg ||
		rtDeref(rule.Match.Path.MatchCriteria) != "BEGINS_WITH" || rtDeref(rule.Match.Path.MatchCase) != "SENSITIVE" ||
		!reflect.DeepEqual(rule.Match.Path.MatchStr, []string{"/app"}) {
		t.Errorf("switching rule = %s", rtJSON(rule))
	}
	// Edge with policy None: nothing on port 80, no redirect, no insecure pool.
	parent := rtFind[*models.VirtualService](t, tree, KindVirtualService, vs)
	if len(parent.HTTPPolicies) != 0 || len(rtFind[*models.PoolGroup](t, tree, KindPoolGroup, vs).Members) != 0 {
		t.Errorf("edge/None Route put something on the parent: %s", rtJSON(parent))
	}
	if got := rtFQDNs(rtFind[*models.VsVip](t, tree, KindVsVip, vs)); !reflect.DeepEqual(got, []string{vs + ".admin.apps.example.com", shopHost}) {
		t.Errorf("dns_info = %v", got)
	}
	if d := rtDecision(t, ds, "shop", "web"); !d.Admitted || d.VSName != child || d.VsVipName != vs {
		t.Errorf("decision = %+v", d)
	}
}

func TestEdgeRedirectAndAllow(t *testing.T) {
	leaf := rtNewPEM(t, "x")
	redirectHost, allowHost := "r.apps.example.com", "a.apps.example.com"
	snap := rtSnapshot(
		rtWithTLS(rtRoute("ns", "redir", redirectHost, "svc", 0), routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: leaf.cert, Key: leaf.key, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyRedirect}),
		rtWithTLS(rtRoute("ns", "allow", allowHost, "svc", 1), routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: leaf.cert, Key: leaf.key, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyAllow}),
	)
	snap.Settings.ShardVSSize = "SMALL" // both hosts on one shard
	vs := "c1--Shared-L7-0"
	tree, ds := BuildRouteTree(L7Key("admin", vs), snap)
	checkTreeOrder(t, tree)

	parent := rtFind[*models.VirtualService](t, tree, KindVirtualService, vs)
	if len(parent.HTTPPolicies) != 1 || rtDeref(parent.HTTPPolicies[0].HTTPPolicySetRef) != "/api/httppolicyset?name="+vs || rtDeref(parent.HTTPPolicies[0].Index) != 11 {
		t.Fatalf("parent http_policies = %s", rtJSON(parent.HTTPPolicies))
	}
	redirect := rtFind[*models.HTTPPolicySet](t, tree, KindHTTPPolicySet, vs).HTTPRequestPolicy.Rules
	if len(redirect) != 1 || !reflect.DeepEqual(redirect[0].Match.HostHdr.Value, []string{redirectHost}) ||
		rtDeref(redirect[0].Match.HostHdr.MatchCriteria) != "HDR_EQUALS" || !reflect.DeepEqual(redirect[0].Match.VsPort.Ports, []int64{80}) ||
		rtDeref(redirect[0].RedirectAction.Protocol) != "HTTPS" || rtDeref(redirect[0].RedirectAction.Port) != 443 ||
		rtDeref(redirect[0].RedirectAction.StatusCode) != "HTTP_REDIRECT_STATUS_CODE_302" {
		t.Errorf("redirect rules = %s", rtJSON(redirect))
	}
	// Allow: SNI child and an insecure pool on the parent, marked insecureedgetermallow.
	insecure := "c1--a.apps.example.com-ns-allow-svc"
	pool := rtFind[*models.Pool](t, tree, KindPool, insecure)
	if !strings.Contains(rtDeref(pool.ServiceMetadata), `"insecureedgetermallow":true`) {
		t.Errorf("Allow pool service_metadata = %s", rtDeref(pool.ServiceMetadata))
	}
	if !rtHas(tree, KindVirtualService, "c1--"+allowHost) || !rtHas(tree, KindVirtualService, "c1--"+redirectHost) {
		t.Errorf("missing SNI children: %v", rtNames(tree))
	}
	if rtHas(tree, KindPool, "c1--r.apps.example.com-ns-redir-svc") {
		t.Error("Redirect Route got an insecure pool")
	}
	if d := rtDecision(t, ds, "ns", "allow"); !d.Admitted || d.VSName != "c1--"+allowHost {
		t.Errorf("decision = %+v", d)
	}
}

func TestEdgeRouteDefaultCertificate(t *testing.T) {
	rsa, ec := rtNewPEM(t, "default"), rtNewPEM(t, "default-ec")
	a := rtWithTLS(rtRoute("ns", "a", "a.apps.example.com", "svc", 0), routev1.TLSConfig{Termination: routev1.TLSTerminationEdge})
	b := rtWithTLS(rtRoute("ns", "b", "b.apps.example.com", "svc", 1), routev1.TLSConfig{Termination: routev1.TLSTerminationEdge})
	snap := rtSnapshot(a, b)
	snap.Settings.ShardVSSize = "SMALL"
	snap.DefaultCert = &corev1.Secret{Data: map[string][]byte{
		"tls.crt": []byte(rsa.cert), "tls.key": []byte(rsa.key), "alt.crt": []byte(ec.cert), "alt.key": []byte(ec.key),
	}}
	snap.DefaultCert.Namespace, snap.DefaultCert.Name = "avi-system", "router-certs-default"
	tree, _ := BuildRouteTree(L7Key("admin", "c1--Shared-L7-0"), snap)
	checkTreeOrder(t, tree)
	var certs []string
	for _, o := range tree.Objects {
		if o.Kind == KindSSLKeyCert {
			certs = append(certs, o.Name)
		}
	}
	if want := []string{"c1--router-certs-default", "c1--router-certs-default-alt"}; !reflect.DeepEqual(certs, want) {
		t.Errorf("certificates = %v, want %v (shared by both hosts)", certs, want)
	}
	for _, h := range []string{"a.apps.example.com", "b.apps.example.com"} {
		child := rtFind[*models.VirtualService](t, tree, KindVirtualService, "c1--"+h)
		want := []string{"/api/sslkeyandcertificate?name=c1--router-certs-default", "/api/sslkeyandcertificate?name=c1--router-certs-default-alt"}
		if !reflect.DeepEqual(child.SslKeyAndCertificateRefs, want) {
			t.Errorf("%s certificate refs = %v", h, child.SslKeyAndCertificateRefs)
		}
	}
	alt := rtFind[*models.SSLKeyAndCertificate](t, tree, KindSSLKeyCert, "c1--router-certs-default-alt")
	if rtDeref(alt.Certificate.Certificate) != ec.cert {
		t.Error("alt certificate is not alt.crt")
	}
	if got := rtMarkers(alt.Markers); !reflect.DeepEqual(got, map[string][]string{"clustername": {"c1"}}) {
		t.Errorf("default certificate markers = %v (no Host marker)", got)
	}
}

func TestReencryptRoute(t *testing.T) {
	leaf, dest := rtNewPEM(t, shopHost), rtNewPEM(t, "backend-ca")
	r := rtWithTLS(rtRoute("shop", "web", shopHost, "frontend", 0), routev1.TLSConfig{
		Termination: routev1.TLSTerminationReencrypt, Certificate: leaf.cert, Key: leaf.key, DestinationCACertificate: dest.cert,
	})
	tree, _ := buildFor(t, rtSnapshot(r), r)
	pool := "c1--shop-shop.apps.example.com-web-frontend"
	p := rtFind[*models.Pool](t, tree, KindPool, pool)
	if !rtDeref(p.SniEnabled) || rtDeref(p.SslProfileRef) != "/api/sslprofile?name=System-Standard" ||
		rtDeref(p.PkiProfileRef) != "/api/pkiprofile?name="+pool+"-pkiprofile" {
		t.Errorf("reencrypt pool = %s", rtJSON(p))
	}
	pki := rtFind[*models.PKIprofile](t, tree, KindPKIProfile, pool+"-pkiprofile")
	if rtDeref(pki.CrlCheck) || len(pki.CaCerts) != 1 || rtDeref(pki.CaCerts[0].Certificate) != dest.cert {
		t.Errorf("PKI profile = %s", rtJSON(pki))
	}
	if got := rtMarkers(pki.Markers)["Namespace"]; !reflect.DeepEqual(got, []string{"shop"}) {
		t.Errorf("PKI profile markers = %v", rtMarkers(pki.Markers))
	}
}

func TestSNIRulesLongestPathFirst(t *testing.T) {
	leaf := rtNewPEM(t, shopHost)
	tls := routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: leaf.cert, Key: leaf.key}
	routes := []*routev1.Route{
		rtWithTLS(rtRoute("shop", "root", shopHost, "svc", 0), tls),
		rtWithTLS(rtWithPath(rtRoute("shop", "a", shopHost, "svc", 1), "/a"), tls),
		rtWithTLS(rtWithPath(rtRoute("shop", "abc", shopHost, "svc", 2), "/a/bc"), tls),
		rtWithTLS(rtWithPath(rtRoute("shop", "b", shopHost, "svc", 3), "/b"), tls),
	}
	tree, ds := buildFor(t, rtSnapshot(routes...), routes[0])
	set := rtFind[*models.HTTPPolicySet](t, tree, KindHTTPPolicySet, "c1--shop-"+shopHost)
	var order []string
	for i, rule := range set.HTTPRequestPolicy.Rules {
		path := "-"
		if rule.Match != nil && rule.Match.Path != nil {
			path = rule.Match.Path.MatchStr[0]
		}
		order = append(order, path)
		if rtDeref(rule.Index) != int32(i) || rtDeref(rule.Name) != "c1--shop-"+shopHost+"-"+strconv.Itoa(i) {
			t.Errorf("rule %d named %q index %d", i, rtDeref(rule.Name), rtDeref(rule.Index))
		}
	}
	if want := []string{"/a/bc", "/a", "/b", "-"}; !reflect.DeepEqual(order, want) {
		t.Errorf("rule paths = %v, want %v", order, want)
	}
	if got := rtMarkers(set.Markers)["Path"]; !reflect.DeepEqual(got, []string{"/a", "/a/bc", "/b"}) {
		t.Errorf("policy Path markers = %v", got)
	}
	if len(ds) != 4 {
		t.Errorf("decisions = %+v", ds)
	}
	for _, d := range ds {
		if !d.Admitted {
			t.Errorf("%s rejected: %s", d.Name, d.Message)
		}
	}
}

func TestHostSharedAcrossNamespaces(t *testing.T) {
	leaf := rtNewPEM(t, shopHost)
	tls := routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: leaf.cert, Key: leaf.key}
	a := rtWithTLS(rtWithPath(rtRoute("team-b", "api", shopHost, "svc", 1), "/api"), tls)
	b := rtWithTLS(rtRoute("team-a", "web", shopHost, "svc", 0), tls)
	tree, ds := buildFor(t, rtSnapshot(a, b), a)
	child := rtFind[*models.VirtualService](t, tree, KindVirtualService, "c1--"+shopHost)
	var refs []string
	for _, p := range child.HTTPPolicies {
		refs = append(refs, strconv.Itoa(int(rtDeref(p.Index)))+":"+rtDeref(p.HTTPPolicySetRef))
	}
	want := []string{"11:/api/httppolicyset?name=c1--team-a-" + shopHost, "12:/api/httppolicyset?name=c1--team-b-" + shopHost}
	if !reflect.DeepEqual(refs, want) {
		t.Errorf("policies = %v, want %v", refs, want)
	}
	if !strings.Contains(rtDeref(child.ServiceMetadata), `"namespace_ingress_name":["team-a/web","team-b/api"]`) {
		t.Errorf("service_metadata = %s", rtDeref(child.ServiceMetadata))
	}
	for _, d := range ds {
		if !d.Admitted {
			t.Errorf("InterNamespaceAllowed rejected %s/%s: %s", d.Namespace, d.Name, d.Message)
		}
	}
}

func TestServicePortSelection(t *testing.T) {
	multi := func(ns, name string) *corev1.Service {
		return rtService(ns, name,
			corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP},
			corev1.ServicePort{Name: "metrics", Port: 9090, TargetPort: intstr.FromInt32(9091), Protocol: corev1.ProtocolTCP})
	}
	tests := []struct {
		name       string
		targetPort *routev1.RoutePort
		wantPort   int32
		wantReason string
	}{
		{"by name", &routev1.RoutePort{TargetPort: intstr.FromString("metrics")}, 9091, ""},
		{"by target port number", &routev1.RoutePort{TargetPort: intstr.FromInt32(8080)}, 8080, ""},
		{"by service port number", &routev1.RoutePort{TargetPort: intstr.FromInt32(9090)}, 9091, ""},
		{"unknown name", &routev1.RoutePort{TargetPort: intstr.FromString("grpc")}, 0, ReasonServicePortNotFound},
		{"no targetPort on a multi-port Service", nil, 0, ReasonServicePortNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rtRoute("ns", "r", shopHost, "svc", 0)
			r.Spec.Port = tt.targetPort
			snap := rtSnapshot(r)
			id := types.NamespacedName{Namespace: "ns", Name: "svc"}
			svc := multi("ns", "svc")
			snap.Services[id] = svc
			s1 := rtEndpointSlice(svc, "http", 8080, "10.2.0.1")
			s2 := rtEndpointSlice(svc, "metrics", 9091, "10.2.0.1")
			s2.Name = "svc-metrics"
			snap.EndpointSlices[id] = append(snap.EndpointSlices[id][:0], s1, s2)
			tree, ds := buildFor(t, snap, r)
			d := rtDecision(t, ds, "ns", "r")
			if tt.wantReason != "" {
				if d.Admitted || d.Reason != tt.wantReason || !strings.Contains(d.Message, "svc") {
					t.Errorf("decision = %+v, want reason %s", d, tt.wantReason)
				}
				if len(tree.Objects) != 0 {
					t.Errorf("rejected Route built objects: %v", rtNames(tree))
				}
				return
			}
			if !d.Admitted {
				t.Fatalf("rejected: %s", d.Message)
			}
			p := rtFind[*models.Pool](t, tree, KindPool, "c1--shop.apps.example.com-ns-r-svc")
			if len(p.Servers) != 1 || rtDeref(p.Servers[0].Port) != tt.wantPort {
				t.Errorf("servers = %s, want port %d", rtJSON(p.Servers), tt.wantPort)
			}
		})
	}
}

func TestNodePortModeServers(t *testing.T) {
	r := rtRoute("ns", "r", shopHost, "svc", 0)
	snap := rtSnapshot(r)
	snap.Settings.ServiceType = "NodePort"
	id := types.NamespacedName{Namespace: "ns", Name: "svc"}
	snap.Services[id].Spec.Type = corev1.ServiceTypeNodePort
	snap.Services[id].Spec.Ports[0].NodePort = 30080
	snap.Nodes = []corev1.Node{{Status: corev1.NodeStatus{Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "192.168.1.5"}}}}}
	snap.Nodes[0].Name = "n1"
	tree, _ := buildFor(t, snap, r)
	p := rtFind[*models.Pool](t, tree, KindPool, "c1--shop.apps.example.com-ns-r-svc")
	if len(p.Servers) != 1 || rtDeref(p.Servers[0].IP.Addr) != "192.168.1.5" || rtDeref(p.Servers[0].Port) != 30080 {
		t.Errorf("NodePort servers = %s", rtJSON(p.Servers))
	}
}

func TestAutoFQDNModes(t *testing.T) {
	r := rtRoute("ns", "r", shopHost, "svc", 0)
	vs := shopShard()
	for _, tt := range []struct {
		mode, tenant string
		domains      []string
		want         []string
	}{
		{"default", "admin", []string{"apps.example.com"}, []string{vs + ".admin.apps.example.com", shopHost}},
		{"flat", "admin", []string{"apps.example.com"}, []string{vs + "-admin.apps.example.com", shopHost}},
		{"disabled", "admin", []string{"apps.example.com"}, []string{shopHost}},
		{"default", "Team_One!", []string{"apps.example.com"}, []string{vs + ".Team-One.apps.example.com", shopHost}},
		{"default", "admin", nil, []string{shopHost}},
	} {
		snap := rtSnapshot(r)
		snap.Settings.AutoFQDN = tt.mode
		snap.Cloud.Tenant = tt.tenant
		snap.Cloud.DNSDomains = tt.domains
		key, _, _ := RouteKey(r, snap.Settings, snap.Cloud)
		tree, _ := BuildRouteTree(key, snap)
		if got := rtFQDNs(rtFind[*models.VsVip](t, tree, KindVsVip, vs)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s/%s/%v: dns_info = %v, want %v", tt.mode, tt.tenant, tt.domains, got, tt.want)
		}
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	leaf := rtNewPEM(t, "x")
	tls := routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: leaf.cert, Key: leaf.key, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyRedirect}
	var routes []*routev1.Route
	for i := 0; i < 12; i++ {
		h := "h" + strconv.Itoa(i) + ".apps.example.com"
		r := rtRoute("ns"+strconv.Itoa(i%3), "r"+strconv.Itoa(i), h, "svc", i)
		if i%2 == 0 {
			r = rtWithTLS(r, tls)
		}
		routes = append(routes, r)
	}
	snap := rtSnapshot(routes...)
	snap.Settings.ShardVSSize = "SMALL"
	key := L7Key("admin", "c1--Shared-L7-0")
	first, _ := BuildRouteTree(key, snap)
	reversed := append([]*routev1.Route(nil), routes...)
	for i, j := 0, len(reversed)-1; i < j; i, j = i+1, j-1 {
		reversed[i], reversed[j] = reversed[j], reversed[i]
	}
	snap.Routes = reversed
	second, _ := BuildRouteTree(key, snap)
	if rtJSON(first) != rtJSON(second) {
		t.Error("the same Routes in another order give another tree")
	}
}

func TestUnusedKeyGivesEmptyTree(t *testing.T) {
	r := rtRoute("ns", "r", shopHost, "svc", 0)
	snap := rtSnapshot(r)
	other := (rtBucket(shopHost, 8) + 1) % 8
	tree, ds := BuildRouteTree(L7Key("admin", "c1--Shared-L7-"+strconv.Itoa(other)), snap)
	if len(tree.Objects) != 0 || len(ds) != 0 {
		t.Errorf("unused shard has objects %v and decisions %v", rtNames(tree), ds)
	}
	// The Route's shard in another tenant (tenant changed) is empty too.
	tree, _ = BuildRouteTree(L7Key("other", shopShard()), snap)
	if len(tree.Objects) != 0 {
		t.Errorf("stale tenant key has objects %v", rtNames(tree))
	}
	if got := RouteKeys(snap); !reflect.DeepEqual(got, []Key{L7Key("admin", shopShard())}) {
		t.Errorf("RouteKeys = %v", got)
	}
}

func rtJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

func rtFQDNs(v *models.VsVip) []string {
	var out []string
	for _, d := range v.DNSInfo {
		out = append(out, rtDeref(d.Fqdn))
	}
	return out
}

func rtMarkers(ms []*models.RoleFilterMatchLabel) map[string][]string {
	out := map[string][]string{}
	for _, m := range ms {
		out[rtDeref(m.Key)] = m.Values
	}
	return out
}
