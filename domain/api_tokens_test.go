package domain_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

func TestAPITokenLifecycle(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d, clock := storagetest.PortalDesk(t, s)
		u := storagetest.UserWithPassword(t, s, "svc@example.com", domain.RoleAgent, "a long password 1")

		for _, bad := range []struct{ email, name string }{{"svc@example.com", " "}, {"nobody@example.com", "x"},
			{"svc@example.com", strings.Repeat("n", domain.MaxAPITokenName+1)}} {
			if _, _, err := d.CreateAPIToken(ctx, bad.email, bad.name, domain.ScopeRead); !errors.Is(err, domain.ErrInvalid) {
				t.Errorf("CreateAPIToken(%q, %q) = %v, want ErrInvalid", bad.email, bad.name, err)
			}
		}
		tok, secret, err := d.CreateAPIToken(ctx, "SVC@example.com", "monitoring", domain.ScopeWrite)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, domain.APITokenPrefix) || len(secret) < 40 || strings.Contains(tok.Hash, secret) {
			t.Fatalf("token %q, hash %q", secret, tok.Hash)
		}
		got, gu, err := d.AuthenticateAPIToken(ctx, secret)
		if err != nil || gu.ID != u.ID || got.Scope != domain.ScopeWrite || got.LastUsedAt == nil {
			t.Fatalf("AuthenticateAPIToken = %+v, %+v, %v", got, gu, err)
		}
		first := *got.LastUsedAt
		// Last used is written at most once a minute.
		clock.Add(30 * time.Second)
		if _, _, err := d.AuthenticateAPIToken(ctx, secret); err != nil {
			t.Fatal(err)
		}
		ts, err := d.APITokens(ctx)
		if err != nil || len(ts) != 1 || !ts[0].LastUsedAt.Equal(first) || ts[0].UserEmail != "svc@example.com" {
			t.Fatalf("APITokens = %+v, %v; want last used %v", ts, err, first)
		}
		clock.Add(31 * time.Second)
		if _, _, err := d.AuthenticateAPIToken(ctx, secret); err != nil {
			t.Fatal(err)
		}
		if ts, _ := d.APITokens(ctx); !ts[0].LastUsedAt.Equal(clock.Now()) {
			t.Errorf("last used %v, want %v", ts[0].LastUsedAt, clock.Now())
		}

		for _, bad := range []string{"", "tg_", "tg_nope", secret + "x", strings.TrimPrefix(secret, "tg_")} {
			if _, _, err := d.AuthenticateAPIToken(ctx, bad); !errors.Is(err, domain.ErrBadToken) {
				t.Errorf("AuthenticateAPIToken(%q) = %v, want ErrBadToken", bad, err)
			}
		}

		// A disabled user's tokens stop working, and work again when enabled.
		u.Disabled = true
		if err := s.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if _, _, err := d.AuthenticateAPIToken(ctx, secret); !errors.Is(err, domain.ErrBadToken) {
			t.Errorf("disabled user: %v, want ErrBadToken", err)
		}
		u.Disabled = false
		if err := s.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := d.RevokeAPIToken(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		if err := d.RevokeAPIToken(ctx, tok.ID); err != nil {
			t.Errorf("second revoke: %v", err)
		}
		if _, _, err := d.AuthenticateAPIToken(ctx, secret); !errors.Is(err, domain.ErrBadToken) {
			t.Errorf("revoked: %v, want ErrBadToken", err)
		}
		if err := d.RevokeAPIToken(ctx, 999); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("RevokeAPIToken(999) = %v, want ErrNotFound", err)
		}
		if ts, _ := d.APITokens(ctx); len(ts) != 1 || ts[0].RevokedAt == nil {
			t.Errorf("after revoke: %+v", ts)
		}
	})
}
