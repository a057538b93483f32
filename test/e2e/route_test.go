package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	routev1 "github.com/openshift/api/route/v1"
	"github.com/vmware/alb-sdk/go/clients"
	"github.com/vmware/alb-sdk/go/models"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/akoproject/ako/controllers/route"
	"github.com/akoproject/ako/internal/model"
	"github.com/akoproject/ako/internal/settings"
)

const routeWait = 60 * time.Second

// routeEnv is one test's stack (shared envtest with the Route CRD, its own simulator,
// AKO namespace and app namespace) running the workload with its default sources.
type routeEnv struct {
	t      *testing.T
	ctx    context.Context
	kube   client.Client
	stack  *stack
	sdk    *clients.AviClient
	ns     string // the app namespace AKO serves
	akoNS  string
	prefix string // "<clusterName>--"
	router string // routerName of AKO's status entries
}

func startRouteEnv(t *testing.T, extra map[string]string) *routeEnv {
	t.Helper()
	cfg := map[string]string{
		settings.KeyShardVSSize:     "LARGE",
		settings.KeyDefaultDomain:   "avi.internal",
		settings.KeyFQDNReusePolicy: "Strict",
	}
	for k, v := range extra {
		cfg[k] = v
	}
	st := newStack(t, cfg)
	scheme := runtime.NewScheme()
	must(t, clientgoscheme.AddToScheme(scheme))
	must(t, routev1.Install(scheme))
	kc, err := client.New(testEnv.Config, client.Options{Scheme: scheme})
	must(t, err)
	if served, err := route.Served(testEnv.Config); err != nil || !served {
		t.Fatalf("route.openshift.io not served by the test cluster (served=%v, err=%v)", served, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	t.Cleanup(cancel)
	e := &routeEnv{t: t, ctx: ctx, kube: kc, stack: st, sdk: st.sim.Client(t), ns: st.appNS, akoNS: st.akoNS, prefix: "c1--", router: "ako-c1"}
	st.start("ako-0")
	return e
}

// namespace creates another namespace AKO serves (same selector label as the stack's).
func (e *routeEnv) namespace(name string) string {
	e.t.Helper()
	full := name + "-" + e.stack.id
	e.create(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: full, Labels: map[string]string{"ako-test": e.stack.id}}})
	return full
}

// sub is e reporting to a subtest.
func (e *routeEnv) sub(t *testing.T) *routeEnv {
	c := *e
	c.t = t
	return &c
}

func (e *routeEnv) create(obj client.Object) {
	e.t.Helper()
	if err := e.kube.Create(e.ctx, obj); err != nil {
		e.t.Fatalf("creating %T %s/%s: %v", obj, obj.GetNamespace(), obj.GetName(), err)
	}
}

// backend creates a one-port Service with an EndpointSlice of ready endpoints.
func (e *routeEnv) backend(ns, name string, ips ...string) {
	e.t.Helper()
	e.create(&corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: corev1.ServiceSpec{
		Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP}}}})
	ready, port, pname := true, int32(8080), "http"
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: ns, Name: name + "-1", Labels: map[string]string{discoveryv1.LabelServiceName: name}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: &pname, Port: &port}},
	}
	for _, ip := range ips {
		slice.Endpoints = append(slice.Endpoints, discoveryv1.Endpoint{Addresses: []string{ip}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}})
	}
	e.create(slice)
}

func (e *routeEnv) route(ns, name, host, path, svc string, tls *routev1.TLSConfig, alts ...routev1.RouteTargetReference) *routev1.Route {
	e.t.Helper()
	r := &routev1.Route{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: routev1.RouteSpec{Host: host, Path: path, TLS: tls, AlternateBackends: alts,
			To: routev1.RouteTargetReference{Kind: "Service", Name: svc}},
	}
	e.create(r)
	return r
}

