package avisim

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"sync"
	"time"

	"sigs.k8s.io/yaml"
)

// Seed is the initial controller content. Objects are applied in order; an entry whose
// (kind, tenant, name) already exists replaces that object, which lets a seed break
// reference cycles (create a cloud, then its networks and IPAM profile, then the cloud
// again with ipam_provider_ref). References use any write form, usually "/api/<kind>/?name=N".
type Seed struct {
	Objects []SeedObject `json:"objects"`
	// SystemConfiguration replaces the /api/systemconfiguration body when set.
	SystemConfiguration map[string]any `json:"systemconfiguration,omitempty"`
}

// SeedObject is one object of a seed.
type SeedObject struct {
	Kind   string         `json:"kind"`
	Object map[string]any `json:"object"`
}

// LoadSeedFile reads a seed from a JSON or YAML file.
func LoadSeedFile(path string) (*Seed, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read seed: %w", err)
	}
	j, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("seed %s: %w", path, err)
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var seed Seed
	if err := dec.Decode(&seed); err != nil {
		return nil, fmt.Errorf("seed %s: %w", path, err)
	}
	for i, o := range seed.Objects {
		if _, ok := kinds[o.Kind]; !ok {
			return nil, fmt.Errorf("seed %s: objects[%d]: unknown kind %q", path, i, o.Kind)
		}
	}
	return &seed, nil
}

// applySeedLocked loads seed into the (empty) store. The caller holds s.mu.
func (s *Server) applySeedLocked(seed *Seed) error {
	if seed.SystemConfiguration != nil {
		m := deepCopy(seed.SystemConfiguration).(map[string]any)
		m["uuid"] = "default"
		s.sysconfig = m
	}
	// Every object lives in a tenant; admin exists even when a seed does not list it.
	if _, e := s.upsertLocked("tenant", map[string]any{"uuid": "admin", "name": "admin", "local": true}, false); e != nil {
		return fmt.Errorf("seed: tenant admin: %s", e.msg)
	}
	for i, so := range seed.Objects {
		if _, ok := kinds[so.Kind]; !ok {
			return fmt.Errorf("seed objects[%d]: unknown kind %q", i, so.Kind)
		}
		body, err := normalizeJSON(so.Object)
		if err != nil {
			return fmt.Errorf("seed objects[%d] (%s): %w", i, so.Kind, err)
		}
		if e := validateModel(kinds[so.Kind].modelType, body); e != nil {
			name, _ := so.Object["name"].(string)
			return fmt.Errorf("seed objects[%d] (%s %q): %s", i, so.Kind, name, e.msg)
		}
		if _, e := s.upsertLocked(so.Kind, body, false); e != nil {
			name, _ := so.Object["name"].(string)
			return fmt.Errorf("seed objects[%d] (%s %q): %s", i, so.Kind, name, e.msg)
		}
	}
	return nil
}

// upsertLocked creates the object or replaces (merge=false) / updates (merge=true) the one
// with the same kind, tenant and name. No schema validation: this is the operator's hand.
func (s *Server) upsertLocked(kind string, body map[string]any, merge bool) (*object, *apiError) {
	name, _ := body["name"].(string)
	tenant := "admin"
	if ref, ok := body["tenant_ref"].(string); ok && ref != "" {
		u, e := s.resolveRef("tenant_ref", ref, writeScope{tenant: "admin"})
		if e != nil {
			return nil, errorf(404, "Tenant '%s' does not exist!", refDisplayName(ref))
		}
		tenant = u
	}
	var existing *object
	if id, _ := body["uuid"].(string); id != "" {
		existing = s.st.byUUID[id]
	}
	if existing == nil {
		for _, o := range s.st.byNameIn(kind, name, tenant) {
			existing = o
			break
		}
	}
	if existing != nil && merge {
		base := s.render(existing, "sim", false)
		for k, v := range body {
			if v == nil {
				delete(base, k)
			} else {
				base[k] = v
			}
		}
		body = base
	}
	return s.write(writeOp{kind: kind, body: body, existing: existing, tenant: tenantScope{uuid: tenant}, internal: true})
}

