package adminui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// The people pages of TestAdminInEveryLanguage: users, their one-time
// passwords, the team and its members, the API tokens.

// peopleSerial numbers the users and tokens the pages make, one per
// language and database.
var peopleSerial atomic.Int64

// peopleAddresses are the fixture's addresses and the ones the pages make:
// data, not words.
var peopleAddresses = []string{"ann@company.test", "ben@company.test", "bob@company.test", "carl@company.test",
	"root@company.test", "nobody@company.test", "company.test"}

// peopleClean is what the people pages show of their data.
func peopleClean(more ...string) []string {
	return append(append([]string{}, peopleAddresses...), more...)
}

// peoplePost posts form to path as root, the form read first so the
// client has its CSRF token.
func peoplePost(a *adminLanguage, page, path string, form url.Values) (*http.Response, string) {
	a.root.get(page)
	return a.root.post(path, form)
}

// userPath is the admin page of the fixture's user name.
func userPath(a *adminLanguage, name string) string {
	return "/admin/users/" + strconv.FormatInt(a.f.users[name].ID, 10)
}

// teamReady puts root on the team, away with a leave source, and moves
// carl away and back, so the team page has every availability and its
// latest changes.
func teamReady(a *adminLanguage) {
	a.once("people-team", func() string {
		post := func(path string, form url.Values) {
			if resp, body := peoplePost(a, "/admin/team", path, form); resp.StatusCode != http.StatusSeeOther {
				a.t.Fatalf("POST %s = %d\n%s", path, resp.StatusCode, body)
			}
		}
		post("/admin/team", url.Values{"email": {"root@company.test"}, "availability": {"away"}, "away_until": {"2030-01-01T09:00"},
			"leave_source": {"microsoft"}})
		carl := fmt.Sprintf("/admin/team/%d", a.f.memberID("carl"))
		cat := strconv.FormatInt(a.f.t2.CategoryID, 10)
		for _, away := range []url.Values{
			{"category": {cat}, "availability": {"away"}, "away_until": {"2030-01-01T09:00"}, "leave_source": {"none"}},
			{"category": {cat}, "availability": {"away"}, "leave_source": {"none"}},
			{"category": {cat}, "availability": {"available"}, "leave_source": {"none"}},
		} {
			post(carl, away)
		}
		// carl's leave is read from Google, where nothing is set up; root's
		// from Microsoft 365, which says root is on leave.
		post(carl, url.Values{"category": {cat}, "availability": {"available"}, "leave_source": {"google"}})
		reader := domain.NewDesk(a.f.st, nil, storagetest.Logger(a.t), domain.WithLeave(peopleLeave{}, time.Minute))
		if n, err := reader.ReadLeaves(context.Background()); err != nil || n != 2 {
			a.t.Fatalf("ReadLeaves = %d, %v", n, err)
		}
		return "ready"
	})
}

// peopleLeave is the leave of the team page: root on leave, nothing set
// up for Google.
type peopleLeave struct{}

func (peopleLeave) ReadLeave(_ context.Context, src domain.LeaveSource, email string) (domain.LeaveStatus, error) {
	if src == domain.LeaveGoogle {
		return domain.LeaveStatus{}, &domain.LeaveError{Kind: domain.LeaveNotSetUp,
			Msg: "no Google credentials: add an app-only google mailbox with a service account (see docs/availability.md)"}
	}
	until := time.Date(2030, 2, 1, 9, 0, 0, 0, time.UTC)
	return domain.LeaveStatus{OnLeave: true, Until: &until, Detail: "automatic replies scheduled until 2030-02-01 09:00 UTC"}, nil
}

// tokensReady makes a token and revokes another, so the list has both.
func tokensReady(a *adminLanguage) {
	a.once("people-tokens", func() string {
		ctx := context.Background()
		if _, _, err := a.f.desk.CreateAPIToken(ctx, "bob@company.test", "kept", "read"); err != nil {
			a.t.Fatal(err)
		}
		gone, _, err := a.f.desk.CreateAPIToken(ctx, "carl@company.test", "gone", "write")
		if err != nil {
			a.t.Fatal(err)
		}
		if err := a.f.desk.RevokeAPIToken(ctx, gone.ID); err != nil {
			a.t.Fatal(err)
		}
		return "ready"
	})
}

