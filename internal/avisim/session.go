package avisim

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DefaultIdleTimeout is the controller's api_idle_timeout (15 minutes).
const DefaultIdleTimeout = 15 * time.Minute

// maxSessions triggers a sweep of idle sessions at login; clients that log in often (the
// SDK does on every 401) would otherwise grow the table forever.
const maxSessions = 10_000

// pruneLocked drops idle sessions; the caller holds ss.mu.
func (ss *sessions) pruneLocked(now time.Time) {
	for id, x := range ss.byID {
		if now.Sub(x.lastUsed) > ss.idleTimeout {
			delete(ss.byID, id)
		}
	}
}

type session struct {
	id, csrf, user string
	lastUsed       time.Time
}

// sessions is the login state: cookie sessions and user tokens.
type sessions struct {
	mu          sync.Mutex
	byID        map[string]*session
	idleTimeout time.Duration
	tokens      map[string]*userToken // by token value
}

type userToken struct {
	UUID      string    `json:"uuid"`
	Token     string    `json:"token"`
	User      string    `json:"user"`
	ExpiresAt time.Time `json:"expires_at"`
}

func newSessions() *sessions {
	return &sessions{byID: map[string]*session{}, idleTimeout: DefaultIdleTimeout, tokens: map[string]*userToken{}}
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// ExpireSessions drops every session; the next call of each client gets 401 and logs in again.
func (s *Server) ExpireSessions() {
	s.auth.mu.Lock()
	s.auth.byID = map[string]*session{}
	s.auth.mu.Unlock()
}

// SetIdleTimeout sets how long an unused session stays valid (0 restores the default).
func (s *Server) SetIdleTimeout(d time.Duration) {
	if d <= 0 {
		d = DefaultIdleTimeout
	}
	s.auth.mu.Lock()
	s.auth.idleTimeout = d
	s.auth.mu.Unlock()
}

// loginCredentials reads {"username","password"|"token"} as JSON or as a form.
func loginCredentials(req *request) (user, password, token string) {
	// Sniff the body rather than trust Content-Type: curl -d sends JSON as a form.
	if m := map[string]any{}; strings.HasPrefix(strings.TrimSpace(string(req.body)), "{") && json.Unmarshal(req.body, &m) == nil {
		str := func(k string) string { v, _ := m[k].(string); return v }
		return str("username"), str("password"), str("token")
	}
	f, _ := url.ParseQuery(string(req.body))
	return f.Get("username"), f.Get("password"), f.Get("token")
}

func (s *Server) handleLogin(w http.ResponseWriter, req *request) {
	user, password, token := loginCredentials(req)
	ok := user == s.opts.Username
	if ok {
		switch {
		case token != "":
			ok = s.validToken(user, token)
		default:
			ok = subtle.ConstantTimeCompare([]byte(password), []byte(s.opts.Password)) == 1
		}
	}
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "Invalid credentials"})
		return
	}
	sess := &session{id: randomHex(16), csrf: randomHex(16), user: user, lastUsed: time.Now()}
	s.auth.mu.Lock()
	if len(s.auth.byID) >= maxSessions {
		s.auth.pruneLocked(time.Now())
	}
	s.auth.byID[sess.id] = sess
	idle := s.auth.idleTimeout
	s.auth.mu.Unlock()

	http.SetCookie(w, &http.Cookie{Name: "csrftoken", Value: sess.csrf, Path: "/", MaxAge: 31449600, Secure: true})
	for _, name := range []string{"sessionid", "avi-sessionid"} {
		http.SetCookie(w, &http.Cookie{Name: name, Value: sess.id, Path: "/", MaxAge: 86400, HttpOnly: true, Secure: true})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"user_initialized": true,
		"version":          s.versionInfo(),
		"user": map[string]any{
			"username":           user,
			"name":               user,
			"is_superuser":       true,
			"default_tenant_ref": "https://" + req.host + "/api/tenant/admin",
		},
		"tenants":             []any{map[string]any{"url": "https://" + req.host + "/api/tenant/admin", "uuid": "admin", "name": "admin"}},
		"controller":          map[string]any{"api_idle_timeout": int(idle / time.Minute)},
		"session_cookie_name": "sessionid",
		"system_config":       map[string]any{"uuid": "default"},
	})
}

func sessionCookie(r *http.Request) string {
	for _, name := range []string{"avi-sessionid", "sessionid"} {
		if c, err := r.Cookie(name); err == nil && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

func (s *Server) handleLogout(w http.ResponseWriter, req *request) {
	if id := sessionCookie(req.r); id != "" {
		s.auth.mu.Lock()
		delete(s.auth.byID, id)
		s.auth.mu.Unlock()
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

// authenticate checks the session cookie and the CSRF token; on failure it answers 401.
func (s *Server) authenticate(w http.ResponseWriter, req *request) bool {
	id := sessionCookie(req.r)
	now := time.Now()
	s.auth.mu.Lock()
	sess := s.auth.byID[id]
	if sess != nil && now.Sub(sess.lastUsed) > s.auth.idleTimeout {
		delete(s.auth.byID, id)
		sess = nil
	}
	if sess != nil {
		sess.lastUsed = now
	}
	s.auth.mu.Unlock()
	if sess == nil {
		// Never "Invalid credentials": AKO shuts down on that text (spec §1.6).
		writeJSON(w, http.StatusUnauthorized, map[string]any{"detail": "Authentication credentials were not provided."})
		return false
	}
	csrfCookie := ""
	if c, err := req.r.Cookie("csrftoken"); err == nil {
		csrfCookie = c.Value
	}
	header := req.r.Header.Get("X-CSRFToken")
	if header == "" || header != csrfCookie || header != sess.csrf {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte("CSRF token missing or incorrect."))
		return false
	}
	return true
}

func (s *Server) validToken(user, token string) bool {
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	t := s.auth.tokens[token]
	return t != nil && t.User == user && time.Now().Before(t.ExpiresAt)
}
