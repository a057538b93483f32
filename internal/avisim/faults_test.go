package avisim_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vmware/alb-sdk/go/models"
	"github.com/vmware/alb-sdk/go/session"

	"github.com/akoproject/ako/internal/avisim"
	"github.com/akoproject/ako/internal/avisim/avisimtest"
)

func TestFaultStatusAndBody(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	c := sim.Client(t)
	// 500 comes back as an AviError at once; After and Count pick which calls fail.
	sim.AddFault(avisim.Fault{Method: "POST", Kind: "pool", After: 1, Count: 1, Status: 500, Body: `{"error":"boom"}`})
	if _, err := c.Pool.Create(&models.Pool{Name: ptr("a")}); err != nil {
		t.Fatalf("first POST (skipped by After): %v", err)
	}
	_, err := c.Pool.Create(&models.Pool{Name: ptr("b")})
	if aviStatus(err) != 500 || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("faulted POST: %v", err)
	}
	if _, err := c.Pool.Create(&models.Pool{Name: ptr("b")}); err != nil {
		t.Fatalf("POST after the rule retired: %v", err)
	}
	// Name matcher: only writes about pool "b".
	id := sim.AddFault(avisim.Fault{Method: "PUT", Name: "b", Status: 409, Body: `{"error":"Pool b already exists"}`})
	pb, _ := c.Pool.GetByName("b")
	pa, _ := c.Pool.GetByName("a")
	if _, err := c.Pool.Update(pb); aviStatus(err) != 409 {
		t.Fatalf("PUT b with name fault: %v", err)
	}
	if _, err := c.Pool.Update(pa); err != nil {
		t.Fatalf("PUT a is not matched: %v", err)
	}
	sim.RemoveFault(id)
	// 503 is hidden by the SDK (AKO configuration) as "Rest request error".
	sim.AddFault(avisim.Fault{PathRegex: "^/api/pool$", Method: "GET", Count: 1, Status: 503})
	if _, err := c.Pool.GetAll(); err == nil || !strings.Contains(err.Error(), "Rest request error") {
		t.Fatalf("503: %v", err)
	}
	// A non-JSON 2xx body is a JSON syntax error in the client.
	sim.AddFault(avisim.Fault{Kind: "pool", Method: "GET", Count: 1, Status: 200, Body: "not json"})
	var se *json.SyntaxError
	if _, err := c.Pool.GetAll(); !errors.As(err, &se) {
		t.Fatalf("non-JSON body: %T %v", err, err)
	}
	sim.ClearFaults()
	if _, err := c.Pool.GetAll(); err != nil {
		t.Fatalf("after ClearFaults: %v", err)
	}
}

func TestFaultLatencyAndReset(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	c := sim.Client(t)
	sim.AddFault(avisim.Fault{Kind: "pool", Count: 1, Latency: 150 * time.Millisecond})
	start := time.Now()
	if _, err := c.Pool.GetAll(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("latency not applied: %v", d)
	}
	// POST: net/http silently retries an idempotent GET once on a dropped reused connection.
	sim.AddFault(avisim.Fault{Kind: "pool", Method: "POST", Count: 1, ResetConnection: true})
	_, err := c.Pool.Create(&models.Pool{Name: ptr("p")})
	var ue *url.Error
	if !errors.As(err, &ue) {
		t.Fatalf("reset connection: %T %v", err, err)
	}
	reqs := sim.Requests()
	if last := reqs[len(reqs)-1]; last.Status != 0 || last.Kind != "pool" {
		t.Fatalf("reset request logged as %+v", last)
	}
}

