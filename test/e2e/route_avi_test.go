package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr/testr"
	routev1 "github.com/openshift/api/route/v1"
	"github.com/vmware/alb-sdk/go/models"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/akoproject/ako/internal/avi"
	"github.com/akoproject/ako/internal/avisim"
	"github.com/akoproject/ako/internal/avisim/avisimtest"
	"github.com/akoproject/ako/internal/model"
	"github.com/akoproject/ako/internal/settings"
	avisync "github.com/akoproject/ako/internal/sync"
	"github.com/akoproject/ako/test/testcert"
)

// routePEM is a self-signed certificate and its key.
type routePEM struct{ cert, key string }

func routeNewPEM(t testing.TB, cn string) routePEM {
	t.Helper()
	p := testcert.New(t, cn)
	return routePEM{cert: p.CertPEM, key: p.KeyPEM}
}

// routeSimSettings match the simulator's default seed (cloud Default-Cloud, DNS domain
// avi.internal, VIP network vip-net).
func routeSimSettings() (settings.Settings, model.Cloud) {
	s := settings.Settings{
		ClusterName: "c1", ShardVSSize: "LARGE", PassthroughShardSize: "SMALL", TenantName: "admin",
		CloudName: "Default-Cloud", AutoFQDN: "default", ServiceType: "ClusterIP", IPFamily: "V4",
		FQDNReusePolicy: "InterNamespaceAllowed", ServiceEngineGroupName: "Default-Group",
	}
	c := model.Cloud{
		Name: "Default-Cloud", Tenant: "admin", VRF: "global", SEGroup: "Default-Group",
		DNSDomains:  []string{"avi.internal"},
		VIPNetworks: []model.VIPNetwork{{Name: "vip-net", CIDR: "10.10.10.0/24"}},
	}
	return s, c
}

