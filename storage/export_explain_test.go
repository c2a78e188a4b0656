package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"ticketgate/domain"
)

// PlanStep is one step of a query plan, of either engine, for tests
// (explain_test.go's assertIndexed).
type PlanStep struct {
	// Table is the table the step reads ("" for none), its alias in the
	// query resolved.
	Table string
	// Index is the index it reads: a name, or "PRIMARY KEY" (SQLite's
	// rowid).
	Index string
	// FullScan: the step reads the whole table, in no index's order (SQLite
	// "SCAN t" with no index, PostgreSQL "Seq Scan"). SQLite's "SCAN t"
	// walks the rowid (id) order; see Ordered.
	FullScan bool
	// Sort: the step sorts rows (SQLite "USE TEMP B-TREE FOR ORDER BY",
	// PostgreSQL "Sort" or "Incremental Sort"), so every match is read
	// before the first row comes out.
	Sort bool
	// Detail is the engine's own words.
	Detail string
}

// ExplainForTest returns the plan of query (with bun's ? arguments) on
// this store's engine: SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN
// (FORMAT JSON), one PlanStep per row or node.
func (s *Store) ExplainForTest(ctx context.Context, query string, args ...any) ([]PlanStep, error) {
	return s.explain(ctx, query, false, args)
}

// ExplainBoundForTest is ExplainForTest of a statement of the cache
// (stmt_cache.go), its arguments bound by the driver as when it runs:
// the plan SQLite makes for +? without knowing the value.
func (s *Store) ExplainBoundForTest(ctx context.Context, query string, args ...any) ([]PlanStep, error) {
	return s.explain(ctx, query, true, args)
}

func (s *Store) explain(ctx context.Context, query string, bound bool, args []any) ([]PlanStep, error) {
	aliases := tableAliases(query)
	scan := func(prefix string, dest any) error {
		if !bound {
			return s.idb.NewRaw(prefix+query, args...).Scan(ctx, dest)
		}
		q := prefix + query
		if s.Postgres() {
			q, args = pgPlaceholders(q), append([]any{pgx.QueryExecModeExec}, args...)
		}
		rows, err := s.db.DB.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		return s.db.ScanRows(ctx, rows, dest)
	}
	if s.Postgres() {
		var out []byte
		if err := scan("EXPLAIN (FORMAT JSON) ", &out); err != nil {
			return nil, fmt.Errorf("explain: %w", err)
		}
		var plans []struct{ Plan pgPlanNode }
		if err := json.Unmarshal(out, &plans); err != nil || len(plans) != 1 {
			return nil, fmt.Errorf("explain: %s: %v", out, err)
		}
		var steps []PlanStep
		plans[0].Plan.walk(false, &steps)
		return steps, nil
	}
	var rows []struct {
		ID     int    `bun:"id"`
		Parent int    `bun:"parent"`
		Unused int    `bun:"notused"`
		Detail string `bun:"detail"`
	}
	if err := scan("EXPLAIN QUERY PLAN ", &rows); err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	steps := make([]PlanStep, 0, len(rows))
	sorts := false
	for _, r := range rows {
		st := sqlitePlanStep(r.Detail, aliases)
		sorts = sorts || st.Sort
		steps = append(steps, st)
	}
	// "SCAN t" with no index walks the table's b-tree, which is the id
	// (rowid) order: when the query sorts by t's id first and nothing is
	// sorted afterwards, that walk is the ordered index walk of the
	// primary key, which a LIMIT stops (PostgreSQL's "Index Scan using
	// tickets_pkey").
	if m := orderByRE.FindStringSubmatch(query); m != nil && !sorts {
		for i := range steps {
			if steps[i].FullScan && strings.EqualFold(resolve(aliases, m[1]), steps[i].Table) &&
				strings.HasPrefix(steps[i].Detail, "SCAN "+m[1]) {
				steps[i].FullScan, steps[i].Index = false, "PRIMARY KEY"
				steps[i].Detail += " (in id order)"
			}
		}
	}
	return steps, nil
}

var (
	aliasRE      = regexp.MustCompile(`(?i)\b([a-z_][a-z0-9_]*)\s+AS\s+([a-z_][a-z0-9_]*)\b`)
	orderByRE    = regexp.MustCompile(`(?i)ORDER BY "?([a-z_][a-z0-9_]*)"?\."?id"? (?:ASC|DESC)?\s*(?:LIMIT|$)`)
	sqliteStepRE = regexp.MustCompile(`^(SCAN|SEARCH) (\S+)(?: USING (?:COVERING )?(INDEX (\S+)|INTEGER PRIMARY KEY|PRIMARY KEY))?`)
)

