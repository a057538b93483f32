package model

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"sort"
	"strings"

	routev1 "github.com/openshift/api/route/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Reasons of an Admitted=False Route condition. They follow OpenShift's router where it
// has one (HostAlreadyClaimed) and AKO's where it has one
// (MultipleBackendsWithSameServiceError).
const (
	ReasonNoHost                = "NoHost"
	ReasonHostNotInDNSDomain    = "HostNotInDNSDomain"
	ReasonInvalidCertificate    = "InvalidCertificate"
	ReasonMissingCertificate    = "MissingCertificate"
	ReasonInvalidBackends       = "InvalidBackends"
	ReasonDuplicateBackend      = "MultipleBackendsWithSameServiceError"
	ReasonServiceNotFound       = "ServiceNotFound"
	ReasonServicePortNotFound   = "ServicePortNotFound"
	ReasonUnsupportedTLS        = "UnsupportedTLSConfiguration"
	ReasonInvalidPath           = "InvalidPath"
	ReasonHostAlreadyClaimed    = "HostAlreadyClaimed"
	ReasonNameTooLong           = "NameTooLong"
	fqdnReusePolicyStrict       = "Strict"
	defaultBackendWeight        = 100
	maxBackendWeight            = 256
	maxAlternateBackends        = 3
	insecurePolicyNone          = routev1.InsecureEdgeTerminationPolicyNone
	insecurePolicyAllow         = routev1.InsecureEdgeTerminationPolicyAllow
	insecurePolicyRedirect      = routev1.InsecureEdgeTerminationPolicyRedirect
	terminationInsecure         = routev1.TLSTerminationType("")
	terminationEdge             = routev1.TLSTerminationEdge
	terminationReencrypt        = routev1.TLSTerminationReencrypt
	terminationPassthrough      = routev1.TLSTerminationPassthrough
	defaultCertificateReference = "Secret " + DefaultCertSecretName + " in the AKO namespace"
)

// RouteDecision is the admission result of one Route, what its status says.
type RouteDecision struct {
	Namespace string
	Name      string
	Host      string
	// Key is the tree the Route belongs to ("" for a Route without a host).
	Key      Key
	Admitted bool
	// Reason (CamelCase) and Message (for a person) explain a rejection.
	Reason  string
	Message string
	// VSName is the Avi VS that serves the host (the SNI child of a TLS host in a shard,
	// else the shard parent, dedicated or passthrough VS); VsVipName holds its VIP.
	VSName    string
	VsVipName string
}

// certPair is a PEM certificate and its key.
type certPair struct {
	cert string
	key  string
}

// routeBackend is one Service behind a Route with its resolved port.
type routeBackend struct {
	service string
	weight  int32
	svc     *corev1.Service
	port    corev1.ServicePort
}

// parsedRoute is a Route that passed validation, in the terms the builders use.
type parsedRoute struct {
	route          *routev1.Route
	namespace      string
	name           string
	host           string
	path           string
	termination    routev1.TLSTerminationType
	insecurePolicy routev1.InsecureEdgeTerminationPolicyType
	backends       []routeBackend
	// TLS material for edge and reencrypt. defaultCert means cert/altCert come from
	// router-certs-default.
	cert        certPair
	altCert     *certPair
	defaultCert bool
	caCert      string
	destCA      string
}

func (p *parsedRoute) secure() bool {
	return p.termination == terminationEdge || p.termination == terminationReencrypt
}

// servesInsecure reports whether plain HTTP reaches the backends (no TLS, or edge and
// reencrypt with Allow).
func (p *parsedRoute) servesInsecure() bool {
	return p.termination == terminationInsecure || (p.secure() && p.insecurePolicy == insecurePolicyAllow)
}

func (p *parsedRoute) redirects() bool {
	return p.route.Spec.TLS != nil && p.insecurePolicy == insecurePolicyRedirect
}

// rejection is a validation failure with its reason.
type rejection struct {
	reason  string
	message string
}

func (r *rejection) Error() string { return r.message }

func reject(reason, format string, args ...any) *rejection {
	return &rejection{reason: reason, message: fmt.Sprintf(format, args...)}
}

