package avisim_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vmware/alb-sdk/go/clients"
	"github.com/vmware/alb-sdk/go/models"
	"github.com/vmware/alb-sdk/go/session"

	"github.com/akoproject/ako/internal/avisim"
	"github.com/akoproject/ako/internal/avisim/avisimtest"
)

func ptr[T any](v T) *T { return &v }

// aviStatus extracts the HTTP status of an SDK error (0 when it is not an AviError).
func aviStatus(err error) int {
	var ae session.AviError
	if errors.As(err, &ae) {
		return ae.HttpStatusCode
	}
	return 0
}

func newClient(t *testing.T) (*avisimtest.Sim, *clients.AviClient) {
	t.Helper()
	sim := avisimtest.Start(t, avisim.Options{})
	return sim, sim.Client(t)
}

func TestBootEndpointsThroughSDK(t *testing.T) {
	sim, c := newClient(t)
	v, err := c.AviSession.GetControllerVersion()
	if err != nil || v != "30.2.1" {
		t.Fatalf("GetControllerVersion = %q, %v; want 30.2.1", v, err)
	}
	var runtime map[string]any
	if err := c.AviSession.Get("/api/cluster/runtime", &runtime); err != nil {
		t.Fatal(err)
	}
	nodes, _ := runtime["node_states"].([]any)
	if len(nodes) != 1 || runtime["cluster_state"].(map[string]any)["state"] != "CLUSTER_UP_NO_HA" {
		t.Fatalf("cluster/runtime = %v", runtime)
	}
	var sys map[string]any
	if err := c.AviSession.Get("/api/systemconfiguration", &sys); err != nil || sys["default_license_tier"] != "ENTERPRISE" {
		t.Fatalf("systemconfiguration = %v, %v", sys, err)
	}
	cloud, err := c.Cloud.GetObject(session.SetName("Default-Cloud"), session.SetIncludeName(true))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(*cloud.IPAMProviderRef, "#Default-IPAM") || !strings.HasPrefix(*cloud.UUID, "cloud-") {
		t.Fatalf("cloud ipam ref %q uuid %q", *cloud.IPAMProviderRef, *cloud.UUID)
	}
	var domains map[string]any
	if err := c.AviSession.Get("/api/ipamdnsproviderprofiledomainlist?cloud_uuid="+*cloud.UUID, &domains); err != nil {
		t.Fatal(err)
	}
	if d, _ := domains["domains"].([]any); len(d) != 1 || d[0] != "avi.internal" {
		t.Fatalf("domains = %v", domains)
	}
	// A wrong password is the only thing answered with "Invalid credentials".
	_, err = clients.NewAviClient(sim.Host, sim.Username, session.SetPassword("wrong"), session.SetInsecure,
		session.DisableControllerStatusCheckOnFailure(true))
	if aviStatus(err) != 401 || !strings.Contains(err.Error(), "Invalid credentials") {
		t.Fatalf("bad login error = %v", err)
	}
	// Every request arrived on a clean path exactly once (no redirects).
	for _, r := range sim.Requests() {
		if strings.Contains(r.Path, "//") || r.Status == 307 || r.Status == 301 {
			t.Fatalf("request %+v was not served directly", r)
		}
	}
}

