package model

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/vmware/alb-sdk/go/models"
)

// shardTree builds a shared L7 parent VS (ako-spec.md §4.2) with everything hung on it:
// the VsVip, insecure pools in the priority-label pool group switched by the
// datascript, the HTTP→HTTPS redirect policy, and one SNI child per TLS host. It returns
// the VS that serves each Route.
func (b *routeBuilder) shardTree(vsName string, routes []*parsedRoute) map[*parsedRoute]string {
	served := map[*parsedRoute]string{}
	var hosts, redirectHosts []string
	var members []*models.PoolGroupMember
	secure := map[string][]*parsedRoute{} // host -> TLS Routes, oldest first
	for _, p := range routes {
		hosts = append(hosts, p.host)
		served[p] = vsName
		if p.servesInsecure() {
			members = append(members, b.insecurePools(p)...)
		}
		if p.redirects() {
			redirectHosts = append(redirectHosts, p.host)
		}
		if p.secure() {
			secure[p.host] = append(secure[p.host], p)
		}
	}

	var fqdns []string
	if f := b.sharedFQDN(vsName); f != "" {
		fqdns = append(fqdns, f)
	}
	fqdns = append(fqdns, sortedUnique(hosts)...)
	b.add(KindVsVip, vsName, b.vsVip(vsName, fqdns))

	b.poolGroup(vsName, members, true, routeMarkers{})
	b.add(KindDataScript, vsName, b.hostPathDataScript(vsName))

	parent := b.virtualService(vsName, vsTypeParent)
	parent.Services = []*models.Service{vsService(80, false), vsService(443, true)}
	parent.ApplicationProfileRef = ptrTo(RefByName(KindApplicationProfile, appProfileHTTP))
	parent.VsvipRef = ptrTo(RefByName(KindVsVip, vsName))
	parent.VsDatascripts = []*models.VSDataScripts{{Index: ptrTo[int32](0), VsDatascriptSetRef: ptrTo(RefByName(KindDataScript, vsName))}}
	parent.Markers = b.markers(routeMarkers{})
	if len(redirectHosts) > 0 {
		b.redirectPolicy(vsName, redirectHosts)
		parent.HTTPPolicies = []*models.HTTPPolicies{{Index: ptrTo[int32](firstHTTPPolicyIndex), HTTPPolicySetRef: ptrTo(RefByName(KindHTTPPolicySet, vsName))}}
	}
	b.add(KindVirtualService, vsName, parent)

	sniHosts := make([]string, 0, len(secure))
	for h := range secure {
		sniHosts = append(sniHosts, h)
	}
	sort.Strings(sniHosts)
	for _, h := range sniHosts {
		child := b.sniChild(vsName, h, secure[h])
		for _, p := range secure[h] {
			served[p] = child
		}
	}
	return served
}

// insecurePools adds the shard pools of a Route served over plain HTTP, one per backend:
// <cluster>--<host><path>-<ns>-<route>-<service>, and returns their pool group members
// (priority label lower(host+path), ratio = weight). Weight 0 backends get no traffic,
// so they get no pool.
func (b *routeBuilder) insecurePools(p *parsedRoute) []*models.PoolGroupMember {
	label := strings.ToLower(p.host + p.path)
	var members []*models.PoolGroupMember
	for _, be := range p.backends {
		if be.weight == 0 {
			continue
		}
		name := fmt.Sprintf("%s%s-%s-%s-%s", b.prefix, pathFragment(p.host+p.path), p.namespace, p.name, be.service)
		b.pool(poolSpec{
			name:          name,
			route:         p,
			backend:       be,
			markers:       b.routeMarkers(p, be.service),
			insecureAllow: p.secure(),
		})
		members = append(members, b.member(name, be.weight, label))
	}
	return members
}

func (b *routeBuilder) routeMarkers(p *parsedRoute, service string) routeMarkers {
	m := routeMarkers{namespaces: []string{p.namespace}, hosts: []string{p.host}, routes: []string{p.name}}
	if p.path != "" {
		m.paths = []string{p.path}
	}
	if service != "" {
		m.services = []string{service}
	}
	return m
}

