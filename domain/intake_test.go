package domain_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/inbox"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

func TestReceiveNewTicketAndDuplicates(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := intakeDesk(t, s)
		m := mail("m1@mail.test", "ann@company.test", "Printer broken", "It jams.\n\nAnn")
		m.Mail.FromName = "Ann Lee"
		m.Mail.Attachments = []domain.InboundAttachment{{Name: "jam.jpg", ContentType: "image/jpeg", Content: []byte("jpeg")}}
		o := receive1(t, d, m)
		if o.Kind != domain.OutcomeTicket || o.TicketID == 0 {
			t.Fatalf("outcome = %+v", o)
		}
		detail, _ := d.Ticket(ctx, o.TicketID)
		if detail.Ticket.Subject != "Printer broken" || detail.Ticket.MessageID != "m1@mail.test" || eventKinds(detail.Events) != "received,triaged" ||
			len(detail.Attachments) != 1 || detail.Attachments[0].Size != 4 {
			t.Fatalf("ticket = %+v", detail)
		}
		// The same mail again, by another channel: no second ticket.
		again := mail("m1@mail.test", "ann@company.test", "Printer broken", "It jams.")
		again.Source = domain.Source{Channel: "imap", Mailbox: "INBOX", UIDValidity: 5, UID: 9}
		if o := receive1(t, d, again); o.Kind != domain.OutcomeDuplicate {
			t.Fatalf("second copy = %+v, want duplicate", o)
		}
		ts, _ := s.ListTickets(ctx, domain.TicketQuery{})
		log, _ := s.ListInboxLog(ctx, 0)
		if len(ts) != 1 || len(log) != 1 || !strings.Contains(log[0].Reason, "duplicate") {
			t.Fatalf("%d tickets, log %+v", len(ts), log)
		}
		// The duplicate still advanced the mailbox's UID.
		st, err := s.GetMailboxState(ctx, "INBOX")
		if err != nil || st.UIDValidity != 5 || st.LastUID != 9 {
			t.Fatalf("mailbox state = %+v, %v", st, err)
		}
	})
}

func TestReceivePolicy(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := intakeDesk(t, s)
		for _, tt := range []struct {
			from, want string
		}{
			{"eve@elsewhere.test", "outside ALLOWED_SENDER_DOMAINS"},
			{"help+apr-x@company.test", "helpdesk's own addresses"},
			{"", "no sender address"},
		} {
			o := receive1(t, d, mail("p-"+tt.from+"@x", tt.from, "hello", "hi"))
			if o.Kind != domain.OutcomeLogged || !strings.Contains(o.Reason, tt.want) {
				t.Errorf("from %q: %+v, want logged with %q", tt.from, o, tt.want)
			}
		}
		if n, _ := s.CountUsers(ctx); n != 0 {
			t.Errorf("refused senders became %d users", n)
		}
		u := mustUser(t, s, "gone@company.test", domain.RoleEmployee)
		u.Disabled = true
		s.UpdateUser(ctx, u)
		if o := receive1(t, d, mail("p-disabled@x", "gone@company.test", "hello", "hi")); o.Kind != domain.OutcomeLogged {
			t.Errorf("disabled sender: %+v", o)
		}
		all := domain.NewDesk(s, fixedClock{}, nil, domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test", AllowedDomains: []string{"*"}}))
		if o := receive1(t, all, mail("p-star@x", "eve@elsewhere.test", "hello", "hi")); o.Kind != domain.OutcomeTicket {
			t.Errorf("with *: %+v, want a ticket", o)
		}
	})
}

