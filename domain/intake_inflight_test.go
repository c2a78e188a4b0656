package domain_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// crash is what a test passes as a parser to make a "process" die while it
// parses: the panic leaves Intake as a crash would leave the process, with
// the in-flight rows committed and nothing else.
type crash struct{}

// runLife runs one process life's Intake and reports whether it "died".
func runLife(t *testing.T, d *domain.Desk, items []domain.Received, parse func([]byte) (*domain.Inbound, error)) (outs []domain.Outcome, died bool) {
	t.Helper()
	defer func() {
		if v := recover(); v != nil {
			if _, ok := v.(crash); !ok {
				panic(v)
			}
			died = true
		}
	}()
	// Every life gets fresh items: nothing carries over but the database.
	fresh := make([]domain.Received, len(items))
	for i, it := range items {
		fresh[i] = domain.Received{Source: it.Source, Raw: it.Raw}
	}
	outs, err := d.Intake(context.Background(), fresh, parse)
	if err != nil {
		t.Fatalf("Intake: %v", err)
	}
	return outs, false
}

// countingParser parses "From|Subject|Message-Id" raws, crashes on the
// ones containing "POISON", and counts its calls per raw.
type countingParser struct {
	mu    sync.Mutex // Intake parses a batch on all cores
	calls map[string]int
}

func (p *countingParser) parse(raw []byte) (*domain.Inbound, error) {
	p.mu.Lock()
	p.calls[string(raw)]++
	p.mu.Unlock()
	if strings.Contains(string(raw), "POISON") {
		panic(crash{})
	}
	f := strings.Split(string(raw), "|")
	return &domain.Inbound{From: f[0], Subject: f[1], MessageID: f[2], Text: "body", NewText: "body"}, nil
}

func imapItems(raws ...string) []domain.Received {
	var items []domain.Received
	for i, r := range raws {
		items = append(items, domain.Received{Source: domain.Source{Channel: "imap", Mailbox: "imap://help@x/INBOX", UIDValidity: 7, UID: uint32(i + 1)}, Raw: []byte(r)})
	}
	return items
}

// TestIntakeQuarantinesAfterTwoCrashes: a batch whose third mail kills the
// process. The first life dies with the whole batch in flight; the second
// takes the batch in one mail at a time, commits the two before the poison
// mail and dies on it; the third quarantines the poison mail without
// parsing it and takes in the two after it, which were never blamed.
func TestIntakeQuarantinesAfterTwoCrashes(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		var raws []string
		for i := range 5 {
			raws = append(raws, fmt.Sprintf("ann@company.test|Mail %d|m%d@x.test", i, i))
		}
		raws[2] = "ann@company.test|POISON|poison@x.test"
		items := imapItems(raws...)
		p := &countingParser{calls: map[string]int{}}

		life1 := intakeDesk(t, s)
		if _, died := runLife(t, life1, items, p.parse); !died {
			t.Fatal("life 1 did not die")
		}
		rows := storagetest.InFlightRows(t, s)
		if len(rows) != 5 {
			t.Fatalf("after life 1: %d rows in flight, want 5", len(rows))
		}
		life2 := intakeDesk(t, s)
		if _, died := runLife(t, life2, items, p.parse); !died {
			t.Fatal("life 2 did not die")
		}
		if n := len(ticketsOf(t, s)); n != 2 {
			t.Fatalf("after life 2: %d tickets, want the 2 before the poison mail", n)
		}
		rows = storagetest.InFlightRows(t, s)
		poisonKey := domain.InFlightKey(items[2].Source, items[2].Raw)
		if len(rows) != 3 || rows[poisonKey].Crashes != 1 || rows[poisonKey].Instance != life2.Instance() {
			t.Fatalf("after life 2: rows %+v; want 3, the poison mail's with 1 crash", rows)
		}
		for _, it := range items[3:] {
			if f := rows[domain.InFlightKey(it.Source, it.Raw)]; f.Crashes != 0 || f.Instance != life1.Instance() {
				t.Errorf("a mail after the poison mail was blamed: %+v", f)
			}
		}

		life3 := intakeDesk(t, s)
		outs, died := runLife(t, life3, items[2:], p.parse)
		if died {
			t.Fatal("life 3 parsed the poison mail a third time")
		}
		if len(outs) != 3 || outs[0].Kind != domain.OutcomeQuarantined || outs[0].Reason != domain.ReasonCrashed ||
			outs[1].Kind != domain.OutcomeTicket || outs[2].Kind != domain.OutcomeTicket {
			t.Fatalf("life 3 outcomes = %+v", outs)
		}
		if n := p.calls[raws[2]]; n != 2 {
			t.Errorf("the poison mail was parsed %d times, want 2", n)
		}
		qs, _ := s.ListQuarantine(ctx, 0)
		if len(qs) != 1 || qs[0].Reason != domain.ReasonCrashed || qs[0].UID != 3 {
			t.Fatalf("quarantine = %+v", qs)
		}
		if n := len(ticketsOf(t, s)); n != 4 {
			t.Errorf("%d tickets, want 4", n)
		}
		if st, _ := life3.MailboxState(ctx, "imap://help@x/INBOX"); st.LastUID != 5 {
			t.Errorf("mailbox state = %+v, want last UID 5", st)
		}
		if rows := storagetest.InFlightRows(t, s); len(rows) != 0 {
			t.Errorf("rows left in flight: %+v", rows)
		}
	})
}

