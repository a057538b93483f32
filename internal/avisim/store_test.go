package avisim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/vmware/alb-sdk/go/models"
	"github.com/vmware/alb-sdk/go/session"

	"github.com/akoproject/ako/internal/avisim"
	"github.com/akoproject/ako/internal/avisim/avisimtest"
)

// TestCRUDEveryAKOType creates, reads, updates and deletes one object of each type AKO
// writes, in AKO's create order, then deletes in its delete order (parents first).
func TestCRUDEveryAKOType(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	c := sim.Client(t)
	ca := issue(t, "Test CA", nil)
	leaf := issue(t, "app.example.com", ca)
	s := c.AviSession

	type step struct {
		kind string
		body map[string]any
	}
	steps := []step{
		{"vsvip", map[string]any{"name": "t-vip", "vip": []any{map[string]any{"vip_id": "0", "auto_allocate_ip": true}}}},
		{"sslkeyandcertificate", map[string]any{"name": "t-ca", "type": "SSL_CERTIFICATE_TYPE_CA", "certificate": map[string]any{"certificate": ca.pem}}},
		{"sslkeyandcertificate", map[string]any{"name": "t-cert", "key": leaf.kpem, "certificate": map[string]any{"certificate": leaf.pem},
			"ca_certs": []any{map[string]any{"name": "t-ca", "ca_ref": "/api/sslkeyandcertificate/?name=t-ca"}}}},
		{"applicationpersistenceprofile", map[string]any{"name": "t-persist", "persistence_type": "PERSISTENCE_TYPE_CLIENT_IP_ADDRESS"}},
		{"pkiprofile", map[string]any{"name": "t-pki", "crl_check": false, "ca_certs": []any{map[string]any{"certificate": ca.pem}}}},
		{"pool", map[string]any{"name": "t-pool", "cloud_config_cksum": "1", "pki_profile_ref": "/api/pkiprofile?name=t-pki",
			"application_persistence_profile_ref": "/api/applicationpersistenceprofile?name=t-persist",
			"servers":                             []any{map[string]any{"ip": map[string]any{"addr": "10.0.0.1", "type": "V4"}, "port": 80}}}},
		{"poolgroup", map[string]any{"name": "t-pg", "cloud_config_cksum": "1", "members": []any{map[string]any{"pool_ref": "/api/pool?name=t-pool", "ratio": 1}}}},
		{"stringgroup", map[string]any{"name": "t-sg", "type": "SG_TYPE_STRING", "kv": []any{map[string]any{"key": "/foo"}}}},
		{"httppolicyset", map[string]any{"name": "t-http", "cloud_config_cksum": "1", "http_request_policy": map[string]any{"rules": []any{
			map[string]any{"name": "r1", "index": 1, "enable": true,
				"match":            map[string]any{"path": map[string]any{"match_criteria": "BEGINS_WITH", "string_group_refs": []any{"/api/stringgroup?name=t-sg"}}},
				"switching_action": map[string]any{"action": "HTTP_SWITCHING_SELECT_POOLGROUP", "pool_group_ref": "/api/poolgroup?name=t-pg"}}}}}},
		{"l4policyset", map[string]any{"name": "t-l4", "l4_connection_policy": map[string]any{"rules": []any{map[string]any{"name": "r", "index": 0,
			"action": map[string]any{"select_pool": map[string]any{"action_type": "L4_RULE_ACTION_SELECT_POOL", "pool_ref": "/api/pool?name=t-pool"}}}}}}},
		{"vsdatascriptset", map[string]any{"name": "t-ds", "pool_group_refs": []any{"/api/poolgroup?name=t-pg"},
			"datascript": []any{map[string]any{"evt": "VS_DATASCRIPT_EVT_HTTP_REQ", "script": "avi.vs.log('x')"}}}},
		{"virtualservice", map[string]any{"name": "t-vs", "cloud_config_cksum": "1", "vsvip_ref": "/api/vsvip/?name=t-vip",
			"services":                     []any{map[string]any{"port": 443, "enable_ssl": true}},
			"ssl_key_and_certificate_refs": []any{"/api/sslkeyandcertificate/?name=t-cert"},
			"http_policies":                []any{map[string]any{"index": 11, "http_policy_set_ref": "/api/httppolicyset/?name=t-http"}},
			"l4_policies":                  []any{map[string]any{"index": 0, "l4_policy_set_ref": "/api/l4policyset/?name=t-l4"}},
			"vs_datascripts":               []any{map[string]any{"index": 1, "vs_datascript_set_ref": "/api/vsdatascriptset/?name=t-ds"}},
			"application_profile_ref":      "/api/applicationprofile/?name=System-Secure-HTTP",
			"network_profile_ref":          "/api/networkprofile/?name=System-TCP-Proxy",
			"se_group_ref":                 "/api/serviceenginegroup?name=Default-Group",
			"error_page_profile_ref":       ""}},
	}
	uuids := map[string]string{}
	for _, st := range steps {
		var created map[string]any
		if err := s.Post("api/"+st.kind, st.body, &created); err != nil {
			t.Fatalf("create %s %s: %v", st.kind, st.body["name"], err)
		}
		id, _ := created["uuid"].(string)
		if !strings.HasPrefix(id, st.kind+"-") {
			t.Fatalf("%s uuid = %q", st.kind, id)
		}
		// Every ref in a POST answer is canonical with #name; no name-refs are echoed.
		assertCanonicalRefs(t, sim, created, true)
		uuids[st.body["name"].(string)] = id

		var got map[string]any
		if err := s.Get("api/"+st.kind+"/"+id+"?include_name", &got); err != nil {
			t.Fatal(err)
		}
		assertCanonicalRefs(t, sim, got, true)
		assertFitsModel(t, st.kind, got)
		got["markers"] = []any{map[string]any{"key": "clustername", "values": []any{"c1"}}}
		var updated map[string]any
		if err := s.Put("api/"+st.kind+"/"+id, got, &updated); err != nil {
			t.Fatalf("update %s: %v", st.kind, err)
		}
		if updated["_last_modified"] == got["_last_modified"] {
			t.Fatalf("%s: PUT did not move _last_modified", st.kind)
		}
	}
	// Resolution picked the right targets.
	var pg models.PoolGroup
	if err := s.Get("api/poolgroup/"+uuids["t-pg"], &pg); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(*pg.Members[0].PoolRef, "/api/pool/"+uuids["t-pool"]) {
		t.Fatalf("member pool_ref = %s", *pg.Members[0].PoolRef)
	}
	// Delete in AKO's order: the VS first, then everything it used.
	for _, name := range []string{"t-vs", "t-vip", "t-cert", "t-ca", "t-http", "t-sg", "t-l4", "t-ds", "t-pg", "t-pool", "t-pki", "t-persist"} {
		kind := strings.SplitN(uuids[name], "-", 2)[0]
		if err := s.Delete("api/" + kind + "/" + uuids[name]); err != nil {
			t.Fatalf("delete %s: %v", name, err)
		}
	}
}

