package avisim

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// computed fields are produced by the controller and ignored in request bodies.
var computedFields = []string{"url", "uuid", "_last_modified", "vh_child_vs_uuid"}

// writeOp is one create or replace of an object.
type writeOp struct {
	kind      string
	body      map[string]any
	existing  *object     // nil for a create
	tenant    tenantScope // request tenant
	forceUUID string      // Slug header or seed uuid
	internal  bool        // seed or out-of-band: no validation, no protection rules
}

// write validates, resolves and stores one object. The caller holds s.mu for writing.
func (s *Server) write(op writeOp) (*object, *apiError) {
	info := kinds[op.kind]
	body := op.body
	if op.existing != nil {
		if lm, ok := body["_last_modified"]; ok && lm != nil {
			if str, _ := lm.(string); str != op.existing.data["_last_modified"] {
				return nil, errorf(http.StatusPreconditionFailed,
					"Concurrent Update Error: Need to reload object data %s %s", info.model, op.existing.uuid)
			}
		}
	}
	if op.forceUUID == "" && op.internal {
		op.forceUUID, _ = body["uuid"].(string)
	}
	for _, f := range computedFields {
		delete(body, f)
	}
	if hook := beforeValidate[op.kind]; hook != nil {
		hook(body)
	}
	if !op.internal && s.opts.Validation != ValidationOff {
		if e := validateModel(info.modelType, body); e != nil {
			return nil, e
		}
	}
	name, _ := body["name"].(string)
	if name == "" {
		return nil, errorf(http.StatusBadRequest, "name: This field is required.")
	}
	if len(name) > 255 {
		return nil, errorf(http.StatusBadRequest, "name: Ensure this field has no more than 255 characters.")
	}

	// Tenant: tenant_ref in the body wins, then the stored object's, then the request's.
	scope := writeScope{tenant: "admin"}
	if op.existing != nil {
		scope.tenant = op.existing.tenant
	} else if !op.tenant.all && op.tenant.uuid != "" {
		scope.tenant = op.tenant.uuid
	}
	if op.kind == "tenant" {
		scope.tenant = "admin"
		delete(body, "tenant_ref")
	} else if ref, ok := body["tenant_ref"].(string); ok && ref != "" {
		u, e := s.resolveRef("tenant_ref", ref, scope)
		if e != nil {
			return nil, errorf(http.StatusForbidden, "Tenant '%s' does not exist!", refDisplayName(ref))
		}
		scope.tenant = u
	}
	body["tenant_ref"] = scope.tenant
	if op.kind == "tenant" {
		delete(body, "tenant_ref")
	}

	if info.cloudScoped {
		if ref, ok := body["cloud_ref"].(string); ok && ref != "" {
			u, e := s.resolveRef("cloud_ref", ref, scope)
			if e != nil {
				return nil, e
			}
			scope.cloud = u
		} else if op.existing != nil && op.existing.cloud != "" {
			scope.cloud = op.existing.cloud
		} else if c := s.defaultCloud(); c != nil {
			scope.cloud = c.uuid
		}
		if scope.cloud != "" {
			body["cloud_ref"] = scope.cloud
		}
	}
	if _, e := s.resolveRefs(body, "", scope); e != nil {
		return nil, e
	}

	// Names are unique per tenant, and per (tenant, cloud) for cloud-scoped types.
	for _, o := range s.st.byNameIn(op.kind, name, scope.tenant) {
		if op.existing != nil && o.uuid == op.existing.uuid {
			continue
		}
		if info.cloudScoped && o.cloud != scope.cloud {
			continue
		}
		if op.forceUUID != "" && o.uuid == op.forceUUID && op.internal {
			continue
		}
		return nil, &apiError{status: http.StatusConflict,
			msg:   info.model + " object with this name already exists in this tenant: " + name,
			extra: map[string]any{"obj_name": name}}
	}

	id := op.forceUUID
	switch {
	case op.existing != nil:
		id = op.existing.uuid
	case id != "":
		if old := s.st.byUUID[id]; old != nil && !op.internal {
			return nil, errorf(http.StatusConflict, "%s object with uuid %s already exists", info.model, id)
		}
	default:
		id = op.kind + "-" + uuid.NewString()
	}
	obj := &object{kind: op.kind, uuid: id, name: name, tenant: scope.tenant, cloud: scope.cloud, data: body}
	obj.createdBy, _ = body["created_by"].(string)
	existing := op.existing
	if existing == nil {
		existing = s.st.byUUID[id] // internal upsert by uuid
	}
	if hook := beforeStore[op.kind]; hook != nil {
		if e := hook(s, obj, existing, op.internal); e != nil {
			return nil, e
		}
	}
	body["uuid"] = id
	body["name"] = name
	body["_last_modified"] = s.nextLastModified()
	s.st.put(obj)
	if hook := afterStore[op.kind]; hook != nil {
		hook(s, obj, existing)
	}
	return obj, nil
}

