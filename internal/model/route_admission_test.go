package model

import (
	"strings"
	"testing"

	routev1 "github.com/openshift/api/route/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestRouteRejections(t *testing.T) {
	good, other := rtNewPEM(t, shopHost), rtNewPEM(t, "other")
	edge := func(cert, key string) routev1.TLSConfig {
		return routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: cert, Key: key}
	}
	tests := []struct {
		name        string
		route       func() *routev1.Route
		snap        func(*RouteSnapshot)
		wantReason  string
		wantMessage string // substring
	}{
		{
			name:        "host outside the cloud DNS domains",
			route:       func() *routev1.Route { return rtRoute("ns", "r", "shop.elsewhere.net", "svc", 0) },
			wantReason:  ReasonHostNotInDNSDomain,
			wantMessage: "host shop.elsewhere.net is not in a DNS domain of Avi cloud Default-Cloud (apps.example.com, other.org)",
		},
		{
			name: "certificate is not PEM",
			route: func() *routev1.Route {
				return rtWithTLS(rtRoute("ns", "r", shopHost, "svc", 0), edge("not a cert", good.key))
			},
			wantReason:  ReasonInvalidCertificate,
			wantMessage: "spec.tls.certificate holds no PEM certificate",
		},
		{
			name: "key does not match the certificate",
			route: func() *routev1.Route {
				return rtWithTLS(rtRoute("ns", "r", shopHost, "svc", 0), edge(good.cert, other.key))
			},
			wantReason:  ReasonInvalidCertificate,
			wantMessage: "spec.tls.key does not match spec.tls.certificate",
		},
		{
			name: "key is garbage",
			route: func() *routev1.Route {
				return rtWithTLS(rtRoute("ns", "r", shopHost, "svc", 0), edge(good.cert, "garbage"))
			},
			wantReason:  ReasonInvalidCertificate,
			wantMessage: "spec.tls.key is not a valid PEM private key",
		},
		{
			name:        "certificate without key",
			route:       func() *routev1.Route { return rtWithTLS(rtRoute("ns", "r", shopHost, "svc", 0), edge(good.cert, "")) },
			wantReason:  ReasonInvalidCertificate,
			wantMessage: "must be set together",
		},
		{
			name: "bad caCertificate",
			route: func() *routev1.Route {
				tls := edge(good.cert, good.key)
				tls.CACertificate = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
				return rtWithTLS(rtRoute("ns", "r", shopHost, "svc", 0), tls)
			},
			wantReason:  ReasonInvalidCertificate,
			wantMessage: "spec.tls.caCertificate: certificate 1 does not parse",
		},
		{
			name: "no certificate and no default Secret",
			route: func() *routev1.Route {
				return rtWithTLS(rtRoute("ns", "r", shopHost, "svc", 0), routev1.TLSConfig{Termination: routev1.TLSTerminationEdge})
			},
			wantReason:  ReasonMissingCertificate,
			wantMessage: "Secret router-certs-default in the AKO namespace does not exist",
		},
		{
			name: "default Secret with a mismatched key",
			route: func() *routev1.Route {
				return rtWithTLS(rtRoute("ns", "r", shopHost, "svc", 0), routev1.TLSConfig{Termination: routev1.TLSTerminationReencrypt})
			},
			snap: func(s *RouteSnapshot) {
				s.DefaultCert = &corev1.Secret{Data: map[string][]byte{"tls.crt": []byte(good.cert), "tls.key": []byte(other.key)}}
				s.DefaultCert.Namespace, s.DefaultCert.Name = "avi-system", "router-certs-default"
			},
			wantReason:  ReasonInvalidCertificate,
			wantMessage: "Secret avi-system/router-certs-default tls.key does not match Secret avi-system/router-certs-default tls.crt",
		},
		{
			name:        "unknown Service",
			route:       func() *routev1.Route { return rtRoute("ns", "r", shopHost, "svc", 0) },
			snap:        func(s *RouteSnapshot) { delete(s.Services, types.NamespacedName{Namespace: "ns", Name: "svc"}) },
			wantReason:  ReasonServiceNotFound,
			wantMessage: "Service ns/svc (spec.to) does not exist",
		},
		{
			name: "unknown alternate Service",
			route: func() *routev1.Route {
				return rtWithAlternates(rtRoute("ns", "r", shopHost, "svc", 0), 50, rtAlt("canary", 50))
			},
			snap:        func(s *RouteSnapshot) { delete(s.Services, types.NamespacedName{Namespace: "ns", Name: "canary"}) },
			wantReason:  ReasonServiceNotFound,
			wantMessage: "Service ns/canary (spec.alternateBackends[0]) does not exist",
		},
		{
			name:  "ExternalName Service",
			route: func() *routev1.Route { return rtRoute("ns", "r", shopHost, "svc", 0) },
			snap: func(s *RouteSnapshot) {
				s.Services[types.NamespacedName{Namespace: "ns", Name: "svc"}].Spec.Type = corev1.ServiceTypeExternalName
			},
			wantReason:  ReasonInvalidBackends,
			wantMessage: "ExternalName",
		},
		{
			name: "Allow on passthrough",
			route: func() *routev1.Route {
				return rtWithTLS(rtRoute("ns", "r", shopHost, "svc", 0), routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyAllow})
			},
			wantReason:  ReasonUnsupportedTLS,
			wantMessage: "insecureEdgeTerminationPolicy Allow is not supported with passthrough termination",
		},
		{
			name: "path on passthrough",
			route: func() *routev1.Route {
				return rtWithTLS(rtWithPath(rtRoute("ns", "r", shopHost, "svc", 0), "/x"), routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough})
			},
			wantReason:  ReasonUnsupportedTLS,
			wantMessage: "passthrough termination does not support spec.path",
		},
		{
			name: "destination CA on edge",
			route: func() *routev1.Route {
				tls := edge(good.cert, good.key)
				tls.DestinationCACertificate = other.cert
				return rtWithTLS(rtRoute("ns", "r", shopHost, "svc", 0), tls)
			},
			wantReason:  ReasonUnsupportedTLS,
			wantMessage: "destinationCACertificate is only valid with reencrypt",
		},
		{
			name: "four alternate backends",
			route: func() *routev1.Route {
				return rtWithAlternates(rtRoute("ns", "r", shopHost, "svc", 0), 1, rtAlt("a", 1), rtAlt("b", 1), rtAlt("c", 1), rtAlt("d", 1))
			},
			wantReason:  ReasonInvalidBackends,
			wantMessage: "spec.alternateBackends has 4 entries; at most 3 are allowed",
		},
		{
			name: "same Service twice",
			route: func() *routev1.Route {
				return rtWithAlternates(rtRoute("ns", "r", shopHost, "svc", 0), 50, rtAlt("svc", 50))
			},
			wantReason:  ReasonDuplicateBackend,
			wantMessage: "Service svc appears more than once",
		},
		{
			name:        "weight above 256",
			route:       func() *routev1.Route { return rtWithAlternates(rtRoute("ns", "r", shopHost, "svc", 0), 300) },
			wantReason:  ReasonInvalidBackends,
			wantMessage: "spec.to.weight 300 is outside 0-256",
		},
		{
			name: "backend kind is not Service",
			route: func() *routev1.Route {
				r := rtRoute("ns", "r", shopHost, "svc", 0)
				r.Spec.To.Kind = "Deployment"
				return r
			},
			wantReason:  ReasonInvalidBackends,
			wantMessage: `spec.to.kind "Deployment" is not supported`,
		},
		{
			name: "object names longer than Avi allows",
			route: func() *routev1.Route {
				return rtWithPath(rtRoute("ns", "r", shopHost, "svc", 0), "/"+strings.Repeat("p", 220))
			},
			wantReason:  ReasonNameTooLong,
			wantMessage: "Avi allows 255",
		},
		{
			name:        "path without leading slash",
			route:       func() *routev1.Route { return rtWithPath(rtRoute("ns", "r", shopHost, "svc", 0), "api") },
			wantReason:  ReasonInvalidPath,
			wantMessage: `spec.path "api" must start with /`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := tt.route()
			// A good Route on the same (single) shard must be unaffected.
			fine := rtRoute("ns", "fine", "fine.apps.example.com", "fine-svc", 9)
			snap := rtSnapshot(bad, fine)
			snap.Settings.ShardVSSize = "SMALL"
			snap.Settings.PassthroughShardSize = "SMALL"
			if tt.snap != nil {
				tt.snap(&snap)
			}
			key, _, _ := RouteKey(bad, snap.Settings, snap.Cloud)
			tree, ds := BuildRouteTree(key, snap)
			d := rtDecision(t, ds, "ns", "r")
			if d.Admitted || d.Reason != tt.wantReason || !strings.Contains(d.Message, tt.wantMessage) {
				t.Errorf("decision = %+v\nwant reason %s, message containing %q", d, tt.wantReason, tt.wantMessage)
			}
			if strings.Contains(d.Message, "PRIVATE KEY") || strings.Contains(d.Message, "BEGIN CERTIFICATE") {
				t.Errorf("message leaks PEM content: %s", d.Message)
			}
			for _, o := range tree.Objects {
				if strings.Contains(o.Name, "-ns-r-") || strings.HasSuffix(o.Name, shopHost) {
					t.Errorf("rejected Route left object %s/%s", o.Kind, o.Name)
				}
			}
			l7, l7ds := BuildRouteTree(L7Key("admin", "c1--Shared-L7-0"), snap)
			if f := rtDecision(t, l7ds, "ns", "fine"); !f.Admitted {
				t.Errorf("good Route rejected next to a bad one: %+v", f)
			}
			if !rtHas(l7, KindPool, "c1--fine.apps.example.com-ns-fine-fine-svc") {
				t.Errorf("good Route has no pool: %v", rtNames(l7))
			}
		})
	}
}

