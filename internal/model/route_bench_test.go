package model

import (
	"strconv"
	"testing"

	routev1 "github.com/openshift/api/route/v1"
	corev1 "k8s.io/api/core/v1"
)

// benchRoutes is the realistic mix: 60% edge (half of them on the default
// certificate), 20% insecure, 10% reencrypt, 10% passthrough; 1-3 backends.
func benchRoutes(b *testing.B, n int) RouteSnapshot {
	leaf, dest := rtNewPEM(b, "leaf"), rtNewPEM(b, "dest")
	var routes []*routev1.Route
	for i := 0; i < n; i++ {
		host := "app" + strconv.Itoa(i) + ".apps.example.com"
		r := rtRoute("ns"+strconv.Itoa(i%20), "r"+strconv.Itoa(i), host, "svc"+strconv.Itoa(i), i)
		switch i % 10 {
		case 0, 1, 2:
			r = rtWithTLS(r, routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, Certificate: leaf.cert, Key: leaf.key})
		case 3, 4, 5:
			r = rtWithTLS(r, routev1.TLSConfig{Termination: routev1.TLSTerminationEdge, InsecureEdgeTerminationPolicy: routev1.InsecureEdgeTerminationPolicyRedirect})
		case 6:
			r = rtWithTLS(r, routev1.TLSConfig{Termination: routev1.TLSTerminationReencrypt, Certificate: leaf.cert, Key: leaf.key, DestinationCACertificate: dest.cert})
		case 7:
			r = rtWithTLS(r, routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough})
		}
		if i%3 == 1 {
			r = rtWithAlternates(r, 50, rtAlt("alt"+strconv.Itoa(i), 50))
		}
		if i%3 == 2 {
			r = rtWithAlternates(r, 40, rtAlt("alt"+strconv.Itoa(i), 30), rtAlt("alt2-"+strconv.Itoa(i), 30))
		}
		routes = append(routes, r)
	}
	snap := rtSnapshot(routes...)
	snap.DefaultCert = &corev1.Secret{Data: map[string][]byte{"tls.crt": []byte(leaf.cert), "tls.key": []byte(leaf.key)}}
	return snap
}

// BenchmarkRouteTreesFullSync builds every tree of 2000 Routes from one snapshot, as a
// full sync does.
func BenchmarkRouteTreesFullSync(b *testing.B) {
	snap := benchRoutes(b, 2000)
	keys := RouteKeys(snap)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		objects := 0
		for _, k := range keys {
			tree, _ := BuildRouteTree(k, snap)
			objects += len(tree.Objects)
		}
		if objects == 0 {
			b.Fatal("no objects built")
		}
	}
	b.ReportMetric(float64(len(keys)), "trees")
}

// BenchmarkRouteTreeOneShard rebuilds one LARGE shard of 2000 Routes (about 1/8 of the
// L7 Routes), the work of one Route event.
func BenchmarkRouteTreeOneShard(b *testing.B) {
	snap := benchRoutes(b, 2000)
	key, _, _ := RouteKey(snap.Routes[0], snap.Settings, snap.Cloud)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if tree, _ := BuildRouteTree(key, snap); len(tree.Objects) == 0 {
			b.Fatal("empty shard")
		}
	}
}