// models maps each type to its SDK struct, to check that GET output round-trips into it.
var modelFor = map[string]func() any{
	"virtualservice": func() any { return new(models.VirtualService) }, "vsvip": func() any { return new(models.VsVip) },
	"pool": func() any { return new(models.Pool) }, "poolgroup": func() any { return new(models.PoolGroup) },
	"httppolicyset": func() any { return new(models.HTTPPolicySet) }, "l4policyset": func() any { return new(models.L4PolicySet) },
	"vsdatascriptset": func() any { return new(models.VSDataScriptSet) }, "stringgroup": func() any { return new(models.StringGroup) },
	"sslkeyandcertificate": func() any { return new(models.SSLKeyAndCertificate) }, "pkiprofile": func() any { return new(models.PKIprofile) },
	"applicationpersistenceprofile": func() any { return new(models.ApplicationPersistenceProfile) },
}

// assertFitsModel decodes a response strictly into the SDK model: every field the
// simulator adds must be one the SDK knows (vh_child_vs_uuid is the documented exception).
func assertFitsModel(t *testing.T, kind string, obj map[string]any) {
	t.Helper()
	cp := map[string]any{}
	for k, v := range obj {
		if k != "vh_child_vs_uuid" {
			cp[k] = v
		}
	}
	b, _ := json.Marshal(cp)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(modelFor[kind]()); err != nil {
		t.Fatalf("%s GET output does not fit models: %v", kind, err)
	}
}

