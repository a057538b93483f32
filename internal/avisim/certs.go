package avisim

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// redacted replaces sensitive values on read, as the controller does.
const redacted = "<sensitive>"

func init() {
	beforeStore["sslkeyandcertificate"] = (*Server).prepareCertificate
	beforeStore["pkiprofile"] = (*Server).preparePKIProfile
	renderHook["sslkeyandcertificate"] = func(out map[string]any) {
		if _, ok := out["key"]; ok {
			out["key"] = redacted
		}
		if _, ok := out["key_passphrase"]; ok {
			out["key_passphrase"] = redacted
		}
	}
}

// prepareCertificate parses the PEM certificate, checks the key against it and fills in
// the certificate details (spec §3.9).
func (s *Server) prepareCertificate(obj, old *object, internal bool) *apiError {
	d := obj.data
	setDefault(d, "type", "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE")
	cm, _ := d["certificate"].(map[string]any)
	if cm == nil {
		return errorf(http.StatusBadRequest, "certificate: This field is required.")
	}
	pemText, _ := cm["certificate"].(string)
	cert, err := parseCertificatePEM(pemText)
	if err != nil {
		return errorf(http.StatusBadRequest, "certificate.certificate: Import error: %v", err)
	}
	// A redacted or missing key on update means "keep the stored key".
	key, _ := d["key"].(string)
	if (key == "" || key == redacted) && old != nil {
		if k, _ := old.data["key"].(string); k != "" {
			key = k
		}
	}
	switch {
	case key != "" && key != redacted:
		priv, err := parsePrivateKeyPEM(key)
		if err != nil {
			return errorf(http.StatusBadRequest, "key: Import error: %v", err)
		}
		if !publicKeyMatches(priv, cert.PublicKey) {
			return errorf(http.StatusBadRequest, "key: Import error: the private key does not match the certificate with common_name %q", cert.Subject.CommonName)
		}
		d["key"] = key
	case d["type"] == "SSL_CERTIFICATE_TYPE_VIRTUALSERVICE":
		return errorf(http.StatusBadRequest, "key: This field is required for a certificate of type SSL_CERTIFICATE_TYPE_VIRTUALSERVICE.")
	default:
		delete(d, "key")
	}
	fillCertificateDetails(cm, cert)
	d["status"] = "SSL_CERTIFICATE_FINISHED"
	setDefault(d, "format", "SSL_PEM")
	d["key_params"] = keyParams(cert)
	return nil
}

// preparePKIProfile parses each CA certificate of a PKI profile.
func (s *Server) preparePKIProfile(obj, old *object, internal bool) *apiError {
	cas, _ := obj.data["ca_certs"].([]any)
	for i, c := range cas {
		cm, ok := c.(map[string]any)
		if !ok {
			return errorf(http.StatusBadRequest, "ca_certs[%d]: expected an object", i)
		}
		pemText, _ := cm["certificate"].(string)
		cert, err := parseCertificatePEM(pemText)
		if err != nil {
			return errorf(http.StatusBadRequest, "ca_certs[%d].certificate: Import error: %v", i, err)
		}
		fillCertificateDetails(cm, cert)
	}
	return nil
}

func parseCertificatePEM(text string) (*x509.Certificate, error) {
	if strings.TrimSpace(text) == "" {
		return nil, errors.New("no PEM certificate given")
	}
	rest := []byte(text)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, errors.New("no CERTIFICATE block found in the PEM data")
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("cannot parse the certificate: %w", err)
		}
		return cert, nil
	}
}

func parsePrivateKeyPEM(text string) (crypto.Signer, error) {
	rest := []byte(text)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, errors.New("no private key block found in the PEM data")
		}
		if !strings.Contains(b.Type, "PRIVATE KEY") {
			continue
		}
		var key any
		var err error
		switch b.Type {
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(b.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("encrypted private keys are not supported by the simulator")
		default:
			key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		}
		if err != nil {
			return nil, fmt.Errorf("cannot parse the private key: %w", err)
		}
		signer, ok := key.(crypto.Signer)
		if !ok {
			return nil, errors.New("unsupported private key type")
		}
		return signer, nil
	}
}

func publicKeyMatches(priv crypto.Signer, pub any) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := priv.Public().(equaler)
	return ok && e.Equal(pub)
}

func describeName(n pkix.Name) map[string]any {
	first := func(l []string) string {
		if len(l) > 0 {
			return l[0]
		}
		return ""
	}
	m := map[string]any{"common_name": n.CommonName, "distinguished_name": n.String()}
	for k, v := range map[string]string{
		"organization": first(n.Organization), "organization_unit": first(n.OrganizationalUnit),
		"locality": first(n.Locality), "state": first(n.Province), "country": first(n.Country),
	} {
		if v != "" {
			m[k] = v
		}
	}
	return m
}

const certTimeLayout = "2006-01-02 15:04:05"

// fillCertificateDetails adds what the controller derives from a certificate.
func fillCertificateDetails(cm map[string]any, cert *x509.Certificate) {
	sum := sha1.Sum(cert.Raw)
	hexes := make([]string, len(sum))
	for i, b := range sum {
		hexes[i] = fmt.Sprintf("%02X", b)
	}
	days := int(time.Until(cert.NotAfter).Hours() / 24)
	status := "SSL_CERTIFICATE_GOOD"
	switch {
	case days < 0:
		status = "SSL_CERTIFICATE_EXPIRED"
	case days < 30:
		status = "SSL_CERTIFICATE_EXPIRY_WARNING"
	}
	cm["version"] = fmt.Sprint(cert.Version - 1)
	cm["serial_number"] = cert.SerialNumber.String()
	cm["self_signed"] = cert.CheckSignatureFrom(cert) == nil
	cm["issuer"] = describeName(cert.Issuer)
	cm["subject"] = describeName(cert.Subject)
	cm["signature_algorithm"] = cert.SignatureAlgorithm.String()
	cm["not_before"] = cert.NotBefore.UTC().Format(certTimeLayout)
	cm["not_after"] = cert.NotAfter.UTC().Format(certTimeLayout)
	cm["fingerprint"] = "SHA1 Fingerprint=" + strings.Join(hexes, ":")
	cm["expiry_status"] = status
	cm["days_until_expire"] = days
	if len(cert.DNSNames) > 0 {
		sans := make([]any, len(cert.DNSNames))
		for i, n := range cert.DNSNames {
			sans[i] = n
		}
		cm["subject_alt_names"] = sans
	}
}

func keyParams(cert *x509.Certificate) map[string]any {
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		return map[string]any{"algorithm": "SSL_KEY_ALGORITHM_RSA",
			"rsa_params": map[string]any{"key_size": fmt.Sprintf("SSL_KEY_%d_BITS", k.N.BitLen()), "exponent": k.E}}
	case *ecdsa.PublicKey:
		curve := map[string]string{"P-256": "SSL_KEY_EC_CURVE_SECP256R1", "P-384": "SSL_KEY_EC_CURVE_SECP384R1", "P-521": "SSL_KEY_EC_CURVE_SECP521R1"}[k.Curve.Params().Name]
		return map[string]any{"algorithm": "SSL_KEY_ALGORITHM_EC", "ec_params": map[string]any{"curve": curve}}
	case ed25519.PublicKey:
		return map[string]any{"algorithm": "SSL_KEY_ALGORITHM_EC"}
	}
	return map[string]any{}
}
