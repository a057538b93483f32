package model

import (
	"github.com/vmware/alb-sdk/go/models"
)

// dedicatedSuffix ends the names of dedicated VSes and of their pools and pool groups.
const dedicatedSuffix = "-L7-dedicated"

// dedicatedTree builds the VS of one host in DEDICATED mode (ako-spec.md §4.5): a normal
// VS on its own VIP, listening on 80 (and 443 with the certificates on the VS when a TLS
// Route uses the host), a redirect policy for Redirect Routes and one switching policy
// set per namespace. Each rule matches the listener its Route is served on, so an edge
// Route with None stays off port 80 and an insecure Route off port 443.
func (b *routeBuilder) dedicatedTree(vsName string, routes []*parsedRoute) map[*parsedRoute]string {
	served := map[*parsedRoute]string{}
	host := routes[0].host
	var firstSecure *parsedRoute
	redirect := false
	for _, p := range routes {
		served[p] = vsName
		if p.secure() && firstSecure == nil {
			firstSecure = p
		}
		redirect = redirect || p.redirects()
	}

	b.add(KindVsVip, vsName, b.vsVip(vsName, []string{host}))
	vs := b.virtualService(vsName, vsTypeNormal)
	vs.VsvipRef = ptrTo(RefByName(KindVsVip, vsName))
	vs.Services = []*models.Service{vsService(80, false)}
	vs.ApplicationProfileRef = ptrTo(RefByName(KindApplicationProfile, appProfileHTTP))
	if firstSecure != nil {
		vs.Services = append(vs.Services, vsService(443, true))
		vs.ApplicationProfileRef = ptrTo(RefByName(KindApplicationProfile, appProfileSecureHTTP))
		vs.SslKeyAndCertificateRefs = b.certificates(firstSecure)
	}
	index := int32(firstHTTPPolicyIndex)
	if redirect {
		var hosts []string
		for _, p := range routes {
			if p.redirects() {
				hosts = append(hosts, p.host)
			}
		}
		b.redirectPolicy(vsName, hosts)
		vs.HTTPPolicies = append(vs.HTTPPolicies, &models.HTTPPolicies{Index: ptrTo[int32](index), HTTPPolicySetRef: ptrTo(RefByName(KindHTTPPolicySet, vsName))})
		index++
	}
	for _, ref := range b.switchingPolicies(host, routes, dedicatedSuffix, true) {
		ref.Index = ptrTo[int32](index)
		index++
		vs.HTTPPolicies = append(vs.HTTPPolicies, ref)
	}
	vs.Markers, vs.ServiceMetadata = b.hostVSIdentity(host, routes)
	b.add(KindVirtualService, vsName, vs)
	return served
}