// assertCanonicalRefs checks that url and every *_ref(s) value is https://host/api/<type>/<uuid>[#name].
func assertCanonicalRefs(t *testing.T, sim *avisimtest.Sim, obj map[string]any, withName bool) {
	t.Helper()
	var walk func(v any, key string)
	walk = func(v any, key string) {
		switch x := v.(type) {
		case map[string]any:
			for k, y := range x {
				walk(y, k)
			}
		case []any:
			for _, y := range x {
				walk(y, key)
			}
		case string:
			if key != "url" && !strings.HasSuffix(key, "_ref") && !strings.HasSuffix(key, "_refs") {
				return
			}
			u, err := url.Parse(x)
			if err != nil || u.Scheme != "https" || u.Host != sim.Host || u.RawQuery != "" || !strings.HasPrefix(u.Path, "/api/") {
				t.Fatalf("%s = %q is not canonical", key, x)
			}
			parts := strings.Split(strings.TrimPrefix(u.Path, "/api/"), "/")
			if len(parts) != 2 || (parts[1] != "admin" && !strings.HasPrefix(parts[1], parts[0]+"-")) {
				t.Fatalf("%s = %q does not name <type>/<type>-uuid", key, x)
			}
			if withName && u.Fragment == "" {
				t.Fatalf("%s = %q lacks #name", key, x)
			}
		}
	}
	walk(obj, "")
}

