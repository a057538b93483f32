package akoconfig

import (
	"encoding/pem"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/akoproject/ako/test/testcert"
)

// testCAPEM is a freshly generated self-signed certificate in PEM.
func testCAPEM(t *testing.T) []byte {
	t.Helper()
	return []byte(testcert.New(t, "avi").CertPEM)
}

func TestCheckSecret(t *testing.T) {
	ca := testCAPEM(t)
	const password = "s3cret-Value"
	secret := func(kv ...string) *corev1.Secret {
		s := &corev1.Secret{Data: map[string][]byte{}}
		for i := 0; i+1 < len(kv); i += 2 {
			s.Data[kv[i]] = []byte(kv[i+1])
		}
		return s
	}
	cases := []struct {
		name     string
		secret   *corev1.Secret
		reason   string // "" = usable
		contains string
	}{
		{"missing", nil, ReasonSecretMissing, "avi-system/avi-secret not found"},
		{"username and password", secret("username", "admin", "password", password), "", ""},
		{"username and authtoken", secret("username", "admin", "authtoken", "tok"), "", ""},
		{"with CA bundle", secret("username", "admin", "password", password, "certificateAuthorityData", string(ca)+string(ca)), "", ""},
		{"empty CA is ignored", secret("username", "admin", "password", password, "certificateAuthorityData", ""), "", ""},
		{"no username", secret("password", password), ReasonSecretInvalid, `key "username" is missing or empty`},
		{"no password or token", secret("username", "admin"), ReasonSecretInvalid, `one of "password" or "authtoken" is required`},
		{"upstream sample's authToken spelling", secret("username", "admin", "authToken", "tok"), ReasonSecretInvalid, `"authtoken"`},
		{"CA not PEM", secret("username", "admin", "password", password, "certificateAuthorityData", "not a cert"), ReasonSecretInvalid, "not PEM-encoded"},
		{"CA with trailing garbage", secret("username", "admin", "password", password, "certificateAuthorityData", string(ca)+"junk"), ReasonSecretInvalid, "not PEM-encoded"},
		{"private key instead of CA", secret("username", "admin", "password", password, "certificateAuthorityData",
			string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1}}))), ReasonSecretInvalid, "not PEM-encoded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := checkSecret("avi-system", c.secret)
			if c.reason == "" {
				if p != nil {
					t.Fatalf("rejected: %+v", p)
				}
				return
			}
			if p == nil || p.Reason != c.reason || !strings.Contains(p.Message, c.contains) {
				t.Fatalf("got %+v, want reason %s containing %q", p, c.reason, c.contains)
			}
			if strings.Contains(p.Message, password) {
				t.Error("the message leaks the password")
			}
		})
	}
}
