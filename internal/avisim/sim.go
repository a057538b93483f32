package avisim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Objects returns every object of kind in every tenant, refs in canonical form with #name.
func (s *Server) Objects(kind string) []map[string]any {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ord := s.st.index(kind).ordered
	out := make([]map[string]any, 0, len(ord))
	for _, o := range ord {
		out = append(out, s.render(o, s.refHost(), true))
	}
	return out
}

// SetRefHost sets the host used in the refs that Objects, Object and the /_sim/ API
// produce outside an HTTP request, so they equal what API clients see (avisimtest sets
// the test server's host:port). Default "avi-sim".
func (s *Server) SetRefHost(host string) {
	s.mu.Lock()
	s.host = host
	s.mu.Unlock()
}

// refHost is the host for out-of-request refs; the caller holds s.mu.
func (s *Server) refHost() string {
	if s.host == "" {
		return "avi-sim"
	}
	return s.host
}

// Object returns the object of kind with that name, in any tenant.
func (s *Server) Object(kind, name string) (map[string]any, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o := s.firstByName(kind, name)
	if o == nil {
		return nil, false
	}
	return s.render(o, s.refHost(), true), true
}

// SetObject creates the object, or edits the one with the same name (in the tenant of its
// tenant_ref, default admin), out of band: top-level keys of obj replace the stored ones
// and a nil value removes the key. References may use any write form. It bumps
// _last_modified like any write, but skips schema validation and is not logged.
func (s *Server) SetObject(kind string, obj map[string]any) error {
	if _, ok := kinds[kind]; !ok {
		return fmt.Errorf("unknown kind %q", kind)
	}
	body, err := normalizeJSON(obj)
	if err != nil {
		return fmt.Errorf("%s object: %w", kind, err)
	}
	s.mu.Lock()
	_, e := s.upsertLocked(kind, body, true)
	s.mu.Unlock()
	if e != nil {
		return e
	}
	s.dirty()
	return nil
}

// DeleteObject deletes the object of kind with that name (any tenant) out of band. It
// refuses, like the API, while other objects reference it.
func (s *Server) DeleteObject(kind, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.firstByName(kind, name)
	if o == nil {
		return fmt.Errorf("%s %q: %w", kind, name, errNotFound)
	}
	if e := s.removeObject(o); e != nil {
		return e
	}
	s.dirty() // safe under s.mu: markDirty takes only the persister lock
	return nil
}

var errNotFound = &apiError{status: http.StatusNotFound, msg: "object not found"}

// Reset restores the seed, clears faults, sessions, the request log and controller faults.
func (s *Server) Reset() {
	s.ClearFaults()
	s.ResetRequests()
	s.ExpireSessions()
	s.SetIdleTimeout(0)
	if err := s.resetState(); err != nil {
		// The seed loaded once in New, so this cannot happen unless memory is corrupt.
		s.opts.Log.Error(err, "reseeding the simulator failed; the store is partly seeded")
	}
	s.dirty()
}

// RestartController simulates a controller restart: the leader's up_since in
// /api/cluster/runtime changes (AKO restarts itself when it sees that).
func (s *Server) RestartController() {
	s.mu.Lock()
	next := time.Now().UTC().Truncate(time.Second)
	if !next.After(s.upSince) {
		next = s.upSince.Add(time.Second)
	}
	s.upSince = next
	s.mu.Unlock()
	s.dirty()
}

// SetClusterState sets cluster_state.state (e.g. "CLUSTER_STARTING"; "" restores CLUSTER_UP_NO_HA).
func (s *Server) SetClusterState(state string) {
	if state == "" {
		state = "CLUSTER_UP_NO_HA"
	}
	s.mu.Lock()
	s.clusterState = state
	s.mu.Unlock()
}

// SetIPAMExhausted makes every automatic VIP allocation fail with "No available free IPs".
func (s *Server) SetIPAMExhausted(full bool) {
	s.mu.Lock()
	s.ipamFull = full
	s.mu.Unlock()
}

// SetIPAMDeferred makes VsVip POST answers leave out the addresses they allocated, as with
// an asynchronous IPAM; the addresses are allocated and show up on the next GET.
func (s *Server) SetIPAMDeferred(deferred bool) {
	s.mu.Lock()
	s.ipamDeferred = deferred
	s.mu.Unlock()
}

