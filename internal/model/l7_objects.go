package model

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/vmware/alb-sdk/go/models"
	"k8s.io/apimachinery/pkg/types"
)

// Avi system objects the Route trees reference by name.
const (
	appProfileHTTP       = "System-HTTP"
	appProfileSecureHTTP = "System-Secure-HTTP"
	appProfileL4         = "System-L4-Application"
	netProfileTCPProxy   = "System-TCP-Proxy"
	healthMonitorTCP     = "System-TCP"
	sslProfileStandard   = "System-Standard"
	protocolParserTLS    = "Default-TLS"

	vsTypeParent = "VS_TYPE_VH_PARENT"
	vsTypeChild  = "VS_TYPE_VH_CHILD"
	vsTypeNormal = "VS_TYPE_NORMAL"

	// firstHTTPPolicyIndex is where AKO attaches its HTTP policy sets on a VS.
	firstHTTPPolicyIndex = 11

	kindProtocolParser Kind = "protocolparser"
	kindSSLProfile     Kind = "sslprofile"
)

// routeBuilder holds what every Route object shares: names, refs, markers.
type routeBuilder struct {
	snap      RouteSnapshot
	tenant    string
	prefix    string
	cluster   string
	createdBy string
	objects   objectList
}

func newRouteBuilder(snap RouteSnapshot) *routeBuilder {
	return &routeBuilder{
		snap:      snap,
		tenant:    snap.tenant(),
		prefix:    snap.Settings.NamePrefix(),
		cluster:   snap.Settings.ClusterName,
		createdBy: snap.Settings.CreatedBy(),
	}
}

// objectList collects objects once per (kind, name); objects shared by several hosts
// (e.g. the router-certs-default certificate) are added by each and kept once.
type objectList struct {
	seen map[Kind]map[string]bool
	list []Object
}

func (l *objectList) add(o Object) {
	if l.seen == nil {
		l.seen = map[Kind]map[string]bool{}
	}
	if l.seen[o.Kind] == nil {
		l.seen[o.Kind] = map[string]bool{}
	}
	if l.seen[o.Kind][o.Name] {
		return
	}
	l.seen[o.Kind][o.Name] = true
	l.list = append(l.list, o)
}

// creationOrder ranks kinds so that every object comes after what it references.
var creationOrder = map[Kind]int{
	KindVsVip: 0, KindSSLKeyCert: 1, KindPKIProfile: 2, KindPool: 3, KindPoolGroup: 4,
	KindStringGroup: 5, KindHTTPPolicySet: 6, KindL4PolicySet: 7, KindDataScript: 8, KindVirtualService: 9,
}

func (b *routeBuilder) add(kind Kind, name string, body any) {
	b.objects.add(Object{Kind: kind, Name: name, Tenant: b.tenant, Body: body})
}

func (b *routeBuilder) tenantRef() *string    { return ptrTo(RefByName(KindTenant, b.tenant)) }
func (b *routeBuilder) cloudRef() *string     { return ptrTo(RefByName(KindCloud, b.snap.Cloud.Name)) }
func (b *routeBuilder) createdByRef() *string { return ptrTo(b.createdBy) }
func (b *routeBuilder) vrfRef() *string       { return ptrTo(RefByName(KindVRFContext, b.vrf())) }

func (b *routeBuilder) vrf() string {
	if b.snap.Cloud.VRF != "" {
		return b.snap.Cloud.VRF
	}
	return "global"
}

func (b *routeBuilder) segRef() *string {
	seg := b.snap.Cloud.SEGroup
	if seg == "" {
		seg = b.snap.Settings.ServiceEngineGroupName
	}
	if seg == "" {
		seg = "Default-Group"
	}
	return ptrTo(RefByName(KindSEGroup, seg))
}

// Marker keys (ako-spec.md §4.1): the Go field names of AKO's AviObjectMarkers.
const (
	markerNamespace   = "Namespace"
	markerHost        = "Host"
	markerPath        = "Path"
	markerIngressName = "IngressName"
	markerServiceName = "ServiceName"
)

