package avisim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"github.com/google/uuid"
)

// Options configure a simulator.
type Options struct {
	Username, Password string
	Version            string // simulated controller version, default "30.2.1"
	Seed               *Seed  // nil: the built-in default seed
	StateFile          string // "": no persistence
	// Log receives background errors (state-file writes); the zero Logger discards them.
	Log logr.Logger
	// Validation is ValidationStrict (default: bodies must fit the SDK models) or
	// ValidationOff (store any JSON object, e.g. for a client built on a newer SDK).
	Validation string
}

// Validation levels (spec §5.3). References, integrity, IPAM and uniqueness are always enforced.
const (
	ValidationStrict = "strict"
	ValidationOff    = "off"
)

// DefaultVersion is the controller version simulated when Options.Version is empty.
const DefaultVersion = "30.2.1"

// maxBody bounds a request body; larger requests get 413.
const maxBody = 16 << 20

// Server is the simulated Avi Controller. It is an http.Handler; all methods are safe for
// concurrent use.
type Server struct {
	opts Options

	// mu guards the object store and the controller-wide state below it.
	mu           sync.RWMutex
	st           *store
	lastModified int64
	sysconfig    map[string]any
	clusterUUID  string
	leaderName   string
	upSince      time.Time
	clusterState string
	ipamFull     bool // every VIP allocation fails as if the ranges were exhausted
	ipamDeferred bool // POST answers omit newly allocated VIP addresses (asynchronous IPAM)
	seed         *Seed
	host         string // see SetRefHost

	auth   *sessions
	faults *faultSet
	log    *requestLog
	disk   *persister
}

// New builds a simulator loaded with opts.Seed (or the default seed), or with the state in
// opts.StateFile when that file exists.
func New(opts Options) (*Server, error) {
	if opts.Version == "" {
		opts.Version = DefaultVersion
	}
	if opts.Username == "" {
		opts.Username = "admin"
	}
	switch opts.Validation {
	case "":
		opts.Validation = ValidationStrict
	case ValidationStrict, ValidationOff:
	default:
		return nil, fmt.Errorf("validation %q: want %q or %q", opts.Validation, ValidationStrict, ValidationOff)
	}
	if _, err := parseVersion(opts.Version); err != nil {
		return nil, fmt.Errorf("simulated version %q: %w", opts.Version, err)
	}
	s := &Server{
		opts:   opts,
		auth:   newSessions(),
		faults: newFaultSet(),
		log:    newRequestLog(),
		seed:   opts.Seed,
	}
	if s.seed == nil {
		seed, err := DefaultSeed()
		if err != nil {
			return nil, err
		}
		s.seed = seed
	}
	if opts.StateFile != "" {
		s.disk = newPersister(opts.StateFile)
		loaded, err := s.loadState()
		if err != nil {
			return nil, err
		}
		if loaded {
			s.disk.start(s)
			return s, nil
		}
	}
	if err := s.resetState(); err != nil {
		return nil, err
	}
	if s.disk != nil {
		s.disk.start(s)
		s.disk.markDirty()
	}
	return s, nil
}

// resetState empties the store and applies the seed.
func (s *Server) resetState() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.initControllerLocked()
	return s.applySeedLocked(s.seed)
}

// initControllerLocked sets an empty store and fresh controller-wide state.
func (s *Server) initControllerLocked() {
	s.st = newStore()
	s.sysconfig = map[string]any{
		"uuid":                 "default",
		"name":                 "default",
		"default_license_tier": "ENTERPRISE",
	}
	s.clusterUUID = "cluster-" + uuid.NewString()
	s.leaderName = "127.0.0.1"
	s.upSince = time.Now().UTC().Truncate(time.Second)
	s.clusterState = "CLUSTER_UP_NO_HA"
	s.ipamFull = false
	s.ipamDeferred = false
}

// Close flushes the state file (if any) and stops background work.
func (s *Server) Close() error {
	if s.disk != nil {
		return s.disk.stop(s)
	}
	return nil
}

