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

// adminSteps are the admin routes for the authorization matrix: admins
// reach them, everyone else signed in gets 404 (as for anything they may
// not see), signed-out visitors are sent to sign in. The POSTs are forms
// that would change something if accepted, except the admin's (invalid
// forms: 422 and nothing changed).
func adminSteps(f *fixture, role string) []step {
	bob := fmt.Sprint(f.users["bob"].ID)
	member := fmt.Sprint(f.memberID("bob"))
	cat := fmt.Sprint(f.t1.CategoryID)
	gets := []string{"/admin/users", "/admin/users?role=agent&q=bo", "/admin/users/new", "/admin/users/" + bob,
		"/admin/categories", "/admin/categories/new", "/admin/categories/" + cat, "/admin/team", "/admin/team/" + member}
	var steps []step
	want := map[string]int{"anonymous": 303, "employee": 404, "agent": 404, "admin": 200}[role]
	for _, p := range gets {
		steps = append(steps, step{"GET", p, nil, want})
	}
	for _, p := range []string{"/admin/users/999999", "/admin/users/x", "/admin/categories/999999", "/admin/team/999999", "/admin/team/new"} {
		steps = append(steps, step{"GET", p, nil, map[string]int{"anonymous": 303, "employee": 404, "agent": 404, "admin": 404}[role]})
	}
	if role == "admin" {
		return append(steps,
			step{"POST", "/admin/users/new", url.Values{"email": {"nope"}, "role": {"agent"}}, 422},
			step{"POST", "/admin/categories/new", url.Values{"name": {""}}, 422},
			step{"POST", "/admin/team", url.Values{"email": {"nobody@company.test"}}, 422},
		)
	}
	for _, s := range adminPostRoutes(f) {
		s.want = want
		steps = append(steps, s)
	}
	return steps
}

// adminPostRoutes are the admin POST routes with forms that change
// something when accepted.
func adminPostRoutes(f *fixture) []step {
	bob := fmt.Sprint(f.users["bob"].ID)
	hw, sw := fmt.Sprint(f.t1.CategoryID), fmt.Sprint(f.t2.CategoryID)
	member := fmt.Sprint(f.memberID("bob"))
	return []step{
		{"POST", "/admin/users/new", url.Values{"email": {"new@company.test"}, "name": {"New"}, "role": {"admin"}, "password": {"onetime"}}, 0},
		{"POST", "/admin/users/" + bob, url.Values{"name": {"Changed"}, "role": {"admin"}}, 0},
		{"POST", "/admin/users/" + bob + "/disable", nil, 0},
		{"POST", "/admin/users/" + bob + "/password", nil, 0},
		{"POST", "/admin/users/" + bob + "/invite", nil, 0},
		{"POST", "/admin/categories/new", url.Values{"name": {"Created"}, "levels": {"0"}, "action": {"save"}}, 0},
		{"POST", "/admin/categories/" + hw, url.Values{"name": {"Renamed"}, "levels": {"0"}, "action": {"save"}}, 0},
		{"POST", "/admin/categories/" + sw + "/merge", url.Values{"into": {hw}}, 0},
		{"POST", "/admin/categories/" + sw + "/delete", nil, 0},
		{"POST", "/admin/team", url.Values{"email": {"ann@company.test"}, "availability": {"available"}}, 0},
		{"POST", "/admin/team/" + member, url.Values{"availability": {"away"}}, 0},
		{"POST", "/admin/team/" + member + "/remove", nil, 0},
		{"POST", "/admin/starter", nil, 0},
	}
}

// memberID returns the team member id of user name.
func (f *fixture) memberID(name string) int64 {
	f.t.Helper()
	m, err := f.st.GetTeamMemberByUser(context.Background(), f.users[name].ID)
	if err != nil {
		f.t.Fatalf("team member %s: %v", name, err)
	}
	return m.ID
}

