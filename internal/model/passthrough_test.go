package model

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	routev1 "github.com/openshift/api/route/v1"
	"github.com/vmware/alb-sdk/go/models"
)

func TestPassthroughRoute(t *testing.T) {
	plain := rtWithTLS(rtWithAlternates(rtRoute("db", "pg", "pg.apps.example.com", "primary", 0), 80, rtAlt("replica", 20)),
		routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough})
	redirect := rtWithTLS(rtRoute("web", "site", "site.apps.example.com", "nginx", 1),
		routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyRedirect})
	snap := rtSnapshot(plain, redirect)
	vs := "c1--Shared-Passthrough-0"
	key := PassthroughKey("admin", vs)
	tree, ds := BuildRouteTree(key, snap)
	checkTreeOrder(t, tree)
	want := []string{
		"vsvip/" + vs,
		"pool/c1--pg.apps.example.com-primary", "pool/c1--pg.apps.example.com-replica", "pool/c1--site.apps.example.com-nginx",
		"poolgroup/c1--pg.apps.example.com", "poolgroup/c1--site.apps.example.com",
		"httppolicyset/" + vs + "-insecure",
		"vsdatascriptset/" + vs,
		"virtualservice/" + vs, "virtualservice/" + vs + "-insecure",
	}
	if got := rtNames(tree); !reflect.DeepEqual(got, want) {
		t.Fatalf("objects = %v\nwant %v", got, want)
	}
	secure := rtFind[*models.VirtualService](t, tree, KindVirtualService, vs)
	if len(secure.Services) != 1 || rtDeref(secure.Services[0].Port) != 443 || rtDeref(secure.Services[0].EnableSsl) ||
		rtDeref(secure.ApplicationProfileRef) != "/api/applicationprofile?name=System-L4-Application" ||
		rtDeref(secure.NetworkProfileRef) != "/api/networkprofile?name=System-TCP-Proxy" ||
		!rtDeref(secure.RemoveListeningPortOnVsDown) || rtDeref(secure.VsvipRef) != "/api/vsvip?name="+vs {
		t.Errorf("passthrough VS = %s", rtJSON(secure))
	}
	if !strings.Contains(rtDeref(secure.ServiceMetadata), `"passthrough_child_ref":"`+vs+`-insecure"`) {
		t.Errorf("service_metadata = %s", rtDeref(secure.ServiceMetadata))
	}
	insecure := rtFind[*models.VirtualService](t, tree, KindVirtualService, vs+"-insecure")
	if len(insecure.Services) != 1 || rtDeref(insecure.Services[0].Port) != 80 ||
		rtDeref(insecure.ApplicationProfileRef) != "/api/applicationprofile?name=System-HTTP" ||
		rtDeref(insecure.VsvipRef) != "/api/vsvip?name="+vs ||
		rtDeref(insecure.HTTPPolicies[0].HTTPPolicySetRef) != "/api/httppolicyset?name="+vs+"-insecure" ||
		!strings.Contains(rtDeref(insecure.ServiceMetadata), `"passthrough_parent_ref":"`+vs+`"`) {
		t.Errorf("insecure VS = %s", rtJSON(insecure))
	}
	rules := rtFind[*models.HTTPPolicySet](t, tree, KindHTTPPolicySet, vs+"-insecure").HTTPRequestPolicy.Rules
	if !reflect.DeepEqual(rules[0].Match.HostHdr.Value, []string{"site.apps.example.com"}) || rtDeref(rules[0].RedirectAction.Port) != 443 {
		t.Errorf("redirect = %s", rtJSON(rules))
	}
	ds0 := rtFind[*models.VSDataScriptSet](t, tree, KindDataScript, vs)
	if rtDeref(ds0.Datascript[0].Evt) != "VS_DATASCRIPT_EVT_L4_REQUEST" ||
		!reflect.DeepEqual(ds0.ProtocolParserRefs, []string{"/api/protocolparser?name=Default-TLS"}) ||
		!reflect.DeepEqual(ds0.PoolGroupRefs, []string{"/api/poolgroup?name=c1--pg.apps.example.com", "/api/poolgroup?name=c1--site.apps.example.com"}) ||
		!strings.Contains(rtDeref(ds0.Datascript[0].Script), `avi.poolgroup.select("c1--"`) {
		t.Errorf("datascript = %s", rtJSON(ds0))
	}
	pg := rtFind[*models.PoolGroup](t, tree, KindPoolGroup, "c1--pg.apps.example.com")
	if len(pg.Members) != 2 || rtDeref(pg.Members[0].Ratio) != 80 || rtDeref(pg.Members[1].Ratio) != 20 {
		t.Errorf("pool group = %s", rtJSON(pg))
	}
	if got := rtMarkers(pg.Markers); !reflect.DeepEqual(got, map[string][]string{"clustername": {"c1"}, "Host": {"pg.apps.example.com"}}) {
		t.Errorf("pool group markers = %v", got)
	}
	pool := rtFind[*models.Pool](t, tree, KindPool, "c1--pg.apps.example.com-replica")
	if got := rtMarkers(pool.Markers); !reflect.DeepEqual(got, map[string][]string{"clustername": {"c1"}, "Host": {"pg.apps.example.com"}, "ServiceName": {"replica"}}) {
		t.Errorf("pool markers = %v", got)
	}
	if got := rtFQDNs(rtFind[*models.VsVip](t, tree, KindVsVip, vs)); !reflect.DeepEqual(got, []string{"pg.apps.example.com", "site.apps.example.com"}) {
		t.Errorf("dns_info = %v (no automatic FQDN on passthrough VSes)", got)
	}
	for _, d := range ds {
		if !d.Admitted || d.VSName != vs || d.VsVipName != vs || d.Key != key {
			t.Errorf("decision = %+v", d)
		}
	}
}

