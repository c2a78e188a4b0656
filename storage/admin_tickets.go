package storage

import (
	"context"
	"math"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
)

var _ domain.AdminTicketStore = (*Store)(nil)

// openStatuses is the SQL list of the statuses that still need work
// (domain.Status.IsOpen).
const openStatuses = "('triage', 'awaiting_approval', 'unassigned', 'assigned')"

// CountTicketsByStatus returns how many tickets are in each status.
func (s *Store) CountTicketsByStatus(ctx context.Context) (map[domain.Status]int, error) {
	var rows []struct {
		Status string `bun:"status"`
		N      int    `bun:"n"`
	}
	if err := s.idb.NewRaw("SELECT status, COUNT(*) AS n FROM tickets GROUP BY status").Scan(ctx, &rows); err != nil {
		return nil, mapErr(err, "count tickets by status")
	}
	out := map[domain.Status]int{}
	for _, r := range rows {
		out[domain.Status(r.Status)] = r.N
	}
	return out, nil
}

// CountOpenByCategory returns the open tickets per category, most first.
func (s *Store) CountOpenByCategory(ctx context.Context) ([]domain.CategoryCount, error) {
	var rows []struct {
		ID   int64  `bun:"id"`
		Name string `bun:"name"`
		N    int    `bun:"n"`
	}
	err := s.idb.NewRaw(`SELECT COALESCE(t.category_id, 0) AS id, COALESCE(c.name, '') AS name, COUNT(*) AS n
		FROM tickets AS t LEFT JOIN categories AS c ON c.id = t.category_id
		WHERE t.status IN `+openStatuses+`
		GROUP BY COALESCE(t.category_id, 0), COALESCE(c.name, '')
		ORDER BY n DESC, name`).Scan(ctx, &rows)
	if err != nil {
		return nil, mapErr(err, "count open tickets by category")
	}
	out := make([]domain.CategoryCount, len(rows))
	for i, r := range rows {
		out[i] = domain.CategoryCount{CategoryID: r.ID, Category: r.Name, Count: r.N}
	}
	return out, nil
}

