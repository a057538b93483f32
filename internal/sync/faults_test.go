package sync

import (
	"slices"
	"testing"
	"time"

	"github.com/vmware/alb-sdk/go/models"

	"github.com/akoproject/ako/internal/avi"
	"github.com/akoproject/ako/internal/avisim"
	"github.com/akoproject/ako/internal/model"
)

// applyUntilConverged applies tree until it succeeds, as the work queue would, and
// returns the errors met on the way. It fails the test after a few attempts: a fault that
// is gone must not need more.
func applyUntilConverged(t *testing.T, e *Engine, tree model.Tree) []error {
	t.Helper()
	var errs []error
	for range 4 {
		_, err := e.Apply(testCtx(t), tree)
		if err == nil {
			return errs
		}
		errs = append(errs, err)
	}
	t.Fatalf("tree %s did not converge: %v", tree.Key, errs)
	return nil
}

func TestFaultsConverge(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fault     avisim.Fault
		wantClass avi.Class // class of the first error; ClassUnknown = no error at all
	}{
		{"latency", avisim.Fault{Method: "POST", Kind: "pool", Latency: 300 * time.Millisecond}, avi.ClassUnknown},
		{"500 on the VS", avisim.Fault{Method: "POST", Kind: "virtualservice", Count: 1, Status: 500}, avi.ClassRetryable},
		{"503 on a pool", avisim.Fault{Method: "POST", Kind: "pool", Count: 2, Status: 503}, avi.ClassRetryable},
		{"409 without an object", avisim.Fault{Method: "POST", Kind: "l4policyset", Count: 1, Status: 409,
			Body: `{"error":"L4PolicySet with this name already exists"}`}, avi.ClassRetryable},
		{"connection reset", avisim.Fault{Method: "POST", Kind: "vsvip", Count: 1, ResetConnection: true}, avi.ClassSlow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, e := setup(t)
			tree := l4Tree("web", 80, 443)
			sim.AddFault(tc.fault)
			errs := applyUntilConverged(t, e, tree)
			if tc.wantClass == avi.ClassUnknown && len(errs) > 0 {
				t.Fatalf("unexpected errors %v", errs)
			}
			if tc.wantClass != avi.ClassUnknown && (len(errs) == 0 || avi.ClassOf(errs[0]) != tc.wantClass) {
				t.Fatalf("errors %v, want first of class %s", errs, tc.wantClass)
			}
			if got, want := ours(sim), treeNames(tree); !slices.Equal(got, want) {
				t.Fatalf("simulator holds %v, want %v", got, want)
			}
			sim.ClearFaults()
			sim.ResetRequests()
			mustApply(t, e, tree)
			if sim.Writes() != 0 {
				t.Fatalf("after converging, re-apply wrote %v", writes(sim))
			}
		})
	}
}

func TestSessionExpiryConverges(t *testing.T) {
	sim, e := setup(t)
	tree := l4Tree("web", 80)
	mustApply(t, e, tree)
	sim.ExpireSessions()
	changed := l4Tree("web", 80)
	changed.Objects[1].Body.(*models.Pool).Servers[0].Port = ptr(int32(31000))
	errs := applyUntilConverged(t, e, changed)
	for _, err := range errs {
		if avi.ClassOf(err).Requeue() != avi.RequeueFast {
			t.Fatalf("session expiry gave %v, want a fast retry", err)
		}
	}
	p, _ := sim.Object("pool", changed.Objects[1].Name)
	servers := p["servers"].([]any)
	if port := servers[0].(map[string]any)["port"]; port == nil || port.(interface{ String() string }).String() != "31000" {
		t.Fatalf("pool not updated after session expiry: %v", servers[0])
	}
	logins := 0
	for _, r := range sim.Requests() {
		if r.Kind == "login" {
			logins++
		}
	}
	if logins == 0 {
		t.Fatal("no re-login after session expiry")
	}
}

func TestConflictOnCreateAdoptsTheExistingObject(t *testing.T) {
	sim, e := setup(t)
	tree := l4Tree("web", 80)
	mustApply(t, e, tree)
	// A process that never saw these objects (no Populate) applies the same tree, then
	// a changed one: POST gets 409, the object is read back, compared, and PUT only if
	// it differs.
	fresh := newEngine(connect(t, sim))
	sim.ResetRequests()
	mustApply(t, fresh, tree)
	if sim.Writes() != len(tree.Objects) || sim.Counts()["PUT pool"] != 0 {
		t.Fatalf("adopting unchanged objects: writes %v", writes(sim))
	}
	for _, r := range sim.Requests() {
		if r.Method == "POST" && r.Kind != "login" && r.Status != 409 {
			t.Fatalf("POST %s answered %d, want 409", r.Kind, r.Status)
		}
	}
	changed := l4Tree("web", 80)
	changed.Objects[1].Body.(*models.Pool).Servers[0].Port = ptr(int32(31000))
	other := newEngine(connect(t, sim))
	sim.ResetRequests()
	mustApply(t, other, changed)
	if got := writes(sim); sim.Counts()["PUT pool"] != 1 || len(got) != len(tree.Objects)+1 {
		t.Fatalf("adopting a changed pool: writes %v", got)
	}
}

