package model

import (
	"hash/fnv"
	"strconv"
	"testing"

	routev1 "github.com/openshift/api/route/v1"

	"github.com/akoproject/ako/internal/settings"
)

// fnvBucket is the spec's shard formula computed with the standard library.
func rtBucket(host string, count int) int {
	h := fnv.New32a()
	h.Write([]byte(host))
	return int(h.Sum32() & uint32(count-1))
}

func TestHostHashIsFNV1a32(t *testing.T) {
	// Published FNV-1a-32 test vectors.
	for in, want := range map[string]uint32{"": 0x811c9dc5, "a": 0xe40c292c, "foobar": 0xbf9cf968} {
		if got := HostHash(in); got != want {
			t.Errorf("HostHash(%q) = %#x, want %#x", in, got, want)
		}
	}
	hosts := []string{"foo.apps.example.com", "bar.apps.example.com", "a.b", "shop.other.org", "*.wild.example.com", "x"}
	for _, h := range hosts {
		std := fnv.New32a()
		std.Write([]byte(h))
		if got, want := HostHash(h), std.Sum32(); got != want {
			t.Errorf("HostHash(%q) = %#x, hash/fnv says %#x", h, got, want)
		}
		for _, count := range []int{8, 4, 1} {
			want := 0
			if count > 1 {
				want = rtBucket(h, count)
			}
			if got := ShardIndex(h, count); got != want {
				t.Errorf("ShardIndex(%q, %d) = %d, want %d", h, count, got, want)
			}
		}
	}
}

func TestShardIndexSpreadsHosts(t *testing.T) {
	// With LARGE, 64 distinct hosts must not all land on one shard (a broken mask would).
	seen := map[int]bool{}
	for i := 0; i < 64; i++ {
		seen[ShardIndex("app"+string(rune('a'+i%26))+string(rune('a'+i/26))+".apps.example.com", 8)] = true
	}
	if len(seen) < 6 {
		t.Errorf("64 hosts used only %d of 8 shards", len(seen))
	}
}

func TestVSNamesAndKeys(t *testing.T) {
	s := rtSettings()
	tests := []struct {
		name, got, want string
	}{
		{"shard", ShardVSName(s, 3), "c1--Shared-L7-3"},
		{"passthrough", PassthroughVSName(s, 0), "c1--Shared-Passthrough-0"},
		{"dedicated", DedicatedVSName(s, "foo.apps.example.com"), "c1--foo.apps.example.com-L7-dedicated"},
		{"l7 key", string(L7Key("admin", "c1--Shared-L7-3")), "l7/admin/c1--Shared-L7-3"},
		{"passthrough key", string(PassthroughKey("t1", "c1--Shared-Passthrough-0")), "passthrough/t1/c1--Shared-Passthrough-0"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}

	host := "shop.apps.example.com"
	for _, size := range []struct {
		size  string
		count int
	}{{"LARGE", 8}, {"MEDIUM", 4}, {"SMALL", 1}} {
		s := rtSettings()
		s.ShardVSSize = size.size
		want := "c1--Shared-L7-0"
		if size.count > 1 {
			want = "c1--Shared-L7-" + strconv.Itoa(rtBucket(host, size.count))
		}
		if got := L7VSNameForHost(s, host); got != want {
			t.Errorf("%s: L7VSNameForHost = %q, want %q", size.size, got, want)
		}
	}
	s.ShardVSSize = "DEDICATED"
	if got := L7VSNameForHost(s, host); got != "c1--shop.apps.example.com-L7-dedicated" {
		t.Errorf("DEDICATED: L7VSNameForHost = %q", got)
	}
	s.PassthroughShardSize = "MEDIUM"
	if got, want := PassthroughVSNameForHost(s, host), "c1--Shared-Passthrough-"+strconv.Itoa(rtBucket(host, 4)); got != want {
		t.Errorf("PassthroughVSNameForHost = %q, want %q", got, want)
	}

	prefix, tenant, vs, ok := SplitKey("l7/admin/c1--Shared-L7-3")
	if !ok || prefix != "l7" || tenant != "admin" || vs != "c1--Shared-L7-3" {
		t.Errorf("SplitKey = %q %q %q %v", prefix, tenant, vs, ok)
	}
	for _, bad := range []Key{"", "l7", "l7/admin", "l7//x"} {
		if _, _, _, ok := SplitKey(bad); ok {
			t.Errorf("SplitKey(%q) accepted a malformed key", bad)
		}
	}
	if !IsRouteKey("passthrough/admin/x") || IsRouteKey("l4/admin/x") {
		t.Error("IsRouteKey misclassifies keys")
	}
}

func TestRouteHost(t *testing.T) {
	tests := []struct {
		name          string
		host, sub     string
		defaultDomain string
		want          string
	}{
		{"host wins", "Foo.Apps.Example.com", "x", "apps.example.com", "foo.apps.example.com"},
		{"subdomain and default domain", "", "shop", "apps.example.com", "shop.apps.example.com"},
		{"leading dot not doubled", "", "shop", ".apps.example.com", "shop.apps.example.com"},
		{"subdomain without default domain", "", "shop", "", ""},
		{"nothing", "", "", "apps.example.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := settings.Settings{DefaultDomain: tt.defaultDomain}
			r := &routev1.Route{Spec: routev1.RouteSpec{Host: tt.host, Subdomain: tt.sub}}
			if got := RouteHost(r, s); got != tt.want {
				t.Errorf("RouteHost = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRouteKeyFollowsTermination(t *testing.T) {
	s, c := rtSettings(), rtCloud()
	host := "shop.apps.example.com"
	plain := rtRoute("ns", "r", host, "svc", 0)
	k, h, ok := RouteKey(plain, s, c)
	if !ok || h != host || k != L7Key("admin", "c1--Shared-L7-"+strconv.Itoa(rtBucket(host, 8))) {
		t.Errorf("insecure Route key = %q %q %v", k, h, ok)
	}
	pt := rtWithTLS(rtRoute("ns", "p", host, "svc", 0), routev1.TLSConfig{Termination: routev1.TLSTerminationPassthrough})
	if k, _, _ := RouteKey(pt, s, c); k != "passthrough/admin/c1--Shared-Passthrough-0" {
		t.Errorf("passthrough Route key = %q", k)
	}
	if _, _, ok := RouteKey(rtRoute("ns", "n", "", "svc", 0), s, c); ok {
		t.Error("a Route without host got a key")
	}
}
