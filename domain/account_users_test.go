package domain_test

import (
	"context"
	"errors"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

func TestFirstAdminAndUsers(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := newDesk(t, s)
		pw, err := d.EnsureFirstAdmin(ctx, "Admin@Localhost")
		if err != nil || pw == "" {
			t.Fatalf("EnsureFirstAdmin = %q, %v", pw, err)
		}
		u, err := s.GetUserByEmail(ctx, "admin@localhost")
		if err != nil || u.Role != domain.RoleAdmin || !u.MustChangePassword || !domain.CheckPassword(u.PasswordHash, pw) {
			t.Fatalf("first admin = %+v, %v", u, err)
		}
		if again, err := d.EnsureFirstAdmin(ctx, "other@localhost"); err != nil || again != "" {
			t.Fatalf("second EnsureFirstAdmin = %q, %v; want nothing", again, err)
		}
		nu, pw2, err := d.AddUser(ctx, "bob@x.test", "Bob", domain.RoleAgent)
		if err != nil || pw2 == "" || !nu.MustChangePassword || nu.Role != domain.RoleAgent {
			t.Fatalf("AddUser = %+v, %q, %v", nu, pw2, err)
		}
		if _, _, err := d.AddUser(ctx, "BOB@x.test", "", domain.RoleAgent); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("AddUser twice = %v, want ErrConflict", err)
		}
		pw3, err := d.ResetPassword(ctx, "bob@x.test")
		if err != nil || pw3 == pw2 {
			t.Fatalf("ResetPassword = %q, %v", pw3, err)
		}
		after, _ := s.GetUserByEmail(ctx, "bob@x.test")
		if domain.CheckPassword(after.PasswordHash, pw2) || !domain.CheckPassword(after.PasswordHash, pw3) || !after.MustChangePassword {
			t.Fatal("ResetPassword did not replace the password with a must-change one")
		}
		if _, err := d.ResetPassword(ctx, "nobody@x.test"); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("ResetPassword(nobody) = %v, want ErrNotFound", err)
		}
	})
}
