package adminui

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"ticketgate/domain"
)

// satComposer writes a resolution mail's two satisfaction tokens as its
// body, one a line.
type satComposer struct{}

func (satComposer) Compose(_ context.Context, m domain.Mail) (*domain.OutboxMessage, error) {
	body := m.Vars["satisfaction_yes"] + "\r\n" + m.Vars["satisfaction_no"]
	return &domain.OutboxMessage{Kind: string(m.Kind), To: m.To, Subject: string(m.Kind),
		MessageID: "sat." + m.To + "@x.test", Raw: []byte("Subject: x\r\n\r\n" + body + "\r\n")}, nil
}

// resolveWithLinks resolves t as bob with a Desk whose mails show the
// satisfaction tokens (the secret is the one stored in the database), and
// returns ann's two.
func (f *fixture) resolveWithLinks(t *domain.Ticket) (yes, no string) {
	f.t.Helper()
	d := domain.NewDesk(f.st, nil, slog.New(slog.DiscardHandler), domain.WithComposer(satComposer{}, false))
	if _, err := d.Resolve(context.Background(), t.ID, domain.Actor{Email: "bob@company.test"}, "Fixed."); err != nil {
		f.t.Fatal(err)
	}
	lines := strings.Fields(f.lastMailBody("ann@company.test"))
	if len(lines) < 2 {
		f.t.Fatalf("resolution mail %q", f.lastMailBody("ann@company.test"))
	}
	return lines[len(lines)-2], lines[len(lines)-1]
}

