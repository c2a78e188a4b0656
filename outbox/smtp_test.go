package outbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

var testMsg = []byte("From: help@company.test\r\nTo: ann@company.test\r\nSubject: hi\r\n\r\nHello.\r\n")

func dialSend(t *testing.T, cfg SMTPConfig, to string) error {
	t.Helper()
	relay, err := NewSMTP(cfg)
	if err != nil {
		t.Fatalf("NewSMTP(%q): %v", cfg.URL, err)
	}
	c, err := relay.Dial(context.Background())
	if err != nil {
		return err
	}
	defer c.Close()
	return c.Send(context.Background(), "help@company.test", to, testMsg)
}

func TestSMTPStartTLSVerified(t *testing.T) {
	cert, caFile := testCert(t)
	rs := startServer(t, serverOpts{startTLS: true, cert: &cert})
	if err := dialSend(t, SMTPConfig{URL: "smtp://" + rs.addr, CAFile: caFile}, "ann@company.test"); err != nil {
		t.Fatalf("send over STARTTLS: %v", err)
	}
	msgs := rs.messages()
	if len(msgs) != 1 || !msgs[0].TLS || msgs[0].To != "ann@company.test" || msgs[0].From != "help@company.test" ||
		!strings.Contains(string(msgs[0].Data), "Hello.") {
		t.Fatalf("received %+v, want one message over TLS", msgs)
	}
	// Without the CA the certificate is not trusted: no silent fallback.
	err := dialSend(t, SMTPConfig{URL: "smtp://" + rs.addr}, "ann@company.test")
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("send without TLS_CA_FILE = %v, want a certificate error", err)
	}
	if Permanent(err) {
		t.Errorf("a TLS error must be temporary: %v", err)
	}
	if n := len(rs.messages()); n != 1 {
		t.Errorf("%d messages after the failed TLS check, want 1", n)
	}
}

func TestSMTPWithoutSTARTTLSIsAnError(t *testing.T) {
	rs := startServer(t, serverOpts{})
	err := dialSend(t, SMTPConfig{URL: "smtp://" + rs.addr}, "ann@company.test")
	if !errors.Is(err, errNoSTARTTLS) || !strings.Contains(err.Error(), "tls=none") {
		t.Fatalf("send to a relay without STARTTLS = %v, want a clear error naming tls=none", err)
	}
	if len(rs.messages()) != 0 {
		t.Fatal("a message went out in plaintext")
	}
	if err := dialSend(t, SMTPConfig{URL: "smtp://" + rs.addr + "?tls=none"}, "ann@company.test"); err != nil {
		t.Fatalf("send with tls=none: %v", err)
	}
	if msgs := rs.messages(); len(msgs) != 1 || msgs[0].TLS {
		t.Fatalf("received %+v, want one plaintext message", msgs)
	}
}

func TestSMTPImplicitTLSAndAuth(t *testing.T) {
	cert, caFile := testCert(t)
	users := map[string]string{"relay@company.test": "s3cret"}
	for _, mech := range []string{"PLAIN", "LOGIN"} {
		t.Run(mech, func(t *testing.T) {
			rs := startServer(t, serverOpts{implicit: true, cert: &cert, users: users, authMechs: []string{mech}})
			url := "smtps://relay%40company.test:s3cret@" + rs.addr
			if err := dialSend(t, SMTPConfig{URL: url, CAFile: caFile}, "ann@company.test"); err != nil {
				t.Fatalf("send over smtps with AUTH %s: %v", mech, err)
			}
			if msgs := rs.messages(); len(msgs) != 1 || !msgs[0].TLS {
				t.Fatalf("received %+v, want one message over TLS", msgs)
			}
			if rs.authUser != "relay@company.test "+mech {
				t.Errorf("authenticated as %q, want relay@company.test with %s", rs.authUser, mech)
			}
			bad := "smtps://relay%40company.test:wrong@" + rs.addr
			err := dialSend(t, SMTPConfig{URL: bad, CAFile: caFile}, "ann@company.test")
			if err == nil || strings.Contains(err.Error(), "wrong") || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("wrong password: %v; want an error without the password", err)
			}
		})
	}
}

func TestSMTPReusesSessionAndRecoversFromReplyErrors(t *testing.T) {
	rs := startServer(t, serverOpts{})
	rs.failRcpt("nobody@company.test", fault{code: 550})
	relay, err := NewSMTP(SMTPConfig{URL: "smtp://" + rs.addr + "?tls=none"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := relay.Dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, to := range []string{"a@company.test", "nobody@company.test", "b@company.test"} {
		err := c.Send(ctx, "help@company.test", to, testMsg)
		if (err != nil) != (i == 1) {
			t.Errorf("Send to %s = %v", to, err)
		}
		if !c.Usable() {
			t.Fatalf("session unusable after sending to %s", to)
		}
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if n := rs.connCount(); n != 1 {
		t.Errorf("%d connections for three messages, want 1", n)
	}
	if n := len(rs.messages()); n != 2 {
		t.Errorf("%d messages received, want 2", n)
	}
}

func TestSMTPTimeout(t *testing.T) {
	// A relay that accepts the connection and never greets.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	relay, err := NewSMTP(SMTPConfig{URL: "smtp://" + ln.Addr().String() + "?tls=none", StepTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = relay.Dial(context.Background())
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Dial to a silent relay = %v, want a timeout", err)
	}
	if Permanent(err) {
		t.Error("a timeout must be temporary")
	}
}

func TestPermanent(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{&smtp.SMTPError{Code: 421}, false},
		{&smtp.SMTPError{Code: 450}, false},
		{&smtp.SMTPError{Code: 451}, false},
		{&smtp.SMTPError{Code: 550}, true},
		{fmt.Errorf("RCPT TO:<x>: %w", &smtp.SMTPError{Code: 552}), true},
		{&smtp.SMTPError{Code: 554}, true},
		{errors.New("connection reset by peer"), false},
		{context.DeadlineExceeded, false},
	} {
		if got := Permanent(tt.err); got != tt.want {
			t.Errorf("Permanent(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestNewSMTPRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"http://x", "smtp://", "smtp://x?tls=maybe"} {
		if _, err := NewSMTP(SMTPConfig{URL: u}); err == nil {
			t.Errorf("NewSMTP(%q) = nil error", u)
		}
	}
	s, err := NewSMTP(SMTPConfig{URL: "smtp://u:topsecret@mail.test"})
	if err != nil {
		t.Fatal(err)
	}
	if s.String() != "smtp://mail.test:587" || strings.Contains(fmt.Sprint(s), "topsecret") {
		t.Errorf("String() = %q", s.String())
	}
	if s, _ := NewSMTP(SMTPConfig{URL: "smtps://mail.test"}); s.addr != "mail.test:465" {
		t.Errorf("smtps default port: %s", s.addr)
	}
}
