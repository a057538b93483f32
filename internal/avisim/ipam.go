package avisim

import (
	"encoding/binary"
	"net"
	"net/http"
	"strconv"
)

func init() {
	beforeValidate["vsvip"] = defaultVipIDs
	beforeStore["vsvip"] = (*Server).prepareVsVip
	afterStore["vsvip"] = func(s *Server, obj, old *object) {
		if old != nil {
			s.releaseVips(old)
		}
		s.claimVips(obj)
	}
	afterDelete["vsvip"] = (*Server).releaseVips
}

// vipKey identifies one allocated address.
func vipKey(network, ip string) string { return network + "|" + ip }

type vipAddr struct{ network, ip string }

// vipAddrs lists the addresses a stored vsvip holds.
func vipAddrs(data map[string]any) []vipAddr {
	var out []vipAddr
	vips, _ := data["vip"].([]any)
	for _, v := range vips {
		vm, _ := v.(map[string]any)
		ip := addrOf(vm["ip_address"])
		if ip == "" {
			continue
		}
		out = append(out, vipAddr{network: vipNetwork(vm), ip: ip})
	}
	return out
}

func addrOf(v any) string {
	m, _ := v.(map[string]any)
	a, _ := m["addr"].(string)
	return a
}

func vipNetwork(vm map[string]any) string {
	sub, _ := vm["ipam_network_subnet"].(map[string]any)
	n, _ := sub["network_ref"].(string)
	return n
}

func (s *Server) claimVips(o *object) {
	for _, a := range vipAddrs(o.data) {
		s.st.vips[vipKey(a.network, a.ip)] = o.uuid
	}
}

func (s *Server) releaseVips(o *object) {
	for _, a := range vipAddrs(o.data) {
		k := vipKey(a.network, a.ip)
		if s.st.vips[k] == o.uuid {
			delete(s.st.vips, k)
		}
	}
}

// prepareVsVip allocates addresses (spec §3.2): auto_allocate_ip vips get a free address
// from their network's static ranges, an allocated vip_id keeps its address on PUT, and
// a preferred address must be free and inside the subnet.
func (s *Server) prepareVsVip(obj, old *object, internal bool) *apiError {
	oldByID := map[string]map[string]any{}
	if old != nil {
		vips, _ := old.data["vip"].([]any)
		for _, v := range vips {
			vm, _ := v.(map[string]any)
			id, _ := vm["vip_id"].(string)
			oldByID[id] = vm
		}
	}
	planned := map[string]bool{}
	vips, _ := obj.data["vip"].([]any)
	for i, v := range vips {
		vm, ok := v.(map[string]any)
		if !ok {
			return errorf(http.StatusBadRequest, "vip[%d]: must be an object", i)
		}
		id, _ := vm["vip_id"].(string)
		setDefault(vm, "auto_allocate_ip_type", "V4_ONLY")
		setDefault(vm, "enabled", true)
		setDefault(vm, "prefix_length", 32)
		network := vipNetwork(vm)
		if network == "" {
			network = s.cloudVipNetwork(obj.cloud)
		}
		want := addrOf(vm["ip_address"])
		prev := oldByID[id]
		if prevAddr := addrOf(prev["ip_address"]); prevAddr != "" {
			switch {
			case want == "":
				vm["ip_address"] = map[string]any{"addr": prevAddr, "type": "V4"}
				if pn := vipNetwork(prev); pn != "" {
					network = pn
				}
				if b, ok := prev["avi_allocated_vip"]; ok {
					vm["avi_allocated_vip"] = b
				}
			case want != prevAddr:
				return errorf(http.StatusBadRequest, "If a new preferred IP is needed, please recreate the VIP")
			}
		} else if want != "" {
			if network != "" {
				if n := s.st.byUUID[network]; n != nil && !inSubnets(n, want) {
					return errorf(http.StatusBadRequest, "vip[%d].ip_address: %s is not in any subnet of network %s", i, want, n.name)
				}
			}
			if holder := s.st.vips[vipKey(network, want)]; (holder != "" && holder != obj.uuid) || planned[vipKey(network, want)] {
				return errorf(http.StatusBadRequest, "vip[%d].ip_address: %s is already in use", i, want)
			}
		} else if auto, _ := vm["auto_allocate_ip"].(bool); auto {
			if network == "" {
				return errorf(http.StatusBadRequest, "vip[%d]: no network to allocate from: set ipam_network_subnet.network_ref or a usable network in the cloud's IPAM profile", i)
			}
			ip := ""
			if !s.ipamFull {
				ip = s.freeAddress(network, planned)
			}
			if ip == "" {
				return errorf(http.StatusBadRequest, "No available free IPs")
			}
			vm["ip_address"] = map[string]any{"addr": ip, "type": "V4"}
			vm["avi_allocated_vip"] = true
		}
		if ip := addrOf(vm["ip_address"]); ip != "" {
			planned[vipKey(network, ip)] = true
		}
		if network != "" {
			sub, _ := vm["ipam_network_subnet"].(map[string]any)
			if sub == nil {
				sub = map[string]any{}
				vm["ipam_network_subnet"] = sub
			}
			sub["network_ref"] = network
			if _, ok := sub["subnet"]; !ok {
				if p := firstPrefix(s.st.byUUID[network]); p != nil {
					sub["subnet"] = p
				}
			}
		}
	}
	s.fillDNSInfo(obj)
	return nil
}

