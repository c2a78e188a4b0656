package domain_test

// Assignment on real databases: SQLite always, PostgreSQL with
// TEST_DATABASE_URL. These tests live in domain_test (not storage) because
// they drive the unexported entry points through export_test.go.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

var t0 = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// setClock is a clock the test moves by hand.
type setClock = storagetest.Clock

var admin = domain.Actor{Email: "root@x.test", Admin: true}

// fixture is a desk over a store with a requester, and helpers to add
// categories, members and tickets.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	s     *storage.Store
	d     *domain.Desk
	clock *setClock
	ann   *domain.User
}

func newFixture(t *testing.T, s *storage.Store, opts ...domain.Option) *fixture {
	t.Helper()
	clock := storagetest.NewClock(t0)
	f := &fixture{t: t, ctx: context.Background(), s: s, clock: clock,
		d: domain.NewDesk(s, clock, storagetest.Logger(t), opts...)}
	f.ann = f.user("ann@x.test", "Ann Lee", domain.RoleEmployee)
	return f
}

func (f *fixture) user(email, name string, role domain.Role) *domain.User {
	f.t.Helper()
	u := &domain.User{Email: email, Name: name, Role: role, CreatedAt: t0, UpdatedAt: t0}
	if err := f.s.CreateUser(f.ctx, u); err != nil {
		f.t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

func (f *fixture) category(name string) *domain.Category {
	f.t.Helper()
	c := &domain.Category{Name: name, CreatedAt: t0, UpdatedAt: t0}
	if err := f.s.CreateCategory(f.ctx, c); err != nil {
		f.t.Fatal(err)
	}
	return c
}

// member adds an available agent serving cats; edit changes the member
// before it is saved.
func (f *fixture) member(email string, edit func(*domain.TeamMember), cats ...int64) *domain.TeamMember {
	f.t.Helper()
	u := f.user(email, "", domain.RoleAgent)
	m := &domain.TeamMember{UserID: u.ID, Email: email, CategoryIDs: cats, Available: true, CreatedAt: t0}
	if edit != nil {
		edit(m)
	}
	if err := f.s.SaveTeamMember(f.ctx, m); err != nil {
		f.t.Fatal(err)
	}
	return m
}

// ticket creates ann's ticket in category cat with status st.
func (f *fixture) ticket(cat int64, st domain.Status) *domain.Ticket {
	f.t.Helper()
	now := f.clock.Now()
	tk := &domain.Ticket{Subject: "help", Body: "It broke.", RequesterID: f.ann.ID, CategoryID: cat, Status: st,
		CreatedAt: now, UpdatedAt: now}
	if err := f.s.CreateTicket(f.ctx, tk); err != nil {
		f.t.Fatal(err)
	}
	return tk
}

func (f *fixture) get(id int64) *domain.Ticket {
	f.t.Helper()
	tk, err := f.s.GetTicket(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return tk
}

func (f *fixture) events(id int64) []domain.Event {
	f.t.Helper()
	es, err := f.s.ListEvents(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return es
}

func (f *fixture) lastEvent(id int64) domain.Event {
	f.t.Helper()
	es := f.events(id)
	if len(es) == 0 {
		f.t.Fatalf("%s has no events", domain.FormatRef(id))
	}
	return es[len(es)-1]
}

func (f *fixture) assign(id int64) *domain.Ticket {
	f.t.Helper()
	if err := f.d.AssignForTest(f.ctx, id, domain.SystemActor); err != nil {
		f.t.Fatalf("assign %s: %v", domain.FormatRef(id), err)
	}
	return f.get(id)
}

// openCounts returns how many assigned tickets each assignee has.
func openCounts(t *testing.T, s *storage.Store) map[string]int {
	t.Helper()
	ts, err := s.ListTickets(context.Background(), domain.TicketQuery{Status: domain.StatusAssigned})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, tk := range ts {
		out[tk.Assignee]++
	}
	return out
}

// TestAssignFairness: 10 tickets over 5 members give 2 each, in the
// tie-break order (never assigned first, then least recently, then lowest
// id), and the 11th goes to the one who waited longest.
func TestAssignFairness(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		f := newFixture(t, s)
		hw, other := f.category("Hardware"), f.category("Network")
		ago := func(h int) func(*domain.TeamMember) {
			return func(m *domain.TeamMember) { x := t0.Add(time.Duration(-h) * time.Hour); m.LastAssignedAt = &x }
		}
		f.member("m1@x.test", ago(1), hw.ID)
		f.member("m2@x.test", ago(3), hw.ID)
		f.member("m3@x.test", nil, hw.ID) // never assigned
		f.member("m4@x.test", ago(3), hw.ID)
		f.member("m5@x.test", ago(5), hw.ID)
		f.member("net@x.test", nil, other.ID) // idle, but of another category

		// m3 never assigned; m5 longest ago; m2 and m4 at the same time, m2
		// has the lower id; m1 most recently.
		want := []string{"m3", "m5", "m2", "m4", "m1", "m3", "m5", "m2", "m4", "m1", "m3"}
		var tk *domain.Ticket
		for i, w := range want {
			f.clock.Advance(time.Minute)
			tk = f.assign(f.ticket(hw.ID, domain.StatusTriage).ID)
			if tk.Status != domain.StatusAssigned || tk.Assignee != w+"@x.test" {
				t.Fatalf("ticket %d: %s to %q, want assigned to %s@x.test", i+1, tk.Status, tk.Assignee, w)
			}
			if i == 0 {
				e := f.lastEvent(tk.ID)
				if e.Kind != domain.EventAssigned || e.Detail != "assigned to m3@x.test (0 open tickets, 5 candidates)" || e.Actor != "system" {
					t.Errorf("event = %+v", e)
				}
			}
			if i == 9 {
				counts := openCounts(t, s)
				for _, m := range []string{"m1", "m2", "m3", "m4", "m5"} {
					if counts[m+"@x.test"] != 2 {
						t.Errorf("after 10 tickets: %v, want 2 each", counts)
						break
					}
				}
			}
		}
		if e := f.lastEvent(tk.ID); e.Detail != "assigned to m3@x.test (2 open tickets, 5 candidates)" {
			t.Errorf("11th event = %q", e.Detail)
		}
		if n := openCounts(t, s)["net@x.test"]; n != 0 {
			t.Errorf("member of another category got %d tickets", n)
		}
		m, err := s.GetTeamMemberByUser(f.ctx, tk.AssigneeID)
		if err != nil || m.LastAssignedAt == nil || !m.LastAssignedAt.Equal(f.clock.Now()) {
			t.Errorf("LastAssignedAt of m3 = %v, %v; want %v", m.LastAssignedAt, err, f.clock.Now())
		}
	})
}

// TestAssignSkips: away members (no date, or a date to come) and disabled
// ones are skipped; an away date that has passed counts as available.
func TestAssignSkips(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		f := newFixture(t, s)
		hw := f.category("Hardware")
		future, past := t0.Add(time.Hour), t0.Add(-time.Minute)
		f.member("a1@x.test", nil, hw.ID)
		f.member("away@x.test", func(m *domain.TeamMember) { m.Available = false }, hw.ID)
		f.member("later@x.test", func(m *domain.TeamMember) { m.Available, m.AwayUntil = false, &future }, hw.ID)
		f.member("back@x.test", func(m *domain.TeamMember) { m.Available, m.AwayUntil = false, &past }, hw.ID)
		f.member("off@x.test", nil, hw.ID)
		off, _ := s.GetUserByEmail(f.ctx, "off@x.test")
		off.Disabled = true
		if err := s.UpdateUser(f.ctx, off); err != nil {
			t.Fatal(err)
		}
		for range 4 {
			f.clock.Advance(time.Second)
			f.assign(f.ticket(hw.ID, domain.StatusTriage).ID)
		}
		counts := openCounts(t, s)
		if len(counts) != 2 || counts["a1@x.test"] != 2 || counts["back@x.test"] != 2 {
			t.Errorf("counts = %v, want a1 and back 2 each", counts)
		}
	})
}

