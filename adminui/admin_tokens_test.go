package adminui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"ticketgate/domain"
)

// TestAdminTokens: only admins reach the tokens page; a token is shown
// once, works for its user, and stops when revoked; a bad form says why;
// posts without the CSRF token change nothing.
func TestAdminTokens(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		existing, _, err := f.desk.CreateAPIToken(ctx, "bob@company.test", "existing", domain.ScopeRead)
		if err != nil {
			t.Fatal(err)
		}
		create := url.Values{"user": {"ann@company.test"}, "name": {"intranet"}, "scope": {"write"}}
		revoke := fmt.Sprintf("/admin/tokens/%d/revoke", existing.ID)
		for who, want := range map[string]int{"": http.StatusSeeOther, "ann": http.StatusNotFound, "bob": http.StatusNotFound} {
			c := f.client()
			c.get("/signin")
			if who != "" {
				c = f.signedIn(who)
			}
			if resp, body := c.get("/admin/tokens"); resp.StatusCode != want || strings.Contains(body, "existing") {
				t.Errorf("GET /admin/tokens as %q = %d, want %d", who, resp.StatusCode, want)
			}
			for _, p := range []string{"/admin/tokens", revoke} {
				if resp, _ := c.post(p, cloneValues(create)); resp.StatusCode != want {
					t.Errorf("POST %s as %q = %d, want %d", p, who, resp.StatusCode, want)
				}
			}
		}
		if ts, _ := f.desk.APITokens(ctx); len(ts) != 1 || ts[0].RevokedAt != nil {
			t.Fatalf("refused posts changed the tokens: %+v", ts)
		}

		root := f.signedIn("root")
		if _, body := root.get("/admin/tokens"); !strings.Contains(body, "existing") || !strings.Contains(body, `href="/admin/tokens"`) {
			t.Error("the tokens page lacks the token or the menu entry")
		}
		for _, bad := range []struct {
			form url.Values
			msg  string
		}{
			{url.Values{"user": {""}, "name": {"x"}, "scope": {"read"}}, "Give the address"},
			{url.Values{"user": {"ann@company.test"}, "name": {""}, "scope": {"read"}}, "Give the token a name"},
			{url.Values{"user": {"ann@company.test"}, "name": {"x"}, "scope": {"admin"}}, "Choose read or write"},
			{url.Values{"user": {"nobody@company.test"}, "name": {"x"}, "scope": {"read"}}, "no user nobody@company.test"},
		} {
			resp, body := root.post("/admin/tokens", bad.form)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, bad.msg) || !strings.Contains(body, `id="form-error"`) {
				t.Errorf("POST /admin/tokens %v = %d, want 422 with %q", bad.form, resp.StatusCode, bad.msg)
			}
		}
		for _, tok := range []string{"", flipFirst(root.csrf)} {
			form := cloneValues(create)
			form.Set("csrf", tok)
			if resp, _ := root.post("/admin/tokens", form); resp.StatusCode != http.StatusForbidden {
				t.Errorf("create with CSRF %q = %d, want 403", tok, resp.StatusCode)
			}
			if resp, _ := root.post(revoke, url.Values{"csrf": {tok}}); resp.StatusCode != http.StatusForbidden {
				t.Errorf("revoke with CSRF %q = %d, want 403", tok, resp.StatusCode)
			}
		}
		if ts, _ := f.desk.APITokens(ctx); len(ts) != 1 || ts[0].RevokedAt != nil {
			t.Fatalf("posts without CSRF changed the tokens: %+v", ts)
		}

		root.get("/admin/tokens") // the session's CSRF token again, after the refused ones
		resp, body := root.post("/admin/tokens", cloneValues(create))
		m := regexp.MustCompile(`value="(tg_[A-Za-z0-9_-]+)"`).FindStringSubmatch(body)
		if resp.StatusCode != http.StatusOK || m == nil || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("create = %d, token shown: %v", resp.StatusCode, m != nil)
		}
		_, u, err := f.desk.AuthenticateAPIToken(ctx, m[1])
		if err != nil || u.Email != "ann@company.test" {
			t.Fatalf("the shown token: %v, %v", u, err)
		}
		if _, body := root.get("/admin/tokens"); strings.Contains(body, m[1]) || !strings.Contains(body, "intranet") {
			t.Error("the token is shown again, or not listed")
		}

		resp, _ = root.post(revoke, nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/tokens?ok=tokenrevoked" {
			t.Errorf("revoke = %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, _ := root.post("/admin/tokens/999999/revoke", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("revoke unknown = %d, want 404", resp.StatusCode)
		}
		if _, body := root.get("/admin/tokens?ok=tokenrevoked"); !strings.Contains(body, "no longer works") || !strings.Contains(body, "revoked 20") {
			t.Error("the revoked token is not shown as such")
		}
		ts, _ := f.desk.APITokens(ctx)
		if len(ts) != 2 || ts[0].RevokedAt == nil || ts[1].RevokedAt != nil {
			t.Errorf("tokens after revoke: %+v", ts)
		}
	})
}

// cloneValues copies v: client.post adds the CSRF token to the form it gets.
func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