// DefaultSeed returns the built-in controller content: cloud Default-Cloud (CLOUD_NONE)
// with internal IPAM and DNS (domain avi.internal), VIP network vip-net 10.10.10.0/24 with
// the static range 10.10.10.100-10.10.10.199, VRFs global and management, SE group
// Default-Group, tenant admin and the System-* profiles, health monitors and certificates.
func DefaultSeed() (*Seed, error) {
	certs, err := systemCerts()
	if err != nil {
		return nil, err
	}
	cloud := "/api/cloud/?name=Default-Cloud"
	addr := func(ip string) map[string]any { return map[string]any{"addr": ip, "type": "V4"} }
	obj := func(kind string, m map[string]any) SeedObject { return SeedObject{Kind: kind, Object: m} }
	objs := []SeedObject{
		obj("tenant", map[string]any{"uuid": "admin", "name": "admin", "local": true,
			"config_settings": map[string]any{"tenant_vrf": false, "se_in_provider_context": true, "tenant_access_to_provider_se": true}}),
		obj("cloud", map[string]any{"name": "Default-Cloud", "vtype": "CLOUD_NONE"}),
		obj("vrfcontext", map[string]any{"name": "global", "cloud_ref": cloud, "system_default": true}),
		obj("vrfcontext", map[string]any{"name": "management", "cloud_ref": cloud, "system_default": true}),
		obj("network", map[string]any{"name": "vip-net", "cloud_ref": cloud,
			"vrf_context_ref": "/api/vrfcontext/?name=global",
			"configured_subnets": []any{map[string]any{
				"prefix": map[string]any{"ip_addr": addr("10.10.10.0"), "mask": 24},
				"static_ip_ranges": []any{map[string]any{
					"type":  "STATIC_IPS_FOR_VIP",
					"range": map[string]any{"begin": addr("10.10.10.100"), "end": addr("10.10.10.199")},
				}},
			}}}),
		obj("ipamdnsproviderprofile", map[string]any{"name": "Default-IPAM", "type": "IPAMDNS_TYPE_INTERNAL",
			"internal_profile": map[string]any{"ttl": 30,
				"usable_networks": []any{map[string]any{"nw_ref": "/api/network/?name=vip-net"}}}}),
		obj("ipamdnsproviderprofile", map[string]any{"name": "Default-DNS", "type": "IPAMDNS_TYPE_INTERNAL_DNS",
			"internal_profile": map[string]any{"ttl": 30,
				"dns_service_domain": []any{map[string]any{"domain_name": "avi.internal", "pass_through": true}}}}),
		obj("cloud", map[string]any{"name": "Default-Cloud", "vtype": "CLOUD_NONE",
			"ipam_provider_ref": "/api/ipamdnsproviderprofile/?name=Default-IPAM",
			"dns_provider_ref":  "/api/ipamdnsproviderprofile/?name=Default-DNS"}),
		obj("serviceenginegroup", map[string]any{"name": "Default-Group", "cloud_ref": cloud}),
		obj("analyticsprofile", map[string]any{"name": "System-Analytics-Profile"}),
		obj("protocolparser", map[string]any{"name": "Default-TLS", "parser_code": "-- TLS ClientHello parser (passthrough Routes)"}),
		obj("sslprofile", map[string]any{"name": "System-Standard",
			"accepted_versions": []any{map[string]any{"type": "SSL_VERSION_TLS1_2"}, map[string]any{"type": "SSL_VERSION_TLS1_3"}}}),
		obj("applicationpersistenceprofile", map[string]any{"name": "System-Persistence-Client-IP", "persistence_type": "PERSISTENCE_TYPE_CLIENT_IP_ADDRESS"}),
		obj("applicationpersistenceprofile", map[string]any{"name": "System-Persistence-Http-Cookie", "persistence_type": "PERSISTENCE_TYPE_HTTP_COOKIE"}),
	}
	for _, ap := range [][2]string{
		{"System-HTTP", "APPLICATION_PROFILE_TYPE_HTTP"}, {"System-Secure-HTTP", "APPLICATION_PROFILE_TYPE_HTTP"},
		{"System-L4-Application", "APPLICATION_PROFILE_TYPE_L4"}, {"System-SSL-Application", "APPLICATION_PROFILE_TYPE_SSL"},
		{"System-DNS", "APPLICATION_PROFILE_TYPE_DNS"}, {"System-Syslog", "APPLICATION_PROFILE_TYPE_SYSLOG"},
	} {
		objs = append(objs, obj("applicationprofile", map[string]any{"name": ap[0], "type": ap[1]}))
	}
	for _, np := range [][2]string{
		{"System-TCP-Proxy", "PROTOCOL_TYPE_TCP_PROXY"}, {"System-TCP-Fast-Path", "PROTOCOL_TYPE_TCP_FAST_PATH"},
		{"System-UDP-Fast-Path", "PROTOCOL_TYPE_UDP_FAST_PATH"}, {"System-SCTP-Proxy", "PROTOCOL_TYPE_SCTP_PROXY"},
		{"System-UDP-Per-Pkt", "PROTOCOL_TYPE_UDP_FAST_PATH"},
	} {
		objs = append(objs, obj("networkprofile", map[string]any{"name": np[0], "profile": map[string]any{"type": np[1]}}))
	}
	for _, hm := range [][2]string{
		{"System-TCP", "HEALTH_MONITOR_TCP"}, {"System-UDP", "HEALTH_MONITOR_UDP"}, {"System-SCTP", "HEALTH_MONITOR_SCTP"},
		{"System-HTTP", "HEALTH_MONITOR_HTTP"}, {"System-HTTPS", "HEALTH_MONITOR_HTTPS"}, {"System-Ping", "HEALTH_MONITOR_PING"},
	} {
		objs = append(objs, obj("healthmonitor", map[string]any{"name": hm[0], "type": hm[1]}))
	}
	for _, name := range []string{"System-Default-Cert", "System-Default-Cert-EC"} {
		c := certs[name]
		objs = append(objs, obj("sslkeyandcertificate", map[string]any{"name": name,
			"type":        "SSL_CERTIFICATE_TYPE_SYSTEM",
			"certificate": map[string]any{"certificate": c.cert}, "key": c.key}))
	}
	return &Seed{Objects: objs}, nil
}

