package model

import (
	"sort"

	routev1 "github.com/openshift/api/route/v1"
)

// BuildRouteTree computes the desired Avi objects of one Route tree (a shared L7 shard,
// a dedicated L7 VS or a shared passthrough VS) and the admission decision of every
// Route that belongs to it, sorted by namespace/name. A key no admitted Route uses
// yields an empty tree: the tree must not exist. Rejected Routes contribute nothing, so
// one bad Route never breaks the others of its shard.
func BuildRouteTree(key Key, snap RouteSnapshot) (Tree, []RouteDecision) {
	tree := Tree{Key: key}
	prefix, _, vsName, ok := SplitKey(key)
	if !ok || (prefix != keyPrefixL7 && prefix != keyPrefixPassthrough) {
		return tree, nil
	}

	// The Routes of the key, and every Route sharing a host with one of them: host
	// claims are decided among all Routes of a host, whichever tree they fall in.
	hosts := map[string]bool{}
	for _, r := range snap.Routes {
		if h := RouteHost(r, snap.Settings); h != "" && routeKeyForHost(snap, h, isPassthrough(r)) == key {
			hosts[h] = true
		}
	}
	var candidates []*routev1.Route
	for _, r := range snap.Routes {
		if hosts[RouteHost(r, snap.Settings)] {
			candidates = append(candidates, r)
		}
	}
	admitted, all := admitRoutes(snap, candidates)

	var mine []*parsedRoute
	for _, p := range admitted {
		if routeKeyForHost(snap, p.host, p.termination == terminationPassthrough) == key {
			mine = append(mine, p)
		}
	}
	b := newRouteBuilder(snap)
	var served map[*parsedRoute]string // Route -> VS serving its host
	if len(mine) > 0 {
		switch {
		case prefix == keyPrefixPassthrough:
			served = b.passthroughTree(vsName, mine)
		case Dedicated(snap.Settings):
			served = b.dedicatedTree(vsName, mine)
		default:
			served = b.shardTree(vsName, mine)
		}
		tree.Objects = b.sortedObjects()
	}
	servedByID := map[[2]string]string{}
	for p, vs := range served {
		servedByID[[2]string{p.namespace, p.name}] = vs
	}

	var decisions []RouteDecision
	for _, d := range all {
		if d.Key != key {
			continue
		}
		if d.Admitted {
			d.VSName = servedByID[[2]string{d.Namespace, d.Name}]
			d.VsVipName = vsName
		}
		decisions = append(decisions, d)
	}
	sort.Slice(decisions, func(i, j int) bool {
		if decisions[i].Namespace != decisions[j].Namespace {
			return decisions[i].Namespace < decisions[j].Namespace
		}
		return decisions[i].Name < decisions[j].Name
	})
	return tree, decisions
}

// RouteKeys are the keys of every tree the Routes use, sorted: what a full sync builds.
func RouteKeys(snap RouteSnapshot) []Key {
	seen := map[Key]bool{}
	var keys []Key
	for _, r := range snap.Routes {
		k, _, ok := RouteKey(r, snap.Settings, snap.Cloud)
		if ok && !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}