// eventually polls check until it returns nil or the deadline passes.
func (e *routeEnv) eventually(what string, check func() error) {
	e.t.Helper()
	deadline := time.Now().Add(routeWait)
	var err error
	for time.Now().Before(deadline) {
		if err = check(); err == nil {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	e.t.Fatalf("%s: still failing after %s: %v", what, routeWait, err)
}

// avi reads an object from the simulator by name; found is false on 404.
func (e *routeEnv) avi(kind, name string, out any) (bool, error) {
	err := e.sdk.AviSession.GetObjectByName(kind, name, out)
	if err != nil {
		if strings.Contains(err.Error(), "No object of type") || strings.Contains(err.Error(), "404") || strings.Contains(err.Error(), "not found") {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

func (e *routeEnv) mustAvi(kind, name string, out any) error {
	found, err := e.avi(kind, name, out)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("no %s %s on the Avi Controller", kind, name)
	}
	return nil
}

// admitted waits for the Route's AKO status entry and returns its condition.
func (e *routeEnv) admission(ns, name string) (routev1.RouteIngress, error) {
	var r routev1.Route
	if err := e.kube.Get(e.ctx, types.NamespacedName{Namespace: ns, Name: name}, &r); err != nil {
		return routev1.RouteIngress{}, err
	}
	for _, in := range r.Status.Ingress {
		if in.RouterName == e.router && len(in.Conditions) == 1 {
			return in, nil
		}
	}
	return routev1.RouteIngress{}, fmt.Errorf("Route %s/%s has no status from %s: %+v", ns, name, e.router, r.Status.Ingress)
}

func (e *routeEnv) waitAdmitted(ns, name, host string) routev1.RouteIngress {
	e.t.Helper()
	var in routev1.RouteIngress
	e.eventually("Route "+ns+"/"+name+" admitted", func() error {
		var err error
		if in, err = e.admission(ns, name); err != nil {
			return err
		}
		c := in.Conditions[0]
		if c.Type != routev1.RouteAdmitted || c.Status != corev1.ConditionTrue || !strings.HasPrefix(c.Message, "10.10.10.") || in.Host != host {
			return fmt.Errorf("status = %+v", in)
		}
		return e.annotatedLikeReason(ns, name, c.Reason)
	})
	return in
}

// annotatedLikeReason checks that the Route carries the three AKO annotations with the
// values of its Admitted reason (ako-spec.md §7), or none of them when reason is "".
func (e *routeEnv) annotatedLikeReason(ns, name, reason string) error {
	var r routev1.Route
	if err := e.kube.Get(e.ctx, types.NamespacedName{Namespace: ns, Name: name}, &r); err != nil {
		return err
	}
	want := map[string]string{}
	if reason != "" {
		if err := json.Unmarshal([]byte(reason), &want); err != nil {
			return fmt.Errorf("Admitted reason is not JSON: %q", reason)
		}
	}
	for _, k := range []string{"ako.vmware.com/host-fqdn-vs-uuid-map", "ako.vmware.com/controller-cluster-uuid", "ako.vmware.com/tenant-name"} {
		got, has := r.Annotations[k]
		if w, wanted := want[k]; wanted != has || got != w {
			return fmt.Errorf("annotation %s = %q (present %v), want %q (present %v)", k, got, has, w, wanted)
		}
	}
	return nil
}

func (e *routeEnv) waitRejected(ns, name, reason, message string) {
	e.t.Helper()
	e.eventually("Route "+ns+"/"+name+" rejected", func() error {
		in, err := e.admission(ns, name)
		if err != nil {
			return err
		}
		c := in.Conditions[0]
		if c.Status != corev1.ConditionFalse || c.Reason != reason || !strings.Contains(c.Message, message) {
			return fmt.Errorf("status = %+v", in)
		}
		return e.annotatedLikeReason(ns, name, "")
	})
}

// vsUUIDOf reads the VS uuid AKO put in the Admitted reason for host.
func vsUUIDOf(t *testing.T, in routev1.RouteIngress) string {
	t.Helper()
	var reason map[string]string
	if err := json.Unmarshal([]byte(in.Conditions[0].Reason), &reason); err != nil {
		t.Fatalf("Admitted reason is not JSON: %q", in.Conditions[0].Reason)
	}
	var hosts map[string]string
	if err := json.Unmarshal([]byte(reason["ako.vmware.com/host-fqdn-vs-uuid-map"]), &hosts); err != nil {
		t.Fatalf("host map is not JSON: %q", reason["ako.vmware.com/host-fqdn-vs-uuid-map"])
	}
	if reason["ako.vmware.com/tenant-name"] != "admin" || reason["ako.vmware.com/controller-cluster-uuid"] == "" {
		t.Errorf("reason = %v", reason)
	}
	return hosts[in.Host]
}

func shardOf(host string, count int) string {
	return "c1--Shared-L7-" + strconv.Itoa(model.ShardIndex(host, count))
}

// TestRoutesOnOpenShift drives every Route kind through the workload and checks the
// Avi objects on the simulator and the Route status; then weights, rejections next to
// working Routes, an ignored Ingress, and deletion leaving nothing behind.
func TestRoutesOnOpenShift(t *testing.T) {
	e := startRouteEnv(t, nil)
	e.backend(e.ns, "web", "10.1.0.1", "10.1.0.2")
	e.backend(e.ns, "canary", "10.1.0.3")
	leaf, ca, dest := routeNewPEM(t, "edge.avi.internal"), routeNewPEM(t, "ca"), routeNewPEM(t, "dest")
	def, defAlt := routeNewPEM(t, "default"), routeNewPEM(t, "default-ec")
	e.create(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: e.akoNS, Name: model.DefaultCertSecretName},
		Data: map[string][]byte{"tls.crt": []byte(def.cert), "tls.key": []byte(def.key), "alt.crt": []byte(defAlt.cert), "alt.key": []byte(defAlt.key)}})

	t.Run("insecure", func(t *testing.T) {
		e := e.sub(t)
		host := "insecure.avi.internal"
		e.route(e.ns, "insecure", host, "", "web", nil)
		in := e.waitAdmitted(e.ns, "insecure", host)
		vs := shardOf(host, 8)
		var parent models.VirtualService
		if err := e.mustAvi("virtualservice", vs, &parent); err != nil {
			t.Fatal(err)
		}
		if got := vsUUIDOf(t, in); got != *parent.UUID {
			t.Errorf("status names VS %s, shard parent is %s", got, *parent.UUID)
		}
		var pool models.Pool
		if err := e.mustAvi("pool", e.prefix+"insecure.avi.internal-"+e.ns+"-insecure-web", &pool); err != nil {
			t.Fatal(err)
		}
		if len(pool.Servers) != 2 || *pool.Servers[0].Port != 8080 {
			t.Errorf("pool servers = %+v", pool.Servers)
		}
		var vip models.VsVip
		if err := e.mustAvi("vsvip", vs, &vip); err != nil {
			t.Fatal(err)
		}
		var dns []string
		for _, d := range vip.DNSInfo {
			dns = append(dns, *d.Fqdn)
		}
		if !routeContains(dns, host) || !routeContains(dns, vs+".admin.avi.internal") {
			t.Errorf("VsVip dns_info = %v", dns)
		}
		if got := in.Conditions[0].Message; got != *vip.Vip[0].IPAddress.Addr {
			t.Errorf("status VIP %s, VsVip has %s", got, *vip.Vip[0].IPAddress.Addr)
		}
	})

	t.Run("alternate backends and weight change", func(t *testing.T) {
		e := e.sub(t)
		host := "weighted.avi.internal"
		e.route(e.ns, "weighted", host, "/cart", "web", nil, routeAltBackend("canary", 20))
		e.waitAdmitted(e.ns, "weighted", host)
		poolUUID := func(name string) (string, error) {
			var p models.Pool
			if err := e.mustAvi("pool", name, &p); err != nil {
				return "", err
			}
			return *p.UUID, nil
		}
		check := func(web, canary uint32) func() error {
			return func() error {
				webUUID, err := poolUUID(e.prefix + "weighted.avi.internal_cart-" + e.ns + "-weighted-web")
				if err != nil {
					return err
				}
				canaryUUID, err := poolUUID(e.prefix + "weighted.avi.internal_cart-" + e.ns + "-weighted-canary")
				if err != nil {
					return err
				}
				var pg models.PoolGroup
				if err := e.mustAvi("poolgroup", shardOf(host, 8), &pg); err != nil {
					return err
				}
				got := map[string]uint32{}
				for _, m := range pg.Members {
					if m.PriorityLabel == nil || *m.PriorityLabel != host+"/cart" {
						continue
					}
					switch {
					case strings.Contains(*m.PoolRef, webUUID):
						got["web"] = *m.Ratio
					case strings.Contains(*m.PoolRef, canaryUUID):
						got["canary"] = *m.Ratio
					default:
						got[*m.PoolRef] = *m.Ratio
					}
				}
				if len(got) != 2 || got["web"] != web || got["canary"] != canary {
					return fmt.Errorf("members = %v, want web %d canary %d", got, web, canary)
				}
				return nil
			}
		}
		e.eventually("ratios 100/20", check(100, 20))
		var r routev1.Route
		if err := e.kube.Get(e.ctx, types.NamespacedName{Namespace: e.ns, Name: "weighted"}, &r); err != nil {
			t.Fatal(err)
		}
		w := int32(60)
		r.Spec.AlternateBackends[0].Weight = &w
		if err := e.kube.Update(e.ctx, &r); err != nil {
			t.Fatal(err)
		}
		e.eventually("ratios 100/60 after the weight change", check(100, 60))
	})

	t.Run("edge with inline certificate and CA", func(t *testing.T) {
		e := e.sub(t)
		host := "edge.avi.internal"
		e.route(e.ns, "edge", host, "/app", "web", &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: leaf.cert, Key: leaf.key, CACertificate: ca.cert})
		in := e.waitAdmitted(e.ns, "edge", host)
		var child models.VirtualService
		if err := e.mustAvi("virtualservice", e.prefix+host, &child); err != nil {
			t.Fatal(err)
		}
		if *child.Type != "VS_TYPE_VH_CHILD" || len(child.VhDomainName) != 1 || child.VhDomainName[0] != host || len(child.SslKeyAndCertificateRefs) != 1 {
			t.Errorf("SNI child = type %s domains %v certs %v", *child.Type, child.VhDomainName, child.SslKeyAndCertificateRefs)
		}
		if got := vsUUIDOf(t, in); got != *child.UUID {
			t.Errorf("status names VS %s, SNI child is %s", got, *child.UUID)
		}
		var cacert models.SSLKeyAndCertificate
		if err := e.mustAvi("sslkeyandcertificate", e.prefix+host+"-cacert", &cacert); err != nil || *cacert.Type != "SSL_CERTIFICATE_TYPE_CA" {
			t.Errorf("CA certificate: %v", err)
		}
		var set models.HTTPPolicySet
		if err := e.mustAvi("httppolicyset", e.prefix+e.ns+"-"+host, &set); err != nil {
			t.Fatal(err)
		}
		if r := set.HTTPRequestPolicy.Rules; len(r) != 1 || r[0].Match.Path.MatchStr[0] != "/app" {
			t.Errorf("switching rules = %+v", r)
		}
	})

	t.Run("edge Redirect", func(t *testing.T) {
		e := e.sub(t)
		host := "redirect.avi.internal"
		e.route(e.ns, "redirect", host, "", "web", &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: leaf.cert, Key: leaf.key, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyRedirect})
		e.waitAdmitted(e.ns, "redirect", host)
		e.eventually("redirect rule for "+host, func() error {
			var set models.HTTPPolicySet
			if err := e.mustAvi("httppolicyset", shardOf(host, 8), &set); err != nil {
				return err
			}
			r := set.HTTPRequestPolicy.Rules[0]
			if !routeContains(r.Match.HostHdr.Value, host) || *r.RedirectAction.Port != 443 || *r.RedirectAction.StatusCode != "HTTP_REDIRECT_STATUS_CODE_302" {
				return fmt.Errorf("redirect rule = %+v", r)
			}
			return nil
		})
	})

	t.Run("edge Allow with the default certificate", func(t *testing.T) {
		e := e.sub(t)
		host := "allow.avi.internal"
		e.route(e.ns, "allow", host, "", "web", &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyAllow})
		e.waitAdmitted(e.ns, "allow", host)
		var child models.VirtualService
		if err := e.mustAvi("virtualservice", e.prefix+host, &child); err != nil {
			t.Fatal(err)
		}
		if len(child.SslKeyAndCertificateRefs) != 2 {
			t.Errorf("certificates = %v, want router-certs-default and its alt", child.SslKeyAndCertificateRefs)
		}
		var cert models.SSLKeyAndCertificate
		if err := e.mustAvi("sslkeyandcertificate", e.prefix+"router-certs-default-alt", &cert); err != nil {
			t.Error(err)
		}
		var pool models.Pool
		if err := e.mustAvi("pool", e.prefix+"allow.avi.internal-"+e.ns+"-allow-web", &pool); err != nil {
			t.Errorf("Allow has no insecure pool: %v", err)
		}
	})

	t.Run("reencrypt", func(t *testing.T) {
		e := e.sub(t)
		host := "reencrypt.avi.internal"
		e.route(e.ns, "reencrypt", host, "", "web", &routev1.TLSConfig{Termination: routev1.TLSTerminationReencrypt, Certificate: leaf.cert, Key: leaf.key, DestinationCACertificate: dest.cert})
		e.waitAdmitted(e.ns, "reencrypt", host)
		name := e.prefix + e.ns + "-reencrypt.avi.internal-reencrypt-web"
		var pool models.Pool
		if err := e.mustAvi("pool", name, &pool); err != nil {
			t.Fatal(err)
		}
		if pool.SniEnabled == nil || !*pool.SniEnabled || pool.SslProfileRef == nil || pool.PkiProfileRef == nil {
			t.Errorf("reencrypt pool = sni %v ssl %v pki %v", pool.SniEnabled, pool.SslProfileRef, pool.PkiProfileRef)
		}
		var pki models.PKIprofile
		if err := e.mustAvi("pkiprofile", name+"-pkiprofile", &pki); err != nil {
			t.Error(err)
		}
	})

	t.Run("passthrough with Redirect", func(t *testing.T) {
		e := e.sub(t)
		host := "passthrough.avi.internal"
		e.route(e.ns, "passthrough", host, "", "web", &routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyRedirect})
		in := e.waitAdmitted(e.ns, "passthrough", host)
		vs := e.prefix + "Shared-Passthrough-0"
		var secure, insecure models.VirtualService
		if err := e.mustAvi("virtualservice", vs, &secure); err != nil {
			t.Fatal(err)
		}
		if err := e.mustAvi("virtualservice", vs+"-insecure", &insecure); err != nil {
			t.Fatal(err)
		}
		if *secure.Services[0].Port != 443 || *insecure.Services[0].Port != 80 {
			t.Errorf("ports = %d / %d", *secure.Services[0].Port, *insecure.Services[0].Port)
		}
		if got := vsUUIDOf(t, in); got != *secure.UUID {
			t.Errorf("status names VS %s, passthrough VS is %s", got, *secure.UUID)
		}
		var pg models.PoolGroup
		if err := e.mustAvi("poolgroup", e.prefix+host, &pg); err != nil {
			t.Error(err)
		}
	})

	t.Run("Allow on passthrough is refused", func(t *testing.T) {
		// The Route CRD's own validation refuses it before AKO sees it; AKO's admission
		// (model.TestRouteRejections) covers clusters whose Route API does not.
		r := &routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: "pt-allow"}, Spec: routev1.RouteSpec{
			Host: "pt-allow.avi.internal", To: routev1.RouteTargetReference{Kind: "Service", Name: "web"},
			TLS: &routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyAllow}}}
		if err := e.kube.Create(e.ctx, r); err == nil || !strings.Contains(err.Error(), "passthrough") {
			t.Errorf("creating a passthrough Route with Allow: err = %v, want a validation error", err)
		}
	})

	t.Run("bad certificate and conflicting host rejected, others keep working", func(t *testing.T) {
		e := e.sub(t)
		other := routeNewPEM(t, "other")
		e.route(e.ns, "badcert", "badcert.avi.internal", "", "web", &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: leaf.cert, Key: other.key})
		e.waitRejected(e.ns, "badcert", model.ReasonInvalidCertificate, "spec.tls.key does not match spec.tls.certificate")
		thief := e.namespace("thief")
		e.backend(thief, "web", "10.2.0.1")
		e.route(thief, "steal", "insecure.avi.internal", "/other", "web", nil)
		e.waitRejected(thief, "steal", model.ReasonHostAlreadyClaimed, "claimed by namespace "+e.ns)
		e.route(e.ns, "ghost", "ghost.avi.internal", "", "missing", nil)
		e.waitRejected(e.ns, "ghost", model.ReasonServiceNotFound, "Service "+e.ns+"/missing (spec.to) does not exist")
		e.route(e.ns, "outside", "shop.example.org", "", "web", nil)
		e.waitRejected(e.ns, "outside", model.ReasonHostNotInDNSDomain, "not in a DNS domain")
		if found, _ := e.avi("virtualservice", e.prefix+"badcert.avi.internal", &models.VirtualService{}); found {
			t.Error("a Route with a bad certificate got an SNI child")
		}
		for _, n := range []string{"insecure", "edge", "passthrough"} {
			host := n + ".avi.internal"
			e.waitAdmitted(e.ns, n, host)
		}
		var pool models.Pool
		if err := e.mustAvi("pool", e.prefix+"insecure.avi.internal-"+e.ns+"-insecure-web", &pool); err != nil {
			t.Error(err)
		}
	})

	t.Run("Ingress is ignored on OpenShift", func(t *testing.T) {
		e := e.sub(t)
		prefix := networkingv1.PathTypePrefix
		ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: "ing"}, Spec: networkingv1.IngressSpec{
			Rules: []networkingv1.IngressRule{{Host: "ingress.avi.internal", IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
				Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: &prefix, Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}}}},
			}}}},
		}}
		e.create(ing)
		// A Route created after the Ingress is served; by then the Ingress would have been too.
		e.route(e.ns, "after-ingress", "after.avi.internal", "", "web", nil)
		e.waitAdmitted(e.ns, "after-ingress", "after.avi.internal")
		for _, kind := range []string{"virtualservice", "pool", "poolgroup", "vsvip"} {
			var list []map[string]any
			if err := e.sdk.AviSession.GetCollection("api/"+kind, &list); err != nil {
				t.Fatal(err)
			}
			for _, o := range list {
				if b, _ := json.Marshal(o); strings.Contains(string(b), "ingress.avi.internal") {
					t.Errorf("%s %v serves the Ingress host", kind, o["name"])
				}
			}
		}
		if err := e.kube.Get(e.ctx, client.ObjectKeyFromObject(ing), ing); err != nil {
			t.Fatal(err)
		}
		if len(ing.Status.LoadBalancer.Ingress) != 0 {
			t.Errorf("Ingress got a status: %+v", ing.Status.LoadBalancer)
		}
	})

	t.Run("spec.subdomain with defaultDomain, and a Route with no host", func(t *testing.T) {
		e := e.sub(t)
		sub := &routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: "sub"}, Spec: routev1.RouteSpec{
			Subdomain: "sub", To: routev1.RouteTargetReference{Kind: "Service", Name: "web"}}}
		e.create(sub)
		e.waitAdmitted(e.ns, "sub", "sub.avi.internal")
		if err := e.mustAvi("pool", e.prefix+"sub.avi.internal-"+e.ns+"-sub-web", &models.Pool{}); err != nil {
			t.Error(err)
		}
		e.create(&routev1.Route{ObjectMeta: metav1.ObjectMeta{Namespace: e.ns, Name: "nohost"}, Spec: routev1.RouteSpec{
			To: routev1.RouteTargetReference{Kind: "Service", Name: "web"}}})
		e.waitRejected(e.ns, "nohost", model.ReasonNoHost, "the Route has no host")
	})

	t.Run("Events", func(t *testing.T) {
		e := e.sub(t)
		e.eventually("Synced and InvalidConfiguration Events", func() error {
			if evs := events(t, e.ns, "Route", "insecure"); !hasEvent(evs, corev1.EventTypeNormal, "Synced", "Added virtualservice "+shardOf("insecure.avi.internal", 8)+" for insecure.avi.internal") {
				return fmt.Errorf("no Synced Event on Route insecure: %+v", evs)
			}
			if evs := events(t, e.ns, "Route", "badcert"); !hasEvent(evs, corev1.EventTypeWarning, "InvalidConfiguration", "spec.tls.key does not match") {
				return fmt.Errorf("no Warning Event on Route badcert: %+v", evs)
			}
			return nil
		})
	})

	t.Run("EndpointSlice change reaches the pool", func(t *testing.T) {
		e := e.sub(t)
		var slice discoveryv1.EndpointSlice
		must(t, e.kube.Get(e.ctx, types.NamespacedName{Namespace: e.ns, Name: "web-1"}, &slice))
		ready := true
		slice.Endpoints = append(slice.Endpoints, discoveryv1.Endpoint{Addresses: []string{"10.1.0.9"}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}})
		must(t, e.kube.Update(e.ctx, &slice))
		for _, pool := range []string{e.prefix + "insecure.avi.internal-" + e.ns + "-insecure-web", e.prefix + e.ns + "-edge.avi.internal_app-edge-web"} {
			e.eventually("pool "+pool+" has the new endpoint", func() error {
				var p models.Pool
				if err := e.mustAvi("pool", pool, &p); err != nil {
					return err
				}
				for _, srv := range p.Servers {
					if *srv.IP.Addr == "10.1.0.9" {
						return nil
					}
				}
				return fmt.Errorf("servers = %d, no 10.1.0.9", len(p.Servers))
			})
		}
	})

	t.Run("default certificate change reaches every host using it", func(t *testing.T) {
		e := e.sub(t)
		fresh := routeNewPEM(t, "default-2")
		var sec corev1.Secret
		must(t, e.kube.Get(e.ctx, types.NamespacedName{Namespace: e.akoNS, Name: model.DefaultCertSecretName}, &sec))
		sec.Data["tls.crt"], sec.Data["tls.key"] = []byte(fresh.cert), []byte(fresh.key)
		must(t, e.kube.Update(e.ctx, &sec))
		e.eventually("router-certs-default updated on the Controller", func() error {
			var cert models.SSLKeyAndCertificate
			if err := e.mustAvi("sslkeyandcertificate", e.prefix+"router-certs-default", &cert); err != nil {
				return err
			}
			if cert.Certificate == nil || cert.Certificate.Certificate == nil || strings.TrimSpace(*cert.Certificate.Certificate) != strings.TrimSpace(fresh.cert) {
				return fmt.Errorf("certificate not replaced yet")
			}
			return nil
		})
	})

	t.Run("Route leaving scope loses AKO status and objects", func(t *testing.T) {
		e := e.sub(t)
		leaving := e.namespace("leaving")
		e.backend(leaving, "web", "10.3.0.1")
		e.route(leaving, "r", "leaving.avi.internal", "", "web", nil)
		e.waitAdmitted(leaving, "r", "leaving.avi.internal")
		var ns corev1.Namespace
		must(t, e.kube.Get(e.ctx, types.NamespacedName{Name: leaving}, &ns))
		delete(ns.Labels, "ako-test")
		must(t, e.kube.Update(e.ctx, &ns))
		e.eventually("status and pool removed", func() error {
			if _, err := e.admission(leaving, "r"); err == nil {
				return fmt.Errorf("AKO status still on the Route")
			}
			if err := e.annotatedLikeReason(leaving, "r", ""); err != nil {
				return err
			}
			if found, err := e.avi("pool", e.prefix+"leaving.avi.internal-"+leaving+"-r-web", &models.Pool{}); err != nil || found {
				return fmt.Errorf("pool still there (err %v)", err)
			}
			return nil
		})
	})

	t.Run("deleting every Route leaves nothing behind", func(t *testing.T) {
		e := e.sub(t)
		var list routev1.RouteList
		if err := e.kube.List(e.ctx, &list); err != nil {
			t.Fatal(err)
		}
		for i := range list.Items {
			if err := e.kube.Delete(e.ctx, &list.Items[i]); err != nil {
				t.Fatal(err)
			}
		}
		e.eventually("no AKO objects on the Controller", func() error {
			var left []string
			for _, kind := range []string{"virtualservice", "pool", "poolgroup", "vsvip", "httppolicyset", "vsdatascriptset", "sslkeyandcertificate", "pkiprofile"} {
				var objs []map[string]any
				if err := e.sdk.AviSession.GetCollection("api/"+kind, &objs); err != nil {
					return err
				}
				for _, o := range objs {
					if name, _ := o["name"].(string); strings.HasPrefix(name, e.prefix) {
						left = append(left, kind+"/"+name)
					}
				}
			}
			if len(left) > 0 {
				return fmt.Errorf("left: %v", left)
			}
			return nil
		})
	})
}

