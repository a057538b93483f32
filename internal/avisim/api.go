package avisim

import (
	"net/http"
	"strings"
	"time"
)

// tenantScope is the tenant context of a request.
type tenantScope struct {
	uuid string // "" when all is set
	all  bool   // X-Avi-Tenant: *
}

func (s *Server) tenantByName(name string) *object {
	for _, o := range s.st.index("tenant").byName[name] {
		return o
	}
	return nil
}

// firstByName returns the first object of kind with that name in any tenant.
func (s *Server) firstByName(kind, name string) *object {
	for _, o := range s.st.index(kind).byName[name] {
		return o
	}
	return nil
}

// requestTenant resolves the tenant named by the request; unknown tenants are 403.
func (s *Server) requestTenant(name string) (tenantScope, *apiError) {
	switch {
	case name == "":
		return tenantScope{uuid: "admin"}, nil
	case name == "*":
		return tenantScope{all: true}, nil
	case strings.HasPrefix(name, "uuid:"):
		id := strings.TrimPrefix(name, "uuid:")
		if o := s.st.byUUID[id]; o != nil && o.kind == "tenant" {
			return tenantScope{uuid: o.uuid}, nil
		}
		return tenantScope{}, errorf(http.StatusForbidden, "Tenant '%s' does not exist!", id)
	}
	if o := s.tenantByName(name); o != nil {
		return tenantScope{uuid: o.uuid}, nil
	}
	return tenantScope{}, errorf(http.StatusForbidden, "Tenant '%s' does not exist!", name)
}

// visible says whether a request in scope may see o: its own tenant's objects plus the
// provider objects owned by admin.
func (ts tenantScope) visible(o *object) bool {
	if ts.all || o.tenant == ts.uuid {
		return true
	}
	return o.tenant == "admin" && (kinds[o.kind].shared || strings.HasPrefix(o.name, "System-"))
}

// routeAPI serves an authenticated /api/ call.
func (s *Server) routeAPI(w *statusWriter, req *request) {
	r := req.r
	switch req.path {
	case "/api/cluster/runtime":
		s.mu.RLock()
		body := map[string]any{
			"cluster_state": map[string]any{"state": s.clusterState, "up_since": s.upSince.Format("2006-01-02 15:04:05")},
			"node_states": []any{map[string]any{
				"name": s.leaderName, "role": "CLUSTER_LEADER", "state": s.clusterState,
				"up_since": s.upSince.Format("2006-01-02 15:04:05"), "mgmt_ip": s.leaderName,
			}},
		}
		s.mu.RUnlock()
		writeJSON(w, http.StatusOK, body)
		return
	case "/api/cluster":
		s.mu.RLock()
		body := map[string]any{
			"uuid": s.clusterUUID, "name": "cluster-0-1",
			"url":   "https://" + req.host + "/api/cluster/" + s.clusterUUID,
			"nodes": []any{map[string]any{"name": s.leaderName, "ip": map[string]any{"addr": s.leaderName, "type": "V4"}}},
		}
		s.mu.RUnlock()
		writeJSON(w, http.StatusOK, body)
		return
	case "/api/cluster/version":
		writeJSON(w, http.StatusOK, s.versionInfo())
		return
	case "/api/systemconfiguration":
		s.handleSystemConfiguration(w, req)
		return
	case "/api/ipamdnsproviderprofiledomainlist":
		s.handleDomainList(w, req)
		return
	}
	if req.kind == "user-token" {
		s.handleUserToken(w, req)
		return
	}
	if _, ok := kinds[req.kind]; !ok || len(req.segs) > 2 {
		writeError(w, errorf(http.StatusNotFound, "Not found: %s", req.path))
		return
	}
	id := ""
	if len(req.segs) == 2 {
		id = req.segs[1]
	}
	switch {
	case r.Method == http.MethodGet && id == "":
		s.handleList(w, req)
	case r.Method == http.MethodGet:
		s.handleGet(w, req, id)
	case r.Method == http.MethodPost && id == "":
		s.handleCreate(w, req)
	case r.Method == http.MethodPut && id != "":
		s.handleUpdate(w, req, id)
	case r.Method == http.MethodPatch && id != "":
		s.handlePatch(w, req, id)
	case r.Method == http.MethodDelete && id != "":
		s.handleDelete(w, req, id)
	default:
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"detail": "Method '" + r.Method + "' not allowed."})
	}
}

func (s *Server) handleSystemConfiguration(w http.ResponseWriter, req *request) {
	switch req.r.Method {
	case http.MethodGet:
		s.mu.RLock()
		body := deepCopy(s.sysconfig).(map[string]any)
		s.mu.RUnlock()
		body["url"] = "https://" + req.host + "/api/systemconfiguration"
		writeJSON(w, http.StatusOK, body)
	case http.MethodPut:
		m, err := decodeJSONObject(req.body)
		if err != nil {
			writeError(w, errorf(http.StatusBadRequest, "invalid JSON body: %v", err))
			return
		}
		if e := validateModel(modelOf(&systemConfigurationModel{}), m); e != nil {
			writeError(w, e)
			return
		}
		delete(m, "url")
		m["uuid"] = "default"
		s.mu.Lock()
		s.sysconfig = m
		s.mu.Unlock()
		s.dirty()
		writeJSON(w, http.StatusOK, m)
	default:
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"detail": "Method '" + req.r.Method + "' not allowed."})
	}
}

// handleDomainList answers the DNS domains of a cloud's IPAM and DNS profiles.
func (s *Server) handleDomainList(w http.ResponseWriter, req *request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var cloud *object
	if id := req.query.Get("cloud_uuid"); id != "" {
		cloud = s.st.byUUID[id]
	} else if name := req.query.Get("cloud_name"); name != "" {
		cloud = s.firstByName("cloud", name)
	}
	if cloud == nil || cloud.kind != "cloud" {
		writeError(w, errorf(http.StatusNotFound, "Cloud object not found!"))
		return
	}
	domains := []any{}
	seen := map[string]bool{}
	for _, k := range []string{"dns_provider_ref", "ipam_provider_ref"} {
		ref, _ := cloud.data[k].(string)
		p := s.st.byUUID[ref]
		if p == nil {
			continue
		}
		ip, _ := p.data["internal_profile"].(map[string]any)
		list, _ := ip["dns_service_domain"].([]any)
		for _, d := range list {
			dm, _ := d.(map[string]any)
			if name, _ := dm["domain_name"].(string); name != "" && !seen[name] {
				seen[name] = true
				domains = append(domains, name)
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"domains": domains})
}

// nextLastModified returns a fresh, strictly increasing microsecond timestamp.
func (s *Server) nextLastModified() string {
	now := time.Now().UnixMicro()
	if now <= s.lastModified {
		now = s.lastModified + 1
	}
	s.lastModified = now
	return itoa64(now)
}
