package localstack

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/go-logr/logr"

	"github.com/akoproject/ako/internal/avi"
	"github.com/akoproject/ako/internal/avisim"
	"github.com/akoproject/ako/internal/model"
)

// simulator is the Avi Controller simulator served in this process over HTTPS, with a
// self-signed certificate made for its address at every start; clients trust it through
// the certificate itself (avi-ca.crt in the state directory, certificateAuthorityData in
// avi-secret).
type simulator struct {
	sim     *avisim.Server
	server  *http.Server
	address string // host:port, the AKOConfig's controllerIP
	caPEM   []byte
	served  chan error
}

func startSimulator(addr, username, password, stateFile string, errorLog *log.Logger) (*simulator, error) {
	sim, err := avisim.New(avisim.Options{Username: username, Password: password, StateFile: stateFile})
	if err != nil {
		return nil, fmt.Errorf("starting the Avi simulator: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		_ = sim.Close()
		return nil, fmt.Errorf("listening for the Avi simulator on %s: %w", addr, err)
	}
	host, _, _ := net.SplitHostPort(ln.Addr().String())
	cert, err := avisim.SelfSignedTLS(host)
	if err != nil {
		_ = ln.Close()
		_ = sim.Close()
		return nil, fmt.Errorf("making the simulator's certificate: %w", err)
	}
	s := &simulator{
		sim:     sim,
		address: ln.Addr().String(),
		caPEM:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}),
		served:  make(chan error, 1),
		server: &http.Server{
			Handler:           sim,
			TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
			ReadHeaderTimeout: 10 * time.Second,
			ErrorLog:          errorLog,
		},
	}
	go func() { s.served <- s.server.ServeTLS(ln, "", "") }()
	return s, nil
}

func (s *simulator) url() string { return "https://" + s.address }

// stop stops serving, then flushes the simulator's state file.
func (s *simulator) stop(ctx context.Context) error {
	err := s.server.Shutdown(ctx)
	if serveErr := <-s.served; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	if closeErr := s.sim.Close(); closeErr != nil {
		err = errors.Join(err, fmt.Errorf("saving the simulator state: %w", closeErr))
	}
	return err
}

// aviNamer resolves virtual service uuids on the Controller (for the live view). It
// connects on first use, so a Controller that is slow to answer never delays the start.
type aviNamer struct {
	cfg    avi.Config
	client *avi.Client
}

func newAviNamer(ep AviEndpoint, log logr.Logger) *aviNamer {
	return &aviNamer{cfg: avi.Config{
		Host: ep.Address, Username: ep.Username, Password: ep.Password, CAData: ep.CACert,
		Sessions: 1, Timeout: 5 * time.Second, Log: log,
	}}
}

func (n *aviNamer) VSName(ctx context.Context, uuid string) (string, error) {
	if n.client == nil {
		c, err := avi.Connect(ctx, n.cfg)
		if err != nil {
			return "", err
		}
		n.client = c
	}
	vs, err := n.client.Get(ctx, model.KindVirtualService, uuid)
	if err != nil {
		return "", fmt.Errorf("looking up virtual service %s: %w", uuid, err)
	}
	name, _ := vs["name"].(string)
	return name, nil
}
