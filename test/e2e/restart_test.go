package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/akoproject/ako/internal/avisim"
	"github.com/akoproject/ako/internal/model"
)

// syncServices creates n LoadBalancer Services with endpoints (two of them sharing a
// VIP) and waits until every one shows its VIP.
func syncServices(t *testing.T, s *stack, n int) []string {
	t.Helper()
	ctx := context.Background()
	var names []string
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("svc%d", i)
		svc := lbService(s.appNS, name, 80)
		if i < 2 {
			svc.Annotations = map[string]string{model.AnnotationSharedVIP: "shared"}
			svc.Spec.Ports[0].Port = int32(80 + i)
			svc.Spec.Ports[0].Name = fmt.Sprintf("p%d", 80+i)
		}
		must(t, k8s.Create(ctx, svc))
		must(t, k8s.Create(ctx, endpointSlice(svc, fmt.Sprintf("10.2.%d.1", i), fmt.Sprintf("10.2.%d.2", i))))
		names = append(names, name)
	}
	waitVIPs(t, s, names...)
	return names
}

func waitVIPs(t *testing.T, s *stack, names ...string) {
	t.Helper()
	eventually(t, 60*time.Second, func() string {
		for _, n := range names {
			if ip, _ := serviceVIP(t, s.appNS, n); ip == "" {
				return "Service " + n + " has no VIP yet"
			}
		}
		return ""
	})
}

// A restarted workload with nothing changed compares and writes nothing.
func TestRestartMakesNoWrites(t *testing.T) {
	s := newStack(t, nil)
	first := s.start("ako-0")
	names := syncServices(t, s, 4)
	first.stop()

	s.sim.ResetRequests()
	s.logs.reset()
	s.start("ako-0")
	// Steady state: the second instance reconciled every key.
	eventually(t, 60*time.Second, func() string {
		for _, n := range names[2:] {
			if !s.logs.contains(`"reconciled"`, "service "+s.appNS+"/"+n) {
				return "Service " + n + " not reconciled yet"
			}
		}
		if !s.logs.contains(`"reconciled"`, "shared-vip "+s.appNS+"/shared") {
			return "shared VIP not reconciled yet"
		}
		return ""
	})
	if w := s.sim.Writes(); w != 0 {
		t.Fatalf("restart with no change made %d writes: %v", w, writeRequests(s.sim.Requests()))
	}
	if s.sim.Counts()["GET virtualservice"] == 0 {
		t.Fatal("the second instance never read the Controller; the check above proves nothing")
	}
}

func writeRequests(reqs []avisim.Request) []string {
	var out []string
	for _, r := range reqs {
		switch r.Method {
		case "POST", "PUT", "PATCH", "DELETE":
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

// An object deleted behind AKO's back comes back with the next periodic full sync.
func TestFullSyncRestoresDeletedPool(t *testing.T) {
	s := newStack(t, map[string]string{"fullSyncFrequency": "2"})
	s.start("ako-0")
	syncServices(t, s, 3)
	vs := "c1--" + s.appNS + "-svc2"
	pool := vs + "-TCP-80"
	// The Controller refuses to delete a referenced pool, so unhook it first, as an
	// admin editing the policy would.
	must(t, s.sim.SetObject("l4policyset", map[string]any{"name": vs, "l4_connection_policy": nil}))
	must(t, s.sim.DeleteObject("pool", pool))
	if _, ok := s.sim.Object("pool", pool); ok {
		t.Fatal("pool still there")
	}
	eventually(t, 30*time.Second, func() string {
		servers, ok := poolServers(s, pool)
		if !ok || len(servers) != 2 {
			return "pool not restored"
		}
		o, _ := s.sim.Object("l4policyset", vs)
		if o["l4_connection_policy"] == nil {
			return "policy set not repaired"
		}
		return ""
	})
}