func setDefault(m map[string]any, k string, v any) {
	if x, ok := m[k]; !ok || x == nil {
		m[k] = v
	}
}

// cloudVipNetwork is the first usable network of the cloud's IPAM profile.
func (s *Server) cloudVipNetwork(cloud string) string {
	c := s.st.byUUID[cloud]
	if c == nil {
		return ""
	}
	ref, _ := c.data["ipam_provider_ref"].(string)
	p := s.st.byUUID[ref]
	if p == nil {
		return ""
	}
	ip, _ := p.data["internal_profile"].(map[string]any)
	nets, _ := ip["usable_networks"].([]any)
	for _, n := range nets {
		nm, _ := n.(map[string]any)
		if ref, _ := nm["nw_ref"].(string); ref != "" {
			return ref
		}
	}
	return ""
}

func subnetsOf(n *object) []map[string]any {
	var out []map[string]any
	list, _ := n.data["configured_subnets"].([]any)
	for _, x := range list {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func firstPrefix(n *object) any {
	if n == nil {
		return nil
	}
	for _, sn := range subnetsOf(n) {
		if p, ok := sn["prefix"]; ok {
			return deepCopy(p)
		}
	}
	return nil
}

func prefixNet(p any) *net.IPNet {
	pm, _ := p.(map[string]any)
	addr := addrOf(pm["ip_addr"])
	mask, err := strconv.Atoi(numberString(pm["mask"]))
	if addr == "" || err != nil {
		return nil
	}
	_, ipn, err := net.ParseCIDR(addr + "/" + strconv.Itoa(mask))
	if err != nil {
		return nil
	}
	return ipn
}

// numberString reads a number given as a JSON number or a string.
func numberString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return numberText(v)
}

func inSubnets(n *object, ip string) bool {
	addr := net.ParseIP(ip)
	if addr == nil {
		return false
	}
	subs := subnetsOf(n)
	if len(subs) == 0 {
		return true
	}
	for _, sn := range subs {
		if ipn := prefixNet(sn["prefix"]); ipn != nil && ipn.Contains(addr) {
			return true
		}
	}
	return false
}

func ip4ToInt(s string) (uint32, bool) {
	ip := net.ParseIP(s).To4()
	if ip == nil {
		return 0, false
	}
	return binary.BigEndian.Uint32(ip), true
}

func intToIP4(n uint32) string {
	b := make(net.IP, 4)
	binary.BigEndian.PutUint32(b, n)
	return b.String()
}

// freeAddress returns the first unallocated IPv4 address of the network's VIP static
// ranges (or, without ranges, of its subnets' host addresses).
func (s *Server) freeAddress(network string, planned map[string]bool) string {
	n := s.st.byUUID[network]
	if n == nil {
		return ""
	}
	type span struct{ lo, hi uint32 }
	var spans []span
	for _, sn := range subnetsOf(n) {
		ranges, _ := sn["static_ip_ranges"].([]any)
		for _, r := range ranges {
			rm, _ := r.(map[string]any)
			if t, _ := rm["type"].(string); t != "" && t != "STATIC_IPS_FOR_VIP" && t != "STATIC_IPS_FOR_VIP_AND_SE" {
				continue
			}
			rr, _ := rm["range"].(map[string]any)
			lo, ok1 := ip4ToInt(addrOf(rr["begin"]))
			hi, ok2 := ip4ToInt(addrOf(rr["end"]))
			if ok1 && ok2 && lo <= hi {
				spans = append(spans, span{lo, hi})
			}
		}
	}
	if len(spans) == 0 {
		for _, sn := range subnetsOf(n) {
			ipn := prefixNet(sn["prefix"])
			if ipn == nil || ipn.IP.To4() == nil {
				continue
			}
			base := binary.BigEndian.Uint32(ipn.IP.To4())
			ones, bits := ipn.Mask.Size()
			size := uint32(1) << uint(bits-ones)
			if size > 2 {
				spans = append(spans, span{base + 1, base + size - 2})
			}
		}
	}
	for _, sp := range spans {
		for x := sp.lo; ; x++ {
			ip := intToIP4(x)
			k := vipKey(network, ip)
			if s.st.vips[k] == "" && !planned[k] {
				return ip
			}
			if x == sp.hi {
				break
			}
		}
	}
	return ""
}

// fillDNSInfo completes dns_info entries the way the internal DNS provider does.
func (s *Server) fillDNSInfo(obj *object) {
	entries, _ := obj.data["dns_info"].([]any)
	if len(entries) == 0 {
		return
	}
	ttl := any(30)
	if c := s.st.byUUID[obj.cloud]; c != nil {
		ref, _ := c.data["dns_provider_ref"].(string)
		if p := s.st.byUUID[ref]; p != nil {
			ip, _ := p.data["internal_profile"].(map[string]any)
			if t, ok := ip["ttl"]; ok && t != nil {
				ttl = t
			}
		}
	}
	for _, e := range entries {
		em, ok := e.(map[string]any)
		if !ok {
			continue
		}
		setDefault(em, "type", "DNS_RECORD_A")
		setDefault(em, "ttl", ttl)
		setDefault(em, "algorithm", "DNS_RECORD_RESPONSE_CONSISTENT_HASH")
		setDefault(em, "num_records_in_response", 1)
	}
}

// defaultVipIDs gives each vip without a vip_id its index, as the controller does ("0" for
// the first), before the required-field check sees it.
func defaultVipIDs(body map[string]any) {
	vips, _ := body["vip"].([]any)
	for i, v := range vips {
		if vm, ok := v.(map[string]any); ok {
			if id, _ := vm["vip_id"].(string); id == "" {
				vm["vip_id"] = strconv.Itoa(i)
			}
		}
	}
}

// hideAllocatedAddresses drops auto-allocated addresses from a vsvip answer, as a
// controller whose IPAM allocates asynchronously would; a later GET shows them.
func hideAllocatedAddresses(out map[string]any) {
	vips, _ := out["vip"].([]any)
	for _, v := range vips {
		if vm, ok := v.(map[string]any); ok && vm["avi_allocated_vip"] == true {
			delete(vm, "ip_address")
		}
	}
}
