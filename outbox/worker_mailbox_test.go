package outbox

import (
	"context"
	"testing"
	"time"

	"ticketgate/domain"
)

// mapSenders is Senders over a map of mailbox → relay.
type mapSenders map[string]Transport

func (s mapSenders) Sender(_ context.Context, mailbox string) (Transport, string, bool) {
	tr, ok := s[mailbox]
	return tr, mailbox, ok
}

// Each mail goes through its mailbox's relay with the mailbox as envelope
// sender, one session per relay and batch; the default mailbox's mail and
// that of a mailbox that is gone go through the default relay, from
// MAIL_FROM.
func TestWorkerSendsThroughEachMailbox(t *testing.T) {
	def, hr := startServer(t, serverOpts{}), startServer(t, serverOpts{})
	relay := func(rs *recordingServer) *SMTP {
		r, err := NewSMTP(SMTPConfig{URL: "smtp://" + rs.addr + "?tls=none", StepTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	store := &memStore{}
	w := NewWorker(WorkerConfig{Store: store, Transport: relay(def), From: "help@company.test",
		Senders: mapSenders{"hr@company.test": relay(hr)}, Clock: &fakeClock{now: t0}, Log: testLogger(t), Jitter: testJitter})
	for _, r := range []struct{ to, mailbox string }{
		{"ann@company.test", ""}, {"bob@company.test", "hr@company.test"}, {"cid@company.test", "hr@company.test"},
		{"dan@company.test", "gone@company.test"},
	} {
		store.add(domain.OutboxMessage{TicketID: 7, Kind: "comment", To: r.to, Raw: testMsg, Mailbox: r.mailbox,
			Status: domain.OutboxQueued, NextAttemptAt: t0, CreatedAt: t0})
	}
	if n, err := w.SendDue(context.Background()); err != nil || n != 4 {
		t.Fatalf("SendDue = %d, %v", n, err)
	}
	got := func(rs *recordingServer) map[string]string {
		out := map[string]string{}
		for _, m := range rs.messages() {
			out[m.To] = m.From
		}
		return out
	}
	if g := got(hr); len(g) != 2 || g["bob@company.test"] != "hr@company.test" || g["cid@company.test"] != "hr@company.test" {
		t.Errorf("hr@'s relay got %v; want bob@ and cid@ from hr@company.test", g)
	}
	if g := got(def); len(g) != 2 || g["ann@company.test"] != "help@company.test" || g["dan@company.test"] != "help@company.test" {
		t.Errorf("default relay got %v; want ann@ and dan@ (a mailbox gone) from help@company.test", g)
	}
	if hr.connCount() != 1 || def.connCount() != 1 {
		t.Errorf("sessions: hr@ %d, default %d; want one each", hr.connCount(), def.connCount())
	}
}
