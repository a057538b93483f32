package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// With two replicas only the lease holder writes; when it goes, the other takes over
// within the lease period, without duplicate objects.
func TestHAFollowerWritesNothing(t *testing.T) {
	s := newStack(t, nil)
	leader := s.start("ako-0")
	waitLog(t, s, "this replica is the leader")
	s.start("ako-1")
	waitLog(t, s, "this replica is a follower")

	s.sim.ResetRequests()
	s.logs.reset()
	syncServices(t, s, 3)
	// The follower's reconcilers never ran: every object was created exactly once, by
	// the leader (shared VIP: 1 VsVip + 2 pools + 1 policy + 1 VS; svc2: 4).
	if posts := s.sim.Counts(); posts["POST virtualservice"] != 2 || posts["POST pool"] != 3 || posts["POST vsvip"] != 2 || posts["POST l4policyset"] != 2 {
		t.Errorf("creates %v, want each object created once", posts)
	}
	noConflicts(t, s)
	leader.stop()
	start := time.Now()
	s.logs.reset()
	waitLog(t, s, "this replica is the leader")
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("takeover took %s, more than the lease", d)
	}
	s.sim.ResetRequests()
	must(t, k8s.Create(context.Background(), lbService(s.appNS, "after", 80)))
	waitVIPs(t, s, "after")
	vs := 0
	for _, o := range s.sim.Objects("virtualservice") {
		if strings.HasPrefix(fmt.Sprint(o["name"]), "c1--") {
			vs++
		}
	}
	if vs != 3 {
		t.Errorf("%d virtual services after failover, want 3", vs)
	}
	noConflicts(t, s)
}

func noConflicts(t *testing.T, s *stack) {
	t.Helper()
	for _, r := range s.sim.Requests() {
		if r.Status == 409 {
			t.Errorf("duplicate create: %s %s", r.Method, r.Path)
		}
	}
}

func waitLog(t *testing.T, s *stack, parts ...string) {
	t.Helper()
	eventually(t, 30*time.Second, func() string {
		if !s.logs.contains(parts...) {
			return "no log line with " + strings.Join(parts, ", ")
		}
		return ""
	})
}
