package domain_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

func TestClassifyTicket(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		stub := &stubClassifier{}
		composer := &recordingComposer{}
		d := domain.NewDesk(s, fixedClock{}, storagetest.Logger(t), domain.WithClassifier(stub, 0.6),
			domain.WithComposer(composer, true), domain.WithSchedule(domain.Schedule{TriageDigest: 15 * time.Minute}))
		applySetup(t, d, classifySetup)

		// Confident, no approval levels: unassigned.
		stub.Res = domain.Classification{Category: "hardware request", Confidence: 0.82, Method: domain.MethodLocal,
			Explanation: "local model (9 examples): keywords laptop"}
		tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "Laptop broken", Body: "It will not start.", From: "bob@x.test"})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.ClassifyTicket(ctx, tk.ID); err != nil {
			t.Fatal(err)
		}
		detail, err := d.Ticket(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := detail.Ticket
		if got.Status != domain.StatusUnassigned || got.Category != "Hardware Request" || got.ClassMethod != "local" || got.ClassConfidence != 0.82 {
			t.Errorf("ticket = %+v, want unassigned Hardware Request by local 0.82", got)
		}
		wantEvents := []string{
			"classified: classified as Hardware Request by local, confidence 0.82 — local model (9 examples): keywords laptop",
			"unassigned: no available team member for Hardware Request: nobody serves it",
		}
		if evs := eventLines(detail.Events[2:]); strings.Join(evs, "\n") != strings.Join(wantEvents, "\n") {
			t.Errorf("events =\n%s\nwant\n%s", strings.Join(evs, "\n"), strings.Join(wantEvents, "\n"))
		}
		// Classifying again changes nothing and does not ask the classifier.
		calls := stub.Calls
		if err := d.ClassifyTicket(ctx, tk.ID); err != nil || stub.Calls != calls {
			t.Errorf("second ClassifyTicket: %v, classifier called %d more times", err, stub.Calls-calls)
		}

		// Confident, with approval levels, the requester among level 1's
		// approvers: awaiting approval from the two others.
		stub.Res = domain.Classification{Category: "Access", Confidence: 0.9, Method: domain.MethodOpenAI, Explanation: "gpt: vpn"}
		tk2, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "VPN", Body: "need vpn", From: "ann@x.test"})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.ClassifyTicket(ctx, tk2.ID); err != nil {
			t.Fatal(err)
		}
		detail, err = d.Ticket(ctx, tk2.ID)
		if err != nil {
			t.Fatal(err)
		}
		if g := detail.Ticket; g.Status != domain.StatusAwaitingApproval || g.ApprovalLevel != 1 || g.ClassMethod != "openai" {
			t.Errorf("ticket = %+v, want awaiting_approval level 1 by openai", g)
		}
		var approvers []string
		for _, a := range detail.Approvals {
			if a.Level != 1 || a.Rule != domain.RuleAll || a.Decision != domain.DecisionPending {
				t.Errorf("approval = %+v, want pending level 1 rule all", a)
			}
			approvers = append(approvers, a.Approver)
		}
		if strings.Join(approvers, ",") != "lead@x.test,sec@x.test" {
			t.Errorf("approvers = %v, want lead and sec (the requester skipped)", approvers)
		}
		last := detail.Events[len(detail.Events)-1]
		if last.Kind != domain.EventApprovalRequested || last.Detail != "approval requested from lead@x.test, sec@x.test (level 1 of 2, all must approve)" {
			t.Errorf("last event = %s: %s", last.Kind, last.Detail)
		}

		// Below the minimum: triage, top three in the event; the
		// classification mails nobody, the next digest goes to the enabled
		// admin and names the top guess.
		stub.Res = domain.Classification{Category: "Access", Confidence: 0.41, Method: domain.MethodLocal,
			Candidates: []domain.Candidate{{Category: "Access", Confidence: 0.41}, {Category: "Hardware Request", Confidence: 0.30},
				{Category: "Payroll", Confidence: 0.12}, {Category: "Other", Confidence: 0.1}}}
		tk3, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "hello", Body: "something", From: "carl@x.test"})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := d.ClassifyPending(ctx); err != nil || n != 1 {
			t.Fatalf("ClassifyPending = %d, %v; want 1", n, err)
		}
		detail, err = d.Ticket(ctx, tk3.ID)
		if err != nil {
			t.Fatal(err)
		}
		if g := detail.Ticket; g.Status != domain.StatusTriage || g.Category != "" || g.ClassMethod != "local" || g.ClassConfidence != 0.41 {
			t.Errorf("ticket = %+v, want triage without category, local 0.41", g)
		}
		last = detail.Events[len(detail.Events)-1]
		want := "left in triage for an admin: confidence 0.41 by local is below 0.60; candidates: Access 0.41, Hardware Request 0.30, Payroll 0.12"
		if last.Kind != domain.EventTriaged || last.Detail != want {
			t.Errorf("last event = %s: %s\nwant triaged: %s", last.Kind, last.Detail, want)
		}
		countNotices := func() []string {
			t.Helper()
			mails, err := s.ListOutbox(ctx, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			var notices []string
			for _, m := range mails {
				if m.Kind == string(domain.MailTriageNotice) {
					notices = append(notices, m.To+" "+m.Subject+" "+string(m.Status))
				}
			}
			return notices
		}
		if n := countNotices(); len(n) != 0 {
			t.Errorf("triage notices queued by the classification = %q, want none (the digest sends them)", n)
		}
		if n, err := d.SendTriageDigests(ctx); err != nil || n != 1 {
			t.Fatalf("SendTriageDigests = %d, %v; want 1", n, err)
		}
		if want := "root@x.test triage_notice  queued"; len(countNotices()) != 1 || countNotices()[0] != want {
			t.Errorf("triage notices in the outbox = %q, want one: %q", countNotices(), want)
		}
		var lines []string
		for _, m := range composer.Mails {
			if m.Kind == domain.MailTriageNotice {
				for _, l := range m.Lines {
					lines = append(lines, l.Ref+" "+l.Subject+": "+l.Note)
				}
				lines = append(lines, "total="+m.Vars["total"]+" more="+m.Vars["more"])
			}
		}
		wantLines := tk3.Ref() + " hello: best guess Access 0.41;total=1 more=0"
		if strings.Join(lines, ";") != wantLines {
			t.Errorf("triage digest = %s\nwant %s", strings.Join(lines, ";"), wantLines)
		}
		// Once per ticket: a later sweep leaves it alone.
		if n, err := d.ClassifyPending(ctx); err != nil || n != 0 {
			t.Errorf("second ClassifyPending = %d, %v; want 0", n, err)
		}

		// No category at all: triage too.
		stub.Res = domain.Classification{Method: domain.MethodLocal, Explanation: "no categories are defined"}
		tk4, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "x", From: "carl@x.test"})
		if err != nil {
			t.Fatal(err)
		}
		if err := d.ClassifyTicket(ctx, tk4.ID); err != nil {
			t.Fatal(err)
		}
		detail, _ = d.Ticket(ctx, tk4.ID)
		if last := detail.Events[len(detail.Events)-1]; last.Detail != "left in triage for an admin: no category fits (no categories are defined)" {
			t.Errorf("last event = %s", last.Detail)
		}
		if n := historyInEveryLanguage(t, s); n < 10 {
			t.Errorf("%d details checked", n)
		}
	})
}

func eventLines(evs []domain.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = string(e.Kind) + ": " + e.Detail
	}
	return out
}
