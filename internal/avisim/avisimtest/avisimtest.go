// Package avisimtest starts the Avi Controller simulator for tests: an httptest TLS server
// stopped by t.Cleanup, and real alb-sdk clients logged in to it.
package avisimtest

import (
	"crypto/rand"
	"encoding/hex"
	"flag"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/vmware/alb-sdk/go/clients"
	"github.com/vmware/alb-sdk/go/session"

	"github.com/akoproject/ako/internal/avisim"
)

// Sim is a running simulator.
type Sim struct {
	*avisim.Server
	URL                string // https://127.0.0.1:<port>
	Host               string // host:port for the SDK
	Username, Password string
	Version            string
}

// Start runs a simulator over HTTPS (self-signed). Empty credentials default to admin and
// a generated password.
func Start(t testing.TB, opts avisim.Options) *Sim {
	t.Helper()
	if opts.Username == "" {
		opts.Username = "admin"
	}
	if opts.Password == "" {
		b := make([]byte, 12)
		if _, err := rand.Read(b); err != nil {
			t.Fatalf("avisimtest: password: %v", err)
		}
		opts.Password = hex.EncodeToString(b)
	}
	srv, err := avisim.New(opts)
	if err != nil {
		t.Fatalf("avisimtest: new simulator: %v", err)
	}
	ts := httptest.NewUnstartedServer(srv)
	ts.StartTLS()
	t.Cleanup(func() {
		ts.Close()
		if err := srv.Close(); err != nil {
			t.Errorf("avisimtest: close simulator: %v", err)
		}
	})
	u, err := url.Parse(ts.URL)
	if err != nil {
		t.Fatalf("avisimtest: %v", err)
	}
	srv.SetRefHost(u.Host)
	version := opts.Version
	if version == "" {
		version = avisim.DefaultVersion
	}
	return &Sim{Server: srv, URL: ts.URL, Host: u.Host, Username: opts.Username, Password: opts.Password, Version: version}
}

// Client returns a real alb-sdk client logged in as the simulator's user, configured the
// way AKO configures its clients (insecure TLS, controller status check disabled, the
// simulated version in X-Avi-Version). Extra session options are applied last.
func (s *Sim) Client(t testing.TB, extra ...func(*session.AviSession) error) *clients.AviClient {
	t.Helper()
	opts := []func(*session.AviSession) error{
		session.SetPassword(s.Password),
		session.SetInsecure,
		session.DisableControllerStatusCheckOnFailure(true),
		session.SetVersion(s.Version),
	}
	opts = append(opts, extra...)
	quietSDKLog()
	c, err := clients.NewAviClient(s.Host, s.Username, opts...)
	if err != nil {
		t.Fatalf("avisimtest: login to simulator: %v", err)
	}
	return c
}

// quietSDKLog keeps the SDK's glog lines ("Controller Host is not valid" for every
// host:port session) out of test output; the tests report what fails themselves.
func quietSDKLog() {
	if f := flag.CommandLine.Lookup("stderrthreshold"); f != nil && f.Value.String() != "FATAL" {
		_ = f.Value.Set("FATAL")
	}
}
