package adminui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"ticketgate/domain"
)

// apiResult is an API answer: its status, headers and body.
type apiResult struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic value.
func (a apiResult) json(t testing.TB) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(a.body, &v); err != nil {
		t.Fatalf("body %q: %v", a.body, err)
	}
	return v
}

// api sends a request to the fixture's server with token (none when ""),
// body as JSON when not nil, and the extra headers.
func (f *fixture) api(token, method, path string, body any, headers ...string) apiResult {
	f.t.Helper()
	req := f.apiRequest(token, method, path, body, headers...)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return apiResult{status: resp.StatusCode, header: resp.Header, body: b}
}

// apiRequest is the request f.api sends.
func (f *fixture) apiRequest(token, method, path string, body any, headers ...string) *http.Request {
	f.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			f.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req
}

// apiToken makes a token for the fixture's user name.
func (f *fixture) apiToken(name string, scope domain.APIScope) (*domain.APIToken, string) {
	f.t.Helper()
	t, token, err := f.desk.CreateAPIToken(context.Background(), name+"@company.test", "test "+name, scope)
	if err != nil {
		f.t.Fatal(err)
	}
	return t, token
}

// checkProblem checks an answer is the problem+json of kind with status.
func checkProblem(t *testing.T, what string, res apiResult, status int, kind string) map[string]any {
	t.Helper()
	if res.status != status {
		t.Errorf("%s = %d, want %d (%s)", what, res.status, status, res.body)
		return nil
	}
	if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: Content-Type %q, want application/problem+json", what, ct)
	}
	var p map[string]any
	if err := json.Unmarshal(res.body, &p); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if p["type"] != apiProblemBase+kind || p["status"] != float64(status) || p["title"] == "" {
		t.Errorf("%s: problem %v, want type %s", what, p, apiProblemBase+kind)
	}
	return p
}

// TestAPIAuthorizationMatrix sends every API route, for each ticket, as
// each kind of user, with a write token, and checks the status and that
// nothing of a ticket the user may not see comes back. The table is the
// portal's (authz_test.go).
func TestAPIAuthorizationMatrix(t *testing.T) {
	for _, role := range []string{"anonymous", "employee", "agent", "admin"} {
		t.Run(role, func(t *testing.T) { eachFixture(t, func(t *testing.T, f *fixture) { apiMatrix(t, f, role) }) })
	}
}

func apiMatrix(t *testing.T, f *fixture, role string) {
	expect := map[string]map[string]string{ // as in authzMatrix
		"anonymous": {"t1": "-", "t2": "-", "t3": "-"},
		"employee":  {"t1": "c", "t2": "-", "t3": "-"},
		"agent":     {"t1": "x", "t2": "-", "t3": "r"},
		"admin":     {"t1": "x", "t2": "x", "t3": "c"},
	}
	who := map[string]string{"employee": "ann", "agent": "bob", "admin": "root"}[role]
	f.h.apiLimit = newTokenBuckets(1e6, time.Now) // the rate limit has a test of its own
	token := ""
	if who != "" {
		_, token = f.apiToken(who, domain.ScopeWrite)
	}
	tickets := map[string]*domain.Ticket{"t1": f.t1, "t2": f.t2, "t3": f.t3}
	type call struct {
		method, path string
		body         any
		want         int
	}
	admin := role == "admin"
	ifAdmin := func(yes, no int) int {
		if admin {
			return yes
		}
		return no
	}
	calls := []call{
		{"GET", "/api/v1/me", nil, 200},
		{"GET", "/api/v1/tickets", nil, 200},
		{"GET", "/api/v1/tickets?status=assigned", nil, 200},
		{"GET", "/api/v1/categories", nil, ifAdmin(200, 403)},
		{"GET", "/api/v1/users", nil, ifAdmin(200, 403)},
		{"POST", "/api/v1/tickets", map[string]string{"subject": "From the API", "body": "Please help."}, 201},
		{"GET", "/api/v1/tickets/TKT-999999", nil, 404},
		{"GET", "/api/v1/tickets/nonsense", nil, 404},
	}
	for _, key := range []string{"t1", "t2", "t3"} {
		base := "/api/v1/tickets/" + tickets[key].Ref()
		switch can := expect[role][key]; can {
		case "-":
			for _, p := range []string{"/comments", "/resolve", "/reopen", "/assign", "/category"} {
				calls = append(calls, call{"POST", base + p, map[string]string{}, 404})
			}
			calls = append(calls, call{"GET", base, nil, 404})
		default:
			comment, resolve := 403, 403
			if can == "c" || can == "x" {
				comment = 200
			}
			if can == "x" {
				resolve = 200
			}
			calls = append(calls,
				call{"GET", base, nil, 200},
				call{"POST", base + "/comments", map[string]string{"text": "API comment on " + key}, comment},
				call{"POST", base + "/resolve", map[string]string{"note": "Done via the API."}, resolve},
			)
			if can == "x" { // the requester or an admin reopens (the portal's rule)
				calls = append(calls, call{"POST", base + "/reopen", nil, ifAdmin(200, 403)})
			}
			calls = append(calls,
				call{"POST", base + "/category", map[string]string{"category": "Software"}, ifAdmin(200, 403)},
				call{"POST", base + "/assign", map[string]string{"agent": map[string]string{"t1": "carl", "t2": "bob", "t3": "carl"}[key] + "@company.test"}, ifAdmin(200, 403)},
			)
		}
	}
	for _, c := range calls {
		res := f.api(token, c.method, c.path, c.body)
		want := c.want
		if role == "anonymous" {
			want = 401
		}
		if res.status != want {
			t.Errorf("%s %s as %s = %d, want %d: %s", c.method, c.path, role, res.status, want, res.body)
		}
		if res.status >= 400 && res.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s as %s: Content-Type %q", c.method, c.path, role, res.header.Get("Content-Type"))
		}
		for key, marks := range ticketMarkers {
			if expect[role][key] != "-" {
				continue
			}
			for _, m := range marks {
				if bytes.Contains(res.body, []byte(m)) {
					t.Errorf("%s %s as %s shows %s of %s", c.method, c.path, role, m, key)
				}
			}
		}
	}
	if role == "anonymous" {
		return
	}
	// The list holds exactly the tickets the portal lists: the user's own,
	// every ticket for an admin.
	res := f.api(token, "GET", "/api/v1/tickets", nil)
	var list ticketList
	if err := json.Unmarshal(res.body, &list); err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, tk := range list.Tickets {
		refs = append(refs, tk.Ref)
	}
	want := map[string]int{"employee": 2, "agent": 1, "admin": 4}[role] // the one the API opened counts too
	if len(refs) != want {
		t.Errorf("GET /api/v1/tickets as %s = %v, want %d tickets", role, refs, want)
	}
}

