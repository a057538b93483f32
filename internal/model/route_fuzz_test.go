package model

import (
	"testing"

	routev1 "github.com/openshift/api/route/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// FuzzBuildRouteTree feeds arbitrary Route fields to the builder: it must never panic,
// a rejection always says why, and an admitted Route yields a well-ordered tree whose
// names Avi accepts.
func FuzzBuildRouteTree(f *testing.F) {
	f.Add("shop.apps.example.com", "/cart", "edge", "Redirect", "", "", int32(100), "http")
	f.Add("x.other.org", "", "passthrough", "", "", "", int32(0), "")
	f.Add("", "api", "reencrypt", "Allow", "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n", "k", int32(300), "8080")
	f.Add("*.apps.example.com", "/", "bogus", "None", "c", "", int32(-1), "metrics")
	f.Fuzz(func(t *testing.T, host, path, termination, policy, cert, key string, weight int32, port string) {
		r := rtRoute("ns", "r", host, "svc", 0)
		r.Spec.Path = path
		r.Spec.To.Weight = &weight
		if port != "" {
			r.Spec.Port = &routev1.RoutePort{TargetPort: intstr.Parse(port)}
		}
		if termination != "" {
			r.Spec.TLS = &routev1.TLSConfig{
				Termination:                   routev1.TLSTerminationType(termination),
				InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyType(policy),
				Certificate:                   cert, Key: key,
			}
		}
		snap := rtSnapshot(r)
		key0, _, ok := RouteKey(r, snap.Settings, snap.Cloud)
		if !ok {
			return
		}
		tree, ds := BuildRouteTree(key0, snap)
		for _, d := range ds {
			if !d.Admitted && (d.Reason == "" || d.Message == "") {
				t.Fatalf("rejection without reason: %+v", d)
			}
		}
		checkTreeOrder(t, tree)
		for _, o := range tree.Objects {
			if len(o.Name) > MaxNameLength {
				t.Fatalf("%s name of %d characters", o.Kind, len(o.Name))
			}
		}
	})
}
