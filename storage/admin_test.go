package storage_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

func TestAdminUsersSearchAndRules(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		root := mustUser(t, s, "root@x.test", domain.RoleAdmin)
		mustUser(t, s, "ann_lee@x.test", domain.RoleEmployee)
		mustUser(t, s, "annex@x.test", domain.RoleAgent)
		bob := mustUser(t, s, "bob@x.test", domain.RoleAgent)
		bob.Name = "Bob Percent%"
		if err := s.UpdateUser(ctx, bob); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			q    domain.UserQuery
			want string
		}{
			{domain.UserQuery{}, "root@x.test,ann_lee@x.test,annex@x.test,bob@x.test"},
			{domain.UserQuery{Role: domain.RoleAgent}, "annex@x.test,bob@x.test"},
			{domain.UserQuery{Text: "ANN"}, "ann_lee@x.test,annex@x.test"},
			{domain.UserQuery{Text: "n_l"}, "ann_lee@x.test"}, // _ is literal
			{domain.UserQuery{Text: "%"}, "bob@x.test"},       // % is literal, names match too
			{domain.UserQuery{Text: "ann", Role: domain.RoleAgent}, "annex@x.test"},
		} {
			p, err := d.AdminUsers(ctx, admin, c.q, 1)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range p.Users {
				got = append(got, u.Email)
			}
			if strings.Join(got, ",") != c.want || p.Total != len(got) {
				t.Errorf("AdminUsers(%+v) = %v (total %d), want %s", c.q, got, p.Total, c.want)
			}
		}
		if _, err := d.AdminUsers(ctx, domain.Actor{Email: "bob@x.test"}, domain.UserQuery{}, 1); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("AdminUsers as an agent: %v, want ErrForbidden", err)
		}

		// The last enabled admin keeps the role and cannot be disabled.
		var fe domain.FieldErrors
		if _, err := d.AdminUpdateUser(ctx, admin, root.ID, domain.UserChange{Name: "Root", Role: domain.RoleAgent}); !errors.As(err, &fe) || fe["role"] == "" {
			t.Errorf("demote the last admin: %v", err)
		}
		if _, err := d.AdminSetUserDisabled(ctx, domain.Actor{Email: "other@x.test", Admin: true}, root.ID, true); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("disable the last admin: %v", err)
		}
		if _, err := d.AdminSetUserDisabled(ctx, admin, root.ID, true); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("disable oneself: %v", err)
		}
		// A team member cannot become an employee.
		if _, err := d.SaveTeamMember(ctx, admin, domain.TeamMemberChange{Email: "bob@x.test", Available: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := d.AdminUpdateUser(ctx, admin, bob.ID, domain.UserChange{Role: domain.RoleEmployee}); !errors.As(err, &fe) || !strings.Contains(fe["role"], "team member") {
			t.Errorf("make a team member an employee: %v", err)
		}
		u, err := d.AdminUpdateUser(ctx, admin, bob.ID, domain.UserChange{Name: "  Bob   Builder ", Role: domain.RoleAdmin})
		if err != nil || u.Name != "Bob Builder" || u.Role != domain.RoleAdmin {
			t.Errorf("AdminUpdateUser = %+v, %v", u, err)
		}
		// Now root may be demoted: bob is an admin.
		if _, err := d.AdminUpdateUser(ctx, admin, root.ID, domain.UserChange{Role: domain.RoleAgent}); err != nil {
			t.Errorf("demote one of two admins: %v", err)
		}
	})
}

func TestAdminAddUser(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		u, pw, err := d.AdminAddUser(ctx, admin, domain.NewUserRequest{Email: "Erin <Erin@X.test>", Name: "Erin", Role: domain.RoleAgent})
		if err != nil || len(pw) < 20 || !u.MustChangePassword || !domain.CheckPassword(u.PasswordHash, pw) || u.Email != "erin@x.test" {
			t.Fatalf("AdminAddUser = %+v, %q, %v", u, pw, err)
		}
		var fe domain.FieldErrors
		_, _, err = d.AdminAddUser(ctx, admin, domain.NewUserRequest{Email: "erin@x.test", Role: domain.RoleAgent})
		if !errors.As(err, &fe) || fe["email"] == "" {
			t.Errorf("a taken address: %v", err)
		}
		_, _, err = d.AdminAddUser(ctx, admin, domain.NewUserRequest{Email: "nope", Role: "boss"})
		if !errors.As(err, &fe) || fe["email"] == "" || fe["role"] == "" {
			t.Errorf("bad address and role: %v", err)
		}
		// Without a mail composer an invitation cannot go: nothing is created.
		_, _, err = d.AdminAddUser(ctx, admin, domain.NewUserRequest{Email: "fay@x.test", Role: domain.RoleEmployee, Invite: true, BaseURL: "http://h"})
		if !errors.As(err, &fe) || fe["invite"] == "" {
			t.Errorf("invite without composer: %v", err)
		}
		if _, err := s.GetUserByEmail(ctx, "fay@x.test"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("the failed invitation created the user: %v", err)
		}
		n, _ := s.CountUsers(ctx)
		if n != 1 {
			t.Errorf("users = %d, want 1", n)
		}
	})
}

