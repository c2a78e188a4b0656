package adminui

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"ticketgate/domain"
)

// TestSignInThrottledInParallel sends 30 wrong passwords for one account
// at once to the real sign-in: at most SignInAccountLimit are answered
// with anything but 429.
func TestSignInThrottledInParallel(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		c := f.client()
		c.get("/signin")
		form := url.Values{"csrf": {c.csrf}, "email": {"ann@company.test"}, "password": {"a wrong guess"}}.Encode()
		const n = 30
		codes := make([]int, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/signin", strings.NewReader(form))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err := c.http.Do(req)
				if err != nil {
					t.Errorf("POST /signin: %v", err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				codes[i] = resp.StatusCode
			})
		}
		close(start)
		wg.Wait()
		answered := 0
		for _, code := range codes {
			switch code {
			case http.StatusTooManyRequests:
			case http.StatusUnauthorized:
				answered++
			default:
				t.Errorf("parallel wrong password = %d, want 401 or 429", code)
			}
		}
		if answered > domain.SignInAccountLimit {
			t.Errorf("%d of %d parallel wrong passwords were answered 401, want at most %d (the rest 429)", answered, n, domain.SignInAccountLimit)
		}
	})
}

// TestChangePasswordThrottled: wrong current passwords on /password are
// answered 422 up to the limit, then 429 with Retry-After, even for the
// right one, and the password does not change.
func TestChangePasswordThrottled(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		c := f.signedIn("ann")
		const next = "ann's next password"
		for i := 1; i <= domain.SignInAccountLimit; i++ {
			resp, body := c.post("/password", url.Values{"current": {"a wrong guess " + strconv.Itoa(i)}, "new": {next}, "confirm": {next}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "current password is not right") {
				t.Fatalf("wrong current password %d = %d", i, resp.StatusCode)
			}
		}
		resp, body := c.post("/password", url.Values{"current": {fixturePassword}, "new": {next}, "confirm": {next}})
		retry, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		if resp.StatusCode != http.StatusTooManyRequests || retry <= 0 || retry > int(domain.SignInWindow.Seconds()) ||
			!strings.Contains(body, "Too many wrong passwords") {
			t.Fatalf("change after %d wrong current passwords = %d, Retry-After %q", domain.SignInAccountLimit, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		if u, _ := f.st.GetUserByEmail(t.Context(), "ann@company.test"); !domain.CheckPassword(u.PasswordHash, fixturePassword) {
			t.Error("the password changed while throttled")
		}
		if resp, _ := c.get("/tickets"); resp.StatusCode != http.StatusOK {
			t.Errorf("throttling signed ann out: GET /tickets = %d", resp.StatusCode)
		}
		if !strings.Contains(f.logs.String(), "password change throttled") {
			t.Error("the throttled change was not logged")
		}
	})
}