func TestControllerRestartStateAndIPAMExhaustion(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	c := sim.Client(t)
	leaderUp := func() string {
		var rt map[string]any
		if err := c.AviSession.Get("api/cluster/runtime", &rt); err != nil {
			t.Fatal(err)
		}
		return rt["node_states"].([]any)[0].(map[string]any)["up_since"].(string)
	}
	before := leaderUp()
	sim.RestartController()
	if after := leaderUp(); after == before {
		t.Fatalf("up_since unchanged after restart: %s", after)
	}
	sim.SetClusterState("CLUSTER_STARTING")
	var st map[string]any
	if err := c.AviSession.Get("api/cluster/runtime", &st); err != nil || st["cluster_state"].(map[string]any)["state"] != "CLUSTER_STARTING" {
		t.Fatalf("cluster state = %v %v", st, err)
	}
	sim.SetClusterState("")

	sim.SetIPAMExhausted(true)
	_, err := c.VsVip.Create(&models.VsVip{Name: ptr("v"), Vip: []*models.Vip{{VipID: ptr("0"), AutoAllocateIP: ptr(true)}}})
	if aviStatus(err) != 400 || !strings.Contains(err.Error(), "No available free IPs") {
		t.Fatalf("exhausted IPAM: %v", err)
	}
	sim.SetIPAMExhausted(false)
	// Real exhaustion: shrink the range to one address out of band.
	if err := sim.SetObject("network", map[string]any{"name": "vip-net", "configured_subnets": []any{map[string]any{
		"prefix": map[string]any{"ip_addr": map[string]any{"addr": "10.10.10.0", "type": "V4"}, "mask": 24},
		"static_ip_ranges": []any{map[string]any{"type": "STATIC_IPS_FOR_VIP", "range": map[string]any{
			"begin": map[string]any{"addr": "10.10.10.5", "type": "V4"}, "end": map[string]any{"addr": "10.10.10.5", "type": "V4"}}}},
	}}}); err != nil {
		t.Fatal(err)
	}
	v1, err := c.VsVip.Create(&models.VsVip{Name: ptr("v1"), Vip: []*models.Vip{{VipID: ptr("0"), AutoAllocateIP: ptr(true)}}})
	if err != nil || *v1.Vip[0].IPAddress.Addr != "10.10.10.5" {
		t.Fatalf("only address: %v %v", v1, err)
	}
	_, err = c.VsVip.Create(&models.VsVip{Name: ptr("v2"), Vip: []*models.Vip{{VipID: ptr("0"), AutoAllocateIP: ptr(true)}}})
	if aviStatus(err) != 400 || !strings.Contains(err.Error(), "No available free IPs") {
		t.Fatalf("range used up: %v", err)
	}
	// A changed preferred address on an existing vip is refused.
	v1.Vip[0].IPAddress.Addr = ptr("10.10.10.9")
	if _, err := c.VsVip.Update(v1); aviStatus(err) != 400 || !strings.Contains(err.Error(), "please recreate the VIP") {
		t.Fatalf("changed VIP address: %v", err)
	}
}