func TestReceiveReplies(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := intakeDesk(t, s)
		o := receive1(t, d, mail("root@mail.test", "ann@company.test", "VPN down", "Cannot connect."))
		id := o.TicketID
		ref := domain.FormatRef(id)

		reply := mail("r1@mail.test", "ann@company.test", "Re: VPN down", "Still broken.\n\n> Cannot connect.")
		reply.Mail.NewText = "Still broken."
		reply.Mail.InReplyTo = []string{"root@mail.test"}
		if o := receive1(t, d, reply); o.Kind != domain.OutcomeComment || o.TicketID != id {
			t.Fatalf("requester reply = %+v", o)
		}
		stranger := mail("r2@mail.test", "mallory@company.test", "Re: VPN down", "me too")
		stranger.Mail.References = []string{"root@mail.test"}
		if o := receive1(t, d, stranger); o.Kind != domain.OutcomeLogged || o.TicketID != id {
			t.Fatalf("stranger reply = %+v", o)
		}
		// A mail we sent about the ticket threads too; an approval mail never does.
		for _, m := range []*domain.OutboxMessage{
			{TicketID: id, Kind: string(domain.MailTicketReceived), To: "ann@company.test", Subject: "s", MessageID: "tkt-1.ack.x@company.test", Raw: []byte("r"), Status: domain.OutboxHeld, NextAttemptAt: t0, CreatedAt: t0},
			{TicketID: id, Kind: string(domain.MailApprovalNeeded), To: "boss@company.test", Subject: "s", MessageID: "tkt-1.apr.y@company.test", Raw: []byte("r"), Status: domain.OutboxHeld, NextAttemptAt: t0, CreatedAt: t0},
		} {
			if err := s.EnqueueMail(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		viaAck := mail("r3@mail.test", "ann@company.test", "Re: [TKT] ack", "thanks")
		viaAck.Mail.InReplyTo = []string{"tkt-1.ack.x@company.test"}
		if o := receive1(t, d, viaAck); o.Kind != domain.OutcomeComment || o.TicketID != id {
			t.Errorf("reply to our ack = %+v", o)
		}
		viaApproval := mail("r4@mail.test", "ann@company.test", "Re: approve", "ok")
		viaApproval.Mail.InReplyTo = []string{"tkt-1.apr.y@company.test"}
		if o := receive1(t, d, viaApproval); o.Kind != domain.OutcomeTicket {
			t.Errorf("reply to an approval mail joined the ticket thread: %+v", o)
		}
		// A forged reference that we never sent matches nothing.
		forged := mail("r5@mail.test", "ann@company.test", "Re: x", "hi")
		forged.Mail.References = []string{"tkt-" + ref + ".ack.guess@company.test"}
		if o := receive1(t, d, forged); o.Kind != domain.OutcomeTicket {
			t.Errorf("forged reference = %+v, want a new ticket", o)
		}
		// Subject tag without references: the requester joins, a stranger opens a new ticket.
		tagged := mail("r6@mail.test", "ann@company.test", "Re: ["+ref+"] VPN down", "Works now.")
		if o := receive1(t, d, tagged); o.Kind != domain.OutcomeComment || o.TicketID != id {
			t.Errorf("tagged reply from requester = %+v", o)
		}
		taggedStranger := mail("r7@mail.test", "mallory@company.test", "["+ref+"] VPN down", "hijack")
		if o := receive1(t, d, taggedStranger); o.Kind != domain.OutcomeTicket || o.TicketID == id {
			t.Errorf("tagged mail from a stranger = %+v, want its own ticket", o)
		}
		// An admin may join by tag.
		mustUser(t, s, "root@company.test", domain.RoleAdmin)
		if o := receive1(t, d, mail("r8@mail.test", "root@company.test", "["+ref+"]", "admin note")); o.Kind != domain.OutcomeComment {
			t.Errorf("tagged mail from an admin = %+v", o)
		}
		detail, _ := d.Ticket(ctx, id)
		if got := eventKinds(detail.Events); got != "received,triaged,commented,mail_ignored,commented,commented,commented" {
			t.Errorf("history = %s", got)
		}
		if detail.Events[2].Detail != "Still broken." {
			t.Errorf("comment text = %q, want the new text only", detail.Events[2].Detail)
		}
	})
}

func TestReceiveAutomatic(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := intakeDesk(t, s)
		id := receive1(t, d, mail("root@mail.test", "ann@company.test", "VPN down", "x")).TicketID
		ooo := mail("ooo@mail.test", "ann@company.test", "Automatic reply: VPN down", "I am away")
		ooo.Mail.Auto.AutoSubmitted = "auto-replied"
		ooo.Mail.InReplyTo = []string{"root@mail.test"}
		if o := receive1(t, d, ooo); o.Kind != domain.OutcomeLogged || o.TicketID != id {
			t.Fatalf("auto-reply = %+v", o)
		}
		bounce := mail("dsn@mail.test", "mailer-daemon@company.test", "Undelivered", "failed")
		bounce.Mail.ReturnPath = "<>"
		if o := receive1(t, d, bounce); o.Kind != domain.OutcomeLogged || o.TicketID != 0 {
			t.Fatalf("bounce = %+v", o)
		}
		detail, _ := d.Ticket(ctx, id)
		if got := eventKinds(detail.Events); got != "received,triaged,auto_reply" {
			t.Errorf("history = %s", got)
		}
		ts, _ := s.ListTickets(ctx, domain.TicketQuery{})
		if len(ts) != 1 {
			t.Errorf("automatic mail made tickets: %d", len(ts))
		}
	})
}