// snapshot is what the admin routes could change, to check that refused
// requests changed nothing.
func (f *fixture) snapshot() string {
	f.t.Helper()
	ctx := context.Background()
	var b strings.Builder
	us, _ := f.st.ListUsers(ctx, domain.UserFilter{})
	for _, u := range us {
		fmt.Fprintf(&b, "user %s %q %s %v %v %s\n", u.Email, u.Name, u.Role, u.Disabled, u.MustChangePassword, u.PasswordHash)
	}
	cs, _ := f.st.ListCategories(ctx)
	for _, c := range cs {
		fmt.Fprintf(&b, "category %d %q %q %v %v\n", c.ID, c.Name, c.Description, c.Keywords, c.ApprovalLevels)
	}
	ms, _ := f.st.ListTeamMembers(ctx)
	for _, m := range ms {
		fmt.Fprintf(&b, "member %s %v %v %v\n", m.Email, m.CategoryIDs, m.Available, m.AwayUntil)
	}
	ts, _ := f.st.ListTickets(ctx, domain.TicketQuery{})
	for _, t := range ts {
		fmt.Fprintf(&b, "ticket %d %d %s %d\n", t.ID, t.CategoryID, t.Status, t.AssigneeID)
	}
	out, _ := f.st.ListOutbox(ctx, "", 0)
	fmt.Fprintf(&b, "outbox %d\n", len(out))
	return b.String()
}

// TestAdminCSRFRejected: every admin POST without the right token is the
// 403 page and changes nothing, even for an admin.
func TestAdminCSRFRejected(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		root := f.signedIn("root")
		other := f.signedIn("carl")
		before := f.snapshot()
		for _, tok := range []struct{ name, value string }{{"missing", ""}, {"wrong", flipFirst(root.csrf)}, {"another session's", other.csrf}} {
			for _, s := range adminPostRoutes(f) {
				form := url.Values{"csrf": {tok.value}}
				for k, v := range s.form {
					form[k] = v
				}
				resp, body := root.post(s.path, form)
				if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Form expired") {
					t.Errorf("POST %s, token %s = %d, want the 403 page", s.path, tok.name, resp.StatusCode)
				}
			}
		}
		if after := f.snapshot(); after != before {
			t.Errorf("refused posts changed something:\nbefore\n%s\nafter\n%s", before, after)
		}
		if resp, _ := root.get("/admin/users"); resp.StatusCode != 200 {
			t.Errorf("the admin is signed out after refused posts: %d", resp.StatusCode)
		}
	})
}

// TestAdminForcedPasswordChange: an admin with a password to change
// reaches no admin page.
func TestAdminForcedPasswordChange(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		otp, err := f.desk.ResetPassword(context.Background(), "root@company.test")
		if err != nil {
			t.Fatal(err)
		}
		c := f.client()
		c.signIn("root", otp)
		before := f.snapshot()
		for _, s := range append(adminSteps(f, "employee"), adminPostRoutes(f)...) {
			var resp *http.Response
			if s.method == "GET" {
				resp, _ = c.get(s.path)
			} else {
				resp, _ = c.post(s.path, s.form)
			}
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/password" {
				t.Errorf("%s %s = %d to %q, want 303 to /password", s.method, s.path, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
		if after := f.snapshot(); after != before {
			t.Errorf("posts before the password change changed something:\n%s\n%s", before, after)
		}
	})
}

var otpRE = regexp.MustCompile(`id="one-time-password" value="([^"]+)"`)

