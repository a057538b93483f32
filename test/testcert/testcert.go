// Package testcert makes throw-away X.509 certificates and keys for tests: route
// certificates, CA bundles, controller certificates.
package testcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// Pair is a certificate with its private key, parsed and in PEM.
type Pair struct {
	Cert    *x509.Certificate
	Key     *ecdsa.PrivateKey
	CertPEM string
	KeyPEM  string
}

var serial atomic.Int64

// New returns a self-signed certificate for commonName (also its DNS name, or its IP
// address when it is one), valid from an hour ago for 90 days, usable as a CA.
func New(t testing.TB, commonName string) Pair {
	t.Helper()
	return issue(t, commonName, nil)
}

// Issue returns a certificate for commonName signed by p.
func (p Pair) Issue(t testing.TB, commonName string) Pair {
	t.Helper()
	return issue(t, commonName, &p)
}

func issue(t testing.TB, commonName string, parent *Pair) Pair {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generating a key: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano() + serial.Add(1)),
		Subject:               pkix.Name{CommonName: commonName, Organization: []string{"Test Org"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(90 * 24 * time.Hour),
		IsCA:                  parent == nil,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}
	if ip := net.ParseIP(commonName); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{commonName}
	}
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent.Cert, parent.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		t.Fatalf("creating a certificate for %s: %v", commonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("parsing the certificate for %s: %v", commonName, err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatalf("encoding the key for %s: %v", commonName, err)
	}
	return Pair{
		Cert:    cert,
		Key:     key,
		CertPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		KeyPEM:  string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})),
	}
}