// apiError is an error answered to the client as {"error": msg}.
type apiError struct {
	status int
	msg    string
	extra  map[string]any
}

func (e *apiError) Error() string { return e.msg }

func errorf(status int, format string, args ...any) *apiError {
	return &apiError{status: status, msg: fmt.Sprintf(format, args...)}
}

// cleanPath collapses repeated slashes and strips a trailing slash (spec §1.1).
func cleanPath(p string) string {
	var b strings.Builder
	b.Grow(len(p))
	prevSlash := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '/' {
			if prevSlash {
				continue
			}
			prevSlash = true
		} else {
			prevSlash = false
		}
		b.WriteByte(c)
	}
	out := b.String()
	if len(out) > 1 {
		out = strings.TrimSuffix(out, "/")
	}
	if out == "" {
		out = "/"
	}
	return out
}

// statusWriter records the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// request is one parsed incoming call.
type request struct {
	r      *http.Request
	path   string   // cleaned
	segs   []string // path segments after /api/
	kind   string
	query  url.Values
	body   []byte
	tenant string // tenant name from header/query ("" = default admin)
	host   string
}

// ServeHTTP serves the whole API, including the /_sim/ control API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	p := cleanPath(r.URL.Path)
	if p == "/_sim" || strings.HasPrefix(p, "/_sim/") {
		s.serveControl(w, r, p)
		return
	}
	sw := &statusWriter{ResponseWriter: w}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		writeJSON(sw, http.StatusBadRequest, map[string]any{"error": "cannot read request body: " + err.Error()})
		return
	}
	if len(body) > maxBody {
		writeJSON(sw, http.StatusRequestEntityTooLarge, map[string]any{"error": "request body too large"})
		return
	}
	q, _ := url.ParseQuery(r.URL.RawQuery)
	req := &request{r: r, path: p, query: q, body: body, host: r.Host}
	if strings.HasPrefix(p, "/api/") {
		req.segs = strings.Split(strings.TrimPrefix(p, "/api/"), "/")
		req.kind = req.segs[0]
	} else {
		req.kind = strings.TrimPrefix(p, "/")
	}
	req.tenant = tenantFromRequest(r, q)

	rec := Request{
		Method: r.Method, Path: p, Kind: req.kind, Query: r.URL.RawQuery,
		Tenant: req.tenant, Version: r.Header.Get("X-Avi-Version"),
	}
	if p != "/login" { // never keep credentials
		rec.Body = truncate(redactBody(body), 4096)
	}
	defer func() {
		rec.Status = sw.status
		rec.Duration = time.Since(start)
		s.log.add(rec, strings.HasPrefix(p, "/api/"))
	}()

	if f := s.faults.match(r.Method, req.kind, p, r.URL.RawQuery, req.tenant, func() string { return s.requestObjectName(req) }); f != nil {
		if f.Latency > 0 {
			select {
			case <-time.After(f.Latency):
			case <-r.Context().Done():
				return
			}
		}
		if f.ResetConnection {
			rec.Status = 0
			resetConnection(sw)
			return
		}
		if f.Status != 0 {
			body := f.Body
			if body == "" {
				body = fmt.Sprintf(`{"error":"injected fault %d"}`, f.Status)
			}
			if json.Valid([]byte(body)) {
				sw.Header().Set("Content-Type", "application/json")
			} else {
				sw.Header().Set("Content-Type", "text/plain")
			}
			sw.WriteHeader(f.Status)
			_, _ = io.WriteString(sw, body)
			return
		}
	}
	s.route(sw, req)
}

// sensitiveFields never reach the request log.
var sensitiveFields = map[string]bool{"key": true, "key_passphrase": true, "password": true, "token": true}