// TestIntakeRetryInOneLifeIsNoCrash: a batch left in flight by this same
// process (as after a database error) is taken in again as a batch, with
// no crash counted; a graceful stop releases what it holds, so the next
// life counts nothing either.
func TestIntakeRetryInOneLifeIsNoCrash(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		good := (&countingParser{calls: map[string]int{}}).parse
		failing := func([]byte) (*domain.Inbound, error) { panic(crash{}) }
		items := imapItems("ann@company.test|One|r1@x.test", "ann@company.test|Two|r2@x.test")

		life := intakeDesk(t, s)
		runLife(t, life, items, failing)
		runLife(t, life, items, failing)
		rows := storagetest.InFlightRows(t, s)
		for k, f := range rows {
			if f.Crashes != 0 {
				t.Errorf("%s: %d crashes counted inside one life", k, f.Crashes)
			}
		}
		if err := life.ReleaseInFlight(ctx); err != nil {
			t.Fatal(err)
		}
		if rows := storagetest.InFlightRows(t, s); len(rows) != 0 {
			t.Fatalf("a graceful stop left %d rows", len(rows))
		}
		next := intakeDesk(t, s)
		runLife(t, next, items, failing) // dies, as a crash would
		outs, died := runLife(t, intakeDesk(t, s), items, good)
		if died || len(outs) != 2 || outs[0].Kind != domain.OutcomeTicket || outs[1].Kind != domain.OutcomeTicket {
			t.Fatalf("outcomes = %+v (died %v); one crash must not quarantine", outs, died)
		}
		if rows := storagetest.InFlightRows(t, s); len(rows) != 0 {
			t.Errorf("rows left in flight: %+v", rows)
		}
	})
}

// TestIntakeSMTPKeyIsTheBytes: without a UID, the same bytes are the same
// mail in flight (an MTA retrying after a crash), other bytes another one.
func TestIntakeSMTPKeyIsTheBytes(t *testing.T) {
	a := domain.InFlightKey(domain.Source{Channel: "smtp"}, []byte("x"))
	if a != domain.InFlightKey(domain.Source{Channel: "lmtp"}, []byte("x")) || a == domain.InFlightKey(domain.Source{Channel: "smtp"}, []byte("y")) {
		t.Errorf("keys by bytes are not what they should be")
	}
	long := domain.Source{Mailbox: strings.Repeat("m", 1000), UIDValidity: 1, UID: 2}
	if k := domain.InFlightKey(long, nil); len(k) > 300 {
		t.Errorf("key of a long mailbox name is %d bytes", len(k))
	}
}

// panickyStore panics when asked for the thread of "boom@x.test", inside
// transactions too: a bug deciding one mail.
type panickyStore struct{ domain.Store }

func (p panickyStore) InTx(ctx context.Context, fn func(ctx context.Context, tx domain.Store) error) error {
	return p.Store.InTx(ctx, func(ctx context.Context, tx domain.Store) error { return fn(ctx, panickyStore{tx}) })
}

func (p panickyStore) TicketByMessageID(ctx context.Context, id string) (int64, error) {
	if id == "boom@x.test" {
		panic("boom: index out of range")
	}
	return p.Store.TicketByMessageID(ctx, id)
}

