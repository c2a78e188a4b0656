package storage_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// scanGuarded are the tables no page query may read whole.
var scanGuarded = map[string]bool{"tickets": true, "events": true, "comments": true}

// assertIndexed fails t when the plan of query (bun's ? arguments) on s
// reads a whole table of tickets, events or comments (a PlanStep with
// FullScan: SQLite's "SCAN x" without an index, other than the id-order
// walk of an ORDER BY id; PostgreSQL's "Seq Scan", other than one a LIMIT
// cuts off), and returns the plan for more checks (noSort). Any storage
// test may use it for its own queries; seed enough rows first (and
// AnalyzeForTest), or the planners rightly prefer to scan a small table.
func assertIndexed(t testing.TB, s *storage.Store, query string, args ...any) []storage.PlanStep {
	t.Helper()
	return assertStatementIndexed(t, s, storage.Statement{SQL: query, Args: args})
}

// assertStatementIndexed is assertIndexed of a ticket list's statement,
// its parameters bound as when it runs when it has them (Bound).
func assertStatementIndexed(t testing.TB, s *storage.Store, st storage.Statement) []storage.PlanStep {
	t.Helper()
	explain := s.ExplainForTest
	if st.Bound {
		explain = s.ExplainBoundForTest
	}
	steps, err := explain(context.Background(), st.SQL, st.Args...)
	if err != nil {
		t.Fatalf("explain: %v\n%s", err, st.SQL)
	}
	for _, step := range steps {
		if step.FullScan && scanGuarded[step.Table] {
			t.Errorf("full scan of %s (%s) in\n%s %v\nplan:\n%s", step.Table, step.Detail, st.SQL, st.Args, planText(steps))
		}
	}
	return steps
}

// noSort fails t when a plan sorts rows: then every match is read before
// the first row comes out, and the page is not served by one index walk.
func noSort(t testing.TB, what string, steps []storage.PlanStep) {
	t.Helper()
	for _, st := range steps {
		if st.Sort {
			t.Errorf("%s sorts (%s); plan:\n%s", what, st.Detail, planText(steps))
			return
		}
	}
}

func planText(steps []storage.PlanStep) string {
	var b strings.Builder
	for _, st := range steps {
		fmt.Fprintf(&b, "  %s\n", st.Detail)
	}
	return b.String()
}

