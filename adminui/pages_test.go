package adminui

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
)

func TestSecurityHeadersAndStatic(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		c := f.client()
		resp, body := c.get("/signin")
		for k, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "no-referrer",
			"Cache-Control":          "no-store",
		} {
			if got := resp.Header.Get(k); got != want {
				t.Errorf("%s = %q, want %q", k, got, want)
			}
		}
		csp := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"frame-ancestors 'none'", "script-src 'self'", "default-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("CSP %q lacks %q", csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(body, "<script>") || strings.Contains(body, " style=") || strings.Contains(body, "onclick=") {
			t.Error("inline script or style on the sign-in page, or allowed by the CSP")
		}
		if !strings.Contains(body, "<title>Sign in · IT Helpdesk</title>") || !strings.Contains(body, `<label class="form-label" for="email">`) {
			t.Error("sign-in page lacks its title or labels")
		}
		var cookie *http.Cookie
		for _, ck := range resp.Cookies() {
			if ck.Name == preCookieName {
				cookie = ck
			}
		}
		if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Secure {
			t.Errorf("anonymous cookie = %+v, want HttpOnly, SameSite=Lax, not Secure on http", cookie)
		}

		for _, name := range []string{"bootstrap.min.css", "bootstrap.bundle.min.js", "app.css"} {
			v := f.handler().static[name]
			resp, body := c.get("/static/" + name + "?v=" + v)
			if resp.StatusCode != 200 || len(body) < 100 || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age=31536000") {
				t.Errorf("GET /static/%s = %d, %d bytes, Cache-Control %q", name, resp.StatusCode, len(body), resp.Header.Get("Cache-Control"))
			}
		}
		if resp, _ := c.get("/static/../render.go"); resp.StatusCode != 404 {
			t.Errorf("static outside its folder = %d", resp.StatusCode)
		}
		if resp, _ := c.get("/static/nothing.css"); resp.StatusCode != 404 {
			t.Errorf("missing static file = %d", resp.StatusCode)
		}
	})
}

// handler returns the fixture's handler.
func (f *fixture) handler() *Handler { return f.h }

func TestSecureCookiesBehindHTTPS(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		h, err := New(Deps{Desk: f.desk, Log: f.handler().log, Registry: newRegistry(), BaseURL: "https://help.company.test"})
		if err != nil {
			t.Fatal(err)
		}
		rec := httptestRecorder(h, "GET", "/signin")
		var found bool
		for _, ck := range rec.Result().Cookies() {
			if ck.Name == "__Host-"+preCookieName && ck.Secure && ck.HttpOnly && ck.Path == "/" {
				found = true
			}
		}
		if !found {
			t.Errorf("cookies with an https BASE_URL = %v, want a Secure __Host- cookie", rec.Result().Cookies())
		}
	})
}

func TestErrorPageHasRequestID(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		c := f.signedIn("ann")
		f.st.Close()
		resp, body := c.get("/tickets")
		id := resp.Header.Get("X-Request-Id")
		if resp.StatusCode != 500 || id == "" || !strings.Contains(body, id) || !strings.Contains(body, "Something went wrong") {
			t.Fatalf("with the database gone = %d, id %q\n%s", resp.StatusCode, id, body)
		}
		if strings.Contains(strings.ToLower(body), "sql") || strings.Contains(body, "closed") {
			t.Errorf("the error page shows the error:\n%s", body)
		}
		if !strings.Contains(f.logs.String(), id) {
			t.Error("the log does not name the request id")
		}
	})
}

