package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"ticketgate/domain"
	"ticketgate/migrations"
)

// RawExec runs one SQL statement, for tests that need to set up what no
// use case writes.
func (s *Store) RawExec(ctx context.Context, query string, args ...any) error {
	_, err := s.idb.ExecContext(ctx, query, args...)
	return err
}

// RecordQueries calls fn with every SQL statement the store runs from now
// on (arguments inlined), for tests that compare what two calls do.
func (s *Store) RecordQueries(fn func(query string)) { s.db.AddQueryHook(queryRecorder{fn}) }

type queryRecorder struct{ fn func(string) }

// CachedDashboardSQLForTest are the statements DashboardFigures and
// AgentLoads run prepared (stmt_cache.go), which the query hook of
// RecordQueries does not see, with since's values written in.
func (s *Store) CachedDashboardSQLForTest(since time.Time) []string {
	return []string{
		s.idb.NewRaw(dashboardFiguresSQL, utc(since).Format(time.DateOnly),
			utc(since).AddDate(0, 0, domain.DashboardDays).Format(time.DateOnly)).String(),
		teamSQL, agentLoadsSQL, s.idb.NewRaw(oldestWaitingSQL, 5).String(),
	}
}

func (q queryRecorder) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}
func (q queryRecorder) AfterQuery(_ context.Context, e *bun.QueryEvent) { q.fn(e.Query) }

// InFlightRows returns every mail in flight, by key, for tests.
func (s *Store) InFlightRows(ctx context.Context) (map[string]InFlightForTest, error) {
	var rows []inFlightRow
	if err := s.idb.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return nil, err
	}
	out := map[string]InFlightForTest{}
	for _, r := range rows {
		out[r.Key] = InFlightForTest{Instance: r.Instance, Crashes: r.Crashes}
	}
	return out, nil
}

// InFlightForTest is one row of mail_in_flight.
type InFlightForTest struct {
	Instance string
	Crashes  int
}

// QueryPlan returns the plan of query as text: EXPLAIN QUERY PLAN on
// SQLite, EXPLAIN on PostgreSQL with sequential scans discouraged (an
// empty test table would otherwise be scanned whatever its indexes).
func (s *Store) QueryPlan(ctx context.Context, query string) (string, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	explain := "EXPLAIN QUERY PLAN "
	if s.Postgres() {
		if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			return "", err
		}
		explain = "EXPLAIN "
	}
	rows, err := tx.QueryContext(ctx, explain+query)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var out strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		fmt.Fprintln(&out, vals...)
	}
	return out.String(), rows.Err()
}

// StoredRawForTest returns outbox row id's raw column as it is stored
// (packed or not).
func (s *Store) StoredRawForTest(ctx context.Context, id int64) ([]byte, error) {
	var raw []byte
	err := s.idb.NewRaw("SELECT raw FROM outbox WHERE id = ?", id).Scan(ctx, &raw)
	return raw, err
}

// ExecForTest runs a statement, for tests that write what no use case
// writes (a ticket deleted, a bulk change).
func (s *Store) ExecForTest(ctx context.Context, query string, args ...any) error {
	_, err := s.idb.NewRaw(query, args...).Exec(ctx)
	return err
}

// MemberLoadsFromScratchForTest counts every team member's assigned
// tickets from the tickets, by user id.
func (s *Store) MemberLoadsFromScratchForTest(ctx context.Context) (map[int64]int, error) {
	var rows []struct {
		UserID int64 `bun:"user_id"`
		N      int   `bun:"n"`
	}
	err := s.idb.NewRaw(`SELECT tm.user_id, (SELECT count(*) FROM tickets AS t
		WHERE t.assignee_id = tm.user_id AND t.status = 'assigned') AS n FROM team_members AS tm`).Scan(ctx, &rows)
	out := map[int64]int{}
	for _, r := range rows {
		out[r.UserID] = r.N
	}
	return out, err
}

// OutboxColumnsForTest returns the subject and message_id columns of
// outbox row id as stored.
func (s *Store) OutboxColumnsForTest(ctx context.Context, id int64) (subject, messageID string, err error) {
	err = s.idb.NewSelect().Model((*outboxRow)(nil)).Column("subject", "message_id").Where("id = ?", id).
		Scan(ctx, &subject, &messageID)
	return subject, messageID, err
}

// MigratorUpToForTest is a Migrator that knows the migrations up to last
// only (see migrations.NewUpTo).
func (s *Store) MigratorUpToForTest(last string) (*migrations.Migrator, error) {
	return migrations.NewUpTo(s.db, last)
}

// RawForTest scans the rows of a statement into out.
func (s *Store) RawForTest(ctx context.Context, query string, out any) error {
	return s.db.NewRaw(query).Scan(ctx, out)
}

// MailboxTokenColumns returns a mailbox's token columns as stored, for
// tests that check the tokens are sealed.
func (s *Store) MailboxTokenColumns(ctx context.Context, id int64) (access, refresh []byte, err error) {
	var row mailboxTokenRow
	err = s.idb.NewSelect().Model(&row).Column("access_token", "refresh_token").Where("id = ?", id).Scan(ctx)
	return row.AccessToken, row.RefreshToken, err
}

// LockExecForTest runs a statement on the connection of a PostgreSQL
// lock, to put its session in a state the lock must survive.
func LockExecForTest(l domain.Lock, query string) error {
	_, err := l.(*pgLock).conn.ExecContext(context.Background(), query)
	return err
}

// PoolStats are the connection pool's figures.
func (s *Store) PoolStats() sql.DBStats { return s.db.DB.Stats() }

// ShapesForTest is how many statements of the ticket lists (scanShape)
// the store keeps prepared, and their bound.
func (s *Store) ShapesForTest() (n, max int) {
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	return s.stmts.shapes, maxShapes
}
