package avisim_test

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/akoproject/ako/internal/avisim/avisimtest"
	"github.com/akoproject/ako/test/testcert"
)

type testCert struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  string
	kpem string
}

// issue makes a certificate for cn, signed by parent (self-signed when parent is nil).
func issue(t *testing.T, cn string, parent *testCert) *testCert {
	t.Helper()
	var p testcert.Pair
	if parent == nil {
		p = testcert.New(t, cn)
	} else {
		p = testcert.Pair{Cert: parent.cert, Key: parent.key}.Issue(t, cn)
	}
	return &testCert{cert: p.Cert, key: p.Key, pem: p.CertPEM, kpem: p.KeyPEM}
}

// rawClient talks to the simulator without the SDK, for protocol-level checks.
type rawClient struct {
	t    *testing.T
	sim  *avisimtest.Sim
	http *http.Client
	csrf string
	sess string
}

func newRaw(t *testing.T, sim *avisimtest.Sim) *rawClient {
	return &rawClient{t: t, sim: sim, http: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}}
}

func (c *rawClient) do(method, path, body string, hdr map[string]string) (int, string, http.Header) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.sim.URL+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.sess != "" {
		req.AddCookie(&http.Cookie{Name: "sessionid", Value: c.sess})
		req.AddCookie(&http.Cookie{Name: "csrftoken", Value: c.csrf})
		req.Header.Set("X-CSRFToken", c.csrf)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func (c *rawClient) login() {
	c.t.Helper()
	code, body, hdr := c.do("POST", "/login", `{"username":"`+c.sim.Username+`","password":"`+c.sim.Password+`"}`, nil)
	if code != 200 {
		c.t.Fatalf("login: %d %s", code, body)
	}
	resp := http.Response{Header: hdr}
	for _, ck := range resp.Cookies() {
		switch ck.Name {
		case "csrftoken":
			c.csrf = ck.Value
		case "sessionid":
			c.sess = ck.Value
		}
	}
}

func (c *rawClient) getJSON(path string) map[string]any {
	c.t.Helper()
	code, body, _ := c.do("GET", path, "", nil)
	if code != 200 {
		c.t.Fatalf("GET %s: %d %s", path, code, body)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	return m
}
