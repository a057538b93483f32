package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/akoproject/ako/internal/avisim"
	"github.com/akoproject/ako/internal/workload"
)

// The Controller is down when the workload boots: it reports DISCONNECTED/INITIATING,
// keeps retrying, and syncs by itself once the Controller answers.
func TestControllerDownAtBoot(t *testing.T) {
	s := newStack(t, nil)
	down := s.sim.AddFault(avisim.Fault{Kind: "login", Status: 503, Body: `{"error":"service unavailable"}`})
	must(t, k8s.Create(context.Background(), lbService(s.appNS, "web", 80)))
	w := s.start("ako-0")
	eventually(t, 20*time.Second, func() string {
		if s.sim.Counts()["POST login"]+countLogins(s.sim.Requests()) < 2 {
			return "no repeated login attempts yet"
		}
		d, err := apiStatus(w)
		if err != nil {
			return err.Error()
		}
		if d.AviAPI.ConnectionStatus == workload.ConnConnected {
			return "status says CONNECTED while the Controller is down"
		}
		return ""
	})
	if _, err := httpGet("http://" + w.addr + "/readyz"); err == nil {
		t.Error("/readyz is OK while the Controller is down")
	}
	s.sim.RemoveFault(down)
	waitVIPs(t, s, "web")
	d, err := apiStatus(w)
	if err != nil || d.AviAPI.ConnectionStatus != workload.ConnConnected {
		t.Fatalf("after recovery /api/status = %+v, %v", d, err)
	}
	if _, err := httpGet("http://" + w.addr + "/readyz"); err != nil {
		t.Errorf("/readyz after recovery: %v", err)
	}
	if _, err := httpGet("http://" + w.addr + "/healthz"); err != nil {
		t.Errorf("/healthz: %v", err)
	}
	m, err := httpGet("http://" + w.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ako_avi_calls_total", "ako_avi_call_duration_seconds", "controller_runtime_reconcile_total", "workqueue_depth", "ako_managed_objects"} {
		if !strings.Contains(string(m), name) {
			t.Errorf("/metrics has no %s", name)
		}
	}
}

func countLogins(reqs []avisim.Request) int {
	n := 0
	for _, r := range reqs {
		if strings.HasSuffix(r.Path, "/login") {
			n++
		}
	}
	return n
}

// Latency on every call, 5xx answers and expired sessions slow the workload down but
// everything converges, without duplicates.
func TestFaultsConverge(t *testing.T) {
	s := newStack(t, nil)
	s.sim.AddFault(avisim.Fault{Latency: 20 * time.Millisecond})
	s.sim.AddFault(avisim.Fault{Method: "POST", Kind: "pool", Status: 500, Count: 3})
	s.sim.AddFault(avisim.Fault{Method: "POST", Kind: "virtualservice", Status: 503, Count: 2})
	s.start("ako-0")
	ctx := context.Background()
	var names []string
	for _, n := range []string{"a", "b", "c", "d"} {
		svc := lbService(s.appNS, n, 80)
		must(t, k8s.Create(ctx, svc))
		must(t, k8s.Create(ctx, endpointSlice(svc, "10.3.0.1")))
		names = append(names, n)
		if n == "b" {
			s.sim.ExpireSessions()
		}
	}
	waitVIPs(t, s, names...)
	s.sim.ExpireSessions()
	svc := lbService(s.appNS, "e", 80)
	must(t, k8s.Create(ctx, svc))
	waitVIPs(t, s, "e")
	if n := len(s.sim.Objects("virtualservice")); n != 5 {
		t.Errorf("%d virtual services, want 5", n)
	}
}
