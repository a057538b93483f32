package route

import (
	"strings"

	routev1 "github.com/openshift/api/route/v1"

	"github.com/akoproject/ako/internal/model"
	"github.com/akoproject/ako/internal/settings"
)

// Cache indexes on Routes: they turn an event on anything a Route uses into the Routes,
// and so the keys, it affects, without listing every Route.
const (
	indexKey         = "ako.route/key"         // the tree key of the Route (or its no-host key)
	indexHost        = "ako.route/host"        // the host the Route serves
	indexBackend     = "ako.route/backend"     // "<service>" of every backend
	indexDefaultCert = "ako.route/defaultcert" // "true" when TLS comes from router-certs-default
)

// noHostKeyPrefix starts the key of a Route without a host: it belongs to no tree, but
// its status must still say why it is not served. "routestatus/<ns>/<name>".
const noHostKeyPrefix = "routestatus/"

func noHostKey(r *routev1.Route) model.Key {
	return model.Key(noHostKeyPrefix + r.Namespace + "/" + r.Name)
}

func splitNoHostKey(k model.Key) (ns, name string, ok bool) {
	rest, found := strings.CutPrefix(string(k), noHostKeyPrefix)
	if !found {
		return "", "", false
	}
	return strings.Cut(rest, "/")
}

// indexer computes the index values of a Route for fixed settings (a settings change
// restarts the workload).
type indexer struct {
	settings settings.Settings
	cloud    model.Cloud
}

func (ix indexer) key(r *routev1.Route) model.Key {
	k, _, ok := model.RouteKey(r, ix.settings, ix.cloud)
	if !ok {
		return noHostKey(r)
	}
	return k
}

func (ix indexer) host(r *routev1.Route) []string {
	if h := model.RouteHost(r, ix.settings); h != "" {
		return []string{h}
	}
	return nil
}

func backends(r *routev1.Route) []string {
	out := []string{r.Spec.To.Name}
	for _, b := range r.Spec.AlternateBackends {
		out = append(out, b.Name)
	}
	return out
}

// usesDefaultCert reports whether the Route's TLS comes from router-certs-default.
func usesDefaultCert(r *routev1.Route) bool {
	t := r.Spec.TLS
	return t != nil && (t.Termination == routev1.TLSTerminationEdge || t.Termination == routev1.TLSTerminationReencrypt) &&
		t.Certificate == "" && t.Key == ""
}
