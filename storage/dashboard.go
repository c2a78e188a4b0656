package storage

import (
	"context"
	"math"
	"sort"
	"time"

	"ticketgate/domain"
)

var _ domain.DashboardStore = (*Store)(nil)

// The dashboard's figures are kept by triggers (migration
// 20261207000016_dashboard): dashboard_counts holds the counts, to which
// on PostgreSQL the rows of dashboard_deltas not yet folded add up;
// dashboard_waiting is the set of waiting approvals; dashboard_medians is
// the medians snapshot. Every read here adds both count tables in one
// statement, which sees one snapshot of both, so a fold running beside it
// changes nothing it returns.

// dashboardCounts is the SQL of every count as committed: the folded
// counts plus the deltas not folded yet.
const dashboardCounts = `SELECT metric, k, category_id, assignee_id, n FROM dashboard_counts
	UNION ALL SELECT metric, k, category_id, assignee_id, n FROM dashboard_deltas`

// The statements the dashboard and the admin's ticket page run on every
// request, prepared once (stmt_cache.go): on SQLite, parsing the union of
// the counts cost more than reading them.
const (
	dashboardFiguresSQL = `SELECT x.metric, x.k, x.category_id, x.assignee_id, x.n, COALESCE(c.name, '') AS name FROM (
			SELECT metric, k, category_id, assignee_id, SUM(n) AS n FROM (` + dashboardCounts + `) AS u
			WHERE metric NOT IN ('created', 'resolved') OR k >= ? AND k < ?
			GROUP BY metric, k, category_id, assignee_id HAVING SUM(n) <> 0
		) AS x LEFT JOIN categories AS c ON x.metric = 'ticket' AND c.id = x.category_id`
	teamSQL = `SELECT tm.id, tm.user_id, tm.available, tm.away_until, tm.last_assigned_at, tm.created_at,
			u.email, u.name, u.disabled, 0 AS open_tickets
		FROM team_members AS tm JOIN users AS u ON u.id = tm.user_id
		ORDER BY tm.id`
	agentLoadsSQL = `SELECT assignee_id, SUM(n) AS n FROM (` + dashboardCounts + `) AS u
		WHERE metric = 'ticket' AND k = 'assigned' GROUP BY assignee_id`
)

// countRow is one summed count.
type countRow struct {
	Metric     string `bun:"metric"`
	K          string `bun:"k"`
	CategoryID int64  `bun:"category_id"`
	AssigneeID int64  `bun:"assignee_id"`
	N          int    `bun:"n"`
	Name       string `bun:"name"` // the category's, for metric ticket
}