// refDisplayName returns the name or uuid a ref string names, for messages.
func refDisplayName(ref string) string {
	if spec, ok := parseRef(ref); ok {
		if spec.name != "" {
			return spec.name
		}
		return spec.uuid
	}
	return ref
}

func (s *Server) defaultCloud() *object {
	for _, o := range s.st.index("cloud").byName["Default-Cloud"] {
		return o
	}
	if ord := s.st.index("cloud").ordered; len(ord) > 0 {
		return ord[0]
	}
	return nil
}

// Per-kind hooks run inside write and delete.
var (
	beforeValidate = map[string]func(body map[string]any){}
	beforeStore    = map[string]func(s *Server, obj, old *object, internal bool) *apiError{}
	afterStore     = map[string]func(s *Server, obj, old *object){}
	afterDelete    = map[string]func(s *Server, obj *object){}
)

// render produces the response form of o.
func (s *Server) render(o *object, host string, includeName bool) map[string]any {
	rd := renderer{s: s, host: host, includeName: includeName}
	out := rd.value(o.data, false).(map[string]any)
	out["url"] = rd.refURL(o.uuid)
	if o.kind == "virtualservice" && o.data["type"] == "VS_TYPE_VH_PARENT" {
		children := []any{}
		for _, r := range s.st.referrersOf(o.uuid) {
			if r.kind == "virtualservice" && r.data["vh_parent_vs_ref"] == o.uuid {
				children = append(children, r.uuid)
			}
		}
		out["vh_child_vs_uuid"] = children
	}
	if hook := renderHook[o.kind]; hook != nil {
		hook(out)
	}
	return out
}

var renderHook = map[string]func(out map[string]any){}

func includeNameSet(q map[string][]string) bool {
	v, ok := q["include_name"]
	if !ok {
		return false
	}
	return len(v) == 0 || (v[0] != "false" && v[0] != "False")
}

// project keeps only the requested fields (name, url and uuid always).
func project(m map[string]any, fields string) map[string]any {
	if fields == "" {
		return m
	}
	keep := map[string]bool{"name": true, "url": true, "uuid": true}
	for _, f := range strings.Split(fields, ",") {
		keep[strings.TrimSpace(f)] = true
	}
	for k := range m {
		if !keep[k] {
			delete(m, k)
		}
	}
	return m
}

