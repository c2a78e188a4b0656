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
