package storagetest

import (
	"database/sql"
	"sync"
	"testing"

	"ticketgate/domain"
	"ticketgate/storage"
)

// opened is the URL each store of Open was opened on, for the helpers that
// read a table no use case lists.
var opened sync.Map // *storage.Store → string

// InFlightRows returns the mails in flight on s's database, by key, read
// over a connection of its own: the Store lists none (intake only claims,
// takes and deletes them), and the use-case tests of intake check what a
// dead process life left. s must come from Open.
func InFlightRows(t testing.TB, s *storage.Store) map[string]domain.InFlight {
	t.Helper()
	raw, ok := opened.Load(s)
	if !ok {
		t.Fatal("storagetest.InFlightRows: the store was not opened by storagetest.Open")
	}
	target, err := storage.ParseURL(raw.(string))
	if err != nil {
		t.Fatal(err)
	}
	driver := "sqlite" // registered by storage
	if target.Postgres {
		driver = "pgx"
	}
	db, err := sql.Open(driver, target.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT mail_key, instance, crashes FROM mail_in_flight")
	if err != nil {
		t.Fatalf("read mail_in_flight: %v", err)
	}
	defer rows.Close()
	out := map[string]domain.InFlight{}
	for rows.Next() {
		var f domain.InFlight
		if err := rows.Scan(&f.Key, &f.Instance, &f.Crashes); err != nil {
			t.Fatal(err)
		}
		out[f.Key] = f
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
