package adminui

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// TestBrowserAssistant walks the New ticket assistant in Chromium, with
// JavaScript (the steps replaced in place) and without (a page per step),
// for two categories with different questions: the proposed category,
// a changed category, a required question refused when empty, a similar
// resolved ticket shown and "This solved it" counted on the dashboard,
// and the ticket opened with its fields.
func TestBrowserAssistant(t *testing.T) {
	b := newBrowser(t)
	for _, js := range []bool{true, false} {
		name := map[bool]string{true: "javascript", false: "no-javascript"}[js]
		t.Run(name, func(t *testing.T) {
			b.t = t
			f := newAssistFixture(t, storagetest.DB{Name: "sqlite", URL: filepath.Join(t.TempDir(), "assist.db")})
			assistantFlow(t, b, f, js, name)
		})
	}
}

func assistantFlow(t *testing.T, b *browser, f *assistFixture, js bool, suffix string) {
	ctx := context.Background()
	url := f.srv.URL
	ann := b.person("ann (" + suffix + ")")
	if !js {
		ann.noScript()
	}
	ann.do("open the portal", chromedp.Navigate(url+"/signin"), chromedp.WaitVisible(chromedp.CSS("#email")))
	ann.fill("sign in", [][2]string{{"#email", "ann@company.test"}, {"#password", fixturePassword}}, "main button[type=submit]")
	ann.waitPath("/tickets")
	ann.do("new ticket", chromedp.Navigate(url+"/new"), chromedp.WaitVisible(chromedp.CSS("#continue")))
	ann.shot("assistant-describe-" + suffix)

	// Step 1 → the proposal, Hardware's questions and the shared ticket.
	describe := [][2]string{{"#subject", "My laptop screen flickers"}, {"#body", "The laptop screen keeps flickering since the update this morning."}}
	ann.step("describe", describe, "#continue")
	ann.expect("proposal", "This looks like Hardware", "confidence", "Laptop screen flickering",
		"Update the display driver from the Software Center.", "This solved it", "I still need help", "Asset tag", "Which laptop model")
	ann.hasNot("proposal", "Which system", "PRIVSUBJ", "PRIVBODY", "PRIVNOTE")
	ann.shot("assistant-proposed-" + suffix)

	// Another category: only its questions.
	pick := func(cat *domain.Category) {
		t.Helper()
		set := fmt.Sprintf("document.querySelector('#category').value = '%d'", cat.ID)
		if js {
			ann.press("pick "+cat.Name, set+", document.querySelector('#category').dispatchEvent(new Event('change'))")
		} else {
			ann.press("pick "+cat.Name, set+", document.querySelector('#change-category').click()")
		}
	}
	pick(f.acc)
	ann.expect("Access", "Which system", "Since when")
	ann.hasNot("Access", "Asset tag", "Which laptop model", "PRIVSUBJ")
	ann.shot("assistant-changed-" + suffix)
	pick(f.hw)
	ann.expect("Hardware again", "Asset tag")

	// The required asset tag left empty is refused on the page.
	ann.press("open without the asset tag", "document.querySelector('#open-ticket').click()")
	ann.forgive(422)
	ann.expect("refusal", "this question needs an answer", "My laptop screen flickers")
	ann.shot("assistant-required-" + suffix)
	before := f.ticketsOf("ann")

	// Answered: the ticket opens with its fields, in Hardware, to bob.
	ann.do("answer", chromedp.SendKeys(chromedp.CSS("#answer-0"), "lt-0042"))
	ann.do("choose", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool]("(document.querySelector('#answer-1').value = 'ThinkPad', true)")(ctx, tg)
		return err
	}))
	ann.clickDOM("open ticket", "#open-ticket")
	ann.waitPath("/tickets/TKT-*")
	ann.expect("ticket", "Your ticket is open", "Answers", "Asset tag", "LT-0042", "Which laptop model", "ThinkPad", "Hardware")
	ann.shot("assistant-ticket-" + suffix)
	ref, _, _ := strings.Cut(strings.TrimPrefix(ann.location()[len(url):], "/tickets/"), "?")
	id, err := domain.ParseRef(ref)
	if err != nil {
		t.Fatalf("ticket URL %q: %v", ref, err)
	}
	tk, err := f.st.GetTicket(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := []domain.TicketField{{Question: "Asset tag", Answer: "LT-0042"}, {Question: "Which laptop model", Answer: "ThinkPad"}}
	if fmt.Sprint(tk.Fields) != fmt.Sprint(want) || tk.Category != "Hardware" || tk.Assignee != "bob@company.test" || tk.ClassMethod != domain.MethodLocal {
		t.Errorf("ticket = fields %v, category %q, assignee %q, method %q; want %v, Hardware, bob, local",
			tk.Fields, tk.Category, tk.Assignee, tk.ClassMethod, want)
	}
	if n := f.ticketsOf("ann"); n != before+1 {
		t.Errorf("ann has %d tickets, want %d", n, before+1)
	}

	// "This solved it": no ticket, a deflection on the dashboard.
	ann.do("new ticket again", chromedp.Navigate(url+"/new"), chromedp.WaitVisible(chromedp.CSS("#continue")))
	ann.step("describe again", describe, "#continue")
	ann.clickDOM("this solved it", "#solved-"+f.shared.Ref())
	ann.waitPath("/tickets")
	ann.expect("my tickets", "Glad it is solved. No ticket was opened.")
	if n := f.ticketsOf("ann"); n != before+1 {
		t.Errorf("after This solved it ann has %d tickets, want %d", n, before+1)
	}
	n, err := f.st.CountDeflections(ctx, time.Now().Add(-time.Hour))
	if err != nil || n != 1 {
		t.Errorf("deflections = %d, %v; want 1", n, err)
	}
	_, body := f.signedIn("root").get("/admin")
	if !strings.Contains(body, `id="deflected-count">1<`) {
		t.Errorf("the dashboard does not count the deflection")
	}
	ann.noConsoleErrors("the end")
}

// hasNot checks that the page's main text has none of unwanted.
func (tb *tab) hasNot(page string, unwanted ...string) {
	tb.b.t.Helper()
	text := tb.text()
	for _, w := range unwanted {
		if strings.Contains(text, w) {
			tb.b.t.Errorf("%s: %s page shows %q", tb.name, page, w)
		}
	}
}

// clickDOM clicks sel through the DOM and waits for the page it leads to.
func (tb *tab) clickDOM(what, sel string) {
	tb.b.t.Helper()
	click := chromedp.Evaluate[bool](fmt.Sprintf("(document.querySelector(%q).click(), true)", sel))
	tb.do(what, tb.markPage(), chromedp.Func(func(ctx context.Context, t *chromedp.Target) error { _, err := click(ctx, t); return err }))
	tb.waitNewPage(what)
}

// ticketsOf counts the tickets name requested.
func (f *assistFixture) ticketsOf(name string) int {
	f.t.Helper()
	p, err := f.desk.MyTickets(context.Background(), f.users[name], "", domain.PageAt{})
	if err != nil {
		f.t.Fatal(err)
	}
	return len(p.Tickets)
}
