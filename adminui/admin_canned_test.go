package adminui

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
)

// cannedFixture adds canned replies to the fixture: one for every ticket,
// one for Hardware (t1, t3) and one for Software (t2).
type cannedFixture struct {
	all, hw, sw *domain.CannedReply
}

func (f *fixture) canned() cannedFixture {
	f.t.Helper()
	root := domain.Actor{Email: "root@company.test", Admin: true}
	save := func(title, body string, cat int64) *domain.CannedReply {
		r := domain.CannedReply{Title: title, Body: body}
		if cat != 0 {
			r.CategoryID = &cat
		}
		c, err := f.desk.SaveCannedReply(context.Background(), root, r)
		if err != nil {
			f.t.Fatal(err)
		}
		return c
	}
	return cannedFixture{
		all: save("Greeting", "Hello {{requester.name}},\n\nabout {{ticket.ref}}: we are on it.\n\n{{agent.name}}", 0),
		hw:  save("Replacement laptop", "A replacement laptop is on its way.", f.t1.CategoryID),
		sw:  save("Reinstall", "Please reinstall the application.", f.t2.CategoryID),
	}
}

// cannedSteps are the authorization matrix's rows of the canned replies'
// routes (authz_test.go): the admin pages, and Insert on the agent's and
// the admin's ticket pages.
func cannedSteps(f *fixture, role string) []step {
	cf := f.canned()
	id := func(c *domain.CannedReply) string { return fmt.Sprint(c.ID) }
	adminWant := map[string]int{"anonymous": 303, "employee": 404, "agent": 404, "admin": 200}[role]
	var steps []step
	for _, p := range []string{"/admin/canned", "/admin/canned/new", "/admin/canned/" + id(cf.all)} {
		steps = append(steps, step{"GET", p, nil, adminWant})
	}
	for _, p := range []string{"/admin/canned/999999", "/admin/canned/x"} {
		steps = append(steps, step{"GET", p, nil, map[string]int{"anonymous": 303, "employee": 404, "agent": 404, "admin": 404}[role]})
	}
	if role == "admin" {
		steps = append(steps,
			step{"POST", "/admin/canned/new", url.Values{"title": {"Matrix"}, "body": {"Hi {{requester.name}}"}}, 303},
			step{"POST", "/admin/canned/new", url.Values{"title": {"Typo"}, "body": {"Hi {{requester.nmae}}"}}, 422},
			step{"POST", "/admin/canned/new", url.Values{"title": {"Bad category"}, "body": {"x"}, "category": {"abc"}}, 422},
			step{"POST", "/admin/canned/" + id(cf.hw), url.Values{"title": {"Replacement laptop"}, "body": {"Changed."}, "category": {fmt.Sprint(f.t1.CategoryID)}}, 303},
			step{"POST", "/admin/canned/" + id(cf.hw), url.Values{"title": {""}, "body": {"Changed."}}, 422},
			step{"POST", "/admin/canned/999999", url.Values{"title": {"Ghost"}, "body": {"x"}}, 404},
			step{"POST", "/admin/canned/999999/delete", nil, 404},
		)
	} else {
		for _, s := range cannedAdminPosts(cf) {
			s.want = adminWant
			steps = append(steps, s)
		}
	}
	// Insert on the agent's ticket page: for those who may comment, but
	// the requester as such.
	expect := map[string]map[string]string{ // as in authzMatrix
		"anonymous": {"t1": "-", "t2": "-", "t3": "-"},
		"employee":  {"t1": "c", "t2": "-", "t3": "-"},
		"agent":     {"t1": "x", "t2": "-", "t3": "r"},
		"admin":     {"t1": "x", "t2": "x", "t3": "c"},
	}
	refs := map[string]string{"t1": f.t1.Ref(), "t2": f.t2.Ref(), "t3": f.t3.Ref()}
	other := map[string]*domain.CannedReply{"t1": cf.sw, "t2": cf.hw, "t3": cf.sw} // a reply of another category
	for _, key := range []string{"t1", "t2", "t3"} {
		base := "/tickets/" + refs[key] + "/canned"
		can := expect[role][key]
		insert, wrong, none := 200, 422, 422
		switch {
		case can == "-" && role == "anonymous":
			insert, wrong, none = 303, 303, 303
		case can == "-":
			insert, wrong, none = 404, 404, 404
		case can == "r":
			insert, wrong, none = 403, 403, 0
		case role == "employee":
			insert, wrong = 403, 403
		}
		steps = append(steps,
			step{"POST", base, url.Values{"text": {"Hi"}, "canned": {id(cf.all)}}, insert},
			step{"POST", base, url.Values{"text": {"Hi"}, "canned": {id(other[key])}}, wrong},
			step{"POST", base, url.Values{"text": {"Hi"}, "canned": {"999999"}}, wrong},
		)
		if none != 0 {
			steps = append(steps, step{"POST", base, url.Values{"text": {"Hi"}, "canned": {""}}, none})
		}
		// The admin's ticket page.
		adminInsert, adminWrong := adminWant, adminWant
		if role == "admin" {
			adminWrong = 422
		}
		steps = append(steps,
			step{"POST", "/admin/tickets/" + refs[key] + "/canned", url.Values{"text": {""}, "canned": {id(cf.all)}}, adminInsert},
			step{"POST", "/admin/tickets/" + refs[key] + "/canned", url.Values{"text": {""}, "canned": {id(other[key])}}, adminWrong},
		)
	}
	return steps
}