// dayExpr is the SQL of column col's UTC day as YYYY-MM-DD. Times are
// written in UTC (see utc), so on SQLite the day is the text's first ten
// characters.
func (s *Store) dayExpr(col string) string {
	if s.Postgres() {
		return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	return "substr(" + col + ", 1, 10)"
}

// DailyCounts returns tickets created and resolved per UTC day since since.
func (s *Store) DailyCounts(ctx context.Context, since time.Time) ([]domain.DayCount, error) {
	var rows []struct {
		Day      string `bun:"day"`
		Created  int    `bun:"created"`
		Resolved int    `bun:"resolved"`
	}
	err := s.idb.NewRaw(`SELECT day, SUM(created) AS created, SUM(resolved) AS resolved FROM (
			SELECT `+s.dayExpr("created_at")+` AS day, 1 AS created, 0 AS resolved FROM tickets WHERE created_at >= ?
			UNION ALL
			SELECT `+s.dayExpr("at")+` AS day, 0 AS created, 1 AS resolved FROM events WHERE kind = 'resolved' AND at >= ?
		) AS x GROUP BY day ORDER BY day`, utc(since), utc(since)).Scan(ctx, &rows)
	if err != nil {
		return nil, mapErr(err, "daily ticket counts")
	}
	out := make([]domain.DayCount, 0, len(rows))
	for _, r := range rows {
		day, err := time.Parse(time.DateOnly, r.Day)
		if err != nil {
			return nil, mapErr(err, "daily ticket counts: day %q", r.Day)
		}
		out = append(out, domain.DayCount{Day: day, Created: r.Created, Resolved: r.Resolved})
	}
	return out, nil
}

// waitingApprovalsWhere selects the approvals that wait: pending, of the
// level their ticket awaits.
const waitingApprovalsWhere = `a.decision = 'pending' AND t.status = 'awaiting_approval' AND a.level = t.approval_level`

// WaitingApprovals counts the approvals that wait and returns the oldest.
func (s *Store) WaitingApprovals(ctx context.Context, limit int) (int, []domain.WaitingApproval, error) {
	var n int
	if err := s.idb.NewRaw(`SELECT COUNT(*) FROM approvals AS a JOIN tickets AS t ON t.id = a.ticket_id WHERE `+
		waitingApprovalsWhere).Scan(ctx, &n); err != nil {
		return 0, nil, mapErr(err, "count waiting approvals")
	}
	var rows []struct {
		approvalRow `bun:",extend"`
		Subject     string `bun:"subject"`
	}
	if err := s.idb.NewRaw(`SELECT a.*, t.subject FROM approvals AS a JOIN tickets AS t ON t.id = a.ticket_id WHERE `+
		waitingApprovalsWhere+` ORDER BY a.created_at, a.id LIMIT ?`, limit).Scan(ctx, &rows); err != nil {
		return 0, nil, mapErr(err, "oldest waiting approvals")
	}
	out := make([]domain.WaitingApproval, len(rows))
	for i := range rows {
		out[i] = domain.WaitingApproval{Approval: rows[i].approvalRow.domain(), Ticket: domain.FormatRef(rows[i].TicketID),
			Subject: rows[i].Subject}
	}
	return n, out, nil
}

// MedianTime returns the median time from creation to the first event of
// kind, over the tickets created since since. The database sorts the
// durations and returns only the middle one or two: no percentile
// function is needed (SQLite has none), and nothing is read into memory
// but the answer.
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

// AgentLoads returns every team member with their open tickets.
func (s *Store) AgentLoads(ctx context.Context) ([]domain.MemberLoad, error) {
	var rows []memberLoadRow
	err := s.idb.NewRaw(`SELECT tm.id, tm.user_id, tm.available, tm.away_until, tm.last_assigned_at, tm.created_at,
			u.email, u.name, u.disabled,
			(SELECT count(*) FROM tickets AS t WHERE t.assignee_id = tm.user_id AND t.status = 'assigned') AS open_tickets
		FROM team_members AS tm JOIN users AS u ON u.id = tm.user_id
		ORDER BY tm.id`).Scan(ctx, &rows)
	if err != nil {
		return nil, mapErr(err, "agent loads")
	}
	out := make([]domain.MemberLoad, len(rows))
	for i, r := range rows {
		out[i] = domain.MemberLoad{
			Member: domain.TeamMember{ID: r.ID, UserID: r.UserID, Email: r.Email, Name: r.Name, Available: r.Available,
				AwayUntil: utcPtr(r.AwayUntil), LastAssignedAt: utcPtr(r.LastAssignedAt), CreatedAt: r.CreatedAt.UTC()},
			Disabled: r.Disabled, Open: r.OpenTickets,
		}
	}
	return out, nil
}

// SearchTickets returns one page of the tickets that match q, and how many
// match. A text is searched in the full-text index (whereMatches), and
// its matches are counted up to domain.MaxSearchCount + 1; in order of
// relevance (orderByRank) the list ends after domain.MaxRankedMatches.
// Other paging is by offset, which the domain bounds (MaxSearchPages);
// each sort has an index to walk (id, updated_at, status), so a page of
// an unfiltered list reads only its rows and those it skips.
func (s *Store) SearchTickets(ctx context.Context, q domain.TicketSearch, offset, limit int) ([]domain.Ticket, int, error) {
	var m domain.SearchQuery
	if q.Text != "" {
		var err error
		if m, err = domain.ParseSearch(q.Text); err != nil {
			return nil, 0, mapErr(err, "search tickets")
		}
	}
	ranked := q.Text != "" && (q.Sort == domain.SortRelevance || q.Sort == "")
	filter := func(sq *bun.SelectQuery, match bool) *bun.SelectQuery {
		if q.Text != "" && match {
			sq = s.whereMatches(sq, m)
		}
		if q.Status != "" {
			sq = sq.Where("t.status = ?", string(q.Status))
		}
		switch {
		case q.CategoryID == domain.NoCategory:
			sq = sq.Where("t.category_id IS NULL")
		case q.CategoryID > 0:
			sq = sq.Where("t.category_id = ?", q.CategoryID)
		}
		switch {
		case q.AssigneeID == domain.Nobody:
			sq = sq.Where("t.assignee_id IS NULL")
		case q.AssigneeID > 0:
			sq = sq.Where("t.assignee_id = ?", q.AssigneeID)
		}
		if !q.From.IsZero() {
			sq = sq.Where("t.created_at >= ?", utc(q.From))
		}
		if !q.To.IsZero() {
			sq = sq.Where("t.created_at < ?", utc(q.To))
		}
		return sq
	}
	// A text without other conditions is counted and paged in the index
	// alone, and only its page's tickets are read.
	inIndex := q.Text != "" && indexOnly(m) && q.Status == "" && q.CategoryID == 0 && q.AssigneeID == 0 &&
		q.From.IsZero() && q.To.IsZero()
	var total int
	count := filter(s.idb.NewSelect().TableExpr("tickets AS t"), true)
	switch {
	case inIndex:
		var err error
		if total, err = s.countMatches(ctx, m, domain.MaxSearchCount+1); err != nil {
			return nil, 0, err
		}
	case q.Text != "":
		count = count.ColumnExpr("1").Limit(domain.MaxSearchCount + 1)
		if err := s.idb.NewRaw("SELECT count(*) FROM (?) AS x", count).Scan(ctx, &total); err != nil {
			return nil, 0, mapErr(err, "count tickets")
		}
	default:
		n, err := count.Count(ctx)
		if err != nil {
			return nil, 0, mapErr(err, "count tickets")
		}
		total = int(n)
	}
	dir := " DESC"
	if q.Asc {
		dir = " ASC"
	}
	var rows []ticketView
	sq := filter(s.ticketQuery(&rows), !ranked)
	if ranked && offset >= domain.MaxRankedMatches {
		return nil, total, nil
	}
	switch {
	case inIndex && (ranked || q.Sort == domain.SortCreated):
		sq = s.ticketQuery(&rows).Join("JOIN (?) AS mp ON mp.id = t.id", s.matchPage(m, ranked, q.Asc, offset, limit))
		if ranked {
			sq = sq.OrderExpr("mp.score DESC").OrderExpr("t.id DESC")
		} else {
			sq = sq.OrderExpr("t.id" + dir)
		}
		offset = 0
	case ranked:
		sq = s.orderByRank(sq, m)
	case q.Sort == domain.SortUpdated:
		sq = sq.OrderExpr("t.updated_at" + dir).OrderExpr("t.id" + dir)
	case q.Sort == domain.SortStatus:
		sq = sq.OrderExpr("t.status" + dir).OrderExpr("t.id" + dir)
	case q.Sort == domain.SortSubject:
		sq = sq.OrderExpr("lower(t.subject)" + dir).OrderExpr("t.id" + dir)
	default:
		sq = sq.OrderExpr("t.id" + dir)
	}
	if err := sq.Limit(int64(limit)).Offset(int64(offset)).Scan(ctx); err != nil {
		return nil, 0, mapErr(err, "search tickets")
	}
	out := make([]domain.Ticket, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, int(total), nil
}

// ApprovalProblems returns refused approval replies and automatic replies
// on tickets awaiting approval, newest first.
func (s *Store) ApprovalProblems(ctx context.Context, limit int) ([]domain.ApprovalProblem, error) {
	var rows []struct {
		eventRow `bun:",extend"`
		Subject  string `bun:"subject"`
		Status   string `bun:"status"`
	}
	err := s.idb.NewRaw(`SELECT e.*, t.subject, t.status FROM events AS e JOIN tickets AS t ON t.id = e.ticket_id
		WHERE e.kind = 'approval_refused' OR (e.kind = 'auto_reply' AND t.status = 'awaiting_approval')
		ORDER BY e.at DESC, e.id DESC LIMIT ?`, limit).Scan(ctx, &rows)
	if err != nil {
		return nil, mapErr(err, "approval problems")
	}
	out := make([]domain.ApprovalProblem, len(rows))
	for i, r := range rows {
		out[i] = domain.ApprovalProblem{
			Event: domain.Event{ID: r.ID, TicketID: r.TicketID, At: r.At.UTC(), Kind: domain.EventKind(r.Kind), Actor: r.Actor,
				Detail: r.Detail},
			Ticket: domain.FormatRef(r.TicketID), Subject: r.Subject, Status: domain.Status(r.Status)}
	}
	return out, nil
}
