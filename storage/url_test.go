package storage_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// TestSQLitePathWithURICharacters: a path with "#", "?" or "%" opens that
// very file. The driver reads the path as a URI, and "#" cut it: subtests
// named "#00" shared one database file under /tmp.
func TestSQLitePathWithURICharacters(t *testing.T) {
	for _, name := range []string{"a#00", "b?x=1", "c%41", "d e"} {
		dir := filepath.Join(t.TempDir(), name)
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "t.db")
		s, err := storage.Open(context.Background(), path, storagetest.Logger(t))
		if err != nil {
			t.Fatalf("Open(%q): %v", path, err)
		}
		if _, err := s.Migrate(context.Background()); err != nil {
			t.Fatalf("Migrate(%q): %v", path, err)
		}
		s.Close()
		if _, err := os.Stat(path); err != nil {
			t.Errorf("Open(%q) did not make that file: %v", path, err)
		}
	}
}