// sniChild builds the SNI child VS of a TLS host with its certificates, one switching
// policy set per namespace, pool groups and pools. It returns the child's name.
func (b *routeBuilder) sniChild(parent, host string, routes []*parsedRoute) string {
	name := b.prefix + host
	certRefs := b.certificates(routes[0]) // the oldest Route's certificate serves the host
	policies := b.switchingPolicies(host, routes, "", false)

	child := b.virtualService(name, vsTypeChild)
	child.VhParentVsRef = ptrTo(RefByName(KindVirtualService, parent))
	child.VhDomainName = []string{host}
	child.ApplicationProfileRef = ptrTo(RefByName(KindApplicationProfile, appProfileSecureHTTP))
	child.IgnPoolNetReach = ptrTo(false)
	child.SslKeyAndCertificateRefs = certRefs
	child.HTTPPolicies = policies
	child.Markers, child.ServiceMetadata = b.hostVSIdentity(host, routes)
	b.add(KindVirtualService, name, child)
	return name
}

// hostVSIdentity is the markers and service_metadata of the VS serving one host (an SNI
// child or a dedicated VS): every namespace and Route that shares the host.
func (b *routeBuilder) hostVSIdentity(host string, routes []*parsedRoute) ([]*models.RoleFilterMatchLabel, *string) {
	var namespaces, ids []string
	for _, p := range routes {
		namespaces = append(namespaces, p.namespace)
		ids = append(ids, p.namespace+"/"+p.name)
	}
	markers := b.markers(routeMarkers{namespaces: namespaces, hosts: []string{host}})
	metadata := routeMetadata{ServiceMetadata: ServiceMetadata{
		NamespaceIngressName: sortedUnique(ids),
		Namespace:            routes[0].namespace,
		HostNames:            []string{host},
	}}.JSON()
	return markers, metadata
}

// switchingPolicies adds one HTTPPolicySet per namespace of a host,
// <cluster>--<ns>-<host>, with one rule per Route path switching to that path's pool
// group, and returns the VS references to them starting at firstIndex. suffix is
// appended to pool group and pool names ("-L7-dedicated" on dedicated VSes). With
// portMatch, each rule also matches the listener its Route is served on.
func (b *routeBuilder) switchingPolicies(host string, routes []*parsedRoute, suffix string, portMatch bool) []*models.HTTPPolicies {
	byNS := map[string][]*parsedRoute{}
	for _, p := range routes {
		byNS[p.namespace] = append(byNS[p.namespace], p)
	}
	namespaces := make([]string, 0, len(byNS))
	for ns := range byNS {
		namespaces = append(namespaces, ns)
	}
	sort.Strings(namespaces)
	var refs []*models.HTTPPolicies
	for i, ns := range namespaces {
		setName := b.prefix + ns + "-" + host
		rs := append([]*parsedRoute(nil), byNS[ns]...)
		// Longest path first so the most specific rule wins; path-less rules last.
		sort.SliceStable(rs, func(i, j int) bool {
			a, c := rs[i].path, rs[j].path
			if (a == "") != (c == "") {
				return c == ""
			}
			if len(a) != len(c) {
				return len(a) > len(c)
			}
			if a != c {
				return a < c
			}
			return rs[i].name < rs[j].name
		})
		var rules []*models.HTTPRequestRule
		var paths, names []string
		for idx, p := range rs {
			pgName := fmt.Sprintf("%s%s-%s%s-%s%s", b.prefix, p.namespace, host, pathFragment(p.path), p.name, suffix)
			var members []*models.PoolGroupMember
			for _, be := range p.backends {
				if be.weight == 0 {
					continue
				}
				poolName := fmt.Sprintf("%s%s-%s%s-%s-%s%s", b.prefix, p.namespace, host, pathFragment(p.path), p.name, be.service, suffix)
				b.pool(poolSpec{name: poolName, route: p, backend: be, markers: b.routeMarkers(p, be.service)})
				members = append(members, b.member(poolName, be.weight, ""))
			}
			b.poolGroup(pgName, members, false, b.routeMarkers(p, ""))

			rule := &models.HTTPRequestRule{
				Name:   ptrTo(fmt.Sprintf("%s-%d", setName, idx)),
				Index:  ptrTo[int32](int32(idx)),
				Enable: ptrTo(true),
				SwitchingAction: &models.HttpswitchingAction{
					Action:       ptrTo("HTTP_SWITCHING_SELECT_POOLGROUP"),
					PoolGroupRef: ptrTo(RefByName(KindPoolGroup, pgName)),
				},
			}
			match := &models.MatchTarget{}
			if p.path != "" {
				match.Path = &models.PathMatch{
					MatchCriteria: ptrTo("BEGINS_WITH"),
					MatchCase:     ptrTo("SENSITIVE"),
					MatchStr:      []string{p.path},
				}
			}
			if portMatch {
				switch {
				case p.termination == terminationInsecure:
					match.VsPort = &models.PortMatch{MatchCriteria: ptrTo("IS_IN"), Ports: []int64{80}}
				case p.insecurePolicy != insecurePolicyAllow:
					match.VsPort = &models.PortMatch{MatchCriteria: ptrTo("IS_IN"), Ports: []int64{443}}
				}
			}
			if match.Path != nil || match.VsPort != nil {
				rule.Match = match
			}
			rules = append(rules, rule)
			paths = append(paths, p.path)
			names = append(names, p.name)
		}
		b.add(KindHTTPPolicySet, setName, &models.HTTPPolicySet{
			Name:              ptrTo(setName),
			TenantRef:         b.tenantRef(),
			CreatedBy:         b.createdByRef(),
			HTTPRequestPolicy: &models.HTTPRequestPolicy{Rules: rules},
			Markers:           b.markers(routeMarkers{namespaces: []string{ns}, hosts: []string{host}, paths: paths, routes: names}),
		})
		refs = append(refs, &models.HTTPPolicies{
			Index:            ptrTo[int32](int32(firstHTTPPolicyIndex + i)),
			HTTPPolicySetRef: ptrTo(RefByName(KindHTTPPolicySet, setName)),
		})
	}
	return refs
}