func TestRouteWithoutHost(t *testing.T) {
	r := rtRoute("ns", "r", "", "svc", 0)
	r.Spec.Subdomain = "shop"
	s := rtSettings()
	s.DefaultDomain = ""
	if _, _, ok := RouteKey(r, s, rtCloud()); ok {
		t.Fatal("a Route with a subdomain but no defaultDomain got a key")
	}
	d := RouteWithoutHostDecision(r)
	if d.Admitted || d.Reason != ReasonNoHost || !strings.Contains(d.Message, "spec.host") {
		t.Errorf("decision = %+v", d)
	}
	// With defaultDomain the subdomain works.
	snap := rtSnapshot(r)
	tree, ds := buildFor(t, snap, r)
	if d := rtDecision(t, ds, "ns", "r"); !d.Admitted || d.Host != "shop.apps.example.com" {
		t.Errorf("subdomain Route decision = %+v", d)
	}
	if !rtHas(tree, KindPool, "c1--shop.apps.example.com-ns-r-svc") {
		t.Errorf("objects = %v", rtNames(tree))
	}
}

func TestStrictHostClaims(t *testing.T) {
	leaf := rtNewPEM(t, shopHost)
	tls := routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: leaf.cert, Key: leaf.key}
	tests := []struct {
		name     string
		routes   func() []*routev1.Route
		admitted []string
		rejected map[string]string // ns/name -> message substring
	}{
		{
			name: "oldest Route's namespace owns the host",
			routes: func() []*routev1.Route {
				return []*routev1.Route{rtRoute("team-a", "new", shopHost, "svc", 5), rtRoute("team-b", "old", shopHost, "svc", 1), rtWithPath(rtRoute("team-b", "api", shopHost, "svc", 9), "/api")}
			},
			admitted: []string{"team-b/old", "team-b/api"},
			rejected: map[string]string{"team-a/new": "host shop.apps.example.com is claimed by namespace team-b (Route team-b/old is older) and fqdnReusePolicy is Strict"},
		},
		{
			name: "same creation time: namespace order decides",
			routes: func() []*routev1.Route {
				return []*routev1.Route{rtRoute("zeta", "r", shopHost, "svc", 1), rtRoute("alpha", "r", shopHost, "svc", 1)}
			},
			admitted: []string{"alpha/r"},
			rejected: map[string]string{"zeta/r": "claimed by namespace alpha"},
		},
		{
			name: "an invalid older Route claims nothing",
			routes: func() []*routev1.Route {
				bad := rtWithTLS(rtRoute("team-a", "broken", shopHost, "svc", 0), routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: "x", Key: "y"})
				return []*routev1.Route{bad, rtWithTLS(rtRoute("team-b", "ok", shopHost, "svc", 3), tls)}
			},
			admitted: []string{"team-b/ok"},
			rejected: map[string]string{"team-a/broken": "spec.tls.certificate holds no PEM certificate"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			routes := tt.routes()
			snap := rtSnapshot(routes...)
			snap.Settings.FQDNReusePolicy = "Strict"
			_, ds := buildFor(t, snap, routes[0])
			for _, id := range tt.admitted {
				ns, name, _ := strings.Cut(id, "/")
				if d := rtDecision(t, ds, ns, name); !d.Admitted {
					t.Errorf("%s rejected: %s", id, d.Message)
				}
			}
			for id, msg := range tt.rejected {
				ns, name, _ := strings.Cut(id, "/")
				d := rtDecision(t, ds, ns, name)
				if d.Admitted || !strings.Contains(d.Message, msg) {
					t.Errorf("%s: decision %+v, want rejection containing %q", id, d, msg)
				}
			}
		})
	}

	// Deleting the owner hands the host to the next namespace.
	snap := rtSnapshot(rtRoute("team-a", "new", shopHost, "svc", 5))
	snap.Settings.FQDNReusePolicy = "Strict"
	_, ds := buildFor(t, snap, snap.Routes[0])
	if d := rtDecision(t, ds, "team-a", "new"); !d.Admitted {
		t.Errorf("after the owner left: %+v", d)
	}
}

