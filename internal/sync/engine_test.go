package sync

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vmware/alb-sdk/go/models"

	"github.com/akoproject/ako/internal/avi"
	"github.com/akoproject/ako/internal/avisim"
	"github.com/akoproject/ako/internal/avisim/avisimtest"
	"github.com/akoproject/ako/internal/model"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func connect(t *testing.T, sim *avisimtest.Sim) *avi.Client {
	t.Helper()
	c, err := avi.Connect(testCtx(t), avi.Config{Host: sim.Host, Username: sim.Username, Password: sim.Password,
		Sessions: 3, RetryInitial: 20 * time.Millisecond})
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	return c
}

func newEngine(c *avi.Client) *Engine {
	return New(Options{Client: c, ClusterName: testCluster, CreatedBy: "ako-" + testCluster, Cloud: testCloud})
}

func setup(t *testing.T) (*avisimtest.Sim, *Engine) {
	sim := avisimtest.Start(t, avisim.Options{})
	return sim, newEngine(connect(t, sim))
}

func mustApply(t *testing.T, e *Engine, tree model.Tree) Result {
	t.Helper()
	res, err := e.Apply(testCtx(t), tree)
	if err != nil {
		t.Fatalf("apply %s: %v", tree.Key, err)
	}
	return res
}

// ours lists the names of objects on the simulator that carry our created_by or, for the
// kinds without it, our name prefix.
func ours(sim *avisimtest.Sim) []string {
	var names []string
	for kind := range knownKinds {
		for _, o := range sim.Objects(string(kind)) {
			if avi.String(o, "created_by") == "ako-"+testCluster || strings.HasPrefix(avi.String(o, "name"), testCluster+"--") {
				names = append(names, string(kind)+"/"+avi.String(o, "name"))
			}
		}
	}
	slices.Sort(names)
	return names
}