// TestAPITicketEqualsShowJSON: a ticket from the API is what `ticket show
// --json` prints, field for field (both build domain.TicketDetailJSON).
func TestAPITicketEqualsShowJSON(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, token := f.apiToken("root", domain.ScopeRead)
		res := f.api(token, "GET", "/api/v1/tickets/"+f.t1.Ref(), nil)
		d, err := f.desk.Ticket(context.Background(), f.t1.ID)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(domain.NewTicketDetailJSON(d, f.h.helpdesk))
		var a, b any
		_ = json.Unmarshal(res.body, &a)
		_ = json.Unmarshal(want, &b)
		if fmt.Sprint(a) != fmt.Sprint(b) || res.header.Get("Content-Type") != "application/json" {
			t.Errorf("API ticket\n%s\nwant\n%s", res.body, want)
		}
		for _, k := range []string{"id", "ref", "subject", "status", "approval_level", "category", "classification", "requester",
			"assignee", "created_at", "updated_at", "body", "events", "approvals", "attachments"} {
			if _, ok := a.(map[string]any)[k]; !ok {
				t.Errorf("API ticket lacks %q", k)
			}
		}
	})
}

// TestAPIReadToken: a read token reads, and every write is a 403 problem
// that changes nothing.
func TestAPIReadToken(t *testing.T) {
	eachFixture(t, func(t *testing.T, f *fixture) {
		_, token := f.apiToken("root", domain.ScopeRead)
		if res := f.api(token, "GET", "/api/v1/tickets/"+f.t1.Ref(), nil); res.status != 200 {
			t.Errorf("read = %d", res.status)
		}
		before := f.mailSnapshot()
		for _, p := range []string{"/api/v1/tickets", "/api/v1/tickets/" + f.t1.Ref() + "/comments", "/api/v1/tickets/" + f.t1.Ref() + "/resolve",
			"/api/v1/tickets/" + f.t1.Ref() + "/reopen", "/api/v1/tickets/" + f.t1.Ref() + "/assign", "/api/v1/tickets/" + f.t1.Ref() + "/category"} {
			res := f.api(token, "POST", p, map[string]string{"subject": "s", "body": "b", "text": "t", "note": "n", "agent": "carl@company.test", "category": "Software"})
			checkProblem(t, "POST "+p+" with a read token", res, 403, "read-only-token")
		}
		if after := f.mailSnapshot(); after != before {
			t.Errorf("a read token changed something:\n%s\n%s", before, after)
		}
	})
}
