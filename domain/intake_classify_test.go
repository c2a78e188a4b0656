package domain_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// keywordClassifier decides by a word of the subject, the same way every
// time; Inline says whether intake may classify with it.
type keywordClassifier struct{ inline bool }

func (k keywordClassifier) Inline() bool { return k.inline }

func (keywordClassifier) Classify(_ context.Context, subject, _ string, _ []domain.Category) (domain.Classification, error) {
	cands := func(first string, c float64) []domain.Candidate {
		return []domain.Candidate{{Category: first, Confidence: c}, {Category: "Storage", Confidence: 0.1}}
	}
	switch {
	case strings.Contains(subject, "laptop"):
		return domain.Classification{Category: "Hardware", Confidence: 0.9, Method: domain.MethodLocal, Candidates: cands("Hardware", 0.9)}, nil
	case strings.Contains(subject, "buy"):
		return domain.Classification{Category: "Purchase", Confidence: 0.8, Method: domain.MethodLocal, Candidates: cands("Purchase", 0.8)}, nil
	case strings.Contains(subject, "password"):
		return domain.Classification{Category: "Access", Confidence: 0.7, Method: domain.MethodLocal, Explanation: "keyword password",
			Candidates: cands("Access", 0.7)}, nil
	case strings.Contains(subject, "quota"):
		return domain.Classification{Category: "Storage", Confidence: 0.9, Method: domain.MethodLocal, Candidates: cands("Storage", 0.9)}, nil
	case strings.Contains(subject, "vague"):
		return domain.Classification{Category: "HR Support", Confidence: 0.3, Method: domain.MethodLocal, Candidates: cands("HR Support", 0.3)}, nil
	}
	return domain.Classification{Method: domain.MethodLocal, Explanation: "nothing fits"}, nil
}