func TestAdminCategoriesSaveDeleteMerge(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		v0, _ := s.CategoriesVersion(ctx)
		hw, err := d.SaveCategory(ctx, admin, domain.Category{Name: " Hardware ", Keywords: []string{"Laptop", "laptop", " "},
			ApprovalLevels: []domain.ApprovalLevel{
				{Rule: "all", Approvers: []string{"Lead@X.test", "", "fin@x.test"}},
				{Rule: "any", Approvers: []string{"cio@x.test"}},
			}})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := s.GetCategory(ctx, hw.ID)
		if got.Name != "Hardware" || strings.Join(got.Keywords, ",") != "laptop" || len(got.ApprovalLevels) != 2 ||
			strings.Join(got.ApprovalLevels[0].Approvers, ",") != "lead@x.test,fin@x.test" || got.ApprovalLevels[1].Rule != domain.RuleAny {
			t.Errorf("saved category = %+v", got)
		}
		if v1, _ := s.CategoriesVersion(ctx); v1 == v0 {
			t.Error("saving a category did not bump the categories version")
		}
		// Every kind of bad field at once; nothing is saved.
		_, err = d.SaveCategory(ctx, admin, domain.Category{Name: "hardware", ApprovalLevels: []domain.ApprovalLevel{
			{Rule: "all", Approvers: []string{"not an address"}},
			{Rule: "all", Approvers: []string{" "}},
			{Rule: "most", Approvers: []string{"a@x.test", "A@x.test"}},
		}})
		var fe domain.FieldErrors
		if !errors.As(err, &fe) {
			t.Fatalf("bad category: %v", err)
		}
		for _, k := range []string{"levels.0.approvers", "levels.1.approvers", "levels.2.rule", "levels.2.approvers"} {
			if fe[k] == "" {
				t.Errorf("no message for %s in %v", k, fe)
			}
		}
		_, err = d.SaveCategory(ctx, admin, domain.Category{Name: "HARDWARE"})
		if !errors.As(err, &fe) || fe["name"] != "Another category has this name." {
			t.Errorf("a taken name: %v", err)
		}
		if cs, _ := s.ListCategories(ctx); len(cs) != 1 {
			t.Errorf("categories = %d, want 1", len(cs))
		}
		// Renaming to its own name in another case is fine.
		hw.Name = "HARDWARE"
		if _, err := d.SaveCategory(ctx, admin, *hw); err != nil {
			t.Errorf("rename in place: %v", err)
		}

		sw, err := d.SaveCategory(ctx, admin, domain.Category{Name: "Software"})
		if err != nil {
			t.Fatal(err)
		}
		tk, err := d.OpenTicket(ctx, domain.NewTicket{Subject: "s", From: "ann@x.test"})
		if err != nil {
			t.Fatal(err)
		}
		tk.CategoryID = sw.ID
		if err := s.UpdateTicket(ctx, tk, tk.Status); err != nil {
			t.Fatal(err)
		}
		var inUse *domain.CategoryInUseError
		if err := d.DeleteCategory(ctx, admin, sw.ID); !errors.As(err, &inUse) || inUse.Tickets != 1 {
			t.Errorf("delete a used category: %v", err)
		}
		if _, err := d.MergeCategory(ctx, admin, sw.ID, sw.ID); !errors.As(err, &fe) || fe["into"] == "" {
			t.Errorf("merge into itself: %v", err)
		}
		n, err := d.MergeCategory(ctx, admin, sw.ID, hw.ID)
		if err != nil || n != 1 {
			t.Fatalf("MergeCategory = %d, %v", n, err)
		}
		detail, _ := d.Ticket(ctx, tk.ID)
		last := detail.Events[len(detail.Events)-1]
		if detail.Ticket.CategoryID != hw.ID || detail.Ticket.ClassMethod != domain.MethodAdmin ||
			last.Kind != domain.EventRecategorized || !strings.Contains(last.Detail, "from Software to HARDWARE") {
			t.Errorf("merged ticket = %+v, last event %+v", detail.Ticket, last)
		}
		if _, err := s.GetCategory(ctx, sw.ID); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("merged category still there: %v", err)
		}
		if ex, _ := s.TrainingExamples(ctx, 10); len(ex) != 1 || ex[0].Category != "HARDWARE" {
			t.Errorf("training examples after the merge = %+v", ex)
		}
		empty, _ := d.SaveCategory(ctx, admin, domain.Category{Name: "Empty"})
		if err := d.DeleteCategory(ctx, admin, empty.ID); err != nil {
			t.Errorf("delete an unused category: %v", err)
		}
		if err := d.DeleteCategory(ctx, domain.Actor{Email: "bob@x.test"}, hw.ID); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("delete as a non-admin: %v", err)
		}
	})
}

