package domain_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

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
