package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// mailTLS returns the TLS settings for IMAP and SMTP: the system roots plus
// TLS_CA_FILE when set.
func mailTLS(c *Config) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.TLSCAFile == "" {
		return cfg, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	pem, err := os.ReadFile(c.TLSCAFile)
	if err != nil {
		return nil, fmt.Errorf("TLS_CA_FILE: %v", err)
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("TLS_CA_FILE: %s holds no PEM certificate", c.TLSCAFile)
	}
	cfg.RootCAs = pool
	return cfg, nil
}
