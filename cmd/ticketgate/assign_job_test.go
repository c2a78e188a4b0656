package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestAssignJob: serve's job assigns a waiting ticket once its member is
// back, at its next run (the period is the constructor's: 10 ms here), and
// the agent's and requester's mails, rendered for real, follow the
// acknowledgement in the ticket's thread.
func TestAssignJob(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, st *storage.Store) {
		ctx := context.Background()
		d := mailDesk(t, st, storagetest.NewClock(mt0), true)
		hw := &domain.Category{Name: "Hardware", CreatedAt: mt0, UpdatedAt: mt0}
		if err := st.CreateCategory(ctx, hw); err != nil {
			t.Fatal(err)
		}
		bob := addUser(t, st, "bob@company.test", "Bob Agent", domain.RoleAgent)
		member := &domain.TeamMember{UserID: bob.ID, CategoryIDs: []int64{hw.ID}, CreatedAt: mt0} // away
		if err := st.SaveTeamMember(ctx, member); err != nil {
			t.Fatal(err)
		}
		tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "Monitor", Body: "It is cracked.", From: "Ann Lee <ann@company.test>",
			FromName: "Ann Lee", MessageID: "root.9@mail.company.test", Channel: "smtp"})
		if err != nil {
			t.Fatal(err)
		}
		tk.CategoryID = hw.ID
		if err := st.UpdateTicket(ctx, tk, tk.Status); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Transition(ctx, tk.ID, domain.Change{To: domain.StatusUnassigned, Actor: domain.SystemActor}); err != nil {
			t.Fatal(err)
		}

		var logs syncBuffer
		log := slog.New(slog.NewTextHandler(&logs, nil))
		stop := startAssignJob(ctx, d, 10*time.Millisecond, log)
		defer stop()
		// The job runs while bob is away (nothing to do), then bob is back
		// without anyone calling AssignWaiting: only the job can assign it.
		if err := st.SaveAvailability(ctx, member.ID, true, nil); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second) // a bound for a hung job, not a timing claim
		for {
			got, err := st.GetTicket(ctx, tk.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status == domain.StatusAssigned {
				if got.Assignee != "bob@company.test" {
					t.Fatalf("assigned to %q, want bob", got.Assignee)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the job did not assign %s; log:\n%s", tk.Ref(), logs.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
		stop()
		if !strings.Contains(logs.String(), "assigned waiting tickets") {
			t.Errorf("log lacks the job's report:\n%s", logs.String())
		}

		rows := outboxRows(t, st)
		var kinds []string
		for _, r := range rows {
			kinds = append(kinds, r.Kind+" to "+r.To)
		}
		if got := strings.Join(kinds, ", "); got != "ticket_received to ann@company.test, assigned to bob@company.test, assigned_requester to ann@company.test" {
			t.Fatalf("mails: %s", got)
		}
		threadOK(t, "root.9@mail.company.test", rows)
		if !strings.Contains(string(rows[1].Raw), "has been assigned to you") || !strings.Contains(string(rows[2].Raw), "has been assigned to Bob Agent") {
			t.Errorf("mail texts:\n%s\n%s", rows[1].Raw, rows[2].Raw)
		}
	})
}

// TestPeriodicSurvivesPanics: a run that panics or fails is logged with
// its stack and the job goes on; stop cancels the run's context and waits.
func TestPeriodicSurvivesPanics(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	var runs atomic.Int32
	third := make(chan struct{})
	var lastCtx atomic.Value
	stop := startPeriodic(context.Background(), "test", time.Millisecond, log, func(ctx context.Context) error {
		lastCtx.Store(ctx)
		switch runs.Add(1) {
		case 1:
			panic("boom")
		case 2:
			return errors.New("temporary trouble")
		case 3:
			close(third)
		}
		return nil
	})
	<-third
	stop()
	n := runs.Load()
	if ctx := lastCtx.Load().(context.Context); ctx.Err() == nil {
		t.Error("the job's context is still live after stop")
	}
	if runs.Load() != n {
		t.Error("the job ran after stop returned")
	}
	out := logs.String()
	for _, want := range []string{"worker panicked", "boom", "assign_job.go", "worker stopped", "temporary trouble", `worker="job test"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}