// redactBody replaces sensitive top-level fields of a JSON body with "<sensitive>".
func redactBody(body []byte) []byte {
	if !bytes.Contains(body, []byte(`"key`)) && !bytes.Contains(body, []byte(`"password"`)) && !bytes.Contains(body, []byte(`"token"`)) {
		return body
	}
	m, err := decodeJSONObject(body)
	if err != nil {
		return []byte("<unparsable body withheld: it may hold a secret>")
	}
	for k := range m {
		if sensitiveFields[k] {
			m[k] = redacted
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return out
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// resetConnection drops the TCP connection without an HTTP answer.
func resetConnection(w *statusWriter) {
	if hj, ok := w.ResponseWriter.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

func tenantFromRequest(r *http.Request, q url.Values) string {
	if t := r.Header.Get("X-Avi-Tenant-UUID"); t != "" {
		return "uuid:" + t
	}
	if t := q.Get("tenant"); t != "" {
		return t
	}
	return r.Header.Get("X-Avi-Tenant")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"error":"cannot encode response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, e *apiError) {
	body := map[string]any{"error": e.msg}
	for k, v := range e.extra {
		body[k] = v
	}
	writeJSON(w, e.status, body)
}

// route dispatches a request that is not a fault.
func (s *Server) route(w *statusWriter, req *request) {
	r := req.r
	switch req.path {
	case "/login":
		if r.Method != http.MethodPost {
			writeError(w, errorf(http.StatusMethodNotAllowed, "Method '%s' not allowed.", r.Method))
			return
		}
		s.handleLogin(w, req)
		return
	case "/logout":
		s.handleLogout(w, req)
		return
	case "/api/cluster/status":
		s.mu.RLock()
		state := s.clusterState
		s.mu.RUnlock()
		writeJSON(w, http.StatusOK, map[string]any{"cluster_state": map[string]any{"state": state}})
		return
	case "/api/initial-data":
		s.handleInitialData(w)
		return
	}
	if !strings.HasPrefix(req.path, "/api/") {
		writeError(w, errorf(http.StatusNotFound, "Not found: %s", req.path))
		return
	}
	if e := s.checkVersion(r.Header.Get("X-Avi-Version")); e != nil {
		writeError(w, e)
		return
	}
	if !s.authenticate(w, req) {
		return
	}
	s.routeAPI(w, req)
}

func (s *Server) handleInitialData(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, map[string]any{
		"version":            s.versionInfo(),
		"current_time":       time.Now().UTC().Format("2006-01-02T15:04:05.000000+00:00"),
		"user_initial_setup": false,
		"setup_failed":       false,
		"sso":                false,
		"banner":             "",
	})
}

func (s *Server) versionInfo() map[string]any {
	return map[string]any{
		"Version":     s.opts.Version,
		"build":       9000,
		"min_version": "15.2",
		"ProductName": "Avi Cloud Controller (simulated)",
		"Tag":         s.opts.Version + "-sim",
	}
}

// parseVersion turns "30.2.1" into comparable parts.
func parseVersion(v string) ([]int, error) {
	parts := strings.Split(v, ".")
	out := make([]int, 0, len(parts))
	for _, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return nil, errors.New("not a dotted version")
		}
		out = append(out, n)
	}
	return out, nil
}

func compareVersions(a, b []int) int {
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// checkVersion accepts any X-Avi-Version up to the simulated one (spec §1.4).
func (s *Server) checkVersion(h string) *apiError {
	if h == "" {
		return nil
	}
	v, err := parseVersion(h)
	if err != nil {
		return errorf(http.StatusBadRequest, "Invalid version %s", h)
	}
	sim, _ := parseVersion(s.opts.Version)
	if compareVersions(v, sim) > 0 {
		return errorf(http.StatusBadRequest, "Invalid version %s: the controller runs %s", h, s.opts.Version)
	}
	return nil
}

// decodeJSONObject decodes a request body into a map, keeping numbers exact.
func decodeJSONObject(body []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("body must be a JSON object")
	}
	return m, nil
}

// normalizeJSON copies a caller's object through JSON so the store holds the same value
// types the API path produces ([]any, map[string]any, json.Number) whatever Go types the
// caller used, and so anything that cannot be JSON is refused up front.
func normalizeJSON(obj map[string]any) (map[string]any, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	return decodeJSONObject(raw)
}