func TestFiltersAndPagination(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	c := sim.Client(t)
	for i := 0; i < 60; i++ {
		sg := &models.StringGroup{Name: ptr(fmt.Sprintf("c1--sg-%02d", i)), Type: ptr("SG_TYPE_STRING")}
		if i%2 == 0 {
			sg.Markers = []*models.RoleFilterMatchLabel{{Key: ptr("created_by"), Values: []string{"ako-c1"}}}
		}
		if _, err := c.StringGroup.Create(sg); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 3; i++ {
		if _, err := c.Pool.Create(&models.Pool{Name: ptr(fmt.Sprintf("p%d", i)), CreatedBy: ptr(fmt.Sprintf("ako-%d", i%2))}); err != nil {
			t.Fatal(err)
		}
	}
	raw := newRaw(t, sim)
	raw.login()

	// label_key/label_value with pagination; next keeps every filter.
	q := "/api/stringgroup/?include_name=true&label_key=created_by&label_value=ako-c1&page_size=12"
	seen := map[string]bool{}
	pages := 0
	for q != "" {
		page := raw.getJSON(q)
		pages++
		if page["count"].(float64) != 30 {
			t.Fatalf("count = %v", page["count"])
		}
		for _, r := range page["results"].([]any) {
			seen[r.(map[string]any)["name"].(string)] = true
		}
		q = ""
		if next, ok := page["next"].(string); ok {
			_, rest, _ := strings.Cut(next, "/api/stringgroup")
			for _, want := range []string{"label_key=created_by", "label_value=ako-c1", "page_size=12", "include_name=true"} {
				if !strings.Contains(rest, want) {
					t.Fatalf("next %q lost %s", next, want)
				}
			}
			q = "/api/stringgroup" + rest
		}
	}
	if len(seen) != 30 || pages != 3 {
		t.Fatalf("paged through %d names in %d pages", len(seen), pages)
	}
	// The SDK's own collection call sees results on an empty match too.
	empty := raw.getJSON("/api/stringgroup?name=none")
	if res, ok := empty["results"].([]any); !ok || len(res) != 0 || empty["count"].(float64) != 0 {
		t.Fatalf("empty collection = %v", empty)
	}

	cases := []struct {
		query string
		want  int
	}{
		{"name=c1--sg-07", 1},
		{"name.contains=sg-1", 10},
		{"name.in=c1--sg-01,c1--sg-02,missing", 2},
		{"created_by=ako-1", 1},
		{"created_by=ako-0", 2},
	}
	for _, tc := range cases {
		kind := "stringgroup"
		if strings.HasPrefix(tc.query, "created_by") {
			kind = "pool"
		}
		got := raw.getJSON("/api/" + kind + "?" + tc.query + "&page_size=100")
		if got["count"].(float64) != float64(tc.want) {
			t.Errorf("%s?%s count = %v, want %d", kind, tc.query, got["count"], tc.want)
		}
	}
	// cloud_ref.name and <ref>.name filters, fields projection.
	nets := raw.getJSON("/api/network/?include_name&name=vip-net&cloud_ref.name=Default-Cloud&vrf_context_ref.name=global&fields=vrf_context_ref")
	if nets["count"].(float64) != 1 {
		t.Fatalf("network lookup = %v", nets)
	}
	n := nets["results"].([]any)[0].(map[string]any)
	if _, ok := n["configured_subnets"]; ok || n["uuid"] == nil || !strings.HasSuffix(n["vrf_context_ref"].(string), "#global") {
		t.Fatalf("fields projection = %v", n)
	}
	if got := raw.getJSON("/api/network/?name=vip-net&vrf_context_ref.name=management"); got["count"].(float64) != 0 {
		t.Fatalf("ref name filter did not filter: %v", got)
	}
	if got := raw.getJSON("/api/network/?name=vip-net&cloud_ref.name=Other"); got["count"].(float64) != 0 {
		t.Fatalf("cloud filter did not filter: %v", got)
	}
}

func TestConcurrencyCheck412(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	c := sim.Client(t)
	vrfs, err := c.VrfContext.GetAll(session.SetParams(map[string]string{"name": "global"}))
	if err != nil || len(vrfs) != 1 {
		t.Fatalf("vrf: %v %v", vrfs, err)
	}
	vrf := vrfs[0]
	stale := *vrf.LastModified
	vrf.StaticRoutes = []*models.StaticRoute{{RouteID: ptr("c1-1"),
		Prefix:  &models.IPAddrPrefix{IPAddr: &models.IPAddr{Addr: ptr("10.244.0.0"), Type: ptr("V4")}, Mask: ptr(int32(24))},
		NextHop: &models.IPAddr{Addr: ptr("192.168.1.10"), Type: ptr("V4")}}}
	if _, err := c.VrfContext.Update(vrf); err != nil {
		t.Fatalf("PUT with the current _last_modified: %v", err)
	}
	vrf.LastModified = &stale
	_, err = c.VrfContext.Update(vrf)
	if aviStatus(err) != 412 || !strings.Contains(err.Error(), "Need to reload object data VrfContext") {
		t.Fatalf("stale PUT: %v", err)
	}
	vrf.LastModified = nil // no _last_modified: last writer wins
	if _, err := c.VrfContext.Update(vrf); err != nil {
		t.Fatalf("PUT without _last_modified: %v", err)
	}
	// The VsVip wording AKO matches.
	vip, err := c.VsVip.Create(&models.VsVip{Name: ptr("v"), Vip: []*models.Vip{{VipID: ptr("0"), AutoAllocateIP: ptr(true)}}})
	if err != nil {
		t.Fatal(err)
	}
	vip.LastModified = ptr("1")
	if _, err := c.VsVip.Update(vip); aviStatus(err) != 412 || !strings.Contains(err.Error(), "Need to reload object data VsVip") {
		t.Fatalf("stale vsvip PUT: %v", err)
	}
}

func TestValidationErrorsNameTheField(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	c := sim.Client(t)
	cases := []struct {
		kind string
		body string
		want string
	}{
		{"pool", `{"name":"p","bogus":1}`, "bogus: unknown field"},
		{"pool", `{"name":"p","servers":[{"port":80}]}`, "servers[0].ip: This field is required."},
		{"pool", `{"name":"p","servers":[{"ip":{"addr":"1.1.1.1","type":"V4"},"port":"80"}]}`, "servers[0].port: expected an integer"},
		{"pool", `{"name":null}`, "name: This field is required."},
		{"virtualservice", `{"name":"v","services":[{"port":-1}]}`, "services[0].port: expected a non-negative integer"},
		{"pool", `{"name":"p","health_monitor_refs":["/api/healthmonitor/?name=nope"]}`, "HealthMonitor object not found!"},
		{"poolgroup", `{"name":"pg","members":[{"pool_ref":"/api/pool?name=nope"}]}`, "Pool object not found!"},
		{"pool", `{"name":"p","vrf_ref":"/api/cloud/?name=Default-Cloud"}`, "vrf_ref: expected a reference to VrfContext"},
	}
	for _, tc := range cases {
		var body map[string]any
		if err := json.Unmarshal([]byte(tc.body), &body); err != nil {
			t.Fatal(err)
		}
		err := c.AviSession.Post("api/"+tc.kind, body, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("POST %s %s: %v; want %q", tc.kind, tc.body, err, tc.want)
		}
		if code := aviStatus(err); code != 400 && code != 404 {
			t.Errorf("POST %s %s: status %d", tc.kind, tc.body, code)
		}
	}
}

func TestPatchSlugMethodsAndCrossTenantWrites(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	c := sim.Client(t)
	vrf, err := c.VrfContext.GetByName("management")
	if err != nil {
		t.Fatal(err)
	}
	route := func(id, prefix string) map[string]any {
		return map[string]any{"route_id": id,
			"prefix":   map[string]any{"ip_addr": map[string]any{"addr": prefix, "type": "V4"}, "mask": 24},
			"next_hop": map[string]any{"addr": "192.168.1.1", "type": "V4"}}
	}
	add := map[string]any{"static_routes": []any{route("c1-1", "10.1.0.0"), route("c1-2", "10.2.0.0")}}
	if _, err := c.VrfContext.Patch(*vrf.UUID, add, "add"); err != nil {
		t.Fatal(err)
	}
	patched, err := c.VrfContext.Patch(*vrf.UUID, map[string]any{"static_routes": []any{route("c1-1", "10.1.0.0")}}, "delete")
	if err != nil {
		t.Fatal(err)
	}
	if len(patched.StaticRoutes) != 1 || *patched.StaticRoutes[0].RouteID != "c1-2" {
		t.Fatalf("static routes after add+delete = %+v", patched.StaticRoutes)
	}
	replaced, err := c.VrfContext.Patch(*vrf.UUID, map[string]any{"description": "edited"}, "replace")
	if err != nil || *replaced.Description != "edited" || len(replaced.StaticRoutes) != 1 {
		t.Fatalf("replace: %+v %v", replaced, err)
	}

	// Slug forces the uuid (as in the recorded pool-force-42 exchange).
	raw := newRaw(t, sim)
	raw.login()
	code, body, hdr := raw.do("POST", "/api/pool", `{"name":"forced"}`, map[string]string{"Slug": "pool-force-42"})
	if code != 201 || !strings.Contains(body, `"uuid":"pool-force-42"`) || !strings.Contains(hdr.Get("Location"), "/api/pool/pool-force-42") {
		t.Fatalf("Slug POST: %d %s %v", code, body, hdr)
	}
	if code, body, _ := raw.do("DELETE", "/api/pool", "", nil); code != 405 || !strings.Contains(body, "Method 'DELETE' not allowed.") {
		t.Fatalf("DELETE on a collection: %d %s", code, body)
	}
	if code, _, _ := raw.do("GET", "/api/nosuchtype", "", nil); code != 404 {
		t.Fatalf("unknown type: %d", code)
	}
	if code, body, _ = raw.do("DELETE", "/api/pool/pool-force-42", "", nil); code != 204 || body != "" {
		t.Fatalf("DELETE: %d %q", code, body)
	}

	// Another tenant may read admin's provider objects but not change them.
	if _, err := c.Tenant.Create(&models.Tenant{Name: ptr("team-b")}); err != nil {
		t.Fatal(err)
	}
	hm, err := c.HealthMonitor.GetByName("System-TCP", session.SetOptTenant("team-b"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.HealthMonitor.Update(hm, session.SetOptTenant("team-b")); aviStatus(err) != 403 {
		t.Fatalf("team-b PUT of an admin health monitor: %v", err)
	}
	vrf, _ = c.VrfContext.GetByName("global", session.SetOptTenant("team-b"))
	if _, err := c.VrfContext.Update(vrf, session.SetOptTenant("team-b")); aviStatus(err) != 400 || !strings.Contains(err.Error(), "Cannot modify VrfContext") {
		t.Fatalf("team-b PUT of the admin VRF: %v", err)
	}
	if _, err := c.VrfContext.Update(vrf); err != nil {
		t.Fatalf("the same PUT as admin: %v", err)
	}
	// PATCH is a write like PUT: the same tenant rule holds.
	if _, err := c.HealthMonitor.Patch(*hm.UUID, map[string]any{"description": "x"}, "replace", session.SetOptTenant("team-b")); aviStatus(err) != 403 {
		t.Fatalf("team-b PATCH of an admin health monitor: %v", err)
	}
}

func TestValidationOff(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{Validation: avisim.ValidationOff})
	c := sim.Client(t)
	var out map[string]any
	if err := c.AviSession.Post("api/pool", map[string]any{"name": "p", "field_from_a_newer_sdk": true}, &out); err != nil {
		t.Fatalf("unknown field with validation off: %v", err)
	}
	if out["field_from_a_newer_sdk"] != true {
		t.Fatalf("unknown field not kept: %v", out)
	}
	// References are still enforced.
	err := c.AviSession.Post("api/pool", map[string]any{"name": "q", "vrf_ref": "/api/vrfcontext?name=nope"}, nil)
	if aviStatus(err) != 400 {
		t.Fatalf("bad ref with validation off: %v", err)
	}
	if _, err := avisim.New(avisim.Options{Validation: "loose"}); err == nil {
		t.Fatal("unknown validation level accepted")
	}
}
