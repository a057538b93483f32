package avi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"testing"

	"github.com/vmware/alb-sdk/go/session"
)

func sdkErr(status int, msg string) error {
	m := "map[error:" + msg + "]"
	return session.AviError{AviResult: session.AviResult{Message: &m}, HttpStatusCode: status, Verb: "PUT", Url: "https://h/api/pool/x"}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name string
		verb string
		err  error
		want Class
	}{
		{"500 answer", "POST", sdkErr(500, "internal"), ClassRetryable},
		{"sdk hides 503", "GET", errors.New("Rest request error, returning to caller"), ClassRetryable},
		{"invalid credentials", "POST", sdkErr(401, "Invalid credentials"), ClassInvalidCredentials},
		{"expired session", "GET", sdkErr(401, "Authentication credentials were not provided."), ClassRetryable},
		{"conflict", "POST", sdkErr(409, "Pool with this name already exists"), ClassConflict},
		{"404 on put", "PUT", sdkErr(404, "Pool object not found!"), ClassNotFound},
		{"412", "PUT", sdkErr(412, "Concurrent Update Error: Need to reload object data VsVip vsvip-1"), ClassRetryable},
		{"ipam exhausted", "POST", sdkErr(400, "No available free IPs"), ClassSlow},
		{"upgrade", "PUT", sdkErr(403, "Configuration is disallowed during upgrade"), ClassSlow},
		{"tenant missing", "GET", sdkErr(403, "Tenant 'x' does not exist!"), ClassSlow},
		{"vrf missing", "POST", sdkErr(400, "VrfContext object not found"), ClassSlow},
		{"bad field", "POST", sdkErr(400, "lb_algorithm: bad enum"), ClassPermanent},
		{"cert import", "POST", sdkErr(500, "Import error: common_name missing"), ClassPermanent},
		{"rate limited", "GET", sdkErr(429, "slow down"), ClassSlow},
		{"url error", "GET", &url.Error{Op: "Get", URL: "https://h/api", Err: errors.New("connection refused")}, ClassSlow},
		{"not json", "GET", &json.SyntaxError{}, ClassRetryable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := classify(tc.verb, "api/pool", tc.err)
			if c := ClassOf(got); c != tc.want {
				t.Fatalf("class = %s, want %s (%v)", c, tc.want, got)
			}
			if !errors.Is(got, tc.err) && tc.want != ClassInvalidCredentials {
				t.Fatalf("classified error does not wrap the original")
			}
		})
	}
	if !errors.Is(classify("POST", "login", sdkErr(401, "Invalid credentials")), ErrInvalidCredentials) {
		t.Fatal("invalid credentials error is not errors.Is ErrInvalidCredentials")
	}
}

func TestStatusErrorCarriesControllerMessage(t *testing.T) {
	err := statusError("POST", "api/pool", 400, []byte(`{"error":"servers[0].ip: required"}`))
	var ae *Error
	if !errors.As(err, &ae) || ae.Message != "servers[0].ip: required" || ae.Class != ClassPermanent {
		t.Fatalf("got %#v", err)
	}
	if got := fmt.Sprint(err); got != "POST api/pool: HTTP 400: servers[0].ip: required (Permanent)" {
		t.Fatalf("message %q", got)
	}
}

func TestRequeue(t *testing.T) {
	for c, want := range map[Class]Requeue{
		ClassRetryable: RequeueFast, ClassNotFound: RequeueFast, ClassConflict: RequeueFast,
		ClassSlow: RequeueSlow, ClassInvalidCredentials: RequeueShutdown, ClassPermanent: RequeueNever,
	} {
		if got := c.Requeue(); got != want {
			t.Errorf("%s.Requeue() = %d, want %d", c, got, want)
		}
	}
}

func TestCapVersion(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"22.1.3", "22.1.3"}, {"30.2.1", "30.2.1"}, {"31.1.1", "30.2.1"}, {"30.10.0", "30.2.1"}, {"30.2", "30.2"},
	} {
		if got := CapVersion(tc.in, MaxVersion); got != tc.want {
			t.Errorf("CapVersion(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNextPath(t *testing.T) {
	got, err := nextPath("https://10.0.0.1:8443/api/pool/?created_by=ako-c&page=2&page_size=3")
	if err != nil || got != "api/pool/?created_by=ako-c&page=2&page_size=3" {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := nextPath("https://h/other"); err == nil {
		t.Fatal("a next link outside /api/ was accepted")
	}
}

func TestRefs(t *testing.T) {
	for _, tc := range []struct{ ref, name, uuid string }{
		{"https://h/api/pool/pool-1#web", "web", "pool-1"},
		{"/api/pool?name=web", "web", ""},
		{"/api/pool/?name=a%20b", "a b", ""},
		{"/api/network/network-9", "", "network-9"},
		{"https://h/api/tenant/admin#admin", "admin", "admin"},
	} {
		if n := RefName(tc.ref); n != tc.name {
			t.Errorf("RefName(%q) = %q, want %q", tc.ref, n, tc.name)
		}
		if u := RefUUID(tc.ref); u != tc.uuid {
			t.Errorf("RefUUID(%q) = %q, want %q", tc.ref, u, tc.uuid)
		}
	}
}

func TestMergeStaticRoutes(t *testing.T) {
	other := map[string]any{"route_id": "x-1", "labels": []any{map[string]any{"key": "clustername", "value": "other"}}}
	unlabelled := map[string]any{"route_id": "manual"}
	routes := []StaticRoute{
		{netip.MustParsePrefix("10.2.0.0/24"), netip.MustParseAddr("192.168.1.2")},
		{netip.MustParsePrefix("10.1.0.0/24"), netip.MustParseAddr("192.168.1.1")},
	}
	merged, changed := MergeStaticRoutes([]any{other, unlabelled}, "c1", routes)
	if !changed || len(merged) != 4 {
		t.Fatalf("changed=%v len=%d", changed, len(merged))
	}
	if merged[0].(map[string]any)["route_id"] != "x-1" || merged[1].(map[string]any)["route_id"] != "manual" {
		t.Fatalf("other routes not kept in place: %v", merged)
	}
	if got := routeSignature(merged[2]); got != "c1-1 10.1.0.0/24 via 192.168.1.1" {
		t.Fatalf("first own route %q", got)
	}
	// Round trip through JSON, as the Controller returns it: same routes → no change.
	b, _ := json.Marshal(merged)
	var back []any
	if err := decodeJSON(b, &back); err != nil {
		t.Fatal(err)
	}
	if again, changed := MergeStaticRoutes(back, "c1", []StaticRoute{routes[1], routes[0], routes[0]}); changed || len(again) != 4 {
		t.Fatalf("unchanged routes reported changed=%v len=%d", changed, len(again))
	}
	// Removing one route of ours changes; other clusters' routes stay.
	after, changed := MergeStaticRoutes(back, "c1", routes[:1])
	if !changed || len(after) != 3 || routeSignature(after[2]) != "c1-1 10.2.0.0/24 via 192.168.1.2" {
		t.Fatalf("changed=%v %v", changed, after)
	}
}
