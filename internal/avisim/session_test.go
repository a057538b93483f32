package avisim_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vmware/alb-sdk/go/clients"
	"github.com/vmware/alb-sdk/go/models"
	"github.com/vmware/alb-sdk/go/session"

	"github.com/akoproject/ako/internal/avisim"
	"github.com/akoproject/ako/internal/avisim/avisimtest"
)

func countLogins(sim *avisimtest.Sim) int {
	n := 0
	for _, r := range sim.Requests() {
		if r.Path == "/login" && r.Status == 200 {
			n++
		}
	}
	return n
}

func TestLoginCookiesAndFormLogin(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	raw := newRaw(t, sim)
	code, _, hdr := raw.do("POST", "/login", "username="+sim.Username+"&password="+sim.Password,
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if code != 200 {
		t.Fatalf("form login: %d", code)
	}
	got := map[string]string{}
	for _, ck := range (&http.Response{Header: hdr}).Cookies() {
		got[ck.Name] = ck.Value
	}
	if got["csrftoken"] == "" || got["sessionid"] == "" || got["sessionid"] != got["avi-sessionid"] {
		t.Fatalf("login cookies = %v", got)
	}
	for _, r := range sim.Requests() {
		if strings.Contains(r.Body, sim.Password) {
			t.Fatalf("the password reached the request log: %+v", r)
		}
	}
}

func TestSessionAndCSRFChecks(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	raw := newRaw(t, sim)
	if code, body, _ := raw.do("GET", "/api/pool", "", nil); code != 401 || strings.Contains(body, "Invalid credentials") {
		t.Fatalf("no session: %d %s", code, body)
	}
	raw.login()
	if code, _, _ := raw.do("GET", "//api/pool/", "", nil); code != 200 {
		t.Fatalf("GET //api/pool/ = %d", code)
	}
	code, body, hdr := raw.do("POST", "/api/pool", `{"name":"x"}`, map[string]string{"X-CSRFToken": "wrong"})
	if code != 401 || body != "CSRF token missing or incorrect." || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") {
		t.Fatalf("bad CSRF: %d %q", code, body)
	}
	// No /api/cluster/status auth: the SDK's status check sends no cookies.
	raw.sess = ""
	if code, _, _ := raw.do("GET", "//api/cluster/status", "", nil); code != 200 {
		t.Fatalf("cluster/status without auth = %d", code)
	}
}

func TestReloginAfterExpiry(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	c := sim.Client(t)
	before := countLogins(sim)
	sim.ExpireSessions()
	// AKO's configuration: the SDK logs in again and hands back a retryable error ...
	_, err := c.Pool.GetAll()
	if err == nil || !strings.Contains(err.Error(), "Rest request error") {
		t.Fatalf("first call after expiry: %v", err)
	}
	// ... and the retry succeeds on the new session.
	if _, err := c.Pool.GetAll(); err != nil {
		t.Fatalf("retry after re-login: %v", err)
	}
	if got := countLogins(sim); got != before+1 {
		t.Fatalf("logins = %d, want %d", got, before+1)
	}

	// A default SDK session (status check on) recovers inside the same call: 401, login,
	// bare GET /api/cluster/status, login, resend.
	def, err := clients.NewAviClient(sim.Host, sim.Username, session.SetPassword(sim.Password), session.SetInsecure)
	if err != nil {
		t.Fatal(err)
	}
	sim.ExpireSessions()
	if _, err := def.Pool.GetAll(); err != nil {
		t.Fatalf("default session after expiry: %v", err)
	}
	before = countLogins(sim)

	// Idle expiry answers 401 as well.
	sim.SetIdleTimeout(50 * time.Millisecond)
	time.Sleep(120 * time.Millisecond) // let the session go idle (setup, not the assertion)
	if _, err := c.Pool.GetAll(); err == nil {
		t.Fatal("idle session still accepted")
	}
	if got := countLogins(sim); got != before+1 {
		t.Fatalf("logins after idle expiry = %d, want %d", got, before+1)
	}
}

