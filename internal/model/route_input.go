package model

import (
	"strings"

	routev1 "github.com/openshift/api/route/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/akoproject/ako/internal/settings"
)

// DefaultCertSecretName is the Secret in the AKO namespace that TLS Routes without an
// inline key and certificate use (ako-spec.md §4.3).
const DefaultCertSecretName = "router-certs-default"

// Keys of the default certificate Secret. alt.* is an optional second certificate
// (e.g. ECDSA beside RSA).
const (
	SecretKeyTLSCert = "tls.crt"
	SecretKeyTLSKey  = "tls.key"
	SecretKeyAltCert = "alt.crt"
	SecretKeyAltKey  = "alt.key"
)

// RouteSnapshot is everything the Route builders read. The builders are pure: the same
// snapshot always gives the same trees and decisions.
type RouteSnapshot struct {
	Settings settings.Settings
	Cloud    Cloud
	// Routes are the in-scope Routes (namespace not blocked, selected). Passing every
	// in-scope Route is always right; a caller may pass fewer, but then it must pass every
	// Route that shares a host with a Route of the key, because host claims span trees.
	Routes []*routev1.Route
	// Services and EndpointSlices (by owning Service) of the Routes' backends.
	Services       map[types.NamespacedName]*corev1.Service
	EndpointSlices map[types.NamespacedName][]discoveryv1.EndpointSlice
	// Nodes are used in NodePort mode.
	Nodes []corev1.Node
	// DefaultCert is Secret router-certs-default of the AKO namespace; nil when absent.
	DefaultCert *corev1.Secret
}

// tenant is the Avi tenant of the Route trees.
func (s RouteSnapshot) tenant() string {
	if s.Cloud.Tenant != "" {
		return s.Cloud.Tenant
	}
	if s.Settings.TenantName != "" {
		return s.Settings.TenantName
	}
	return "admin"
}

// RouteHost is the host a Route serves: spec.host, else spec.subdomain + "." +
// defaultDomain (a leading "." of defaultDomain is not doubled). "" when neither works.
// Host names are case-insensitive, so the result is lower case.
func RouteHost(r *routev1.Route, s settings.Settings) string {
	if h := strings.TrimSpace(r.Spec.Host); h != "" {
		return strings.ToLower(h)
	}
	sub := strings.Trim(strings.TrimSpace(r.Spec.Subdomain), ".")
	domain := strings.TrimPrefix(strings.TrimSpace(s.DefaultDomain), ".")
	if sub == "" || domain == "" {
		return ""
	}
	return strings.ToLower(sub + "." + domain)
}

// isPassthrough reports whether the Route terminates TLS at the backend.
func isPassthrough(r *routev1.Route) bool {
	return r.Spec.TLS != nil && r.Spec.TLS.Termination == routev1.TLSTerminationPassthrough
}

// RouteKey is the tree a Route belongs to, from its host and termination, and the host.
// ok is false when the Route has no host (such a Route belongs to no tree; its status
// says why, see RouteWithoutHostDecision).
func RouteKey(r *routev1.Route, s settings.Settings, c Cloud) (key Key, host string, ok bool) {
	host = RouteHost(r, s)
	if host == "" {
		return "", "", false
	}
	snap := RouteSnapshot{Settings: s, Cloud: c}
	return routeKeyForHost(snap, host, isPassthrough(r)), host, true
}

func routeKeyForHost(snap RouteSnapshot, host string, passthrough bool) Key {
	if passthrough {
		return PassthroughKey(snap.tenant(), PassthroughVSNameForHost(snap.Settings, host))
	}
	return L7Key(snap.tenant(), L7VSNameForHost(snap.Settings, host))
}

// RouteWithoutHostDecision is the decision for a Route that has no host at all.
func RouteWithoutHostDecision(r *routev1.Route) RouteDecision {
	return RouteDecision{
		Namespace: r.Namespace,
		Name:      r.Name,
		Reason:    ReasonNoHost,
		Message:   "the Route has no host: set spec.host, or spec.subdomain with defaultDomain configured in AKO",
	}
}
