package storage

import (
	"context"

	"github.com/uptrace/bun"
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

func (q queryRecorder) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}
func (q queryRecorder) AfterQuery(_ context.Context, e *bun.QueryEvent) { q.fn(e.Query) }
