package model

import (
	"sort"
	"strings"
)

// Cloud is what boot validation learned about the Avi cloud AKO works in. The model
// needs it for names and references (tenant, VRF, SE group), for VIP placement (the
// resolved VIP networks), for FQDNs (the cloud's DNS domains) and for the network profile
// choice (the license tier).
type Cloud struct {
	Name    string
	UUID    string
	Tenant  string
	VRF     string // VRF context name; "global" when the ConfigMap names none
	SEGroup string
	// DNSDomains are the DNS service domains of the cloud's DNS profile, as configured
	// (a leading "." is kept here and stripped by Subdomain). Empty: no DNS profile.
	DNSDomains  []string
	VIPNetworks []VIPNetwork
	// LicenseTier is the Controller's default license tier, e.g. ENTERPRISE,
	// ENTERPRISE_WITH_CLOUD_SERVICES, ESSENTIALS, BASIC.
	LicenseTier string
	// ControllerUUID identifies the Controller cluster (status annotations).
	ControllerUUID string
}

// VIPNetwork is one vipNetworkList entry resolved against the Controller.
type VIPNetwork struct {
	Name   string
	UUID   string
	CIDR   string
	V6CIDR string
}

// Subdomain is the DNS subdomain used for automatic FQDNs: preferred (defaultDomain)
// when it is one of the cloud's domains, else the alphabetically first domain, with any
// leading "." stripped. It is "" when the cloud has no DNS profile.
func (c Cloud) Subdomain(preferred string) string {
	if len(c.DNSDomains) == 0 {
		return ""
	}
	domains := make([]string, 0, len(c.DNSDomains))
	for _, d := range c.DNSDomains {
		d = strings.TrimPrefix(strings.TrimSpace(d), ".")
		if d != "" {
			domains = append(domains, d)
		}
	}
	if len(domains) == 0 {
		return ""
	}
	want := strings.TrimPrefix(strings.TrimSpace(preferred), ".")
	for _, d := range domains {
		if want != "" && d == want {
			return d
		}
	}
	sort.Strings(domains)
	return domains[0]
}

// TCPProxyLicensed reports whether the license tier allows System-TCP-Proxy for L4
// virtual services (ako-spec.md §4.7); other tiers get System-TCP-Fast-Path.
func (c Cloud) TCPProxyLicensed() bool {
	switch strings.ToUpper(c.LicenseTier) {
	case "ENTERPRISE", "ENTERPRISE_WITH_CLOUD_SERVICES":
		return true
	}
	return false
}
