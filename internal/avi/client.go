// Package avi is the Avi Controller client of the AKO workload: a pool of alb-sdk
// sessions, connection with backoff, version detection, typed calls by object kind with
// classified errors (avi-api.md §4.4), boot validation and the VRF static routes. It
// knows nothing of Kubernetes and nothing of which objects a cluster wants.
package avi

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"github.com/vmware/alb-sdk/go/clients"
	"github.com/vmware/alb-sdk/go/session"
)

// MaxVersion is the highest API version we speak; a newer Controller is addressed with it.
const MaxVersion = "30.2.1"

// UserAgentHeader marks our requests in the Controller's logs, as the upstream AKO does.
var userAgentHeader = map[string]string{"X-Avi-UserAgent": "AKO"}

// Config says how to reach the Controller.
type Config struct {
	// Host is the Controller address, host or host:port.
	Host     string
	Username string
	// Password or AuthToken authenticates Username.
	Password  string
	AuthToken string
	// CAData is the PEM bundle that signs the Controller's certificate. Empty means the
	// certificate is not verified.
	CAData []byte
	// Tenant is the default tenant of the sessions (admin when empty).
	Tenant string
	// Version forces the X-Avi-Version header; empty means detect it (capped at MaxVersion).
	Version string
	// Timeout of one HTTP request; 120 s when zero.
	Timeout time.Duration
	// Sessions is the number of parallel sessions; 9 when zero.
	Sessions int
	// Scheme is https unless set to http.
	Scheme string
	// RetryInitial and RetryMax bound the exponential backoff of Connect (1 s and 60 s
	// when zero).
	RetryInitial, RetryMax time.Duration
	// Metrics, when set, records every call.
	Metrics *Metrics
	Log     logr.Logger
}

func (c Config) withDefaults() Config {
	if c.Timeout == 0 {
		c.Timeout = 120 * time.Second
	}
	if c.Sessions <= 0 {
		c.Sessions = 9
	}
	if c.Tenant == "" {
		c.Tenant = "admin"
	}
	if c.Scheme == "" {
		c.Scheme = "https"
	}
	if c.RetryInitial <= 0 {
		c.RetryInitial = time.Second
	}
	if c.RetryMax <= 0 {
		c.RetryMax = time.Minute
	}
	return c
}

// ClusterRuntime is the Controller cluster's state and its leader. A change of the
// leader's Name or UpSince between two reads means the Controller restarted.
type ClusterRuntime struct {
	State         string
	LeaderName    string
	LeaderUpSince string
}

// Up reports whether the Controller cluster accepts configuration.
func (r ClusterRuntime) Up() bool {
	switch r.State {
	case "CLUSTER_UP_NO_HA", "CLUSTER_UP_HA_ACTIVE", "CLUSTER_UP_HA_COMPROMISED":
		return true
	}
	return false
}

// Restarted reports whether the leader changed between prev and r.
func (r ClusterRuntime) Restarted(prev ClusterRuntime) bool {
	return r.LeaderName != prev.LeaderName || r.LeaderUpSince != prev.LeaderUpSince
}

// Client is a connected pool of sessions. It is safe for concurrent use; each call takes
// one session from the pool for its duration.
type Client struct {
	cfg      Config
	sessions chan *clients.AviClient
	version  string
	runtime  ClusterRuntime
	log      logr.Logger
}

// Version is the X-Avi-Version the client sends.
func (c *Client) Version() string { return c.version }

// Runtime is the cluster runtime read when the client connected.
func (c *Client) Runtime() ClusterRuntime { return c.runtime }

