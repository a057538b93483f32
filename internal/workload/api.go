package workload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	gosync "sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/akoproject/ako/internal/settings"
)

// Values of avi_api.connection_status in /api/status (ako-spec.md §8.1).
const (
	ConnInitiating   = "INITIATING"
	ConnConnected    = "CONNECTED"
	ConnDisconnected = "DISCONNECTED"
)

// StatusDoc is the body of GET /api/status.
type StatusDoc struct {
	AviAPI struct {
		ConnectionStatus string   `json:"connection_status"`
		Errors           []string `json:"errors"`
	} `json:"avi_api"`
}

// apiState is what the HTTP API reports; every step of the workload updates it.
type apiState struct {
	mu         gosync.Mutex
	connection string
	errors     []string
	ready      bool
}

func newAPIState() *apiState { return &apiState{connection: ConnInitiating} }

func (a *apiState) set(connection string, ready bool, errs ...error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.connection, a.ready = connection, ready
	a.errors = a.errors[:0]
	for _, e := range errs {
		if e != nil {
			a.errors = append(a.errors, e.Error())
		}
	}
}

func (a *apiState) doc() (StatusDoc, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var d StatusDoc
	d.AviAPI.ConnectionStatus = a.connection
	d.AviAPI.Errors = append([]string{}, a.errors...)
	return d, a.ready
}

// listenAddress is the API address: the option, else apiServerPort from the ConfigMap
// when it can be read (the settings may not be valid yet), else 8080.
func (w *workload) listenAddress(ctx context.Context) string {
	if w.opts.APIAddress != "" {
		return w.opts.APIAddress
	}
	port := 8080
	cm, err := w.kube.CoreV1().ConfigMaps(w.opts.Namespace).Get(ctx, settings.ConfigMapName, metav1.GetOptions{})
	if err == nil {
		if p, err := strconv.Atoi(cm.Data[settings.KeyAPIServerPort]); err == nil && p > 0 && p < 65536 {
			port = p
		}
	}
	return ":" + strconv.Itoa(port)
}

// startAPI serves /api/status, /healthz, /readyz and /metrics until the returned stop
// is called. Liveness is the server itself answering.
func (w *workload) startAPI(ctx context.Context) (func(), error) {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/status", func(rw http.ResponseWriter, _ *http.Request) {
		d, _ := w.api.doc()
		rw.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(rw).Encode(d)
	})
	mux.HandleFunc("/healthz", func(rw http.ResponseWriter, _ *http.Request) {
		_, _ = rw.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/readyz", func(rw http.ResponseWriter, _ *http.Request) {
		d, ready := w.api.doc()
		if !ready {
			rw.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(rw).Encode(d)
			return
		}
		_, _ = rw.Write([]byte("ok\n"))
	})
	gatherers := prometheus.Gatherers{ctrlmetrics.Registry, w.registry}
	mux.Handle("/metrics", promhttp.HandlerFor(gatherers, promhttp.HandlerOpts{}))

	ln, err := net.Listen("tcp", w.listenAddress(ctx))
	if err != nil {
		return nil, fmt.Errorf("workload: HTTP API: %w", err)
	}
	if w.opts.APIListening != nil {
		w.opts.APIListening(ln.Addr())
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			w.log.Error(err, "HTTP API stopped")
		}
	}()
	w.log.Info("HTTP API listening", "address", ln.Addr().String())
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}, nil
}