func TestAdminUsersList(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		root := f.signedIn("root")
		for _, tt := range []struct {
			query      string
			want, not_ []string
		}{
			{"", []string{"ann@company.test", "bob@company.test", "root@company.test", "5 users"}, nil},
			{"?role=agent", []string{"bob@company.test", "carl@company.test"}, []string{"ann@company.test", "root@company.test"}},
			{"?q=ANN", []string{"ann@company.test"}, []string{"bob@company.test", "ben@company.test"}},
			{"?q=b&role=employee", []string{"ben@company.test"}, []string{"bob@company.test", "ann@company.test"}},
			{"?q=zzz", []string{"No user matches."}, nil},
			{"?role=boss", []string{"ann@company.test", "root@company.test"}, nil}, // an unknown role filters nothing
		} {
			resp, body := root.get("/admin/users" + tt.query)
			if resp.StatusCode != 200 || !strings.Contains(body, "<title>Users · IT Helpdesk</title>") {
				t.Fatalf("GET /admin/users%s = %d", tt.query, resp.StatusCode)
			}
			body = body[strings.Index(body, "<main"):] // not the signed-in address in the header
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("users%s lacks %q", tt.query, w)
				}
			}
			for _, w := range tt.not_ {
				if strings.Contains(body, w) {
					t.Errorf("users%s shows %q", tt.query, w)
				}
			}
		}
		// Pages of 50, the filter kept in the pager's links.
		for i := range domain.UserPageSize {
			u := &domain.User{Email: fmt.Sprintf("agent%02d@company.test", i), Role: domain.RoleAgent}
			if err := f.st.CreateUser(context.Background(), u); err != nil {
				t.Fatal(err)
			}
		}
		_, body := root.get("/admin/users?role=agent")
		if !strings.Contains(body, "Page 1 of 2") || !strings.Contains(body, `href="/admin/users?page=2&amp;role=agent"`) || strings.Contains(body, "agent49@") {
			t.Errorf("first page of 52 agents is not paged")
		}
		_, body = root.get("/admin/users?role=agent&page=2")
		if !strings.Contains(body, "Page 2 of 2") || !strings.Contains(body, "agent49@company.test") || strings.Contains(body, "agent00@") {
			t.Errorf("second page of agents is wrong")
		}
	})
}

func TestAdminCreateUser(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		root := f.signedIn("root")
		// Each kind of invalid input: the form comes back with the input
		// and the message next to the field, and nothing is saved.
		before := f.snapshot()
		for _, tt := range []struct {
			form  url.Values
			field string
			msg   string
			keep  string
		}{
			{url.Values{"email": {""}, "name": {"Nameless Input"}, "role": {"agent"}}, "email", "Enter the user&#39;s email address.", `value="Nameless Input"`},
			{url.Values{"email": {"not-an-address"}, "name": {"Kim"}, "role": {"agent"}}, "email", "Enter one email address", `value="not-an-address"`},
			{url.Values{"email": {"ANN@company.test"}, "name": {"Ann Again"}, "role": {"employee"}}, "email", "A user with this address exists already.", `value="ANN@company.test"`},
			{url.Values{"email": {"kim@company.test"}, "name": {"Kim"}, "role": {"boss"}}, "role", "Choose employee, agent or admin.", `value="kim@company.test"`},
			{url.Values{"email": {"kim@company.test"}, "name": {strings.Repeat("k", 201)}, "role": {"agent"}}, "name", "at most 200 characters", `value="kim@company.test"`},
		} {
			resp, body := root.post("/admin/users/new", tt.form)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, tt.msg) || !strings.Contains(body, tt.keep) ||
				!strings.Contains(body, `id="`+tt.field+`-error"`) || !strings.Contains(body, "<title>New user · IT Helpdesk</title>") {
				t.Errorf("POST /admin/users/new %v = %d, want 422 with %q next to %s and %s\n%s", tt.form, resp.StatusCode, tt.msg, tt.field, tt.keep, body)
			}
		}
		if after := f.snapshot(); after != before {
			t.Errorf("invalid forms changed something:\n%s\n%s", before, after)
		}

		// A one-time password, shown once; the user must change it.
		resp, body := root.post("/admin/users/new", url.Values{"email": {"Kim@Company.test"}, "name": {"Kim Lee"}, "role": {"agent"}, "password": {"onetime"}})
		m := otpRE.FindStringSubmatch(body)
		if resp.StatusCode != 200 || m == nil || !strings.Contains(body, "only this once") || resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("create with a one-time password = %d\n%s", resp.StatusCode, body)
		}
		kim, err := f.st.GetUserByEmail(ctx, "kim@company.test")
		if err != nil || kim.Role != domain.RoleAgent || kim.Name != "Kim Lee" || !kim.MustChangePassword || !domain.CheckPassword(kim.PasswordHash, m[1]) {
			t.Fatalf("created user = %+v, %v", kim, err)
		}
		if strings.Contains(f.logs.String(), m[1]) {
			t.Error("the one-time password is in the log")
		}
		if _, body := root.get(fmt.Sprintf("/admin/users/%d", kim.ID)); strings.Contains(body, m[1]) || !strings.Contains(body, "must change password") {
			t.Error("the user's page shows the password again, or not that it must change")
		}
		kc := f.client()
		kc.signIn("kim", m[1])
		if resp, _ := kc.get("/queue"); resp.StatusCode != 303 || resp.Header.Get("Location") != "/password" {
			t.Errorf("kim's first sign-in leads to %d %q, want the forced change", resp.StatusCode, resp.Header.Get("Location"))
		}

		// An invitation: no password, a link by mail.
		resp, _ = root.post("/admin/users/new", url.Values{"email": {"lou@company.test"}, "name": {"Lou"}, "role": {"employee"}, "password": {"invite"}})
		lou, err := f.st.GetUserByEmail(ctx, "lou@company.test")
		if resp.StatusCode != 303 || err != nil || resp.Header.Get("Location") != fmt.Sprintf("/admin/users/%d?ok=invited", lou.ID) || lou.PasswordHash != "" {
			t.Fatalf("create with an invitation = %d to %q, user %+v %v", resp.StatusCode, resp.Header.Get("Location"), lou, err)
		}
		link := f.passwordLink("lou@company.test")
		lc := f.client()
		if resp, body := lc.get(link[len(f.srv.URL):]); resp.StatusCode != 200 || !strings.Contains(body, "lou@company.test") {
			t.Errorf("the invitation link = %d", resp.StatusCode)
		}
	})
}

