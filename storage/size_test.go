package storage_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TicketByMessageID finds a ticket by the requester's Message-ID and by the
// Message-IDs of the ticket-thread mails we sent, looked up among the
// ticket their Message-ID names; never by an approval mail's, a Message-ID
// we did not send, or one that names another ticket.
func TestTicketByMessageID(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		a, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "Printer", From: "ann@company.test", MessageID: "m1@mail.test"})
		if err != nil {
			t.Fatal(err)
		}
		b, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "Laptop", From: "bob@company.test"})
		if err != nil {
			t.Fatal(err)
		}
		mid := func(tk *domain.Ticket, kind domain.MailKind, random string) string {
			return fmt.Sprintf("tkt-%d.%s.%s@company.test", tk.ID, kind, random)
		}
		for _, m := range []*domain.OutboxMessage{
			{TicketID: a.ID, Kind: string(domain.MailAssigned), MessageID: mid(a, domain.MailAssigned, "r1")},
			{TicketID: a.ID, Kind: string(domain.MailApprovalNeeded), MessageID: mid(a, domain.MailApprovalNeeded, "tok")},
			{TicketID: b.ID, Kind: string(domain.MailTicketReceived), MessageID: mid(b, domain.MailTicketReceived, "r2")},
			// A mail of b whose Message-ID names a: not ours to match.
			{TicketID: b.ID, Kind: string(domain.MailComment), MessageID: mid(a, domain.MailComment, "r3")},
		} {
			m.To, m.Subject, m.Raw, m.Status, m.NextAttemptAt, m.CreatedAt = "x@company.test", "s", []byte("raw"), domain.OutboxHeld, t0, t0
			if err := s.EnqueueMail(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			id   string
			want int64 // 0: not found
		}{
			{"m1@mail.test", a.ID},
			{mid(a, domain.MailAssigned, "r1"), a.ID},
			{mid(b, domain.MailTicketReceived, "r2"), b.ID},
			{mid(a, domain.MailApprovalNeeded, "tok"), 0},
			{mid(a, domain.MailComment, "r3"), 0},
			{mid(a, domain.MailAssigned, "other"), 0},
			{fmt.Sprintf("tkt-%d.assigned.r1@company.test", b.ID+100), 0},
			{"tkt-.assigned.r1@company.test", 0},
			{"tkt-x1.assigned.r1@company.test", 0},
			{"tkt-0.refusal.r1@company.test", 0},
			{"someone@else.test", 0},
			{"", 0},
		}
		for _, tt := range tests {
			got, err := s.TicketByMessageID(ctx, tt.id)
			if tt.want == 0 {
				if !errors.Is(err, domain.ErrNotFound) {
					t.Errorf("TicketByMessageID(%q) = %d, %v; want ErrNotFound", tt.id, got, err)
				}
				continue
			}
			if err != nil || got != tt.want {
				t.Errorf("TicketByMessageID(%q) = %d, %v; want %d", tt.id, got, err, tt.want)
			}
		}
	})
}

// The statements whose indexes the size migration (20261207000019_size)
// narrowed use the narrow ones, on both databases: a reply's reference
// among its ticket's mail, the unsent outbox rows by status, and the
// admins' approval problems.
func TestSizeQueryPlans(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		var queries []string
		s.RecordQueries(func(q string) { queries = append(queries, q) })
		type planned struct {
			what, index string
			run         func() error
		}
		steps := []planned{
			{"a reply's reference", "outbox_ticket", func() error {
				_, err := s.TicketByMessageID(ctx, "tkt-7.assigned.r1@company.test")
				if errors.Is(err, domain.ErrNotFound) {
					return nil
				}
				return err
			}},
			{"the held rows", "outbox_unsent", func() error {
				_, err := s.ListOutbox(ctx, domain.OutboxHeld, 50)
				return err
			}},
			{"held rows requeued", "outbox_unsent", func() error {
				_, err := s.RequeueOutbox(ctx, 0, domain.OutboxHeld, domain.OutboxQueued, t0)
				return err
			}},
			{"dead rows requeued", "outbox_unsent", func() error {
				_, err := s.RequeueOutbox(ctx, 0, "", domain.OutboxQueued, t0)
				return err
			}},
			{"approval problems", "events_problems", func() error {
				_, err := s.ApprovalProblems(ctx, 20)
				return err
			}},
		}
		for _, st := range steps {
			queries = queries[:0]
			if err := st.run(); err != nil {
				t.Fatalf("%s: %v", st.what, err)
			}
			q := queries[len(queries)-1]
			plan, err := s.QueryPlan(ctx, q)
			if err != nil {
				t.Fatalf("plan of %s: %v", q, err)
			}
			if !strings.Contains(plan, st.index) {
				t.Errorf("%s: plan of %s does not use %s:\n%s", st.what, q, st.index, plan)
			}
		}
	})
}

