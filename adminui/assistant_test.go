package adminui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// TestAssistantNeverShowsPrivateTickets: another employee's ticket worded
// like theirs is never shown as a similar ticket — not its subject, body or
// resolution — unless its requester agreed or an admin marked it, and only
// once resolved; "This solved it" on it is refused and counts nothing. On
// both databases, over the portal's pages.
func TestAssistantNeverShowsPrivateTickets(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		f := newAssistFixture(t, db)
		ctx := context.Background()
		// More private look-alikes, open and resolved, and a shared one
		// still open: none may show.
		for i := range 5 {
			f.resolved(f.hw, "bob", fmt.Sprintf("Laptop screen flickering PRIVSUBJ%d", i),
				fmt.Sprintf("The laptop screen flickers PRIVBODY%d since the update.", i), fmt.Sprintf("PRIVNOTE%d", i), false, false)
		}
		open, err := f.desk.OpenTicket(ctx, domain.NewTicket{Subject: "Laptop screen flickering OPENSUBJ",
			Body: "The laptop screen flickers OPENBODY.", From: "ben@company.test", Channel: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.st.SetTicketSharing(ctx, open.ID, true, true); err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{"ann", "bob", "carl"} {
			c := f.signedIn(who)
			c.get("/new")
			resp, body := c.post("/new", url.Values{"step": {"describe"}, "subject": {"Laptop screen flickering"},
				"body": {"My laptop screen flickers since the update."}})
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Update the display driver") {
				t.Fatalf("%s: assistant = %d, want the shared ticket shown:\n%s", who, resp.StatusCode, body)
			}
			for _, marker := range []string{"PRIVSUBJ", "PRIVBODY", "PRIVNOTE", "OPENSUBJ", "OPENBODY"} {
				if strings.Contains(body, marker) {
					t.Errorf("%s sees %q in the assistant", who, marker)
				}
			}
			// "This solved it" on a ticket that is not shown: refused,
			// nothing counted.
			for _, id := range []int64{f.private.ID, open.ID, f.public.ID} {
				cat := f.hw.ID
				resp, _ = c.post("/new/solved", url.Values{"category": {strconv.FormatInt(cat, 10)}, "solved": {strconv.FormatInt(id, 10)},
					"subject": {"x"}, "body": {"y"}})
				if resp.StatusCode != http.StatusNotFound {
					t.Errorf("%s: This solved it on %s = %d, want 404", who, domain.FormatRef(id), resp.StatusCode)
				}
			}
		}
		if n, err := f.st.CountDeflections(ctx, f.shared.CreatedAt.AddDate(-1, 0, 0)); err != nil || n != 0 {
			t.Errorf("deflections = %d, %v; want 0", n, err)
		}
		// On the shared ticket it showed, "This solved it" is taken and
		// counted, so the refusals above refused something that works.
		a := f.signedIn("ann")
		a.get("/new")
		resp, body := a.post("/new/solved", url.Values{"category": {strconv.FormatInt(f.shared.CategoryID, 10)},
			"solved": {strconv.FormatInt(f.shared.ID, 10)}, "subject": {"x"}, "body": {"y"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("This solved it on the shared %s = %d, want 303:\n%s", f.shared.Ref(), resp.StatusCode, body)
		}
		if n, err := f.st.CountDeflections(ctx, f.shared.CreatedAt.AddDate(-1, 0, 0)); err != nil || n != 1 {
			t.Errorf("deflections after one solved = %d, %v; want 1", n, err)
		}
		// Only the requester shares their ticket; an admin's public mark
		// is the admins'.
		c := f.signedIn("ann")
		c.get("/tickets")
		if resp, _ := c.post("/tickets/"+f.private.Ref()+"/share", url.Values{"share": {"1"}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("ann shares ben's ticket = %d, want 404", resp.StatusCode)
		}
		if resp, _ := c.post("/admin/tickets/"+f.private.Ref()+"/public", url.Values{"public": {"1"}}); resp.StatusCode == http.StatusSeeOther {
			t.Errorf("ann marks a public answer = %d", resp.StatusCode)
		}
		if tk, _ := f.st.GetTicket(ctx, f.private.ID); tk.ShareOK || tk.PublicAnswer {
			t.Errorf("private ticket marked by another employee: %+v", tk)
		}
		// ben shares it: from then on it may be shown.
		ben := f.signedIn("ben")
		ben.get("/tickets/" + f.private.Ref())
		if resp, _ := ben.post("/tickets/"+f.private.Ref()+"/share", url.Values{"share": {"1"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("ben shares his ticket = %d", resp.StatusCode)
		}
		c.get("/new")
		_, body = c.post("/new", url.Values{"step": {"describe"}, "subject": {"Laptop screen flickering"},
			"body": {"My laptop screen flickers PRIVBODY since the update."}})
		if !strings.Contains(body, "PRIVNOTE replaced the screen") {
			t.Errorf("the ticket ben shared is not offered")
		}
	})
}

// TestAssistantFormRefusals: bad values of the assistant's form give a
// message on the page, never a 500.
func TestAssistantFormRefusals(t *testing.T) {
	f := newAssistFixture(t, storagetest.DB{Name: "sqlite", URL: filepath.Join(t.TempDir(), "refusals.db")})
	c := f.signedIn("ann")
	c.get("/new")
	base := url.Values{"subject": {"Laptop broken"}, "body": {"It does not start."}}
	for _, tc := range []struct {
		set    url.Values
		status int
		want   string
	}{
		{url.Values{"step": {"describe"}, "subject": {""}}, 422, "A subject is required"},
		{url.Values{"step": {"category"}, "category": {"abc"}}, 422, "Pick one of the categories"},
		{url.Values{"step": {"category"}, "category": {"999999"}}, 422, "Pick one of the categories"},
		{url.Values{"step": {"create"}, "category": {strconv.FormatInt(f.hw.ID, 10)}, "answer.0": {"not a tag!"}}, 422, "an asset tag is letters"},
		{url.Values{"step": {"create"}, "category": {strconv.FormatInt(f.hw.ID, 10)}, "answer.0": {"LT-1"}, "answer.1": {"Commodore"}}, 422, "pick one of ThinkPad, MacBook"},
		{url.Values{"step": {"create"}, "category": {strconv.FormatInt(f.acc.ID, 10)}}, 422, "this question needs an answer"},
		{url.Values{"step": {"bogus"}}, 400, "could not be read"},
	} {
		form := url.Values{}
		for k, v := range base {
			form[k] = v
		}
		for k, v := range tc.set {
			form[k] = v
		}
		resp, body := c.post("/new", form)
		if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("POST /new %v = %d, want %d with %q", tc.set, resp.StatusCode, tc.status, tc.want)
		}
	}
}

// TestAdminCategoryQuestions: the category page edits the assistant's
// questions, one a line; a line it cannot read comes back with the
// message and the text kept, nothing saved.
func TestAdminCategoryQuestions(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		root := f.signedIn("root")
		root.get("/admin/categories/new")
		form := categoryValues("Laptops", "laptop", "save")
		form.Set("questions", "Asset tag | required | asset tag\nWhich model | choice: ThinkPad, MacBook\nSince when")
		if resp, _ := root.post("/admin/categories/new", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("save = %d", resp.StatusCode)
		}
		c, err := f.st.GetCategoryByName(ctx, "Laptops")
		if err != nil {
			t.Fatal(err)
		}
		want := "Asset tag | required | asset tag\nWhich model | choice: ThinkPad, MacBook\nSince when\n"
		if got := domain.FormatQuestions(c.Questions); got != want {
			t.Errorf("questions = %q, want %q", got, want)
		}
		_, body := root.get(fmt.Sprintf("/admin/categories/%d", c.ID))
		if !strings.Contains(body, "Which model | choice: ThinkPad, MacBook") {
			t.Error("the editor does not show the questions")
		}
		form.Set("questions", "Office: where | required")
		resp, body := root.post(fmt.Sprintf("/admin/categories/%d", c.ID), form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "no colon") || !strings.Contains(body, "Office: where") {
			t.Errorf("a colon = %d, want 422 with the message and the text", resp.StatusCode)
		}
		form.Set("questions", "Model | colour")
		if resp, body := root.post(fmt.Sprintf("/admin/categories/%d", c.ID), form); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(body, "is not required, optional, text, choice or asset tag") {
			t.Errorf("an unknown part = %d", resp.StatusCode)
		}
		if c2, _ := f.st.GetCategory(ctx, c.ID); domain.FormatQuestions(c2.Questions) != want {
			t.Error("a refused form changed the questions")
		}
	})
}
