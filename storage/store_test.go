package storage_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

func mustUser(t testing.TB, s *storage.Store, email string, role domain.Role) *domain.User {
	t.Helper()
	u := &domain.User{Email: email, Role: role, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

func TestUsers(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "ann@company.test", domain.RoleEmployee)
		if u.ID == 0 {
			t.Fatal("CreateUser set no ID")
		}
		dup := &domain.User{Email: "ann@company.test", Role: domain.RoleAgent, CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateUser(ctx, dup); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("duplicate CreateUser = %v, want ErrConflict", err)
		}
		u.Name, u.Role, u.MustChangePassword, u.PasswordHash = "Ann", domain.RoleAdmin, true, "h"
		if err := s.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetUserByEmail(ctx, "ann@company.test")
		if err != nil || got.Name != "Ann" || got.Role != domain.RoleAdmin || !got.MustChangePassword || !got.CreatedAt.Equal(t0) {
			t.Fatalf("GetUserByEmail = %+v, %v", got, err)
		}
		if _, err := s.GetUser(ctx, 999); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("GetUser(999) = %v, want ErrNotFound", err)
		}
		if err := s.UpdateUser(ctx, &domain.User{ID: 999, Email: "x@y.test", Role: domain.RoleAgent}); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("UpdateUser(999) = %v, want ErrNotFound", err)
		}
		mustUser(t, s, "bob@company.test", domain.RoleAgent)
		admins, err := s.ListUsers(ctx, domain.UserFilter{Role: domain.RoleAdmin})
		if err != nil || len(admins) != 1 || admins[0].Email != "ann@company.test" {
			t.Fatalf("ListUsers(admin) = %+v, %v", admins, err)
		}
		if n, _ := s.CountUsers(ctx); n != 2 {
			t.Fatalf("CountUsers = %d, want 2", n)
		}
	})
}

func TestCategories(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		v0, _ := s.CategoriesVersion(ctx)
		if has, err := s.HasCategories(ctx); err != nil || has {
			t.Fatalf("HasCategories before any = %v, %v", has, err)
		}
		c := &domain.Category{Name: "Hardware Request", Description: "Laptops", Keywords: []string{"laptop"},
			ApprovalLevels: []domain.ApprovalLevel{
				{Rule: domain.RuleAll, Approvers: []string{"lead@x.test", "fin@x.test"}},
				{Rule: domain.RuleAny, Approvers: []string{"cio@x.test"}},
			}, CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateCategory(ctx, c); err != nil {
			t.Fatal(err)
		}
		if has, err := s.HasCategories(ctx); err != nil || !has {
			t.Fatalf("HasCategories after one = %v, %v", has, err)
		}
		got, err := s.GetCategoryByName(ctx, "hardware REQUEST")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != c.ID || len(got.ApprovalLevels) != 2 || got.ApprovalLevels[1].Rule != domain.RuleAny ||
			!slices.Equal(got.ApprovalLevels[0].Approvers, []string{"lead@x.test", "fin@x.test"}) || !slices.Equal(got.Keywords, []string{"laptop"}) {
			t.Fatalf("GetCategoryByName = %+v", got)
		}
		if err := s.CreateCategory(ctx, &domain.Category{Name: "HARDWARE request", CreatedAt: t0, UpdatedAt: t0}); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("same name in other case = %v, want ErrConflict", err)
		}
		v1, _ := s.CategoriesVersion(ctx)
		if v1 <= v0 {
			t.Fatalf("CategoriesVersion %d → %d after create, want an increase", v0, v1)
		}
		got.ApprovalLevels = nil
		if err := s.UpdateCategory(ctx, got); err != nil {
			t.Fatal(err)
		}
		if v2, _ := s.CategoriesVersion(ctx); v2 <= v1 {
			t.Fatalf("CategoriesVersion did not change on update")
		}
		again, _ := s.GetCategory(ctx, c.ID)
		if len(again.ApprovalLevels) != 0 {
			t.Fatalf("levels after update = %+v, want none", again.ApprovalLevels)
		}

		// In use by a ticket: refused; the team link goes with it otherwise.
		req := mustUser(t, s, "ann@x.test", domain.RoleEmployee)
		tk := &domain.Ticket{Subject: "s", RequesterID: req.ID, CategoryID: c.ID, Status: domain.StatusTriage, CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateTicket(ctx, tk); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteCategory(ctx, c.ID); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("DeleteCategory in use = %v, want ErrConflict", err)
		}
		other := &domain.Category{Name: "Other", CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateCategory(ctx, other); err != nil {
			t.Fatal(err)
		}
		agent := mustUser(t, s, "bob@x.test", domain.RoleAgent)
		m := &domain.TeamMember{UserID: agent.ID, Available: true, CategoryIDs: []int64{c.ID, other.ID}, CreatedAt: t0}
		if err := s.SaveTeamMember(ctx, m); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteCategory(ctx, other.ID); err != nil {
			t.Fatal(err)
		}
		gm, err := s.GetTeamMemberByUser(ctx, agent.ID)
		if err != nil || !slices.Equal(gm.CategoryIDs, []int64{c.ID}) {
			t.Fatalf("member after category delete = %+v, %v", gm, err)
		}
	})
}