// admitRoutes validates the Routes and resolves host claims. Decisions for the Routes
// of one host depend only on the Routes of that host, so every tree computes the same
// answer for a shared host. The admitted Routes are returned oldest first.
func admitRoutes(snap RouteSnapshot, routes []*routev1.Route) ([]*parsedRoute, map[types.NamespacedName]RouteDecision) {
	decisions := map[types.NamespacedName]RouteDecision{}
	byHost := map[string][]*parsedRoute{}
	certs := certChecks{}
	for _, r := range routes {
		id := types.NamespacedName{Namespace: r.Namespace, Name: r.Name}
		host := RouteHost(r, snap.Settings)
		if host == "" {
			decisions[id] = RouteWithoutHostDecision(r)
			continue
		}
		d := RouteDecision{Namespace: r.Namespace, Name: r.Name, Host: host, Key: routeKeyForHost(snap, host, isPassthrough(r))}
		p, err := parseRoute(snap, r, host, certs)
		if err != nil {
			d.Reason, d.Message = err.reason, err.message
			decisions[id] = d
			continue
		}
		decisions[id] = d
		byHost[host] = append(byHost[host], p)
	}

	var admitted []*parsedRoute
	hosts := make([]string, 0, len(byHost))
	for h := range byHost {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	for _, host := range hosts {
		group := byHost[host]
		sortOldestFirst(group)
		owner := group[0]
		paths := map[string]*parsedRoute{}
		for _, p := range group {
			id := types.NamespacedName{Namespace: p.namespace, Name: p.name}
			d := decisions[id]
			switch {
			case snap.Settings.FQDNReusePolicy == fqdnReusePolicyStrict && p.namespace != owner.namespace:
				d.Reason = ReasonHostAlreadyClaimed
				d.Message = fmt.Sprintf("host %s is claimed by namespace %s (Route %s/%s is older) and fqdnReusePolicy is Strict",
					host, owner.namespace, owner.namespace, owner.name)
			case (owner.termination == terminationPassthrough) != (p.termination == terminationPassthrough):
				d.Reason = ReasonHostAlreadyClaimed
				d.Message = fmt.Sprintf("host %s is already served by Route %s/%s with %s termination; passthrough and other terminations cannot share a host",
					host, owner.namespace, owner.name, terminationName(owner.termination))
			case paths[p.path] != nil:
				first := paths[p.path]
				d.Reason = ReasonHostAlreadyClaimed
				d.Message = fmt.Sprintf("host %s path %q is already served by Route %s/%s, which is older",
					host, displayPath(p.path), first.namespace, first.name)
			default:
				paths[p.path] = p
				d.Admitted = true
				admitted = append(admitted, p)
			}
			decisions[id] = d
		}
	}
	sortOldestFirst(admitted)
	return admitted, decisions
}

// sortOldestFirst orders Routes by creationTimestamp, then namespace/name: the order in
// which hosts are claimed.
func sortOldestFirst(rs []*parsedRoute) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i].route.CreationTimestamp, rs[j].route.CreationTimestamp
		if !a.Equal(&b) {
			return a.Before(&b)
		}
		if rs[i].namespace != rs[j].namespace {
			return rs[i].namespace < rs[j].namespace
		}
		return rs[i].name < rs[j].name
	})
}

func terminationName(t routev1.TLSTerminationType) string {
	if t == terminationInsecure {
		return "no TLS"
	}
	return string(t)
}

func displayPath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// parseRoute validates one Route on its own (host domain, backends, ports, TLS).
func parseRoute(snap RouteSnapshot, r *routev1.Route, host string, certs certChecks) (*parsedRoute, *rejection) {
	p := &parsedRoute{route: r, namespace: r.Namespace, name: r.Name, host: host, path: r.Spec.Path}
	if err := checkHostDomain(snap.Cloud, host); err != nil {
		return nil, err
	}
	if p.path != "" && !strings.HasPrefix(p.path, "/") {
		return nil, reject(ReasonInvalidPath, "spec.path %q must start with /", p.path)
	}
	if err := parseTLS(snap, r, p, certs); err != nil {
		return nil, err
	}
	backends, err := parseBackends(snap, r)
	if err != nil {
		return nil, err
	}
	p.backends = backends
	if n := longestObjectName(snap.Settings.NamePrefix(), p); n > MaxNameLength {
		return nil, reject(ReasonNameTooLong, "the Avi object names of this Route would be up to %d characters and Avi allows %d: shorten the host, path, Route or Service name", n, MaxNameLength)
	}
	return p, nil
}