func TestPassthroughWithoutRedirectHasNoInsecureVS(t *testing.T) {
	r := rtWithTLS(rtRoute("db", "pg", "pg.apps.example.com", "primary", 0), routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough})
	tree, _ := buildFor(t, rtSnapshot(r), r)
	if rtHas(tree, KindVirtualService, "c1--Shared-Passthrough-0-insecure") || rtHas(tree, KindHTTPPolicySet, "c1--Shared-Passthrough-0-insecure") {
		t.Errorf("insecure VS without Redirect: %v", rtNames(tree))
	}
}

func TestPassthroughShardsFollowPassthroughShardSize(t *testing.T) {
	var routes []*routev1.Route
	for i := 0; i < 10; i++ {
		routes = append(routes, rtWithTLS(rtRoute("ns", "r"+strconv.Itoa(i), "h"+strconv.Itoa(i)+".apps.example.com", "svc", i),
			routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough}))
	}
	snap := rtSnapshot(routes...)
	snap.Settings.PassthroughShardSize = "MEDIUM"
	total := 0
	for n := 0; n < 4; n++ {
		tree, ds := BuildRouteTree(PassthroughKey("admin", "c1--Shared-Passthrough-"+strconv.Itoa(n)), snap)
		for _, d := range ds {
			if got := rtBucket(d.Host, 4); got != n {
				t.Errorf("%s on passthrough shard %d, FNV says %d", d.Host, n, got)
			}
			total++
		}
		if len(ds) == 0 && len(tree.Objects) != 0 {
			t.Errorf("shard %d without Routes has objects", n)
		}
	}
	if total != 10 {
		t.Errorf("%d Routes placed, want 10", total)
	}
}