// TestRouteTreesOnSimulator applies the tree of every Route kind with the real sync
// layer and Avi SDK to the simulator: every payload must be accepted (schema and
// references), a second apply must write nothing, and removing the Routes must leave
// no object behind.
func TestRouteTreesOnSimulator(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sim := avisimtest.Start(t, avisim.Options{})
	client, err := avi.Connect(ctx, avi.Config{Host: sim.Host, Username: sim.Username, Password: sim.Password, Version: sim.Version, Sessions: 2, Log: testr.New(t)})
	if err != nil {
		t.Fatalf("connecting to the simulator: %v", err)
	}
	eng := avisync.New(avisync.Options{Client: client, ClusterName: "c1", CreatedBy: "ako-c1", Cloud: "Default-Cloud", Log: testr.New(t)})
	if err := eng.Populate(ctx); err != nil {
		t.Fatalf("populate: %v", err)
	}

	leaf, ca, dest, def, defAlt := routeNewPEM(t, "a"), routeNewPEM(t, "ca"), routeNewPEM(t, "dest"), routeNewPEM(t, "def"), routeNewPEM(t, "def-ec")
	routes := []*routev1.Route{
		routeObj("shop", "insecure", "insecure.avi.internal", "", "web", nil),
		routeObj("shop", "weighted", "weighted.avi.internal", "/cart", "web", nil, routeAltBackend("canary", 20)),
		routeObj("shop", "edge", "edge.avi.internal", "/app", "web", &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: leaf.cert, Key: leaf.key, CACertificate: ca.cert}),
		routeObj("shop", "redirect", "redirect.avi.internal", "", "web", &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: leaf.cert, Key: leaf.key, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyRedirect}),
		routeObj("shop", "allow", "allow.avi.internal", "", "web", &routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyAllow}),
		routeObj("shop", "reencrypt", "reencrypt.avi.internal", "", "web", &routev1.TLSConfig{Termination: routev1.TLSTerminationReencrypt, Certificate: leaf.cert, Key: leaf.key, DestinationCACertificate: dest.cert}),
		routeObj("shop", "passthrough", "passthrough.avi.internal", "", "web", &routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyRedirect}),
	}
	s, c := routeSimSettings()
	snap := model.RouteSnapshot{
		Settings: s, Cloud: c, Routes: routes,
		Services:       map[types.NamespacedName]*corev1.Service{},
		EndpointSlices: map[types.NamespacedName][]discoveryv1.EndpointSlice{},
		DefaultCert: &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: "avi-system", Name: "router-certs-default"},
			Data:       map[string][]byte{"tls.crt": []byte(def.cert), "tls.key": []byte(def.key), "alt.crt": []byte(defAlt.cert), "alt.key": []byte(defAlt.key)},
		},
	}
	for i, name := range []string{"web", "canary"} {
		id := types.NamespacedName{Namespace: "shop", Name: name}
		svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name},
			Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP}}}}
		snap.Services[id] = svc
		snap.EndpointSlices[id] = []discoveryv1.EndpointSlice{routeSlice(svc, "10.1.0."+string(rune('1'+i)))}
	}

	keys := model.RouteKeys(snap)
	trees := map[model.Key]model.Tree{}
	for _, k := range keys {
		tree, ds := model.BuildRouteTree(k, snap)
		for _, d := range ds {
			if !d.Admitted {
				t.Fatalf("Route %s/%s rejected: %s", d.Namespace, d.Name, d.Message)
			}
		}
		res, err := eng.Apply(ctx, tree)
		if err != nil {
			t.Fatalf("applying %s: %v", k, err)
		}
		for _, d := range ds {
			if vip := res.VIPs[d.VsVipName]; len(vip.IPv4) == 0 || !strings.HasPrefix(vip.IPv4[0], "10.10.10.") {
				t.Errorf("%s: VsVip %s has no VIP from vip-net: %+v", d.Name, d.VsVipName, vip)
			}
			if res.VirtualServices[d.VSName] == "" {
				t.Errorf("%s: VS %s has no uuid", d.Name, d.VSName)
			}
		}
		trees[k] = tree
	}

	sdk := sim.Client(t)
	var child models.VirtualService
	if err := sdk.AviSession.GetObjectByName("virtualservice", "c1--edge.avi.internal", &child); err != nil {
		t.Fatalf("SNI child not on the Controller: %v", err)
	}
	if child.Type == nil || *child.Type != "VS_TYPE_VH_CHILD" || len(child.SslKeyAndCertificateRefs) != 1 {
		t.Errorf("SNI child = type %v certs %v", child.Type, child.SslKeyAndCertificateRefs)
	}
	var pt models.VirtualService
	if err := sdk.AviSession.GetObjectByName("virtualservice", "c1--Shared-Passthrough-0-insecure", &pt); err != nil {
		t.Errorf("passthrough redirect VS not on the Controller: %v", err)
	}
	var pki models.PKIprofile
	if err := sdk.AviSession.GetObjectByName("pkiprofile", "c1--shop-reencrypt.avi.internal-reencrypt-web-pkiprofile", &pki); err != nil {
		t.Errorf("PKI profile not on the Controller: %v", err)
	}

	// Nothing changed: a second apply writes nothing.
	for k, tree := range trees {
		res, err := eng.Apply(ctx, tree)
		if err != nil {
			t.Fatalf("re-applying %s: %v", k, err)
		}
		if n := res.Writes(); n != 0 {
			t.Errorf("re-applying unchanged %s wrote %d times: %+v", k, n, res.Changes)
		}
	}

	// All Routes gone: every tree is empty and nothing of ours is left.
	snap.Routes = nil
	for k := range trees {
		tree, _ := model.BuildRouteTree(k, snap)
		if _, err := eng.Apply(ctx, tree); err != nil {
			t.Fatalf("deleting %s: %v", k, err)
		}
	}
	for _, kind := range []string{"virtualservice", "pool", "poolgroup", "vsvip", "httppolicyset", "vsdatascriptset", "sslkeyandcertificate", "pkiprofile"} {
		var list []map[string]any
		if err := sdk.AviSession.GetCollection("api/"+kind, &list); err != nil {
			t.Fatalf("listing %s: %v", kind, err)
		}
		for _, o := range list {
			if name, _ := o["name"].(string); strings.HasPrefix(name, "c1--") {
				t.Errorf("%s %s left behind", kind, name)
			}
		}
	}
}

func routeObj(ns, name, host, path, svc string, tls *routev1.TLSConfig, alts ...routev1.RouteTargetReference) *routev1.Route {
	return &routev1.Route{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, CreationTimestamp: metav1.Now()},
		Spec: routev1.RouteSpec{Host: host, Path: path, TLS: tls, AlternateBackends: alts,
			To: routev1.RouteTargetReference{Kind: "Service", Name: svc}},
	}
}

func routeAltBackend(svc string, weight int32) routev1.RouteTargetReference {
	return routev1.RouteTargetReference{Kind: "Service", Name: svc, Weight: &weight}
}

func routeSlice(svc *corev1.Service, ip string) discoveryv1.EndpointSlice {
	ready, port, name := true, int32(8080), "http"
	return discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Namespace: svc.Namespace, Name: svc.Name + "-1", Labels: map[string]string{discoveryv1.LabelServiceName: svc.Name}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Ports:       []discoveryv1.EndpointPort{{Name: &name, Port: &port}},
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{ip}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}},
	}
}