// TestTicketQueryPlans: every page query the builder makes (each filter,
// each sort both ways, the first page, the page after a ticket and the
// page before one, the requester's list, the agent's queue, and the
// capped counts) reads tickets through an index, on 30,000 seeded
// tickets, on both engines: SQLite as it runs (no statistics: ticketgate
// never runs ANALYZE) and after ANALYZE, PostgreSQL after VACUUM ANALYZE
// (autovacuum's work). The filters and sorts with an index of their own
// (see the migration 20261207000014_ticket_lists) must also not sort: a
// page is one index walk whatever its depth. A search (the full-text
// index, alone or beside a status) is checked by every sort and in order
// of relevance, for no full scan; it may sort its matches.
func TestTicketQueryPlans(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		ids, err := s.SeedSpreadForTest(ctx, 30_000, from)
		if err != nil {
			t.Fatal(err)
		}
		// A ticket in the middle, whose keys have ties (its status, its
		// subject, its assignee's queue), for the cursors.
		mid, err := s.GetTicket(ctx, 15_003)
		if err != nil {
			t.Fatal(err)
		}
		filters := []struct {
			name string
			q    domain.TicketQuery
		}{
			{"all", domain.TicketQuery{}},
			{"status", domain.TicketQuery{Status: domain.StatusAssigned}},
			{"category", domain.TicketQuery{CategoryID: ids.Category + 1}},
			{"no category", domain.TicketQuery{CategoryID: domain.NoCategory}},
			{"assignee", domain.TicketQuery{AssigneeID: ids.Agent + 1}},
			{"nobody", domain.TicketQuery{AssigneeID: domain.Nobody}},
			{"requester", domain.TicketQuery{RequesterID: ids.Requester + 7}},
			{"requester and status", domain.TicketQuery{RequesterID: ids.Requester + 7, Status: domain.StatusResolved}},
			{"category and status", domain.TicketQuery{CategoryID: ids.Category + 1, Status: domain.StatusAssigned}},
			{"assignee and status", domain.TicketQuery{AssigneeID: ids.Agent + 1, Status: domain.StatusAssigned}},
			{"date range", domain.TicketQuery{From: from.Add(100 * time.Hour), To: from.Add(200 * time.Hour)}},
			// A search, every ticket matching: the index alone, or as a
			// subquery beside a filter.
			{"text", domain.TicketQuery{Text: "printer"}},
			{"text and status", domain.TicketQuery{Text: "printer", Status: domain.StatusAssigned}},
		}
		// ownIndex: the filter and sort pairs an index serves in order.
		ownIndex := func(filter string, sort domain.TicketSort) bool {
			switch filter {
			case "all":
				return true
			case "status":
				return sort != domain.SortSubject
			case "category", "no category", "assignee", "nobody", "requester":
				return sort == domain.SortCreated
			// A requester's list with a status reads that requester's
			// tickets (tickets_requester) and may sort them: as many as
			// their exact count reads anyway.
			case "category and status", "assignee and status":
				return sort == domain.SortCreated || sort == domain.SortStatus
			case "date range":
				return sort == domain.SortCreated
			}
			return false
		}
		type pageQuery struct {
			name    string
			q       domain.TicketQuery
			inOrder bool
		}
		var pages []pageQuery
		for _, f := range filters {
			for _, sort := range domain.TicketSorts {
				for _, asc := range []bool{false, true} {
					c := domain.CursorOf(mid, sort, asc)
					for _, pos := range []string{"first", "after", "before"} {
						q := f.q
						q.Sort, q.Asc, q.Limit = sort, asc, domain.TicketPageSize+1
						switch pos {
						case "after":
							q.After = c
						case "before":
							q.Before = c
						}
						pages = append(pages, pageQuery{fmt.Sprintf("%s by %s asc=%v, %s", f.name, sort, asc, pos), q, ownIndex(f.name, sort)})
					}
				}
			}
		}
		// In order of relevance: positions in the ranked window.
		for _, f := range filters[len(filters)-2:] {
			c := domain.CursorOf(mid, domain.SortRelevance, false)
			c.Pos = 40
			for _, pos := range []string{"first", "after", "before"} {
				q := f.q
				q.Sort, q.Limit = domain.SortRelevance, domain.TicketPageSize+1
				switch pos {
				case "after":
					q.After = c
				case "before":
					q.Before = c
				}
				pages = append(pages, pageQuery{f.name + " by relevance, " + pos, q, false})
			}
		}
		queue := domain.CursorOf(mid, domain.SortQueue, false)
		for _, pos := range []string{"first", "after", "before"} {
			q := domain.TicketQuery{AssigneeID: mid.AssigneeID, Sort: domain.SortQueue, Limit: domain.TicketPageSize + 1}
			switch pos {
			case "after":
				q.After = queue
			case "before":
				q.Before = queue
			}
			pages = append(pages, pageQuery{"agent's queue, " + pos, q, true})
		}
		// The queue by due time (its default): from a ticket without a
		// due time and from one with one.
		withDue := domain.CursorOf(mid, domain.SortDue, false)
		withDue.Status, withDue.Due = domain.StatusAssigned, from.Add(300*time.Hour)
		for _, c := range []*domain.TicketCursor{domain.CursorOf(mid, domain.SortDue, false), withDue} {
			for _, pos := range []string{"first", "after", "before"} {
				q := domain.TicketQuery{AssigneeID: mid.AssigneeID, Sort: domain.SortDue, Limit: domain.TicketPageSize + 1}
				switch pos {
				case "after":
					q.After = c
				case "before":
					q.Before = c
				}
				pages = append(pages, pageQuery{fmt.Sprintf("agent's queue by due time (due %v), %s", !c.Due.IsZero(), pos), q, true})
			}
		}
		check := func(t *testing.T, strict bool) {
			for _, p := range pages {
				list, count := s.TicketListSQLForTest(p.q, domain.TicketCountCap+1)
				for _, st := range list {
					steps := assertStatementIndexed(t, s, st)
					if p.inOrder && strict {
						noSort(t, p.name, steps)
					}
				}
				assertStatementIndexed(t, s, count)
			}
		}
		if !s.Postgres() {
			t.Run("no statistics", func(t *testing.T) { check(t, true) })
		}
		if err := s.AnalyzeForTest(ctx); err != nil {
			t.Fatal(err)
		}
		t.Run("analyzed", func(t *testing.T) { check(t, true) })
	})
}

