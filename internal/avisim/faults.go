package avisim

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"sync"
	"time"
)

// Fault is a rule that changes how matching requests are answered. Every matcher is
// optional; an empty rule matches every request outside /_sim/.
type Fault struct {
	Method    string `json:"method,omitempty"`     // HTTP method, e.g. "POST"
	Kind      string `json:"kind,omitempty"`       // object type ("pool") or endpoint ("login", "cluster", "initial-data")
	Name      string `json:"name,omitempty"`       // object name: query name=, body name, or the name of the uuid in the path
	PathRegex string `json:"path_regex,omitempty"` // regexp on the cleaned path, e.g. "^/api/vsvip/"
	// QueryRegex is a regexp on the raw query string, e.g. "(^|&)page=2(&|$)" to fail one page.
	QueryRegex string `json:"query_regex,omitempty"`
	// Tenant matches the request tenant as sent (X-Avi-Tenant, tenant=, "*"); "" = any.
	Tenant string `json:"tenant,omitempty"`
	// Probability applies a matching rule only with this chance (0 or 1 = always).
	Probability float64 `json:"probability,omitempty"`

	After int `json:"after,omitempty"` // skip the first After matching requests
	Count int `json:"count,omitempty"` // apply Count times, then retire (0 = forever)

	Latency         time.Duration `json:"latency,omitempty"`          // delay before answering (nanoseconds in JSON)
	Status          int           `json:"status,omitempty"`           // answer with this status instead of handling
	Body            string        `json:"body,omitempty"`             // body for Status (default {"error":"injected fault <n>"})
	ResetConnection bool          `json:"reset_connection,omitempty"` // drop the connection without an answer
}

type faultRule struct {
	ID string `json:"id"`
	Fault
	re, qre *regexp.Regexp
	seen    int // matching requests so far
	applied int
}

type faultSet struct {
	mu    sync.Mutex
	seq   int
	rules []*faultRule
}

func newFaultSet() *faultSet { return &faultSet{} }

// AddFault installs a rule and returns its id. A rule with an invalid regexp or
// probability is not installed and the id is "" (the /_sim/ API answers 400 instead).
func (s *Server) AddFault(f Fault) string {
	id, _ := s.addFault(f)
	return id
}

func (s *Server) addFault(f Fault) (string, error) {
	r := &faultRule{Fault: f}
	if f.PathRegex != "" {
		re, err := regexp.Compile(f.PathRegex)
		if err != nil {
			return "", fmt.Errorf("path_regex: %w", err)
		}
		r.re = re
	}
	if f.QueryRegex != "" {
		re, err := regexp.Compile(f.QueryRegex)
		if err != nil {
			return "", fmt.Errorf("query_regex: %w", err)
		}
		r.qre = re
	}
	if f.Probability < 0 || f.Probability > 1 {
		return "", fmt.Errorf("probability: %v is not between 0 and 1", f.Probability)
	}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.seq++
	r.ID = "fault-" + strconv.Itoa(s.faults.seq)
	s.faults.rules = append(s.faults.rules, r)
	return r.ID, nil
}

// RemoveFault deletes the rule with that id.
func (s *Server) RemoveFault(id string) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	for i, r := range s.faults.rules {
		if r.ID == id {
			s.faults.rules = append(s.faults.rules[:i], s.faults.rules[i+1:]...)
			return
		}
	}
}

// ClearFaults removes every rule.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	s.faults.rules = nil
	s.faults.mu.Unlock()
}

// FaultRules lists the installed rules with their ids.
func (s *Server) FaultRules() map[string]Fault {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	out := map[string]Fault{}
	for _, r := range s.faults.rules {
		out[r.ID] = r.Fault
	}
	return out
}

// match returns the first rule that applies to the request, consuming one use of it.
func (fs *faultSet) match(method, kind, path, query, tenant string, name func() string) *Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	nameVal, nameDone := "", false
	for i, r := range fs.rules {
		if r.Method != "" && r.Method != method || r.Kind != "" && r.Kind != kind {
			continue
		}
		if r.re != nil && !r.re.MatchString(path) || r.qre != nil && !r.qre.MatchString(query) {
			continue
		}
		if r.Tenant != "" && r.Tenant != tenant {
			continue
		}
		if r.Name != "" {
			if !nameDone {
				nameVal, nameDone = name(), true
			}
			if r.Name != nameVal {
				continue
			}
		}
		r.seen++
		if r.seen <= r.After {
			continue
		}
		if r.Probability > 0 && r.Probability < 1 && rand.Float64() >= r.Probability {
			continue
		}
		r.applied++
		f := r.Fault
		if r.Count > 0 && r.applied >= r.Count {
			fs.rules = append(fs.rules[:i], fs.rules[i+1:]...)
		}
		return &f
	}
	return nil
}

// requestObjectName is the object name a request is about, for Fault.Name.
func (s *Server) requestObjectName(req *request) string {
	if n := req.query.Get("name"); n != "" {
		return n
	}
	if len(req.segs) == 2 {
		s.mu.RLock()
		o := s.st.byUUID[req.segs[1]]
		s.mu.RUnlock()
		if o != nil {
			return o.name
		}
	}
	if len(req.body) > 0 && req.path != "/login" {
		if m, err := decodeJSONObject(req.body); err == nil {
			n, _ := m["name"].(string)
			return n
		}
	}
	return ""
}

// Request is one logged call (everything except /_sim/).
type Request struct {
	Method   string        `json:"method"`
	Path     string        `json:"path"` // cleaned path
	Kind     string        `json:"kind"`
	Query    string        `json:"query,omitempty"`
	Tenant   string        `json:"tenant,omitempty"`
	Status   int           `json:"status"` // 0 when the connection was reset
	Duration time.Duration `json:"duration"`
	Version  string        `json:"version,omitempty"` // X-Avi-Version
	Body     string        `json:"body,omitempty"`    // request body (first 4 KiB; never for /login)
}

// maxLogged bounds the request log; older entries are dropped (counters keep counting).
const maxLogged = 100_000

type requestLog struct {
	mu     sync.Mutex
	reqs   []Request
	counts map[string]int
	writes int
}

func newRequestLog() *requestLog { return &requestLog{counts: map[string]int{}} }

func (l *requestLog) add(r Request, api bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.reqs) >= maxLogged {
		l.reqs = append(l.reqs[:0], l.reqs[len(l.reqs)-maxLogged/2:]...)
	}
	l.reqs = append(l.reqs, r)
	if api {
		l.counts[r.Method+" "+r.Kind]++
		switch r.Method {
		case "POST", "PUT", "PATCH", "DELETE":
			l.writes++
		}
	}
}

// Requests returns the request log, oldest first.
func (s *Server) Requests() []Request {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	return append([]Request(nil), s.log.reqs...)
}

// ResetRequests clears the request log, the counters and the write count.
func (s *Server) ResetRequests() {
	s.log.mu.Lock()
	s.log.reqs = nil
	s.log.counts = map[string]int{}
	s.log.writes = 0
	s.log.mu.Unlock()
}

// Counts returns calls under /api/ by "<METHOD> <kind>", e.g. "POST pool".
func (s *Server) Counts() map[string]int {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	out := make(map[string]int, len(s.log.counts))
	for k, v := range s.log.counts {
		out[k] = v
	}
	return out
}

// Writes counts POST, PUT, PATCH and DELETE calls under /api/ since the last ResetRequests.
func (s *Server) Writes() int {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	return s.log.writes
}