func TestReceiveQuarantineAndBatch(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		// With every domain allowed, a From that is no address reaches
		// OpenTicket and fails there: a poison mail.
		d := domain.NewDesk(s, fixedClock{}, storagetest.Logger(t),
			domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test", AllowedDomains: []string{"*"}}))
		src := func(uid uint32) domain.Source {
			return domain.Source{Channel: "imap", Mailbox: "INBOX", UIDValidity: 7, UID: uid}
		}
		unreadable := domain.Received{Source: src(1), Raw: []byte("\x00garbage"), ParseError: errors.New("no header")}
		good1 := mail("g1@mail.test", "ann@company.test", "one", "1")
		good1.Source = src(2)
		poison := mail("bad@mail.test", "not an address", "two", "2")
		poison.Source = src(3)
		good2 := mail("g2@mail.test", "bob@company.test", "three", "3")
		good2.Source = src(4)

		outs, err := d.Receive(ctx, []domain.Received{unreadable, good1, poison, good2})
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, o := range outs {
			kinds = append(kinds, string(o.Kind))
		}
		if strings.Join(kinds, ",") != "quarantined,ticket,quarantined,ticket" {
			t.Fatalf("outcomes = %v", outs)
		}
		q, _ := s.ListQuarantine(ctx, 0)
		if len(q) != 2 || !strings.Contains(q[1].Reason, "no header") || q[0].UID != 3 {
			t.Fatalf("quarantine = %+v", q)
		}
		full, _ := s.GetQuarantine(ctx, q[1].ID)
		if string(full.Raw) != "\x00garbage" {
			t.Errorf("quarantined bytes = %q", full.Raw)
		}
		st, _ := s.GetMailboxState(ctx, "INBOX")
		if st.LastUID != 4 {
			t.Errorf("last UID = %d, want 4", st.LastUID)
		}
		// Redelivered poison is not quarantined twice.
		if o := receive1(t, d, unreadable); o.Kind != domain.OutcomeDuplicate {
			t.Errorf("redelivered unreadable mail = %+v", o)
		}
		if n, _ := s.CountQuarantine(ctx); n != 2 {
			t.Errorf("quarantine count = %d", n)
		}
	})
}

func TestSubjectRefAndHelpdeskAddress(t *testing.T) {
	p := domain.IntakePolicy{HelpdeskAddress: "help@company.test"}
	for addr, want := range map[string]bool{"help@company.test": true, "Help+apr-abc@Company.test": true, "help@other.test": false, "helper@company.test": false, "": false} {
		if got := p.IsHelpdeskAddress(addr); got != want {
			t.Errorf("IsHelpdeskAddress(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestRetryQuarantined(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := intakeDesk(t, s)
		bad := domain.Received{Source: domain.Source{Channel: "smtp"}, Raw: []byte("From: ann@company.test\r\n\r\nhi"), ParseError: errors.New("parser bug")}
		if o := receive1(t, d, bad); o.Kind != domain.OutcomeQuarantined {
			t.Fatalf("outcome = %+v", o)
		}
		q, _ := d.Quarantine(ctx, 0)
		failing := func([]byte) (*domain.Inbound, error) { return nil, errors.New("still broken") }
		if _, err := d.RetryQuarantined(ctx, q[0].ID, failing); err == nil || !strings.Contains(err.Error(), "still unreadable") {
			t.Fatalf("retry with a failing parser = %v", err)
		}
		if n, _ := s.CountQuarantine(ctx); n != 1 {
			t.Fatalf("failed retry changed the quarantine: %d", n)
		}
		fixed := func([]byte) (*domain.Inbound, error) {
			return &domain.Inbound{From: "ann@company.test", Subject: "Hello", Text: "hi"}, nil
		}
		o, err := d.RetryQuarantined(ctx, q[0].ID, fixed)
		if err != nil || o.Kind != domain.OutcomeTicket {
			t.Fatalf("retry = %+v, %v", o, err)
		}
		if n, _ := s.CountQuarantine(ctx); n != 0 {
			t.Errorf("quarantine still has %d", n)
		}
		if _, err := d.RetryQuarantined(ctx, q[0].ID, fixed); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("second retry = %v, want ErrNotFound", err)
		}
		// The redelivered original is now a duplicate of the ticket.
		if o := receive1(t, d, bad); o.Kind != domain.OutcomeDuplicate {
			t.Errorf("redelivery after retry = %+v", o)
		}
	})
}