func TestAdminEditUser(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		root := f.signedIn("root")
		bobc := f.signedIn("bob")
		bob := f.users["bob"]
		path := fmt.Sprintf("/admin/users/%d", bob.ID)

		before := f.snapshot()
		for _, tt := range []struct {
			form      url.Values
			msg, keep string
		}{
			{url.Values{"name": {"Bobby Input"}, "role": {""}}, "Choose a role.", `value="Bobby Input"`},
			{url.Values{"name": {"Bobby Input"}, "role": {"boss"}}, "Choose employee, agent or admin.", `value="Bobby Input"`},
			{url.Values{"name": {"Bobby Input"}, "role": {"employee"}}, "team member; remove them from the team first", `value="Bobby Input"`},
		} {
			resp, body := root.post(path, tt.form)
			if resp.StatusCode != 422 || !strings.Contains(body, tt.msg) || !strings.Contains(body, tt.keep) || !strings.Contains(body, `id="role-error"`) {
				t.Errorf("POST %s %v = %d, want 422 with %q", path, tt.form, resp.StatusCode, tt.msg)
			}
		}
		// The last admin can neither lose the role nor be disabled.
		rootPath := fmt.Sprintf("/admin/users/%d", f.users["root"].ID)
		if resp, body := root.post(rootPath, url.Values{"name": {"Root"}, "role": {"agent"}}); resp.StatusCode != 422 || !strings.Contains(body, "only enabled admin") {
			t.Errorf("demote the last admin = %d", resp.StatusCode)
		}
		if resp, body := root.post(rootPath+"/disable", nil); resp.StatusCode != 422 || !strings.Contains(body, "cannot disable your own account") {
			t.Errorf("disable oneself = %d", resp.StatusCode)
		}
		if after := f.snapshot(); after != before {
			t.Errorf("refused edits changed something:\n%s\n%s", before, after)
		}

		resp, _ := root.post(path, url.Values{"name": {"  Bob   Builder "}, "role": {"admin"}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != path+"?ok=usersaved" {
			t.Fatalf("save = %d to %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if u, _ := f.st.GetUser(ctx, bob.ID); u.Name != "Bob Builder" || u.Role != domain.RoleAdmin {
			t.Errorf("saved user = %+v", u)
		}
		if _, body := root.get(path + "?ok=usersaved"); !strings.Contains(body, "The user is saved.") ||
			!strings.Contains(body, fmt.Sprintf(`href="/admin/team/%d"`, f.memberID("bob"))) {
			t.Error("no notice after saving, or no link to bob's team membership")
		}

		// Disable: bob's session ends and he cannot sign in; enable again.
		if resp, _ := root.post(path+"/disable", nil); resp.StatusCode != 303 {
			t.Fatalf("disable = %d", resp.StatusCode)
		}
		if resp, _ := bobc.get("/queue"); resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
			t.Errorf("bob's session after disabling = %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		c := f.client()
		c.get("/signin")
		if resp, _ := c.post("/signin", url.Values{"email": {"bob@company.test"}, "password": {fixturePassword}}); resp.StatusCode == 303 {
			t.Error("a disabled user signed in")
		}
		if _, body := root.get(path); !strings.Contains(body, "disabled") || !strings.Contains(body, path+"/enable") {
			t.Error("the page of a disabled user offers no Enable")
		}
		if resp, _ := root.post(path+"/enable", nil); resp.StatusCode != 303 {
			t.Fatalf("enable = %d", resp.StatusCode)
		}
		f.signedIn("bob")

		// Reset password: a new one-time password, shown once; the old one
		// no longer works.
		resp, body := root.post(path+"/password", nil)
		m := otpRE.FindStringSubmatch(body)
		if resp.StatusCode != 200 || m == nil {
			t.Fatalf("reset password = %d", resp.StatusCode)
		}
		if u, _ := f.st.GetUser(ctx, bob.ID); !u.MustChangePassword || !domain.CheckPassword(u.PasswordHash, m[1]) || domain.CheckPassword(u.PasswordHash, fixturePassword) {
			t.Errorf("after reset: %+v", u)
		}
		// Invitation of an existing user: a link by mail.
		if resp, _ := root.post(path+"/invite", nil); resp.StatusCode != 303 {
			t.Errorf("invite = %d", resp.StatusCode)
		}
		f.passwordLink("bob@company.test")
	})
}

// TestAdminUserPagesShowTheAdmin: the pages about a user (edit, new, the
// one-time password) show that user in their content, and the signed-in
// admin in the navigation bar, with the admin menu and the sign-out
// button. Their data once had a field User of its own that hid the
// layout's: the bar showed the edited employee, without the admin menu,
// or a signed-out bar on the new-user page.
func TestAdminUserPagesShowTheAdmin(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		root := f.signedIn("root")
		ann := fmt.Sprint(f.users["ann"].ID)
		bar := regexp.MustCompile(`(?s)<header.*</header>`)
		for name, get := range map[string]func() (*http.Response, string){
			"edit":     func() (*http.Response, string) { return root.get("/admin/users/" + ann) },
			"new":      func() (*http.Response, string) { return root.get("/admin/users/new") },
			"password": func() (*http.Response, string) { return root.post("/admin/users/"+ann+"/password", nil) },
			"invalid": func() (*http.Response, string) {
				return root.post("/admin/users/"+ann, url.Values{"name": {strings.Repeat("x", domain.MaxUserName+1)}, "role": {"employee"}})
			},
		} {
			resp, body := get()
			if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("%s: status %d", name, resp.StatusCode)
			}
			header := bar.FindString(body)
			for _, want := range []string{"root@company.test", `href="/admin/users"`, `action="/signout"`} {
				if !strings.Contains(header, want) {
					t.Errorf("%s: the navigation bar lacks %s:\n%s", name, want, header)
				}
			}
			if strings.Contains(header, "ann@company.test") {
				t.Errorf("%s: the navigation bar shows the user of the page:\n%s", name, header)
			}
			if name != "new" && !strings.Contains(body[len(header):], "ann@company.test") {
				t.Errorf("%s: the page does not show ann", name)
			}
		}
	})
}
