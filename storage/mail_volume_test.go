package storage_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// lowConfidence leaves every ticket in triage with Access as its best guess.
var lowConfidence = domain.Classification{Category: "Access", Confidence: 0.41, Method: domain.MethodLocal,
	Candidates: []domain.Candidate{{Category: "Access", Confidence: 0.41}, {Category: "Hardware Request", Confidence: 0.30}}}

// digestDesk is a Desk that leaves tickets in triage and sends digests
// every 15 minutes, over s, with a clock the test moves.
func digestDesk(t *testing.T, s *storage.Store, c *movingClock, composer domain.Composer) *domain.Desk {
	t.Helper()
	return domain.NewDesk(s, c, storagetest.Logger(t), domain.WithClassifier(&stubClassifier{Res: lowConfidence}, 0.6),
		domain.WithComposer(composer, true), domain.WithSchedule(domain.Schedule{TriageDigest: 15 * time.Minute}))
}

// triageTickets opens n tickets and classifies them into triage.
func triageTickets(t *testing.T, d *domain.Desk, n int, subject string) []*domain.Ticket {
	t.Helper()
	ctx := context.Background()
	var ts []*domain.Ticket
	for i := range n {
		tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: fmt.Sprintf("%s %d", subject, i), From: fmt.Sprintf("u%d@x.test", i)})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.ClassifyTicket(ctx, tk.ID); err != nil {
			t.Fatal(err)
		}
		ts = append(ts, tk)
	}
	return ts
}

// digests returns the triage notices composer rendered since from, as
// "to: line; line; total=N more=M".
func digests(c *recordingComposer, from int) ([]string, int) {
	var out []string
	for _, m := range c.Sent()[from:] {
		if m.Kind != domain.MailTriageNotice {
			continue
		}
		var ls []string
		for _, l := range m.Lines {
			ls = append(ls, l.Ref+" "+l.Note)
		}
		out = append(out, fmt.Sprintf("%s: %s; total=%s more=%s", m.To, strings.Join(ls, "; "), m.Vars["total"], m.Vars["more"]))
	}
	return out, len(c.Mails)
}

func TestTriageDigest(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		clock := storagetest.NewMovingClock(t0)
		composer := &recordingComposer{}
		d := digestDesk(t, s, clock, composer)
		applySetup(t, d, classifySetup) // root@x.test admin, off@x.test disabled admin
		if err := s.CreateUser(ctx, &domain.User{Email: "second@x.test", Role: domain.RoleAdmin, CreatedAt: t0, UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		send := func(want int) {
			t.Helper()
			if n, err := d.SendTriageDigests(ctx); err != nil || n != want {
				t.Fatalf("at %s: SendTriageDigests = %d, %v; want %d", clock.Now().Format(time.TimeOnly), n, err, want)
			}
		}

		// Nothing in triage: nothing sent; an unclassified ticket is not
		// waiting for an admin yet.
		send(0)
		if _, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "not classified yet", From: "z@x.test"}); err != nil {
			t.Fatal(err)
		}
		send(0)

		ts := triageTickets(t, d, 3, "first")
		if notices := outboxKinds(t, s, domain.MailTriageNotice); notices != 0 {
			t.Fatalf("classification queued %d triage notices, want none", notices)
		}
		send(2) // root and second; never the disabled admin
		got, mark := digests(composer, 0)
		line := func(ts []*domain.Ticket) string {
			var ls []string
			for _, tk := range ts {
				ls = append(ls, tk.Ref()+" best guess Access 0.41")
			}
			return strings.Join(ls, "; ")
		}
		want := []string{"root@x.test: " + line(ts) + "; total=3 more=0", "second@x.test: " + line(ts) + "; total=3 more=0"}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("digests =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if n := outboxKinds(t, s, domain.MailTriageNotice); n != 2 {
			t.Errorf("triage notices in the outbox = %d, want 2", n)
		}
		// The history still says the ticket went to triage.
		detail, err := d.Ticket(ctx, ts[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if last := detail.Events[len(detail.Events)-1]; last.Kind != domain.EventTriaged || !strings.HasPrefix(last.Detail, "left in triage for an admin") {
			t.Errorf("last event = %s: %s, want triaged", last.Kind, last.Detail)
		}

		// At once again: nothing. A new ticket within the interval waits.
		send(0)
		clock.Add(5 * time.Minute)
		ts = append(ts, triageTickets(t, d, 1, "second")...)
		send(0)
		// Past the interval: one digest each, listing all four.
		clock.Add(11 * time.Minute)
		send(2)
		got, mark = digests(composer, mark)
		if len(got) != 2 || got[0] != "root@x.test: "+line(ts)+"; total=4 more=0" {
			t.Errorf("second digests = %q, want four tickets each", got)
		}
		// Past the interval with nothing new: nothing.
		clock.Add(20 * time.Minute)
		send(0)

		// A long queue: the 50 oldest and how many more.
		more := triageTickets(t, d, 52, "bulk")
		send(2)
		got, _ = digests(composer, mark)
		all := append(ts, more...)
		if want := "root@x.test: " + line(all[:50]) + "; total=56 more=6"; len(got) != 2 || got[0] != want {
			t.Errorf("long digest = %q\nwant %q", got, want)
		}
	})
}

