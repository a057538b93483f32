package avisim_test

import (
	"strings"
	"testing"

	"github.com/vmware/alb-sdk/go/models"

	"github.com/akoproject/ako/internal/avisim"
	"github.com/akoproject/ako/internal/avisim/avisimtest"
)

func TestCertificates(t *testing.T) {
	sim := avisimtest.Start(t, avisim.Options{})
	c := sim.Client(t)
	ca := issue(t, "Test CA", nil)
	leaf := issue(t, "app.example.com", ca)
	other := issue(t, "other.example.com", nil)

	caObj, err := c.SSLKeyAndCertificate.Create(&models.SSLKeyAndCertificate{Name: ptr("ca"),
		Type: ptr("SSL_CERTIFICATE_TYPE_CA"), Certificate: &models.SSLCertificate{Certificate: ptr(ca.pem)}})
	if err != nil {
		t.Fatal(err)
	}
	created, err := c.SSLKeyAndCertificate.Create(&models.SSLKeyAndCertificate{Name: ptr("leaf"),
		Key: ptr(leaf.kpem), Certificate: &models.SSLCertificate{Certificate: ptr(leaf.pem)},
		CaCerts: []*models.CertificateAuthority{{Name: ptr("ca"), CaRef: ptr("/api/sslkeyandcertificate/?name=ca")}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.SSLKeyAndCertificate.Get(*created.UUID)
	if err != nil {
		t.Fatal(err)
	}
	if *got.Key != "<sensitive>" {
		t.Fatalf("key not redacted: %q", *got.Key)
	}
	cd := got.Certificate
	if *cd.Certificate != leaf.pem || *cd.Subject.CommonName != "app.example.com" || *cd.Issuer.CommonName != "Test CA" ||
		*cd.SelfSigned || *cd.SerialNumber != leaf.cert.SerialNumber.String() || !strings.HasPrefix(*cd.Fingerprint, "SHA1 Fingerprint=") ||
		*got.KeyParams.Algorithm != "SSL_KEY_ALGORITHM_EC" || *got.Status != "SSL_CERTIFICATE_FINISHED" {
		t.Fatalf("certificate details = %+v", cd)
	}
	// A PUT that round-trips the redacted key keeps the stored one.
	got.Markers = []*models.RoleFilterMatchLabel{{Key: ptr("k"), Values: []string{"v"}}}
	if _, err := c.SSLKeyAndCertificate.Update(got); err != nil {
		t.Fatalf("PUT with redacted key: %v", err)
	}

	// Key that does not match, PEM that does not parse.
	_, err = c.SSLKeyAndCertificate.Create(&models.SSLKeyAndCertificate{Name: ptr("bad-key"),
		Key: ptr(other.kpem), Certificate: &models.SSLCertificate{Certificate: ptr(leaf.pem)}})
	if aviStatus(err) != 400 || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("mismatched key: %v", err)
	}
	_, err = c.SSLKeyAndCertificate.Create(&models.SSLKeyAndCertificate{Name: ptr("garbage"),
		Key: ptr(leaf.kpem), Certificate: &models.SSLCertificate{Certificate: ptr("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")}})
	if aviStatus(err) != 400 || !strings.Contains(err.Error(), "certificate.certificate: Import error") {
		t.Fatalf("garbage PEM: %v", err)
	}

	// PKI profile with the CA; a bad CA fails.
	if _, err := c.PKIprofile.Create(&models.PKIprofile{Name: ptr("pki"), CaCerts: []*models.SSLCertificate{{Certificate: ptr(ca.pem)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PKIprofile.Create(&models.PKIprofile{Name: ptr("pki2"), CaCerts: []*models.SSLCertificate{{Certificate: ptr("nope")}}}); aviStatus(err) != 400 {
		t.Fatalf("bad PKI CA: %v", err)
	}
	for _, r := range sim.Requests() {
		if strings.Contains(r.Body, "PRIVATE KEY") {
			t.Fatalf("a private key reached the request log: %s %s", r.Method, r.Path)
		}
	}
	// A CA used by a leaf cannot go first.
	if err := c.SSLKeyAndCertificate.Delete(*caObj.UUID); aviStatus(err) != 403 || !strings.Contains(err.Error(), "SSLKeyAndCertificate leaf") {
		t.Fatalf("delete of a referenced CA: %v", err)
	}
}
