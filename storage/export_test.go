package storage

import "context"

// RawExec runs one SQL statement, for tests that need to set up what no
// use case writes.
func (s *Store) RawExec(ctx context.Context, query string, args ...any) error {
	_, err := s.idb.ExecContext(ctx, query, args...)
	return err
}