func TestVersionHeaderAndTenants(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{Version: "22.1.3"})
	c := sim.Client(t, session.SetVersion("22.1.3"))
	if _, err := c.Pool.GetAll(); err != nil {
		t.Fatalf("version equal to the controller's: %v", err)
	}
	hi := sim.Client(t, session.SetVersion("30.2.1"))
	_, err := hi.Pool.GetAll()
	if aviStatus(err) != 400 || !strings.Contains(err.Error(), "Invalid version") {
		t.Fatalf("newer version: %v", err)
	}

	// Extra tenants: create, use, list with *, unknown tenant is 403, delete.
	ten, err := c.Tenant.Create(&models.Tenant{Name: ptr("team-a")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(*ten.UUID, "tenant-") {
		t.Fatalf("tenant uuid %q", *ten.UUID)
	}
	if _, err := c.Pool.Create(&models.Pool{Name: ptr("shared-name")}, session.SetOptTenant("team-a")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pool.Create(&models.Pool{Name: ptr("shared-name")}); err != nil {
		t.Fatalf("same name in another tenant: %v", err)
	}
	all, err := c.Pool.GetAll(session.SetOptTenant("*"))
	if err != nil || len(all) != 2 {
		t.Fatalf("pools across tenants = %d, %v", len(all), err)
	}
	inA, err := c.Pool.GetAll(session.SetOptTenant("team-a"))
	if err != nil || len(inA) != 1 || !strings.HasSuffix(*inA[0].TenantRef, "/"+*ten.UUID) {
		t.Fatalf("pools in team-a = %v, %v", inA, err)
	}
	// The same tenant by uuid header and by query parameter.
	raw := newRaw(t, sim)
	raw.login()
	if got := raw.getJSON("/api/pool"); got["count"].(float64) != 1 {
		t.Fatalf("admin pools = %v", got["count"])
	}
	for _, hdr := range []map[string]string{{"X-Avi-Tenant-UUID": *ten.UUID}, {"X-Avi-Tenant": "admin", "X-Avi-Tenant-UUID": *ten.UUID}} {
		code, body, _ := raw.do("GET", "/api/pool?name=shared-name", "", hdr)
		if code != 200 || !strings.Contains(body, *ten.UUID) {
			t.Fatalf("pools with %v: %d %s", hdr, code, body)
		}
	}
	if code, body, _ := raw.do("GET", "/api/pool?tenant=team-a", "", nil); code != 200 || !strings.Contains(body, *ten.UUID) {
		t.Fatalf("pools with ?tenant=team-a: %d %s", code, body)
	}
	// Provider objects owned by admin are visible from team-a.
	if _, err := c.Cloud.GetByName("Default-Cloud", session.SetOptTenant("team-a")); err != nil {
		t.Fatalf("admin cloud from team-a: %v", err)
	}
	_, err = c.Pool.GetAll(session.SetOptTenant("nope"))
	if aviStatus(err) != 403 || !strings.Contains(err.Error(), "Tenant 'nope' does not exist!") {
		t.Fatalf("unknown tenant: %v", err)
	}
	if err := c.Tenant.Delete(*ten.UUID); aviStatus(err) != 403 {
		t.Fatalf("delete of a tenant that owns objects: %v", err)
	}
	if err := c.Pool.Delete(*inA[0].UUID, session.SetOptTenant("team-a")); err != nil {
		t.Fatal(err)
	}
	if err := c.Tenant.Delete(*ten.UUID); err != nil {
		t.Fatal(err)
	}
}

func TestUserTokenLogin(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	c := sim.Client(t)
	var tok map[string]any
	if err := c.AviSession.Post("api/user-token", map[string]string{"hours": "240"}, &tok); err != nil {
		t.Fatal(err)
	}
	exp, err := time.Parse(time.RFC3339, tok["expires_at"].(string))
	if err != nil || exp.Before(time.Now().Add(239*time.Hour)) {
		t.Fatalf("expires_at = %v (%v)", tok["expires_at"], err)
	}
	tc, err := clients.NewAviClient(sim.Host, sim.Username, session.SetAuthToken(tok["token"].(string)),
		session.SetInsecure, session.DisableControllerStatusCheckOnFailure(true))
	if err != nil {
		t.Fatalf("token login: %v", err)
	}
	if _, err := tc.Pool.GetAll(); err != nil {
		t.Fatal(err)
	}
	var list map[string]any
	if err := c.AviSession.Get("api/user-token", &list); err != nil || list["count"].(float64) != 1 {
		t.Fatalf("token list = %v, %v", list, err)
	}
	if err := c.AviSession.Delete("api/user-token/" + tok["uuid"].(string)); err != nil {
		t.Fatal(err)
	}
	_, err = clients.NewAviClient(sim.Host, sim.Username, session.SetAuthToken(tok["token"].(string)),
		session.SetInsecure, session.DisableControllerStatusCheckOnFailure(true))
	if aviStatus(err) != 401 {
		t.Fatalf("login with a deleted token: %v", err)
	}
}