// routeMarkers are the markers of an object: always clustername, then one label per
// non-empty field.
type routeMarkers struct {
	namespaces []string
	hosts      []string
	paths      []string
	routes     []string
	services   []string
}

func (b *routeBuilder) markers(m routeMarkers) []*models.RoleFilterMatchLabel {
	return Markers(b.cluster,
		Marker{markerNamespace, sortedUnique(m.namespaces)},
		Marker{markerHost, sortedUnique(m.hosts)},
		Marker{markerPath, sortedUnique(m.paths)},
		Marker{markerIngressName, sortedUnique(m.routes)},
		Marker{markerServiceName, sortedUnique(m.services)},
	)
}

func sortedUnique(in []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// routeMetadata is service_metadata with the keys only Routes use.
type routeMetadata struct {
	ServiceMetadata
	PassthroughParentRef  string `json:"passthrough_parent_ref,omitempty"`
	PassthroughChildRef   string `json:"passthrough_child_ref,omitempty"`
	InsecureEdgeTermAllow bool   `json:"insecureedgetermallow,omitempty"`
}

func (m routeMetadata) JSON() *string {
	out, _ := json.Marshal(m) // a struct of strings cannot fail to marshal
	return ptrTo(string(out))
}

// vsVip is the VIP object: one auto-allocated VIP on the first VIP network, with the
// DNS names it answers for.
func (b *routeBuilder) vsVip(name string, fqdns []string) *models.VsVip {
	vip := VsVipVIP(b.snap.Cloud.VIPNetworks, nil)
	switch b.snap.Settings.IPFamily {
	case "V6":
		vip.AutoAllocateIPType = ptrTo("V6_ONLY")
	case "V4_V6":
		vip.AutoAllocateIPType = ptrTo("V4_V6")
	}
	v := &models.VsVip{
		Name:              ptrTo(name),
		TenantRef:         b.tenantRef(),
		CloudRef:          b.cloudRef(),
		EastWestPlacement: ptrTo(false),
		VrfContextRef:     b.vrfRef(),
		Vip:               []*models.Vip{vip},
		Markers:           b.markers(routeMarkers{}),
	}
	for _, f := range fqdns {
		v.DNSInfo = append(v.DNSInfo, &models.DNSInfo{Fqdn: ptrTo(f)})
	}
	if b.snap.Settings.EnableRHI && len(b.snap.Settings.BGPPeerLabels) > 0 {
		v.BgpPeerLabels = append([]string(nil), b.snap.Settings.BGPPeerLabels...)
	}
	return v
}

// virtualService is the VS skeleton every Route VS shares.
func (b *routeBuilder) virtualService(name, vsType string) *models.VirtualService {
	vs := &models.VirtualService{
		Name:              ptrTo(name),
		Type:              ptrTo(vsType),
		TenantRef:         b.tenantRef(),
		CloudRef:          b.cloudRef(),
		CreatedBy:         b.createdByRef(),
		SeGroupRef:        b.segRef(),
		VrfContextRef:     b.vrfRef(),
		EastWestPlacement: ptrTo(false),
		NetworkProfileRef: ptrTo(RefByName(KindNetworkProfile, netProfileTCPProxy)),
	}
	if b.snap.Settings.EnableRHI {
		vs.EnableRhi = ptrTo(true)
	}
	return vs
}

func vsService(port uint32, ssl bool) *models.Service {
	s := &models.Service{Port: ptrTo[uint32](port), PortRangeEnd: ptrTo[uint32](port)}
	if ssl {
		s.EnableSsl = ptrTo(true)
	}
	return s
}

// routeServers are the pool servers of one backend, by the configured serviceType.
func (b *routeBuilder) routeServers(p *parsedRoute, be routeBackend) []*models.Server {
	id := types.NamespacedName{Namespace: p.namespace, Name: be.service}
	slices := b.snap.EndpointSlices[id]
	families := FamiliesFor(b.snap.Settings.IPFamily, be.svc)
	var servers []Server
	if b.snap.Settings.ServiceType == "NodePort" {
		sel := NodeSelector{Key: b.snap.Settings.NodeKey, Value: b.snap.Settings.NodeValue}
		servers = NodePortServers(be.svc, be.port, b.snap.Nodes, sel, slices, families)
	} else {
		servers = ClusterIPServers(be.port, len(be.svc.Spec.Ports) == 1, slices, families)
	}
	return AviServers(servers)
}

// poolSpec says what a Route pool is for.
type poolSpec struct {
	name          string
	route         *parsedRoute
	backend       routeBackend
	markers       routeMarkers
	insecureAllow bool
}

// pool builds one Route pool (and, for reencrypt with a destination CA, its PKI profile).
func (b *routeBuilder) pool(ps poolSpec) {
	p := ps.route
	pool := &models.Pool{
		Name:                   ptrTo(ps.name),
		TenantRef:              b.tenantRef(),
		CloudRef:               b.cloudRef(),
		CreatedBy:              b.createdByRef(),
		VrfRef:                 b.vrfRef(),
		GracefulDisableTimeout: ptrTo[int32](1),
		HealthMonitorRefs:      []string{RefByName(KindHealthMonitor, healthMonitorTCP)},
		Servers:                b.routeServers(p, ps.backend),
		Markers:                b.markers(ps.markers),
		ServiceMetadata: routeMetadata{
			ServiceMetadata: ServiceMetadata{
				IngressName: p.name,
				Namespace:   p.namespace,
				HostNames:   []string{p.host},
				PoolRatio:   uint32(ps.backend.weight),
			},
			InsecureEdgeTermAllow: ps.insecureAllow,
		}.JSON(),
	}
	if p.termination == terminationReencrypt {
		pool.SniEnabled = ptrTo(true)
		pool.SslProfileRef = ptrTo(RefByName(kindSSLProfile, sslProfileStandard))
		if p.destCA != "" {
			pkiName := ps.name + "-pkiprofile"
			b.add(KindPKIProfile, pkiName, &models.PKIprofile{
				Name:      ptrTo(pkiName),
				TenantRef: b.tenantRef(),
				CreatedBy: b.createdByRef(),
				CrlCheck:  ptrTo(false),
				CaCerts:   []*models.SSLCertificate{{Certificate: ptrTo(p.destCA)}},
				Markers:   b.markers(ps.markers),
			})
			pool.PkiProfileRef = ptrTo(RefByName(KindPKIProfile, pkiName))
		}
	}
	b.add(KindPool, ps.name, pool)
}

// poolGroup builds a pool group; members are (pool name, ratio, priority label).
func (b *routeBuilder) poolGroup(name string, members []*models.PoolGroupMember, implicitPriority bool, m routeMarkers) {
	pg := &models.PoolGroup{
		Name:      ptrTo(name),
		TenantRef: b.tenantRef(),
		CloudRef:  b.cloudRef(),
		CreatedBy: b.createdByRef(),
		Members:   members,
		Markers:   b.markers(m),
	}
	if implicitPriority {
		pg.ImplicitPriorityLabels = ptrTo(true)
	}
	b.add(KindPoolGroup, name, pg)
}

func (b *routeBuilder) member(pool string, ratio int32, label string) *models.PoolGroupMember {
	m := &models.PoolGroupMember{PoolRef: ptrTo(RefByName(KindPool, pool)), Ratio: ptrTo[uint32](uint32(ratio))}
	if label != "" {
		m.PriorityLabel = ptrTo(label)
	}
	return m
}

// pathFragment is a path as it appears in object names: every "/" becomes "_".
func pathFragment(path string) string { return strings.ReplaceAll(path, "/", "_") }

// certificates adds the SSL objects of a TLS host and returns the refs the VS uses.
// Names: <cluster>--<host>[-alt] for inline certificates, <cluster>--<host>-cacert for
// caCertificate, <cluster>--router-certs-default[-alt] for the default Secret.
func (b *routeBuilder) certificates(p *parsedRoute) []string {
	leafName := b.prefix + p.host
	leafMarkers := routeMarkers{hosts: []string{p.host}}
	if p.defaultCert {
		leafName = b.prefix + DefaultCertSecretName
		leafMarkers = routeMarkers{}
	}
	var caCerts []*models.CertificateAuthority
	if p.caCert != "" {
		caName := b.prefix + p.host + "-cacert"
		b.add(KindSSLKeyCert, caName, &models.SSLKeyAndCertificate{
			Name:        ptrTo(caName),
			TenantRef:   b.tenantRef(),
			CreatedBy:   b.createdByRef(),
			Type:        ptrTo("SSL_CERTIFICATE_TYPE_CA"),
			Certificate: &models.SSLCertificate{Certificate: ptrTo(p.caCert)},
			Markers:     b.markers(routeMarkers{hosts: []string{p.host}}),
		})
		caCerts = []*models.CertificateAuthority{{CaRef: ptrTo(RefByName(KindSSLKeyCert, caName)), Name: ptrTo(caName)}}
	}
	if caCerts != nil && p.defaultCert {
		// The default certificate is shared by many hosts; a per-host CA goes on a
		// per-host copy so one Route's CA never leaks onto another host.
		leafName = b.prefix + p.host
		leafMarkers = routeMarkers{hosts: []string{p.host}}
	}
	leaf := func(name string, pair certPair, m routeMarkers, cas []*models.CertificateAuthority) {
		b.add(KindSSLKeyCert, name, &models.SSLKeyAndCertificate{
			Name:        ptrTo(name),
			TenantRef:   b.tenantRef(),
			CreatedBy:   b.createdByRef(),
			Type:        ptrTo("SSL_CERTIFICATE_TYPE_VIRTUALSERVICE"),
			Certificate: &models.SSLCertificate{Certificate: ptrTo(pair.cert)},
			Key:         ptrTo(pair.key),
			CaCerts:     cas,
			Markers:     b.markers(m),
		})
	}
	leaf(leafName, p.cert, leafMarkers, caCerts)
	refs := []string{RefByName(KindSSLKeyCert, leafName)}
	if p.altCert != nil {
		altName := leafName + "-alt"
		leaf(altName, *p.altCert, leafMarkers, caCerts)
		refs = append(refs, RefByName(KindSSLKeyCert, altName))
	}
	return refs
}

// redirectPolicy is an HTTP policy set that answers plain HTTP for hosts with a 302 to
// HTTPS on port 443.
func (b *routeBuilder) redirectPolicy(name string, hosts []string) {
	rule := &models.HTTPRequestRule{
		Name:   ptrTo(name),
		Index:  ptrTo[int32](0),
		Enable: ptrTo(true),
		Match: &models.MatchTarget{
			HostHdr: &models.HostHdrMatch{MatchCriteria: ptrTo("HDR_EQUALS"), Value: sortedUnique(hosts)},
			VsPort:  &models.PortMatch{MatchCriteria: ptrTo("IS_IN"), Ports: []int64{80}},
		},
		RedirectAction: &models.HTTPRedirectAction{
			Protocol:   ptrTo("HTTPS"),
			Port:       ptrTo[uint32](443),
			StatusCode: ptrTo("HTTP_REDIRECT_STATUS_CODE_302"),
		},
	}
	b.add(KindHTTPPolicySet, name, &models.HTTPPolicySet{
		Name:              ptrTo(name),
		TenantRef:         b.tenantRef(),
		CreatedBy:         b.createdByRef(),
		HTTPRequestPolicy: &models.HTTPRequestPolicy{Rules: []*models.HTTPRequestRule{rule}},
		Markers:           b.markers(routeMarkers{}),
	})
}

// sortedObjects returns the collected objects in creation order (stable within a kind).
func (b *routeBuilder) sortedObjects() []Object {
	out := append([]Object(nil), b.objects.list...)
	sort.SliceStable(out, func(i, j int) bool { return creationOrder[out[i].Kind] < creationOrder[out[j].Kind] })
	return out
}
