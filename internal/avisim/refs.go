package avisim

import (
	"net/http"
	"net/url"
	"strings"
)

// refSpec is a parsed reference in any of the write forms of spec §2.5.
type refSpec struct {
	kind, uuid, name string
	tenant           string // tenant name qualifier
	cloud, cloudUUID string // cloud qualifiers
}

// parseRef understands "/api/<type>/?name=N[&tenant=T&cloud=C]", "/api/<type>/<uuid>",
// "https://host/api/<type>/<uuid>#name" and a bare uuid.
func parseRef(s string) (refSpec, bool) {
	i := strings.Index(s, "/api/")
	if i < 0 {
		if k := kindFromUUID(s); k != "" {
			return refSpec{kind: k, uuid: s}, true
		}
		return refSpec{}, false
	}
	rest := s[i+len("/api/"):]
	path, query, _ := strings.Cut(rest, "?")
	if !strings.Contains(rest, "?") {
		path, _, _ = strings.Cut(path, "#")
	} else {
		// A name may not contain '#'; the fragment is only ever the include_name suffix.
		query, _, _ = strings.Cut(query, "#")
	}
	segs := strings.FieldsFunc(path, func(r rune) bool { return r == '/' })
	if len(segs) == 0 {
		return refSpec{}, false
	}
	spec := refSpec{kind: segs[0]}
	if len(segs) > 1 {
		spec.uuid = segs[1]
	}
	q, _ := url.ParseQuery(query)
	spec.name = q.Get("name")
	spec.tenant = q.Get("tenant")
	spec.cloud = q.Get("cloud")
	if spec.cloud == "" {
		spec.cloud = q.Get("cloud_ref.name")
	}
	spec.cloudUUID = q.Get("cloud_uuid")
	if spec.cloudUUID == "" {
		spec.cloudUUID = q.Get("cloud_ref.uuid")
	}
	if spec.uuid == "" && spec.name == "" {
		return refSpec{}, false
	}
	return spec, true
}

// writeScope is the context refs are resolved in: the tenant and cloud of the object written.
type writeScope struct {
	tenant string // tenant uuid
	cloud  string // cloud uuid, may be ""
}

// resolveRef finds the object a reference names and returns its uuid.
func (s *Server) resolveRef(field, ref string, scope writeScope) (string, *apiError) {
	spec, ok := parseRef(ref)
	if !ok {
		// A bare uuid without a "<type>-" prefix (e.g. a seeded "dvportgroup-…" network).
		if o := s.st.byUUID[ref]; o != nil {
			spec, ok = refSpec{kind: o.kind, uuid: o.uuid}, true
		}
	}
	if !ok {
		return "", errorf(http.StatusBadRequest, "%s: invalid reference %q", field, ref)
	}
	info, known := kinds[spec.kind]
	if want := refTargetKind(field); want != "" && known && want != spec.kind {
		return "", errorf(http.StatusBadRequest, "%s: expected a reference to %s, got one to %s", field, kinds[want].model, info.model)
	}
	notFound := func() *apiError {
		model := spec.kind
		if known {
			model = info.model
		}
		code := http.StatusBadRequest
		if spec.kind == "pool" || spec.kind == "poolgroup" {
			// AKO handles a missing pool under a pool group on 404 (spec §2.8).
			code = http.StatusNotFound
		}
		return errorf(code, "%s object not found!", model)
	}
	if !known {
		return "", notFound()
	}
	if spec.uuid != "" {
		o := s.st.byUUID[spec.uuid]
		if o == nil || o.kind != spec.kind {
			return "", notFound()
		}
		return o.uuid, nil
	}
	cands := s.st.index(spec.kind).byName[spec.name]
	if len(cands) == 0 {
		return "", notFound()
	}
	tenants := []string{scope.tenant, "admin"}
	if spec.tenant != "" {
		t := s.tenantByName(spec.tenant)
		if t == nil {
			return "", notFound()
		}
		tenants = []string{t.uuid}
	}
	cloud := scope.cloud
	strictCloud := false
	if spec.cloudUUID != "" {
		cloud, strictCloud = spec.cloudUUID, true
	} else if spec.cloud != "" {
		c := s.firstByName("cloud", spec.cloud)
		if c == nil {
			return "", notFound()
		}
		cloud, strictCloud = c.uuid, true
	}
	for _, t := range tenants {
		var fallback *object
		for _, o := range cands {
			if o.tenant != t {
				continue
			}
			if !info.cloudScoped || cloud == "" || o.cloud == cloud {
				return o.uuid, nil
			}
			if fallback == nil && !strictCloud {
				fallback = o
			}
		}
		if fallback != nil {
			return fallback.uuid, nil
		}
	}
	return "", notFound()
}