// cannedAdminPosts are the admin POST routes of canned replies with forms
// that change something when accepted.
func cannedAdminPosts(cf cannedFixture) []step {
	return []step{
		{"POST", "/admin/canned/new", url.Values{"title": {"Created"}, "body": {"x"}}, 0},
		{"POST", fmt.Sprintf("/admin/canned/%d", cf.hw.ID), url.Values{"title": {"Renamed"}, "body": {"x"}}, 0},
		{"POST", fmt.Sprintf("/admin/canned/%d/delete", cf.sw.ID), nil, 0},
	}
}

// cannedSnapshot is every canned reply, to check that refused requests
// changed nothing.
func (f *fixture) cannedSnapshot() string {
	f.t.Helper()
	cs, err := f.st.ListCannedReplies(context.Background(), domain.CannedReplyFilter{})
	if err != nil {
		f.t.Fatal(err)
	}
	var b strings.Builder
	for _, c := range cs {
		fmt.Fprintf(&b, "%d %q %q %q\n", c.ID, c.Title, c.Body, c.Category)
	}
	return b.String()
}

// TestCannedRepliesCSRF: the canned replies' POSTs without the right token
// are the 403 page and change nothing, even for an admin.
func TestCannedRepliesCSRF(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		cf := f.canned()
		root := f.signedIn("root")
		before := f.cannedSnapshot()
		posts := append(cannedAdminPosts(cf),
			step{"POST", "/tickets/" + f.t1.Ref() + "/canned", url.Values{"canned": {fmt.Sprint(cf.all.ID)}}, 0},
			step{"POST", "/admin/tickets/" + f.t1.Ref() + "/canned", url.Values{"canned": {fmt.Sprint(cf.all.ID)}}, 0})
		for _, tok := range []string{"", flipFirst(root.csrf)} {
			for _, s := range posts {
				form := url.Values{"csrf": {tok}}
				for k, v := range s.form {
					form[k] = v
				}
				resp, body := root.post(s.path, form)
				if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Form expired") || strings.Contains(body, "we are on it") {
					t.Errorf("POST %s, token %q = %d, want the 403 page", s.path, tok, resp.StatusCode)
				}
			}
		}
		if after := f.cannedSnapshot(); after != before {
			t.Errorf("refused posts changed something:\n%s\n%s", before, after)
		}
	})
}

// textarea returns the text of the comment box (id "text") of a page.
func textarea(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, `id="text"`)
	if i < 0 {
		t.Fatalf("no comment box on the page")
	}
	rest := body[i:]
	start := strings.Index(rest, ">") + 1
	end := strings.Index(rest, "</textarea>")
	return html.UnescapeString(rest[start:end])
}