// tableAliases maps each "table AS alias" of query to the table.
func tableAliases(query string) map[string]string {
	m := map[string]string{}
	for _, x := range aliasRE.FindAllStringSubmatch(query, -1) {
		m[strings.ToLower(x[2])] = strings.ToLower(x[1])
	}
	return m
}

func resolve(aliases map[string]string, name string) string {
	name = strings.ToLower(name)
	if t, ok := aliases[name]; ok {
		return t
	}
	return name
}

func sqlitePlanStep(detail string, aliases map[string]string) PlanStep {
	st := PlanStep{Detail: detail}
	if strings.HasPrefix(detail, "USE TEMP B-TREE FOR") && strings.Contains(detail, "ORDER BY") {
		st.Sort = true
		return st
	}
	m := sqliteStepRE.FindStringSubmatch(detail)
	if m == nil {
		return st
	}
	st.Table = resolve(aliases, m[2])
	switch {
	case m[4] != "":
		st.Index = m[4]
	case m[3] != "":
		st.Index = "PRIMARY KEY"
	}
	st.FullScan = m[1] == "SCAN" && m[3] == ""
	return st
}

type pgPlanNode struct {
	NodeType     string       `json:"Node Type"`
	RelationName string       `json:"Relation Name"`
	Alias        string       `json:"Alias"`
	IndexName    string       `json:"Index Name"`
	IndexCond    string       `json:"Index Cond"`
	Filter       string       `json:"Filter"`
	Plans        []pgPlanNode `json:"Plans"`
}

// walk appends n and its children to out. limited: a Limit above n takes
// its rows one by one (through nodes that pass rows on as they come), so
// a Seq Scan there without a filter reads only as many rows as the LIMIT
// (a count capped by LIMIT): not a full scan. A filtered one may read the
// whole table for its few matches: a full scan.
func (n pgPlanNode) walk(limited bool, out *[]PlanStep) {
	st := PlanStep{Table: strings.ToLower(n.RelationName), Index: n.IndexName,
		Detail: strings.TrimSpace(n.NodeType + " " + n.RelationName + " " + n.IndexName + " " + n.IndexCond + " " + n.Filter)}
	st.FullScan = n.NodeType == "Seq Scan" && (!limited || n.Filter != "")
	if n.NodeType == "Seq Scan" && !st.FullScan {
		st.Detail += " (cut off by LIMIT)"
	}
	st.Sort = n.NodeType == "Sort" || n.NodeType == "Incremental Sort"
	*out = append(*out, st)
	for i, c := range n.Plans {
		passes := false
		switch n.NodeType {
		case "Limit":
			passes = true
		case "Subquery Scan", "Result":
			passes = limited
		case "Nested Loop":
			passes = limited && i == 0 // the outer side; the inner one runs per row
		}
		c.walk(passes, out)
	}
}

// Statement is a query of the ticket lists with its arguments: none when
// they are written into it (a search), else its parameters, bound by the
// driver (Bound).
type Statement struct {
	SQL   string
	Args  []any
	Bound bool
}

// TicketListSQLForTest returns the statements of ListTickets(q) (one
// query, or two run in turn) and of CountTickets(q, max): the queries the
// pages run.
func (s *Store) TicketListSQLForTest(q domain.TicketQuery, max int) (list []Statement, count Statement) {
	var rows []ticketView
	b, err := s.ticketBuilder(q)
	if err != nil {
		panic(err)
	}
	statement := func(sq *bun.SelectQuery) Statement {
		query, args := b.built(sq)
		return Statement{SQL: query, Args: args, Bound: b.params != nil}
	}
	for _, part := range b.pages(&rows) {
		list = append(list, statement(part))
	}
	return list, statement(b.count(max))
}

// AnalyzeForTest gathers the planner's statistics (ANALYZE; on PostgreSQL
// VACUUM ANALYZE, which also fills the visibility map index-only scans
// need).
func (s *Store) AnalyzeForTest(ctx context.Context) error {
	q := "ANALYZE"
	if s.Postgres() {
		q = "VACUUM ANALYZE"
	}
	_, err := s.db.ExecContext(ctx, q)
	return err
}

// SeedIDs are the rows SeedSpreadForTest made, by their first id: ids are
// consecutive.
type SeedIDs struct {
	Requester, Agent, Category int64
	Requesters, Agents         int
	Categories                 int
}

