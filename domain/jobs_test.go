package domain_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// TestScheduledJobs: an unanswered approval gets one reminder in its own
// thread after APPROVAL_REMIND_AFTER, the admins hear of a level waiting
// past APPROVAL_EXPIRE_AFTER, and a resolved ticket closes after
// REOPEN_WITHIN.
func TestScheduledJobs(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		st := storagetest.Open(t, db.URL)
		clock := storagetest.NewClock(mt0)
		d := domain.NewDesk(st, clock, storagetest.Logger(t), domain.WithComposer(testComposer(t), true),
			domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test", AllowedDomains: []string{"company.test"}}),
			domain.WithSchedule(domain.Schedule{RemindAfter: 24 * time.Hour, ExpireAfter: 72 * time.Hour, ReopenWithin: 336 * time.Hour}))
		f := &approvalFlow{t: t, st: st, desk: d, admin: domain.Actor{Email: "root@company.test", Admin: true}}
		file, _ := domain.ParseSetup([]byte(approvalSetup))
		if _, err := d.ApplySetup(ctx, file, false); err != nil {
			t.Fatal(err)
		}
		id := f.open("Laptop")
		if rep, _ := d.RunJobs(ctx); rep != (domain.JobReport{}) {
			t.Fatalf("jobs did something at once: %+v", rep)
		}
		clock.Advance(25 * time.Hour)
		rep, err := d.RunJobs(ctx)
		if err != nil || rep.Reminded != 2 {
			t.Fatalf("after a day: %+v, %v; want 2 reminders", rep, err)
		}
		if rep, _ := d.RunJobs(ctx); rep.Reminded != 0 {
			t.Fatalf("reminded twice: %+v", rep)
		}
		rem := f.mailsTo(domain.MailApprovalReminder, "lead@company.test")
		need := f.mailsTo(domain.MailApprovalNeeded, "lead@company.test")
		if len(rem) != 1 || !strings.Contains(string(rem[0].Raw), "In-Reply-To: <"+need[0].MessageID+">") {
			t.Fatalf("reminder not in the approval's thread: %d reminders", len(rem))
		}
		// The approver may answer the reminder.
		f.receive(f.reply(rem[0], "lead@company.test", "APPROVE"))
		clock.Advance(48 * time.Hour)
		rep, _ = d.RunJobs(ctx)
		if rep.Escalated != 1 || len(f.mailsTo(domain.MailApprovalExpired, "root@company.test")) != 1 {
			t.Fatalf("after three days: %+v", rep)
		}
		if rep, _ := d.RunJobs(ctx); rep.Escalated != 0 {
			t.Fatalf("escalated twice: %+v", rep)
		}
		if tk := f.ticket(id); !strings.Contains(tk.Events[len(tk.Events)-1].Detail, "escalated to the admins") {
			t.Errorf("no escalation event: %+v", tk.Events[len(tk.Events)-1])
		}
		// A resolved ticket closes after REOPEN_WITHIN.
		bob, _ := st.GetUserByEmail(ctx, "bob@company.test")
		other, _ := d.OpenTicket(ctx, domain.NewTicket{Subject: "Mouse", From: "ann@company.test"})
		if _, err := d.Transition(ctx, other.ID, domain.Change{To: domain.StatusAssigned, AssigneeID: bob.ID, Actor: f.admin}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Resolve(ctx, other.ID, domain.Actor{Email: "bob@company.test"}, "new mouse"); err != nil {
			t.Fatal(err)
		}
		clock.Advance(335 * time.Hour)
		if rep, _ := d.RunJobs(ctx); rep.Closed != 0 {
			t.Fatalf("closed too early")
		}
		clock.Advance(2 * time.Hour)
		if rep, _ := d.RunJobs(ctx); rep.Closed != 1 {
			t.Fatalf("not closed after REOPEN_WITHIN: %+v", rep)
		}
		if tk := f.ticket(other.ID); tk.Ticket.Status != domain.StatusClosed {
			t.Errorf("status = %s", tk.Ticket.Status)
		}
		if n := historyInEveryLanguage(t, st); n < 8 {
			t.Errorf("%d details checked", n)
		}
	})
}
