package domain_test

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
		if n := historyInEveryLanguage(t, s); n < 100 {
			t.Errorf("%d details checked", n)
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