// DashboardFigures reads the dashboard: the counts (one statement; the
// days of the window only, domain.DashboardDays from since), the team, the
// oldest waiting approvals (an index walk of limit rows) and the medians
// snapshot.
func (s *Store) DashboardFigures(ctx context.Context, since time.Time, limit int) (*domain.DashboardFigures, error) {
	var rows []countRow
	err := s.scanCached(ctx, &rows, dashboardFiguresSQL,
		utc(since).Format(time.DateOnly), utc(since).AddDate(0, 0, domain.DashboardDays).Format(time.DateOnly))
	if err != nil {
		return nil, mapErr(err, "dashboard counts")
	}
	f := &domain.DashboardFigures{ByStatus: map[domain.Status]int{}, Outbox: map[domain.OutboxStatus]int{}}
	byCategory := map[int64]*domain.CategoryCount{}
	days := map[string]*domain.DayCount{}
	day := func(k string) (*domain.DayCount, error) {
		if dc, ok := days[k]; ok {
			return dc, nil
		}
		t, err := time.Parse(time.DateOnly, k)
		if err != nil {
			return nil, mapErr(err, "dashboard counts: day %q", k)
		}
		days[k] = &domain.DayCount{Day: t}
		return days[k], nil
	}
	assigned := map[int64]int{}
	for _, r := range rows {
		switch r.Metric {
		case "ticket":
			st := domain.Status(r.K)
			f.ByStatus[st] += r.N
			if st.IsOpen() {
				cc := byCategory[r.CategoryID]
				if cc == nil {
					cc = &domain.CategoryCount{CategoryID: r.CategoryID, Category: r.Name}
					byCategory[r.CategoryID] = cc
				}
				cc.Count += r.N
			}
			if st == domain.StatusAssigned {
				assigned[r.AssigneeID] += r.N
			}
		case "created", "resolved":
			dc, err := day(r.K)
			if err != nil {
				return nil, err
			}
			if r.Metric == "created" {
				dc.Created += r.N
			} else {
				dc.Resolved += r.N
			}
		case "outbox":
			f.Outbox[domain.OutboxStatus(r.K)] += r.N
		case "quarantine":
			f.Quarantine += r.N
		case "waiting":
			f.ApprovalsWaiting += r.N
		}
	}
	for _, cc := range byCategory {
		if cc.Count != 0 {
			f.ByCategory = append(f.ByCategory, *cc)
		}
	}
	sort.Slice(f.ByCategory, func(i, j int) bool {
		a, b := f.ByCategory[i], f.ByCategory[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Category < b.Category
	})
	for _, dc := range days {
		f.Days = append(f.Days, *dc)
	}
	sort.Slice(f.Days, func(i, j int) bool { return f.Days[i].Day.Before(f.Days[j].Day) })
	if f.Agents, err = s.teamWithLoads(ctx, assigned); err != nil {
		return nil, err
	}
	if f.OldestApprovals, err = s.oldestWaiting(ctx, limit); err != nil {
		return nil, err
	}
	if f.Medians, err = s.dashboardMedians(ctx); err != nil {
		return nil, err
	}
	return f, nil
}

// teamWithLoads returns every team member, in member id order, with Open
// from assigned (by user id).
func (s *Store) teamWithLoads(ctx context.Context, assigned map[int64]int) ([]domain.MemberLoad, error) {
	var rows []memberLoadRow
	err := s.scanCached(ctx, &rows, teamSQL)
	if err != nil {
		return nil, mapErr(err, "agent loads")
	}
	out := make([]domain.MemberLoad, len(rows))
	for i, r := range rows {
		out[i] = r.load(assigned[r.UserID])
	}
	return out, nil
}

// AgentLoads returns every team member with their assigned tickets, from
// the maintained counts.
func (s *Store) AgentLoads(ctx context.Context) ([]domain.MemberLoad, error) {
	var rows []countRow
	if err := s.scanCached(ctx, &rows, agentLoadsSQL); err != nil {
		return nil, mapErr(err, "agent loads")
	}
	assigned := map[int64]int{}
	for _, r := range rows {
		assigned[r.AssigneeID] = r.N
	}
	return s.teamWithLoads(ctx, assigned)
}

// oldestWaitingSQL is oldestWaiting's statement (prepared once:
// stmt_cache.go), with the limit as its argument. The LIMIT is inside, on
// the one table its index orders, whatever the planner thinks of the
// joins.
const oldestWaitingSQL = `SELECT a.*, t.subject FROM (
		SELECT approval_id, created_at FROM dashboard_waiting ORDER BY created_at, approval_id LIMIT ?
	) AS w JOIN approvals AS a ON a.id = w.approval_id JOIN tickets AS t ON t.id = a.ticket_id
	ORDER BY w.created_at, w.approval_id`

// oldestWaiting returns the oldest limit waiting approvals: the first rows
// of dashboard_waiting's age index, each joined by primary key.
func (s *Store) oldestWaiting(ctx context.Context, limit int) ([]domain.WaitingApproval, error) {
	var rows []struct {
		approvalRow `bun:",extend"`
		Subject     string `bun:"subject"`
	}
	if err := s.scanCached(ctx, &rows, oldestWaitingSQL, limit); err != nil {
		return nil, mapErr(err, "oldest waiting approvals")
	}
	out := make([]domain.WaitingApproval, len(rows))
	for i := range rows {
		out[i] = domain.WaitingApproval{Approval: rows[i].approvalRow.domain(), Ticket: domain.FormatRef(rows[i].TicketID),
			Subject: rows[i].Subject}
	}
	return out, nil
}

// CountOutbox returns how many rows are in each status, from the
// maintained counts.
func (s *Store) CountOutbox(ctx context.Context) (map[domain.OutboxStatus]int, error) {
	var rows []countRow
	if err := s.idb.NewRaw(`SELECT k, SUM(n) AS n FROM (`+dashboardCounts+`) AS u
		WHERE metric = 'outbox' GROUP BY k`).Scan(ctx, &rows); err != nil {
		return nil, mapErr(err, "count outbox")
	}
	out := map[domain.OutboxStatus]int{}
	for _, r := range rows {
		if r.N != 0 {
			out[domain.OutboxStatus(r.K)] = r.N
		}
	}
	return out, nil
}

// CountQuarantine returns how many mails are in quarantine, from the
// maintained counts.
func (s *Store) CountQuarantine(ctx context.Context) (int, error) {
	var n int
	err := s.idb.NewRaw(`SELECT COALESCE(SUM(n), 0) FROM (`+dashboardCounts+`) AS u WHERE metric = 'quarantine'`).Scan(ctx, &n)
	return n, mapErr(err, "count quarantine")
}

// dashboardFoldLock is the PostgreSQL advisory lock of the fold and the
// recount ("tgdashbd").
const dashboardFoldLock = 0x7467646173686264

// FoldDashboard moves the visible deltas into dashboard_counts in one
// transaction: the DELETE that takes them is the INSERT's source, so each
// delta is counted once, and a delta of a transaction still open (not
// visible yet) waits for the next fold. SQLite's triggers write the
// counts directly: nothing to fold there.
func (s *Store) FoldDashboard(ctx context.Context) (int, error) {
	if !s.Postgres() {
		return 0, nil
	}
	var n int
	err := s.tx(ctx, func(ctx context.Context, tx *Store) error {
		var locked bool
		if err := tx.idb.NewRaw("SELECT pg_try_advisory_xact_lock(?)", int64(dashboardFoldLock)).Scan(ctx, &locked); err != nil {
			return err
		}
		if !locked {
			return nil
		}
		if err := tx.idb.NewRaw(`WITH moved AS (DELETE FROM dashboard_deltas RETURNING metric, k, category_id, assignee_id, n),
			folded AS (INSERT INTO dashboard_counts (metric, k, category_id, assignee_id, n)
				SELECT metric, k, category_id, assignee_id, SUM(n) FROM moved
				GROUP BY metric, k, category_id, assignee_id ORDER BY metric, k, category_id, assignee_id
				ON CONFLICT (metric, k, category_id, assignee_id) DO UPDATE SET n = dashboard_counts.n + excluded.n
				RETURNING 1)
			SELECT COUNT(*) FROM moved`).Scan(ctx, &n); err != nil {
			return err
		}
		if n > 0 {
			_, err := tx.idb.ExecContext(ctx, "DELETE FROM dashboard_counts WHERE n = 0")
			return err
		}
		return nil
	})
	if err != nil {
		return 0, mapErr(err, "fold dashboard counts")
	}
	if n >= dashboardVacuumAfter {
		// The folded deltas are dead rows that a reader's scan of
		// dashboard_deltas would still step over until autovacuum comes
		// (its launcher visits a database once a minute): vacuum the
		// small table now. VACUUM runs outside a transaction and blocks
		// neither inserts nor reads.
		if _, err := s.db.ExecContext(ctx, "VACUUM dashboard_deltas"); err != nil {
			return n, mapErr(err, "vacuum dashboard deltas")
		}
	}
	return n, nil
}

// dashboardVacuumAfter is how many folded deltas make FoldDashboard vacuum
// their table.
const dashboardVacuumAfter = 1000

// RecountDashboard rebuilds dashboard_waiting and dashboard_counts from
// the rows (the migration's backfill). On PostgreSQL it first locks the
// counted tables against writers (SHARE: reads go on), so that nothing
// changes between what it deletes and what it counts.
func (s *Store) RecountDashboard(ctx context.Context) error {
	day := func(col string) string { return "substr(" + col + ", 1, 10)" }
	if s.Postgres() {
		day = func(col string) string { return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')" }
	}
	err := s.tx(ctx, func(ctx context.Context, tx *Store) error {
		if s.Postgres() {
			if _, err := tx.idb.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", int64(dashboardFoldLock)); err != nil {
				return err
			}
			if _, err := tx.idb.ExecContext(ctx, "LOCK TABLE tickets, events, approvals, outbox, quarantine IN SHARE MODE"); err != nil {
				return err
			}
		}
		for _, q := range []string{
			"DELETE FROM dashboard_waiting",
			`INSERT INTO dashboard_waiting (approval_id, ticket_id, created_at)
				SELECT a.id, a.ticket_id, a.created_at FROM approvals AS a JOIN tickets AS t ON t.id = a.ticket_id
				WHERE a.decision = 'pending' AND t.status = 'awaiting_approval' AND a.level = t.approval_level`,
			"DELETE FROM dashboard_deltas",
			"DELETE FROM dashboard_counts",
			`INSERT INTO dashboard_counts (metric, k, category_id, assignee_id, n)
				SELECT 'ticket', status, COALESCE(category_id, 0), COALESCE(assignee_id, 0), COUNT(*) FROM tickets GROUP BY 2, 3, 4
				UNION ALL
				SELECT 'created', ` + day("created_at") + `, 0, 0, COUNT(*) FROM tickets GROUP BY 2
				UNION ALL
				SELECT 'resolved', ` + day("at") + `, 0, 0, COUNT(*) FROM events WHERE kind = 'resolved' GROUP BY 2
				UNION ALL
				SELECT 'outbox', status, 0, 0, COUNT(*) FROM outbox GROUP BY 2
				UNION ALL
				SELECT 'quarantine', '', 0, 0, COUNT(*) FROM quarantine
				UNION ALL
				SELECT 'waiting', '', 0, 0, COUNT(*) FROM dashboard_waiting`,
		} {
			if _, err := tx.idb.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	return mapErr(err, "recount dashboard")
}

// ClaimDashboardMedians takes the medians' claim if it ended by now.
func (s *Store) ClaimDashboardMedians(ctx context.Context, now, until time.Time) (bool, error) {
	res, err := s.idb.NewRaw("UPDATE dashboard_medians SET claimed_until = ? WHERE id = 1 AND claimed_until <= ?",
		utc(until), utc(now)).Exec(ctx)
	if err != nil {
		return false, mapErr(err, "claim dashboard medians")
	}
	n, err := res.RowsAffected()
	return n == 1, mapErr(err, "claim dashboard medians")
}

// SaveDashboardMedians stores the medians snapshot.
func (s *Store) SaveDashboardMedians(ctx context.Context, m domain.DashboardMedians, next time.Time) error {
	_, err := s.idb.NewRaw(`UPDATE dashboard_medians SET since = ?, computed_at = ?, claimed_until = ?,
		to_assigned_secs = ?, assigned_n = ?, to_resolved_secs = ?, resolved_n = ? WHERE id = 1`,
		utc(m.Since), utc(m.At), utc(next), int64(m.ToAssigned/time.Second), m.AssignedN,
		int64(m.ToResolved/time.Second), m.ResolvedN).Exec(ctx)
	return mapErr(err, "save dashboard medians")
}

// dashboardMedians reads the medians snapshot.
func (s *Store) dashboardMedians(ctx context.Context) (domain.DashboardMedians, error) {
	var row struct {
		Since          *time.Time `bun:"since"`
		ComputedAt     *time.Time `bun:"computed_at"`
		ToAssignedSecs int64      `bun:"to_assigned_secs"`
		AssignedN      int        `bun:"assigned_n"`
		ToResolvedSecs int64      `bun:"to_resolved_secs"`
		ResolvedN      int        `bun:"resolved_n"`
	}
	if err := s.idb.NewRaw(`SELECT since, computed_at, to_assigned_secs, assigned_n, to_resolved_secs, resolved_n
		FROM dashboard_medians WHERE id = 1`).Scan(ctx, &row); err != nil {
		return domain.DashboardMedians{}, mapErr(err, "dashboard medians")
	}
	m := domain.DashboardMedians{ToAssigned: time.Duration(row.ToAssignedSecs) * time.Second, AssignedN: row.AssignedN,
		ToResolved: time.Duration(row.ToResolvedSecs) * time.Second, ResolvedN: row.ResolvedN}
	if row.Since != nil && row.ComputedAt != nil {
		m.Since, m.At = row.Since.UTC(), row.ComputedAt.UTC()
	}
	return m, nil
}

// MedianTime returns the median time from creation to the first event of
// kind, over the tickets created since since. The database sorts the
// durations and returns only the middle one or two: no percentile
// function is needed (SQLite has none), and nothing is read into memory
// but the answer. It reads every ticket of the window: the medians job
// calls it, never a request.
func (s *Store) MedianTime(ctx context.Context, kind domain.EventKind, since time.Time) (time.Duration, int, error) {
	secs := "(julianday(MIN(e.at)) - julianday(t.created_at)) * 86400.0"
	if s.Postgres() {
		secs = "EXTRACT(EPOCH FROM (MIN(e.at) - t.created_at))::double precision"
	}
	durations := `SELECT ` + secs + ` AS secs FROM tickets AS t JOIN events AS e ON e.ticket_id = t.id AND e.kind = ?
		WHERE t.created_at >= ? GROUP BY t.id, t.created_at`
	var n int
	if err := s.idb.NewRaw("SELECT COUNT(*) FROM ("+durations+") AS d", string(kind), utc(since)).Scan(ctx, &n); err != nil {
		return 0, 0, mapErr(err, "median time to %s", kind)
	}
	if n == 0 {
		return 0, 0, nil
	}
	offset, take := (n-1)/2, 2-n%2
	var mid []float64
	if err := s.idb.NewRaw("SELECT secs FROM ("+durations+") AS d ORDER BY secs LIMIT ? OFFSET ?",
		string(kind), utc(since), take, offset).Scan(ctx, &mid); err != nil {
		return 0, 0, mapErr(err, "median time to %s", kind)
	}
	if len(mid) == 0 {
		return 0, 0, nil // the tickets changed between the two reads
	}
	sum := 0.0
	for _, m := range mid {
		sum += m
	}
	return time.Duration(math.Round(sum/float64(len(mid)))) * time.Second, n, nil
}
