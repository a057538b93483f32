package e2e

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/akoproject/ako/internal/avisim"
	"github.com/akoproject/ako/internal/model"
	"github.com/akoproject/ako/internal/status"
)

// Bad input (an unparseable load balancer IP, a class in our domain we do not serve,
// ports the Controller rejects) gives a Warning Event and a log line naming the
// Service, creates nothing half-way, and other Services keep working.
func TestBadInput(t *testing.T) {
	s := newStack(t, nil)
	ctx := context.Background()
	badIP := lbService(s.appNS, "bad-ip", 80)
	badIP.Annotations = map[string]string{model.AnnotationLoadBalancerIP: "10.10.10.300"}
	must(t, k8s.Create(ctx, badIP))
	class := "ako.vmware.com/avi-lbx"
	badClass := lbService(s.appNS, "bad-class", 80)
	badClass.Spec.LoadBalancerClass = &class
	must(t, k8s.Create(ctx, badClass))
	rejectedVS := "c1--" + s.appNS + "-rejected"
	s.sim.AddFault(avisim.Fault{Method: "POST", Kind: "virtualservice", Name: rejectedVS, Status: 400,
		Body: `{"error":"services[0].port: port 22 is reserved for the Service Engine"}`})
	must(t, k8s.Create(ctx, lbService(s.appNS, "rejected", 22)))
	must(t, k8s.Create(ctx, lbService(s.appNS, "good", 80)))
	s.start("ako-0")

	waitVIPs(t, s, "good")
	eventually(t, 20*time.Second, func() string {
		if !hasEvent(events(t, s.appNS, "Service", "bad-ip"), corev1.EventTypeWarning, status.ReasonInvalidConfiguration, `"10.10.10.300" is not an IP address`) {
			return "no Warning event for the bad IP"
		}
		if !hasEvent(events(t, s.appNS, "Service", "bad-class"), corev1.EventTypeWarning, status.ReasonInvalidConfiguration, class) {
			return "no Warning event for the unknown class"
		}
		if !hasEvent(events(t, s.appNS, "Service", "rejected"), corev1.EventTypeWarning, status.ReasonSyncError, "port 22 is reserved") {
			return "no Warning event for the rejected port"
		}
		return ""
	})
	for _, want := range [][]string{
		{"bad-ip", "is not an IP address"},
		{"bad-class", class},
		{"rejected", "port 22 is reserved"},
	} {
		if !s.logs.contains(append([]string{`"name"="` + want[0] + `"`}, want[1:]...)...) {
			t.Errorf("no log line naming Service %s with %q", want[0], want[1])
		}
	}
	for _, name := range []string{"bad-ip", "bad-class", "rejected"} {
		if ip, _ := serviceVIP(t, s.appNS, name); ip != "" {
			t.Errorf("Service %s got VIP %s", name, ip)
		}
	}
	for _, kind := range []string{"virtualservice", "vsvip", "pool"} {
		for _, o := range s.sim.Objects(kind) {
			if n, _ := o["name"].(string); n == "c1--"+s.appNS+"-bad-ip" || n == "c1--"+s.appNS+"-bad-class" {
				t.Errorf("%s %s created for bad input", kind, n)
			}
		}
	}
}