func TestMyTicketsListAndFilter(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		for i := 0; i < domain.TicketPageSize+3; i++ {
			if _, err := f.desk.OpenTicket(ctx, domain.NewTicket{Subject: fmt.Sprintf("Ben ticket number %02d", i), From: "ben@company.test"}); err != nil {
				t.Fatal(err)
			}
		}
		c := f.signedIn("ben")
		_, body := c.get("/tickets")
		newest := fmt.Sprintf("Ben ticket number %02d", domain.TicketPageSize+2)
		if !strings.Contains(body, newest) || strings.Contains(body, "BENSUBJ2") || !strings.Contains(body, "Page 1 of 2") {
			t.Errorf("page 1 lacks the newest ticket or the pager, or shows the oldest")
		}
		if i, j := strings.Index(body, newest), strings.Index(body, "Ben ticket number 05"); j < 0 || i > j {
			t.Error("not newest first")
		}
		next := pageLink(body, "next")
		if next == "" || !strings.Contains(next, "after=") || !strings.Contains(next, "page=2") {
			t.Fatalf("page 1's Next link = %q", next)
		}
		_, body = c.get(next)
		if !strings.Contains(body, "BENSUBJ2") || !strings.Contains(body, "BENSUBJ3") || !strings.Contains(body, "Page 2 of 2") ||
			strings.Contains(body, newest) || pageLink(body, "next") != "" {
			t.Error("page 2 lacks the oldest tickets, or shows the newest, or has a Next link")
		}
		_, body = c.get(pageLink(body, "prev"))
		if !strings.Contains(body, newest) || strings.Contains(body, "BENSUBJ2") || !strings.Contains(body, "Page 1 of 2") || pageLink(body, "prev") != "" {
			t.Error("page 2's Previous link does not lead to page 1")
		}
		// An old link with a page number alone shows the first page; a
		// broken position says so and shows the first page too.
		if _, body = c.get("/tickets?page=2"); !strings.Contains(body, newest) || !strings.Contains(body, "Page 1 of 2") {
			t.Error("?page=2 without a position is not the first page")
		}
		for _, bad := range []string{"after=garbage", "before=%00%01", "after=" + strings.Repeat("QUJD", 2000),
			"after=" + (&domain.TicketCursor{Sort: domain.SortUpdated, ID: 3}).String()} {
			resp, body := c.get("/tickets?" + bad)
			if resp.StatusCode != 200 || !strings.Contains(body, "page link") || !strings.Contains(body, newest) {
				t.Errorf("/tickets?%.30s = %d, want the first page with a message about the page link", bad, resp.StatusCode)
			}
		}
		_, body = c.get("/tickets?status=assigned")
		if !strings.Contains(body, "BENSUBJ2") || strings.Contains(body, "BENSUBJ3") || strings.Contains(body, "number 01") {
			t.Error("status filter does not filter")
		}
		for _, col := range []string{"Ref", "Subject", "Status", "Category", "Assignee", "Updated", "Software", "carl@company.test"} {
			if !strings.Contains(body, col) {
				t.Errorf("list lacks %q", col)
			}
		}
		resp, body := c.get("/tickets?status=bogus&page=-3")
		if resp.StatusCode != 200 || !strings.Contains(body, "There is no status") {
			t.Errorf("bad filter = %d, want the list with a message", resp.StatusCode)
		}
	})
}

func TestNewTicketWithAttachment(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		c := f.signedIn("ann")
		c.get("/new")
		post := func(fields map[string]string, file string) (*http.Response, string) {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			for k, v := range fields {
				mw.WriteField(k, v)
			}
			mw.WriteField("csrf", c.csrf)
			if file != "" {
				fw, _ := mw.CreateFormFile("files", file)
				io.WriteString(fw, "screenshot bytes")
			}
			mw.Close()
			req, _ := http.NewRequest("POST", f.srv.URL+"/new", &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			return c.do(req)
		}
		resp, body := post(map[string]string{"subject": "", "body": "Kept text"}, "")
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "A subject is required") || !strings.Contains(body, "Kept text") {
			t.Errorf("no subject = %d, want 422 with a message and the input kept", resp.StatusCode)
		}
		resp, _ = post(map[string]string{"subject": "Printer on fire", "body": "Third floor.\nSmoke."}, `C:\Users\ann\printer.png`)
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/tickets/TKT-") {
			t.Fatalf("new ticket = %d to %q", resp.StatusCode, loc)
		}
		_, body = c.get(loc)
		for _, want := range []string{"Printer on fire", "Third floor.\nSmoke.", "printer.png", "Received", "received from ann@company.test by portal", "Your ticket is open"} {
			if !strings.Contains(body, want) {
				t.Errorf("new ticket page lacks %q", want)
			}
		}
		ref := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/tickets/")
		id, _ := domain.ParseRef(ref)
		as, _ := f.st.ListAttachments(context.Background(), id)
		if len(as) != 1 || as[0].Name != "printer.png" {
			t.Fatalf("attachments = %+v", as)
		}
		resp, body = c.get(fmt.Sprintf("/tickets/%s/attachments/%d", ref, as[0].ID))
		if body != "screenshot bytes" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") ||
			!strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("download = %q, %v", body, resp.Header)
		}
	})
}