// outboxKinds counts the outbox rows of kind.
func outboxKinds(t *testing.T, s *storage.Store, kind domain.MailKind) int {
	t.Helper()
	ms, err := s.ListOutbox(context.Background(), "", 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range ms {
		if m.Kind == string(kind) {
			n++
		}
	}
	return n
}

// Two instances on one database, sending digests at the same time, send
// one digest per admin.
func TestTriageDigestTwoInstances(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		s1, s2 := storagetest.Open(t, db.URL), storagetest.Open(t, db.URL)
		clock := storagetest.NewMovingClock(t0)
		c1, c2 := &recordingComposer{}, &recordingComposer{}
		d1, d2 := digestDesk(t, s1, clock, c1), digestDesk(t, s2, clock, c2)
		applySetup(t, d1, classifySetup)
		triageTickets(t, d1, 3, "race")
		for round := range 3 {
			var wg sync.WaitGroup
			counts := make([]int, 2)
			errs := make([]error, 2)
			for i, d := range []*domain.Desk{d1, d2} {
				wg.Go(func() { counts[i], errs[i] = d.SendTriageDigests(ctx) })
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			if counts[0]+counts[1] != 1 {
				t.Errorf("round %d: the instances sent %d and %d digests, want one in all", round, counts[0], counts[1])
			}
			if n := outboxKinds(t, s1, domain.MailTriageNotice); n != round+1 {
				t.Errorf("round %d: %d triage notices in the outbox, want %d", round, n, round+1)
			}
			clock.Add(16 * time.Minute)
			triageTickets(t, d1, 1, fmt.Sprintf("round %d", round))
		}
	})
}

func TestAcksPerSender(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		clock := storagetest.NewMovingClock(t0)
		d := domain.NewDesk(s, clock, storagetest.Logger(t), domain.WithComposer(&recordingComposer{}, true))
		acks := func(to string) int {
			t.Helper()
			n, err := s.CountMailSince(ctx, domain.MailTicketReceived, to, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		open := func(from string) *domain.Ticket {
			t.Helper()
			tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "again", From: from})
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		lastEvent := func(tk *domain.Ticket) domain.Event {
			t.Helper()
			detail, err := d.Ticket(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			return detail.Events[len(detail.Events)-1]
		}
		for range domain.DefaultAcksPerSenderPerHour {
			open("ann@x.test")
			clock.Add(time.Minute)
		}
		if n := acks("ann@x.test"); n != 10 {
			t.Fatalf("acknowledgements after 10 tickets = %d, want 10", n)
		}
		// The 11th ticket in the hour is made, without acknowledgement, and
		// says so in its history.
		tk := open("ann@x.test")
		if n := acks("ann@x.test"); n != 10 {
			t.Errorf("acknowledgements after the 11th ticket = %d, want still 10", n)
		}
		e := lastEvent(tk)
		if want := "acknowledgement not sent: ann@x.test was sent 10 in the last hour (ACKS_PER_SENDER_PER_HOUR is 10)"; e.Kind != domain.EventMailSkipped || e.Detail != want {
			t.Errorf("last event of the 11th ticket = %s: %s\nwant mail_skipped: %s", e.Kind, e.Detail, want)
		}
		// Another sender is not limited by ann's tickets.
		open("bob@x.test")
		if n := acks("bob@x.test"); n != 1 {
			t.Errorf("bob's acknowledgements = %d, want 1", n)
		}
		// An hour after the first acknowledgement, there is room again.
		clock.Add(50*time.Minute + time.Second)
		tk = open("ann@x.test")
		if n := acks("ann@x.test"); n != 11 {
			t.Errorf("acknowledgements an hour later = %d, want 11", n)
		}
		if e := lastEvent(tk); e.Kind == domain.EventMailSkipped {
			t.Errorf("the ticket an hour later has %s: %s", e.Kind, e.Detail)
		}
		// ACKS_PER_SENDER_PER_HOUR 0: none at all.
		d0 := domain.NewDesk(s, clock, storagetest.Logger(t), domain.WithComposer(&recordingComposer{}, true), domain.WithAcksPerSenderPerHour(0))
		tk, err := d0.OpenTicket(ctx, domain.NewTicket{Subject: "x", From: "carl@x.test"})
		if err != nil {
			t.Fatal(err)
		}
		if n := acks("carl@x.test"); n != 0 || lastEvent(tk).Kind != domain.EventMailSkipped {
			t.Errorf("with a limit of 0: %d acknowledgements, last event %s; want 0 and mail_skipped", n, lastEvent(tk).Kind)
		}
	})
}