// TestSatisfactionLinkPage: following a link shows the answer and a
// button and records nothing; a tampered link is refused; the POST needs
// the CSRF token, records once, and the second POST is refused.
func TestSatisfactionLinkPage(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		yes, no := f.resolveWithLinks(f.t1)
		c := f.client() // not signed in: the link is the authority
		for range 2 {
			resp, body := c.get(domain.SatisfactionPath + yes)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Yes, solved") || !strings.Contains(body, f.t1.Ref()) ||
				!strings.Contains(body, `id="satisfaction-confirm"`) {
				t.Fatalf("GET yes = %d\n%s", resp.StatusCode, body)
			}
		}
		if resp, body := c.get(domain.SatisfactionPath + no); resp.StatusCode != http.StatusOK || !strings.Contains(body, "No, not solved") {
			t.Fatalf("GET no = %d\n%s", resp.StatusCode, body)
		}
		td, _ := f.desk.Ticket(ctx, f.t1.ID)
		if td.Satisfaction != nil || td.Ticket.Status != domain.StatusResolved {
			t.Fatalf("GET recorded: %+v, %s", td.Satisfaction, td.Ticket.Status)
		}
		events := len(td.Events)

		tampered := strings.Replace(no, "-no-", "-yes-", 1)
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			var resp *http.Response
			var body string
			if m == http.MethodGet {
				resp, body = c.get(domain.SatisfactionPath + tampered)
			} else {
				resp, body = c.post(domain.SatisfactionPath+tampered, nil)
			}
			if resp.StatusCode != http.StatusGone || !strings.Contains(body, "does not work") {
				t.Errorf("%s tampered link = %d\n%s", m, resp.StatusCode, body)
			}
		}
		if resp, _ := c.post(domain.SatisfactionPath+yes, url.Values{"csrf": {""}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST without CSRF token = %d, want 403", resp.StatusCode)
		}
		if td, _ := f.desk.Ticket(ctx, f.t1.ID); td.Satisfaction != nil || len(td.Events) != events {
			t.Fatalf("refused requests recorded: %+v", td.Satisfaction)
		}

		c.get(domain.SatisfactionPath + yes) // the form's token
		resp, body := c.post(domain.SatisfactionPath+yes, url.Values{"comment": {"<b>Great</b> job"}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="satisfaction-done"`) {
			t.Fatalf("POST yes = %d\n%s", resp.StatusCode, body)
		}
		td, _ = f.desk.Ticket(ctx, f.t1.ID)
		if td.Satisfaction == nil || td.Satisfaction.Rating != domain.RatingYes || td.Satisfaction.Comment != "<b>Great</b> job" {
			t.Fatalf("recorded %+v", td.Satisfaction)
		}
		for _, tok := range []string{yes, no} {
			if resp, body := c.post(domain.SatisfactionPath+tok, nil); resp.StatusCode != http.StatusGone || !strings.Contains(body, "answered already") {
				t.Errorf("POST after the answer = %d\n%s", resp.StatusCode, body)
			}
		}
		if td, _ := f.desk.Ticket(ctx, f.t1.ID); td.Satisfaction.Rating != domain.RatingYes || td.Ticket.Status != domain.StatusResolved {
			t.Errorf("a second POST changed the answer: %+v, %s", td.Satisfaction, td.Ticket.Status)
		}
		// The requester's page shows the answer in the history, escaped,
		// and no longer asks.
		_, page := f.signedIn("ann").get("/tickets/" + f.t1.Ref())
		if strings.Contains(page, `id="satisfaction-form"`) || !strings.Contains(page, "&lt;b&gt;Great&lt;/b&gt; job") {
			t.Errorf("ann's page after the answer:\n%s", page)
		}
		// The dashboard counts it.
		_, dash := f.signedIn("root").get("/admin")
		for _, want := range []string{`id="satisfaction-score">100 %<`, `id="satisfaction-count">1 yes of 1 answers in the last 30 days<`} {
			if !strings.Contains(dash, want) {
				t.Errorf("the dashboard lacks %s", want)
			}
		}
	})
}

// TestSatisfactionPortalForm: the resolved ticket's page asks its
// requester; nobody else may answer (404 for who may not see it, 403 for
// who may); a bad answer is a message; "No" reopens the ticket.
func TestSatisfactionPortalForm(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		f.resolveWithLinks(f.t1)
		path := "/tickets/" + f.t1.Ref() + "/satisfaction"
		for name, want := range map[string]int{"ben": http.StatusNotFound, "carl": http.StatusNotFound,
			"bob": http.StatusForbidden, "root": http.StatusForbidden} {
			c := f.signedIn(name)
			if _, page := c.get("/tickets/" + f.t1.Ref()); strings.Contains(page, `id="satisfaction-form"`) {
				t.Errorf("%s is asked", name)
			}
			if resp, _ := c.post(path, url.Values{"rating": {"no"}, "comment": {"by " + name}}); resp.StatusCode != want {
				t.Errorf("%s's answer = %d, want %d", name, resp.StatusCode, want)
			}
		}
		if resp, _ := f.client().post(path, url.Values{"rating": {"no"}}); resp.StatusCode == http.StatusSeeOther && !strings.Contains(resp.Header.Get("Location"), "signin") {
			t.Errorf("anonymous answer = %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if td, _ := f.desk.Ticket(ctx, f.t1.ID); td.Satisfaction != nil || td.Ticket.Status != domain.StatusResolved {
			t.Fatalf("refused answers recorded: %+v, %s", td.Satisfaction, td.Ticket.Status)
		}

		ann := f.signedIn("ann")
		if _, page := ann.get("/tickets/" + f.t1.Ref()); !strings.Contains(page, `id="satisfaction-form"`) {
			t.Fatalf("ann is not asked:\n%s", page)
		}
		if resp, body := ann.post(path, url.Values{"rating": {"maybe"}, "comment": {"kept text"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, "Answer yes or no") || !strings.Contains(body, "kept text") {
			t.Errorf("rating maybe = %d\n%s", resp.StatusCode, body)
		}
		if resp, _ := ann.post(path, url.Values{"rating": {"no"}, "comment": {"The screen is still dark."}}); resp.StatusCode != http.StatusSeeOther ||
			!strings.Contains(resp.Header.Get("Location"), "ok=ratedno") {
			t.Fatalf("ann's no = %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		td, _ := f.desk.Ticket(ctx, f.t1.ID)
		if td.Satisfaction == nil || td.Satisfaction.Rating != domain.RatingNo || td.Satisfaction.Via != domain.ViaPortal ||
			td.Ticket.Status != domain.StatusAssigned {
			t.Errorf("after no: %+v, %s", td.Satisfaction, td.Ticket.Status)
		}
		if resp, _ := ann.post(path, url.Values{"rating": {"yes"}}); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("a second answer = %d, want 422", resp.StatusCode)
		}
	})
}
