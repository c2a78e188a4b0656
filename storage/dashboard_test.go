package storage_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// dashboardWorld is what the random changes of TestDashboardRandomChanges
// work on: the ids it made, and its random source.
type dashboardWorld struct {
	rnd        *rand.Rand
	cats       []int64 // 0 stands for no category
	agents     []int64 // users; some are not team members
	requester  int64
	tickets    []int64
	approvals  []int64
	outbox     []int64
	quarantine []int64
	mails      int
}

// newDashboardWorld makes cats categories, a requester, and agents
// agents of whom the first members are team members (available).
func newDashboardWorld(t *testing.T, s *storage.Store, cats, agents, members int) *dashboardWorld {
	t.Helper()
	ctx := context.Background()
	w := &dashboardWorld{cats: []int64{0}}
	for i := range cats {
		c := &domain.Category{Name: fmt.Sprintf("Cat %d", i), CreatedAt: t0, UpdatedAt: t0}
		if err := s.CreateCategory(ctx, c); err != nil {
			t.Fatal(err)
		}
		w.cats = append(w.cats, c.ID)
	}
	w.requester = mustUser(t, s, "ann@x.test", domain.RoleEmployee).ID
	for i := range agents {
		u := mustUser(t, s, fmt.Sprintf("agent%d@x.test", i), domain.RoleAgent)
		w.agents = append(w.agents, u.ID)
		if i < members {
			if err := s.SaveTeamMember(ctx, &domain.TeamMember{UserID: u.ID, Available: true, CreatedAt: t0}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return w
}

// changes makes n random changes in one transaction.
func (w *dashboardWorld) changes(ctx context.Context, t *testing.T, s *storage.Store, n int) error {
	return s.InTx(ctx, func(ctx context.Context, tx domain.Store) error {
		for range n {
			if err := w.change(ctx, t, tx.(*storage.Store)); err != nil {
				return err
			}
		}
		return nil
	})
}

func (w *dashboardWorld) pick(ids []int64) int64 { return ids[w.rnd.IntN(len(ids))] }

// at is a random time of the 40 days before t0: some fall before the
// dashboard's 30-day window.
func (w *dashboardWorld) at() time.Time {
	return t0.Add(-time.Duration(w.rnd.Int64N(int64(40 * 24 * time.Hour))))
}

var dashboardStatuses = []domain.Status{domain.StatusTriage, domain.StatusAwaitingApproval, domain.StatusRejected,
	domain.StatusUnassigned, domain.StatusAssigned, domain.StatusResolved, domain.StatusClosed}

// change makes one random state change through the store's own methods,
// and a few by raw SQL (ticket deletes, outbox status), as any future
// write path might.
func (w *dashboardWorld) change(ctx context.Context, t *testing.T, s *storage.Store) error {
	r := w.rnd.IntN(100)
	switch {
	case r < 15 || len(w.tickets) < 5: // a ticket arrives
		tk := &domain.Ticket{Subject: "random", RequesterID: w.requester, Status: domain.StatusTriage}
		tk.CreatedAt = w.at()
		tk.UpdatedAt = tk.CreatedAt
		if w.rnd.IntN(2) == 0 {
			tk.CategoryID = w.pick(w.cats)
			tk.Status = domain.StatusUnassigned
		}
		if err := s.CreateTicket(ctx, tk, &domain.Event{At: tk.CreatedAt, Kind: domain.EventReceived, Actor: "ann@x.test"}); err != nil {
			return err
		}
		w.tickets = append(w.tickets, tk.ID)
	case r < 55: // a ticket changes: classified, approval asked or advanced, assigned, resolved, reopened, closed
		tk, err := s.GetTicket(ctx, w.pick(w.tickets))
		if err != nil {
			return err
		}
		prev := tk.Status
		switch w.rnd.IntN(5) {
		case 0:
			tk.CategoryID = w.pick(w.cats)
		case 1:
			tk.Status = domain.StatusAwaitingApproval
			tk.ApprovalLevel = 1 + w.rnd.IntN(3)
		case 2:
			tk.Status, tk.AssigneeID = domain.StatusAssigned, w.pick(w.agents)
			if err := s.AppendEvents(ctx, &domain.Event{TicketID: tk.ID, At: tk.CreatedAt.Add(time.Duration(w.rnd.IntN(100)) * time.Hour),
				Kind: domain.EventAssigned, Actor: "system"}); err != nil {
				return err
			}
		case 3:
			tk.Status = domain.StatusResolved
			if err := s.AppendEvents(ctx, &domain.Event{TicketID: tk.ID, At: w.at(), Kind: domain.EventResolved, Actor: "system"}); err != nil {
				return err
			}
		default:
			tk.Status = dashboardStatuses[w.rnd.IntN(len(dashboardStatuses))]
			if w.rnd.IntN(3) == 0 {
				tk.AssigneeID = 0
			}
		}
		if tk.Status != domain.StatusAwaitingApproval && w.rnd.IntN(2) == 0 {
			tk.ApprovalLevel = 0
		}
		return s.UpdateTicket(ctx, tk, prev)
	case r < 68: // an approval is asked for
		a := &domain.Approval{TicketID: w.pick(w.tickets), Level: 1 + w.rnd.IntN(3), Rule: domain.RuleAll,
			Approver: fmt.Sprintf("boss%d@x.test", w.rnd.IntN(5)), CreatedAt: w.at()}
		if err := s.CreateApproval(ctx, a); err != nil {
			return err
		}
		w.approvals = append(w.approvals, a.ID)
	case r < 76: // an approval is decided
		if len(w.approvals) == 0 {
			return nil
		}
		a, err := s.GetApproval(ctx, w.pick(w.approvals))
		if errors.Is(err, domain.ErrNotFound) {
			return nil // deleted with its ticket
		}
		if err != nil {
			return err
		}
		if a.Decision != domain.DecisionPending {
			return nil
		}
		at := t0
		a.Decision, a.Via, a.DecidedAt = domain.DecisionApproved, domain.ViaEmail, &at
		if w.rnd.IntN(3) == 0 {
			a.Decision = domain.DecisionRejected
		}
		return s.DecideApproval(ctx, a)
	case r < 85: // a mail is queued, or changes status, or is discarded
		switch w.rnd.IntN(3) {
		case 0:
			w.mails++
			m := &domain.OutboxMessage{Kind: "x", To: "ann@x.test", Subject: "s", MessageID: fmt.Sprintf("m%d@x.test", w.mails),
				Raw: []byte("x"), Status: domain.OutboxQueued, NextAttemptAt: t0, CreatedAt: t0}
			if w.rnd.IntN(2) == 0 {
				m.TicketID = w.pick(w.tickets)
			}
			if err := s.EnqueueMail(ctx, m); err != nil {
				return err
			}
			w.outbox = append(w.outbox, m.ID)
		case 1:
			if len(w.outbox) > 0 {
				st := []string{"queued", "held", "sent", "dead"}[w.rnd.IntN(4)]
				return s.RawExec(ctx, "UPDATE outbox SET status = ? WHERE id = ?", st, w.pick(w.outbox))
			}
		default:
			if len(w.outbox) > 0 {
				return s.RawExec(ctx, "DELETE FROM outbox WHERE id = ?", w.pick(w.outbox))
			}
		}
	case r < 92: // a mail is quarantined, or let go
		if w.rnd.IntN(3) > 0 || len(w.quarantine) == 0 {
			q := &domain.Quarantined{At: t0, Channel: "smtp", Reason: "unreadable", Raw: []byte("x"), Size: 1}
			if err := s.AddQuarantine(ctx, q); err != nil {
				return err
			}
			w.quarantine = append(w.quarantine, q.ID)
			return nil
		}
		i := w.rnd.IntN(len(w.quarantine))
		id := w.quarantine[i]
		w.quarantine = append(w.quarantine[:i], w.quarantine[i+1:]...)
		return s.DeleteQuarantine(ctx, id)
	case r < 95: // an event changes kind (no use case does; a repair might)
		return s.RawExec(ctx, "UPDATE events SET kind = CASE kind WHEN 'resolved' THEN 'assigned' ELSE 'resolved' END "+
			"WHERE id = (SELECT MAX(id) FROM events WHERE ticket_id = ?)", w.pick(w.tickets))
	default: // a ticket is deleted, with its events and approvals
		i := w.rnd.IntN(len(w.tickets))
		id := w.tickets[i]
		w.tickets = append(w.tickets[:i], w.tickets[i+1:]...)
		return s.RawExec(ctx, "DELETE FROM tickets WHERE id = ?", id)
	}
	return nil
}

// TestDashboardRandomChanges: the dashboard's figures equal a recomputation
// from scratch (today's queries over the whole tables,
// DashboardFromScratchForTest) after a random sequence of 10,000 state
// changes, on both databases; checked along the way too, with and without
// the PostgreSQL deltas folded, and after a recount.
func TestDashboardRandomChanges(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		seed := uint64(time.Now().UnixNano())
		t.Logf("seed %d", seed)
		w := newDashboardWorld(t, s, 4, 5, 3) // agents 3 and 4 are not team members
		w.rnd = rand.New(rand.NewPCG(seed, 13))
		since := t0.AddDate(0, 0, -(domain.DashboardDays - 1)).Truncate(24 * time.Hour)
		const changes, batch = 10_000, 250
		for done := 0; done < changes; done += batch {
			if err := w.changes(ctx, t, s, batch); err != nil {
				t.Fatalf("after %d changes: %v", done, err)
			}
			if (done/batch)%8 == 3 {
				compareDashboard(t, s, since, fmt.Sprintf("after %d changes", done+batch))
			}
			if (done/batch)%3 == 0 {
				if _, err := s.FoldDashboard(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
		compareDashboard(t, s, since, "at the end")
		if _, err := s.FoldDashboard(ctx); err != nil {
			t.Fatal(err)
		}
		compareDashboard(t, s, since, "folded")
		if err := s.RecountDashboard(ctx); err != nil {
			t.Fatal(err)
		}
		compareDashboard(t, s, since, "recounted")
	})
}

// compareDashboard fails the test if a maintained figure differs from the
// figure computed from scratch.
func compareDashboard(t *testing.T, s *storage.Store, since time.Time, when string) {
	t.Helper()
	ctx := context.Background()
	got, err := s.DashboardFigures(ctx, since, 5)
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.DashboardFromScratchForTest(ctx, since, 5)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d statuses, %d categories, %d days, %d approvals waiting, outbox %v, quarantine %d", when,
		len(want.ByStatus), len(want.ByCategory), len(want.Days), want.ApprovalsWaiting, want.Outbox, want.Quarantine)
	// The dashboard shows the DashboardDays days from since: today's
	// query also returned later days (there are none but in tests,
	// whose clock stands still while events are dated after it).
	end := since.AddDate(0, 0, domain.DashboardDays)
	want.Days = slices.DeleteFunc(want.Days, func(d domain.DayCount) bool { return !d.Day.Before(end) })
	for _, f := range []*domain.DashboardFigures{got, want} {
		sort.Slice(f.ByCategory, func(i, j int) bool {
			a, b := f.ByCategory[i], f.ByCategory[j]
			return a.Count > b.Count || a.Count == b.Count && a.CategoryID < b.CategoryID
		})
		f.Medians = domain.DashboardMedians{}
	}
	check := func(name string, g, w any) {
		t.Helper()
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: %s = %+v, want (from scratch) %+v", when, name, g, w)
		}
	}
	check("ByStatus", got.ByStatus, want.ByStatus)
	check("ByCategory", got.ByCategory, want.ByCategory)
	check("Days", got.Days, want.Days)
	check("ApprovalsWaiting", got.ApprovalsWaiting, want.ApprovalsWaiting)
	check("OldestApprovals", got.OldestApprovals, want.OldestApprovals)
	check("Agents", got.Agents, want.Agents)
	check("Outbox", got.Outbox, want.Outbox)
	check("Quarantine", got.Quarantine, want.Quarantine)
	if n, err := s.CountQuarantine(ctx); err != nil || n != want.Quarantine {
		t.Errorf("%s: CountQuarantine = %d, %v; want %d", when, n, err, want.Quarantine)
	}
	if o, err := s.CountOutbox(ctx); err != nil || !reflect.DeepEqual(o, want.Outbox) {
		t.Errorf("%s: CountOutbox = %v, %v; want %v", when, o, err, want.Outbox)
	}
	if a, err := s.AgentLoads(ctx); err != nil || !reflect.DeepEqual(a, want.Agents) {
		t.Errorf("%s: AgentLoads = %v, %v; want %v", when, a, err, want.Agents)
	}
}

// countedTables are the tables whose size grows with the helpdesk: no
// dashboard query may scan them.
var countedTables = []string{"tickets", "events", "approvals", "outbox", "quarantine"}

// planScans returns the counted tables that plan (PlanForTest's) reads
// whole: on SQLite a SCAN line (with or without an index), on PostgreSQL a
// sequential scan, or an index scan without an index condition.
func planScans(t *testing.T, postgres bool, plan string) []string {
	t.Helper()
	var found []string
	if !postgres {
		for _, line := range strings.Split(plan, "\n") {
			f := strings.Fields(line)
			if len(f) >= 2 && f[0] == "SCAN" && slices.Contains(countedTables, f[1]) {
				found = append(found, line)
			}
		}
		return found
	}
	var root []struct {
		Plan map[string]any `json:"Plan"`
	}
	if err := json.Unmarshal([]byte(plan), &root); err != nil || len(root) != 1 {
		t.Fatalf("EXPLAIN (FORMAT JSON): %v in %s", err, plan)
	}
	var walk func(n map[string]any)
	walk = func(n map[string]any) {
		rel, _ := n["Relation Name"].(string)
		if slices.Contains(countedTables, rel) {
			typ, _ := n["Node Type"].(string)
			_, cond := n["Index Cond"]
			if typ == "Seq Scan" || !cond && typ != "Bitmap Heap Scan" {
				found = append(found, typ+" on "+rel)
			}
		}
		kids, _ := n["Plans"].([]any)
		for _, k := range kids {
			if m, ok := k.(map[string]any); ok {
				walk(m)
			}
		}
	}
	walk(root[0].Plan)
	return found
}

// TestDashboardPlans: over a seeded database (tens of thousands of
// tickets, events, approvals waiting, mails and quarantined mails,
// analyzed), no query of DashboardFigures, AgentLoads, CountOutbox or
// CountQuarantine scans a table that grows with the helpdesk.
func TestDashboardPlans(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		n := 30_000
		if raceEnabled || testing.Short() {
			n = 5_000
		}
		seedDashboardScale(t, s, n)
		// Fold the seeding's deltas (PostgreSQL: enough to vacuum after).
		if folded, err := s.FoldDashboard(ctx); err != nil || s.Postgres() && folded == 0 {
			t.Fatalf("FoldDashboard = %d, %v", folded, err)
		}
		var queries []string
		recording := true
		s.RecordQueries(func(q string) {
			if recording {
				queries = append(queries, q)
			}
		})
		since := t0.AddDate(0, 0, -(domain.DashboardDays - 1)).Truncate(24 * time.Hour)
		f, err := s.DashboardFigures(ctx, since, 5)
		if err != nil {
			t.Fatal(err)
		}
		if f.ApprovalsWaiting < n/4 || len(f.OldestApprovals) != 5 || f.Outbox[domain.OutboxSent] < n || f.Quarantine < n/10 {
			t.Errorf("seeded figures: %d approvals waiting (oldest %d), outbox %v, quarantine %d",
				f.ApprovalsWaiting, len(f.OldestApprovals), f.Outbox, f.Quarantine)
		}
		if _, err := s.AgentLoads(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CountOutbox(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CountQuarantine(ctx); err != nil {
			t.Fatal(err)
		}
		recording = false
		queries = append(queries, s.CachedDashboardSQLForTest(since)...)
		if len(queries) < 6 {
			t.Fatalf("recorded %d queries: %q", len(queries), queries)
		}
		// The detector itself: today's count of tickets by status scans.
		plan, err := s.PlanForTest(ctx, "SELECT status, COUNT(*) FROM tickets GROUP BY status")
		if err != nil {
			t.Fatal(err)
		}
		if len(planScans(t, s.Postgres(), plan)) == 0 {
			t.Errorf("planScans finds no scan in the whole-table count's plan:\n%s", plan)
		}
		for _, q := range queries {
			plan, err := s.PlanForTest(ctx, q)
			if err != nil {
				t.Fatalf("plan of %s: %v", q, err)
			}
			if scans := planScans(t, s.Postgres(), plan); len(scans) > 0 {
				t.Errorf("%s\nscans %v; plan:\n%s", q, scans, plan)
			}
		}
	})
}

// seedDashboardScale adds n tickets to seedAdminData's, each with a
// received and an assigned event, an approval (waiting on every fourth
// ticket) and a sent mail, and a quarantined mail per ten tickets, by
// INSERT … SELECT; then analyzes the database.
func seedDashboardScale(t testing.TB, s *storage.Store, n int) {
	t.Helper()
	ctx := context.Background()
	d := seedAdminData(t, s)
	if err := s.SeedTicketsForTest(ctx, n, d.Ann.ID, d.HW.ID, d.Bob.ID, t0.Add(-40*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"UPDATE tickets SET status = 'awaiting_approval', approval_level = 1, assignee_id = NULL WHERE id % 4 = 0",
		`INSERT INTO approvals (ticket_id, level, rule, approver, created_at)
			SELECT id, 1, 'all', 'cfo@x.test', created_at FROM tickets`,
		`INSERT INTO outbox (ticket_id, kind, to_addr, subject, message_id, raw, status, next_attempt_at, created_at)
			SELECT id, 'ticket_received', 'ann@x.test', subject, 'seed' || id || '@x.test', ?, 'sent', created_at, created_at
			FROM tickets`,
		`INSERT INTO quarantine (at, channel, reason, raw, size) SELECT created_at, 'smtp', 'unreadable', ?, 1
			FROM tickets WHERE id % 10 = 0`,
		"ANALYZE",
	} {
		var args []any
		if strings.Contains(q, "?") {
			args = append(args, []byte("x"))
		}
		if err := s.RawExec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// BenchmarkDashboard times one Desk.Dashboard call (what the admin page
// asks) over seedDashboardScale's database: DASHBOARD_BENCH_TICKETS
// tickets (default 100,000), on SQLite and, with TEST_DATABASE_URL, on
// PostgreSQL.
func BenchmarkDashboard(b *testing.B) {
	n := storagetest.Size(b, "DASHBOARD_BENCH_TICKETS", 100_000)
	run := func(b *testing.B, url string) {
		s := storagetest.Open(b, url)
		seedDashboardScale(b, s, n)
		desk := domain.NewDesk(s, storagetest.NewClock(t0), nil)
		ctx := context.Background()
		if _, err := desk.RefreshDashboard(ctx); err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for b.Loop() {
			if _, err := desk.Dashboard(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("sqlite", func(b *testing.B) { run(b, filepath.Join(b.TempDir(), "bench.db")) })
	if os.Getenv("TEST_DATABASE_URL") != "" {
		b.Run("postgres", func(b *testing.B) { run(b, storagetest.PostgresSchema(b)) })
	}
}

// TestDashboardConcurrentWriters: writers in transactions of their own
// (as intake, the jobs and the portal of several instances are), with
// folds running beside them, neither block each other into an error nor
// lose a change: the figures equal the recomputation afterwards.
func TestDashboardConcurrentWriters(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		seed := uint64(time.Now().UnixNano())
		t.Logf("seed %d", seed)
		base := newDashboardWorld(t, s, 3, 3, 3)
		const writers, batches, batch = 4, 10, 40
		errs := make(chan error, writers)
		stop := make(chan struct{})
		folded := make(chan int)
		go func() { // an instance's dashboard job
			total := 0
			for {
				select {
				case <-stop:
					folded <- total
					return
				default:
				}
				n, err := s.FoldDashboard(ctx)
				if err != nil {
					t.Errorf("FoldDashboard: %v", err)
				}
				total += n
				time.Sleep(time.Millisecond)
			}
		}()
		done := make(chan struct{})
		for i := range writers {
			w := *base
			w.rnd = rand.New(rand.NewPCG(seed, uint64(i)))
			w.mails = i * 1_000_000 // Message-IDs of their own
			go func() {
				defer func() { done <- struct{}{} }()
				for range batches {
					if err := w.changes(ctx, t, s, batch); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		for range writers {
			<-done
		}
		close(stop)
		t.Logf("folded %d deltas while writing", <-folded)
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		since := t0.AddDate(0, 0, -(domain.DashboardDays - 1)).Truncate(24 * time.Hour)
		compareDashboard(t, s, since, "after concurrent writers")
	})
}