// longestObjectName bounds the longest Avi name any tree builds for p (the PKI profile of
// a dedicated reencrypt pool is the longest form). An over-long name would make the
// Controller refuse the whole tree, so such a Route is rejected on its own.
func longestObjectName(prefix string, p *parsedRoute) int {
	longest := 0
	for _, be := range p.backends {
		n := len(prefix) + len(p.namespace) + len(p.host) + len(p.path) + len(p.name) + len(be.service) + 3 +
			len(dedicatedSuffix) + len("-pkiprofile")
		longest = max(longest, n)
	}
	return longest
}

func checkHostDomain(c Cloud, host string) *rejection {
	if len(c.DNSDomains) == 0 {
		return nil // no DNS profile: any host
	}
	var domains []string
	for _, d := range c.DNSDomains {
		d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "."))
		if d == "" {
			continue
		}
		if host == d || strings.HasSuffix(host, "."+d) {
			return nil
		}
		domains = append(domains, d)
	}
	return reject(ReasonHostNotInDNSDomain, "host %s is not in a DNS domain of Avi cloud %s (%s)", host, c.Name, strings.Join(domains, ", "))
}

func parseTLS(snap RouteSnapshot, r *routev1.Route, p *parsedRoute, certs certChecks) *rejection {
	t := r.Spec.TLS
	if t == nil {
		p.termination = terminationInsecure
		return nil
	}
	p.termination = t.Termination
	p.insecurePolicy = t.InsecureEdgeTerminationPolicy
	if p.insecurePolicy == "" {
		p.insecurePolicy = insecurePolicyNone
	}
	switch p.insecurePolicy {
	case insecurePolicyNone, insecurePolicyAllow, insecurePolicyRedirect:
	default:
		return reject(ReasonUnsupportedTLS, "spec.tls.insecureEdgeTerminationPolicy %q is not one of None, Allow, Redirect", t.InsecureEdgeTerminationPolicy)
	}
	if t.ExternalCertificate != nil && t.ExternalCertificate.Name != "" {
		return reject(ReasonUnsupportedTLS, "spec.tls.externalCertificate is not supported by AKO; put the certificate in spec.tls or use %s", defaultCertificateReference)
	}
	switch t.Termination {
	case terminationPassthrough:
		if p.insecurePolicy == insecurePolicyAllow {
			return reject(ReasonUnsupportedTLS, "insecureEdgeTerminationPolicy Allow is not supported with passthrough termination: use Redirect or None")
		}
		if p.path != "" {
			return reject(ReasonUnsupportedTLS, "passthrough termination does not support spec.path (the backend sees only TLS)")
		}
		if t.Certificate != "" || t.Key != "" || t.CACertificate != "" || t.DestinationCACertificate != "" {
			return reject(ReasonUnsupportedTLS, "passthrough termination must not set certificate, key, caCertificate or destinationCACertificate")
		}
		return nil
	case terminationEdge, terminationReencrypt:
	default:
		return reject(ReasonUnsupportedTLS, "spec.tls.termination %q is not one of edge, reencrypt, passthrough", t.Termination)
	}
	if t.Termination == terminationEdge && t.DestinationCACertificate != "" {
		return reject(ReasonUnsupportedTLS, "spec.tls.destinationCACertificate is only valid with reencrypt termination")
	}
	switch {
	case t.Certificate != "" && t.Key != "":
		if err := certs.keyPair(t.Certificate, t.Key, "spec.tls.certificate", "spec.tls.key"); err != nil {
			return err
		}
		p.cert = certPair{cert: t.Certificate, key: t.Key}
	case t.Certificate != "" || t.Key != "":
		return reject(ReasonInvalidCertificate, "spec.tls.certificate and spec.tls.key must be set together")
	default:
		sec := snap.DefaultCert
		if sec == nil {
			return reject(ReasonMissingCertificate, "spec.tls has no certificate and key, and %s does not exist", defaultCertificateReference)
		}
		crt, key := string(sec.Data[SecretKeyTLSCert]), string(sec.Data[SecretKeyTLSKey])
		if crt == "" || key == "" {
			return reject(ReasonMissingCertificate, "spec.tls has no certificate and key, and %s has no %s and %s", defaultCertificateReference, SecretKeyTLSCert, SecretKeyTLSKey)
		}
		what := "Secret " + sec.Namespace + "/" + sec.Name + " "
		if err := certs.keyPair(crt, key, what+SecretKeyTLSCert, what+SecretKeyTLSKey); err != nil {
			return err
		}
		p.cert = certPair{cert: crt, key: key}
		p.defaultCert = true
		altCrt, altKey := string(sec.Data[SecretKeyAltCert]), string(sec.Data[SecretKeyAltKey])
		switch {
		case altCrt != "" && altKey != "":
			if err := certs.keyPair(altCrt, altKey, what+SecretKeyAltCert, what+SecretKeyAltKey); err != nil {
				return err
			}
			p.altCert = &certPair{cert: altCrt, key: altKey}
		case altCrt != "" || altKey != "":
			return reject(ReasonInvalidCertificate, "%s: %s and %s must be set together", strings.TrimSpace(what), SecretKeyAltCert, SecretKeyAltKey)
		}
	}
	if t.CACertificate != "" {
		if err := certs.certificates(t.CACertificate, "spec.tls.caCertificate"); err != nil {
			return err
		}
		p.caCert = t.CACertificate
	}
	if t.DestinationCACertificate != "" {
		if err := certs.certificates(t.DestinationCACertificate, "spec.tls.destinationCACertificate"); err != nil {
			return err
		}
		p.destCA = t.DestinationCACertificate
	}
	return nil
}

