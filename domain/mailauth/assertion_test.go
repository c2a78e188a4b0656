package mailauth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"ticketgate/domain/mailauth/mailauthtest"
)

// testCertificate makes an RSA key and a self-signed certificate, and the
// PEM file holding both.
func testCertificate(t *testing.T) (*x509.Certificate, []byte) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ticketgate"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	return cert, append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})...)
}

// TestClientCertificate: app-only tokens with a certificate credential
// (Microsoft's alternative to a client secret): a fresh signed assertion
// per request, refused when signed by another key.
func TestClientCertificate(t *testing.T) {
	cert, pemFile := testCertificate(t)
	p := mailauthtest.New(testUser, mailauthtest.Client{ID: "cert-app", Certificate: cert, Email: "help@company.test"})
	if err := p.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	clk := newClock()
	src, err := Generic{TokenURL: p.TokenURL(), ClientID: "cert-app", Scopes: []string{MicrosoftAppOnlyScope}}.ClientCertificate(pemFile, SourceOptions{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	first, err := src.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if who := introspect(t, p, first.AccessToken); who != "help@company.test" {
		t.Errorf("token for %q", who)
	}
	clk.Set(first.Expiry)
	if _, err := src.Token(context.Background()); err != nil {
		t.Fatalf("second token (a new assertion): %v", err)
	}
	if n := p.Stats().Assertions; n != 2 {
		t.Errorf("%d assertions accepted, want 2", n)
	}

	// A certificate the app registration does not hold.
	_, otherPEM := testCertificate(t)
	other, _ := Generic{TokenURL: p.TokenURL(), ClientID: "cert-app"}.ClientCertificate(otherPEM, SourceOptions{})
	_, err = other.Token(context.Background())
	var pe *ProviderError
	if !errors.As(err, &pe) || pe.Code != "invalid_client" || !errors.Is(err, ErrNeedsReauthorization) {
		t.Errorf("another certificate: %v", err)
	}

	// A broken file is refused without quoting it.
	broken := pemFile[:len(pemFile)-200]
	if _, err := (Generic{}).ClientCertificate(broken, SourceOptions{}); err == nil || strings.Contains(err.Error(), "MII") {
		t.Errorf("broken PEM: %v", err)
	}
	if _, err := (Microsoft365{Tenant: "contoso", ClientID: "c", CertificatePEM: pemFile}).AppOnly(SourceOptions{}); err != nil {
		t.Errorf("Microsoft365 with a certificate: %v", err)
	}
}