// TestAssignNoCandidateThenWaiting: with nobody free the ticket waits as
// unassigned with an event saying why; AssignWaiting writes nothing while
// that lasts, and assigns it once a member is available again, is added,
// or their away date passes.
func TestAssignNoCandidateThenWaiting(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		f := newFixture(t, s)
		hw, net, empty := f.category("Hardware Request"), f.category("Network"), f.category("Facilities")
		away := func(m *domain.TeamMember) { m.Available = false }
		f.member("bob@x.test", away, hw.ID)
		f.member("cleo@x.test", away, hw.ID)
		soon := t0.Add(time.Hour)
		f.member("nina@x.test", func(m *domain.TeamMember) { m.Available, m.AwayUntil = false, &soon }, net.ID)

		tk := f.assign(f.ticket(hw.ID, domain.StatusTriage).ID)
		e := f.lastEvent(tk.ID)
		if tk.Status != domain.StatusUnassigned || e.Kind != domain.EventUnassigned ||
			e.Detail != "no available team member for Hardware Request: 2 away" {
			t.Fatalf("ticket %s, event %+v", tk.Status, e)
		}
		f.clock.Advance(time.Minute)
		tk2 := f.ticket(hw.ID, domain.StatusUnassigned)
		netTk := f.ticket(net.ID, domain.StatusUnassigned)
		emptyTk := f.ticket(empty.ID, domain.StatusUnassigned)
		if e := f.assign(emptyTk.ID); e.Status != domain.StatusUnassigned || len(f.events(emptyTk.ID)) != 0 {
			t.Errorf("an unassigned ticket that still finds nobody: %s with %d events, want unchanged", e.Status, len(f.events(emptyTk.ID)))
		}
		before := len(f.events(tk.ID))
		if n, err := f.d.AssignWaiting(f.ctx); n != 0 || err != nil {
			t.Fatalf("AssignWaiting with nobody free = %d, %v", n, err)
		}
		if after := len(f.events(tk.ID)); after != before {
			t.Errorf("AssignWaiting wrote %d events while nobody was free", after-before)
		}

		// Someone else may not say bob is back; bob may.
		if err := f.d.SetAvailability(f.ctx, "bob@x.test", true, nil, domain.Actor{Email: "cleo@x.test"}); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("SetAvailability by another member = %v, want ErrForbidden", err)
		}
		if err := f.d.SetAvailability(f.ctx, "nobody@x.test", true, nil, admin); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("SetAvailability of a stranger = %v, want ErrNotFound", err)
		}
		if err := f.d.SetAvailability(f.ctx, "Bob@X.test", true, nil, domain.Actor{Email: "bob@x.test"}); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{tk.ID, tk2.ID} {
			if got := f.get(id); got.Status != domain.StatusAssigned || got.Assignee != "bob@x.test" {
				t.Errorf("%s after bob came back: %s to %q", got.Ref(), got.Status, got.Assignee)
			}
		}
		if e := f.lastEvent(tk.ID); e.Detail != "assigned to bob@x.test (0 open tickets, 1 candidate)" {
			t.Errorf("event = %q", e.Detail)
		}
		if e := f.lastEvent(tk2.ID); e.Detail != "assigned to bob@x.test (1 open ticket, 1 candidate)" {
			t.Errorf("second ticket (assigned after the older one) event = %q", e.Detail)
		}
		// Going away keeps what bob has.
		if err := f.d.SetAvailability(f.ctx, "bob@x.test", false, &soon, admin); err != nil {
			t.Fatal(err)
		}
		if got := f.get(tk.ID); got.Assignee != "bob@x.test" {
			t.Errorf("going away moved %s to %q", got.Ref(), got.Assignee)
		}

		// Nina's away date passes; a member is added for Facilities.
		if got := f.get(netTk.ID); got.Status != domain.StatusUnassigned {
			t.Fatalf("network ticket %s before nina is back", got.Status)
		}
		f.clock.Advance(2 * time.Hour)
		f.member("fay@x.test", nil, empty.ID)
		if n, err := f.d.AssignWaiting(f.ctx); n != 2 || err != nil {
			t.Fatalf("AssignWaiting = %d, %v; want 2", n, err)
		}
		if got := f.get(netTk.ID); got.Assignee != "nina@x.test" {
			t.Errorf("network ticket to %q, want nina", got.Assignee)
		}
		if got := f.get(emptyTk.ID); got.Assignee != "fay@x.test" {
			t.Errorf("facilities ticket to %q, want fay", got.Assignee)
		}
		if n, err := f.d.AssignWaiting(f.ctx); n != 0 || err != nil {
			t.Errorf("AssignWaiting with nothing waiting = %d, %v", n, err)
		}
		if err := f.d.AssignForTest(f.ctx, f.ticket(0, domain.StatusTriage).ID, admin); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("assigning a ticket without category = %v, want ErrInvalid", err)
		}
		if n := historyInEveryLanguage(t, s); n < 4 {
			t.Errorf("%d details checked", n)
		}
	})
}