func TestHostPathAndTerminationConflicts(t *testing.T) {
	first := rtRoute("ns", "first", shopHost, "svc", 0)
	dup := rtRoute("other", "dup", shopHost, "svc", 1)
	pt := rtWithTLS(rtRoute("ns", "pt", shopHost, "svc", 2), routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough})
	snap := rtSnapshot(first, dup, pt)
	l7, ds := buildFor(t, snap, first)
	if d := rtDecision(t, ds, "other", "dup"); d.Admitted || d.Reason != ReasonHostAlreadyClaimed || !strings.Contains(d.Message, `path "/" is already served by Route ns/first`) {
		t.Errorf("duplicate host/path decision = %+v", d)
	}
	if rtHas(l7, KindPool, "c1--shop.apps.example.com-other-dup-svc") {
		t.Error("duplicate Route built a pool")
	}
	// The passthrough Route is younger than the L7 Routes: its tree stays empty and its
	// status says why; the L7 tree is unaffected.
	ptTree, ptDs := buildFor(t, snap, pt)
	if d := rtDecision(t, ptDs, "ns", "pt"); d.Admitted || !strings.Contains(d.Message, "already served by Route ns/first with no TLS termination") {
		t.Errorf("passthrough decision = %+v", d)
	}
	if len(ptTree.Objects) != 0 {
		t.Errorf("passthrough tree has %v", rtNames(ptTree))
	}
	if d := rtDecision(t, ds, "ns", "first"); !d.Admitted {
		t.Errorf("first Route = %+v", d)
	}
}