func (s *Server) handleGet(w http.ResponseWriter, req *request, id string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ts, e := s.requestTenant(req.tenant)
	if e != nil {
		writeError(w, e)
		return
	}
	o := s.st.byUUID[id]
	if o == nil || o.kind != req.kind || !ts.visible(o) {
		writeError(w, errorf(http.StatusNotFound, "%s object not found!", kinds[req.kind].model))
		return
	}
	out := project(s.render(o, req.host, includeNameSet(req.query)), req.query.Get("fields"))
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleCreate(w http.ResponseWriter, req *request) {
	body, err := decodeJSONObject(req.body)
	if err != nil {
		writeError(w, errorf(http.StatusBadRequest, "invalid JSON body: %v", err))
		return
	}
	s.mu.Lock()
	ts, e := s.requestTenant(req.tenant)
	if e != nil {
		s.mu.Unlock()
		writeError(w, e)
		return
	}
	obj, e := s.write(writeOp{kind: req.kind, body: body, tenant: ts, forceUUID: req.r.Header.Get("Slug")})
	if e != nil {
		s.mu.Unlock()
		writeError(w, e)
		return
	}
	out := s.render(obj, req.host, true)
	if req.kind == "vsvip" && s.ipamDeferred {
		hideAllocatedAddresses(out)
	}
	s.mu.Unlock()
	s.dirty()
	w.Header().Set("Location", out["url"].(string))
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) handleUpdate(w http.ResponseWriter, req *request, id string) {
	s.handleWrite(w, req, func(body map[string]any) (map[string]any, *apiError) { return s.updateLocked(req, id, body) })
}

// handlePatch applies {"add"|"replace"|"delete": {...}} to the stored object.
func (s *Server) handlePatch(w http.ResponseWriter, req *request, id string) {
	s.handleWrite(w, req, func(patch map[string]any) (map[string]any, *apiError) { return s.patchLocked(req, id, patch) })
}

// handleWrite decodes the JSON object body of a PUT or PATCH, applies it with change
// under the store lock and answers with the stored object.
func (s *Server) handleWrite(w http.ResponseWriter, req *request, change func(body map[string]any) (map[string]any, *apiError)) {
	body, err := decodeJSONObject(req.body)
	if err != nil {
		writeError(w, errorf(http.StatusBadRequest, "invalid JSON body: %v", err))
		return
	}
	s.mu.Lock()
	out, e := change(body)
	s.mu.Unlock()
	if e != nil {
		writeError(w, e)
		return
	}
	s.dirty()
	writeJSON(w, http.StatusOK, out)
}

// writableLocked is the object uuid id names, when the request's tenant may write it.
func (s *Server) writableLocked(req *request, id string) (*object, tenantScope, *apiError) {
	ts, e := s.requestTenant(req.tenant)
	if e != nil {
		return nil, ts, e
	}
	old := s.st.byUUID[id]
	if old == nil || old.kind != req.kind || !ts.visible(old) {
		return nil, ts, errorf(http.StatusNotFound, "%s object not found!", kinds[req.kind].model)
	}
	if !ts.all && old.tenant != ts.uuid {
		// AKO repeats VRF and SE group PUTs as admin on 400, other types on 403 (spec §2.4).
		code := http.StatusForbidden
		if req.kind == "vrfcontext" || req.kind == "serviceenginegroup" {
			code = http.StatusBadRequest
		}
		return nil, ts, errorf(code, "Cannot modify %s %s: it belongs to another tenant", kinds[req.kind].model, old.name)
	}
	return old, ts, nil
}

func (s *Server) updateLocked(req *request, id string, body map[string]any) (map[string]any, *apiError) {
	old, ts, e := s.writableLocked(req, id)
	if e != nil {
		return nil, e
	}
	obj, e := s.write(writeOp{kind: req.kind, body: body, existing: old, tenant: ts})
	if e != nil {
		return nil, e
	}
	return s.render(obj, req.host, true), nil
}

func (s *Server) patchLocked(req *request, id string, patch map[string]any) (map[string]any, *apiError) {
	old, ts, e := s.writableLocked(req, id)
	if e != nil {
		return nil, e
	}
	// Work on the write form: refs as canonical URLs so they resolve again.
	body := s.render(old, "sim", false)
	for op, v := range patch {
		fields, ok := v.(map[string]any)
		if !ok {
			return nil, errorf(http.StatusBadRequest, "%s: must be an object", op)
		}
		for k, val := range fields {
			switch op {
			case "replace":
				body[k] = val
			case "add":
				if list, ok := val.([]any); ok {
					cur, _ := body[k].([]any)
					body[k] = append(cur, list...)
				} else {
					body[k] = val
				}
			case "delete":
				list, isList := val.([]any)
				cur, curList := body[k].([]any)
				if !isList || !curList {
					delete(body, k)
					continue
				}
				body[k] = removeItems(cur, list)
			default:
				return nil, errorf(http.StatusBadRequest, "unknown patch operation %q (want add, replace or delete)", op)
			}
		}
	}
	body["_last_modified"] = old.data["_last_modified"]
	obj, e := s.write(writeOp{kind: req.kind, body: body, existing: old, tenant: ts})
	if e != nil {
		return nil, e
	}
	return s.render(obj, req.host, true), nil
}

func removeItems(cur, del []any) []any {
	out := cur[:0:0]
	for _, c := range cur {
		drop := false
		for _, d := range del {
			if jsonEqual(c, d) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) handleDelete(w http.ResponseWriter, req *request, id string) {
	s.mu.Lock()
	e := s.deleteLocked(req, id)
	s.mu.Unlock()
	if e != nil {
		writeError(w, e)
		return
	}
	s.dirty()
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) deleteLocked(req *request, id string) *apiError {
	ts, e := s.requestTenant(req.tenant)
	if e != nil {
		return e
	}
	o := s.st.byUUID[id]
	if o == nil || o.kind != req.kind || !ts.visible(o) {
		return errorf(http.StatusNotFound, "%s object not found!", kinds[req.kind].model)
	}
	if !ts.all && o.tenant != ts.uuid {
		return errorf(http.StatusForbidden, "%s %s belongs to another tenant and cannot be deleted from this one", kinds[req.kind].model, o.name)
	}
	if o.uuid == "admin" {
		return errorf(http.StatusForbidden, "Cannot delete the admin tenant")
	}
	return s.removeObject(o)
}

// removeObject deletes o unless something still references it (403 with the referrers).
func (s *Server) removeObject(o *object) *apiError {
	if refs := s.st.referrersOf(o.uuid); len(refs) > 0 {
		names := make([]string, 0, len(refs))
		for _, r := range refs {
			names = append(names, "'"+kinds[r.kind].model+" "+r.name+"'")
		}
		return &apiError{status: http.StatusForbidden,
			msg:   "Cannot delete, object is referred by: [" + strings.Join(names, ", ") + "]",
			extra: map[string]any{"obj_name": o.name}}
	}
	if o.kind == "tenant" {
		for _, ki := range s.st.byKind {
			for _, x := range ki.ordered {
				if x.tenant == o.uuid {
					return &apiError{status: http.StatusForbidden,
						msg:   "Cannot delete, tenant still owns objects such as '" + kinds[x.kind].model + " " + x.name + "'",
						extra: map[string]any{"obj_name": o.name}}
				}
			}
		}
	}
	s.st.remove(o)
	if hook := afterDelete[o.kind]; hook != nil {
		hook(s, o)
	}
	return nil
}

// sortBySeq orders objects by creation.
func sortBySeq(list []*object) {
	sort.Slice(list, func(i, j int) bool { return list[i].seq < list[j].seq })
}