// State is the persisted form of the simulator (also the snapshot format).
type State struct {
	Objects             []StateObject  `json:"objects"` // creation order; refs hold uuids
	SystemConfiguration map[string]any `json:"systemconfiguration"`
	ClusterUUID         string         `json:"cluster_uuid"`
	LeaderName          string         `json:"leader_name"`
	UpSince             time.Time      `json:"up_since"`
	Tokens              []userToken    `json:"user_tokens,omitempty"`
}

// StateObject is one stored object.
type StateObject struct {
	Kind string         `json:"kind"`
	Data map[string]any `json:"data"`
}

// Snapshot returns the whole store as JSON (see State).
func (s *Server) Snapshot() []byte {
	s.mu.RLock()
	st := State{
		SystemConfiguration: s.sysconfig, ClusterUUID: s.clusterUUID,
		LeaderName: s.leaderName, UpSince: s.upSince,
	}
	var all []*object
	for _, ki := range s.st.byKind {
		all = append(all, ki.ordered...)
	}
	sortBySeq(all)
	for _, o := range all {
		st.Objects = append(st.Objects, StateObject{Kind: o.kind, Data: o.data})
	}
	s.auth.mu.Lock()
	for _, t := range s.auth.tokens {
		st.Tokens = append(st.Tokens, *t)
	}
	s.auth.mu.Unlock()
	b, err := json.Marshal(st)
	s.mu.RUnlock()
	if err != nil {
		panic(fmt.Sprintf("avisim: snapshot encoding: %v", err)) // the store holds decoded JSON only
	}
	return b
}

// Restore replaces the store with a Snapshot.
func (s *Server) Restore(snapshot []byte) error {
	dec := json.NewDecoder(bytes.NewReader(snapshot))
	dec.UseNumber()
	var st State
	if err := dec.Decode(&st); err != nil {
		return fmt.Errorf("decode snapshot: %w", err)
	}
	s.mu.Lock()
	err := s.restoreLocked(&st)
	s.mu.Unlock()
	if err == nil {
		s.dirty()
	}
	return err
}

func (s *Server) restoreLocked(st *State) error {
	ns := newStore()
	var maxLM int64
	for i, so := range st.Objects {
		info, ok := kinds[so.Kind]
		if !ok {
			return fmt.Errorf("objects[%d]: unknown kind %q", i, so.Kind)
		}
		o := &object{kind: so.Kind, data: so.Data}
		o.uuid, _ = so.Data["uuid"].(string)
		o.name, _ = so.Data["name"].(string)
		o.tenant, _ = so.Data["tenant_ref"].(string)
		if so.Kind == "tenant" {
			o.tenant = "admin"
		}
		if info.cloudScoped {
			o.cloud, _ = so.Data["cloud_ref"].(string)
		}
		o.createdBy, _ = so.Data["created_by"].(string)
		if o.uuid == "" || o.name == "" {
			return fmt.Errorf("objects[%d]: %s without uuid or name", i, so.Kind)
		}
		if lm, _ := so.Data["_last_modified"].(string); lm != "" {
			if n, err := strconv.ParseInt(lm, 10, 64); err == nil && n > maxLM {
				maxLM = n
			}
		}
		ns.put(o)
	}
	if ns.byUUID["admin"] == nil { // every object lives in a tenant; admin always exists
		ns.put(&object{kind: "tenant", uuid: "admin", name: "admin", tenant: "admin",
			data: map[string]any{"uuid": "admin", "name": "admin", "local": true, "_last_modified": itoa64(time.Now().UnixMicro())}})
	}
	s.st = ns
	for _, o := range ns.index("vsvip").ordered {
		s.claimVips(o)
	}
	if maxLM > s.lastModified {
		s.lastModified = maxLM
	}
	if st.SystemConfiguration != nil {
		s.sysconfig = st.SystemConfiguration
	}
	if st.ClusterUUID != "" {
		s.clusterUUID = st.ClusterUUID
	}
	if st.LeaderName != "" {
		s.leaderName = st.LeaderName
	}
	if !st.UpSince.IsZero() {
		s.upSince = st.UpSince
	}
	if s.clusterState == "" {
		s.clusterState = "CLUSTER_UP_NO_HA"
	}
	s.auth.mu.Lock()
	s.auth.tokens = map[string]*userToken{}
	for i := range st.Tokens {
		t := st.Tokens[i]
		s.auth.tokens[t.Token] = &t
	}
	s.auth.mu.Unlock()
	return nil
}