func TestAdminTeam(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		cat, err := d.SaveCategory(ctx, admin, domain.Category{Name: "Hardware"})
		if err != nil {
			t.Fatal(err)
		}
		emp := mustUser(t, s, "dan@x.test", domain.RoleEmployee)
		// A waiting ticket of the category.
		tk, _ := d.OpenTicket(ctx, domain.NewTicket{Subject: "s", From: "ann@x.test"})
		tk.CategoryID = cat.ID
		s.UpdateTicket(ctx, tk, tk.Status)
		if _, err := d.Transition(ctx, tk.ID, domain.Change{To: domain.StatusUnassigned, Actor: domain.SystemActor}); err != nil {
			t.Fatal(err)
		}
		var fe domain.FieldErrors
		past := t0.Add(-time.Hour)
		for _, c := range []struct {
			ch    domain.TeamMemberChange
			field string
		}{
			{domain.TeamMemberChange{Email: "nobody@x.test", Available: true}, "email"},
			{domain.TeamMemberChange{Email: "bad", Available: true}, "email"},
			{domain.TeamMemberChange{Email: "dan@x.test", AwayUntil: &past}, "away_until"},
			{domain.TeamMemberChange{Email: "dan@x.test", CategoryIDs: []int64{999}, Available: true}, "categories"},
		} {
			if _, err := d.SaveTeamMember(ctx, admin, c.ch); !errors.As(err, &fe) || fe[c.field] == "" {
				t.Errorf("SaveTeamMember(%+v) = %v, want a message for %s", c.ch, err, c.field)
			}
		}
		if ms, _ := s.ListTeamMembers(ctx); len(ms) != 0 {
			t.Fatalf("members after refused saves = %v", ms)
		}
		// Away: the ticket waits. Then available: it is assigned at once.
		m, err := d.SaveTeamMember(ctx, admin, domain.TeamMemberChange{Email: "dan@x.test", CategoryIDs: []int64{cat.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if u, _ := s.GetUser(ctx, emp.ID); u.Role != domain.RoleAgent {
			t.Errorf("an employee on the team is %s, want agent", u.Role)
		}
		if got, _ := s.GetTicket(ctx, tk.ID); got.Status != domain.StatusUnassigned {
			t.Errorf("ticket with its member away = %s", got.Status)
		}
		if _, err := d.SaveTeamMember(ctx, admin, domain.TeamMemberChange{Email: "dan@x.test", CategoryIDs: []int64{cat.ID}, Available: true}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetTicket(ctx, tk.ID); got.Status != domain.StatusAssigned || got.AssigneeID != emp.ID {
			t.Errorf("ticket after the member is back = %s to %d", got.Status, got.AssigneeID)
		}
		team, err := d.AdminTeam(ctx, admin)
		if err != nil || len(team) != 1 || team[0].Open != 1 || len(team[0].Member.CategoryIDs) != 1 || team[0].Member.ID != m.ID {
			t.Errorf("AdminTeam = %+v, %v", team, err)
		}
		if err := d.RemoveTeamMember(ctx, admin, m.ID); err != nil {
			t.Fatal(err)
		}
		if team, _ := d.AdminTeam(ctx, admin); len(team) != 0 {
			t.Errorf("team after removal = %+v", team)
		}
	})
}

// TestLastAdminRace: two admins disabling each other at the same moment
// must not both succeed; the admins lock serializes the checks (on SQLite
// the write transactions are serialized anyway).
func TestLastAdminRace(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		a := mustUser(t, s, "a@x.test", domain.RoleAdmin)
		b := mustUser(t, s, "b@x.test", domain.RoleAdmin)
		actorA := domain.Actor{Email: a.Email, Admin: true}
		actorB := domain.Actor{Email: b.Email, Admin: true}
		for round := 0; round < 25; round++ {
			for _, u := range []*domain.User{a, b} {
				if _, err := d.AdminSetUserDisabled(ctx, admin, u.ID, false); err != nil {
					t.Fatal(err)
				}
			}
			start := make(chan struct{})
			var wg sync.WaitGroup
			ok := make([]bool, 2)
			for i, c := range []struct {
				by     domain.Actor
				target int64
				demote bool
			}{{actorA, b.ID, round%2 == 0}, {actorB, a.ID, false}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					var err error
					if c.demote {
						_, err = d.AdminUpdateUser(ctx, c.by, c.target, domain.UserChange{Name: "x", Role: domain.RoleAgent})
					} else {
						_, err = d.AdminSetUserDisabled(ctx, c.by, c.target, true)
					}
					ok[i] = err == nil
				}()
			}
			close(start)
			wg.Wait()
			if ok[0] && ok[1] {
				t.Fatalf("round %d: both admins took each other away; no enabled admin is left", round)
			}
			for _, u := range []*domain.User{a, b} {
				got, err := s.GetUser(ctx, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Role != domain.RoleAdmin {
					got.Role = domain.RoleAdmin
					if err := s.UpdateUser(ctx, got); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	})
}
