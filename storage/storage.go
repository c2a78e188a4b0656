// Package storage implements domain.Store with Bun on SQLite (the pure-Go
// modernc driver; WAL, busy timeout, foreign keys, immediate write
// transactions) and on PostgreSQL (pgx). Row structs stay private to this
// package; every line of SQL of ticketgate is here or in migrations.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"ticketgate/domain"
	"ticketgate/migrations"
)

// DefaultURL is DATABASE_URL's default: a SQLite file in the working directory.
const DefaultURL = "ticketgate.db"

// Store is the Bun implementation of domain.Store.
type Store struct {
	db   *bun.DB
	idb  bun.IDB // db, or the transaction this Store is bound to
	inTx bool
	log  *slog.Logger

	localLocks *localLocks // SQLite's named locks, shared by tx-bound copies

	// writeGate admits one transaction at a time on SQLite, in arrival
	// order; nil on PostgreSQL. Shared by tx-bound copies.
	writeGate chan struct{}

	attachmentsDir string // ATTACHMENTS_DIR: attachment bytes kept as files there

	stmts *stmtCache // prepared statements of the hot paths, shared by tx-bound copies

	// searchLater: this transaction (SQLite) indexes the tickets it
	// creates for search at its end (search_later.go).
	searchLater bool
}

var (
	_ domain.Store  = (*Store)(nil)
	_ domain.Locker = (*Store)(nil)
)

// Target says which engine and where a DATABASE_URL points.
type Target struct {
	Postgres bool
	DSN      string // the driver's data source name
	Display  string // for messages: no password
}

// ParseURL reads DATABASE_URL: a path, sqlite://rel/path, sqlite:///abs/path,
// postgres://… or postgresql://…; "" means DefaultURL.
func ParseURL(raw string) (Target, error) {
	if raw == "" {
		raw = DefaultURL
	}
	scheme, rest, hasScheme := strings.Cut(raw, "://")
	if !hasScheme {
		return sqliteTarget(raw)
	}
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql":
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return Target{}, fmt.Errorf("DATABASE_URL: %s is not a PostgreSQL URL like postgres://user@host:5432/db", redact(raw))
		}
		return Target{Postgres: true, DSN: raw, Display: redact(raw)}, nil
	case "sqlite", "sqlite3", "file":
		path, _, _ := strings.Cut(rest, "?")
		if path == "" {
			return Target{}, errors.New("DATABASE_URL: sqlite:// needs a path, e.g. sqlite://data/ticketgate.db")
		}
		return sqliteTarget(path)
	}
	return Target{}, fmt.Errorf("DATABASE_URL: unknown scheme %q (want a file path, sqlite://path or postgres://…)", scheme)
}

// maxPostgresConns bounds an instance's connections to PostgreSQL.
const maxPostgresConns = 20

// walSizeLimit is SQLite's journal_size_limit, in bytes.
const walSizeLimit = 4 << 20

func sqliteTarget(path string) (Target, error) {
	if path == ":memory:" {
		return Target{}, errors.New("DATABASE_URL: :memory: is not supported (each connection would see another database); use a file")
	}
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// The WAL file keeps the size of the largest stretch of writes
	// between two checkpoints (a batch of intake, a seeding, a migration)
	// for good: SQLite overwrites it rather than shrinking it. Past this
	// size it is cut back each time a checkpoint lets it start over, so
	// the database takes what its pages need plus a few MB (the WAL of
	// wal_autocheckpoint's 1,000 pages).
	q.Add("_pragma", fmt.Sprintf("journal_size_limit(%d)", walSizeLimit))
	// Temporary storage in memory: above all the statement journal. A
	// statement of a write transaction that fires triggers journals the
	// pages it changes, to undo itself alone; past 64 KiB in one statement
	// (an outbox insert of 100 mails) SQLite moves that journal to a file
	// and keeps writing every later statement's there, two system calls
	// per page, for the life of the connection: an eighth of intake's CPU
	// at 100,000 tickets. The queries sort little (pages read in index
	// order; relevance ranks at most 1,000 matches).
	q.Add("_pragma", "temp_store(MEMORY)")
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	// The driver opens a URI (RFC 3986, as SQLite reads it): "?" would
	// start its parameters and "#" a fragment, cutting the path there.
	uriPath := strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(path)
	return Target{DSN: "file:" + uriPath + "?" + q.Encode(), Display: path}, nil
}