// SeedSpreadForTest fills an empty store with n tickets spread the way a
// helpdesk's are: 300 requesters, 10 agents, 5 categories (and none on
// every 13th ticket), nobody assigned on every 11th, every status (most
// done), a ticket a minute from from, each updated 0 to 16 hours after it
// was created, subjects of 100 kinds; and a received event each. One
// INSERT ... SELECT per table over a series (a recursive CTE on SQLite,
// generate_series on PostgreSQL): 30,000 tickets take about a second.
func (s *Store) SeedSpreadForTest(ctx context.Context, n int, from time.Time) (SeedIDs, error) {
	ids := SeedIDs{Requesters: 300, Agents: 10, Categories: 5}
	series := func(n int) string {
		if s.Postgres() {
			return fmt.Sprintf("WITH seq(i) AS (SELECT generate_series(0, %d)) ", n-1)
		}
		return fmt.Sprintf("WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < %d) ", n-1)
	}
	// plus is the SQL of from plus minutes and hours (SQL expressions).
	plus := func(minutes, hours string) string {
		if s.Postgres() {
			return "(?::timestamptz + (" + minutes + ") * interval '1 minute' + (" + hours + ") * interval '1 hour')"
		}
		// As bun writes times, so that text comparison orders them.
		return "(strftime('%Y-%m-%d %H:%M:%S', ?, '+' || (" + minutes + ") || ' minutes', '+' || (" + hours + ") || ' hours') || '+00:00')"
	}
	at := from.UTC().Format("2006-01-02 15:04:05")
	steps := []struct {
		sql  string
		args []any
	}{
		{series(ids.Requesters) + "INSERT INTO users (email, role, created_at, updated_at) SELECT 'req' || i || '@seed.test', 'employee', " +
			plus("0", "0") + ", " + plus("0", "0") + " FROM seq", []any{at, at}},
		{series(ids.Agents) + "INSERT INTO users (email, role, created_at, updated_at) SELECT 'agent' || i || '@seed.test', 'agent', " +
			plus("0", "0") + ", " + plus("0", "0") + " FROM seq", []any{at, at}},
		{series(ids.Categories) + "INSERT INTO categories (name, created_at, updated_at) SELECT 'Seeded ' || i, " +
			plus("0", "0") + ", " + plus("0", "0") + " FROM seq", []any{at, at}},
	}
	for _, st := range steps {
		if _, err := s.idb.NewRaw(st.sql, st.args...).Exec(ctx); err != nil {
			return ids, fmt.Errorf("seed: %w", err)
		}
	}
	first := func(where string) (int64, error) {
		var id int64
		err := s.idb.NewRaw("SELECT min(id) FROM "+where).Scan(ctx, &id)
		return id, err
	}
	var err error
	if ids.Requester, err = first("users WHERE email LIKE 'req%@seed.test'"); err != nil {
		return ids, err
	}
	if ids.Agent, err = first("users WHERE email LIKE 'agent%@seed.test'"); err != nil {
		return ids, err
	}
	if ids.Category, err = first("categories WHERE name LIKE 'Seeded %'"); err != nil {
		return ids, err
	}
	status := "CASE i % 10 WHEN 0 THEN 'triage' WHEN 1 THEN 'awaiting_approval' WHEN 2 THEN 'unassigned' WHEN 3 THEN 'assigned' " +
		"WHEN 4 THEN 'rejected' WHEN 5 THEN 'resolved' WHEN 6 THEN 'resolved' WHEN 7 THEN 'resolved' ELSE 'closed' END"
	ticketSQL := series(n) + `INSERT INTO tickets (subject, body, requester_id, category_id, status, approval_level, assignee_id, created_at, updated_at)
		SELECT 'Seeded ' || (i % 100) || ' printer', 'seeded ' || i || ' body text of a ticket', ? + i % 300,
			CASE WHEN i % 13 = 0 THEN NULL ELSE ? + i % 5 END, ` + status + `,
			CASE WHEN i % 10 = 1 THEN 1 ELSE NULL END,
			CASE WHEN i % 11 = 0 THEN NULL ELSE ? + i % 10 END, ` + plus("i", "0") + `, ` + plus("i", "i % 17") + ` FROM seq`
	if _, err := s.idb.NewRaw(ticketSQL, ids.Requester, ids.Category, ids.Agent, at, at).Exec(ctx); err != nil {
		return ids, fmt.Errorf("seed tickets: %w", err)
	}
	if _, err := s.idb.NewRaw(`INSERT INTO events (ticket_id, at, kind, actor, detail)
		SELECT id, created_at, 'received', 'system', 'seeded' FROM tickets`).Exec(ctx); err != nil {
		return ids, fmt.Errorf("seed events: %w", err)
	}
	return ids, nil
}

// TeamLoadSQLForTest returns the statement TeamLoad runs for a category.
func (s *Store) TeamLoadSQLForTest(categoryID int64) string {
	return s.idb.NewRaw(s.teamLoadSQL(), categoryID).String()
}

// ConfirmedSinceSQLForTest returns the query CountTrainingExamplesSince
// counts.
func (s *Store) ConfirmedSinceSQLForTest(since time.Time) string {
	return s.confirmedSince(since).String()
}

// ShareableSQLForTest is the assistant's candidates query (ShareableTickets).
const ShareableSQLForTest = shareableSQL