// certChecks remembers certificate checks within one build: many Routes share a
// certificate (router-certs-default, wildcard certificates), and parsing is the most
// expensive part of admission.
type certChecks map[[4]string]*rejection

func (c certChecks) keyPair(certPEM, keyPEM, certField, keyField string) *rejection {
	k := [4]string{certPEM, keyPEM, certField, keyField}
	if r, done := c[k]; done {
		return r
	}
	r := checkKeyPair(certPEM, keyPEM, certField, keyField)
	c[k] = r
	return r
}

func (c certChecks) certificates(text, field string) *rejection {
	k := [4]string{text, "", field, ""}
	if r, done := c[k]; done {
		return r
	}
	r := checkCertificates(text, field)
	c[k] = r
	return r
}

// checkKeyPair checks that certPEM is an X.509 certificate and keyPEM its private key.
// The messages name the fields, never their content.
func checkKeyPair(certPEM, keyPEM, certField, keyField string) *rejection {
	if err := checkCertificates(certPEM, certField); err != nil {
		return err
	}
	if _, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM)); err != nil {
		if strings.Contains(err.Error(), "does not match") {
			return reject(ReasonInvalidCertificate, "%s does not match %s", keyField, certField)
		}
		return reject(ReasonInvalidCertificate, "%s is not a valid PEM private key: %v", keyField, err)
	}
	return nil
}

// checkCertificates checks that text holds at least one PEM certificate and that every
// certificate block parses.
func checkCertificates(text, field string) *rejection {
	rest := []byte(text)
	found := 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return reject(ReasonInvalidCertificate, "%s: certificate %d does not parse: %v", field, found+1, err)
		}
		found++
	}
	if found == 0 {
		return reject(ReasonInvalidCertificate, "%s holds no PEM certificate", field)
	}
	return nil
}