func TestAttachmentsDir(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		dir := t.TempDir()
		if err := s.UseAttachmentsDir(dir); err != nil {
			t.Fatal(err)
		}
		d := intakeDesk(t, s)
		m := mail("att@mail.test", "ann@company.test", "Screenshot", "see attached")
		m.Mail.Attachments = []domain.InboundAttachment{{Name: "shot.png", ContentType: "image/png", Content: []byte("\x89PNG fake")}}
		o := receive1(t, d, m)
		list, _ := s.ListAttachments(ctx, o.TicketID)
		if len(list) != 1 || list[0].Path == "" || list[0].Size != 9 {
			t.Fatalf("attachments = %+v", list)
		}
		got, err := readAttachment(t, s, list[0].ID)
		if err != nil || string(got.Content) != "\x89PNG fake" {
			t.Fatalf("GetAttachment = %q, %v", got.Content, err)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
		if len(files) != 1 {
			t.Errorf("files under ATTACHMENTS_DIR: %v", files)
		}
	})
}

// conflictOnce is a store whose first CreateUser inside a transaction
// fails as a concurrent writer's unique insert makes it fail on
// PostgreSQL.
type conflictOnce struct {
	domain.Store
	left int
}

func (c *conflictOnce) InTx(ctx context.Context, fn func(ctx context.Context, tx domain.Store) error) error {
	return c.Store.InTx(ctx, func(ctx context.Context, tx domain.Store) error {
		return fn(ctx, &conflictOnceTx{Store: tx, c: c})
	})
}

type conflictOnceTx struct {
	domain.Store
	c *conflictOnce
}

func (t *conflictOnceTx) CreateUser(ctx context.Context, u *domain.User) error {
	if t.c.left > 0 {
		t.c.left--
		return fmt.Errorf("create user %s: %w", u.Email, domain.ErrConflict)
	}
	return t.Store.CreateUser(ctx, u)
}

// TestReceiveRetriesARace: a mail whose transaction loses a race (two
// mails of one new sender creating the same user at once) is tried again
// alone, not quarantined; the soak on PostgreSQL found it quarantined.
func TestReceiveRetriesARace(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		st := &conflictOnce{Store: s, left: 1}
		d := domain.NewDesk(st, fixedClock{}, storagetest.Logger(t),
			domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test", AllowedDomains: []string{"company.test"}}))
		o := receive1(t, d, mail("race@mail.test", "new@company.test", "VPN down", "It drops."))
		if o.Kind != domain.OutcomeTicket {
			t.Fatalf("outcome = %+v, want a ticket after one retry", o)
		}
		if q, _ := s.ListQuarantine(context.Background(), 0); len(q) != 0 {
			t.Errorf("quarantine = %+v, want none", q)
		}
	})
}

// FuzzDispatch feeds arbitrary mail facts through Desk.Receive on a real
// SQLite store: it must never panic or hang, every mail gets exactly one
// outcome, and automatic mail never becomes a ticket or a comment.
//
//	go test -run '^$' -fuzz FuzzDispatch -fuzztime 20s ./domain/
func FuzzDispatch(f *testing.F) {
	f.Add("m1@x", "ann@company.test", "Printer", "It jams", "", "", "", "")
	f.Add("m2@x", "ann@company.test", "Re: [TKT-1] Printer", "thanks", "m1@x", "m1@x", "", "")
	f.Add("m3@x", "eve@elsewhere.test", "[TKT-1]", "hijack", "", "", "", "")
	f.Add("m4@x", "ann@company.test", "Out of office", "away", "m1@x", "", "auto-replied", "<>")
	f.Add("", "", "", "", "", "", "", "")
	f.Add("m5@x", "help+apr-x@company.test", "loop", "x", "", "", "", "")
	f.Add("m6@x", "root@company.test", "[tkt-999999999999999999999]", "\x00\xff", "tkt-1.ack.x@company.test", "a b c", "no", "")
	st := storagetest.Open(f, filepath.Join(f.TempDir(), "fuzz.db"))
	d := domain.NewDesk(st, nil, nil, domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test", AllowedDomains: []string{"company.test"}}))
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, id, from, subject, text, inReplyTo, refs, autoSubmitted, returnPath string) {
		in := &domain.Inbound{MessageID: id, From: from, Subject: subject, Text: text, NewText: text, ReturnPath: returnPath}
		if inReplyTo != "" {
			in.InReplyTo = []string{inReplyTo}
		}
		if refs != "" {
			in.References = []string{refs}
		}
		in.Auto.AutoSubmitted = autoSubmitted
		auto, _ := in.Automatic()
		outs, err := d.Receive(ctx, []domain.Received{{Source: domain.Source{Channel: "fuzz"}, Raw: []byte(id + from + subject + text), Mail: in}})
		if err != nil {
			t.Fatalf("Receive: %v", err)
		}
		if len(outs) != 1 {
			t.Fatalf("%d outcomes for one mail", len(outs))
		}
		o := outs[0]
		if auto != domain.AutoNone && (o.Kind == domain.OutcomeTicket || o.Kind == domain.OutcomeComment) {
			t.Fatalf("automatic mail (%s) became %s", auto, o.Kind)
		}
		if (o.Kind == domain.OutcomeTicket || o.Kind == domain.OutcomeComment) && o.TicketID == 0 {
			t.Fatalf("%s without a ticket", o.Kind)
		}
	})
}

