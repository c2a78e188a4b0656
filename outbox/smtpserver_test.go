package outbox

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"ticketgate/domain/mailauth/mailauthtest"
)

// A recording SMTP server for tests (after foxcpp/maddy's
// internal/testutils/smtp_server.go): it keeps every message it accepts and
// fails the recipients it is told to, at RCPT or at DATA, with a reply or by
// dropping the connection.

// fault is what the server does to one recipient.
type fault struct {
	code int  // an SMTP reply code; 0 with drop
	drop bool // close the connection instead of answering
}

type received struct {
	From, To string
	Data     []byte
	TLS      bool // came over TLS (STARTTLS or implicit)
}

type recordingServer struct {
	t    *testing.T
	addr string

	mu       sync.Mutex
	msgs     []received
	rcptErr  map[string]fault // at RCPT TO
	dataErr  map[string]fault // at the end of DATA
	conns    int              // connections accepted
	authUser string           // user that authenticated last
	auth     map[string]string
	mechs    []string
	// oauth checks a bearer token for user (XOAUTH2, OAUTHBEARER).
	oauth func(user, token string) error
}

// countingListener counts the connections the server accepts.
type countingListener struct {
	net.Listener
	rs *recordingServer
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.rs.mu.Lock()
		l.rs.conns++
		l.rs.mu.Unlock()
	}
	return c, err
}

type serverOpts struct {
	startTLS  bool // offer STARTTLS with cert
	implicit  bool // TLS from the first byte
	cert      *tls.Certificate
	users     map[string]string // AUTH accounts; nil: no AUTH
	authMechs []string          // default PLAIN and LOGIN
	oauth     func(user, token string) error
}

func startServer(t *testing.T, o serverOpts) *recordingServer {
	t.Helper()
	rs := &recordingServer{t: t, rcptErr: map[string]fault{}, dataErr: map[string]fault{}, auth: o.users, mechs: o.authMechs, oauth: o.oauth}
	if rs.mechs == nil {
		rs.mechs = []string{sasl.Plain, sasl.Login}
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &recSession{rs: rs, c: c}, nil
	}))
	srv.Domain = "relay.test"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	var ln net.Listener
	var err error
	if o.cert != nil {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*o.cert}}
	}
	if o.implicit {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", srv.TLSConfig)
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
		if !o.startTLS {
			srv.TLSConfig = nil
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	rs.addr = ln.Addr().String()
	go srv.Serve(countingListener{ln, rs})
	t.Cleanup(func() { srv.Close() })
	return rs
}

func (rs *recordingServer) failRcpt(to string, f fault) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.rcptErr[to] = f
}

func (rs *recordingServer) failData(to string, f fault) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.dataErr[to] = f
}

func (rs *recordingServer) heal() {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.rcptErr, rs.dataErr = map[string]fault{}, map[string]fault{}
}

func (rs *recordingServer) messages() []received {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]received(nil), rs.msgs...)
}

func (rs *recordingServer) connCount() int {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.conns
}

type recSession struct {
	rs   *recordingServer
	c    *smtp.Conn
	from string
	to   []string
}

func (s *recSession) apply(f fault) error {
	if f.drop {
		s.c.Conn().Close()
		return errors.New("dropped")
	}
	return &smtp.SMTPError{Code: f.code, EnhancedCode: smtp.EnhancedCode{f.code / 100, 0, 0}, Message: "injected failure"}
}

func (s *recSession) AuthMechanisms() []string {
	if s.rs.auth == nil && s.rs.oauth == nil {
		return nil
	}
	return s.rs.mechs
}

func (s *recSession) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if want, ok := s.rs.auth[user]; !ok || want != pass {
			return smtp.ErrAuthFailed
		}
		s.rs.mu.Lock()
		s.rs.authUser = user + " " + mech
		s.rs.mu.Unlock()
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	case sasl.OAuthBearer:
		return mailauthtest.NewOAuthBearerServer(func(user, token string) error { return s.checkToken(mech, user, token) }), nil
	case "XOAUTH2":
		return mailauthtest.NewXOAuth2Server(func(user, token string) error { return s.checkToken(mech, user, token) }), nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (s *recSession) Mail(from string, _ *smtp.MailOptions) error { s.from = from; return nil }

func (s *recSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.rs.mu.Lock()
	f, bad := s.rs.rcptErr[to]
	s.rs.mu.Unlock()
	if bad {
		return s.apply(f)
	}
	s.to = append(s.to, to)
	return nil
}

func (s *recSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.rs.mu.Lock()
	defer s.rs.mu.Unlock()
	for _, to := range s.to {
		if f, bad := s.rs.dataErr[to]; bad {
			s.rs.mu.Unlock()
			err := s.apply(f)
			s.rs.mu.Lock()
			return err
		}
	}
	_, isTLS := s.c.TLSConnectionState()
	for _, to := range s.to {
		s.rs.msgs = append(s.rs.msgs, received{From: s.from, To: to, Data: b, TLS: isTLS})
	}
	return nil
}

func (s *recSession) Reset()        { s.from, s.to = "", nil }
func (s *recSession) Logout() error { return nil }

func (s *recSession) checkToken(mech, user, token string) error {
	if s.rs.oauth == nil || s.rs.oauth(user, token) != nil {
		return smtp.ErrAuthFailed
	}
	s.rs.mu.Lock()
	s.rs.authUser = user + " " + mech
	s.rs.mu.Unlock()
	return nil
}

// loginServer is the server side of AUTH LOGIN, which go-sasl has only as a
// client.
type loginServer struct {
	check func(user, pass string) error
	user  string
	step  int
}

func (l *loginServer) Next(resp []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step++
		if len(resp) > 0 { // initial response carries the user name
			l.user = string(resp)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		l.user = string(resp)
		l.step++
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(l.user, string(resp))
	}
}

// testCert makes a self-signed certificate for 127.0.0.1 and localhost and
// writes it as a PEM CA file.
func testCert(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "ticketgate test relay"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, path
}
