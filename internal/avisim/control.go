package avisim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
)

// serveControl serves the /_sim/ control API (never logged, never authenticated: it is a
// test tool's back door and must only listen where tests run). Routes:
//
//	GET    /_sim/faults                  installed rules by id
//	POST   /_sim/faults                  add a rule (Fault as JSON; latency "250ms" or ns) -> {"id"}
//	DELETE /_sim/faults[/<id>]           remove all rules or one
//	GET    /_sim/requests                request log; DELETE clears log and counters
//	GET    /_sim/counts                  {"counts":{"POST pool":3},"writes":3}
//	POST   /_sim/sessions/expire         expire every session now
//	PUT    /_sim/sessions/idle-timeout   {"timeout":"30s"}
//	POST   /_sim/cluster/restart         new leader up_since in /api/cluster/runtime
//	PUT    /_sim/cluster/state           {"state":"CLUSTER_STARTING"}
//	PUT    /_sim/ipam/exhausted          {"exhausted":true}
//	PUT    /_sim/ipam/deferred           {"deferred":true}: POST answers omit new VIPs
//	GET    /_sim/objects/<kind>[/<name>] dump one type or one object
//	PUT    /_sim/objects/<kind>          out-of-band create/edit by name (SetObject)
//	DELETE /_sim/objects/<kind>/<name>   out-of-band delete
//	GET    /_sim/dump                    every object by type
//	GET    /_sim/snapshot, POST /_sim/restore   whole-store snapshot and restore
//	POST   /_sim/reset                   back to the seed, no faults, no sessions, empty log
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request, p string) {
	segs := strings.Split(strings.TrimPrefix(strings.TrimPrefix(p, "/_sim"), "/"), "/")
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		writeError(w, errorf(http.StatusBadRequest, "cannot read body: %v", err))
		return
	}
	route := r.Method + " " + segs[0]
	ok := func() { writeJSON(w, http.StatusOK, map[string]any{}) }
	bad := func(err error) { writeError(w, errorf(http.StatusBadRequest, "%v", err)) }
	switch {
	case route == "GET faults":
		writeJSON(w, http.StatusOK, s.FaultRules())
	case route == "POST faults":
		var f Fault
		if err := decodeFault(body, &f); err != nil {
			bad(err)
			return
		}
		id, err := s.addFault(f)
		if err != nil {
			bad(err)
			return
		}
		writeJSON(w, http.StatusCreated, map[string]any{"id": id})
	case route == "DELETE faults" && len(segs) == 1:
		s.ClearFaults()
		ok()
	case route == "DELETE faults":
		s.RemoveFault(segs[1])
		ok()
	case route == "GET requests":
		writeJSON(w, http.StatusOK, s.Requests())
	case route == "DELETE requests":
		s.ResetRequests()
		ok()
	case route == "GET counts":
		writeJSON(w, http.StatusOK, map[string]any{"counts": s.Counts(), "writes": s.Writes()})
	case route == "POST sessions" && len(segs) == 2 && segs[1] == "expire":
		s.ExpireSessions()
		ok()
	case route == "PUT sessions" && len(segs) == 2 && segs[1] == "idle-timeout":
		var in struct{ Timeout string }
		if err := json.Unmarshal(body, &in); err != nil {
			bad(err)
			return
		}
		d, err := time.ParseDuration(in.Timeout)
		if err != nil {
			bad(fmt.Errorf("timeout: %w", err))
			return
		}
		s.SetIdleTimeout(d)
		ok()
	case route == "POST cluster" && len(segs) == 2 && segs[1] == "restart":
		s.RestartController()
		ok()
	case route == "PUT cluster" && len(segs) == 2 && segs[1] == "state":
		var in struct{ State string }
		if err := json.Unmarshal(body, &in); err != nil {
			bad(err)
			return
		}
		s.SetClusterState(in.State)
		ok()
	case route == "PUT ipam" && len(segs) == 2 && segs[1] == "exhausted":
		var in struct{ Exhausted bool }
		if err := json.Unmarshal(body, &in); err != nil {
			bad(err)
			return
		}
		s.SetIPAMExhausted(in.Exhausted)
		ok()
	case route == "PUT ipam" && len(segs) == 2 && segs[1] == "deferred":
		var in struct{ Deferred bool }
		if err := json.Unmarshal(body, &in); err != nil {
			bad(err)
			return
		}
		s.SetIPAMDeferred(in.Deferred)
		ok()
	case route == "GET objects" && len(segs) == 2:
		if _, known := kinds[segs[1]]; !known {
			writeError(w, errorf(http.StatusNotFound, "unknown kind %q", segs[1]))
			return
		}
		writeJSON(w, http.StatusOK, s.Objects(segs[1]))
	case route == "GET objects" && len(segs) == 3:
		o, found := s.Object(segs[1], segs[2])
		if !found {
			writeError(w, errorf(http.StatusNotFound, "%s %q not found", segs[1], segs[2]))
			return
		}
		writeJSON(w, http.StatusOK, o)
	case route == "PUT objects" && len(segs) == 2:
		obj, err := decodeJSONObject(body)
		if err != nil {
			bad(err)
			return
		}
		if err := s.SetObject(segs[1], obj); err != nil {
			writeControlError(w, err)
			return
		}
		o, _ := s.Object(segs[1], fmt.Sprint(obj["name"]))
		writeJSON(w, http.StatusOK, o)
	case route == "DELETE objects" && len(segs) == 3:
		if err := s.DeleteObject(segs[1], segs[2]); err != nil {
			writeControlError(w, err)
			return
		}
		ok()
	case route == "GET dump":
		writeJSON(w, http.StatusOK, s.Dump())
	case route == "GET snapshot":
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(s.Snapshot())
	case route == "POST restore":
		if err := s.Restore(body); err != nil {
			bad(err)
			return
		}
		ok()
	case route == "POST reset":
		s.Reset()
		ok()
	default:
		writeError(w, errorf(http.StatusNotFound, "no control route %s %s", r.Method, p))
	}
}

func writeControlError(w http.ResponseWriter, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		writeError(w, &apiError{status: ae.status, msg: err.Error(), extra: ae.extra})
		return
	}
	writeError(w, errorf(http.StatusBadRequest, "%v", err))
}

// decodeFault reads a Fault whose latency is a Go duration string ("250ms") or nanoseconds.
func decodeFault(body []byte, f *Fault) error {
	type plain Fault
	var wire struct {
		plain
		Latency json.RawMessage `json:"latency,omitempty"`
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&wire); err != nil {
		return fmt.Errorf("fault: %w", err)
	}
	*f = Fault(wire.plain)
	if len(wire.Latency) > 0 {
		var str string
		if json.Unmarshal(wire.Latency, &str) == nil {
			d, err := time.ParseDuration(str)
			if err != nil {
				return fmt.Errorf("fault latency: %w", err)
			}
			f.Latency = d
		} else if err := json.Unmarshal(wire.Latency, &f.Latency); err != nil {
			return fmt.Errorf("fault latency: %w", err)
		}
	}
	return nil
}

// Dump returns every stored object grouped by type.
func (s *Server) Dump() map[string][]map[string]any {
	s.mu.RLock()
	names := make([]string, 0, len(s.st.byKind))
	for k, ki := range s.st.byKind {
		if len(ki.ordered) > 0 {
			names = append(names, k)
		}
	}
	s.mu.RUnlock()
	sort.Strings(names)
	out := map[string][]map[string]any{}
	for _, k := range names {
		out[k] = s.Objects(k)
	}
	return out
}