// TestReceivePanicGuard: a panic while deciding one mail quarantines that
// mail with the panic message; the mails around it are taken in, and the
// in-flight rows of all three go.
func TestReceivePanicGuard(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := domain.NewDesk(panickyStore{s}, fixedClock{}, storagetest.Logger(t),
			domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test", AllowedDomains: []string{"company.test"}}))
		p := &countingParser{calls: map[string]int{}}
		items := imapItems("ann@company.test|One|p1@x.test", "ann@company.test|Bad|bad@x.test", "ann@company.test|Two|p2@x.test")
		parse := func(raw []byte) (*domain.Inbound, error) {
			in, err := p.parse(raw)
			if in != nil && in.MessageID == "bad@x.test" {
				in.InReplyTo = []string{"boom@x.test"}
			}
			return in, err
		}
		outs, err := d.Intake(ctx, items, parse)
		if err != nil {
			t.Fatal(err)
		}
		if len(outs) != 3 || outs[0].Kind != domain.OutcomeTicket || outs[2].Kind != domain.OutcomeTicket ||
			outs[1].Kind != domain.OutcomeQuarantined || !strings.Contains(outs[1].Reason, "panic while processing: boom") {
			t.Fatalf("outcomes = %+v", outs)
		}
		qs, _ := s.ListQuarantine(ctx, 0)
		if len(qs) != 1 || qs[0].MessageID != "bad@x.test" {
			t.Fatalf("quarantine = %+v", qs)
		}
		if rows := storagetest.InFlightRows(t, s); len(rows) != 0 {
			t.Errorf("rows left in flight: %+v", rows)
		}
	})
}

func ticketsOf(t *testing.T, s *storage.Store) []domain.Ticket {
	t.Helper()
	ts, err := s.ListTickets(context.Background(), domain.TicketQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// TestPruneInFlight: a row whose mail never came back (its process life
// died, and its SMTP sender gave up) is removed by the scheduled jobs once
// it is InFlightHorizon old; a younger one, of a mail that may still come
// back, is kept with its crash count. The stale mail, should it come back
// after all, is taken in as a new one.
func TestPruneInFlight(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		dies := func([]byte) (*domain.Inbound, error) { panic(crash{}) }
		smtp := func(raw string) []domain.Received {
			return []domain.Received{{Source: domain.Source{Channel: "smtp"}, Raw: []byte(raw)}}
		}
		lifeAt := func(at time.Time) *domain.Desk {
			return domain.NewDesk(s, clockAt(at), storagetest.Logger(t),
				domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test", AllowedDomains: []string{"company.test"}}))
		}
		stale := smtp("ann@company.test|Gone|gone@x.test")
		recent := smtp("ann@company.test|Recent|recent@x.test")
		if _, died := runLife(t, lifeAt(t0.Add(-domain.InFlightHorizon-time.Hour)), stale, dies); !died {
			t.Fatal("the first life did not die")
		}
		if _, died := runLife(t, lifeAt(t0.Add(-domain.InFlightHorizon+time.Hour)), recent, dies); !died {
			t.Fatal("the second life did not die")
		}
		if rows := storagetest.InFlightRows(t, s); len(rows) != 2 {
			t.Fatalf("%d rows in flight, want 2", len(rows))
		}

		now := lifeAt(t0)
		rep, err := now.RunJobs(ctx)
		if err != nil || rep.InFlightPruned != 1 {
			t.Fatalf("RunJobs = %+v, %v; want 1 row pruned", rep, err)
		}
		rows := storagetest.InFlightRows(t, s)
		recentKey := domain.InFlightKey(recent[0].Source, recent[0].Raw)
		if _, ok := rows[recentKey]; len(rows) != 1 || !ok {
			t.Fatalf("rows left = %+v, want only the recent mail's", rows)
		}
		if rep, err := now.RunJobs(ctx); err != nil || rep.InFlightPruned != 0 {
			t.Errorf("second RunJobs = %+v, %v; want nothing pruned", rep, err)
		}

		// Both mails come back: the recent one is taken in as a mail a
		// dead life held, the stale one as a new mail.
		p := &countingParser{calls: map[string]int{}}
		outs, _ := runLife(t, now, append(recent, stale...), p.parse)
		if len(outs) != 2 || outs[0].Kind != domain.OutcomeTicket || outs[1].Kind != domain.OutcomeTicket {
			t.Fatalf("outcomes = %+v, want two tickets", outs)
		}
		if rows := storagetest.InFlightRows(t, s); len(rows) != 0 {
			t.Errorf("rows left after both were committed: %+v", rows)
		}
	})
}
