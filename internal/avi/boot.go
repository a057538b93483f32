package avi

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"

	"github.com/akoproject/ako/internal/settings"
)

// Cloud is what the workload needs to know about its Avi cloud.
type Cloud struct {
	Name, UUID string
	// VType is the cloud type, e.g. CLOUD_NONE, CLOUD_VCENTER, CLOUD_NSXT.
	VType string
	// IPAMProfile and DNSProfile are the names of the cloud's IPAM and DNS profiles ("" if none).
	IPAMProfile, DNSProfile string
	// DNSDomains are the domains the DNS profile serves; L4 FQDNs are built under the first.
	DNSDomains []string
}

// Network is a resolved VIP network.
type Network struct {
	Name, UUID string
	// CIDR and V6CIDR are the subnets VIPs come from: as configured in vipNetworkList, else
	// the network's first configured subnet of that family.
	CIDR, V6CIDR string
	// VRF is the name of the network's VRF context ("" if it has none).
	VRF string
}

func notFound(resource, format string, args ...any) error {
	return &Error{Class: ClassNotFound, Verb: http.MethodGet, Path: "api/" + resource, Status: 404,
		Message: fmt.Sprintf(format, args...)}
}

// one lists resource with filter in the session's tenant and requires exactly one match.
func (c *Client) one(ctx context.Context, resource string, filter url.Values, what string) (Object, error) {
	objs, err := c.ListResource(ctx, resource, filter, "")
	if err != nil {
		return nil, err
	}
	switch len(objs) {
	case 0:
		return nil, notFound(resource, "%s does not exist on the Controller", what)
	case 1:
		return objs[0], nil
	}
	return nil, &Error{Class: ClassPermanent, Verb: http.MethodGet, Path: "api/" + resource,
		Message: fmt.Sprintf("%s is ambiguous: %d objects match", what, len(objs))}
}

// CheckTenant returns an error of ClassNotFound when the tenant does not exist.
func (c *Client) CheckTenant(ctx context.Context, name string) error {
	_, err := c.one(ctx, "tenant", url.Values{"name": {name}}, fmt.Sprintf("tenant %q", name))
	return err
}

// Cloud reads the cloud by name with its IPAM/DNS profiles and DNS domains.
func (c *Client) Cloud(ctx context.Context, name string) (Cloud, error) {
	o, err := c.one(ctx, "cloud", url.Values{"name": {name}}, fmt.Sprintf("cloud %q", name))
	if err != nil {
		return Cloud{}, err
	}
	cl := Cloud{
		Name:        name,
		UUID:        String(o, "uuid"),
		VType:       String(o, "vtype"),
		IPAMProfile: RefName(String(o, "ipam_provider_ref")),
		DNSProfile:  RefName(String(o, "dns_provider_ref")),
	}
	if cl.DNSProfile != "" {
		var d struct {
			Domains []string `json:"domains"`
		}
		path := "api/ipamdnsproviderprofiledomainlist?cloud_uuid=" + url.QueryEscape(cl.UUID)
		if err := c.do(ctx, http.MethodGet, "ipamdnsproviderprofiledomainlist", path, "", nil, &d); err != nil {
			return Cloud{}, fmt.Errorf("reading the DNS domains of cloud %q: %w", name, err)
		}
		cl.DNSDomains = d.Domains
	}
	return cl, nil
}

// VIPNetworks resolves every vipNetworkList entry (by uuid when given, else by name in the
// cloud) and fills in its CIDRs.
func (c *Client) VIPNetworks(ctx context.Context, cloud string, wanted []settings.VIPNetwork) ([]Network, error) {
	var out []Network
	for i, w := range wanted {
		var o Object
		var err error
		if w.NetworkUUID != "" {
			o, err = c.GetResource(ctx, "network", w.NetworkUUID, "")
			if IsNotFound(err) {
				err = notFound("network", "%s[%d]: network uuid %q does not exist", settings.KeyVIPNetworkList, i, w.NetworkUUID)
			}
		} else {
			o, err = c.one(ctx, "network", url.Values{"name": {w.NetworkName}, "cloud_ref.name": {cloud}},
				fmt.Sprintf("%s[%d]: network %q in cloud %q", settings.KeyVIPNetworkList, i, w.NetworkName, cloud))
		}
		if err != nil {
			return nil, err
		}
		n := Network{Name: String(o, "name"), UUID: String(o, "uuid"), CIDR: w.CIDR, V6CIDR: w.V6CIDR,
			VRF: RefName(String(o, "vrf_context_ref"))}
		v4, v6 := subnetsOf(o)
		if n.CIDR == "" {
			n.CIDR = v4
		}
		if n.V6CIDR == "" {
			n.V6CIDR = v6
		}
		out = append(out, n)
	}
	return out, nil
}

// subnetsOf returns the first IPv4 and IPv6 configured subnet of a network object.
func subnetsOf(o Object) (v4, v6 string) {
	subnets, _ := o["configured_subnets"].([]any)
	for _, s := range subnets {
		sm, _ := s.(map[string]any)
		prefix, _ := sm["prefix"].(map[string]any)
		ipAddr, _ := prefix["ip_addr"].(map[string]any)
		addr := String(ipAddr, "addr")
		mask := fmt.Sprint(prefix["mask"])
		cidr := addr + "/" + mask
		ip, _, err := net.ParseCIDR(cidr)
		if err != nil {
			continue
		}
		if ip.To4() != nil && v4 == "" {
			v4 = cidr
		} else if ip.To4() == nil && v6 == "" {
			v6 = cidr
		}
	}
	return v4, v6
}

// SEGroup returns the uuid of the service engine group name in cloud.
func (c *Client) SEGroup(ctx context.Context, cloud, name string) (string, error) {
	o, err := c.one(ctx, "serviceenginegroup", url.Values{"name": {name}, "cloud_ref.name": {cloud}},
		fmt.Sprintf("service engine group %q in cloud %q", name, cloud))
	return String(o, "uuid"), err
}

// VRF returns the uuid of the VRF context name in cloud.
func (c *Client) VRF(ctx context.Context, cloud, name string) (string, error) {
	o, err := c.one(ctx, "vrfcontext", url.Values{"name": {name}, "cloud_ref.name": {cloud}},
		fmt.Sprintf("VRF context %q in cloud %q", name, cloud))
	return String(o, "uuid"), err
}

// LicenseTier returns systemconfiguration.default_license_tier (ENTERPRISE, ESSENTIALS, ...).
func (c *Client) LicenseTier(ctx context.Context) (string, error) {
	var o Object
	if err := c.do(ctx, http.MethodGet, "systemconfiguration", "api/systemconfiguration", "", nil, &o); err != nil {
		return "", err
	}
	tier := String(o, "default_license_tier")
	if tier == "" {
		return "", &Error{Class: ClassPermanent, Verb: http.MethodGet, Path: "api/systemconfiguration",
			Message: "systemconfiguration has no default_license_tier"}
	}
	return tier, nil
}
