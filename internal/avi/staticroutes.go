package avi

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
)

// StaticRoute is one pod-CIDR route of this cluster in the VRF: Prefix via NextHop (a node).
type StaticRoute struct {
	Prefix  netip.Prefix
	NextHop netip.Addr
}

// clusterLabelKey labels the static routes a cluster owns (ako-spec.md §4.8).
const clusterLabelKey = "clustername"

// staticRouteAttempts bounds the read-modify-write loop against concurrent VRF writers.
const staticRouteAttempts = 5

// SyncStaticRoutes makes this cluster's routes in VRF vrf of cloud exactly routes, keeping
// every route that is not labelled with cluster. It reads the VRF, merges, and PUTs with
// _last_modified so a concurrent writer makes the Controller answer 412, on which it reads
// again. It writes nothing when the routes are already right, and reports whether it wrote.
func (c *Client) SyncStaticRoutes(ctx context.Context, cloud, vrf, cluster string, routes []StaticRoute) (bool, error) {
	var lastErr error
	for range staticRouteAttempts {
		o, err := c.one(ctx, "vrfcontext", url.Values{"name": {vrf}, "cloud_ref.name": {cloud}},
			fmt.Sprintf("VRF context %q in cloud %q", vrf, cloud))
		if err != nil {
			return false, err
		}
		existing, _ := o["static_routes"].([]any)
		merged, changed := MergeStaticRoutes(existing, cluster, routes)
		if !changed {
			return false, nil
		}
		o["static_routes"] = merged
		_, err = c.PutResource(ctx, "vrfcontext", "admin", String(o, "uuid"), o)
		var ae *Error
		if errors.As(err, &ae) && ae.Status == 412 {
			lastErr = err
			continue
		}
		if err != nil {
			return false, fmt.Errorf("updating static routes of VRF %q: %w", vrf, err)
		}
		return true, nil
	}
	return false, fmt.Errorf("updating static routes of VRF %q: still conflicting after %d attempts: %w", vrf, staticRouteAttempts, lastErr)
}

// MergeStaticRoutes returns the VRF's static_routes with this cluster's routes replaced by
// wanted (sorted, route ids <cluster>-1, -2, …) and every other route kept in place, and
// whether that differs from existing.
func MergeStaticRoutes(existing []any, cluster string, wanted []StaticRoute) ([]any, bool) {
	var kept, ours []any
	for _, r := range existing {
		if routeOf(r, cluster) {
			ours = append(ours, r)
		} else {
			kept = append(kept, r)
		}
	}
	sorted := slices.Clone(wanted)
	slices.SortFunc(sorted, func(a, b StaticRoute) int {
		return cmp.Or(a.Prefix.Addr().Compare(b.Prefix.Addr()), cmp.Compare(a.Prefix.Bits(), b.Prefix.Bits()),
			a.NextHop.Compare(b.NextHop))
	})
	sorted = slices.Compact(sorted)
	built := make([]any, 0, len(sorted))
	for i, r := range sorted {
		built = append(built, map[string]any{
			"route_id": cluster + "-" + strconv.Itoa(i+1),
			"prefix": map[string]any{
				"ip_addr": map[string]any{"addr": r.Prefix.Masked().Addr().String(), "type": addrType(r.Prefix.Addr())},
				"mask":    r.Prefix.Bits(),
			},
			"next_hop": map[string]any{"addr": r.NextHop.String(), "type": addrType(r.NextHop)},
			"labels":   []any{map[string]any{"key": clusterLabelKey, "value": cluster}},
		})
	}
	changed := len(ours) != len(built)
	for i := 0; !changed && i < len(ours); i++ {
		changed = routeSignature(ours[i]) != routeSignature(built[i])
	}
	return append(kept, built...), changed
}

func addrType(a netip.Addr) string {
	if a.Is4() {
		return "V4"
	}
	return "V6"
}

// routeOf reports whether a raw static route carries the label clustername=<cluster>.
func routeOf(r any, cluster string) bool {
	m, _ := r.(map[string]any)
	labels, _ := m["labels"].([]any)
	for _, l := range labels {
		lm, _ := l.(map[string]any)
		if String(lm, "key") == clusterLabelKey && String(lm, "value") == cluster {
			return true
		}
	}
	return false
}

// routeSignature renders the fields of a raw route that matter: id, prefix, next hop.
func routeSignature(r any) string {
	m, _ := r.(map[string]any)
	prefix, _ := m["prefix"].(map[string]any)
	ip, _ := prefix["ip_addr"].(map[string]any)
	nh, _ := m["next_hop"].(map[string]any)
	return fmt.Sprintf("%s %s/%v via %s", String(m, "route_id"), String(ip, "addr"), prefix["mask"], String(nh, "addr"))
}