// resolveRefs rewrites every reference in v (a decoded JSON value) to the target uuid.
// An empty string under a *_ref key means "unset" and drops the key.
func (s *Server) resolveRefs(v any, path string, scope writeScope) (any, *apiError) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			p := joinPath(path, k)
			if isRefKey(k) {
				switch rv := x.(type) {
				case string:
					if rv == "" {
						delete(t, k)
						continue
					}
					u, err := s.resolveRef(p, rv, scope)
					if err != nil {
						return nil, err
					}
					t[k] = u
					continue
				case []any:
					out := make([]any, 0, len(rv))
					for _, e := range rv {
						str, ok := e.(string)
						if !ok {
							return nil, errorf(http.StatusBadRequest, "%s: references must be strings", p)
						}
						if str == "" {
							continue
						}
						u, err := s.resolveRef(p, str, scope)
						if err != nil {
							return nil, err
						}
						out = append(out, u)
					}
					t[k] = out
					continue
				}
			}
			nx, err := s.resolveRefs(x, p, scope)
			if err != nil {
				return nil, err
			}
			t[k] = nx
		}
		return t, nil
	case []any:
		for i, x := range t {
			nx, err := s.resolveRefs(x, path, scope)
			if err != nil {
				return nil, err
			}
			t[i] = nx
		}
		return t, nil
	default:
		return v, nil
	}
}

func joinPath(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// renderer turns stored uuids back into canonical read-form URLs for one response.
type renderer struct {
	s           *Server
	host        string
	includeName bool
}

func (rd renderer) refURL(uuid string) string {
	o := rd.s.st.byUUID[uuid]
	kind := kindFromUUID(uuid)
	if o != nil {
		kind = o.kind
	}
	if kind == "" {
		return uuid
	}
	u := "https://" + rd.host + "/api/" + kind + "/" + uuid
	if rd.includeName && o != nil {
		u += "#" + o.name
	}
	return u
}

// value deep-copies v, rewriting references.
func (rd renderer) value(v any, refKey bool) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = rd.value(x, isRefKey(k))
		}
		return m
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = rd.value(x, refKey)
		}
		return out
	case string:
		if refKey {
			return rd.refURL(t)
		}
		return t
	default:
		return v
	}
}

// refFieldKinds names the target type of ref fields whose name does not spell it.
var refFieldKinds = map[string]string{
	"vrf_ref": "vrfcontext", "se_group_ref": "serviceenginegroup", "vh_parent_vs_ref": "virtualservice",
	"ca_ref": "sslkeyandcertificate", "nw_ref": "network", "mgmt_network_ref": "network",
	"ipam_provider_ref": "ipamdnsproviderprofile", "dns_provider_ref": "ipamdnsproviderprofile",
	"service_pool_group_ref": "poolgroup", "override_network_profile_ref": "networkprofile",
	"ssl_key_and_certificate_ref": "sslkeyandcertificate",
}

// refTargetKind is the type a ref field must point at ("" when unknown): the explicit
// table, else the field name without "_ref(s)" and underscores when that is a known type
// (pool_group_ref -> poolgroup, health_monitor_refs -> healthmonitor).
func refTargetKind(field string) string {
	if i := strings.LastIndexByte(field, '.'); i >= 0 {
		field = field[i+1:]
	}
	if k, ok := refFieldKinds[field]; ok {
		return k
	}
	base := strings.TrimSuffix(strings.TrimSuffix(field, "_refs"), "_ref")
	if k := strings.ReplaceAll(base, "_", ""); kinds[k].model != "" {
		return k
	}
	return ""
}