// TestMailInMailsBack: a mail from inside the policy opens a ticket and
// gets the "ticket received" mail threaded under it; a sender outside the
// policy gets one refusal a day, however often they write; automatic mail
// gets nothing.
func TestMailInMailsBack(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		st := storagetest.Open(t, db.URL)
		clock := storagetest.NewClock(mt0)
		d := domain.NewDesk(st, clock, storagetest.Logger(t), domain.WithComposer(testComposer(t), true),
			domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test", AllowedDomains: []string{"company.test"}}))
		receive := func(raw string) domain.Outcome {
			t.Helper()
			in, err := inbox.Parse([]byte(raw))
			if err != nil {
				t.Fatal(err)
			}
			outs, err := d.Receive(ctx, []domain.Received{{Source: domain.Source{Channel: "smtp"}, Raw: []byte(raw), Mail: in}})
			if err != nil {
				t.Fatal(err)
			}
			return outs[0]
		}
		o := receive("From: Ann <ann@company.test>\r\nTo: help@company.test\r\nSubject: VPN\r\nMessage-Id: <vpn-1@company.test>\r\n\r\nVPN is down.\r\n")
		if o.Kind != domain.OutcomeTicket {
			t.Fatalf("outcome = %+v", o)
		}
		rows := outboxRows(t, st)
		if len(rows) != 1 || rows[0].Kind != string(domain.MailTicketReceived) || rows[0].To != "ann@company.test" || rows[0].Status != domain.OutboxQueued {
			t.Fatalf("outbox = %+v", rows)
		}
		h := mailHeader(t, rows[0].Raw)
		if irt, _ := h.MsgIDList("In-Reply-To"); len(irt) != 1 || irt[0] != "vpn-1@company.test" {
			t.Errorf("ack In-Reply-To = %v, want the requester's mail", irt)
		}

		outsider := func(id string) string {
			return "From: eve@elsewhere.test\r\nTo: help@company.test\r\nSubject: Hello\r\nMessage-Id: <" + id + ">\r\n\r\nCan you help?\r\n"
		}
		receive(outsider("e1@elsewhere.test"))
		receive(outsider("e2@elsewhere.test"))
		ooo := "From: eve@elsewhere.test\r\nTo: help@company.test\r\nSubject: Automatic reply\r\nAuto-Submitted: auto-replied\r\nMessage-Id: <e3@elsewhere.test>\r\n\r\nI am away.\r\n"
		receive(ooo)
		var refusals int
		for _, r := range outboxRows(t, st) {
			if r.Kind == string(domain.MailRefusal) {
				refusals++
			}
		}
		if refusals != 1 {
			t.Errorf("refusals = %d, want 1 (once a day, none to auto-replies)", refusals)
		}
		clock.Advance(25 * time.Hour)
		receive(outsider("e4@elsewhere.test"))
		refusals = 0
		for _, r := range outboxRows(t, st) {
			if r.Kind == string(domain.MailRefusal) {
				refusals++
			}
		}
		if refusals != 2 {
			t.Errorf("refusals after a day = %d, want 2", refusals)
		}
	})
}
