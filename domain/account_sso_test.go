package domain_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestSignInSSO: the use case behind the web side's single sign-on: who
// the verified address is, who may be created, the groups' roles, and
// refusals that write nothing.
func TestSignInSSO(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d, _ := portalDesk(t, s)
		userWithPassword(t, s, "ann@x.test", domain.RoleEmployee, "correct horse battery")
		pol := domain.SSOPolicy{AllowedDomains: []string{"x.test"}, AdminGroup: "admins", AgentGroup: "agents"}
		in := func(email string, verified bool, groups ...string) domain.SSOSignInRequest {
			return domain.SSOSignInRequest{Identity: domain.SSOIdentity{Email: email, EmailVerified: verified, Name: "New\nName", Groups: groups},
				Policy: pol, ClientAddr: "10.0.0.1"}
		}
		count := func() int {
			n, err := s.CountUsers(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := count()
		for _, tc := range []struct {
			req  domain.SSOSignInRequest
			want string
		}{
			{in("new@x.test", false), "not say your email address is verified"},
			{in("not an address", true), "no usable email"},
			{in("new@y.test", true, "admins"), "no account for new@y.test"},
		} {
			_, _, _, err := d.SignInSSO(ctx, tc.req)
			var refused *domain.SSORefusedError
			if !errors.As(err, &refused) || !errors.Is(err, domain.ErrSSORefused) || !strings.Contains(refused.Reason, tc.want) {
				t.Errorf("SignInSSO(%+v) = %v, want a refusal with %q", tc.req.Identity, err, tc.want)
			}
		}
		if n := count(); n != before {
			t.Fatalf("refusals created users: %d → %d", before, n)
		}

		_, token, u, err := d.SignInSSO(ctx, in("New@X.test", true))
		if err != nil || u.Email != "new@x.test" || u.Role != domain.RoleEmployee || u.Name != "New" || u.PasswordHash != "" {
			t.Fatalf("first sign-on = %+v, %v", u, err)
		}
		if _, got, err := d.Authenticate(ctx, token); err != nil || got.ID != u.ID {
			t.Fatalf("Authenticate = %v, %v", got, err)
		}
		// The old session of the browser ends at the next sign-on.
		_, token2, _, err := d.SignInSSO(ctx, domain.SSOSignInRequest{Identity: domain.SSOIdentity{Email: "ann@x.test", EmailVerified: true, Groups: []string{"agents"}},
			Policy: pol, OldToken: token})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := d.Authenticate(ctx, token); !errors.Is(err, domain.ErrSignedOut) {
			t.Errorf("old session after a sign-on: %v", err)
		}
		if _, got, _ := d.Authenticate(ctx, token2); got == nil || got.Role != domain.RoleAgent {
			t.Errorf("ann in agents: %+v", got)
		}
		for _, tc := range []struct {
			groups []string
			want   domain.Role
		}{{[]string{"agents", "admins"}, domain.RoleAdmin}, {[]string{"agents"}, domain.RoleAdmin}, {nil, domain.RoleAdmin}} {
			_, _, got, err := d.SignInSSO(ctx, in("ann@x.test", true, tc.groups...))
			if err != nil || got.Role != tc.want {
				t.Errorf("groups %v: %+v, %v; want %s (never lowered)", tc.groups, got, err, tc.want)
			}
		}
		if err := d.SetUserDisabled(ctx, "ann@x.test", true); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := d.SignInSSO(ctx, in("ann@x.test", true)); !errors.Is(err, domain.ErrSSORefused) {
			t.Errorf("disabled: %v", err)
		}
		if n := count(); n != before+1 {
			t.Errorf("users %d → %d, want one more", before, n)
		}

		mac, err := d.SignSSO(ctx, []byte("pending"))
		if err != nil {
			t.Fatal(err)
		}
		for data, want := range map[string]bool{"pending": true, "pendinG": false} {
			if ok, err := d.CheckSSO(ctx, []byte(data), mac); err != nil || ok != want {
				t.Errorf("CheckSSO(%q) = %v, %v", data, ok, err)
			}
		}
		if ok, _ := d.CheckSSO(ctx, []byte("pending"), mac[:len(mac)-1]+"A"); ok && !strings.HasSuffix(mac, "A") {
			t.Error("CheckSSO took a changed mac")
		}
	})
}