func TestOutOfBandEdits(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	c := sim.Client(t)
	p, err := c.Pool.Create(&models.Pool{Name: ptr("p"), CloudConfigCksum: ptr("1")})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.SetObject("pool", map[string]any{"name": "p", "cloud_config_cksum": "drifted", "health_monitor_refs": []any{"/api/healthmonitor/?name=System-HTTP"}}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Pool.Get(*p.UUID)
	if err != nil {
		t.Fatal(err)
	}
	if *got.CloudConfigCksum != "drifted" || *got.LastModified == *p.LastModified || len(got.HealthMonitorRefs) != 1 {
		t.Fatalf("out-of-band edit not visible: %+v", got)
	}
	obj, ok := sim.Object("pool", "p")
	if !ok || !strings.HasSuffix(obj["health_monitor_refs"].([]any)[0].(string), "#System-HTTP") {
		t.Fatalf("Object() = %v", obj)
	}
	assertCanonicalRefs(t, sim, obj, true) // same host as API answers
	// Any Go types work (a []string of refs), and non-JSON values are refused.
	if err := sim.SetObject("pool", map[string]any{"name": "p", "health_monitor_refs": []string{"/api/healthmonitor/?name=System-UDP"}}); err != nil {
		t.Fatal(err)
	}
	if obj, _ := sim.Object("pool", "p"); !strings.HasSuffix(obj["health_monitor_refs"].([]any)[0].(string), "#System-UDP") {
		t.Fatalf("[]string refs: %v", obj["health_monitor_refs"])
	}
	if err := sim.SetObject("pool", map[string]any{"name": "p", "bad": make(chan int)}); err == nil {
		t.Fatal("a channel value was accepted")
	}
	if err := sim.SetObject("pool", map[string]any{"name": "stray", "created_by": "ako-c1"}); err != nil {
		t.Fatal(err)
	}
	if list, _ := c.Pool.GetAll(); len(list) != 2 {
		t.Fatalf("out-of-band create not listed: %d pools", len(list))
	}
	if err := sim.DeleteObject("pool", "p"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pool.Get(*p.UUID); aviStatus(err) != 404 {
		t.Fatalf("out-of-band delete: %v", err)
	}
	if got := len(sim.Objects("pool")); got != 1 {
		t.Fatalf("Objects(pool) = %d", got)
	}
	if sim.Writes() != 1 || sim.Counts()["POST pool"] != 1 {
		t.Fatalf("out-of-band changes were counted as API writes: %d %v", sim.Writes(), sim.Counts())
	}
}

// TestControlAPI drives the same controls over HTTP under /_sim/.
func TestControlAPI(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	c := sim.Client(t)
	raw := newRaw(t, sim)
	call := func(method, path, body string, want int) string {
		t.Helper()
		code, out, _ := raw.do(method, path, body, nil)
		if code != want {
			t.Fatalf("%s %s: %d %s", method, path, code, out)
		}
		return out
	}
	out := call("POST", "/_sim/faults", `{"kind":"pool","method":"GET","status":429,"body":"{\"error\":\"slow down\"}","count":1,"latency":"1ms"}`, 201)
	if !strings.Contains(out, `"id":"fault-`) {
		t.Fatalf("add fault: %s", out)
	}
	if _, err := c.Pool.GetAll(); aviStatus(err) != 429 {
		t.Fatalf("fault via control API: %v", err)
	}
	call("POST", "/_sim/faults", `{"kind":"pool","bogus":1}`, 400)
	call("DELETE", "/_sim/faults", "", 200)

	call("PUT", "/_sim/objects/pool", `{"name":"oob","created_by":"x"}`, 200)
	if !strings.Contains(call("GET", "/_sim/objects/pool/oob", "", 200), `"created_by":"x"`) {
		t.Fatal("control GET object")
	}
	snap := call("GET", "/_sim/snapshot", "", 200)
	call("DELETE", "/_sim/objects/pool/oob", "", 200)
	call("GET", "/_sim/objects/pool/oob", "", 404)
	call("POST", "/_sim/restore", snap, 200)
	if list, err := c.Pool.GetAll(); err != nil || len(list) != 1 {
		t.Fatalf("after restore: %v %v", list, err)
	}
	var dump map[string][]any
	if err := json.Unmarshal([]byte(call("GET", "/_sim/dump", "", 200)), &dump); err != nil || len(dump["healthmonitor"]) != 6 {
		t.Fatalf("dump: %v", err)
	}
	var counts struct {
		Counts map[string]int
		Writes int
	}
	if err := json.Unmarshal([]byte(call("GET", "/_sim/counts", "", 200)), &counts); err != nil || counts.Counts["GET pool"] < 2 {
		t.Fatalf("counts = %+v %v", counts, err)
	}
	call("POST", "/_sim/cluster/restart", "", 200)
	call("PUT", "/_sim/ipam/exhausted", `{"exhausted":true}`, 200)
	if _, err := c.VsVip.Create(&models.VsVip{Name: ptr("v"), Vip: []*models.Vip{{VipID: ptr("0"), AutoAllocateIP: ptr(true)}}}); aviStatus(err) != 400 {
		t.Fatalf("exhausted via control API: %v", err)
	}
	call("PUT", "/_sim/sessions/idle-timeout", `{"timeout":"1h"}`, 200)
	call("POST", "/_sim/sessions/expire", "", 200)
	if _, err := c.Pool.GetAll(); err == nil {
		t.Fatal("session survived /_sim/sessions/expire")
	}
	call("POST", "/_sim/reset", "", 200)
	if got := len(sim.Objects("pool")); got != 0 {
		t.Fatalf("reset left %d pools", got)
	}
	for _, r := range sim.Requests() {
		if strings.HasPrefix(r.Path, "/_sim") {
			t.Fatalf("control call logged: %+v", r)
		}
	}
	// The control API is not reachable under /api/.
	raw.login()
	if code, _, _ := raw.do("GET", "/api/_sim/faults", "", nil); code != 404 {
		t.Fatalf("/api/_sim answered %d", code)
	}
}

func TestFaultMatchersAndDeferredIPAM(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	c := sim.Client(t)
	for i := 0; i < 30; i++ {
		if _, err := c.Pool.Create(&models.Pool{Name: ptr(fmt.Sprintf("p%02d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	// Fail only page 2 of a paged query, as AKO's upstream tests do.
	sim.AddFault(avisim.Fault{Method: "GET", Kind: "pool", QueryRegex: `(^|&)page=2(&|$)`, Status: 500})
	if _, err := c.AviSession.GetCollectionRaw("api/pool?page_size=20"); err != nil {
		t.Fatalf("page 1: %v", err)
	}
	if _, err := c.AviSession.GetCollectionRaw("api/pool?page_size=20&page=2"); aviStatus(err) != 500 {
		t.Fatalf("page 2: %v", err)
	}
	sim.ClearFaults()
	// Tenant matcher: only calls made with X-Avi-Tenant: * fail.
	sim.AddFault(avisim.Fault{Tenant: "*", Status: 403, Body: `{"error":"Configuration is disallowed during upgrade"}`})
	if _, err := c.Pool.GetAll(); err != nil {
		t.Fatalf("admin tenant call matched a * rule: %v", err)
	}
	if _, err := c.Pool.GetAll(session.SetOptTenant("*")); aviStatus(err) != 403 || !strings.Contains(err.Error(), "upgrade") {
		t.Fatalf("* tenant call: %v", err)
	}
	sim.ClearFaults()
	if id := sim.AddFault(avisim.Fault{Probability: 2}); id != "" {
		t.Fatalf("a rule with probability 2 was installed as %s", id)
	}
	// Asynchronous IPAM: the POST answer has no address, the next GET has it.
	sim.SetIPAMDeferred(true)
	v, err := c.VsVip.Create(&models.VsVip{Name: ptr("v"), Vip: []*models.Vip{{VipID: ptr("0"), AutoAllocateIP: ptr(true)}}})
	if err != nil || v.Vip[0].IPAddress != nil {
		t.Fatalf("deferred POST answer: %+v %v", v, err)
	}
	got, err := c.VsVip.Get(*v.UUID)
	if err != nil || got.Vip[0].IPAddress == nil || *got.Vip[0].IPAddress.Addr != "10.10.10.100" {
		t.Fatalf("GET after deferred allocation: %+v %v", got, err)
	}
}