func TestPoolCRUDWithNameRefs(t *testing.T) {
	_, c := newClient(t)
	created, err := c.Pool.Create(&models.Pool{
		Name:              ptr("p1"),
		CloudConfigCksum:  ptr("abc"),
		CreatedBy:         ptr("ako-test"),
		ServiceMetadata:   ptr(`{"svc":"x"}`),
		VrfRef:            ptr("/api/vrfcontext?name=global"),
		HealthMonitorRefs: []string{"/api/healthmonitor/?name=System-TCP"},
		Servers:           []*models.Server{{IP: &models.IPAddr{Addr: ptr("10.1.1.1"), Type: ptr("V4")}, Port: ptr(int32(8080))}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(*created.UUID, "pool-") || *created.CloudConfigCksum != "abc" || *created.ServiceMetadata != `{"svc":"x"}` {
		t.Fatalf("created = %+v", created)
	}
	if !strings.Contains(*created.VrfRef, "/api/vrfcontext/vrfcontext-") || !strings.HasSuffix(*created.VrfRef, "#global") {
		t.Fatalf("POST response vrf_ref %q is not canonical with #name", *created.VrfRef)
	}
	if !strings.HasSuffix(*created.TenantRef, "/api/tenant/admin#admin") || !strings.HasSuffix(*created.CloudRef, "#Default-Cloud") {
		t.Fatalf("defaults tenant_ref %q cloud_ref %q", *created.TenantRef, *created.CloudRef)
	}
	got, err := c.Pool.Get(*created.UUID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(got.HealthMonitorRefs[0], "#") || !strings.Contains(got.HealthMonitorRefs[0], "/api/healthmonitor/healthmonitor-") {
		t.Fatalf("GET without include_name ref = %q", got.HealthMonitorRefs[0])
	}
	if *got.LastModified != *created.LastModified {
		t.Fatalf("a read changed _last_modified")
	}
	got.CloudConfigCksum = ptr("def")
	updated, err := c.Pool.Update(got)
	if err != nil {
		t.Fatal(err)
	}
	if *updated.CloudConfigCksum != "def" || *updated.LastModified <= *created.LastModified {
		t.Fatalf("update = cksum %q lm %q (was %q)", *updated.CloudConfigCksum, *updated.LastModified, *created.LastModified)
	}
	// Duplicate name: 409.
	_, err = c.Pool.Create(&models.Pool{Name: ptr("p1")})
	if aviStatus(err) != 409 || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate create error = %v", err)
	}
	if err := c.Pool.Delete(*created.UUID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Pool.Get(*created.UUID)
	if aviStatus(err) != 404 || !strings.Contains(err.Error(), "Pool object not found!") {
		t.Fatalf("GET after delete error = %v", err)
	}
}

func TestVsVipIPAMAllocateKeepRelease(t *testing.T) {
	_, c := newClient(t)
	mk := func(name string) *models.VsVip {
		return &models.VsVip{
			Name:          ptr(name),
			VrfContextRef: ptr("/api/vrfcontext?name=global"),
			DNSInfo:       []*models.DNSInfo{{Fqdn: ptr(name + ".avi.internal")}},
			Vip: []*models.Vip{{VipID: ptr("0"), AutoAllocateIP: ptr(true),
				IPAMNetworkSubnet: &models.IPNetworkSubnet{NetworkRef: ptr("/api/network/?name=vip-net")}}},
		}
	}
	a, err := c.VsVip.Create(mk("a"))
	if err != nil {
		t.Fatal(err)
	}
	if got := *a.Vip[0].IPAddress.Addr; got != "10.10.10.100" {
		t.Fatalf("first VIP = %s", got)
	}
	if *a.DNSInfo[0].Type != "DNS_RECORD_A" || *a.DNSInfo[0].TTL != 30 {
		t.Fatalf("dns_info not filled: %+v", a.DNSInfo[0])
	}
	b, err := c.VsVip.Create(mk("b"))
	if err != nil {
		t.Fatal(err)
	}
	if got := *b.Vip[0].IPAddress.Addr; got != "10.10.10.101" {
		t.Fatalf("second VIP = %s", got)
	}
	// PUT without ip_address keeps the address.
	a.Vip[0].IPAddress = nil
	a.DNSInfo = []*models.DNSInfo{{Fqdn: ptr("a2.avi.internal")}}
	a2, err := c.VsVip.Update(a)
	if err != nil {
		t.Fatal(err)
	}
	if got := *a2.Vip[0].IPAddress.Addr; got != "10.10.10.100" {
		t.Fatalf("VIP after PUT = %s", got)
	}
	if err := c.VsVip.Delete(*a.UUID); err != nil {
		t.Fatal(err)
	}
	c3, err := c.VsVip.Create(mk("c"))
	if err != nil {
		t.Fatal(err)
	}
	if got := *c3.Vip[0].IPAddress.Addr; got != "10.10.10.100" {
		t.Fatalf("released VIP not reused: %s", got)
	}
}

func TestVirtualServiceTreeIntegrity(t *testing.T) {
	sim, c := newClient(t)
	if _, err := c.VsVip.Create(&models.VsVip{Name: ptr("vip1"),
		Vip: []*models.Vip{{VipID: ptr("0"), AutoAllocateIP: ptr(true)}}}); err != nil {
		t.Fatal(err)
	}
	pool, err := c.Pool.Create(&models.Pool{Name: ptr("pool1")})
	if err != nil {
		t.Fatal(err)
	}
	parent, err := c.VirtualService.Create(&models.VirtualService{
		Name: ptr("parent"), Type: ptr("VS_TYPE_VH_PARENT"), CloudConfigCksum: ptr("1"),
		VsvipRef: ptr("/api/vsvip/?name=vip1"), ErrorPageProfileRef: ptr(""),
		Services: []*models.Service{{Port: ptr(uint32(80))}}, PoolRef: ptr("/api/pool/" + *pool.UUID),
	})
	if err != nil {
		t.Fatal(err)
	}
	child, err := c.VirtualService.Create(&models.VirtualService{
		Name: ptr("child"), Type: ptr("VS_TYPE_VH_CHILD"), CloudConfigCksum: ptr("2"),
		VhParentVsRef: ptr("/api/virtualservice/?name=parent"),
	})
	if err != nil {
		t.Fatal(err)
	}
	// A VH child must point at a VH parent.
	_, err = c.VirtualService.Create(&models.VirtualService{Name: ptr("orphan"), Type: ptr("VS_TYPE_VH_CHILD"),
		VhParentVsRef: ptr("/api/virtualservice/?name=child")})
	if aviStatus(err) != 400 || !strings.Contains(err.Error(), "vh_parent_vs_ref") {
		t.Fatalf("child of a child: %v", err)
	}
	var raw map[string]any
	if err := c.AviSession.Get("api/virtualservice/"+*parent.UUID+"?include_name", &raw); err != nil {
		t.Fatal(err)
	}
	kids, _ := raw["vh_child_vs_uuid"].([]any)
	if len(kids) != 1 || kids[0] != *child.UUID {
		t.Fatalf("vh_child_vs_uuid = %v", raw["vh_child_vs_uuid"])
	}
	if _, ok := raw["error_page_profile_ref"]; ok {
		t.Fatalf("empty ref was stored: %v", raw["error_page_profile_ref"])
	}
	err = c.Pool.Delete(*pool.UUID)
	if aviStatus(err) != 403 || !strings.Contains(err.Error(), "VirtualService parent") {
		t.Fatalf("delete of a referenced pool: %v", err)
	}
	if err := c.VirtualService.Delete(*child.UUID); err != nil {
		t.Fatal(err)
	}
	if err := c.VirtualService.Delete(*parent.UUID); err != nil {
		t.Fatal(err)
	}
	if err := c.Pool.Delete(*pool.UUID); err != nil {
		t.Fatal(err)
	}
	if n := sim.Counts()["DELETE virtualservice"]; n != 2 {
		t.Fatalf("DELETE virtualservice count = %d", n)
	}
}
