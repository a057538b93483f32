package model

import (
	"strconv"
	"strings"

	"github.com/akoproject/ako/internal/settings"
)

// Key prefixes of the Route trees (Tree.Key is "<prefix>/<tenant>/<vs-name>").
const (
	keyPrefixL7          = "l7"
	keyPrefixPassthrough = "passthrough"
)

// FNV-1a 32-bit parameters.
const (
	fnvOffset32 = 2166136261
	fnvPrime32  = 16777619
)

// HostHash is the FNV-1a-32 hash of a host name, the sharding hash of ako-spec.md §5.
// It is written out (not taken from hash/fnv) so the tests can check it independently.
func HostHash(host string) uint32 {
	h := uint32(fnvOffset32)
	for i := 0; i < len(host); i++ {
		h ^= uint32(host[i])
		h *= fnvPrime32
	}
	return h
}

// ShardIndex is the shard a host lands on: FNV-1a-32(host) & (count-1). Counts are
// powers of two (8, 4, 1); a count below 2 puts every host on shard 0.
func ShardIndex(host string, count int) int {
	if count < 2 {
		return 0
	}
	return int(HostHash(host) & uint32(count-1))
}

// Dedicated reports whether L7 hosts get one virtual service each (shardVSSize DEDICATED).
func Dedicated(s settings.Settings) bool { return s.ShardVSSize == "DEDICATED" }

// ShardVSName is the shared L7 parent VS of shard n: <cluster>--Shared-L7-<n>.
func ShardVSName(s settings.Settings, n int) string {
	return s.NamePrefix() + "Shared-L7-" + strconv.Itoa(n)
}

// PassthroughVSName is the shared passthrough VS of shard n: <cluster>--Shared-Passthrough-<n>.
func PassthroughVSName(s settings.Settings, n int) string {
	return s.NamePrefix() + "Shared-Passthrough-" + strconv.Itoa(n)
}

// DedicatedVSName is the VS of one host in DEDICATED mode: <cluster>--<host>-L7-dedicated.
func DedicatedVSName(s settings.Settings, host string) string {
	return s.NamePrefix() + host + "-L7-dedicated"
}

// passthroughShardCount is passthroughShardSize as a count; DEDICATED is not allowed
// for passthrough, so anything below one shard means one.
func passthroughShardCount(s settings.Settings) int {
	if n := s.PassthroughShardCount(); n > 0 {
		return n
	}
	return 1
}

// L7VSNameForHost is the VS that serves a non-passthrough host: its shard parent, or its
// dedicated VS.
func L7VSNameForHost(s settings.Settings, host string) string {
	if Dedicated(s) {
		return DedicatedVSName(s, host)
	}
	return ShardVSName(s, ShardIndex(host, s.ShardCount()))
}

// PassthroughVSNameForHost is the shared passthrough VS that serves a passthrough host.
func PassthroughVSNameForHost(s settings.Settings, host string) string {
	return PassthroughVSName(s, ShardIndex(host, passthroughShardCount(s)))
}

// L7Key is the tree key of an L7 VS (shard parent or dedicated VS).
func L7Key(tenant, vsName string) Key { return Key(keyPrefixL7 + "/" + tenant + "/" + vsName) }

// PassthroughKey is the tree key of a shared passthrough VS.
func PassthroughKey(tenant, vsName string) Key {
	return Key(keyPrefixPassthrough + "/" + tenant + "/" + vsName)
}

// SplitKey returns the parts of a tree key: kind prefix ("l7", "passthrough", ...),
// tenant and VS name. ok is false when the key does not have three parts.
func SplitKey(k Key) (prefix, tenant, vsName string, ok bool) {
	parts := strings.SplitN(string(k), "/", 3)
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// IsRouteKey reports whether k is a tree key the Route builder owns.
func IsRouteKey(k Key) bool {
	prefix, _, _, ok := SplitKey(k)
	return ok && (prefix == keyPrefixL7 || prefix == keyPrefixPassthrough)
}