type pemPair struct{ cert, key string }

var (
	systemCertsOnce sync.Once
	systemCertsVal  map[string]pemPair
	systemCertsErr  error
)

// systemCerts generates System-Default-Cert (RSA) and System-Default-Cert-EC once per process.
func systemCerts() (map[string]pemPair, error) {
	systemCertsOnce.Do(func() {
		rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			systemCertsErr = err
			return
		}
		ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			systemCertsErr = err
			return
		}
		out := map[string]pemPair{}
		for name, key := range map[string]any{"System-Default-Cert": rsaKey, "System-Default-Cert-EC": ecKey} {
			p, err := selfSignedPEM("System Default Cert", key)
			if err != nil {
				systemCertsErr = err
				return
			}
			out[name] = p
		}
		systemCertsVal = out
	})
	return systemCertsVal, systemCertsErr
}

// selfSignedPEM issues a self-signed certificate for key.
func selfSignedPEM(cn string, key any) (pemPair, error) {
	var pub any
	switch k := key.(type) {
	case *rsa.PrivateKey:
		pub = &k.PublicKey
	case *ecdsa.PrivateKey:
		pub = &k.PublicKey
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return pemPair{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"Avi Simulator"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(10, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		return pemPair{}, fmt.Errorf("create certificate: %w", err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return pemPair{}, fmt.Errorf("marshal key: %w", err)
	}
	return pemPair{
		cert: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		key:  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})),
	}, nil
}
