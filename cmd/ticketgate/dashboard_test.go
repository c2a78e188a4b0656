package main

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage/storagetest"
)

// TestDashboardCommand: ticketgate dashboard prints the maintained figures,
// and --recount rebuilds counts that were damaged behind the triggers'
// back.
func TestDashboardCommand(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db storagetest.DB) {
		ctx := context.Background()
		env := map[string]string{"DATABASE_URL": db.URL}
		st := storagetest.Open(t, db.URL)
		now := time.Now().UTC()
		u := &domain.User{Email: "ann@company.test", Role: domain.RoleEmployee, CreatedAt: now, UpdatedAt: now}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if err := st.CreateTicket(ctx, &domain.Ticket{Subject: "s", RequesterID: u.ID, Status: domain.StatusTriage,
				CreatedAt: now, UpdatedAt: now}); err != nil {
				t.Fatal(err)
			}
		}
		line := func(out, name string) string {
			for _, l := range strings.Split(out, "\n") {
				if f := strings.Fields(l); len(f) == 2 && f[0] == name {
					return f[1]
				}
			}
			t.Fatalf("no %s line in %q", name, out)
			return ""
		}
		out, errOut, code := runCLI(t, env, "", "dashboard")
		if code != 0 || line(out, "triage") != "3" || line(out, "open") != "3" || !strings.Contains(out, "not computed yet") {
			t.Fatalf("dashboard: code %d, out %q, stderr %q", code, out, errOut)
		}
		// Damage the counts (what no write path can do).
		driver := map[string]string{"sqlite": "sqlite", "postgres": "pgx"}[db.Name]
		raw, err := sql.Open(driver, db.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		for _, q := range []string{"DELETE FROM dashboard_counts", "DELETE FROM dashboard_deltas"} {
			if _, err := raw.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if out, _, _ = runCLI(t, env, "", "dashboard"); line(out, "open") != "0" {
			t.Fatalf("damaged counts: %q", out)
		}
		out, errOut, code = runCLI(t, env, "", "dashboard", "--recount")
		if code != 0 || !strings.Contains(out, "Recounted the dashboard") || line(out, "triage") != "3" ||
			!strings.Contains(out, "median to assignment  0s over 0 tickets (as of ") {
			t.Fatalf("dashboard --recount: code %d, out %q, stderr %q", code, out, errOut)
		}
	})
}