// A composed mail's subject and Message-ID are stored once, in the mail:
// the row's columns stay empty, and every read gives them back (a row, a
// list, a ticket's mail, a claim, the retention job's rows, after its body
// is dropped, and a reply's reference). A row written with its columns
// (before this, or a message without those headers) reads as written.
func TestOutboxHeadersStoredOnce(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tk, err := newDesk(t, s).OpenTicket(ctx, domain.NewTicket{Subject: "Imprimante", From: "ann@company.test"})
		if err != nil {
			t.Fatal(err)
		}
		subject := fmt.Sprintf("Re: [TKT-%d] Imprimante bloquée — page 2", tk.ID)
		mail := func(random string) *domain.OutboxMessage {
			id := fmt.Sprintf("tkt-%d.assigned.%s@company.test", tk.ID, random)
			raw := fmt.Sprintf("From: IT Helpdesk <help@company.test>\r\nSubject: =?utf-8?q?Re=3A_[TKT-%d]_Imprimante_bloqu=C3=A9e_?=\r\n"+
				" =?utf-8?q?=E2=80=94_page_2?=\r\nMessage-Id: <%s>\r\n\r\nBonjour.\r\n", tk.ID, id)
			return &domain.OutboxMessage{TicketID: tk.ID, Kind: string(domain.MailAssigned), To: "bob@company.test",
				Subject: subject, MessageID: id, Raw: []byte(raw), Status: domain.OutboxQueued, NextAttemptAt: t0, CreatedAt: t0}
		}
		one, batch := mail("one"), mail("batch")
		if err := s.EnqueueMail(ctx, one); err != nil {
			t.Fatal(err)
		}
		if err := s.EnqueueMails(ctx, []*domain.OutboxMessage{batch}); err != nil {
			t.Fatal(err)
		}
		old := enqueue(t, s, domain.OutboxQueued, t0) // raw "raw": subject "s" kept
		ms, err := s.TicketMail(ctx, tk.ID)
		if err != nil || len(ms) != 2 {
			t.Fatalf("TicketMail = %d rows, %v", len(ms), err)
		}
		batch.ID = ms[1].ID
		check := func(what string, got domain.OutboxMessage, want *domain.OutboxMessage) {
			t.Helper()
			if got.Subject != want.Subject || got.MessageID != want.MessageID {
				t.Errorf("%s: subject %q, Message-ID %q; want %q, %q", what, got.Subject, got.MessageID, want.Subject, want.MessageID)
			}
		}
		for _, m := range []*domain.OutboxMessage{one, batch} {
			if subj, id, err := s.OutboxColumnsForTest(ctx, m.ID); err != nil || subj != "" || id != "" {
				t.Errorf("row %d stores subject %q, Message-ID %q (%v); want both left to the mail", m.ID, subj, id, err)
			}
			got, err := s.GetOutbox(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			check("GetOutbox", *got, m)
			if found, err := s.TicketByMessageID(ctx, m.MessageID); err != nil || found != tk.ID {
				t.Errorf("TicketByMessageID(%q) = %d, %v; want %d", m.MessageID, found, err, tk.ID)
			}
		}
		if subj, id, _ := s.OutboxColumnsForTest(ctx, old.ID); subj != "s" || id != old.MessageID {
			t.Errorf("a mail without those headers stores %q, %q; want them as given", subj, id)
		}
		check("TicketMail", ms[0], one)
		check("TicketMail", ms[1], batch)
		list, err := s.ListOutbox(ctx, "", 10)
		if err != nil || len(list) != 3 {
			t.Fatalf("ListOutbox = %d rows, %v", len(list), err)
		}
		check("ListOutbox", list[0], old)
		check("ListOutbox", list[1], batch)
		if list[1].Raw != nil || ms[0].Raw != nil {
			t.Error("a list returned raw bytes")
		}
		claimed, err := s.ClaimOutbox(ctx, t0, t0.Add(time.Minute), 10)
		if err != nil || len(claimed) != 3 {
			t.Fatalf("ClaimOutbox = %d rows, %v", len(claimed), err)
		}
		check("ClaimOutbox", claimed[0], one)
		sent := t0.Add(time.Minute)
		one.Status, one.SentAt = domain.OutboxSent, &sent
		if err := s.UpdateOutbox(ctx, one); err != nil {
			t.Fatal(err)
		}
		kept, err := s.SentWithBody(ctx, t0.Add(time.Hour), 10)
		if err != nil || len(kept) != 1 {
			t.Fatalf("SentWithBody = %d rows, %v", len(kept), err)
		}
		check("SentWithBody", kept[0], one)
		if err := s.DropOutboxBody(ctx, one.ID, domain.HeaderSection(one.Raw), sent); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetOutbox(ctx, one.ID)
		if err != nil {
			t.Fatal(err)
		}
		check("GetOutbox after the body was dropped", *got, one)
		if found, err := s.TicketByMessageID(ctx, one.MessageID); err != nil || found != tk.ID {
			t.Errorf("TicketByMessageID after the body was dropped = %d, %v", found, err)
		}
	})
}