func TestTeamMembers(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		a := &domain.Category{Name: "A", CreatedAt: t0, UpdatedAt: t0}
		b := &domain.Category{Name: "B", CreatedAt: t0, UpdatedAt: t0}
		for _, c := range []*domain.Category{a, b} {
			if err := s.CreateCategory(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		u := mustUser(t, s, "bob@x.test", domain.RoleAgent)
		away := t0.Add(48 * time.Hour)
		m := &domain.TeamMember{UserID: u.ID, Available: false, AwayUntil: &away, CategoryIDs: []int64{a.ID}, CreatedAt: t0}
		if err := s.SaveTeamMember(ctx, m); err != nil || m.ID == 0 {
			t.Fatalf("SaveTeamMember = %v (id %d)", err, m.ID)
		}
		m.CategoryIDs, m.Available, m.AwayUntil = []int64{a.ID, b.ID}, true, nil
		if err := s.SaveTeamMember(ctx, m); err != nil {
			t.Fatal(err)
		}
		all, err := s.ListTeamMembers(ctx)
		if err != nil || len(all) != 1 {
			t.Fatalf("ListTeamMembers = %+v, %v", all, err)
		}
		got := all[0]
		if got.Email != "bob@x.test" || !got.Available || got.AwayUntil != nil || !slices.Equal(got.CategoryIDs, []int64{a.ID, b.ID}) {
			t.Fatalf("member = %+v", got)
		}
		if err := s.SaveTeamMember(ctx, &domain.TeamMember{UserID: u.ID, CreatedAt: t0}); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("second member for one user = %v, want ErrConflict", err)
		}
		if err := s.DeleteTeamMember(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetTeamMemberByUser(ctx, u.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("GetTeamMemberByUser after delete = %v, want ErrNotFound", err)
		}
	})
}