// Connect logs in, detects the version and checks that the Controller cluster is up. It
// keeps trying, with exponential backoff, while the Controller is down, unreachable or not
// yet up, and stops only when ctx ends, the configuration is unusable (no host, no
// credentials, CA data that is not PEM) or the credentials are refused (an error of class
// ClassInvalidCredentials, errors.Is ErrInvalidCredentials).
func Connect(ctx context.Context, cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	if cfg.Host == "" || cfg.Username == "" || (cfg.Password == "" && cfg.AuthToken == "") {
		return nil, errors.New("avi: controller host, username and a password or auth token are required")
	}
	if len(cfg.CAData) > 0 {
		if _, err := caPool(cfg.CAData); err != nil {
			return nil, err
		}
	}
	// The SDK calls flag.Parse() on the process's arguments when nobody has yet, which
	// exits on flags it does not know (ours are pflag). Mark the flag set parsed instead.
	if !flag.Parsed() {
		_ = flag.CommandLine.Parse([]string{})
	}
	quietSDKLog()
	delay := cfg.RetryInitial
	var lastErr error
	gaveUp := func() error {
		if lastErr == nil {
			return fmt.Errorf("connecting to the Avi Controller %s: %w", cfg.Host, ctx.Err())
		}
		return fmt.Errorf("connecting to the Avi Controller %s: %w (last error: %v)", cfg.Host, ctx.Err(), lastErr)
	}
	for attempt := 1; ; attempt++ {
		c, err := dial(ctx, cfg)
		if err == nil {
			cfg.Log.Info("connected to the Avi Controller", "host", cfg.Host, "version", c.version,
				"sessions", cfg.Sessions, "clusterState", c.runtime.State, "attempt", attempt)
			return c, nil
		}
		if ctx.Err() != nil {
			return nil, gaveUp()
		}
		if ClassOf(err) == ClassInvalidCredentials {
			return nil, fmt.Errorf("connecting to the Avi Controller %s as %q: %w", cfg.Host, cfg.Username, err)
		}
		lastErr = err
		cfg.Log.Info("Avi Controller not reachable yet, retrying", "host", cfg.Host, "attempt", attempt,
			"retryIn", delay.String(), "error", err.Error())
		select {
		case <-ctx.Done():
			return nil, gaveUp()
		case <-time.After(delay):
		}
		delay = min(delay*2, cfg.RetryMax)
	}
}

// dial makes one attempt: first session, version, runtime, then the rest of the pool.
func dial(ctx context.Context, cfg Config) (*Client, error) {
	first, err := newSession(ctx, cfg)
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, sessions: make(chan *clients.AviClient, cfg.Sessions), log: cfg.Log}
	c.sessions <- first

	c.version = cfg.Version
	if c.version == "" {
		detected, err := c.detectVersion(ctx)
		if err != nil {
			return nil, err
		}
		c.version = CapVersion(detected, MaxVersion)
	}
	rt, err := c.ClusterRuntime(ctx)
	if err != nil {
		return nil, err
	}
	if !rt.Up() {
		return nil, &Error{Class: ClassSlow, Verb: http.MethodGet, Path: "api/cluster/runtime",
			Message: fmt.Sprintf("Controller cluster state is %q, waiting for it to be up", rt.State)}
	}
	c.runtime = rt

	rest := make(chan error, cfg.Sessions-1)
	others := make(chan *clients.AviClient, cfg.Sessions-1)
	for i := 1; i < cfg.Sessions; i++ {
		go func() {
			s, err := newSession(ctx, cfg)
			if err == nil {
				others <- s
			}
			rest <- err
		}()
	}
	var errs []error
	for i := 1; i < cfg.Sessions; i++ {
		if err := <-rest; err != nil {
			errs = append(errs, err)
		}
	}
	close(others)
	for s := range others {
		c.sessions <- s
	}
	if len(errs) > 0 {
		return nil, errs[0]
	}
	// No call is in flight yet, so setting the version on the sessions does not race.
	for range cfg.Sessions {
		s := <-c.sessions
		_ = session.SetVersion(c.version)(s.AviSession)
		defer func() { c.sessions <- s }()
	}
	return c, nil
}

// newSession logs in once. The SDK call cannot be cancelled, so it runs aside and a
// cancelled ctx abandons it.
func newSession(ctx context.Context, cfg Config) (*clients.AviClient, error) {
	opts := []func(*session.AviSession) error{
		session.SetTenant(cfg.Tenant),
		session.SetTimeout(cfg.Timeout),
		session.DisableControllerStatusCheckOnFailure(true),
		session.SetUserHeader(userAgentHeader),
		session.SetScheme(cfg.Scheme),
	}
	if cfg.AuthToken != "" {
		opts = append(opts, session.SetAuthToken(cfg.AuthToken))
	} else {
		opts = append(opts, session.SetPassword(cfg.Password))
	}
	if len(cfg.CAData) > 0 {
		pool, err := caPool(cfg.CAData)
		if err != nil {
			return nil, err
		}
		opts = append(opts, session.SetTransport(&http.Transport{
			Proxy:           http.ProxyFromEnvironment,
			TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		}))
	} else {
		opts = append(opts, session.SetInsecure)
	}
	type answer struct {
		c   *clients.AviClient
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		c, err := clients.NewAviClient(cfg.Host, cfg.Username, opts...)
		ch <- answer{c, err}
	}()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case a := <-ch:
		if a.err != nil {
			return nil, classify(http.MethodPost, "login", a.err)
		}
		return a.c, nil
	}
}

// caPool parses the CA bundle that must sign the Controller's certificate.
func caPool(pemData []byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		return nil, &Error{Class: ClassPermanent, Verb: http.MethodPost, Path: "login",
			Message: "certificateAuthorityData holds no PEM certificate"}
	}
	return pool, nil
}