func TestCannedRepliesAdminPages(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		root := f.signedIn("root")
		resp, body := root.get("/admin/canned")
		if resp.StatusCode != 200 || !strings.Contains(body, "No canned replies yet") || !strings.Contains(body, `href="/admin/canned"`) {
			t.Fatalf("empty list = %d\n%s", resp.StatusCode, body)
		}
		if _, body := root.get("/queue"); !strings.Contains(body, `href="/admin/canned">Canned replies</a>`) {
			t.Error("the admin navigation has no link to the canned replies")
		}
		_, body = root.get("/admin/canned/new")
		for _, w := range []string{"{{requester.name}}", "{{ticket.ref}}", "{{agent.name}}", `<option value="">Every category</option>`, ">Hardware</option>"} {
			if !strings.Contains(body, w) {
				t.Errorf("the new reply's form lacks %q", w)
			}
		}

		// Refused: the message on the page, the input kept, nothing saved.
		for _, tc := range []struct {
			form url.Values
			msg  string
		}{
			{url.Values{"title": {"VPN restart"}, "body": {"Hello {{requester.email}}, restart it."}},
				"Unknown placeholder {{requester.email}}: use {{requester.name}}, {{ticket.ref}} or {{agent.name}}."},
			{url.Values{"title": {"VPN restart"}, "body": {"Hello {{requester.name"}}, "is not closed by"},
			{url.Values{"title": {""}, "body": {"Restart it."}}, "Give the reply a title."},
			{url.Values{"title": {"VPN restart"}, "body": {"  "}}, "Write the reply&#39;s text."},
			{url.Values{"title": {"VPN restart"}, "body": {"x"}, "category": {"999999"}}, "That category no longer exists"},
			{url.Values{"title": {"VPN restart"}, "body": {"x"}, "category": {"-3"}}, "Choose a category from the list"},
			{url.Values{"title": {strings.Repeat("t", 201)}, "body": {"x"}}, "at most 200 characters"},
		} {
			resp, body := root.post("/admin/canned/new", tc.form)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(html.UnescapeString(body), html.UnescapeString(tc.msg)) ||
				!strings.Contains(body, "Nothing was saved") {
				t.Errorf("POST /admin/canned/new %v = %d, want 422 with %q\n%s", tc.form, resp.StatusCode, tc.msg, body)
			}
			if tc.form.Get("title") != "" && !strings.Contains(body, `value="`+html.EscapeString(tc.form.Get("title"))+`"`) {
				t.Errorf("POST %v: the title is not kept on the form", tc.form)
			}
		}
		if snap := f.cannedSnapshot(); snap != "" {
			t.Fatalf("refused forms saved: %s", snap)
		}

		// Saved, listed, edited, deleted.
		hw := fmt.Sprint(f.t1.CategoryID)
		resp, _ = root.post("/admin/canned/new", url.Values{"title": {"VPN restart"}, "body": {"Hello {{ requester.name }},\r\nrestart it."}, "category": {hw}})
		if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "?ok=cannedsaved") {
			t.Fatalf("create = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		loc := resp.Header.Get("Location")
		_, body = root.get(loc)
		if !strings.Contains(body, "The canned reply is saved.") || !strings.Contains(body, `<option value="`+hw+`" selected>Hardware</option>`) ||
			!strings.Contains(body, "Hello {{ requester.name }},\nrestart it.</textarea>") {
			t.Errorf("the saved reply's page:\n%s", body)
		}
		_, body = root.get("/admin/canned")
		if !strings.Contains(body, ">VPN restart</a>") || !strings.Contains(body, "Hardware") {
			t.Errorf("the list lacks the reply:\n%s", body)
		}
		resp, body = root.post("/admin/canned/new", url.Values{"title": {"vpn RESTART"}, "body": {"x"}})
		if resp.StatusCode != 422 || !strings.Contains(body, "Another reply has this title.") {
			t.Errorf("a second reply with the title = %d", resp.StatusCode)
		}
		path, _, _ := strings.Cut(loc, "?")
		resp, _ = root.post(path, url.Values{"title": {"VPN restart"}, "body": {"Restart it, {{requester.name}}."}, "category": {""}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("update = %d", resp.StatusCode)
		}
		if snap := f.cannedSnapshot(); !strings.Contains(snap, `"VPN restart" "Restart it, {{requester.name}}." ""`) {
			t.Errorf("after update: %s", snap)
		}
		resp, _ = root.post(path+"/delete", nil)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/canned?ok=canneddeleted" {
			t.Fatalf("delete = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if snap := f.cannedSnapshot(); snap != "" {
			t.Errorf("after delete: %s", snap)
		}
		if resp, _ := root.get(path); resp.StatusCode != 404 {
			t.Errorf("a deleted reply's page = %d, want 404", resp.StatusCode)
		}
	})
}