// TestInlineClassificationSameAsLater: a batch classified and routed in
// its own transaction (an inline classifier) leaves exactly what the same
// batch leaves when its tickets are classified after the commit, one
// transaction each: the same tickets, events, approvals and mails, in the
// same order, but for one event. A ticket classified after the commit
// waited in triage meanwhile, and its history says so ("waiting in triage
// for an admin to pick a category", right after received); one classified
// in its batch never waited, and its history goes from received to what
// the classification wrote. The batch mixes assignment, two approval levels, triage, a
// low confidence, a reply to an unknown thread (classified inside the
// transaction), a sender past ACKS_PER_SENDER_PER_HOUR, and a mail that
// opens no ticket.
func TestInlineClassificationSameAsLater(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		var mails []domain.Received
		add := func(id, from, subject string, refs ...string) {
			mails = append(mails, domain.Received{Source: domain.Source{Channel: "smtp"}, Raw: []byte("raw " + id),
				Mail: &domain.Inbound{MessageID: id, From: from, Subject: subject, Text: "text of " + subject,
					NewText: "text of " + subject, References: refs, InReplyTo: refs}})
		}
		add("a@x", "ann@company.test", "my laptop is broken")
		add("b@x", "ben@company.test", "please buy a monitor")
		add("c@x", "ann@company.test", "reset my password please")
		add("d@x", "cid@company.test", "something vague")
		add("e@x", "dan@company.test", "hello there")
		add("f@x", "eve@company.test", "my quota is full", "unknown-thread@elsewhere.test")
		add("g@x", "out@elsewhere.test", "laptop from outside")
		add("h@x", "lead@company.test", "buy me a laptop")
		for i := range 12 {
			add(fmt.Sprintf("z%d@x", i), "zed@company.test", fmt.Sprintf("laptop number %d", i))
		}
		var got [2]string
		for i, inline := range []bool{true, false} {
			url := db.URL
			if db.Name == "sqlite" {
				url = fmt.Sprintf("%s.%d", db.URL, i)
			} else if i == 1 {
				url = storagetest.PostgresSchema(t)
			}
			st := storagetest.Open(t, url)
			data, err := os.ReadFile("testdata/helpdesk_setup.json")
			if err != nil {
				t.Fatal(err)
			}
			f, err := domain.ParseSetup(data)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			clock := storagetest.NewClock(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
			if _, err := domain.NewDesk(st, clock, nil).ApplySetup(ctx, f, false); err != nil {
				t.Fatal(err)
			}
			d := domain.NewDesk(st, clock, storagetest.Logger(t),
				domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test", AllowedDomains: []string{"company.test"}}),
				domain.WithComposer(testComposer(t), true), domain.WithClassifier(keywordClassifier{inline: inline}, 0.6),
				domain.WithSecretKey(strings.Repeat("s", 32)))
			items := make([]domain.Received, len(mails))
			for j, m := range mails {
				in := *m.Mail
				items[j] = domain.Received{Source: m.Source, Raw: m.Raw, Mail: &in}
			}
			outs, err := d.Receive(ctx, items)
			if err != nil {
				t.Fatal(err)
			}
			if !inline {
				if _, err := d.ClassifyPending(ctx); err != nil {
					t.Fatal(err)
				}
			}
			got[i] = intakeRecord(t, st, outs)
			if n := historyInEveryLanguage(t, st); n < 40 {
				t.Errorf("%d details checked", n)
			}
		}
		const waited = " triaged system waiting in triage for an admin to pick a category\n"
		if strings.Contains(got[0], waited) {
			t.Errorf("a ticket classified in the batch is said to have waited in triage:\n%s", got[0])
		}
		var later strings.Builder
		for _, line := range strings.SplitAfter(got[1], "\n") {
			if !strings.HasSuffix(line, waited) {
				later.WriteString(line)
			}
		}
		if n := strings.Count(got[1], waited); n == 0 || n != strings.Count(got[1], "outcome ticket ") {
			t.Errorf("classified after the batch, not every ticket waited in triage once:\n%s", got[1])
		}
		if got[0] != later.String() {
			t.Errorf("classified in the batch:\n%s\nclassified after it (its waits in triage left out):\n%s", got[0], later.String())
		}
		for _, want := range []string{"status=assigned", "status=awaiting_approval", "status=triage",
			"approval_requested", "mail_skipped", "triaged", "approval_needed"} {
			if !strings.Contains(got[0], want) {
				t.Errorf("the batch never shows %q:\n%s", want, got[0])
			}
		}
	})
}

// intakeRecord writes down what intake left: each outcome, and for each
// ticket its fields, history, approvals and mails.
func intakeRecord(t *testing.T, st *storage.Store, outs []domain.Outcome) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, o := range outs {
		fmt.Fprintf(&b, "outcome %s %d %s\n", o.Kind, o.TicketID, o.Reason)
		if o.Kind != domain.OutcomeTicket {
			continue
		}
		tk, err := st.GetTicket(ctx, o.TicketID)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "  status=%s category=%s method=%s conf=%.2f level=%d assignee=%s requester=%s\n", tk.Status, tk.Category,
			tk.ClassMethod, tk.ClassConfidence, tk.ApprovalLevel, tk.Assignee, tk.Requester)
		evs, err := st.ListEvents(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			fmt.Fprintf(&b, "  event %s %s %s %s\n", e.At.UTC().Format(time.RFC3339), e.Kind, e.Actor, e.Detail)
		}
		aps, err := st.ListApprovals(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range aps {
			fmt.Fprintf(&b, "  approval %d %s %s %s\n", a.Level, a.Rule, a.Approver, a.Decision)
		}
		ms, err := st.TicketMail(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			full, err := st.GetOutbox(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			h := mailHeader(t, full.Raw)
			// The random part of Message-IDs (and the MIME boundary) differ
			// between two runs; the threading headers are compared by shape.
			fmt.Fprintf(&b, "  mail %s %s %s %q status=%s refs=%d body=%d\n", m.Kind, m.To, h.Get("To"), m.Subject, m.Status,
				len(strings.Fields(h.Get("References"))), len(full.Raw)-len(domain.HeaderSection(full.Raw)))
		}
	}
	return b.String()
}