func TestInTxRollsBackEverything(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		req := mustUser(t, s, "ann@x.test", domain.RoleEmployee)
		boom := errors.New("boom")
		err := s.InTx(ctx, func(ctx context.Context, tx domain.Store) error {
			tk := &domain.Ticket{Subject: "s", RequesterID: req.ID, Status: domain.StatusTriage, CreatedAt: t0, UpdatedAt: t0}
			if err := tx.CreateTicket(ctx, tk); err != nil {
				return err
			}
			if err := tx.AppendEvents(ctx, &domain.Event{TicketID: tk.ID, At: t0, Kind: domain.EventReceived, Actor: "x"}); err != nil {
				return err
			}
			if err := tx.EnqueueMail(ctx, &domain.OutboxMessage{TicketID: tk.ID, Kind: "received", To: "ann@x.test",
				Subject: "s", MessageID: "m@x", Raw: []byte("raw"), Status: domain.OutboxHeld, NextAttemptAt: t0, CreatedAt: t0}); err != nil {
				return err
			}
			// Nested InTx joins the same transaction.
			if err := tx.InTx(ctx, func(ctx context.Context, tx domain.Store) error {
				return tx.PutSetting(ctx, "k", "v")
			}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v, want boom", err)
		}
		ts, _ := s.ListTickets(ctx, domain.TicketQuery{})
		out, _ := s.ListOutbox(ctx, "", 0)
		_, serr := s.GetSetting(ctx, "k")
		if len(ts) != 0 || len(out) != 0 || !errors.Is(serr, domain.ErrNotFound) {
			t.Fatalf("after rollback: %d tickets, %d outbox rows, setting err %v; want nothing", len(ts), len(out), serr)
		}
	})
}

func TestMailRecords(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		p := &domain.ProcessedMail{Mailbox: "INBOX", UIDValidity: 7, UID: 1, MessageID: "a@x", At: t0}
		if err := s.RecordProcessed(ctx, p); err != nil {
			t.Fatal(err)
		}
		// A duplicate inside a transaction reports ErrConflict and leaves the
		// transaction usable (PostgreSQL would abort it on a failed insert).
		err := s.InTx(ctx, func(ctx context.Context, tx domain.Store) error {
			for _, dup := range []*domain.ProcessedMail{
				{Mailbox: "INBOX", UIDValidity: 7, UID: 2, MessageID: "a@x", At: t0},
				{Mailbox: "INBOX", UIDValidity: 7, UID: 1, MessageID: "b@x", At: t0},
			} {
				if err := tx.RecordProcessed(ctx, dup); !errors.Is(err, domain.ErrConflict) {
					t.Errorf("RecordProcessed(%+v) = %v, want ErrConflict", dup, err)
				}
			}
			// UID 0 (mail not from IMAP) never collides on the UID.
			for _, id := range []string{"c@x", "d@x"} {
				if err := tx.RecordProcessed(ctx, &domain.ProcessedMail{Mailbox: "smtp", MessageID: id, At: t0}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for id, want := range map[string]bool{"a@x": true, "c@x": true, "d@x": true, "b@x": false} {
			if got, err := s.IsProcessed(ctx, id); err != nil || got != want {
				t.Errorf("IsProcessed(%s) = %v, %v; want %v", id, got, err, want)
			}
		}
		e := &domain.InboxLogEntry{At: t0, Channel: "smtp", MessageID: "x@y", From: "a@b.test", Subject: "Out of office", Reason: "auto-reply"}
		if err := s.AddInboxLog(ctx, e); err != nil {
			t.Fatal(err)
		}
		log, err := s.ListInboxLog(ctx, 10)
		if err != nil || len(log) != 1 || log[0].Reason != "auto-reply" || log[0].TicketID != 0 {
			t.Fatalf("ListInboxLog = %+v, %v", log, err)
		}
		m := &domain.OutboxMessage{Kind: "invite", To: "a@b.test", Subject: "Hi", MessageID: "m@x", Raw: []byte("raw\x00bytes"),
			Status: domain.OutboxQueued, NextAttemptAt: t0, CreatedAt: t0}
		if err := s.EnqueueMail(ctx, m); err != nil {
			t.Fatal(err)
		}
		q, err := s.ListOutbox(ctx, domain.OutboxQueued, 0)
		if err != nil || len(q) != 1 || q[0].To != "a@b.test" || q[0].TicketID != 0 || !q[0].NextAttemptAt.Equal(t0) {
			t.Fatalf("ListOutbox = %+v, %v", q, err)
		}
		if held, _ := s.ListOutbox(ctx, domain.OutboxHeld, 0); len(held) != 0 {
			t.Fatalf("ListOutbox(held) = %+v, want none", held)
		}
	})
}
