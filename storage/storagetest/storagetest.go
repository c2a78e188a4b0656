// Package storagetest runs a test body against every database the machine
// offers: SQLite always (a fresh file per test), and PostgreSQL when
// TEST_DATABASE_URL is set (a fresh schema per test, dropped afterwards), so
// tests never see each other's rows.
package storagetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver

	"ticketgate/storage"
)

// DB is one database prepared for a test.
type DB struct {
	// Name is "sqlite" or "postgres"; it is also the subtest's name.
	Name string
	// URL is a DATABASE_URL that reaches this database (and, on PostgreSQL,
	// only this test's schema).
	URL string
}

// Each runs fn as a subtest per available database, each on an empty,
// unmigrated database.
func Each(t *testing.T, fn func(t *testing.T, db DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, DB{Name: "sqlite", URL: filepath.Join(t.TempDir(), "ticketgate.db")})
	})
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		return
	}
	t.Run("postgres", func(t *testing.T) {
		fn(t, DB{Name: "postgres", URL: PostgresSchema(t)})
	})
}

// EachStore is Each with the database opened and migrated.
func EachStore(t *testing.T, fn func(t *testing.T, s *storage.Store)) {
	t.Helper()
	Each(t, func(t *testing.T, db DB) {
		fn(t, Open(t, db.URL))
	})
}

// Open opens and migrates url, closing it when the test ends.
func Open(t testing.TB, url string) *storage.Store {
	t.Helper()
	ctx := context.Background()
	s, err := storage.Open(ctx, url, Logger(t))
	if err != nil {
		t.Fatalf("storage.Open: %v", err)
	}
	opened.Store(s, url)
	t.Cleanup(func() { opened.Delete(s); s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// Logger returns a logger that writes to t.Log.
func Logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// PostgresSchema creates a schema for this test on TEST_DATABASE_URL, drops
// it when the test ends, and returns a URL whose search_path points there.
// It skips the test when TEST_DATABASE_URL is unset.
func PostgresSchema(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		t.Skip("TEST_DATABASE_URL not set")
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema on TEST_DATABASE_URL: %v", err)
	}
	t.Cleanup(func() {
		// A statement of a connection the test closed may still run on
		// the server until it notices (a serve stopped mid-job), and the
		// drop, which locks every table in turn, can deadlock with it:
		// the server aborts the drop, which is tried again once that
		// statement is gone.
		var err error
		for try := 0; try < 5; try++ {
			var pe *pgconn.PgError
			if _, err = admin.Exec("DROP SCHEMA " + schema + " CASCADE"); !errors.As(err, &pe) || pe.Code != "40P01" {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Size is a benchmark's size from the environment variable name, or def
// when it is unset; a value that is not a positive integer fails tb.
func Size(tb testing.TB, name string, def int) int {
	tb.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		tb.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}
