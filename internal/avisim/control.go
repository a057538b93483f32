package avisim

import "net/http"

// serveControl serves the /_sim/ control API.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request, p string) {
	writeError(w, errorf(http.StatusNotFound, "Not found: %s", p))
}