// parseBackends resolves spec.to and spec.alternateBackends to Services and ports.
func parseBackends(snap RouteSnapshot, r *routev1.Route) ([]routeBackend, *rejection) {
	if len(r.Spec.AlternateBackends) > maxAlternateBackends {
		return nil, reject(ReasonInvalidBackends, "spec.alternateBackends has %d entries; at most %d are allowed", len(r.Spec.AlternateBackends), maxAlternateBackends)
	}
	refs := append([]routev1.RouteTargetReference{r.Spec.To}, r.Spec.AlternateBackends...)
	seen := map[string]bool{}
	var out []routeBackend
	for i, ref := range refs {
		field := "spec.to"
		if i > 0 {
			field = fmt.Sprintf("spec.alternateBackends[%d]", i-1)
		}
		if ref.Kind != "" && ref.Kind != "Service" {
			return nil, reject(ReasonInvalidBackends, "%s.kind %q is not supported: only Service", field, ref.Kind)
		}
		if ref.Name == "" {
			return nil, reject(ReasonInvalidBackends, "%s.name is empty", field)
		}
		if seen[ref.Name] {
			return nil, reject(ReasonDuplicateBackend, "Service %s appears more than once in spec.to and spec.alternateBackends", ref.Name)
		}
		seen[ref.Name] = true
		weight := int32(defaultBackendWeight)
		if ref.Weight != nil {
			weight = *ref.Weight
		}
		if weight < 0 || weight > maxBackendWeight {
			return nil, reject(ReasonInvalidBackends, "%s.weight %d is outside 0-%d", field, weight, maxBackendWeight)
		}
		svc := snap.Services[types.NamespacedName{Namespace: r.Namespace, Name: ref.Name}]
		if svc == nil {
			return nil, reject(ReasonServiceNotFound, "Service %s/%s (%s) does not exist", r.Namespace, ref.Name, field)
		}
		if svc.Spec.Type == corev1.ServiceTypeExternalName {
			return nil, reject(ReasonInvalidBackends, "Service %s/%s is of type ExternalName, which has no endpoints for a pool", r.Namespace, ref.Name)
		}
		port, err := routeServicePort(r, svc, snap.Settings.ServiceType == "NodePort")
		if err != nil {
			return nil, reject(ReasonServicePortNotFound, "%v", err)
		}
		out = append(out, routeBackend{service: ref.Name, weight: weight, svc: svc, port: port})
	}
	return out, nil
}

// routeServicePort picks the Service port a Route sends traffic to. spec.port.targetPort
// by name matches a Service port name (EndpointSlice ports carry the same names) or a
// named target port; by number it matches a target port, then a service port, and in
// ClusterIP mode any endpoint port with that number. Without spec.port the Service must
// have exactly one port.
func routeServicePort(r *routev1.Route, svc *corev1.Service, nodePortMode bool) (corev1.ServicePort, error) {
	ports := svc.Spec.Ports
	if r.Spec.Port == nil || (r.Spec.Port.TargetPort.IntValue() == 0 && r.Spec.Port.TargetPort.StrVal == "") {
		switch len(ports) {
		case 1:
			return ports[0], nil
		case 0:
			return corev1.ServicePort{}, fmt.Errorf("Service %s/%s has no ports", svc.Namespace, svc.Name)
		default:
			return corev1.ServicePort{}, fmt.Errorf("Service %s/%s has %d ports: set spec.port.targetPort to choose one", svc.Namespace, svc.Name, len(ports))
		}
	}
	tp := r.Spec.Port.TargetPort
	if tp.Type == intstr.String {
		for _, p := range ports {
			if p.Name == tp.StrVal {
				return p, nil
			}
		}
		for _, p := range ports {
			if p.TargetPort.StrVal == tp.StrVal {
				return p, nil
			}
		}
		return corev1.ServicePort{}, fmt.Errorf("Service %s/%s has no port named %q (spec.port.targetPort)", svc.Namespace, svc.Name, tp.StrVal)
	}
	n := tp.IntValue()
	for _, p := range ports {
		if p.TargetPort.IntValue() == n {
			return p, nil
		}
	}
	for _, p := range ports {
		if int(p.Port) == n {
			return p, nil
		}
	}
	if !nodePortMode {
		// A named target port on the Service still matches the endpoint port number.
		return corev1.ServicePort{TargetPort: tp, Protocol: corev1.ProtocolTCP}, nil
	}
	return corev1.ServicePort{}, fmt.Errorf("Service %s/%s has no port with port or targetPort %d (spec.port.targetPort)", svc.Namespace, svc.Name, n)
}
