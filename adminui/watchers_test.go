package adminui

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ticketgate/domain"
)

// TestWatcherAuthorization extends the authorization matrix to the
// watcher routes: who may add and remove watchers on which ticket, and
// that nobody learns anything of a ticket they may not see.
func TestWatcherAuthorization(t *testing.T) {
	for _, role := range []string{"anonymous", "employee", "agent", "admin"} {
		t.Run(role, func(t *testing.T) { eachFixture(t, func(t *testing.T, f *fixture) { watcherMatrix(t, f, role) }) })
	}
}

func watcherMatrix(t *testing.T, f *fixture, role string) {
	ctx := context.Background()
	tickets := map[string]*domain.Ticket{"t1": f.t1, "t2": f.t2, "t3": f.t3}
	// One watcher on each ticket to remove.
	wid := map[string]int64{}
	for key, tk := range tickets {
		if err := f.desk.AddWatcherAs(ctx, f.users["root"], tk.ID, "w-"+key+"@company.test"); err != nil {
			t.Fatal(err)
		}
		td, err := f.desk.Ticket(ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		wid[key] = td.Watchers[0].ID
	}
	// can[role][ticket]: "-" does not see it, "r" sees it only, "a" adds
	// (requester), "x" adds and removes (assignee, admin).
	can := map[string]map[string]string{
		"anonymous": {"t1": "-", "t2": "-", "t3": "-"},
		"employee":  {"t1": "a", "t2": "-", "t3": "-"}, // ann
		"agent":     {"t1": "x", "t2": "-", "t3": "r"}, // bob: t1 assigned, t3 his category
		"admin":     {"t1": "x", "t2": "x", "t3": "x"},
	}[role]
	var steps []step
	for _, key := range []string{"t1", "t2", "t3"} {
		base := "/tickets/" + tickets[key].Ref() + "/watchers"
		add, empty, remove := 403, 422, 403
		switch can[key] {
		case "-":
			add, empty, remove = 404, 404, 404
		case "a":
			add = 303
		case "x":
			add, remove = 303, 303
		}
		if role == "anonymous" {
			add, empty, remove = 303, 303, 303
		}
		cross := 404 // another ticket's watcher: none of this ticket's
		if remove == 403 || remove == 303 && role == "anonymous" {
			cross = remove
		}
		other := "t2"
		if key == "t2" {
			other = "t1"
		}
		steps = append(steps,
			step{"POST", base, url.Values{"email": {"added-by-" + role + "@company.test"}}, add},
			step{"POST", base, url.Values{"email": {""}}, empty},
			// Another ticket's watcher through this ticket's URL.
			step{"POST", fmt.Sprintf("%s/%d/remove", base, wid[other]), nil, cross},
			step{"POST", fmt.Sprintf("%s/%d/remove", base, wid[key]), nil, remove},
			step{"POST", base + "/nonsense/remove", nil, map[bool]int{true: 303, false: 404}[role == "anonymous"]},
		)
		if add == 303 && role != "anonymous" {
			// Not an address, or the requester: a message on the page.
			steps = append(steps, step{"POST", base, url.Values{"email": {"not an address"}}, 422},
				step{"POST", base, url.Values{"email": {tickets[key].Requester}}, 422})
		}
	}
	// The link to stop following is public; a bad one is gone.
	steps = append(steps, step{"GET", domain.UnwatchPath + "1-abc", nil, 410}, step{"POST", domain.UnwatchPath + "1-abc", nil, 410},
		step{"GET", domain.UnwatchPath + "x", nil, 410})

	c := f.client()
	if role != "anonymous" {
		c.signIn(map[string]string{"employee": "ann", "agent": "bob", "admin": "root"}[role], fixturePassword)
	} else {
		c.get("/signin")
	}
	var forbidden []string
	for key, v := range can {
		if v == "-" {
			forbidden = append(forbidden, ticketMarkers[key]...)
		}
	}
	for _, s := range steps {
		var resp *http.Response
		var body string
		if s.method == "GET" {
			resp, body = c.get(s.path)
		} else {
			resp, body = c.post(s.path, s.form)
		}
		if resp.StatusCode != s.want {
			t.Errorf("%s %s %v as %s = %d, want %d", s.method, s.path, s.form, role, resp.StatusCode, s.want)
		}
		for _, m := range forbidden {
			if strings.Contains(body, m) {
				t.Errorf("%s %s as %s shows %q of a ticket they may not see", s.method, s.path, role, m)
			}
		}
	}
	// What was allowed happened, and nothing else.
	for _, key := range []string{"t1", "t2", "t3"} {
		td, err := f.desk.Ticket(ctx, tickets[key].ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, w := range td.Watchers {
			got = append(got, w.Email)
		}
		has := func(a string) bool { return strings.Contains(strings.Join(got, " "), a) }
		added := can[key] == "a" || can[key] == "x"
		if role == "anonymous" {
			added = false
		}
		if has("added-by-"+role+"@company.test") != added {
			t.Errorf("%s as %s: watchers %v, added %v", key, role, got, added)
		}
		removed := can[key] == "x" && role != "anonymous"
		if has("w-"+key+"@company.test") == removed {
			t.Errorf("%s as %s: watchers %v, removed %v", key, role, got, removed)
		}
	}
}

// TestUnwatchPage follows a watcher's link: a page with a button, the POST
// stops the mails, and the link works once. No sign-in is needed.
func TestUnwatchPage(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		if err := f.desk.AddWatcherAs(ctx, f.users["ann"], f.t1.ID, "boss@company.test"); err != nil {
			t.Fatal(err)
		}
		// A Desk on the same database whose mails show the token (the
		// secret is the one stored in the database).
		d := domain.NewDesk(f.st, nil, slog.New(slog.DiscardHandler), domain.WithComposer(tokenComposer{}, false))
		if err := d.CommentAs(ctx, f.users["bob"], f.t1.ID, "Restart the printer."); err != nil {
			t.Fatal(err)
		}
		raw := strings.TrimSpace(f.lastMailBody("boss@company.test"))
		token := raw[strings.LastIndexByte(raw, '\n')+1:]
		if token == "" || !strings.Contains(f.lastMailBody("ann@company.test"), "no token") {
			t.Fatalf("boss's token %q, ann's mail %q", token, f.lastMailBody("ann@company.test"))
		}
		c := f.client()
		resp, body := c.get(domain.UnwatchPath + token)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "boss@company.test") || !strings.Contains(body, f.t1.Ref()) {
			t.Fatalf("GET link = %d\n%s", resp.StatusCode, body)
		}
		for _, m := range ticketMarkers["t1"] {
			if strings.Contains(body, m) {
				t.Errorf("the page shows %q of the ticket", m)
			}
		}
		if resp, _ := c.post(domain.UnwatchPath+token, url.Values{"csrf": {""}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST without CSRF token = %d, want 403", resp.StatusCode)
		}
		if resp, body := c.post(domain.UnwatchPath+token, nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, "no longer follow") {
			t.Errorf("POST link = %d\n%s", resp.StatusCode, body)
		}
		if td, _ := f.desk.Ticket(ctx, f.t1.ID); len(td.Watchers) != 0 {
			t.Errorf("watchers = %+v", td.Watchers)
		}
		if resp, _ := c.post(domain.UnwatchPath+token, nil); resp.StatusCode != http.StatusGone {
			t.Errorf("POST link again = %d, want 410", resp.StatusCode)
		}
	})
}

// tokenComposer writes a copy's unwatch token as its body, "no token"
// on other mails.
type tokenComposer struct{}

func (tokenComposer) Compose(_ context.Context, m domain.Mail) (*domain.OutboxMessage, error) {
	body := m.Vars["unwatch_token"]
	if body == "" {
		body = "no token"
	}
	return &domain.OutboxMessage{Kind: string(m.Kind), To: m.To, Subject: string(m.Kind),
		MessageID: "tc." + m.To + "@x.test", Raw: []byte("Subject: x\r\n\r\n" + body + "\r\n")}, nil
}