// TestRouteMovesWhenShardSizeChanges changes shardVSSize from LARGE to SMALL: the
// workload restarts, the host moves to shard 0 and its old shard VS is removed.
func TestRouteMovesWhenShardSizeChanges(t *testing.T) {
	e := startRouteEnv(t, nil)
	e.backend(e.ns, "web", "10.1.0.1")
	host := ""
	for i := 0; host == ""; i++ {
		h := "move" + strconv.Itoa(i) + ".avi.internal"
		if model.ShardIndex(h, 8) != 0 {
			host = h
		}
	}
	e.route(e.ns, "move", host, "", "web", nil)
	before := vsUUIDOf(t, e.waitAdmitted(e.ns, "move", host))
	oldVS := shardOf(host, 8)
	if err := e.mustAvi("virtualservice", oldVS, &models.VirtualService{}); err != nil {
		t.Fatal(err)
	}

	var cm corev1.ConfigMap
	if err := e.kube.Get(e.ctx, types.NamespacedName{Namespace: e.akoNS, Name: settings.ConfigMapName}, &cm); err != nil {
		t.Fatal(err)
	}
	cm.Data[settings.KeyShardVSSize] = "SMALL"
	if err := e.kube.Update(e.ctx, &cm); err != nil {
		t.Fatal(err)
	}
	newVS := e.prefix + "Shared-L7-0"
	e.eventually("host on "+newVS+" and "+oldVS+" gone", func() error {
		var pg models.PoolGroup
		if err := e.mustAvi("poolgroup", newVS, &pg); err != nil {
			return err
		}
		if len(pg.Members) != 1 {
			return fmt.Errorf("members of %s = %d", newVS, len(pg.Members))
		}
		if found, err := e.avi("virtualservice", oldVS, &models.VirtualService{}); err != nil || found {
			return fmt.Errorf("old shard %s still there (err %v)", oldVS, err)
		}
		in, err := e.admission(e.ns, "move")
		if err != nil {
			return err
		}
		var vs models.VirtualService
		if err := e.mustAvi("virtualservice", newVS, &vs); err != nil {
			return err
		}
		if uuid := vsUUIDOf(t, in); uuid != *vs.UUID || uuid == before {
			return fmt.Errorf("status names %s, new shard is %s (old %s)", uuid, *vs.UUID, before)
		}
		return nil
	})
}