func treeNames(trees ...model.Tree) []string {
	var names []string
	for _, t := range trees {
		for _, o := range t.Objects {
			names = append(names, string(o.Kind)+"/"+o.Name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// writes returns "<METHOD> <kind>" of the logged write requests, in order.
func writes(sim *avisimtest.Sim) []string {
	var out []string
	for _, r := range sim.Requests() {
		switch r.Method {
		case "POST", "PUT", "DELETE":
			if r.Kind != "login" && r.Kind != "logout" {
				out = append(out, r.Method+" "+r.Kind)
			}
		}
	}
	return out
}

func TestApplyCreatesTreesInOrderAndReapplyWritesNothing(t *testing.T) {
	sim, e := setup(t)
	l4 := l4Tree("web", 80, 443)
	l7 := l7Tree(t, 0, nil)

	sim.ResetRequests()
	res := mustApply(t, e, l4)
	var kinds []string
	for _, w := range writes(sim) {
		kinds = append(kinds, strings.TrimPrefix(w, "POST "))
	}
	if want := []string{"vsvip", "pool", "pool", "l4policyset", "virtualservice"}; !slices.Equal(kinds, want) {
		t.Fatalf("L4 writes %v, want POSTs of %v", writes(sim), want)
	}
	vip := res.VIPs[testCluster+"--ns-web"]
	if len(vip.IPv4) != 1 || !strings.HasPrefix(vip.IPv4[0], "10.10.10.") {
		t.Fatalf("VIP not reported: %+v", res.VIPs)
	}
	vs, _ := sim.Object("virtualservice", testCluster+"--ns-web")
	if res.VirtualServices[testCluster+"--ns-web"] == "" || res.VirtualServices[testCluster+"--ns-web"] != avi.String(vs, "uuid") {
		t.Fatalf("VS uuid %q, simulator has %q", res.VirtualServices[testCluster+"--ns-web"], avi.String(vs, "uuid"))
	}
	res7 := mustApply(t, e, l7)
	if len(res7.VIPs[testCluster+"--Shared-L7-0"].IPv4) != 1 || len(res7.VirtualServices) != 2 {
		t.Fatalf("L7 result %+v", res7)
	}
	if got, want := ours(sim), treeNames(l4, l7); !slices.Equal(got, want) {
		t.Fatalf("simulator holds %v, want %v", got, want)
	}

	sim.ResetRequests()
	for _, tree := range []model.Tree{l4, l7} {
		if res := mustApply(t, e, tree); res.Writes() != 0 {
			t.Fatalf("re-apply reported changes %v", res.Changes)
		}
	}
	if sim.Writes() != 0 {
		t.Fatalf("unchanged re-apply wrote: %v", writes(sim))
	}

	// A new process: fresh cache from the Controller, same trees, still zero writes.
	fresh := newEngine(connect(t, sim))
	if err := fresh.Populate(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if got, want := len(fresh.Owned()), len(treeNames(l4, l7)); got != want {
		t.Fatalf("populated %d objects, want %d", got, want)
	}
	sim.ResetRequests()
	for _, tree := range []model.Tree{l4, l7} {
		res := mustApply(t, fresh, tree)
		if tree.Key == l4.Key && len(res.VIPs[testCluster+"--ns-web"].IPv4) != 1 {
			t.Fatalf("restarted process does not report the VIP: %+v", res.VIPs)
		}
	}
	if sim.Writes() != 0 {
		t.Fatalf("restart with unchanged trees wrote: %v", writes(sim))
	}
	if _, err := fresh.GC(testCtx(t), Desired{Trees: []model.Tree{l4, l7}, Complete: true}); err != nil || sim.Writes() != 0 {
		t.Fatalf("GC with everything wanted: err=%v writes=%v", err, writes(sim))
	}
}

func TestChangeOnePoolIsExactlyOnePut(t *testing.T) {
	sim, e := setup(t)
	tree := l4Tree("web", 80, 443)
	mustApply(t, e, tree)

	changed := l4Tree("web", 80, 443)
	changed.Objects[1].Body.(*models.Pool).Servers[0].IP.Addr = ptr("10.1.0.9")
	sim.ResetRequests()
	res := mustApply(t, e, changed)
	if got := writes(sim); !slices.Equal(got, []string{"PUT pool"}) {
		t.Fatalf("writes %v, want exactly one PUT pool", got)
	}
	if len(res.Changes) != 1 || res.Changes[0].ID.Name != changed.Objects[1].Name {
		t.Fatalf("changes %v", res.Changes)
	}
	p, _ := sim.Object("pool", changed.Objects[1].Name)
	if !strings.Contains(avi.String(p, "cloud_config_cksum"), "") || !poolHasServer(p, "10.1.0.9") {
		t.Fatalf("pool on the simulator not updated: %v", p["servers"])
	}
}

func poolHasServer(p map[string]any, ip string) bool {
	servers, _ := p["servers"].([]any)
	for _, s := range servers {
		sm, _ := s.(map[string]any)
		ipm, _ := sm["ip"].(map[string]any)
		if avi.String(ipm, "addr") == ip {
			return true
		}
	}
	return false
}

func TestRemovedObjectsAreDeletedParentsFirst(t *testing.T) {
	sim, e := setup(t)
	l4 := l4Tree("web", 80, 443)
	l7 := l7Tree(t, 0, nil)
	mustApply(t, e, l4)
	mustApply(t, e, l7)

	// Shrink: port 443 goes. The policy set and VS are updated before the pool goes.
	sim.ResetRequests()
	mustApply(t, e, l4Tree("web", 80))
	if got, want := writes(sim), []string{"PUT l4policyset", "PUT virtualservice", "DELETE pool"}; !slices.Equal(got, want) {
		t.Fatalf("shrink writes %v, want %v", got, want)
	}
	if _, ok := sim.Object("pool", testCluster+"--ns-web-TCP-443"); ok {
		t.Fatal("dropped pool still on the simulator")
	}

	// Delete the L7 tree: children and parents first, all gone.
	sim.ResetRequests()
	res, err := e.Apply(testCtx(t), model.Tree{Key: l7.Key})
	if err != nil {
		t.Fatal(err)
	}
	got := writes(sim)
	want := []string{"DELETE virtualservice", "DELETE virtualservice", "DELETE vsvip", "DELETE httppolicyset",
		"DELETE httppolicyset", "DELETE poolgroup", "DELETE poolgroup", "DELETE pool", "DELETE pool", "DELETE sslkeyandcertificate"}
	if !slices.Equal(got, want) {
		t.Fatalf("delete order %v, want %v", got, want)
	}
	if res.Changes[0].ID.Name != testCluster+"--secure0.example.com" {
		t.Fatalf("SNI child not deleted first: %v", res.Changes)
	}
	mustApply(t, e, model.Tree{Key: l4.Key})
	if left := ours(sim); len(left) != 0 {
		t.Fatalf("objects left behind: %v", left)
	}
}

func TestSharedObjectDeletedWhenNoTreeWantsIt(t *testing.T) {
	sim, e := setup(t)
	certPEM, keyPEM := testCert(t, "*.example.com")
	shared := certObj(testCluster+"--default-cert", certPEM, keyPEM)
	t0, t1 := l7Tree(t, 0, &shared), l7Tree(t, 1, &shared)
	mustApply(t, e, t0)
	mustApply(t, e, t1)
	if n := sim.Counts()["POST sslkeyandcertificate"]; n != 3 {
		t.Fatalf("%d certificate POSTs, want 3 (one shared, two SNI)", n)
	}
	mustApply(t, e, model.Tree{Key: t0.Key})
	if _, ok := sim.Object("sslkeyandcertificate", shared.Name); !ok {
		t.Fatal("shared certificate deleted while another tree wants it")
	}
	mustApply(t, e, model.Tree{Key: t1.Key})
	if _, ok := sim.Object("sslkeyandcertificate", shared.Name); ok {
		t.Fatal("shared certificate left behind after its last tree went")
	}
	if left := ours(sim); len(left) != 0 {
		t.Fatalf("objects left behind: %v", left)
	}
}

func TestConcurrentTreesShareObjectsWithoutConflicts(t *testing.T) {
	sim, e := setup(t)
	certPEM, keyPEM := testCert(t, "*.example.com")
	shared := certObj(testCluster+"--default-cert", certPEM, keyPEM)
	var trees []model.Tree
	for i := range 4 {
		trees = append(trees, l7Tree(t, i, &shared))
	}
	for i := range 6 {
		trees = append(trees, l4Tree("svc"+itoa(i), 80))
	}
	errs := make(chan error, len(trees))
	for _, tree := range trees {
		go func() {
			_, err := e.Apply(testCtx(t), tree)
			errs <- err
		}()
	}
	for range trees {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got, want := ours(sim), treeNames(trees...); !slices.Equal(got, want) {
		t.Fatalf("simulator holds %v, want %v", got, want)
	}
	if n := sim.Counts()["POST sslkeyandcertificate"]; n != 5 {
		t.Fatalf("%d certificate POSTs, want 5", n)
	}
}

func TestOutOfBandChangesAreRepairedAfterPopulate(t *testing.T) {
	sim, e := setup(t)
	tree := l4Tree("web", 80, 443)
	mustApply(t, e, tree)
	p80, p443 := tree.Objects[1].Name, tree.Objects[2].Name

	// Someone edits a pool's servers in the UI (the checksum field stays as it was).
	if err := sim.SetObject("pool", map[string]any{"name": p80, "servers": []any{
		map[string]any{"ip": map[string]any{"addr": "192.0.2.1", "type": "V4"}, "port": 1}}}); err != nil {
		t.Fatal(err)
	}
	// Someone removes the 443 rule and deletes that pool.
	l4 := tree.Objects[3].Body.(*models.L4PolicySet)
	if err := sim.SetObject("l4policyset", map[string]any{"name": tree.Objects[3].Name,
		"l4_connection_policy": map[string]any{"rules": []any{map[string]any{"name": *l4.L4ConnectionPolicy.Rules[0].Name,
			"index": 0, "action": map[string]any{"select_pool": map[string]any{"action_type": "L4_RULE_ACTION_SELECT_POOL",
				"pool_ref": "/api/pool/?name=" + p80}}}}}}); err != nil {
		t.Fatal(err)
	}
	if err := sim.DeleteObject("pool", p443); err != nil {
		t.Fatal(err)
	}

	if err := e.Populate(testCtx(t)); err != nil { // the full sync
		t.Fatal(err)
	}
	sim.ResetRequests()
	mustApply(t, e, tree)
	got := writes(sim)
	slices.Sort(got)
	if want := []string{"POST pool", "PUT l4policyset", "PUT pool"}; !slices.Equal(got, want) {
		t.Fatalf("repair writes %v, want %v", got, want)
	}
	p, _ := sim.Object("pool", p80)
	if !poolHasServer(p, "10.1.0.1") || poolHasServer(p, "192.0.2.1") {
		t.Fatalf("edited pool not repaired: %v", p["servers"])
	}
	if _, ok := sim.Object("pool", p443); !ok {
		t.Fatal("deleted pool not re-created")
	}
	sim.ResetRequests()
	mustApply(t, e, tree)
	if sim.Writes() != 0 {
		t.Fatalf("after repair, re-apply wrote %v", writes(sim))
	}
}

func TestGCDeletesOnlyUnwantedObjectsOfOurs(t *testing.T) {
	sim, e := setup(t)
	tree := l4Tree("web", 80)
	mustApply(t, e, tree)
	gone := l4Tree("gone", 80)
	mustApply(t, e, gone)
	// Another cluster's pool and a pool nobody's AKO created.
	for _, p := range []map[string]any{
		{"name": "c2--ns-x-TCP-80", "created_by": "ako-c2", "cloud_ref": cloudRef},
		{"name": "manual-pool", "cloud_ref": cloudRef},
	} {
		if err := sim.SetObject("pool", p); err != nil {
			t.Fatal(err)
		}
	}
	seeded := len(sim.Objects("healthmonitor")) + len(sim.Objects("sslkeyandcertificate"))

	fresh := newEngine(connect(t, sim)) // a restarted process: it never applied "gone"
	if _, err := fresh.GC(testCtx(t), Desired{Trees: []model.Tree{tree}, Complete: true}); !errors.Is(err, ErrIncompleteView) {
		t.Fatalf("GC before Populate: %v, want ErrIncompleteView", err)
	}
	if err := fresh.Populate(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	sim.ResetRequests()
	if _, err := fresh.GC(testCtx(t), Desired{Trees: []model.Tree{tree}, Complete: false}); !errors.Is(err, ErrIncompleteView) {
		t.Fatalf("GC with an incomplete caller view: %v, want ErrIncompleteView", err)
	}
	if sim.Writes() != 0 {
		t.Fatalf("refused GC wrote %v", writes(sim))
	}
	res, err := fresh.GC(testCtx(t), Desired{Trees: []model.Tree{tree}, Complete: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := writes(sim), []string{"DELETE virtualservice", "DELETE vsvip", "DELETE l4policyset", "DELETE pool"}; !slices.Equal(got, want) {
		t.Fatalf("GC writes %v, want %v", got, want)
	}
	if len(res.Changes) != 4 {
		t.Fatalf("changes %v", res.Changes)
	}
	if got, want := ours(sim), treeNames(tree); !slices.Equal(got, want) {
		t.Fatalf("after GC the simulator holds %v, want %v", got, want)
	}
	for _, name := range []string{"c2--ns-x-TCP-80", "manual-pool"} {
		if _, ok := sim.Object("pool", name); !ok {
			t.Fatalf("GC deleted %s, which is not ours", name)
		}
	}
	if n := len(sim.Objects("healthmonitor")) + len(sim.Objects("sslkeyandcertificate")); n != seeded {
		t.Fatalf("seeded objects changed: %d, want %d", n, seeded)
	}
}

func TestGCRefusesAfterAFailedPage(t *testing.T) {
	sim, e := setup(t)
	for i := range 150 {
		if err := sim.SetObject("pool", map[string]any{"name": testCluster + "--orphan-" + itoa(i),
			"created_by": "ako-" + testCluster, "cloud_ref": cloudRef}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Populate(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if n := len(e.Owned()); n != 150 {
		t.Fatalf("populate saw %d of 150 pools over two pages", n)
	}
	sim.AddFault(avisim.Fault{Method: "GET", Kind: "pool", After: 1, Count: 1, Status: 500})
	err := e.Populate(testCtx(t))
	if err == nil || !strings.Contains(err.Error(), "incomplete view") || avi.ClassOf(err) != avi.ClassRetryable {
		t.Fatalf("populate with page 2 failing: %v", err)
	}
	sim.ResetRequests()
	if _, err := e.GC(testCtx(t), Desired{Complete: true}); !errors.Is(err, ErrIncompleteView) {
		t.Fatalf("GC after a failed page: %v, want ErrIncompleteView", err)
	}
	if sim.Writes() != 0 || len(sim.Objects("pool")) < 150 {
		t.Fatalf("GC after a failed page deleted: %v", writes(sim))
	}
	// Once the listing works again GC proceeds and removes the orphans.
	if err := e.Populate(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.GC(testCtx(t), Desired{Complete: true}); err != nil {
		t.Fatal(err)
	}
	if left := ours(sim); len(left) != 0 {
		t.Fatalf("orphans left: %d", len(left))
	}
}

func TestDeleteAllRemovesEverythingOurs(t *testing.T) {
	sim, e := setup(t)
	mustApply(t, e, l4Tree("web", 80, 443))
	mustApply(t, e, l7Tree(t, 0, nil))
	if err := sim.SetObject("pool", map[string]any{"name": "c2--keep", "created_by": "ako-c2", "cloud_ref": cloudRef}); err != nil {
		t.Fatal(err)
	}
	fresh := newEngine(connect(t, sim))
	res, err := fresh.DeleteAll(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if left := ours(sim); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
	if res.Writes() != 15 {
		t.Fatalf("%d deletes, want 15", res.Writes())
	}
	if _, ok := sim.Object("pool", "c2--keep"); !ok {
		t.Fatal("deleteConfig removed another cluster's pool")
	}
}

func TestFollowerWritesNothing(t *testing.T) {
	sim, e := setup(t)
	tree := l4Tree("web", 80)
	e.SetFollower(true)
	sim.ResetRequests()
	res, err := e.Apply(testCtx(t), tree)
	if err != nil {
		t.Fatal(err)
	}
	if sim.Writes() != 0 || len(res.Changes) != 4 || !res.Changes[0].Dry || res.Writes() != 0 {
		t.Fatalf("follower wrote %v, changes %v", writes(sim), res.Changes)
	}
	e.SetFollower(false)
	mustApply(t, e, tree)
	e.SetFollower(true)
	if err := e.Populate(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	sim.ResetRequests()
	res, err = e.Apply(testCtx(t), model.Tree{Key: tree.Key})
	if err != nil || sim.Writes() != 0 || len(res.Changes) != 4 || res.Changes[0].Verb != "DELETE" || !res.Changes[0].Dry {
		t.Fatalf("follower delete of a tree: err=%v writes=%v changes=%v", err, writes(sim), res.Changes)
	}
	res, err = e.GC(testCtx(t), Desired{Complete: true})
	if err != nil || sim.Writes() != 0 || len(res.Changes) != 4 {
		t.Fatalf("follower GC: err=%v writes=%v changes=%v", err, writes(sim), res.Changes)
	}
	if res, err := e.DeleteAll(testCtx(t)); err != nil || sim.Writes() != 0 || res.Writes() != 0 {
		t.Fatalf("follower deleteAll: err=%v writes=%v", err, writes(sim))
	}
}

// retenant moves every object of tree to tenant (name and tenant_ref).
func retenant(tree model.Tree, tenant string) model.Tree {
	for i := range tree.Objects {
		tree.Objects[i].Tenant = tenant
		ref := ptr("/api/tenant/?name=" + tenant)
		switch b := tree.Objects[i].Body.(type) {
		case *models.VsVip:
			b.TenantRef = ref
		case *models.Pool:
			b.TenantRef = ref
		case *models.L4PolicySet:
			b.TenantRef = ref
		case *models.VirtualService:
			b.TenantRef = ref
		}
	}
	return tree
}

func TestTreesInAnotherTenant(t *testing.T) {
	sim, e := setup(t)
	if err := sim.SetObject("tenant", map[string]any{"name": "team-a"}); err != nil {
		t.Fatal(err)
	}
	tree := retenant(l4Tree("web", 80), "team-a")
	mustApply(t, e, tree)
	vs, ok := sim.Object("virtualservice", tree.Objects[3].Name)
	if !ok || avi.TenantOf(vs) != "team-a" {
		t.Fatalf("VS not in team-a: %v", vs["tenant_ref"])
	}
	fresh := newEngine(connect(t, sim))
	if err := fresh.Populate(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	sim.ResetRequests()
	mustApply(t, fresh, tree)
	if sim.Writes() != 0 {
		t.Fatalf("restart re-apply in tenant team-a wrote %v", writes(sim))
	}
	mustApply(t, fresh, model.Tree{Key: tree.Key})
	mustApply(t, fresh, model.Tree{Key: tree.Key}) // nothing left to do, nothing fails
	if left := ours(sim); len(left) != 0 {
		t.Fatalf("left in team-a: %v", left)
	}
}

func TestPopulateWhileTreesAreApplied(t *testing.T) {
	sim, e := setup(t)
	var trees []model.Tree
	for i := range 4 {
		trees = append(trees, l4Tree("svc"+itoa(i), 80, 443))
	}
	stop := make(chan struct{})
	populated := make(chan error, 1)
	go func() {
		defer close(populated)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := e.Populate(testCtx(t)); err != nil {
				populated <- err
				return
			}
		}
	}()
	errs := make(chan error, len(trees))
	for _, tree := range trees {
		go func() {
			// Create, shrink, delete, create again: every path while the cache is rebuilt.
			for _, step := range []model.Tree{tree, l4TreeKeyed(tree, 80), {Key: tree.Key}, tree} {
				if _, err := e.Apply(testCtx(t), step); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range trees {
		if err := <-errs; err != nil {
			// A step may meet a conflict created by the cache refresh; the next attempt fixes it.
			if avi.ClassOf(err).Requeue() != avi.RequeueFast {
				t.Fatal(err)
			}
		}
	}
	close(stop)
	if err := <-populated; err != nil {
		t.Fatal(err)
	}
	for _, tree := range trees {
		applyUntilConverged(t, e, tree)
	}
	if got, want := ours(sim), treeNames(trees...); !slices.Equal(got, want) {
		t.Fatalf("simulator holds %v, want %v", got, want)
	}
	sim.ResetRequests()
	for _, tree := range trees {
		mustApply(t, e, tree)
	}
	if sim.Writes() != 0 {
		t.Fatalf("settled trees re-applied with writes %v", writes(sim))
	}
}

// l4TreeKeyed is the tree of the same Service with only the given ports.
func l4TreeKeyed(tree model.Tree, ports ...int32) model.Tree {
	svc := strings.TrimPrefix(tree.Objects[len(tree.Objects)-1].Name, testCluster+"--ns-")
	return l4Tree(svc, ports...)
}

func TestRemovingAFieldIsWritten(t *testing.T) {
	sim, e := setup(t)
	tree := l4Tree("web", 80)
	tree.Objects[2].Body.(*models.L4PolicySet).Description = ptr("temporary")
	mustApply(t, e, tree)
	sim.ResetRequests()
	mustApply(t, e, l4Tree("web", 80)) // the description is gone from the desired body
	if got := writes(sim); !slices.Equal(got, []string{"PUT l4policyset"}) {
		t.Fatalf("writes %v, want one PUT l4policyset", got)
	}
	l4, _ := sim.Object("l4policyset", tree.Objects[2].Name)
	if _, has := l4["description"]; has {
		t.Fatalf("description still set: %v", l4["description"])
	}
}