// redact drops the password of a URL for messages and logs.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// Open connects to the database DATABASE_URL names and checks that it
// answers. It does not migrate: call Migrate.
func Open(ctx context.Context, rawURL string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	var db *bun.DB
	var gate chan struct{}
	if t.Postgres {
		cfg, err := pgx.ParseConfig(t.DSN)
		if err != nil {
			return nil, fmt.Errorf("DATABASE_URL: %s: %v", t.Display, err)
		}
		// Bun writes the values of its queries into the SQL text, so no
		// two statements are alike: pgx's default (prepare each new text,
		// then execute it) would cost two round trips and a server-side
		// prepared statement per statement. The simple protocol sends each
		// in one. The statements that pass values as parameters (setBlob)
		// ask for a cached prepared statement themselves.
		cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
		sqldb := stdlib.OpenDB(*cfg)
		// Every open connection may stay idle (for up to five minutes):
		// with fewer idle than open, a busy portal closed the connections
		// it released beyond that number and opened new ones for the next
		// requests, and a new PostgreSQL connection costs a backend
		// process, its authentication and its empty catalog caches
		// (docs/performance.md, "Fourth round").
		sqldb.SetMaxOpenConns(maxPostgresConns)
		sqldb.SetMaxIdleConns(maxPostgresConns)
		sqldb.SetConnMaxIdleTime(5 * time.Minute)
		db = bun.NewDB(sqldb, pgNulSafe{pgdialect.New()})
	} else {
		if dir := filepath.Dir(t.Display); dir != "." {
			if _, err := os.Stat(dir); err != nil {
				return nil, fmt.Errorf("DATABASE_URL: directory of %s: %v", t.Display, err)
			}
		}
		sqldb, err := sql.Open("sqlite", t.DSN)
		if err != nil {
			return nil, fmt.Errorf("DATABASE_URL: %s: %v", t.Display, err)
		}
		// WAL lets readers run beside the one writer; immediate transactions
		// make writers queue on the busy timeout instead of failing.
		sqldb.SetMaxOpenConns(8)
		db = bun.NewDB(sqldb, sqliteNulSafe{sqlitedialect.New()})
		gate = make(chan struct{}, 1)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		what := "SQLite database"
		if t.Postgres {
			what = "PostgreSQL"
		}
		return nil, fmt.Errorf("DATABASE_URL: cannot open %s %s: %s", what, t.Display, oneLine(err))
	}
	return &Store{db: db, idb: db, log: log, localLocks: &localLocks{}, writeGate: gate, stmts: &stmtCache{}}, nil
}

// NUL bytes are dropped from every string written: PostgreSQL refuses them
// in text, SQLite's parser would end the literal there, and mail text is
// where they turn up. Bun's own dialects answer a NUL with a broken query,
// which would make one odd mail fail its whole transaction.
type sqliteNulSafe struct{ *sqlitedialect.Dialect }

func (d sqliteNulSafe) AppendString(b []byte, s string) []byte {
	return d.Dialect.AppendString(b, stripNUL(s))
}

type pgNulSafe struct{ *pgdialect.Dialect }

func (d pgNulSafe) AppendString(b []byte, s string) []byte {
	return d.Dialect.AppendString(b, stripNUL(s))
}

func stripNUL(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "")
}

// Close closes the database.
func (s *Store) Close() error {
	s.stmts.close()
	return s.db.Close()
}

// Postgres reports whether the store is on PostgreSQL.
func (s *Store) Postgres() bool { return s.db.Dialect().Name() == dialect.PG }

// Migrator returns the schema migrator of this database.
func (s *Store) Migrator() (*migrations.Migrator, error) { return migrations.New(s.db) }

// Migrate applies pending migrations and returns their names.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	m, err := s.Migrator()
	if err != nil {
		return nil, err
	}
	return m.Up(ctx)
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// InTx runs fn in a transaction; see domain.Store.
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context, tx domain.Store) error) error {
	return s.tx(ctx, func(ctx context.Context, tx *Store) error { return fn(ctx, tx) })
}

// tx runs fn with a Store bound to a transaction: s's own if it has one,
// else a new one.
func (s *Store) tx(ctx context.Context, fn func(ctx context.Context, tx *Store) error) error {
	if s.inTx {
		return fn(ctx, s)
	}
	if s.writeGate != nil {
		// SQLite runs one write transaction at a time (every transaction
		// begins IMMEDIATE) and its busy handler polls: under load a waiter
		// can lose to newcomers until its busy timeout fails it. Queueing
		// here first, in arrival order, keeps it fair in this process.
		wait := time.NewTimer(sqliteBusyTimeout)
		defer wait.Stop()
		select {
		case s.writeGate <- struct{}{}:
			defer func() { <-s.writeGate }()
		case <-ctx.Done():
			return ctx.Err()
		case <-wait.C:
			return fmt.Errorf("database is busy: no transaction could start within %v", sqliteBusyTimeout)
		}
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		st := &Store{db: s.db, idb: tx, inTx: true, log: s.log, localLocks: s.localLocks, writeGate: s.writeGate,
			attachmentsDir: s.attachmentsDir, stmts: s.stmts}
		if err := fn(ctx, st); err != nil {
			return err
		}
		return st.indexLater(ctx)
	})
}

// sqliteBusyTimeout is how long a SQLite transaction waits to start, in
// this process's queue and again in SQLite's busy handler (busy_timeout).
const sqliteBusyTimeout = 10 * time.Second

// oneLine joins the lines of a driver's error (pgx lists every address it
// tried on a line of its own), dropping repeats, so a failure is one line.
func oneLine(err error) string {
	var parts []string
	for _, l := range strings.Split(err.Error(), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !slices.Contains(parts, l) {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, " ")
}

// mapErr turns driver errors into domain sentinels, with a short context.
func mapErr(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	what := fmt.Sprintf(format, args...)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%s: %w", what, domain.ErrNotFound)
	case isConstraint(err):
		return fmt.Errorf("%s: %w (%v)", what, domain.ErrConflict, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// isConstraint reports unique and foreign-key violations.
func isConstraint(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505" || pe.Code == "23503"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return true
		}
	}
	return false
}

// mustAffect turns an update that matched no row into sql.ErrNoRows.
func mustAffect(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return sql.ErrNoRows
	}
	return nil
}

// utc normalizes times before they are written, so SQLite's text times
// sort and compare correctly.
func utc(t time.Time) time.Time { return t.UTC() }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func isNotFoundErr(err error) bool { return errors.Is(err, sql.ErrNoRows) }