func TestAgentResolvesRequesterReopens(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		bob := f.signedIn("bob")
		_, body := bob.get("/queue")
		if !strings.Contains(body, "ANNSUBJ1") || strings.Contains(body, "BENSUBJ3") {
			t.Error("bob's queue should list t1 (his) and not t3 (unassigned)")
		}
		base := "/tickets/" + f.t1.Ref()
		resp, body := bob.post(base+"/resolve", url.Values{"note": {"  "}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Write a resolution note") {
			t.Errorf("resolve without a note = %d", resp.StatusCode)
		}
		bob.post(base+"/comment", url.Values{"text": {"Have you tried turning it off?"}})
		if resp, _ := bob.post(base+"/resolve", url.Values{"note": {"Replaced the toner."}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("resolve = %d", resp.StatusCode)
		}
		ann := f.signedIn("ann")
		_, body = ann.get(base)
		for _, want := range []string{"Have you tried turning it off?", "Replaced the toner.", "Resolved", "Reopen ticket"} {
			if !strings.Contains(body, want) {
				t.Errorf("ann's ticket page lacks %q", want)
			}
		}
		if resp, _ := ann.post(base+"/reopen", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("reopen = %d", resp.StatusCode)
		}
		tk, _ := f.st.GetTicket(context.Background(), f.t1.ID)
		if tk.Status != domain.StatusAssigned || tk.AssigneeID != f.users["bob"].ID {
			t.Errorf("after reopen: %s, assignee %d", tk.Status, tk.AssigneeID)
		}

		// Away until a time, and back.
		for _, bad := range []string{"", "tomorrow", "2001-01-01T09:00"} {
			resp, body := bob.post("/away", url.Values{"until": {bad}})
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="form-error"`) {
				t.Errorf("away until %q = %d, want 422 with a message", bad, resp.StatusCode)
			}
		}
		until := time.Now().UTC().Add(48 * time.Hour).Format(datetimeLocal)
		if resp, _ := bob.post("/away", url.Values{"until": {until}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("away = %d", resp.StatusCode)
		}
		m, _ := f.st.GetTeamMemberByUser(context.Background(), f.users["bob"].ID)
		if m.Available || m.AwayUntil == nil || m.AwayUntil.Format(datetimeLocal) != until {
			t.Errorf("after away: %+v", m)
		}
		if _, body := bob.get("/queue"); !strings.Contains(body, "I am back") {
			t.Error("queue does not say bob is away")
		}
		bob.post("/away", url.Values{"back": {"1"}})
		if m, _ := f.st.GetTeamMemberByUser(context.Background(), f.users["bob"].ID); !m.Available || m.AwayUntil != nil {
			t.Errorf("after back: %+v", m)
		}
	})
}

func TestForgotPasswordOverHTTP(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		c := f.client()
		c.get("/forgot")
		_, known := c.post("/forgot", url.Values{"email": {"ann@company.test"}})
		_, unknown := c.post("/forgot", url.Values{"email": {"nobody@company.test"}})
		norm := func(s, addr string) string {
			s = strings.ReplaceAll(s, addr, "ADDR")
			return csrfRE.ReplaceAllString(s, "")
		}
		if norm(known, "ann@company.test") != norm(unknown, "nobody@company.test") {
			t.Error("the answer differs between a known and an unknown address")
		}
		link := f.passwordLink("ann@company.test")
		if !strings.HasPrefix(link, f.srv.URL+"/reset/") {
			t.Fatalf("link = %q", link)
		}
		path := strings.TrimPrefix(link, f.srv.URL)
		resp, body := c.get(path)
		if resp.StatusCode != 200 || !strings.Contains(body, "ann@company.test") {
			t.Fatalf("GET link = %d", resp.StatusCode)
		}
		resp, body = c.post(path, url.Values{"new": {"short"}, "confirm": {"short"}})
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "at least 10 characters") {
			t.Errorf("short password via link = %d", resp.StatusCode)
		}
		resp, _ = c.post(path, url.Values{"new": {"ann's reset password"}, "confirm": {"ann's reset password"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("set password via link = %d", resp.StatusCode)
		}
		if resp, _ := c.get("/tickets"); resp.StatusCode != 200 {
			t.Errorf("not signed in after the link: %d", resp.StatusCode)
		}
		if resp, body := f.client().get(path); resp.StatusCode != http.StatusGone || !strings.Contains(body, "does not work") {
			t.Errorf("used link = %d", resp.StatusCode)
		}
		fresh := f.client()
		fresh.signIn("ann", "ann's reset password")
		if secret := path[strings.LastIndex(path, ".")+1:]; strings.Contains(f.logs.String(), secret) {
			t.Error("the log holds the password link's secret")
		}
	})
}

// pageLink returns the href of a list page's Next (rel "next") or
// Previous ("prev") link, or "".
func pageLink(body, rel string) string {
	_, after, ok := strings.Cut(body, `rel="`+rel+`" href="`)
	if !ok {
		return ""
	}
	href, _, _ := strings.Cut(after, `"`)
	return html.UnescapeString(href)
}