// TestMarkAwayFromAutoReply: an out-of-office reply marks the member away
// and moves only the tickets nobody has touched since they were assigned.
func TestMarkAwayFromAutoReply(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		f := newFixture(t, s)
		hw := f.category("Hardware")
		bob := f.member("bob@x.test", nil, hw.ID)
		cleo := f.member("cleo@x.test", func(m *domain.TeamMember) { m.Available = false }, hw.ID)
		var ids []int64
		for range 3 {
			f.clock.Advance(time.Minute)
			ids = append(ids, f.assign(f.ticket(hw.ID, domain.StatusTriage).ID).ID)
		}
		if c := openCounts(t, s); c["bob@x.test"] != 3 {
			t.Fatalf("counts = %v, want bob 3", c)
		}
		bobActor := domain.Actor{Email: "bob@x.test"}
		if err := f.d.Comment(f.ctx, ids[1], bobActor, "On it, bringing a new one.", "email"); err != nil {
			t.Fatal(err)
		}
		if err := f.d.Comment(f.ctx, ids[2], domain.Actor{Email: "ann@x.test"}, "It is the left one.", "email"); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveAvailability(f.ctx, cleo.ID, true, nil); err != nil {
			t.Fatal(err)
		}
		until := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
		if err := f.d.MarkAwayForTest(f.ctx, "Bob@x.test", until, "out-of-office reply"); err != nil {
			t.Fatal(err)
		}
		m, err := s.GetTeamMemberByUser(f.ctx, bob.UserID)
		if err != nil || m.Available || m.AwayUntil == nil || !m.AwayUntil.Equal(until) || len(m.CategoryIDs) != 1 {
			t.Errorf("bob = %+v, %v; want away until %v, categories kept", m, err, until)
		}
		for i, want := range []string{"cleo@x.test", "bob@x.test", "cleo@x.test"} {
			if got := f.get(ids[i]); got.Status != domain.StatusAssigned || got.Assignee != want {
				t.Errorf("ticket %d: %s to %q, want %s", i+1, got.Status, got.Assignee, want)
			}
		}
		e := f.lastEvent(ids[0])
		if e.Kind != domain.EventAssigned || e.Detail != "bob@x.test is away until 2026-12-04 00:00 UTC (out-of-office reply): assigned to cleo@x.test (0 open tickets, 1 candidate)" {
			t.Errorf("reassigned event = %+v", e)
		}
		if e := f.lastEvent(ids[1]); e.Kind != domain.EventCommented {
			t.Errorf("kept ticket's last event = %+v, want bob's comment", e)
		}

		// A shorter away does not shorten bob's.
		if err := f.d.MarkAwayForTest(f.ctx, "bob@x.test", t0.Add(24*time.Hour), ""); err != nil {
			t.Fatal(err)
		}
		if m, _ := s.GetTeamMemberByUser(f.ctx, bob.UserID); m.AwayUntil == nil || !m.AwayUntil.Equal(until) {
			t.Errorf("bob away until %v after a shorter auto-reply, want %v", m.AwayUntil, until)
		}

		// Cleo away too: nobody is free, her untouched tickets wait.
		if err := f.d.MarkAwayForTest(f.ctx, "cleo@x.test", t0.Add(24*time.Hour), "out-of-office reply"); err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{0, 2} {
			got := f.get(ids[i])
			e := f.lastEvent(ids[i])
			if got.Status != domain.StatusUnassigned || got.AssigneeID != 0 || e.Kind != domain.EventUnassigned ||
				e.Detail != "cleo@x.test is away until 2026-11-28 09:00 UTC (out-of-office reply): no available team member for Hardware: 2 away" {
				t.Errorf("ticket %d: %s, event %+v", i+1, got.Status, e)
			}
		}
		if err := f.d.MarkAwayForTest(f.ctx, "ann@x.test", until, ""); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("mark away a requester = %v, want ErrNotFound", err)
		}
		if n := historyInEveryLanguage(t, s); n < 5 {
			t.Errorf("%d details checked", n)
		}
	})
}

