package domain_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/domain/classify"
	"ticketgate/storage/storagetest"
)

// TestAdminPickLearnedOnEveryInstance: two instances (each its own Store,
// Desk, Local and Learner) on one database. A mail is classified by the
// model; an admin files it elsewhere in the portal on the second
// instance; at the next poll of each Learner, without a retraining, the
// same wording mailed to either instance gets the admin's category; other
// mail still gets the model's.
func TestAdminPickLearnedOnEveryInstance(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		type instance struct {
			d         *domain.Desk
			picks     chan int64
			trainings atomic.Int32
		}
		var insts [2]*instance
		done := make(chan struct{}, len(insts))
		for i := range insts {
			s := storagetest.Open(t, db.URL)
			local := classify.NewLocal(classify.DefaultConfig())
			in := &instance{picks: make(chan int64, 100)}
			in.d = domain.NewDesk(s, nil, storagetest.Logger(t), domain.WithClassifier(local, 0.5),
				domain.WithIntake(domain.IntakePolicy{HelpdeskAddress: "help@company.test", AllowedDomains: []string{"company.test"}}))
			if i == 0 {
				applySetup(t, in.d, classifySetup)
			}
			trained := make(chan struct{}, 1)
			learner := classify.NewLearner(s, local, classify.LearnerOptions{Poll: 10 * time.Millisecond, Log: storagetest.Logger(t),
				OnTrained: func(classify.TrainStats) {
					if in.trainings.Add(1) == 1 {
						trained <- struct{}{}
					}
				},
				OnPicks: func(v int64) { in.picks <- v }})
			go func() { learner.Run(ctx); done <- struct{}{} }()
			defer func() { cancel(); <-done }()
			select {
			case <-trained:
			case <-time.After(10 * time.Second):
				t.Fatal("no training at start")
			}
			insts[i] = in
		}

		n := 0
		mailTo := func(in *instance, subject, body string) *domain.Ticket {
			t.Helper()
			n++
			out := receive1(t, in.d, mail(fmt.Sprintf("<m%d@company.test>", n), "bob@company.test", subject, body))
			if out.Kind != domain.OutcomeTicket {
				t.Fatalf("mail became %+v, want a ticket", out)
			}
			detail, err := in.d.Ticket(ctx, out.TicketID)
			if err != nil {
				t.Fatal(err)
			}
			return &detail.Ticket
		}
		const subject = "Laptop needs VPN client"
		const body = "Hi,\nplease install the VPN client on my new laptop, I start travelling next week.\n\nThanks,\nBob"
		first := mailTo(insts[0], subject, body)
		if first.Category != "Hardware Request" || first.ClassMethod != domain.MethodLocal {
			t.Fatalf("before the pick: %q by %s, want the model's Hardware Request", first.Category, first.ClassMethod)
		}
		// The admin files it under Access in the portal of the second
		// instance.
		if _, err := insts[1].d.Categorize(ctx, first.ID, "Access", domain.Actor{Email: "root@x.test", Admin: true}); err != nil {
			t.Fatal(err)
		}
		for i, in := range insts {
			select {
			case v := <-in.picks:
				if v != 1 {
					t.Fatalf("instance %d learnt picks up to %d, want 1", i, v)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("instance %d did not learn the pick", i)
			}
		}
		for i, in := range insts {
			tk := mailTo(in, "RE: "+subject, "Hello,\nplease install the VPN client on my new laptop, I start travelling next week!\n\nBest regards,\nBob Jones\nSales")
			if tk.Category != "Access" || tk.ClassMethod != domain.MethodLocal {
				t.Errorf("instance %d, same wording after the pick: %q by %s, want Access", i, tk.Category, tk.ClassMethod)
			}
			evs, err := in.d.Ticket(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("worded like %s, which an admin filed under Access (similarity ", first.Ref())
			var found bool
			for _, e := range evs.Events {
				found = found || e.Kind == domain.EventClassified && strings.Contains(e.Detail, want)
			}
			if !found {
				t.Errorf("instance %d: no classified event saying %q in %+v", i, want, evs.Events)
			}
			if other := mailTo(in, "Laptop screen cracked", "The screen of my laptop is cracked."); other.Category != "Hardware Request" {
				t.Errorf("instance %d, other mail: %q, want the model's Hardware Request", i, other.Category)
			}
			if n := in.trainings.Load(); n != 1 {
				t.Errorf("instance %d trained %d times, want once: a pick needs no retraining", i, n)
			}
		}
	})
}
