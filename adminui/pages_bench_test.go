package adminui

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// BenchmarkPages serves the portal's busiest pages, one request at a time
// through the handler (no network), to an admin of a SQLite helpdesk of
// BENCH_TICKETS tickets (default 20,000) written through the storage
// layer: the CPU and allocations of one page, which bound how many pages
// two cores serve (tgbench measures the same pages over HTTP at 100,000).
//
//	go test ./adminui -run x -bench Pages -benchmem -cpuprofile cpu.out
func BenchmarkPages(b *testing.B) {
	n := storagetest.Size(b, "BENCH_TICKETS", 20_000)
	f := newFixture(b, storagetest.DB{Name: "sqlite", URL: filepath.Join(b.TempDir(), "ticketgate.db")})
	seedPagesBench(b, f, n)
	c := f.signedIn("root")
	cookies := c.http.Jar.Cookies(mustURL(f.srv.URL))
	pages := []struct{ name, path string }{
		{"dashboard", "/admin"},
		{"tickets", "/admin/tickets"},
		{"status", "/admin/tickets?status=assigned"},
		{"search", "/admin/tickets?q=printer"},
		{"ticket", "/admin/tickets/" + f.t1.Ref()},
	}
	for _, p := range pages {
		b.Run(p.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, p.path, nil)
			for _, ck := range cookies {
				req.AddCookie(ck)
			}
			for b.Loop() {
				w := httptest.NewRecorder()
				f.h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%s = %d: %s", p.path, w.Code, w.Body.String())
				}
				io.Copy(io.Discard, w.Body)
			}
		})
	}
}

// seedPagesBench writes n tickets of the fixture's requesters, categories
// and agents, opened over the last year, in every status.
func seedPagesBench(b *testing.B, f *fixture, n int) {
	ctx := context.Background()
	_, next, err := f.st.SeedNextIDs(ctx)
	if err != nil {
		b.Fatal(err)
	}
	cats, err := f.st.ListCategories(ctx)
	if err != nil {
		b.Fatal(err)
	}
	words := []string{"printer", "laptop", "password", "monitor", "vpn", "access", "invoice", "badge", "screen", "mouse"}
	statuses := []domain.Status{domain.StatusAssigned, domain.StatusResolved, domain.StatusClosed, domain.StatusUnassigned, domain.StatusResolved}
	now := time.Now().UTC()
	var seed storage.Seed
	for i := range n {
		st := statuses[i%len(statuses)]
		t := domain.Ticket{ID: next + int64(i), Subject: fmt.Sprintf("%s %s problem %d", words[i%10], words[(i/10)%10], i),
			Body:        fmt.Sprintf("Hello, my %s does not work since %d days. Thanks", words[(i/3)%10], i%30),
			RequesterID: f.users[[]string{"ann", "ben"}[i%2]].ID, CategoryID: cats[i%len(cats)].ID, Status: st,
			ClassMethod: "local", ClassConfidence: 0.9,
			CreatedAt: now.Add(-time.Duration(n-i) * time.Minute), UpdatedAt: now.Add(-time.Duration(n-i) * time.Minute)}
		if st == domain.StatusAssigned || st == domain.StatusResolved || st == domain.StatusClosed {
			t.AssigneeID = f.users[[]string{"bob", "carl"}[i%2]].ID
		}
		seed.Tickets = append(seed.Tickets, t)
		seed.Events = append(seed.Events, domain.Event{TicketID: t.ID, At: t.CreatedAt, Kind: domain.EventReceived, Actor: "test"})
	}
	if err := f.st.SeedRows(ctx, &seed); err != nil {
		b.Fatal(err)
	}
	if err := f.st.SeedDone(ctx); err != nil {
		b.Fatal(err)
	}
}