func TestDropOldMailBodies(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		now := t0.Add(60 * 24 * time.Hour)
		clock := storagetest.NewMovingClock(now)
		d := domain.NewDesk(s, clock, storagetest.Logger(t), domain.WithSchedule(domain.Schedule{OutboxRetention: 720 * time.Hour}))
		const head = "Subject: x\r\nMessage-Id: <m@x.test>\r\n\r\n"
		old, recent := now.Add(-721*time.Hour), now.Add(-719*time.Hour)
		add := func(status domain.OutboxStatus, sent *time.Time) int64 {
			t.Helper()
			m := &domain.OutboxMessage{Kind: "comment", To: "ann@x.test", Subject: "s", MessageID: "m@x.test",
				Raw: []byte(head + strings.Repeat("body ", 100)), Status: status, NextAttemptAt: old, CreatedAt: old, SentAt: sent}
			if err := s.EnqueueMail(ctx, m); err != nil {
				t.Fatal(err)
			}
			return m.ID
		}
		var oldSent, kept []int64
		for range 250 {
			oldSent = append(oldSent, add(domain.OutboxSent, &old))
		}
		kept = append(kept, add(domain.OutboxSent, &recent), add(domain.OutboxQueued, nil), add(domain.OutboxHeld, nil),
			add(domain.OutboxDead, nil))

		// One batch is bounded and oldest first.
		batch, err := s.SentWithBody(ctx, now.Add(-720*time.Hour), 100)
		if err != nil || len(batch) != 100 || batch[0].ID != oldSent[0] {
			t.Fatalf("SentWithBody = %d rows, %v; want the 100 oldest", len(batch), err)
		}
		if err := s.DropOutboxBody(ctx, kept[1], nil, now); !errors.Is(err, domain.ErrConflict) {
			t.Errorf("DropOutboxBody of a queued row = %v, want ErrConflict", err)
		}

		if n, err := d.DropOldMailBodies(ctx); err != nil || n != 250 {
			t.Fatalf("DropOldMailBodies = %d, %v; want 250 (three batches)", n, err)
		}
		for _, id := range oldSent {
			m, err := s.GetOutbox(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if string(m.Raw) != head || m.BodyDroppedAt == nil || !m.BodyDroppedAt.Equal(now) || m.Status != domain.OutboxSent || m.MessageID != "m@x.test" {
				t.Fatalf("old sent row %d = %q dropped %v status %s, want its headers alone, dropped now, still sent", id, m.Raw, m.BodyDroppedAt, m.Status)
			}
		}
		for _, id := range kept {
			m, err := s.GetOutbox(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Raw) != len(head)+500 || m.BodyDroppedAt != nil {
				t.Errorf("%s row %d lost its body (%d bytes, dropped %v)", m.Status, id, len(m.Raw), m.BodyDroppedAt)
			}
		}
		if n, err := d.DropOldMailBodies(ctx); err != nil || n != 0 {
			t.Errorf("second DropOldMailBodies = %d, %v; want 0", n, err)
		}
		// The listing carries the time the body was dropped.
		ms, err := s.ListOutbox(ctx, domain.OutboxSent, 0)
		if err != nil {
			t.Fatal(err)
		}
		dropped := 0
		for _, m := range ms {
			if m.BodyDroppedAt != nil {
				dropped++
			}
		}
		if dropped != 250 {
			t.Errorf("ListOutbox shows %d rows with a dropped body, want 250", dropped)
		}
	})
}

func TestHeaderSection(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"A: 1\r\nB: 2\r\n\r\nbody\r\n\r\nmore", "A: 1\r\nB: 2\r\n\r\n"},
		{"A: 1\n\nbody", "A: 1\n\n"},
		{"A: 1\r\nno body", "A: 1\r\nno body"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := string(domain.HeaderSection([]byte(tt.raw))); got != tt.want {
			t.Errorf("HeaderSection(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

// The statements of the acknowledgement count and of the retention job
// use their indexes, on both databases.
func TestMailVolumeQueryPlans(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		var queries []string
		s.RecordQueries(func(q string) { queries = append(queries, q) })
		if _, err := s.CountMailSince(ctx, domain.MailTicketReceived, "ann@x.test", t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SentWithBody(ctx, t0, 100); err != nil {
			t.Fatal(err)
		}
		if len(queries) != 2 {
			t.Fatalf("recorded %d queries, want 2", len(queries))
		}
		for i, index := range []string{"outbox_acks", "outbox_sent_kept"} {
			plan, err := s.QueryPlan(ctx, queries[i])
			if err != nil {
				t.Fatalf("plan of %s: %v", queries[i], err)
			}
			if !strings.Contains(plan, index) {
				t.Errorf("plan of %s does not use %s:\n%s", queries[i], index, plan)
			}
		}
	})
}