func TestDedicatedRoutes(t *testing.T) {
	leaf := rtNewPEM(t, shopHost)
	edge := rtWithTLS(rtWithPath(rtRoute("shop", "secure", shopHost, "api", 0), "/api"), routev1.TLSConfig{
		Termination: routev1.TLSTerminationEdge, Certificate: leaf.cert, Key: leaf.key, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyRedirect,
	})
	plain := rtRoute("shop", "plain", shopHost, "web", 1)
	snap := rtSnapshot(edge, plain)
	snap.Settings.ShardVSSize = "DEDICATED"
	vs := "c1--" + shopHost + "-L7-dedicated"
	tree, ds := buildFor(t, snap, edge)
	if tree.Key != L7Key("admin", vs) {
		t.Fatalf("key = %s", tree.Key)
	}
	policy := "c1--shop-" + shopHost
	want := []string{
		"vsvip/" + vs, "sslkeyandcertificate/c1--" + shopHost,
		"pool/c1--shop-shop.apps.example.com_api-secure-api-L7-dedicated", "pool/c1--shop-shop.apps.example.com-plain-web-L7-dedicated",
		"poolgroup/c1--shop-shop.apps.example.com_api-secure-L7-dedicated", "poolgroup/c1--shop-shop.apps.example.com-plain-L7-dedicated",
		"httppolicyset/" + vs, "httppolicyset/" + policy,
		"virtualservice/" + vs,
	}
	if got := rtNames(tree); !reflect.DeepEqual(got, want) {
		t.Fatalf("objects = %v\nwant %v", got, want)
	}
	v := rtFind[*models.VirtualService](t, tree, KindVirtualService, vs)
	if rtDeref(v.Type) != "VS_TYPE_NORMAL" || len(v.Services) != 2 || !rtDeref(v.Services[1].EnableSsl) ||
		rtDeref(v.ApplicationProfileRef) != "/api/applicationprofile?name=System-Secure-HTTP" ||
		!reflect.DeepEqual(v.SslKeyAndCertificateRefs, []string{"/api/sslkeyandcertificate?name=c1--" + shopHost}) {
		t.Errorf("dedicated VS = %s", rtJSON(v))
	}
	var refs []string
	for _, p := range v.HTTPPolicies {
		refs = append(refs, strconv.Itoa(int(rtDeref(p.Index)))+":"+rtDeref(p.HTTPPolicySetRef))
	}
	if want := []string{"11:/api/httppolicyset?name=" + vs, "12:/api/httppolicyset?name=" + policy}; !reflect.DeepEqual(refs, want) {
		t.Errorf("policies = %v, want %v (redirect first)", refs, want)
	}
	rules := rtFind[*models.HTTPPolicySet](t, tree, KindHTTPPolicySet, policy).HTTPRequestPolicy.Rules
	// /api (edge, Redirect) only on 443; the path-less insecure Route only on 80.
	if len(rules) != 2 || rules[0].Match.Path.MatchStr[0] != "/api" || !reflect.DeepEqual(rules[0].Match.VsPort.Ports, []int64{443}) ||
		rules[1].Match.Path != nil || !reflect.DeepEqual(rules[1].Match.VsPort.Ports, []int64{80}) {
		t.Errorf("rules = %s", rtJSON(rules))
	}
	if got := rtFQDNs(rtFind[*models.VsVip](t, tree, KindVsVip, vs)); !reflect.DeepEqual(got, []string{shopHost}) {
		t.Errorf("dns_info = %v", got)
	}
	for _, d := range ds {
		if !d.Admitted || d.VSName != vs || d.VsVipName != vs {
			t.Errorf("decision = %+v", d)
		}
	}
}

func TestDedicatedInsecureOnly(t *testing.T) {
	r := rtRoute("shop", "plain", shopHost, "web", 0)
	snap := rtSnapshot(r)
	snap.Settings.ShardVSSize = "DEDICATED"
	tree, _ := buildFor(t, snap, r)
	v := rtFind[*models.VirtualService](t, tree, KindVirtualService, "c1--"+shopHost+"-L7-dedicated")
	if len(v.Services) != 1 || rtDeref(v.Services[0].Port) != 80 || rtDeref(v.ApplicationProfileRef) != "/api/applicationprofile?name=System-HTTP" || len(v.SslKeyAndCertificateRefs) != 0 {
		t.Errorf("insecure dedicated VS = %s", rtJSON(v))
	}
}
