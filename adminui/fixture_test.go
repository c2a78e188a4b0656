package adminui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/bcrypt"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// testComposer renders a mail as a minimal message whose body holds the
// link (for MailPasswordLink), so tests read the link back from the
// outbox row like a person reads their mail.
type testComposer struct{}

func (testComposer) Compose(_ context.Context, m domain.Mail) (*domain.OutboxMessage, error) {
	subject := string(m.Kind)
	if m.Ticket != nil {
		subject = "[" + m.Ticket.Ref() + "] " + subject
	}
	raw := fmt.Sprintf("To: %s\r\nSubject: %s\r\n\r\n%s\r\n", m.To, subject, m.Vars["link"])
	return &domain.OutboxMessage{Kind: string(m.Kind), To: m.To, Subject: subject,
		MessageID: fmt.Sprintf("test.%d@x.test", time.Now().UnixNano()), Raw: []byte(raw)}, nil
}

// logBuffer keeps every log line, to check what was (not) logged.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	t   testing.TB
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// fixture is a portal over a real database with a few users and tickets:
//
//	t1: ann's, category Hardware, assigned to agent bob
//	t2: ben's, category Software, assigned to agent carl
//	t3: ben's, category Hardware (bob's category), unassigned
//
// Each ticket has one attachment. t2 and t3 carry markers that must never
// appear on a page of a user who may not see them.
type fixture struct {
	t      testing.TB
	dbURL  string
	st     *storage.Store
	desk   *domain.Desk
	srv    *httptest.Server
	h      *Handler
	logs   *logBuffer
	users  map[string]*domain.User // by first name
	t1     *domain.Ticket
	t2, t3 *domain.Ticket
}

const fixturePassword = "a fine long password"

// Markers of the tickets, one in the subject, one in the body and one in
// the attachment's name, per ticket.
var ticketMarkers = map[string][]string{
	"t1": {"ANNSUBJ1", "ANNBODY1", "annfile1.txt"},
	"t2": {"BENSUBJ2", "BENBODY2", "benfile2.txt"},
	"t3": {"BENSUBJ3", "BENBODY3", "benfile3.txt"},
}

