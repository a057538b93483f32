package e2e

import (
	"context"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/akoproject/ako/internal/model"
	"github.com/akoproject/ako/internal/status"
)

// A Service with endpoints becomes a VS, a VsVip, pools with the pod servers and an
// L4PolicySet on the Controller, and its VIP shows in the Service status; endpoint,
// port and annotation changes follow; deletion leaves nothing behind.
func TestServiceLifecycle(t *testing.T) {
	s := newStack(t, nil)
	ctx := context.Background()
	svc := lbService(s.appNS, "web", 80)
	must(t, k8s.Create(ctx, svc))
	es := endpointSlice(svc, "10.1.0.1", "10.1.0.2", "10.1.0.3")
	must(t, k8s.Create(ctx, es))
	w := s.start("ako-0")

	vs := "c1--" + s.appNS + "-web"
	pool80 := vs + "-TCP-80"
	eventually(t, 30*time.Second, func() string {
		ip, _ := serviceVIP(t, s.appNS, "web")
		if ip == "" {
			return "no VIP in Service status yet"
		}
		if got := vsvipAddr(s, vs); got != ip {
			return "status VIP " + ip + " is not the VsVip address " + got
		}
		return ""
	})
	for _, kind := range []string{"virtualservice", "vsvip", "l4policyset"} {
		if _, ok := s.sim.Object(kind, vs); !ok {
			t.Errorf("no %s %s on the Controller", kind, vs)
		}
	}
	servers, ok := poolServers(s, pool80)
	if want := []string{"10.1.0.1:8080", "10.1.0.2:8080", "10.1.0.3:8080"}; !ok || !reflect.DeepEqual(servers, want) {
		t.Fatalf("pool %s servers %v, want %v", pool80, servers, want)
	}
	_, got := serviceVIP(t, s.appNS, "web")
	if got.Annotations[status.AnnotationVSUUID] == "" || got.Status.LoadBalancer.Ingress[0].Hostname != "web."+s.appNS+".avi.internal" {
		t.Errorf("status/annotations: %+v %v", got.Status.LoadBalancer, got.Annotations)
	}
	if got.Annotations[status.AnnotationTenantName] != "admin" || got.Annotations[status.AnnotationControllerClusterUUID] == "" {
		t.Errorf("annotations %v", got.Annotations)
	}
	eventually(t, 10*time.Second, func() string {
		if !hasEvent(events(t, s.appNS, "Service", "web"), corev1.EventTypeNormal, status.ReasonSynced, vs) {
			return "no Synced event"
		}
		return ""
	})

	// Endpoint change: one pod goes, one becomes not ready.
	must(t, k8s.Get(ctx, client.ObjectKeyFromObject(es), es))
	notReady := false
	es.Endpoints = es.Endpoints[:2]
	es.Endpoints[1].Conditions.Ready = &notReady
	must(t, k8s.Update(ctx, es))
	eventually(t, 20*time.Second, func() string {
		o, _ := s.sim.Object("pool", pool80)
		servers, _ := o["servers"].([]any)
		if len(servers) != 2 {
			return "pool still has " + itoa(len(servers)) + " servers"
		}
		if servers[1].(map[string]any)["enabled"] != false {
			return "not-ready endpoint still enabled"
		}
		return ""
	})

	// Port change: 80 → 80 + 443; a new pool and listener appear.
	must(t, k8s.Get(ctx, client.ObjectKeyFromObject(svc), svc))
	svc.Spec.Ports = append(svc.Spec.Ports, lbService("", "", 443).Spec.Ports[0])
	must(t, k8s.Update(ctx, svc))
	eventually(t, 20*time.Second, func() string {
		if _, ok := s.sim.Object("pool", vs+"-TCP-443"); !ok {
			return "no pool for port 443"
		}
		o, _ := s.sim.Object("virtualservice", vs)
		if svcs, _ := o["services"].([]any); len(svcs) != 2 {
			return "VS does not listen on two ports"
		}
		return ""
	})

	// Annotation change: the external-dns hostname becomes the FQDN.
	must(t, k8s.Get(ctx, client.ObjectKeyFromObject(svc), svc))
	svc.Annotations = map[string]string{model.AnnotationExternalDNS: "shop.avi.internal"}
	must(t, k8s.Update(ctx, svc))
	eventually(t, 20*time.Second, func() string {
		_, got := serviceVIP(t, s.appNS, "web")
		if got == nil || len(got.Status.LoadBalancer.Ingress) == 0 || got.Status.LoadBalancer.Ingress[0].Hostname != "shop.avi.internal" {
			return "hostname not updated"
		}
		o, _ := s.sim.Object("vsvip", vs)
		dns, _ := o["dns_info"].([]any)
		if len(dns) != 1 || dns[0].(map[string]any)["fqdn"] != "shop.avi.internal" {
			return "VsVip dns_info not updated"
		}
		return ""
	})

	// Leaving scope: type LoadBalancer → ClusterIP removes the objects and our status,
	// and back to LoadBalancer brings them back.
	must(t, k8s.Get(ctx, client.ObjectKeyFromObject(svc), svc))
	svc.Spec.Type = corev1.ServiceTypeClusterIP
	for i := range svc.Spec.Ports {
		svc.Spec.Ports[i].NodePort = 0
	}
	must(t, k8s.Update(ctx, svc))
	eventually(t, 20*time.Second, func() string {
		if left := ownedNames(s); len(left) > 0 {
			return "objects left after the type change: " + join(left)
		}
		ip, got := serviceVIP(t, s.appNS, "web")
		if ip != "" || got.Annotations[status.AnnotationVSUUID] != "" {
			return "status or annotations not cleared"
		}
		if !hasEvent(events(t, s.appNS, "Service", "web"), corev1.EventTypeNormal, status.ReasonRemoved, "web") {
			return "no Removed event"
		}
		return ""
	})
	must(t, k8s.Get(ctx, client.ObjectKeyFromObject(svc), svc))
	svc.Spec.Type = corev1.ServiceTypeLoadBalancer
	must(t, k8s.Update(ctx, svc))
	waitVIPs(t, s, "web")

	// Leaving scope: a namespace that stops matching the selector.
	var ns corev1.Namespace
	must(t, k8s.Get(ctx, client.ObjectKey{Name: s.appNS}, &ns))
	ns.Labels["ako-test"] = "someone-else"
	must(t, k8s.Update(ctx, &ns))
	eventually(t, 20*time.Second, func() string {
		if left := ownedNames(s); len(left) > 0 {
			return "objects left after the namespace left the selector: " + join(left)
		}
		if ip, _ := serviceVIP(t, s.appNS, "web"); ip != "" {
			return "status not cleared"
		}
		return ""
	})
	must(t, k8s.Get(ctx, client.ObjectKey{Name: s.appNS}, &ns))
	ns.Labels["ako-test"] = s.id
	must(t, k8s.Update(ctx, &ns))
	waitVIPs(t, s, "web")

	// Deletion leaves nothing behind.
	must(t, k8s.Delete(ctx, svc))
	eventually(t, 20*time.Second, func() string {
		if left := ownedNames(s); len(left) > 0 {
			return "objects left: " + join(left)
		}
		return ""
	})
	_ = w
}
