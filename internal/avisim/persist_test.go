package avisim_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vmware/alb-sdk/go/models"

	"github.com/akoproject/ako/internal/avisim"
	"github.com/akoproject/ako/internal/avisim/avisimtest"
)

func TestStateSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	opts := avisim.Options{Password: "pw", StateFile: state}

	func() {
		sim := avisimtest.Start(t, opts)
		c := sim.Client(t)
		v, err := c.VsVip.Create(&models.VsVip{Name: ptr("v"), Vip: []*models.Vip{{VipID: ptr("0"), AutoAllocateIP: ptr(true)}}})
		if err != nil {
			t.Fatal(err)
		}
		if *v.Vip[0].IPAddress.Addr != "10.10.10.100" {
			t.Fatalf("vip = %s", *v.Vip[0].IPAddress.Addr)
		}
		if _, err := c.Pool.Create(&models.Pool{Name: ptr("p"), CreatedBy: ptr("ako-c1")}); err != nil {
			t.Fatal(err)
		}
		if err := sim.Close(); err != nil { // flush, as on SIGTERM
			t.Fatal(err)
		}
	}()

	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Fatalf("temporary file left behind: %s", e.Name())
		}
	}

	sim := avisimtest.Start(t, opts)
	c := sim.Client(t)
	p, err := c.Pool.GetByName("p")
	if err != nil || *p.CreatedBy != "ako-c1" {
		t.Fatalf("pool after restart: %v %v", p, err)
	}
	// The allocation survived: the next VIP is the next address.
	v2, err := c.VsVip.Create(&models.VsVip{Name: ptr("v2"), Vip: []*models.Vip{{VipID: ptr("0"), AutoAllocateIP: ptr(true)}}})
	if err != nil || *v2.Vip[0].IPAddress.Addr != "10.10.10.101" {
		t.Fatalf("vip after restart: %v %v", v2, err)
	}
	// New _last_modified values stay ahead of the restored ones.
	if *v2.LastModified <= *p.LastModified {
		t.Fatalf("_last_modified went backwards: %s <= %s", *v2.LastModified, *p.LastModified)
	}
}

func TestSeedFileReplacesDefault(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seed.yaml")
	seed := `objects:
- kind: cloud
  object: {name: Other-Cloud, vtype: CLOUD_NONE}
- kind: vrfcontext
  object: {name: global, cloud_ref: "/api/cloud/?name=Other-Cloud"}
- kind: network
  object:
    name: lb-net
    cloud_ref: /api/cloud/?name=Other-Cloud
    configured_subnets:
    - prefix: {ip_addr: {addr: 192.168.5.0, type: V4}, mask: 24}
`
	if err := os.WriteFile(path, []byte(seed), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := avisim.LoadSeedFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sim := avisimtest.Start(t, avisim.Options{Seed: s})
	if _, ok := sim.Object("cloud", "Default-Cloud"); ok {
		t.Fatal("default seed still applied")
	}
	if _, ok := sim.Object("network", "lb-net"); !ok {
		t.Fatal("seed network missing")
	}
	// A bad seed fails loudly with the object named.
	if err := os.WriteFile(path, []byte("objects:\n- kind: pool\n  object: {name: p, nonsense: 1}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad, err := avisim.LoadSeedFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := avisim.New(avisim.Options{Seed: bad}); err == nil || !strings.Contains(err.Error(), "nonsense: unknown field") {
		t.Fatalf("bad seed: %v", err)
	}
}

func TestStateFileWriteFailureIsReported(t *testing.T) {
	srv, err := avisim.New(avisim.Options{Password: "pw", StateFile: filepath.Join(t.TempDir(), "missing-dir", "state.json")})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.SetObject("pool", map[string]any{"name": "p"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err == nil || !strings.Contains(err.Error(), "state file") {
		t.Fatalf("Close with an unwritable state file: %v", err)
	}
}

func TestMinimalStateFile(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(state, []byte(`{"objects":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	sim := avisimtest.Start(t, avisim.Options{StateFile: state})
	c := sim.Client(t)
	var sys map[string]any
	if err := c.AviSession.Get("api/systemconfiguration", &sys); err != nil || sys["default_license_tier"] != "ENTERPRISE" {
		t.Fatalf("systemconfiguration from a minimal state: %v %v", sys, err)
	}
	if _, err := c.Pool.Create(&models.Pool{Name: ptr("p")}); err != nil {
		t.Fatalf("write into a minimal state: %v", err)
	}
	if err := sim.Close(); err != nil { // no background write may overwrite the file below
		t.Fatal(err)
	}
	if err := os.WriteFile(state, []byte(`{"objects":[{"kind":"nope","data":{}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := avisim.New(avisim.Options{StateFile: state}); err == nil || !strings.Contains(err.Error(), `unknown kind "nope"`) {
		t.Fatalf("corrupt state file: %v", err)
	}
}

func TestSeedWithVCenterStyleUUIDs(t *testing.T) {
	seed := &avisim.Seed{Objects: []avisim.SeedObject{
		{Kind: "cloud", Object: map[string]any{"name": "vc", "vtype": "CLOUD_NONE"}},
		{Kind: "network", Object: map[string]any{"uuid": "dvportgroup-1413-cloud-1", "name": "pg-net", "cloud_ref": "/api/cloud/?name=vc"}},
		{Kind: "ipamdnsproviderprofile", Object: map[string]any{"name": "ipam", "type": "IPAMDNS_TYPE_INTERNAL",
			"internal_profile": map[string]any{"usable_networks": []any{map[string]any{"nw_ref": "dvportgroup-1413-cloud-1"}}}}},
	}}
	sim := avisimtest.Start(t, avisim.Options{Seed: seed})
	ipam, ok := sim.Object("ipamdnsproviderprofile", "ipam")
	if !ok {
		t.Fatal("ipam profile missing")
	}
	nw := ipam["internal_profile"].(map[string]any)["usable_networks"].([]any)[0].(map[string]any)["nw_ref"].(string)
	if !strings.HasSuffix(nw, "/api/network/dvportgroup-1413-cloud-1#pg-net") {
		t.Fatalf("nw_ref = %s", nw)
	}
}