// recComposer records mails and makes rows with predictable Message-IDs.
type recComposer struct {
	mu    sync.Mutex
	mails []domain.Mail
}

func (c *recComposer) Compose(_ context.Context, m domain.Mail) (*domain.OutboxMessage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mails = append(c.mails, m)
	id := fmt.Sprintf("tkt-%d.%s.%d@x.test", m.Ticket.ID, m.Kind, len(c.mails))
	return &domain.OutboxMessage{Kind: string(m.Kind), To: m.To, Subject: m.Ticket.Subject, MessageID: id, Raw: []byte("mail")}, nil
}

// TestAssignMails: the agent gets "assigned to you" and the requester
// "approved and assigned to NAME", both in the ticket's thread, written to
// the outbox with the assignment.
func TestAssignMails(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		comp := &recComposer{}
		f := newFixture(t, s, domain.WithComposer(comp, true))
		hw := f.category("Hardware")
		bobUser := f.user("bob@x.test", "Bob Agent", domain.RoleAgent)
		if err := s.SaveTeamMember(f.ctx, &domain.TeamMember{UserID: bobUser.ID, CategoryIDs: []int64{hw.ID}, Available: true, CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		tk := &domain.Ticket{Subject: "Monitor", Body: "Cracked.", RequesterID: f.ann.ID, CategoryID: hw.ID,
			Status: domain.StatusTriage, MessageID: "root.1@mail.x.test", CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateTicket(f.ctx, tk); err != nil {
			t.Fatal(err)
		}
		decided := t0
		if err := s.CreateApproval(f.ctx, &domain.Approval{TicketID: tk.ID, Level: 1, Rule: domain.RuleAll, Approver: "carl@x.test",
			Decision: domain.DecisionApproved, Via: domain.ViaEmail, Comment: "fine", DecidedAt: &decided, CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		f.assign(tk.ID)

		rows, err := s.TicketMail(f.ctx, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 || rows[0].Kind != string(domain.MailAssigned) || rows[0].To != "bob@x.test" ||
			rows[1].Kind != string(domain.MailAssignedRequester) || rows[1].To != "ann@x.test" || rows[0].Status != domain.OutboxQueued {
			t.Fatalf("outbox rows = %+v", rows)
		}
		agent, req := comp.mails[0], comp.mails[1]
		if agent.InReplyTo != "root.1@mail.x.test" || strings.Join(agent.References, " ") != "root.1@mail.x.test" {
			t.Errorf("agent mail threads as %q %v", agent.InReplyTo, agent.References)
		}
		if req.InReplyTo != rows[0].MessageID || strings.Join(req.References, " ") != "root.1@mail.x.test "+rows[0].MessageID {
			t.Errorf("requester mail threads as %q %v", req.InReplyTo, req.References)
		}
		if agent.ToName != "Bob Agent" || agent.Vars["Requester"] != "Ann Lee <ann@x.test>" || agent.Vars["Text"] != "Cracked." ||
			agent.Vars["Approvals"] != "level 1: carl@x.test approved by email on 2026-11-27 — fine" || agent.Ticket.Category != "Hardware" {
			t.Errorf("agent mail = %+v", agent)
		}
		if req.ToName != "Ann Lee" || req.Vars["AssigneeName"] != "Bob Agent" || req.Vars["Approved"] != "yes" || req.Vars["Reassigned"] != "" {
			t.Errorf("requester mail = %+v", req)
		}
		if n := historyInEveryLanguage(t, s); n < 1 {
			t.Errorf("%d details checked", n)
		}
	})
}