func TestNotFoundOnPutRecreates(t *testing.T) {
	sim, e := setup(t)
	tree := l4Tree("web", 80)
	mustApply(t, e, tree)
	changed := l4Tree("web", 80)
	changed.Objects[1].Body.(*models.Pool).Servers[0].Port = ptr(int32(31000))
	sim.AddFault(avisim.Fault{Method: "PUT", Kind: "pool", Count: 1, Status: 404, Body: `{"error":"Pool object not found!"}`})
	sim.ResetRequests()
	mustApply(t, e, changed)
	// PUT 404 → forget → POST 409 (it does exist) → read back → PUT.
	if got, want := writes(sim), []string{"PUT pool", "POST pool", "PUT pool"}; !slices.Equal(got, want) {
		t.Fatalf("writes %v, want %v", got, want)
	}
	p, _ := sim.Object("pool", changed.Objects[1].Name)
	if !poolHasServer(p, "10.1.0.1") {
		t.Fatalf("pool lost its servers: %v", p)
	}
}

func TestIPAMExhaustionIsSlow(t *testing.T) {
	sim, e := setup(t)
	sim.SetIPAMExhausted(true)
	_, err := e.Apply(testCtx(t), l4Tree("web", 80))
	if avi.ClassOf(err) != avi.ClassSlow || avi.ClassOf(err).Requeue() != avi.RequeueSlow {
		t.Fatalf("IPAM exhaustion: %v (class %s), want Slow", err, avi.ClassOf(err))
	}
	if len(ours(sim)) != 0 {
		t.Fatalf("objects created after the VsVip failed: %v", ours(sim))
	}
	sim.SetIPAMExhausted(false)
	applyUntilConverged(t, e, l4Tree("web", 80))
}

func TestPermanentErrorNamesTheObject(t *testing.T) {
	sim, e := setup(t)
	tree := l4Tree("web", 80)
	sim.AddFault(avisim.Fault{Method: "POST", Kind: "pool", Status: 400,
		Body: `{"error":"lb_algorithm: LB_ALGORITHM_NO_SUCH_THING is not a valid choice"}`})
	_, err := e.Apply(testCtx(t), tree)
	if avi.ClassOf(err) != avi.ClassPermanent || avi.ClassOf(err).Requeue() != avi.RequeueNever {
		t.Fatalf("bad enum: %v (class %s), want Permanent", err, avi.ClassOf(err))
	}
	msg := err.Error()
	if !contains(msg, tree.Objects[1].Name) || !contains(msg, "lb_algorithm") {
		t.Fatalf("error does not name the object and the Controller's complaint: %s", msg)
	}
	if _, ok := sim.Object("virtualservice", tree.Objects[3].Name); ok {
		t.Fatal("the VS was created although its pool failed")
	}
}

func TestInvalidTreeIsPermanentAndWritesNothing(t *testing.T) {
	sim, e := setup(t)
	dup := l4Tree("web", 80)
	dup.Objects = append(dup.Objects, dup.Objects[1])
	unknown := l4Tree("web", 80)
	unknown.Objects[0].Kind = "network"
	unencodable := l4Tree("web", 80)
	unencodable.Objects[1].Body = map[string]any{"name": make(chan int)}
	sim.ResetRequests()
	for _, tree := range []model.Tree{dup, unknown, unencodable} {
		_, err := e.Apply(testCtx(t), tree)
		if avi.ClassOf(err) != avi.ClassPermanent {
			t.Fatalf("invalid tree: %v (class %s), want Permanent", err, avi.ClassOf(err))
		}
	}
	if got := writes(sim); len(got) > 1 {
		// The unencodable pool comes after the VsVip, which may be written first.
		t.Fatalf("invalid trees wrote %v", got)
	}
}

func TestDeferredIPAMAddressIsReadBack(t *testing.T) {
	sim, e := setup(t)
	sim.SetIPAMDeferred(true)
	res := mustApply(t, e, l4Tree("web", 80))
	if v := res.VIPs[testCluster+"--ns-web"]; len(v.IPv4) != 1 {
		t.Fatalf("VIP not read back after an asynchronous allocation: %+v", res.VIPs)
	}
	sim.ResetRequests()
	mustApply(t, e, l4Tree("web", 80))
	if sim.Writes() != 0 || sim.Counts()["GET vsvip"] != 0 {
		t.Fatalf("re-apply after read-back: writes %v, %d vsvip GETs", writes(sim), sim.Counts()["GET vsvip"])
	}
}

func TestVsVipUpdateKeepsTheAddress(t *testing.T) {
	sim, e := setup(t)
	res := mustApply(t, e, l4Tree("web", 80))
	before := res.VIPs[testCluster+"--ns-web"].IPv4
	changed := l4Tree("web", 80)
	changed.Objects[0].Body.(*models.VsVip).DNSInfo[0].Fqdn = ptr("web2.ns.avi.internal")
	sim.ResetRequests()
	res = mustApply(t, e, changed)
	if got := writes(sim); !slices.Equal(got, []string{"PUT vsvip"}) {
		t.Fatalf("writes %v", got)
	}
	for _, r := range sim.Requests() {
		if r.Method == "PUT" && !contains(r.Body, before[0]) {
			t.Fatalf("VsVip PUT does not carry the allocated address %s: %s", before[0], r.Body)
		}
	}
	if after := res.VIPs[testCluster+"--ns-web"].IPv4; !slices.Equal(after, before) {
		t.Fatalf("VIP moved from %v to %v", before, after)
	}
}