// detectVersion reads the Controller version from initial-data. The SDK's own helper
// panics when the field is missing; this one returns an error.
func (c *Client) detectVersion(ctx context.Context) (string, error) {
	var data struct {
		Version struct {
			Version string `json:"Version"`
		} `json:"version"`
	}
	if err := c.do(ctx, http.MethodGet, "initial-data", "api/initial-data", "", nil, &data); err != nil {
		return "", err
	}
	if data.Version.Version == "" {
		return "", &Error{Class: ClassRetryable, Verb: http.MethodGet, Path: "api/initial-data",
			Message: "answer has no version.Version"}
	}
	return data.Version.Version, nil
}

// ClusterRuntime reads the Controller cluster state and its leader.
func (c *Client) ClusterRuntime(ctx context.Context) (ClusterRuntime, error) {
	var data struct {
		ClusterState struct {
			State string `json:"state"`
		} `json:"cluster_state"`
		NodeStates []struct {
			Name    string `json:"name"`
			Role    string `json:"role"`
			UpSince string `json:"up_since"`
		} `json:"node_states"`
	}
	if err := c.do(ctx, http.MethodGet, "cluster/runtime", "api/cluster/runtime", "", nil, &data); err != nil {
		return ClusterRuntime{}, err
	}
	rt := ClusterRuntime{State: data.ClusterState.State}
	for _, n := range data.NodeStates {
		if n.Role == "CLUSTER_LEADER" {
			rt.LeaderName, rt.LeaderUpSince = n.Name, n.UpSince
		}
	}
	return rt, nil
}

// do runs one REST call on a pooled session. payload is marshalled to JSON; a 2xx body is
// decoded into out (numbers as json.Number) when out is not nil. kind labels the metrics.
func (c *Client) do(ctx context.Context, verb, kind, path, tenant string, payload, out any) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var s *clients.AviClient
	select {
	case <-ctx.Done():
		return ctx.Err()
	case s = <-c.sessions:
	}
	type answer struct {
		status int
		body   []byte
		err    error
	}
	ch := make(chan answer, 1)
	start := time.Now()
	go func() {
		// The session goes back to the pool only when the SDK call has really finished,
		// even if our caller stopped waiting.
		defer func() { c.sessions <- s }()
		resp, err := s.AviSession.RestRequest(verb, path, payload, tenant, nil)
		if err != nil {
			ch <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		ch <- answer{status: resp.StatusCode, body: body, err: err}
	}()
	var a answer
	select {
	case <-ctx.Done():
		c.cfg.Metrics.observe(verb, kind, 0, time.Since(start))
		return ctx.Err()
	case a = <-ch:
	}
	status := a.status
	if status == 0 {
		var sdkErr session.AviError
		if errors.As(a.err, &sdkErr) {
			status = sdkErr.HttpStatusCode
		}
	}
	c.cfg.Metrics.observe(verb, kind, status, time.Since(start))
	if a.err != nil {
		return classify(verb, path, a.err)
	}
	if a.status < 200 || a.status > 299 {
		return statusError(verb, path, a.status, a.body)
	}
	if out == nil || len(bytes.TrimSpace(a.body)) == 0 {
		return nil
	}
	if err := decodeJSON(a.body, out); err != nil {
		return classify(verb, path, err)
	}
	return nil
}

// decodeJSON decodes keeping numbers exact (json.Number), so a body read back compares
// equal to the one we wrote.
func decodeJSON(b []byte, out any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(out)
}

// CapVersion returns v, or max when v is a higher dotted version than max.
func CapVersion(v, max string) string {
	if compareVersions(v, max) > 0 {
		return max
	}
	return v
}

// compareVersions compares dotted numeric versions ("22.1.3" < "30.2.1"); a part that is
// not a number compares as 0.
func compareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(pa), len(pb)) {
		var x, y int
		if i < len(pa) {
			fmt.Sscanf(pa[i], "%d", &x)
		}
		if i < len(pb) {
			fmt.Sscanf(pb[i], "%d", &y)
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

// quietSDKLog keeps the SDK's glog lines ("Controller Host is not valid" for every
// host:port session, "CheckControllerStatus is disabled" on every retry) off stderr:
// this client reports each failure itself, classified, through logr. glog still writes
// its own files in the temp directory, as it always does.
func quietSDKLog() {
	if f := flag.CommandLine.Lookup("stderrthreshold"); f != nil && f.Value.String() != "FATAL" {
		_ = f.Value.Set("FATAL")
	}
}
