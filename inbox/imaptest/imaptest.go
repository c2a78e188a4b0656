// Package imaptest serves go-imap's IMAP server on loopback for tests and
// benchmarks: the in-memory server of imapmemserver, or sessions of the
// test's own over it (a login by bearer token, say).
package imaptest

import (
	"crypto/tls"
	"io"
	"log"
	"net"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
)

// Serve runs an IMAP server on a loopback port until the test ends, with
// a session from newSession per connection, plaintext logins allowed and
// IMAP4rev1 and IMAP4rev2 offered; tlsConfig (may be nil) is STARTTLS's.
// It returns the server's address.
func Serve(tb testing.TB, newSession func() imapserver.Session, tlsConfig *tls.Config) string {
	tb.Helper()
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return newSession(), nil, nil
		},
		TLSConfig:    tlsConfig,
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}
