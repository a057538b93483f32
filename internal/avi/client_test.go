package avi

import (
	"context"
	"encoding/pem"
	"errors"
	"net"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/akoproject/ako/internal/avisim"
	"github.com/akoproject/ako/internal/avisim/avisimtest"
	"github.com/akoproject/ako/internal/model"
	"github.com/akoproject/ako/internal/settings"
	"github.com/akoproject/ako/test/testcert"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func simConfig(sim *avisimtest.Sim) Config {
	return Config{Host: sim.Host, Username: sim.Username, Password: sim.Password, Sessions: 3,
		RetryInitial: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond}
}

func mustConnect(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := Connect(testCtx(t), cfg)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	return c
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func countRequests(sim *avisimtest.Sim, kind string, status int) int {
	n := 0
	for _, r := range sim.Requests() {
		if r.Kind == kind && (status == 0 || r.Status == status) {
			n++
		}
	}
	return n
}

func TestConnectDetectsAndCapsVersion(t *testing.T) {
	for _, tc := range []struct{ simulated, want string }{
		{"22.1.3", "22.1.3"}, {"30.2.1", "30.2.1"}, {"31.1.1", MaxVersion},
	} {
		t.Run(tc.simulated, func(t *testing.T) {
			sim := avisimtest.Start(t, avisim.Options{Version: tc.simulated})
			c := mustConnect(t, simConfig(sim))
			if c.Version() != tc.want {
				t.Fatalf("version %q, want %q", c.Version(), tc.want)
			}
			if rt := c.Runtime(); !rt.Up() || rt.LeaderName == "" || rt.LeaderUpSince == "" {
				t.Fatalf("runtime %+v", rt)
			}
			if got := countRequests(sim, "login", 200); got != 3 {
				t.Fatalf("%d logins, want one per session (3)", got)
			}
			sim.ResetRequests()
			if _, err := c.List(testCtx(t), model.KindPool, nil); err != nil {
				t.Fatal(err)
			}
			for _, r := range sim.Requests() {
				if r.Version != tc.want {
					t.Fatalf("request %s %s sent X-Avi-Version %q, want %q", r.Method, r.Path, r.Version, tc.want)
				}
			}
		})
	}
}

func TestConnectRefusesInvalidCredentialsAtOnce(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	cfg := simConfig(sim)
	cfg.Password = "wrong"
	_, err := Connect(testCtx(t), cfg)
	if !errors.Is(err, ErrInvalidCredentials) || ClassOf(err) != ClassInvalidCredentials {
		t.Fatalf("err = %v, want invalid credentials", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Fatal("the password appears in the error")
	}
	if n := countRequests(sim, "login", 0); n != 1 {
		t.Fatalf("%d login attempts with bad credentials, want 1", n)
	}
}

func TestConnectWaitsForLoginOutage(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	sim.AddFault(avisim.Fault{Kind: "login", Status: 503})
	done := make(chan error, 1)
	go func() {
		_, err := Connect(testCtx(t), simConfig(sim))
		done <- err
	}()
	eventually(t, "three refused logins", func() bool { return countRequests(sim, "login", 503) >= 3 })
	select {
	case err := <-done:
		t.Fatalf("Connect returned during the outage: %v", err)
	default:
	}
	sim.ClearFaults()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Connect after the outage: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Connect did not recover after the outage")
	}
}

func TestConnectWaitsForClusterUp(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	sim.SetClusterState("CLUSTER_STARTING")
	done := make(chan error, 1)
	go func() {
		_, err := Connect(testCtx(t), simConfig(sim))
		done <- err
	}()
	eventually(t, "two runtime checks", func() bool { return countRequests(sim, "cluster", 200) >= 2 })
	sim.SetClusterState("")
	if err := <-done; err != nil {
		t.Fatalf("Connect after the cluster came up: %v", err)
	}
}

func TestConnectToAControllerThatStartsLate(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cfg := Config{Host: addr, Username: "admin", Password: "late-secret", Sessions: 2,
		RetryInitial: 20 * time.Millisecond, RetryMax: 100 * time.Millisecond}
	done := make(chan error, 1)
	go func() {
		_, err := Connect(testCtx(t), cfg)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Connect returned while nothing listened: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	srv, err := avisim.New(avisim.Options{Username: "admin", Password: "late-secret"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv)
	ts.Listener.Close()
	if ts.Listener, err = net.Listen("tcp", addr); err != nil {
		t.Skipf("port %s taken meanwhile: %v", addr, err)
	}
	ts.StartTLS()
	t.Cleanup(func() { ts.Close(); srv.Close() })
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Connect after the Controller started: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Connect did not notice the Controller")
	}
}

func TestConnectStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := Connect(ctx, Config{Host: "127.0.0.1:1", Username: "u", Password: "p", RetryInitial: 10 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
}

func TestBootValidation(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	c := mustConnect(t, simConfig(sim))
	ctx := testCtx(t)

	if err := c.CheckTenant(ctx, "admin"); err != nil {
		t.Fatal(err)
	}
	if err := c.CheckTenant(ctx, "nope"); !IsNotFound(err) || !strings.Contains(err.Error(), `tenant "nope"`) {
		t.Fatalf("missing tenant: %v", err)
	}
	cl, err := c.Cloud(ctx, "Default-Cloud")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cl.UUID, "cloud-") || cl.VType != "CLOUD_NONE" || cl.IPAMProfile != "Default-IPAM" ||
		cl.DNSProfile != "Default-DNS" || len(cl.DNSDomains) != 1 || cl.DNSDomains[0] != "avi.internal" {
		t.Fatalf("cloud %+v", cl)
	}
	if _, err := c.Cloud(ctx, "Other-Cloud"); !IsNotFound(err) {
		t.Fatalf("missing cloud: %v", err)
	}
	nets, err := c.VIPNetworks(ctx, "Default-Cloud", []settings.VIPNetwork{{NetworkName: "vip-net"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(nets) != 1 || nets[0].CIDR != "10.10.10.0/24" || nets[0].VRF != "global" || !strings.HasPrefix(nets[0].UUID, "network-") {
		t.Fatalf("networks %+v", nets)
	}
	byUUID, err := c.VIPNetworks(ctx, "Default-Cloud", []settings.VIPNetwork{{NetworkUUID: nets[0].UUID, CIDR: "10.10.10.128/25"}})
	if err != nil || byUUID[0].Name != "vip-net" || byUUID[0].CIDR != "10.10.10.128/25" {
		t.Fatalf("by uuid: %+v %v", byUUID, err)
	}
	_, err = c.VIPNetworks(ctx, "Default-Cloud", []settings.VIPNetwork{{NetworkName: "vip-net"}, {NetworkName: "nope"}})
	if !IsNotFound(err) || !strings.Contains(err.Error(), `vipNetworkList[1]: network "nope"`) {
		t.Fatalf("missing network: %v", err)
	}
	if seg, err := c.SEGroup(ctx, "Default-Cloud", "Default-Group"); err != nil || !strings.HasPrefix(seg, "serviceenginegroup-") {
		t.Fatalf("SEG %q %v", seg, err)
	}
	if _, err := c.SEGroup(ctx, "Default-Cloud", "nope"); !IsNotFound(err) {
		t.Fatalf("missing SEG: %v", err)
	}
	if vrf, err := c.VRF(ctx, "Default-Cloud", "global"); err != nil || !strings.HasPrefix(vrf, "vrfcontext-") {
		t.Fatalf("VRF %q %v", vrf, err)
	}
	if tier, err := c.LicenseTier(ctx); err != nil || tier == "" {
		t.Fatalf("license %q %v", tier, err)
	}
}

func TestTypedCallsAndMetrics(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	cfg := simConfig(sim)
	cfg.Metrics = m
	c := mustConnect(t, cfg)
	ctx := testCtx(t)

	body := map[string]any{"name": "p1", "created_by": "ako-c1", "cloud_ref": "/api/cloud/?name=Default-Cloud"}
	created, err := c.Post(ctx, model.KindPool, "admin", body)
	if err != nil {
		t.Fatal(err)
	}
	uuid := String(created, "uuid")
	if !strings.HasPrefix(uuid, "pool-") || TenantOf(created) != "admin" {
		t.Fatalf("created %v", created)
	}
	if _, err := c.Post(ctx, model.KindPool, "admin", body); ClassOf(err) != ClassConflict {
		t.Fatalf("duplicate POST: %v", err)
	}
	got, err := c.Get(ctx, model.KindPool, uuid)
	if err != nil || String(got, "name") != "p1" || RefName(String(got, "cloud_ref")) != "Default-Cloud" {
		t.Fatalf("get %v %v", got, err)
	}
	body["graceful_disable_timeout"] = 1
	if _, err := c.Put(ctx, model.KindPool, "admin", uuid, body); err != nil {
		t.Fatal(err)
	}
	objs, err := c.List(ctx, model.KindPool, url.Values{"created_by": {"ako-c1"}})
	if err != nil || len(objs) != 1 {
		t.Fatalf("list %d %v", len(objs), err)
	}
	if err := c.Delete(ctx, model.KindPool, "admin", uuid); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, model.KindPool, "admin", uuid); !IsNotFound(err) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := c.Put(ctx, model.KindPool, "admin", uuid, body); ClassOf(err) != ClassNotFound {
		t.Fatalf("PUT of a deleted object: %v", err)
	}
	for _, tc := range []struct {
		verb, code string
		want       float64
	}{{"POST", "201", 1}, {"POST", "409", 1}, {"PUT", "200", 1}, {"DELETE", "204", 1}, {"DELETE", "404", 1}, {"GET", "200", 2}} {
		if got := testutil.ToFloat64(m.calls.WithLabelValues(tc.verb, "pool", tc.code)); got != tc.want {
			t.Errorf("ako_avi_calls_total{verb=%s,kind=pool,code=%s} = %v, want %v", tc.verb, tc.code, got, tc.want)
		}
	}
	if n := testutil.CollectAndCount(m.latency); n == 0 {
		t.Error("no latency observations")
	}
	if _, err := NewMetrics(reg); err == nil {
		t.Error("registering the metrics twice did not fail")
	}
}

func TestCallStopsWithContextWhileControllerIsSlow(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	c := mustConnect(t, simConfig(sim))
	sim.AddFault(avisim.Fault{Method: "GET", Kind: "pool", Latency: 5 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.List(ctx, model.KindPool, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	if time.Since(start) > 4*time.Second {
		t.Fatal("the call waited for the Controller instead of the context")
	}
}

func TestSyncStaticRoutes(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	c := mustConnect(t, simConfig(sim))
	ctx := testCtx(t)
	other := map[string]any{"route_id": "c2-1",
		"prefix":   map[string]any{"ip_addr": map[string]any{"addr": "10.9.0.0", "type": "V4"}, "mask": 24},
		"next_hop": map[string]any{"addr": "192.168.9.1", "type": "V4"},
		"labels":   []any{map[string]any{"key": "clustername", "value": "c2"}}}
	if err := sim.SetObject("vrfcontext", map[string]any{"name": "global", "cloud_ref": "/api/cloud/?name=Default-Cloud",
		"static_routes": []any{other}}); err != nil {
		t.Fatal(err)
	}
	routes := []StaticRoute{
		{netip.MustParsePrefix("10.1.0.0/24"), netip.MustParseAddr("192.168.1.1")},
		{netip.MustParsePrefix("10.1.1.0/24"), netip.MustParseAddr("192.168.1.2")},
	}
	sim.AddFault(avisim.Fault{Method: "PUT", Kind: "vrfcontext", Count: 1, Status: 412,
		Body: `{"error":"Concurrent Update Error: Need to reload object data VrfContext"}`})
	wrote, err := c.SyncStaticRoutes(ctx, "Default-Cloud", "global", "c1", routes)
	if err != nil || !wrote {
		t.Fatalf("first sync: wrote=%v err=%v", wrote, err)
	}
	if n := sim.Counts()["PUT vrfcontext"]; n != 2 {
		t.Fatalf("%d PUTs, want 2 (412 then success)", n)
	}
	vrf, _ := sim.Object("vrfcontext", "global")
	got, _ := vrf["static_routes"].([]any)
	if len(got) != 3 || routeSignature(got[0]) != "c2-1 10.9.0.0/24 via 192.168.9.1" ||
		routeSignature(got[2]) != "c1-2 10.1.1.0/24 via 192.168.1.2" {
		t.Fatalf("routes on the Controller: %v", got)
	}
	sim.ResetRequests()
	if wrote, err := c.SyncStaticRoutes(ctx, "Default-Cloud", "global", "c1", routes); err != nil || wrote || sim.Writes() != 0 {
		t.Fatalf("unchanged routes: wrote=%v err=%v writes=%d", wrote, err, sim.Writes())
	}
	if wrote, err := c.SyncStaticRoutes(ctx, "Default-Cloud", "global", "c1", nil); err != nil || !wrote {
		t.Fatalf("removing routes: wrote=%v err=%v", wrote, err)
	}
	vrf, _ = sim.Object("vrfcontext", "global")
	if got, _ := vrf["static_routes"].([]any); len(got) != 1 {
		t.Fatalf("after removing ours: %v", got)
	}
}

func TestConnectWithAuthToken(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	c := mustConnect(t, simConfig(sim))
	var tok struct {
		Token string `json:"token"`
	}
	if err := c.do(testCtx(t), "POST", "user-token", "api/user-token", "", map[string]any{"hours": "240"}, &tok); err != nil || tok.Token == "" {
		t.Fatalf("token: %q %v", tok.Token, err)
	}
	cfg := simConfig(sim)
	cfg.Password, cfg.AuthToken = "", tok.Token
	tc := mustConnect(t, cfg)
	if err := tc.CheckTenant(testCtx(t), "admin"); err != nil {
		t.Fatal(err)
	}
	cfg.AuthToken = "not-a-token"
	if _, err := Connect(testCtx(t), cfg); !errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("bad token: %v", err)
	}
}

// startTLSSim serves a simulator on its own httptest server so the test can read its
// certificate.
func startTLSSim(t *testing.T) (*httptest.Server, Config) {
	t.Helper()
	srv, err := avisim.New(avisim.Options{Username: "admin", Password: "ca-secret"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewTLSServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Close() })
	return ts, Config{Host: strings.TrimPrefix(ts.URL, "https://"), Username: "admin", Password: "ca-secret",
		Sessions: 2, RetryInitial: 20 * time.Millisecond, RetryMax: 50 * time.Millisecond}
}

func TestConnectVerifiesTheControllerCertificate(t *testing.T) {
	ts, cfg := startTLSSim(t)
	cfg.CAData = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	mustConnect(t, cfg)

	// httptest signs every server with the same built-in certificate, so "another CA" is a
	// freshly made one.
	other := cfg
	other.CAData = otherCA(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := Connect(ctx, other)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("a Controller certificate not signed by the CA was accepted: %v", err)
	}
	other.CAData = []byte("not PEM")
	if _, err := Connect(testCtx(t), other); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Fatalf("garbage CA data: %v", err)
	}
}

func TestClusterRuntimeDetectsControllerRestart(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	c := mustConnect(t, simConfig(sim))
	same, err := c.ClusterRuntime(testCtx(t))
	if err != nil || same.Restarted(c.Runtime()) {
		t.Fatalf("no restart yet: %+v vs %+v (%v)", same, c.Runtime(), err)
	}
	sim.RestartController()
	after, err := c.ClusterRuntime(testCtx(t))
	if err != nil || !after.Restarted(c.Runtime()) {
		t.Fatalf("restart not detected: %+v vs %+v (%v)", after, c.Runtime(), err)
	}
}

func otherCA(t *testing.T) []byte {
	t.Helper()
	return []byte(testcert.New(t, "127.0.0.1").CertPEM)
}