func newFixture(t testing.TB, db storagetest.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := newBareFixture(t, db)
	hw := &domain.Category{Name: "Hardware", Keywords: []string{}}
	sw := &domain.Category{Name: "Software", Keywords: []string{}}
	for _, c := range []*domain.Category{hw, sw} {
		c.CreatedAt, c.UpdatedAt = time.Now(), time.Now()
		if err := f.st.CreateCategory(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for name, cat := range map[string]*domain.Category{"bob": hw, "carl": sw} {
		m := &domain.TeamMember{UserID: f.users[name].ID, CategoryIDs: []int64{cat.ID}, Available: true, CreatedAt: time.Now()}
		if err := f.st.SaveTeamMember(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	f.t1 = f.ticket("t1", "ann", hw, "bob")
	f.t2 = f.ticket("t2", "ben", sw, "carl")
	f.t3 = f.ticket("t3", "ben", hw, "")
	return f
}

// newBareFixture is the fixture's portal and users (ann, ben, bob,
// carl, root), with no categories, team members or tickets yet.
func newBareFixture(t testing.TB, db storagetest.DB, opts ...domain.Option) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, dbURL: db.URL, users: map[string]*domain.User{}, logs: &logBuffer{t: t}}
	f.st = storagetest.Open(t, db.URL)
	log := slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.desk = domain.NewDesk(f.st, nil, log, append([]domain.Option{domain.WithComposer(testComposer{}, false)}, opts...)...)
	// The server's URL is BASE_URL, so links in mails lead back to it.
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { f.h.ServeHTTP(w, r) }))
	t.Cleanup(f.srv.Close)
	var err error
	f.h, err = New(Deps{Desk: f.desk, Log: log, Registry: prometheus.NewRegistry(), BaseURL: f.srv.URL})
	if err != nil {
		t.Fatal(err)
	}

	// The lowest bcrypt cost: the users' sign-ins are many, and slow under
	// the race detector; the cost is read from the hash, so sign-in checks
	// it the same way.
	h, err := bcrypt.GenerateFromPassword([]byte(fixturePassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	hash := string(h)
	for _, u := range []struct {
		name string
		role domain.Role
	}{{"ann", domain.RoleEmployee}, {"ben", domain.RoleEmployee}, {"bob", domain.RoleAgent}, {"carl", domain.RoleAgent}, {"root", domain.RoleAdmin}} {
		now := time.Now()
		user := &domain.User{Email: u.name + "@company.test", Name: strings.ToUpper(u.name[:1]) + u.name[1:], Role: u.role,
			PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
		if err := f.st.CreateUser(ctx, user); err != nil {
			t.Fatal(err)
		}
		f.users[u.name] = user
	}
	return f
}

// alwaysCalendar makes the default business-hours calendar, open round
// the clock in UTC, so that SLA due times are plain wall-clock sums.
func (f *fixture) alwaysCalendar() *domain.Calendar {
	f.t.Helper()
	var hours domain.WeekHours
	for d := range hours {
		hours[d] = []domain.TimeRange{{From: 0, To: 1440}}
	}
	cal := &domain.Calendar{Name: "Always", TimeZone: "UTC", Default: true, Hours: hours, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := f.st.CreateCalendar(context.Background(), cal); err != nil {
		f.t.Fatal(err)
	}
	return cal
}

// ticket opens a ticket with its markers in category cat, assigned to
// agent (or unassigned when ""), with one attachment.
func (f *fixture) ticket(key, requester string, cat *domain.Category, agent string) *domain.Ticket {
	f.t.Helper()
	ctx := context.Background()
	m := ticketMarkers[key]
	t, err := f.desk.OpenTicket(ctx, domain.NewTicket{Subject: "Subject " + m[0], Body: "Body " + m[1],
		From: f.users[requester].Email, Channel: "test"})
	if err != nil {
		f.t.Fatal(err)
	}
	t.CategoryID = cat.ID
	if err := f.st.UpdateTicket(ctx, t, t.Status); err != nil {
		f.t.Fatal(err)
	}
	ch := domain.Change{To: domain.StatusUnassigned, Actor: domain.SystemActor}
	if agent != "" {
		ch = domain.Change{To: domain.StatusAssigned, Actor: domain.SystemActor, AssigneeID: f.users[agent].ID}
	}
	if t, err = f.desk.Transition(ctx, t.ID, ch); err != nil {
		f.t.Fatal(err)
	}
	if err := f.st.AddAttachment(ctx, &domain.Attachment{TicketID: t.ID, Name: m[2], ContentType: "text/plain",
		Size: 12, Content: []byte("content " + m[0]), CreatedAt: time.Now()}); err != nil {
		f.t.Fatal(err)
	}
	return t
}

// attachmentID returns the id of ticket t's attachment.
func (f *fixture) attachmentID(t *domain.Ticket) int64 {
	f.t.Helper()
	as, err := f.st.ListAttachments(context.Background(), t.ID)
	if err != nil || len(as) == 0 {
		f.t.Fatalf("attachments of %s: %v %v", t.Ref(), as, err)
	}
	return as[0].ID
}

// lastMailBody returns the raw text of the newest outbox row to addr, as
// the store reads it (it keeps the rows packed).
func (f *fixture) lastMailBody(addr string) string {
	f.t.Helper()
	ms, err := f.st.ListOutbox(context.Background(), "", 0)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, m := range ms { // newest first
		if m.To == addr {
			full, err := f.st.GetOutbox(context.Background(), m.ID)
			if err != nil {
				f.t.Fatal(err)
			}
			return string(full.Raw)
		}
	}
	f.t.Fatalf("no mail to %s in the outbox", addr)
	return ""
}

var linkRE = regexp.MustCompile(`https?://\S+/reset/[A-Za-z0-9_.-]+`)

// passwordLink runs the password link job, as serve does when /forgot
// records an ask, and returns the link of the newest mail to addr.
func (f *fixture) passwordLink(addr string) string {
	f.t.Helper()
	if _, err := f.desk.SendPasswordLinks(context.Background()); err != nil {
		f.t.Fatal(err)
	}
	link := linkRE.FindString(f.lastMailBody(addr))
	if link == "" {
		f.t.Fatalf("no password link in the last mail to %s", addr)
	}
	return link
}

// client is a browser without JavaScript: cookies, no automatic
// redirects, and the CSRF token of the last page it read.
type client struct {
	t    testing.TB
	f    *fixture
	http *http.Client
	csrf string
}

func (f *fixture) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: f.t, f: f, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *client) do(req *http.Request) (*http.Response, string) {
	c.t.Helper()
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfRE.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return resp, string(b)
}

// get fetches path.
func (c *client) get(path string) (*http.Response, string) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.f.srv.URL+path, nil)
	return c.do(req)
}

// post sends form to path with the client's CSRF token, unless form has a
// "csrf" of its own (set it to "" to send none).
func (c *client) post(path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", c.csrf)
	} else if form.Get("csrf") == "" {
		form.Del("csrf")
	}
	req, _ := http.NewRequest(http.MethodPost, c.f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// signIn signs the client in as user name and reads a page for its token.
func (c *client) signIn(name, password string) {
	c.t.Helper()
	c.get("/signin")
	resp, body := c.post("/signin", url.Values{"email": {name + "@company.test"}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("sign in as %s = %d\n%s", name, resp.StatusCode, body)
	}
	c.get(resp.Header.Get("Location"))
	c.get("/password") // a page with a form, so the client has the session's token
}

// signedIn returns a client signed in as user name.
func (f *fixture) signedIn(name string) *client {
	c := f.client()
	c.signIn(name, fixturePassword)
	return c
}

// eachFixture runs fn on a fresh fixture per database.
func eachFixture(t *testing.T, fn func(t *testing.T, f *fixture)) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) { fn(t, newFixture(t, db)) })
}

func newRegistry() *prometheus.Registry { return prometheus.NewRegistry() }

func httptestRecorder(h http.Handler, method, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec
}
