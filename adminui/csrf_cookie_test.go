package adminui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ticketgate/domain"
)

// preCookie returns the anonymous cookie resp sets, or nil.
func preCookie(resp *http.Response) *http.Cookie {
	for _, ck := range resp.Cookies() {
		if ck.Name == preCookieName {
			return ck
		}
	}
	return nil
}

// TestAnonymousCSRFCookieSigned: the anonymous CSRF cookie is signed with
// the server secret. A cookie of any other value (long enough, in the
// right alphabet, or signed with another key) is refused with 403 when a
// form comes with it, and replaced by a signed one; the signed one works.
func TestAnonymousCSRFCookieSigned(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		c := f.client()
		resp, _ := c.get("/signin")
		own := preCookie(resp)
		if own == nil {
			t.Fatal("no anonymous cookie on the sign-in page")
		}
		if ok, err := f.desk.CheckAnonymousToken(ctx, own.Value); !ok || err != nil {
			t.Fatalf("the portal's own cookie %q does not verify: %v", own.Value, err)
		}
		if c.csrf != own.Value {
			t.Fatalf("the form's token %q is not the cookie's %q", c.csrf, own.Value)
		}

		// A token signed by a server with another secret.
		other := domain.NewDesk(f.st, nil, nil, domain.WithSecretKey(strings.Repeat("k", 32)))
		foreign, err := other.AnonymousToken(ctx)
		if err != nil {
			t.Fatal(err)
		}
		nonce, _, _ := strings.Cut(own.Value, ".")
		for _, planted := range []string{
			strings.Repeat("a", 32),
			strings.Repeat("A", 43),
			nonce,
			nonce + "." + strings.Repeat("A", 43),
			foreign,
			own.Value + "x",
		} {
			attacker := f.client()
			attacker.http.Jar.SetCookies(mustURL(f.srv.URL), []*http.Cookie{{Name: preCookieName, Value: planted, Path: "/"}})
			resp, body := attacker.post("/signin", url.Values{"csrf": {planted}, "email": {"ann@company.test"}, "password": {fixturePassword}})
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Form expired") {
				t.Errorf("sign-in with the planted cookie %q = %d, want 403", planted, resp.StatusCode)
			}
			replaced := preCookie(resp)
			if replaced == nil || replaced.Value == planted {
				t.Errorf("the planted cookie %q was not replaced: %+v", planted, replaced)
				continue
			}
			if ok, _ := f.desk.CheckAnonymousToken(ctx, replaced.Value); !ok {
				t.Errorf("the replacement %q does not verify", replaced.Value)
			}
			// A page read with a planted cookie hands out a signed one too.
			again := f.client()
			again.http.Jar.SetCookies(mustURL(f.srv.URL), []*http.Cookie{{Name: preCookieName, Value: planted, Path: "/"}})
			if resp, body := again.get("/forgot"); preCookie(resp) == nil || strings.Contains(body, planted) {
				t.Errorf("GET /forgot with the planted cookie %q kept it", planted)
			}
		}

		// The portal's own cookie and token sign in.
		resp, _ = c.post("/signin", url.Values{"email": {"ann@company.test"}, "password": {fixturePassword}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("sign-in with the signed cookie = %d, want 303", resp.StatusCode)
		}
	})
}
