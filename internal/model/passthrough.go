package model

import (
	"fmt"
	"sort"

	"github.com/vmware/alb-sdk/go/models"
)

// passthroughTree builds a shared passthrough VS (ako-spec.md §4.6): an L4 VS on 443
// whose datascript reads the SNI of the ClientHello and picks the host's pool group, one
// pool per backend, and, when a Route asks for Redirect, the companion port-80 VS
// <vs>-insecure on the same VIP that redirects plain HTTP to HTTPS.
func (b *routeBuilder) passthroughTree(vsName string, routes []*parsedRoute) map[*parsedRoute]string {
	served := map[*parsedRoute]string{}
	var hosts, redirectHosts, pgRefs []string
	sorted := append([]*parsedRoute(nil), routes...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].host < sorted[j].host })
	for _, p := range sorted {
		served[p] = vsName
		hosts = append(hosts, p.host)
		if p.redirects() {
			redirectHosts = append(redirectHosts, p.host)
		}
		pgName := b.prefix + p.host
		var members []*models.PoolGroupMember
		for _, be := range p.backends {
			if be.weight == 0 {
				continue
			}
			poolName := b.prefix + p.host + "-" + be.service
			b.pool(poolSpec{name: poolName, route: p, backend: be, markers: routeMarkers{hosts: []string{p.host}, services: []string{be.service}}})
			members = append(members, b.member(poolName, be.weight, ""))
		}
		b.poolGroup(pgName, members, false, routeMarkers{hosts: []string{p.host}})
		pgRefs = append(pgRefs, RefByName(KindPoolGroup, pgName))
	}

	b.add(KindVsVip, vsName, b.vsVip(vsName, sortedUnique(hosts)))
	b.add(KindDataScript, vsName, &models.VSDataScriptSet{
		Name:               ptrTo(vsName),
		TenantRef:          b.tenantRef(),
		CreatedBy:          b.createdByRef(),
		Datascript:         []*models.VSDataScript{{Evt: ptrTo("VS_DATASCRIPT_EVT_L4_REQUEST"), Script: ptrTo(b.sniDataScript())}},
		PoolGroupRefs:      pgRefs,
		ProtocolParserRefs: []string{RefByName(kindProtocolParser, protocolParserTLS)},
		Markers:            b.markers(routeMarkers{}),
	})

	insecureName := vsName + "-insecure"
	vs := b.virtualService(vsName, vsTypeNormal)
	vs.Services = []*models.Service{vsService(443, false)}
	vs.ApplicationProfileRef = ptrTo(RefByName(KindApplicationProfile, appProfileL4))
	vs.VsvipRef = ptrTo(RefByName(KindVsVip, vsName))
	vs.RemoveListeningPortOnVsDown = ptrTo(true)
	vs.VsDatascripts = []*models.VSDataScripts{{Index: ptrTo[int32](0), VsDatascriptSetRef: ptrTo(RefByName(KindDataScript, vsName))}}
	vs.Markers = b.markers(routeMarkers{})
	if len(redirectHosts) > 0 {
		vs.ServiceMetadata = routeMetadata{PassthroughChildRef: insecureName}.JSON()
	}
	b.add(KindVirtualService, vsName, vs)

	if len(redirectHosts) > 0 {
		b.redirectPolicy(insecureName, redirectHosts)
		insecure := b.virtualService(insecureName, vsTypeNormal)
		insecure.Services = []*models.Service{vsService(80, false)}
		insecure.ApplicationProfileRef = ptrTo(RefByName(KindApplicationProfile, appProfileHTTP))
		insecure.VsvipRef = ptrTo(RefByName(KindVsVip, vsName))
		insecure.HTTPPolicies = []*models.HTTPPolicies{{Index: ptrTo[int32](firstHTTPPolicyIndex), HTTPPolicySetRef: ptrTo(RefByName(KindHTTPPolicySet, insecureName))}}
		insecure.ServiceMetadata = routeMetadata{PassthroughParentRef: vsName}.JSON()
		insecure.Markers = b.markers(routeMarkers{})
		b.add(KindVirtualService, insecureName, insecure)
	}
	return served
}

// sniDataScript collects the TLS ClientHello, reads the server name and selects the
// pool group named after it; connections without SNI are closed.
func (b *routeBuilder) sniDataScript() string {
	return fmt.Sprintf(`local hello, complete = avi.l4.collect(20)
if not complete then
  return
end
local record = avi.tls.parse_record(hello)
local sni = avi.tls.get_sni(record)
if sni == nil or sni == "" then
  avi.vs.close_conn()
  return
end
avi.poolgroup.select(%q .. string.lower(sni))
avi.l4.ds_done()
`, b.prefix)
}