// scanRecorder is a testing.TB that records failures instead of failing.
type scanRecorder struct {
	testing.TB
	failed []string
}

func (r *scanRecorder) Errorf(format string, args ...any) {
	r.failed = append(r.failed, fmt.Sprintf(format, args...))
}

// TestAssertIndexedSeesScans: the helper catches what it is for, on both
// engines: a LIKE match anywhere in the text (what the text search was
// before the full-text index) and filters no index serves read every row;
// the search's count, in the full-text index, passes.
func TestAssertIndexedSeesScans(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		if _, err := s.SeedSpreadForTest(ctx, 5_000, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		if err := s.AnalyzeForTest(ctx); err != nil {
			t.Fatal(err)
		}
		_, count := s.TicketListSQLForTest(domain.TicketQuery{Text: "printer"}, domain.TicketCountCap+1)
		assertStatementIndexed(t, s, count)
		like := "SELECT count(*) FROM (SELECT 1 FROM tickets AS t WHERE lower(t.body) LIKE '%printer%' LIMIT 10001) AS m"
		for _, sql := range append([]string{}, like, "SELECT count(*) FROM tickets AS t WHERE t.class_confidence > ?",
			"SELECT e.* FROM events AS e WHERE e.actor = 'x' ORDER BY e.at") {
			r := &scanRecorder{TB: t}
			assertIndexed(r, s, sql, 0.5)
			if len(r.failed) == 0 {
				t.Errorf("assertIndexed passed a query that reads every row:\n%s", sql)
			}
		}
	})
}

// The learner's poll counts the tickets confirmed since its last training
// through the index of the update time, not over every ticket.
func TestConfirmedSincePlan(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		if _, err := s.SeedSpreadForTest(ctx, 5_000, from); err != nil {
			t.Fatal(err)
		}
		if err := s.AnalyzeForTest(ctx); err != nil {
			t.Fatal(err)
		}
		var latest []time.Time
		if err := s.RawForTest(ctx, "SELECT max(updated_at) FROM tickets", &latest); err != nil || len(latest) != 1 {
			t.Fatalf("latest update: %v %v", latest, err)
		}
		assertIndexed(t, s, s.ConfirmedSinceSQLForTest(latest[0].Add(-time.Hour)))
	})
}

// TestSatisfactionPlans: the dashboard's satisfaction score reads an
// index range of the answers of its window (satisfaction_ratings_created,
// which holds both columns it reads: at 1,000,000 tickets it reads the
// answers of 30 days, never the tickets); the resolved ticket's page and
// the satisfaction links read a ticket's last resolution and last answer
// without a scan or a sort, and the export's reads beside a page of
// tickets read no whole table of tickets or events. On 30,000 tickets
// with 3,000 answers, on both engines, with and without the planner's
// statistics.
func TestSatisfactionPlans(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		if _, err := s.SeedSpreadForTest(ctx, 30_000, from); err != nil {
			t.Fatal(err)
		}
		if err := s.SeedSatisfactionForTest(ctx); err != nil {
			t.Fatal(err)
		}
		// The seeded tickets span 500 hours: a window of its last day
		// holds about 5 % of the answers, as 30 days of a long history do.
		since := from.Add(476 * time.Hour)
		check := func() {
			steps := assertIndexed(t, s, s.SatisfactionSinceSQLForTest(since))
			used := false
			for _, st := range steps {
				used = used || st.Index == "satisfaction_ratings_created"
			}
			if !used {
				t.Errorf("the score does not read satisfaction_ratings_created; plan:\n%s", planText(steps))
			}
			for _, q := range []string{s.LastOwnEventSQLForTest(15_003), s.LastSatisfactionSQLForTest(15_003)} {
				noSort(t, q, assertIndexed(t, s, q))
			}
			// The export's reads beside a page of tickets.
			var page []int64
			for id := int64(20_001); id <= 20_000+domain.ExportPageSize; id++ {
				page = append(page, id)
			}
			for _, q := range s.ExportSQLForTest(page) {
				assertIndexed(t, s, q)
			}
		}
		if !s.Postgres() {
			check() // SQLite as it runs: no statistics
		}
		if err := s.AnalyzeForTest(ctx); err != nil {
			t.Fatal(err)
		}
		check()
	})
}
