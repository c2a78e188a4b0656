package main

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// TestMailInState: what serve tells the dashboard about mail intake: the
// SMTP receiver with its bound address, listening while it runs and not
// after; no IMAP without IMAP_URL.
func TestMailInState(t *testing.T) {
	c, err := loadConfig(envOf(map[string]string{"SMTP_LISTEN": "127.0.0.1:0", "HELPDESK_ADDRESS": "help@company.test"}), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := storagetest.Open(t, t.TempDir()+"/state.db")
	desk := domain.NewDesk(st, nil, storagetest.Logger(t))
	mi, err := newMailIn(context.Background(), c, envOf(nil), st, desk, prometheus.NewRegistry(), storagetest.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	wait := mi.run(ctx, storagetest.Logger(t))
	s := mi.MailInState()
	if len(s.IMAP) != 0 || len(s.Receivers) != 1 || s.Receivers[0].Protocol != "SMTP" || !s.Receivers[0].Listening ||
		!strings.HasPrefix(s.Receivers[0].Addr, "127.0.0.1:") || strings.HasSuffix(s.Receivers[0].Addr, ":0") {
		t.Errorf("while running: %+v", s)
	}
	// Stop once it serves (it greets a client), as serve would, much later.
	conn, err := net.DialTimeout("tcp", s.Receivers[0].Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if greeting, err := bufio.NewReader(conn).ReadString('\n'); err != nil || !strings.HasPrefix(greeting, "220") {
		t.Fatalf("greeting %q, %v", greeting, err)
	}
	conn.Close()
	cancel()
	done := make(chan struct{})
	go func() { wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the receiver did not stop")
	}
	if s := mi.MailInState(); len(s.Receivers) != 1 || s.Receivers[0].Listening {
		t.Errorf("after stopping: %+v", s)
	}
}