// On SQLite the WAL file shrinks back after a burst of writes: a
// transaction of 12 MB grows it, and once a checkpoint has copied it into
// the database the next write cuts it back to journal_size_limit (4 MiB),
// where SQLite would keep all 12 MB for good.
func TestSQLiteWALShrinks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ticketgate.db")
	s := storagetest.Open(t, path)
	ctx := context.Background()
	walSize := func() int64 {
		t.Helper()
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	if err := s.RawExec(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
		INSERT INTO settings (key, value) SELECT 'k' || i, hex(randomblob(2000)) FROM n`); err != nil {
		t.Fatal(err)
	}
	if got := walSize(); got < 10<<20 {
		t.Fatalf("the WAL holds %d bytes after a transaction of 12 MB; want more than 10 MB", got)
	}
	if err := s.RawExec(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
		t.Fatal(err)
	}
	if err := s.RawExec(ctx, "INSERT INTO settings (key, value) VALUES ('after', 'the burst')"); err != nil {
		t.Fatal(err)
	}
	if got := walSize(); got > 4<<20 {
		t.Errorf("the WAL holds %d bytes after a checkpoint and a small write; want at most 4 MiB", got)
	}
}

// A database written before the size migration upgrades with its rows
// readable: an outbox row with its subject and Message-ID in their columns
// (and its mail unpacked) is listed as it was and found by a reply's
// reference, an approval problem is still listed, and the migration goes
// down and up again.
func TestSizeMigrationKeepsRows(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		s, err := storage.Open(ctx, db.URL, storagetest.Logger(t))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		before, err := s.MigratorUpToForTest("20261207000018")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := before.Up(ctx); err != nil {
			t.Fatal(err)
		}
		// Written with SQL of that schema: this binary's statements name
		// columns later migrations add (tickets.mailbox).
		if err := s.RawExec(ctx, `INSERT INTO users (email, role, created_at, updated_at) VALUES ('ann@company.test', 'employee', ?, ?)`,
			t0, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.RawExec(ctx, `INSERT INTO tickets (subject, requester_id, status, created_at, updated_at)
			SELECT 'Printer', id, 'triage', ?, ? FROM users WHERE email = 'ann@company.test'`, t0, t0); err != nil {
			t.Fatal(err)
		}
		tk := &domain.Ticket{ID: 1}
		subject := fmt.Sprintf("Re: [TKT-%d] Printer", tk.ID)
		mid := fmt.Sprintf("tkt-%d.assigned.old@company.test", tk.ID)
		raw := fmt.Sprintf("Subject: %s\r\nMessage-Id: <%s>\r\n\r\nHello.\r\n", subject, mid)
		if err := s.RawExec(ctx, `INSERT INTO outbox (ticket_id, kind, to_addr, subject, message_id, raw, status, attempts,
			next_attempt_at, last_error, created_at) VALUES (?, 'assigned', 'bob@company.test', ?, ?, ?, 'held', 0, ?, '', ?)`,
			tk.ID, subject, mid, []byte(raw), t0, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.AppendEvents(ctx, &domain.Event{TicketID: tk.ID, At: t0, Kind: domain.EventApprovalRefused,
			Actor: "eve@company.test", Detail: "a valid token from another sender"}); err != nil {
			t.Fatal(err)
		}
		readable := func(when string) {
			t.Helper()
			if got, err := s.TicketByMessageID(ctx, mid); err != nil || got != tk.ID {
				t.Errorf("%s: TicketByMessageID = %d, %v; want %d", when, got, err, tk.ID)
			}
			ms, err := s.ListOutbox(ctx, domain.OutboxHeld, 10)
			if err != nil || len(ms) != 1 || ms[0].Subject != subject || ms[0].MessageID != mid {
				t.Errorf("%s: ListOutbox(held) = %+v, %v; want the row with its subject and Message-ID", when, ms, err)
			}
			if ps, err := s.ApprovalProblems(ctx, 10); err != nil || len(ps) != 1 {
				t.Errorf("%s: ApprovalProblems = %+v, %v; want the refused approval", when, ps, err)
			}
		}
		m, err := s.MigratorUpToForTest("20261207000019")
		if err != nil {
			t.Fatal(err)
		}
		up, err := m.Up(ctx)
		if err != nil || len(up) != 1 || !strings.Contains(up[0], "20261207000019") {
			t.Fatalf("Up = %v, %v; want the size migration", up, err)
		}
		// This binary reads the schema of every migration: the later ones
		// go up (and down) around each reading.
		all, err := s.MigratorUpToForTest("")
		if err != nil {
			t.Fatal(err)
		}
		later := func() {
			t.Helper()
			if _, err := all.Up(ctx); err != nil {
				t.Fatal(err)
			}
		}
		undoLater := func() {
			t.Helper()
			if _, err := all.Down(ctx); err != nil {
				t.Fatal(err)
			}
		}
		later()
		readable("after the migration")
		undoLater()
		if down, err := m.Down(ctx); err != nil || len(down) != 1 {
			t.Fatalf("Down = %v, %v", down, err)
		}
		if _, err := m.Up(ctx); err != nil {
			t.Fatal(err)
		}
		later()
		readable("after it went up again")
	})
}

// AutovacuumOff says what the server says (serve warns when it is off);
// Analyze runs on both engines.
func TestAutovacuumOffAndAnalyze(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		off, err := s.AutovacuumOff(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := false
		if s.Postgres() {
			var v []string
			if err := s.RawForTest(ctx, "SHOW autovacuum", &v); err != nil {
				t.Fatal(err)
			}
			want = len(v) == 1 && v[0] == "off"
		}
		if off != want {
			t.Errorf("AutovacuumOff = %v, want %v", off, want)
		}
		if err := s.Analyze(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
