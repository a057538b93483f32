package sync

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/vmware/alb-sdk/go/models"

	"github.com/akoproject/ako/internal/model"
)

func ptr[T any](v T) *T { return &v }

func pool(name string, port int32) model.Object {
	return model.Object{Kind: model.KindPool, Name: name, Tenant: "admin", Body: &models.Pool{
		Name:      ptr(name),
		TenantRef: ptr("/api/tenant/?name=admin"),
		CloudRef:  ptr("/api/cloud?name=Default-Cloud"),
		CreatedBy: ptr("ako-c1"),
		Servers: []*models.Server{{
			IP:   &models.IPAddr{Addr: ptr("10.0.0.1"), Type: ptr("V4")},
			Port: ptr(port),
		}},
		HealthMonitorRefs: []string{"/api/healthmonitor/?name=System-TCP"},
	}}
}

func TestDesiredBodyChecksum(t *testing.T) {
	a, sumA, err := desiredBody(pool("p", 80))
	if err != nil {
		t.Fatal(err)
	}
	_, sumAgain, _ := desiredBody(pool("p", 80))
	_, sumB, _ := desiredBody(pool("p", 81))
	if sumA != sumAgain {
		t.Fatalf("checksum not deterministic: %s vs %s", sumA, sumAgain)
	}
	if sumA == sumB {
		t.Fatal("a different port gives the same checksum")
	}
	if a["cloud_config_cksum"] != sumA {
		t.Fatalf("cloud_config_cksum = %v, want %s", a["cloud_config_cksum"], sumA)
	}
	// A checksum the model may have set itself does not change ours.
	withOld := pool("p", 80)
	withOld.Body.(*models.Pool).CloudConfigCksum = ptr("stale")
	if _, s, _ := desiredBody(withOld); s != sumA {
		t.Fatal("checksum depends on the previous checksum field")
	}
	vsvip := model.Object{Kind: model.KindVsVip, Name: "v", Body: &models.VsVip{Name: ptr("v")}}
	m, sum, _ := desiredBody(vsvip)
	if m["vsvip_cloud_config_cksum"] != sum || m["cloud_config_cksum"] != nil {
		t.Fatalf("vsvip checksum field wrong: %v", m)
	}
	l4 := model.Object{Kind: model.KindL4PolicySet, Name: "l", Body: &models.L4PolicySet{Name: ptr("l")}}
	if m, _, _ := desiredBody(l4); len(m) != 1 {
		t.Fatalf("a kind without checksum field got one: %v", m)
	}
}

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := decodeForTest(s, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func decodeForTest(s string, v any) error {
	d := json.NewDecoder(stringsReader(s))
	d.UseNumber()
	return d.Decode(v)
}

func TestSemanticEqual(t *testing.T) {
	stored := `{"name":"p","uuid":"pool-1","url":"https://h/api/pool/pool-1#p","lb_algorithm":"LB_ALGORITHM_LEAST_CONNECTIONS",
	  "tenant_ref":"https://h/api/tenant/admin#admin","cloud_ref":"https://h/api/cloud/cloud-1#Default-Cloud",
	  "health_monitor_refs":["https://h/api/healthmonitor/healthmonitor-7#System-TCP"],
	  "servers":[{"ip":{"addr":"10.0.0.1","type":"V4"},"port":80,"ratio":1,"enabled":true}],
	  "network_ref":"https://h/api/network/network-3#vip-net"}`
	for _, tc := range []struct {
		name    string
		desired string
		want    bool
	}{
		{"same with refs by name", `{"name":"p","tenant_ref":"/api/tenant/?name=admin","cloud_ref":"/api/cloud?name=Default-Cloud","health_monitor_refs":["/api/healthmonitor/?name=System-TCP"],"servers":[{"ip":{"addr":"10.0.0.1","type":"V4"},"port":80}]}`, true},
		{"ref by uuid", `{"network_ref":"/api/network/network-3"}`, true},
		{"ref by other uuid", `{"network_ref":"/api/network/network-4"}`, false},
		{"other ref name", `{"health_monitor_refs":["/api/healthmonitor/?name=System-UDP"]}`, false},
		{"changed port", `{"servers":[{"ip":{"addr":"10.0.0.1","type":"V4"},"port":81}]}`, false},
		{"extra server", `{"servers":[{"ip":{"addr":"10.0.0.1"}},{"ip":{"addr":"10.0.0.2"}}]}`, false},
		{"number as float", `{"servers":[{"ip":{"addr":"10.0.0.1"},"port":80.0}]}`, true},
		{"zero equals absent", `{"east_west_placement":false,"error_page_profile_ref":"","markers":[]}`, true},
		{"non-zero absent", `{"enable_rhi":true}`, false},
		{"sensitive key ignored", `{"key":"-----BEGIN PRIVATE KEY-----"}`, true},
		{"changed scalar", `{"lb_algorithm":"LB_ALGORITHM_ROUND_ROBIN"}`, false},
		{"type mismatch", `{"servers":{"a":1}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := semanticEqual(decode(t, tc.desired), decode(t, stored), ""); got != tc.want {
				t.Fatalf("semanticEqual = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDeleteRankParentsFirst(t *testing.T) {
	type obj struct {
		kind model.Kind
		body map[string]any
	}
	order := []obj{
		{model.KindVirtualService, map[string]any{"type": "VS_TYPE_VH_CHILD", "vh_parent_vs_ref": "x"}},
		{model.KindVirtualService, map[string]any{"type": "VS_TYPE_VH_PARENT"}},
		{model.KindVsVip, nil},
		{model.KindDataScript, nil},
		{model.KindHTTPPolicySet, nil},
		{model.KindStringGroup, nil},
		{model.KindPoolGroup, nil},
		{model.KindPool, nil},
		{model.KindSSLKeyCert, map[string]any{"type": "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE"}},
		{model.KindSSLKeyCert, map[string]any{"type": "SSL_CERTIFICATE_TYPE_CA"}},
		{model.KindPKIProfile, nil},
	}
	ranks := make([]int, len(order))
	for i, o := range order {
		ranks[i] = deleteRank(o.kind, o.body)
	}
	if !slices.IsSorted(ranks) || slices.Compact(slices.Clone(ranks))[0] != ranks[0] {
		t.Fatalf("ranks not in parents-first order: %v", ranks)
	}
	if deleteRank(model.KindL4PolicySet, nil) != deleteRank(model.KindHTTPPolicySet, nil) {
		t.Fatal("policy sets should share a rank")
	}
	for i := 1; i < len(ranks); i++ {
		if ranks[i] == ranks[i-1] {
			t.Fatalf("%s and %s share rank %d", order[i-1].kind, order[i].kind, ranks[i])
		}
	}
}

func TestRegisterRefcounts(t *testing.T) {
	e := New(Options{})
	cert := ID{model.KindSSLKeyCert, "admin", "default-cert"}
	a := ID{model.KindPool, "admin", "a"}
	b := ID{model.KindPool, "admin", "b"}
	e.register("t1", map[ID]bool{cert: true, a: true})
	e.register("t2", map[ID]bool{cert: true, b: true})
	if e.wanters[cert] != 2 {
		t.Fatalf("shared cert wanted by %d trees, want 2", e.wanters[cert])
	}
	e.register("t1", map[ID]bool{}) // t1 deleted
	if e.wanters[cert] != 1 || e.wanters[a] != 0 {
		t.Fatalf("after t1 went: cert=%d a=%d", e.wanters[cert], e.wanters[a])
	}
	if !e.stale["t1"][cert] || !e.stale["t1"][a] {
		t.Fatalf("t1 stale set = %v", e.stale["t1"])
	}
	e.register("t1", map[ID]bool{a: true}) // t1 back with a only
	if e.stale["t1"][a] || !e.stale["t1"][cert] || e.wanters[a] != 1 {
		t.Fatalf("re-added object still stale: %v, wanters %v", e.stale["t1"], e.wanters)
	}
	e.register("t1", map[ID]bool{a: true}) // same again: no double count
	if e.wanters[a] != 1 {
		t.Fatalf("re-registering the same tree counted twice: %d", e.wanters[a])
	}
}

func TestIDOfRejectsBadObjects(t *testing.T) {
	for _, o := range []model.Object{
		{Kind: "network", Name: "n"},
		{Kind: model.KindPool},
		{Kind: model.KindPool, Name: string(make([]byte, 256))},
	} {
		if _, err := idOf(o); err == nil {
			t.Errorf("idOf(%s %q) accepted", o.Kind, o.Name)
		}
	}
	id, err := idOf(model.Object{Kind: model.KindPool, Name: "p"})
	if err != nil || id.Tenant != "admin" {
		t.Fatalf("default tenant: %v %v", id, err)
	}
}

func TestKeepAllocatedAddresses(t *testing.T) {
	current := decode(t, `{"vip":[{"vip_id":"0","ip_address":{"addr":"10.10.10.100","type":"V4"},"ip6_address":{"addr":"fd00::5","type":"V6"}},
		{"vip_id":"1","ip_address":{"addr":"10.10.10.101","type":"V4"}}]}`).(map[string]any)
	desired := decode(t, `{"name":"v","vip":[{"vip_id":"0","auto_allocate_ip":true},
		{"vip_id":"1","ip_address":{"addr":"10.10.10.150","type":"V4"}},{"vip_id":"2","auto_allocate_ip":true}]}`).(map[string]any)
	before, _ := json.Marshal(desired)
	got := keepAllocatedAddresses(desired, current)
	vips := got["vip"].([]any)
	v0 := vips[0].(map[string]any)
	if v0["ip_address"].(map[string]any)["addr"] != "10.10.10.100" || v0["ip6_address"].(map[string]any)["addr"] != "fd00::5" {
		t.Fatalf("vip 0 lost its addresses: %v", v0)
	}
	if vips[1].(map[string]any)["ip_address"].(map[string]any)["addr"] != "10.10.10.150" {
		t.Fatalf("a requested address was overridden: %v", vips[1])
	}
	if _, has := vips[2].(map[string]any)["ip_address"]; has {
		t.Fatalf("a new vip got an address: %v", vips[2])
	}
	if after, _ := json.Marshal(desired); string(after) != string(before) {
		t.Fatal("the desired body was modified in place")
	}
}
