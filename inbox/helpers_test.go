package inbox

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"os"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

func rawMail(id, from, subject string) []byte {
	return []byte(fmt.Sprintf("From: %s\r\nTo: help@company.test\r\nSubject: %s\r\nMessage-Id: <%s>\r\nDate: Fri, 27 Nov 2026 09:00:00 +0000\r\n\r\nHello, this is %s.\r\n", from, subject, id, id))
}

// intake is a real Desk over a fresh store.
type intake struct {
	store *storage.Store
	desk  *domain.Desk
}

func newIntake(t testing.TB, url string) *intake {
	t.Helper()
	st := storagetest.Open(t, url)
	log := storagetest.Logger(t)
	if _, bench := t.(*testing.B); bench {
		log = nil // a log line per ticket would measure the logger
	}
	d := domain.NewDesk(st, nil, log,
		domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test", AllowedDomains: []string{"company.test"}}))
	return &intake{store: st, desk: d}
}

func (in *intake) tickets(t testing.TB) []domain.Ticket {
	t.Helper()
	ts, err := in.store.ListTickets(context.Background(), domain.TicketQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// eventually polls cond every 20 ms for up to 15 s.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// imapServer is an IMAP server for a test: go-imap's in-memory server, or
// the real Dovecot of ../shared/mailstack when MAILSTACK=1.
type imapServer struct {
	addr     string
	user     string
	pass     string
	roots    *x509.CertPool // trusts the server's certificate
	dovecot  bool
	memUser  *imapmemserver.User
	mailbox  string // a mailbox of this test's own
	stopFunc func()
}

// testCert makes a self-signed certificate for 127.0.0.1.
func testCert(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// newMemServer starts go-imap's in-memory server. rev2 gives IDLE and MOVE;
// without it the server has neither (polling, COPY+EXPUNGE).
func newMemServer(t testing.TB, rev2 bool) *imapServer {
	t.Helper()
	return newMemServerWith(t, rev2, nil)
}

// newMemServerWith is newMemServer whose sessions wrap makes (nil: as
// they are), for a test that watches the commands.
func newMemServerWith(t testing.TB, rev2 bool, wrap func(imapserver.Session) imapserver.Session) *imapServer {
	t.Helper()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser("help@company.test", "helpsecret")
	u.Create("INBOX", nil)
	u.Create("Help", nil)
	mem.AddUser(u)
	cert, roots := testCert(t)
	caps := imap.CapSet{imap.CapIMAP4rev1: {}}
	if rev2 {
		caps[imap.CapIMAP4rev2] = struct{}{}
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			if wrap != nil {
				return wrap(mem.NewSession()), nil, nil
			}
			return mem.NewSession(), nil, nil
		},
		TLSConfig:    &tls.Config{Certificates: []tls.Certificate{cert}},
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
		Caps:         caps,
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	s := &imapServer{addr: ln.Addr().String(), user: "help@company.test", pass: "helpsecret", roots: roots, memUser: u, mailbox: "Help"}
	return s
}

// newDovecot uses the mail stack's Dovecot, in a mailbox of the test's own.
func newDovecot(t testing.TB) *imapServer {
	t.Helper()
	if os.Getenv("MAILSTACK") != "1" {
		t.Skip("MAILSTACK=1 not set: real Dovecot tests skipped")
	}
	host, port := os.Getenv("IMAP_HOST"), os.Getenv("IMAP_PORT")
	if host == "" {
		host, port = "127.0.0.1", "1143"
	}
	s := &imapServer{addr: net.JoinHostPort(host, port), user: "help@company.test", pass: "helpsecret", dovecot: true}
	if ca := os.Getenv("TLS_CA_FILE"); ca != "" {
		pem, err := os.ReadFile(ca)
		if err != nil {
			t.Fatal(err)
		}
		s.roots = x509.NewCertPool()
		s.roots.AppendCertsFromPEM(pem)
	}
	s.mailbox = fmt.Sprintf("T%d", time.Now().UnixNano())
	c := s.client(t)
	if err := c.Create(s.mailbox, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c := s.client(t)
		for _, mb := range []string{s.mailbox, s.mailbox + "-done", s.mailbox + "-quarantine"} {
			c.Delete(mb).Wait()
		}
	})
	return s
}

// url is IMAP_URL for this server's test mailbox.
func (s *imapServer) url(mode string) string {
	scheme, q := "imap", "?tls=none"
	if mode == "starttls" {
		q = ""
	}
	return fmt.Sprintf("%s://%s:%s@%s/%s%s", scheme, "help%40company.test", s.pass, s.addr, s.mailbox, q)
}

// client is a plain connection for the test's own look at the mailbox.
func (s *imapServer) client(t testing.TB) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(s.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Login(s.user, s.pass).Wait(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// appendMail puts raw into mailbox (unseen) and returns its UID.
func (s *imapServer) appendMail(t testing.TB, mailbox string, raw []byte) {
	t.Helper()
	c := s.client(t)
	cmd := c.Append(mailbox, int64(len(raw)), nil)
	cmd.Write(raw)
	cmd.Close()
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("append: %v", err)
	}
	c.Logout()
}

// messages returns the UIDs in mailbox and whether each is \Seen.
func (s *imapServer) messages(t testing.TB, mailbox string) map[imap.UID]bool {
	t.Helper()
	c := s.client(t)
	defer c.Logout()
	if _, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return nil
	}
	msgs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true}).Collect()
	if err != nil {
		// An empty mailbox answers "1:*" with an error on some servers.
		return map[imap.UID]bool{}
	}
	out := map[imap.UID]bool{}
	for _, m := range msgs {
		seen := false
		for _, f := range m.Flags {
			seen = seen || f == imap.FlagSeen
		}
		out[m.UID] = seen
	}
	return out
}

// allFlagged reports whether mailbox holds exactly n mails, each \Seen.
func (s *imapServer) allFlagged(t testing.TB, mailbox string, n int) bool {
	t.Helper()
	msgs := s.messages(t, mailbox)
	for _, seen := range msgs {
		if !seen {
			return false
		}
	}
	return len(msgs) == n
}

// recreate deletes and re-creates the test mailbox: a new UIDVALIDITY.
func (s *imapServer) recreate(t testing.TB) {
	t.Helper()
	c := s.client(t)
	if err := c.Delete(s.mailbox).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Create(s.mailbox, nil).Wait(); err != nil {
		t.Fatal(err)
	}
	c.Logout()
}
