package avisim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

const (
	defaultPageSize = 25
	maxPageSize     = 200
)

// filter is a compiled collection query (spec §2.3).
type filter struct {
	names        map[string]bool // name / name.in
	nameContains string
	nameIContain string
	uuids        map[string]bool
	createdBy    *string
	cloudUUID    string
	cloudName    string
	labelKey     string
	labelValue   string
	refNames     map[string]string // "<field>" -> name, from <field>.name
	refUUIDs     map[string]string // "<field>" -> uuid, from <field>.uuid
}

func compileFilter(q url.Values) filter {
	f := filter{refNames: map[string]string{}, refUUIDs: map[string]string{}}
	if v, ok := q["name"]; ok && len(v) > 0 {
		f.names = map[string]bool{v[0]: true}
	}
	if v := q.Get("name.in"); v != "" {
		if f.names == nil {
			f.names = map[string]bool{}
		}
		for _, n := range strings.Split(v, ",") {
			f.names[n] = true
		}
	}
	f.nameContains = q.Get("name.contains")
	f.nameIContain = strings.ToLower(q.Get("name.icontains"))
	if v := q.Get("uuid.in"); v != "" {
		f.uuids = map[string]bool{}
		for _, n := range strings.Split(v, ",") {
			f.uuids[n] = true
		}
	}
	if v, ok := q["created_by"]; ok && len(v) > 0 {
		f.createdBy = &v[0]
	}
	f.cloudUUID = firstNonEmpty(q.Get("cloud_ref.uuid"), q.Get("cloud_uuid"))
	f.cloudName = firstNonEmpty(q.Get("cloud_ref.name"), q.Get("cloud"))
	f.labelKey, f.labelValue = q.Get("label_key"), q.Get("label_value")
	for k, v := range q {
		if len(v) == 0 || strings.HasPrefix(k, "cloud_ref.") {
			continue
		}
		if field, ok := strings.CutSuffix(k, ".name"); ok && isRefKey(field) {
			f.refNames[field] = v[0]
		} else if field, ok := strings.CutSuffix(k, ".uuid"); ok && isRefKey(field) {
			f.refUUIDs[field] = v[0]
		}
	}
	return f
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func (s *Server) matches(f *filter, o *object) bool {
	if f.names != nil && !f.names[o.name] {
		return false
	}
	if f.nameContains != "" && !strings.Contains(o.name, f.nameContains) {
		return false
	}
	if f.nameIContain != "" && !strings.Contains(strings.ToLower(o.name), f.nameIContain) {
		return false
	}
	if f.uuids != nil && !f.uuids[o.uuid] {
		return false
	}
	if f.createdBy != nil && o.createdBy != *f.createdBy {
		return false
	}
	if kinds[o.kind].cloudScoped {
		if f.cloudUUID != "" && o.cloud != f.cloudUUID {
			return false
		}
		if f.cloudName != "" {
			c := s.st.byUUID[o.cloud]
			if c == nil || c.name != f.cloudName {
				return false
			}
		}
	}
	if f.labelKey != "" && !hasMarker(o.data, f.labelKey, f.labelValue) {
		return false
	}
	for field, name := range f.refNames {
		ref, _ := o.data[field].(string)
		t := s.st.byUUID[ref]
		if t == nil || t.name != name {
			return false
		}
	}
	for field, id := range f.refUUIDs {
		if ref, _ := o.data[field].(string); ref != id {
			return false
		}
	}
	return true
}

// hasMarker reports whether markers[] holds an entry with key and (if value != "") value.
func hasMarker(data map[string]any, key, value string) bool {
	markers, _ := data["markers"].([]any)
	for _, m := range markers {
		mm, _ := m.(map[string]any)
		if mm["key"] != key {
			continue
		}
		if value == "" {
			return true
		}
		vals, _ := mm["values"].([]any)
		for _, v := range vals {
			if v == value {
				return true
			}
		}
	}
	return false
}

// find returns the visible objects of kind matching q, in creation order. Name and
// created_by queries start from their indexes instead of scanning the type.
func (s *Server) find(kind string, q url.Values, ts tenantScope) []*object {
	f := compileFilter(q)
	ki := s.st.index(kind)
	var cands []*object
	indexed := false
	switch {
	case f.names != nil:
		for n := range f.names {
			cands = append(cands, ki.byName[n]...)
		}
		indexed = true
	case f.createdBy != nil && len(ki.byCreatedBy[*f.createdBy]) < len(ki.ordered)/4:
		for _, o := range ki.byCreatedBy[*f.createdBy] {
			cands = append(cands, o)
		}
		indexed = true
	default:
		cands = ki.ordered
	}
	out := make([]*object, 0, min(len(cands), 1024))
	for _, o := range cands {
		if ts.visible(o) && s.matches(&f, o) {
			out = append(out, o)
		}
	}
	if indexed {
		sortBySeq(out)
	}
	return out
}

func (s *Server) handleList(w http.ResponseWriter, req *request) {
	q := req.query
	pageSize := defaultPageSize
	if v, err := strconv.Atoi(q.Get("page_size")); err == nil && v > 0 {
		pageSize = min(v, maxPageSize)
	}
	page := 1
	if v, err := strconv.Atoi(q.Get("page")); err == nil && v > 0 {
		page = v
	}
	includeName := includeNameSet(q)
	fields := q.Get("fields")

	s.mu.RLock()
	ts, e := s.requestTenant(req.tenant)
	if e != nil {
		s.mu.RUnlock()
		writeError(w, e)
		return
	}
	all := s.find(req.kind, q, ts)
	from := min((page-1)*pageSize, len(all))
	to := min(from+pageSize, len(all))
	results := make([]any, 0, to-from)
	for _, o := range all[from:to] {
		results = append(results, project(s.render(o, req.host, includeName), fields))
	}
	s.mu.RUnlock()

	body := map[string]any{"count": len(all), "results": results}
	if to < len(all) {
		body["next"] = nextURL(req, page+1)
	}
	writeJSON(w, http.StatusOK, body)
}

// nextURL keeps every original query parameter and replaces page.
func nextURL(req *request, page int) string {
	var parts []string
	for _, p := range strings.Split(req.r.URL.RawQuery, "&") {
		if p == "" || p == "page" || strings.HasPrefix(p, "page=") {
			continue
		}
		parts = append(parts, p)
	}
	parts = append(parts, "page="+strconv.Itoa(page))
	return "https://" + req.host + "/api/" + req.kind + "/?" + strings.Join(parts, "&")
}

func jsonEqual(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
