package domain_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/inbox"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// openFrom opens a ticket by a mail from from (Cc cc) and puts it in
// category, and returns its id (bossWatches is ann's Cc boss).
func openFrom(t *testing.T, d *domain.Desk, msgID, from, subject, category string, cc ...string) int64 {
	t.Helper()
	r := ccMail(msgID, subject, cc...)
	r.Mail.From = from
	o := receive1(t, d, r)
	if o.Kind != domain.OutcomeTicket {
		t.Fatalf("outcome = %+v", o)
	}
	if _, err := d.Categorize(context.Background(), o.TicketID, category, watchAdmin); err != nil {
		t.Fatal(err)
	}
	return o.TicketID
}

func TestMerge(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := watchDesk(t, s)
		a := openFrom(t, d, "a1@mail.test", "ann@company.test", "Printer jams", "IT")
		b := openFrom(t, d, "b1@mail.test", "carl@company.test", "Printer broken", "IT", "dave@company.test")
		// carl comments on B by mail, and B has a file.
		if o := receive1(t, d, threadReply("b2@mail.test", "carl@company.test", "b1@mail.test", "It smokes now.")); o.Kind != domain.OutcomeComment || o.TicketID != b {
			t.Fatalf("carl's reply = %+v", o)
		}
		if err := s.AddAttachment(ctx, &domain.Attachment{TicketID: b, Name: "smoke.jpg", ContentType: "image/jpeg", Size: 3, Content: []byte("abc")}); err != nil {
			t.Fatal(err)
		}
		bob, err := s.GetUserByEmail(ctx, "bob@company.test")
		if err != nil {
			t.Fatal(err)
		}
		if err := d.MergeAs(ctx, bob, b, a); err != nil {
			t.Fatal(err)
		}

		tb, err := d.Ticket(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if tb.Ticket.Status != domain.StatusClosed || tb.Ticket.MergedInto != a || len(tb.Watchers) != 0 || len(tb.Attachments) != 0 {
			t.Errorf("B after the merge: %+v, watchers %v, files %v", tb.Ticket, tb.Watchers, tb.Attachments)
		}
		if e := lastEventOf(t, d, b, domain.EventMerged); e == nil || !strings.Contains(e.Detail, domain.FormatRef(a)) || e.Actor != "bob@company.test" {
			t.Errorf("merged event = %+v", e)
		}
		ta, err := d.Ticket(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		if e := lastEventOf(t, d, a, domain.EventMergedIn); e == nil || !strings.Contains(e.Detail, domain.FormatRef(b)) {
			t.Errorf("merged_in event = %+v", e)
		}
		var fromB []string
		for _, e := range ta.Events {
			if e.MergedFrom == b {
				fromB = append(fromB, e.Detail)
				if e.Kind != domain.EventCommented || e.At.IsZero() {
					t.Errorf("moved event = %+v", e)
				}
			}
		}
		if len(fromB) != 2 || !strings.Contains(strings.Join(fromB, "|"), "It smokes now.") || !strings.Contains(strings.Join(fromB, "|"), "Printer broken") {
			t.Errorf("events from B on A: %q", fromB)
		}
		if len(ta.Attachments) != 1 || ta.Attachments[0].Name != "smoke.jpg" {
			t.Errorf("A's files = %+v", ta.Attachments)
		}
		if got := watcherEmails(t, d, a); !slices.Equal(got, []string{"carl@company.test", "dave@company.test"}) {
			t.Errorf("A's watchers = %v, want carl and dave", got)
		}
		// One mail to each requester, in their ticket's thread.
		mb := sentMail(t, s, b, domain.MailMerged)
		if got := recipients(mb); !slices.Equal(got, []string{"carl@company.test"}) {
			t.Fatalf("merge mail of B to %v", got)
		}
		if h := header(t, mb[0].Raw); !strings.Contains(h.Get("References"), "b1@mail.test") || !strings.Contains(h.Get("Subject"), domain.FormatRef(b)) {
			t.Errorf("B's merge mail is out of B's thread: References %q, Subject %q", h.Get("References"), h.Get("Subject"))
		}
		if body := string(mb[0].Raw); !strings.Contains(body, "merged into "+domain.FormatRef(a)) {
			t.Errorf("B's merge mail does not say where B went:\n%s", body)
		}
		ms := sentMail(t, s, a, domain.MailMerged)
		if got := recipients(ms); !slices.Equal(got, []string{"ann@company.test"}) {
			t.Errorf("merge mail of A to %v", got)
		}
		if h := header(t, ms[0].Raw); !strings.Contains(h.Get("References"), "a1@mail.test") {
			t.Errorf("A's merge mail is out of A's thread: References %q", h.Get("References"))
		}

		// carl's reply to B's old thread, parsed, lands on A.
		raw := "From: carl@company.test\r\nTo: help@company.test\r\nSubject: Re: [" + domain.FormatRef(b) + "] Printer broken\r\n" +
			"Message-ID: <b3@mail.test>\r\nIn-Reply-To: <b1@mail.test>\r\nReferences: <b1@mail.test>\r\nDate: Fri, 27 Nov 2026 10:00:00 +0000\r\n" +
			"Content-Type: text/plain\r\n\r\nStill smoking.\r\n"
		in, err := inbox.Parse([]byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		o := receive1(t, d, domain.Received{Source: domain.Source{Channel: "smtp"}, Raw: []byte(raw), Mail: in})
		if o.Kind != domain.OutcomeComment || o.TicketID != a {
			t.Fatalf("reply to B's thread = %+v, want a comment on %s", o, domain.FormatRef(a))
		}
		if e := lastEventOf(t, d, a, domain.EventCommented); e == nil || e.Detail != "Still smoking." || e.Actor != "carl@company.test" {
			t.Errorf("A's last comment = %+v", e)
		}
		// And so does a reply to the merge mail itself, B's newest.
		mid := strings.Trim(header(t, mb[0].Raw).Get("Message-Id"), "<>")
		if o := receive1(t, d, threadReply("b4@mail.test", "carl@company.test", mid, "Thanks.")); o.Kind != domain.OutcomeComment || o.TicketID != a {
			t.Errorf("reply to B's merge mail = %+v, want a comment on %s", o, domain.FormatRef(a))
		}

		// The refusals.
		c := openFrom(t, d, "c1@mail.test", "erin@company.test", "Printer again", "IT")
		w := openFrom(t, d, "w1@mail.test", "fred@company.test", "VPN access", "Access")
		for _, tc := range []struct {
			name     string
			from, to int64
			want     string
		}{
			{"into itself", a, a, "into itself"},
			{"merged already", b, c, "merged into " + domain.FormatRef(a) + " already"},
			{"into a merged ticket", c, b, "merge into " + domain.FormatRef(a) + " instead"},
			{"across a pending approval", c, w, "waits for approval"},
		} {
			err := d.MergeAs(ctx, bob, tc.from, tc.to)
			if !errors.Is(err, domain.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: %v, want ErrInvalid saying %q", tc.name, err, tc.want)
			}
		}
		// The requester may not merge; nobody merges what they cannot see.
		ann, _ := s.GetUserByEmail(ctx, "ann@company.test")
		if err := d.MergeAs(ctx, ann, a, c); !errors.Is(err, domain.ErrForbidden) && !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("ann's merge: %v", err)
		}

		// B with approvals out: cancelled, B closed.
		if err := d.Merge(ctx, w, c, domain.SystemActor); err != nil {
			t.Fatal(err)
		}
		if e := lastEventOf(t, d, w, domain.EventApprovalCancelled); e == nil || !strings.Contains(e.Detail, "lead@company.test") {
			t.Errorf("approval_cancelled event = %+v", e)
		}
		tw, _ := d.Ticket(ctx, w)
		if tw.Ticket.Status != domain.StatusClosed || tw.Ticket.MergedInto != c {
			t.Errorf("W after the merge: %+v", tw.Ticket)
		}
		if len(tw.Approvals) == 0 {
			t.Fatal("W has no approvals")
		}
		if err := d.Decide(ctx, tw.Approvals[0].ID, domain.DecisionApproved, "", watchAdmin); !errors.Is(err, domain.ErrConflict) {
			t.Errorf("a decision on a cancelled approval: %v", err)
		}

		// C, with W merged into it, merged into A: W leads to A in one hop.
		if err := d.Merge(ctx, c, a, domain.SystemActor); err != nil {
			t.Fatal(err)
		}
		if tw, _ := d.Ticket(ctx, w); tw.Ticket.MergedInto != a {
			t.Errorf("W merged into %d after its ticket was merged into A (%d)", tw.Ticket.MergedInto, a)
		}
		if n := historyInEveryLanguage(t, s); n < 20 {
			t.Errorf("%d details checked", n)
		}
	})
}