func routeContains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// TestRouteRestartMakesNoWrites restarts the workload with every Route kind in place and
// nothing changed: the new instance compares and writes nothing to the Controller.
func TestRouteRestartMakesNoWrites(t *testing.T) {
	e := startRouteEnv(t, nil)
	e.backend(e.ns, "web", "10.1.0.1", "10.1.0.2")
	leaf, dest, def := routeNewPEM(t, "leaf"), routeNewPEM(t, "dest"), routeNewPEM(t, "def")
	e.create(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: e.akoNS, Name: model.DefaultCertSecretName},
		Data: map[string][]byte{"tls.crt": []byte(def.cert), "tls.key": []byte(def.key)}})
	routes := map[string]*routev1.TLSConfig{
		"plain":   nil,
		"edge":    {Termination: routev1.TLSTerminationEdge, Certificate: leaf.cert, Key: leaf.key, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyRedirect},
		"default": {Termination: routev1.TLSTerminationEdge, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyAllow},
		"reenc":   {Termination: routev1.TLSTerminationReencrypt, Certificate: leaf.cert, Key: leaf.key, DestinationCACertificate: dest.cert},
		"pass":    {Termination: routev1.TLSTerminationPassthrough, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyRedirect},
	}
	keys := map[model.Key]bool{}
	s, c := routeSimSettings()
	s.ClusterName = "c1"
	for name, tls := range routes {
		r := e.route(e.ns, name, name+".avi.internal", "", "web", tls)
		k, _, _ := model.RouteKey(r, s, c)
		keys[k] = true
	}
	for name := range routes {
		e.waitAdmitted(e.ns, name, name+".avi.internal")
	}
	e.stack.workloads[0].stop()

	e.stack.sim.ResetRequests()
	e.stack.logs.reset()
	e.stack.start("ako-1")
	e.eventually("every Route tree reconciled by the new instance", func() error {
		for k := range keys {
			if !e.stack.logs.contains(`"reconciled"`, string(k)) {
				return fmt.Errorf("tree %s not reconciled yet", k)
			}
		}
		return nil
	})
	if w := e.stack.sim.Writes(); w != 0 {
		t.Fatalf("restart with no change made %d writes: %v", w, writeRequests(e.stack.sim.Requests()))
	}
	if e.stack.sim.Counts()["GET virtualservice"] == 0 {
		t.Fatal("the second instance never read the Controller; the check above proves nothing")
	}
}
