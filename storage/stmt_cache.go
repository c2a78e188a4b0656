package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
)

// stmtCache holds the prepared statements of the hot paths of intake
// (statements written with ? placeholders, values passed to the driver),
// shared by a Store and its transaction-bound copies.
//
// Bun writes values into the SQL text, so each of its statements is
// prepared anew; on SQLite preparing parses the statement and compiles the
// program of every trigger it fires (full-text search, the dashboard's
// counts), which cost more than running it. A statement prepared here is
// compiled once per connection: database/sql keeps it per connection, and
// a transaction reuses the one of its connection (sql.Tx.StmtContext). On
// PostgreSQL pgx keeps a prepared statement per connection itself
// (QueryExecModeCacheStatement), so nothing is held here.
type stmtCache struct {
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	built  map[string]string // builtSQL's statements, by name
	shapes int               // statements of scanShape among stmts
}

// maxShapes bounds the statements scanShape keeps prepared: the shapes of
// the ticket lists a helpdesk shows are a few dozen (filters, sorts,
// cursors); past the bound a new shape is run without being kept, so
// odd queries cannot fill the memory of every connection with programs.
const maxShapes = 64

// close closes the statements; the Store is closing.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.stmts {
		st.Close()
	}
	c.stmts = nil
}

// prepared is query prepared on the database (SQLite). A shape
// (scanShape) is prepared only while fewer than maxShapes are: nil, nil
// past that.
func (s *Store) prepared(ctx context.Context, query string, shape bool) (*sql.Stmt, error) {
	c := s.stmts
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[query]; ok {
		return st, nil
	}
	if shape && c.shapes >= maxShapes {
		return nil, nil
	}
	st, err := s.db.DB.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if c.stmts == nil {
		c.stmts = map[string]*sql.Stmt{}
	}
	c.stmts[query] = st
	if shape {
		c.shapes++
	}
	return st, nil
}

// builtSQL is the SQL of a statement Bun builds (build, called once per
// Store) with ? where its values go (bun.Safe("?")): Bun writes the
// dialect's names and columns, and the statement is then run through the
// cache (scanCached), prepared once. For the reads every page makes.
func (s *Store) builtSQL(name string, build func(db *bun.DB) string) string {
	c := s.stmts
	c.mu.Lock()
	defer c.mu.Unlock()
	if q, ok := c.built[name]; ok {
		return q
	}
	q := build(s.db)
	if c.built == nil {
		c.built = map[string]string{}
	}
	c.built[name] = q
	return q
}

// rangeParam is the placeholder of a value that an indexed column is
// compared with and that changes from call to call (a "since" time) in a
// statement of the cache: on SQLite "+?", because with the sqlite_stat4
// statistics ANALYZE keeps, SQLite prepares a statement again whenever a
// new value is bound to a bare ? compared with an indexed column (see
// TeamLoad), and the plans here are the same for every value; PostgreSQL
// plans its prepared statements itself and has no unary plus for times.
func (s *Store) rangeParam() string {
	if s.Postgres() {
		return "?"
	}
	return "+?"
}

// ticketParam stands for the ticket's id in builtSQL's statements.
var ticketParam = bun.Safe("?")

// pgPlaceholders writes query's ? placeholders as $1, $2, …; the queries
// of this file hold no other question mark.
func pgPlaceholders(query string) string {
	var b strings.Builder
	n := 0
	for {
		i := strings.IndexByte(query, '?')
		if i < 0 {
			b.WriteString(query)
			return b.String()
		}
		n++
		b.WriteString(query[:i])
		b.WriteString("$" + strconv.Itoa(n))
		query = query[i+1:]
	}
}

// conn is what runs a statement with its SQL: a *sql.DB or a *sql.Tx.
type conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// runCached runs a statement of the cache with args, in this Store's
// transaction if it has one: on PostgreSQL by its SQL through pgx's
// statement cache (direct), on SQLite as this connection's prepared
// statement (prepared), or, for a shape past maxShapes, by its SQL
// (direct).
func runCached[R any](ctx context.Context, s *Store, query string, args []any, shape bool,
	direct func(c conn, query string, args []any) (R, error), prepared func(st *sql.Stmt, args []any) (R, error)) (R, error) {
	var none R
	var c conn
	var tx *sql.Tx
	switch db := s.idb.(type) {
	case bun.Tx:
		c, tx = db.Tx, db.Tx
	case *bun.DB:
		c = db.DB
	default:
		return none, fmt.Errorf("no driver connection in %T", s.idb)
	}
	if s.Postgres() {
		return direct(c, pgPlaceholders(query), append([]any{pgx.QueryExecModeCacheStatement}, args...))
	}
	st, err := s.prepared(ctx, query, shape)
	if err != nil {
		return none, err
	}
	if st == nil {
		return direct(c, query, args)
	}
	if tx != nil {
		st = tx.StmtContext(ctx, st)
	}
	return prepared(st, args)
}

// execCached runs a statement of the cache with args, in this Store's
// transaction if it has one.
func (s *Store) execCached(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return runCached(ctx, s, query, args, false,
		func(c conn, q string, a []any) (sql.Result, error) { return c.ExecContext(ctx, q, a...) },
		func(st *sql.Stmt, a []any) (sql.Result, error) { return st.ExecContext(ctx, a...) })
}

// queryCached is execCached for a statement that returns rows; the caller
// closes them.
func (s *Store) queryCached(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return s.queryRows(ctx, false, query, args)
}

// queryRows is queryCached; shape marks a statement whose text a builder
// writes from a request (the ticket lists): at most maxShapes of those
// are kept prepared.
func (s *Store) queryRows(ctx context.Context, shape bool, query string, args []any) (*sql.Rows, error) {
	return runCached(ctx, s, query, args, shape,
		func(c conn, q string, a []any) (*sql.Rows, error) { return c.QueryContext(ctx, q, a...) },
		func(st *sql.Stmt, a []any) (*sql.Rows, error) { return st.QueryContext(ctx, a...) })
}

// scanCached runs a query of the cache and scans its rows into dest as
// Bun's Scan would.
func (s *Store) scanCached(ctx context.Context, dest any, query string, args ...any) error {
	return s.scanRows(ctx, false, dest, query, args)
}

// scanShape is scanCached for a shape (queryRows).
func (s *Store) scanShape(ctx context.Context, dest any, query string, args ...any) error {
	return s.scanRows(ctx, true, dest, query, args)
}

func (s *Store) scanRows(ctx context.Context, shape bool, dest any, query string, args []any) error {
	rows, err := s.queryRows(ctx, shape, query, args)
	if err != nil {
		return err
	}
	return s.db.ScanRows(ctx, rows, dest)
}

// scanID reads the id an INSERT … RETURNING id returned, and closes rows.
func scanID(rows *sql.Rows, id *int64) error {
	var err error
	if rows.Next() {
		err = rows.Scan(id)
	} else if err = rows.Err(); err == nil {
		err = errors.New("no id returned")
	}
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

// nullInt is n as a driver value, NULL for 0 (Bun's nullzero).
func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}