// hostPathDataScript is the shard's request datascript: it strips any :port from the
// Host header, builds "<host>/<path>" and lets the pool group pick the member with the
// longest matching priority label.
func (b *routeBuilder) hostPathDataScript(vsName string) *models.VSDataScriptSet {
	script := fmt.Sprintf(`local host = avi.http.get_header("Host")
if host == nil then
  return
end
host = string.gsub(host, ":%%d+$", "")
local path = avi.http.get_path_tokens(1)
local label
if path ~= nil and path ~= "" then
  label = host .. "/" .. path
else
  label = host .. "/"
end
avi.poolgroup.select(%q, string.lower(label))
`, vsName)
	return &models.VSDataScriptSet{
		Name:          ptrTo(vsName),
		TenantRef:     b.tenantRef(),
		CreatedBy:     b.createdByRef(),
		Datascript:    []*models.VSDataScript{{Evt: ptrTo("VS_DATASCRIPT_EVT_HTTP_REQ"), Script: ptrTo(script)}},
		PoolGroupRefs: []string{RefByName(KindPoolGroup, vsName)},
		Markers:       b.markers(routeMarkers{}),
	}
}

var nonTenantChars = regexp.MustCompile(`[^a-zA-Z0-9-]+`)
var dashes = regexp.MustCompile(`-+`)

// sharedFQDN is the automatic DNS name of a shard VS (ako-spec.md §4.2): with autoFQDN
// default <vs>.<tenant>.<subdomain>, with flat <vs>-<tenant>.<subdomain>; none without a
// DNS profile, with autoFQDN disabled, or in DEDICATED mode.
func (b *routeBuilder) sharedFQDN(vsName string) string {
	sub := b.snap.Cloud.Subdomain(b.snap.Settings.DefaultDomain)
	if sub == "" || Dedicated(b.snap.Settings) {
		return ""
	}
	tenant := strings.Trim(dashes.ReplaceAllString(nonTenantChars.ReplaceAllString(b.tenant, "-"), "-"), "-")
	switch b.snap.Settings.AutoFQDN {
	case "default", "":
		return vsName + "." + tenant + "." + sub
	case "flat":
		return vsName + "-" + tenant + "." + sub
	}
	return ""
}
