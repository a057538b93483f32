package avisim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/vmware/alb-sdk/go/models"
)

func TestCleanPath(t *testing.T) {
	for in, want := range map[string]string{
		"//api/pool/":         "/api/pool",
		"/api/pool":           "/api/pool",
		"///api//vsvip/x-1//": "/api/vsvip/x-1",
		"/":                   "/",
		"//login":             "/login",
		"":                    "/",
	} {
		if got := cleanPath(in); got != want {
			t.Errorf("cleanPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseRef(t *testing.T) {
	cases := []struct {
		in   string
		want refSpec
		ok   bool
	}{
		{"/api/pool/?name=p%201", refSpec{kind: "pool", name: "p 1"}, true},
		{"/api/pool?name=p", refSpec{kind: "pool", name: "p"}, true},
		{"/api/vrfcontext/?tenant=admin&name=global&cloud=C", refSpec{kind: "vrfcontext", name: "global", tenant: "admin", cloud: "C"}, true},
		{"/api/network/network-1", refSpec{kind: "network", uuid: "network-1"}, true},
		{"https://10.0.0.1/api/vsvip/vsvip-9#my-vip", refSpec{kind: "vsvip", uuid: "vsvip-9"}, true},
		{"https://h/api/tenant/admin#admin", refSpec{kind: "tenant", uuid: "admin"}, true},
		{"pool-abc", refSpec{kind: "pool", uuid: "pool-abc"}, true},
		{"/api/pool/", refSpec{}, false},
		{"nonsense", refSpec{}, false},
	}
	for _, tc := range cases {
		got, ok := parseRef(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("parseRef(%q) = %+v, %v; want %+v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestCheckValue(t *testing.T) {
	pool := reflect.TypeOf(models.Pool{})
	cases := []struct {
		body map[string]any
		want string // substring; "" = valid
	}{
		{map[string]any{"name": "p"}, ""},
		{map[string]any{"name": "p", "x": 1}, "x: unknown field"},
		{map[string]any{}, "name: This field is required."},
		{map[string]any{"name": "p", "enabled": "yes"}, "enabled: expected a boolean"},
		{map[string]any{"name": "p", "servers": map[string]any{}}, "servers: expected a list"},
		{map[string]any{"name": "p", "servers": []any{map[string]any{"ip": map[string]any{"addr": "1.1.1.1"}}}}, "servers[0].ip.type: This field is required."},
		{map[string]any{"name": "p", "graceful_disable_timeout": numberOf("1.5")}, "graceful_disable_timeout: expected an integer"},
		{map[string]any{"name": "p", "default_server_port": numberOf("99999999999")}, "default_server_port: expected an integer"},
	}
	for _, tc := range cases {
		got := checkValue("", pool, tc.body)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("checkValue(%v) = %q, want %q", tc.body, got, tc.want)
		}
	}
}

func TestNextURLKeepsFilters(t *testing.T) {
	u, _ := url.Parse("https://h//api/pool/?created_by=ako-c&page_size=10&include_name=&page=2&")
	req := &request{r: nil, kind: "pool", host: "h"}
	req.r = newTestRequest(u)
	got := nextURL(req, 3)
	want := "https://h/api/pool/?created_by=ako-c&page_size=10&include_name=&page=3"
	if got != want {
		t.Fatalf("nextURL = %q, want %q", got, want)
	}
}
func numberOf(s string) json.Number { return json.Number(s) }

func newTestRequest(u *url.URL) *http.Request { return &http.Request{Method: "GET", URL: u} }

func TestRefTargetKind(t *testing.T) {
	for field, want := range map[string]string{
		"pool_ref": "pool", "members.pool_ref": "pool", "pool_group_refs": "poolgroup",
		"http_policies.http_policy_set_ref": "httppolicyset", "ssl_key_and_certificate_refs": "sslkeyandcertificate",
		"vrf_ref": "vrfcontext", "vh_parent_vs_ref": "virtualservice", "health_monitor_refs": "healthmonitor",
		"tenant_ref": "tenant", "autoscale_launch_config_ref": "", "protocol_parser_refs": "protocolparser",
	} {
		if got := refTargetKind(field); got != want {
			t.Errorf("refTargetKind(%q) = %q, want %q", field, got, want)
		}
	}
}