func TestCannedReplyInsertion(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		cf := f.canned()
		bob := f.signedIn("bob") // t1: Hardware, assigned to him; ann (named Ann) asked
		_, body := bob.get("/tickets/" + f.t1.Ref())
		for _, w := range []string{`<select class="form-select form-select-sm" id="canned" name="canned">`, ">Greeting</option>", ">Replacement laptop</option>",
			`formaction="/tickets/` + f.t1.Ref() + `/canned#add-comment"`} {
			if !strings.Contains(body, w) {
				t.Errorf("bob's page of t1 lacks %q", w)
			}
		}
		if strings.Contains(body, ">Reinstall</option>") {
			t.Error("bob's page of a Hardware ticket offers the Software reply")
		}

		// Insert after what he typed: the placeholders filled, the page
		// otherwise as it was, nothing stored.
		before := f.snapshot()
		resp, body := bob.post("/tickets/"+f.t1.Ref()+"/canned", url.Values{"text": {"Sorry for the wait.\r\n"}, "canned": {fmt.Sprint(cf.all.ID)}})
		want := "Sorry for the wait.\n\nHello Ann,\n\nabout " + f.t1.Ref() + ": we are on it.\n\nBob"
		if resp.StatusCode != 200 || textarea(t, body) != want {
			t.Fatalf("insert = %d, comment box %q, want %q", resp.StatusCode, textarea(t, body), want)
		}
		if !strings.Contains(body, fmt.Sprintf(`<option value="%d" selected>Greeting</option>`, cf.all.ID)) {
			t.Error("the chosen reply is not selected after insertion")
		}
		if after := f.snapshot(); after != before {
			t.Errorf("insertion changed something:\n%s\n%s", before, after)
		}
		// He edits and sends it as a normal comment.
		sent := strings.Replace(want, "we are on it", "the laptop ships today", 1)
		if resp, _ := bob.post("/tickets/"+f.t1.Ref()+"/comment", url.Values{"text": {sent}, "canned": {fmt.Sprint(cf.all.ID)}}); resp.StatusCode != 303 {
			t.Fatalf("comment = %d", resp.StatusCode)
		}
		es, _ := f.st.ListEvents(context.Background(), f.t1.ID)
		if last := es[len(es)-1]; last.Kind != domain.EventCommented || last.Detail != sent || last.Actor != "bob@company.test" {
			t.Errorf("last event = %+v", last)
		}
		if mail := f.lastMailBody("ann@company.test"); mail == "" {
			t.Error("the comment was not relayed to the requester")
		}

		// Refused insertions say why on the page and keep the text.
		for _, tc := range []struct {
			canned, msg string
		}{
			{fmt.Sprint(cf.sw.ID), `The saved reply "Reinstall" is for tickets of Software; choose another.`},
			{"999999", "That saved reply no longer exists; choose another."},
			{"", "Choose a saved reply first."},
		} {
			resp, body := bob.post("/tickets/"+f.t1.Ref()+"/canned", url.Values{"text": {"Kept text"}, "canned": {tc.canned}})
			if resp.StatusCode != 422 || !strings.Contains(html.UnescapeString(body), tc.msg) || textarea(t, body) != "Kept text" {
				t.Errorf("insert %q = %d, want 422 with %q and the text kept", tc.canned, resp.StatusCode, tc.msg)
			}
		}
		// A reply with an unknown placeholder that got into the database
		// past the checks is refused at insertion too.
		typo := &domain.CannedReply{Title: "Typo", Body: "Hi {{requester.nmae}}", CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if err := f.st.CreateCannedReply(context.Background(), typo); err != nil {
			t.Fatal(err)
		}
		resp, body = bob.post("/tickets/"+f.t1.Ref()+"/canned", url.Values{"text": {""}, "canned": {fmt.Sprint(typo.ID)}})
		if resp.StatusCode != 422 || !strings.Contains(html.UnescapeString(body), `The saved reply "Typo" cannot be used: unknown placeholder {{requester.nmae}}`) {
			t.Errorf("insert of a reply with a typo = %d\n%s", resp.StatusCode, body)
		}

		// The requester has no picker, and Insert is refused to her.
		ann := f.signedIn("ann")
		if _, body := ann.get("/tickets/" + f.t1.Ref()); strings.Contains(body, `id="canned"`) {
			t.Error("the requester's page offers canned replies")
		}
		if resp, body := ann.post("/tickets/"+f.t1.Ref()+"/canned", url.Values{"canned": {fmt.Sprint(cf.all.ID)}}); resp.StatusCode != 403 || strings.Contains(body, "we are on it") {
			t.Errorf("insert by the requester = %d", resp.StatusCode)
		}

		// The admin's ticket page: the admin's own name fills {{agent.name}}.
		root := f.signedIn("root")
		_, body = root.get("/admin/tickets/" + f.t2.Ref())
		if !strings.Contains(body, ">Reinstall</option>") || strings.Contains(body, ">Replacement laptop</option>") ||
			!strings.Contains(body, `formaction="/admin/tickets/`+f.t2.Ref()+`/canned#act-comment"`) {
			t.Errorf("the admin's page of t2 (Software) offers the wrong replies")
		}
		resp, body = root.post("/admin/tickets/"+f.t2.Ref()+"/canned", url.Values{"text": {""}, "canned": {fmt.Sprint(cf.all.ID)}})
		want = "Hello Ben,\n\nabout " + f.t2.Ref() + ": we are on it.\n\nRoot"
		if resp.StatusCode != 200 || textarea(t, body) != want {
			t.Errorf("admin insert = %d, comment box %q, want %q", resp.StatusCode, textarea(t, body), want)
		}
		resp, body = root.post("/admin/tickets/"+f.t2.Ref()+"/canned", url.Values{"text": {"mine"}, "canned": {fmt.Sprint(cf.hw.ID)}})
		if resp.StatusCode != 422 || !strings.Contains(html.UnescapeString(body), `is for tickets of Hardware`) || textarea(t, body) != "mine" {
			t.Errorf("admin insert of another category's reply = %d", resp.StatusCode)
		}
	})
}
