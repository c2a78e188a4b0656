package storage_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"ticketgate/domain"
	"ticketgate/storage"
	"ticketgate/storage/storagetest"
)

// queryData is 45 tickets whose sort keys tie: subjects equal but for
// case, five updated_at values, every status; two requesters, two agents
// and nobody, two categories and none; created an hour apart.
type queryData struct {
	hw, net             *domain.Category
	ann, ben, bob, nick *domain.User
	all                 []domain.Ticket // by id
	subjects            []string
}

func seedQueryData(t *testing.T, s *storage.Store, n int) *queryData {
	t.Helper()
	ctx := context.Background()
	d := &queryData{hw: &domain.Category{Name: "Hardware"}, net: &domain.Category{Name: "Network"},
		subjects: []string{"printer", "Printer", "alpha", "ALPHA", "beta", "zeta", "Zeta", "mouse"}}
	for _, c := range []*domain.Category{d.hw, d.net} {
		c.CreatedAt, c.UpdatedAt = t0, t0
		if err := s.CreateCategory(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	d.ann = mustUser(t, s, "ann@x.test", domain.RoleEmployee)
	d.ben = mustUser(t, s, "ben@x.test", domain.RoleEmployee)
	d.bob = mustUser(t, s, "bob@x.test", domain.RoleAgent)
	d.nick = mustUser(t, s, "nick@x.test", domain.RoleAgent)
	for i := 0; i < n; i++ {
		addQueryTicket(t, s, d, i)
	}
	d.reload(t, s)
	return d
}

func addQueryTicket(t *testing.T, s *storage.Store, d *queryData, i int) *domain.Ticket {
	t.Helper()
	tk := &domain.Ticket{Subject: d.subjects[i%len(d.subjects)], Body: "body", RequesterID: []int64{d.ann.ID, d.ben.ID}[i%2],
		Status: domain.Statuses[i%len(domain.Statuses)], CategoryID: []int64{d.hw.ID, d.net.ID, 0}[i%3],
		AssigneeID: []int64{d.bob.ID, d.nick.ID, 0, d.bob.ID}[i%4],
		CreatedAt:  t0.Add(time.Duration(i) * time.Hour), UpdatedAt: t0.Add(time.Duration(i%5)*24*time.Hour + 1500*time.Microsecond)}
	if tk.Status == domain.StatusAwaitingApproval {
		tk.ApprovalLevel = 1
	}
	if err := s.CreateTicket(context.Background(), tk); err != nil {
		t.Fatal(err)
	}
	if i%3 != 2 {
		// Two tickets of three have a resolution due time, five values
		// that tie (SortDue).
		due := t0.Add(time.Duration(i*7%5) * time.Hour)
		tk.SLA.State, tk.SLA.ResolutionDueAt = domain.SLAOK, &due
		if err := s.UpdateTicket(context.Background(), tk, tk.Status); err != nil {
			t.Fatal(err)
		}
	}
	return tk
}

func (d *queryData) reload(t *testing.T, s *storage.Store) {
	t.Helper()
	all, err := s.ListTickets(context.Background(), domain.TicketQuery{Asc: true})
	if err != nil {
		t.Fatal(err)
	}
	d.all = all
}

// matches is TicketQuery's filter in Go (no text).
func matches(q domain.TicketQuery, tk *domain.Ticket) bool {
	switch {
	case q.Status != "" && tk.Status != q.Status,
		q.CategoryID == domain.NoCategory && tk.CategoryID != 0,
		q.CategoryID > 0 && tk.CategoryID != q.CategoryID,
		q.AssigneeID == domain.Nobody && tk.AssigneeID != 0,
		q.AssigneeID > 0 && tk.AssigneeID != q.AssigneeID,
		q.RequesterID != 0 && tk.RequesterID != q.RequesterID,
		!q.From.IsZero() && tk.CreatedAt.Before(q.From),
		!q.To.IsZero() && !tk.CreatedAt.Before(q.To):
		return false
	}
	return true
}

// compareIn is TicketQuery's order in Go.
func compareIn(sort domain.TicketSort, asc bool) func(a, b domain.Ticket) int {
	return func(a, b domain.Ticket) int {
		var c int
		switch sort {
		case domain.SortUpdated:
			c = cmp.Or(a.UpdatedAt.Compare(b.UpdatedAt), cmp.Compare(a.ID, b.ID))
		case domain.SortStatus:
			c = cmp.Or(cmp.Compare(a.Status, b.Status), cmp.Compare(a.ID, b.ID))
		case domain.SortSubject:
			c = cmp.Or(cmp.Compare(strings.ToLower(a.Subject), strings.ToLower(b.Subject)), cmp.Compare(a.ID, b.ID))
		case domain.SortQueue:
			return cmp.Compare(queueKey(a), queueKey(b))
		case domain.SortDue:
			// Open tickets with a due time first, by it; then the rest in
			// the queue's order.
			due := func(t domain.Ticket) (bool, time.Time) {
				if t.Status.QueueDone() || t.SLA.ResolutionDueAt == nil {
					return true, time.Time{}
				}
				return false, *t.SLA.ResolutionDueAt
			}
			an, ad := due(a)
			bn, bd := due(b)
			return cmp.Or(compareBool(an, bn), ad.Compare(bd), cmp.Compare(queueKey(a), queueKey(b)))
		default: // by id; with a date range by created_at, then id: the same here
			c = cmp.Compare(a.ID, b.ID)
		}
		if !asc {
			c = -c
		}
		return c
	}
}

func queueKey(t domain.Ticket) int64 {
	if t.Status.QueueDone() {
		return 1<<62 - t.ID
	}
	return t.ID
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func expected(all []domain.Ticket, q domain.TicketQuery) []int64 {
	var want []domain.Ticket
	for i := range all {
		if matches(q, &all[i]) {
			want = append(want, all[i])
		}
	}
	slices.SortFunc(want, compareIn(q.Sort, q.Asc))
	return idsOf(want)
}

func idsOf(ts []domain.Ticket) []int64 {
	out := make([]int64, len(ts))
	for i := range ts {
		out[i] = ts[i].ID
	}
	return out
}

// walk reads q page by page of size, forward from the top (after each
// page's last ticket), calling between(page) after each page; it returns
// every page's ids.
func walk(t *testing.T, s *storage.Store, q domain.TicketQuery, size int, between func(page int)) [][]int64 {
	t.Helper()
	q.Limit = size
	var pages [][]int64
	for len(pages) < 1000 {
		ts, err := s.ListTickets(context.Background(), q)
		if err != nil {
			t.Fatalf("ListTickets(%+v): %v", q, err)
		}
		if len(ts) > size {
			t.Fatalf("ListTickets(limit %d) = %d tickets", size, len(ts))
		}
		if len(ts) == 0 {
			return pages
		}
		pages = append(pages, idsOf(ts))
		if between != nil {
			between(len(pages))
		}
		q.After = domain.CursorOf(&ts[len(ts)-1], q.Sort, q.Asc)
	}
	t.Fatal("walk did not end")
	return nil
}

func flat(pages [][]int64) []int64 {
	var out []int64
	for _, p := range pages {
		out = append(out, p...)
	}
	return out
}

// TestTicketQueryPages: every filter and sort, both ways, walked by
// keyset pages of several sizes forward, and backward from the end (the
// Previous links), gives exactly the matches in order, on both engines;
// ties of every sort key (case-folded subjects, equal times, one status)
// fall across page boundaries.
func TestTicketQueryPages(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := seedQueryData(t, s, 45)
		if len(d.all) != 45 {
			t.Fatalf("seeded %d tickets", len(d.all))
		}
		// By due time is another order than the queue's, so the walk
		// below proves the due keys.
		byDue, byQueue := domain.TicketQuery{AssigneeID: d.bob.ID, Sort: domain.SortDue}, domain.TicketQuery{AssigneeID: d.bob.ID, Sort: domain.SortQueue}
		if slices.Equal(expected(d.all, byDue), expected(d.all, byQueue)) {
			t.Fatal("the seed's due times do not change the queue's order")
		}
		filters := []domain.TicketQuery{
			{},
			{Status: domain.StatusAssigned},
			{CategoryID: d.hw.ID},
			{CategoryID: domain.NoCategory},
			{AssigneeID: d.bob.ID},
			{AssigneeID: domain.Nobody},
			{RequesterID: d.ben.ID},
			{RequesterID: d.ann.ID, Status: domain.StatusClosed},
			{CategoryID: d.net.ID, AssigneeID: d.nick.ID},
			{From: t0.Add(5 * time.Hour), To: t0.Add(30 * time.Hour)},
			{From: t0.Add(40 * time.Hour)},
			{To: t0.Add(3 * time.Hour)},
			{Status: domain.StatusRejected, CategoryID: domain.NoCategory, AssigneeID: domain.Nobody}, // none
		}
		for _, f := range filters {
			sorts := slices.Clone(domain.TicketSorts)
			if f.AssigneeID > 0 {
				sorts = append(sorts, domain.SortQueue, domain.SortDue)
			}
			for _, sort := range sorts {
				for _, asc := range []bool{false, true} {
					q := f
					q.Sort, q.Asc = sort, asc
					if err := q.Validate(); err != nil {
						t.Fatal(err)
					}
					want := expected(d.all, q)
					for _, size := range []int{2, 7, 100} {
						got := walk(t, s, q, size, nil)
						if !slices.Equal(flat(got), want) {
							t.Errorf("%+v by pages of %d = %v, want %v", q, size, got, want)
						}
						if n, err := s.CountTickets(ctx, q, 100); n != len(want) || err != nil {
							t.Errorf("CountTickets(%+v) = %d, %v; want %d", q, n, err, len(want))
						}
					}
					if len(want) < 2 {
						continue
					}
					// Backward from the last one: the Limit tickets before
					// the cursor, in the query's order.
					last := d.ticket(want[len(want)-1])
					b := q
					b.Before, b.Limit = domain.CursorOf(last, q.Sort, q.Asc), 3
					var back []int64
					for {
						ts, err := s.ListTickets(ctx, b)
						if err != nil {
							t.Fatal(err)
						}
						if len(ts) == 0 {
							break
						}
						back = append(idsOf(ts), back...)
						b.Before = domain.CursorOf(&ts[0], q.Sort, q.Asc)
					}
					if !slices.Equal(back, want[:len(want)-1]) {
						t.Errorf("%+v backward = %v, want %v", q, back, want[:len(want)-1])
					}
				}
			}
		}
		if n, err := s.CountTickets(ctx, domain.TicketQuery{}, 10); n != 10 || err != nil {
			t.Errorf("CountTickets(max 10) = %d, %v", n, err)
		}
	})
}

func (d *queryData) ticket(id int64) *domain.Ticket {
	for i := range d.all {
		if d.all[i].ID == id {
			return &d.all[i]
		}
	}
	panic(fmt.Sprint("no ticket ", id))
}

// TestTicketQueryPagesWhileChanging: tickets created and changed between
// two pages. By creation (id, which never changes), every ticket that
// was there when the walk began and still matches is shown exactly once,
// whatever happens to the others; new ones come where their id puts them
// (above the cursor newest first: not shown; at the end oldest first).
// By a key that changes (updated, status), a ticket whose key did not
// change is shown exactly once; one whose key moved across the cursor
// may be missed or shown twice (docs/portal.md says so).
func TestTicketQueryPagesWhileChanging(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := seedQueryData(t, s, 45)
		seen := func(pages [][]int64) map[int64]int {
			m := map[int64]int{}
			for _, id := range flat(pages) {
				m[id]++
			}
			return m
		}
		// change moves ticket id to status st, updated now.
		now := t0.Add(90 * 24 * time.Hour)
		change := func(id int64, st domain.Status) {
			t.Helper()
			tk, err := s.GetTicket(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			prev := tk.Status
			now = now.Add(time.Minute)
			tk.Status, tk.UpdatedAt = st, now
			if err := s.UpdateTicket(ctx, tk, prev); err != nil {
				t.Fatal(err)
			}
		}
		ids := idsOf(d.all)
		for _, c := range []struct {
			name string
			q    domain.TicketQuery
		}{
			{"newest first", domain.TicketQuery{}},
			{"oldest first", domain.TicketQuery{Asc: true}},
			{"assigned, newest first", domain.TicketQuery{Status: domain.StatusAssigned}},
			{"by last change", domain.TicketQuery{Sort: domain.SortUpdated}},
			{"by last change, oldest first", domain.TicketQuery{Sort: domain.SortUpdated, Asc: true}},
			{"by status", domain.TicketQuery{Sort: domain.SortStatus}},
		} {
			d.reload(t, s)
			before := map[int64]domain.Ticket{}
			for _, tk := range d.all {
				before[tk.ID] = tk
			}
			var created []int64
			var changed []int64
			pages := walk(t, s, c.q, 5, func(page int) {
				if page != 1 {
					return
				}
				// Between pages 1 and 2: three new tickets, and changes to
				// tickets on page 1, on later pages, and in between.
				for i := 0; i < 3; i++ {
					created = append(created, addQueryTicket(t, s, d, 45+i).ID)
				}
				for _, id := range []int64{ids[0], ids[3], ids[20], ids[len(ids)-2]} {
					st := domain.StatusAssigned
					if before[id].Status == domain.StatusAssigned {
						st = domain.StatusResolved
					}
					change(id, st)
					changed = append(changed, id)
				}
			})
			got := seen(pages)
			keyChanged := func(id int64) bool {
				switch c.q.Sort {
				case domain.SortUpdated, domain.SortStatus:
					return slices.Contains(changed, id)
				}
				return false
			}
			// Now, after the walk: what still matches.
			d.reload(t, s)
			for _, tk := range d.all {
				_, old := before[tk.ID]
				switch {
				case !old:
					continue
				case keyChanged(tk.ID):
					if got[tk.ID] > 2 {
						t.Errorf("%s: %s shown %d times", c.name, tk.Ref(), got[tk.ID])
					}
				case matches(c.q, &tk) && matches(c.q, ptr(before[tk.ID])):
					if got[tk.ID] != 1 {
						t.Errorf("%s: %s, there all along, shown %d times", c.name, tk.Ref(), got[tk.ID])
					}
				default: // left or joined the filter meanwhile
					if got[tk.ID] > 1 {
						t.Errorf("%s: %s shown %d times", c.name, tk.Ref(), got[tk.ID])
					}
				}
			}
			for _, id := range created {
				switch {
				case c.q.Sort == domain.SortCreated && !c.q.Asc && got[id] != 0:
					t.Errorf("%s: new %s shown below the cursor", c.name, domain.FormatRef(id))
				case c.q.Sort == domain.SortCreated && c.q.Asc && c.q.Status == "" && got[id] != 1:
					t.Errorf("%s: new %s shown %d times, want once at the end", c.name, domain.FormatRef(id), got[id])
				}
			}
			// Put the data back as it was for the next case.
			for _, id := range created {
				if err := s.RawExec(ctx, "DELETE FROM events WHERE ticket_id = ?", id); err != nil {
					t.Fatal(err)
				}
				if err := s.RawExec(ctx, "DELETE FROM tickets WHERE id = ?", id); err != nil {
					t.Fatal(err)
				}
			}
			for _, id := range changed {
				tk := before[id]
				cur, _ := s.GetTicket(ctx, id)
				if err := s.UpdateTicket(ctx, &tk, cur.Status); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

func ptr[T any](v T) *T { return &v }

// TestTicketPageLinks: the Desk's pages over the builder: Next and
// Previous positions, the page numbers shown, a Previous link that
// reaches the top showing the whole first page, and the exact count.
func TestTicketPageLinks(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		d := seedQueryData(t, s, 45)
		desk := domain.NewDesk(s, clockAt(t0), storagetest.Logger(t))
		q := domain.TicketQuery{Sort: domain.SortSubject, Asc: true}
		want := expected(d.all, domain.TicketQuery{Sort: domain.SortSubject, Asc: true})
		page := func(at domain.PageAt) *domain.TicketPage {
			t.Helper()
			p, err := desk.AllTickets(ctx, q, at)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		check := func(name string, p *domain.TicketPage, number int, ids []int64, prev, next bool) {
			t.Helper()
			if got := idsOf(p.Tickets); !slices.Equal(got, ids) || p.Page != number || p.Pages != 3 || p.Total != 45 || p.Capped ||
				(p.Prev != nil) != prev || (p.Next != nil) != next {
				t.Errorf("%s = %v page %d of %d (total %d, capped %v, prev %v, next %v); want %v page %d of 3, prev %v, next %v",
					name, got, p.Page, p.Pages, p.Total, p.Capped, p.Prev != nil, p.Next != nil, ids, number, prev, next)
			}
		}
		p1 := page(domain.PageAt{Page: 7}) // a page number without a position is the first page
		check("first page", p1, 1, want[:20], false, true)
		p2 := page(domain.PageAt{After: p1.Next, Page: 2})
		check("next", p2, 2, want[20:40], true, true)
		p3 := page(domain.PageAt{After: p2.Next, Page: 3})
		check("next again", p3, 3, want[40:], true, false)
		check("previous of the last", page(domain.PageAt{Before: p3.Prev, Page: 2}), 2, want[20:40], true, true)
		check("previous of the second", page(domain.PageAt{Before: p2.Prev, Page: 1}), 1, want[:20], false, true)
		// A Previous link from the fifth ticket: fewer than a page before
		// it, so the whole first page.
		c := domain.CursorOf(d.ticket(want[4]), q.Sort, q.Asc)
		check("previous near the top", page(domain.PageAt{Before: c, Page: 2}), 1, want[:20], false, true)
		// A hostile page number changes only the number shown.
		check("page label 0", page(domain.PageAt{After: p1.Next, Page: 0}), 2, want[20:40], true, true)
		if _, err := desk.AllTickets(ctx, domain.TicketQuery{Sort: domain.SortUpdated}, domain.PageAt{After: p1.Next}); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("a subject position on the updated sort = %v, want ErrInvalid", err)
		}

		// In order of relevance (the default with a text) the pages are
		// positions in the ranked list: they walk it whole, forward and
		// back, as the list without a limit gives it.
		q = domain.TicketQuery{Text: "body"}
		all, err := s.ListTickets(ctx, domain.TicketQuery{Text: "body"})
		if err != nil || len(all) != 45 {
			t.Fatalf("ranked list = %d tickets, %v", len(all), err)
		}
		ranked := idsOf(all)
		p1 = page(domain.PageAt{})
		check("ranked first page", p1, 1, ranked[:20], false, true)
		if p1.Next.Sort != domain.SortRelevance || p1.Next.Pos != 19 {
			t.Errorf("ranked next = %+v, want position 19", p1.Next)
		}
		p2 = page(domain.PageAt{After: p1.Next, Page: 2})
		check("ranked next", p2, 2, ranked[20:40], true, true)
		p3 = page(domain.PageAt{After: p2.Next, Page: 3})
		check("ranked next again", p3, 3, ranked[40:], true, false)
		check("ranked previous of the last", page(domain.PageAt{Before: p3.Prev, Page: 2}), 2, ranked[20:40], true, true)
		check("ranked previous of the second", page(domain.PageAt{Before: p2.Prev, Page: 1}), 1, ranked[:20], false, true)
		near := &domain.TicketCursor{Sort: domain.SortRelevance, ID: ranked[4], Pos: 4}
		check("ranked previous near the top", page(domain.PageAt{Before: near, Page: 2}), 1, ranked[:20], false, true)
		// A text alone by creation is paged in the search index by id.
		q = domain.TicketQuery{Text: "body", Sort: domain.SortCreated}
		byID := slices.Clone(ranked)
		slices.Sort(byID)
		slices.Reverse(byID)
		p1 = page(domain.PageAt{})
		check("search by creation", p1, 1, byID[:20], false, true)
		p2 = page(domain.PageAt{After: p1.Next, Page: 2})
		check("search by creation, next", p2, 2, byID[20:40], true, true)
		p3 = page(domain.PageAt{After: p2.Next, Page: 3})
		check("search by creation, next again", p3, 3, byID[40:], true, false)
		check("search by creation, previous of the last", page(domain.PageAt{Before: p3.Prev, Page: 2}), 2, byID[20:40], true, true)
		check("search by creation, previous of the second", page(domain.PageAt{Before: p2.Prev, Page: 1}), 1, byID[:20], false, true)
		if _, err := desk.AllTickets(ctx, domain.TicketQuery{Sort: domain.SortRelevance}, domain.PageAt{}); !errors.Is(err, domain.ErrInvalid) {
			t.Errorf("relevance without a text = %v, want ErrInvalid", err)
		}
	})
}

// TestTicketCountCapped: past TicketCountCap matches the count stops, and
// the page says it is capped (no number of pages); under it the count is
// exact (a requester's tickets).
func TestTicketCountCapped(t *testing.T) {
	storagetest.EachStore(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		ids, err := s.SeedSpreadForTest(ctx, domain.TicketCountCap+50, t0)
		if err != nil {
			t.Fatal(err)
		}
		desk := domain.NewDesk(s, clockAt(t0), storagetest.Logger(t))
		p, err := desk.AllTickets(ctx, domain.TicketQuery{}, domain.PageAt{})
		if err != nil || p.Total != domain.TicketCountCap || !p.Capped || p.Pages != 0 || len(p.Tickets) != domain.TicketPageSize || p.Next == nil {
			t.Errorf("all tickets = total %d, capped %v, pages %d, %d tickets, %v", p.Total, p.Capped, p.Pages, len(p.Tickets), err)
		}
		// A text every ticket matches: its count stops at the cap too, and
		// in order of relevance the list ends after MaxRankedMatches.
		p, err = desk.AllTickets(ctx, domain.TicketQuery{Text: "printer"}, domain.PageAt{})
		ranked := domain.MaxRankedMatches / domain.TicketPageSize
		if err != nil || p.Total != domain.TicketCountCap || !p.Capped || !p.Cut || p.Pages != ranked || len(p.Tickets) != domain.TicketPageSize || p.Next == nil {
			t.Fatalf("search = total %d, capped %v, cut %v, pages %d, %d tickets, %v", p.Total, p.Capped, p.Cut, p.Pages, len(p.Tickets), err)
		}
		end := &domain.TicketCursor{Sort: domain.SortRelevance, ID: p.Tickets[0].ID, Pos: domain.MaxRankedMatches - domain.TicketPageSize - 1}
		p, err = desk.AllTickets(ctx, domain.TicketQuery{Text: "printer"}, domain.PageAt{After: end, Page: ranked})
		if err != nil || len(p.Tickets) != domain.TicketPageSize || p.Next != nil || p.Prev == nil || p.Page != ranked {
			t.Errorf("last ranked page = %d tickets, next %v, page %d, %v; want %d tickets and no next", len(p.Tickets), p.Next, p.Page, err, domain.TicketPageSize)
		}
		p, err = desk.AllTickets(ctx, domain.TicketQuery{Text: "printer", Sort: domain.SortCreated}, domain.PageAt{})
		if err != nil || !p.Capped || p.Cut || p.Pages != 0 || p.Next == nil {
			t.Errorf("search by creation = capped %v, cut %v, pages %d, next %v, %v", p.Capped, p.Cut, p.Pages, p.Next, err)
		}
		req := &domain.User{ID: ids.Requester, Email: "req0@seed.test"}
		p, err = desk.MyTickets(ctx, req, "", domain.PageAt{})
		if want := (domain.TicketCountCap + 50 + 299) / 300; err != nil || p.Total != want || p.Capped || p.Pages != 2 {
			t.Errorf("a requester's tickets = total %d, capped %v, pages %d, %v; want %d exactly", p.Total, p.Capped, p.Pages, err, want)
		}
	})
}