func init() {
	long := strings.Repeat("x", 201)
	tokenClean := []string{"kept", "gone", "tok"}
	adminLanguagePages = append(adminLanguagePages,
		adminLanguagePage{name: "users", mark: `href="/admin/users/new"`, clean: peopleClean(),
			get: func(a *adminLanguage) (*http.Response, string) { return a.root.get("/admin/users") }},
		adminLanguagePage{name: "users-none", mark: `value="zzqq"`, clean: peopleClean("zzqq"),
			get: func(a *adminLanguage) (*http.Response, string) { return a.root.get("/admin/users?q=zzqq&role=agent") }},
		adminLanguagePage{name: "user-new", mark: `id="password-invite"`, clean: peopleClean(),
			get: func(a *adminLanguage) (*http.Response, string) { return a.root.get("/admin/users/new") }},
		adminLanguagePage{name: "user-new-errors", mark: `id="timezone-error"`, clean: peopleClean(long, "bad-address", "Mars/Base"),
			get: func(a *adminLanguage) (*http.Response, string) {
				resp, body := peoplePost(a, "/admin/users/new", "/admin/users/new", url.Values{"email": {"bad-address"}, "name": {long},
					"role": {"boss"}, "language": {"xx"}, "timezone": {"Mars/Base"}, "password": {"onetime"}})
				for _, id := range []string{"email-error", "name-error", "role-error", "language-error"} {
					if !strings.Contains(body, `id="`+id+`"`) {
						a.t.Errorf("the form lacks %s", id)
					}
				}
				return resp, body
			}},
		adminLanguagePage{name: "user-new-errors-empty", mark: `id="role-error"`, clean: peopleClean(),
			get: func(a *adminLanguage) (*http.Response, string) {
				resp, body := peoplePost(a, "/admin/users/new", "/admin/users/new", url.Values{"email": {""}, "role": {""}})
				if !strings.Contains(body, `id="email-error"`) {
					a.t.Error("the form lacks email-error")
				}
				return resp, body
			}},
		adminLanguagePage{name: "user-new-duplicate", mark: `id="email-error"`, clean: peopleClean("Ann"),
			get: func(a *adminLanguage) (*http.Response, string) {
				return peoplePost(a, "/admin/users/new", "/admin/users/new", url.Values{"email": {"ann@company.test"}, "name": {"Ann"},
					"role": {"employee"}, "password": {"invite"}})
			}},
		adminLanguagePage{name: "user-edit", mark: `/disable"`, clean: peopleClean("Ann"),
			get: func(a *adminLanguage) (*http.Response, string) { return a.root.get(userPath(a, "ann")) }},
		adminLanguagePage{name: "user-edit-errors", mark: `id="name-error"`, clean: peopleClean(long, "Bob", "Mars/Base"),
			get: func(a *adminLanguage) (*http.Response, string) {
				return peoplePost(a, userPath(a, "bob"), userPath(a, "bob"), url.Values{"name": {long}, "role": {"agent"},
					"language": {"xx"}, "timezone": {"Mars/Base"}})
			}},
		adminLanguagePage{name: "user-edit-member-role", mark: `id="role-error"`, clean: peopleClean("Bob"),
			get: func(a *adminLanguage) (*http.Response, string) {
				// bob is on the team: an employee no longer.
				return peoplePost(a, userPath(a, "bob"), userPath(a, "bob"), url.Values{"name": {"Bob"}, "role": {"employee"}})
			}},
		adminLanguagePage{name: "user-last-admin", mark: `id="role-error"`, clean: peopleClean("Root"),
			get: func(a *adminLanguage) (*http.Response, string) {
				return peoplePost(a, userPath(a, "root"), userPath(a, "root"), url.Values{"name": {"Root"}, "role": {"employee"}})
			}},
		adminLanguagePage{name: "user-disable-self", mark: `id="disabled-error"`, clean: peopleClean("Root"),
			get: func(a *adminLanguage) (*http.Response, string) {
				return peoplePost(a, userPath(a, "root"), userPath(a, "root")+"/disable", nil)
			}},
		adminLanguagePage{name: "user-password-reset", mark: `id="one-time-password"`, clean: peopleClean(),
			get: func(a *adminLanguage) (*http.Response, string) {
				return peoplePost(a, userPath(a, "ben"), userPath(a, "ben")+"/password", nil)
			}},
		adminLanguagePage{name: "user-password-created", mark: `id="one-time-password"`, clean: peopleClean("kim"),
			get: func(a *adminLanguage) (*http.Response, string) {
				addr := fmt.Sprintf("kim%d@company.test", peopleSerial.Add(1))
				return peoplePost(a, "/admin/users/new", "/admin/users/new", url.Values{"email": {addr}, "name": {""},
					"role": {"agent"}, "password": {"onetime"}})
			}},
	)
	for _, code := range []string{"usersaved", "invited", "disabled", "enabled"} {
		adminLanguagePages = append(adminLanguagePages, adminLanguagePage{name: "user-notice-" + code, mark: `id="notice"`, clean: peopleClean("Ann"),
			get: func(a *adminLanguage) (*http.Response, string) { return a.root.get(userPath(a, "ann") + "?ok=" + code) }})
	}
	adminLanguagePages = append(adminLanguagePages,
		adminLanguagePage{name: "team", mark: `class="text-danger leave-error"`, clean: peopleClean("Hardware", "Software", "Bob", "Carl", "Root"),
			get: func(a *adminLanguage) (*http.Response, string) {
				teamReady(a)
				return a.root.get("/admin/team")
			}},
		adminLanguagePage{name: "team-errors-unknown", mark: `id="email-error"`, clean: peopleClean("Hardware", "Software", "Bob", "Carl", "Root"),
			get: func(a *adminLanguage) (*http.Response, string) {
				teamReady(a)
				return peoplePost(a, "/admin/team", "/admin/team", url.Values{"email": {"nobody@company.test"}, "availability": {"available"},
					"leave_source": {"none"}})
			}},
		adminLanguagePage{name: "team-errors-form", mark: `id="leave_source-error"`, clean: peopleClean("Hardware", "Software", "Bob", "Carl", "Root", "bogus", "tomorrow"),
			get: func(a *adminLanguage) (*http.Response, string) {
				teamReady(a)
				resp, body := peoplePost(a, "/admin/team", "/admin/team", url.Values{"email": {""}, "availability": {"away"},
					"away_until": {"tomorrow"}, "leave_source": {"bogus"}})
				for _, id := range []string{"email-error", "away_until-error"} {
					if !strings.Contains(body, `id="`+id+`"`) {
						a.t.Errorf("the form lacks %s", id)
					}
				}
				return resp, body
			}},
		adminLanguagePage{name: "team-errors-past", mark: `id="away_until-error"`, clean: peopleClean("Hardware", "Software", "Bob", "Carl", "Root"),
			get: func(a *adminLanguage) (*http.Response, string) {
				teamReady(a)
				return peoplePost(a, "/admin/team", "/admin/team", url.Values{"email": {"ann@company.test"}, "availability": {"away"},
					"away_until": {"2020-01-01T09:00"}, "leave_source": {"none"}})
			}},
		adminLanguagePage{name: "member-edit", mark: `/remove"`, clean: peopleClean("Hardware", "Software", "Bob"),
			get: func(a *adminLanguage) (*http.Response, string) {
				return a.root.get(fmt.Sprintf("/admin/team/%d", a.f.memberID("bob")))
			}},
		adminLanguagePage{name: "member-edit-errors", mark: `id="categories-error"`, clean: peopleClean("Hardware", "Software", "Bob"),
			get: func(a *adminLanguage) (*http.Response, string) {
				path := fmt.Sprintf("/admin/team/%d", a.f.memberID("bob"))
				return peoplePost(a, path, path, url.Values{"category": {"999999"}, "availability": {"available"}, "leave_source": {"none"}})
			}},
		adminLanguagePage{name: "member-root", mark: `/remove"`, clean: peopleClean("Root"),
			get: func(a *adminLanguage) (*http.Response, string) {
				teamReady(a)
				return a.root.get(fmt.Sprintf("/admin/team/%d", a.f.memberID("root")))
			}},
		adminLanguagePage{name: "team-notice-membersaved", mark: `id="notice"`, clean: peopleClean("Hardware", "Software", "Bob", "Carl", "Root"),
			get: func(a *adminLanguage) (*http.Response, string) { return a.root.get("/admin/team?ok=membersaved") }},
		adminLanguagePage{name: "team-notice-memberremoved", mark: `id="notice"`, clean: peopleClean("Hardware", "Software", "Bob", "Carl", "Root"),
			get: func(a *adminLanguage) (*http.Response, string) { return a.root.get("/admin/team?ok=memberremoved") }},
		adminLanguagePage{name: "tokens", mark: `id="token-form"`, clean: peopleClean(tokenClean...),
			get: func(a *adminLanguage) (*http.Response, string) {
				tokensReady(a)
				return a.root.get("/admin/tokens")
			}},
		adminLanguagePage{name: "tokens-created", mark: `id="token-value"`, clean: peopleClean(tokenClean...),
			get: func(a *adminLanguage) (*http.Response, string) {
				tokensReady(a)
				return peoplePost(a, "/admin/tokens", "/admin/tokens", url.Values{"user": {"bob@company.test"},
					"name": {fmt.Sprintf("tok%d", peopleSerial.Add(1))}, "scope": {"write"}})
			}},
		adminLanguagePage{name: "tokens-errors", mark: `id="scope-error"`, clean: peopleClean(tokenClean...),
			get: func(a *adminLanguage) (*http.Response, string) {
				resp, body := peoplePost(a, "/admin/tokens", "/admin/tokens", url.Values{"user": {""}, "name": {""}, "scope": {"all"}})
				for _, id := range []string{"user-error", "name-error"} {
					if !strings.Contains(body, `id="`+id+`"`) {
						a.t.Errorf("the form lacks %s", id)
					}
				}
				return resp, body
			}},
		adminLanguagePage{name: "tokens-errors-user", mark: `id="user-error"`, clean: peopleClean(tokenClean...),
			get: func(a *adminLanguage) (*http.Response, string) {
				return peoplePost(a, "/admin/tokens", "/admin/tokens", url.Values{"user": {"nobody@company.test"}, "name": {"tok"}, "scope": {"read"}})
			}},
		adminLanguagePage{name: "tokens-errors-name", mark: `id="name-error"`, clean: peopleClean(append(tokenClean, strings.Repeat("y", 101))...),
			get: func(a *adminLanguage) (*http.Response, string) {
				return peoplePost(a, "/admin/tokens", "/admin/tokens", url.Values{"user": {"bob@company.test"},
					"name": {strings.Repeat("y", 101)}, "scope": {"read"}})
			}},
		adminLanguagePage{name: "tokens-errors-email", mark: `id="user-error"`, clean: peopleClean(append(tokenClean, "bob@")...),
			get: func(a *adminLanguage) (*http.Response, string) {
				return peoplePost(a, "/admin/tokens", "/admin/tokens", url.Values{"user": {"bob@"}, "name": {"tok"}, "scope": {"read"}})
			}},
		adminLanguagePage{name: "tokens-notice-tokenrevoked", mark: `id="notice"`, clean: peopleClean(tokenClean...),
			get: func(a *adminLanguage) (*http.Response, string) {
				tokensReady(a)
				return a.root.get("/admin/tokens?ok=tokenrevoked")
			}},
	)
}
