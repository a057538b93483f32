package avisim

import (
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// handleUserToken serves GET/POST /api/user-token and DELETE /api/user-token/<uuid>,
// which AKO uses to rotate its login token (spec §1.6).
func (s *Server) handleUserToken(w http.ResponseWriter, req *request) {
	id := ""
	if len(req.segs) == 2 {
		id = req.segs[1]
	}
	switch {
	case req.r.Method == http.MethodGet && id == "":
		s.auth.mu.Lock()
		list := make([]*userToken, 0, len(s.auth.tokens))
		for _, t := range s.auth.tokens {
			list = append(list, t)
		}
		s.auth.mu.Unlock()
		sort.Slice(list, func(i, j int) bool { return list[i].ExpiresAt.Before(list[j].ExpiresAt) })
		results := make([]any, 0, len(list))
		for _, t := range list {
			results = append(results, tokenJSON(t, req.host))
		}
		writeJSON(w, http.StatusOK, map[string]any{"count": len(results), "results": results})
	case req.r.Method == http.MethodPost && id == "":
		body, err := decodeJSONObject(req.body)
		if err != nil {
			writeError(w, errorf(http.StatusBadRequest, "invalid JSON body: %v", err))
			return
		}
		hours := 24
		if h, ok := body["hours"]; ok {
			n, err := strconv.Atoi(numberString(h))
			if err != nil || n <= 0 {
				writeError(w, errorf(http.StatusBadRequest, "hours: must be a positive whole number"))
				return
			}
			hours = n
		}
		t := &userToken{
			UUID: "usertoken-" + uuid.NewString(), Token: randomHex(20), User: s.opts.Username,
			ExpiresAt: time.Now().UTC().Add(time.Duration(hours) * time.Hour).Truncate(time.Second),
		}
		s.auth.mu.Lock()
		s.auth.tokens[t.Token] = t
		s.auth.mu.Unlock()
		s.dirty()
		writeJSON(w, http.StatusCreated, tokenJSON(t, req.host))
	case req.r.Method == http.MethodDelete && id != "":
		s.auth.mu.Lock()
		found := false
		for k, t := range s.auth.tokens {
			if t.UUID == id {
				delete(s.auth.tokens, k)
				found = true
			}
		}
		s.auth.mu.Unlock()
		if !found {
			writeError(w, errorf(http.StatusNotFound, "UserToken object not found!"))
			return
		}
		s.dirty()
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusNoContent)
	default:
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"detail": "Method '" + req.r.Method + "' not allowed."})
	}
}

func tokenJSON(t *userToken, host string) map[string]any {
	return map[string]any{
		"uuid": t.UUID, "token": t.Token, "username": t.User,
		"expires_at": t.ExpiresAt.Format(time.RFC3339),
		"url":        "https://" + host + "/api/user-token/" + t.UUID,
	}
}
