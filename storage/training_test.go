package storage_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

func TestTrainingExamples(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		applySetup(t, d, classifySetup)
		hw, err := s.GetCategoryByName(ctx, "Hardware Request")
		if err != nil {
			t.Fatal(err)
		}
		bob := &domain.User{Email: "bob@x.test", Role: domain.RoleEmployee, CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateUser(ctx, bob); err != nil {
			t.Fatal(err)
		}
		mk := func(subject string, st domain.Status, cat int64, method string, assignee int64) *domain.Ticket {
			tk := &domain.Ticket{Subject: subject, Body: "body of " + subject, RequesterID: bob.ID, CategoryID: cat,
				ClassMethod: method, Status: st, AssigneeID: assignee, CreatedAt: t0, UpdatedAt: t0}
			if err := s.CreateTicket(ctx, tk); err != nil {
				t.Fatal(err)
			}
			return tk
		}
		mk("admin set", domain.StatusUnassigned, hw.ID, domain.MethodAdmin, 0)
		mk("resolved", domain.StatusResolved, hw.ID, domain.MethodLocal, bob.ID)
		mk("closed after resolved", domain.StatusClosed, hw.ID, domain.MethodLocal, bob.ID)
		mk("closed after rejection", domain.StatusClosed, hw.ID, domain.MethodLocal, 0)
		mk("classified only", domain.StatusUnassigned, hw.ID, domain.MethodLocal, 0)
		approved := mk("approved", domain.StatusAwaitingApproval, hw.ID, domain.MethodOpenAI, 0)
		pending := mk("pending approval", domain.StatusAwaitingApproval, hw.ID, domain.MethodOpenAI, 0)
		mk("triage", domain.StatusTriage, 0, "", 0)
		mk("triaged low", domain.StatusTriage, 0, domain.MethodLocal, 0)
		for _, a := range []*domain.Approval{
			{TicketID: approved.ID, Level: 1, Rule: domain.RuleAll, Approver: "a@x.test", Decision: domain.DecisionApproved, Via: domain.ViaEmail, DecidedAt: &t0, CreatedAt: t0},
			{TicketID: pending.ID, Level: 1, Rule: domain.RuleAll, Approver: "a@x.test", CreatedAt: t0},
		} {
			if err := s.CreateApproval(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		ex, err := s.TrainingExamples(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range ex {
			got = append(got, e.Subject)
			if e.Category != "Hardware Request" || e.Body != "body of "+e.Subject {
				t.Errorf("example = %+v", e)
			}
		}
		if want := "approved,closed after resolved,resolved,admin set"; strings.Join(got, ",") != want {
			t.Errorf("TrainingExamples = %s, want %s", strings.Join(got, ","), want)
		}
		if n, err := s.CountTrainingExamples(ctx); err != nil || n != 4 {
			t.Errorf("CountTrainingExamples = %d, %v; want 4", n, err)
		}
		if ex, err := s.TrainingExamples(ctx, 2); err != nil || len(ex) != 2 || ex[0].Subject != "approved" {
			t.Errorf("TrainingExamples(2) = %+v, %v", ex, err)
		}
		un, err := s.UnclassifiedTickets(ctx, 10)
		if err != nil || len(un) != 1 || un[0].Subject != "triage" {
			t.Errorf("UnclassifiedTickets = %+v, %v; want the one triage ticket never classified", un, err)
		}
		err = s.InTx(ctx, func(ctx context.Context, tx domain.Store) error {
			tk, err := tx.GetTicketForUpdate(ctx, approved.ID)
			if err == nil && tk.Subject != "approved" {
				err = fmt.Errorf("got %+v", tk)
			}
			return err
		})
		if err != nil {
			t.Errorf("GetTicketForUpdate: %v", err)
		}
		// All four were changed at t0: four since t0, none since a second
		// later; then one resolved later counts alone, and a ticket changed
		// later that is not confirmed does not.
		if n, err := s.CountTrainingExamplesSince(ctx, t0); err != nil || n != 4 {
			t.Errorf("CountTrainingExamplesSince(t0) = %d, %v; want 4", n, err)
		}
		later := t0.Add(time.Second)
		if n, err := s.CountTrainingExamplesSince(ctx, later); err != nil || n != 0 {
			t.Errorf("CountTrainingExamplesSince(t0+1s) = %d, %v; want 0", n, err)
		}
		mk("resolved later", domain.StatusResolved, hw.ID, domain.MethodLocal, bob.ID)
		mk("changed later, not confirmed", domain.StatusUnassigned, hw.ID, domain.MethodLocal, 0)
		if err := s.ExecForTest(ctx, "UPDATE tickets SET updated_at = ? WHERE subject LIKE '% later%'", later.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if n, err := s.CountTrainingExamplesSince(ctx, later); err != nil || n != 1 {
			t.Errorf("CountTrainingExamplesSince(t0+1s) after one resolution = %d, %v; want 1", n, err)
		}
	})
}
